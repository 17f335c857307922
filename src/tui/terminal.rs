//! The terminal: the guard that restores it, the thread that reads its input, and the screen
//! the runner hands to a child (a shell) and takes back.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use crossterm::event::{self, Event};
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use super::message::Msg;

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

    /// Takes the terminal back after a child had it (raw mode, alternate screen).
    pub fn reenter(&mut self) {
        if let Ok(terminal) = ratatui::try_init() {
            self.terminal = terminal;
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Reads terminal events on its own thread; `paused` hands the terminal to a child process.
pub struct InputThread {
    stop: Arc<AtomicBool>,
    handle: Option<thread::JoinHandle<()>>,
}

impl InputThread {
    pub fn spawn(tx: mpsc::UnboundedSender<Msg>, paused: Arc<AtomicBool>) -> Self {
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

/// The terminal, for the effects that use it: the guard, and the flag that pauses the input
/// thread while a child owns the terminal.
pub struct Screen<'a> {
    pub guard: &'a mut TerminalGuard,
    pub paused: &'a AtomicBool,
}

/// The TUI's screen while a child has the terminal: input paused and the screen left, then
/// entered again.
impl crate::app::enter::FrontEnd for Screen<'_> {
    async fn hand_over_terminal(&mut self) {
        self.paused.store(true, Ordering::SeqCst);
        // Let the input thread finish a poll in progress before the child reads the terminal.
        tokio::time::sleep(Duration::from_millis(60)).await;
        ratatui::restore();
    }

    fn take_back_terminal(&mut self) {
        self.guard.reenter();
        let _ = self.guard.terminal().clear();
        self.paused.store(false, Ordering::SeqCst);
    }

    fn comes_back(&self) -> bool {
        true
    }
}

/// Puts `text` on the clipboard of the terminal the user sits at, even over SSH, with the
/// OSC 52 escape sequence (ignored by terminals that do not support it).
pub fn copy_osc52(terminal: &mut DefaultTerminal, text: &str) {
    use base64::Engine as _;
    use std::io::Write as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let backend = terminal.backend_mut();
    let _ = write!(backend, "\x1b]52;c;{encoded}\x07");
    let _ = std::io::Write::flush(backend);
}
