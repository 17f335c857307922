//! The AWS config files (`~/.aws/config`, `~/.aws/credentials`, or `AWS_CONFIG_FILE` /
//! `AWS_SHARED_CREDENTIALS_FILE`) as awsnav reads them itself: the profiles and their
//! settings, read once per run. The rules are the SDK's (aws-runtime's `env_config`): `[default]`
//! and `[profile NAME]` in the config file, `[NAME]` in the credentials file, whose settings
//! win; comments after whitespace; indented lines continue a setting. The SDK's own reader
//! builds a map per section and takes ~0.5 µs a line, so a file of thousands of generated
//! profiles showed in every command; this one keeps only what awsnav asks for.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::domain::roles::{ProfileRole, profile_role};

/// The profiles of both files. Settings point into the files' text, so reading thousands of
/// profiles allocates little more than one list per profile.
#[derive(Clone, Debug, Default)]
pub struct AwsConfigFiles {
    /// The files' contents, in the order they were added.
    texts: Vec<String>,
    /// Profile name → its settings in order read (a later one of a key wins).
    profiles: HashMap<String, Vec<Setting>>,
}

/// A key and its value.
#[derive(Clone, Debug)]
struct Setting {
    key: Text,
    value: Text,
}

/// A piece of a file's text, or text made while reading (a lower-cased key, a value with
/// continuation lines).
#[derive(Clone, Debug)]
enum Text {
    Span { file: usize, start: u32, end: u32 },
    Owned(Box<str>),
}

/// Which file a text comes from: their section headers differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Config,
    Credentials,
}

impl AwsConfigFiles {
    /// Reads both files where the SDK would look for them; a missing file is an empty one.
    ///
    /// # Errors
    /// When a file exists but cannot be read or parsed, naming the file and line.
    pub fn load() -> Result<Self, String> {
        let mut files = Self::default();
        for (kind, var, default) in [
            (FileKind::Config, "AWS_CONFIG_FILE", ".aws/config"),
            (
                FileKind::Credentials,
                "AWS_SHARED_CREDENTIALS_FILE",
                ".aws/credentials",
            ),
        ] {
            let Some(path) = file_path(var, default) else {
                continue;
            };
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            };
            files
                .add(text, kind)
                .map_err(|e| format!("{}:{e}", path.display()))?;
        }
        Ok(files)
    }

    /// Parses `text` and merges its profiles in (a key set again replaces the earlier value).
    ///
    /// # Errors
    /// `LINE: problem` for a line that is neither a section, a setting nor a continuation.
    pub fn add(&mut self, text: String, kind: FileKind) -> Result<(), String> {
        let file = self.texts.len();
        let sections = parse(&text, file)?;
        let prefixed_default = kind == FileKind::Config
            && sections.iter().any(|(header, _)| {
                section_pair(&text[header.clone()]) == (Some("profile"), "default")
            });
        for (header, settings) in sections {
            let Some(name) = profile_name(&text[header], kind, prefixed_default) else {
                continue;
            };
            let valid = settings
                .into_iter()
                .filter(|s| is_identifier(s.key.get(&text, &self.texts, file)));
            match self.profiles.get_mut(name) {
                Some(profile) => profile.extend(valid),
                None => {
                    self.profiles.insert(name.to_owned(), valid.collect());
                }
            }
        }
        self.texts.push(text);
        Ok(())
    }

    /// Whether profile `name` is defined.
    #[must_use]
    pub fn has_profile(&self, name: &str) -> bool {
        self.profiles.contains_key(name)
    }

    /// Setting `key` of profile `profile`, when set and not empty.
    #[must_use]
    pub fn get(&self, profile: &str, key: &str) -> Option<&str> {
        self.profiles
            .get(profile)?
            .iter()
            .rev()
            .find(|s| self.text(&s.key) == key)
            .map(|s| self.text(&s.value).trim())
            .filter(|v| !v.is_empty())
    }

    fn text<'a>(&'a self, t: &'a Text) -> &'a str {
        match t {
            Text::Owned(s) => s,
            Text::Span { file, start, end } => self
                .texts
                .get(*file)
                .and_then(|text| text.get(*start as usize..*end as usize))
                .unwrap_or_default(),
        }
    }

    /// Every profile with a usable `role_arn`, by profile name.
    #[must_use]
    pub fn profile_roles(&self) -> Vec<ProfileRole> {
        let mut names: Vec<&String> = self
            .profiles
            .keys()
            .filter(|name| self.get(name, "role_arn").is_some())
            .collect();
        names.sort_unstable();
        names
            .into_iter()
            .filter_map(|name| profile_role(name, |k| self.get(name, k)))
            .collect()
    }
}

impl Text {
    /// The text, while the file it points into (`file`, being read) is not yet in `texts`.
    fn get<'a>(&'a self, reading: &'a str, texts: &'a [String], file: usize) -> &'a str {
        match self {
            Self::Owned(s) => s,
            Self::Span {
                file: f,
                start,
                end,
            } => {
                let text = if *f == file {
                    reading
                } else {
                    texts.get(*f).map_or("", String::as_str)
                };
                text.get(*start as usize..*end as usize).unwrap_or_default()
            }
        }
    }
}

/// One setting of a profile, read from the files now (for code that has no [`AwsConfigFiles`]
/// at hand); `None` when unset or unreadable.
#[must_use]
pub fn profile_value(profile: &str, key: &str) -> Option<String> {
    AwsConfigFiles::load()
        .ok()?
        .get(profile, key)
        .map(str::to_owned)
}

/// The AWS config file: `AWS_CONFIG_FILE`, else `~/.aws/config`.
#[must_use]
pub fn config_file_path() -> Option<PathBuf> {
    file_path("AWS_CONFIG_FILE", ".aws/config")
}

/// The shared credentials file: `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
#[must_use]
pub fn credentials_file_path() -> Option<PathBuf> {
    file_path("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials")
}

/// `$VAR` (a leading `~/` is the home directory), else `~/<default>`.
fn file_path(var: &str, default: &str) -> Option<PathBuf> {
    let home = || directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    match std::env::var(var).ok().filter(|v| !v.is_empty()) {
        Some(v) => match v.strip_prefix("~/") {
            Some(rest) => home().map(|h| h.join(rest)),
            None => Some(PathBuf::from(v)),
        },
        None => home().map(|h| h.join(default)),
    }
}

const WHITESPACE: &[char] = &[' ', '\t'];

/// Sections in file order: where the text between `[` and `]` is, and its settings.
type Sections = Vec<(std::ops::Range<usize>, Vec<Setting>)>;

fn parse(text: &str, file: usize) -> Result<Sections, String> {
    let span = |piece: &str| {
        let start = piece.as_ptr() as usize - text.as_ptr() as usize;
        Text::Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(start + piece.len()).unwrap_or(u32::MAX),
        }
    };
    let mut sections: Sections = Vec::new();
    // Whether the last setting can take continuation lines.
    let mut in_setting = false;
    for (n, line) in text.lines().enumerate() {
        let at = n + 1;
        if line.trim_matches(WHITESPACE).is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with('[') {
            let header = strip_comment(line, false);
            let name = header
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .ok_or_else(|| format!("{at}: a profile definition must end with ']'"))?;
            let start = name.as_ptr() as usize - text.as_ptr() as usize;
            sections.push((start..start + name.len(), Vec::new()));
            in_setting = false;
        } else if line.starts_with(WHITESPACE) {
            let Some((_, settings)) = sections.last_mut() else {
                return Err(format!("{at}: expected a profile definition"));
            };
            let Some(last) = settings.last_mut().filter(|_| in_setting) else {
                return Err(format!(
                    "{at}: expected a property definition, found continuation"
                ));
            };
            let mut value = last.value.get(text, &[], file).to_owned();
            value.push('\n');
            value.push_str(line.trim_matches(WHITESPACE));
            last.value = Text::Owned(value.into_boxed_str());
        } else {
            let Some((_, settings)) = sections.last_mut() else {
                return Err(format!("{at}: expected a profile definition"));
            };
            let line = strip_comment(line, true);
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| format!("{at}: expected an '=' sign defining a property"))?;
            let key = key.trim_matches(WHITESPACE);
            if key.is_empty() {
                return Err(format!("{at}: property did not have a name"));
            }
            let key = if key.bytes().any(|b| b.is_ascii_uppercase()) {
                Text::Owned(key.to_ascii_lowercase().into_boxed_str())
            } else {
                span(key)
            };
            settings.push(Setting {
                key,
                value: span(value.trim_matches(WHITESPACE)),
            });
            in_setting = true;
        }
    }
    Ok(sections)
}

/// The line without its comment: `#` or `;` (after whitespace, where `need_space`), trimmed.
fn strip_comment(line: &str, need_space: bool) -> &str {
    let line = line.trim_matches(WHITESPACE);
    let mut prev_space = false;
    for (i, c) in line.char_indices() {
        if (c == '#' || c == ';') && (prev_space || !need_space) {
            return line[..i].trim_matches(WHITESPACE);
        }
        prev_space = c.is_whitespace();
    }
    line
}

/// `profile name` → (`Some("profile")`, `name`); `default` → (`None`, `default`).
fn section_pair(header: &str) -> (Option<&str>, &str) {
    let header = header.trim_matches(WHITESPACE);
    match header.split_once(WHITESPACE) {
        Some((prefix, name)) => (Some(prefix.trim()), name.trim()),
        None => (None, header.trim()),
    }
}

/// The profile a section defines, if it defines one.
fn profile_name(header: &str, kind: FileKind, prefixed_default: bool) -> Option<&str> {
    let (prefix, name) = section_pair(header);
    if !is_identifier(name) {
        return None;
    }
    match (kind, prefix) {
        // `[profile default]` wins over `[default]` when a file has both.
        (FileKind::Config, None) => (name == "default" && !prefixed_default).then_some(name),
        (FileKind::Config, Some("profile")) | (FileKind::Credentials, None) => Some(name),
        _ => None,
    }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || ['_', '-', '/', '.', '%', '@', ':', '+'].contains(&c)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(config: &str, credentials: &str) -> AwsConfigFiles {
        let mut f = AwsConfigFiles::default();
        f.add(config.to_owned(), FileKind::Config).unwrap();
        f.add(credentials.to_owned(), FileKind::Credentials)
            .unwrap();
        f
    }

    #[test]
    fn reads_profiles_as_the_sdk_does() {
        let f = files(
            "# comment\n[default]\nregion = eu-west-1 # a comment\n\n[profile admin]\nrole_arn = arn:aws:iam::111122223333:role/Admin\nSource_Profile = default\ns3 =\n  max_concurrent_requests = 20\n[sso-session corp]\nsso_region = eu-west-1\n[notaprofile]\nregion = x\n[profile  spaced ]\nregion=us-east-2;not-a-comment\n",
            "[default]\naws_access_key_id = AKIA\n[admin]\nregion = ap-south-1\n",
        );
        assert_eq!(f.get("default", "region"), Some("eu-west-1"));
        assert_eq!(f.get("default", "aws_access_key_id"), Some("AKIA"));
        assert_eq!(f.get("admin", "source_profile"), Some("default"));
        assert_eq!(
            f.get("admin", "region"),
            Some("ap-south-1"),
            "the credentials file wins"
        );
        assert_eq!(f.get("admin", "s3"), Some("max_concurrent_requests = 20"));
        assert!(!f.has_profile("corp") && !f.has_profile("notaprofile"));
        assert_eq!(f.get("spaced", "region"), Some("us-east-2;not-a-comment"));
        let roles = f.profile_roles();
        assert_eq!(roles.len(), 1);
        assert_eq!(roles[0].profile, "admin");
        assert_eq!(roles[0].account_id, "111122223333");
        assert_eq!(roles[0].source_profile.as_deref(), Some("default"));
    }

    #[test]
    fn profile_default_wins_over_default() {
        let f = files("[default]\nregion = a\n[profile default]\nregion = b\n", "");
        assert_eq!(f.get("default", "region"), Some("b"));
    }

    #[test]
    fn broken_files_say_where() {
        let mut f = AwsConfigFiles::default();
        assert_eq!(
            f.add("region = x\n".into(), FileKind::Config).unwrap_err(),
            "1: expected a profile definition"
        );
        assert!(
            f.add("[default]\nno equals here\n".into(), FileKind::Config)
                .unwrap_err()
                .starts_with("2: expected an '='")
        );
        assert!(f.add("[default\n".into(), FileKind::Config).is_err());
        assert!(
            f.add("[default]\n  orphan\n".into(), FileKind::Config)
                .is_err()
        );
    }
}
