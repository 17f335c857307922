//! MFA: where codes come from (`--mfa-code`, `[auth] mfa_process`, a person at the terminal
//! or in the TUI), which device (configured, the profile's, or discovered in IAM), and the
//! questions a front end answers.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::Access;
use super::console_session::console_session;
use crate::aws::sts;
use crate::aws::{AwsError, CallCounter, ErrorContext};
use crate::config::MfaMode;
use crate::domain::credentials::MfaDevices;

/// A question for the TUI's dialogs; `None` in reply means cancelled.
#[derive(Debug)]
pub enum MfaRequest {
    /// The code of the device `serial`.
    Code {
        serial: String,
        reply: oneshot::Sender<Option<String>>,
    },
    /// Which of these devices (several that can sign API calls) to use.
    Device {
        devices: Vec<String>,
        reply: oneshot::Sender<Option<String>>,
    },
    /// A SAML identity provider's sign-in is open in the browser; `None` in reply cancels it.
    Browser {
        idp: String,
        reply: oneshot::Sender<Option<String>>,
    },
}

/// A front end's way to ask a person for an MFA code (the command line's terminal prompt):
/// given the device, the typed answer, or why there is none.
#[derive(Clone)]
pub struct Asker(Arc<AskFn>);

/// Asks for the code of the device named; the answer or why there is none.
pub type AskFn = dyn Fn(&str) -> Result<String, String> + Send + Sync;

impl Asker {
    #[must_use]
    pub fn new(ask: Arc<AskFn>) -> Self {
        Self(ask)
    }
}

impl std::fmt::Debug for Asker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Asker")
    }
}

/// How a person can be asked for an MFA code.
#[derive(Clone, Debug, Default)]
pub enum Interactive {
    #[default]
    None,
    /// Ask with the front end's prompt (blocking; run off the async runtime's threads).
    Ask(Asker),
    /// Ask through the TUI's modal prompt.
    Tui(mpsc::UnboundedSender<MfaRequest>),
}

/// Where MFA codes come from, in this order: `--mfa-code`, `mfa_process`, a person.
#[derive(Clone, Debug, Default)]
pub struct MfaSource {
    pub code: Option<String>,
    pub process: Option<String>,
    pub interactive: Interactive,
}

impl MfaSource {
    /// A code for the device `serial`.
    ///
    /// # Errors
    /// [`AwsError::Mfa`] when no source can give a well-formed code.
    pub async fn get(&self, serial: &str) -> Result<String, AwsError> {
        if let Some(code) = &self.code {
            return well_formed(code);
        }
        if let Some(cmd) = &self.process {
            return run_mfa_process(cmd).await;
        }
        match &self.interactive {
            Interactive::Ask(Asker(ask)) => {
                let (serial, ask) = (serial.to_owned(), ask.clone());
                let code = tokio::task::spawn_blocking(move || ask(&serial))
                    .await
                    .map_err(|e| AwsError::Mfa(format!("MFA prompt failed: {e}")))?
                    .map_err(AwsError::Mfa)?;
                well_formed(&code)
            }
            Interactive::Tui(tx) => {
                let (reply, answer) = oneshot::channel();
                tx.send(MfaRequest::Code {
                    serial: serial.to_owned(),
                    reply,
                })
                .map_err(|_| AwsError::Mfa("the MFA prompt is gone".into()))?;
                match answer.await {
                    Ok(Some(code)) => well_formed(&code),
                    _ => Err(AwsError::MfaCancelled),
                }
            }
            Interactive::None => Err(AwsError::Mfa(format!(
                "an MFA code is needed for {serial}: pass --mfa-code CODE, set [auth] mfa_process, or run awsnav on a terminal"
            ))),
        }
    }

    /// Which of `devices` to use: the TUI asks; elsewhere the error names them and the setting.
    ///
    /// # Errors
    /// [`AwsError::Mfa`] naming the devices where no one can be asked;
    /// [`AwsError::MfaCancelled`] when the TUI's dialog is cancelled.
    pub async fn choose_device(&self, devices: &[String]) -> Result<String, AwsError> {
        if let Interactive::Tui(tx) = &self.interactive {
            let (reply, answer) = oneshot::channel();
            tx.send(MfaRequest::Device {
                devices: devices.to_vec(),
                reply,
            })
            .map_err(|_| AwsError::Mfa("the MFA prompt is gone".into()))?;
            return match answer.await {
                Ok(Some(serial)) if devices.contains(&serial) => Ok(serial),
                _ => Err(AwsError::MfaCancelled),
            };
        }
        Err(AwsError::Mfa(format!(
            "{} MFA devices can sign API calls ({}): set [auth] mfa_serial to the one awsnav should use",
            devices.len(),
            devices.join(", ")
        )))
    }
}

fn well_formed(code: &str) -> Result<String, AwsError> {
    let code = code.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_owned())
    } else {
        Err(AwsError::Mfa(
            "an MFA code is 6 digits (the current code shown by your MFA device)".into(),
        ))
    }
}

async fn run_mfa_process(cmd: &str) -> Result<String, AwsError> {
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_mins(1), child)
        .await
        .map_err(|_| {
            AwsError::Mfa(format!(
                "[auth] mfa_process `{cmd}` did not answer within 60 s"
            ))
        })?
        .map_err(|e| AwsError::Mfa(format!("[auth] mfa_process `{cmd}` cannot run: {e}")))?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        let why = why.lines().next().unwrap_or("").trim();
        return Err(AwsError::Mfa(format!(
            "[auth] mfa_process `{cmd}` failed ({}){}",
            out.status,
            if why.is_empty() {
                String::new()
            } else {
                format!(": {why}")
            }
        )));
    }
    well_formed(&String::from_utf8_lossy(&out.stdout)).map_err(|_| {
        AwsError::Mfa(format!(
            "[auth] mfa_process `{cmd}` did not print a 6-digit code"
        ))
    })
}

/// What MFA device discovery needs.
#[derive(Clone, Copy)]
pub(super) struct Discover<'a> {
    pub(super) sdk: &'a aws_config::SdkConfig,
    pub(super) counter: &'a CallCounter,
    pub(super) ctx: &'a ErrorContext,
    pub(super) mfa: &'a MfaSource,
}

impl Access {
    /// Who the caller is (`GetCallerIdentity`) and the MFA device to use for it
    /// ([`Self::resolve_serial`]).
    pub(super) async fn identity_and_device(
        &self,
        wanted: Option<String>,
        base_profile: Option<&str>,
        discover: &Discover<'_>,
    ) -> Result<(String, Option<String>), AwsError> {
        let identity = sts::caller_identity(discover.sdk, discover.counter, discover.ctx).await?;
        let serial = self
            .resolve_serial(wanted, base_profile, &identity.arn, discover)
            .await?;
        Ok((identity.arn, serial))
    }

    /// The device of `identity` to use among those IAM listed.
    async fn pick_device(
        &self,
        identity: &str,
        devices: Vec<String>,
        mfa: &MfaSource,
    ) -> Result<Option<String>, AwsError> {
        match MfaDevices::of(devices) {
            MfaDevices::None => Ok(None),
            MfaDevices::One(serial) => Ok(Some(serial)),
            MfaDevices::OnlyFido(keys) => Err(AwsError::Mfa(format!(
                "API calls need a virtual or hardware (TOTP) MFA device, and {identity} has only FIDO security keys ({}), which sign in to the console only: add a virtual MFA device in IAM, or set [auth] mfa = \"never\" where MFA is not required",
                keys.join(", ")
            ))),
            MfaDevices::Several(devices) => {
                if let Some(chosen) = self.prefs.mfa_device(identity)
                    && devices.contains(&chosen)
                {
                    return Ok(Some(chosen));
                }
                let chosen = mfa.choose_device(&devices).await?;
                self.prefs.set_mfa_device(identity, &chosen);
                Ok(Some(chosen))
            }
        }
    }

    /// The MFA device: configured, else the base profile's `mfa_serial`, else the IAM user's
    /// device that can sign API calls (FIDO keys cannot): the only one, the one chosen before,
    /// or the one the TUI asks for. `None` when MFA is off or nothing is found (in `auto` mode).
    async fn resolve_serial(
        &self,
        wanted: Option<String>,
        base_profile: Option<&str>,
        identity_arn: &str,
        discover: &Discover<'_>,
    ) -> Result<Option<String>, AwsError> {
        let Discover {
            sdk,
            counter,
            ctx,
            mfa,
        } = *discover;
        if self.auth.mfa == MfaMode::Never {
            return Ok(None);
        }
        // A console session was signed in with the user's MFA, and STS takes no MFA code
        // from it (nor gives it an MFA session): roles are assumed from it directly.
        if base_profile.is_some_and(|p| console_session(p).is_some()) {
            return Ok(None);
        }
        let mut serial = wanted;
        if serial.is_none()
            && let Some(p) = base_profile
        {
            serial = crate::aws::config_files::profile_value(p, "mfa_serial");
        }
        if serial.is_none()
            && let Some(user) = sts::iam_user_name(identity_arn)
        {
            serial = match sts::list_mfa_devices(sdk, user, counter, ctx).await {
                Ok(found) => self.pick_device(identity_arn, found, mfa).await?,
                // Not allowed to list one's own devices: go on without MFA, as `auto` says.
                // Anything else (network, AWS trouble) would only fail again later.
                Err(e @ AwsError::AccessDenied { .. }) if self.auth.mfa == MfaMode::Auto => {
                    tracing::warn!(error = %e, "MFA device discovery denied; continuing without MFA");
                    None
                }
                Err(e) => return Err(e),
            };
        }
        if serial.is_none() && self.auth.mfa == MfaMode::Always {
            return Err(AwsError::Mfa(format!(
                "[auth] mfa = \"always\" but no MFA device was found for {identity_arn}: set [auth] mfa_serial to your device's ARN"
            )));
        }
        Ok(serial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn codes_must_be_six_digits() {
        let src = |c: &str| MfaSource {
            code: Some(c.into()),
            ..MfaSource::default()
        };
        assert_eq!(src(" 123456\n").get("s").await.unwrap(), "123456");
        assert!(matches!(src("12345").get("s").await, Err(AwsError::Mfa(_))));
        assert!(matches!(
            src("12345a").get("s").await,
            Err(AwsError::Mfa(_))
        ));
    }

    #[tokio::test]
    async fn mfa_process_output_is_the_code() {
        let src = MfaSource {
            process: Some("echo 654321".into()),
            ..MfaSource::default()
        };
        assert_eq!(src.get("s").await.unwrap(), "654321");
        let bad = MfaSource {
            process: Some("echo oops >&2; exit 3".into()),
            ..MfaSource::default()
        };
        let err = bad.get("s").await.unwrap_err().to_string();
        assert!(err.contains("failed") && err.contains("oops"), "{err}");
    }

    #[tokio::test]
    async fn no_source_says_what_to_do() {
        let err = MfaSource::default()
            .get("arn:aws:iam::1:mfa/me")
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("--mfa-code"), "{err}");
        assert!(err.contains("mfa_process"), "{err}");
    }

    #[tokio::test]
    async fn tui_prompt_round_trip_and_cancel() {
        let (tx, mut rx) = mpsc::unbounded_channel::<MfaRequest>();
        let src = MfaSource {
            interactive: Interactive::Tui(tx),
            ..MfaSource::default()
        };
        let answer = tokio::spawn(async move {
            let Some(MfaRequest::Code { serial, reply }) = rx.recv().await else {
                panic!("a code request")
            };
            assert_eq!(serial, "dev");
            reply.send(Some("111222".into())).unwrap();
            let Some(MfaRequest::Code { reply, .. }) = rx.recv().await else {
                panic!("a code request")
            };
            reply.send(None).unwrap();
            let Some(MfaRequest::Device { devices, reply }) = rx.recv().await else {
                panic!("a device request")
            };
            assert_eq!(devices.len(), 2);
            reply.send(Some(devices[1].clone())).unwrap();
        });
        assert_eq!(src.get("dev").await.unwrap(), "111222");
        assert!(matches!(
            src.get("dev").await.unwrap_err(),
            AwsError::MfaCancelled
        ));
        let two = ["arn:aws:iam::1:mfa/phone".to_owned(), "GAHT1".to_owned()];
        assert_eq!(src.choose_device(&two).await.unwrap(), "GAHT1");
        let cli = MfaSource::default().choose_device(&two).await.unwrap_err();
        assert!(cli.to_string().contains("[auth] mfa_serial"), "{cli}");
        assert!(cli.to_string().contains("GAHT1"), "{cli}");
        answer.await.unwrap();
    }
}
