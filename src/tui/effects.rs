//! What `update()` asks for, and the runner that does it in the background.

use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use super::state::access_flow::{AccessRequest, Purpose, Sessions, ShellLaunch};
use super::state::cost_view::CostStatus;
use super::state::{Banner, Msg};
use crate::app::access::Granted;
use crate::app::access::{Access, Interactive, MfaRequest, MfaSource, Target};
use crate::app::console_link::{LinkRequest, SigninUrl};
use crate::app::context::AppContext;
use crate::app::cost_reader::CostState;
use crate::app::sync;
use crate::aws::federation::Destination;

/// A side effect requested by `update()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Read the organization from AWS (or the demo) and replace the shown inventory.
    Sync,
    Quit,
    /// Get credentials for a role (MFA prompt and all), then ask for a shell.
    Access(Box<AccessRequest>),
    /// The MFA code typed into the prompt.
    SubmitMfa(String),
    CancelMfa,
    /// Suspend the TUI and run `$SHELL` in the account (done by the event loop itself).
    Shell(Box<ShellLaunch>),
    /// Open a console sign-in link in the browser.
    OpenBrowser(SigninUrl),
    /// Put a console sign-in link on the clipboard with OSC 52 (done by the event loop).
    CopyToClipboard(SigninUrl),
    /// Read costs (the cache within its TTL unless `force`).
    ReadCost {
        force: bool,
    },
    /// Mark (`on`) or unmark an account as a favourite, on disk.
    SaveFavourite {
        account_id: String,
        on: bool,
    },
    /// Remember (or with `None` forget) the region for sessions in an account.
    SaveRegion {
        account_id: String,
        region: Option<String>,
    },
}

/// Where data and credentials come from.
#[derive(Clone, Debug)]
pub enum Source {
    Demo,
    Aws(Arc<AppContext>),
}

/// Executes effects; results come back to `update()` as messages.
pub struct Runner {
    pub source: Source,
    pub tx: mpsc::UnboundedSender<Msg>,
    pub clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    /// The reply channel of the MFA prompt currently shown.
    pending_mfa: Arc<Mutex<Option<oneshot::Sender<Option<String>>>>>,
    mfa_requests: mpsc::UnboundedSender<MfaRequest>,
}

impl Runner {
    #[must_use]
    pub fn new(
        source: Source,
        tx: mpsc::UnboundedSender<Msg>,
        clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    ) -> Self {
        let pending_mfa: Arc<Mutex<Option<oneshot::Sender<Option<String>>>>> = Arc::default();
        let (mfa_requests, mut incoming) = mpsc::unbounded_channel::<MfaRequest>();
        let (pending, ui) = (pending_mfa.clone(), tx.clone());
        // The credential flow asks for codes here; the prompt's answer goes back by `reply`.
        tokio::spawn(async move {
            while let Some(req) = incoming.recv().await {
                if let Ok(mut slot) = pending.lock() {
                    *slot = Some(req.reply);
                }
                if ui.send(Msg::MfaNeeded { serial: req.serial }).is_err() {
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
        }
    }

    pub fn run(&self, effect: &Effect) {
        match effect {
            Effect::Sync => self.sync(),
            Effect::Access(request) => self.access(request),
            Effect::SubmitMfa(code) => self.answer_mfa(Some(code.clone())),
            Effect::CancelMfa => self.answer_mfa(None),
            Effect::OpenBrowser(url) => self.open_browser(url),
            Effect::ReadCost { force } => self.read_cost(*force),
            Effect::SaveFavourite { account_id, on } => {
                // The demo keeps favourites and regions for the session only.
                if let Source::Aws(ctx) = &self.source {
                    ctx.prefs.set_favourite(account_id, *on);
                }
            }
            Effect::SaveRegion { account_id, region } => {
                if let Source::Aws(ctx) = &self.source {
                    ctx.prefs.set_region(account_id, region.as_deref());
                }
            }
            Effect::Quit | Effect::Shell(_) | Effect::CopyToClipboard(_) => {}
        }
    }

    fn open_browser(&self, url: &SigninUrl) {
        let Source::Aws(ctx) = &self.source else {
            return;
        };
        let (ctx, url, tx) = (ctx.clone(), url.clone(), self.tx.clone());
        tokio::task::spawn_blocking(move || {
            if let Err(why) = crate::app::console_link::open_in_browser(
                &url,
                ctx.config.console.browser.as_deref(),
                ctx.browser_env.as_deref(),
            ) {
                let _ = tx.send(Msg::Banner(Banner::error(format!(
                    "could not start a browser ({why}): press y to copy the sign-in link instead"
                ))));
            }
        });
    }

    fn read_cost(&self, force: bool) {
        let tx = self.tx.clone();
        let now = (self.clock)();
        match &self.source {
            Source::Demo => {
                let snapshot = crate::domain::demo::cost_snapshot(now);
                let _ = tx.send(Msg::Cost(CostStatus::Known(Box::new(snapshot))));
            }
            Source::Aws(ctx) => {
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    let status = match ctx.cost.read(force, now).await {
                        CostState::Disabled => CostStatus::Off,
                        CostState::Known { snapshot, cached } => {
                            if !cached {
                                tracing::info!(requests = snapshot.requests, "costs read");
                                let _ = tx.send(Msg::Banner(Banner::info(format!(
                                    "costs read from Cost Explorer with {} request(s); kept for {} h",
                                    snapshot.requests, ctx.config.cost.ttl_hours
                                ))));
                            }
                            CostStatus::Known(Box::new(snapshot))
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
        let Source::Aws(ctx) = &self.source else {
            return;
        };
        let _ = self.tx.send(Msg::Sessions(sessions(ctx, (self.clock)())));
    }

    fn access(&self, request: &AccessRequest) {
        let tx = self.tx.clone();
        let ctx = match &self.source {
            Source::Demo => {
                let what = match request.purpose {
                    Purpose::Shell => "start $SHELL",
                    Purpose::Console => "open the console",
                    Purpose::CopyLink => "copy a console link",
                };
                let _ = tx.send(Msg::AccessFinished(Err(format!(
                    "demo organization: there is nothing real to get into. With your own organization this would {what} in {} as {}",
                    request.account_name, request.role.name
                ))));
                return;
            }
            Source::Aws(ctx) => ctx.clone(),
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
            let target = Target {
                account_id: request.account_id.clone(),
                account_name: request.account_name.clone(),
                role: request.role.clone(),
                duration: None,
            };
            let result = ctx.access.credentials(&target, &mfa, clock()).await;
            let msg = match result {
                Ok(granted) if request.purpose != Purpose::Shell => {
                    ctx.prefs.remember(&request.account_id, &request.role.key());
                    console_ready(&ctx, &request, &granted).await
                }
                Ok(granted) => {
                    ctx.prefs.remember(&request.account_id, &request.role.key());
                    Msg::AccessFinished(Ok(Box::new(ShellLaunch {
                        region: ctx.session_region(&request.account_id, &request.role).await,
                        account_id: request.account_id,
                        account_name: request.account_name,
                        role_key: request.role.key(),
                        role: request.role.name,
                        production: request.production,
                        credentials: granted.credentials,
                    })))
                }
                Err(e) => {
                    tracing::warn!(error = %e, "access failed");
                    Msg::AccessFinished(Err(e.to_string()))
                }
            };
            let _ = tx.send(msg);
            let _ = sessions_tx.send(Msg::Sessions(sessions(&ctx, clock())));
        });
    }

    fn sync(&self) {
        let tx = self.tx.clone();
        let clock = self.clock.clone();
        match &self.source {
            Source::Demo => {
                let inv = crate::domain::demo::inventory(clock());
                let _ = tx.send(Msg::SyncFinished(Ok(Box::new(inv))));
                let _ = tx.send(Msg::Banner(Banner::info(
                    "demo organization: nothing is sent to AWS",
                )));
            }
            Source::Aws(ctx) => {
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    let progress_tx = tx.clone();
                    let progress = move |p| {
                        let _ = progress_tx.send(Msg::SyncProgress(p));
                    };
                    let result = sync::run(&ctx.sync, || clock(), &progress).await;
                    match result {
                        Ok((inv, _stats)) => {
                            let stored = sync::store(&ctx.inventory_cache, &inv);
                            let summary = inv.partial_summary();
                            let org_error = inv.org_error.clone();
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
                                    "These are the accounts IAM Identity Center gives you: the organization was not read ({why})"
                                ))));
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "sync failed");
                            let _ = tx.send(Msg::SyncFinished(Err(e.to_string())));
                        }
                    }
                });
            }
        }
    }
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
    Sessions {
        roles,
        mfa: ctx
            .access
            .cache
            .mfa(&key, now)
            .and_then(|m| m.credentials.expiration),
    }
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
            result: Ok(link.url),
            note: link.note,
        },
        Err(e) => Msg::ConsoleReady {
            account_name: request.account_name.clone(),
            purpose: request.purpose,
            result: Err(e.to_string()),
            note: None,
        },
    }
}
