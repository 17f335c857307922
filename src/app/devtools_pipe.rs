//! A Chromium-family browser driven through the DevTools protocol over a pipe
//! (`--remote-debugging-pipe`): the browser reads commands on its file descriptor 3 and writes
//! answers and events on 4, each message JSON ended by a NUL byte.
//!
//! Why a pipe and never a port: a DevTools endpoint on a TCP port, even on loopback, answers
//! anyone on the machine (another user, a container with host networking) with full control of
//! the browser: its cookies, `HttpOnly` ones too, and the SAML assertion as it passes. A pipe
//! belongs to awsnav alone. It also ties the browser's life to awsnav's: however awsnav ends
//! (Ctrl-C, SIGTERM, SIGKILL), the kernel closes its end and the browser, reading end of file,
//! closes itself.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chromiumoxide_cdp::cdp::browser_protocol::browser::CloseParams;
use chromiumoxide_types::Command as CdpCommand;
use serde::Deserialize;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::{mpsc, oneshot};

/// The flags every browser awsnav starts gets: no first-run questions, no traffic of the
/// browser's own (updates, sync, metrics), passwords kept out of the desktop's key ring.
const FLAGS: &[&str] = &[
    "--remote-debugging-pipe",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--password-store=basic",
];

/// How to start the browser.
#[derive(Clone, Debug)]
pub struct Launch {
    pub program: PathBuf,
    pub user_data_dir: PathBuf,
    pub headless: bool,
    /// Chromium refuses to run as root with its sandbox (containers, CI).
    pub no_sandbox: bool,
}

impl Launch {
    /// The browser's command line after the program, each flag as Chromium spells it.
    #[must_use]
    pub fn args(&self) -> Vec<String> {
        let mut args: Vec<String> = FLAGS.iter().map(|&f| f.to_owned()).collect();
        args.push(format!("--user-data-dir={}", self.user_data_dir.display()));
        if self.headless {
            args.push("--headless".to_owned());
        }
        if self.no_sandbox {
            args.push("--no-sandbox".to_owned());
        }
        args.push("about:blank".to_owned());
        args
    }
}

/// Why talking to the browser failed.
#[derive(Debug, thiserror::Error)]
pub enum PipeError {
    #[error("{0}")]
    Launch(String),
    /// The browser went away (its window was closed, it was killed): nothing more will come.
    #[error("the browser went away")]
    Gone,
    #[error("the browser refused {method}: {message}")]
    Refused { method: String, message: String },
    #[error("the browser's answer to {method} could not be read ({why})")]
    Answer { method: String, why: String },
}

/// An event the browser sent: its method (`Fetch.requestPaused`), the session it is for, and
/// its parameters.
#[derive(Clone, Debug, Deserialize)]
pub struct Event {
    pub method: String,
    #[serde(rename = "sessionId")]
    pub session_id: Option<String>,
    #[serde(default)]
    pub params: serde_json::Value,
}

impl Event {
    /// The parameters as `T`, when this is `T`'s event.
    #[must_use]
    pub fn parse<T: chromiumoxide_types::MethodType + serde::de::DeserializeOwned>(
        &self,
    ) -> Option<T> {
        (self.method == T::method_id())
            .then(|| serde_json::from_value(self.params.clone()).ok())
            .flatten()
    }
}

/// What the browser writes: an answer to a command, or an event.
#[derive(Deserialize)]
struct Incoming {
    id: Option<usize>,
    result: Option<serde_json::Value>,
    error: Option<Refusal>,
    method: Option<String>,
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
    params: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Refusal {
    message: String,
}

/// Who waits for which answer; `None` once the browser is gone.
type Waiting = Arc<
    std::sync::Mutex<Option<HashMap<usize, oneshot::Sender<Result<serde_json::Value, String>>>>>,
>;

/// A running browser and the pipe to it. Dropping it kills the browser.
pub struct Browser {
    child: tokio::process::Child,
    outgoing: mpsc::UnboundedSender<Vec<u8>>,
    waiting: Waiting,
    next_id: AtomicUsize,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("pid", &self.child.id())
            .finish_non_exhaustive()
    }
}

impl Browser {
    /// Starts the browser with the pipe as its fds 3 and 4; the events it sends come on the
    /// receiver, which ends when the browser is gone.
    ///
    /// # Errors
    /// When the program cannot start.
    #[cfg(unix)]
    pub fn launch(launch: &Launch) -> Result<(Self, mpsc::UnboundedReceiver<Event>), PipeError> {
        use command_fds::{CommandFdExt as _, FdMapping};
        use std::os::fd::OwnedFd;
        let failed = |e: &dyn std::fmt::Display| PipeError::Launch(e.to_string());
        // The browser's ends are mapped to 3 and 4 in the child only; awsnav's ends are
        // close-on-exec, so no other child of awsnav holds the pipe open.
        let (browser_reads, awsnav_writes) = std::io::pipe().map_err(|e| failed(&e))?;
        let (awsnav_reads, browser_writes) = std::io::pipe().map_err(|e| failed(&e))?;
        let mut command = tokio::process::Command::new(&launch.program);
        command
            .args(launch.args())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        command
            .fd_mappings(vec![
                FdMapping {
                    parent_fd: OwnedFd::from(browser_reads),
                    child_fd: 3,
                },
                FdMapping {
                    parent_fd: OwnedFd::from(browser_writes),
                    child_fd: 4,
                },
            ])
            .map_err(|e| failed(&e))?;
        let child = command
            .spawn()
            .map_err(|e| failed(&format!("{}: {e}", launch.program.display())))?;
        // The command still holds the browser's ends: dropping it closes them here, so the
        // browser alone has them and its going away is seen as the end of the pipe.
        drop(command);
        let writer = tokio::net::unix::pipe::Sender::from_owned_fd(OwnedFd::from(awsnav_writes))
            .map_err(|e| failed(&e))?;
        let reader = tokio::net::unix::pipe::Receiver::from_owned_fd(OwnedFd::from(awsnav_reads))
            .map_err(|e| failed(&e))?;
        Ok(Self::over(child, reader, writer))
    }

    /// The browser can be driven only over a pipe, which awsnav sets up on Unix alone.
    ///
    /// # Errors
    /// Always.
    #[cfg(not(unix))]
    pub fn launch(_: &Launch) -> Result<(Self, mpsc::UnboundedReceiver<Event>), PipeError> {
        Err(PipeError::Launch(
            "a browser sign-in needs a Unix system (Linux or macOS)".to_owned(),
        ))
    }

    fn over(
        child: tokio::process::Child,
        mut reader: impl tokio::io::AsyncRead + Unpin + Send + 'static,
        mut writer: impl tokio::io::AsyncWrite + Unpin + Send + 'static,
    ) -> (Self, mpsc::UnboundedReceiver<Event>) {
        let (outgoing, mut to_write) = mpsc::unbounded_channel::<Vec<u8>>();
        let (events_tx, events) = mpsc::unbounded_channel();
        let waiting: Waiting = Arc::new(std::sync::Mutex::new(Some(HashMap::new())));
        let write_task = tokio::spawn(async move {
            while let Some(message) = to_write.recv().await {
                if writer.write_all(&message).await.is_err() {
                    break;
                }
            }
        });
        let answers = waiting.clone();
        let read_task = tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut chunk = vec![0u8; 64 * 1024];
            loop {
                let n = match reader.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                buf.extend_from_slice(&chunk[..n]);
                while let Some(end) = buf.iter().position(|&b| b == 0) {
                    let message: Vec<u8> = buf.drain(..=end).collect();
                    dispatch(&message[..end], &answers, &events_tx);
                }
            }
            // The browser is gone: whoever waits for an answer hears so.
            answers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
        });
        (
            Self {
                child,
                outgoing,
                waiting,
                next_id: AtomicUsize::new(1),
                tasks: vec![write_task, read_task],
            },
            events,
        )
    }

    /// The browser's process id.
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Sends `command` (to the page `session`, or to the browser) and waits for its answer.
    ///
    /// # Errors
    /// When the browser refuses it or is gone.
    pub async fn call<C: CdpCommand>(
        &self,
        command: C,
        session: Option<&str>,
    ) -> Result<C::Response, PipeError> {
        let method = command.identifier().into_owned();
        let (tx, rx) = oneshot::channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_mut()
            .ok_or(PipeError::Gone)?
            .insert(id, tx);
        self.write(id, &method, &command, session)?;
        match rx.await {
            Ok(Ok(value)) => C::response_from_value(value).map_err(|e| PipeError::Answer {
                method,
                why: e.to_string(),
            }),
            Ok(Err(message)) => Err(PipeError::Refused { method, message }),
            Err(_) => Err(PipeError::Gone),
        }
    }

    /// Sends `command` without waiting for its answer (a navigation takes as long as the
    /// person does).
    ///
    /// # Errors
    /// When the browser is gone.
    pub fn send<C: CdpCommand>(&self, command: &C, session: Option<&str>) -> Result<(), PipeError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.write(id, &command.identifier(), command, session)
    }

    fn write<C: serde::Serialize>(
        &self,
        id: usize,
        method: &str,
        params: &C,
        session: Option<&str>,
    ) -> Result<(), PipeError> {
        let mut message = serde_json::json!({
            "id": id,
            "method": method,
            "params": params,
        });
        if let Some(s) = session {
            message["sessionId"] = serde_json::Value::String(s.to_owned());
        }
        let mut bytes = serde_json::to_vec(&message).map_err(|e| PipeError::Answer {
            method: method.to_owned(),
            why: e.to_string(),
        })?;
        bytes.push(0);
        self.outgoing.send(bytes).map_err(|_| PipeError::Gone)
    }

    /// Closes the browser: asked to (so it keeps its profile tidy), then killed if it has not
    /// gone within a few seconds.
    pub async fn close(mut self) {
        let asked = tokio::time::timeout(Duration::from_secs(2), self.call(CloseParams {}, None));
        let _ = asked.await;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Hands one message to whoever waits for it: an answer to its caller, an event to the
/// receiver. A message that is neither is dropped.
fn dispatch(message: &[u8], waiting: &Waiting, events: &mpsc::UnboundedSender<Event>) {
    let Ok(incoming) = serde_json::from_slice::<Incoming>(message) else {
        tracing::debug!("the browser sent a message that is not JSON");
        return;
    };
    if let Some(id) = incoming.id {
        let caller = waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_mut()
            .and_then(|w| w.remove(&id));
        if let Some(caller) = caller {
            let _ = caller.send(match incoming.error {
                Some(refusal) => Err(refusal.message),
                None => Ok(incoming.result.unwrap_or(serde_json::Value::Null)),
            });
        }
    } else if let Some(method) = incoming.method {
        let _ = events.send(Event {
            method,
            session_id: incoming.session_id,
            params: incoming.params.unwrap_or(serde_json::Value::Null),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chromiumoxide_cdp::cdp::browser_protocol::browser::GetVersionParams;
    use chromiumoxide_cdp::cdp::browser_protocol::page::EventLoadEventFired;

    #[test]
    fn flags_reach_the_browser_as_chromium_spells_them() {
        let launch = Launch {
            program: "chromium".into(),
            user_data_dir: "/data/p".into(),
            headless: true,
            no_sandbox: false,
        };
        let args = launch.args();
        assert!(args.contains(&"--no-first-run".to_owned()));
        assert!(args.contains(&"--remote-debugging-pipe".to_owned()));
        assert!(args.contains(&"--user-data-dir=/data/p".to_owned()));
        assert!(args.contains(&"--headless".to_owned()));
        assert!(!args.iter().any(|a| a.starts_with("---")), "{args:?}");
        assert!(
            !args.iter().any(|a| a.contains("remote-debugging-port")),
            "{args:?}"
        );
        assert!(!args.contains(&"--no-sandbox".to_owned()));
    }

    /// A browser stand-in on the other end of two in-memory pipes: it answers each command
    /// with what `answer` gives, after one event of its own.
    fn stand_in(
        answer: impl Fn(&serde_json::Value) -> serde_json::Value + Send + 'static,
    ) -> (Browser, mpsc::UnboundedReceiver<Event>) {
        let (ours, theirs) = tokio::io::duplex(1 << 16);
        let (our_read, our_write) = tokio::io::split(ours);
        let (mut their_read, mut their_write) = tokio::io::split(theirs);
        tokio::spawn(async move {
            their_write
                .write_all(b"{\"method\":\"Page.loadEventFired\",\"sessionId\":\"S1\",\"params\":{\"timestamp\":1.5}}\0")
                .await
                .unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            loop {
                let n = their_read.read(&mut chunk).await.unwrap();
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
                while let Some(end) = buf.iter().position(|&b| b == 0) {
                    let message: Vec<u8> = buf.drain(..=end).collect();
                    let asked: serde_json::Value = serde_json::from_slice(&message[..end]).unwrap();
                    let mut reply = answer(&asked);
                    reply["id"] = asked["id"].clone();
                    let mut bytes = serde_json::to_vec(&reply).unwrap();
                    bytes.push(0);
                    // Split across writes: framing is by NUL, not by read.
                    let (a, b) = bytes.split_at(bytes.len() / 2);
                    their_write.write_all(a).await.unwrap();
                    their_write.write_all(b).await.unwrap();
                }
            }
        });
        let child = tokio::process::Command::new("true")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        Browser::over(child, our_read, our_write)
    }

    #[tokio::test]
    async fn commands_are_answered_and_events_arrive_by_method() {
        let (browser, mut events) = stand_in(|asked| {
            if asked["method"] == "Browser.getVersion" {
                serde_json::json!({"result": {"protocolVersion": "1.3", "product": "Chrome/1", "revision": "r", "userAgent": "u", "jsVersion": "j"}})
            } else {
                serde_json::json!({"error": {"code": -32601, "message": format!("'{}' wasn't found", asked["method"].as_str().unwrap())}})
            }
        });
        let version = browser.call(GetVersionParams {}, None).await.unwrap();
        assert_eq!(version.product, "Chrome/1");
        let refused = browser.call(CloseParams {}, Some("S1")).await.unwrap_err();
        assert!(
            matches!(&refused, PipeError::Refused { method, message } if method == "Browser.close" && message.contains("wasn't found")),
            "{refused:?}"
        );
        let event = events.recv().await.unwrap();
        assert_eq!(event.session_id.as_deref(), Some("S1"));
        assert!(event.parse::<EventLoadEventFired>().is_some());
        assert!(
            event
                .parse::<chromiumoxide_cdp::cdp::browser_protocol::fetch::EventRequestPaused>()
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_browser_that_goes_away_ends_every_wait() {
        let (ours, theirs) = tokio::io::duplex(1024);
        let (our_read, our_write) = tokio::io::split(ours);
        let child = tokio::process::Command::new("true")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let (browser, mut events) = Browser::over(child, our_read, our_write);
        let call = browser.call(GetVersionParams {}, None);
        drop(theirs);
        assert!(matches!(call.await, Err(PipeError::Gone)));
        assert!(
            events.recv().await.is_none(),
            "the events end with the browser"
        );
    }
}
