//! Shell completion: `awsnav completions SHELL` prints a registration script; the shell then
//! asks awsnav itself (with `AWSNAV_COMPLETE=SHELL` set) for candidates as you type, so
//! subcommands, flags and account names are always those of the installed version. Account
//! names come from the cached inventory: completing never talks to AWS.

use std::ffi::OsStr;
use std::io::Write;

use clap_complete::engine::CompletionCandidate;
use clap_complete::env::Shells;

use crate::config::{Config, Paths};
use crate::domain::model::OrgTree;
use crate::domain::untrusted;
use crate::store::inventory_cache::InventoryCache;

/// The environment variable that switches awsnav into answering a completion request.
pub const COMPLETE_VAR: &str = "AWSNAV_COMPLETE";

/// Shells `awsnav completions` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

impl CompletionShell {
    fn name(self) -> &'static str {
        match self {
            Self::Bash => "bash",
            Self::Zsh => "zsh",
            Self::Fish => "fish",
            Self::Elvish => "elvish",
            Self::Powershell => "powershell",
        }
    }
}

/// Writes the registration script for `shell`; `completer` is the program the shell runs to
/// ask for candidates (this binary's path, so it works off `PATH` too).
///
/// # Errors
/// When the script cannot be written.
pub fn write_registration(
    shell: CompletionShell,
    completer: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let shells = Shells::builtins();
    let Some(env) = shells.completer(shell.name()) else {
        return Err(std::io::Error::other(format!(
            "no completion support for {}",
            shell.name()
        )));
    };
    env.write_registration(COMPLETE_VAR, "awsnav", "awsnav", completer, out)
}

/// Account names, ids and aliases from the cache that start with what was typed (any case),
/// each with its id and OU path as help. Falls back to names containing it.
pub fn accounts(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let Ok(paths) = Paths::resolve(|k| std::env::var_os(k)) else {
        return Vec::new();
    };
    let config = Config::load(&paths.config_file).unwrap_or_default();
    let profile = config.org.profile.as_deref();
    let Ok(Some(inv)) = InventoryCache::new(&paths.cache_dir, profile).load() else {
        return Vec::new();
    };
    candidates(&inv, &config, current)
}

fn candidates(
    inv: &crate::domain::inventory::Inventory,
    config: &Config,
    current: &str,
) -> Vec<CompletionCandidate> {
    let tree = OrgTree::build(&inv.org);
    let typed = current.to_lowercase();
    let mut named: Vec<(String, String)> = inv
        .org
        .accounts
        .iter()
        .enumerate()
        // A shell inserts what it is offered as it is: a name that is not a plain word is
        // offered by its id (below) instead.
        .filter(|(_, a)| untrusted::is_plain_word(&a.name))
        .map(|(i, a)| {
            let path = tree.account_path(i).join("/");
            let help = if path.is_empty() {
                a.id.to_string()
            } else {
                format!("{} · {}", a.id, untrusted::visible(&path))
            };
            (a.name.clone(), help)
        })
        .collect();
    named.extend(
        config
            .aliases
            .iter()
            .filter(|(alias, _)| untrusted::is_plain_word(alias))
            .map(|(alias, target)| (alias.clone(), format!("alias for {target}"))),
    );
    let ids = inv
        .org
        .accounts
        .iter()
        .map(|a| (a.id.to_string(), untrusted::visible(&a.name).into_owned()));
    let mut out: Vec<(String, String)> = named
        .iter()
        .cloned()
        .chain(ids)
        .filter(|(value, _)| value.to_lowercase().starts_with(&typed))
        .collect();
    if out.is_empty() && !typed.is_empty() {
        out = named
            .into_iter()
            .filter(|(value, _)| value.to_lowercase().contains(&typed))
            .collect();
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out.into_iter()
        .map(|(value, help)| CompletionCandidate::new(value).help(Some(help.into())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn values(c: &[CompletionCandidate]) -> Vec<String> {
        c.iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn names_ids_and_aliases_complete_by_prefix_then_by_substring() {
        let inv = crate::domain::demo::inventory(datetime!(2026-11-21 12:00 UTC));
        let mut config = Config::default();
        config.aliases.insert("pay".into(), "payments-prod".into());
        let c = candidates(&inv, &config, "payments-p");
        assert_eq!(values(&c), ["payments-prod"]);
        let help = c[0].get_help().map(ToString::to_string).unwrap_or_default();
        assert!(help.contains("Workloads/Prod/Payments"), "{help}");
        assert_eq!(
            values(&candidates(&inv, &config, "PAY")),
            ["pay", "payments-dev", "payments-prod", "payments-staging"]
        );
        let id = inv.org.accounts[0].id.to_string();
        assert_eq!(values(&candidates(&inv, &config, &id)), vec![id]);
        // Nothing starts with it: names containing it.
        let c = values(&candidates(&inv, &config, "archive"));
        assert_eq!(c, ["log-archive"]);
        assert!(candidates(&inv, &config, "zzz-nothing").is_empty());
    }

    #[test]
    fn names_a_shell_would_read_are_offered_by_id() {
        let mut inv = crate::domain::demo::inventory(datetime!(2026-11-21 12:00 UTC));
        inv.org.accounts[0].name = "pwn$(touch x)\x1b".into();
        let id = inv.org.accounts[0].id.to_string();
        let config = Config::default();
        assert!(candidates(&inv, &config, "pwn").is_empty());
        let by_id = candidates(&inv, &config, &id);
        assert_eq!(values(&by_id), [id]);
        let help = by_id[0]
            .get_help()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert_eq!(help, r"pwn$(touch x)\x1b");
    }

    #[test]
    fn registration_scripts_name_the_completer_and_variable() {
        for shell in [
            CompletionShell::Bash,
            CompletionShell::Zsh,
            CompletionShell::Fish,
        ] {
            let mut out = Vec::new();
            write_registration(shell, "/opt/bin/awsnav", &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("AWSNAV_COMPLETE"), "{shell:?}: {text}");
            assert!(text.contains("/opt/bin/awsnav"), "{shell:?}: {text}");
        }
    }
}
