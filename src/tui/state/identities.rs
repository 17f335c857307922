//! The sign-ins view (`i`): every identity awsnav can get in with and its time left, signing
//! in (Enter) and out (`d`) there; and the warning, ten minutes before, that a sign-in shells
//! and `awsnav serve` renew through is about to end.

use time::OffsetDateTime;

use super::State;
use super::dialogs::{Modal, edit_line};
use crate::app::identities::Kind;
use crate::tui::action::Action;
use crate::tui::message::{Banner, Effect};

pub use crate::app::identities::WARN_BEFORE;

impl State {
    /// A second went by: the clock, and what ends soon.
    pub(super) fn on_tick(&mut self, now: OffsetDateTime) -> Vec<Effect> {
        self.now = now;
        self.warn_of_ending_sign_ins();
        Vec::new()
    }

    /// The sign-ins as read.
    pub(super) fn on_identities(
        &mut self,
        all: Vec<crate::app::identities::Identity>,
    ) -> Vec<Effect> {
        self.status.pending = None;
        self.identities = all;
        Vec::new()
    }

    /// `i`: the sign-ins view, read afresh.
    pub(super) fn open_identities(&mut self) -> Vec<Effect> {
        self.modal = Some(Modal::Identities { cursor: 0 });
        vec![Effect::ReadIdentities]
    }

    /// Keys in the sign-ins view: move, sign in (Enter), sign out (`d`), close.
    pub(super) fn on_identities_key(
        &mut self,
        cursor: usize,
        action: Option<Action>,
    ) -> Vec<Effect> {
        let last = self.identities.len().saturating_sub(1);
        let cursor = cursor.min(last);
        let keep = |state: &mut Self, cursor| {
            state.modal = Some(Modal::Identities { cursor });
        };
        match action {
            Some(Action::Back | Action::Quit) => Vec::new(),
            Some(Action::Up) => {
                keep(self, cursor.saturating_sub(1));
                Vec::new()
            }
            Some(Action::Down) => {
                keep(self, (cursor + 1).min(last));
                Vec::new()
            }
            Some(Action::Open) => self.sign_in_to(cursor),
            Some(Action::SignOut) => {
                keep(self, cursor);
                let Some(chosen) = self.identities.get(cursor) else {
                    return Vec::new();
                };
                match chosen.kind {
                    Kind::IdentityCenter | Kind::ConsoleSession | Kind::Saml => {
                        self.status.pending = Some(format!("signing out of {}…", chosen.name));
                        vec![Effect::SignOut {
                            kind: chosen.kind,
                            name: chosen.name.clone(),
                        }]
                    }
                    Kind::Base | Kind::StoredKey => {
                        self.status.banner = Some(Banner::info(format!(
                            "{} is not a sign-in: {}",
                            chosen.name,
                            if chosen.kind == Kind::StoredKey {
                                "remove the key with `awsnav auth remove`"
                            } else {
                                "its MFA session ends by itself"
                            }
                        )));
                        Vec::new()
                    }
                }
            }
            _ => {
                keep(self, cursor);
                Vec::new()
            }
        }
    }

    /// Enter on a sign-in: awsnav's own Identity Center or console sign-in in its dialog; for
    /// the others, what to do.
    fn sign_in_to(&mut self, cursor: usize) -> Vec<Effect> {
        let Some(chosen) = self.identities.get(cursor).cloned() else {
            return Vec::new();
        };
        match chosen.kind {
            Kind::IdentityCenter | Kind::ConsoleSession => {
                let console = chosen.kind == Kind::ConsoleSession;
                self.modal = Some(Modal::SsoSignIn {
                    profile: chosen.name.clone(),
                    console,
                    url: None,
                    code: None,
                });
                self.status.pending = Some(format!(
                    "signing in to {} ({})…",
                    if console {
                        "the console"
                    } else {
                        "IAM Identity Center"
                    },
                    chosen.name
                ));
                vec![Effect::SsoSignIn {
                    profile: chosen.name,
                    console,
                }]
            }
            Kind::Saml | Kind::Base | Kind::StoredKey => {
                self.modal = Some(Modal::Identities { cursor });
                self.status.banner = Some(Banner::info(match chosen.kind {
                    Kind::Saml => format!(
                        "{}: the browser sign-in opens when a role of it is used (s, c), or with `awsnav login --saml {}`",
                        chosen.name, chosen.name
                    ),
                    Kind::StoredKey => format!("{}: a stored key is always signed in", chosen.name),
                    _ => "the base identity asks for an MFA code when a role needs one".to_owned(),
                }));
                Vec::new()
            }
        }
    }

    /// Keys on the first run's choice: a profile to read the organization as (signing in
    /// first where it is Identity Center's), or the demo.
    pub(super) fn on_welcome_key(
        &mut self,
        cursor: usize,
        action: Option<Action>,
        typed: Option<char>,
    ) -> Vec<Effect> {
        let last = self.profiles.len();
        let cursor = cursor.min(last);
        // The other ways in, one key each, for the profile under the cursor (else `default`).
        let profile = self
            .profiles
            .get(cursor)
            .map_or_else(|| "default".to_owned(), |(p, _)| p.clone());
        match typed {
            Some('a') => {
                self.modal = Some(Modal::KeyEntry {
                    name: profile,
                    key_id: None,
                    input: String::new(),
                });
                return Vec::new();
            }
            Some('c') if cursor < last => {
                self.status.banner = None;
                self.modal = Some(Modal::SsoSignIn {
                    profile: profile.clone(),
                    console: true,
                    url: None,
                    code: None,
                });
                self.status.pending = Some(format!("signing in to the console ({profile})…"));
                return vec![
                    Effect::UseProfile(profile.clone()),
                    Effect::SsoSignIn {
                        profile,
                        console: true,
                    },
                ];
            }
            _ => {}
        }
        match action {
            Some(Action::Back | Action::Quit) => Vec::new(),
            Some(Action::Up) => {
                self.modal = Some(Modal::Welcome {
                    cursor: cursor.saturating_sub(1),
                });
                Vec::new()
            }
            Some(Action::Down) => {
                self.modal = Some(Modal::Welcome {
                    cursor: (cursor + 1).min(last),
                });
                Vec::new()
            }
            Some(Action::Open) => {
                self.status.banner = None;
                let Some((profile, sso)) = self.profiles.get(cursor).cloned() else {
                    return vec![Effect::UseDemo, Effect::Sync];
                };
                if !sso {
                    return vec![Effect::UseProfile(profile), Effect::Sync];
                }
                self.modal = Some(Modal::SsoSignIn {
                    profile: profile.clone(),
                    console: false,
                    url: None,
                    code: None,
                });
                self.status.pending =
                    Some(format!("signing in to IAM Identity Center ({profile})…"));
                vec![
                    Effect::UseProfile(profile.clone()),
                    Effect::SsoSignIn {
                        profile,
                        console: false,
                    },
                ]
            }
            _ => {
                self.modal = Some(Modal::Welcome { cursor });
                Vec::new()
            }
        }
    }

    /// Keys while an access key is typed in: its id, Enter, its secret (never shown), Enter;
    /// Esc goes back to the welcome.
    pub(super) fn on_key_entry_key(
        &mut self,
        name: String,
        key_id: Option<String>,
        mut input: String,
        action: Option<Action>,
        typed: Option<char>,
        backspace: bool,
    ) -> Vec<Effect> {
        match (action, key_id) {
            (Some(Action::Back), _) => {
                self.modal = Some(Modal::Welcome { cursor: 0 });
                Vec::new()
            }
            (Some(Action::Open), None) if !input.trim().is_empty() => {
                self.modal = Some(Modal::KeyEntry {
                    name,
                    key_id: Some(input.trim().to_owned()),
                    input: String::new(),
                });
                Vec::new()
            }
            (Some(Action::Open), Some(id)) if !input.is_empty() => {
                self.status.pending = Some(format!("checking the key with AWS ({name})…"));
                vec![Effect::AddKey {
                    name,
                    key: crate::domain::credentials::AccessKey {
                        access_key_id: id,
                        secret_access_key: input,
                    },
                }]
            }
            (_, key_id) => {
                edit_line(&mut input, typed, backspace, 128, |c| !c.is_whitespace());
                self.modal = Some(Modal::KeyEntry {
                    name,
                    key_id,
                    input,
                });
                Vec::new()
            }
        }
    }

    /// A key typed in the welcome was checked with AWS and stored (its name), or why not.
    pub(super) fn on_key_added(&mut self, result: Result<String, String>) -> Vec<Effect> {
        self.status.pending = None;
        match result {
            Ok(name) => {
                self.status.banner = Some(Banner::info(format!(
                    "the key is in the key store as `{name}`; the organization is read with it"
                )));
                vec![Effect::UseProfile(name), Effect::Sync]
            }
            Err(why) => {
                self.status.banner = Some(Banner::error(why));
                self.modal = Some(Modal::Welcome { cursor: 0 });
                Vec::new()
            }
        }
    }

    /// A banner, once per sign-in and end, when one that shells and `awsnav serve` renew
    /// through ends within [`WARN_BEFORE`]: Identity Center, a console session, a SAML
    /// provider's sessions.
    pub(super) fn warn_of_ending_sign_ins(&mut self) {
        let now = self.now;
        let mut ending: Vec<(String, OffsetDateTime)> = Vec::new();
        if let Some(e) = self.sso_until {
            ending.push(("the IAM Identity Center sign-in".to_owned(), e));
        }
        if let Some(e) = self.console_session.as_ref().and_then(|c| c.ends) {
            ending.push(("the console session".to_owned(), e));
        }
        for (idp, e) in &self.sessions.saml {
            ending.push((format!("the SAML sign-in to {idp}"), *e));
        }
        for (what, end) in ending {
            if end <= now || end - now > WARN_BEFORE {
                continue;
            }
            if self.warned.iter().any(|(w, e)| *w == what && *e == end) {
                continue;
            }
            self.status.notify(Banner::warning(format!(
                "{what} ends in {}: shells and awsnav serve that renew through it will fail then; press i to sign in again",
                crate::domain::credentials::time_left(end, now)
            )));
            self.warned.push((what, end));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::identities::Identity;
    use crate::tui::message::Msg;
    use crate::tui::state::test_support::{keys, state};

    fn identity(kind: Kind, name: &str, signed_in: bool) -> Identity {
        Identity {
            kind,
            name: name.into(),
            signed_in,
            ends: None,
            seconds_left: None,
            detail: String::new(),
            sign_in: None,
            org: None,
        }
    }

    #[test]
    fn the_welcome_takes_a_key_typed_in_and_a_console_sign_in() {
        let mut s = state(&["Admin"]);
        s.profiles = vec![("alice".into(), false), ("corp".into(), true)];
        s.modal = Some(Modal::Welcome { cursor: 0 });
        assert!(keys(&mut s, "a").is_empty());
        assert!(
            keys(&mut s, "AKIA EXAMPLE⌫⏎").is_empty(),
            "spaces are not part of a key"
        );
        match &s.modal {
            Some(Modal::KeyEntry {
                name,
                key_id,
                input,
            }) => {
                assert_eq!(name, "alice");
                assert_eq!(key_id.as_deref(), Some("AKIAEXAMPL"));
                assert!(input.is_empty());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            keys(&mut s, "s3cr3t⏎"),
            vec![Effect::AddKey {
                name: "alice".into(),
                key: crate::domain::credentials::AccessKey {
                    access_key_id: "AKIAEXAMPL".into(),
                    secret_access_key: "s3cr3t".into(),
                },
            }]
        );
        // Stored: the organization is read with it; refused: the welcome again, and why.
        assert_eq!(
            s.update(Msg::KeyAdded(Ok("alice".into()))),
            vec![Effect::UseProfile("alice".into()), Effect::Sync]
        );
        let _ = s.update(Msg::KeyAdded(Err("AWS refused the key".into())));
        assert!(matches!(s.modal, Some(Modal::Welcome { .. })));
        assert!(s.status.banner.as_ref().unwrap().text.contains("refused"));
        // Esc while typing goes back to the welcome.
        let _ = keys(&mut s, "a");
        let _ = keys(&mut s, "⎋");
        assert!(matches!(s.modal, Some(Modal::Welcome { .. })));
        // c: a console sign-in as the profile under the cursor.
        assert_eq!(
            keys(&mut s, "c"),
            vec![
                Effect::UseProfile("alice".into()),
                Effect::SsoSignIn {
                    profile: "alice".into(),
                    console: true
                }
            ]
        );
    }

    #[test]
    fn the_view_signs_in_and_out_where_it_can() {
        let mut s = state(&["Admin"]);
        assert_eq!(keys(&mut s, "i"), vec![Effect::ReadIdentities]);
        let _ = s.update(Msg::Identities(vec![
            identity(Kind::Base, "chain", true),
            identity(Kind::IdentityCenter, "corp", false),
            identity(Kind::ConsoleSession, "dev", true),
        ]));
        assert!(matches!(s.modal, Some(Modal::Identities { cursor: 0 })));
        assert_eq!(keys(&mut s, "j"), Vec::new());
        assert_eq!(
            keys(&mut s, "⏎"),
            vec![Effect::SsoSignIn {
                profile: "corp".into(),
                console: false
            }]
        );
        assert!(matches!(
            s.modal,
            Some(Modal::SsoSignIn { console: false, .. })
        ));
        // Back in the view, the console session is signed out of.
        s.modal = Some(Modal::Identities { cursor: 2 });
        assert_eq!(
            keys(&mut s, "d"),
            vec![Effect::SignOut {
                kind: Kind::ConsoleSession,
                name: "dev".into()
            }]
        );
        // The base identity is no sign-in to sign out of.
        s.modal = Some(Modal::Identities { cursor: 0 });
        assert_eq!(keys(&mut s, "d"), Vec::new());
        assert!(
            s.status
                .banner
                .as_ref()
                .is_some_and(|b| b.text.contains("not a sign-in"))
        );
        assert_eq!(keys(&mut s, "⎋"), Vec::new());
        assert!(s.modal.is_none());
    }

    #[test]
    fn the_first_run_without_an_identity_offers_the_profiles_and_the_demo() {
        let mut s = State::new(
            None,
            "default",
            Vec::new(),
            time::OffsetDateTime::UNIX_EPOCH,
            (120, 40),
        );
        s.profiles = vec![("corp".into(), true), ("mgmt".into(), false)];
        let _ = s.update(Msg::SyncFinished(Err(
            crate::aws::AwsError::NoCredentials {
                profile: None,
                detail: "the chain".into(),
                config: "c.toml".into(),
            },
        )));
        assert!(matches!(s.modal, Some(Modal::Welcome { cursor: 0 })));
        assert_eq!(
            keys(&mut s, "⏎"),
            vec![
                Effect::UseProfile("corp".into()),
                Effect::SsoSignIn {
                    profile: "corp".into(),
                    console: false
                }
            ]
        );
        // Signed in, with nothing shown yet: the organization is read.
        assert_eq!(s.update(Msg::SsoSignedIn(Ok(None))), vec![Effect::Sync]);
        s.modal = Some(Modal::Welcome { cursor: 1 });
        assert_eq!(
            keys(&mut s, "⏎"),
            vec![Effect::UseProfile("mgmt".into()), Effect::Sync]
        );
        s.modal = Some(Modal::Welcome { cursor: 1 });
        assert_eq!(keys(&mut s, "j⏎"), vec![Effect::UseDemo, Effect::Sync]);
    }

    #[test]
    fn a_sign_in_ending_within_ten_minutes_is_warned_of_once() {
        let mut s = state(&["Admin"]);
        let now = s.now;
        s.sso_until = Some(now + time::Duration::minutes(30));
        let _ = s.update(Msg::Tick(now));
        assert!(s.status.banner.is_none(), "30 min left: nothing yet");
        let _ = s.update(Msg::Tick(now + time::Duration::minutes(21)));
        let banner = s.status.banner.take().expect("warned");
        assert!(
            banner
                .text
                .contains("the IAM Identity Center sign-in ends in 9 min")
                && banner.text.contains("press i"),
            "{}",
            banner.text
        );
        let _ = s.update(Msg::Tick(now + time::Duration::minutes(22)));
        assert!(s.status.banner.is_none(), "once");
        // Signed in again: a new end, warned of again when it comes.
        s.sso_until = Some(now + time::Duration::minutes(70));
        let _ = s.update(Msg::Tick(now + time::Duration::minutes(61)));
        assert!(s.status.banner.is_some());
    }
}
