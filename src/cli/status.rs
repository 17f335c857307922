//! `awsnav status`: every identity awsnav can get in with and its time left, from what is
//! cached — a table for people, JSON for prompts and scripts.

use std::fmt::Write as _;
use std::process::ExitCode;

use time::OffsetDateTime;

use super::output::{pad, visible_cells, width, write_stdout, write_text};
use crate::app::context::AppContext;
use crate::app::identities::{self, Identity};

/// `awsnav status [--json]`.
///
/// # Errors
/// When stdout cannot be written.
pub async fn status(ctx: &AppContext, json: bool) -> anyhow::Result<ExitCode> {
    if ctx.is_demo() {
        anyhow::bail!("the demo organization has no sign-ins: run without --demo");
    }
    let all = identities::identities(ctx, OffsetDateTime::now_utc()).await;
    if json {
        write_stdout(&(crate::domain::untrusted::json_pretty(&all)? + "\n"))?;
    } else {
        write_text(&table(&all))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// KIND, NAME, LEFT and DETAIL, with how to sign in where it is not.
fn table(all: &[Identity]) -> String {
    let mut rows = vec![[
        "KIND".to_owned(),
        "NAME".into(),
        "LEFT".into(),
        "DETAIL".into(),
    ]];
    rows.extend(all.iter().map(|i| {
        let mut detail = i.detail.clone();
        if !i.signed_in
            && let Some(how) = &i.sign_in
        {
            let _ = write!(detail, " (sign in: {how})");
        }
        [i.kind.label().to_owned(), i.full_name(), i.left(), detail]
    }));
    let rows = visible_cells(rows);
    let widths: Vec<usize> = (0..3)
        .map(|c| rows.iter().map(|r| width(&r[c])).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let _ = writeln!(
            out,
            "{}  {}  {}  {}",
            pad(&r[0], widths[0]),
            pad(&r[1], widths[1]),
            pad(&r[2], widths[2]),
            r[3]
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::identities::Kind;

    #[test]
    fn the_table_says_what_is_left_and_how_to_sign_in() {
        let mut ic = Identity {
            kind: Kind::IdentityCenter,
            name: "corp".into(),
            signed_in: false,
            ends: None,
            seconds_left: None,
            detail: "https://corp.awsapps.com/start".into(),
            sign_in: Some("awsnav login --profile corp".into()),
            org: None,
        };
        let text = table(std::slice::from_ref(&ic));
        assert!(text.starts_with("KIND"), "{text}");
        assert!(
            text.contains("Identity Center  corp  not signed in  https://corp.awsapps.com/start (sign in: awsnav login --profile corp)"),
            "{text}"
        );
        ic.signed_in = true;
        ic.seconds_left = Some(43 * 60);
        let text = table(&[ic]);
        assert!(text.contains("43 min"), "{text}");
        assert!(!text.contains("sign in:"), "{text}");
    }
}
