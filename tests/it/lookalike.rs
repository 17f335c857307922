//! Accounts renamed to look like another (`payments-prod\u{200b}`, `Payments-Prod `) in a
//! shared inventory: `list` and `list --json` say which look alike, and the production prompt
//! of `awsnav shell`, on a real terminal (tmux), is not passed by typing the name that is seen.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

use crate::common::tmux::Tmux;
use crate::common::{AwsnavCmd, stderr, stdout};

/// awsnav reading a shared inventory: the demo organization, with two accounts renamed to
/// look like `payments-prod`. Returns the ids of `payments-prod` and of the two look-alikes.
fn with_look_alikes() -> (AwsnavCmd, String, [String; 2]) {
    let mut inv = awsnav::domain::demo::inventory(time::OffsetDateTime::now_utc());
    let id_of = |inv: &awsnav::domain::inventory::Inventory, name: &str| {
        let a = inv.org.accounts.iter().find(|a| a.name == name).unwrap();
        a.id.to_string()
    };
    let real = id_of(&inv, "payments-prod");
    let fakes = ["sandbox-alice", "sandbox-bob"].map(|n| id_of(&inv, n));
    for (id, name) in fakes
        .iter()
        .zip(["payments-prod\u{200b}", "Payments-Prod "])
    {
        let a = inv.org.accounts.iter_mut().find(|a| a.id.as_str() == id);
        name.clone_into(&mut a.unwrap().name);
    }
    let awsnav = AwsnavCmd::new();
    let file = awsnav.path("shared.json");
    std::fs::write(&file, awsnav::store::inventory_cache::encode(&inv).unwrap()).unwrap();
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        format!(
            "[org]\nsource = \"{}\"\n[auth]\nmfa = \"never\"\n[roles]\ndefault = [\"Admin\"]\n",
            file.display()
        ),
    )
    .unwrap();
    (awsnav, real, fakes)
}

#[test]
fn list_says_which_names_look_alike() {
    let (awsnav, real, fakes) = with_look_alikes();
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let by_id = |id: &str| listed.iter().find(|a| a["id"] == id).unwrap();
    assert_eq!(
        by_id(&real)["same_name_as"],
        serde_json::json!([fakes[0], fakes[1]])
    );
    assert_eq!(
        by_id(&fakes[1])["same_name_as"],
        serde_json::json!([real, fakes[0]])
    );
    // The names exactly, the invisible one escaped in the JSON text.
    assert_eq!(by_id(&fakes[0])["name"], "payments-prod\u{200b}");
    assert!(stdout(&out).contains(r#""payments-prod\u200b""#));
    let others = listed.iter().filter(|a| a.get("same_name_as").is_none());
    assert_eq!(others.count(), listed.len() - 3);

    let out = awsnav.run(&["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(
        table.lines().next().unwrap().contains("SAME NAME AS"),
        "{table}"
    );
    let row = |id: &str| table.lines().find(|l| l.starts_with(id)).unwrap();
    assert!(row(&fakes[0]).contains(r"payments-prod\u{200b}"), "{table}");
    assert!(row(&fakes[1]).contains(r"Payments-Prod\x20"), "{table}");
    assert!(
        row(&real).contains(&format!("{},{}", fakes[0], fakes[1])),
        "{table}"
    );
}

/// `awsnav shell TARGET` on a terminal, and what it said when it ended.
fn shell_prompt(awsnav: &AwsnavCmd, target: &str) -> Tmux {
    let command = awsnav.shell_command(&["shell", target, "--role", "Admin"]);
    Tmux::start(
        &format!("{command}; echo awsnav-exited-$?; sleep 60"),
        250,
        20,
    )
}

#[test]
fn typing_the_name_that_is_seen_does_not_confirm_a_look_alike() {
    let (awsnav, real, fakes) = with_look_alikes();
    // Named on the command line, the real account: its look-alikes make its id the answer.
    let tmux = shell_prompt(&awsnav, "payments-prod");
    let screen = tmux.wait_for(&["is a PRODUCTION account", "to continue:"]);
    assert!(
        screen.contains(&format!(
            "payments-prod ({real}) is a PRODUCTION account: same name as {}, {}.",
            fakes[0], fakes[1]
        )),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("Type its account id `{real}` to continue:")),
        "{screen}"
    );
    tmux.literal("payments-prod");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(&["awsnav-exited-"]);
    assert!(
        screen.contains(&format!(
            "not confirmed: nothing was done in payments-prod ({real})"
        )),
        "{screen}"
    );
    assert!(screen.contains("awsnav-exited-1"), "{screen}");

    // Named by its id, a look-alike whose name hides a character: neither the name as seen
    // nor the name as it is confirms it.
    for typed in ["payments-prod", "payments-prod\u{200b}"] {
        let tmux = shell_prompt(&awsnav, &fakes[0]);
        let screen = tmux.wait_for(&["to continue:"]);
        assert!(
            screen.contains(&format!(
                r"payments-prod\u{{200b}} ({}) is a PRODUCTION account: same name as {real}, {}; its name holds characters that do not show as they are.",
                fakes[0], fakes[1]
            )),
            "{screen}"
        );
        tmux.literal(typed);
        tmux.keys(&["Enter"]);
        let screen = tmux.wait_for(&["awsnav-exited-"]);
        assert!(screen.contains("not confirmed"), "{typed:?}: {screen}");
    }
}

/// `config generate` names profiles by account name: a renamed account must not take the
/// profiles of the account whose name it copies, nor silently repoint a profile written
/// before to itself.
#[test]
fn generated_profiles_never_go_to_a_look_alike() {
    let (awsnav, real, fakes) = with_look_alikes();
    let config = awsnav.path(".aws/config");
    let out = awsnav.run(&["config", "generate", "--write"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("3 accounts go by a name another account has"),
        "{}",
        stderr(&out)
    );
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(
        !written.contains("[profile payments-prod/Admin]"),
        "{written}"
    );
    for id in [&real, &fakes[0], &fakes[1]] {
        let section = written
            .split("\n[profile ")
            .find(|s| s.contains(&format!("--account {id} ")))
            .unwrap();
        let name = section.split(']').next().unwrap();
        assert!(
            name.to_lowercase().starts_with("payments-prod")
                && name.ends_with(&format!("-{id}/Admin")),
            "{section}"
        );
    }

    // A profile written before for another account (its name was another account's then):
    // generating again would repoint it. Refused, the file kept as it is, until --force.
    let listed: Vec<Value> =
        serde_json::from_str(&stdout(&awsnav.run(&["list", "--json"]))).unwrap();
    let other = listed
        .iter()
        .find(|a| a.get("same_name_as").is_none())
        .unwrap();
    let (name, id) = (
        other["name"].as_str().unwrap(),
        other["id"].as_str().unwrap(),
    );
    let profile = format!("[profile {name}/Admin]\ncredential_process = ");
    let at = written.find(&profile).unwrap();
    let before = format!(
        "{}{}",
        &written[..at],
        written[at..].replacen(&format!("--account {id} "), "--account 999999999999 ", 1)
    );
    std::fs::write(&config, &before).unwrap();
    let out = awsnav.run(&["config", "generate", "--write"]);
    assert!(!out.status.success(), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains("these profiles would point to another account than they did")
            && said.contains(&format!(
                "[profile {name}/Admin]: 999999999999 before, {id}"
            )),
        "{said}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
    let out = awsnav.run(&["config", "generate", "--write", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("repointed (--force)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), written);
}
