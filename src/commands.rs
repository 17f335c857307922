//! The command-line commands: list, refresh, and the ways into an account.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use time::OffsetDateTime;

use crate::access::{Granted, Interactive, MfaSource, Target};
use crate::aws::AwsError;
use crate::aws::console::Destination;
use crate::aws::org::SyncProgress;
use crate::cli::CostBy;
use crate::console::LinkRequest;
use crate::context::Context;
use crate::cost_cache::CostState;
use crate::inventory::Inventory;
use crate::launch::{self, EnvFormat, Session};
use crate::model::OrgTree;
use crate::roles::RoleOption;
use crate::{safety, search, sync};

/// Options shared by every command that gets credentials.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct AccessOpts {
    /// Role to assume (default: the last one used there, or the only one offered).
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// The current MFA code (otherwise the config's MFA command, or a prompt on the terminal).
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,
    /// Session length in seconds (over 3600 assumes directly with MFA).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(900..=43_200))]
    pub duration: Option<u32>,
    /// Confirm access to a production account without being asked.
    #[arg(long)]
    pub yes: bool,
    /// Never offer to run `aws sso login` (set by commands whose output another program reads
    /// and which that program may start with the terminal still attached).
    #[arg(skip)]
    pub no_sign_in_offer: bool,
}

/// Writes to stdout; a closed pipe (`awsnav list | head`) is not an error.
///
/// # Errors
/// When stdout cannot be written for another reason.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// The cached inventory, or a fresh sync when there is none (or `refresh`).
///
/// # Errors
/// When a needed sync fails.
pub async fn inventory(ctx: &Context, refresh: bool) -> anyhow::Result<Inventory> {
    if !refresh {
        match ctx.inventory_cache.load() {
            Ok(Some(inv)) => {
                if let Some(summary) = inv.partial_summary() {
                    eprintln!("awsnav: warning: the cached inventory is incomplete: {summary}");
                }
                return Ok(inv);
            }
            Ok(None) => {}
            Err(problem) => {
                tracing::warn!(%problem, "cache not used");
                eprintln!("awsnav: warning: {problem}");
            }
        }
    }
    sync_and_store(ctx).await
}

/// Syncs from AWS, stores the cache, reports on stderr (with progress on a terminal).
///
/// # Errors
/// When the sync fails.
pub async fn sync_and_store(ctx: &Context) -> anyhow::Result<Inventory> {
    let tty = std::io::stderr().is_terminal();
    let progress = move |p: SyncProgress| {
        if tty {
            let (done, known) = p.done_and_known();
            let sso = if p.sso_accounts > 0 {
                format!(" · {} Identity Center accounts", p.sso_accounts)
            } else {
                String::new()
            };
            eprint!(
                "\r\x1b[2Ksyncing: {done}/{known} requests done · {} OUs · {} accounts{sso} · {} API calls",
                p.ous_found, p.accounts_found, p.api_calls
            );
        }
    };
    // The progress line is cleared after each run (the sign-in offer asks between them).
    let run = || async {
        let result = sync::run(&ctx.sync, OffsetDateTime::now_utc, &progress).await;
        if tty {
            eprint!("\r\x1b[2K");
        }
        result
    };
    let mut result = run().await;
    if let Err(AwsError::SsoLogin { profile, .. }) = &result
        && offer_sso_login(profile)?
    {
        result = run().await;
    }
    let (inv, stats) = result?;
    let throttled = if stats.throttled > 0 {
        format!(" ({} throttled answers retried)", stats.throttled)
    } else {
        String::new()
    };
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    eprintln!(
        "{} {} in {} with {} API calls in {:.1} s{throttled}",
        if inv.is_partial() {
            "read only"
        } else {
            "synced"
        },
        count(inv.org.accounts.len(), "account", "accounts"),
        count(inv.org.org_units.len(), "OU", "OUs"),
        stats.api_calls,
        stats.elapsed.as_secs_f64()
    );
    let with_sso = inv
        .org
        .accounts
        .iter()
        .filter(|a| !a.sso_roles.is_empty())
        .count();
    if with_sso > 0 {
        eprintln!(
            "IAM Identity Center gives you roles in {}",
            count(with_sso, "account", "accounts")
        );
    }
    if let Some(why) = &inv.org_error {
        eprintln!(
            "awsnav: the organization was not read, so these are the accounts IAM Identity Center gives you ({why})"
        );
    }
    if let Some(summary) = inv.partial_summary() {
        eprintln!("awsnav: warning: {summary}");
    }
    match sync::store(&ctx.inventory_cache, &inv) {
        Ok(sync::Stored::Written) => {}
        Ok(sync::Stored::KeptPrevious(at)) => eprintln!(
            "awsnav: the complete inventory cached {} was kept; run `awsnav refresh` again later",
            crate::inventory::age_text(at, OffsetDateTime::now_utc())
        ),
        Err(e) => {
            tracing::warn!(error = %e, "cache write failed");
            eprintln!("awsnav: warning: {e}");
        }
    }
    Ok(inv)
}

/// Exit status of `list` and `refresh` when the inventory is partial.
pub const PARTIAL_EXIT: u8 = 3;

/// The exit status of a command that showed `inv`: [`PARTIAL_EXIT`] when it is partial, so
/// scripts notice.
#[must_use]
pub fn completeness(inv: &Inventory) -> ExitCode {
    if inv.is_partial() {
        ExitCode::from(PARTIAL_EXIT)
    } else {
        ExitCode::SUCCESS
    }
}

/// What `awsnav list` was asked for.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListOpts {
    pub json: bool,
    pub refresh: bool,
    pub refresh_cost: bool,
}

/// `awsnav list`.
///
/// # Errors
/// When the inventory cannot be had or stdout fails.
pub async fn list(ctx: &Context, demo: bool, opts: ListOpts) -> anyhow::Result<ExitCode> {
    let ListOpts {
        json,
        refresh,
        refresh_cost,
    } = opts;
    let inv = if demo {
        crate::demo::inventory(OffsetDateTime::now_utc())
    } else {
        inventory(ctx, refresh).await?
    };
    let tree = OrgTree::build(&inv.org);
    let enrich = |i: usize| {
        let roles = ctx
            .roles(&inv, &tree, i)
            .into_iter()
            .map(|r| r.name)
            .collect();
        (roles, ctx.is_production(&inv, &tree, i))
    };
    let costs = if json && !demo {
        account_costs(ctx, refresh_cost).await
    } else {
        None
    };
    if json {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        match crate::list::write_json(&mut out, &inv, &tree, &enrich, costs.as_ref()) {
            // `awsnav list --json | head` is not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other?,
        }
    } else {
        write_stdout(&crate::list::table(
            &inv,
            &tree,
            &ctx.config.ui.key_tags,
            &enrich,
        ))?;
    }
    Ok(completeness(&inv))
}

/// Per-account costs (cached within the TTL); `None` with a note on stderr when unavailable.
async fn account_costs(ctx: &Context, force: bool) -> Option<crate::list::Costs> {
    let now = OffsetDateTime::now_utc();
    match ctx.cost.read(force, now).await {
        CostState::Known { snapshot, cached } => {
            if !cached {
                eprintln!(
                    "awsnav: read costs with {} Cost Explorer request(s)",
                    snapshot.requests
                );
            }
            Some(crate::list::Costs {
                by_account: crate::cost::summarize(
                    &snapshot.monthly,
                    &snapshot.currency,
                    now.date(),
                    usize::from(ctx.config.cost.months),
                ),
                as_of: snapshot.fetched_at,
            })
        }
        CostState::Unavailable { reason } => {
            eprintln!("awsnav: {reason}");
            None
        }
        CostState::Disabled => None,
    }
}

/// `awsnav cost`: a cost report by account (most expensive first) or by OU.
///
/// # Errors
/// When the inventory cannot be had, or cost is off or unavailable.
pub async fn cost(
    ctx: &Context,
    demo: bool,
    json: bool,
    by: CostBy,
    refresh_cost: bool,
) -> anyhow::Result<()> {
    if demo {
        bail!("the demo organization has no costs; run without --demo");
    }
    if !ctx.config.cost.enabled {
        bail!(
            "cost reading is off ([cost] enabled = false in {})",
            ctx.paths.config_file.display()
        );
    }
    let inv = inventory(ctx, false).await?;
    let Some(costs) = account_costs(ctx, refresh_cost).await else {
        bail!("no cost data (see above)");
    };
    let tree = OrgTree::build(&inv.org);
    let report = match by {
        CostBy::Account => crate::cost_report::by_account(&inv, &tree, &costs),
        CostBy::Ou => crate::cost_report::by_ou(&inv, &tree, &costs),
    };
    write_stdout(&if json { report.json() } else { report.table() })
}

/// An account picked on the command line, with its role and credentials.
pub struct Entered {
    pub account_id: String,
    pub account_name: String,
    pub role: RoleOption,
    pub production: bool,
    pub region: String,
    pub granted: Granted,
}

impl Entered {
    #[must_use]
    pub fn session(&self) -> Session<'_> {
        Session {
            account_id: &self.account_id,
            account_name: &self.account_name,
            role: &self.role.name,
            production: self.production,
            region: &self.region,
            credentials: &self.granted.credentials,
        }
    }
}

/// Resolves the account, picks the role, confirms production, gets credentials.
///
/// # Errors
/// When the account is unknown or ambiguous, the role is not chosen, production is not
/// confirmed, or AWS refuses.
pub async fn enter(
    ctx: &Context,
    demo: bool,
    query: &str,
    opts: &AccessOpts,
) -> anyhow::Result<Entered> {
    if demo {
        bail!(
            "the demo organization is not real: there is nothing to get into (run without --demo)"
        );
    }
    let inv = inventory(ctx, false).await?;
    let tree = OrgTree::build(&inv.org);
    let i = search::resolve(&inv.org, &tree, &ctx.config.aliases, query)?;
    let account = &inv.org.accounts[i];
    if !account.status.is_active() {
        bail!(
            "{} ({}) is {}: roles cannot be assumed there",
            account.name,
            account.id,
            account.status.as_str()
        );
    }
    let offered = ctx.roles(&inv, &tree, i);
    let role = pick_role(
        ctx,
        account.id.as_str(),
        &account.name,
        &offered,
        opts.role.as_deref(),
    )?;
    let production = ctx.is_production(&inv, &tree, i);
    if production && !opts.yes {
        confirm_production(
            &account.name,
            safety::confirmation_text(&ctx.config.production, &account.name),
        )?;
    }
    let interactive = if std::io::stdin().is_terminal() || std::io::stderr().is_terminal() {
        Interactive::Tty
    } else {
        Interactive::None
    };
    let mfa = MfaSource {
        code: opts.mfa_code.clone(),
        process: ctx.config.auth.mfa_process.clone(),
        interactive,
    };
    let target = Target {
        account_id: account.id.to_string(),
        account_name: account.name.clone(),
        role: role.clone(),
        duration: opts.duration,
    };
    let granted = match ctx
        .access
        .credentials(&target, &mfa, OffsetDateTime::now_utc())
        .await
    {
        Err(AwsError::SsoLogin { profile, why }) => {
            if opts.no_sign_in_offer || !offer_sso_login(&profile)? {
                return Err(AwsError::SsoLogin { profile, why }.into());
            }
            ctx.access
                .credentials(&target, &mfa, OffsetDateTime::now_utc())
                .await?
        }
        other => other?,
    };
    ctx.last_roles.remember(account.id.as_str(), &role.key());
    Ok(Entered {
        account_id: account.id.to_string(),
        account_name: account.name.clone(),
        region: ctx.session_region(account.id.as_str(), &role).await,
        role,
        production,
        granted,
    })
}

/// `--role`, else the last role used there, else the only role offered.
fn pick_role(
    ctx: &Context,
    account_id: &str,
    account_name: &str,
    offered: &[RoleOption],
    wanted: Option<&str>,
) -> anyhow::Result<RoleOption> {
    if let Some(w) = wanted {
        return Ok(RoleOption::find(offered, w).cloned().unwrap_or_else(|| {
            match w.strip_prefix("sso:") {
                Some(name) => RoleOption::sso(name),
                None => RoleOption::named(w.strip_prefix("iam:").unwrap_or(w)),
            }
        }));
    }
    if let Some(last) = ctx.last_roles.load().get(account_id)
        && let Some(r) = offered.iter().find(|r| r.key() == *last)
    {
        return Ok(r.clone());
    }
    match offered {
        [one] => Ok(one.clone()),
        [] => bail!(
            "no role is offered in {account_name}: pass --role NAME, or add roles with [roles] in {}",
            ctx.paths.config_file.display()
        ),
        many => bail!(
            "several roles are offered in {account_name}; choose one with --role: {}",
            many.iter()
                .map(RoleOption::label)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// With a person at the terminal, offers to run `aws sso login --profile P` after IAM
/// Identity Center's sign-in was missing, expired or refused. `Ok(true)`: it ran and
/// succeeded, so the caller tries again; `Ok(false)`: no terminal, or declined.
///
/// # Errors
/// When `aws` cannot be started or the sign-in fails.
fn offer_sso_login(profile: &str) -> anyhow::Result<bool> {
    use std::io::BufRead as _;
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return Ok(false);
    };
    let mut out = &tty;
    write!(
        out,
        "The IAM Identity Center sign-in of profile `{profile}` is needed. Run `aws sso login --profile {profile}` now? [Y/n] "
    )?;
    out.flush()?;
    let mut line = String::new();
    std::io::BufReader::new(&tty).read_line(&mut line)?;
    if line.trim().to_lowercase().starts_with('n') {
        return Ok(false);
    }
    // Its output goes to stderr: stdout may be read by a program (`eval "$(awsnav env …)"`).
    let status = std::process::Command::new("aws")
        .args(["sso", "login", "--profile", profile])
        .stdout(std::io::stderr())
        .status()
        .context("cannot start `aws` (the AWS CLI v2 signs in to IAM Identity Center)")?;
    if !status.success() {
        bail!("`aws sso login --profile {profile}` failed ({status})");
    }
    Ok(true)
}

/// Asks on the terminal for the confirmation text; without a terminal, `--yes` is required.
fn confirm_production(account_name: &str, expected: &str) -> anyhow::Result<()> {
    use std::io::BufRead as _;
    let no_tty = || {
        anyhow::anyhow!(
            "{account_name} is a PRODUCTION account: pass --yes to confirm (there is no terminal to ask on)"
        )
    };
    if !std::io::stdin().is_terminal() {
        return Err(no_tty());
    }
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| no_tty())?;
    let mut out = &tty;
    write!(
        out,
        "\x1b[1;31m{account_name} is a PRODUCTION account.\x1b[0m Type `{expected}` to continue: "
    )?;
    out.flush()?;
    let mut line = String::new();
    std::io::BufReader::new(&tty).read_line(&mut line)?;
    if line.trim() == expected {
        Ok(())
    } else {
        bail!("not confirmed: nothing was done in {account_name}")
    }
}

/// `awsnav shell`: `$SHELL` in the account; returns the shell's exit code.
///
/// # Errors
/// When nested without `--nested`, or entering fails.
pub async fn shell(
    ctx: &Context,
    demo: bool,
    query: &str,
    opts: &AccessOpts,
    nested: bool,
) -> anyhow::Result<ExitCode> {
    if let Some(current) = std::env::var_os(launch::MARKER)
        && !nested
    {
        let name = std::env::var("AWSNAV_ACCOUNT_NAME").unwrap_or_default();
        bail!(
            "already inside an awsnav shell for {name} ({}): exit it first, or pass --nested",
            current.to_string_lossy()
        );
    }
    let entered = enter(ctx, demo, query, opts).await?;
    eprintln!(
        "awsnav: {} ({}) as {}{} — exit the shell to leave",
        entered.account_name,
        entered.account_id,
        entered.role.name,
        if entered.production {
            " [PRODUCTION]"
        } else {
            ""
        }
    );
    run_child(&entered, &launch::user_shell(), &[]).await
}

/// `awsnav exec`: one command in the account; its exit code is passed through.
///
/// # Errors
/// When entering fails or the command cannot be started.
pub async fn exec(
    ctx: &Context,
    demo: bool,
    query: &str,
    opts: &AccessOpts,
    command: &[String],
) -> anyhow::Result<ExitCode> {
    let Some((program, args)) = command.split_first() else {
        bail!("no command given: awsnav exec ACCOUNT -- COMMAND [ARGS…]");
    };
    let entered = enter(ctx, demo, query, opts).await?;
    run_child(&entered, program, args).await
}

async fn run_child(entered: &Entered, program: &str, args: &[String]) -> anyhow::Result<ExitCode> {
    let mut child = tokio::process::Command::from(entered.session().command(program, args))
        .spawn()
        .with_context(|| format!("cannot start `{program}`"))?;
    // Ctrl-C belongs to the child while it runs; awsnav waits for it and reports its status.
    let ignore_interrupts = tokio::spawn(async {
        loop {
            if tokio::signal::ctrl_c().await.is_err() {
                break;
            }
        }
    });
    let status = child.wait().await;
    ignore_interrupts.abort();
    let code = launch::exit_code(status?);
    Ok(ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1)))
}

/// `awsnav env`: exports to `eval`.
///
/// # Errors
/// When entering fails.
pub async fn env(
    ctx: &Context,
    demo: bool,
    query: &str,
    opts: &AccessOpts,
    format: EnvFormat,
) -> anyhow::Result<()> {
    let entered = enter(ctx, demo, query, opts).await?;
    write_stdout(&launch::format_env(&entered.session(), format))
}

/// `awsnav console`: a sign-in link for the account's role, opened in a browser or printed.
///
/// # Errors
/// When entering fails or the federation endpoint refuses.
pub async fn console(
    ctx: &Context,
    demo: bool,
    query: &str,
    opts: &AccessOpts,
    destination: &Destination,
    print: bool,
) -> anyhow::Result<()> {
    let entered = enter(ctx, demo, query, opts).await?;
    let request = LinkRequest {
        credentials: &entered.granted.credentials,
        via: entered.granted.via,
        role_arn: &entered.granted.role_arn,
        region: &entered.region,
        destination,
    };
    let link = crate::console::link(
        &ctx.config.console,
        ctx.federation_url_env.as_deref(),
        &request,
    )
    .await?;
    if let Some(note) = &link.note {
        eprintln!("awsnav: note: {note}");
    }
    if print {
        return write_stdout(&format!("{}\n", link.url.0));
    }
    match crate::console::open_in_browser(
        &link.url,
        ctx.config.console.browser.as_deref(),
        ctx.browser_env.as_deref(),
    ) {
        Ok(()) => {
            eprintln!(
                "awsnav: console opened for {} ({}) as {}",
                entered.account_name, entered.account_id, entered.role.name
            );
            Ok(())
        }
        Err(why) => {
            eprintln!(
                "awsnav: could not start a browser ({why}); open this sign-in link (valid 15 minutes):"
            );
            write_stdout(&format!("{}\n", link.url.0))
        }
    }
}

/// `awsnav credential-process`: the JSON a profile's `credential_process` must print.
///
/// # Errors
/// When entering fails.
pub async fn credential_process(
    ctx: &Context,
    query: &str,
    opts: &AccessOpts,
) -> anyhow::Result<()> {
    let opts = AccessOpts {
        no_sign_in_offer: true,
        ..opts.clone()
    };
    let entered = enter(ctx, false, query, &opts).await?;
    let mut out = launch::credential_process_json(&entered.granted.credentials);
    out.push('\n');
    write_stdout(&out)
}

/// How other programs (shells completing, tools running `credential_process`) should start
/// this awsnav: its own path, so it works off `PATH` too; `awsnav` when that is unknown.
#[must_use]
pub fn own_path() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_owned))
        .unwrap_or_else(|| "awsnav".to_owned())
}

/// What `awsnav config generate` was asked for.
#[derive(Clone, Debug, Default)]
pub struct GenerateOpts {
    pub roles: Vec<String>,
    pub prefix: String,
    pub style: crate::profiles::ProfileStyle,
    pub write: bool,
}

/// `awsnav config generate`: a profile per account × offered role, printed or kept in the AWS
/// config file.
///
/// # Errors
/// When the inventory cannot be had or the file cannot be written.
pub async fn generate_profiles(
    ctx: &Context,
    demo: bool,
    opts: &GenerateOpts,
) -> anyhow::Result<()> {
    use crate::profiles::{self, Source};
    let inv = if demo {
        crate::demo::inventory(OffsetDateTime::now_utc())
    } else {
        inventory(ctx, false).await?
    };
    let partition = inv
        .identity
        .as_ref()
        .map_or("aws", |i| crate::aws::sts::partition_of(&i.arn))
        .to_owned();
    // Profiles without a region of their own get the base profile's, so every tool has one.
    let base_region = crate::aws::sdk::profile_value(
        ctx.access.base_profile.as_deref().unwrap_or("default"),
        "region",
    )
    .await;
    let sso = if inv.org.accounts.iter().any(|a| !a.sso_roles.is_empty()) {
        crate::aws::sso::resolve(&ctx.config.sso, ctx.access.org_profile.as_deref()).await?
    } else {
        None
    };
    let (list, skipped_sso) = generated_profiles(
        ctx,
        &inv,
        opts,
        &partition,
        base_region.as_ref(),
        sso.is_some(),
    );
    if skipped_sso > 0 {
        eprintln!(
            "awsnav: warning: {skipped_sso} IAM Identity Center roles left out: no profile with an SSO sign-in is configured (set [sso] profile in {})",
            ctx.paths.config_file.display()
        );
    }
    let base = ctx.access.base_profile.clone();
    let mfa_serial = match &ctx.config.auth.mfa_serial {
        Some(s) => Some(s.clone()),
        None => match &base {
            Some(p) => crate::aws::sdk::profile_value(p, "mfa_serial").await,
            None => None,
        },
    };
    let block = profiles::render(
        &list,
        opts.style,
        &own_path(),
        &Source {
            profile: base,
            mfa_serial,
            sso,
        },
    );
    if !opts.write {
        return write_stdout(&block);
    }
    let path = std::env::var_os("AWS_CONFIG_FILE")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().join(".aws/config")))
        .context("cannot find the AWS config file: set AWS_CONFIG_FILE")?;
    match profiles::write(&path, &block)? {
        profiles::Written::Unchanged => {
            eprintln!(
                "{} already has these {} profiles",
                path.display(),
                list.len()
            );
        }
        profiles::Written::Updated { backup } => {
            let backup = backup.map_or_else(String::new, |b| {
                format!(" (previous file: {})", b.display())
            });
            eprintln!(
                "wrote {} profiles to {}{backup}",
                list.len(),
                path.display()
            );
        }
    }
    Ok(())
}

/// The profiles `config generate` writes, in account-name order, and how many Identity
/// Center roles were left out for want of a sign-in.
fn generated_profiles(
    ctx: &Context,
    inv: &Inventory,
    opts: &GenerateOpts,
    partition: &str,
    base_region: Option<&String>,
    sso_available: bool,
) -> (Vec<crate::profiles::Profile>, usize) {
    use crate::profiles::{self, Profile};
    let mut order: Vec<usize> = (0..inv.org.accounts.len())
        .filter(|&i| inv.org.accounts[i].status.is_active())
        .collect();
    order.sort_by_key(|&i| inv.org.accounts[i].name.to_lowercase());
    let tree = OrgTree::build(&inv.org);
    let mut list: Vec<Profile> = Vec::new();
    let mut skipped_sso = 0;
    for i in order {
        let a = &inv.org.accounts[i];
        for role in ctx.roles(inv, &tree, i) {
            if !opts.roles.is_empty() && !opts.roles.contains(&role.name) {
                continue;
            }
            if role.sso && !sso_available {
                skipped_sso += 1;
                continue;
            }
            let name = profiles::profile_name(&opts.prefix, &a.name, &role.name);
            // An Identity Center role and an IAM role of the same name: the first (Identity
            // Center's) keeps the name.
            if list.iter().any(|p| p.name == name) {
                continue;
            }
            list.push(Profile {
                name,
                account_id: a.id.to_string(),
                account_name: a.name.clone(),
                role_arn: role.arn(partition, a.id.as_str()),
                production: ctx.is_production(inv, &tree, i),
                region: ctx
                    .region_override
                    .clone()
                    .or_else(|| role.profile.as_ref().and_then(|p| p.region.clone()))
                    .or_else(|| ctx.config.org.region.clone())
                    .or_else(|| base_region.cloned()),
                sso: role.sso,
                role: role.name,
            });
        }
    }
    (list, skipped_sso)
}
