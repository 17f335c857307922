//! The ways out: a subshell or one command in an account's environment, `eval`-able exports,
//! and `credential_process` JSON.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::domain::credentials::Credentials;
use crate::domain::untrusted;

/// Variables that would point tools elsewhere than the chosen account: removed.
pub const UNSET: [&str; 3] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

/// Variables that would win over the credential endpoint in an SDK's chain (or point the
/// container provider elsewhere): removed from a child the endpoint serves.
pub const SERVER_UNSET: [&str; 9] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
];

/// Set inside an awsnav shell; its presence means "nested".
pub const MARKER: &str = "AWSNAV_ACCOUNT_ID";

/// Everything the environment of a session says.
#[derive(Clone, Debug)]
pub struct Session<'a> {
    pub account_id: &'a str,
    pub account_name: &'a str,
    pub role: &'a str,
    pub production: bool,
    pub region: &'a str,
    pub credentials: &'a Credentials,
    /// The credential endpoint serving the child, instead of fixed keys.
    pub server: Option<&'a ServedBy>,
}

/// How a child reaches its credential endpoint, and the AWS files it reads instead of the
/// user's (the same, less what would shadow the endpoint).
#[derive(Clone, Debug)]
pub struct ServedBy {
    pub url: String,
    pub token: String,
    pub config_file: PathBuf,
    pub credentials_file: PathBuf,
}

/// How both front ends name a session on the terminal: `NAME (ID) as ROLE`, with
/// ` [PRODUCTION]` after it for a production account. The names are the account's and
/// role's own, which a member account's administrator can set: each goes through
/// [`untrusted::visible`], so no escape sequence in one reaches the terminal.
#[must_use]
pub fn announce(account_name: &str, account_id: &str, role: &str, production: bool) -> String {
    format!(
        "{} ({account_id}) as {}{}",
        untrusted::visible(account_name),
        untrusted::visible(role),
        if production { " [PRODUCTION]" } else { "" }
    )
}

impl Session<'_> {
    /// [`announce`] for this session.
    #[must_use]
    pub fn announced(&self) -> String {
        announce(
            self.account_name,
            self.account_id,
            self.role,
            self.production,
        )
    }

    /// The session's profile name in a shared credentials file: `ACCOUNT-ROLE`, sanitised.
    #[must_use]
    pub fn profile_name(&self) -> String {
        untrusted::ini_name(&format!("{}-{}", self.account_name, self.role))
    }

    /// The environment contract, in a stable order.
    #[must_use]
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        let c = self.credentials;
        let mut vars = Vec::new();
        if let Some(served) = self.server {
            vars.push(("AWS_CONTAINER_CREDENTIALS_FULL_URI", served.url.clone()));
            vars.push(("AWS_CONTAINER_AUTHORIZATION_TOKEN", served.token.clone()));
            vars.push(("AWS_CONFIG_FILE", served.config_file.display().to_string()));
            vars.push((
                "AWS_SHARED_CREDENTIALS_FILE",
                served.credentials_file.display().to_string(),
            ));
        } else {
            vars.push(("AWS_ACCESS_KEY_ID", c.access_key_id.clone()));
            vars.push(("AWS_SECRET_ACCESS_KEY", c.secret_access_key.clone()));
            if let Some(t) = &c.session_token {
                vars.push(("AWS_SESSION_TOKEN", t.clone()));
            }
        }
        vars.push(("AWS_REGION", self.region.to_owned()));
        vars.push(("AWS_DEFAULT_REGION", self.region.to_owned()));
        if self.server.is_none()
            && let Some(e) = c.expiration.and_then(|e| e.format(&Rfc3339).ok())
        {
            vars.push(("AWS_CREDENTIAL_EXPIRATION", e));
        }
        vars.push(("AWSNAV_ACCOUNT_ID", self.account_id.to_owned()));
        vars.push(("AWSNAV_ACCOUNT_NAME", self.account_name.to_owned()));
        vars.push(("AWSNAV_ROLE", self.role.to_owned()));
        vars.push((
            "AWSNAV_PRODUCTION",
            if self.production { "1" } else { "0" }.to_owned(),
        ));
        vars
    }

    /// A command with this session's environment (everything else is inherited, endpoint
    /// settings included).
    #[must_use]
    pub fn command(&self, program: &str, args: &[String]) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.args(args);
        for (k, v) in self.vars() {
            cmd.env(k, v);
        }
        for k in UNSET {
            cmd.env_remove(k);
        }
        if self.server.is_some() {
            for k in SERVER_UNSET {
                cmd.env_remove(k);
            }
        }
        cmd
    }
}

/// The AWS config and credentials files a served child reads: 0600 copies of the user's, with
/// every profile and setting kept except what makes the default profile get credentials
/// itself (static keys, `credential_process`, `role_arn`, `sso_*`…), which every SDK and the
/// AWS CLI would read before asking the endpoint.
///
/// The credentials file (it holds keys) is copied for each child into a 0700 directory of its
/// own, removed when dropped. The config file — thousands of generated profiles, often — is
/// copied once for each version of it: the copy is named after the file's identity (device,
/// inode, size, modification time), and a child of an unchanged file reuses it without
/// reading the file at all.
#[derive(Debug)]
pub struct ChildFiles {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl ChildFiles {
    /// Writes the copies under `parent` (created 0700).
    ///
    /// # Errors
    /// When the user's files cannot be read or the copies written.
    pub fn write(parent: &Path) -> std::io::Result<Self> {
        use crate::store::aws_files_edit::{CREDENTIAL_SOURCES, without_settings};
        crate::store::private_file::create_private_dir(parent)?;
        let dir = tempfile::Builder::new().prefix("run-").tempdir_in(parent)?;
        let config = config_copy(parent, crate::aws::config_files::config_file_path())?;
        let credentials = read_or_empty(crate::aws::config_files::credentials_file_path())?;
        let files = Self { dir, config };
        crate::store::private_file::write_private(
            &files.credentials_file(),
            without_settings(&credentials, "default", false, CREDENTIAL_SOURCES).as_bytes(),
        )?;
        Ok(files)
    }

    #[must_use]
    pub fn config_file(&self) -> PathBuf {
        self.config.clone()
    }

    #[must_use]
    pub fn credentials_file(&self) -> PathBuf {
        self.dir.path().join("credentials")
    }
}

/// The text of the file at `path`; empty when there is none.
fn read_or_empty(path: Option<PathBuf>) -> std::io::Result<String> {
    match path {
        Some(p) => match std::fs::read_to_string(&p) {
            Ok(t) => Ok(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(std::io::Error::new(
                e.kind(),
                format!("cannot read {}: {e}", p.display()),
            )),
        },
        None => Ok(String::new()),
    }
}

/// The child's copy of the config file at `path` under `parent`: the one made for this
/// version of the file when there is one, else made now (copies of older versions, a day
/// old, are removed then).
fn config_copy(parent: &Path, path: Option<PathBuf>) -> std::io::Result<PathBuf> {
    use crate::store::aws_files_edit::{CREDENTIAL_SOURCES, without_settings};
    let identity = path
        .as_deref()
        .and_then(|p| std::fs::metadata(p).ok())
        .map_or_else(|| "none".to_owned(), |m| file_identity(&m));
    let copy = parent.join(format!("config-{}-{identity}", env!("CARGO_PKG_VERSION")));
    if std::fs::symlink_metadata(&copy).is_ok_and(|m| m.is_file()) {
        return Ok(copy);
    }
    let text = read_or_empty(path)?;
    crate::store::private_file::write_private(
        &copy,
        without_settings(&text, "default", true, CREDENTIAL_SOURCES).as_bytes(),
    )?;
    remove_stale_copies(parent, &copy);
    Ok(copy)
}

/// What tells one version of a file from another without reading it.
fn file_identity(m: &std::fs::Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        format!(
            "{:x}-{:x}-{:x}-{:x}.{:x}",
            m.dev(),
            m.ino(),
            m.size(),
            m.mtime(),
            m.mtime_nsec()
        )
    }
    #[cfg(not(unix))]
    {
        let modified = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        format!("{:x}-{modified:x}", m.len())
    }
}

/// Removes config copies under `parent` other than `keep` that are over a day old (a child
/// started from one may still be running).
fn remove_stale_copies(parent: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let day = std::time::Duration::from_hours(24);
    for entry in entries.flatten() {
        let path = entry.path();
        let old = entry
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old && path != keep && entry.file_name().to_string_lossy().starts_with("config-") {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// A child's credential endpoint with its AWS files: both live while this does.
#[derive(Debug)]
pub struct Served {
    pub by: ServedBy,
    _endpoint: super::credential_server::Endpoint,
    _files: ChildFiles,
}

/// Starts the credential endpoint for a child entering `target`: it hands out the cached role
/// session, renewed `margin` before it ends from the MFA session (or the Identity Center
/// sign-in) — as often as needed, so the one-hour cap on a role assumed through the MFA session
/// never shows. A renewal that needs a new MFA code asks through `mfa` (no terminal: the child
/// has it); `on_error` hears what fails. The copies of the AWS files go under `run_dir`.
///
/// # Errors
/// When the endpoint or the files cannot be made.
pub async fn serve(
    access: &super::access::Access,
    target: super::access::AccessTarget,
    mfa: super::access::MfaSource,
    margin: time::Duration,
    run_dir: &Path,
    on_error: std::sync::Arc<dyn Fn(&str) + Send + Sync>,
) -> std::io::Result<Served> {
    let files = ChildFiles::write(run_dir)?;
    // The cache keeps a session until REFRESH_MARGIN before its end; asking as of a later
    // time makes it renew `margin` before instead.
    let ahead = (margin - crate::domain::credentials::REFRESH_MARGIN).max(time::Duration::ZERO);
    let access = access.clone();
    let fetch: super::credential_server::Fetch = std::sync::Arc::new(move || {
        let (access, target, mfa) = (access.clone(), target.clone(), mfa.clone());
        Box::pin(async move {
            access
                .credentials(&target, &mfa, time::OffsetDateTime::now_utc() + ahead)
                .await
                .map(|g| g.credentials)
                .map_err(|e| e.to_string())
        })
    });
    let endpoint = super::credential_server::Endpoint::start(fetch, on_error).await?;
    Ok(Served {
        by: ServedBy {
            url: endpoint.url.clone(),
            token: endpoint.token.clone(),
            config_file: files.config_file(),
            credentials_file: files.credentials_file(),
        },
        _endpoint: endpoint,
        _files: files,
    })
}

/// Output formats of `awsnav env`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvFormat {
    /// `export K='v';` for bash, zsh and other POSIX shells.
    Sh,
    /// `set -gx K 'v';` for fish.
    Fish,
    /// A JSON object (unset variables are `null`).
    Json,
    /// `$Env:K = 'v'` for PowerShell (`… | Invoke-Expression`).
    Powershell,
    /// `set "K=v"` for cmd.exe (`for /f` or a batch file).
    Cmd,
    /// `K='v'` lines of a `.env` file (docker compose `--env-file`, python-dotenv, IDEs).
    Dotenv,
    /// A shared-credentials-file profile (`[account-role]` with the keys and their end),
    /// for tools that read only `~/.aws/credentials`.
    Ini,
}

/// The session's environment as text to `eval`.
#[must_use]
pub fn format_env(session: &Session<'_>, format: EnvFormat) -> String {
    let mut out = String::new();
    match format {
        EnvFormat::Sh => {
            for (k, v) in session.vars() {
                let _ = writeln!(out, "export {k}={};", untrusted::sh_quoted(&v));
            }
            let _ = writeln!(out, "unset {};", UNSET.join(" "));
        }
        EnvFormat::Fish => {
            for (k, v) in session.vars() {
                let _ = writeln!(out, "set -gx {k} {};", untrusted::fish_quoted(&v));
            }
            for k in UNSET {
                let _ = writeln!(out, "set -e {k};");
            }
        }
        EnvFormat::Powershell => {
            for (k, v) in session.vars() {
                let _ = writeln!(out, "$Env:{k} = {}", untrusted::powershell_quoted(&v));
            }
            for k in UNSET {
                let _ = writeln!(out, "Remove-Item Env:{k} -ErrorAction SilentlyContinue");
            }
        }
        EnvFormat::Cmd => {
            for (k, v) in session.vars() {
                let _ = writeln!(out, "set \"{k}={}\"", untrusted::cmd_value(&v));
            }
            for k in UNSET {
                let _ = writeln!(out, "set \"{k}=\"");
            }
        }
        EnvFormat::Dotenv => {
            for (k, v) in session.vars() {
                let _ = writeln!(out, "{k}={}", untrusted::dotenv_quoted(&v));
            }
        }
        EnvFormat::Ini => out = ini_profile(session),
        EnvFormat::Json => {
            let mut map = serde_json::Map::new();
            for (k, v) in session.vars() {
                map.insert(k.to_owned(), serde_json::Value::String(v));
            }
            for k in UNSET {
                map.insert(k.to_owned(), serde_json::Value::Null);
            }
            out = serde_json::Value::Object(map).to_string();
            out.push('\n');
        }
    }
    out
}

/// The session as a shared-credentials-file profile named `ACCOUNT-ROLE` (sanitised): the
/// keys, the token and, as `x_security_token_expires`, when they end.
#[must_use]
pub fn ini_profile(session: &Session<'_>) -> String {
    let c = session.credentials;
    let name = session.profile_name();
    let mut out = format!(
        "[{name}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        c.access_key_id, c.secret_access_key
    );
    if let Some(t) = &c.session_token {
        let _ = writeln!(out, "aws_session_token = {t}");
    }
    if let Some(e) = c.expiration.and_then(|e| e.format(&Rfc3339).ok()) {
        let _ = writeln!(out, "x_security_token_expires = {e}");
    }
    if untrusted::ini_value(session.region).is_ok() {
        let _ = writeln!(out, "region = {}", session.region);
    }
    out
}

/// The JSON the AWS SDKs read from a `credential_process`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessCredentials<'a> {
    pub version: u8,
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration: Option<String>,
}

#[must_use]
pub fn credential_process_json(c: &Credentials) -> String {
    let body = ProcessCredentials {
        version: 1,
        access_key_id: &c.access_key_id,
        secret_access_key: &c.secret_access_key,
        session_token: c.session_token.as_deref(),
        expiration: c.expiration.and_then(|e| e.format(&Rfc3339).ok()),
    };
    serde_json::to_string(&body).unwrap_or_default()
}

/// The user's shell: `$SHELL`, else `/bin/sh`.
#[must_use]
pub fn user_shell() -> String {
    std::env::var("SHELL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "/bin/sh".to_owned())
}

/// An exit status as a shell reports it: the code, or 128 + the signal.
#[must_use]
pub fn exit_code(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    status.code().unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_announced_with_its_names_as_data() {
        assert_eq!(
            announce("dev", "111111111111", "Admin", false),
            "dev (111111111111) as Admin"
        );
        let said = announce("p\x1b]2;owned\x07", "222222222222", "R\u{202e}x\n", true);
        assert_eq!(
            said,
            r"p\x1b]2;owned\x07 (222222222222) as R\u{202e}x\n [PRODUCTION]"
        );
    }
    use time::macros::datetime;

    #[test]
    fn the_config_copy_is_made_once_per_version_of_the_file() {
        let home = tempfile::tempdir().unwrap();
        let run = home.path().join("run");
        std::fs::create_dir(&run).unwrap();
        let config = home.path().join("config");
        std::fs::write(
            &config,
            "[default]\nregion = eu-west-1\ncredential_process = x\n[profile p]\nregion = a\n",
        )
        .unwrap();
        let first = config_copy(&run, Some(config.clone())).unwrap();
        let text = std::fs::read_to_string(&first).unwrap();
        assert!(text.contains("region = eu-west-1") && text.contains("[profile p]"));
        assert!(!text.contains("credential_process"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&first).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Unchanged: the same copy, not written again (a mark put in it stays).
        std::fs::write(&first, "marked").unwrap();
        assert_eq!(config_copy(&run, Some(config.clone())).unwrap(), first);
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "marked");
        // Changed: a copy of its own.
        std::fs::write(&config, "[default]\nregion = us-east-2\n").unwrap();
        let second = config_copy(&run, Some(config.clone())).unwrap();
        assert_ne!(second, first);
        assert!(
            std::fs::read_to_string(&second)
                .unwrap()
                .contains("us-east-2")
        );
        // No file: an empty copy.
        let none = config_copy(&run, Some(home.path().join("missing"))).unwrap();
        assert_eq!(std::fs::read_to_string(none).unwrap(), "");
    }

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "ASIAKEY".into(),
            secret_access_key: "se'cr\\et".into(),
            session_token: Some("tok".into()),
            expiration: Some(datetime!(2026-11-21 13:00 UTC)),
        }
    }

    fn session(c: &Credentials) -> Session<'_> {
        Session {
            account_id: "111122223333",
            account_name: "payments-prod",
            role: "Admin",
            production: true,
            region: "eu-west-1",
            credentials: c,
            server: None,
        }
    }

    #[test]
    fn vars_follow_the_contract() {
        let c = creds();
        let vars = session(&c).vars();
        let get = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("AWS_ACCESS_KEY_ID"), Some("ASIAKEY"));
        assert_eq!(get("AWS_SESSION_TOKEN"), Some("tok"));
        assert_eq!(get("AWS_REGION"), Some("eu-west-1"));
        assert_eq!(get("AWS_DEFAULT_REGION"), Some("eu-west-1"));
        assert_eq!(
            get("AWS_CREDENTIAL_EXPIRATION"),
            Some("2026-11-21T13:00:00Z")
        );
        assert_eq!(get("AWSNAV_ACCOUNT_ID"), Some("111122223333"));
        assert_eq!(get("AWSNAV_ACCOUNT_NAME"), Some("payments-prod"));
        assert_eq!(get("AWSNAV_ROLE"), Some("Admin"));
        assert_eq!(get("AWSNAV_PRODUCTION"), Some("1"));
    }

    #[test]
    fn sh_and_fish_quote_everything() {
        let c = creds();
        let sh = format_env(&session(&c), EnvFormat::Sh);
        assert!(
            sh.contains(r"export AWS_SECRET_ACCESS_KEY='se'\''cr\et';"),
            "{sh}"
        );
        assert!(sh.ends_with("unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN;\n"));
        let fish = format_env(&session(&c), EnvFormat::Fish);
        assert!(
            fish.contains(r"set -gx AWS_SECRET_ACCESS_KEY 'se\'cr\\et';"),
            "{fish}"
        );
        assert!(fish.contains("set -e AWS_PROFILE;"));
        let json: serde_json::Value =
            serde_json::from_str(&format_env(&session(&c), EnvFormat::Json)).unwrap();
        assert_eq!(json["AWS_SECRET_ACCESS_KEY"], "se'cr\\et");
        assert!(json["AWS_PROFILE"].is_null());
    }

    #[test]
    fn powershell_cmd_dotenv_and_ini() {
        let c = creds();
        let mut s = session(&c);
        s.account_name = "pay‘ments' $(x) %PATH% !x! ^& \"q\"\nnext";
        let ps = format_env(&s, EnvFormat::Powershell);
        assert!(
            ps.contains("$Env:AWS_SECRET_ACCESS_KEY = 'se''cr\\et'"),
            "{ps}"
        );
        // Every quote PowerShell knows is doubled: the string never ends early.
        assert!(
            ps.contains("$Env:AWSNAV_ACCOUNT_NAME = 'pay‘‘ments'' $(x) %PATH% !x! ^& \"q\"\nnext'"),
            "{ps}"
        );
        assert!(ps.contains("Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue"));
        let cmd = format_env(&s, EnvFormat::Cmd);
        assert!(
            cmd.contains("set \"AWSNAV_ACCOUNT_NAME=pay‘ments' $(x) _PATH_ _x_ _& _q__next\""),
            "{cmd}"
        );
        assert_eq!(cmd.lines().filter(|l| !l.starts_with("set \"")).count(), 0);
        let dotenv = format_env(&s, EnvFormat::Dotenv);
        assert!(
            dotenv.contains("AWS_SECRET_ACCESS_KEY='se\\'cr\\\\et'"),
            "{dotenv}"
        );
        assert_eq!(dotenv.lines().count(), s.vars().len());
        let ini = format_env(&s, EnvFormat::Ini);
        let first = ini.lines().next().unwrap();
        assert!(
            first.starts_with("[pay") && first.ends_with("-Admin]"),
            "{ini}"
        );
        assert!(
            !first[1..first.len() - 1].contains(['[', ']', ' ', '\n']),
            "{ini}"
        );
        assert!(ini.contains("aws_session_token = tok\n"), "{ini}");
        assert!(
            ini.contains("x_security_token_expires = 2026-11-21T13:00:00Z\n"),
            "{ini}"
        );
    }

    #[test]
    fn credential_process_shape() {
        let v: serde_json::Value =
            serde_json::from_str(&credential_process_json(&creds())).unwrap();
        assert_eq!(v["Version"], 1);
        assert_eq!(v["AccessKeyId"], "ASIAKEY");
        assert_eq!(v["SessionToken"], "tok");
        assert_eq!(v["Expiration"], "2026-11-21T13:00:00Z");
    }

    #[test]
    fn command_sets_and_unsets() {
        let c = creds();
        let cmd = session(&c).command("env", &[]);
        let envs: Vec<_> = cmd.get_envs().collect();
        let admin = Some(std::ffi::OsStr::new("Admin"));
        assert!(envs.iter().any(|(k, v)| *k == "AWSNAV_ROLE" && *v == admin));
        assert!(envs.iter().any(|(k, v)| *k == "AWS_PROFILE" && v.is_none()));
    }
}
