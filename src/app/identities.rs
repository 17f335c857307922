//! Every identity awsnav can get in with, and how long each has left: the organization's base
//! identity (its MFA session), the IAM Identity Center sign-in, each SAML provider's sessions,
//! each console session, each key in the key store. Read from what is cached, never from AWS:
//! for `awsnav status`, a prompt, and the TUI.

use serde::Serialize;
use time::OffsetDateTime;

use super::access::Access;
use super::context::AppContext;

/// What kind of identity it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The identity roles are assumed from: a profile, the standard chain, or a stored key;
    /// its time is its MFA session's.
    Base,
    /// An IAM Identity Center sign-in.
    IdentityCenter,
    /// A SAML identity provider (its role sessions: the assertion is never kept).
    Saml,
    /// A console session (`awsnav login --console`).
    ConsoleSession,
    /// A long-lived key in the key store: it does not end, but grows old.
    StoredKey,
}

impl Kind {
    /// How a person calls it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Base => "base identity",
            Self::IdentityCenter => "Identity Center",
            Self::Saml => "SAML",
            Self::ConsoleSession => "console session",
            Self::StoredKey => "stored key",
        }
    }
}

/// One identity and its time left.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub kind: Kind,
    /// The profile, instance, provider or key name.
    pub name: String,
    /// Whether awsnav can get in with it now without asking anyone.
    pub signed_in: bool,
    /// When what it holds ends; `None` when nothing is held or it does not end.
    #[serde(with = "time::serde::rfc3339::option")]
    pub ends: Option<OffsetDateTime>,
    /// Seconds from now to `ends` (never below 0).
    pub seconds_left: Option<i64>,
    /// What it is, in a few words: "MFA session", "start URL …", "key …ABCD, 41 days old".
    pub detail: String,
    /// How to sign in (again) with it.
    pub sign_in: Option<String>,
    /// The organization (`[[org]] name`) it gets into, with several; left out otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

impl Identity {
    fn new(
        kind: Kind,
        name: impl Into<String>,
        ends: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Self {
        let live = ends.filter(|e| *e > now);
        Self {
            kind,
            name: name.into(),
            signed_in: live.is_some(),
            ends,
            seconds_left: live.map(|e| (e - now).whole_seconds().max(0)),
            detail: String::new(),
            sign_in: None,
            org: None,
        }
    }

    /// Its name as lists show it: with its organization first, with several (`corp: mgmt`).
    #[must_use]
    pub fn full_name(&self) -> String {
        match &self.org {
            Some(org) => format!("{org}: {}", self.name),
            None => self.name.clone(),
        }
    }

    fn about(mut self, detail: impl Into<String>, sign_in: Option<String>) -> Self {
        self.detail = detail.into();
        self.sign_in = sign_in;
        self
    }

    /// "11 h", "43 min", "ended", "not signed in".
    #[must_use]
    pub fn left(&self) -> String {
        match (self.seconds_left, self.ends) {
            (Some(s), _) => {
                let t0 = OffsetDateTime::UNIX_EPOCH;
                crate::domain::credentials::time_left(t0 + time::Duration::seconds(s), t0)
            }
            (None, Some(_)) => "ended".to_owned(),
            (None, None) if self.kind == Kind::StoredKey => "does not end".to_owned(),
            (None, None) => "not signed in".to_owned(),
        }
    }
}

/// Every identity of this configuration as of `now`: the base identity, Identity Center, the
/// SAML providers, the console sessions, the stored keys.
pub async fn identities(ctx: &AppContext, now: OffsetDateTime) -> Vec<Identity> {
    let mut all = Vec::new();
    if ctx.orgs.is_empty() {
        all.extend(own_identities(ctx, now).await);
    } else {
        // Each organization's base identity and Identity Center instance (an instance two
        // organizations share, once).
        for (name, org) in &ctx.orgs {
            for mut identity in own_identities(org, now).await {
                let shared = identity.kind == Kind::IdentityCenter
                    && all.iter().any(|i: &Identity| {
                        i.kind == Kind::IdentityCenter && i.detail == identity.detail
                    });
                if !shared {
                    identity.org = Some(name.clone());
                    all.push(identity);
                }
            }
        }
    }
    all.extend(shared_identities(ctx, now));
    all
}

/// The identities that get into one organization: its base identity (and MFA session) and
/// its Identity Center instance.
async fn own_identities(ctx: &AppContext, now: OffsetDateTime) -> Vec<Identity> {
    let access = &ctx.access;
    let mut all = Vec::new();

    // The base identity and its MFA session.
    let base = access.base_profile.as_deref();
    all.push(
        Identity::new(
            Kind::Base,
            base.unwrap_or("standard credential chain"),
            access
                .cache
                .mfa(&Access::base_key(base), now)
                .and_then(|m| m.credentials.expiration),
            now,
        )
        .about(
            format!("{}; MFA session", access.base_source(base)),
            Some("any command that gets into an account asks for an MFA code".to_owned()),
        ),
    );

    // IAM Identity Center.
    if ctx.config.sso.enabled
        && let Ok(Some(source)) =
            crate::aws::sso::resolve(&ctx.config.sso, access.org_profile.as_deref()).await
    {
        let token = crate::aws::sso_oidc::read_token(&source);
        all.push(
            Identity::new(
                Kind::IdentityCenter,
                source.profile.clone(),
                token
                    .as_ref()
                    .and_then(crate::aws::sso_oidc::CachedToken::expires),
                now,
            )
            .about(
                source.start_url.clone(),
                Some(format!("awsnav login --profile {}", source.profile)),
            ),
        );
    }

    all
}

/// The identities of every organization: SAML providers, console sessions, stored keys.
fn shared_identities(ctx: &AppContext, now: OffsetDateTime) -> Vec<Identity> {
    let access = &ctx.access;
    let mut all = Vec::new();

    // SAML providers: the last of their role sessions.
    for idp in &access.saml {
        let ends = access
            .cache
            .role_expiries(&format!("saml-{}", idp.name), now)
            .into_iter()
            .map(|(_, _, e)| e)
            .max();
        all.push(
            Identity::new(Kind::Saml, idp.name.clone(), ends, now).about(
                "role sessions (the assertion is never kept)",
                Some(format!("awsnav login --saml {}", idp.name)),
            ),
        );
    }

    // Console sessions: every profile that has one.
    for profile in ctx.aws_files().profile_names() {
        if let Some(status) = super::console_sign_in::status(ctx, profile) {
            all.push(
                Identity::new(
                    Kind::ConsoleSession,
                    profile,
                    status.ends.filter(|_| status.signed_in),
                    now,
                )
                .about(
                    format!("as {}", status.user),
                    Some(format!("awsnav login --console --profile {profile}")),
                ),
            );
        }
    }

    // Keys in the key store.
    for record in access.keys.list() {
        let mut key = Identity::new(Kind::StoredKey, record.name.clone(), None, now).about(
            format!(
                "key …{}, {} days old, in the {}",
                record.key_tail,
                (now - record.created).whole_days().max(0),
                record.stored_in
            ),
            None,
        );
        key.signed_in = true;
        all.push(key);
    }
    all
}

/// The identities signed in whose time ends within `within` of `now`, soonest first: what a
/// warning names before a shell's or `serve`'s renewals start to fail.
#[must_use]
pub fn ending_soon(all: &[Identity], within: time::Duration) -> Vec<&Identity> {
    let mut soon: Vec<&Identity> = all
        .iter()
        .filter(|i| i.seconds_left.is_some_and(|s| s <= within.whole_seconds()))
        .collect();
    soon.sort_by_key(|i| i.seconds_left);
    soon
}

/// How long before a sign-in ends it is warned of.
pub const WARN_BEFORE: time::Duration = time::Duration::minutes(10);

/// The sign-ins renewals of `role` go through: Identity Center for its roles, the SAML
/// provider for its roles, else the base profile's console session (when it is one).
#[must_use]
pub fn relied_on(
    access: &Access,
    role: &crate::domain::roles::RoleOption,
) -> Vec<(Kind, Option<String>)> {
    if role.sso {
        return vec![(Kind::IdentityCenter, None)];
    }
    if let Some(saml) = &role.saml {
        return vec![(Kind::Saml, Some(saml.idp.clone()))];
    }
    access
        .base_profile_for(role)
        .map(|p| vec![(Kind::ConsoleSession, Some(p))])
        .unwrap_or_default()
}

/// While the returned task runs, checks every minute the sign-ins of `which` (every
/// Identity Center sign-in, console session and SAML provider when `None`); `warn` hears,
/// once per sign-in and end, one that ends within [`WARN_BEFORE`].
pub fn watch(
    ctx: std::sync::Arc<AppContext>,
    which: Option<Vec<(Kind, Option<String>)>>,
    warn: std::sync::Arc<dyn Fn(&str) + Send + Sync>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut warned: Vec<(String, OffsetDateTime)> = Vec::new();
        loop {
            let now = OffsetDateTime::now_utc();
            let all = identities(&ctx, now).await;
            let wanted = |i: &Identity| match &which {
                None => matches!(
                    i.kind,
                    Kind::IdentityCenter | Kind::ConsoleSession | Kind::Saml
                ),
                Some(list) => list
                    .iter()
                    .any(|(k, n)| *k == i.kind && n.as_ref().is_none_or(|n| *n == i.name)),
            };
            for i in ending_soon(&all, WARN_BEFORE) {
                let Some(end) = i.ends.filter(|_| wanted(i)) else {
                    continue;
                };
                let key = format!("{:?} {}", i.kind, i.name);
                if warned.iter().any(|(k, e)| *k == key && *e == end) {
                    continue;
                }
                warn(&format!(
                    "the {} sign-in {} ends in {}: renewals through it will fail then; sign in again{}",
                    i.kind.label(),
                    crate::domain::untrusted::visible(&i.name),
                    i.left(),
                    i.sign_in
                        .as_ref()
                        .map(|how| format!(" (`{how}`)"))
                        .unwrap_or_default()
                ));
                warned.push((key, end));
            }
            tokio::time::sleep(std::time::Duration::from_mins(1)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-07 12:00 UTC);

    #[test]
    fn time_left_is_said_as_a_person_reads_it() {
        let live = Identity::new(
            Kind::IdentityCenter,
            "corp",
            Some(NOW + time::Duration::minutes(43)),
            NOW,
        );
        assert!(live.signed_in);
        assert_eq!(live.seconds_left, Some(43 * 60));
        assert_eq!(live.left(), "43 min");
        let ended = Identity::new(
            Kind::IdentityCenter,
            "corp",
            Some(NOW - time::Duration::minutes(1)),
            NOW,
        );
        assert!(!ended.signed_in);
        assert_eq!((ended.seconds_left, ended.left().as_str()), (None, "ended"));
        let never = Identity::new(Kind::Saml, "okta", None, NOW);
        assert_eq!(never.left(), "not signed in");
    }

    #[test]
    fn what_ends_soon_is_named_soonest_first() {
        let at = |m: i64| Some(NOW + time::Duration::minutes(m));
        let all = [
            Identity::new(Kind::Base, "base", at(600), NOW),
            Identity::new(Kind::IdentityCenter, "corp", at(9), NOW),
            Identity::new(Kind::Saml, "okta", at(3), NOW),
            Identity::new(Kind::ConsoleSession, "dev", at(-5), NOW),
        ];
        let soon: Vec<&str> = ending_soon(&all, time::Duration::minutes(10))
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(soon, ["okta", "corp"]);
        let json = serde_json::to_value(&all[1]).unwrap();
        assert_eq!(json["kind"], "identity_center");
        assert_eq!(json["ends"], "2026-12-07T12:09:00Z");
        assert_eq!(json["seconds_left"], 540);
    }
}
