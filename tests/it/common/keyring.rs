//! A real Secret Service for the key-store tests: a private D-Bus session bus with GNOME
//! Keyring on it, started by the test itself (`dbus-run-session`), its keyrings under the
//! test's home. `scripts/test` installs dbus, gnome-keyring and libsecret-tools.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The login keyring's password in these tests.
const PASSWORD: &str = "test-login-password";

/// A session bus with GNOME Keyring's Secret Service; stopped when dropped.
pub struct SecretService {
    /// `DBUS_SESSION_BUS_ADDRESS` of the bus.
    pub address: String,
    child: Child,
    _runtime: tempfile::TempDir,
}

impl SecretService {
    /// The Secret Service with its keyrings under `home`. `unlocked`: the login keyring is made
    /// and unlocked with a password, as a desktop login does; else the daemon runs with no
    /// unlocked keyring (storing needs a prompt nobody can answer).
    pub fn start(home: &Path, unlocked: bool) -> Self {
        for program in ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"] {
            assert!(
                Command::new("sh")
                    .args(["-c", &format!("command -v {program}")])
                    .stdout(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success()),
                "{program} not found: the key-store tests need a real Secret Service. Run \
                 scripts/test (it installs dbus, gnome-keyring and libsecret-tools)"
            );
        }
        let runtime = tempfile::tempdir().unwrap();
        let address_file = runtime.path().join("bus-address");
        let script = r#"
            if [ "$UNLOCK" = 1 ]; then
                printf %s "$PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
            else
                gnome-keyring-daemon --start --components=secrets >/dev/null
            fi
            printf %s "$DBUS_SESSION_BUS_ADDRESS" > "$ADDRESS_FILE.part"
            mv "$ADDRESS_FILE.part" "$ADDRESS_FILE"
            read _ignored
        "#;
        let child = Command::new("dbus-run-session")
            .args(["--", "sh", "-c", script])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env("UNLOCK", if unlocked { "1" } else { "0" })
            .env("PASSWORD", PASSWORD)
            .env("ADDRESS_FILE", &address_file)
            // The shell waits on this pipe: when the test drops its end (or dies), the shell
            // ends, dbus-run-session stops the bus, and the keyring daemon leaves with it.
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start dbus-run-session");
        let address = super::wait_for_file(&address_file, |t| t.starts_with("unix:"));
        Self {
            address,
            child,
            _runtime: runtime,
        }
    }

    /// The secret stored for awsnav under `name`, as `secret-tool` finds it.
    pub fn lookup(&self, name: &str) -> Option<String> {
        self.lookup_in("awsnav", name)
    }

    /// The secret stored under `name` for `service`, as `secret-tool` finds it.
    pub fn lookup_in(&self, service: &str, name: &str) -> Option<String> {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", service, "username", name])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.success() && !text.is_empty()).then_some(text)
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Every file under `dir` whose bytes contain `secret`.
pub fn files_containing(dir: &Path, secret: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file()
                && std::fs::read(&path)
                    .is_ok_and(|bytes| bytes.windows(secret.len()).any(|w| w == secret.as_bytes()))
            {
                found.push(path);
            }
        }
    }
    found
}
