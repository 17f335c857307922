//! Test harness: a few moto servers for the test binary (each test that changes moto's state
//! has one to itself), an org seeded through the Rust SDK, and a runner for the awsnav binary
//! with an isolated environment.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod fault;
pub mod idp;
pub mod keyring;
pub mod net;
pub mod oidc;
pub mod portal;
pub mod signin;
pub mod tmux;

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};

/// A running `moto_server` on a free loopback port. It dies with the test process: it is
/// started under a shell that kills it when our end of its stdin pipe closes.
pub struct Moto {
    pub url: String,
    _keepalive: Mutex<(Child, ChildStdin)>,
}

/// How many moto servers tests share out: tests that seed an organization spend most of
/// their time waiting on moto (one Python process each), so several run at once.
const POOL: usize = 3;

static MOTOS: [OnceLock<Moto>; POOL] = [const { OnceLock::new() }; POOL];
static PERMITS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(POOL);
static FREE: Mutex<[bool; POOL]> = Mutex::new([true; POOL]);

/// A moto server held by one test; given back when dropped.
pub struct MotoLease {
    slot: usize,
    _permit: tokio::sync::SemaphorePermit<'static>,
}

impl Drop for MotoLease {
    fn drop(&mut self) {
        FREE.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)[self.slot] = true;
    }
}

/// The first moto server (started on first use), for tests that only read.
pub fn moto() -> &'static Moto {
    MOTOS[0].get_or_init(Moto::start)
}

/// Tests that change moto's state hold one of the servers for their whole run, and start
/// from a reset.
pub async fn exclusive_moto() -> (MotoLease, &'static Moto) {
    let permit = PERMITS.acquire().await.unwrap();
    let slot = {
        let mut free = FREE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let slot = free.iter().position(|f| *f).unwrap();
        free[slot] = false;
        slot
    };
    let moto = MOTOS[slot].get_or_init(Moto::start);
    moto.reset();
    (
        MotoLease {
            slot,
            _permit: permit,
        },
        moto,
    )
}

fn find_moto_server() -> PathBuf {
    if let Some(p) = std::env::var_os("MOTO_SERVER").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    if venv.exists() {
        return venv;
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("moto_server");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "moto_server not found: these tests need the moto AWS emulator. Run scripts/test (it \
         installs moto[server] into .venv), or set MOTO_SERVER to a moto_server executable"
    );
}

/// Waits (up to 10 s) until `path` holds text `ready` accepts, and returns it: for files a
/// child process writes in the background (a stand-in browser).
pub fn wait_for_file(path: &Path, ready: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && ready(&text)
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} was not written within 10 s",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A loopback port nothing listens on (for refused connections), or for a server to take.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Moto {
    /// Starts `moto_server` on a port it picks itself (`-p 0`) and reads from its log: a
    /// port chosen here and handed over could be taken meanwhile by another test's server,
    /// which would then answer as this moto.
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// A server of its own whose account is `account` (`MOTO_ACCOUNT_ID`): its organization's
    /// management account. Moto then answers every request as that account (an assumed
    /// role's `GetCallerIdentity` too). Stopped when dropped.
    pub fn start_as(account: &str) -> Self {
        Self::start_with(&[("MOTO_ACCOUNT_ID", account)])
    }

    fn start_with(envs: &[(&str, &str)]) -> Self {
        let bin = find_moto_server();
        let log = tempfile::Builder::new()
            .prefix("awsnav-moto-")
            .suffix(".log")
            .tempfile()
            .unwrap()
            .into_temp_path()
            .keep()
            .unwrap();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#""$0" -H 127.0.0.1 -p 0 >"$1" 2>&1 & pid=$!; read _ignored; kill $pid"#)
            .arg(&bin)
            .arg(&log)
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let stdin = child.stdin.take().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(port) = text
                .split("Running on http://127.0.0.1:")
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                .filter(|p| !p.is_empty())
            {
                break format!("http://127.0.0.1:{port}");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server ({}) did not start; see {}",
                bin.display(),
                log.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        while http("POST", &url, "/moto-api/reset", "").is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server at {url} does not answer; see {}",
                log.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            url,
            _keepalive: Mutex::new((child, stdin)),
        }
    }

    /// Clears every emulated service's state.
    pub fn reset(&self) {
        http("POST", &self.url, "/moto-api/reset", "").expect("moto reset");
    }

    /// An SDK config that talks to this moto with fake credentials, reading no files.
    pub async fn sdk(&self) -> SdkConfig {
        sdk_for(&self.url).await
    }
}

/// An SDK config for a loopback endpoint with fake credentials and no profile files.
pub async fn sdk_for(url: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .profile_files(
            EnvConfigFiles::builder()
                .with_contents(EnvConfigFileKind::Config, "")
                .with_contents(EnvConfigFileKind::Credentials, "")
                .build(),
        )
        .load()
        .await
}

/// A minimal HTTP/1.1 request over loopback; returns (status, body).
pub fn http(method: &str, base: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// What the seeded organization should look like to awsnav.
#[derive(Clone, Debug, Default)]
pub struct SeededOrg {
    pub root_id: String,
    /// Account id → expected account.
    pub accounts: BTreeMap<String, SeededAccount>,
    /// OU count, root excluded.
    pub ous: usize,
    /// Accounts and child OUs per parent id (for the minimum request count).
    pub per_parent: BTreeMap<String, (usize, usize)>,
    /// Every how many accounts one is tagged while seeding (0 or 1: all).
    pub tag_every: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeededAccount {
    pub name: String,
    pub email: String,
    pub ou_path: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

impl SeededOrg {
    /// The first account (by id) below some OU whose `env` tag is not `prod`.
    pub fn first_non_prod_member(&self) -> String {
        self.accounts
            .iter()
            .find(|(_, a)| !a.ou_path.is_empty() && a.tags["env"] != "prod")
            .map(|(id, _)| id.clone())
            .expect("a non-production member account")
    }

    /// The fewest Organizations requests that can read this tree with awsnav's walk:
    /// `ListRoots` + `DescribeOrganization` + per parent the pages of OUs and accounts (at
    /// least one each, 20 per page) + one `ListTagsForResource` per account.
    pub fn minimum_org_calls(&self) -> usize {
        let pages = |n: usize| n.div_ceil(20).max(1);
        2 + self
            .per_parent
            .values()
            .map(|&(accounts, ous)| pages(accounts) + pages(ous))
            .sum::<usize>()
            + self.accounts.len()
    }
}

/// One OU to create: its name and what is inside.
pub struct OuSpec {
    pub name: String,
    pub accounts: usize,
    pub children: Vec<OuSpec>,
}

impl OuSpec {
    pub fn new(name: &str, accounts: usize, children: Vec<OuSpec>) -> Self {
        Self {
            name: name.to_owned(),
            accounts,
            children,
        }
    }

    pub fn total_accounts(&self) -> usize {
        self.accounts
            + self
                .children
                .iter()
                .map(OuSpec::total_accounts)
                .sum::<usize>()
    }

    pub fn total_ous(&self) -> usize {
        1 + self.children.iter().map(OuSpec::total_ous).sum::<usize>()
    }
}

/// Creates an organization with the given OU tree through the SDK. Accounts are named
/// `<ou-path-slug>-<n>` and tagged with `env`, `team` and `seq`; `root_accounts` more live
/// directly under the root. The management account (moto's caller) is part of the result.
pub async fn seed_org(sdk: &SdkConfig, tree: &[OuSpec], root_accounts: usize) -> SeededOrg {
    seed_org_tagging(sdk, tree, root_accounts, 1).await
}

/// [`seed_org`], tagging only every `tag_every`-th account (large trees seed faster).
pub async fn seed_org_tagging(
    sdk: &SdkConfig,
    tree: &[OuSpec],
    root_accounts: usize,
    tag_every: usize,
) -> SeededOrg {
    let client = aws_sdk_organizations::Client::new(sdk);
    client
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("CreateOrganization");
    let root_id = client.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_owned();
    let mut seeded = SeededOrg {
        root_id: root_id.clone(),
        tag_every,
        ..SeededOrg::default()
    };
    // The management account is listed under the root.
    let all = client.list_accounts().send().await.unwrap();
    for a in all.accounts() {
        seeded.accounts.insert(
            a.id().unwrap().to_owned(),
            SeededAccount {
                name: a.name().unwrap().to_owned(),
                email: a.email().unwrap().to_owned(),
                ou_path: vec![],
                tags: BTreeMap::new(),
            },
        );
    }
    let management = seeded.accounts.len();
    let mut seq = 0;
    create_accounts(&client, &mut seeded, &root_id, &[], root_accounts, &mut seq).await;
    seeded
        .per_parent
        .insert(root_id.clone(), (root_accounts + management, tree.len()));
    let mut stack: Vec<(String, Vec<String>, &OuSpec)> =
        tree.iter().map(|s| (root_id.clone(), vec![], s)).collect();
    while let Some((parent, path, spec)) = stack.pop() {
        let ou = client
            .create_organizational_unit()
            .parent_id(&parent)
            .name(&spec.name)
            .send()
            .await
            .expect("CreateOrganizationalUnit");
        let ou_id = ou.organizational_unit().unwrap().id().unwrap().to_owned();
        seeded.ous += 1;
        let mut ou_path = path.clone();
        ou_path.push(spec.name.clone());
        create_accounts(
            &client,
            &mut seeded,
            &ou_id,
            &ou_path,
            spec.accounts,
            &mut seq,
        )
        .await;
        seeded
            .per_parent
            .insert(ou_id.clone(), (spec.accounts, spec.children.len()));
        for child in &spec.children {
            stack.push((ou_id.clone(), ou_path.clone(), child));
        }
    }
    seeded
}

async fn create_accounts(
    client: &aws_sdk_organizations::Client,
    seeded: &mut SeededOrg,
    parent: &str,
    ou_path: &[String],
    count: usize,
    seq: &mut usize,
) {
    let slug = if ou_path.is_empty() {
        "root".to_owned()
    } else {
        ou_path.join("-").to_lowercase()
    };
    // Created a few at a time: moto's server is threaded, and large trees take long otherwise.
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..count {
        *seq += 1;
        let tag_every = seeded.tag_every.max(1);
        let (client, slug, seq, root, parent, ou_path) = (
            client.clone(),
            slug.clone(),
            *seq,
            seeded.root_id.clone(),
            parent.to_owned(),
            ou_path.to_vec(),
        );
        tasks.spawn(async move {
            let name = format!("{slug}-{n:02}");
            let tagged = seq.is_multiple_of(tag_every);
            create_account(&client, name, seq, tagged, &root, &parent, ou_path).await
        });
        if tasks.len() >= 8 {
            let (id, account) = tasks.join_next().await.unwrap().unwrap();
            seeded.accounts.insert(id, account);
        }
    }
    while let Some(done) = tasks.join_next().await {
        let (id, account) = done.unwrap();
        seeded.accounts.insert(id, account);
    }
}

async fn create_account(
    client: &aws_sdk_organizations::Client,
    name: String,
    seq: usize,
    tagged: bool,
    root: &str,
    parent: &str,
    ou_path: Vec<String>,
) -> (String, SeededAccount) {
    use aws_sdk_organizations::types::Tag;
    let email = format!("aws+{seq}@example.test");
    let created = client
        .create_account()
        .email(&email)
        .account_name(&name)
        .send()
        .await
        .expect("CreateAccount");
    let id = created
        .create_account_status()
        .unwrap()
        .account_id()
        .unwrap()
        .to_owned();
    if !ou_path.is_empty() {
        client
            .move_account()
            .account_id(&id)
            .source_parent_id(root)
            .destination_parent_id(parent)
            .send()
            .await
            .expect("MoveAccount");
    }
    if !tagged {
        let account = SeededAccount {
            name,
            email,
            ou_path,
            tags: BTreeMap::new(),
        };
        return (id, account);
    }
    let env = ["dev", "staging", "prod"][seq % 3];
    let tags: BTreeMap<String, String> = [
        ("env".to_owned(), env.to_owned()),
        ("team".to_owned(), format!("team-{}", seq % 7)),
        ("seq".to_owned(), seq.to_string()),
    ]
    .into();
    let mut req = client.tag_resource().resource_id(&id);
    for (k, v) in &tags {
        req = req.tags(Tag::builder().key(k).value(v).build().unwrap());
    }
    req.send().await.expect("TagResource");
    (
        id,
        SeededAccount {
            name,
            email,
            ou_path,
            tags,
        },
    )
}

/// Adds an OU named `ou` under the root with `accounts` new accounts in it.
pub async fn seed_more(sdk: &SdkConfig, ou: &str, accounts: usize) {
    let client = aws_sdk_organizations::Client::new(sdk);
    let root_id = client.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_owned();
    let created = client
        .create_organizational_unit()
        .parent_id(&root_id)
        .name(ou)
        .send()
        .await
        .expect("CreateOrganizationalUnit");
    let ou_id = created
        .organizational_unit()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let mut seeded = SeededOrg {
        root_id,
        ..SeededOrg::default()
    };
    let mut seq = 10_000;
    create_accounts(
        &client,
        &mut seeded,
        &ou_id,
        &[ou.to_owned()],
        accounts,
        &mut seq,
    )
    .await;
}

/// The AWS CLI: `AWS_CLI`, the venv scripts/test made, or PATH.
pub fn aws_cli() -> PathBuf {
    if let Some(p) = std::env::var_os("AWS_CLI").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws");
    if venv.exists() {
        return venv;
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        if dir.join("aws").is_file() {
            return dir.join("aws");
        }
    }
    panic!(
        "the AWS CLI is needed for these tests: run scripts/test (it installs awscli into .venv) or set AWS_CLI"
    );
}

/// A generated tree: `levels[k]` OUs at depth k+1 (each level's OUs spread evenly over the
/// level above), `accounts` member accounts spread evenly over all OUs, with 25 more in the
/// first OU so its listing spans pages.
pub fn generated_tree(levels: &[usize], accounts: usize) -> Vec<OuSpec> {
    let total: usize = levels.iter().sum();
    let per_ou = accounts.saturating_sub(25) / total.max(1);
    let mut extra = accounts.saturating_sub(25) % total.max(1);
    let mut made = 0;
    // Built bottom-up: each level's OUs are handed out round-robin to the level above.
    let mut below: Vec<OuSpec> = Vec::new();
    for (depth, &count) in levels.iter().enumerate().rev() {
        let mut level: Vec<OuSpec> = (0..count)
            .map(|i| {
                made += 1;
                let mut n = per_ou;
                if extra > 0 {
                    n += 1;
                    extra -= 1;
                }
                OuSpec::new(&format!("L{}-{i:03}", depth + 1), n, vec![])
            })
            .collect();
        for (i, child) in below.into_iter().enumerate() {
            let slot = i % level.len().max(1);
            level[slot].children.push(child);
        }
        below = level;
    }
    if let Some(first) = below.first_mut() {
        first.accounts += 25;
    }
    debug_assert_eq!(made, total);
    below
}

/// A nested org of 4 levels and 320 member accounts (+ the management account), with one OU
/// holding 45 accounts and one parent holding 22 OUs so both listings span several pages.
pub fn large_tree() -> Vec<OuSpec> {
    let teams = |env: &str, per: usize| -> Vec<OuSpec> {
        ["Payments", "Search", "Identity"]
            .iter()
            .map(|t| {
                let deeper = if *t == "Payments" {
                    vec![OuSpec::new(&format!("{t}{env}Regional"), 5, vec![])]
                } else {
                    vec![]
                };
                OuSpec::new(&format!("{t}{env}"), per, deeper)
            })
            .collect()
    };
    let mut prod = teams("Prod", 12);
    prod[0].accounts = 45;
    vec![
        OuSpec::new(
            "Workloads",
            2,
            vec![
                OuSpec::new("Prod", 3, prod),
                OuSpec::new("NonProd", 3, teams("NonProd", 20)),
            ],
        ),
        OuSpec::new("Security", 4, vec![]),
        OuSpec::new(
            "Sandbox",
            0,
            (0..22)
                .map(|i| OuSpec::new(&format!("Sandbox{i:02}"), 4, vec![]))
                .collect(),
        ),
        OuSpec::new("Infrastructure", 61, vec![]),
    ]
}

/// An IAM user with an access key and a virtual MFA device, created through the SDK.
pub struct Alice {
    pub key: String,
    pub secret: String,
    pub serial: String,
}

pub async fn alice(sdk: &aws_config::SdkConfig) -> Alice {
    let iam = aws_sdk_iam::Client::new(sdk);
    iam.create_user().user_name("alice").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let device = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("alice")
        .send()
        .await
        .unwrap();
    let serial = device
        .virtual_mfa_device()
        .unwrap()
        .serial_number()
        .to_owned();
    iam.enable_mfa_device()
        .user_name("alice")
        .serial_number(&serial)
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await
        .unwrap();
    Alice {
        key: key.access_key_id().to_owned(),
        secret: key.secret_access_key().to_owned(),
        serial,
    }
}

/// Runs the awsnav binary with a clean environment: no real home, no real AWS files, IMDS off.
pub struct AwsnavCmd {
    pub home: tempfile::TempDir,
    envs: Vec<(String, String)>,
}

impl AwsnavCmd {
    pub fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(
            home.path().join(".aws/config"),
            "[default]\nregion = us-east-1\n",
        )
        .unwrap();
        let h = home.path().display().to_string();
        let envs = vec![
            ("HOME".into(), h.clone()),
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("AWS_CONFIG_FILE".into(), format!("{h}/.aws/config")),
            (
                "AWS_SHARED_CREDENTIALS_FILE".into(),
                format!("{h}/.aws/credentials"),
            ),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("AWSNAV_CONFIG".into(), format!("{h}/awsnav/config.toml")),
            ("AWSNAV_CACHE_DIR".into(), format!("{h}/awsnav/cache")),
            ("AWSNAV_LOG_DIR".into(), format!("{h}/awsnav/log")),
        ];
        Self { home, envs }
    }

    /// Points every AWS client at `url` with fake credentials.
    /// Uses alice's keys as the base credentials.
    pub fn with_user(mut self, alice: &Alice) -> Self {
        self.set("AWS_ACCESS_KEY_ID", &alice.key);
        self.set("AWS_SECRET_ACCESS_KEY", &alice.secret);
        self
    }

    pub fn against(mut self, url: &str) -> Self {
        self.set("AWS_ENDPOINT_URL", url);
        self.set("AWS_ACCESS_KEY_ID", "testing");
        self.set("AWS_SECRET_ACCESS_KEY", "testing");
        self.set("AWS_REGION", "us-east-1");
        self
    }

    pub fn set(&mut self, key: &str, value: &str) {
        self.envs.retain(|(k, _)| k != key);
        self.envs.push((key.to_owned(), value.to_owned()));
    }

    pub fn unset(&mut self, key: &str) {
        self.envs.retain(|(k, _)| k != key);
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.home.path().join(rel)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        self.command_via(&[], args)
    }

    /// awsnav started by `wrapper` (`strace -f -o FILE --`, say) with this environment.
    pub fn command_via(&self, wrapper: &[&str], args: &[&str]) -> Command {
        let awsnav = env!("CARGO_BIN_EXE_awsnav");
        let mut cmd = match wrapper.split_first() {
            Some((program, before)) => {
                let mut cmd = Command::new(program);
                cmd.args(before).arg(awsnav);
                cmd
            }
            None => Command::new(awsnav),
        };
        cmd.env_clear().args(args).stdin(Stdio::null());
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd
    }

    /// A shell command line running awsnav with this environment (for tmux).
    pub fn shell_command(&self, args: &[&str]) -> String {
        self.shell_command_of(Path::new(env!("CARGO_BIN_EXE_awsnav")), args)
    }

    /// The same for another awsnav executable (an installed one).
    pub fn shell_command_of(&self, program: &Path, args: &[&str]) -> String {
        let quote = |v: &str| {
            assert!(!v.contains('\''), "cannot quote {v}");
            format!("'{v}'")
        };
        let mut parts = vec![
            "env".to_owned(),
            "-i".to_owned(),
            "TERM=xterm-256color".to_owned(),
        ];
        parts.extend(self.envs.iter().map(|(k, v)| format!("{k}={}", quote(v))));
        parts.push(quote(&program.display().to_string()));
        parts.extend(args.iter().map(|a| quote(a)));
        parts.join(" ")
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }
}

/// awsnav pointed at `url` (moto, or a proxy in front of it) with alice's keys, and the AWS
/// CLI first on `PATH` for the commands it runs.
pub fn awsnav_as(alice: &Alice, url: &str) -> AwsnavCmd {
    let mut awsnav = AwsnavCmd::new().against(url);
    awsnav.set("AWS_ACCESS_KEY_ID", &alice.key);
    awsnav.set("AWS_SECRET_ACCESS_KEY", &alice.secret);
    awsnav.set(
        "PATH",
        &format!(
            "{}:{}",
            aws_cli().parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    );
    awsnav
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A Python with boto3: the .venv scripts/test made, else `python3` on PATH.
pub fn python() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let python = if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    };
    let ok = Command::new(&python)
        .args(["-c", "import boto3, awscrt"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "boto3 (it comes with moto[server]) and awscrt are needed: run scripts/test"
    );
    python
}

/// A stand-in `zenity` on PATH that records how it was called and answers as `script` says.
pub fn stand_in_zenity(awsnav: &mut AwsnavCmd, script: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let bin = awsnav.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = awsnav.path("zenity-args");
    let path = bin.join("zenity");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n{script}\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path_var = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    awsnav.set("PATH", &path_var);
    awsnav.set("DISPLAY", ":0");
    record
}

/// The format of the inventory cache file at `path` (its binary header).
pub fn cache_format(path: &Path) -> u32 {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"AWSNAV\0I"),
        "not a binary inventory: {:?}",
        &bytes[..bytes.len().min(16)]
    );
    u32::from_le_bytes(bytes[8..12].try_into().unwrap())
}

/// Creates an organization policy (its description: "NAME, made by the test") and attaches it
/// to `target`.
pub async fn attach_new_policy(
    org: &aws_sdk_organizations::Client,
    name: &str,
    kind: &str,
    content: &str,
    target: &str,
) {
    let created = org
        .create_policy()
        .name(name)
        .description(format!("{name}, made by the test"))
        .r#type(aws_sdk_organizations::types::PolicyType::from(kind))
        .content(content)
        .send()
        .await
        .unwrap();
    let id = created
        .policy()
        .unwrap()
        .policy_summary()
        .unwrap()
        .id()
        .unwrap();
    org.attach_policy()
        .policy_id(id)
        .target_id(target)
        .send()
        .await
        .unwrap();
}

/// A stand-in browser on PATH (`$BROWSER`): records each URL it is asked to open, and with
/// `follow` fetches it (with its `state` replaced by `forge`, when given), following the
/// redirect to awsnav's loopback listener as a browser would. Returns the record's path.
pub fn stand_in_browser(awsnav: &mut AwsnavCmd, follow: bool, forge: Option<&str>) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let record = awsnav.path("browser-urls");
    let script = awsnav.path("browser.sh");
    // A forged state: first the answer as an attacker would send it (its status recorded
    // beside the URLs), then the real one.
    let fetch = match (follow, forge) {
        (false, _) => ":".to_owned(),
        (true, None) => "curl -s -L -o /dev/null \"$1\" &".to_owned(),
        (true, Some(state)) => format!(
            "(curl -s -L -o /dev/null -w '%{{http_code}}' \"$(printf '%s' \"$1\" | sed 's/state=[^&]*/state={state}/')\" > {}.forged; curl -s -L -o /dev/null \"$1\") &",
            record.display()
        ),
    };
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> {}\n{fetch}\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    awsnav.set("BROWSER", &script.display().to_string());
    awsnav.set("DISPLAY", ":0");
    record
}

/// Every file under `dir`, those under `skip` left out.
pub fn files_under(dir: &Path, skip: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        if skip.is_some_and(|s| d.starts_with(s)) {
            continue;
        }
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if skip.is_none_or(|s| !p.starts_with(s)) {
                out.push(p);
            }
        }
    }
    out
}

/// A Python that can import the AWS CLI's own modules (`awscli`): the interpreter the AWS CLI
/// runs with, else the test Python.
pub fn aws_cli_python() -> PathBuf {
    let cli = aws_cli();
    let shebang = std::fs::read_to_string(&cli)
        .ok()
        .and_then(|t| t.lines().next().map(str::to_owned))
        .unwrap_or_default();
    let candidates = [
        shebang
            .strip_prefix("#!")
            .filter(|s| s.contains("python"))
            .map(|s| PathBuf::from(s.split_whitespace().next().unwrap_or(s))),
        Some(python()),
        Some(PathBuf::from("python3")),
    ];
    for p in candidates.into_iter().flatten() {
        let ok = Command::new(&p)
            .args(["-c", "import awscli"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return p;
        }
    }
    panic!(
        "no Python can import awscli (the AWS CLI's modules): run scripts/test, which installs it"
    )
}

/// `~/.aws/config` and credentials of `awsnav` with one profile per organization, each
/// pointing at its own server (`(name, url)`), with moto's keys.
pub fn org_profiles(awsnav: &AwsnavCmd, orgs: &[(&str, &str)]) {
    use std::fmt::Write as _;
    let (mut config, mut credentials) = (String::new(), String::new());
    for (name, url) in orgs {
        let _ = write!(
            config,
            "[profile {name}]\nregion = us-east-1\nendpoint_url = {url}\n\n"
        );
        let _ = write!(
            credentials,
            "[{name}]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n"
        );
    }
    std::fs::write(awsnav.path(".aws/config"), config).unwrap();
    std::fs::write(awsnav.path(".aws/credentials"), credentials).unwrap();
}

/// This month's cost of `account` in Cost Explorer's answers of `moto` (as `payer`).
pub fn seed_cost(moto: &crate::common::Moto, payer: &str, account: &str, amount: &str) {
    let today = time::OffsetDateTime::now_utc().date();
    let this = today.replace_day(1).unwrap();
    let page = serde_json::json!({
        "ResultsByTime": [{
            "TimePeriod": {"Start": this.to_string(), "End": (today + time::Duration::days(1)).to_string()},
            "Total": {},
            "Groups": [{"Keys": [account], "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}}],
            "Estimated": false
        }]
    });
    seed_cost_results(moto, payer, &[page]);
}

/// The answers moto's Cost Explorer gives `payer`, page by page.
pub fn seed_cost_results(moto: &crate::common::Moto, payer: &str, pages: &[serde_json::Value]) {
    let body = serde_json::json!({"account_id": payer, "results": pages}).to_string();
    let (status, _) = crate::common::http(
        "POST",
        &moto.url,
        "/moto-api/static/ce/cost-and-usage-results",
        &body,
    )
    .unwrap();
    assert_eq!(status, 201);
}
