//! The snapshot of the organization that the UI shows (its file is `store::inventory_cache`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::guardrails::Guardrails;
use super::model::{AccountId, CallerIdentity, Org, SyncGap};

/// Everything awsnav knows about an organization at one point in time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    pub org: Org,
    #[serde(with = "time::serde::rfc3339")]
    pub synced_at: OffsetDateTime,
    /// The profile the data was read with (`None`: standard chain).
    pub profile: Option<String>,
    pub identity: Option<CallerIdentity>,
    /// API requests the sync that produced this snapshot made.
    pub api_calls: u64,
    /// What that sync could not read: empty for a complete snapshot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<SyncGap>,
    /// Why the organization could not be read when only IAM Identity Center's accounts are
    /// shown (no credentials, access denied, not in an organization).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_error: Option<String>,
    /// The organization's policies read so far (see [`Guardrails`]).
    #[serde(default, skip_serializing_if = "Guardrails::is_empty")]
    pub guardrails: Guardrails,
    /// With several configured organizations read as one tree: each one's node, state and
    /// failure ([`crate::domain::orgs::combine`]). Empty with one organization.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orgs: Vec<OrgSummary>,
}

/// One configured organization as the combined tree shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSummary {
    /// `[[org]] name`.
    pub name: String,
    /// Its node in the tree: the organization's root id (an OU of the combined tree).
    pub node: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_account_id: Option<AccountId>,
    /// When what is shown of it was read; `None`: never.
    #[serde(
        with = "time::serde::rfc3339::option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub synced_at: Option<OffsetDateTime>,
    /// Why its last sync failed (what is shown is then its cache, or nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Accounts shown under it.
    pub accounts: usize,
}

impl Inventory {
    /// Whether some requests of the sync failed for good, so parts may be missing.
    #[must_use]
    pub fn is_partial(&self) -> bool {
        !self.gaps.is_empty() || self.orgs.iter().any(|o| o.failure.is_some())
    }

    /// One line on what is missing, for banners and warnings; `None` when complete.
    #[must_use]
    pub fn partial_summary(&self) -> Option<String> {
        let failed: Vec<String> = self
            .orgs
            .iter()
            .filter_map(|o| Some(format!("{} ({})", o.name, o.failure.as_ref()?)))
            .collect();
        if !failed.is_empty() {
            return Some(format!(
                "not read, so shown from the cache: {}",
                failed.join("; ")
            ));
        }
        let first = self.gaps.first()?;
        let n = self.gaps.len();
        let requests = if n == 1 { "request" } else { "requests" };
        Some(format!(
            "partial sync: {n} {requests} kept failing, so some OUs, accounts or tags may be missing (first: {first})"
        ))
    }
}

/// "just now", "3 min ago", "2 h ago", "5 days ago".
#[must_use]
pub fn age_text(then: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (now - then).whole_seconds();
    match secs {
        i64::MIN..60 => "just now".into(),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        86_400..172_800 => "1 day ago".into(),
        _ => format!("{} days ago", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn ages_read_naturally() {
        let t = datetime!(2026-11-01 10:00 UTC);
        assert_eq!(age_text(t, t + time::Duration::seconds(5)), "just now");
        assert_eq!(age_text(t, t + time::Duration::minutes(3)), "3 min ago");
        assert_eq!(age_text(t, t + time::Duration::hours(2)), "2 h ago");
        assert_eq!(age_text(t, t + time::Duration::hours(30)), "1 day ago");
        assert_eq!(age_text(t, t + time::Duration::days(5)), "5 days ago");
        assert_eq!(age_text(t, t - time::Duration::minutes(5)), "just now");
    }
}
