//! Docker and ECR: `awsnav ecr login ACCOUNT` sets Docker up to ask awsnav for an account's
//! registry, and `awsnav docker-credential` (or `docker-credential-awsnav`) answers Docker's
//! credential-helper protocol.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::Context as _;
use time::OffsetDateTime;

use super::enter::{AccessOpts, choose_account, enter, enter_chosen};
use super::output::{say, write_stdout};
use crate::app::context::AppContext;
use crate::app::ecr_login::{self, Recorded, Registry};
use crate::aws::ecr::RegistryLogin;
use crate::domain::untrusted::visible;

/// The name Docker runs the helper by (`"credHelpers": {HOST: "awsnav"}`).
pub const HELPER_PROGRAM: &str = "docker-credential-awsnav";

/// Docker's credential-helper actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DockerAction {
    /// The server URL on stdin; the login as JSON on stdout.
    Get,
    /// The registries `awsnav ecr login` set up, as JSON.
    List,
    /// What `docker login` would keep: refused (awsnav gets each password itself).
    Store,
    /// The server URL on stdin: its cached password dropped (`docker logout`).
    Erase,
}

/// What Docker takes as "no credentials here" (it then goes on without).
const NOT_FOUND: &str = "credentials not found in native keychain";

/// `awsnav ecr …`.
///
/// # Errors
/// As the subcommand fails.
pub async fn command(
    ctx: &AppContext,
    demo: bool,
    command: super::args::EcrCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        super::args::EcrCommand::Login { account, access } => {
            login(ctx, demo, &account, &access).await
        }
    }
}

/// `awsnav ecr login ACCOUNT`.
///
/// # Errors
/// When entering fails, ECR refuses, or Docker's file cannot be written.
pub async fn login(
    ctx: &AppContext,
    demo: bool,
    query: &str,
    opts: &AccessOpts,
) -> anyhow::Result<ExitCode> {
    let entered = enter(ctx, demo, query, opts).await?;
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
        "awsnav: Docker asks awsnav for {} ({} ({}) as {}{}){}; the password lasts until {}",
        registry.host,
        visible(&entered.account_name),
        entered.account_id,
        visible(&entered.role.name),
        if entered.production {
            ", PRODUCTION"
        } else {
            ""
        },
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
    helper_on_path();
    Ok(ExitCode::SUCCESS)
}

/// Makes sure Docker finds `docker-credential-awsnav`: a link beside this awsnav when none is
/// on `PATH`, else the command that makes one.
fn helper_on_path() {
    let path = std::env::var_os("PATH").unwrap_or_default();
    if std::env::split_paths(&path).any(|d| d.join(HELPER_PROGRAM).exists()) {
        return;
    }
    let own = super::own_path();
    let link = std::path::Path::new(&own).with_file_name(HELPER_PROGRAM);
    #[cfg(unix)]
    let made = std::os::unix::fs::symlink(&own, &link);
    #[cfg(not(unix))]
    let made: std::io::Result<()> = Err(std::io::Error::other("no symbolic links"));
    match made {
        Ok(()) if std::env::split_paths(&path).any(|d| Some(d.as_path()) == link.parent()) => {
            say!("awsnav: linked {} to awsnav", link.display());
        }
        Ok(()) => say!(
            "awsnav: linked {} to awsnav; put its directory on PATH for Docker to find it",
            link.display()
        ),
        Err(e) => say!(
            "awsnav: Docker needs {HELPER_PROGRAM} on PATH ({e} making it beside awsnav): ln -s {own} ~/.local/bin/{HELPER_PROGRAM}"
        ),
    }
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
pub async fn docker_credential(
    ctx: &AppContext,
    demo: bool,
    action: DockerAction,
) -> anyhow::Result<ExitCode> {
    let answer = match action {
        DockerAction::Get => get(ctx, demo, &read_stdin()?).await,
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
async fn get(ctx: &AppContext, demo: bool, server_url: &str) -> anyhow::Result<String> {
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
                None => enter(ctx, demo, &registry.account_id, &opts).await?,
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
