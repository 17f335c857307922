//! The terminal UI: starting it, and the event loop around `State::update`.

pub mod action;
pub mod keymap;
pub mod layout;
pub mod message;
pub mod runner;
mod sign_in;
pub mod state;
pub mod terminal;
pub mod ui;

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::app::access::Access;
use crate::app::context::AppContext;
use crate::config::{Config, SettingProblem};
use message::{Banner, CostStatus, Effect, Msg};
use runner::{DataSource, Ran, Runner};
use state::State;
use terminal::{InputGate, InputThread, Screen, TerminalGuard};
use ui::theme::Theme;

/// Everything the event loop needs from outside.
pub struct App {
    pub state: State,
    /// Colours and styles (`[ui] theme`, `[ui.colors]`, `NO_COLOR`), handed to drawing.
    pub theme: Theme,
    pub source: DataSource,
    pub clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    /// Effects to run before the first key (e.g. a background sync at start).
    pub startup: Vec<Effect>,
}

/// How shell prompt marks look: the theme's `production` and `title` styles (`NO_COLOR`
/// respected), or the defaults when the theme cannot be built.
#[must_use]
pub fn mark_styles(config: &Config) -> crate::app::shell_prompt::MarkStyles {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    Theme::from_config(&config.ui, no_color).map_or_else(
        |_| crate::app::shell_prompt::MarkStyles::default(),
        |theme| crate::app::shell_prompt::MarkStyles {
            production: ui::theme::sgr(theme.production),
            other: ui::theme::sgr(theme.title),
        },
    )
}

/// The TUI's check of the settings it reads, run when the config file is loaded (by every
/// command, so a mistake shows at once): the `[keys]` patches and the `[ui.colors]` styles.
///
/// # Errors
/// The first `[keys]` or `[ui.colors]` entry that cannot be applied.
pub fn check_settings(config: &Config) -> Result<(), SettingProblem> {
    if let Err((name, message)) = keymap::Keymap::from_config(&config.keys) {
        return Err(SettingProblem {
            section: "keys".into(),
            message: format!("[keys] {name}: {message}"),
            key: name,
            fix: "write keys like \"S\", \"ctrl+d\", \"enter\" or a list [\"q\", \"ctrl+q\"], each used once; `awsnav config default` lists the actions".into(),
        });
    }
    if let Err((name, message)) = Theme::from_config(&config.ui, false) {
        return Err(SettingProblem {
            section: "ui.colors".into(),
            message: format!("[ui.colors] {name}: {message}"),
            key: name,
            fix: "write a style as colours and modifiers, e.g. \"black on yellow bold\"; `awsnav config default` lists the style names".into(),
        });
    }
    Ok(())
}

/// The profiles of `~/.aws/config`, each with whether it signs in to Identity Center: the
/// first run's choice when no identity works.
fn first_run_profiles(ctx: &AppContext) -> Vec<(String, bool)> {
    let files = ctx.aws_files();
    files
        .profile_names()
        .into_iter()
        .map(|p| {
            let sso =
                files.get(p, "sso_session").is_some() || files.get(p, "sso_start_url").is_some();
            (p.to_owned(), sso)
        })
        .collect()
}

/// The roles Identity Center gave per account, read before (each organization's instance,
/// with several); none when no organization asks Identity Center.
fn known_sso_roles(ctx: &AppContext, state: &mut State) {
    let instances: Vec<&AppContext> = if ctx.orgs.is_empty() {
        vec![ctx]
    } else {
        ctx.orgs.iter().map(|(_, org)| org.as_ref()).collect()
    };
    state.sso_roles.off = !instances.iter().any(|c| c.config.sso.enabled);
    for instance in instances.iter().filter(|c| c.config.sso.enabled) {
        state
            .sso_roles
            .known
            .extend(instance.sso_role_cache.load().accounts);
    }
}

/// Builds the app from the context (cache shown at once, sync started) and runs it.
///
/// # Errors
/// When the terminal cannot be set up or drawn to.
pub async fn start(ctx: &AppContext) -> io::Result<()> {
    use std::io::IsTerminal as _;
    let demo = ctx.is_demo();
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(io::Error::other(
            "the navigator needs a terminal; for scripts use `awsnav list --json`, `awsnav exec` or `awsnav env`",
        ));
    }
    let clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync> = Arc::new(OffsetDateTime::now_utc);
    let now = clock();
    let key_tags = ctx.config.ui.key_tags.clone();
    // https://no-color.org: set and not empty means no colour.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    // `[ui.colors]` was checked when the config was read.
    let theme = Theme::from_config(&ctx.config.ui, no_color).unwrap_or_default();
    let keymap = keymap::Keymap::from_config(&ctx.config.keys).unwrap_or_default();
    let rules = state::Rules {
        catalog: ctx.catalog.clone(),
        classifier: ctx.classifier.clone(),
    };
    let app = if demo {
        // Rules first, so what they derive per account is computed once, with the data.
        let mut state = State::new(None, "demo", key_tags, now, (80, 24))
            .with_rules(rules)
            .with_inventory(crate::domain::demo::inventory(now))
            .with_keymap(keymap);
        state.status.banner = Some(Banner::info("demo organization: nothing is sent to AWS"));
        state.cost = CostStatus::Loading;
        App {
            state,
            theme,
            source: DataSource::Demo,
            clock,
            startup: vec![Effect::ReadCost { force: false }],
        }
    } else {
        let org_profile = ctx.sync.settings.profile.as_deref();
        let label = if !ctx.orgs.is_empty() {
            format!("{} organizations", ctx.orgs.len())
        } else if ctx.shared.is_some() {
            "shared inventory".to_owned()
        } else if let Some(name) =
            Access::key_name(org_profile).filter(|n| ctx.access.keys.record(n).is_some())
        {
            format!("key store: {name}")
        } else {
            ctx.sync
                .settings
                .profile
                .clone()
                .unwrap_or_else(|| "default credentials".to_owned())
        };
        let (cached, mut problem) = match ctx.load_inventory() {
            Ok(inv) => (inv, None),
            Err(p) => {
                tracing::warn!(problem = %p, "cache not used");
                (None, Some(p.to_string()))
            }
        };
        // The key file's passphrase is asked now, while the terminal is still a terminal.
        if let Err(e) = ctx.access.keys.unlock() {
            problem = Some(e.to_string());
        }
        let mut state = State::new(None, &label, key_tags, now, (80, 24))
            .with_rules(rules)
            .with_keymap(keymap);
        // Policies are read with the organization's reader: one per organization is not
        // built yet, so with several they are not read rather than read with another's.
        state.guardrails.off =
            ctx.config.org.policies == crate::config::PolicyReading::Off || !ctx.orgs.is_empty();
        state.profiles = first_run_profiles(ctx);
        // Identity Center's roles read before (the sync lists only the accounts).
        state.sso_roles.ttl = crate::app::sso_roles::ttl(ctx);
        known_sso_roles(ctx, &mut state);
        if let Some(inventory) = cached {
            state.set_inventory(inventory);
        }
        state.last_roles = ctx.prefs.load();
        state.favourites = ctx.prefs.favourites().into_iter().collect();
        state.recent = ctx.prefs.recent();
        state.regions = ctx.prefs.regions();
        state
            .confirm_with
            .clone_from(&ctx.config.production.confirm_with);
        state.nested_in = std::env::var_os(crate::app::launch::MARKER).map(|_| {
            std::env::var("AWSNAV_ACCOUNT_NAME").unwrap_or_else(|_| "another account".into())
        });
        if let Some(text) = problem {
            state.status.banner = Some(Banner::warning(text));
        }
        let mut startup = state.update(Msg::Action(action::Action::Refresh));
        state.cost_months = ctx.config.cost.months;
        if ctx.config.cost.enabled {
            state.cost = CostStatus::Loading;
            startup.push(Effect::ReadCost { force: false });
        }
        App {
            state,
            theme,
            source: DataSource::Aws(Arc::new(ctx.clone())),
            clock,
            startup,
        }
    };
    run(app).await
}

/// Runs the TUI until the user quits or a termination signal arrives.
///
/// # Errors
/// When the terminal cannot be set up or drawn to.
pub async fn run(app: App) -> io::Result<()> {
    let App {
        mut state,
        theme,
        source,
        clock,
        startup,
    } = app;
    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal().size()?;
    let mut pending: VecDeque<Effect> = startup.into();
    pending.extend(state.update(Msg::Resize(size.width, size.height)));

    let (tx, mut rx) = mpsc::unbounded_channel();
    let gate = Arc::new(InputGate::default());
    let _input = InputThread::spawn(tx.clone(), gate.clone());
    spawn_signal_listener(tx.clone());
    spawn_clock(tx.clone(), clock.clone());
    let mut runner = Runner::new(source, tx.clone(), clock);
    let mut screen = Screen {
        guard: &mut guard,
        input: &gate,
    };
    // The cached tree is on the screen before any background work starts (the syncs of
    // several organizations would otherwise share the processor with the first frame).
    screen
        .guard
        .terminal()
        .draw(|frame| ui::draw(frame, &state, &theme))?;
    runner.load_sessions();
    loop {
        // Every effect goes through the runner; what it reports back is applied at once.
        while let Some(effect) = pending.pop_front() {
            match runner.run(&effect, &mut screen).await? {
                Ran::Started => {}
                Ran::Quit => {
                    forget_at_exit(state);
                    return Ok(());
                }
                Ran::TerminalBack(msgs) => {
                    // Keys typed into the shell were the shell's: drop anything the input
                    // thread queued around the switch.
                    while rx.try_recv().is_ok() {}
                    for msg in msgs {
                        pending.extend(state.update(msg));
                    }
                }
            }
        }
        if state.quit {
            break;
        }
        screen
            .guard
            .terminal()
            .draw(|frame| ui::draw(frame, &state, &theme))?;
        let Some(first) = rx.recv().await else { break };
        #[cfg(debug_assertions)]
        debug_panic(&first);
        pending.extend(state.update(first));
        // Apply everything already queued before drawing again: typing fast never lags.
        while let Ok(msg) = rx.try_recv() {
            pending.extend(state.update(msg));
        }
    }
    forget_at_exit(state);
    Ok(())
}

/// The process ends with the navigator: handing ten thousand accounts back to the allocator
/// one string at a time would keep the person waiting after `q` for nothing.
fn forget_at_exit(state: State) {
    std::mem::forget(state);
}

/// Debug builds only: `AWSNAV_DEBUG_PANIC_KEY=X` panics inside the loop when X is pressed,
/// so tests can show that a panic restores the terminal.
#[cfg(debug_assertions)]
fn debug_panic(msg: &Msg) {
    if let Msg::Key(key) = msg
        && let crossterm::event::KeyCode::Char(c) = key.code
        && std::env::var("AWSNAV_DEBUG_PANIC_KEY").is_ok_and(|k| k.starts_with(c))
    {
        panic!("AWSNAV_DEBUG_PANIC_KEY {c} pressed");
    }
}

fn spawn_clock(
    tx: mpsc::UnboundedSender<Msg>,
    clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        loop {
            interval.tick().await;
            if tx.send(Msg::Tick(clock())).is_err() {
                break;
            }
        }
    });
}

/// SIGTERM / SIGHUP end the app the same way `q` does, so the terminal is restored.
fn spawn_signal_listener(tx: mpsc::UnboundedSender<Msg>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(Msg::Terminate);
    });
    #[cfg(not(unix))]
    let _ = tx;
}
