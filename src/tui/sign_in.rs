//! Signing in from the TUI, in the background: awsnav's own IAM Identity Center sign-in and a
//! console session's. The dialog learns where to sign in (and the code to check) by message,
//! and the end comes back as `Msg::SsoSignedIn`.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::message::Msg;
use crate::app::console_link::SigninUrl;
use crate::app::context::AppContext;

/// awsnav's own Identity Center sign-in for `profile`: the dialog shows where (and the code),
/// the browser opens where it can.
pub fn identity_center(
    ctx: Arc<AppContext>,
    profile: String,
    tx: mpsc::UnboundedSender<Msg>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let ui = TuiSignIn::new(&tx, &ctx);
        let result = match crate::app::sso_sign_in::source(&ctx, Some(&profile)).await {
            Ok(Some(source)) => {
                let flow = crate::app::sso_sign_in::flow(false, false);
                crate::app::sso_sign_in::sign_in(&ctx, &source, flow, &ui)
                    .await
                    .map(|t| t.expires())
                    .map_err(|e| e.to_string())
            }
            Ok(None) => Err(format!(
                "profile `{profile}` has no IAM Identity Center settings"
            )),
            Err(e) => Err(e.to_string()),
        };
        let _ = tx.send(Msg::SsoSignedIn(result));
    })
}

/// `profile`'s console session signed in again in the browser (its dialog shows where); the
/// session goes to the status bar too.
pub fn console(
    ctx: Arc<AppContext>,
    profile: String,
    tx: mpsc::UnboundedSender<Msg>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let ui = TuiSignIn::new(&tx, &ctx);
        let result = if crate::app::sso_sign_in::browser_here() {
            crate::app::console_sign_in::sign_in(
                &ctx,
                &profile,
                crate::aws::signin::Flow::Browser,
                &ui,
                &NoCode,
            )
            .await
            .map(|_| None)
            .map_err(|e| e.to_string())
        } else {
            Err(format!(
                "no browser can open here: sign in with `awsnav login --console --no-browser --profile {profile}` in a terminal"
            ))
        };
        let _ = tx.send(Msg::ConsoleSession(crate::app::console_sign_in::status(
            &ctx, &profile,
        )));
        let _ = tx.send(Msg::SsoSignedIn(result));
    })
}

/// The TUI signs console sessions in with a browser here only: no code is pasted back.
struct NoCode;

impl crate::aws::signin::CodePrompt for NoCode {
    fn code(&self) -> Option<String> {
        None
    }
}

/// The TUI's side of a sign-in: the dialog gets the URL and code by message; the browser
/// opens as for the console.
struct TuiSignIn {
    tx: mpsc::UnboundedSender<Msg>,
    browser: Option<String>,
    browser_env: Option<String>,
}

impl TuiSignIn {
    fn new(tx: &mpsc::UnboundedSender<Msg>, ctx: &AppContext) -> Self {
        Self {
            tx: tx.clone(),
            browser: ctx.config.console.browser.clone(),
            browser_env: ctx.browser_env.clone(),
        }
    }
}

impl crate::aws::sso_oidc::SignInUi for TuiSignIn {
    fn show(&self, url: &str, user_code: Option<&str>) {
        let _ = self.tx.send(Msg::SsoPrompt {
            url: url.to_owned(),
            code: user_code.map(str::to_owned),
        });
    }

    fn open(&self, url: &str) -> bool {
        crate::app::console_link::open_in_browser(
            &SigninUrl(url.to_owned()),
            self.browser.as_deref(),
            self.browser_env.as_deref(),
        )
        .is_ok()
    }
}
