//! The ways out: a subshell or one command in an account's environment, `eval`-able exports,
//! and `credential_process` JSON.

use std::fmt::Write as _;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::domain::credentials::Credentials;

/// Variables that would point tools elsewhere than the chosen account: removed.
pub const UNSET: [&str; 3] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

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
}

impl Session<'_> {
    /// The environment contract, in a stable order.
    #[must_use]
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        let c = self.credentials;
        let mut vars = vec![
            ("AWS_ACCESS_KEY_ID", c.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", c.secret_access_key.clone()),
        ];
        if let Some(t) = &c.session_token {
            vars.push(("AWS_SESSION_TOKEN", t.clone()));
        }
        vars.push(("AWS_REGION", self.region.to_owned()));
        vars.push(("AWS_DEFAULT_REGION", self.region.to_owned()));
        if let Some(e) = c.expiration.and_then(|e| e.format(&Rfc3339).ok()) {
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
        cmd
    }
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
}

/// The session's environment as text to `eval`.
#[must_use]
pub fn format_env(session: &Session<'_>, format: EnvFormat) -> String {
    let mut out = String::new();
    match format {
        EnvFormat::Sh => {
            for (k, v) in session.vars() {
                let _ = writeln!(out, "export {k}={};", sh_quote(&v));
            }
            let _ = writeln!(out, "unset {};", UNSET.join(" "));
        }
        EnvFormat::Fish => {
            for (k, v) in session.vars() {
                let _ = writeln!(out, "set -gx {k} {};", fish_quote(&v));
            }
            for k in UNSET {
                let _ = writeln!(out, "set -e {k};");
            }
        }
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

fn sh_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', r"'\''"))
}

fn fish_quote(v: &str) -> String {
    format!("'{}'", v.replace('\\', r"\\").replace('\'', r"\'"))
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
    use time::macros::datetime;

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
