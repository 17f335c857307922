//! Entry point: parse the command line, set up logging, run a command or the TUI.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{CommandFactory as _, Parser as _};

use awsnav::cli::{Cli, Command, ConfigCommand};
use awsnav::commands;
use awsnav::config::{self, Config, Paths};
use awsnav::context::{Context, Overrides};

fn main() -> ExitCode {
    // Answers the shell's completion requests (AWSNAV_COMPLETE=SHELL) and exits.
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(awsnav::completion::COMPLETE_VAR)
        .complete();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("awsnav: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let mut out = Vec::new();
            awsnav::completion::write_registration(*shell, &commands::own_path(), &mut out)?;
            commands::write_stdout(&String::from_utf8_lossy(&out))?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Man) => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            commands::write_stdout(&String::from_utf8_lossy(&out))?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let paths = Paths::resolve(|k| std::env::var_os(k))?;
    if let Some(Command::Config { command }) = &cli.command {
        match command {
            ConfigCommand::Default => {
                commands::write_stdout(config::DEFAULT_CONFIG)?;
                return Ok(ExitCode::SUCCESS);
            }
            ConfigCommand::Path => {
                println!("{}", paths.config_file.display());
                return Ok(ExitCode::SUCCESS);
            }
            ConfigCommand::Show | ConfigCommand::Generate { .. } => {}
        }
    }
    let config = Config::load(&paths.config_file)?;
    let _log_guard = init_logging(&paths);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "awsnav starting");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let overrides = Overrides {
        profile: cli.profile.clone(),
        region: cli.region.clone(),
        federation_url: std::env::var("AWSNAV_FEDERATION_URL")
            .ok()
            .filter(|v| !v.trim().is_empty()),
        browser: std::env::var("BROWSER").ok(),
    };
    let ctx = runtime.block_on(Context::new(paths, config, overrides));
    runtime.block_on(dispatch(ctx, cli.demo, cli.command))
}

/// Runs the chosen command (or the navigator).
async fn dispatch(ctx: Context, demo: bool, command: Option<Command>) -> anyhow::Result<ExitCode> {
    match command {
        None => {
            awsnav::tui::start(&ctx, demo)
                .await
                .context("cannot run the navigator")?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Config { command }) => config_command(&ctx, demo, command).await,
        // Answered in `run` before any configuration is read.
        Some(Command::Completions { .. } | Command::Man) => Ok(ExitCode::SUCCESS),
        Some(Command::List {
            json,
            refresh,
            refresh_cost,
        }) => {
            let opts = commands::ListOpts {
                json,
                refresh,
                refresh_cost,
            };
            commands::list(&ctx, demo, opts).await
        }
        Some(Command::Cost {
            json,
            by,
            months,
            refresh_cost,
        }) => {
            let mut ctx = ctx;
            if let Some(m) = months {
                ctx.cost.config.months = m;
                ctx.config.cost.months = m;
            }
            commands::cost(&ctx, demo, json, by, refresh_cost).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Refresh) => {
            if demo {
                eprintln!("awsnav: the demo organization is built in; nothing to refresh");
                Ok(ExitCode::SUCCESS)
            } else {
                let inv = commands::sync_and_store(&ctx).await?;
                Ok(commands::completeness(&inv))
            }
        }
        Some(Command::Shell {
            account,
            access,
            nested,
        }) => commands::shell(&ctx, demo, &account, &access, nested).await,
        Some(Command::Exec {
            account,
            access,
            command,
        }) => commands::exec(&ctx, demo, &account, &access, &command).await,
        Some(Command::Env {
            account,
            access,
            format,
        }) => {
            commands::env(&ctx, demo, &account, &access, format).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Console {
            account,
            access,
            service,
            destination,
            print,
        }) => {
            let destination = match destination {
                Some(url) => awsnav::aws::console::Destination::Url(url),
                None => awsnav::aws::console::Destination::Service(
                    service.unwrap_or_else(|| ctx.config.console.service.clone()),
                ),
            };
            commands::console(&ctx, demo, &account, &access, &destination, print).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::CredentialProcess { account, access }) => {
            commands::credential_process(&ctx, &account, &access).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `awsnav config show` and `config generate` (`default` and `path` need no context).
async fn config_command(
    ctx: &Context,
    demo: bool,
    command: ConfigCommand,
) -> anyhow::Result<ExitCode> {
    if let ConfigCommand::Generate {
        roles,
        prefix,
        style,
        write,
    } = command
    {
        let opts = commands::GenerateOpts {
            roles,
            prefix,
            style,
            write,
        };
        commands::generate_profiles(ctx, demo, &opts).await?;
    } else {
        commands::write_stdout(&config::describe(&ctx.config, &ctx.paths))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Logs go to a file under the log directory, never to the terminal the TUI draws on.
/// Returns `None` (no logging) when the directory cannot be created.
fn init_logging(paths: &Paths) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::EnvFilter;
    awsnav::files::create_private_dir(&paths.log_dir).ok()?;
    let appender = tracing_appender::rolling::never(&paths.log_dir, "awsnav.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
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
