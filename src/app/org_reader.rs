//! Whose credentials read the organization (and Cost Explorer): the credentials as they are (a
//! profile, the standard chain), their MFA session (`[org] mfa`), or a role awsnav assumes
//! itself (`[org] role`, `[cost] role`, or a role profile named as the profile) through the
//! same flow as getting into an account — the cached MFA session, one code, one prompt.

use std::sync::Arc;

use time::OffsetDateTime;

use super::access::{AccessTarget, MfaSource};
use super::context::AppContext;
use super::cost_reader::CostState;
use super::sync::{self, SyncStats};
use crate::aws::AwsError;
use crate::aws::org::SyncProgress;
use crate::config::OrgMfa;
use crate::domain::credentials::Credentials;
use crate::domain::inventory::Inventory;
use crate::domain::roles::{ProfileRole, RoleOption, parse_role_arn};

/// How a read gets its credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reader {
    /// The credentials of this profile (`None`: the standard chain): the key stored under its
    /// name, else as the SDK finds them.
    AsTheyAre(Option<String>),
    /// The MFA session of those credentials (of this profile; `None`: the standard chain).
    MfaSession(Option<String>),
    /// A role awsnav assumes (with the MFA session where there is an MFA device).
    Role(RoleOption),
}

impl Reader {
    /// What reads the organization: `[org] role`; else `[org] profile` (or `--profile`) when
    /// it is a role profile with a `source_profile`; else the credentials as they are, through
    /// their MFA session when `[org] mfa = "always"`.
    #[must_use]
    pub fn organization(ctx: &AppContext) -> Self {
        Self::of(
            ctx,
            ctx.config.org.role.as_deref(),
            ctx.access.org_profile.as_deref(),
        )
    }

    /// What reads Cost Explorer: `[cost] role`, else `[org] role`; else `[cost] profile` (or
    /// the organization's) when it is a role profile; else as the organization is read.
    #[must_use]
    pub fn cost(ctx: &AppContext) -> Self {
        let role = ctx
            .config
            .cost
            .role
            .as_deref()
            .or(ctx.config.org.role.as_deref());
        Self::of(ctx, role, ctx.cost.profile.as_deref())
    }

    fn of(ctx: &AppContext, role: Option<&str>, profile: Option<&str>) -> Self {
        if let Some(arn) = role
            && let Some(role) = role_of_arn(arn)
        {
            return Self::Role(role);
        }
        if let Some(p) = profile
            && let Some(role) = role_profile(ctx, p)
        {
            return Self::Role(role);
        }
        match ctx.config.org.mfa {
            OrgMfa::Always => Self::MfaSession(profile.map(str::to_owned)),
            OrgMfa::Auto | OrgMfa::Never => Self::AsTheyAre(profile.map(str::to_owned)),
        }
    }

    /// The credentials of this reader (`None`: as they are, for the SDK to find).
    ///
    /// # Errors
    /// When the role cannot be assumed or the MFA session had (no code, wrong code…).
    pub async fn credentials(
        &self,
        ctx: &AppContext,
        mfa: &MfaSource,
        now: OffsetDateTime,
    ) -> Result<Option<Credentials>, AwsError> {
        match self {
            // A key in the key store, named like the profile, comes before the profile's own.
            Self::AsTheyAre(profile) => Ok(ctx
                .access
                .stored_key(profile.as_deref())?
                .map(|(_, k)| k.credentials())),
            Self::MfaSession(profile) => ctx
                .access
                .mfa_session(profile.as_deref(), mfa, now)
                .await
                .map(Some),
            Self::Role(role) => {
                let account_id = role
                    .profile
                    .as_ref()
                    .map(|p| p.account_id.clone())
                    .unwrap_or_default();
                let target = AccessTarget {
                    account_name: account_id.clone(),
                    account_id,
                    role: role.clone(),
                    duration: None,
                };
                Ok(Some(
                    ctx.access.credentials(&target, mfa, now).await?.credentials,
                ))
            }
        }
    }
}

/// A role given by its ARN (path included), as an offered role whose profile holds the ARN.
fn role_of_arn(arn: &str) -> Option<RoleOption> {
    let (account_id, role_name) = parse_role_arn(arn)?;
    Some(RoleOption {
        name: role_name.clone(),
        profile: Some(Arc::new(ProfileRole {
            profile: String::new(),
            account_id,
            role_name,
            source_profile: None,
            mfa_serial: None,
            duration_seconds: None,
            external_id: None,
            region: None,
            role_arn: arn.to_owned(),
        })),
        sso: false,
        saml: None,
    })
}

/// The role of a role profile (`role_arn` with a `source_profile`), which awsnav assumes
/// itself: the SDK's own provider cannot ask for an MFA code.
fn role_profile(ctx: &AppContext, profile: &str) -> Option<RoleOption> {
    let files = ctx.aws_files();
    files.get(profile, "source_profile")?;
    let role = files.profile_role(profile)?;
    Some(RoleOption {
        name: role.role_name.clone(),
        profile: Some(Arc::new(role)),
        sso: false,
        saml: None,
    })
}

/// One sync with the organization's reader: the role or MFA session first when configured;
/// with `[org] mfa = "auto"`, a read Organizations refuses is made again through the MFA
/// session.
///
/// # Errors
/// As [`sync::run`], and when the reader's credentials cannot be had.
pub async fn sync(
    ctx: &AppContext,
    mfa: &MfaSource,
    now: impl Fn() -> OffsetDateTime,
    progress: &(dyn Fn(SyncProgress) + Send + Sync),
) -> Result<(Inventory, SyncStats), AwsError> {
    if let Some(shared) = &ctx.shared {
        let started = std::time::Instant::now();
        let mut inventory = shared.read(now()).await?;
        inventory.profile.clone_from(&ctx.sync.settings.profile);
        inventory.api_calls = 0;
        tracing::info!(source = %shared.location, accounts = inventory.org.accounts.len(), "shared inventory read");
        let stats = SyncStats {
            api_calls: 0,
            attempts: 0,
            throttled: 0,
            elapsed: started.elapsed(),
            org_denied: false,
        };
        return Ok((inventory, stats));
    }
    let reader = Reader::organization(ctx);
    let credentials = reader.credentials(ctx, mfa, now()).await?;
    let first = sync::run(&ctx.sync, credentials.as_ref(), &now, progress).await;
    let denied = match &first {
        Ok((_, stats)) => stats.org_denied,
        Err(e) => e.is_organizations_denied(),
    };
    if denied && matches!(reader, Reader::AsTheyAre(_)) && ctx.config.org.mfa == OrgMfa::Auto {
        tracing::info!("Organizations refused the credentials; reading again with MFA");
        let session = Reader::MfaSession(ctx.access.org_profile.clone())
            .credentials(ctx, mfa, now())
            .await?;
        return sync::run(&ctx.sync, session.as_ref(), &now, progress).await;
    }
    first
}

/// Costs as of `now`, read by the cost reader (see [`Reader::cost`]) when the cache cannot
/// answer; with `[org] mfa = "auto"`, a read Cost Explorer refuses is made again through the
/// MFA session.
pub async fn read_costs(
    ctx: &AppContext,
    mfa: &MfaSource,
    force: bool,
    now: OffsetDateTime,
) -> CostState {
    if !ctx.orgs.is_empty() {
        // Each organization's costs in its own management account, at once; together.
        let reads = ctx.orgs.iter().map(|(name, org)| {
            Box::pin(async move { (name, read_one_org_costs(org, mfa, force, now).await) })
        });
        let states = futures_util::future::join_all(reads).await;
        return merge_costs(
            states
                .into_iter()
                .map(|(name, state)| (name.as_str(), state)),
        );
    }
    read_one_org_costs(ctx, mfa, force, now).await
}

/// Several organizations' costs as one: the accounts of every organization that has them,
/// the requests summed, served from the caches only when every part was. `Disabled` when
/// every organization's are off; `Unavailable` when none could be read, naming each.
fn merge_costs<'a>(states: impl Iterator<Item = (&'a str, CostState)>) -> CostState {
    let mut merged: Option<(crate::domain::cost::CostSnapshot, bool)> = None;
    let mut missing = Vec::new();
    for (name, state) in states {
        match state {
            CostState::Disabled => {}
            CostState::Unavailable { reason } => missing.push(format!("{name}: {reason}")),
            CostState::Known { snapshot, cached } => match &mut merged {
                None => merged = Some((snapshot, cached)),
                Some((all, all_cached)) => {
                    all.monthly.extend(snapshot.monthly);
                    all.requests += snapshot.requests;
                    all.fetched_at = all.fetched_at.min(snapshot.fetched_at);
                    *all_cached &= cached;
                }
            },
        }
    }
    match merged {
        Some((snapshot, cached)) => {
            if !missing.is_empty() {
                tracing::warn!(missing = %missing.join("; "), "some organizations' costs not read");
            }
            CostState::Known { snapshot, cached }
        }
        None if missing.is_empty() => CostState::Disabled,
        None => CostState::Unavailable {
            reason: missing.join("; "),
        },
    }
}

/// One organization's costs (see [`read_costs`]).
async fn read_one_org_costs(
    ctx: &AppContext,
    mfa: &MfaSource,
    force: bool,
    now: OffsetDateTime,
) -> CostState {
    if let Some(state) = ctx.cost.without_reading(force, now) {
        return state;
    }
    let reader = Reader::cost(ctx);
    let read = match reader.credentials(ctx, mfa, now).await {
        Ok(credentials) => ctx.cost.fetch(now, credentials.as_ref()).await,
        Err(e) => Err(e),
    };
    let denied =
        matches!(&read, Err(AwsError::AccessDenied { action, .. }) if action.starts_with("ce:"));
    if denied && matches!(reader, Reader::AsTheyAre(_)) && ctx.config.org.mfa == OrgMfa::Auto {
        let retry = match Reader::MfaSession(ctx.cost.profile.clone())
            .credentials(ctx, mfa, now)
            .await
        {
            Ok(credentials) => ctx.cost.fetch(now, credentials.as_ref()).await,
            Err(e) => Err(e),
        };
        return ctx.cost.state_of(retry);
    }
    ctx.cost.state_of(read)
}
