//! `awsnav auth`: IAM users' long-lived keys in the key store — added, imported from the
//! shared credentials file, listed, removed, rotated.

use std::fmt::Write as _;
use std::process::ExitCode;

use time::OffsetDateTime;

use crate::app::access_keys::{self, KeyError, Propagation};
use crate::app::context::AppContext;
use crate::domain::credentials::{AccessKey, key_tail};
use crate::store::key_store::KeyRecord;

use super::args::AuthCommand;
use super::output::say;
use super::output::{pad, write_stdout};
use super::prompt;
use super::prompt::mfa_source;

/// Where IAM users can go instead of keeping a key at all.
const KEYLESS_HINT: &str = "awsnav: IAM users need no access key: `awsnav login --console --profile P` signs in with the console password and MFA, then `awsnav auth remove NAME --deactivate` turns the key off";

/// Keys older than this are flagged in `auth list` (AWS's own advice is 90 days).
const OLD_KEY_DAYS: i64 = 90;

/// Runs an `awsnav auth` command.
///
/// # Errors
/// What the command fails with, phrased for the user.
pub async fn auth(ctx: &AppContext, command: AuthCommand) -> anyhow::Result<ExitCode> {
    let now = OffsetDateTime::now_utc();
    match command {
        AuthCommand::Add { name, env } => {
            let key = if env {
                key_from_env()?
            } else {
                key_from_terminal()?
            };
            let record = access_keys::add(&ctx.access, &name, &key, now).await?;
            say!(
                "awsnav: stored `{name}` (key …{}, {}) in {}",
                record.key_tail,
                record.user_arn,
                where_stored(ctx)
            );
            Ok(ExitCode::SUCCESS)
        }
        AuthCommand::Import { profile, remove } => import(ctx, &profile, remove, now).await,
        AuthCommand::List { json } => {
            let records = ctx.access.keys.list();
            write_stdout(&list(&records, json, now))?;
            if !json && !records.is_empty() {
                say!("{KEYLESS_HINT}");
            }
            Ok(ExitCode::SUCCESS)
        }
        AuthCommand::Remove {
            name,
            deactivate: true,
            console_profile,
        } => {
            let retired =
                access_keys::retire(&ctx.access, &name, console_profile.as_deref()).await?;
            say!(
                "awsnav: the key …{} of {} is turned off in IAM (the console session of profile {} works) and `{name}` is removed from {}; `aws iam update-access-key --status Active` turns it on again",
                key_tail(&retired.key_id),
                retired.user_arn,
                retired.profile,
                where_stored(ctx)
            );
            Ok(ExitCode::SUCCESS)
        }
        AuthCommand::Remove { name, .. } => {
            if ctx.access.keys.remove(&name)? {
                say!("awsnav: removed `{name}` from {}", where_stored(ctx));
                Ok(ExitCode::SUCCESS)
            } else {
                Err(KeyError::NotStored(name).into())
            }
        }
        AuthCommand::Rotate { name, mfa_code } => {
            let mfa = mfa_source(ctx, mfa_code, &format!("Rotating the access key `{name}`"));
            let rotated =
                access_keys::rotate(&ctx.access, &name, &mfa, now, Propagation::default()).await?;
            say!(
                "awsnav: `{name}` rotated: the new key …{} is stored and working; the old key …{} is deleted in IAM",
                rotated.record.key_tail,
                key_tail(&rotated.old_key_id)
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn where_stored(ctx: &AppContext) -> &'static str {
    match ctx.access.keys.backend_name() {
        "file" => "the encrypted key file",
        _ => "the OS keyring",
    }
}

/// The key in `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
fn key_from_env() -> anyhow::Result<AccessKey> {
    let var = |v: &str| std::env::var(v).ok().filter(|s| !s.trim().is_empty());
    let (Some(id), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) else {
        anyhow::bail!(
            "--env takes the key from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: set both"
        );
    };
    if var("AWS_SESSION_TOKEN").is_some() {
        return Err(KeyError::Temporary(format!("…{}", key_tail(&id))).into());
    }
    Ok(AccessKey {
        access_key_id: id.trim().to_owned(),
        secret_access_key: secret.trim().to_owned(),
    })
}

/// The key asked for on the terminal, the secret without echo.
fn key_from_terminal() -> anyhow::Result<AccessKey> {
    let no_terminal = || {
        anyhow::anyhow!(
            "no terminal to ask for the key on: run it on a terminal, or pass --env with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set"
        )
    };
    let id = prompt::ask("Access key id: ")?.ok_or_else(no_terminal)?;
    let secret = prompt::ask_secret("Secret access key (not shown): ").ok_or_else(no_terminal)?;
    if id.trim().is_empty() || secret.trim().is_empty() {
        anyhow::bail!("both the access key id and the secret are needed: nothing was stored");
    }
    Ok(AccessKey {
        access_key_id: id.trim().to_owned(),
        secret_access_key: secret.trim().to_owned(),
    })
}

async fn import(
    ctx: &AppContext,
    profile: &str,
    remove: bool,
    now: OffsetDateTime,
) -> anyhow::Result<ExitCode> {
    let found = access_keys::find_in_credentials_file(profile)?;
    let record = access_keys::import(&ctx.access, profile, &found, now).await?;
    say!(
        "awsnav: stored `{profile}` (key …{}, {}) in {}",
        record.key_tail,
        record.user_arn,
        where_stored(ctx)
    );
    say!("{KEYLESS_HINT}");
    let remove = remove
        || (prompt::person_present()
            && prompt::ask(&format!(
                "Delete `{profile}`'s keys from {} now? Other tools keep working through a credential_process line [y/N] ",
                found.file.display()
            ))?
            .is_some_and(|a| a.trim().eq_ignore_ascii_case("y") || a.trim().eq_ignore_ascii_case("yes")));
    if !remove {
        say!(
            "awsnav: the keys are still in {} too; `awsnav auth import {profile} --remove` deletes them there",
            found.file.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let removed = access_keys::remove_from_files(&found, profile, &super::own_path())?;
    let mut note = format!(
        "awsnav: deleted `{profile}`'s keys from {}",
        found.file.display()
    );
    if let Some(b) = &removed.credentials_backup {
        let _ = write!(note, " (the old file is at {})", b.display());
    }
    let _ = write!(
        note,
        "; profile `{profile}` now gets short-lived sessions through credential_process in {}",
        removed.config_file.display()
    );
    say!("{note}");
    Ok(ExitCode::SUCCESS)
}

/// `auth list` as a table or JSON.
fn list(records: &[KeyRecord], json: bool, now: OffsetDateTime) -> String {
    let age = |r: &KeyRecord| (now - r.created).whole_days().max(0);
    if json {
        let rows: Vec<serde_json::Value> = records
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name,
                    "key_id_last4": r.key_tail,
                    "user_arn": r.user_arn,
                    "created": r.created.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                    "age_days": age(r),
                    "stored_in": r.stored_in,
                })
            })
            .collect();
        return format!(
            "{}\n",
            crate::domain::untrusted::json_pretty(&rows).unwrap_or_default()
        );
    }
    if records.is_empty() {
        return "no keys stored (`awsnav auth add NAME` or `awsnav auth import PROFILE` stores one)\n"
            .to_owned();
    }
    let name_w = records
        .iter()
        .map(|r| super::output::width(&r.name))
        .max()
        .unwrap_or(0)
        .max(4);
    let user_w = records
        .iter()
        .map(|r| super::output::width(&r.user_arn))
        .max()
        .unwrap_or(0)
        .max(4);
    let mut out = format!(
        "{}  KEY    {}  AGE      STORED IN\n",
        pad("NAME", name_w),
        pad("USER", user_w)
    );
    for r in records {
        let days = age(r);
        let flag = if days > OLD_KEY_DAYS {
            format!(
                "  (over {OLD_KEY_DAYS} days: awsnav auth rotate {})",
                r.name
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{}  …{}  {}  {}  {}{flag}",
            pad(&r.name, name_w),
            r.key_tail,
            pad(&r.user_arn, user_w),
            pad(&format!("{days} d"), 7),
            r.stored_in
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_list_shows_tails_ages_and_old_keys() {
        let r = |name: &str, created| KeyRecord {
            name: name.into(),
            key_tail: "WXYZ".into(),
            user_arn: format!("arn:aws:iam::111122223333:user/{name}"),
            created,
            stored_in: "keyring".into(),
        };
        let now = datetime!(2026-11-29 12:00 UTC);
        let rows = [
            r("alice", datetime!(2026-11-19 12:00 UTC)),
            r("bob", datetime!(2026-01-01 0:00 UTC)),
        ];
        let table = list(&rows, false, now);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("NAME   KEY    USER"), "{table}");
        assert!(
            lines[1].contains("…WXYZ") && lines[1].contains("10 d"),
            "{table}"
        );
        assert!(!lines[1].contains("rotate"), "{table}");
        assert!(lines[2].contains("awsnav auth rotate bob"), "{table}");
        let json: serde_json::Value = serde_json::from_str(&list(&rows, true, now)).unwrap();
        assert_eq!(json[1]["age_days"], 332);
        assert_eq!(json[0]["key_id_last4"], "WXYZ");
        assert_eq!(json[0]["stored_in"], "keyring");
        assert!(list(&[], false, now).contains("awsnav auth add"));
    }
}
