//! Entry point: parse the command line, set up logging, run a command or the TUI.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser as _;
use time::OffsetDateTime;

use awsnav::aws::org::SyncProgress;
use awsnav::aws::{AwsSettings, ErrorContext};
use awsnav::cli::{Cli, Command, ConfigCommand};
use awsnav::config::{self, Config, Paths};
use awsnav::inventory::{Inventory, InventoryCache};
use awsnav::sync::{self, SyncRequest};
use awsnav::tui::{self, effects, state};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("awsnav: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let paths = Paths::resolve(|k| std::env::var_os(k))?;
    if let Some(Command::Config { command }) = &cli.command {
        match command {
            ConfigCommand::Default => {
                print!("{}", config::DEFAULT_CONFIG);
                return Ok(ExitCode::SUCCESS);
            }
            ConfigCommand::Path => {
                println!("{}", paths.config_file.display());
                return Ok(ExitCode::SUCCESS);
            }
            ConfigCommand::Show => {}
        }
    }
    let config = Config::load(&paths.config_file)?;
    let _log_guard = init_logging(&paths);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "awsnav starting");

    let settings = AwsSettings {
        profile: cli.profile.clone().or_else(|| config.org.profile.clone()),
        region: cli.region.clone().or_else(|| config.org.region.clone()),
    };
    let request = SyncRequest {
        ctx: ErrorContext {
            profile: settings.profile.clone(),
            config_file: paths.config_file.display().to_string(),
        },
        settings,
        concurrency: config.org.concurrency,
    };
    let cache = InventoryCache::new(&paths.cache_dir, request.settings.profile.as_deref());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;

    match cli.command {
        None => {
            runtime.block_on(run_tui(cli.demo, &config, request, cache))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Config { .. }) => {
            print!("{}", config::describe(&config, &paths));
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::List { json, refresh }) => {
            let inv = if cli.demo {
                awsnav::demo::inventory(OffsetDateTime::now_utc())
            } else {
                runtime.block_on(cached_or_synced(&request, &cache, refresh))?
            };
            let out = if json {
                let mut s = awsnav::list::json(&inv)?;
                s.push('\n');
                s
            } else {
                awsnav::list::table(&inv, &config.ui.key_tags)
            };
            write_stdout(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Refresh) => {
            if cli.demo {
                eprintln!("awsnav: the demo organization is built in; nothing to refresh");
                return Ok(ExitCode::SUCCESS);
            }
            runtime.block_on(sync_and_store(&request, &cache))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes to stdout; a closed pipe (`awsnav list | head`) is not an error.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

async fn cached_or_synced(
    request: &SyncRequest,
    cache: &InventoryCache,
    refresh: bool,
) -> anyhow::Result<Inventory> {
    if !refresh {
        match cache.load() {
            Ok(Some(inv)) => return Ok(inv),
            Ok(None) => {}
            Err(problem) => {
                tracing::warn!(%problem, "cache not used");
                eprintln!("awsnav: warning: {problem}");
            }
        }
    }
    sync_and_store(request, cache).await
}

async fn sync_and_store(
    request: &SyncRequest,
    cache: &InventoryCache,
) -> anyhow::Result<Inventory> {
    let tty = std::io::stderr().is_terminal();
    let progress = move |p: SyncProgress| {
        if tty {
            let (done, known) = p.done_and_known();
            eprint!(
                "\r\x1b[2Ksyncing: {done}/{known} requests done · {} OUs · {} accounts · {} API calls",
                p.ous_found, p.accounts_found, p.api_calls
            );
        }
    };
    let result = sync::run(request, OffsetDateTime::now_utc, &progress).await;
    if tty {
        eprint!("\r\x1b[2K");
    }
    let (inv, stats) = result?;
    if let Err(e) = cache.store(&inv) {
        tracing::warn!(error = %e, "cache write failed");
        eprintln!("awsnav: warning: {e}");
    }
    eprintln!(
        "synced {} accounts in {} OUs with {} API calls in {:.1} s",
        inv.org.accounts.len(),
        inv.org.org_units.len(),
        stats.api_calls,
        stats.elapsed.as_secs_f64()
    );
    Ok(inv)
}

async fn run_tui(
    demo: bool,
    config: &Config,
    request: SyncRequest,
    cache: InventoryCache,
) -> anyhow::Result<()> {
    let clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync> = Arc::new(OffsetDateTime::now_utc);
    let now = clock();
    let key_tags = config.ui.key_tags.clone();
    let app = if demo {
        let mut state = state::State::new(
            Some(awsnav::demo::inventory(now)),
            "demo",
            key_tags,
            now,
            (80, 24),
        );
        state.status.banner = Some(state::Banner::info(
            "demo organization: nothing is sent to AWS",
        ));
        tui::App {
            state,
            source: effects::Source::Demo,
            clock,
            startup: Vec::new(),
        }
    } else {
        let source_label = request
            .settings
            .profile
            .clone()
            .unwrap_or_else(|| "default credentials".to_owned());
        let (cached, problem) = match cache.load() {
            Ok(inv) => (inv, None),
            Err(p) => {
                tracing::warn!(problem = %p, "cache not used");
                (None, Some(p.to_string()))
            }
        };
        let mut state = state::State::new(cached, &source_label, key_tags, now, (80, 24));
        if let Some(text) = problem {
            state.status.banner = Some(state::Banner::warning(text));
        }
        let startup = state.update(state::Msg::Action(tui::action::Action::Refresh));
        tui::App {
            state,
            source: effects::Source::Aws { request, cache },
            clock,
            startup,
        }
    };
    tui::run(app).await.context("terminal error")?;
    Ok(())
}

/// Logs go to a file under the log directory, never to the terminal the TUI draws on.
/// Returns `None` (no logging) when the directory cannot be created.
fn init_logging(paths: &Paths) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::EnvFilter;
    awsnav::inventory::create_private_dir(&paths.log_dir).ok()?;
    let appender = tracing_appender::rolling::never(&paths.log_dir, "awsnav.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let user = std::env::var("AWSNAV_LOG").unwrap_or_else(|_| "info".to_owned());
    // The SDK's wire-level logging can include signed headers and session tokens: never
    // let it through, whatever AWSNAV_LOG asks for.
    let filter = EnvFilter::try_new(format!(
        "{user},aws_sigv4=info,aws_smithy_runtime=info,aws_smithy_http_client=info,aws_config=info,hyper=info,hyper_util=info,rustls=info,h2=info"
    ))
    .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
