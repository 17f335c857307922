//! The inventory cache's binary layout: read at every start, so it is made to be read fast.
//! A JSON file of 10,000 accounts spent most of a command's time in the JSON parser (field
//! names matched, escapes looked for, dates parsed from text); here the accounts are fields
//! one after another, each string its length then its bytes, and reading one is a bounds check
//! and a copy.
//!
//! ```text
//! magic "AWSNAV\0I" · format u32 · CRC-32 of what follows u32
//! meta: length u32, then JSON (sync time, identity, gaps, guardrails, root and org ids)
//! OUs: count u32, then per OU: id, name, parent id
//! accounts: count u32, then per account: id (12 ASCII digits), name, email, status u8,
//!   flags u8 (1: joined known, 2: in IAM Identity Center), [joined: unix seconds i64,
//!   nanoseconds u32, UTC offset seconds i32], parent id, tag count u32 + key/value pairs
//! ```
//!
//! Integers are little-endian; a string is its length (u32) and its UTF-8 bytes. The CRC
//! catches a damaged file before anything in it is believed; every length is checked against
//! what is left, so even a file with a right CRC and a wrong shape is an error, never a panic
//! or a huge allocation.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::guardrails::Guardrails;
use crate::domain::inventory::Inventory;
use crate::domain::model::{
    Account, AccountId, AccountStatus, CallerIdentity, Org, OrgUnit, SyncGap, Tags,
};

/// The first bytes of a binary inventory file.
pub const MAGIC: &[u8; 8] = b"AWSNAV\0I";

/// The length of the fixed header: magic, format, CRC.
const HEADER: usize = 16;

/// Why bytes are not a binary inventory of the format asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum BinaryProblem {
    /// Another format (`found`): older or newer.
    OtherFormat(u32),
    /// Damaged: the CRC does not match, or the shape is wrong.
    Corrupt(String),
}

/// Whether `bytes` start like a binary inventory file.
#[must_use]
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Everything of an inventory but its OUs and accounts, kept as JSON: small, and its shape
/// free to grow with `serde(default)`.
#[derive(Serialize)]
struct MetaRef<'a> {
    #[serde(with = "time::serde::rfc3339")]
    synced_at: OffsetDateTime,
    profile: &'a Option<String>,
    identity: &'a Option<CallerIdentity>,
    api_calls: u64,
    gaps: &'a [SyncGap],
    org_error: &'a Option<String>,
    guardrails: &'a Guardrails,
    root_id: &'a str,
    org_id: &'a Option<String>,
    management_account_id: &'a Option<AccountId>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(with = "time::serde::rfc3339")]
    synced_at: OffsetDateTime,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    identity: Option<CallerIdentity>,
    #[serde(default)]
    api_calls: u64,
    #[serde(default)]
    gaps: Vec<SyncGap>,
    #[serde(default)]
    org_error: Option<String>,
    #[serde(default)]
    guardrails: Guardrails,
    root_id: String,
    #[serde(default)]
    org_id: Option<String>,
    #[serde(default)]
    management_account_id: Option<AccountId>,
}

/// `inventory` in binary format `format`.
///
/// # Errors
/// Never in practice (the meta part is owned data serialized to JSON).
pub fn encode(inventory: &Inventory, format: u32) -> serde_json::Result<Vec<u8>> {
    let org = &inventory.org;
    let meta = serde_json::to_vec(&MetaRef {
        synced_at: inventory.synced_at,
        profile: &inventory.profile,
        identity: &inventory.identity,
        api_calls: inventory.api_calls,
        gaps: &inventory.gaps,
        org_error: &inventory.org_error,
        guardrails: &inventory.guardrails,
        root_id: &org.root_id,
        org_id: &org.org_id,
        management_account_id: &org.management_account_id,
    })?;
    let mut out = Vec::with_capacity(HEADER + meta.len() + 64 + org.accounts.len() * 160);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&format.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // the CRC, filled in last
    bytes(&mut out, &meta);
    count(&mut out, org.org_units.len());
    for ou in &org.org_units {
        string(&mut out, &ou.id);
        string(&mut out, &ou.name);
        string(&mut out, &ou.parent_id);
    }
    count(&mut out, org.accounts.len());
    for a in &org.accounts {
        out.extend_from_slice(a.id.as_str().as_bytes());
        string(&mut out, &a.name);
        string(&mut out, &a.email);
        out.push(status_code(a.status));
        out.push(u8::from(a.joined.is_some()) | (u8::from(a.sso) << 1));
        if let Some(j) = a.joined {
            out.extend_from_slice(&j.unix_timestamp().to_le_bytes());
            out.extend_from_slice(&j.nanosecond().to_le_bytes());
            out.extend_from_slice(&j.offset().whole_seconds().to_le_bytes());
        }
        string(&mut out, &a.parent_id);
        count(&mut out, a.tags.len());
        for (k, v) in &a.tags {
            string(&mut out, k);
            string(&mut out, v);
        }
    }
    let crc = crc32fast::hash(&out[HEADER..]);
    out[12..16].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// The inventory in `bytes`, a binary file of format `format`.
///
/// # Errors
/// [`BinaryProblem`]: another format, or a damaged file.
pub fn decode(bytes: &[u8], format: u32) -> Result<Inventory, BinaryProblem> {
    decode_where(bytes, format, |_| true)
}

/// [`decode`] keeping only the accounts whose id `keep` accepts (the others are stepped over
/// without being built): getting into one account by its id reads that one.
///
/// # Errors
/// [`BinaryProblem`]: another format, or a damaged file.
pub fn decode_where(
    bytes: &[u8],
    format: u32,
    keep: impl Fn(&str) -> bool,
) -> Result<Inventory, BinaryProblem> {
    // The accounts not kept are stepped over, their strings neither checked nor copied: one
    // account out of thousands (`env ACCOUNT`) costs about what one does.
    let view = parse(bytes, format, &keep)?;
    // Exactly as many as are read: collected from an iterator of unknown length, ten thousand
    // accounts grew the vector by doubling to half as much again, and a copy each time.
    let mut accounts = Vec::with_capacity(view.accounts.len());
    for a in &view.accounts {
        accounts.push(view.owned(a)?);
    }
    let mut inventory = view.rest;
    inventory.org.accounts = accounts;
    Ok(inventory)
}

/// An account read in place: its strings are the file's bytes.
#[derive(Clone, Debug)]
pub struct AccountRef<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub status: AccountStatus,
    pub joined: Option<OffsetDateTime>,
    pub parent_id: &'a str,
    /// IAM Identity Center's portal lists it.
    pub sso: bool,
    tags: std::ops::Range<usize>,
}

/// A binary inventory read in place, for a command that only shows it (`list --json`): the
/// accounts' strings are not copied out of the file, and no account is built.
#[derive(Debug)]
pub struct InventoryView<'a> {
    /// Everything but the accounts (owned: small).
    pub rest: Inventory,
    pub accounts: Vec<AccountRef<'a>>,
    tags: Vec<(&'a str, &'a str)>,
}

impl<'a> InventoryView<'a> {
    /// The tags of `a` (sorted by key, as the file keeps them).
    #[must_use]
    pub fn tags(&self, a: &AccountRef<'a>) -> &[(&'a str, &'a str)] {
        &self.tags[a.tags.clone()]
    }

    /// `a` as an owned account.
    ///
    /// # Errors
    /// When its id is not an account id.
    fn owned(&self, a: &AccountRef<'a>) -> Result<Account, BinaryProblem> {
        Ok(Account {
            id: AccountId::parse(a.id)
                .map_err(|_| BinaryProblem::Corrupt("an account id is not 12 digits".to_owned()))?,
            name: a.name.to_owned(),
            email: a.email.to_owned(),
            status: a.status,
            joined: a.joined,
            parent_id: a.parent_id.to_owned(),
            tags: Tags::from_pairs(
                self.tags(a)
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            sso: a.sso,
            sso_roles: Vec::new(),
            sso_roles_read: false,
            org: None,
        })
    }
}

/// `bytes`, a binary inventory of format `format`, read in place ([`InventoryView`]).
///
/// # Errors
/// [`BinaryProblem`]: another format, or a damaged file.
pub fn view(bytes: &[u8], format: u32) -> Result<InventoryView<'_>, BinaryProblem> {
    parse(bytes, format, &|_| true)
}

/// [`view`] with only the accounts whose id `keep` accepts; the others are stepped over.
fn parse<'a>(
    bytes: &'a [u8],
    format: u32,
    keep: &dyn Fn(&str) -> bool,
) -> Result<InventoryView<'a>, BinaryProblem> {
    let corrupt = |what: &str| BinaryProblem::Corrupt(what.to_owned());
    if bytes.len() < HEADER || !is_binary(bytes) {
        return Err(corrupt("too short for its header"));
    }
    let found = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if found != format {
        return Err(BinaryProblem::OtherFormat(found));
    }
    let crc = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
    if crc32fast::hash(&bytes[HEADER..]) != crc {
        return Err(corrupt(
            "its checksum does not match: it was damaged or cut short",
        ));
    }
    let mut r = Reader { bytes, at: HEADER };
    let meta: Meta = serde_json::from_slice(r.bytes()?)
        .map_err(|e| BinaryProblem::Corrupt(format!("its header: {e}")))?;
    // Each OU takes at least 12 bytes and each account 12 + 4 + 4 + 2 + 4 + 4.
    let ous = r.count(12)?;
    let mut ou_refs = Vec::with_capacity(ous);
    for _ in 0..ous {
        ou_refs.push((r.str()?, r.str()?, r.str()?));
    }
    let n = r.count(30)?;
    let mut accounts = Vec::with_capacity(n);
    let mut tags = Vec::with_capacity(n * 2);
    for _ in 0..n {
        if let Some(account) = r.account_if(keep, &mut tags)? {
            accounts.push(account);
        }
    }
    // With accounts left out, only the OUs above those kept (`env ACCOUNT` needs its path,
    // not the thousands of other OUs of a large organization).
    let org_units = if accounts.len() == n {
        ou_refs.iter().map(|&ou| owned_ou(ou)).collect()
    } else {
        ancestors(&ou_refs, accounts.iter().map(|a| a.parent_id))
    };
    if r.at != bytes.len() {
        return Err(corrupt("bytes are left after its last account"));
    }
    Ok(InventoryView {
        rest: Inventory {
            org: Org {
                root_id: meta.root_id,
                org_id: meta.org_id,
                management_account_id: meta.management_account_id,
                org_units,
                accounts: Vec::new(),
            },
            synced_at: meta.synced_at,
            profile: meta.profile,
            identity: meta.identity,
            api_calls: meta.api_calls,
            gaps: meta.gaps,
            org_error: meta.org_error,
            guardrails: meta.guardrails,
            orgs: Vec::new(),
        },
        accounts,
        tags,
    })
}

fn owned_ou((id, name, parent_id): (&str, &str, &str)) -> OrgUnit {
    OrgUnit {
        id: id.to_owned(),
        name: name.to_owned(),
        parent_id: parent_id.to_owned(),
    }
}

/// The OUs of `ous` (id, name, parent) that `parents` are or are beneath, in file order.
fn ancestors<'a>(
    ous: &[(&'a str, &'a str, &'a str)],
    parents: impl Iterator<Item = &'a str>,
) -> Vec<OrgUnit> {
    let by_id: std::collections::HashMap<&str, usize> =
        ous.iter().enumerate().map(|(i, ou)| (ou.0, i)).collect();
    let mut wanted = vec![false; ous.len()];
    for parent in parents {
        let mut at = by_id.get(parent).copied();
        // Each OU once: a loop in the parents ends the walk.
        while let Some(i) = at.filter(|&i| !wanted[i]) {
            wanted[i] = true;
            at = by_id.get(ous[i].2).copied();
        }
    }
    ous.iter()
        .zip(wanted)
        .filter(|(_, w)| *w)
        .map(|(&ou, _)| owned_ou(ou))
        .collect()
}

fn count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    count(out, b.len());
    out.extend_from_slice(b);
}

fn string(out: &mut Vec<u8>, s: &str) {
    bytes(out, s.as_bytes());
}

fn status_code(s: AccountStatus) -> u8 {
    match s {
        AccountStatus::Active => 0,
        AccountStatus::Suspended => 1,
        AccountStatus::PendingActivation => 2,
        AccountStatus::PendingClosure => 3,
        AccountStatus::Closed => 4,
        AccountStatus::Unknown => 5,
    }
}

fn status_of(code: u8) -> Option<AccountStatus> {
    Some(match code {
        0 => AccountStatus::Active,
        1 => AccountStatus::Suspended,
        2 => AccountStatus::PendingActivation,
        3 => AccountStatus::PendingClosure,
        4 => AccountStatus::Closed,
        5 => AccountStatus::Unknown,
        _ => return None,
    })
}

/// Reads a binary inventory front to back, every length checked against what is left.
/// Reads a file front to back, every length checked against what is left (the cost cache's
/// layout reads with it too).
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// Reading `bytes` from `at`.
    pub(super) fn new(bytes: &'a [u8], at: usize) -> Self {
        Self { bytes, at }
    }

    /// Whether every byte has been read.
    pub(super) fn at_end(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], BinaryProblem> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| BinaryProblem::Corrupt("a length runs past its end".to_owned()))?;
        let piece = &self.bytes[self.at..end];
        self.at = end;
        Ok(piece)
    }

    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], BinaryProblem> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u32(&mut self) -> Result<u32, BinaryProblem> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// A count of items of at least `min_size` bytes each, no more than can fit in what is left.
    pub(super) fn count(&mut self, min_size: usize) -> Result<usize, BinaryProblem> {
        let n = usize::try_from(self.u32()?).unwrap_or(usize::MAX);
        if n.saturating_mul(min_size) > self.bytes.len() - self.at {
            return Err(BinaryProblem::Corrupt(
                "a count is larger than the file".to_owned(),
            ));
        }
        Ok(n)
    }

    pub(super) fn bytes(&mut self) -> Result<&'a [u8], BinaryProblem> {
        let n = usize::try_from(self.u32()?).unwrap_or(usize::MAX);
        self.take(n)
    }

    pub(super) fn str(&mut self) -> Result<&'a str, BinaryProblem> {
        std::str::from_utf8(self.bytes()?)
            .map_err(|_| BinaryProblem::Corrupt("a name is not UTF-8".to_owned()))
    }

    /// The next account when `keep` accepts its id, its tags added to `tags`; otherwise it
    /// is stepped over (its lengths followed, nothing else read).
    fn account_if(
        &mut self,
        keep: &dyn Fn(&str) -> bool,
        tags: &mut Vec<(&'a str, &'a str)>,
    ) -> Result<Option<AccountRef<'a>>, BinaryProblem> {
        let corrupt = |what: &str| BinaryProblem::Corrupt(what.to_owned());
        let id = std::str::from_utf8(self.take(12)?)
            .ok()
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| corrupt("an account id is not 12 digits"))?;
        if !keep(id) {
            self.skip_account()?;
            return Ok(None);
        }
        self.account(id, tags).map(Some)
    }

    /// Steps over the rest of an account whose id was read.
    fn skip_account(&mut self) -> Result<(), BinaryProblem> {
        self.bytes()?; // name
        self.bytes()?; // email
        let [_, flags] = self.array()?;
        if flags & 1 == 1 {
            self.take(16)?; // joined: seconds, nanoseconds, offset
        }
        self.bytes()?; // parent
        for _ in 0..self.count(8)? {
            self.bytes()?;
            self.bytes()?;
        }
        Ok(())
    }

    /// The rest of account `id`, its tags added to `tags`.
    fn account(
        &mut self,
        id: &'a str,
        tags: &mut Vec<(&'a str, &'a str)>,
    ) -> Result<AccountRef<'a>, BinaryProblem> {
        let corrupt = |what: &str| BinaryProblem::Corrupt(what.to_owned());
        let name = self.str()?;
        let email = self.str()?;
        let [status, flags] = self.array()?;
        let status = status_of(status).ok_or_else(|| corrupt("an account status is unknown"))?;
        let joined = if flags & 1 == 1 {
            let secs = i64::from_le_bytes(self.array()?);
            let nanos = self.u32()?;
            let offset = i32::from_le_bytes(self.array()?);
            let offset = time::UtcOffset::from_whole_seconds(offset)
                .map_err(|_| corrupt("a join date's offset is out of range"))?;
            Some(
                OffsetDateTime::from_unix_timestamp(secs)
                    .ok()
                    .and_then(|t| t.replace_nanosecond(nanos).ok())
                    .and_then(|t| t.checked_to_offset(offset))
                    .ok_or_else(|| corrupt("a join date is out of range"))?,
            )
        } else {
            None
        };
        let parent_id = self.str()?;
        let n = self.count(8)?;
        let start = tags.len();
        for _ in 0..n {
            tags.push((self.str()?, self.str()?));
        }
        Ok(AccountRef {
            id,
            name,
            email,
            status,
            joined,
            parent_id,
            sso: flags & 2 == 2,
            tags: start..tags.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn sample() -> Inventory {
        let mut inv = crate::domain::demo::inventory(datetime!(2026-11-21 12:00 UTC));
        inv.org.accounts[0].joined = Some(datetime!(2021-02-03 04:05:06.789 +02:00));
        inv.org.accounts[1].sso = true;
        inv.org.accounts[2].name = "東京 \u{1b}]2;x\u{7} ✓".into();
        inv.gaps.push(SyncGap {
            action: "organizations:ListChildren".into(),
            target: "ou-x".into(),
            error: "throttled".into(),
        });
        inv.org_error = Some("denied".into());
        inv
    }

    #[test]
    fn round_trips_every_field() {
        let inv = sample();
        let bytes = encode(&inv, 2).unwrap();
        assert!(is_binary(&bytes));
        let back = decode(&bytes, 2).unwrap();
        assert_eq!(back, inv);
        assert_eq!(back.org.accounts[0].joined, inv.org.accounts[0].joined);
        assert_eq!(
            back.org.accounts[0].joined.unwrap().offset(),
            time::macros::offset!(+2)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000)
        ))]
        /// Past the checksum (edits sealed with a right CRC), any shape is an error or an
        /// inventory that writes back the same: never a panic, never a huge allocation.
        #[test]
        fn sealed_edits_decode_or_are_errors(
            edits in proptest::collection::vec((proptest::prelude::any::<usize>(), proptest::prelude::any::<u8>()), 1..8),
            cut in proptest::prelude::any::<usize>(),
        ) {
            static GOOD: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            let mut bytes = GOOD.get_or_init(|| encode(&sample(), 2).unwrap()).clone();
            for (at, b) in edits {
                let at = HEADER + at % (bytes.len() - HEADER);
                bytes[at] = b;
            }
            if cut % 4 == 0 {
                bytes.truncate(HEADER + cut % (bytes.len() - HEADER));
            }
            let crc = crc32fast::hash(&bytes[HEADER..]);
            bytes[12..16].copy_from_slice(&crc.to_le_bytes());
            if let Ok(inv) = decode(&bytes, 2) {
                let again = encode(&inv, 2).unwrap();
                proptest::prop_assert_eq!(decode(&again, 2).unwrap(), inv);
            }
            // Stepping over accounts follows the same lengths: an error or no panic.
            let _ = decode_where(&bytes, 2, |id| id.ends_with('7'));
        }
    }

    #[test]
    fn one_account_is_read_without_the_others() {
        let inv = sample();
        let bytes = encode(&inv, 2).unwrap();
        let id = inv.org.accounts[7].id.clone();
        let one = decode_where(&bytes, 2, |a| a == id.as_str()).unwrap();
        assert_eq!(one.org.accounts, vec![inv.org.accounts[7].clone()]);
        // Each account alone, stepping over those with a join date, Identity Center and
        // names of many bytes before and after it.
        for account in &inv.org.accounts {
            let one = decode_where(&bytes, 2, |a| a == account.id.as_str()).unwrap();
            assert_eq!(one.org.accounts, vec![account.clone()]);
        }
        // The OUs above it, as they were, and no other.
        let tree = crate::domain::model::OrgTree::build(&inv.org);
        let parent = tree.ou_by_id(&inv.org.accounts[7].parent_id).unwrap();
        let mut above: Vec<&str> = tree
            .ou_ancestry(&inv.org, parent)
            .into_iter()
            .map(|o| inv.org.org_units[o].id.as_str())
            .collect();
        above.sort_unstable();
        let mut kept: Vec<&str> = one.org.org_units.iter().map(|o| o.id.as_str()).collect();
        kept.sort_unstable();
        assert!(!above.is_empty());
        assert_eq!(kept, above);
        assert!(
            one.org
                .org_units
                .iter()
                .all(|o| inv.org.org_units.contains(o))
        );
        assert_eq!(
            decode_where(&bytes, 2, |_| true).unwrap().org.org_units,
            inv.org.org_units,
            "every OU when no account is left out"
        );
        assert_eq!(one.guardrails, inv.guardrails);
        assert!(
            decode_where(&bytes, 2, |_| false)
                .unwrap()
                .org
                .accounts
                .is_empty()
        );
    }

    #[test]
    fn another_format_is_said_as_such() {
        let bytes = encode(&sample(), 7).unwrap();
        assert_eq!(decode(&bytes, 2), Err(BinaryProblem::OtherFormat(7)));
    }

    #[test]
    fn any_damage_is_an_error_never_a_panic() {
        let bytes = encode(&sample(), 2).unwrap();
        for cut in [0, 5, 15, 16, 40, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                matches!(decode(&bytes[..cut], 2), Err(BinaryProblem::Corrupt(_))),
                "cut at {cut}"
            );
        }
        for at in (16..bytes.len()).step_by(97) {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x40;
            assert!(
                matches!(decode(&flipped, 2), Err(BinaryProblem::Corrupt(_))),
                "flipped at {at}"
            );
        }
        // A right checksum over a wrong shape: a count as large as the file allows not.
        let mut wrong = bytes[..HEADER].to_vec();
        let meta = br#"{"synced_at":"2026-11-21T12:00:00Z","root_id":"r"}"#;
        wrong.extend_from_slice(&u32::try_from(meta.len()).unwrap().to_le_bytes());
        wrong.extend_from_slice(meta);
        wrong.extend_from_slice(&u32::MAX.to_le_bytes());
        let crc = crc32fast::hash(&wrong[HEADER..]);
        wrong[12..16].copy_from_slice(&crc.to_le_bytes());
        assert!(matches!(decode(&wrong, 2), Err(BinaryProblem::Corrupt(_))));
    }
}
