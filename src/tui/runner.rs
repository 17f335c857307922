//! The runner: does the effects `update()` asks for (most in the background) and sends what
//! comes of them back as messages.

use std::io;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use super::message::{
    AccessFailure, AccessRequest, Banner, CostStatus, Effect, FanOutRequest, Msg, Purpose,
    Sessions, ShellLaunch,
};
use super::sign_in;
use super::terminal::{Screen, copy_osc52};
use crate::app::access::Granted;
use crate::app::access::{Access, AccessTarget, Interactive, MfaRequest, MfaSource};
use crate::app::console_link::{ConsoleOpening, LinkRequest};
use crate::app::context::AppContext;
use crate::app::cost_reader::CostState;
use crate::app::enter::{Child, ChildFailure};
use crate::app::{org_reader, sync};
use crate::aws::federation::Destination;
use crate::domain::untrusted::visible;

/// What the event loop does after an effect.
#[derive(Debug)]
pub enum Ran {
    /// Done, or started in the background (its result comes back as a message).
    Started,
    /// Leave the TUI.
    Quit,
    /// A child had the terminal and gave it back: drop queued input, then apply these.
    TerminalBack(Vec<Msg>),
}

/// Where data and credentials come from.
#[derive(Clone, Debug)]
pub enum DataSource {
    Demo,
    Aws(Arc<AppContext>),
}

/// Executes effects; results come back to `update()` as messages.
pub struct Runner {
    pub source: DataSource,
    pub tx: mpsc::UnboundedSender<Msg>,
    pub clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    /// The reply channel of the MFA prompt currently shown.
    pending_mfa: Arc<Mutex<Option<oneshot::Sender<Option<String>>>>>,
    mfa_requests: mpsc::UnboundedSender<MfaRequest>,
    /// The commands of the run going on, stopped when the TUI ends.
    running: Arc<Mutex<Option<Arc<crate::app::fanout::Running>>>>,
    /// The Identity Center sign-in going on.
    signing_in: Mutex<Option<tokio::task::AbortHandle>>,
    /// With several organizations: why each one's last sync failed, kept for its node.
    org_failures: Arc<Mutex<std::collections::BTreeMap<String, String>>>,
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Ok(slot) = self.running.lock()
            && let Some(running) = slot.as_ref()
        {
            running.stop_all();
        }
    }
}

impl Runner {
    #[must_use]
    pub fn new(
        source: DataSource,
        tx: mpsc::UnboundedSender<Msg>,
        clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    ) -> Self {
        let pending_mfa: Arc<Mutex<Option<oneshot::Sender<Option<String>>>>> = Arc::default();
        let (mfa_requests, mut incoming) = mpsc::unbounded_channel::<MfaRequest>();
        let (pending, ui) = (pending_mfa.clone(), tx.clone());
        // The credential flow asks for codes here; the prompt's answer goes back by `reply`.
        tokio::spawn(async move {
            while let Some(req) = incoming.recv().await {
                let (reply, msg) = match req {
                    MfaRequest::Code { serial, reply } => (reply, Msg::MfaNeeded { serial }),
                    MfaRequest::Device { devices, reply } => {
                        (reply, Msg::MfaDeviceNeeded { devices })
                    }
                    MfaRequest::Browser { idp, reply } => (reply, Msg::SamlSignIn { idp }),
                };
                if let Ok(mut slot) = pending.lock() {
                    *slot = Some(reply);
                }
                if ui.send(msg).is_err() {
                    break;
                }
            }
        });
        Self {
            source,
            tx,
            clock,
            pending_mfa,
            mfa_requests,
            running: Arc::default(),
            signing_in: Mutex::default(),
            org_failures: Arc::default(),
        }
    }

    /// Runs `effect`: background work is started and reports back by message; the shell and
    /// the clipboard use the terminal (`screen`) and are done before this returns.
    ///
    /// # Errors
    /// When the terminal cannot be read after a shell gave it back.
    pub async fn run(&mut self, effect: &Effect, screen: &mut Screen<'_>) -> io::Result<Ran> {
        match effect {
            Effect::Quit => return Ok(Ran::Quit),
            Effect::UseProfile(profile) => self.use_profile(profile),
            Effect::UseDemo => self.source = DataSource::Demo,
            Effect::Shell(launch) => {
                let result = run_shell(screen, launch, &self.source).await;
                let size = screen.guard.terminal().size()?;
                let mut back = vec![
                    Msg::Resize(size.width, size.height),
                    Msg::ShellExited {
                        account_name: launch.account_name.clone(),
                        result,
                    },
                ];
                // The shell may have added sessions (awsnav inside it); read them again.
                if let DataSource::Aws(ctx) = &self.source {
                    back.push(Msg::Sessions(sessions(ctx, (self.clock)())));
                }
                return Ok(Ran::TerminalBack(back));
            }
            Effect::CopyToClipboard(url) => copy_osc52(screen.guard.terminal(), &url.0),
            other => self.start(other),
        }
        Ok(Ran::Started)
    }

    /// From now on the organization is read as `profile`, kept as `[org] profile` in the
    /// config file (every other line of it as it was).
    fn use_profile(&mut self, profile: &str) {
        let DataSource::Aws(ctx) = &self.source else {
            return;
        };
        let file = &ctx.paths.config_file;
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let written = crate::store::private_file::create_dirs(file.parent().unwrap_or(file))
            .and_then(|()| {
                std::fs::write(file, crate::config::edit::with_org_profile(&text, profile))
            });
        let note = match written {
            Ok(()) => Banner::info(format!(
                "reading the organization as profile {} (kept as [org] profile in {})",
                crate::domain::untrusted::visible(profile),
                file.display()
            )),
            Err(e) => Banner::warning(format!(
                "reading the organization as profile {} for now: {} could not be written ({e})",
                crate::domain::untrusted::visible(profile),
                file.display()
            )),
        };
        let mut config = ctx.config.clone();
        config.org.profile = Some(profile.to_owned());
        let overrides = crate::app::context::Overrides {
            profile: None,
            region: ctx.region_override.clone(),
            federation_url: ctx.federation_url_env.clone(),
            browser: ctx.browser_env.clone(),
            file_passphrase: None,
            ask_secret: None,
        };
        let mut next = AppContext::new(ctx.paths.clone(), config, overrides);
        next.mark_styles = ctx.mark_styles.clone();
        self.source = DataSource::Aws(Arc::new(next));
        let _ = self.tx.send(Msg::Banner(note));
    }

    /// Starts background work for `effect`.
    fn start(&self, effect: &Effect) {
        match effect {
            Effect::Sync => self.sync(None),
            Effect::SyncOrg(name) => self.sync(Some(name)),
            Effect::AddKey { name, key } => self.add_key(name, key),
            Effect::Access(request) => self.access(request),
            Effect::SubmitMfa(code) | Effect::ChooseMfaDevice(code) => {
                self.answer_mfa(Some(code.clone()));
            }
            Effect::CancelMfa => self.answer_mfa(None),
            Effect::OpenBrowser(console) => self.open_browser(console),
            Effect::FanOut(request) => self.fan_out(request),
            Effect::SsoSignIn { profile, console } => self.sign_in(profile, *console),
            Effect::CancelSsoSignIn => {
                if let Ok(mut slot) = self.signing_in.lock()
                    && let Some(task) = slot.take()
                {
                    task.abort();
                }
            }
            Effect::ReadCost { force } => self.read_cost(*force),
            Effect::ReadSsoRoles { account_id } => {
                self.read_sso_roles(vec![account_id.clone()]);
            }
            Effect::ReadSsoRolesOf { accounts } => self.read_sso_roles(accounts.clone()),
            Effect::ReadGuardrails {
                targets,
                enabled,
                synced_at,
                ask,
            } => self.read_guardrails(targets.clone(), enabled.clone(), *synced_at, *ask),
            Effect::ReadPolicyDocument { id, synced_at } => {
                self.read_policy_document(id.clone(), *synced_at);
            }
            Effect::ReadIdentities => self.read_identities(),
            Effect::SignOut { kind, name } => self.sign_out(*kind, name.clone()),
            Effect::SaveFavourite { account_id, on } => {
                // The demo keeps favourites and regions for the session only.
                if let DataSource::Aws(ctx) = &self.source {
                    ctx.prefs.set_favourite(account_id, *on);
                }
            }
            Effect::SaveRegion { account_id, region } => {
                if let DataSource::Aws(ctx) = &self.source {
                    ctx.prefs.set_region(account_id, region.as_deref());
                }
            }
            // Done by `run` itself (the terminal, or where data comes from).
            Effect::Quit
            | Effect::Shell(_)
            | Effect::CopyToClipboard(_)
            | Effect::UseProfile(_)
            | Effect::UseDemo => {}
        }
    }

    /// A sign-in in the background (Identity Center's, or with `console` a console
    /// session's), remembered for `CancelSsoSignIn` to stop.
    fn sign_in(&self, profile: &str, console: bool) {
        let DataSource::Aws(ctx) = &self.source else {
            return;
        };
        let (ctx, profile, tx) = (ctx.clone(), profile.to_owned(), self.tx.clone());
        let task = if console {
            sign_in::console(ctx, profile, tx)
        } else {
            sign_in::identity_center(ctx, profile, tx)
        };
        if let Ok(mut slot) = self.signing_in.lock() {
            *slot = Some(task.abort_handle());
        }
    }

    /// Signs in once (the MFA prompt in the TUI), then runs the command in every planned
    /// account, each line and end sent back as `Msg::FanOut`.
    fn fan_out(&self, request: &FanOutRequest) {
        let tx = self.tx.clone();
        let DataSource::Aws(ctx) = &self.source else {
            let _ = tx.send(Msg::FanOutFailed(format!(
                "demo organization: nothing real to run in. With your own organization this would run `{}` in {} accounts as {}",
                request.command,
                request.planned.len(),
                visible(&request.role.name)
            )));
            return;
        };
        let (ctx, request, slot) = (ctx.clone(), request.clone(), self.running.clone());
        let mfa = Arc::new(MfaSource {
            code: None,
            process: ctx.config.auth.mfa_process.clone(),
            interactive: Interactive::Tui(self.mfa_requests.clone()),
        });
        tokio::spawn(async move {
            if let Err(e) =
                crate::app::fanout::sign_in_first(&ctx, &request.planned, &mfa, None).await
            {
                let _ = tx.send(Msg::FanOutFailed(format!("nothing was run: {e}")));
                return;
            }
            let sink_tx = tx.clone();
            let sink: crate::app::fanout::Sink = Arc::new(move |event| {
                let _ = sink_tx.send(Msg::FanOut(event));
            });
            let spec = crate::app::fanout::RunSpec {
                command: vec!["sh".to_owned(), "-c".to_owned(), request.command.clone()],
                mfa,
                duration: None,
                parallel: 8,
            };
            let (mut tasks, running) =
                crate::app::fanout::start(&ctx, &request.planned, spec, &sink);
            if let Ok(mut slot) = slot.lock() {
                *slot = Some(running);
            }
            while tasks.join_next().await.is_some() {}
            if let Ok(mut slot) = slot.lock() {
                *slot = None;
            }
        });
    }

    fn open_browser(&self, console: &ConsoleOpening) {
        let DataSource::Aws(ctx) = &self.source else {
            return;
        };
        let (ctx, console, tx) = (ctx.clone(), console.clone(), self.tx.clone());
        tokio::task::spawn_blocking(move || {
            if let Err(why) = crate::app::console_link::open_console(
                &ctx.config.console,
                ctx.browser_env.as_deref(),
                &console,
            ) {
                let _ = tx.send(Msg::Banner(Banner::error(format!(
                    "could not start a browser ({why}): press y to copy the sign-in link instead"
                ))));
            }
        });
    }

    /// The MFA source of reads the TUI starts (the code is asked in its dialog).
    fn tui_mfa(&self, ctx: &AppContext) -> MfaSource {
        MfaSource {
            code: None,
            process: ctx.config.auth.mfa_process.clone(),
            interactive: Interactive::Tui(self.mfa_requests.clone()),
        }
    }

    /// Reads policies in the background and keeps them with the cached inventory.
    fn read_guardrails(
        &self,
        targets: Vec<String>,
        enabled: Option<Vec<String>>,
        synced_at: OffsetDateTime,
        ask: bool,
    ) {
        let tx = self.tx.clone();
        let DataSource::Aws(ctx) = &self.source else {
            // The demo knows all its policies; answer so nothing waits.
            let found = crate::domain::guardrails::Guardrails {
                attached: targets.into_iter().map(|t| (t, Vec::new())).collect(),
                ..Default::default()
            };
            let _ = tx.send(Msg::Guardrails {
                found: Ok(found),
                unread: None,
            });
            return;
        };
        // In the background, only sessions already cached: no MFA prompt nobody asked for.
        let mfa = if ask {
            self.tui_mfa(ctx)
        } else {
            MfaSource {
                code: None,
                process: None,
                interactive: Interactive::None,
            }
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let result = crate::app::guardrails::read(&ctx, &mfa, enabled, &targets).await;
            let msg = match result {
                Ok(read) => {
                    crate::app::guardrails::remember(&ctx, synced_at, &read.found.guardrails);
                    Msg::Guardrails {
                        unread: read.found.gaps.first().map(ToString::to_string),
                        found: Ok(read.found.guardrails),
                    }
                }
                Err(e) => Msg::Guardrails {
                    found: Err(e),
                    unread: None,
                },
            };
            let _ = tx.send(msg);
        });
    }

    /// Reads a policy's document in the background (kept with the cached inventory).
    fn read_policy_document(&self, id: String, synced_at: OffsetDateTime) {
        let tx = self.tx.clone();
        let DataSource::Aws(ctx) = &self.source else {
            let _ = tx.send(Msg::PolicyDocument {
                result: Err(crate::aws::AwsError::BadResponse {
                    action: "organizations:DescribePolicy",
                    detail: "the demo has no such document".into(),
                }),
                id,
            });
            return;
        };
        let (ctx, mfa) = (ctx.clone(), self.tui_mfa(ctx));
        tokio::spawn(async move {
            let result = crate::app::guardrails::document(&ctx, &mfa, None, &id, synced_at).await;
            let _ = tx.send(Msg::PolicyDocument { id, result });
        });
    }

    /// Reads the roles Identity Center gives in `accounts` in the background; each account
    /// answers with a message of its own.
    fn read_sso_roles(&self, accounts: Vec<String>) {
        let DataSource::Aws(ctx) = &self.source else {
            // The demo has no Identity Center accounts; answer so nothing waits.
            for account_id in accounts {
                let _ = self.tx.send(Msg::SsoRoles {
                    account_id,
                    result: Ok(crate::store::sso_role_cache::KnownRoles {
                        roles: Vec::new(),
                        read_at: (self.clock)(),
                    }),
                });
            }
            return;
        };
        let (ctx, tx, now) = (ctx.clone(), self.tx.clone(), (self.clock)());
        tokio::spawn(async move {
            match crate::app::sso_roles::read(&ctx, &accounts, now).await {
                Ok(read) => {
                    for (account_id, result) in read.results {
                        let _ = tx.send(Msg::SsoRoles { account_id, result });
                    }
                }
                // The sign-in (or the profile): the same answer for every account.
                Err(e) => {
                    for account_id in accounts {
                        let again = match &e {
                            crate::aws::AwsError::SsoLogin { profile, why } => {
                                crate::aws::AwsError::SsoLogin {
                                    profile: profile.clone(),
                                    why: why.clone(),
                                }
                            }
                            crate::aws::AwsError::SsoProfile { profile, detail } => {
                                crate::aws::AwsError::SsoProfile {
                                    profile: profile.clone(),
                                    detail: detail.clone(),
                                }
                            }
                            crate::aws::AwsError::ProfileFile(detail) => {
                                crate::aws::AwsError::ProfileFile(detail.clone())
                            }
                            other => crate::aws::AwsError::Network {
                                action: "sso:ListAccountRoles",
                                detail: other.to_string(),
                            },
                        };
                        let _ = tx.send(Msg::SsoRoles {
                            account_id,
                            result: Err(again),
                        });
                    }
                }
            }
        });
    }

    /// Every sign-in and its time left, back as `Msg::Identities`. The demo has none.
    fn read_identities(&self) {
        let DataSource::Aws(ctx) = &self.source else {
            let _ = self.tx.send(Msg::Identities(Vec::new()));
            return;
        };
        let (ctx, tx, clock) = (ctx.clone(), self.tx.clone(), self.clock.clone());
        tokio::spawn(async move {
            let all = crate::app::identities::identities(&ctx, clock()).await;
            let _ = tx.send(Msg::Identities(all));
        });
    }

    /// Signs out of `name` (an Identity Center sign-in, a console session, a SAML provider's
    /// sessions), says how it went, and reads the sign-ins again.
    fn sign_out(&self, kind: crate::app::identities::Kind, name: String) {
        use crate::app::identities::Kind;
        let DataSource::Aws(ctx) = &self.source else {
            return;
        };
        let (ctx, tx, clock) = (ctx.clone(), self.tx.clone(), self.clock.clone());
        tokio::spawn(async move {
            let said = match kind {
                Kind::IdentityCenter => {
                    match crate::app::sso_sign_in::source(&ctx, Some(&name)).await {
                        Ok(Some(source)) => crate::app::sso_sign_in::sign_out(&ctx, &source)
                            .await
                            .map(|_| format!("signed out of IAM Identity Center ({name})"))
                            .map_err(|e| e.to_string()),
                        Ok(None) => Err(format!(
                            "profile `{name}` has no IAM Identity Center settings"
                        )),
                        Err(e) => Err(e.to_string()),
                    }
                }
                Kind::ConsoleSession => crate::app::console_sign_in::sign_out(&ctx, &name)
                    .map(|_| format!("signed out of the console session of {name}"))
                    .map_err(|e| e.to_string()),
                Kind::Saml => {
                    crate::app::saml_sign_in::forget(&name).await;
                    ctx.access
                        .cache
                        .forget_roles(&format!("saml-{name}"))
                        .map(|n| format!("signed out of {name}: {n} role session(s) forgotten"))
                        .map_err(|e| format!("{name}: {e}"))
                }
                Kind::Base | Kind::StoredKey => return,
            };
            let _ = tx.send(Msg::Banner(match said {
                Ok(text) => Banner::info(text),
                Err(why) => Banner::error(why),
            }));
            let _ = tx.send(Msg::Identities(
                crate::app::identities::identities(&ctx, clock()).await,
            ));
        });
    }

    fn read_cost(&self, force: bool) {
        let tx = self.tx.clone();
        let now = (self.clock)();
        match &self.source {
            DataSource::Demo => {
                let snapshot = crate::domain::demo::cost_snapshot(now);
                let _ = tx.send(Msg::Cost(CostStatus::Known(std::sync::Arc::new(snapshot))));
            }
            DataSource::Aws(ctx) => {
                let ctx = ctx.clone();
                let mfa = MfaSource {
                    code: None,
                    process: ctx.config.auth.mfa_process.clone(),
                    interactive: Interactive::Tui(self.mfa_requests.clone()),
                };
                tokio::spawn(async move {
                    let status = match org_reader::read_costs(&ctx, &mfa, force, now).await {
                        CostState::Disabled => CostStatus::Off,
                        CostState::Known { snapshot, cached } => {
                            if !cached {
                                tracing::info!(requests = snapshot.requests, "costs read");
                                let _ = tx.send(Msg::Banner(Banner::info(format!(
                                    "costs read from Cost Explorer with {} request(s); kept for {} h",
                                    snapshot.requests, ctx.config.cost.ttl_hours
                                ))));
                            }
                            CostStatus::Known(std::sync::Arc::new(snapshot))
                        }
                        CostState::Unavailable { reason } => CostStatus::Unavailable(reason),
                    };
                    let _ = tx.send(Msg::Cost(status));
                });
            }
        }
    }

    fn answer_mfa(&self, code: Option<String>) {
        if let Some(reply) = self.pending_mfa.lock().ok().and_then(|mut s| s.take()) {
            let _ = reply.send(code);
        }
    }

    /// Reads cached session expiries for the status bar and detail pane.
    pub fn load_sessions(&self) {
        let DataSource::Aws(ctx) = &self.source else {
            return;
        };
        let _ = self.tx.send(Msg::Sessions(sessions(ctx, (self.clock)())));
    }

    fn access(&self, request: &AccessRequest) {
        let tx = self.tx.clone();
        let ctx = match &self.source {
            DataSource::Demo => {
                let what = match request.purpose {
                    Purpose::Shell => "start $SHELL",
                    Purpose::Console => "open the console",
                    Purpose::CopyLink => "copy a console link",
                    Purpose::Export => "write a session into ~/.aws/credentials",
                };
                let _ = tx.send(Msg::AccessFinished(Err(AccessFailure::Demo {
                    what,
                    account: request.account_name.clone(),
                    role: request.role.name.clone(),
                })));
                return;
            }
            DataSource::Aws(ctx) => ctx.clone(),
        };
        let request = request.clone();
        let clock = self.clock.clone();
        let mfa = MfaSource {
            code: None,
            process: ctx.config.auth.mfa_process.clone(),
            interactive: Interactive::Tui(self.mfa_requests.clone()),
        };
        let sessions_tx = tx.clone();
        tokio::spawn(async move {
            let target = AccessTarget {
                account_id: request.account_id.clone(),
                account_name: request.account_name.clone(),
                role: request.role.clone(),
                duration: None,
            };
            // A sign-in that ended is the TUI's own dialog (the error says so), not a retry.
            let result =
                crate::app::enter::get_in(&ctx, &target, &mfa, clock(), |e| async { Err(e) }).await;
            let msg = match result {
                Ok(granted) if request.purpose == Purpose::Export => {
                    let region = ctx.session_region(&request.account_id, &request.role).await;
                    Msg::Exported(export(&request, &granted, &region))
                }
                Ok(granted) if request.purpose != Purpose::Shell => {
                    console_ready(&ctx, &request, &granted).await
                }
                Ok(granted) => Msg::AccessFinished(Ok(Box::new(ShellLaunch {
                    region: ctx.session_region(&request.account_id, &request.role).await,
                    account_id: request.account_id,
                    account_name: request.account_name,
                    production: request.production,
                    role: request.role,
                    granted,
                }))),
                Err(e) => {
                    tracing::warn!(error = %e, "access failed");
                    Msg::AccessFinished(Err(e.into()))
                }
            };
            let _ = tx.send(msg);
            let _ = sessions_tx.send(Msg::Sessions(sessions(&ctx, clock())));
        });
    }

    fn sync(&self, only: Option<&str>) {
        let tx = self.tx.clone();
        let clock = self.clock.clone();
        if let DataSource::Aws(ctx) = &self.source
            && !ctx.orgs.is_empty()
        {
            self.sync_orgs(ctx, only);
            return;
        }
        match &self.source {
            DataSource::Demo => {
                let inv = crate::domain::demo::inventory(clock());
                let _ = tx.send(Msg::SyncFinished(Ok(Box::new(inv))));
                let _ = tx.send(Msg::Banner(Banner::info(
                    "demo organization: nothing is sent to AWS",
                )));
            }
            DataSource::Aws(ctx) => {
                let ctx = ctx.clone();
                // A role or MFA session that reads the organization asks for its code in the
                // same dialog as getting into an account.
                let mfa = MfaSource {
                    code: None,
                    process: ctx.config.auth.mfa_process.clone(),
                    interactive: Interactive::Tui(self.mfa_requests.clone()),
                };
                tokio::spawn(async move {
                    let progress_tx = tx.clone();
                    let progress = move |p| {
                        let _ = progress_tx.send(Msg::SyncProgress(p));
                    };
                    let result = org_reader::sync(&ctx, &mfa, || clock(), &progress).await;
                    if let Some((_, ends)) = ctx.sso_sign_in().await {
                        let _ = tx.send(Msg::SsoSignIn(ends));
                    }
                    let _ = tx.send(Msg::ConsoleSession(
                        crate::app::console_sign_in::base_status(&ctx),
                    ));
                    match result {
                        Ok((inv, _stats)) => {
                            let stored = sync::store(&ctx.inventory_cache, &inv);
                            let summary = inv.partial_summary();
                            let org_error = inv.org_error.clone();
                            let who = if inv.org.accounts.iter().any(|a| a.sso) {
                                "IAM Identity Center gives"
                            } else {
                                "your SAML identity providers give"
                            };
                            let _ = tx.send(Msg::SyncFinished(Ok(Box::new(inv))));
                            // After the data: a finished sync clears older warnings.
                            let note = match (stored, summary) {
                                (Err(e), _) => {
                                    tracing::warn!(error = %e, "cache write failed");
                                    Some(e.to_string())
                                }
                                (Ok(sync::Stored::KeptPrevious(at)), Some(s)) => Some(format!(
                                    "{s}. The complete inventory cached {} is kept; press r to try again",
                                    crate::domain::inventory::age_text(at, clock())
                                )),
                                (Ok(_), s) => s.map(|s| format!("{s}. Press r to try again")),
                            };
                            if let Some(note) = note {
                                let _ = tx.send(Msg::Banner(Banner::warning(note)));
                            } else if let Some(why) = org_error {
                                let _ = tx.send(Msg::Banner(Banner::info(format!(
                                    "These are the accounts {who} you: the organization was not read ({why})"
                                ))));
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "sync failed");
                            let _ = tx.send(Msg::SyncFinished(Err(e)));
                        }
                    }
                });
            }
        }
    }
}

impl Runner {
    /// Checks a key typed in the welcome with AWS and keeps it in the key store.
    fn add_key(&self, name: &str, key: &crate::domain::credentials::AccessKey) {
        let DataSource::Aws(ctx) = &self.source else {
            return;
        };
        let (ctx, tx, now) = (ctx.clone(), self.tx.clone(), (self.clock)());
        let (name, key) = (name.to_owned(), key.clone());
        tokio::spawn(async move {
            let result = crate::app::access_keys::add(&ctx.access, &name, &key, now)
                .await
                .map(|record| record.name)
                .map_err(|e| e.to_string());
            let _ = tx.send(Msg::KeyAdded(result));
        });
    }

    /// Syncs every organization (or the one named `only`) at once, each stored in its own
    /// cache; the tree is rebuilt from their caches when all are done, an organization that
    /// failed keeping its cached subtree, marked, and named in a banner.
    fn sync_orgs(&self, ctx: &Arc<AppContext>, only: Option<&str>) {
        let tx = self.tx.clone();
        let clock = self.clock.clone();
        let failures = self.org_failures.clone();
        let ctx = ctx.clone();
        let only = only.map(str::to_owned);
        let mfa = MfaSource {
            code: None,
            process: ctx.config.auth.mfa_process.clone(),
            interactive: Interactive::Tui(self.mfa_requests.clone()),
        };
        tokio::spawn(async move {
            // Each organization's progress, summed for the one progress line.
            let seen = Arc::new(Mutex::new(vec![
                crate::aws::org::SyncProgress::default();
                ctx.orgs.len()
            ]));
            let runs = ctx
                .orgs
                .iter()
                .enumerate()
                .filter(|(_, (name, _))| only.as_ref().is_none_or(|o| o == name))
                .map(|(i, (name, org))| {
                    let (tx, seen, mfa, clock) =
                        (tx.clone(), seen.clone(), mfa.clone(), clock.clone());
                    async move {
                        let progress = move |p| {
                            let Ok(mut all) = seen.lock() else { return };
                            all[i] = p;
                            let _ = tx.send(Msg::SyncProgress(sum_progress(&all)));
                        };
                        let result = org_reader::sync(org, &mfa, || clock(), &progress).await;
                        (name.clone(), org.clone(), result)
                    }
                });
            let mut failed = Vec::new();
            let mut first_error = None;
            // Each organization's tree is shown as it lands: a slow one holds none back.
            let mut runs: futures_util::stream::FuturesUnordered<_> = runs.collect();
            let mut left = runs.len();
            while let Some((name, org, result)) = futures_util::StreamExt::next(&mut runs).await {
                left -= 1;
                let failure = match result {
                    Ok((inv, _)) => sync::store(&org.inventory_cache, &inv)
                        .err()
                        .map(|e| e.to_string()),
                    Err(e) => {
                        tracing::warn!(org = %name, error = %e, "sync failed");
                        let why = e.to_string();
                        first_error.get_or_insert(e);
                        Some(why)
                    }
                };
                if let Ok(mut f) = failures.lock() {
                    match &failure {
                        Some(why) => f.insert(name.clone(), why.clone()),
                        None => f.remove(&name),
                    };
                }
                if let Some(why) = failure {
                    failed.push((name, why));
                }
                if left > 0
                    && let Some(inv) = combined_with_failures(&ctx, &failures)
                {
                    let _ = tx.send(Msg::OrgSynced(Box::new(inv)));
                }
            }
            let combined = combined_with_failures(&ctx, &failures);
            if let Some((_, ends)) = ctx.sso_sign_in().await {
                let _ = tx.send(Msg::SsoSignIn(ends));
            }
            match combined {
                Some(inv) => {
                    let _ = tx.send(Msg::SyncFinished(Ok(Box::new(inv))));
                    if let Some(text) = not_read(&failed) {
                        let _ = tx.send(Msg::Banner(Banner::warning(text)));
                    }
                }
                None => {
                    let _ = tx.send(Msg::SyncFinished(Err(first_error.unwrap_or_else(|| {
                        crate::aws::AwsError::Service {
                            action: "sync",
                            code: "NoCache".into(),
                            message: failed
                                .into_iter()
                                .map(|(name, why)| format!("{name}: {why}"))
                                .collect::<Vec<_>>()
                                .join("; "),
                        }
                    }))));
                }
            }
        });
    }
}

/// The banner of organizations not read: one, its name and why; several, their names (each
/// node's detail says why).
fn not_read(failed: &[(String, String)]) -> Option<String> {
    match failed {
        [] => None,
        [(name, why)] => Some(format!(
            "not read: {name} ({why}); its accounts are from the cache (⚠ on its node; r there tries again)"
        )),
        several => Some(format!(
            "not read: {}; their accounts are from the cache (⚠ on their nodes, each one's detail says why; r there tries again)",
            several
                .iter()
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The organizations' caches as one tree, each failed organization's node marked.
fn combined_with_failures(
    ctx: &AppContext,
    failures: &Mutex<std::collections::BTreeMap<String, String>>,
) -> Option<crate::domain::inventory::Inventory> {
    let mut inv = ctx.load_inventory().ok().flatten()?;
    if let Ok(f) = failures.lock() {
        for summary in &mut inv.orgs {
            if let Some(why) = f.get(&summary.name) {
                summary.failure = Some(why.clone());
            }
        }
    }
    Some(inv)
}

/// Several organizations' sync progress as one.
fn sum_progress(all: &[crate::aws::org::SyncProgress]) -> crate::aws::org::SyncProgress {
    let mut sum = crate::aws::org::SyncProgress::default();
    for p in all {
        sum.ous_found += p.ous_found;
        sum.parents_listed += p.parents_listed;
        sum.parents_total += p.parents_total;
        sum.accounts_found += p.accounts_found;
        sum.tags_fetched += p.tags_fetched;
        sum.api_calls += p.api_calls;
        sum.throttled += p.throttled;
        sum.pace += p.pace;
        sum.gaps += p.gaps;
        sum.sso_accounts += p.sso_accounts;
    }
    sum
}

/// The cached sessions' expiries at `now`, for the status bar and detail pane.
fn sessions(ctx: &AppContext, now: OffsetDateTime) -> Sessions {
    let key = Access::base_key(ctx.access.base_profile.as_deref());
    let mut roles = ctx.access.cache.role_expiries(&key, now);
    roles.extend(
        ctx.access
            .cache
            .role_expiries(&ctx.access.sso_key(), now)
            .into_iter()
            .map(|(account, role, expiry)| (account, format!("sso:{role}"), expiry)),
    );
    let mut saml = Vec::new();
    for c in &ctx.access.saml {
        let expiries = ctx
            .access
            .cache
            .role_expiries(&format!("saml-{}", c.name), now);
        if let Some(latest) = expiries.iter().map(|(_, _, e)| *e).max() {
            saml.push((c.name.clone(), latest));
        }
        roles.extend(
            expiries
                .into_iter()
                .map(|(account, role, expiry)| (account, format!("saml:{role}"), expiry)),
        );
    }
    Sessions {
        roles,
        saml,
        mfa: ctx
            .access
            .cache
            .mfa(&key, now)
            .and_then(|m| m.credentials.expiration),
    }
}

/// `e`: the session into the shared credentials file, as `env --export-as` writes it.
fn export(
    request: &AccessRequest,
    granted: &Granted,
    region: &str,
) -> Result<String, AccessFailure> {
    let session = crate::app::launch::Session {
        account_id: &request.account_id,
        account_name: &request.account_name,
        role: &request.role.name,
        production: request.production,
        region,
        credentials: &granted.credentials,
        server: None,
    };
    let name = request
        .export_as
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| session.profile_name());
    let written = crate::app::access_keys::export_session(&session, &name, false)
        .map_err(|e| AccessFailure::Export(format!("{e:#}")))?;
    let until = granted
        .credentials
        .expiration
        .and_then(|e| {
            e.format(&time::macros::format_description!("[hour]:[minute] UTC"))
                .ok()
        })
        .map(|e| format!(" until {e}"))
        .unwrap_or_default();
    Ok(format!(
        "profile {name} in {} holds {} as {}{until}{}: AWS_PROFILE={name} for tools that read only that file",
        written.file.display(),
        visible(&request.account_name),
        visible(&request.role.name),
        if written.backup.is_some() {
            " (the file as it was is backed up)"
        } else {
            ""
        }
    ))
}

/// Makes the console link for a granted access, as a message for `update()`.
async fn console_ready(ctx: &AppContext, request: &AccessRequest, granted: &Granted) -> Msg {
    let region = ctx.session_region(&request.account_id, &request.role).await;
    let destination = Destination::Service(ctx.config.console.service.clone());
    let link = crate::app::console_link::link(
        &ctx.config.console,
        ctx.federation_url_env.as_deref(),
        &LinkRequest {
            credentials: &granted.credentials,
            via: granted.via,
            role_arn: &granted.role_arn,
            region: &region,
            destination: &destination,
        },
    )
    .await;
    match link {
        Ok(link) => Msg::ConsoleReady {
            account_name: request.account_name.clone(),
            purpose: request.purpose,
            result: Ok(ConsoleOpening {
                url: link.url,
                opening: ctx.console_opening(
                    &request.account_id,
                    &request.account_name,
                    &request.role.name,
                    &granted.role_arn,
                    request.production,
                    None,
                ),
            }),
            note: link.note,
        },
        Err(e) => Msg::ConsoleReady {
            account_name: request.account_name.clone(),
            purpose: request.purpose,
            result: Err(e.into()),
            note: None,
        },
    }
}

/// Hands the terminal to `$SHELL` in the account and takes it back when the shell exits.
async fn run_shell(
    screen: &mut Screen<'_>,
    launch: &ShellLaunch,
    source: &DataSource,
) -> Result<i32, ChildFailure> {
    let ctx = match source {
        DataSource::Aws(ctx) => Some(ctx.as_ref()),
        DataSource::Demo => None,
    };
    let how = ctx.map_or(crate::config::ShellCredentials::Env, |c| {
        c.config.shell.credentials
    });
    crate::app::enter::run_in_account(ctx, screen, launch, None, how, Child::Shell).await
}
