//! The terminal: the guard that restores it, the thread that reads its input, and the screen
//! the runner hands to a child (a shell) and takes back.

use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use crossterm::event::{self, Event};
use ratatui::DefaultTerminal;
use tokio::sync::{Notify, mpsc};

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

/// How long a hand-over waits for the input thread to leave a read in progress. The thread
/// polls for at most 50 ms at a time, so this is a safety net for a thread held up elsewhere.
const HAND_OVER_WITHIN: Duration = Duration::from_secs(1);

/// The handshake between the input thread and a hand-over of the terminal: whether the thread
/// may read the terminal, and whether it is reading it now. A hand-over closes the gate and
/// waits until the thread is out of its read; from then on every key is the child's.
#[derive(Default)]
pub struct InputGate {
    state: Mutex<Gate>,
    /// Wakes the input thread when the gate opens again, or the thread is to stop.
    opened: Condvar,
    /// Wakes a hand-over when the input thread leaves a read.
    left_read: Notify,
}

#[derive(Default)]
struct Gate {
    paused: bool,
    stopped: bool,
    reading: bool,
}

impl InputGate {
    fn lock(&self) -> MutexGuard<'_, Gate> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The input thread, before it polls: waits while the gate is closed, then counts as
    /// reading until [`Self::end_read`]. False once the thread is to stop.
    fn begin_read(&self) -> bool {
        let mut gate = self.lock();
        while gate.paused && !gate.stopped {
            gate = self
                .opened
                .wait(gate)
                .unwrap_or_else(PoisonError::into_inner);
        }
        gate.reading = !gate.stopped;
        gate.reading
    }

    /// The input thread, after a poll (and the read it announced) returned.
    fn end_read(&self) {
        self.lock().reading = false;
        self.left_read.notify_waiters();
    }

    /// Closes the gate and waits until the input thread is out of a read in progress: from
    /// then on it reads nothing until [`Self::resume`]. False when it was still reading after
    /// `within`.
    pub async fn pause(&self, within: Duration) -> bool {
        self.lock().paused = true;
        let left = async {
            loop {
                // Registered before the check, so a read that ends in between still wakes it.
                let mut left_read = std::pin::pin!(self.left_read.notified());
                left_read.as_mut().enable();
                if !self.lock().reading {
                    return;
                }
                left_read.await;
            }
        };
        tokio::time::timeout(within, left).await.is_ok()
    }

    /// Opens the gate: the input thread reads the terminal again.
    pub fn resume(&self) {
        self.lock().paused = false;
        self.opened.notify_all();
    }

    fn stop(&self) {
        self.lock().stopped = true;
        self.opened.notify_all();
    }
}

/// Reads terminal events on its own thread, through an [`InputGate`] that hands the terminal
/// to a child process.
pub struct InputThread {
    gate: Arc<InputGate>,
    handle: Option<thread::JoinHandle<()>>,
}

impl InputThread {
    pub fn spawn(tx: mpsc::UnboundedSender<Msg>, gate: Arc<InputGate>) -> Self {
        let thread_gate = gate.clone();
        let handle = thread::spawn(move || read_events(&thread_gate, &tx, next_event));
        Self {
            gate,
            handle: Some(handle),
        }
    }
}

impl Drop for InputThread {
    fn drop(&mut self) {
        // Stop, but never join: when the terminal is gone (SIGHUP), crossterm's poll can keep
        // returning on the dead tty without ever reaching the stop check, and joining would
        // hang the exit. The thread ends with the process.
        self.gate.stop();
        drop(self.handle.take());
    }
}

/// The input thread's loop: each read (`next`) only through the gate, until the gate stops it,
/// the terminal fails or the TUI is gone.
fn read_events(
    gate: &InputGate,
    tx: &mpsc::UnboundedSender<Msg>,
    mut next: impl FnMut() -> io::Result<Option<Msg>>,
) {
    while gate.begin_read() {
        let read = next();
        gate.end_read();
        match read {
            Ok(Some(msg)) => {
                if tx.send(msg).is_err() {
                    break;
                }
            }
            Ok(None) => {}
            Err(_) => break,
        }
    }
}

/// The next event the TUI uses, waiting at most 50 ms for one (so the thread sees a stop).
fn next_event() -> io::Result<Option<Msg>> {
    if !event::poll(Duration::from_millis(50))? {
        return Ok(None);
    }
    Ok(match event::read()? {
        Event::Key(key) => Some(Msg::Key(key)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    })
}

/// The terminal, for the effects that use it: the guard, and the gate of the input thread,
/// closed while a child owns the terminal.
pub struct Screen<'a> {
    pub guard: &'a mut TerminalGuard,
    pub input: &'a InputGate,
}

/// The TUI's screen while a child has the terminal: input paused and the screen left, then
/// entered again.
impl crate::app::enter::FrontEnd for Screen<'_> {
    async fn hand_over_terminal(&mut self) {
        // The child reads the terminal only once the input thread is out of its read: a key
        // typed for the child is never the TUI's.
        if !self.input.pause(HAND_OVER_WITHIN).await {
            tracing::warn!("the input thread was still reading when the terminal was handed over");
        }
        ratatui::restore();
    }

    fn take_back_terminal(&mut self) {
        self.guard.reenter();
        let _ = self.guard.terminal().clear();
        self.input.resume();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use std::future::Future as _;
    use std::sync::mpsc as std_mpsc;
    use std::task::{Context, Poll, Waker};

    /// An input thread whose reads are the test's: each read says it began, then returns what
    /// the test releases (a key, nothing, or the end when the test drops its sender).
    struct Reads {
        began: std_mpsc::Receiver<()>,
        release: std_mpsc::Sender<Option<char>>,
        msgs: mpsc::UnboundedReceiver<Msg>,
        thread: thread::JoinHandle<()>,
    }

    fn reader(gate: &Arc<InputGate>) -> Reads {
        let (tx, msgs) = mpsc::unbounded_channel();
        let (began_tx, began) = std_mpsc::channel();
        let (release, released) = std_mpsc::channel::<Option<char>>();
        let gate = gate.clone();
        let thread = thread::spawn(move || {
            read_events(&gate, &tx, || {
                began_tx.send(()).unwrap();
                match released.recv() {
                    Ok(Some(c)) => Ok(Some(Msg::Key(KeyEvent::new(
                        KeyCode::Char(c),
                        KeyModifiers::NONE,
                    )))),
                    Ok(None) => Ok(None),
                    Err(_) => Err(io::Error::other("the test is over")),
                }
            });
        });
        Reads {
            began,
            release,
            msgs,
            thread,
        }
    }

    #[tokio::test]
    async fn a_hand_over_waits_for_the_read_in_progress_and_no_read_starts_until_resumed() {
        let gate = Arc::new(InputGate::default());
        let mut reads = reader(&gate);
        reads.began.recv().unwrap();

        let mut pause = std::pin::pin!(gate.pause(Duration::from_secs(30)));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(
            pause.as_mut().poll(&mut cx).is_pending(),
            "handed over while the thread was reading"
        );
        // The read in progress ends with a key typed before the hand-over: the TUI's.
        reads.release.send(Some('a')).unwrap();
        assert!(pause.await);
        let Some(Msg::Key(key)) = reads.msgs.recv().await else {
            panic!("the key read before the hand-over was lost");
        };
        assert_eq!(key.code, KeyCode::Char('a'));
        // Paused: the thread is out of its read and starts no other.
        assert!(!gate.lock().reading);
        assert!(
            reads.began.try_recv().is_err(),
            "a read started while paused"
        );

        gate.resume();
        reads.began.recv().unwrap();
        drop(reads.release);
        reads.thread.join().unwrap();
    }

    #[tokio::test]
    async fn a_hand_over_with_no_read_in_progress_is_at_once_and_stopping_ends_a_paused_thread() {
        let gate = Arc::new(InputGate::default());
        let mut cx = Context::from_waker(Waker::noop());
        let pause = std::pin::pin!(gate.pause(Duration::from_secs(30)));
        assert_eq!(pause.poll(&mut cx), Poll::Ready(true));
        // A second hand-over with nothing read in between is the same.
        let again = std::pin::pin!(gate.pause(Duration::from_secs(30)));
        assert_eq!(again.poll(&mut cx), Poll::Ready(true));
        // A thread that starts while the gate is closed waits at it, and stops from there.
        let reads = reader(&gate);
        gate.stop();
        reads.thread.join().unwrap();
        assert!(
            reads.began.try_recv().is_err(),
            "a read started while paused"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_read_that_never_ends_holds_a_hand_over_only_so_long() {
        let gate = Arc::new(InputGate::default());
        let reads = reader(&gate);
        reads.began.recv().unwrap();
        assert!(!gate.pause(HAND_OVER_WITHIN).await);
        drop(reads.release);
        reads.thread.join().unwrap();
    }
}
