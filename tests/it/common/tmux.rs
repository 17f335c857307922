//! A detached tmux session for end-to-end tests: start a command, send keys, read the screen.

use std::process::Command;
use std::time::{Duration, Instant};

/// A detached tmux session on a private server socket, killed on drop.
pub struct Tmux {
    pub socket: String,
}

impl Tmux {
    pub fn start(command: &str, width: u16, height: u16) -> Self {
        Self::start_with(&[], command, width, height)
    }

    /// [`Tmux::start`] with global `options` set first: in force before `command` runs.
    pub fn start_with(options: &[(&str, &str)], command: &str, width: u16, height: u16) -> Self {
        let socket = format!("awsnav-test-{}-{}", std::process::id(), rand_suffix());
        let mut args = vec!["-L", &socket, "-f", "/dev/null"];
        for (name, value) in options {
            args.extend(["set-option", "-g", name, value, ";"]);
        }
        let (width, height) = (width.to_string(), height.to_string());
        args.extend([
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            &width,
            "-y",
            &height,
            command,
        ]);
        let status = Command::new("tmux")
            .args(&args)
            .status()
            .unwrap_or_else(|e| {
                panic!("tmux is needed for end-to-end tests ({e}); scripts/test installs it")
            });
        assert!(status.success(), "tmux new-session failed");
        Self { socket }
    }

    pub fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap()
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status.success());
    }

    pub fn literal(&self, text: &str) {
        assert!(
            self.tmux(&["send-keys", "-t", "t", "-l", text])
                .status
                .success()
        );
    }

    /// Waits until every needle is on screen; panics with the screen when it never is.
    pub fn wait_for(&self, needles: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if needles.iter().all(|n| screen.contains(n)) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needles:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn is_running(&self) -> bool {
        self.tmux(&["has-session", "-t", "t"]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

pub fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}
