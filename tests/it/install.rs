//! The published binaries as a person gets them: `dist build` makes this machine's archive,
//! its checksum and the shell installer; a loopback server stands in for the GitHub release;
//! the installer, pointed at it through its environment, installs into a scratch home; the
//! installed awsnav runs (`--version`, the demo under tmux). A tampered archive is refused,
//! and the cargo-binstall metadata names the archive dist made.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::AwsnavCmd;
use crate::common::tmux::Tmux;

/// The dist profile (fat LTO, one code generation unit) optimizes every dependency and then the
/// whole program as one: minutes of two cores from clean, and minutes again after any change to
/// awsnav. What this test proves — dist builds, archives and checksums the binary, makes an
/// installer that fetches, verifies and installs it, and the installed binary runs — does not
/// depend on how well the code is optimized, so cargo's environment makes the profile as cheap
/// as it goes: no LTO, no optimization, many code generation units (stripping and unwinding
/// stay as they are).
const CHEAP_DIST_PROFILE: [(&str, &str); 4] = [
    ("CARGO_PROFILE_DIST_LTO", "off"),
    ("CARGO_PROFILE_DIST_CODEGEN_UNITS", "256"),
    ("CARGO_PROFILE_DIST_OPT_LEVEL", "0"),
    ("CARGO_PROFILE_DIST_DEBUG", "false"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The dist version the release workflow was generated with (`dist-workspace.toml`).
fn pinned_dist_version() -> String {
    let text = std::fs::read_to_string(root().join("dist-workspace.toml")).unwrap();
    let config: toml::Table = toml::from_str(&text).unwrap();
    config["dist"]["cargo-dist-version"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `dist` as scripts/test installs it: `DIST`, then `.venv-dist`, then `PATH`; at the pinned version.
fn dist() -> PathBuf {
    let venv = root().join(".venv-dist/bin/dist");
    let found = std::env::var_os("DIST")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| venv.is_file().then_some(venv))
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(|dir| dir.join("dist"))
                .find(|p| p.is_file())
        });
    let pinned = pinned_dist_version();
    let Some(dist) = found else {
        panic!(
            "dist not found: these tests plan and build the release with it. Run \
             scripts/test (it installs dist {pinned} into .venv-dist), or set DIST to a dist {pinned} \
             executable"
        );
    };
    let version = Command::new(&dist)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", dist.display()));
    assert_eq!(
        stdout(&version).trim(),
        format!("cargo-dist {pinned}"),
        "{} is not the dist dist-workspace.toml pins; run scripts/test, which installs dist \
         {pinned} into .venv-dist",
        dist.display()
    );
    dist
}

/// The target triple of this machine, as rustc names it.
fn host_target() -> String {
    let out = Command::new("rustc").arg("-vV").output().unwrap();
    stdout(&out)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap()
        .to_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A loopback stand-in for a GitHub release: serves the files of one folder by name and keeps
/// the path of every request.
struct ReleaseServer {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl ReleaseServer {
    fn start(dir: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let (dir, log) = (dir.to_owned(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim_end().is_empty() {
                        break;
                    }
                    head.push(line);
                }
                let path = head
                    .first()
                    .and_then(|l| l.split_whitespace().nth(1))
                    .unwrap_or_default()
                    .to_owned();
                log.lock().unwrap().push(path.clone());
                let file = path
                    .strip_prefix('/')
                    .filter(|name| {
                        !name.is_empty() && !name.contains('/') && !name.starts_with('.')
                    })
                    .and_then(|name| std::fs::read(dir.join(name)).ok());
                let (status, body) = match file {
                    Some(body) => ("200 OK", body),
                    None => ("404 Not Found", b"not found\n".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream
                    .write_all(head.as_bytes())
                    .and_then(|()| stream.write_all(&body));
            }
        });
        Self { url, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// What `dist build` made: the folder it wrote to and the files it would upload.
struct Built {
    files: Vec<PathBuf>,
}

impl Built {
    fn named(&self, name: &str) -> &Path {
        self.files
            .iter()
            .find(|f| f.file_name().is_some_and(|n| n == name))
            .unwrap_or_else(|| panic!("dist built no {name}: {:?}", self.files))
    }
}

/// `dist build` for this machine's target and the shell installer, with the cheap profile.
/// From clean it compiles every dependency once more; at the lowest priority, so that the
/// tests running beside it, many of them waiting on a screen or a server against a deadline,
/// keep the processor they need.
fn dist_build(target: &str) -> Built {
    let out = Command::new("nice")
        .args(["-n", "19"])
        .arg(dist())
        .current_dir(root())
        .args(["build", "--artifacts=all", "--installer=shell"])
        .args(["--target", target, "--output-format=json"])
        .envs(CHEAP_DIST_PROFILE)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "dist build failed:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = manifest["upload_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| PathBuf::from(f.as_str().unwrap()))
        .collect();
    Built { files }
}

/// A folder on `PATH` first for the installer: `curl` writes every URL it is given to
/// `urls.log` and runs the real curl; `wget` (the installer's fallback) only logs and fails.
fn logging_downloaders(dir: &Path) -> PathBuf {
    let real_curl = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("curl"))
        .find(|p| p.is_file())
        .expect("curl is needed (scripts/test installs it)");
    let log = dir.join("urls.log");
    for (name, then) in [
        ("curl", format!("exec '{}' \"$@\"", real_curl.display())),
        ("wget", "exit 1".to_owned()),
    ] {
        let script = format!(
            "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in *://*) printf '{name} %s\\n' \"$a\" >>'{}';; esac; done\n{then}\n",
            log.display()
        );
        let path = dir.join(name);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }
    log
}

/// Runs the shell installer with a clean environment: `home` as HOME, downloads from
/// `base_url`, no edits to shell profiles. Proxies point at a closed loopback port, so any
/// request that is not to loopback fails.
fn run_installer(installer: &Path, home: &Path, base_url: &str, shims: &Path) -> Output {
    let closed = format!("http://127.0.0.1:{}", crate::common::free_port());
    let path = format!(
        "{}:{}",
        shims.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .arg(installer)
        .env_clear()
        .env("HOME", home)
        .env("PATH", path)
        .env("AWSNAV_DOWNLOAD_URL", base_url)
        .env("AWSNAV_NO_MODIFY_PATH", "1")
        .envs(
            [
                "http_proxy",
                "https_proxy",
                "HTTPS_PROXY",
                "ALL_PROXY",
                "all_proxy",
            ]
            .map(|k| (k, closed.as_str())),
        )
        .env("no_proxy", "127.0.0.1")
        .output()
        .unwrap()
}

/// Every file under `dir`, as paths relative to it.
fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.insert(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    found
}

/// The release as GitHub would serve it, in a folder: the files `dist build` uploads, by name.
/// The checksum file beside the archive is right, and the binary sits where the binstall
/// metadata says (`{ name }-{ target }/{ bin }`).
fn release_for(target: &str, archive: &str) -> tempfile::TempDir {
    let built = dist_build(target);
    built.named(archive);
    built.named("awsnav-installer.sh");
    let release = tempfile::tempdir().unwrap();
    for file in &built.files {
        std::fs::copy(file, release.path().join(file.file_name().unwrap())).unwrap();
    }
    let check = Command::new("sha256sum")
        .current_dir(release.path())
        .args(["-c", &format!("{archive}.sha256")])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
    let listing = Command::new("tar")
        .arg("-tJf")
        .arg(release.path().join(archive))
        .output()
        .unwrap();
    assert!(
        stdout(&listing)
            .lines()
            .any(|l| l == format!("awsnav-{target}/awsnav")),
        "{}",
        stdout(&listing)
    );
    release
}

/// The installed awsnav says its version, shows the demo organization under tmux, and q ends it.
fn runs_the_demo(installed: &Path) {
    let version = Command::new(installed).arg("--version").output().unwrap();
    assert!(version.status.success(), "{}", stderr(&version));
    assert_eq!(
        stdout(&version).trim(),
        format!("awsnav {}", env!("CARGO_PKG_VERSION"))
    );
    let env = AwsnavCmd::new();
    let tmux = Tmux::start(&env.shell_command_of(installed, &["--demo"]), 120, 40);
    tmux.wait_for(&["Organization · 75 accounts", "acme-management"]);
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.is_running() {
        assert!(
            Instant::now() < deadline,
            "q did not end awsnav:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_shell_installer_installs_the_built_archive_from_the_release() {
    let started = Instant::now();
    let target = host_target();
    let archive = format!("awsnav-{target}.tar.xz");
    let release = release_for(&target, &archive);
    let build_time = started.elapsed();
    let script = release.path().join("awsnav-installer.sh");
    let server = ReleaseServer::start(release.path());

    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let shims = scratch.path().join("shims");
    std::fs::create_dir(&shims).unwrap();
    let urls = logging_downloaders(&shims);

    let out = run_installer(&script, &home, &server.url, &shims);
    assert!(
        out.status.success(),
        "the installer failed:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );

    // It fetched the archive from the stand-in, and nothing from anywhere else.
    let fetched = std::fs::read_to_string(&urls).unwrap();
    assert!(
        fetched
            .lines()
            .all(|l| l.starts_with(&format!("curl {}/", server.url))),
        "the installer fetched more than the loopback release:\n{fetched}"
    );
    assert!(
        server.requests().contains(&format!("/{archive}")),
        "the archive was not fetched: {:?}",
        server.requests()
    );

    // awsnav and dist's install receipt in the scratch home, nothing else: no shell profile
    // was touched.
    assert_eq!(
        files_under(&home),
        BTreeSet::from([
            ".cargo/bin/awsnav".to_owned(),
            ".config/awsnav/awsnav-receipt.json".to_owned()
        ]),
        "what the installer wrote"
    );
    runs_the_demo(&home.join(".cargo/bin/awsnav"));

    // An archive changed after its checksum was taken is refused, and nothing is installed.
    let mut bytes = std::fs::read(release.path().join(&archive)).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(release.path().join(&archive), bytes).unwrap();
    let tampered_home = scratch.path().join("tampered");
    std::fs::create_dir(&tampered_home).unwrap();
    let out = run_installer(&script, &tampered_home, &server.url, &shims);
    assert!(
        !out.status.success(),
        "a tampered archive was installed:\n{}",
        stderr(&out)
    );
    assert!(
        !tampered_home.join(".cargo/bin/awsnav").exists(),
        "a tampered awsnav is in place"
    );

    eprintln!(
        "dist build {build_time:.1?}, the whole test {:.1?}",
        started.elapsed()
    );
}

/// `cargo binstall awsnav` downloads what `[package.metadata.binstall]` names: the archive
/// dist publishes for the target, from the release of the version's tag, with the binary
/// where the archive keeps it.
#[test]
fn binstall_metadata_names_the_archives_dist_publishes() {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    let package = &manifest["package"];
    let binstall = &package["metadata"]["binstall"];
    let repo = package["repository"].as_str().unwrap();
    let version = package["version"].as_str().unwrap();
    let expand = |template: &str, target: &str, suffix: &str, ext: &str| {
        template
            .replace("{ repo }", repo)
            .replace("{ version }", version)
            .replace("{ name }", "awsnav")
            .replace("{ bin }", "awsnav")
            .replace("{ target }", target)
            .replace("{ archive-suffix }", suffix)
            .replace("{ binary-ext }", ext)
    };
    let plan = Command::new(dist())
        .current_dir(root())
        .args(["plan", "--output-format=json"])
        .output()
        .unwrap();
    assert!(plan.status.success(), "{}", stderr(&plan));
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let release = format!("{repo}/releases/download/v{version}/");
    let mut targets = 0;
    for artifact in plan["artifacts"].as_object().unwrap().values() {
        if artifact["kind"] != "executable-zip" {
            continue;
        }
        let target = artifact["target_triples"][0].as_str().unwrap();
        let name = artifact["name"].as_str().unwrap();
        let windows = target.contains("windows");
        let (fmt, suffix, ext) = if windows {
            ("zip", ".zip", ".exe")
        } else {
            ("txz", ".tar.xz", "")
        };
        let over = &binstall["overrides"].get(target);
        let pick = |key: &str| {
            over.and_then(|o| o.get(key))
                .unwrap_or(&binstall[key])
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(pick("pkg-fmt"), fmt, "{target}");
        assert_eq!(
            expand(&pick("pkg-url"), target, suffix, ext),
            format!("{release}{name}"),
            "{target}"
        );
        // tar archives hold one folder named after the archive; zips hold the files at the top.
        let in_archive = artifact["assets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == "executable")
            .unwrap()["path"]
            .as_str()
            .unwrap()
            .to_owned();
        let expected = if windows {
            in_archive
        } else {
            format!("{}/{in_archive}", name.trim_end_matches(suffix))
        };
        assert_eq!(
            expand(&pick("bin-dir"), target, suffix, ext),
            expected,
            "{target}"
        );
        targets += 1;
    }
    assert_eq!(
        targets, 7,
        "an archive for each target in dist-workspace.toml"
    );
}
