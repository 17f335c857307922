//! `awsnav config generate`: AWS config profiles for every account × role, so every tool that
//! reads `~/.aws/config` can use them, and a marked block in that file kept up to date.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

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
pub struct Source {
    /// The profile whose credentials assume the roles.
    pub profile: Option<String>,
    pub mfa_serial: Option<String>,
    /// The Identity Center sign-in that SSO profiles use.
    pub sso: Option<crate::aws::sso::SsoSource>,
}

/// The first and last lines of the block awsnav owns in the AWS config file.
pub const BEGIN: &str = "# >>> awsnav generated profiles (awsnav config generate --write) >>>";
pub const END: &str = "# <<< awsnav generated profiles <<<";

/// `<prefix><account-name>/<role>` with anything but letters, digits and `._-/+@` made `-`.
#[must_use]
pub fn profile_name(prefix: &str, account: &str, role: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-+@".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    format!("{}{}/{}", clean(prefix), clean(account), clean(role))
}

/// The block's text (markers included), profiles in the order given.
#[must_use]
pub fn render(profiles: &[Profile], style: ProfileStyle, awsnav: &str, source: &Source) -> String {
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
        let _ = writeln!(
            out,
            "# {} ({}) as {}{marker}",
            p.account_name, p.account_id, p.role
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

/// `existing` with its awsnav block replaced by `block` (or `block` appended after a blank
/// line when there is none). Everything outside the block stays byte for byte.
///
/// # Errors
/// When the file has a begin marker without an end marker (or the other way round): awsnav
/// will not guess where its block ends.
pub fn merge(existing: &str, block: &str) -> Result<String, String> {
    let begin = find_line(existing, BEGIN);
    let end = find_line(existing, END);
    match (begin, end) {
        (Some(b), Some(e)) if b < e => {
            let after = existing[e..]
                .find('\n')
                .map_or(existing.len(), |n| e + n + 1);
            Ok(format!("{}{block}{}", &existing[..b], &existing[after..]))
        }
        (None, None) => {
            let mut out = existing.to_owned();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(block);
            Ok(out)
        }
        _ => Err(format!(
            "the file has a broken awsnav block: it needs both `{BEGIN}` and, after it, `{END}` on lines of their own"
        )),
    }
}

/// The byte offset of the line that is exactly `marker`.
fn find_line(text: &str, marker: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end_matches(['\n', '\r']) == marker {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// What `write` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Written {
    /// The file already held exactly this block.
    Unchanged,
    /// The file was written; the previous version is at `backup` (when there was one).
    Updated { backup: Option<PathBuf> },
}

/// Puts `block` into the AWS config file at `path`: a backup of the old file beside it
/// (`<name>.awsnav-backup`), then an atomic replace that keeps the file's permissions.
///
/// # Errors
/// When the file cannot be read or written, or its awsnav block is broken.
pub fn write(path: &Path, block: &str) -> anyhow::Result<Written> {
    use anyhow::Context as _;
    let existing = match std::fs::read_to_string(path) {
        Ok(s) => Some(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let merged = merge(existing.as_deref().unwrap_or(""), block)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if existing.as_deref() == Some(merged.as_str()) {
        return Ok(Written::Unchanged);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let backup = if existing.is_some() {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".awsnav-backup");
        let backup = dir.join(name);
        std::fs::copy(path, &backup).with_context(|| {
            format!("cannot back up {} to {}", path.display(), backup.display())
        })?;
        Some(backup)
    } else {
        None
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, merged.as_bytes())?;
    tmp.as_file().sync_all()?;
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(Written::Updated { backup })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        };
        for style in [ProfileStyle::CredentialProcess, ProfileStyle::AssumeRole] {
            let block = render(
                &[sso_role.clone(), profile("shop", "Admin")],
                style,
                "awsnav",
                &Source {
                    sso: Some(session.clone()),
                    ..Source::default()
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
            &Source {
                sso: Some(crate::aws::sso::SsoSource {
                    session: None,
                    ..session
                }),
                ..Source::default()
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
    fn blocks_replace_themselves_and_nothing_else() {
        let user = "[default]\nregion = us-east-1\n\n# mine\n[profile x]\nregion = eu-west-2";
        let one = render(
            &[profile("a", "Admin")],
            ProfileStyle::CredentialProcess,
            "/bin/awsnav",
            &Source::default(),
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
            &Source {
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
    fn a_broken_block_is_refused() {
        let err = merge(&format!("[default]\n{BEGIN}\n[profile a]\n"), "x").unwrap_err();
        assert!(err.contains("broken awsnav block"), "{err}");
    }

    #[test]
    fn production_profiles_are_marked_and_confirmed() {
        let block = render(
            &[profile("pay-prod", "Admin"), profile("pay-dev", "Admin")],
            ProfileStyle::CredentialProcess,
            "awsnav",
            &Source::default(),
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
