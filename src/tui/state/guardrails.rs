//! Guardrails in the TUI: the policies of the selected account, OU or root, read in the
//! background when they are not known (one read at a time), `p`'s list of them, and a
//! policy's document, scrollable.

use super::dialogs::Modal;
use super::{Row, State};
use crate::aws::AwsError;
use crate::domain::guardrails::{Guardrails, PolicyDocument};
use crate::tui::action::Action;
use crate::tui::message::{Banner, Effect};

/// What the TUI knows of reading policies.
#[derive(Clone, Debug, Default)]
pub struct GuardrailsState {
    /// `[org] policies = "off"`: nothing is read or shown.
    pub off: bool,
    /// A read is going on.
    pub reading: bool,
    /// The last read failed (not tried again by itself until the next sync or `p`).
    pub failed: Option<String>,
    /// Policy id → why its document could not be read.
    pub document_failed: Option<(String, String)>,
}

impl State {
    /// The root, OU or account whose guardrails the detail pane shows.
    #[must_use]
    pub fn guardrail_target(&self) -> Option<String> {
        let data = self.data.as_ref()?;
        let org = &data.inventory.org;
        if let Some(i) = self.selected_account() {
            return Some(org.accounts[i].id.to_string());
        }
        match self.selected_row()? {
            Row::Root => Some(org.root_id.clone()),
            Row::Ou { ou, .. } => Some(org.org_units[ou].id.clone()),
            Row::Account { .. } => None,
        }
    }

    /// The read the shown target needs: its policies, or some above it, are not known. Not
    /// while a sync runs: it may bring what is needed, and one reader at a time is enough.
    pub(super) fn wanted_guardrails(&mut self) -> Option<Effect> {
        if self.guardrails.off
            || self.guardrails.reading
            || self.guardrails.failed.is_some()
            || self.status.syncing.is_some()
        {
            return None;
        }
        self.guardrails_read(false)
    }

    /// A read of what the shown target's guardrails still need (whatever failed before);
    /// `ask`: asked for, so an MFA code may be asked too.
    fn guardrails_read(&mut self, ask: bool) -> Option<Effect> {
        let target = self.guardrail_target()?;
        let data = self.data.as_ref()?;
        let inv = &data.inventory;
        if inv.guardrails.denied.is_some() || inv.org_error.is_some() {
            return None;
        }
        let targets =
            crate::app::guardrails::missing_in(inv, data.parents_for(&target), &[target.as_str()]);
        if targets.is_empty() && inv.guardrails.enabled.is_some() {
            return None;
        }
        let enabled = inv.guardrails.enabled.clone();
        let synced_at = inv.synced_at;
        self.guardrails.reading = true;
        self.guardrails.failed = None;
        Some(Effect::ReadGuardrails {
            targets,
            enabled,
            synced_at,
            ask,
        })
    }

    /// A read of policies ended.
    pub(super) fn on_guardrails(
        &mut self,
        result: Result<Guardrails, AwsError>,
        unread: Option<String>,
    ) -> Vec<Effect> {
        self.guardrails.reading = false;
        match result {
            Ok(found) => {
                if let Some(data) = &mut self.data {
                    data.inventory.guardrails.merge(found);
                }
                // Some requests kept failing: said once, and not asked again by itself.
                if let Some(why) = unread {
                    self.status.banner = Some(Banner::warning(format!(
                        "some policies could not be read: {why}"
                    )));
                    self.guardrails.failed = Some(why);
                }
            }
            Err(e) => {
                if matches!(self.modal, Some(Modal::Policies { .. })) {
                    self.status.banner = Some(Banner::error(format!(
                        "the guardrails could not be read: {e}"
                    )));
                }
                self.guardrails.failed = Some(e.to_string());
            }
        }
        Vec::new()
    }

    /// `p`: the policies that apply to the selected account, OU or root.
    pub(super) fn open_policies(&mut self) -> Vec<Effect> {
        if self.guardrails.off {
            let several = self
                .data
                .as_ref()
                .is_some_and(|d| !d.inventory.orgs.is_empty());
            self.status.banner = Some(Banner::info(if several {
                "policies are not read with several organizations: use awsnav --org NAME"
            } else {
                "reading policies is off ([org] policies = \"off\")"
            }));
            return Vec::new();
        }
        let Some(target) = self.guardrail_target() else {
            return Vec::new();
        };
        self.modal = Some(Modal::Policies { target, cursor: 0 });
        if self.guardrails.reading {
            return Vec::new();
        }
        self.guardrails_read(true).into_iter().collect()
    }

    /// Keys in the policy list and the document view.
    pub(super) fn on_policies_key(&mut self, modal: Modal, action: Option<Action>) -> Vec<Effect> {
        match modal {
            Modal::Policies { target, cursor } => {
                let count = self.applied_count(&target);
                match action {
                    Some(Action::Back | Action::Quit) => Vec::new(),
                    Some(Action::Open) if count > 0 => {
                        let Some(id) = self.applied_id(&target, cursor.min(count - 1)) else {
                            self.modal = Some(Modal::Policies { target, cursor });
                            return Vec::new();
                        };
                        let Some(inv) = self.data.as_ref().map(|d| &d.inventory) else {
                            return Vec::new();
                        };
                        let cached = inv.guardrails.documents.contains_key(&id);
                        let synced_at = inv.synced_at;
                        self.guardrails.document_failed = None;
                        self.modal = Some(Modal::PolicyDocument {
                            target,
                            cursor,
                            id: id.clone(),
                            scroll: 0,
                        });
                        if cached {
                            Vec::new()
                        } else {
                            vec![Effect::ReadPolicyDocument { id, synced_at }]
                        }
                    }
                    Some(a @ (Action::Up | Action::Down)) => {
                        let cursor = if a == Action::Up {
                            cursor.saturating_sub(1)
                        } else {
                            (cursor + 1).min(count.saturating_sub(1))
                        };
                        self.modal = Some(Modal::Policies { target, cursor });
                        Vec::new()
                    }
                    _ => {
                        self.modal = Some(Modal::Policies { target, cursor });
                        Vec::new()
                    }
                }
            }
            Modal::PolicyDocument {
                target,
                cursor,
                id,
                scroll,
            } => {
                let page = usize::from(self.size.1.saturating_sub(12)).max(1);
                let scroll = match action {
                    Some(Action::Back | Action::Quit) => {
                        self.modal = Some(Modal::Policies { target, cursor });
                        return Vec::new();
                    }
                    Some(Action::Up) => scroll.saturating_sub(1),
                    Some(Action::Down) => scroll + 1,
                    Some(Action::PageUp) => scroll.saturating_sub(page),
                    Some(Action::PageDown) => scroll + page,
                    Some(Action::Top) => 0,
                    Some(Action::Bottom) => usize::MAX / 2,
                    _ => scroll,
                };
                let most = self.document_lines(&id).saturating_sub(page);
                self.modal = Some(Modal::PolicyDocument {
                    target,
                    cursor,
                    id,
                    scroll: scroll.min(most),
                });
                Vec::new()
            }
            other => {
                self.modal = Some(other);
                Vec::new()
            }
        }
    }

    /// A policy document was read (or why not).
    pub(super) fn on_policy_document(
        &mut self,
        id: String,
        result: Result<PolicyDocument, AwsError>,
    ) -> Vec<Effect> {
        match result {
            Ok(doc) => {
                if let Some(data) = &mut self.data {
                    data.inventory.guardrails.documents.insert(id, doc);
                }
            }
            Err(e) => self.guardrails.document_failed = Some((id, e.to_string())),
        }
        Vec::new()
    }

    fn applied_count(&self, target: &str) -> usize {
        self.data.as_ref().map_or(0, |d| {
            d.inventory
                .guardrails
                .applied(d.parents_for(target), target)
                .map_or(0, |a| a.len())
        })
    }

    fn applied_id(&self, target: &str, i: usize) -> Option<String> {
        let d = self.data.as_ref()?;
        let applied = d
            .inventory
            .guardrails
            .applied(d.parents_for(target), target)?;
        applied.get(i).map(|a| a.policy.id.clone())
    }

    fn document_lines(&self, id: &str) -> usize {
        self.data
            .as_ref()
            .and_then(|d| d.inventory.guardrails.documents.get(id))
            .map_or(0, |doc| doc.pretty().lines().count())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{NOW, keys, state};
    use super::*;
    use crate::domain::guardrails::{Parents, PolicySummary};
    use crate::tui::message::Msg;

    fn reads(effects: &[Effect]) -> Vec<Vec<String>> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::ReadGuardrails { targets, .. } => Some(targets.clone()),
                _ => None,
            })
            .collect()
    }

    fn scp(id: &str) -> PolicySummary {
        PolicySummary {
            id: id.into(),
            name: format!("{id}-name"),
            description: String::new(),
            kind: "SERVICE_CONTROL_POLICY".into(),
            aws_managed: false,
        }
    }

    /// The demo without its policies: nothing known yet.
    fn unknown() -> State {
        let mut s = state(&["Admin"]);
        s.data.as_mut().unwrap().inventory.guardrails = Guardrails::default();
        s
    }

    #[test]
    fn selecting_reads_what_is_missing_once_and_p_lists_then_opens_a_document() {
        let mut s = unknown();
        let effects = keys(&mut s, "/payments-prod⏎");
        let asked = reads(&effects);
        assert_eq!(
            asked.len(),
            1,
            "one read at a time, however many keys moved the cursor"
        );
        assert!(
            reads(&s.update(Msg::Tick(NOW))).is_empty(),
            "not again meanwhile"
        );
        let first = asked[0].clone();
        let answer = |targets: &[String]| {
            let mut found = Guardrails {
                enabled: Some(vec!["SERVICE_CONTROL_POLICY".into()]),
                ..Guardrails::default()
            };
            for t in targets {
                found
                    .attached
                    .insert(t.clone(), vec![scp(&format!("p-{t}"))]);
            }
            found
        };
        let effects = s.update(Msg::Guardrails {
            found: Ok(answer(&first)),
            unread: None,
        });
        // Then the account the cursor rests on: only what the first read did not cover.
        let data = s.data.as_ref().unwrap();
        let i = s.selected_account().unwrap();
        let account = data.inventory.org.accounts[i].id.to_string();
        let chain: Vec<String> = Parents::new(&data.inventory.org)
            .chain(&account)
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(chain[0], data.inventory.org.root_id);
        let rest: Vec<String> = chain
            .iter()
            .filter(|t| !first.contains(t))
            .cloned()
            .collect();
        assert!(
            rest.len() < chain.len(),
            "the root was read already: {first:?}"
        );
        assert_eq!(reads(&effects), vec![rest.clone()]);
        let _ = s.update(Msg::Guardrails {
            found: Ok(answer(&rest)),
            unread: None,
        });
        assert!(reads(&s.update(Msg::Tick(NOW))).is_empty(), "known now");

        assert!(keys(&mut s, "p").is_empty(), "known: nothing to read");
        assert!(matches!(s.modal, Some(Modal::Policies { .. })));
        let effects = keys(&mut s, "j⏎");
        assert_eq!(
            effects,
            vec![Effect::ReadPolicyDocument {
                id: format!("p-{}", chain[1]),
                synced_at: NOW,
            }],
            "the second policy's document, read when opened"
        );
        let second = format!("p-{}", chain[1]);
        let doc = PolicyDocument {
            summary: scp(&second),
            content: r#"{"Version":"2012-10-17","Statement":[]}"#.into(),
            targets: Vec::new(),
            more_targets: false,
        };
        let _ = s.update(Msg::PolicyDocument {
            id: second,
            result: Ok(doc),
        });
        assert!(matches!(s.modal, Some(Modal::PolicyDocument { .. })));
        let _ = keys(&mut s, "⎋");
        assert!(
            matches!(s.modal, Some(Modal::Policies { cursor: 1, .. })),
            "Esc goes back to the list where it was"
        );
        assert!(
            keys(&mut s, "⏎").is_empty(),
            "a document read once is not read again"
        );
        assert!(matches!(s.modal, Some(Modal::PolicyDocument { .. })));
    }

    #[test]
    fn a_denial_is_remembered_and_nothing_more_is_asked() {
        let mut s = unknown();
        let _ = keys(&mut s, "/payments-prod⏎");
        let _ = s.update(Msg::Guardrails {
            found: Ok(Guardrails {
                denied: Some("access denied".into()),
                ..Guardrails::default()
            }),
            unread: None,
        });
        assert!(reads(&keys(&mut s, "⎋⎋/shop⏎")).is_empty());
        assert!(reads(&keys(&mut s, "p")).is_empty());
    }

    #[test]
    fn a_failed_read_is_not_repeated_by_itself_but_p_tries_again() {
        let mut s = unknown();
        let _ = keys(&mut s, "/payments-prod⏎");
        let _ = s.update(Msg::Guardrails {
            found: Err(AwsError::Throttled {
                action: "organizations:ListPoliciesForTarget",
                message: "slow down".into(),
            }),
            unread: None,
        });
        assert!(reads(&s.update(Msg::Tick(NOW))).is_empty());
        assert_eq!(reads(&keys(&mut s, "p")).len(), 1);
    }

    #[test]
    fn a_read_with_requests_that_kept_failing_is_not_repeated_by_itself() {
        let mut s = unknown();
        let asked = reads(&keys(&mut s, "/payments-prod⏎"));
        let root = asked[0][0].clone();
        // The root was read, the rest kept failing: said once, not asked again meanwhile.
        let mut found = Guardrails {
            enabled: Some(vec!["SERVICE_CONTROL_POLICY".into()]),
            ..Guardrails::default()
        };
        found.attached.insert(root, vec![scp("p-root")]);
        let effects = s.update(Msg::Guardrails {
            found: Ok(found),
            unread: Some("organizations:ListPoliciesForTarget for ou-1: throttled".into()),
        });
        assert!(reads(&effects).is_empty(), "no loop: {effects:?}");
        assert!(reads(&s.update(Msg::Tick(NOW))).is_empty());
        let banner = s.status.banner.as_ref().unwrap();
        assert!(banner.text.contains("could not be read"), "{}", banner.text);
        assert_eq!(reads(&keys(&mut s, "p")).len(), 1, "p asks again");
    }
}
