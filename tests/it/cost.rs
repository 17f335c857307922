//! Cost Explorer reads against moto's Cost Explorer (results seeded through its API) and a
//! fault server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::fault::{FaultServer, Response};
use awsnav::aws::cost_explorer::monthly_by_account;
use awsnav::aws::{AwsError, CallCounter, ErrorContext};
use awsnav::domain::cost::YearMonth;
use serde_json::json;
use time::macros::date;

fn group(account: &str, amount: &str) -> serde_json::Value {
    json!({"Keys": [account], "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}})
}

fn month(start: &str, end: &str, groups: &[serde_json::Value]) -> serde_json::Value {
    json!({"TimePeriod": {"Start": start, "End": end}, "Total": {}, "Groups": groups, "Estimated": false})
}

#[tokio::test]
async fn monthly_costs_follow_every_page() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let page1 = json!({
        "ResultsByTime": [month("2026-10-01", "2026-11-01", &[group("111111111111", "3100.50"), group("222222222222", "12.25")])],
        "NextPageToken": "page-2",
        "GroupDefinitions": [{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}]
    });
    let page2 = json!({
        "ResultsByTime": [month("2026-11-01", "2026-11-22", &[group("111111111111", "1200"), group("333333333333", "0.99")])],
        "GroupDefinitions": [{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}]
    });
    crate::common::seed_cost_results(moto, "123456789012", &[page1, page2]);

    let counter = CallCounter::default();
    let read = monthly_by_account(
        &moto.sdk().await,
        "UnblendedCost",
        date!(2026 - 06 - 01),
        date!(2026 - 11 - 22),
        &counter,
        &ErrorContext::default(),
    )
    .await
    .unwrap();
    assert_eq!(read.requests, 2, "one request per page");
    assert_eq!(read.currency, "USD");
    let oct = YearMonth {
        year: 2026,
        month: 10,
    };
    let nov = YearMonth {
        year: 2026,
        month: 11,
    };
    assert!((read.monthly["111111111111"][&oct] - 3100.5).abs() < 1e-9);
    assert!((read.monthly["111111111111"][&nov] - 1200.0).abs() < 1e-9);
    assert!((read.monthly["222222222222"][&oct] - 12.25).abs() < 1e-9);
    assert!((read.monthly["333333333333"][&nov] - 0.99).abs() < 1e-9);
}

#[tokio::test]
async fn refusals_are_errors_not_panics() {
    for (code, expect_denied) in [
        ("AccessDeniedException", true),
        ("DataUnavailableException", false),
        ("LimitExceededException", false),
    ] {
        let server =
            FaultServer::start(move |_, _| Response::aws_error(400, code, "refused for the test"));
        let sdk = crate::common::sdk_for(&server.url).await;
        let err = monthly_by_account(
            &sdk,
            "UnblendedCost",
            date!(2026 - 06 - 01),
            date!(2026 - 11 - 22),
            &CallCounter::default(),
            &ErrorContext::default(),
        )
        .await
        .unwrap_err();
        assert_eq!(
            matches!(err, AwsError::AccessDenied { .. }),
            expect_denied,
            "{code}: {err:?}"
        );
        assert!(
            err.to_string().contains("refused for the test") || expect_denied,
            "{err}"
        );
    }
}

#[tokio::test]
async fn list_json_fills_cost_and_the_ttl_saves_requests() {
    use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let seeded =
        crate::common::seed_org(&moto.sdk().await, &[OuSpec::new("Sandbox", 2, vec![])], 0).await;
    let ids: Vec<String> = seeded
        .accounts
        .keys()
        .filter(|id| *id != "123456789012")
        .cloned()
        .collect();
    let today = time::OffsetDateTime::now_utc().date();
    let this = today.replace_day(1).unwrap();
    let previous = (this - time::Duration::days(1)).replace_day(1).unwrap();
    let page = json!({
        "ResultsByTime": [
            month(&previous.to_string(), &this.to_string(), &[group(&ids[0], "3000"), group(&ids[1], "10")]),
            month(&this.to_string(), &(today + time::Duration::days(1)).to_string(), &[group(&ids[0], "1234.5")]),
        ]
    });
    let body = json!({"account_id": "123456789012", "results": [page]}).to_string();
    crate::common::http(
        "POST",
        &moto.url,
        "/moto-api/static/ce/cost-and-usage-results",
        &body,
    )
    .unwrap();
    let proxy = FaultServer::start(crate::common::fault::proxy(&moto.url));
    let awsnav = AwsnavCmd::new().against(&proxy.url);

    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 Cost Explorer request"),
        "{}",
        stderr(&out)
    );
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let first = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == ids[0].as_str())
        .unwrap();
    assert_eq!(first["cost"]["month_to_date"], 1234.5);
    assert_eq!(first["cost"]["last_month"], 3000.0);
    assert_eq!(first["cost"]["currency"], "USD");
    assert_eq!(first["cost"]["history"].as_array().unwrap().len(), 6);
    assert!(first["cost"]["as_of"].as_str().unwrap().ends_with('Z'));
    let second = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == ids[1].as_str())
        .unwrap();
    assert_eq!(second["cost"]["month_to_date"], 0.0);
    let mgmt = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "123456789012")
        .unwrap();
    assert!(mgmt["cost"].is_null(), "no cost data for that account");

    // Within the TTL a second listing sends no Cost Explorer request.
    assert_eq!(proxy.count("GetCostAndUsage"), 1);
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success());
    assert_eq!(
        proxy.count("GetCostAndUsage"),
        1,
        "served from the cost cache"
    );

    // Disabled: not even the first request.
    let quiet = AwsnavCmd::new().against(&proxy.url);
    std::fs::create_dir_all(quiet.path("awsnav")).unwrap();
    std::fs::write(
        quiet.path("awsnav/config.toml"),
        "[cost]\nenabled = false\n",
    )
    .unwrap();
    let out = quiet.run(&["list", "--json"]);
    assert!(out.status.success());
    assert_eq!(proxy.count("GetCostAndUsage"), 1);
}

#[tokio::test]
async fn denied_cost_is_na_with_a_reason_and_the_list_still_works() {
    use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};
    let (_lock, moto) = crate::common::exclusive_moto().await;
    crate::common::seed_org(&moto.sdk().await, &[OuSpec::new("Sandbox", 1, vec![])], 0).await;
    let ce = FaultServer::start(|_, _| {
        Response::aws_error(
            400,
            "AccessDeniedException",
            "User is not authorized to perform ce:GetCostAndUsage",
        )
    });
    let mut awsnav = AwsnavCmd::new().against(&moto.url);
    awsnav.set("AWS_ENDPOINT_URL_COST_EXPLORER", &ce.url);
    let out = awsnav.run(&["list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cost n/a") && stderr(&out).contains("[cost] profile"),
        "{}",
        stderr(&out)
    );
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(list.as_array().unwrap().iter().all(|a| a["cost"].is_null()));
    assert!(ce.count("GetCostAndUsage") >= 1);
}

#[tokio::test]
async fn cost_report_by_account_and_ou_with_forced_refresh() {
    use crate::common::{AwsnavCmd, OuSpec, stderr, stdout};
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let tree = [
        OuSpec::new("Workloads", 0, vec![OuSpec::new("Prod", 2, vec![])]),
        OuSpec::new("Sandbox", 1, vec![]),
    ];
    let seeded = crate::common::seed_org(&moto.sdk().await, &tree, 0).await;
    let id = |name: &str| {
        seeded
            .accounts
            .iter()
            .find(|(_, a)| a.name == name)
            .map(|(id, _)| id.clone())
            .unwrap()
    };
    let today = time::OffsetDateTime::now_utc().date();
    let this = today.replace_day(1).unwrap();
    let groups = [
        group(&id("workloads-prod-00"), "100"),
        group(&id("workloads-prod-01"), "50.5"),
        group(&id("sandbox-00"), "7"),
    ];
    let page = json!({"ResultsByTime": [month(&this.to_string(), &(today + time::Duration::days(1)).to_string(), &groups)]});
    let body = json!({"account_id": "123456789012", "results": [page.clone(), page]}).to_string();
    crate::common::http(
        "POST",
        &moto.url,
        "/moto-api/static/ce/cost-and-usage-results",
        &body,
    )
    .unwrap();
    let proxy = FaultServer::start(crate::common::fault::proxy(&moto.url));
    let awsnav = AwsnavCmd::new().against(&proxy.url);

    let out = awsnav.run(&["cost"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ACCOUNT"), "{table}");
    assert!(
        lines[1].starts_with("workloads-prod-00") && lines[1].contains("$100.00"),
        "{table}"
    );
    assert!(
        lines[2].starts_with("workloads-prod-01") && lines[2].contains("$50.50"),
        "{table}"
    );
    assert!(
        table.contains("TOTAL") && table.contains("$157.50"),
        "{table}"
    );

    let out = awsnav.run(&["cost", "--by", "ou", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let row = |name: &str| {
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        row("Workloads")["month_to_date"],
        150.5,
        "roll-up over every level"
    );
    assert_eq!(row("Workloads/Prod")["month_to_date"], 150.5);
    assert_eq!(row("Sandbox")["month_to_date"], 7.0);
    assert_eq!(report["total_month_to_date"], 157.5);
    assert_eq!(
        proxy.count("GetCostAndUsage"),
        1,
        "the second report used the cache"
    );

    let out = awsnav.run(&["cost", "--months", "3", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["rows"][0]["history"].as_array().unwrap().len(), 3);
    assert_eq!(
        proxy.count("GetCostAndUsage"),
        1,
        "six cached months cover three"
    );

    let out = awsnav.run(&["cost", "--refresh-cost", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(proxy.count("GetCostAndUsage"), 2, "forced");
}
