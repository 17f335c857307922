//! The AWS config files (`~/.aws/config`, `~/.aws/credentials`, or `AWS_CONFIG_FILE` /
//! `AWS_SHARED_CREDENTIALS_FILE`) as awsnav reads them itself: the profiles and their
//! settings, read once per process ([`AwsConfigFiles::shared`]). The rules are the SDK's
//! (aws-runtime's `env_config`): `[default]` and `[profile NAME]` in the config file, `[NAME]`
//! in the credentials file, whose settings win; comments after whitespace; indented lines
//! continue a setting.
//!
//! Reading checks every line's shape but keeps only where each section is: a profile's
//! settings are parsed when asked for. A command that needs two profiles of a file of
//! thousands (`exec` with a cached session) parses two; one that needs the roles of one
//! account finds the sections that name it by searching the text
//! ([`AwsConfigFiles::profile_roles_in`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::domain::roles::{ProfileRole, profile_role};

/// The profiles of both files, by where their sections are in the files' text.
#[derive(Clone, Debug, Default)]
pub struct AwsConfigFiles {
    /// The files' contents, in the order they were added.
    texts: Vec<String>,
    /// Profile name → its sections' bodies in the order read (a later one's key wins): made
    /// when something asks about many profiles; a question about one looks through the
    /// sections instead.
    profiles: OnceLock<HashMap<String, Vec<Body>>>,
    /// Per file: whether it has `[profile default]` (which then wins over `[default]`).
    prefixed_default: Vec<bool>,
    /// Every section of every file: header (between `[` and `]`) and body, by file, in order.
    sections: Vec<Vec<Section>>,
    /// The kind of each file, in the order added.
    kinds: Vec<FileKind>,
}

/// A section of a file: where its header's text (between `[` and `]`) is, and its body (the
/// lines after the header).
type Section = (Range<usize>, Range<usize>);

/// Where a section's settings are: file, and the byte range after its header line.
#[derive(Clone, Debug)]
struct Body {
    file: usize,
    range: Range<usize>,
}

/// A key (lower-cased) and its value (trimmed), as parsed from a body.
#[derive(Clone, Debug)]
struct Setting<'a> {
    key: Cow<'a, str>,
    value: Cow<'a, str>,
}

/// Which file a text comes from: their section headers differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Config,
    Credentials,
}

/// The files as read by [`AwsConfigFiles::shared`], or why they could not be.
static SHARED: OnceLock<Result<AwsConfigFiles, String>> = OnceLock::new();

impl AwsConfigFiles {
    /// The files of this process, read the first time anything asks (the paths come from the
    /// environment, which a run does not change); unreadable files are empty, with the reason
    /// in the log, as the SDK's own reading would fail on them later.
    pub fn shared() -> &'static Self {
        static EMPTY: OnceLock<AwsConfigFiles> = OnceLock::new();
        Self::shared_result().unwrap_or_else(|_| EMPTY.get_or_init(Self::default))
    }

    /// [`AwsConfigFiles::shared`], or why the files could not be read.
    ///
    /// # Errors
    /// What [`AwsConfigFiles::load`] said, once per process.
    pub fn shared_result() -> Result<&'static Self, &'static str> {
        SHARED
            .get_or_init(|| {
                Self::load().inspect_err(|e| {
                    tracing::warn!(error = %e, "AWS config files unreadable; no profiles read");
                })
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// The profile names defined, sorted.
    #[must_use]
    pub fn profile_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.by_name().keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

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
                .map_err(|e| format!("{} on line {e}", path.display()))?;
        }
        Ok(files)
    }

    /// Checks `text` and adds its profiles (a key set again replaces the earlier value).
    ///
    /// # Errors
    /// `LINE: problem` for a line that is neither a section, a setting nor a continuation.
    pub fn add(&mut self, text: String, kind: FileKind) -> Result<(), String> {
        let sections = index(&text)?;
        let prefixed_default = kind == FileKind::Config
            && sections.iter().any(|(header, _)| {
                section_pair(&text[header.clone()]) == (Some("profile"), "default")
            });
        self.texts.push(text);
        self.sections.push(sections);
        self.kinds.push(kind);
        self.prefixed_default.push(prefixed_default);
        self.profiles = OnceLock::new();
        Ok(())
    }

    /// Every section that defines a profile: (name, body), in file order; with `only`, just
    /// those of that profile (a header not ending in the name is passed over at once).
    fn profile_sections<'s>(
        &'s self,
        only: Option<&'s str>,
    ) -> impl Iterator<Item = (&'s str, Body)> {
        self.texts.iter().enumerate().flat_map(move |(file, text)| {
            let (kind, prefixed) = (self.kinds[file], self.prefixed_default[file]);
            self.sections[file]
                .iter()
                .filter_map(move |(header, body)| {
                    let header = &text[header.clone()];
                    if only.is_some_and(|n| !header.trim_end_matches(WHITESPACE).ends_with(n)) {
                        return None;
                    }
                    let name = profile_name(header, kind, prefixed)
                        .filter(|name| only.is_none_or(|n| n == *name))?;
                    Some((
                        name,
                        Body {
                            file,
                            range: body.clone(),
                        },
                    ))
                })
        })
    }

    /// Profile name → its bodies, made once.
    fn by_name(&self) -> &HashMap<String, Vec<Body>> {
        self.profiles.get_or_init(|| {
            let mut map: HashMap<String, Vec<Body>> = HashMap::new();
            for (name, body) in self.profile_sections(None) {
                map.entry(name.to_owned()).or_default().push(body);
            }
            map
        })
    }

    /// The bodies of profile `name`: from the map once made, else by looking through the
    /// sections (a command that asks about one or two profiles never makes the map).
    fn bodies(&self, name: &str) -> Vec<Body> {
        match self.profiles.get() {
            Some(map) => map.get(name).cloned().unwrap_or_default(),
            None => self.profile_sections(Some(name)).map(|(_, b)| b).collect(),
        }
    }

    /// Whether profile `name` is defined.
    #[must_use]
    pub fn has_profile(&self, name: &str) -> bool {
        match self.profiles.get() {
            Some(map) => map.contains_key(name),
            None => self.profile_sections(Some(name)).next().is_some(),
        }
    }

    /// The settings of profile `name`, in the order read (a later one of a key wins).
    fn settings(&self, name: &str) -> Vec<Setting<'_>> {
        self.settings_of(self.bodies(name))
    }

    /// The settings of `bodies`, in order.
    fn settings_of(&self, bodies: Vec<Body>) -> Vec<Setting<'_>> {
        let mut out = Vec::new();
        for b in bodies {
            let text = &self.texts[b.file][b.range.clone()];
            out.extend(
                parse_body(text)
                    .into_iter()
                    .filter(|s| is_identifier(&s.key)),
            );
        }
        out
    }

    /// Setting `key` of profile `profile`, when set and not empty (trimmed; a value with
    /// continuation lines is joined with line ends).
    #[must_use]
    pub fn get(&self, profile: &str, key: &str) -> Option<Cow<'_, str>> {
        last(&self.settings(profile), key).map(trimmed)
    }

    /// Setting `key` of profile `profile` even when empty: whether the profile sets it at
    /// all, as the SDK's profile set tells it (an empty `sso_session =` is still set).
    #[must_use]
    pub fn get_written(&self, profile: &str, key: &str) -> Option<Cow<'_, str>> {
        last_written(&self.settings(profile), key).map(trimmed)
    }

    /// The bodies of `[sso-session NAME]`: config files only, in the order read.
    fn sso_session_bodies(&self, name: &str) -> Vec<Body> {
        if !is_identifier(name) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (file, text) in self.texts.iter().enumerate() {
            if self.kinds[file] != FileKind::Config {
                continue;
            }
            for (header, body) in &self.sections[file] {
                if section_pair(&text[header.clone()]) == (Some("sso-session"), name) {
                    out.push(Body {
                        file,
                        range: body.clone(),
                    });
                }
            }
        }
        out
    }

    /// Whether `[sso-session NAME]` is defined.
    #[must_use]
    pub fn has_sso_session(&self, name: &str) -> bool {
        !self.sso_session_bodies(name).is_empty()
    }

    /// Setting `key` of `[sso-session NAME]`, when set and not empty (trimmed).
    #[must_use]
    pub fn sso_session_get(&self, name: &str, key: &str) -> Option<Cow<'_, str>> {
        last(&self.settings_of(self.sso_session_bodies(name)), key).map(trimmed)
    }

    /// Every profile with a usable `role_arn`, by profile name.
    #[must_use]
    pub fn profile_roles(&self) -> Vec<ProfileRole> {
        let mut names: Vec<&String> = self.by_name().keys().collect();
        names.sort_unstable();
        names
            .into_iter()
            .filter_map(|name| self.profile_role(name))
            .collect()
    }

    /// The profiles with a `role_arn` in account `account_id`: only the sections whose text
    /// names the account are read.
    #[must_use]
    pub fn profile_roles_in(&self, account_id: &str) -> Vec<ProfileRole> {
        if account_id.is_empty() {
            return Vec::new();
        }
        let mut names: Vec<&str> = Vec::new();
        for (file, text) in self.texts.iter().enumerate() {
            let sections = &self.sections[file];
            let mut from = 0;
            while let Some(at) = text[from..].find(account_id).map(|i| from + i) {
                from = at + account_id.len();
                // The section whose body holds the hit (sections are in file order).
                let i = sections.partition_point(|(_, body)| body.end <= at);
                let Some((header, body)) = sections.get(i).filter(|(_, b)| b.contains(&at)) else {
                    continue;
                };
                from = from.max(body.end);
                let (prefix, name) = section_pair(&text[header.clone()]);
                if matches!(prefix, None | Some("profile"))
                    && self.has_profile(name)
                    && !names.contains(&name)
                {
                    names.push(name);
                }
            }
        }
        names.sort_unstable();
        names
            .into_iter()
            .filter_map(|name| self.profile_role(name))
            .filter(|r| r.account_id == account_id)
            .collect()
    }

    /// The role of profile `name`, when it has a usable `role_arn`.
    #[must_use]
    pub fn profile_role(&self, name: &str) -> Option<ProfileRole> {
        let settings = self.settings(name);
        last(&settings, "role_arn")?;
        profile_role(name, |k| last(&settings, k).map(|v| &**v))
    }

    /// The files' text cut down to what the SDK needs for `profiles` (and the profiles their
    /// `source_profile` names, in turn): those sections, the `default` one, and every section
    /// that is not a profile (`sso-session`, `services`). `(config, credentials)`.
    #[must_use]
    pub fn only(&self, profiles: &[&str]) -> (String, String) {
        let mut wanted: Vec<String> = std::iter::once("default")
            .chain(profiles.iter().copied())
            .map(str::to_owned)
            .collect();
        let mut i = 0;
        while i < wanted.len() {
            if let Some(source) = self.get(&wanted[i], "source_profile")
                && !wanted.iter().any(|w| *w == source)
            {
                wanted.push(source.into_owned());
            }
            i += 1;
        }
        let mut out = (String::new(), String::new());
        for (file, text) in self.texts.iter().enumerate() {
            let credentials = self.kinds.get(file) == Some(&FileKind::Credentials);
            let into = if credentials { &mut out.1 } else { &mut out.0 };
            for (header, body) in &self.sections[file] {
                let h = &text[header.clone()];
                let (prefix, name) = section_pair(h);
                let keep = match (credentials, prefix) {
                    (true, _) | (false, None | Some("profile")) => wanted.iter().any(|w| w == name),
                    (false, Some(_)) => true,
                };
                if keep {
                    // The body starts with the header line's end.
                    into.push('[');
                    into.push_str(h);
                    into.push(']');
                    into.push_str(&text[body.clone()]);
                    if !into.ends_with('\n') {
                        into.push('\n');
                    }
                }
            }
        }
        out
    }
}

/// The value of the last setting `key` in `settings`, when not empty.
fn last<'s, 'a>(settings: &'s [Setting<'a>], key: &str) -> Option<&'s Cow<'a, str>> {
    last_written(settings, key).filter(|v| !v.trim().is_empty())
}

/// The value of the last setting `key` in `settings`, empty or not.
fn last_written<'s, 'a>(settings: &'s [Setting<'a>], key: &str) -> Option<&'s Cow<'a, str>> {
    settings
        .iter()
        .rev()
        .find(|s| s.key == key)
        .map(|s| &s.value)
}

/// `value` trimmed, borrowed where it was.
fn trimmed<'a>(value: &Cow<'a, str>) -> Cow<'a, str> {
    match value {
        Cow::Borrowed(v) => Cow::Borrowed(v.trim()),
        Cow::Owned(v) => Cow::Owned(v.trim().to_owned()),
    }
}

/// One setting of a profile, read from the files now (for code that has no [`AwsConfigFiles`]
/// at hand); `None` when unset or unreadable.
#[must_use]
pub fn profile_value(profile: &str, key: &str) -> Option<String> {
    AwsConfigFiles::shared()
        .get(profile, key)
        .map(Cow::into_owned)
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

/// Every section of `text`, in order: where the text between `[` and `]` is, and where its
/// body (the lines after the header) is. Every line's shape is checked as the SDK checks it.
fn index(text: &str) -> Result<Vec<Section>, String> {
    let offset = |piece: &str| piece.as_ptr() as usize - text.as_ptr() as usize;
    let blank = |b: &[u8]| b.iter().all(|&c| c == b' ' || c == b'\t');
    let mut sections: Vec<Section> = Vec::new();
    // Whether the last line was a setting, which continuation lines may follow.
    let mut in_setting = false;
    // Byte by byte on the first character: a file of thousands of profiles is mostly
    // `key = value` lines, checked without looking at their values.
    for (n, line) in text.lines().enumerate() {
        let at = n + 1;
        let bytes = line.as_bytes();
        match bytes.first() {
            None | Some(b'#' | b';') => {}
            Some(b'[') => {
                let header = strip_comment(line, false);
                let name = header
                    .strip_prefix('[')
                    .and_then(|h| h.strip_suffix(']'))
                    .ok_or_else(|| format!("{at}: a profile definition must end with ']'"))?;
                if let Some((_, body)) = sections.last_mut() {
                    body.end = offset(line);
                }
                let start = offset(name);
                let body = offset(line) + line.len();
                sections.push((start..start + name.len(), body..text.len()));
                in_setting = false;
            }
            Some(b' ' | b'\t') if blank(bytes) => {}
            Some(_) if sections.is_empty() => {
                return Err(format!("{at}: expected a profile definition"));
            }
            Some(b' ' | b'\t') => {
                if !in_setting {
                    return Err(format!(
                        "{at}: expected a property definition, found continuation"
                    ));
                }
            }
            Some(_) => {
                // An `=` with no comment mark before it: the key is what precedes it.
                let key = match line.find('=').map(|eq| &bytes[..eq]) {
                    Some(key) if !key.iter().any(|&b| b == b'#' || b == b';') => key,
                    _ => strip_comment(line, true)
                        .split_once('=')
                        .ok_or_else(|| format!("{at}: expected an '=' sign defining a property"))?
                        .0
                        .as_bytes(),
                };
                if blank(key) {
                    return Err(format!("{at}: property did not have a name"));
                }
                in_setting = true;
            }
        }
    }
    Ok(sections)
}

/// The settings of a section's body (checked by [`index`] already): keys lower-cased, values
/// trimmed, continuation lines joined to their setting's value with line ends.
fn parse_body(body: &str) -> Vec<Setting<'_>> {
    let mut settings: Vec<Setting<'_>> = Vec::new();
    for line in body.lines() {
        if line.trim_matches(WHITESPACE).is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with(WHITESPACE) {
            if let Some(last) = settings.last_mut() {
                let mut value = last.value.clone().into_owned();
                value.push('\n');
                value.push_str(line.trim_matches(WHITESPACE));
                last.value = Cow::Owned(value);
            }
        } else if let Some((key, value)) = strip_comment(line, true).split_once('=') {
            let key = key.trim_matches(WHITESPACE);
            settings.push(Setting {
                key: if key.bytes().any(|b| b.is_ascii_uppercase()) {
                    Cow::Owned(key.to_ascii_lowercase())
                } else {
                    Cow::Borrowed(key)
                },
                value: Cow::Borrowed(value.trim_matches(WHITESPACE)),
            });
        }
    }
    settings
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
        assert_eq!(f.get("default", "region").as_deref(), Some("eu-west-1"));
        assert_eq!(
            f.get("default", "aws_access_key_id").as_deref(),
            Some("AKIA")
        );
        assert_eq!(f.get("admin", "source_profile").as_deref(), Some("default"));
        assert_eq!(
            f.get("admin", "region").as_deref(),
            Some("ap-south-1"),
            "the credentials file wins"
        );
        assert_eq!(
            f.get("admin", "s3").as_deref(),
            Some("max_concurrent_requests = 20")
        );
        assert!(!f.has_profile("corp") && !f.has_profile("notaprofile"));
        assert_eq!(
            f.get("spaced", "region").as_deref(),
            Some("us-east-2;not-a-comment")
        );
        let roles = f.profile_roles();
        assert_eq!(roles.len(), 1);
        assert_eq!(roles[0].profile, "admin");
        assert_eq!(roles[0].account_id, "111122223333");
        assert_eq!(roles[0].source_profile.as_deref(), Some("default"));
    }

    #[test]
    fn sso_sessions_are_read_from_the_config_file_only() {
        let f = files(
            "[profile dev]\nsso_session = corp\nsso_start_url =\n[sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://a.example/start\n[sso-session  corp ]\nSSO_Region = us-east-1\nsso_registration_scopes =\n[sso-session bad name]\nsso_region = x\n",
            "[sso-session other]\nsso_region = x\n",
        );
        assert!(f.has_sso_session("corp"));
        assert_eq!(
            f.sso_session_get("corp", "sso_region").as_deref(),
            Some("us-east-1"),
            "a later section's setting wins"
        );
        assert_eq!(
            f.sso_session_get("corp", "sso_start_url").as_deref(),
            Some("https://a.example/start")
        );
        assert_eq!(f.sso_session_get("corp", "sso_registration_scopes"), None);
        assert!(!f.has_sso_session("other"), "not in the credentials file");
        assert!(!f.has_sso_session("bad name") && !f.has_sso_session("dev"));
        // Set but empty: `get` passes it over, `get_written` tells it is there.
        assert_eq!(f.get("dev", "sso_start_url"), None);
        assert_eq!(f.get_written("dev", "sso_start_url").as_deref(), Some(""));
        assert_eq!(f.get_written("dev", "sso_region"), None);
    }

    #[test]
    fn profile_default_wins_over_default() {
        let f = files("[default]\nregion = a\n[profile default]\nregion = b\n", "");
        assert_eq!(f.get("default", "region").as_deref(), Some("b"));
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

    /// A big generated file: 2,000 role profiles over 500 accounts.
    fn big() -> AwsConfigFiles {
        use std::fmt::Write as _;
        let mut text = String::from(
            "[default]\nregion = us-east-1\n[sso-session corp]\nsso_region = eu-west-1\n",
        );
        for n in 0..2000 {
            let _ = write!(
                text,
                "\n[profile p{n}]\nrole_arn = arn:aws:iam::{:012}:role/R{n}\nsource_profile = base{}\nregion = eu-west-1 # x\n",
                100_000 + n % 500,
                n % 3
            );
        }
        text.push_str("[profile base0]\nsource_profile = base1\n[profile base1]\nregion = x\n");
        files(
            &text,
            "[base1]\naws_access_key_id = AKIA\n[other]\naws_access_key_id = B\n",
        )
    }

    #[test]
    fn the_roles_of_one_account_are_found_without_reading_every_profile() {
        let f = big();
        let all = f.profile_roles();
        assert_eq!(all.len(), 2000);
        let one = f.profile_roles_in("000000100007");
        let mut expected: Vec<&str> = all
            .iter()
            .filter(|r| r.account_id == "000000100007")
            .map(|r| r.profile.as_str())
            .collect();
        expected.sort_unstable();
        let found: Vec<&str> = one.iter().map(|r| r.profile.as_str()).collect();
        assert_eq!(found, expected);
        assert_eq!(found.len(), 4);
        assert_eq!(one[0].region.as_deref(), Some("eu-west-1"));
        assert!(f.profile_roles_in("999999999999").is_empty());
        assert!(f.profile_roles_in("").is_empty());
        // An id in a comment or another key names no role there.
        let g = files("[profile x]\nregion = us-east-1 # 000000100007\n", "");
        assert!(g.profile_roles_in("000000100007").is_empty());
    }

    #[test]
    fn the_sdk_gets_only_the_profiles_in_play() {
        let f = big();
        let (config, credentials) = f.only(&["p6"]);
        assert!(
            config.contains("[default]\nregion = us-east-1\n"),
            "{config}"
        );
        assert!(config.contains("[sso-session corp]\n"), "{config}");
        assert!(config.contains("[profile p6]\nrole_arn = arn:aws:iam::000000100006:role/R6\n"));
        // p7's source profile, and that one's, in turn.
        assert!(config.contains("[profile base1]\nregion = x\n"), "{config}");
        assert!(config.contains("[profile base0]"), "{config}");
        assert!(!config.contains("[profile p7]"), "{config}");
        assert_eq!(credentials, "[base1]\naws_access_key_id = AKIA\n");
        // What the cut files hold reads back the same.
        let mut cut = AwsConfigFiles::default();
        cut.add(config, FileKind::Config).unwrap();
        cut.add(credentials, FileKind::Credentials).unwrap();
        assert_eq!(cut.profile_role("p6"), f.profile_role("p6"));
        assert_eq!(
            cut.get("base1", "aws_access_key_id").as_deref(),
            Some("AKIA")
        );
    }
}
