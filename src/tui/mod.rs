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
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
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
    let _input = InputThread::spawn(tx.clone(), paused);
    spawn_signal_listener(tx.clone());
    spawn_clock(tx.clone(), clock.clone());
    let runner = Runner { source, tx, clock };
    for effect in &startup {
        runner.run(effect);
    }

    loop {
        guard.terminal().draw(|frame| ui::draw(frame, &state))?;
        let Some(first) = rx.recv().await else { break };
        let mut effects = state.update(first);
        // Apply everything already queued before drawing again: typing fast never lags.
        while let Ok(msg) = rx.try_recv() {
            effects.extend(state.update(msg));
        }
        for effect in &effects {
            runner.run(effect);
        }
        if state.quit {
            break;
        }
    }
    Ok(())
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
