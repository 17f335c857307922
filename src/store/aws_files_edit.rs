//! Line-precise edits of the AWS shared files: a profile's keys found and taken out of the
//! credentials file, a setting put into a profile of the config file. Every other byte of
//! the file is kept: comments, blank lines, order, other profiles, line ends.

use std::fmt::Write as _;
use std::ops::Range;

/// A profile's static keys in the shared credentials file, and the lines that hold them.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticKeys {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Whether the profile also has a session token (then the keys are temporary).
    pub session_token: bool,
    /// The lines (with their line ends) of the two keys (and the token), in file order.
    pub lines: Vec<Range<usize>>,
}

impl std::fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticKeys")
            .field(
                "access_key_id",
                &crate::domain::credentials::key_tail(&self.access_key_id),
            )
            .field("lines", &self.lines)
            .finish_non_exhaustive()
    }
}

/// One line of a file: where it is (with its line end) and its text (without).
struct Line<'a> {
    range: Range<usize>,
    text: &'a str,
}

fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    let mut at = 0;
    text.split_inclusive('\n').map(move |raw| {
        let range = at..at + raw.len();
        at += raw.len();
        Line {
            range,
            text: raw.trim_end_matches(['\n', '\r']),
        }
    })
}

/// The section a header line opens (`[name]` → `name`, inner spaces kept as one).
fn header(line: &str) -> Option<String> {
    let inner = line.trim().strip_prefix('[')?;
    let inner = inner.split(['#', ';']).next().unwrap_or(inner).trim_end();
    let inner = inner.strip_suffix(']')?;
    Some(inner.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// `key = value` of a setting line (key lower-cased; comments after whitespace removed).
fn setting(line: &str) -> Option<(String, &str)> {
    if line.starts_with([' ', '\t', '#', ';', '[']) {
        return None;
    }
    let (key, value) = line.split_once('=')?;
    let value = value.trim();
    let value = value
        .find([' ', '\t'])
        .filter(|&i| value[i..].trim_start().starts_with(['#', ';']))
        .map_or(value, |i| value[..i].trim_end());
    Some((key.trim().to_ascii_lowercase(), value))
}

/// The static keys of `profile` (`[profile]` in the credentials file); `None` when it has no
/// access key id and secret.
#[must_use]
pub fn static_keys(text: &str, profile: &str) -> Option<StaticKeys> {
    let mut in_profile = false;
    let mut key_id = None;
    let mut secret = None;
    let mut token = false;
    let mut found = Vec::new();
    for line in lines(text) {
        if let Some(name) = header(line.text) {
            in_profile = name == profile;
            continue;
        }
        if !in_profile {
            continue;
        }
        match setting(line.text) {
            Some((k, v)) if k == "aws_access_key_id" => {
                key_id = Some(v.to_owned());
                found.push(line.range);
            }
            Some((k, v)) if k == "aws_secret_access_key" => {
                secret = Some(v.to_owned());
                found.push(line.range);
            }
            Some((k, _)) if k == "aws_session_token" || k == "aws_security_token" => {
                token = true;
                found.push(line.range);
            }
            _ => {}
        }
    }
    Some(StaticKeys {
        access_key_id: key_id.filter(|k| !k.is_empty())?,
        secret_access_key: secret.filter(|s| !s.is_empty())?,
        session_token: token,
        lines: found,
    })
}

/// `text` without the byte ranges `cut` (sorted, not overlapping).
#[must_use]
pub fn without(text: &str, cut: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in cut {
        out.push_str(&text[at..r.start]);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The config file's header of `profile`: `default` or `profile NAME`.
fn config_section(profile: &str) -> String {
    if profile == "default" {
        "default".to_owned()
    } else {
        format!("profile {profile}")
    }
}

/// The value of `key` in `profile`'s section of the config file `text`.
#[must_use]
pub fn config_value(text: &str, profile: &str, key: &str) -> Option<String> {
    let wanted = config_section(profile);
    let mut in_profile = false;
    let mut value = None;
    for line in lines(text) {
        if let Some(name) = header(line.text) {
            in_profile = name == wanted || (profile == "default" && name == "profile default");
            continue;
        }
        if in_profile
            && let Some((k, v)) = setting(line.text)
            && k == key
        {
            value = Some(v.to_owned());
        }
    }
    value
}

/// `text` (the config file) with `key = value` in `profile`'s section: the setting's line
/// replaced where it is set, else a line after the section's last setting, else a new section
/// at the end.
#[must_use]
pub fn with_setting(text: &str, profile: &str, key: &str, value: &str) -> String {
    let wanted = config_section(profile);
    with_setting_in(text, &wanted, profile == "default", key, value)
}

/// `text` (the shared credentials file) with `key = value` in section `[profile]`, as
/// [`with_setting`] puts it.
#[must_use]
pub fn with_credentials_setting(text: &str, profile: &str, key: &str, value: &str) -> String {
    with_setting_in(text, profile, false, key, value)
}

/// `text` with `key = value` in section `[wanted]` (`[profile default]` too, with `default`).
fn with_setting_in(text: &str, wanted: &str, default: bool, key: &str, value: &str) -> String {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let line_text = format!("{key} = {value}{newline}");
    let mut in_profile = false;
    let mut existing = None;
    let mut last_in_section = None;
    for line in lines(text) {
        if let Some(name) = header(line.text) {
            in_profile = name == wanted || (default && name == "profile default");
            if in_profile {
                last_in_section = Some(line.range.clone());
            }
            continue;
        }
        if !in_profile {
            continue;
        }
        if let Some((k, _)) = setting(line.text) {
            if k == key {
                existing = Some(line.range.clone());
            }
            last_in_section = Some(line.range.clone());
        } else if line.text.starts_with([' ', '\t']) && !line.text.trim().is_empty() {
            // A continuation belongs to the setting before it.
            last_in_section = Some(line.range.clone());
        }
    }
    let mut out = String::with_capacity(text.len() + line_text.len());
    if let Some(r) = existing {
        out.push_str(&text[..r.start]);
        out.push_str(&line_text);
        out.push_str(&text[r.end..]);
    } else if let Some(r) = last_in_section {
        out.push_str(&text[..r.end]);
        if !text[..r.end].ends_with('\n') {
            out.push_str(newline);
        }
        out.push_str(&line_text);
        out.push_str(&text[r.end..]);
    } else {
        out.push_str(text);
        if !text.is_empty() && !text.ends_with('\n') {
            out.push_str(newline);
        }
        if !text.is_empty() {
            out.push_str(newline);
        }
        let _ = write!(out, "[{wanted}]{newline}");
        out.push_str(&line_text);
    }
    out
}

/// The settings by which a profile gets credentials itself: static keys, a process, a role,
/// web identity, IAM Identity Center, a console sign-in.
pub const CREDENTIAL_SOURCES: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "credential_process",
    "role_arn",
    "source_profile",
    "credential_source",
    "role_session_name",
    "external_id",
    "web_identity_token_file",
    "sso_session",
    "sso_start_url",
    "sso_region",
    "sso_account_id",
    "sso_role_name",
    "login_session",
];

/// `text` without the settings `keys` (and their continuation lines) in `profile`'s sections:
/// `[profile NAME]` (and `[default]` / `[profile default]`) in a config file, `[NAME]` in a
/// credentials file. Everything else is kept as it is.
#[must_use]
pub fn without_settings(text: &str, profile: &str, config_file: bool, keys: &[&str]) -> String {
    let wanted = |name: &str| {
        if config_file {
            name == config_section(profile) || (profile == "default" && name == "profile default")
        } else {
            name == profile
        }
    };
    let mut cut = Vec::new();
    let mut in_profile = false;
    let mut cutting = false;
    for line in lines(text) {
        if let Some(name) = header(line.text) {
            in_profile = wanted(&name);
            cutting = false;
            continue;
        }
        if !in_profile {
            continue;
        }
        if cutting && line.text.starts_with([' ', '\t']) && !line.text.trim().is_empty() {
            cut.push(line.range);
            continue;
        }
        cutting = setting(line.text).is_some_and(|(k, _)| keys.contains(&k.as_str()));
        if cutting {
            cut.push(line.range);
        }
    }
    without(text, &cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREDENTIALS: &str = "# my keys\n[default]\naws_access_key_id = AKIADEFAULT0000\naws_secret_access_key = d3f\n\n[alice]  # work\nregion=eu-west-1\naws_access_key_id=AKIAALICE0000001\n  ; note\naws_secret_access_key = s3cr3t/alice+x ; old\n\n[bob]\naws_access_key_id = ASIABOB\naws_secret_access_key = b\naws_session_token = t\n";

    #[test]
    fn a_profiles_keys_come_out_and_nothing_else_does() {
        let found = static_keys(CREDENTIALS, "alice").unwrap();
        assert_eq!(found.access_key_id, "AKIAALICE0000001");
        assert_eq!(found.secret_access_key, "s3cr3t/alice+x");
        assert!(!found.session_token);
        let after = without(CREDENTIALS, &found.lines);
        assert_eq!(
            after,
            "# my keys\n[default]\naws_access_key_id = AKIADEFAULT0000\naws_secret_access_key = d3f\n\n[alice]  # work\nregion=eu-west-1\n  ; note\n\n[bob]\naws_access_key_id = ASIABOB\naws_secret_access_key = b\naws_session_token = t\n"
        );
        assert!(static_keys(CREDENTIALS, "bob").unwrap().session_token);
        assert!(static_keys(CREDENTIALS, "carol").is_none());
        assert!(static_keys("[x]\naws_access_key_id = A\n", "x").is_none());
    }

    #[test]
    fn a_profiles_credential_sources_come_out_of_both_files() {
        let config = "[default]\nregion = eu-west-1\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = base\ncredential_process = x\n  --more\noutput = json\n[profile other]\nrole_arn = arn:aws:iam::2:role/R\n";
        assert_eq!(
            without_settings(config, "default", true, CREDENTIAL_SOURCES),
            "[default]\nregion = eu-west-1\noutput = json\n[profile other]\nrole_arn = arn:aws:iam::2:role/R\n"
        );
        assert_eq!(
            without_settings(CREDENTIALS, "default", false, CREDENTIAL_SOURCES),
            CREDENTIALS.replace(
                "aws_access_key_id = AKIADEFAULT0000\naws_secret_access_key = d3f\n",
                ""
            )
        );
        assert_eq!(
            without_settings(
                "[profile x]\nsso_session = s\n",
                "x",
                true,
                CREDENTIAL_SOURCES
            ),
            "[profile x]\n"
        );
    }

    #[test]
    fn a_setting_goes_into_its_profile() {
        let config = "[default]\nregion = us-east-1\n\n[profile alice]\nregion = eu-west-1\noutput = json\n\n[profile bob]\nregion = x\n";
        let with = with_setting(config, "alice", "credential_process", "awsnav x");
        assert_eq!(
            with,
            "[default]\nregion = us-east-1\n\n[profile alice]\nregion = eu-west-1\noutput = json\ncredential_process = awsnav x\n\n[profile bob]\nregion = x\n"
        );
        assert_eq!(
            config_value(&with, "alice", "credential_process").as_deref(),
            Some("awsnav x")
        );
        // Set again: replaced, not repeated.
        assert_eq!(
            with_setting(&with, "alice", "credential_process", "awsnav y"),
            with.replace("awsnav x", "awsnav y")
        );
        assert_eq!(
            with_setting(config, "default", "credential_process", "c"),
            config.replace("us-east-1\n", "us-east-1\ncredential_process = c\n")
        );
        assert_eq!(
            with_setting(config, "carol", "credential_process", "c"),
            format!("{config}\n[profile carol]\ncredential_process = c\n")
        );
        assert_eq!(
            with_setting("", "carol", "k", "v"),
            "[profile carol]\nk = v\n"
        );
        assert_eq!(
            with_setting("[profile carol]", "carol", "k", "v"),
            "[profile carol]\nk = v\n"
        );
    }
}
