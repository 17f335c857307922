//! The command line: every subcommand, each in its own file, and the dispatch to them.

pub mod args;
pub mod auth;
pub mod completion;
pub mod console;
pub mod cost_report;
pub mod credential_process;
pub mod ecr;
pub mod eks;
pub mod enter;
pub mod export;
pub mod fanout;
pub mod generate;
pub mod guardrails;
pub mod list;
pub mod output;
pub mod prompt;
pub mod refresh;
pub mod serve;
pub mod sign_in;
pub mod status;
pub mod which;

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::CommandFactory as _;

use crate::app::context::{AppContext, Overrides};
use crate::config::Paths;
use args::{Cli, Command, ConfigCommand};
use output::write_stdout;

/// How other programs (shells completing, tools running `credential_process`) should start
/// this awsnav: its own path, so it works off `PATH` too; `awsnav` when that is unknown.
#[must_use]
pub fn own_path() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_owned))
        .unwrap_or_else(|| "awsnav".to_owned())
}

/// The commands answered before any configuration is read (completions, the man page), and
/// those that need only the paths (`config default`, `config path`); `None` for the rest.
///
/// # Errors
/// When stdout cannot be written, or no home directory can be found.
pub fn answer_early(cli: &Cli) -> anyhow::Result<Option<ExitCode>> {
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let mut out = Vec::new();
            completion::write_registration(*shell, &own_path(), &mut out)?;
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(Some(ExitCode::SUCCESS))
        }
        Some(Command::Man) => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(Some(ExitCode::SUCCESS))
        }
        Some(Command::Config {
            command: ConfigCommand::Default,
        }) => {
            write_stdout(crate::config::DEFAULT_CONFIG)?;
            Ok(Some(ExitCode::SUCCESS))
        }
        Some(Command::Config {
            command: ConfigCommand::Path,
        }) => {
            let paths = Paths::resolve(|k| std::env::var_os(k))?;
            write_stdout(&format!("{}\n", paths.config_file.display()))?;
            Ok(Some(ExitCode::SUCCESS))
        }
        _ => Ok(None),
    }
}

/// What the command line and the environment override in the config file.
#[must_use]
pub fn overrides(cli: &Cli) -> Overrides {
    Overrides {
        profile: cli.profile.clone(),
        region: cli.region.clone(),
        federation_url: std::env::var("AWSNAV_FEDERATION_URL")
            .ok()
            .filter(|v| !v.trim().is_empty()),
        browser: std::env::var("BROWSER").ok(),
        file_passphrase: std::env::var("AWSNAV_FILE_PASSPHRASE")
            .ok()
            .filter(|v| !v.is_empty()),
        ask_secret: Some(prompt::ask_secret),
    }
}

/// Runs `command` with the context a run builds once.
///
/// # Errors
/// What the command fails with, phrased for the user.
pub async fn run(ctx: &mut AppContext, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Config { command } => config_command(ctx, command).await,
        // Answered by `answer_early` before any configuration is read.
        Command::Completions { .. } | Command::Man => Ok(ExitCode::SUCCESS),
        Command::List {
            json,
            select,
            except,
            role,
            refresh,
            roles,
            refresh_cost,
        } => {
            if !select.is_empty() {
                return fanout::list_selected(ctx, &select, &except, role.as_deref(), json).await;
            }
            let opts = list::ListOpts {
                json,
                refresh,
                roles,
                refresh_cost,
            };
            list::list(ctx, opts).await
        }
        Command::Cost {
            json,
            by,
            months,
            refresh_cost,
        } => {
            if let Some(m) = months {
                ctx.cost.config.months = m;
                ctx.config.cost.months = m;
            }
            cost_report::cost(ctx, json, by, refresh_cost)
                .await
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Export { output, refresh } => {
            export::export(ctx, output.as_deref(), refresh).await
        }
        Command::Refresh { mfa_code } => refresh::refresh(ctx, mfa_code.as_deref()).await,
        Command::Shell {
            account,
            access,
            nested,
            credentials,
        } => enter::shell(ctx, &account, &access, nested, credentials).await,
        Command::Exec {
            account,
            access,
            each,
            credentials,
            command,
        } => match account {
            Some(account) => enter::exec(ctx, &account, &access, credentials, &command).await,
            None => fanout::exec_each(ctx, &each, &access, &command).await,
        },
        Command::Env {
            account,
            access,
            format,
            export,
        } => enter::env(ctx, &account, &access, format, &export).await,
        Command::Console {
            account,
            arn_account,
            access,
            service,
            destination,
            isolation,
            print,
        } => {
            let page = console::page(ctx, account, arn_account.as_deref(), service, destination)?;
            let how = console::How {
                arn_account: arn_account.as_deref(),
                isolation,
                print,
            };
            console::console(ctx, page, &access, how).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Which { inputs, json } => which::which(ctx, &inputs, json).await,
        Command::Status { json } => status::status(ctx, json).await,
        Command::Guardrails(args) => guardrails::guardrails(ctx, args).await,
        Command::Login(args) => sign_in::login_command(ctx, &args).await,
        Command::Logout { console } => sign_in::logout_command(ctx, console).await,
        Command::CredentialProcess {
            account,
            key,
            access,
        } => credential_process::command(ctx, key, account, &access).await,
        Command::Auth { command } => auth::auth(ctx, command).await,
        Command::Serve(args) => Box::pin(serve::serve(ctx, args)).await,
        Command::Ecr { command } => ecr::command(ctx, command).await,
        Command::DockerCredential { action } => ecr::docker_credential(ctx, action).await,
        Command::Eks { command } => Box::pin(eks::command(ctx, command)).await,
    }
}

/// `awsnav config show` and `config generate` (`default` and `path` need no context).
async fn config_command(ctx: &AppContext, command: ConfigCommand) -> anyhow::Result<ExitCode> {
    if let ConfigCommand::Generate {
        roles,
        prefix,
        style,
        write,
        force,
    } = command
    {
        let opts = generate::GenerateOpts {
            roles,
            prefix,
            style,
            write,
            force,
        };
        generate::generate_profiles(ctx, &opts).await?;
    } else {
        let mut text = crate::config::describe(&ctx.config, &ctx.paths);
        let base = ctx.access.base_profile.as_deref();
        let _ = write!(
            text,
            "credentials: {}\nkey store:   {} ({} keys)\n",
            ctx.access.base_source(base),
            match ctx.access.keys.backend_name() {
                "file" => "encrypted file",
                _ => "OS keyring",
            },
            ctx.access.keys.list().len(),
        );
        if let Some((profile, ends)) = ctx.sso_sign_in().await {
            let now = time::OffsetDateTime::now_utc();
            let _ = writeln!(
                text,
                "identity center: profile {profile}, {}",
                match ends {
                    Some(e) if e > now => {
                        let mins = (e - now).whole_minutes();
                        format!(
                            "signed in until {} ({} left)",
                            e.format(&time::format_description::well_known::Rfc3339)
                                .unwrap_or_default(),
                            if mins >= 120 {
                                format!("{} h", mins / 60)
                            } else {
                                format!("{mins} min")
                            }
                        )
                    }
                    Some(_) => "the sign-in has ended: awsnav login".to_owned(),
                    None => "not signed in: awsnav login".to_owned(),
                }
            );
        }
        if let Some(c) = crate::app::console_sign_in::base_status(ctx) {
            let now = time::OffsetDateTime::now_utc();
            let _ = writeln!(
                text,
                "{} (profile {}{})",
                c.describe(now),
                c.profile,
                if c.signed_in && c.ends.is_none_or(|e| e > now) {
                    String::new()
                } else {
                    format!(": awsnav login --console --profile {}", c.profile)
                }
            );
        }
        write_stdout(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}
