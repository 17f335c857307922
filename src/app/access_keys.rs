//! Long-lived keys in the key store: checked with AWS before they are stored, moved out of the
//! shared credentials file, rotated, and served to other tools as short-lived sessions.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_config::SdkConfig;
use time::OffsetDateTime;

use super::access::{Access, MfaSource};
use crate::aws::iam::{self, KeyInfo};
use crate::aws::sdk::{self, AwsSettings};
use crate::aws::sts;
use crate::aws::{AwsError, CallCounter, ErrorContext};
use crate::domain::credentials::{AccessKey, Credentials, key_tail};
use crate::store::aws_config_block::replace_file;
use crate::store::aws_files_edit::{self, StaticKeys};
use crate::store::key_store::{KeyRecord, KeyStoreError};

/// Why a key was not stored, or a stored key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "{0} is a temporary key (it has a session token); the key store keeps IAM users' long-lived keys (AKIA…)"
    )]
    Temporary(String),
    #[error("AWS refused the key …{tail} ({why}): nothing was stored")]
    Refused { tail: String, why: AwsError },
    #[error("cannot check the key …{tail} with AWS ({why}): nothing was stored")]
    Unchecked { tail: String, why: AwsError },
    #[error(
        "no key is stored under `{0}` (`awsnav auth list` shows what is; `awsnav auth add {0}` stores one)"
    )]
    NotStored(String),
    #[error("profile `{profile}` has no access key in {file}")]
    NoKeysInFile { profile: String, file: String },
    #[error(transparent)]
    Store(#[from] KeyStoreError),
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("{0}")]
    File(String),
    #[error(
        "the key `{name}` was left as it is: {why}. Sign in first (awsnav login --console --profile PROFILE), check that it works, then retire the key"
    )]
    NoConsoleSession { name: String, why: String },
}

/// Who a key belongs to, as AWS says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub user_arn: String,
    /// When IAM made the key, where IAM lets the user list their keys.
    pub created: Option<OffsetDateTime>,
}

impl Access {
    /// An SDK config acting with `key` (the profile `name`, where it exists, gives the region
    /// and endpoints).
    async fn sdk_with_key(
        &self,
        name: Option<&str>,
        key: &AccessKey,
    ) -> Result<SdkConfig, AwsError> {
        sdk::load(
            &AwsSettings {
                profile: name.map(str::to_owned),
                region: self.region.clone(),
                network: self.network,
                credentials: Some(key.credentials()),
            },
            &self.ctx,
        )
        .await
    }
}

/// Checks `key` with `sts:GetCallerIdentity`: whose it is, and (where IAM lets the user list
/// their own keys) when it was made.
///
/// # Errors
/// [`KeyError::Temporary`] for a session key, [`KeyError::Refused`] when AWS refuses it.
pub async fn check(access: &Access, name: &str, key: &AccessKey) -> Result<Checked, KeyError> {
    if key.access_key_id.starts_with("ASIA") {
        return Err(KeyError::Temporary(format!(
            "…{}",
            key_tail(&key.access_key_id)
        )));
    }
    let sdk = access.sdk_with_key(Some(name), key).await?;
    let counter = CallCounter::default();
    let identity = sts::caller_identity(&sdk, &counter, &access.ctx)
        .await
        .map_err(|why| {
            let tail = key_tail(&key.access_key_id);
            match why {
                AwsError::BadCredentials { .. } | AwsError::AccessDenied { .. } => {
                    KeyError::Refused { tail, why }
                }
                _ => KeyError::Unchecked { tail, why },
            }
        })?;
    let created = match sts::iam_user_name(&identity.arn) {
        Some(user) => iam::access_keys(&sdk, None, user, &counter, &access.ctx)
            .await
            .inspect_err(
                |e| tracing::info!(error = %e, "cannot list the user's keys; key age unknown"),
            )
            .ok()
            .and_then(|keys| created_of(&keys, &key.access_key_id)),
        None => None,
    };
    Ok(Checked {
        user_arn: identity.arn,
        created,
    })
}

fn created_of(keys: &[KeyInfo], id: &str) -> Option<OffsetDateTime> {
    keys.iter().find(|k| k.access_key_id == id)?.created
}

fn record(name: &str, key: &AccessKey, checked: &Checked, now: OffsetDateTime) -> KeyRecord {
    KeyRecord {
        name: name.to_owned(),
        key_tail: key_tail(&key.access_key_id),
        user_arn: checked.user_arn.clone(),
        created: checked.created.unwrap_or(now),
        stored_in: String::new(),
    }
}

/// Checks `key` with AWS and stores it under `name`; a key AWS refuses is not stored.
///
/// # Errors
/// As [`check`], and when the key store cannot be written.
pub async fn add(
    access: &Access,
    name: &str,
    key: &AccessKey,
    now: OffsetDateTime,
) -> Result<KeyRecord, KeyError> {
    access.keys.ready()?;
    let checked = check(access, name, key).await?;
    let record = record(name, key, &checked, now);
    access.keys.put(key, &record)?;
    Ok(access.keys.record(name).unwrap_or(record))
}

/// The shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`).
#[must_use]
pub fn credentials_file() -> PathBuf {
    crate::aws::config_files::credentials_file_path()
        .unwrap_or_else(|| PathBuf::from(".aws/credentials"))
}

/// The AWS config file (`AWS_CONFIG_FILE`, else `~/.aws/config`).
#[must_use]
pub fn config_file() -> PathBuf {
    crate::aws::config_files::config_file_path().unwrap_or_else(|| PathBuf::from(".aws/config"))
}

/// What `import` found in the credentials file.
pub struct Found {
    pub file: PathBuf,
    text: String,
    keys: StaticKeys,
}

impl fmt::Debug for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Found")
            .field("file", &self.file)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

/// The static keys of `profile` in the shared credentials file.
///
/// # Errors
/// When the file cannot be read, or the profile has no keys there (or temporary ones).
pub fn find_in_credentials_file(profile: &str) -> Result<Found, KeyError> {
    let file = credentials_file();
    let text = std::fs::read_to_string(&file)
        .map_err(|e| KeyError::File(format!("cannot read {}: {e}", file.display())))?;
    let keys =
        aws_files_edit::static_keys(&text, profile).ok_or_else(|| KeyError::NoKeysInFile {
            profile: profile.to_owned(),
            file: file.display().to_string(),
        })?;
    if keys.session_token {
        return Err(KeyError::Temporary(format!("profile `{profile}`'s key")));
    }
    Ok(Found { file, text, keys })
}

/// Checks and stores the keys `found` holds under `name`.
///
/// # Errors
/// As [`add`].
pub async fn import(
    access: &Access,
    name: &str,
    found: &Found,
    now: OffsetDateTime,
) -> Result<KeyRecord, KeyError> {
    let key = AccessKey {
        access_key_id: found.keys.access_key_id.clone(),
        secret_access_key: found.keys.secret_access_key.clone(),
    };
    add(access, name, &key, now).await
}

/// What removing imported keys from the files did.
#[derive(Debug)]
pub struct Removed {
    pub credentials_backup: Option<PathBuf>,
    pub config_file: PathBuf,
}

/// Takes `profile`'s two keys out of the credentials file (after a 0600 backup; every other
/// byte kept) and gives the profile a `credential_process` line in the config file that serves
/// a short-lived session of the stored key, so other tools keep working with it.
///
/// # Errors
/// When a file cannot be read or written.
pub fn remove_from_files(
    found: &Found,
    profile: &str,
    own_path: &str,
) -> Result<Removed, KeyError> {
    let config_file = config_file();
    let config = match std::fs::read_to_string(&config_file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(KeyError::File(format!(
                "cannot read {}: {e}",
                config_file.display()
            )));
        }
    };
    let command = format!("{} credential-process --key {profile}", quote(own_path));
    let new_config = aws_files_edit::with_setting(&config, profile, "credential_process", &command);
    let write = |path: &Path, text: &str, backup: bool| {
        replace_file(path, text, backup).map_err(|e| KeyError::File(format!("{e:#}")))
    };
    // The config first: should the second write fail, the keys are still where they were.
    if new_config != config {
        write(&config_file, &new_config, true)?;
    }
    let credentials_backup = write(
        &found.file,
        &aws_files_edit::without(&found.text, &found.keys.lines),
        true,
    )?;
    Ok(Removed {
        credentials_backup,
        config_file,
    })
}

/// `path` as a config-file value: quoted when it has spaces.
fn quote(path: &str) -> String {
    if path.contains([' ', '\t']) {
        format!("\"{path}\"")
    } else {
        path.to_owned()
    }
}

/// A short-lived session of the key stored under `name` (the MFA session where an MFA device
/// is configured or found), for `credential-process --key`: other tools never see the key.
/// It never falls back to the profile's own credentials, whose `credential_process` may be
/// this very command.
///
/// # Errors
/// When no key is stored under `name`, or STS refuses.
pub async fn session(
    access: &Access,
    name: &str,
    mfa: &MfaSource,
    now: OffsetDateTime,
) -> Result<Credentials, KeyError> {
    if access.keys.record(name).is_none() || access.keys.get(name)?.is_none() {
        return Err(KeyError::NotStored(name.to_owned()));
    }
    Ok(access.session(Some(name), mfa, now, false).await?)
}

/// What retiring a key did.
#[derive(Debug)]
pub struct Retired {
    pub key_id: String,
    pub user_arn: String,
    /// The profile whose console session proved it can do without the key.
    pub profile: String,
}

/// Retires the key stored under `name` once a console session of the same IAM user works:
/// the session (`profile`'s, else any profile's `login_session` naming that user) is asked
/// who it is, and only when it answers as the key's user is the key turned off in IAM (with
/// the session's credentials) and taken out of the key store. Turned off, not deleted: IAM
/// can turn it on again. Nothing changes when any step fails.
///
/// # Errors
/// [`KeyError::NoConsoleSession`] when no working console session of that user is found; IAM's
/// refusal otherwise.
pub async fn retire(
    access: &Access,
    name: &str,
    profile: Option<&str>,
) -> Result<Retired, KeyError> {
    let record = access
        .keys
        .record(name)
        .ok_or_else(|| KeyError::NotStored(name.to_owned()))?;
    let key = access
        .keys
        .get(name)?
        .ok_or_else(|| KeyError::NotStored(name.to_owned()))?;
    let no_session = |why: String| KeyError::NoConsoleSession {
        name: name.to_owned(),
        why,
    };
    let files = crate::aws::config_files::AwsConfigFiles::shared();
    let profile = match profile {
        Some(p) => p.to_owned(),
        None => files
            .profile_names()
            .into_iter()
            .find(|p| {
                files
                    .get(p, "login_session")
                    .is_some_and(|s| s.trim() == record.user_arn)
            })
            .map(str::to_owned)
            .ok_or_else(|| {
                no_session(format!(
                    "no profile signs in as {} (login_session)",
                    record.user_arn
                ))
            })?,
    };
    let ctx = ErrorContext {
        profile: Some(profile.clone()),
        ..access.ctx.clone()
    };
    let sdk = sdk::load(
        &AwsSettings {
            profile: Some(profile.clone()),
            region: access.region.clone(),
            network: access.network,
            credentials: None,
        },
        &ctx,
    )
    .await
    .map_err(|e| no_session(e.to_string()))?;
    let counter = CallCounter::default();
    let identity = sts::caller_identity(&sdk, &counter, &ctx)
        .await
        .map_err(|e| {
            no_session(format!(
                "the console session of profile `{profile}` does not work ({e})"
            ))
        })?;
    if identity.arn != record.user_arn {
        return Err(no_session(format!(
            "profile `{profile}` signs in as {}, not as the key's user {}",
            identity.arn, record.user_arn
        )));
    }
    let user = sts::iam_user_name(&identity.arn)
        .ok_or_else(|| no_session(format!("{} is not an IAM user", identity.arn)))?;
    iam::deactivate_access_key(&sdk, None, user, &key.access_key_id, &counter, &ctx).await?;
    access.keys.remove(name)?;
    Ok(Retired {
        key_id: key.access_key_id,
        user_arn: record.user_arn,
        profile,
    })
}

/// The settings `env --export-as` writes into a profile of the credentials file (and takes
/// out before it does).
const EXPORTED: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "x_security_token_expires",
];

/// Whether `name` may be written by `env --export-as`: a plain profile name, and `default`
/// only with `force`.
///
/// # Errors
/// Why not, with what to do.
pub fn check_export_name(name: &str, force: bool) -> anyhow::Result<()> {
    if name.is_empty() || crate::domain::untrusted::ini_name(name) != name {
        anyhow::bail!(
            "--export-as `{name}` is not a profile name: use letters, digits and . _ - + @"
        );
    }
    if name == "default" && !force {
        anyhow::bail!(
            "--export-as default would change what every tool uses by default: add --force to mean it"
        );
    }
    Ok(())
}

/// What `env --export-as` wrote.
#[derive(Debug)]
pub struct Exported {
    pub file: PathBuf,
    /// The file as it was before awsnav first changed it.
    pub backup: Option<PathBuf>,
}

/// Writes `session`'s credentials into the shared credentials file as profile `name`: that
/// section's credential lines replaced (or the section added), every other byte kept, mode
/// 0600, and the file backed up before awsnav's first change to it. A profile holding
/// long-lived keys is left alone unless `force`.
///
/// # Errors
/// When the file cannot be read or written, or would lose a long-lived key.
pub fn export_session(
    session: &super::launch::Session<'_>,
    name: &str,
    force: bool,
) -> anyhow::Result<Exported> {
    let file = credentials_file();
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => anyhow::bail!("cannot read {}: {e}", file.display()),
    };
    if let Some(keys) = aws_files_edit::static_keys(&text, name)
        && !keys.session_token
        && !force
    {
        anyhow::bail!(
            "profile `{name}` in {} holds a long-lived key (…{}): --export-as would replace it; choose another name, or add --force",
            file.display(),
            key_tail(&keys.access_key_id)
        );
    }
    let c = session.credentials;
    let mut new = aws_files_edit::without_settings(&text, name, false, EXPORTED);
    let mut set = |k: &str, v: &str| {
        new = aws_files_edit::with_credentials_setting(&new, name, k, v);
    };
    set("aws_access_key_id", &c.access_key_id);
    set("aws_secret_access_key", &c.secret_access_key);
    if let Some(t) = &c.session_token {
        set("aws_session_token", t);
    }
    if let Some(e) = c.expiration.and_then(|e| {
        e.format(&time::format_description::well_known::Rfc3339)
            .ok()
    }) {
        set("x_security_token_expires", &e);
    }
    let mut backup_name = file.file_name().unwrap_or_default().to_os_string();
    backup_name.push(".awsnav-backup");
    let first = !file.with_file_name(backup_name).exists();
    let backup = crate::store::aws_config_block::replace_private_file(
        &file,
        &new,
        first && !text.is_empty(),
    )?;
    Ok(Exported { file, backup })
}

/// How long a new key may take to work everywhere; it is tried this often in that time.
#[derive(Clone, Copy, Debug)]
pub struct Propagation {
    pub tries: u32,
    pub pause: Duration,
}

impl Default for Propagation {
    fn default() -> Self {
        Self {
            tries: 12,
            pause: Duration::from_secs(2),
        }
    }
}

/// What a rotation did.
#[derive(Debug)]
pub struct Rotated {
    pub record: KeyRecord,
    pub old_key_id: String,
}

/// Why a rotation stopped, and the state it left: always a working key stored.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("nothing was changed: the key …{old_tail} is still stored and active ({why})")]
    NothingChanged { old_tail: String, why: KeyError },
    #[error(
        "IAM refused a new key for {user} ({why}). An IAM user has at most two access keys; {user} has {keys}: delete the one not in use (aws iam delete-access-key --user-name {user} --access-key-id ID) and rotate again. Nothing was changed: the key …{old_tail} is still stored and active"
    )]
    TwoKeys {
        user: String,
        keys: String,
        old_tail: String,
        why: AwsError,
    },
    #[error(
        "the new key …{new_tail} could not be stored ({why}); {}", rolled_back_text(*.rolled_back, .user, .new_key_id, .old_tail)
    )]
    NotStored {
        new_tail: String,
        new_key_id: String,
        user: String,
        old_tail: String,
        why: KeyStoreError,
        rolled_back: bool,
    },
    #[error(
        "the new key …{new_tail} did not work after {tries} tries ({why}). The old key …{old_tail} is stored again and still active; the new key is active in IAM but unused: delete it with `aws iam delete-access-key --user-name {user} --access-key-id {new_key_id}`"
    )]
    NotWorking {
        new_tail: String,
        new_key_id: String,
        old_tail: String,
        user: String,
        tries: u32,
        why: AwsError,
    },
    #[error(
        "the new key …{new_tail} is stored and working; the old key {old_key_id} is still active ({why}): delete it with `aws iam delete-access-key --user-name {user} --access-key-id {old_key_id}`"
    )]
    OldNotDeleted {
        new_tail: String,
        old_key_id: String,
        user: String,
        why: AwsError,
    },
}

fn rolled_back_text(rolled_back: bool, user: &str, new_id: &str, old_tail: &str) -> String {
    if rolled_back {
        format!(
            "it was deleted again in IAM. Nothing was changed: the key …{old_tail} is still stored and active"
        )
    } else {
        format!(
            "it exists in IAM but is stored nowhere: delete it with `aws iam delete-access-key --user-name {user} --access-key-id {new_id}`. The key …{old_tail} is still stored and active"
        )
    }
}

/// The IAM side of a rotation: the user, the old key, and the credentials IAM is called with.
struct Rotation<'a> {
    access: &'a Access,
    name: &'a str,
    sdk: SdkConfig,
    counter: CallCounter,
    ctx: ErrorContext,
    user: String,
    user_arn: String,
    old: AccessKey,
    old_tail: String,
    /// The MFA session IAM is called with, once one was needed (else the key itself).
    session: Option<Credentials>,
}

fn unchanged(old_tail: &str) -> impl FnOnce(KeyError) -> RotateError {
    let old_tail = old_tail.to_owned();
    move |why| RotateError::NothingChanged { old_tail, why }
}

impl<'a> Rotation<'a> {
    /// The stored key, who it belongs to, and an SDK acting with it.
    async fn start(
        access: &'a Access,
        name: &'a str,
        now: OffsetDateTime,
    ) -> Result<Self, RotateError> {
        let old = access
            .keys
            .get(name)
            .map_err(KeyError::from)
            .and_then(|k| k.ok_or_else(|| KeyError::NotStored(name.to_owned())))
            .map_err(unchanged("?"))?;
        let old_tail = key_tail(&old.access_key_id);
        let sdk = access
            .sdk_with_key(Some(name), &old)
            .await
            .map_err(|e| unchanged(&old_tail)(e.into()))?;
        let counter = CallCounter::default();
        let ctx = ErrorContext {
            profile: Some(name.to_owned()),
            ..access.ctx.clone()
        };
        let identity = sts::caller_identity(&sdk, &counter, &ctx)
            .await
            .map_err(|e| unchanged(&old_tail)(e.into()))?;
        let user = sts::iam_user_name(&identity.arn)
            .ok_or_else(|| {
                unchanged(&old_tail)(KeyError::File(format!(
                    "{} is not an IAM user: only IAM users' keys can be rotated",
                    identity.arn
                )))
            })?
            .to_owned();
        // An MFA session at hand is used from the start.
        let session = access
            .cache
            .mfa(&Access::base_key(Some(name)), now)
            .map(|m| m.credentials);
        Ok(Self {
            access,
            name,
            sdk,
            counter,
            ctx,
            user,
            user_arn: identity.arn,
            old,
            old_tail,
            session,
        })
    }

    /// `CreateAccessKey`; a refusal of the long-lived key is tried again through the MFA
    /// session (the user's policy may require MFA for IAM calls).
    async fn create(
        &mut self,
        mfa: &MfaSource,
        now: OffsetDateTime,
    ) -> Result<(AccessKey, Option<OffsetDateTime>), RotateError> {
        let (sdk, counter, ctx, user) = (&self.sdk, &self.counter, &self.ctx, &self.user);
        let created = match iam::create_access_key(sdk, self.session.as_ref(), user, counter, ctx)
            .await
        {
            Err(AwsError::AccessDenied { .. }) if self.session.is_none() => {
                tracing::info!("IAM refused the long-lived key; rotating through the MFA session");
                let s = self
                    .access
                    .mfa_session(Some(self.name), mfa, now)
                    .await
                    .map_err(|e| unchanged(&self.old_tail)(e.into()))?;
                self.session = Some(s);
                iam::create_access_key(sdk, self.session.as_ref(), user, counter, ctx).await
            }
            other => other,
        };
        match created {
            Ok(c) => Ok(c),
            Err(why) if is_limit(&why) => {
                let keys = iam::access_keys(sdk, self.session.as_ref(), user, counter, ctx)
                    .await
                    .map_or_else(
                        |_| "two already".to_owned(),
                        |ks| {
                            ks.iter()
                                .map(|k| format!("…{}", key_tail(&k.access_key_id)))
                                .collect::<Vec<_>>()
                                .join(" and ")
                        },
                    );
                Err(RotateError::TwoKeys {
                    user: user.clone(),
                    keys,
                    old_tail: self.old_tail.clone(),
                    why,
                })
            }
            Err(e) => Err(unchanged(&self.old_tail)(e.into())),
        }
    }

    async fn delete(&self, key_id: &str) -> Result<(), AwsError> {
        iam::delete_access_key(
            &self.sdk,
            self.session.as_ref(),
            &self.user,
            key_id,
            &self.counter,
            &self.ctx,
        )
        .await
    }

    /// `None` once `new` answers as the same user (tried `propagation.tries` times), else the
    /// last failure.
    async fn check_new(&self, new: &AccessKey, propagation: Propagation) -> Option<AwsError> {
        let new_sdk = match self.access.sdk_with_key(Some(self.name), new).await {
            Ok(sdk) => sdk,
            Err(e) => return Some(e),
        };
        let mut last = None;
        for attempt in 0..propagation.tries {
            if attempt > 0 {
                tokio::time::sleep(propagation.pause).await;
            }
            match sts::caller_identity(&new_sdk, &self.counter, &self.ctx).await {
                Ok(id) if id.arn == self.user_arn => return None,
                Ok(id) => last = Some(AwsError::Mfa(format!("the new key acts as {}", id.arn))),
                Err(e) => last = Some(e),
            }
        }
        last
    }
}

/// Rotates the key stored under `name`: `CreateAccessKey`, the new key stored, checked with
/// `GetCallerIdentity` (tried again while it propagates), then `DeleteAccessKey` of the old
/// one. IAM is called with the key itself, or with its MFA session where the user's policy
/// requires MFA (a refused call is made again through it). Any step that fails leaves a
/// working key stored and says what state IAM is in.
///
/// # Errors
/// A [`RotateError`] naming the state.
pub async fn rotate(
    access: &Access,
    name: &str,
    mfa: &MfaSource,
    now: OffsetDateTime,
    propagation: Propagation,
) -> Result<Rotated, RotateError> {
    let mut r = Rotation::start(access, name, now).await?;
    let old_record = access.keys.record(name);
    let (new, created_at) = r.create(mfa, now).await?;
    let new_tail = key_tail(&new.access_key_id);
    tracing::info!(user = r.user, new = %new_tail, old = %r.old_tail, "new access key made");

    // Stored before anything else: from here on, losing it would lose the key.
    let new_record = KeyRecord {
        name: name.to_owned(),
        key_tail: new_tail.clone(),
        user_arn: r.user_arn.clone(),
        created: created_at.unwrap_or(now),
        stored_in: String::new(),
    };
    if let Err(why) = access.keys.put(&new, &new_record) {
        let rolled_back = r.delete(&new.access_key_id).await.is_ok();
        return Err(RotateError::NotStored {
            new_tail,
            new_key_id: new.access_key_id.clone(),
            user: r.user.clone(),
            old_tail: r.old_tail.clone(),
            why,
            rolled_back,
        });
    }
    if let Some(why) = r.check_new(&new, propagation).await {
        let restored = old_record
            .as_ref()
            .map_or(Ok(()), |rec| access.keys.put(&r.old, rec));
        if let Err(e) = restored {
            tracing::error!(error = %e, "the old key could not be stored again");
        }
        return Err(RotateError::NotWorking {
            new_tail,
            new_key_id: new.access_key_id.clone(),
            old_tail: r.old_tail.clone(),
            user: r.user.clone(),
            tries: propagation.tries,
            why,
        });
    }
    if let Err(why) = r.delete(&r.old.access_key_id).await {
        return Err(RotateError::OldNotDeleted {
            new_tail,
            old_key_id: r.old.access_key_id.clone(),
            user: r.user.clone(),
            why,
        });
    }
    tracing::info!(user = r.user, new = %new_tail, old = %r.old_tail, "access key rotated");
    Ok(Rotated {
        record: access.keys.record(name).unwrap_or(new_record),
        old_key_id: r.old.access_key_id.clone(),
    })
}

fn is_limit(e: &AwsError) -> bool {
    matches!(e, AwsError::Service { code, .. } if code == "LimitExceeded" || code == "LimitExceededException")
        || matches!(e, AwsError::Throttled { .. }) && e.to_string().contains("LimitExceeded")
}
