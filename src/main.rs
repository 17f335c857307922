//! Entry point: parse the command line, set up logging and the runtime, then a command or
//! the navigator.

// The layout of `cli::run`'s future (every command's, nested) goes deeper than the default
// 128 queries in release builds.
#![recursion_limit = "256"]

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{CommandFactory as _, Parser as _};

use awsnav::app::context::AppContext;
use awsnav::cli::args::Cli;
use awsnav::config::{Config, Paths};

fn main() -> ExitCode {
    // Answers the shell's completion requests (AWSNAV_COMPLETE=SHELL) and exits.
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(awsnav::cli::completion::COMPLETE_VAR)
        .complete();
    let cli = Cli::parse_from(awsnav::cli::args::as_awsnav(std::env::args_os()));
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // An error may quote a name from the organization: its lines are kept, any
            // control in it is shown as an escape.
            let text = format!("{e:#}");
            eprintln!(
                "awsnav: {}",
                awsnav::domain::untrusted::visible_lines(&text)
            );
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(code) = awsnav::cli::answer_early(&cli)? {
        return Ok(code);
    }
    let paths = Paths::resolve(|k| std::env::var_os(k))?;
    let mut config = Config::load_checked(&paths.config_file, awsnav::tui::check_settings)?;
    if let Some(name) = &cli.org {
        config = config.for_org(name).ok_or_else(|| {
            let names = config.org_names();
            if names.is_empty() {
                anyhow::anyhow!(
                    "--org {name}: {} configures one organization; --org chooses among several [[org]] entries",
                    paths.config_file.display()
                )
            } else {
                anyhow::anyhow!(
                    "there is no organization named `{name}` in {} (configured: {})",
                    paths.config_file.display(),
                    names.join(", ")
                )
            }
        })?;
    }
    let _log_guard = init_logging(&paths);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "awsnav starting");
    // The navigator keeps drawing while background work runs on other threads; a command is
    // one flow of requests, which one thread serves without starting others.
    let runtime = if cli.command.is_none() {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    }
    .enable_all()
    .build()
    .context("cannot start the async runtime")?;
    let overrides = awsnav::cli::overrides(&cli);
    let mut ctx = AppContext::new(paths, config, overrides);
    ctx.mark_styles = awsnav::tui::mark_styles(&ctx.config);
    if cli.demo {
        ctx.source = awsnav::app::context::Source::Demo;
    }
    let result = match cli.command {
        None => runtime
            .block_on(awsnav::tui::start(&ctx))
            .context("cannot run the navigator")
            .map(|()| ExitCode::SUCCESS),
        Some(command) => runtime.block_on(awsnav::cli::run(&mut ctx, command)),
    };
    // The process ends here: what the run read (every AWS profile, the role catalog) is left
    // to the operating system rather than freed one piece at a time. The log is still flushed.
    std::mem::forget(ctx);
    result
}

/// Logs go to a file under the log directory, never to the terminal the TUI draws on.
/// Returns `None` (no logging) when the directory cannot be created.
fn init_logging(paths: &Paths) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::EnvFilter;
    awsnav::store::private_file::create_private_dir(&paths.log_dir).ok()?;
    let appender = tracing_appender::rolling::never(&paths.log_dir, "awsnav.log");
    // The default queue of 128,000 lines is allocated and touched up front (4 MB of resident
    // memory); awsnav logs a few lines a second at most.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(4096)
        .finish(appender);
    let user = std::env::var("AWSNAV_LOG").unwrap_or_else(|_| "info".to_owned());
    let filter = EnvFilter::try_new(log_filter(&user)).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Crates whose debug and trace output can carry secrets: the SDK's wire logging (signed
/// headers, session tokens) and the HTTP stack every request goes through (the federation
/// request's URL holds the role's keys, its answer the sign-in token). Never below info,
/// whatever `AWSNAV_LOG` says.
const SECRET_BEARING: &[&str] = &[
    "aws_sigv4",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http_client",
    "aws_smithy_types",
    "aws_config",
    "aws_runtime",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "tower",
];

/// The log filter for `AWSNAV_LOG`: a bare level (`debug`, `trace`…) applies to awsnav itself
/// and other crates stay at info; other directives are taken as written, except any that name
/// a secret-bearing crate: those crates are always at info.
fn log_filter(user: &str) -> String {
    let user = user.trim();
    let mut parts: Vec<String> = match user.to_ascii_lowercase().as_str() {
        "trace" | "debug" => vec!["info".to_owned(), format!("awsnav={user}")],
        "" => vec!["info".to_owned()],
        _ => user
            .split(',')
            .filter(|d| {
                let target = d.split(['=', '[']).next().unwrap_or("").trim();
                !SECRET_BEARING
                    .iter()
                    .any(|s| target == *s || target.starts_with(&format!("{s}::")))
            })
            .map(str::to_owned)
            .collect(),
    };
    parts.extend(SECRET_BEARING.iter().map(|t| format!("{t}=info")));
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::log_filter;

    #[test]
    fn verbose_levels_stay_inside_awsnav_and_secret_bearing_crates_are_capped() {
        let f = log_filter("trace");
        assert!(f.starts_with("info,awsnav=trace,"), "{f}");
        assert!(f.contains(",hyper_util=info,"), "{f}");
        assert!(f.contains(",aws_smithy_runtime=info"), "{f}");
        let custom = log_filter("hyper_util=trace,awsnav=debug,aws_smithy_runtime::client=trace");
        assert!(
            custom.starts_with("awsnav=debug,aws_sigv4=info,"),
            "{custom}"
        );
        assert!(!custom.contains("trace"), "{custom}");
        assert!(custom.ends_with(",rustls=info,tower=info"), "{custom}");
        assert_eq!(log_filter("warn").split(',').next(), Some("warn"));
    }
}
