//! Getting into an account from the command line, and the commands that use it: `shell`,
//! `exec` and `env`.

use std::process::ExitCode;

use anyhow::bail;

use super::args::{AccessOpts, ExportOpts};
use super::output::say;
use super::output::write_stdout;
use super::prompt::{self, mfa_source};
use super::refresh;
use super::sign_in::offer_for;
use crate::app::context::AppContext;
use crate::app::enter::{Child, FrontEnd, run_in_account};
use crate::app::launch::{self, EnvFormat};
use crate::config::ShellCredentials;
use crate::domain::inventory::Inventory;
use crate::domain::model::{AccountId, OrgTree};
use crate::domain::roles::RoleOption;
use crate::domain::selector::AccountView;
use crate::domain::untrusted::visible;
use crate::domain::{safety, search};

pub use crate::app::enter::Entered;

/// Resolves the account, picks the role, confirms production, gets credentials.
///
/// # Errors
/// When the account is unknown or ambiguous, the role is not chosen, production is not
/// confirmed, or AWS refuses.
pub async fn enter(ctx: &AppContext, query: &str, opts: &AccessOpts) -> anyhow::Result<Entered> {
    let demo = ctx.is_demo();
    if demo {
        bail!(
            "the demo organization is not real: there is nothing to get into (run without --demo)"
        );
    }
    let chosen = choose_account(ctx, query, opts).await?;
    enter_chosen(ctx, chosen, opts).await
}

/// [`enter`] once the account and role are chosen: confirms production, gets credentials.
///
/// # Errors
/// When production is not confirmed, or AWS refuses.
pub async fn enter_chosen(
    ctx: &AppContext,
    chosen: Chosen,
    opts: &AccessOpts,
) -> anyhow::Result<Entered> {
    let Chosen {
        id: account_id,
        name: account_name,
        role,
        production,
    } = chosen;
    if production && !opts.yes {
        let same_name_as = refresh::cached_lookalikes(ctx)
            .remove(&account_id)
            .unwrap_or_default();
        confirm_production(
            &account_id,
            &account_name,
            &safety::Confirmation::new(
                &ctx.config.production.confirm_with,
                &account_id,
                &account_name,
                same_name_as,
            ),
        )?;
    }
    let target = crate::app::access::AccessTarget {
        account_id: account_id.clone(),
        account_name: account_name.clone(),
        role: role.clone(),
        duration: opts.duration,
    };
    let mfa = mfa_source(
        ctx,
        opts.mfa_code.clone(),
        &crate::app::enter::purpose("get into", &target, production),
    );
    let now = time::OffsetDateTime::now_utc();
    let granted = crate::app::enter::get_in(ctx, &target, &mfa, now, |e| async move {
        if opts.no_sign_in_offer || !offer_for(ctx, &e).await? {
            return Err(anyhow::Error::from(e));
        }
        Ok(())
    })
    .await?;
    Ok(Entered {
        region: ctx.session_region(&account_id, &role).await,
        account_id,
        account_name,
        role,
        production,
        granted,
    })
}

/// Whether `--role` names an IAM role offered in account `i` (`iam:NAME`, or a plain name an
/// IAM role of the account has, as `--role` prefers IAM roles).
fn iam_role_named(
    ctx: &AppContext,
    inv: &Inventory,
    tree: &OrgTree,
    i: usize,
    role: Option<&str>,
) -> bool {
    let Some(role) = role.map(str::trim) else {
        return false;
    };
    if role.len() > 4 && role[..4].eq_ignore_ascii_case("iam:") {
        return true;
    }
    ctx.roles(inv, tree, i)
        .iter()
        .any(|r| !r.sso && r.name.eq_ignore_ascii_case(role))
}

/// The account named on the command line, the role to take there, and whether it is
/// production.
pub struct Chosen {
    pub id: String,
    pub name: String,
    pub role: RoleOption,
    pub production: bool,
}

/// Account `i` of the inventory, the role to take there, and whether it is production.
fn chosen_in(
    ctx: &AppContext,
    inv: &Inventory,
    tree: &OrgTree,
    i: usize,
    opts: &AccessOpts,
) -> anyhow::Result<Chosen> {
    let account = &inv.org.accounts[i];
    if !account.status.is_active() {
        bail!(
            "{} ({}) is {}: roles cannot be assumed there",
            visible(&account.name),
            account.id,
            account.status.as_str()
        );
    }
    let offered = ctx.roles(inv, tree, i);
    let role = pick_role(
        ctx,
        account.id.as_str(),
        &account.name,
        &offered,
        opts.role.as_deref(),
    )?;
    Ok(Chosen {
        id: account.id.to_string(),
        name: account.name.clone(),
        production: ctx.is_production(inv, tree, i),
        role,
    })
}

/// Picks the account and role (`Chosen`). An account id never waits for the organization: the cached
/// inventory tells what awsnav knows of it, and without one (or when the account is not in it)
/// the id alone is enough to get in — only a name needs an inventory, read if there is none.
///
/// # Errors
/// When no account or several match, or the role cannot be chosen.
pub async fn choose_account(
    ctx: &AppContext,
    query: &str,
    opts: &AccessOpts,
) -> anyhow::Result<Chosen> {
    let named = ctx
        .config
        .aliases
        .get(query.trim())
        .map_or(query.trim(), String::as_str);
    let by_id = AccountId::parse(named).ok();
    let mut inv = match &by_id {
        Some(id) => refresh::cached_inventory_where(ctx, |a| a == id.as_str()),
        None => Some(refresh::inventory(ctx, false).await?),
    };
    if let Some(inv) = &mut inv {
        let tree = OrgTree::build(&inv.org);
        let found = match &by_id {
            Some(id) => inv.org.accounts.iter().position(|a| a.id == *id),
            None => Some(search::resolve(
                &inv.org,
                &tree,
                &ctx.config.aliases,
                query,
            )?),
        };
        if let Some(i) = found {
            // Identity Center's roles there, read now if they never were (or long ago); not
            // for an IAM role, which needs no portal.
            if !iam_role_named(ctx, inv, &tree, i, opts.role.as_deref()) {
                match refresh::ensure_sso_roles(ctx, inv, &[i], !opts.no_sign_in_offer).await {
                    Ok(()) => {}
                    Err(e) if !ctx.roles(inv, &tree, i).is_empty() => {
                        say!(
                            "awsnav: warning: the roles IAM Identity Center gives there could not be read: {e}"
                        );
                    }
                    Err(e) => return Err(e),
                }
            }
            return chosen_in(ctx, inv, &tree, i, opts);
        }
    }
    let Some(id) = by_id else {
        bail!("no account matches `{query}` (try `awsnav list`)");
    };
    let id = id.to_string();
    let offered = ctx.catalog.roles_for(&AccountView::bare(&id, &id));
    let role = pick_role(ctx, &id, &id, &offered, opts.role.as_deref())?;
    let production = ctx
        .classifier
        .production_of_unknown(&id)
        .unwrap_or_else(|| {
            say!(
                "awsnav: account {id} is not in the inventory awsnav has, so it is treated as PRODUCTION. To let awsnav know it, run `awsnav refresh`, point [org] source at the inventory your platform team shares, or add a rule to {}:\n  [[production.rule]]\n  account = [\"{id}\"]\n  production = false",
                ctx.paths.config_file.display()
            );
            true
        });
    Ok(Chosen {
        name: id.clone(),
        id,
        role,
        production,
    })
}

/// `--role`, else the last role used there, else the only role offered.
fn pick_role(
    ctx: &AppContext,
    account_id: &str,
    account_name: &str,
    offered: &[RoleOption],
    wanted: Option<&str>,
) -> anyhow::Result<RoleOption> {
    if let Some(w) = wanted {
        return Ok(RoleOption::wanted(offered, w));
    }
    if let Some(last) = ctx.prefs.load().get(account_id)
        && let Some(r) = offered.iter().find(|r| r.key() == *last)
    {
        return Ok(r.clone());
    }
    let account_name = visible(account_name);
    match offered {
        [one] => Ok(one.clone()),
        [] => bail!(
            "no role is offered in {account_name}: pass --role NAME, or add roles with [roles] in {}",
            ctx.paths.config_file.display()
        ),
        many => bail!(
            "several roles are offered in {account_name}; choose one with --role: {}",
            visible(
                &many
                    .iter()
                    .map(RoleOption::label)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        ),
    }
}

/// Asks on the terminal for the confirmation text, saying why to look twice at the account
/// when its name looks like another's; without a terminal, `--yes` is required.
fn confirm_production(
    account_id: &str,
    account_name: &str,
    confirmation: &safety::Confirmation,
) -> anyhow::Result<()> {
    let account_name = visible(account_name);
    let no_tty = || {
        anyhow::anyhow!(
            "{account_name} is a PRODUCTION account: pass --yes to confirm (there is no terminal to ask on)"
        )
    };
    if !prompt::person_present() {
        return Err(no_tty());
    }
    let question = match confirmation.warning() {
        None => format!("\x1b[1;31m{account_name} is a PRODUCTION account.\x1b[0m"),
        Some(warning) => format!(
            "\x1b[1;31m{account_name} ({account_id}) is a PRODUCTION account: {warning}.\x1b[0m"
        ),
    };
    let answer = prompt::ask(&format!(
        "{question} Type {} to continue: ",
        confirmation.what_to_type()
    ))?
    .ok_or_else(no_tty)?;
    if confirmation.is_confirmed_by(&answer) {
        Ok(())
    } else {
        bail!("not confirmed: nothing was done in {account_name} ({account_id})")
    }
}

/// `awsnav shell`: `$SHELL` in the account; returns the shell's exit code.
///
/// # Errors
/// When nested without `--nested`, or entering fails.
pub async fn shell(
    ctx: &AppContext,
    query: &str,
    opts: &AccessOpts,
    nested: bool,
    credentials: Option<ShellCredentials>,
) -> anyhow::Result<ExitCode> {
    if let Some(current) = std::env::var_os(launch::MARKER)
        && !nested
    {
        let name = std::env::var("AWSNAV_ACCOUNT_NAME").unwrap_or_default();
        bail!(
            "already inside an awsnav shell for {} ({}): exit it first, or pass --nested",
            visible(&name),
            visible(&current.to_string_lossy())
        );
    }
    let entered = enter(ctx, query, opts).await?;
    let how = credentials.unwrap_or(ctx.config.shell.credentials);
    run(ctx, &entered, opts, how, Child::Shell).await
}

/// The command line keeps the terminal as it is for a child: there is no screen to leave.
struct Terminal;

impl FrontEnd for Terminal {
    async fn hand_over_terminal(&mut self) {}
    fn take_back_terminal(&mut self) {}
}

/// Runs `child` in `entered`'s account and passes its exit code through.
async fn run(
    ctx: &AppContext,
    entered: &Entered,
    opts: &AccessOpts,
    how: ShellCredentials,
    child: Child<'_>,
) -> anyhow::Result<ExitCode> {
    let code = run_in_account(Some(ctx), &mut Terminal, entered, opts.duration, how, child).await?;
    Ok(ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1)))
}

/// `awsnav exec`: one command in the account; its exit code is passed through.
///
/// # Errors
/// When entering fails or the command cannot be started.
pub async fn exec(
    ctx: &AppContext,
    query: &str,
    opts: &AccessOpts,
    credentials: Option<ShellCredentials>,
    command: &[String],
) -> anyhow::Result<ExitCode> {
    let Some((program, args)) = command.split_first() else {
        bail!("no command given: awsnav exec ACCOUNT -- COMMAND [ARGS…]");
    };
    let entered = enter(ctx, query, opts).await?;
    let how = credentials.unwrap_or(ctx.config.shell.credentials);
    run(ctx, &entered, opts, how, Child::Command(program, args)).await
}

/// `awsnav env`: exports to `eval`.
///
/// # Errors
/// When entering fails.
pub async fn env(
    ctx: &AppContext,
    query: &str,
    opts: &AccessOpts,
    format: EnvFormat,
    export: &ExportOpts,
) -> anyhow::Result<std::process::ExitCode> {
    let demo = ctx.is_demo();
    if let Some(name) = &export.export_as {
        crate::app::access_keys::check_export_name(name, export.force)?;
        if demo {
            anyhow::bail!("demo organization: nothing real to export");
        }
    }
    let entered = enter(ctx, query, opts).await?;
    let session = entered.session();
    if let Some(name) = &export.export_as {
        let written = crate::app::access_keys::export_session(&session, name, export.force)?;
        super::output::say!(
            "awsnav: profile {name} in {} now holds {}{}{}",
            written.file.display(),
            session.announced(),
            session
                .credentials
                .expiration
                .and_then(|e| e
                    .format(&time::format_description::well_known::Rfc3339)
                    .ok())
                .map(|e| format!(" until {e}"))
                .unwrap_or_default(),
            written
                .backup
                .map(|b| format!("; the file as it was is at {}", b.display()))
                .unwrap_or_default()
        );
    } else {
        let text = launch::format_env(&session, format);
        // Meant for eval or a file; on a terminal, a name's escape sequences are shown,
        // not obeyed (the quoting keeps them for a shell, which is not there).
        if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            write_stdout(&crate::domain::untrusted::visible_lines(&text))?;
        } else {
            write_stdout(&text)?;
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
