//! Screen snapshots of the TUI on the demo organization, driven by keys, at a fixed size.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;

use awsnav::aws::AwsError;
use awsnav::domain::demo;
use awsnav::tui::message::Msg;
use awsnav::tui::state::State;
use awsnav::tui::ui;
use awsnav::tui::ui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

fn demo_state(width: u16, height: u16) -> State {
    let inv = demo::inventory(NOW - time::Duration::minutes(3));
    State::new(
        Some(inv),
        "demo",
        vec!["env".into(), "team".into()],
        NOW,
        (width, height),
    )
}

fn keys(state: &mut State, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '⏎' => KeyCode::Enter,
            '⎋' => KeyCode::Esc,
            '↓' => KeyCode::Down,
            c => KeyCode::Char(c),
        };
        let _ = state.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

fn screen(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(state.size.0, state.size.1)).unwrap();
    terminal
        .draw(|f| ui::draw(f, state, &Theme::default()))
        .unwrap();
    terminal.backend().to_string()
}

#[test]
fn tree() {
    let state = demo_state(110, 24);
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn expanded_ou() {
    let mut state = demo_state(110, 30);
    // Down to Workloads (last top-level OU), expand it, then into Prod and expand that.
    keys(&mut state, "jjjjjjllll");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn search_with_results() {
    let mut state = demo_state(110, 24);
    keys(&mut state, "/payprod");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn a_pasted_arn_finds_its_account() {
    let mut state = demo_state(110, 16);
    // As a terminal without bracketed paste delivers it: one key per character.
    keys(
        &mut state,
        "/arn:aws:logs:eu-west-1:102908248166:log-group:/aws/lambda/etl:*",
    );
    let text = screen(&state);
    assert!(text.contains("analytics-prod"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn search_by_ou_path() {
    let mut state = demo_state(110, 16);
    keys(&mut state, "/Sandbox");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn detail_pane_of_an_account() {
    let mut state = demo_state(110, 24);
    keys(&mut state, "/log-archive⏎l");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn suspended_accounts_are_marked() {
    let mut state = demo_state(110, 20);
    keys(&mut state, "/Suspended⏎l");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn help_overlay() {
    let mut state = demo_state(110, 34);
    keys(&mut state, "?");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn sign_ins_and_their_time_left() {
    use awsnav::app::identities::{Identity, Kind};
    let mut state = demo_state(110, 20);
    keys(&mut state, "i");
    let now = state.now;
    let one = |kind, name: &str, left: Option<i64>, detail: &str| Identity {
        kind,
        name: name.into(),
        signed_in: left.is_some(),
        ends: left.map(|m| now + time::Duration::minutes(m)),
        seconds_left: left.map(|m| m * 60),
        detail: detail.into(),
        sign_in: None,
        org: None,
    };
    let _ = state.update(Msg::Identities(vec![
        one(
            Kind::Base,
            "standard credential chain",
            Some(660),
            "standard credential chain; MFA session",
        ),
        one(
            Kind::IdentityCenter,
            "corp",
            Some(9),
            "https://corp.awsapps.com/start",
        ),
        one(
            Kind::Saml,
            "okta",
            None,
            "role sessions (the assertion is never kept)",
        ),
        one(Kind::ConsoleSession, "dev", Some(300), "as alice"),
    ]));
    keys(&mut state, "j");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn error_banner_keeps_the_data() {
    let mut state = demo_state(110, 16);
    keys(&mut state, "r");
    let _ = state.update(Msg::SyncFinished(Err(AwsError::OrgNotInUse {
        message: "Your account is not a member of an organization.".into(),
        config: "~/.config/awsnav/config.toml".into(),
    })));
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn first_start_without_data_shows_what_to_do() {
    let mut state = State::new(None, "mgmt", vec![], NOW, (100, 12));
    let _ = state.update(Msg::SyncFinished(Err(AwsError::NoCredentials {
        profile: Some("mgmt".into()),
        detail: "the profile has no keys".into(),
        config: "~/.config/awsnav/config.toml".into(),
    })));
    // The welcome comes first; Esc leaves the error and what to do under it.
    insta::assert_snapshot!("first_start_opens_the_welcome", screen(&state));
    keys(&mut state, "⎋");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn refreshing_shows_progress() {
    let mut state = demo_state(100, 10);
    keys(&mut state, "r");
    let _ = state.update(Msg::SyncProgress(awsnav::aws::org::SyncProgress {
        ous_found: 12,
        parents_listed: 10,
        parents_total: 13,
        accounts_found: 40,
        tags_fetched: 22,
        api_calls: 37,
        ..Default::default()
    }));
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn tiny_terminal_does_not_panic() {
    for (w, h) in [(1, 1), (20, 5), (40, 3), (300, 100)] {
        let mut state = demo_state(w, h);
        keys(&mut state, "jjlG/pay↓⏎");
        let text = screen(&state);
        assert_rows_fit(&text, w);
        if w >= 20 {
            assert!(
                text.chars().any(char::is_alphanumeric),
                "{w}x{h} draws something:\n{text}"
            );
        }
        if h >= 100 {
            let selected = state.selected_account().unwrap();
            let name = &state.data.as_ref().unwrap().inventory.org.accounts[selected].name;
            assert!(
                text.contains(name.as_str()),
                "the selected hit {name}:\n{text}"
            );
        }
    }
}

fn with_roles(state: State) -> State {
    use awsnav::config::{RoleRule, RolesConfig};
    use awsnav::domain::roles::RoleCatalog;
    let config = RolesConfig {
        default: vec!["ReadOnly".into(), "Operator".into()],
        rules: vec![RoleRule {
            ou: Some("Security".into()),
            add: vec!["SecurityAudit".into()],
            ..RoleRule::default()
        }],
        ..RolesConfig::default()
    };
    state.with_rules(awsnav::tui::state::Rules {
        catalog: RoleCatalog::new(&config, vec![]),
        classifier: awsnav::domain::safety::Classifier::default(),
    })
}

#[test]
fn role_picker() {
    let mut state = with_roles(demo_state(110, 24));
    let id = state
        .data
        .as_ref()
        .unwrap()
        .inventory
        .org
        .accounts
        .iter()
        .find(|a| a.name == "log-archive")
        .unwrap()
        .id
        .to_string();
    state.last_roles.insert(id.clone(), "Operator".into());
    state.sessions.roles.push((
        id,
        "SecurityAudit".into(),
        NOW + time::Duration::minutes(43),
    ));
    keys(&mut state, "/log-archive⏎⏎");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn production_confirmation() {
    let mut state = with_roles(demo_state(110, 24));
    keys(&mut state, "/log-archive⏎⏎⏎log-arch");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn mfa_prompt() {
    let mut state = with_roles(demo_state(110, 24));
    keys(&mut state, "/sandbox-alice⏎⏎⏎");
    let _ = state.update(Msg::MfaNeeded {
        serial: "arn:aws:iam::100071705473:mfa/alice".into(),
    });
    keys(&mut state, "12a3");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn access_error_banner_and_detail_with_sessions() {
    let mut state = with_roles(demo_state(110, 24));
    keys(&mut state, "/sandbox-bob⏎");
    let id = state.selected_account().map(|i| {
        state.data.as_ref().unwrap().inventory.org.accounts[i]
            .id
            .to_string()
    });
    state.sessions.roles.push((
        id.unwrap(),
        "Operator".into(),
        NOW + time::Duration::minutes(43),
    ));
    state.sessions.mfa = Some(NOW + time::Duration::hours(11));
    let _ = state.update(Msg::AccessFinished(Err(AwsError::CannotAssume {
        role_arn: "arn:aws:iam::103115503479:role/ReadOnly".into(),
        message: "not authorized".into(),
    }
    .into())));
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn console_link_copied() {
    use awsnav::app::console_link::SigninUrl;
    use awsnav::tui::message::Effect;
    use awsnav::tui::message::Purpose;
    let mut state = with_roles(demo_state(110, 16));
    keys(&mut state, "/sandbox-alice⏎");
    // `y` asks for the role first (two are offered), then the link is made and copied.
    let _ = state.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('y'),
        KeyModifiers::NONE,
    )));
    let effects = state.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let Some(Effect::Access(request)) = effects.first() else {
        panic!("{effects:?}")
    };
    assert_eq!(request.purpose, Purpose::CopyLink);
    let url =
        SigninUrl("https://signin.aws.amazon.com/federation?Action=login&SigninToken=T".into());
    let effects = state.update(Msg::ConsoleReady {
        account_name: "sandbox-alice".into(),
        purpose: Purpose::CopyLink,
        result: Ok(awsnav::app::console_link::ConsoleOpening {
            url: url.clone(),
            opening: awsnav::app::console_link::Opening::default(),
        }),
        note: Some("the console session lasts at most 1 hour".into()),
    });
    assert_eq!(effects, vec![Effect::CopyToClipboard(url)]);
    let text = screen(&state);
    assert!(!text.contains("SigninToken"), "the link is never drawn");
    insta::assert_snapshot!(text);
}

fn with_costs(mut state: State) -> State {
    let _ = state.update(Msg::Cost(awsnav::tui::message::CostStatus::Known(
        std::sync::Arc::new(demo::cost_snapshot(NOW)),
    )));
    state
}

#[test]
fn tree_with_costs_and_ou_totals() {
    let mut state = with_costs(demo_state(110, 24));
    keys(&mut state, "jjjjjjl");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn sorted_by_cost() {
    let mut state = with_costs(demo_state(110, 24));
    keys(&mut state, "jjjjjjljll"); // Workloads, then Prod
    keys(&mut state, "o");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn detail_pane_with_cost_history() {
    let mut state = with_costs(demo_state(110, 24));
    keys(&mut state, "/payments-prod⏎l");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn cost_unavailable_says_why() {
    let mut state = demo_state(110, 16);
    let _ = state.update(Msg::Cost(awsnav::tui::message::CostStatus::Unavailable(
        "cost n/a: profile `mgmt` may not read Cost Explorer (ce:GetCostAndUsage in the payer account; set [cost] profile)".into(),
    )));
    keys(&mut state, "jjjjl");
    insta::assert_snapshot!(screen(&state));
}

fn state_of(org: awsnav::domain::model::Org, width: u16, height: u16) -> State {
    let mut inv = demo::inventory(NOW - time::Duration::minutes(3));
    inv.org = org;
    State::new(Some(inv), "test", vec!["env".into()], NOW, (width, height))
}

/// Every row of the screen is exactly as wide as the terminal, in terminal cells.
fn assert_rows_fit(text: &str, width: u16) {
    use unicode_width::UnicodeWidthStr as _;
    for line in text.lines() {
        // TestBackend quotes each row ("…"), then notes cells a wide symbol covers.
        let row = line
            .split("\" Hidden by multi-width symbols")
            .next()
            .unwrap_or(line);
        let row = row.trim_start_matches('"').trim_end_matches('"');
        assert_eq!(row.width(), usize::from(width), "{row}");
    }
}

fn account(id: u64, name: &str, parent: &str) -> awsnav::domain::model::Account {
    awsnav::domain::model::Account {
        id: awsnav::domain::model::AccountId::parse(&format!("{id:012}")).unwrap(),
        name: name.to_owned(),
        email: format!("{id}@example.test"),
        status: awsnav::domain::model::AccountStatus::Active,
        joined: None,
        parent_id: parent.to_owned(),
        tags: [("env".to_owned(), name.to_owned())].into(),
        sso: false,
        sso_roles: Vec::new(),
        sso_roles_read: false,
        org: None,
    }
}

#[test]
fn unicode_emoji_and_rtl_names_keep_the_columns() {
    let names = [
        "日本語チーム-prod",
        "🚀 rocket-launch 🚀",
        "צוות-תשלומים",
        "فريق-الدفع",
        "e\u{301}te\u{301}-combining",
        "👩\u{200d}👩\u{200d}👧 family-zwj",
        "plain-ascii",
    ];
    let mut org = awsnav::domain::model::Org {
        root_id: "r-uni".into(),
        ..Default::default()
    };
    org.org_units.push(awsnav::domain::model::OrgUnit {
        id: "ou-uni-1".into(),
        name: "Ünïcödé ✨ עברית".into(),
        parent_id: "r-uni".into(),
    });
    for (i, name) in names.iter().enumerate() {
        let parent = if i % 2 == 0 { "r-uni" } else { "ou-uni-1" };
        org.accounts
            .push(account(100_000_000_000 + i as u64, name, parent));
    }
    for (w, h) in [(100, 20), (37, 12), (20, 5)] {
        let mut state = state_of(org.clone(), w, h);
        keys(&mut state, "jl");
        assert_rows_fit(&screen(&state), w);
        keys(&mut state, "/rocket");
        assert_rows_fit(&screen(&state), w);
        keys(&mut state, "⎋/תשלומים");
        assert_rows_fit(&screen(&state), w);
    }
    let mut state = state_of(org, 100, 20);
    keys(&mut state, "jl");
    insta::assert_snapshot!(screen(&state));
}

/// Accounts renamed to look like `payments-prod`: a zero-width space, capitals and a space at
/// the end, and a Cyrillic `а`.
fn look_alike_org() -> awsnav::domain::model::Org {
    let mut org = awsnav::domain::model::Org {
        root_id: "r-alike".into(),
        ..Default::default()
    };
    for (i, name) in [
        "payments-prod",
        "payments-prod\u{200b}",
        "Payments-Prod ",
        "p\u{430}yments-prod",
        "ledger-dev",
    ]
    .iter()
    .enumerate()
    {
        org.accounts
            .push(account(111_111_111_111 * (i as u64 + 1), name, "r-alike"));
    }
    org
}

#[test]
fn look_alike_names_are_marked_and_confirmed_by_id() {
    // The tree: every look-alike marked, the hidden characters shown; the detail pane says whose.
    let mut state = with_roles(state_of(look_alike_org(), 110, 16));
    keys(&mut state, "jj");
    let tree = screen(&state);
    insta::assert_snapshot!("look_alikes_tree", tree);
    assert_eq!(tree.matches("≈same name").count(), 4, "{tree}");
    assert!(tree.contains(r"payments-prod\u{200b}"), "{tree}");
    assert!(tree.contains(r"Payments-Prod\x20"), "{tree}");
    // (The detail pane wraps the line.)
    assert!(tree.contains("≈ same name as 222222222222,"), "{tree}");
    assert!(
        tree.contains("333333333333, 444444444444: check the"),
        "{tree}"
    );
    // Search results carry the mark; the confirmation asks for the id and says why.
    keys(&mut state, "/payments⏎");
    let results = screen(&state);
    insta::assert_snapshot!("look_alikes_search", results);
    assert_eq!(results.matches("≈same name").count(), 3, "{results}");
    keys(&mut state, "⏎⏎payments-prod");
    let dialog = screen(&state);
    insta::assert_snapshot!("look_alikes_confirmation", dialog);
    assert!(
        dialog.contains("Type its account id 111111111111"),
        "{dialog}"
    );
    keys(&mut state, "⏎");
    assert!(
        screen(&state).contains("> payments-prod▏"),
        "the name does not confirm"
    );
}

#[test]
fn an_organization_without_accounts() {
    let org = awsnav::domain::model::Org {
        root_id: "r-empty".into(),
        ..Default::default()
    };
    let mut state = state_of(org, 90, 12);
    keys(&mut state, "jjkG⏎lh");
    insta::assert_snapshot!(screen(&state));
    keys(&mut state, "/x");
    assert!(screen(&state).contains("no matching account"));
    keys(&mut state, "⏎⎋s");
    assert!(screen(&state).contains("0 accounts"));
}

#[test]
fn ten_thousand_accounts_browse_search_and_resize() {
    let org = demo::synthetic(10_000, 4, 4);
    let mut state = state_of(org, 120, 40);
    keys(&mut state, "GggjllG");
    let text = screen(&state);
    let data = state.data.as_ref().unwrap();
    let label = match state.selected_row().unwrap() {
        awsnav::tui::state::Row::Account { account, .. } => {
            data.inventory.org.accounts[account].name.clone()
        }
        awsnav::tui::state::Row::Ou { ou, .. } => data.inventory.org.org_units[ou].name.clone(),
        awsnav::tui::state::Row::Root => "Root".to_owned(),
    };
    assert!(
        text.contains(&label),
        "the last row, {label}, is on screen:\n{text}"
    );
    keys(&mut state, "/payments prod");
    let text = screen(&state);
    assert!(text.contains("payments"), "{text}");
    for (w, h) in [(20, 5), (300, 100), (80, 24)] {
        let _ = state.update(Msg::Resize(w, h));
        let text = screen(&state);
        assert_rows_fit(&text, w);
        if w >= 80 {
            assert!(text.contains("payments prod"), "the query stays:\n{text}");
        }
    }
}

#[test]
fn a_partial_sync_is_marked_in_the_status_bar() {
    let mut inv = demo::inventory(NOW - time::Duration::minutes(3));
    inv.gaps.push(awsnav::domain::model::SyncGap {
        action: "organizations:ListAccountsForParent".into(),
        target: "ou-demo-1".into(),
        error: "AWS kept throttling".into(),
    });
    let mut state = demo_state(110, 12);
    let _ = state.update(Msg::SyncFinished(Ok(Box::new(inv))));
    let text = screen(&state);
    assert!(text.contains("PARTIAL · synced 3 min ago"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn every_dialog_survives_any_size() {
    for (w, h) in [(1, 1), (20, 5), (12, 30), (300, 100)] {
        // On an account with two roles: `s` and `c` open the role picker.
        let mut before = with_roles(demo_state(110, 30));
        keys(&mut before, "/sandbox-alice⏎");
        let _ = before.update(Msg::Resize(w, h));
        let plain = screen(&before);
        for script in ["?", "/", "s", "ss", "c"] {
            let mut state = with_roles(demo_state(110, 30));
            keys(&mut state, "/sandbox-alice⏎");
            keys(&mut state, script);
            let _ = state.update(Msg::Resize(w, h));
            let text = screen(&state);
            assert_rows_fit(&text, w);
            if w >= 300 {
                assert_ne!(text, plain, "{script} shows its dialog at {w}x{h}");
            }
        }
    }
}

#[test]
fn throttling_during_a_sync_is_shown_with_the_pace() {
    let mut state = demo_state(140, 12);
    keys(&mut state, "r");
    let _ = state.update(Msg::SyncProgress(awsnav::aws::org::SyncProgress {
        parents_listed: 10,
        parents_total: 13,
        accounts_found: 40,
        tags_fetched: 22,
        api_calls: 37,
        throttled: 12,
        pace: 2,
        ..Default::default()
    }));
    let text = screen(&state);
    assert!(
        text.contains("refreshing… 32/53 · 40 accounts · 37 calls · throttled 12× · pace 2"),
        "{text}"
    );
}

/// The screen as runs of equal style per row: `[fg bg modifiers] text`.
fn styled(state: &State, theme: &Theme) -> String {
    let mut terminal = Terminal::new(TestBackend::new(state.size.0, state.size.1)).unwrap();
    terminal.draw(|f| ui::draw(f, state, theme)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut runs: Vec<(String, String)> = Vec::new();
        for x in 0..buffer.area.width {
            let cell = &buffer[(x, y)];
            let style = format!("{:?} {:?} {:?}", cell.fg, cell.bg, cell.modifier);
            match runs.last_mut() {
                Some((s, text)) if *s == style => text.push_str(cell.symbol()),
                _ => runs.push((style, cell.symbol().to_owned())),
            }
        }
        for (style, text) in runs {
            if !text.trim().is_empty() {
                let _ = writeln!(out, "{y:>2} [{style}] {:?}", text.trim_end());
            }
        }
    }
    out
}

fn themed(theme: &str, colors: &[(&str, &str)], no_color: bool) -> (State, Theme) {
    let mut text = format!("theme = \"{theme}\"\n[colors]\n");
    for (k, v) in colors {
        let _ = writeln!(text, "{k} = \"{v}\"");
    }
    let config: awsnav::config::UiConfig = toml::from_str(&text).unwrap();
    let theme = Theme::from_config(&config, no_color).unwrap();
    let mut state = with_roles(demo_state(110, 10));
    keys(&mut state, "/log-arch⏎");
    (state, theme)
}

#[test]
fn high_contrast_theme_with_a_patched_production_colour() {
    let (state, theme) = themed(
        "high-contrast",
        &[("production", "magenta on black bold")],
        false,
    );
    let text = styled(&state, &theme);
    // The selected row: the selection's colours over every span, production's included.
    let row = text.lines().find(|l| l.contains("100096286491")).unwrap();
    assert!(
        row.starts_with(" 2 [Black LightYellow BOLD]") && row.contains("PROD"),
        "{text}"
    );
    // Elsewhere the patched production style.
    assert!(
        text.contains("[Magenta Black BOLD] \"log-archive  PRODUCTION\""),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn no_color_leaves_only_bold_underline_and_reverse() {
    let (state, theme) = themed("default", &[("selected", "red on blue")], true);
    let text = styled(&state, &theme);
    for line in text.lines() {
        assert!(line.contains("[Reset Reset "), "a colour in: {line}");
    }
    assert!(
        text.contains("REVERSED"),
        "status bar and selection stay visible:\n{text}"
    );
}

#[test]
fn remapped_keys_drive_the_app_and_its_help() {
    let config: awsnav::config::Config = toml::from_str(
        "[keys]\nshell = \"S\"\nquit = [\"x\", \"ctrl+q\"]\nsearch = [\"/\", \"F\"]\n",
    )
    .unwrap();
    let mut state = with_roles(demo_state(110, 30))
        .with_keymap(awsnav::tui::keymap::Keymap::from_config(&config.keys).unwrap());
    // The hint bar names the new keys.
    let text = screen(&state);
    let hints = text.lines().last().unwrap();
    assert!(
        hints.contains("S shell") && hints.contains("x quit"),
        "{hints}"
    );
    // f searches, S opens the role picker, s does nothing.
    keys(&mut state, "Flog-arch⏎s");
    assert!(!screen(&state).contains("Choose a role"));
    keys(&mut state, "S");
    assert!(screen(&state).contains("Choose a role"));
    keys(&mut state, "⎋?");
    insta::assert_snapshot!(screen(&state));
    keys(&mut state, "⎋q");
    assert!(!state.quit, "q is no longer quit");
    keys(&mut state, "x");
    assert!(state.quit);
}

#[test]
fn favourites_and_recent_accounts() {
    let mut state = with_roles(demo_state(110, 16));
    let ids: std::collections::HashMap<String, String> = state
        .data
        .as_ref()
        .unwrap()
        .inventory
        .org
        .accounts
        .iter()
        .map(|a| (a.name.clone(), a.id.to_string()))
        .collect();
    state.recent = vec![ids["payments-dev"].clone(), ids["log-archive"].clone()];
    // f on a search hit marks it, with a note and an effect that saves it.
    keys(&mut state, "/log-arch⏎");
    let effects = state.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('f'),
        KeyModifiers::NONE,
    )));
    assert_eq!(effects.len(), 1, "{effects:?}");
    assert!(screen(&state).contains("★ log-archive is a favourite"));
    keys(&mut state, "⎋⎋'");
    let text = screen(&state);
    assert!(text.contains("Favourites & recent · 2 accounts"), "{text}");
    insta::assert_snapshot!(text);
    // The favourite is first; Enter gets into it like a search hit.
    keys(&mut state, "⏎");
    assert!(screen(&state).contains("Role in log-archive"));
    // Unmarked, it stays in the list as a recent account, after the others… here, last.
    keys(&mut state, "⎋f");
    assert!(screen(&state).contains("log-archive is no longer a favourite"));
    keys(&mut state, "⎋'");
    let text = screen(&state);
    assert!(!text.contains("★ log-archive"), "{text}");
    let dev = text.find("│  payments-dev").unwrap();
    let log = text.find("│  log-archive").unwrap();
    assert!(dev < log, "recent order:\n{text}");
    // / starts a real search from here.
    keys(&mut state, "/pay");
    assert!(screen(&state).contains("Search · "));
}

#[test]
fn region_picker_remembers_a_region_per_account() {
    let mut state = with_roles(demo_state(110, 24));
    keys(&mut state, "/log-arch⏎R");
    insta::assert_snapshot!(screen(&state));
    // Down twice from "default": us-east-2.
    keys(&mut state, "jj");
    let effects = state.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert_eq!(
        format!("{effects:?}"),
        format!(
            "[SaveRegion {{ account_id: \"{}\", region: Some(\"us-east-2\") }}]",
            state.data.as_ref().unwrap().inventory.org.accounts[state.selected_account().unwrap()]
                .id
        )
    );
    let text = screen(&state);
    assert!(
        text.contains("sessions in log-archive use us-east-2"),
        "{text}"
    );
    assert!(
        text.contains("Region    us-east-2 (R changes it)"),
        "{text}"
    );
    // Opened again on the chosen region; back to the default.
    keys(&mut state, "R");
    assert!(screen(&state).contains("▸ us-east-2"));
    keys(&mut state, "kk⏎");
    assert!(screen(&state).contains("use the default region again"));
    assert!(!screen(&state).contains("Region    us-east-2"));
}

/// IAM Identity Center's roles next to IAM roles: the detail pane puts each under its own
/// heading, the picker marks them.
#[test]
fn identity_center_roles_in_the_detail_pane_and_the_picker() {
    let mut inv = demo::inventory(NOW - time::Duration::minutes(3));
    let i = inv
        .org
        .accounts
        .iter()
        .position(|a| a.name == "log-archive")
        .unwrap();
    inv.org.accounts[i].sso_roles = vec!["AdministratorAccess".into(), "ReadOnlyAccess".into()];
    let id = inv.org.accounts[i].id.to_string();
    let mut state = with_roles(State::new(
        Some(inv),
        "demo",
        vec!["env".into(), "team".into()],
        NOW,
        (110, 26),
    ));
    state.sessions.roles.push((
        id.clone(),
        "sso:ReadOnlyAccess".into(),
        NOW + time::Duration::minutes(50),
    ));
    // The IAM role of the same kind of name is remembered apart: "last used" marks it only.
    state.last_roles.insert(id, "ReadOnly".into());
    keys(&mut state, "/log-archive⏎");
    let detail = screen(&state);
    assert!(detail.contains("Identity Center roles"), "{detail}");
    assert!(detail.contains("IAM roles"), "{detail}");
    insta::assert_snapshot!("identity_center_detail", detail);
    keys(&mut state, "⏎");
    insta::assert_snapshot!("identity_center_picker", screen(&state));
}

/// An account Identity Center lists whose roles are not read yet: the detail pane says they
/// are being read, Enter waits for them, and the picker opens once they are in.
#[test]
fn identity_center_roles_read_when_first_needed() {
    let mut inv = demo::inventory(NOW - time::Duration::minutes(3));
    let i = inv
        .org
        .accounts
        .iter()
        .position(|a| a.name == "log-archive")
        .unwrap();
    inv.org.accounts[i].sso = true;
    let id = inv.org.accounts[i].id.to_string();
    let mut state = with_roles(State::new(
        Some(inv),
        "demo",
        vec!["env".into(), "team".into()],
        NOW,
        (110, 26),
    ));
    keys(&mut state, "/log-archive⏎");
    assert!(
        state.sso_roles.reading.contains(&id),
        "selected: its roles are being read"
    );
    let detail = screen(&state);
    assert!(detail.contains("reading…"), "{detail}");
    insta::assert_snapshot!("identity_center_roles_reading", detail);
    keys(&mut state, "⏎");
    let waiting = screen(&state);
    assert!(
        waiting.contains("reading the roles IAM Identity Center gives in log-archive"),
        "{waiting}"
    );
    let _ = state.update(Msg::SsoRoles {
        account_id: id,
        result: Ok(awsnav::store::sso_role_cache::KnownRoles {
            roles: vec!["AdministratorAccess".into(), "ReadOnlyAccess".into()],
            read_at: NOW,
        }),
    });
    let picker = screen(&state);
    assert!(
        picker.contains("AdministratorAccess  Identity Center"),
        "{picker}"
    );
    insta::assert_snapshot!("identity_center_roles_read_picker", picker);
}

/// `p` on an account: every policy that applies there and where it is attached; Enter on
/// one: its document, pretty-printed, scrolled with j.
#[test]
fn guardrails_list_and_a_policy_document() {
    let mut state = with_roles(demo_state(110, 30));
    keys(&mut state, "/payments-prod⏎p");
    let list = screen(&state);
    assert!(list.contains("ProtectProduction"), "{list}");
    assert!(list.contains("Workloads / Prod"), "{list}");
    assert!(
        list.contains("not enabled in the organization: RCP"),
        "{list}"
    );
    insta::assert_snapshot!("guardrails_list", list);
    keys(&mut state, "jj⏎");
    let doc = screen(&state);
    assert!(doc.contains("cloudtrail:StopLogging"), "{doc}");
    insta::assert_snapshot!("guardrails_document", doc);
    keys(&mut state, "jjjj");
    let scrolled = screen(&state);
    assert!(
        !scrolled.contains("\"Version\""),
        "scrolled past the first lines: {scrolled}"
    );
    keys(&mut state, "⎋");
    assert!(screen(&state).contains("Policies that apply to"));
}

#[test]
fn mfa_device_picker() {
    let mut state = with_roles(demo_state(110, 20));
    let _ = state.update(Msg::MfaDeviceNeeded {
        devices: vec![
            "arn:aws:iam::100071705473:mfa/alice-phone".into(),
            "GAHT12345678".into(),
        ],
    });
    keys(&mut state, "j");
    insta::assert_snapshot!(screen(&state));
}

/// The demo with the Data OU's accounts marked (space on the OU).
fn data_marked() -> State {
    let mut state = demo_state(110, 20);
    let data = state.data.as_ref().unwrap();
    let pos = state
        .rows
        .iter()
        .position(|r| {
            matches!(r, awsnav::tui::state::Row::Ou { ou, .. }
                if data.inventory.org.org_units[*ou].name == "Data")
        })
        .unwrap();
    state.tree_cursor.selected = pos;
    keys(&mut state, " l");
    state
}

#[test]
fn marked_accounts_in_the_tree() {
    let state = data_marked();
    let text = screen(&state);
    assert!(text.contains("6 marked"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn results_of_a_run_in_the_marked_accounts() {
    use awsnav::app::fanout::{Event, Outcome, Record};
    let mut state = data_marked();
    keys(&mut state, "xaws s3 ls⏎3⏎");
    let run = state.fanout.as_ref().expect("the run started");
    let ids: Vec<String> = run.rows.iter().map(|r| r.account_id.clone()).collect();
    let done = |state: &mut State, index: usize, exit_code: i32, ms: u64| {
        let _ = state.update(Msg::FanOut(Event::Done {
            index,
            outcome: Outcome::Ran { exit_code },
            record: Box::new(Record {
                account_id: ids[index].clone(),
                exit_code: Some(exit_code),
                duration_ms: ms,
                ..Record::default()
            }),
        }));
    };
    for index in 0..3 {
        let _ = state.update(Msg::FanOut(Event::Started { index }));
    }
    done(&mut state, 0, 0, 1400);
    done(&mut state, 1, 255, 2100);
    let _ = state.update(Msg::FanOut(Event::Done {
        index: 5,
        outcome: Outcome::NoEntry("you may not assume the role".into()),
        record: Box::new(Record::default()),
    }));
    let text = screen(&state);
    assert!(text.contains("3/6 done"), "{text}");
    insta::assert_snapshot!(text);
    // An account's output.
    let _ = state.update(Msg::FanOut(Event::Line {
        index: 1,
        line: "An error occurred (AccessDenied) when calling the ListBuckets operation".into(),
        stderr: true,
    }));
    keys(&mut state, "j\r");
    let _ = state.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let text = screen(&state);
    assert!(text.contains("AccessDenied"), "{text}");
}

#[test]
fn several_organizations_are_one_tree_with_a_failed_one_marked() {
    use awsnav::domain::orgs::{Part, combine};
    let corp = demo::inventory(NOW - time::Duration::minutes(3));
    let mut lab = demo::inventory(NOW - time::Duration::hours(2));
    // Another organization: its own root, and accounts of its own.
    let demo_root = std::mem::replace(&mut lab.org.root_id, "r-lab1".into());
    lab.org.org_units.retain(|ou| ou.parent_id == demo_root);
    let kept: Vec<String> = lab.org.org_units.iter().map(|ou| ou.id.clone()).collect();
    for ou in &mut lab.org.org_units {
        ou.parent_id = "r-lab1".into();
        ou.id = format!("{}-lab", ou.id);
    }
    lab.org
        .accounts
        .retain(|a| kept.contains(&a.parent_id) || a.parent_id == demo_root);
    for (n, a) in lab.org.accounts.iter_mut().enumerate() {
        a.id = awsnav::domain::model::AccountId::from_number(900_000_000_000 + n as u64);
        a.parent_id = if a.parent_id == demo_root {
            "r-lab1".into()
        } else {
            format!("{}-lab", a.parent_id)
        };
    }
    lab.org.management_account_id = lab.org.accounts.first().map(|a| a.id.clone());
    let inv = combine(
        vec![
            Part {
                name: "corp".into(),
                inventory: Some(corp),
                failure: None,
            },
            Part {
                name: "lab".into(),
                inventory: Some(lab),
                failure: Some("the IAM Identity Center sign-in has expired".into()),
            },
        ],
        NOW,
    );
    let mut state = State::new(Some(inv), "2 organizations", vec![], NOW, (110, 16));
    insta::assert_snapshot!(screen(&state));
    // The failed organization's node: its detail says why, and r reads it alone again.
    keys(&mut state, "jj");
    insta::assert_snapshot!("several_organizations_the_failed_one", screen(&state));
    let effects = state.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::NONE,
    )));
    assert_eq!(
        effects,
        vec![awsnav::tui::message::Effect::SyncOrg("lab".into())]
    );
}
