//! Organization discovery against moto (real HTTP, real SDK parsing) and a fault server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use crate::common::fault::{FaultServer, Request, Response};
use awsnav::aws::org::{Discovery, SyncProgress};
use awsnav::aws::{AwsError, CallCounter, ErrorContext};
use awsnav::domain::model::OrgTree;
use serde_json::json;

fn discovery() -> Discovery {
    Discovery {
        concurrency: 8,
        ctx: ErrorContext {
            profile: None,
            config_file: "/tmp/awsnav-test/config.toml".into(),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_org_of_300_accounts_is_discovered_exactly() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let tree = crate::common::large_tree();
    let seeded = crate::common::seed_org(&sdk, &tree, 20).await;
    assert!(seeded.accounts.len() > 300, "{}", seeded.accounts.len());

    let counter = CallCounter::default();
    let last = Mutex::new(SyncProgress::default());
    let found = discovery()
        .run(&sdk, &counter, &|p| *last.lock().unwrap() = p)
        .await
        .expect("discovery");
    assert!(found.gaps.is_empty(), "{:?}", found.gaps);
    assert_eq!(found.pace.throttled, 0);
    let org = found.org;

    assert_eq!(org.root_id, seeded.root_id);
    assert_eq!(org.org_units.len(), seeded.ous);
    assert_eq!(org.accounts.len(), seeded.accounts.len());
    assert_eq!(
        org.management_account_id.as_ref().unwrap().as_str(),
        "123456789012"
    );
    let tree_index = OrgTree::build(&org);
    let deepest = (0..org.accounts.len())
        .map(|i| tree_index.account_path(i).len())
        .max()
        .unwrap();
    assert_eq!(deepest, 4);
    for (i, a) in org.accounts.iter().enumerate() {
        let expected = &seeded.accounts[a.id.as_str()];
        assert_eq!(a.name, expected.name);
        assert_eq!(a.email, expected.email);
        assert_eq!(
            tree_index.account_path(i),
            expected.ou_path.as_slice(),
            "{}",
            a.name
        );
        assert_eq!(
            a.tags,
            expected.tags.clone().into_iter().collect(),
            "{}",
            a.name
        );
        assert!(a.joined.is_some());
    }

    // Every page was followed and nothing was fetched twice: exactly the minimum.
    let minimum = seeded.minimum_org_calls() as u64;
    assert_eq!(counter.calls(), minimum);
    let progress = *last.lock().unwrap();
    assert_eq!(progress.accounts_found, seeded.accounts.len());
    assert_eq!(progress.tags_fetched, seeded.accounts.len());
    assert_eq!(progress.ous_found, seeded.ous);
    let (done, known) = progress.done_and_known();
    assert_eq!(done, known, "progress ends complete");
}

#[tokio::test]
async fn no_organization_is_a_clear_error() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let err = discovery()
        .run(&sdk, &CallCounter::default(), &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, AwsError::OrgNotInUse { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("AWS Organizations is not enabled"), "{text}");
    assert!(text.contains("[org] profile"), "{text}");
}

/// An Organizations look-alike: 25 accounts under the root, served 4 per page with an empty
/// page (and a `NextToken`) in the middle. The first attempt of every distinct request is
/// throttled the way AWS does it (HTTP 400, `TooManyRequestsException`).
fn flaky_org() -> impl Fn(&Request, usize) -> Response + Send + Sync + 'static {
    let seen = Mutex::new(HashSet::new());
    move |req, _| {
        let first_time = seen
            .lock()
            .unwrap()
            .insert(format!("{}{}", req.operation(), req.body));
        if first_time {
            return Response::aws_error(
                400,
                "TooManyRequestsException",
                "AWS Organizations can't complete your request because another request is already in progress.",
            );
        }
        org_page(req)
    }
}

fn org_page(req: &Request) -> Response {
    let body = req.json();
    match req.operation().as_str() {
        "ListRoots" => Response::json(&json!({"Roots": [{"Id": "r-flak", "Name": "Root"}]})),
        "DescribeOrganization" => Response::json(
            &json!({"Organization": {"Id": "o-flaky", "MasterAccountId": "111111111111"}}),
        ),
        "ListOrganizationalUnitsForParent" => Response::json(&json!({"OrganizationalUnits": []})),
        "ListAccountsForParent" => {
            let page: usize = body["NextToken"]
                .as_str()
                .and_then(|t| t.strip_prefix("p"))
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            // Page 2 is empty but still carries a NextToken: AWS does this.
            let slot = match page {
                2 => None,
                p if p < 2 => Some(p),
                p => Some(p - 1),
            };
            let ids: Vec<usize> = slot.map_or_else(Vec::new, |s| {
                (s * 4..s * 4 + 4).filter(|&i| i < 25).collect()
            });
            let more = slot.is_none_or(|s| (s + 1) * 4 < 25);
            let accounts: Vec<_> = ids
                .iter()
                .map(|i| {
                    json!({"Id": format!("{:012}", 200_000_000_000u64 + *i as u64),
                           "Name": format!("acct-{i:02}"), "Email": format!("a{i}@x.test"),
                           "Status": "ACTIVE", "JoinedTimestamp": 1.6e9})
                })
                .collect();
            let mut out = json!({ "Accounts": accounts });
            if more {
                out["NextToken"] = json!(format!("p{}", page + 1));
            }
            Response::json(&out)
        }
        "ListTagsForResource" => Response::json(
            &json!({"Tags": [{"Key": "owner", "Value": body["ResourceId"].as_str().unwrap_or("")}]}),
        ),
        other => Response::aws_error(400, "InvalidInputException", &format!("unexpected {other}")),
    }
}

#[tokio::test]
async fn throttling_is_retried_and_empty_pages_are_followed() {
    let server = FaultServer::start(flaky_org());
    let sdk = crate::common::sdk_for(&server.url).await;
    let counter = CallCounter::default();
    let found = discovery()
        .run(&sdk, &counter, &|_| {})
        .await
        .expect("completes despite throttling");
    assert!(found.gaps.is_empty(), "{:?}", found.gaps);
    let org = found.org;
    let mut ids: Vec<&str> = org.accounts.iter().map(|a| a.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 25, "every account on every page, once");
    assert_eq!(org.accounts.len(), 25);
    for a in &org.accounts {
        assert_eq!(a.tags.get("owner").map(String::as_str), Some(a.id.as_str()));
    }
    assert_eq!(
        counter.attempts(),
        2 * counter.calls(),
        "each call was throttled once and retried once"
    );
    assert!(
        server.count("ListAccountsForParent") >= 8,
        "every page requested"
    );
}

#[tokio::test]
async fn access_denied_says_what_to_configure() {
    let server = FaultServer::start(|req, _| match req.operation().as_str() {
        "ListRoots" => Response::aws_error(
            400,
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
        ),
        _ => Response::aws_error(400, "InvalidInputException", "unexpected"),
    });
    let sdk = crate::common::sdk_for(&server.url).await;
    let err = discovery()
        .run(&sdk, &CallCounter::default(), &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, AwsError::AccessDenied { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("organizations:ListRoots"), "{text}");
    assert!(text.contains("management account"), "{text}");
    assert!(text.contains("/tmp/awsnav-test/config.toml"), "{text}");
}

#[tokio::test]
async fn garbage_and_server_errors_are_reported_not_panics() {
    let server = FaultServer::start(|req, _| match req.operation().as_str() {
        "ListRoots" => Response::raw(200, "application/x-amz-json-1.1", "{\"Roots\": [tru"),
        _ => Response::raw(503, "text/html", "<html>down</html>"),
    });
    let sdk = crate::common::sdk_for(&server.url).await;
    let err = discovery()
        .run(&sdk, &CallCounter::default(), &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, AwsError::BadResponse { .. }), "{err:?}");
}

#[tokio::test]
async fn connection_refused_is_a_network_error() {
    let port = crate::common::free_port();
    let sdk = crate::common::sdk_for(&format!("http://127.0.0.1:{port}")).await;
    let err = discovery()
        .run(&sdk, &CallCounter::default(), &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, AwsError::Network { .. }), "{err:?}");
    assert!(err.to_string().contains("Check the network"), "{err}");
}

/// An SDK config for `url` whose retries are quick: the policy awsnav's pacer follows.
async fn quick_retries(url: &str, attempts: u32) -> aws_config::SdkConfig {
    crate::common::sdk_for(url)
        .await
        .into_builder()
        .retry_config(
            aws_config::retry::RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(10))
                .with_max_backoff(Duration::from_millis(400)),
        )
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// 1,000 accounts in 200 OUs keep the shape that matters (five levels, paging, a fifth of every
// request throttled) at half the 2,000 of `cargo bench --bench sync`, which is the test
// suite's longest run otherwise.
async fn a_1000_account_sync_under_heavy_throttling_completes_with_every_account() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let tree = crate::common::generated_tree(&[4, 12, 36, 72, 76], 1_000);
    let started = std::time::Instant::now();
    let seeded = crate::common::seed_org_tagging(&moto.sdk().await, &tree, 0, 4).await;
    eprintln!("seeded in {:?}", started.elapsed());
    let started = std::time::Instant::now();
    assert_eq!(seeded.ous, 200);
    assert!(seeded.accounts.len() > 1_000, "{}", seeded.accounts.len());

    let server = FaultServer::start(crate::common::fault::throttling_proxy(&moto.url, 20));
    let sdk = quick_retries(&server.url, 12).await;
    let counter = CallCounter::default();
    let found = discovery()
        .run(&sdk, &counter, &|_| {})
        .await
        .expect("completes despite throttling");
    eprintln!("synced in {:?}: {:?}", started.elapsed(), found.pace);

    assert!(
        found.gaps.is_empty(),
        "{:?}",
        &found.gaps[..found.gaps.len().min(3)]
    );
    let org = found.org;
    assert_eq!(org.org_units.len(), 200);
    assert_eq!(org.accounts.len(), seeded.accounts.len());
    let tree_index = OrgTree::build(&org);
    for (i, a) in org.accounts.iter().enumerate() {
        let expected = &seeded.accounts[a.id.as_str()];
        assert_eq!(
            a.tags,
            expected.tags.clone().into_iter().collect(),
            "{}",
            a.name
        );
        assert_eq!(tree_index.account_path(i), expected.ou_path.as_slice());
    }
    let deepest = (0..org.accounts.len())
        .map(|i| tree_index.account_path(i).len())
        .max()
        .unwrap();
    assert_eq!(deepest, 5);

    // The pace adapted: throttles cut the requests in flight, and retries are not new calls.
    assert!(found.pace.throttled > 100, "{:?}", found.pace);
    assert!(found.pace.lowest_limit < 8, "{:?}", found.pace);
    assert_eq!(counter.calls(), seeded.minimum_org_calls() as u64);
    assert_eq!(
        counter.attempts(),
        counter.calls() + found.pace.retries,
        "{:?}",
        found.pace
    );
    assert_eq!(server.requests().len() as u64, counter.attempts());
}

#[tokio::test]
async fn requests_refused_for_good_leave_named_gaps_not_a_silent_result() {
    // Everything works except one account's tags and the accounts of one OU.
    let server = FaultServer::start(|req, _| {
        let body = req.json();
        let refused = match req.operation().as_str() {
            "ListTagsForResource" => body["ResourceId"] == "200000000003",
            "ListAccountsForParent" => body["ParentId"] == "ou-flak-2",
            _ => false,
        };
        if refused {
            return Response::aws_error(400, "TooManyRequestsException", "Rate exceeded");
        }
        match req.operation().as_str() {
            "ListOrganizationalUnitsForParent" if body["ParentId"] == "r-flak" => {
                Response::json(&json!({"OrganizationalUnits": [
                    {"Id": "ou-flak-1", "Name": "Good"}, {"Id": "ou-flak-2", "Name": "Refused"}]}))
            }
            "ListAccountsForParent" if body["ParentId"] != "r-flak" => {
                Response::json(&json!({"Accounts": []}))
            }
            _ => org_page(req),
        }
    });
    let sdk = quick_retries(&server.url, 4).await;
    let counter = CallCounter::default();
    let last = Mutex::new(SyncProgress::default());
    let found = discovery()
        .run(&sdk, &counter, &|p| *last.lock().unwrap() = p)
        .await
        .expect("a partial result, not an error");

    assert_eq!(found.org.accounts.len(), 25, "the rest was read");
    assert_eq!(found.org.org_units.len(), 2);
    let mut gaps: Vec<String> = found.gaps.iter().map(ToString::to_string).collect();
    gaps.sort();
    assert_eq!(gaps.len(), 2, "{gaps:?}");
    assert!(
        gaps[0]
            .starts_with("organizations:ListAccountsForParent for ou-flak-2: AWS kept throttling"),
        "{gaps:?}"
    );
    assert!(
        gaps[1]
            .starts_with("organizations:ListTagsForResource for 200000000003: AWS kept throttling"),
        "{gaps:?}"
    );
    // Four attempts each, then given up.
    let tags_for_3 = server
        .requests()
        .iter()
        .filter(|r| {
            r.operation() == "ListTagsForResource" && r.json()["ResourceId"] == "200000000003"
        })
        .count();
    assert_eq!(tags_for_3, 4);
    let (done, known) = last.lock().unwrap().done_and_known();
    assert_eq!(done, known, "progress ends complete");
    assert_eq!(last.lock().unwrap().gaps, 2);
}
