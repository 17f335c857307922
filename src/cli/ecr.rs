//! Docker and ECR: `awsnav ecr login ACCOUNT` sets Docker up to ask awsnav for an account's
//! registry, and `awsnav docker-credential` (or `docker-credential-awsnav`) answers Docker's
//! credential-helper protocol.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::Context as _;
use time::OffsetDateTime;

use super::args::{AccessOpts, DockerAction};
use super::enter::{choose_account, enter, enter_chosen};
use super::output::{say, write_stdout};
use crate::app::context::AppContext;
pub use crate::app::docker_helper::HELPER_PROGRAM;
use crate::app::docker_helper::{self, HelperState};
use crate::app::ecr_login::{self, Recorded, Registry};
use crate::aws::ecr::RegistryLogin;
use crate::domain::untrusted::{is_plain_word, sh_quoted, visible};

/// What Docker takes as "no credentials here" (it then goes on without).
const NOT_FOUND: &str = "credentials not found in native keychain";

/// `awsnav ecr …`.
///
/// # Errors
/// As the subcommand fails.
pub async fn command(
    ctx: &AppContext,
    command: super::args::EcrCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        super::args::EcrCommand::Login {
            account,
            link_helper,
            access,
        } => login(ctx, &account, link_helper, &access).await,
    }
}

/// `awsnav ecr login ACCOUNT [--link-helper]`.
///
/// # Errors
/// When entering fails, ECR refuses, Docker's file cannot be written, or the helper's link
/// asked for cannot be made.
pub async fn login(
    ctx: &AppContext,
    query: &str,
    link_helper: bool,
    opts: &AccessOpts,
) -> anyhow::Result<ExitCode> {
    let entered = enter(ctx, query, opts).await?;
    let registry = Registry::of(&entered.account_id, &entered.region);
    let login = registry_login(
        ctx,
        &entered.granted.credentials,
        &registry,
        &entered.role.key(),
    )
    .await?;
    ecr_login::record(
        &ctx.paths.data_dir,
        &registry.host,
        Recorded {
            account_id: entered.account_id.clone(),
            account_name: entered.account_name.clone(),
            role: entered.role.key(),
            production: entered.production,
        },
    )?;
    let file = ecr_login::docker_config_file(|k| std::env::var_os(k))
        .context("no home directory for Docker's config.json (set DOCKER_CONFIG)")?;
    let changed = ecr_login::set_cred_helper(&file, &registry.host)?;
    say!(
        "awsnav: Docker asks awsnav for {} ({}){}; the password lasts until {}",
        registry.host,
        entered.session().announced(),
        if changed {
            format!(": credHelpers set in {}", file.display())
        } else {
            String::new()
        },
        login
            .expires
            .and_then(|e| e
                .format(&time::format_description::well_known::Rfc3339)
                .ok())
            .unwrap_or_else(|| "AWS says".to_owned())
    );
    helper_for_docker(link_helper)?;
    Ok(ExitCode::SUCCESS)
}

/// `path` as one word for a POSIX shell.
fn shell_word(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    if is_plain_word(&text) {
        text
    } else {
        sh_quoted(&text)
    }
}

/// Says what Docker still needs to find `docker-credential-awsnav` (nothing when the first on
/// `PATH` is this awsnav), with the command that makes it. Nothing is written unless
/// `link_helper`: awsnav's install folder is the user's to change.
///
/// # Errors
/// When the link asked for cannot be made.
fn helper_for_docker(link_helper: bool) -> anyhow::Result<()> {
    let own = std::env::current_exe().unwrap_or_else(|_| super::own_path().into());
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    let path = std::env::var_os("PATH");
    let state = docker_helper::find(
        path.as_deref(),
        &own,
        home.as_deref().map(std::path::Path::new),
    );
    let folder = |p: &std::path::Path| p.parent().map(shell_word).unwrap_or_default();
    match state {
        HelperState::Ready { path } => {
            if link_helper {
                say!(
                    "awsnav: {} on PATH is this awsnav already: nothing to link",
                    path.display()
                );
            }
        }
        HelperState::Other { path } => say!(
            "awsnav: Docker will run {}, the first {HELPER_PROGRAM} on PATH, which is not this awsnav ({}); to have it run this one: ln -sf {} {}",
            path.display(),
            own.display(),
            shell_word(&own),
            shell_word(&path)
        ),
        HelperState::OffPath { link } => say!(
            "awsnav: {} links to this awsnav, but Docker will not find it: {} is not on PATH (add it to PATH)",
            link.display(),
            folder(&link)
        ),
        HelperState::Taken { link } => say!(
            "awsnav: Docker finds no {HELPER_PROGRAM} on PATH, and {} is not this awsnav; to replace it: ln -sf {} {}",
            link.display(),
            shell_word(&own),
            shell_word(&link)
        ),
        HelperState::Missing {
            link,
            target,
            on_path,
        } => {
            let also = if on_path {
                String::new()
            } else {
                format!(", and add {} to PATH", folder(&link))
            };
            if link_helper {
                docker_helper::make_link(&link, &target).with_context(|| {
                    format!("cannot link {} to {}", link.display(), target.display())
                })?;
                say!(
                    "awsnav: linked {} to {}{also}",
                    link.display(),
                    target.display()
                );
            } else {
                say!(
                    "awsnav: Docker finds no {HELPER_PROGRAM} on PATH; make it with: ln -s {} {}{also} (or run again with --link-helper)",
                    shell_word(&target),
                    shell_word(&link)
                );
            }
        }
    }
    Ok(())
}

/// The cached password for `registry` as `role`, or a new one from ECR (then cached).
async fn registry_login(
    ctx: &AppContext,
    credentials: &crate::domain::credentials::Credentials,
    registry: &Registry,
    role: &str,
) -> anyhow::Result<RegistryLogin> {
    let now = OffsetDateTime::now_utc();
    if let Some(login) = ecr_login::cached(&ctx.paths.cache_dir, &registry.host, role, now) {
        return Ok(login);
    }
    let sdk = ctx.access.sdk_as(credentials, &registry.region).await?;
    let counter = crate::aws::CallCounter::default();
    let login = crate::aws::ecr::login(&sdk, &counter, &ctx.access.ctx).await?;
    ecr_login::keep(&ctx.paths.cache_dir, &registry.host, role, &login)
        .context("cannot cache the registry password")?;
    Ok(login)
}

/// `awsnav docker-credential ACTION`: as Docker runs a credential helper. Errors go to
/// stdout with exit code 1, where Docker reads them.
///
/// # Errors
/// When stdin or stdout cannot be used.
pub async fn docker_credential(ctx: &AppContext, action: DockerAction) -> anyhow::Result<ExitCode> {
    let answer = match action {
        DockerAction::Get => get(ctx, &read_stdin()?).await,
        DockerAction::List => list(ctx),
        DockerAction::Store => {
            let _ = read_stdin()?;
            Err(anyhow::anyhow!(
                "awsnav gets each ECR password itself: docker login is not needed (awsnav ecr login ACCOUNT)"
            ))
        }
        DockerAction::Erase => {
            if let Some(r) = Registry::parse(&read_stdin()?) {
                ecr_login::forget(&ctx.paths.cache_dir, &r.host);
            }
            Ok(String::new())
        }
    };
    match answer {
        Ok(text) => {
            write_stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            write_stdout(&format!(
                "{}\n",
                crate::domain::untrusted::visible_lines(&format!("{e:#}"))
            ))?;
            Ok(ExitCode::FAILURE)
        }
    }
}

/// At most this much of stdin is read: a server URL or a small JSON object.
const MAX_INPUT: u64 = 64 * 1024;

fn read_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .take(MAX_INPUT)
        .read_to_string(&mut text)
        .context("cannot read the request on stdin")?;
    Ok(text.trim().to_owned())
}

/// `get`: the registry's login as Docker's JSON.
async fn get(ctx: &AppContext, server_url: &str) -> anyhow::Result<String> {
    let demo = ctx.is_demo();
    let Some(registry) = Registry::parse(server_url) else {
        anyhow::bail!(NOT_FOUND);
    };
    if demo {
        anyhow::bail!("the demo organization is not real: it has no registries");
    }
    let recorded = ecr_login::recorded(&ctx.paths.data_dir)?.remove(&registry.host);
    let opts = AccessOpts {
        role: recorded.as_ref().map(|r| r.role.clone()),
        // Production was confirmed by `ecr login`, or is refused below.
        yes: true,
        no_sign_in_offer: true,
        ..AccessOpts::default()
    };
    // A registry `ecr login` did not set up: its account's default role, chosen once here.
    let (role, chosen) = if let Some(r) = &recorded {
        (r.role.clone(), None)
    } else {
        let chosen = choose_account(ctx, &registry.account_id, &opts).await?;
        if chosen.production {
            anyhow::bail!(
                "{} ({}) is a PRODUCTION account: run `awsnav ecr login {} --yes` once to let Docker use its registry",
                visible(&chosen.name),
                chosen.id,
                chosen.id
            );
        }
        (chosen.role.key(), Some(chosen))
    };
    let now = OffsetDateTime::now_utc();
    let login =
        if let Some(login) = ecr_login::cached(&ctx.paths.cache_dir, &registry.host, &role, now) {
            login
        } else {
            let entered = match chosen {
                Some(chosen) => enter_chosen(ctx, chosen, &opts).await?,
                None => enter(ctx, &registry.account_id, &opts).await?,
            };
            registry_login(ctx, &entered.granted.credentials, &registry, &role).await?
        };
    let body = serde_json::json!({
        "ServerURL": server_url,
        "Username": login.username,
        "Secret": login.secret,
    });
    Ok(format!("{body}\n"))
}

/// `list`: the registries set up, each with its user name.
fn list(ctx: &AppContext) -> anyhow::Result<String> {
    let all: serde_json::Map<String, serde_json::Value> = ecr_login::recorded(&ctx.paths.data_dir)?
        .into_keys()
        .map(|host| (host, serde_json::Value::from("AWS")))
        .collect();
    Ok(format!("{}\n", serde_json::Value::Object(all)))
}
