//! `awsnav config generate`: AWS config profiles for every account × role, so every tool that
//! reads `~/.aws/config` can use them, and a marked block in that file kept up to date.

use std::fmt::Write as _;

use crate::domain::untrusted;
use crate::store::aws_config_block::{BEGIN, END};

/// How a generated profile gets its credentials.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ProfileStyle {
    /// `credential_process = awsnav credential-process …`: awsnav's MFA session and cache.
    #[default]
    CredentialProcess,
    /// `role_arn` + `source_profile` (+ `mfa_serial`): the SDKs and CLI assume the role.
    AssumeRole,
}

/// One profile to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub account_id: String,
    pub account_name: String,
    pub role: String,
    pub role_arn: String,
    pub region: Option<String>,
    /// The production guard's verdict: marked in the file; credential-process profiles carry
    /// `--yes`, since the tools that run them have no terminal to confirm on.
    pub production: bool,
    /// An IAM Identity Center role: written as an `sso_*` profile in either style, since every
    /// AWS tool signs in to those itself.
    pub sso: bool,
}

/// What the assume-role style needs besides the role.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileSource {
    /// The profile whose credentials assume the roles.
    pub profile: Option<String>,
    pub mfa_serial: Option<String>,
    /// The Identity Center sign-in that SSO profiles use.
    pub sso: Option<crate::aws::sso::SsoSource>,
}

/// `<prefix><account-name>/<role>` with anything but letters, digits and `._-+@` made `-`
/// ([`untrusted::ini_name`]): a name can neither close the section nor start another.
#[must_use]
pub fn profile_name(prefix: &str, account: &str, role: &str) -> String {
    format!(
        "{}{}/{}",
        untrusted::ini_name(prefix),
        untrusted::ini_name(account),
        untrusted::ini_name(role)
    )
}

/// The account each profile of awsnav's block in `text` (an AWS config file) points to, read
/// from the lines that decide it — `credential_process … --account ID`, `sso_account_id`, or
/// the account of `role_arn` — never from the comment, which holds the account's name.
#[must_use]
pub fn accounts_in_block(text: &str) -> Vec<(String, String)> {
    use crate::store::aws_config_block::{BEGIN, END};
    let id_in = |line: &str| -> Option<String> {
        let line = line.trim();
        let rest = if let Some(v) = line.strip_prefix("sso_account_id") {
            v.trim_start().strip_prefix('=')?.trim()
        } else if let Some(v) = line.strip_prefix("role_arn") {
            v.trim_start().strip_prefix('=')?.trim().split(':').nth(4)?
        } else if line.starts_with("credential_process") {
            line.rsplit_once(" --account ")?
                .1
                .split_whitespace()
                .next()?
        } else {
            return None;
        };
        crate::domain::model::AccountId::parse(rest)
            .ok()
            .map(|id| id.to_string())
    };
    let mut found = Vec::new();
    let mut inside = false;
    let mut current: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed == BEGIN {
            inside = true;
        } else if trimmed == END {
            break;
        } else if !inside {
        } else if let Some(name) = trimmed
            .strip_prefix("[profile ")
            .and_then(|n| n.strip_suffix(']'))
        {
            current = Some(name.trim().to_owned());
        } else if let (Some(name), Some(id)) = (&current, id_in(trimmed)) {
            found.push((name.clone(), id));
            current = None;
        }
    }
    found
}

/// Whether `role` can be written into a profile: an IAM role or permission set name as AWS
/// allows them (a path before it too), so safe as a config value and a command-line word.
#[must_use]
pub fn writable_role(role: &str) -> bool {
    role.split('/').all(untrusted::is_iam_name)
}

/// The block's text (markers included), profiles in the order given.
#[must_use]
pub fn render(
    profiles: &[Profile],
    style: ProfileStyle,
    awsnav: &str,
    source: &ProfileSource,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{BEGIN}");
    let _ = writeln!(
        out,
        "# {} profiles. Edits inside this block are replaced on the next --write.",
        profiles.len()
    );
    for p in profiles {
        let _ = writeln!(out);
        let marker = if p.production { " — PRODUCTION" } else { "" };
        // The account's own name, escaped: no line end in it can end the comment.
        let _ = writeln!(
            out,
            "# {} ({}) as {}{marker}",
            untrusted::visible(&p.account_name),
            p.account_id,
            untrusted::visible(&p.role)
        );
        let _ = writeln!(out, "[profile {}]", p.name);
        match (&source.sso, style) {
            (Some(sso), _) if p.sso => {
                if let Some(session) = &sso.session {
                    let _ = writeln!(out, "sso_session = {session}");
                } else {
                    let _ = writeln!(out, "sso_start_url = {}", sso.start_url);
                    let _ = writeln!(out, "sso_region = {}", sso.region);
                }
                let _ = writeln!(out, "sso_account_id = {}", p.account_id);
                let _ = writeln!(out, "sso_role_name = {}", p.role);
            }
            (_, ProfileStyle::CredentialProcess) => {
                let _ = writeln!(
                    out,
                    "credential_process = {} credential-process --account {} --role {}{}",
                    quote(awsnav),
                    p.account_id,
                    quote(&p.role),
                    if p.production { " --yes" } else { "" }
                );
            }
            (_, ProfileStyle::AssumeRole) => {
                let _ = writeln!(out, "role_arn = {}", p.role_arn);
                if let Some(s) = &source.profile {
                    let _ = writeln!(out, "source_profile = {s}");
                }
                if let Some(m) = &source.mfa_serial {
                    let _ = writeln!(out, "mfa_serial = {m}");
                }
            }
        }
        if let Some(r) = &p.region {
            let _ = writeln!(out, "region = {r}");
        }
    }
    let _ = writeln!(out, "{END}");
    out
}

/// A word for the AWS CLI's `credential_process` line, which it splits like a shell does.
fn quote(word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+@:".contains(c))
    {
        word.to_owned()
    } else {
        format!("\"{}\"", word.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::aws_config_block::merge;

    fn profile(name: &str, role: &str) -> Profile {
        Profile {
            name: profile_name("", name, role),
            account_id: "111122223333".into(),
            account_name: name.into(),
            role: role.into(),
            role_arn: format!("arn:aws:iam::111122223333:role/{role}"),
            region: Some("eu-west-1".into()),
            production: name.ends_with("prod"),
            sso: false,
        }
    }

    #[test]
    fn the_account_of_each_profile_is_read_from_what_decides_it() {
        let sso = crate::aws::sso::SsoSource {
            profile: "corp".into(),
            session: Some("corp".into()),
            start_url: "https://corp.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            scopes: Vec::new(),
        };
        // A name made to look like another account's comment changes nothing.
        let mut spoof = profile("x (999999999999) as Admin", "Admin");
        spoof.account_id = "444455556666".into();
        spoof.role_arn = "arn:aws:iam::444455556666:role/Admin".into();
        let sso_role = Profile {
            sso: true,
            ..profile("shop", "AdministratorAccess")
        };
        for style in [ProfileStyle::CredentialProcess, ProfileStyle::AssumeRole] {
            let block = render(
                &[
                    profile("payments-prod", "Admin"),
                    spoof.clone(),
                    sso_role.clone(),
                ],
                style,
                "/opt/awsnav --account 999999999999",
                &ProfileSource {
                    sso: Some(sso.clone()),
                    ..ProfileSource::default()
                },
            );
            let text = format!(
                "[default]\nregion = x\n{block}[profile after]\nrole_arn = arn:aws:iam::777777777777:role/R\n"
            );
            assert_eq!(
                accounts_in_block(&text),
                vec![
                    ("payments-prod/Admin".to_owned(), "111122223333".to_owned()),
                    (
                        "x--999999999999--as-Admin/Admin".to_owned(),
                        "444455556666".to_owned()
                    ),
                    (
                        "shop/AdministratorAccess".to_owned(),
                        "111122223333".to_owned()
                    ),
                ],
                "{style:?}: {text}"
            );
        }
        assert!(
            accounts_in_block("[profile a]\nrole_arn = arn:aws:iam::111122223333:role/R\n")
                .is_empty()
        );
    }

    #[test]
    fn identity_center_roles_are_sso_profiles_in_either_style() {
        let sso_role = Profile {
            sso: true,
            ..profile("shop", "AdministratorAccess")
        };
        let session = crate::aws::sso::SsoSource {
            profile: "corp".into(),
            session: Some("corp".into()),
            start_url: "https://corp.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            scopes: Vec::new(),
        };
        for style in [ProfileStyle::CredentialProcess, ProfileStyle::AssumeRole] {
            let block = render(
                &[sso_role.clone(), profile("shop", "Admin")],
                style,
                "awsnav",
                &ProfileSource {
                    sso: Some(session.clone()),
                    ..ProfileSource::default()
                },
            );
            assert!(
                block.contains("[profile shop/AdministratorAccess]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = AdministratorAccess\nregion = eu-west-1\n"),
                "{block}"
            );
            assert!(!block.contains("[profile shop/Admin]\nsso"), "{block}");
        }
        let legacy = render(
            &[sso_role],
            ProfileStyle::CredentialProcess,
            "awsnav",
            &ProfileSource {
                sso: Some(crate::aws::sso::SsoSource {
                    session: None,
                    ..session
                }),
                ..ProfileSource::default()
            },
        );
        assert!(
            legacy.contains("sso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 111122223333\n"),
            "{legacy}"
        );
    }

    #[test]
    fn names_are_predictable_and_safe() {
        assert_eq!(
            profile_name("", "payments-prod", "Admin"),
            "payments-prod/Admin"
        );
        assert_eq!(
            profile_name("org:", "Team [A] prod", "Read Only"),
            "org-Team--A--prod/Read-Only"
        );
    }

    #[test]
    fn hostile_names_add_no_section_and_no_key() {
        let mut p = profile(
            "x]\n[profile evil]\ncredential_process = touch /tmp/pwn\n#",
            "Admin",
        );
        p.account_name.push_str("\r\u{85}\u{2028}end");
        let block = render(
            &[p],
            ProfileStyle::CredentialProcess,
            "awsnav",
            &ProfileSource::default(),
        );
        let sections: Vec<&str> = block.lines().filter(|l| l.starts_with('[')).collect();
        assert_eq!(
            sections,
            ["[profile x---profile-evil--credential_process---touch--tmp-pwn--/Admin]"]
        );
        let keys: Vec<&str> = block
            .lines()
            .filter(|l| !l.starts_with('#') && l.contains(" = "))
            .collect();
        assert_eq!(keys.len(), 2, "{block}");
        assert!(keys[0].starts_with(
            "credential_process = awsnav credential-process --account 111122223333 --role Admin"
        ));
        assert_eq!(keys[1], "region = eu-west-1");
        assert!(block.contains(r"# x]\n[profile evil]\ncredential_process = touch /tmp/pwn\n#\r\u{85}\u{2028}end (111122223333)"), "{block}");
        assert!(!block.contains(['\r', '\u{85}', '\u{2028}']));
        assert!(writable_role("Admin"));
        assert!(writable_role("team/Admin+RO"));
        assert!(!writable_role("Admin\n[x]"));
        assert!(!writable_role("a b"));
        assert!(!writable_role("a//b"));
    }

    #[test]
    fn blocks_replace_themselves_and_nothing_else() {
        let user = "[default]\nregion = us-east-1\n\n# mine\n[profile x]\nregion = eu-west-2";
        let one = render(
            &[profile("a", "Admin")],
            ProfileStyle::CredentialProcess,
            "/bin/awsnav",
            &ProfileSource::default(),
        );
        let merged = merge(user, &one).unwrap();
        assert!(merged.starts_with(
            "[default]\nregion = us-east-1\n\n# mine\n[profile x]\nregion = eu-west-2\n\n"
        ));
        assert!(merged.contains("credential_process = /bin/awsnav credential-process --account 111122223333 --role Admin"));
        assert_eq!(merge(&merged, &one).unwrap(), merged, "idempotent");
        let two = render(
            &[profile("a", "Admin"), profile("b", "ReadOnly")],
            ProfileStyle::AssumeRole,
            "/bin/awsnav",
            &ProfileSource {
                profile: Some("identity".into()),
                mfa_serial: Some("arn:aws:iam::1:mfa/me".into()),
                sso: None,
            },
        );
        let again = merge(&format!("{merged}[profile after]\nregion = x\n"), &two).unwrap();
        assert!(
            again.ends_with(&format!("{two}[profile after]\nregion = x\n")),
            "{again}"
        );
        assert!(again.contains("source_profile = identity\nmfa_serial = arn:aws:iam::1:mfa/me\n"));
        assert!(!again.contains("credential_process"));
    }

    #[test]
    fn production_profiles_are_marked_and_confirmed() {
        let block = render(
            &[profile("pay-prod", "Admin"), profile("pay-dev", "Admin")],
            ProfileStyle::CredentialProcess,
            "awsnav",
            &ProfileSource::default(),
        );
        assert!(block.contains("# pay-prod (111122223333) as Admin — PRODUCTION\n"));
        assert!(block.contains("--role Admin --yes\n"));
        assert_eq!(block.matches("--yes").count(), 1);
    }

    #[test]
    fn odd_paths_are_quoted_for_the_cli() {
        assert_eq!(quote("/usr/bin/awsnav"), "/usr/bin/awsnav");
        assert_eq!(quote("/opt/my tools/awsnav"), "\"/opt/my tools/awsnav\"");
    }
}
