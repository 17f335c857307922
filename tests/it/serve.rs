//! `awsnav serve`: a standing credential endpoint used by the AWS CLI and boto3 in processes
//! of their own, as a container or an IDE would, while it renews sessions under them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::io::BufRead as _;
use std::process::{Child, Stdio};

use crate::common::{AwsnavCmd, stderr, stdout};

/// A running `awsnav serve`: its URL and token (read from what it printed), and everything
/// it wrote on stderr once stopped.
struct Server {
    child: Child,
    url: String,
    token: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
    /// The thread reading its stderr into `log`, done when the server's stderr closes.
    reader: std::thread::JoinHandle<()>,
}

impl Server {
    fn start(awsnav: &AwsnavCmd, args: &[&str]) -> Self {
        let mut all = vec!["serve"];
        all.extend_from_slice(args);
        let mut child = awsnav
            .command(&all)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let err = child.stderr.take().unwrap();
        let kept = log.clone();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                kept.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let (mut url, mut token) = (String::new(), String::new());
        for _ in 0..3 {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            if let Some(u) = line.trim().strip_prefix("awsnav serve: listening on ") {
                u.clone_into(&mut url);
            }
            if let Some(t) = line
                .trim()
                .strip_prefix("AWS_CONTAINER_AUTHORIZATION_TOKEN=")
            {
                t.clone_into(&mut token);
            }
        }
        assert!(
            url.starts_with("http://127.0.0.1:") && token.len() == 64,
            "{url} {token}: {}",
            log.lock().unwrap()
        );
        Self {
            child,
            url,
            token,
            log,
            reader,
        }
    }

    /// Stops it with Ctrl-C (SIGINT) and returns its stderr.
    fn stop(mut self) -> String {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap()),
            nix::sys::signal::Signal::SIGINT,
        )
        .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
        // Everything it wrote: its stderr is read to the end.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !self.reader.is_finished() {
            assert!(
                std::time::Instant::now() < deadline,
                "the server's stderr is still open after it ended"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        self.log.lock().unwrap().clone()
    }
}

/// Waits until the session served at `url` is due for renewal, `margin` before its end. Its
/// end is read once from the server (which renews only a session already due).
fn wait_until_due(url: &str, token: &str, margin: time::Duration) {
    use std::io::{Read as _, Write as _};
    let (addr, path) = url.trim_start_matches("http://").split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let served: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"));
    let end = time::OffsetDateTime::parse(
        served["Expiration"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let due = end - margin;
    assert!(
        due - time::OffsetDateTime::now_utc() < time::Duration::seconds(10),
        "the session served at {url} is not due before {due}"
    );
    while time::OffsetDateTime::now_utc() < due {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// `--print-env` as `KEY=value` pairs.
fn print_env(awsnav: &AwsnavCmd, account: &str) -> Vec<(String, String)> {
    let out = awsnav.run(&["serve", "--print-env", account, "--role", "Admin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn accounts(seeded: &crate::common::SeededOrg, production: bool) -> Vec<String> {
    seeded
        .accounts
        .iter()
        .filter(|(_, a)| a.ou_path == ["Dev"] && (a.tags["env"] == "prod") == production)
        .map(|(id, _)| id.clone())
        .collect()
}

#[tokio::test]
async fn the_aws_cli_and_boto3_in_their_own_processes_get_roles_from_a_standing_server() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (awsnav, proxy, seeded, _) = crate::served::setup_org(moto).await;
    let dev = &accounts(&seeded, false)[0];
    let prod = &accounts(&seeded, true)[0];
    // Names resolve through the inventory.
    assert!(awsnav.run(&["refresh"]).status.success());

    let server = Server::start(&awsnav, &["--mfa-code", "123456"]);
    let token_file = awsnav.path(".local/share/awsnav/serve.json");
    let kept: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&token_file).unwrap()).unwrap();
    assert_eq!(server_token(&token_file), server.token);
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    let env = print_env(&awsnav, &seeded.accounts[dev].name);
    assert_eq!(env[0].0, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    assert_eq!(env[0].1, format!("{}/{dev}/Admin", server.url));
    assert_eq!(env[1].0, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    // A token of its own, for that account's role only.
    assert_ne!(env[1].1, server.token);
    assert_eq!(env[1].1.len(), 64);
    assert_eq!(
        print_env(&awsnav, dev),
        env,
        "the same account and role: the same token"
    );

    // Separate processes with nothing but the two variables (and the endpoint of moto).
    let client = |program: &std::path::Path, args: &[&str], env: &[(String, String)]| {
        let mut c = std::process::Command::new(program);
        c.env_clear()
            .args(args)
            .env("PATH", std::env::var("PATH").unwrap())
            .env("HOME", awsnav.path("client-home"))
            .env("AWS_ENDPOINT_URL", &moto.url)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let who = "import boto3; print(boto3.client('sts').get_caller_identity()['Account'])";
    let py = crate::common::python();
    let out = client(&py, &["-c", who], &env);
    assert_eq!(stdout(&out).trim(), dev, "boto3: {}", stderr(&out));
    let cli = crate::common::aws_cli();
    let out = client(
        &cli,
        &[
            "sts",
            "get-caller-identity",
            "--query",
            "Account",
            "--output",
            "text",
        ],
        &env,
    );
    assert_eq!(stdout(&out).trim(), dev, "the AWS CLI: {}", stderr(&out));

    // By id, with the role named by kind: the same session.
    let by_id = vec![
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI".to_owned(),
            format!("{}/{dev}/iam:Admin", server.url),
        ),
        env[1].clone(),
    ];
    let out = client(&py, &["-c", who], &by_id);
    assert_eq!(stdout(&out).trim(), dev, "{}", stderr(&out));

    // A wrong or missing token is a bare 401; an unknown name a 404; production a 403.
    let probe = r#"
import sys, urllib.request, urllib.error
url, token = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url, headers={"Authorization": token} if token else {})
try:
    with urllib.request.urlopen(req) as r:
        print(r.status, r.read().decode()[:1])
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
"#;
    let ask = |path: &str, token: &str| {
        let url = format!("{}{path}", server.url);
        let out = client(&py, &["-c", probe, &url, token], &[]);
        stdout(&out).trim().to_owned()
    };
    assert_eq!(ask(&format!("/{dev}/Admin"), ""), "401");
    assert_eq!(ask(&format!("/{dev}/Admin"), "wrong"), "401");
    assert_eq!(ask(&format!("/{dev}/Admin"), &server.token), "200 {");
    let unknown = ask("/no-such-account/Admin", &server.token);
    assert!(
        unknown.starts_with("404 ") && unknown.contains("no account is named"),
        "{unknown}"
    );
    let refused = ask(&format!("/{prod}/Admin"), &server.token);
    assert!(
        refused.starts_with("403 ") && refused.contains("awsnav serve --yes"),
        "{refused}"
    );
    assert_eq!(
        ask("/just-one-part", &server.token).split(' ').next(),
        Some("404")
    );
    // The token --print-env gave serves that account's role and nothing else.
    let role_token = &env[1].1;
    assert_eq!(ask(&format!("/{dev}/Admin"), role_token), "200 {");
    for other in [
        format!("/{prod}/Admin"),
        format!("/{dev}/ReadOnly"),
        format!("/{}/Admin", accounts(&seeded, false)[1]),
    ] {
        let refused = ask(&other, role_token);
        assert!(
            refused.starts_with("403 ")
                && refused.contains(&format!("this token serves {dev} as Admin only")),
            "{other}: {refused}"
        );
    }

    let log = server.stop();
    // A line per request: client, account, role, outcome; never a secret.
    assert!(
        log.lines().any(|l| l.contains("127.0.0.1:")
            && l.contains(&format!("({dev}) as Admin: 200, new session until"))),
        "{log}"
    );
    assert!(log.contains("as Admin: 200, cached session"), "{log}");
    assert!(
        log.contains(&format!("({prod}) as Admin [PRODUCTION]: 403")),
        "{log}"
    );
    assert!(
        log.contains("PRODUCTION accounts are not served; start with --yes"),
        "{log}"
    );
    assert!(!log.contains(&server_token(&token_file)), "{log}");
    assert!(!log.contains("ASIA"), "no key in the log: {log}");
    assert!(log.contains("awsnav serve: stopped"), "{log}");
    assert_eq!(
        proxy.count("GetSessionToken"),
        1,
        "one MFA code for the run"
    );

    // Started again, it keeps the tokens and the port: running containers keep working.
    let again = Server::start(&awsnav, &["--yes"]);
    assert_eq!(again.token, server_token(&token_file));
    let port = |u: &str| u.rsplit(':').next().unwrap().to_owned();
    assert_eq!(port(&again.url), port(kept["url"].as_str().unwrap()));
    let out = client(&py, &["-c", who], &env);
    assert_eq!(
        stdout(&out).trim(),
        dev,
        "after a restart: {}",
        stderr(&out)
    );
    let prod_env = print_env(&awsnav, prod);
    let out = client(&py, &["-c", who], &prod_env);
    assert_eq!(
        stdout(&out).trim(),
        prod,
        "served with --yes: {}",
        stderr(&out)
    );
    let (again_url, again_token) = (again.url.clone(), again.token.clone());
    let log = again.stop();
    assert!(
        log.contains("PRODUCTION accounts are served too (1)"),
        "{log}"
    );

    // Another program holds the port now. --print-env asks what answers there to prove it is
    // the server, and gives no token; the server does not move elsewhere.
    let squatter = std::net::TcpListener::bind(format!("127.0.0.1:{}", port(&again_url))).unwrap();
    let heard = std::thread::spawn(move || {
        use std::io::{Read as _, Write as _};
        let (mut s, _) = squatter.accept().unwrap();
        let mut buf = [0u8; 4096];
        let n = s.read(&mut buf).unwrap();
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"Proof\":\"00\"}");
        (String::from_utf8_lossy(&buf[..n]).into_owned(), squatter)
    });
    let before = std::fs::read(&token_file).unwrap();
    let out = awsnav.run(&["serve", "--print-env", dev, "--role", "Admin"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is not the awsnav serve"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let (request, squatter) = heard.join().unwrap();
    let tokens = std::fs::read_to_string(&token_file).unwrap();
    for t in serde_json::from_str::<serde_json::Value>(&tokens).unwrap()["tokens"]
        .as_array()
        .unwrap()
    {
        assert!(!request.contains(t["token"].as_str().unwrap()), "{request}");
    }
    let out = awsnav.run(&["serve"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("awsnav does not move elsewhere")
            && stderr(&out).contains("--port 0"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(&token_file).unwrap(),
        before,
        "the tokens are kept"
    );
    drop(squatter);

    // A new port when asked, and then new tokens: the old ones serve nothing there.
    let moved = Server::start(&awsnav, &["--port", "0"]);
    assert_ne!(moved.token, again_token);
    assert_ne!(port(&moved.url), port(&again_url));
    let old = format!("{}/{dev}/Admin", moved.url);
    let out = client(&py, &["-c", probe, &old, &env[1].1], &[]);
    assert_eq!(stdout(&out).trim(), "401");
    moved.stop();

    // A server started for some accounts serves only those, whatever the token.
    let others = accounts(&seeded, false);
    let only = Server::start(&awsnav, &[dev.as_str()]);
    let url = |id: &str| format!("{}/{id}/Admin", only.url);
    let out = client(&py, &["-c", probe, &url(dev), &only.token], &[]);
    assert_eq!(stdout(&out).trim(), "200 {", "{}", stderr(&out));
    let out = client(&py, &["-c", probe, &url(&others[1]), &only.token], &[]);
    let refused = stdout(&out);
    assert!(
        refused.starts_with("404 ")
            && refused.contains("serves only the accounts it was started for"),
        "{refused}"
    );
    let out = awsnav.run(&["serve", "--print-env", &others[1], "--role", "Admin"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the running server serves only"),
        "{}",
        stderr(&out)
    );
    only.stop();
}

/// The token that serves every account, as kept in `serve.json`.
fn server_token(file: &std::path::Path) -> String {
    let kept: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    kept["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["serves"] == "all")
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn an_address_other_machines_reach_is_refused_without_allow_remote() {
    let awsnav = AwsnavCmd::new().against("http://127.0.0.1:9");
    for bind in ["0.0.0.0", "::"] {
        let out = awsnav.run(&["serve", "--bind", bind]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(
            err.contains("can be reached from other machines") && err.contains("--allow-remote"),
            "{bind}: {err}"
        );
    }
    let out = awsnav.run(&["serve", "--print-env", "111111111111", "--role", "Admin"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("start `awsnav serve` first"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn a_long_boto3_loop_sees_renewals_and_fifty_clients_share_one() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (awsnav, proxy, seeded, _) = crate::served::setup_org(moto).await;
    let dev = accounts(&seeded, false)[0].clone();
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    // Sessions of 900 s renewed 898 s before they end: stale 2 s after they are made.
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[shell]\nrefresh_margin_seconds = 898\n",
    )
    .unwrap();
    let server = Server::start(&awsnav, &["--mfa-code", "123456", "--duration", "900"]);
    let url = format!("{}/{dev}/Admin", server.url);
    let py = crate::common::python();
    let run = |script: &str| {
        std::process::Command::new(&py)
            .env_clear()
            .args(["-c", script])
            .env("PATH", std::env::var("PATH").unwrap())
            .env("AWS_ENDPOINT_URL", &moto.url)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url)
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &server.token)
            .output()
            .unwrap()
    };

    // Fifty clients at once, before any session exists: none fails, one AssumeRole.
    let many = r"
import boto3, threading
from concurrent.futures import ThreadPoolExecutor
start = threading.Barrier(50)
def one(_):
    session = boto3.session.Session()
    start.wait()
    return session.get_credentials().get_frozen_credentials().access_key
with ThreadPoolExecutor(50) as pool:
    keys = list(pool.map(one, range(50)))
print(len(keys), len(set(keys)))
";
    let out = run(many);
    assert_eq!(stdout(&out).trim(), "50 1", "{}", stderr(&out));
    assert_eq!(
        proxy.count("AssumeRole"),
        1,
        "one renewal for fifty clients"
    );

    // A long loop: the key changes under it, every call succeeds, one MFA code in all.
    let out = run(crate::served::LONG_LOOP);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let calls: Vec<(&str, &str)> = text.lines().map(|l| l.split_once(' ').unwrap()).collect();
    assert!(calls.len() >= 3, "{text}");
    assert!(calls.iter().all(|(a, _)| *a == dev), "{text}");
    let mut keys: Vec<&str> = calls.iter().map(|(_, k)| *k).collect();
    keys.dedup();
    assert!(keys.len() >= 2, "renewed under the loop: {text}");

    // Fifty again, as a renewal is due: still one AssumeRole more.
    wait_until_due(&url, &server.token, time::Duration::seconds(898));
    let before = proxy.count("AssumeRole");
    let out = run(many);
    assert_eq!(stdout(&out).trim(), "50 1", "{}", stderr(&out));
    assert_eq!(
        proxy.count("AssumeRole"),
        before + 1,
        "one renewal, however many ask"
    );
    assert_eq!(proxy.count("GetSessionToken"), 1);
    let requests = server.stop();
    assert!(requests.contains("new session"), "{requests}");
}
