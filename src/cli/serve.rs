//! `awsnav serve`: a standing credential endpoint, and `--print-env` for what a container
//! needs to use it.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};

use super::enter::AccessOpts;
use super::output::{say, write_stdout};
use crate::app::context::AppContext;
use crate::app::credential_server::{Endpoint, new_token};
use crate::app::standing_server::{self, Directory, Running, Serving};
use crate::domain::untrusted::visible;

/// What `awsnav serve` is asked.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on: 127.0.0.1, or a container bridge's address (see the README
    /// for Docker); others only with --allow-remote.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// The port (default: the last server's, else any free one).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Allow an address other machines can reach (every request still needs the token).
    #[arg(long)]
    pub allow_remote: bool,
    /// Make a new token instead of the one the last server kept.
    #[arg(long)]
    pub new_token: bool,
    /// Print the two variables a container needs to get ACCOUNT's role from the running
    /// server (with --role), and exit.
    #[arg(long, value_name = "ACCOUNT", add = clap_complete::ArgValueCompleter::new(crate::cli::completion::accounts))]
    pub print_env: Option<String>,
    #[command(flatten)]
    pub access: AccessOpts,
}

/// `awsnav serve`.
///
/// # Errors
/// When the address may not be bound or cannot be, or the token file cannot be written.
pub async fn serve(ctx: &AppContext, demo: bool, args: ServeArgs) -> anyhow::Result<ExitCode> {
    if demo {
        bail!("the demo organization is not real: there is nothing to serve (run without --demo)");
    }
    if let Some(account) = &args.print_env {
        return print_env(ctx, account, &args.access).await;
    }
    let last = Running::load(&ctx.paths.data_dir).unwrap_or_else(|e| {
        say!("awsnav: warning: {e}");
        None
    });
    let token = match &last {
        Some(r) if !args.new_token => r.token.clone(),
        _ => new_token()?,
    };
    let listener = bind(args.bind, args.port, last.as_ref().and_then(Running::port)).await?;
    let addr = listener.local_addr()?;
    let hosts = standing_server::hosts_for(addr, args.allow_remote).map_err(anyhow::Error::msg)?;

    let inv = match super::refresh::cached_inventory(ctx) {
        Some(inv) => Some(inv),
        None => match super::refresh::inventory(ctx, false).await {
            Ok(inv) => Some(inv),
            Err(e) => {
                say!(
                    "awsnav: warning: no inventory ({e}); accounts are served by id only, as production"
                );
                None
            }
        },
    };
    let directory = Arc::new(Directory::of_inventory(ctx, inv.as_ref()));
    let production: Vec<String> = directory
        .production()
        .map(|a| format!("{} ({})", visible(&a.name), a.id))
        .collect();
    if args.access.yes {
        if !production.is_empty() {
            say!(
                "awsnav serve: PRODUCTION accounts are served too ({}): {}",
                production.len(),
                list_of(&production)
            );
        }
    } else if !production.is_empty() {
        say!(
            "awsnav serve: {} PRODUCTION accounts are not served; start with --yes to serve them: {}",
            production.len(),
            list_of(&production)
        );
    }

    // A code the server needs is asked on its terminal (the requests waiting meanwhile), else
    // through the config's MFA command or a desktop dialog.
    let about = "to serve credentials (awsnav serve)";
    let mfa = super::enter::mfa_source(ctx, args.access.mfa_code.clone(), about);
    let serving = Serving {
        production: args.access.yes,
        duration: args.access.duration,
        margin: time::Duration::seconds(i64::from(ctx.config.shell.refresh_margin_seconds)),
    };
    let log: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(|line: &str| {
        eprintln!("awsnav serve: {line}");
    });
    let route = standing_server::route(ctx, directory, mfa, serving, log);
    let endpoint = Endpoint::serve(listener, hosts, token, route)?;
    let running = Running {
        url: endpoint.url.clone(),
        token: endpoint.token.clone(),
    };
    running
        .save(&ctx.paths.data_dir)
        .context("cannot keep the server's token")?;
    let file = Running::file(&ctx.paths.data_dir);
    let mut text = String::new();
    let _ = writeln!(text, "awsnav serve: listening on {}", endpoint.url);
    let _ = writeln!(text, "AWS_CONTAINER_AUTHORIZATION_TOKEN={}", endpoint.token);
    let _ = writeln!(
        text,
        "The token is kept in {} (0600). For a container: awsnav serve --print-env ACCOUNT --role ROLE",
        file.display()
    );
    write_stdout(&text)?;
    tokio::signal::ctrl_c().await?;
    drop(endpoint);
    say!("awsnav serve: stopped");
    Ok(ExitCode::SUCCESS)
}

/// The first few of `names`, and how many more.
fn list_of(names: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut text = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        let _ = write!(text, " and {} more (awsnav list)", names.len() - SHOWN);
    }
    text
}

/// A listener on `ip`: `port`, else the last server's port while it is free, else any.
async fn bind(
    ip: IpAddr,
    port: Option<u16>,
    last: Option<u16>,
) -> anyhow::Result<tokio::net::TcpListener> {
    let at = |port: u16| SocketAddr::new(ip, port);
    if let Some(port) = port {
        return tokio::net::TcpListener::bind(at(port))
            .await
            .with_context(|| format!("cannot listen on {}", at(port)));
    }
    if let Some(last) = last
        && let Ok(l) = tokio::net::TcpListener::bind(at(last)).await
    {
        return Ok(l);
    }
    tokio::net::TcpListener::bind(at(0))
        .await
        .with_context(|| format!("cannot listen on {ip}"))
}

/// `awsnav serve --print-env ACCOUNT --role ROLE`: the two variables, as `KEY=value` lines
/// (`docker run --env-file`, or `export` in a shell).
async fn print_env(ctx: &AppContext, query: &str, opts: &AccessOpts) -> anyhow::Result<ExitCode> {
    let Some(running) = Running::load(&ctx.paths.data_dir)? else {
        bail!("no awsnav serve has run here: start `awsnav serve` first");
    };
    let chosen = super::enter::choose_account(ctx, query, opts).await?;
    let url = format!(
        "{}{}",
        running.url,
        standing_server::path_of(&chosen.id, &chosen.role)
    );
    let host = running
        .url
        .trim_start_matches("http://")
        .rsplit_once(':')
        .map_or("", |(h, _)| h)
        .trim_matches(['[', ']']);
    let sdk_ok = host
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip.is_loopback() || ["169.254.170.2", "169.254.170.23"].contains(&host));
    if !sdk_ok {
        say!(
            "awsnav: warning: the AWS SDKs take plain-http credentials only from a loopback address or 169.254.170.2; serve on one of those (the README shows how for Docker)"
        );
    }
    if chosen.production && !opts.yes {
        say!(
            "awsnav: {} is a PRODUCTION account: the server serves it only when started with --yes",
            visible(&chosen.name)
        );
    }
    write_stdout(&format!(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI={url}\nAWS_CONTAINER_AUTHORIZATION_TOKEN={}\n",
        running.token
    ))?;
    Ok(ExitCode::SUCCESS)
}
