//! `awsnav serve`: a standing credential endpoint for containers, IDEs and notebooks — the
//! shells' endpoint ([`super::credential_server`]) serving any account's role at
//! `GET /<account>/<role>`, for as long as it runs.
//!
//! An account is named by id, alias or exact name (never a fuzzy query: a request must mean
//! one account). A production account is served only when the server was started with
//! `--yes`. Requests for the same role wait for one renewal, so many clients asking at once
//! make one `AssumeRole`. Every request is a line on stderr: the client, the account, the
//! role, what it got — never a secret.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::access::{AccessTarget, MfaSource};
use super::context::AppContext;
use super::credential_server::{
    Asked, Hosts, IDENTITY_PATH, Reply, Route, Scope, Tokens, identity_proof, new_token, token_is,
};
use crate::domain::inventory::Inventory;
use crate::domain::model::OrgTree;
use crate::domain::roles::RoleOption;
use crate::domain::selector::AccountView;
use crate::domain::untrusted::visible;

/// An account the server can serve.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub production: bool,
    pub roles: Vec<RoleOption>,
}

/// The accounts a request may name, by id, alias and exact name.
#[derive(Debug, Default)]
pub struct Directory {
    accounts: Vec<Account>,
    by_id: HashMap<String, usize>,
    /// Lower-cased names; a name two accounts share names neither.
    by_name: HashMap<String, Vec<usize>>,
    aliases: std::collections::BTreeMap<String, String>,
}

impl Directory {
    /// Every account of the inventory (active or not: the error says which), with the roles
    /// offered there and whether it is production.
    #[must_use]
    pub fn of_inventory(ctx: &AppContext, inv: Option<&Inventory>) -> Self {
        let mut accounts = Vec::new();
        if let Some(inv) = inv {
            let tree = OrgTree::build(&inv.org);
            for (i, a) in inv.org.accounts.iter().enumerate() {
                if !a.status.is_active() {
                    continue;
                }
                accounts.push(Account {
                    id: a.id.to_string(),
                    name: a.name.clone(),
                    production: ctx.is_production(inv, &tree, i),
                    roles: ctx.roles(inv, &tree, i),
                });
            }
        }
        Self::new(accounts, ctx.config.aliases.clone())
    }

    #[must_use]
    pub fn new(
        accounts: Vec<Account>,
        aliases: std::collections::BTreeMap<String, String>,
    ) -> Self {
        let mut by_id = HashMap::new();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, a) in accounts.iter().enumerate() {
            by_id.insert(a.id.clone(), i);
            by_name.entry(a.name.to_lowercase()).or_default().push(i);
        }
        Self {
            accounts,
            by_id,
            by_name,
            aliases,
        }
    }

    /// The production accounts, to list at start.
    pub fn production(&self) -> impl Iterator<Item = &Account> {
        self.accounts.iter().filter(|a| a.production)
    }

    /// The account `asked` names: an alias, an id, or an exact name (any case). An id awsnav
    /// does not know is served as `unknown` says (production unless a rule says otherwise).
    ///
    /// # Errors
    /// When nothing or several accounts have that name.
    pub fn find(&self, asked: &str, unknown: impl Fn(&str) -> Account) -> Result<Account, String> {
        let asked = self.aliases.get(asked).map_or(asked, String::as_str);
        if let Some(&i) = self.by_id.get(asked) {
            return Ok(self.accounts[i].clone());
        }
        match self.by_name.get(&asked.to_lowercase()).map(Vec::as_slice) {
            Some([i]) => Ok(self.accounts[*i].clone()),
            Some(many) => Err(format!(
                "{} accounts are named `{}`: ask by id ({})",
                many.len(),
                visible(asked),
                many.iter()
                    .map(|&i| self.accounts[i].id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None if crate::domain::model::AccountId::parse(asked).is_ok() => Ok(unknown(asked)),
            None => Err(format!(
                "no account is named `{}` (ask by id, alias or exact name)",
                visible(asked)
            )),
        }
    }
}

/// How the server serves.
#[derive(Clone, Debug)]
pub struct Serving {
    /// `--yes`: production accounts are served too.
    pub production: bool,
    /// `--duration`.
    pub duration: Option<u32>,
    /// How long before a session ends it is renewed.
    pub margin: time::Duration,
    /// The ids of the only accounts served; empty: every account.
    pub accounts: Vec<String>,
}

/// The answer to each request: the account's role session, renewed as in shells; one renewal
/// at a time per role. `log` hears a line per request.
#[must_use]
pub fn route(
    ctx: &AppContext,
    directory: Arc<Directory>,
    mfa: MfaSource,
    serving: Serving,
    log: Arc<dyn Fn(&str) + Send + Sync>,
) -> Route {
    let ctx = Arc::new(ctx.clone());
    let turns: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = Arc::default();
    // The cache keeps a session until REFRESH_MARGIN before its end; asking as of a later
    // time makes it renew `margin` before instead.
    let ahead =
        (serving.margin - crate::domain::credentials::REFRESH_MARGIN).max(time::Duration::ZERO);
    Arc::new(move |asked: Asked| {
        let (ctx, directory, mfa, serving, log, turns) = (
            ctx.clone(),
            directory.clone(),
            mfa.clone(),
            serving.clone(),
            log.clone(),
            turns.clone(),
        );
        Box::pin(async move {
            let client = asked.client;
            let Some((account, role)) = split_path(&asked.path) else {
                log(&format!(
                    "{client} {}: 404, not /ACCOUNT/ROLE",
                    visible(&asked.path)
                ));
                return Reply::NotFound("ask for /ACCOUNT/ROLE".to_owned());
            };
            let unknown = |id: &str| Account {
                id: id.to_owned(),
                name: id.to_owned(),
                production: ctx.classifier.production_of_unknown(id).unwrap_or(true),
                roles: ctx.catalog.roles_for(&AccountView::bare(id, id)),
            };
            let account = match directory.find(&account, unknown) {
                Ok(a) => a,
                Err(why) => {
                    log(&format!("{client} {}: 404, {why}", visible(&asked.path)));
                    return Reply::NotFound(why);
                }
            };
            let role = RoleOption::wanted(&account.roles, &role);
            if let Some((line, reply)) = out_of_scope(&asked, &serving, &account.id, &role) {
                log(&line);
                return reply;
            }
            let who = format!(
                "{client} {} ({}) as {}{}",
                visible(&account.name),
                account.id,
                visible(&role.name),
                if account.production {
                    " [PRODUCTION]"
                } else {
                    ""
                }
            );
            if account.production && !serving.production {
                log(&format!("{who}: 403, production is not served"));
                return Reply::Refused(format!(
                    "{} ({}) is a PRODUCTION account: it is served only by `awsnav serve --yes`",
                    account.name, account.id
                ));
            }
            let key = format!("{}/{}", account.id, role.key());
            let turn = turns
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(key)
                .or_default()
                .clone();
            let _turn = turn.lock().await;
            let target = AccessTarget {
                account_id: account.id.clone(),
                account_name: account.name.clone(),
                role,
                duration: serving.duration,
            };
            match ctx
                .of_account_as(&target.account_id, &target.role)
                .access
                .credentials(&target, &mfa, OffsetDateTime::now_utc() + ahead)
                .await
            {
                Ok(granted) => {
                    log(&format!(
                        "{who}: 200, {} session{}",
                        if granted.from_cache { "cached" } else { "new" },
                        granted
                            .credentials
                            .expiration
                            .and_then(|e| e.format(&Rfc3339).ok())
                            .map(|e| format!(" until {e}"))
                            .unwrap_or_default()
                    ));
                    Reply::Credentials(granted.credentials)
                }
                Err(e) => {
                    let why = e.to_string();
                    log(&format!("{who}: 503, {}", visible(&why)));
                    Reply::Failed(why)
                }
            }
        })
    })
}

/// The log line and the answer when `account` as `role` is not the server's to serve or
/// not what the request's token serves.
fn out_of_scope(
    asked: &Asked,
    serving: &Serving,
    account: &str,
    role: &RoleOption,
) -> Option<(String, Reply)> {
    let (client, path) = (asked.client, visible(&asked.path));
    if !serving.accounts.is_empty() && !serving.accounts.iter().any(|a| a == account) {
        let why = "this server serves only the accounts it was started for".to_owned();
        return Some((format!("{client} {path}: 404, {why}"), Reply::NotFound(why)));
    }
    match &asked.scope {
        Scope::Role {
            account: only_account,
            role: only_role,
        } if only_account != account || *only_role != role.key() => Some((
            format!(
                "{client} {path}: 403, the token serves {only_account} as {} only",
                visible(only_role)
            ),
            Reply::Refused(format!(
                "this token serves {only_account} as {only_role} only (awsnav serve --print-env gives one for each account and role)"
            )),
        )),
        _ => None,
    }
}

/// `/<account>/<role>`, each percent-decoded; the role may hold `:` (`sso:Admin`).
fn split_path(path: &str) -> Option<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let (account, role) = path.strip_prefix('/')?.split_once('/')?;
    let role = role.strip_suffix('/').unwrap_or(role);
    if role.contains('/') {
        return None;
    }
    Some((decode(account)?, decode(role)?))
}

/// The path a client asks for `account` (an id) as `role`.
#[must_use]
pub fn path_of(account: &str, role: &RoleOption) -> String {
    const PART: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b':')
        .remove(b'+')
        .remove(b'@')
        .remove(b'=')
        .remove(b',');
    format!(
        "/{}/{}",
        percent_encoding::utf8_percent_encode(account, PART),
        percent_encoding::utf8_percent_encode(&role.key(), PART)
    )
}

/// What a standing server keeps (`serve.json`, 0600): where it listens, the key it proves
/// itself with, the accounts it serves, and its tokens with what each may be served. A
/// restarted server keeps them all, so clients keep working; `--print-env` adds a token for
/// one account's role, which the running server reads when it first meets it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Running {
    /// `http://ADDR:PORT`.
    pub url: String,
    /// The server's own secret (hex), for [`super::credential_server::IDENTITY_PATH`].
    #[serde(default)]
    pub key: String,
    /// The ids of the accounts the server was started for; empty: every account.
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(default)]
    pub tokens: Vec<Granted>,
    /// The one token of a file written before tokens had scopes: it serves everything.
    #[serde(default, skip_serializing)]
    token: Option<String>,
}

/// A token, and what it may be served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Granted {
    pub token: String,
    #[serde(flatten)]
    pub scope: Scope,
}

impl std::fmt::Display for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.url)
    }
}

impl Running {
    /// A new server's: a new key and one token that serves everything the server does.
    ///
    /// # Errors
    /// When the system has no randomness to give.
    pub fn new(url: String, accounts: Vec<String>) -> std::io::Result<Self> {
        Ok(Self {
            url,
            key: new_token()?,
            accounts,
            tokens: vec![Granted {
                token: new_token()?,
                scope: Scope::All,
            }],
            token: None,
        })
    }

    /// The file it is kept in.
    #[must_use]
    pub fn file(data_dir: &Path) -> std::path::PathBuf {
        data_dir.join("serve.json")
    }

    /// The last server's, if any ran.
    ///
    /// # Errors
    /// When the file is there but cannot be read.
    pub fn load(data_dir: &Path) -> anyhow::Result<Option<Self>> {
        let path = Self::file(data_dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<Self>(&bytes)
                .map(|mut r| {
                    if let Some(token) = r.token.take() {
                        r.tokens.push(Granted {
                            token,
                            scope: Scope::All,
                        });
                    }
                    Some(r)
                })
                .map_err(|e| {
                    anyhow::anyhow!(
                        "{} is damaged ({e}): start `awsnav serve --new-token` to write it again",
                        path.display()
                    )
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// Keeps it (0600 under 0700, atomically).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, data_dir: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::store::private_file::write_private(&Self::file(data_dir), &bytes)
    }

    /// The port it listened on.
    #[must_use]
    pub fn port(&self) -> Option<u16> {
        self.url.rsplit(':').next()?.parse().ok()
    }

    /// The token that serves everything the server does.
    #[must_use]
    pub fn server_token(&self) -> Option<&str> {
        self.tokens
            .iter()
            .find(|g| g.scope == Scope::All)
            .map(|g| g.token.as_str())
    }

    /// The token that serves `account` as `role` only: the one made before, else a new one
    /// (the caller saves). `true` when it is new.
    ///
    /// # Errors
    /// When the system has no randomness to give.
    pub fn role_token(&mut self, account: &str, role: &str) -> std::io::Result<(String, bool)> {
        let scope = Scope::Role {
            account: account.to_owned(),
            role: role.to_owned(),
        };
        if let Some(g) = self.tokens.iter().find(|g| g.scope == scope) {
            return Ok((g.token.clone(), false));
        }
        let token = new_token()?;
        self.tokens.push(Granted {
            token: token.clone(),
            scope,
        });
        Ok((token, true))
    }

    /// What `given` may be served, every token compared in constant time.
    #[must_use]
    pub fn scope_of(&self, given: &[u8]) -> Option<Scope> {
        let mut found = None;
        for g in &self.tokens {
            if token_is(given, &g.token) && found.is_none() {
                found = Some(g.scope.clone());
            }
        }
        found
    }

    /// The tokens a server takes: these, and those `--print-env` adds to the file later (read
    /// when a token is not known yet, and only from the file of this same server).
    #[must_use]
    pub fn tokens(self, data_dir: &Path) -> Tokens {
        let known = Arc::new(std::sync::Mutex::new(self));
        let file = data_dir.to_owned();
        Arc::new(move |given: &[u8]| {
            let mut known = known
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(scope) = known.scope_of(given) {
                return Some(scope);
            }
            match Self::load(&file) {
                Ok(Some(now)) if now.key == known.key && now.url == known.url => {
                    let scope = now.scope_of(given);
                    *known = now;
                    scope
                }
                _ => None,
            }
        })
    }
}

/// Whether the server at `url` is the one whose key is `key`: it answers a random challenge
/// with the proof only the key gives. Used before a token for `url` is handed out.
///
/// # Errors
/// Why not: nothing answers, or something that cannot prove it is the server.
pub async fn check_identity(url: &str, key: &str) -> Result<(), String> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let nonce = new_token().map_err(|e| e.to_string())?;
    let addr = url.trim_start_matches("http://");
    let ask = async {
        let mut s = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("nothing answers at {url} ({e})"))?;
        let host = if addr.starts_with("127.0.0.1:") || addr.starts_with("[::1]:") {
            addr.to_owned()
        } else {
            format!("localhost:{}", addr.rsplit(':').next().unwrap_or_default())
        };
        let request = format!(
            "GET {IDENTITY_PATH}?nonce={nonce} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        );
        s.write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        (&mut s)
            .take(64 * 1024)
            .read_to_end(&mut answer)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(answer)
    };
    let answer = tokio::time::timeout(std::time::Duration::from_secs(5), ask)
        .await
        .map_err(|_| format!("nothing answers at {url} in time"))??;
    let text = String::from_utf8_lossy(&answer);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    let proof = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["Proof"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let expected = identity_proof(key.as_bytes(), &nonce);
    if proof.is_empty() || !token_is(proof.as_bytes(), &expected) {
        return Err(format!(
            "what answers at {url} is not the awsnav serve that wrote its tokens"
        ));
    }
    Ok(())
}

/// Which `Host` values a server bound to `addr` accepts; `Err` says why the address may not
/// be bound: one other machines can reach needs `allow_remote`. Loopback is always local; so
/// is an address of a bridge this host alone is on (Docker's and Podman's networks), whose
/// only members are virtual interfaces.
///
/// # Errors
/// When `addr` can be reached from other machines and `allow_remote` is false.
pub fn hosts_for(addr: SocketAddr, allow_remote: bool) -> Result<Hosts, String> {
    let ip = addr.ip();
    if ip.is_loopback() {
        return Ok(if ip == IpAddr::from([127, 0, 0, 1]) {
            Hosts::Loopback(addr.port())
        } else {
            Hosts::Address(addr)
        });
    }
    let local_bridge = || {
        interface_of(ip).is_some_and(|name| is_host_only_bridge(Path::new("/sys/class/net"), &name))
    };
    if !allow_remote && !local_bridge() {
        return Err(format!(
            "{ip} can be reached from other machines: bind 127.0.0.1 (the default) or a container bridge's address, or pass --allow-remote to serve credentials to the network"
        ));
    }
    Ok(if ip.is_unspecified() {
        Hosts::AnyAddress(addr.port())
    } else {
        Hosts::Address(addr)
    })
}

/// The network interface holding `ip`.
fn interface_of(ip: IpAddr) -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        let addrs = nix::ifaddrs::getifaddrs().ok()?;
        for a in addrs {
            let Some(address) = a.address else { continue };
            let found = match ip {
                IpAddr::V4(v4) => address.as_sockaddr_in().is_some_and(|s| s.ip() == v4),
                IpAddr::V6(v6) => address.as_sockaddr_in6().is_some_and(|s| s.ip() == v6),
            };
            if found {
                return Some(a.interface_name);
            }
        }
        None
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = ip;
        None
    }
}

/// Whether the interface `name` is a Linux bridge whose members all stay on this host: veth
/// pairs (a container's network, Docker's and Podman's) and taps (a virtual machine's,
/// libvirt's). Any other member (a network card, a VLAN, a bond, a tunnel such as VXLAN, GRE
/// or `WireGuard`) can carry what the bridge hears to other machines. `sys` is `/sys/class/net`.
fn is_host_only_bridge(sys: &Path, name: &str) -> bool {
    if !is_interface_name(name) {
        return false;
    }
    let dir = sys.join(name);
    if !dir.join("bridge").is_dir() {
        return false;
    }
    let Ok(members) = std::fs::read_dir(dir.join("brif")) else {
        return false;
    };
    members.flatten().all(|m| {
        let member = m.file_name().to_string_lossy().into_owned();
        let kind = member_kind(sys, &member);
        if !kind.is_local() {
            tracing::info!(bridge = name, member = %member, kind = ?kind, "a bridge member that can reach other machines");
        }
        kind.is_local()
    })
}

fn is_interface_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('/') && !name.starts_with('.')
}

/// What a bridge member is, as sysfs shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum MemberKind {
    /// One end of a veth pair: the other end is a container's (or another namespace's).
    Veth,
    /// A tap: a process on this host (a virtual machine) is the other end.
    Tap,
    /// A network card.
    Device,
    /// Anything else, by what told it apart: a device type (`vlan`, `bond`, `vxlan`,
    /// `wireguard`, `gretap`…), a link type, an interface it is stacked on, no peer.
    Other(String),
}

impl MemberKind {
    fn is_local(&self) -> bool {
        matches!(self, Self::Veth | Self::Tap)
    }
}

/// The kind of the interface `name` from its sysfs entries. A veth has none that names it;
/// it is what is left once everything else is ruled out: an Ethernet link with no device
/// behind it, no device type, not a tun/tap, stacked on nothing, and with a peer (its
/// `iflink` is the other end's index, neither its own nor 0 — a VXLAN's or dummy's is its
/// own, an unbound GRE tap's is 0).
fn member_kind(sys: &Path, name: &str) -> MemberKind {
    const IFF_TAP: u32 = 0x0002;
    const ARPHRD_ETHER: &str = "1";
    if !is_interface_name(name) {
        return MemberKind::Other("a name that is not an interface's".to_owned());
    }
    let dir = sys.join(name);
    let read = |file: &str| {
        std::fs::read_to_string(dir.join(file))
            .ok()
            .map(|t| t.trim().to_owned())
    };
    if !dir.is_dir() {
        return MemberKind::Other("not in sysfs".to_owned());
    }
    if dir.join("device").exists() {
        return MemberKind::Device;
    }
    if let Some(flags) = read("tun_flags") {
        let flags = u32::from_str_radix(flags.trim_start_matches("0x"), 16).unwrap_or(0);
        return if flags & IFF_TAP == 0 {
            MemberKind::Other("tun".to_owned())
        } else {
            MemberKind::Tap
        };
    }
    if let Some(devtype) = read("uevent").and_then(|u| {
        u.lines()
            .find_map(|l| l.strip_prefix("DEVTYPE=").map(str::to_owned))
    }) {
        return MemberKind::Other(devtype);
    }
    for (entry, kind) in [("bonding", "bond"), ("bridge", "bridge"), ("team", "team")] {
        if dir.join(entry).exists() {
            return MemberKind::Other(kind.to_owned());
        }
    }
    match read("type") {
        Some(t) if t == ARPHRD_ETHER => {}
        t => return MemberKind::Other(format!("link type {}", t.unwrap_or_default())),
    }
    if let Ok(entries) = std::fs::read_dir(&dir)
        && let Some(lower) = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with("lower_"))
    {
        return MemberKind::Other(format!("stacked on {}", &lower["lower_".len()..]));
    }
    match (read("ifindex"), read("iflink")) {
        (Some(index), Some(link)) if link != index && link != "0" && !link.is_empty() => {
            MemberKind::Veth
        }
        _ => MemberKind::Other("no peer".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str, production: bool) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            production,
            roles: vec![RoleOption::named("Admin"), RoleOption::sso("Admin")],
        }
    }

    #[test]
    fn paths_name_an_account_and_a_role() {
        assert_eq!(
            split_path("/dev-sandbox/ReadOnly"),
            Some(("dev-sandbox".into(), "ReadOnly".into()))
        );
        assert_eq!(
            split_path("/111111111111/sso%3AAdmin/"),
            Some(("111111111111".into(), "sso:Admin".into()))
        );
        assert_eq!(
            split_path("/team%20a/Admin"),
            Some(("team a".into(), "Admin".into()))
        );
        for bad in [
            "/",
            "/x",
            "/x/",
            "//Admin",
            "/x/a/b",
            "x/Admin",
            "/%ff/Admin",
        ] {
            assert_eq!(split_path(bad), None, "{bad}");
        }
        let role = RoleOption::sso("Power User");
        let path = path_of("111111111111", &role);
        assert_eq!(path, "/111111111111/sso:Power%20User");
        assert_eq!(
            split_path(&path),
            Some(("111111111111".into(), "sso:Power User".into()))
        );
    }

    #[test]
    fn accounts_are_found_by_id_alias_and_exact_name_only() {
        let mut aliases = std::collections::BTreeMap::new();
        aliases.insert("pay".to_owned(), "222222222222".to_owned());
        let dir = Directory::new(
            vec![
                account("111111111111", "dev-sandbox", false),
                account("222222222222", "payments-prod", true),
                account("333333333333", "twin", false),
                account("444444444444", "Twin", false),
            ],
            aliases,
        );
        let unknown = |id: &str| account(id, id, true);
        assert_eq!(
            dir.find("111111111111", unknown).unwrap().name,
            "dev-sandbox"
        );
        assert_eq!(dir.find("DEV-Sandbox", unknown).unwrap().id, "111111111111");
        assert_eq!(dir.find("pay", unknown).unwrap().name, "payments-prod");
        assert!(dir.find("dev", unknown).is_err(), "no fuzzy match");
        let twin = dir.find("twin", unknown).unwrap_err();
        assert!(twin.contains("333333333333, 444444444444"), "{twin}");
        let other = dir.find("999999999999", unknown).unwrap();
        assert!(other.production, "an unknown id is production");
        assert_eq!(dir.production().count(), 1);
    }

    #[test]
    fn tokens_serve_what_they_were_made_for() {
        let dir = tempfile::tempdir().unwrap();
        let mut running = Running::new("http://127.0.0.1:9000".into(), Vec::new()).unwrap();
        let all = running.server_token().unwrap().to_owned();
        let (dev, new) = running.role_token("111111111111", "Admin").unwrap();
        assert!(new);
        assert_eq!(
            running.role_token("111111111111", "Admin").unwrap(),
            (dev.clone(), false)
        );
        assert_eq!(running.scope_of(all.as_bytes()), Some(Scope::All));
        assert_eq!(
            running.scope_of(dev.as_bytes()),
            Some(Scope::Role {
                account: "111111111111".into(),
                role: "Admin".into()
            })
        );
        assert_eq!(running.scope_of(b"wrong"), None);
        assert_eq!(running.scope_of(b""), None);

        // The server knows the tokens it started with, and reads those --print-env adds
        // later, from its own file only.
        running.save(dir.path()).unwrap();
        let tokens = running.clone().tokens(dir.path());
        let (later, _) = running.role_token("222222222222", "ReadOnly").unwrap();
        assert_eq!(tokens(later.as_bytes()), None, "not yet written");
        running.save(dir.path()).unwrap();
        assert!(tokens(later.as_bytes()).is_some());
        let mut other = Running::new("http://127.0.0.1:9001".into(), Vec::new()).unwrap();
        let (theirs, _) = other.role_token("333333333333", "Admin").unwrap();
        other.save(dir.path()).unwrap();
        assert_eq!(tokens(theirs.as_bytes()), None, "another server's file");

        // A file from before scopes: its one token serves everything.
        std::fs::write(
            Running::file(dir.path()),
            r#"{"url":"http://127.0.0.1:9000","token":"abc"}"#,
        )
        .unwrap();
        let old = Running::load(dir.path()).unwrap().unwrap();
        assert_eq!(old.server_token(), Some("abc"));
        let written = serde_json::to_string(&old).unwrap();
        assert!(
            written.contains(r#""tokens":[{"token":"abc","serves":"all"}]"#),
            "{written}"
        );
    }

    #[test]
    fn the_identity_proof_needs_the_key() {
        let a = identity_proof(b"key-a", "00ff");
        assert_eq!(a.len(), 64);
        assert_eq!(a, identity_proof(b"key-a", "00ff"));
        assert_ne!(a, identity_proof(b"key-b", "00ff"));
        assert_ne!(a, identity_proof(b"key-a", "00fe"));
    }

    #[test]
    fn binding_beyond_this_host_needs_allow_remote() {
        let at = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert!(matches!(
            hosts_for(at("127.0.0.1:9000"), false),
            Ok(Hosts::Loopback(9000))
        ));
        assert!(matches!(
            hosts_for(at("[::1]:9000"), false),
            Ok(Hosts::Address(_))
        ));
        for remote in ["0.0.0.0:9000", "[::]:9000", "192.0.2.10:9000"] {
            let err = hosts_for(at(remote), false).unwrap_err();
            assert!(err.contains("--allow-remote"), "{remote}: {err}");
        }
        assert!(matches!(
            hosts_for(at("0.0.0.0:9000"), true),
            Ok(Hosts::AnyAddress(9000))
        ));
    }

    /// An interface in a fake `/sys/class/net`, as the kernel shows each kind.
    fn iface(sys: &Path, name: &str, index: u32, link: u32, extra: &[(&str, &str)]) {
        let dir = sys.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let mut files = vec![
            ("ifindex", index.to_string()),
            ("iflink", link.to_string()),
            ("type", "1".to_owned()),
            ("uevent", format!("INTERFACE={name}\nIFINDEX={index}\n")),
        ];
        for (file, text) in extra {
            if let Some(dir_only) = file.strip_suffix('/') {
                std::fs::create_dir_all(dir.join(dir_only)).unwrap();
            } else if *file == "DEVTYPE" {
                files[3].1 = format!("{}DEVTYPE={text}\n", files[3].1);
            } else if let Some(f) = files.iter_mut().find(|(f, _)| f == file) {
                f.1 = (*text).to_owned();
            } else {
                files.push((file, (*text).to_owned()));
            }
        }
        for (file, text) in files {
            std::fs::write(dir.join(file), format!("{text}\n")).unwrap();
        }
    }

    /// Every kind of interface a bridge can hold, with the sysfs entries the kernel gives it.
    fn fixtures(s: &Path) {
        iface(s, "veth1", 11, 10, &[]);
        iface(s, "tap0", 12, 12, &[("tun_flags", "0x1002")]);
        iface(
            s,
            "tun0",
            13,
            13,
            &[("tun_flags", "0x1001"), ("type", "65534")],
        );
        iface(s, "eth0", 2, 2, &[("device/", "")]);
        iface(
            s,
            "eth0.10",
            14,
            2,
            &[("DEVTYPE", "vlan"), ("lower_eth0/", "")],
        );
        iface(
            s,
            "bond0",
            15,
            15,
            &[("DEVTYPE", "bond"), ("bonding/", ""), ("lower_eth0/", "")],
        );
        iface(s, "vxlan0", 16, 16, &[("DEVTYPE", "vxlan")]);
        iface(s, "gretap0", 17, 0, &[]);
        iface(s, "gre1", 18, 0, &[("type", "778")]);
        iface(
            s,
            "wg0",
            19,
            19,
            &[("DEVTYPE", "wireguard"), ("type", "65534")],
        );
        iface(s, "macvlan0", 20, 2, &[("lower_eth0/", "")]);
        iface(s, "dummy0", 21, 21, &[]);
        iface(s, "geneve0", 22, 22, &[("DEVTYPE", "geneve")]);
        iface(s, "br1", 23, 23, &[("DEVTYPE", "bridge"), ("bridge/", "")]);
    }

    #[test]
    fn only_veths_and_taps_stay_on_this_host() {
        let sys = tempfile::tempdir().unwrap();
        let s = sys.path();
        fixtures(s);
        let kind = |n: &str| member_kind(s, n);
        assert_eq!(kind("veth1"), MemberKind::Veth);
        assert_eq!(kind("tap0"), MemberKind::Tap);
        assert_eq!(kind("eth0"), MemberKind::Device);
        for (name, why) in [
            ("tun0", "tun"),
            ("eth0.10", "vlan"),
            ("bond0", "bond"),
            ("vxlan0", "vxlan"),
            ("gretap0", "no peer"),
            ("gre1", "link type 778"),
            ("wg0", "wireguard"),
            ("macvlan0", "stacked on eth0"),
            ("dummy0", "no peer"),
            ("geneve0", "geneve"),
            ("br1", "bridge"),
            ("missing", "not in sysfs"),
            ("../veth1", "a name that is not an interface's"),
        ] {
            assert_eq!(kind(name), MemberKind::Other(why.to_owned()), "{name}");
            assert!(!kind(name).is_local(), "{name}");
        }
    }

    #[test]
    fn a_bridge_is_host_only_when_its_members_are_veths_and_taps() {
        let sys = tempfile::tempdir().unwrap();
        let s = sys.path();
        fixtures(s);
        let bridge = |name: &str, members: &[&str]| {
            std::fs::create_dir_all(s.join(name).join("bridge")).unwrap();
            std::fs::create_dir_all(s.join(name).join("brif")).unwrap();
            for m in members {
                std::fs::create_dir_all(s.join(name).join("brif").join(m)).unwrap();
            }
        };
        bridge("docker0", &["veth1"]);
        bridge("virbr0", &["tap0", "veth1"]);
        bridge("empty0", &[]);
        assert!(is_host_only_bridge(s, "docker0"));
        assert!(is_host_only_bridge(s, "virbr0"));
        assert!(is_host_only_bridge(s, "empty0"));
        // Each member that can carry the bridge's traffic elsewhere makes it reachable.
        for (i, other) in [
            "eth0", "eth0.10", "bond0", "vxlan0", "gretap0", "gre1", "wg0", "macvlan0", "dummy0",
            "geneve0", "tun0", "br1", "missing",
        ]
        .into_iter()
        .enumerate()
        {
            let name = format!("mixed{i}");
            bridge(&name, &["veth1", other]);
            assert!(!is_host_only_bridge(s, &name), "a bridge with {other}");
        }
        assert!(!is_host_only_bridge(s, "eth0"), "not a bridge");
        assert!(!is_host_only_bridge(s, "../docker0"));
        assert!(!is_host_only_bridge(s, "missing"));
    }
}
