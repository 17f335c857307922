//! IAM Identity Center's roles in the TUI: read in the background when an account is
//! selected and they are not known (or older than `[sso] roles_ttl_minutes`), and the role
//! picker that waits for them when an account is entered first.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::State;
use super::dialogs::Modal;
use crate::app::sso_roles::due;
use crate::aws::AwsError;
use crate::domain::untrusted::visible;
use crate::store::sso_role_cache::KnownRoles;
use crate::tui::message::{Banner, Effect, Purpose};

/// What the TUI knows of Identity Center's roles per account id.
#[derive(Clone, Debug)]
pub struct SsoRoles {
    /// Roles read so far, and when.
    pub known: BTreeMap<String, KnownRoles>,
    /// Accounts whose roles are being read.
    pub reading: HashSet<String>,
    /// Accounts whose roles could not be read, and why (not asked again until the next
    /// sign-in, sync or Enter there).
    pub failed: HashMap<String, String>,
    /// Roles older than this are read again while their account is selected.
    pub ttl: time::Duration,
    /// The account whose role picker waits for its roles, and what the access is for.
    pub waiting: Option<(String, Purpose)>,
    /// The picker to open again after an Identity Center sign-in.
    pub after_sign_in: Option<(String, Purpose)>,
    /// `[sso] enabled = false`: roles are neither read nor waited for.
    pub off: bool,
    /// A run (`x`) whose role picker waits for these targets' roles, and its command.
    pub fanout_waiting: Option<(Vec<usize>, String)>,
}

impl Default for SsoRoles {
    fn default() -> Self {
        Self {
            known: BTreeMap::new(),
            reading: HashSet::new(),
            failed: HashMap::new(),
            ttl: time::Duration::minutes(60),
            waiting: None,
            after_sign_in: None,
            off: false,
            fanout_waiting: None,
        }
    }
}

impl State {
    /// The read the selected account needs: its Identity Center roles are not known, or are
    /// older than the TTL (they stay shown while read again). One background read at a time:
    /// scrolling or typing over many accounts reads the one the cursor rests on once the read
    /// before it is done, not every account it passed.
    pub(super) fn wanted_sso_roles(&mut self) -> Option<Effect> {
        if self.sso_roles.off || !self.sso_roles.reading.is_empty() || self.status.syncing.is_some()
        {
            return None;
        }
        let i = self.selected_account()?;
        let a = &self.data.as_ref()?.inventory.org.accounts[i];
        if !a.in_identity_center() {
            return None;
        }
        let id = a.id.as_str();
        let roles = &self.sso_roles;
        if roles.reading.contains(id) || roles.failed.contains_key(id) {
            return None;
        }
        if !due(roles.known.get(id).map(|k| k.read_at), roles.ttl, self.now) {
            return None;
        }
        let id = id.to_owned();
        self.sso_roles.reading.insert(id.clone());
        Some(Effect::ReadSsoRoles { account_id: id })
    }

    /// Enter / `s` / `c` / `y` on an account whose Identity Center roles are not known yet:
    /// the picker waits for them (`None`: they are known, go on).
    pub(super) fn wait_for_sso_roles(
        &mut self,
        account: usize,
        purpose: Purpose,
    ) -> Option<Vec<Effect>> {
        let a = &self.data.as_ref()?.inventory.org.accounts[account];
        if self.sso_roles.off || !a.sso_roles_unknown() {
            return None;
        }
        let id = a.id.to_string();
        self.status.pending = Some(format!(
            "reading the roles IAM Identity Center gives in {}…",
            visible(&a.name)
        ));
        self.sso_roles.waiting = Some((id.clone(), purpose));
        self.sso_roles.failed.remove(&id);
        if self.sso_roles.reading.insert(id.clone()) {
            return Some(vec![Effect::ReadSsoRoles { account_id: id }]);
        }
        Some(Vec::new())
    }

    /// `x`: reads the roles of the run's targets that Identity Center lists and that were
    /// never read, all at once (paced like every portal request).
    pub(super) fn read_fanout_roles(&mut self, targets: &[usize]) -> Vec<Effect> {
        let Some(data) = &self.data else {
            return Vec::new();
        };
        if self.sso_roles.off {
            return Vec::new();
        }
        let accounts: Vec<String> = targets
            .iter()
            .map(|&i| &data.inventory.org.accounts[i])
            .filter(|a| a.sso_roles_unknown() && !self.sso_roles.reading.contains(a.id.as_str()))
            .map(|a| a.id.to_string())
            .collect();
        if accounts.is_empty() {
            return Vec::new();
        }
        self.sso_roles.reading.extend(accounts.iter().cloned());
        vec![Effect::ReadSsoRolesOf { accounts }]
    }

    /// How many of the run's targets still have their roles being read (`None`: none).
    pub(super) fn fanout_roles_reading(&self, targets: &[usize]) -> Option<usize> {
        let data = self.data.as_ref()?;
        let n = targets
            .iter()
            .filter(|&&i| {
                let a = &data.inventory.org.accounts[i];
                a.sso_roles_unknown() && self.sso_roles.reading.contains(a.id.as_str())
            })
            .count();
        (n > 0).then_some(n)
    }

    /// The run waiting for roles goes on once none of its targets' roles is being read.
    fn fanout_roles_arrived(&mut self) -> Vec<Effect> {
        let Some((targets, _)) = &self.sso_roles.fanout_waiting else {
            return Vec::new();
        };
        if self.fanout_roles_reading(targets).is_some() || self.modal.is_some() {
            return Vec::new();
        }
        let Some((targets, command)) = self.sso_roles.fanout_waiting.take() else {
            return Vec::new();
        };
        self.status.pending = None;
        self.fanout_command_typed(targets, command)
    }

    /// An account's roles were read (or could not be): shown, and the picker waiting for them
    /// opens. A sign-in that is missing or expired opens the sign-in dialog first.
    pub(super) fn on_sso_roles(
        &mut self,
        account_id: String,
        result: Result<KnownRoles, AwsError>,
    ) -> Vec<Effect> {
        let mut effects = self.on_account_roles(account_id, result);
        effects.extend(self.fanout_roles_arrived());
        effects
    }

    fn on_account_roles(
        &mut self,
        account_id: String,
        result: Result<KnownRoles, AwsError>,
    ) -> Vec<Effect> {
        self.sso_roles.reading.remove(&account_id);
        let waiting = self
            .sso_roles
            .waiting
            .take_if(|(id, _)| *id == account_id)
            .map(|(_, purpose)| purpose);
        if waiting.is_some() {
            self.status.pending = None;
        }
        let index = self.data.as_ref().and_then(|d| {
            d.inventory
                .org
                .accounts
                .iter()
                .position(|a| a.id.as_str() == account_id)
        });
        match result {
            Ok(known) => {
                self.sso_roles.failed.remove(&account_id);
                if let (Some(i), Some(data)) = (index, self.data.as_mut()) {
                    let account = &mut data.inventory.org.accounts[i];
                    account.sso_roles.clone_from(&known.roles);
                    account.sso_roles_read = true;
                    data.roles[i] = self.rules.catalog.offered(&data.inventory, &data.tree, i);
                }
                self.sso_roles.known.insert(account_id, known);
                // Only while the account is still the one selected and nothing else is open.
                match (waiting, index) {
                    (Some(purpose), Some(i))
                        if self.modal.is_none() && self.selected_account() == Some(i) =>
                    {
                        self.start_access(i, purpose)
                    }
                    _ => Vec::new(),
                }
            }
            Err(AwsError::SsoLogin { profile, why }) => {
                self.sso_roles
                    .failed
                    .insert(account_id.clone(), format!("the sign-in {why}"));
                let Some(purpose) = waiting else {
                    return Vec::new();
                };
                self.sso_roles.after_sign_in = Some((account_id, purpose));
                self.modal = Some(Modal::SsoSignIn {
                    profile: profile.clone(),
                    console: false,
                    url: None,
                    code: None,
                });
                self.status.pending =
                    Some(format!("signing in to IAM Identity Center ({profile})…"));
                vec![Effect::SsoSignIn {
                    profile,
                    console: false,
                }]
            }
            Err(e) => {
                let name = index
                    .and_then(|i| {
                        self.data
                            .as_ref()
                            .map(|d| &d.inventory.org.accounts[i].name)
                    })
                    .map_or_else(|| account_id.clone(), |n| visible(n).into_owned());
                self.sso_roles.failed.insert(account_id, e.to_string());
                if waiting.is_some() {
                    self.status.banner = Some(Banner::error(format!(
                        "the roles IAM Identity Center gives in {name} could not be read: {e}"
                    )));
                }
                Vec::new()
            }
        }
    }

    /// After an Identity Center sign-in: roles that failed are read again when next needed,
    /// and the picker that waited for one opens once it is read.
    pub(super) fn sso_roles_after_sign_in(&mut self) -> Vec<Effect> {
        self.sso_roles.failed.clear();
        let Some((id, purpose)) = self.sso_roles.after_sign_in.take() else {
            return Vec::new();
        };
        let name = self
            .data
            .as_ref()
            .and_then(|d| {
                d.inventory
                    .org
                    .accounts
                    .iter()
                    .find(|a| a.id.as_str() == id)
            })
            .map_or_else(|| id.clone(), |a| visible(&a.name).into_owned());
        self.status.pending = Some(format!(
            "reading the roles IAM Identity Center gives in {name}…"
        ));
        self.sso_roles.waiting = Some((id.clone(), purpose));
        self.sso_roles.reading.insert(id.clone());
        vec![Effect::ReadSsoRoles { account_id: id }]
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{NOW, keys, state as with_roles};
    use super::*;
    use crate::tui::message::Msg;

    /// The demo state with its first account listed by Identity Center, roles unknown, and
    /// a search that selects it.
    fn state() -> (State, String) {
        let mut s = with_roles(&["OrganizationAccountAccessRole"]);
        let data = s.data.as_mut().unwrap();
        let i = 0;
        data.inventory.org.accounts[i].sso = true;
        data.roles[i] = s.rules.catalog.offered(&data.inventory, &data.tree, i);
        let id = data.inventory.org.accounts[i].id.to_string();
        let name = data.inventory.org.accounts[i].name.clone();
        let _ = keys(&mut s, &format!("/{name}⏎"));
        (s, id)
    }

    fn read(effects: &[Effect]) -> Vec<&str> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::ReadSsoRoles { account_id } => Some(account_id.as_str()),
                _ => None,
            })
            .collect()
    }

    fn known(roles: &[&str], read_at: time::OffsetDateTime) -> KnownRoles {
        KnownRoles {
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            read_at,
        }
    }

    #[test]
    fn selecting_an_account_reads_its_roles_once_and_again_after_the_ttl() {
        let (mut s, id) = state();
        // The search put the cursor on it: one read asked for, not one per message.
        assert!(s.sso_roles.reading.contains(&id));
        assert!(read(&s.update(Msg::Tick(NOW))).is_empty(), "already asked");
        let _ = s.update(Msg::SsoRoles {
            account_id: id.clone(),
            result: Ok(known(&["AdministratorAccess", "ReadOnlyAccess"], NOW)),
        });
        let i = s.selected_account().unwrap();
        let data = s.data.as_ref().unwrap();
        assert_eq!(data.roles[i][0].name, "AdministratorAccess");
        assert!(data.roles[i][0].sso);
        assert!(read(&s.update(Msg::Tick(NOW + time::Duration::minutes(59)))).is_empty());
        assert_eq!(
            read(&s.update(Msg::Tick(NOW + time::Duration::minutes(61)))),
            [id.as_str()],
            "older than the TTL while shown: read again in the background"
        );
        assert_eq!(
            s.data.as_ref().unwrap().roles[i][0].name,
            "AdministratorAccess",
            "the old roles stay shown meanwhile"
        );
    }

    #[test]
    fn one_background_read_at_a_time_then_the_account_the_cursor_rests_on() {
        let (mut s, first) = state();
        let data = s.data.as_mut().unwrap();
        for a in &mut data.inventory.org.accounts {
            a.sso = true;
        }
        // The cursor moves on while the first read is out: nothing more is asked.
        assert!(read(&keys(&mut s, "⎋⎋/-⏎jjjj")).is_empty());
        let rest = s.selected_account().unwrap();
        let effects = s.update(Msg::SsoRoles {
            account_id: first,
            result: Ok(known(&["AdministratorAccess"], NOW)),
        });
        let resting = s.data.as_ref().unwrap().inventory.org.accounts[rest]
            .id
            .to_string();
        assert_eq!(
            read(&effects),
            [resting.as_str()],
            "then where the cursor is"
        );
    }

    #[test]
    fn esc_gives_up_waiting_and_roles_read_later_open_nothing() {
        let (mut s, id) = state();
        let _ = keys(&mut s, "⏎");
        assert!(s.status.pending.is_some());
        let _ = keys(&mut s, "⎋");
        assert!(s.status.pending.is_none() && s.sso_roles.waiting.is_none());
        let effects = s.update(Msg::SsoRoles {
            account_id: id,
            result: Ok(known(&["AdministratorAccess"], NOW)),
        });
        assert!(s.modal.is_none(), "no picker the user gave up on");
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Access(_))),
            "and no access started by itself: {effects:?}"
        );
    }

    #[test]
    fn roles_read_as_none_are_known_and_not_read_again() {
        let (mut s, id) = state();
        let _ = keys(&mut s, "⏎");
        let _ = s.update(Msg::SsoRoles {
            account_id: id.clone(),
            result: Ok(known(&[], NOW)),
        });
        let i = s.selected_account().unwrap();
        assert!(!s.data.as_ref().unwrap().inventory.org.accounts[i].sso_roles_unknown());
        assert!(read(&keys(&mut s, "⎋⏎")).is_empty(), "no read loop: {id}");
    }

    #[test]
    fn with_identity_center_off_nothing_is_read_or_waited_for() {
        let (mut s, _) = state();
        s.sso_roles.off = true;
        s.sso_roles.reading.clear();
        assert!(read(&keys(&mut s, "⎋⎋/-⏎jj")).is_empty());
        assert!(read(&keys(&mut s, "⏎")).is_empty());
        assert!(s.sso_roles.waiting.is_none());
    }

    #[test]
    fn a_run_reads_its_targets_roles_and_its_picker_waits_for_them() {
        let (mut s, first) = state();
        let data = s.data.as_mut().unwrap();
        data.inventory.org.accounts[1].sso = true;
        let second = data.inventory.org.accounts[1].id.to_string();
        s.marked.insert(first.clone());
        s.marked.insert(second.clone());
        let effects = keys(&mut s, "x");
        assert!(
            effects.contains(&Effect::ReadSsoRolesOf {
                accounts: vec![second.clone()]
            }),
            "the one not being read already: {effects:?}"
        );
        let _ = keys(&mut s, "true⏎");
        assert!(s.modal.is_none(), "the role picker waits");
        assert!(s.status.pending.as_ref().unwrap().contains("2 accounts"));
        let admin = || Ok(known(&["AdministratorAccess"], NOW));
        let _ = s.update(Msg::SsoRoles {
            account_id: first,
            result: admin(),
        });
        assert!(s.modal.is_none(), "one still being read");
        let _ = s.update(Msg::SsoRoles {
            account_id: second,
            result: admin(),
        });
        let Some(Modal::FanOutRolePicker { roles, .. }) = &s.modal else {
            panic!("the run's role picker: {:?}", s.modal);
        };
        assert_eq!(roles[0].role.name, "AdministratorAccess");
        assert!(roles[0].missing.is_empty(), "offered in both");
    }

    #[test]
    fn the_picker_waits_for_roles_not_yet_read() {
        let (mut s, id) = state();
        let effects = keys(&mut s, "⏎");
        assert!(
            read(&effects).is_empty(),
            "the read already going on is waited for"
        );
        assert!(s.modal.is_none());
        assert!(
            s.status
                .pending
                .as_ref()
                .unwrap()
                .contains("reading the roles")
        );
        let _ = s.update(Msg::SsoRoles {
            account_id: id,
            result: Ok(known(&["AdministratorAccess", "ReadOnlyAccess"], NOW)),
        });
        assert!(s.status.pending.is_none());
        let Some(Modal::RolePicker { roles, .. }) = &s.modal else {
            panic!("the picker opens once the roles are read: {:?}", s.modal);
        };
        assert_eq!(roles[0].name, "AdministratorAccess");
    }

    #[test]
    fn an_expired_sign_in_signs_in_then_reads_and_opens_the_picker() {
        let (mut s, id) = state();
        let _ = keys(&mut s, "⏎");
        let effects = s.update(Msg::SsoRoles {
            account_id: id.clone(),
            result: Err(AwsError::SsoLogin {
                profile: "corp".into(),
                why: "has expired".into(),
            }),
        });
        assert_eq!(
            effects,
            vec![Effect::SsoSignIn {
                profile: "corp".into(),
                console: false,
            }]
        );
        assert!(matches!(s.modal, Some(Modal::SsoSignIn { .. })));
        let effects = s.update(Msg::SsoSignedIn(Ok(Some(NOW + time::Duration::hours(8)))));
        assert_eq!(read(&effects), [id.as_str()]);
        let _ = s.update(Msg::SsoRoles {
            account_id: id,
            result: Ok(known(&["ReadOnlyAccess", "PowerUserAccess"], NOW)),
        });
        assert!(matches!(s.modal, Some(Modal::RolePicker { .. })));
    }

    #[test]
    fn a_failed_read_is_said_once_and_not_asked_again_while_browsing() {
        let (mut s, id) = state();
        let _ = keys(&mut s, "⏎");
        let _ = s.update(Msg::SsoRoles {
            account_id: id.clone(),
            result: Err(AwsError::Throttled {
                action: "sso:ListAccountRoles",
                message: "slow down".into(),
            }),
        });
        let banner = s.status.banner.as_ref().unwrap();
        assert!(banner.text.contains("could not be read"), "{}", banner.text);
        assert!(s.modal.is_none());
        assert!(read(&s.update(Msg::Tick(NOW))).is_empty(), "no retry loop");
        assert_eq!(read(&keys(&mut s, "⏎")), [id.as_str()], "Enter asks again");
    }
}
