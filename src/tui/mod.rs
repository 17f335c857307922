//! The terminal UI: terminal guard, input thread and the event loop around `State::update`.

pub mod action;
pub mod effects;
pub mod keymap;
pub mod state;
pub mod ui;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use crossterm::event::{self, Event};
use ratatui::DefaultTerminal;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::app::context::AppContext;
use crate::config::{Config, SettingProblem};
use effects::{Effect, Runner};
use state::{Msg, State};

/// Restores the terminal when dropped: on return, on error and while unwinding from a panic.
pub struct TerminalGuard {
    terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen. `ratatui::init` also installs a panic hook that
    /// restores the terminal before the panic message is printed.
    ///
    /// # Errors
    /// When the terminal cannot be put into raw mode.
    pub fn enter() -> io::Result<Self> {
        let terminal = ratatui::try_init()?;
        Ok(Self { terminal })
    }

    pub fn terminal(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Reads terminal events on its own thread; `paused` hands the terminal to a child process.
struct InputThread {
    stop: Arc<AtomicBool>,
    handle: Option<thread::JoinHandle<()>>,
}

impl InputThread {
    fn spawn(tx: mpsc::UnboundedSender<Msg>, paused: Arc<AtomicBool>) -> Self {
        // `paused` is checked before every poll: while a child owns the terminal, this thread
        // neither polls nor reads, so the child gets every key.
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let handle = thread::spawn(move || {
            while !stop_flag.load(Ordering::Relaxed) {
                if paused.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(50));
                    continue;
                }
                match event::poll(Duration::from_millis(50)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(_) => break,
                }
                let msg = match event::read() {
                    Ok(Event::Key(key)) => Msg::Key(key),
                    Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                    Ok(_) => continue,
                    Err(_) => break,
                };
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        Self {
            stop,
            handle: Some(handle),
        }
    }
}

impl Drop for InputThread {
    fn drop(&mut self) {
        // Stop, but never join: when the terminal is gone (SIGHUP), crossterm's poll can keep
        // returning on the dead tty without ever reaching the stop check, and joining would
        // hang the exit. The thread ends with the process.
        self.stop.store(true, Ordering::Relaxed);
        drop(self.handle.take());
    }
}

/// Everything the event loop needs from outside.
pub struct App {
    pub state: State,
    pub source: effects::Source,
    pub clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    /// Effects to run before the first key (e.g. a background sync at start).
    pub startup: Vec<Effect>,
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
    if let Err((name, message)) = ui::theme::Theme::from_config(&config.ui, false) {
        return Err(SettingProblem {
            section: "ui.colors".into(),
            message: format!("[ui.colors] {name}: {message}"),
            key: name,
            fix: "write a style as colours and modifiers, e.g. \"black on yellow bold\"; `awsnav config default` lists the style names".into(),
        });
    }
    Ok(())
}

/// Builds the app from the context (cache shown at once, sync started) and runs it.
///
/// # Errors
/// When the terminal cannot be set up or drawn to.
pub async fn start(ctx: &AppContext, demo: bool) -> io::Result<()> {
    use std::io::IsTerminal as _;
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
    let theme = ui::theme::Theme::from_config(&ctx.config.ui, no_color).unwrap_or_default();
    let keymap = keymap::Keymap::from_config(&ctx.config.keys).unwrap_or_default();
    let rules = state::Rules {
        catalog: ctx.catalog.clone(),
        classifier: ctx.classifier.clone(),
    };
    let app = if demo {
        let mut state = State::new(
            Some(crate::domain::demo::inventory(now)),
            "demo",
            key_tags,
            now,
            (80, 24),
        )
        .with_rules(rules)
        .with_theme(theme)
        .with_keymap(keymap);
        state.status.banner = Some(state::Banner::info(
            "demo organization: nothing is sent to AWS",
        ));
        state.cost = state::cost_view::CostStatus::Loading;
        App {
            state,
            source: effects::Source::Demo,
            clock,
            startup: vec![Effect::ReadCost { force: false }],
        }
    } else {
        let label = ctx
            .sync
            .settings
            .profile
            .clone()
            .unwrap_or_else(|| "default credentials".to_owned());
        let (cached, problem) = match ctx.inventory_cache.load() {
            Ok(inv) => (inv, None),
            Err(p) => {
                tracing::warn!(problem = %p, "cache not used");
                (None, Some(p.to_string()))
            }
        };
        let mut state = State::new(cached, &label, key_tags, now, (80, 24))
            .with_rules(rules)
            .with_theme(theme)
            .with_keymap(keymap);
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
            state.status.banner = Some(state::Banner::warning(text));
        }
        let mut startup = state.update(Msg::Action(action::Action::Refresh));
        state.cost_months = ctx.config.cost.months;
        if ctx.config.cost.enabled {
            state.cost = state::cost_view::CostStatus::Loading;
            startup.push(Effect::ReadCost { force: false });
        }
        App {
            state,
            source: effects::Source::Aws(Arc::new(ctx.clone())),
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
        source,
        clock,
        startup,
    } = app;
    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal().size()?;
    state.update(Msg::Resize(size.width, size.height));

    let (tx, mut rx) = mpsc::unbounded_channel();
    let paused = Arc::new(AtomicBool::new(false));
    let _input = InputThread::spawn(tx.clone(), paused.clone());
    spawn_signal_listener(tx.clone());
    spawn_clock(tx.clone(), clock.clone());
    let runner = Runner::new(source, tx.clone(), clock);
    runner.load_sessions();
    for effect in &startup {
        runner.run(effect);
    }

    loop {
        guard.terminal().draw(|frame| ui::draw(frame, &state))?;
        let Some(first) = rx.recv().await else { break };
        #[cfg(debug_assertions)]
        debug_panic(&first);
        let mut effects = state.update(first);
        // Apply everything already queued before drawing again: typing fast never lags.
        while let Ok(msg) = rx.try_recv() {
            effects.extend(state.update(msg));
        }
        for effect in &effects {
            if let Effect::CopyToClipboard(url) = effect {
                copy_osc52(guard.terminal(), &url.0);
            } else if let Effect::Shell(launch) = effect {
                let result = run_shell(&mut guard, &paused, launch).await;
                // Keys typed into the shell were the shell's: drop anything the input thread
                // queued around the switch.
                while rx.try_recv().is_ok() {}
                let size = guard.terminal().size()?;
                state.update(Msg::Resize(size.width, size.height));
                state.update(Msg::ShellExited {
                    account_name: launch.account_name.clone(),
                    result,
                });
                runner.load_sessions();
            } else {
                runner.run(effect);
            }
        }
        if state.quit {
            break;
        }
    }
    Ok(())
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

/// Puts `text` on the clipboard of the terminal the user sits at, even over SSH, with the
/// OSC 52 escape sequence (ignored by terminals that do not support it).
fn copy_osc52(terminal: &mut DefaultTerminal, text: &str) {
    use base64::Engine as _;
    use std::io::Write as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let backend = terminal.backend_mut();
    let _ = write!(backend, "\x1b]52;c;{encoded}\x07");
    let _ = std::io::Write::flush(backend);
}

/// Hands the terminal to `$SHELL` in the account and takes it back when the shell exits.
async fn run_shell(
    guard: &mut TerminalGuard,
    paused: &AtomicBool,
    launch: &state::access_flow::ShellLaunch,
) -> Result<i32, String> {
    paused.store(true, Ordering::SeqCst);
    // Let the input thread finish a poll in progress before the child reads the terminal.
    tokio::time::sleep(Duration::from_millis(60)).await;
    ratatui::restore();
    let session = crate::app::launch::Session {
        account_id: &launch.account_id,
        account_name: &launch.account_name,
        role: &launch.role,
        production: launch.production,
        region: &launch.region,
        credentials: &launch.credentials,
    };
    println!(
        "awsnav: {} ({}) as {}{} — exit the shell to return",
        launch.account_name,
        launch.account_id,
        launch.role,
        if launch.production {
            " [PRODUCTION]"
        } else {
            ""
        }
    );
    let shell = crate::app::launch::user_shell();
    let result = match tokio::process::Command::from(session.command(&shell, &[])).spawn() {
        Ok(mut child) => {
            // Ctrl-C in the shell is the shell's, not ours.
            let ignore = tokio::spawn(async { while tokio::signal::ctrl_c().await.is_ok() {} });
            let status = child.wait().await;
            ignore.abort();
            status
                .map(crate::app::launch::exit_code)
                .map_err(|e| e.to_string())
        }
        Err(e) => Err(format!("cannot start {shell}: {e}")),
    };
    if let Ok(terminal) = ratatui::try_init() {
        guard.terminal = terminal;
    }
    let _ = guard.terminal().clear();
    paused.store(false, Ordering::SeqCst);
    result
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
