//! Cost Explorer reads against moto's Cost Explorer (results seeded through its API) and a
//! fault server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use awsnav::aws::cost::monthly_by_account;
use awsnav::aws::{AwsError, CallCounter, ErrorContext};
use awsnav::cost::YearMonth;
use common::fault::{FaultServer, Response};
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
    let (_lock, moto) = common::exclusive_moto().await;
    let page1 = json!({
        "ResultsByTime": [month("2026-10-01", "2026-11-01", &[group("111111111111", "3100.50"), group("222222222222", "12.25")])],
        "NextPageToken": "page-2",
        "GroupDefinitions": [{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}]
    });
    let page2 = json!({
        "ResultsByTime": [month("2026-11-01", "2026-11-22", &[group("111111111111", "1200"), group("333333333333", "0.99")])],
        "GroupDefinitions": [{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}]
    });
    let body = json!({"account_id": "123456789012", "results": [page1, page2]}).to_string();
    let (status, _) = common::http(
        "POST",
        &moto.url,
        "/moto-api/static/ce/cost-and-usage-results",
        &body,
    )
    .unwrap();
    assert_eq!(status, 201);

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
        let sdk = common::sdk_for(&server.url).await;
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
