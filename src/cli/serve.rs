//! `awsnav serve`: a standing credential endpoint, and `--print-env` for what a container
//! needs to use it.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};

use super::args::{AccessOpts, ServeArgs};
use super::output::{say, write_stdout};
use crate::app::context::AppContext;
use crate::app::credential_server::Endpoint;
use crate::app::standing_server::{self, Directory, Running, Serving};
use crate::domain::untrusted::visible;

/// `awsnav serve`.
///
/// # Errors
/// When the address may not be bound or cannot be, or the token file cannot be written.
pub async fn serve(ctx: &AppContext, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let demo = ctx.is_demo();
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
    let last_port = last.as_ref().and_then(Running::port);
    let listener = bind(args.bind, args.port, last_port).await?;
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
    let directory = Directory::of_inventory(ctx, inv.as_ref());
    let unknown = |id: &str| standing_server::Account {
        id: id.to_owned(),
        name: id.to_owned(),
        production: true,
        roles: Vec::new(),
    };
    let mut only = Vec::new();
    for asked in &args.accounts {
        let account = directory
            .find(asked.trim(), unknown)
            .map_err(|why| anyhow::anyhow!("{why}"))?;
        only.push(account.id);
    }
    let directory = Arc::new(directory);
    say_production(&directory, &only, args.access.yes);
    let running = kept_or_new(last, format!("http://{addr}"), &only, args.new_token)?;
    running
        .save(&ctx.paths.data_dir)
        .context("cannot keep the server's tokens")?;

    // A code the server needs is asked on its terminal (the requests waiting meanwhile), else
    // through the config's MFA command or a desktop dialog.
    let about = "to serve credentials (awsnav serve)";
    let mfa = super::prompt::mfa_source(ctx, args.access.mfa_code.clone(), about);
    let serving = Serving {
        production: args.access.yes,
        duration: args.access.duration,
        margin: time::Duration::seconds(i64::from(ctx.config.shell.refresh_margin_seconds)),
        accounts: only,
    };
    let log: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(|line: &str| {
        eprintln!("awsnav serve: {line}");
    });
    let route = standing_server::route(ctx, directory, mfa, serving, log);
    let token = running.server_token().unwrap_or_default().to_owned();
    let key = running.key.as_bytes().to_vec();
    let tokens = running.tokens(&ctx.paths.data_dir);
    let endpoint = Endpoint::serve(listener, hosts, token, tokens, Some(key), route)?;
    let file = Running::file(&ctx.paths.data_dir);
    let mut text = String::new();
    let _ = writeln!(text, "awsnav serve: listening on {}", endpoint.url);
    let _ = writeln!(text, "AWS_CONTAINER_AUTHORIZATION_TOKEN={}", endpoint.token);
    let _ = writeln!(
        text,
        "This token serves every account of this server; it is kept in {} (0600). For a container, a token for one account and role: awsnav serve --print-env ACCOUNT --role ROLE",
        file.display()
    );
    write_stdout(&text)?;
    // A line ten minutes before a sign-in renewals go through ends.
    let watcher = crate::app::identities::watch(
        Arc::new(ctx.clone()),
        None,
        Arc::new(|line: &str| eprintln!("awsnav serve: warning: {line}")),
    );
    tokio::signal::ctrl_c().await?;
    watcher.abort();
    drop(endpoint);
    say!("awsnav serve: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Lists the production accounts the server serves (with `--yes`) or leaves out.
fn say_production(directory: &Directory, only: &[String], yes: bool) {
    let production: Vec<String> = directory
        .production()
        .filter(|a| only.is_empty() || only.contains(&a.id))
        .map(|a| format!("{} ({})", visible(&a.name), a.id))
        .collect();
    if yes {
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
}

/// The tokens clients hold, kept while the server stays where they were told it is
/// (`url`); anywhere else, or when asked, new ones.
fn kept_or_new(
    last: Option<Running>,
    url: String,
    only: &[String],
    new_token: bool,
) -> anyhow::Result<Running> {
    Ok(match last {
        Some(mut last) if !new_token && last.url == url => {
            last.accounts = only.to_vec();
            if last.key.is_empty() {
                last.key = crate::app::credential_server::new_token()?;
            }
            if last.server_token().is_none() {
                last.tokens.extend(Running::new(url, only.to_vec())?.tokens);
            }
            last
        }
        Some(last) if !new_token => {
            say!(
                "awsnav serve: a new address ({url}, was {}): new tokens; start clients again with the output of --print-env",
                last.url
            );
            Running::new(url, only.to_vec())?
        }
        _ => Running::new(url, only.to_vec())?,
    })
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

/// A listener on `ip`: `port`, else the last server's port, else any. The last server's
/// port taken by another program is an error, never a move: its clients would send their
/// tokens to whatever holds it.
async fn bind(
    ip: IpAddr,
    port: Option<u16>,
    last: Option<u16>,
) -> anyhow::Result<tokio::net::TcpListener> {
    let at = |port: u16| SocketAddr::new(ip, port);
    match (port, last) {
        (Some(port), _) => tokio::net::TcpListener::bind(at(port))
            .await
            .with_context(|| format!("cannot listen on {}", at(port))),
        (None, Some(last)) => tokio::net::TcpListener::bind(at(last)).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {} ({e}), the address the last server's clients were given: awsnav does not move elsewhere, since those clients would send their tokens to whatever holds it. Stop the program that holds the port, or start with --port 0 for a new port (with new tokens: start the clients again with the output of --print-env)",
                at(last)
            )
        }),
        (None, None) => tokio::net::TcpListener::bind(at(0))
            .await
            .with_context(|| format!("cannot listen on {ip}")),
    }
}

/// `awsnav serve --print-env ACCOUNT --role ROLE`: the two variables, as `KEY=value` lines
/// (`docker run --env-file`, or `export` in a shell), with a token that serves that account
/// and role only — once the server at the kept address has proved it is the one that keeps
/// the tokens.
async fn print_env(ctx: &AppContext, query: &str, opts: &AccessOpts) -> anyhow::Result<ExitCode> {
    let Some(mut running) = Running::load(&ctx.paths.data_dir)? else {
        bail!("no awsnav serve has run here: start `awsnav serve` first");
    };
    standing_server::check_identity(&running.url, &running.key)
        .await
        .map_err(|why| {
            anyhow::anyhow!(
                "{why}: start `awsnav serve` first (a token is given only for a port awsnav holds)"
            )
        })?;
    let chosen = super::enter::choose_account(ctx, query, opts).await?;
    if !running.accounts.is_empty() && !running.accounts.contains(&chosen.id) {
        bail!(
            "the running server serves only {}: {} ({}) is not one of them (start it with that account too)",
            running.accounts.join(", "),
            visible(&chosen.name),
            chosen.id
        );
    }
    let role = chosen.role.key();
    let (token, new) = running.role_token(&chosen.id, &role)?;
    if new {
        running
            .save(&ctx.paths.data_dir)
            .context("cannot keep the new token")?;
    }
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
            "awsnav: warning: the AWS SDKs take plain-http credentials only from a loopback address or 169.254.170.2; serve on one of those (docs/credentials-for-tools.md shows how for Docker)"
        );
    }
    if chosen.production && !opts.yes {
        say!(
            "awsnav: {} is a PRODUCTION account: the server serves it only when started with --yes",
            visible(&chosen.name)
        );
    }
    write_stdout(&format!(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI={url}\nAWS_CONTAINER_AUTHORIZATION_TOKEN={token}\n"
    ))?;
    Ok(ExitCode::SUCCESS)
}
