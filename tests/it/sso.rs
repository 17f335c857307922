//! IAM Identity Center: listing through the portal (a loopback stand-in; moto has none),
//! merging with Organizations (moto), role credentials for every way out, and an expired or
//! refused sign-in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use crate::common::portal::{
    Portal, PortalAccount, PortalSpec, START_URL, corp_profile, moto_credentials, sign_in,
    write_token,
};
use crate::common::{AwsnavCmd, OuSpec, SeededOrg, stderr, stdout};
use serde_json::Value;

const TOKEN: &str = "aoaAAAAAGdummy-sso-access-token";
/// Made up, and not in the seeded organization.
const CONTRACTOR: &str = "999988887777";

fn list_json(awsnav: &AwsnavCmd) -> Vec<Value> {
    list_json_with(awsnav, &[])
}

fn list_json_with(awsnav: &AwsnavCmd, more: &[&str]) -> Vec<Value> {
    let args: Vec<&str> = ["list", "--json"].iter().chain(more).copied().collect();
    let out = awsnav.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str::<Value>(&stdout(&out))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn by_id<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter().find(|a| a["id"] == id).unwrap()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

/// Two members of the seeded organization that are not production.
fn two_members(seeded: &SeededOrg) -> (String, String) {
    let mut ids = seeded
        .accounts
        .iter()
        .filter(|(_, a)| !a.ou_path.is_empty() && a.tags["env"] != "prod")
        .map(|(id, _)| id.clone());
    (ids.next().unwrap(), ids.next().unwrap())
}

/// The most requests that started within any one second.
fn busiest_second(portal: &Portal) -> usize {
    let times: Vec<_> = portal.server.requests().iter().map(|r| r.at).collect();
    times
        .iter()
        .map(|&t| {
            times
                .iter()
                .filter(|&&u| u >= t && u.duration_since(t) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn listing_is_paged_paced_retried_and_merged_with_the_organization() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let tree = [
        OuSpec::new("Workloads", 3, vec![]),
        OuSpec::new("Security", 1, vec![]),
    ];
    let seeded = crate::common::seed_org(&moto.sdk().await, &tree, 0).await;
    let (a, b) = two_members(&seeded);
    let mut accounts = vec![
        PortalAccount::new(
            &a,
            "Workloads A",
            &["ReadOnlyAccess", "AdministratorAccess"],
        ),
        PortalAccount::new(&b, "Workloads B", &["ReadOnlyAccess"]),
        PortalAccount::new(CONTRACTOR, "Contractor Sandbox", &["PowerUserAccess"]),
    ];
    for n in 0..9 {
        accounts.push(PortalAccount::new(
            &format!("55550000000{n}"),
            &format!("partner-{n}"),
            &["ReadOnlyAccess"],
        ));
    }
    let portal = Portal::start(PortalSpec {
        page: 2,
        role_page: 1,
        throttle_every: 7,
        ..PortalSpec::new(TOKEN, accounts)
    });
    let mut awsnav = AwsnavCmd::new().against(&moto.url);
    awsnav.set("AWS_ENDPOINT_URL_SSO", portal.url());
    corp_profile(&awsnav, "requests_per_second = 5\n");
    sign_in(awsnav.home.path(), TOKEN, time::Duration::hours(8));

    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("IAM Identity Center gives you roles in 12 accounts"),
        "{}",
        stderr(&out)
    );
    let list = roles_are_read_on_demand(&awsnav, &portal, &a);

    assert_eq!(
        list.len(),
        seeded.accounts.len() + 10,
        "one row per account"
    );
    let row = by_id(&list, &a);
    assert_eq!(
        row["name"],
        seeded.accounts[&a].name.as_str(),
        "Organizations names it"
    );
    assert_eq!(strings(&row["ou_path"]), seeded.accounts[&a].ou_path);
    assert_eq!(
        strings(&row["sso_roles"]),
        ["AdministratorAccess", "ReadOnlyAccess"]
    );
    assert_eq!(
        strings(&row["roles"]),
        [
            "AdministratorAccess",
            "ReadOnlyAccess",
            "OrganizationAccountAccessRole"
        ],
        "Identity Center's roles first, then the configured ones"
    );
    let contractor = by_id(&list, CONTRACTOR);
    assert_eq!(strings(&contractor["ou_path"]), ["Identity Center"]);
    let out = awsnav.run(&["policies", CONTRACTOR]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not in the organization's tree (only IAM Identity Center lists it)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(contractor["name"], "Contractor Sandbox");
    assert_eq!(contractor["email"], "contractor-sandbox@example.com");
    let plain = list
        .iter()
        .find(|r| {
            let id = r["id"].as_str().unwrap();
            id != a && id != b && seeded.accounts.contains_key(id)
        })
        .unwrap();
    assert_eq!(plain["sso_roles"], serde_json::json!([]));

    expired_sign_in_keeps_the_complete_inventory(&awsnav, &portal, &list);
}

/// After a refresh: no role was read; `list --json --roles` reads them all (paged, paced,
/// retried), then the cache answers until the TTL has passed. Returns that listing.
fn roles_are_read_on_demand(awsnav: &AwsnavCmd, portal: &Portal, a: &str) -> Vec<Value> {
    assert!(
        portal.requests_to("/assignment/roles").is_empty(),
        "a refresh lists the accounts, not every account's roles"
    );
    let unread = list_json(awsnav);
    assert_eq!(
        by_id(&unread, a)["sso_roles"],
        Value::Null,
        "listed by the portal, roles not read yet"
    );
    assert!(portal.requests_to("/assignment/roles").is_empty());

    // --roles reads them: every account's, paged, paced and retried.
    let list = list_json_with(awsnav, &["--roles"]);
    assert_paged_paced_and_retried(portal, a);
    let read = portal.server.requests().len();
    assert_eq!(
        list_json_with(awsnav, &["--roles"]),
        list,
        "read again from the cache"
    );
    assert_eq!(
        portal.server.requests().len(),
        read,
        "within [sso] roles_ttl_minutes nothing is asked again"
    );
    assert_eq!(list_json(awsnav), list, "and plain list --json shows them");
    // Older than the TTL: read again.
    age_role_cache(awsnav, time::Duration::minutes(61));
    let before = portal.requests_to("/assignment/roles").len();
    assert_eq!(list_json_with(awsnav, &["--roles"]), list);
    assert!(
        portal.requests_to("/assignment/roles").len() >= before + 12,
        "every account's roles read again"
    );
    list
}

/// Makes every cached Identity Center role `age` older.
fn age_role_cache(awsnav: &AwsnavCmd, age: time::Duration) {
    let dir = awsnav.path("awsnav/cache");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("sso-roles-")
        })
        .expect("the Identity Center role cache");
    let mut table: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    for known in table["table"]["accounts"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        let at = time::OffsetDateTime::parse(
            known["read_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        known["read_at"] = Value::String(
            (at - age)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap(),
        );
    }
    std::fs::write(&file, serde_json::to_vec(&table).unwrap()).unwrap();
}

fn assert_paged_paced_and_retried(portal: &Portal, a: &str) {
    // Pages: 12 accounts at 2 a page, and every role on a page of its own.
    let pages = portal.requests_to("/assignment/accounts");
    let served: Vec<_> = pages
        .iter()
        .filter(|r| r.header("x-amz-sso_bearer_token") == Some(TOKEN))
        .collect();
    assert!(served.len() >= 6, "{} account pages", served.len());
    let tokens: std::collections::BTreeSet<Option<String>> =
        served.iter().map(|r| r.query("next_token")).collect();
    assert_eq!(
        tokens.len(),
        6,
        "each page asked once (retries aside): {tokens:?}"
    );
    let roles_of_a = portal
        .requests_to("/assignment/roles")
        .into_iter()
        .filter(|r| r.query("account_id").as_deref() == Some(a))
        .count();
    assert!(roles_of_a >= 2, "two pages of roles for {a}");
    // 429s came and were retried; the listing still finished complete.
    let total = portal.server.requests().len();
    assert!(total >= 6 + 13 + 2, "{total} requests");
    // Paced: never more than 5 a second (one more at a window's edge).
    let busiest = busiest_second(portal);
    assert!(busiest <= 6, "{busiest} requests in one second");
}

fn expired_sign_in_keeps_the_complete_inventory(
    awsnav: &AwsnavCmd,
    portal: &Portal,
    list: &[Value],
) {
    // An expired sign-in: Organizations is still read, the result is partial (exit 3), and
    // the complete inventory with its Identity Center roles is kept.
    sign_in(awsnav.home.path(), TOKEN, -time::Duration::minutes(1));
    let before = portal.server.requests().len();
    let out = awsnav.run(&["refresh"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("run `awsnav login --profile corp`"), "{err}");
    assert!(err.contains("was kept"), "{err}");
    assert_eq!(
        portal.server.requests().len(),
        before,
        "no request with a dead token"
    );
    assert_eq!(list_json(awsnav), list);

    // An IAM role needs no portal: with the sign-in expired and no Identity Center role
    // cached for the account, getting in with one still works, and the portal is not asked.
    let a = list
        .iter()
        .find(|r| !r["sso_roles"].as_array().is_none_or(Vec::is_empty))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for entry in std::fs::read_dir(awsnav.path("awsnav/cache")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("sso-roles-")
        {
            std::fs::remove_file(path).unwrap();
        }
    }
    // (moto's caller has no IAM user, so no MFA device to look up.)
    let config = awsnav.path("awsnav/config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[auth]\nmfa = \"never\"\n");
    std::fs::write(&config, text).unwrap();
    let out = awsnav.run(&[
        "env",
        &a,
        "--role",
        "OrganizationAccountAccessRole",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("AWS_SECRET_ACCESS_KEY"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        portal.server.requests().len(),
        before,
        "the portal is not asked"
    );
}

/// An SSO-only user: no IAM credentials, so the organization cannot be read.
fn sso_only(
    moto: &crate::common::Moto,
    accounts: Vec<PortalAccount>,
    credentials: HashMap<(String, String), Value>,
) -> (AwsnavCmd, Portal) {
    let portal = Portal::start(PortalSpec {
        credentials,
        ..PortalSpec::new(TOKEN, accounts)
    });
    let mut awsnav = AwsnavCmd::new().against(&moto.url);
    awsnav.unset("AWS_ACCESS_KEY_ID");
    awsnav.unset("AWS_SECRET_ACCESS_KEY");
    awsnav.set("AWS_ENDPOINT_URL_SSO", portal.url());
    (awsnav, portal)
}

#[tokio::test]
async fn without_the_organization_identity_center_accounts_stand_alone_and_every_way_out_works() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let shop = "111100002222";
    let data = "333300004444";
    let mut creds = HashMap::new();
    for (account, role) in [
        (shop, "ReadOnlyAccess"),
        (shop, "AdministratorAccess"),
        (data, "ReadOnlyAccess"),
    ] {
        creds.insert(
            (account.to_owned(), role.to_owned()),
            moto_credentials(&sdk, account, role).await,
        );
    }
    let (mut awsnav, portal) = sso_only(
        moto,
        vec![
            PortalAccount::new(shop, "shop-dev", &["ReadOnlyAccess", "AdministratorAccess"]),
            PortalAccount::new(data, "data-dev", &["ReadOnlyAccess"]),
        ],
        creds.clone(),
    );
    corp_profile(&awsnav, "");
    sign_in(awsnav.home.path(), TOKEN, time::Duration::hours(8));
    let fed = crate::common::fault::FaultServer::start(|_, _| {
        crate::common::fault::Response::raw(
            200,
            "application/json",
            r#"{"SigninToken":"sso-signin-token"}"#,
        )
    });
    awsnav.set("AWSNAV_FEDERATION_URL", &format!("{}/federation", fed.url));

    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the organization was not read"),
        "{}",
        stderr(&out)
    );
    let list = list_json_with(&awsnav, &["--roles"]);
    assert_eq!(list.len(), 2);
    for row in &list {
        assert_eq!(strings(&row["ou_path"]), ["Identity Center"]);
    }
    assert_eq!(
        strings(&by_id(&list, shop)["roles"]),
        ["AdministratorAccess", "ReadOnlyAccess"],
        "no IAM identity: only Identity Center's roles"
    );

    // Its policies cannot be read either, and it says why.
    let out = awsnav.run(&["policies", "shop-dev"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the organization was not read"),
        "{}",
        stderr(&out)
    );

    exec_env_and_credential_process(&awsnav, &portal, &creds, shop, data);

    // console: signed in with the Identity Center role's session.
    let out = awsnav.run(&[
        "console",
        "shop-dev",
        "--role",
        "AdministratorAccess",
        "--print",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("SigninToken=sso-signin-token"),
        "{}",
        stdout(&out)
    );
    let session = fed.requests().last().unwrap().query("Session").unwrap();
    let session: Value = serde_json::from_str(&session).unwrap();
    assert_eq!(
        session["sessionId"],
        creds[&(shop.to_owned(), "AdministratorAccess".to_owned())]["accessKeyId"]
    );
    assert!(
        fed.requests()
            .last()
            .unwrap()
            .query("SessionDuration")
            .is_none(),
        "Identity Center sessions keep their own length"
    );

    let expected = &creds[&(shop.to_owned(), "ReadOnlyAccess".to_owned())];
    assert_secrets_kept(&awsnav, expected["secretAccessKey"].as_str().unwrap());
}

fn exec_env_and_credential_process(
    awsnav: &AwsnavCmd,
    portal: &Portal,
    creds: &HashMap<(String, String), Value>,
    shop: &str,
    data: &str,
) {
    // Several roles and no --role: the error names them and where they come from.
    let out = awsnav.run(&["exec", "shop-dev", "--", "true"]);
    assert!(
        stderr(&out).contains(
            "choose one with --role: AdministratorAccess (Identity Center), ReadOnlyAccess (Identity Center)"
        ),
        "{}",
        stderr(&out)
    );

    // exec: the role's credentials, and AWS sees that role in that account.
    let out = awsnav.run(&[
        "exec",
        "shop-dev",
        "--role",
        "ReadOnlyAccess",
        "--",
        crate::common::aws_cli().to_str().unwrap(),
        "sts",
        "get-caller-identity",
        "--output",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let who: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(who["Account"], shop);
    assert!(
        who["Arn"]
            .as_str()
            .unwrap()
            .contains("AWSReservedSSO_ReadOnlyAccess"),
        "{who}"
    );
    let fetched = || portal.requests_to("/federation/credentials").len();
    assert_eq!(fetched(), 1);

    // env and credential-process: the same session, from the cache.
    let out = awsnav.run(&[
        "env",
        "shop-dev",
        "--role",
        "ReadOnlyAccess",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let env: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let expected = &creds[&(shop.to_owned(), "ReadOnlyAccess".to_owned())];
    assert_eq!(env["AWS_ACCESS_KEY_ID"], expected["accessKeyId"]);
    assert_eq!(env["AWS_SESSION_TOKEN"], expected["sessionToken"]);
    let out = awsnav.run(&[
        "credential-process",
        "--account",
        data,
        "--role",
        "ReadOnlyAccess",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let process: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(process["Version"], 1);
    assert_eq!(
        process["AccessKeyId"],
        creds[&(data.to_owned(), "ReadOnlyAccess".to_owned())]["accessKeyId"]
    );
    assert_eq!(fetched(), 2, "the shop session came from the cache");
    let asked = portal.requests_to("/federation/credentials");
    assert_eq!(asked[1].query("account_id").as_deref(), Some(data));
    assert_eq!(
        asked[1].query("role_name").as_deref(),
        Some("ReadOnlyAccess")
    );
}

fn assert_secrets_kept(awsnav: &AwsnavCmd, secret: &str) {
    // The whole flow once more at TRACE, with the credential cache gone: listing and
    // GetRoleCredentials both carry secrets.
    std::fs::remove_dir_all(awsnav.path("awsnav/cache/credentials")).unwrap();
    let mut outputs = String::new();
    for args in [
        &["refresh"][..],
        &[
            "env",
            "shop-dev",
            "--role",
            "ReadOnlyAccess",
            "--format",
            "json",
        ],
    ] {
        let out = awsnav
            .command(args)
            .env("AWSNAV_LOG", "trace,aws_config=trace,aws_sdk_sso=trace")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        outputs.push_str(&stderr(&out));
    }
    // Cached credentials: 0600 files under a 0700 directory; no secret in the log.
    let log = std::fs::read_to_string(awsnav.path("awsnav/log/awsnav.log")).unwrap();
    assert!(
        log.contains("Identity Center role credentials") && log.contains("TRACE"),
        "the flow was logged verbosely:\n{log}"
    );
    for secret in [TOKEN, secret] {
        assert!(!log.contains(secret), "a secret in the log");
        assert!(!outputs.contains(secret), "a secret on stderr");
    }
    {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = awsnav.path("awsnav/cache/credentials");
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        for f in std::fs::read_dir(&dir).unwrap() {
            let mode = f.unwrap().metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

#[tokio::test]
async fn an_expired_or_refused_sign_in_says_to_sign_in_again_and_changes_nothing() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let shop = "111100002222";
    let (mut awsnav, portal) = sso_only(
        moto,
        vec![PortalAccount::new(shop, "shop-dev", &["ReadOnlyAccess"])],
        HashMap::new(),
    );
    corp_profile(&awsnav, "");

    // No sign-in at all.
    let out = awsnav.run(&["refresh"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("run `awsnav login --profile corp`"),
        "{}",
        stderr(&out)
    );

    // Expired.
    sign_in(awsnav.home.path(), TOKEN, -time::Duration::hours(1));
    let out = awsnav.run(&["refresh"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("has expired"), "{err}");
    assert!(err.contains("run `awsnav login --profile corp`"), "{err}");
    assert!(portal.server.requests().is_empty(), "nothing sent with it");

    // Signed in: works; then signed out elsewhere, so the portal refuses the token.
    sign_in(awsnav.home.path(), TOKEN, time::Duration::hours(1));
    assert!(awsnav.run(&["refresh"]).status.success());
    assert!(awsnav.run(&["list", "--roles"]).status.success());
    let cache = awsnav.path("awsnav/cache");
    let snapshot = |dir: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = crate::common::files_under(dir, None)
            .into_iter()
            .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
            .collect();
        files.sort();
        files
    };
    let before = snapshot(&cache);
    portal.revoke();
    for args in [
        &["refresh"][..],
        &["exec", "shop-dev", "--role", "ReadOnlyAccess", "--", "true"],
        &[
            "credential-process",
            "--account",
            shop,
            "--role",
            "ReadOnlyAccess",
        ],
    ] {
        let out = awsnav.run(args);
        assert!(!out.status.success(), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("was refused by IAM Identity Center"),
            "{args:?}: {err}"
        );
        assert!(err.contains("run `awsnav login --profile corp`"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(snapshot(&cache), before, "no cache file changed");

    // A role Identity Center does not give there.
    awsnav.set(
        "AWS_ENDPOINT_URL_SSO",
        &Portal::start(PortalSpec::new(
            TOKEN,
            vec![PortalAccount::new(shop, "shop-dev", &[])],
        ))
        .server
        .url,
    );
    let out = awsnav.run(&["exec", "shop-dev", "--role", "ReadOnlyAccess", "--", "true"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("does not give you role ReadOnlyAccess in account 111100002222"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn a_legacy_profile_reads_the_token_cached_for_its_start_url() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let (awsnav, portal) = sso_only(
        moto,
        vec![PortalAccount::new(
            "111100002222",
            "shop-dev",
            &["ReadOnlyAccess"],
        )],
        HashMap::new(),
    );
    std::fs::write(
        awsnav.path(".aws/config"),
        format!(
            "[default]\nregion = us-east-1\nsso_start_url = {START_URL}\nsso_region = eu-west-1\n"
        ),
    )
    .unwrap();
    // No [sso] profile: the default profile has a sign-in, so it is used.
    write_token(
        awsnav.home.path(),
        START_URL,
        START_URL,
        TOKEN,
        time::Duration::hours(1),
    );
    let list = list_json_with(&awsnav, &["--roles"]);
    assert_eq!(list.len(), 1);
    assert_eq!(strings(&list[0]["roles"]), ["ReadOnlyAccess"]);
    assert!(!portal.server.requests().is_empty());
}

#[tokio::test]
async fn generated_sso_profiles_work_in_the_aws_cli_and_boto3() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let shop = "111100002222";
    let creds = HashMap::from([(
        (shop.to_owned(), "ReadOnlyAccess".to_owned()),
        moto_credentials(&sdk, shop, "ReadOnlyAccess").await,
    )]);
    let expected_key = creds[&(shop.to_owned(), "ReadOnlyAccess".to_owned())]["accessKeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (awsnav, portal) = sso_only(
        moto,
        vec![PortalAccount::new(shop, "shop-dev", &["ReadOnlyAccess"])],
        creds,
    );
    corp_profile(&awsnav, "");
    sign_in(awsnav.home.path(), TOKEN, time::Duration::hours(8));
    let out = awsnav.run(&["config", "generate", "--write"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = std::fs::read_to_string(awsnav.path(".aws/config")).unwrap();
    assert!(
        file.contains(
            "[profile shop-dev/ReadOnlyAccess]\nsso_session = corp\nsso_account_id = 111100002222\nsso_role_name = ReadOnlyAccess\n"
        ),
        "{file}"
    );
    assert!(
        file.starts_with("[default]\nregion = us-east-1\n\n[profile corp]\n"),
        "{file}"
    );
    let again = awsnav.run(&["config", "generate", "--write"]);
    assert!(
        stderr(&again).contains("already has these 1 profiles"),
        "{}",
        stderr(&again)
    );

    // The AWS CLI reads the profile and, through Identity Center, gets the role.
    let aws = |args: &[&str]| {
        let mut cmd = std::process::Command::new(crate::common::aws_cli());
        cmd.env_clear().args(args);
        for (k, v) in [
            ("HOME", awsnav.home.path().to_str().unwrap()),
            ("PATH", &std::env::var("PATH").unwrap()),
            (
                "AWS_CONFIG_FILE",
                awsnav.path(".aws/config").to_str().unwrap(),
            ),
            ("AWS_ENDPOINT_URL", &moto.url),
            ("AWS_ENDPOINT_URL_SSO", portal.url()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ] {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = aws(&[
        "configure",
        "get",
        "sso_role_name",
        "--profile",
        "shop-dev/ReadOnlyAccess",
    ]);
    assert_eq!(stdout(&out).trim(), "ReadOnlyAccess", "{}", stderr(&out));
    let out = aws(&[
        "sts",
        "get-caller-identity",
        "--profile",
        "shop-dev/ReadOnlyAccess",
        "--output",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let who: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(who["Account"], shop);

    // boto3 too: the profile's credentials are the role's, from Identity Center.
    let py = std::process::Command::new(crate::common::python())
        .args([
            "-c",
            "import boto3\nc = boto3.Session(profile_name='shop-dev/ReadOnlyAccess').get_credentials()\nprint(c.get_frozen_credentials().access_key)",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", awsnav.home.path())
        .env("AWS_CONFIG_FILE", awsnav.path(".aws/config"))
        .env("AWS_ENDPOINT_URL_SSO", portal.url())
        .output()
        .unwrap();
    assert!(py.status.success(), "{}", stderr(&py));
    assert_eq!(stdout(&py).trim(), expected_key);
}

#[tokio::test]
async fn a_broken_sign_in_found_by_looking_does_not_stop_the_organization() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let seeded =
        crate::common::seed_org(&moto.sdk().await, &[OuSpec::new("Sandbox", 2, vec![])], 0).await;
    let awsnav = AwsnavCmd::new().against(&moto.url);
    // The default profile names an [sso-session] that is not there; [sso] profile is unset.
    std::fs::write(
        awsnav.path(".aws/config"),
        "[default]\nregion = us-east-1\nsso_session = gone\n",
    )
    .unwrap();
    let out = awsnav.run(&["refresh"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("no [sso-session gone]"), "{err}");
    assert!(err.contains("[sso] enabled = false"), "{err}");
    let out = awsnav.run(&["list", "--json"]);
    assert_eq!(out.status.code(), Some(3), "partial until fixed");
    let list: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        list.len(),
        seeded.accounts.len(),
        "the organization was read"
    );

    // Named in [sso] profile, the same problem is an error.
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[sso]\nprofile = \"default\"\n",
    )
    .unwrap();
    let out = awsnav.run(&["refresh"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no [sso-session gone]"),
        "{}",
        stderr(&out)
    );
}
