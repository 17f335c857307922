//! Every AWS API awsnav calls, under every network fault: the real binary against moto, with
//! one service's endpoint (`AWS_ENDPOINT_URL_<SERVICE>`) pointed at a loopback server that
//! breaks one operation and forwards the rest to moto. Each run must end in a clear message
//! naming the request, with no panic, and every cache file as it was before.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::fault::{FaultServer, Response};
use crate::common::{AwsnavCmd, OuSpec, stderr};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Nothing listens on the service's endpoint.
    Refused,
    /// No answer within `[network] timeout_seconds`: it is held until awsnav gives up.
    Timeout,
    /// HTTP 503 with an HTML page, as a load balancer sends it.
    ServerError,
    /// moto's real answer, cut off half-way.
    Truncated,
    /// HTTP 200 with a body that is neither JSON nor XML.
    Garbage,
}

const FAULTS: [Fault; 5] = [
    Fault::Refused,
    Fault::Timeout,
    Fault::ServerError,
    Fault::Truncated,
    Fault::Garbage,
];

/// What the message must say for each fault, besides the request's name.
fn expected_phrase(fault: Fault) -> &'static [&'static str] {
    match fault {
        Fault::Refused => &["cannot reach AWS", "Check the network"],
        Fault::Timeout => &["timed out"],
        Fault::ServerError => &["503"],
        Fault::Truncated | Fault::Garbage => &["cannot read"],
    }
}

/// A server that applies `fault` to `operation` and forwards everything else to moto.
fn faulty(moto: &str, operation: &'static str, fault: Fault) -> FaultServer {
    let forward = crate::common::fault::proxy(moto);
    FaultServer::start(move |req, n| {
        if req.operation() != operation {
            return forward(req, n);
        }
        match fault {
            Fault::Refused => unreachable!("no server for refused connections"),
            Fault::Timeout => Response::raw(200, "text/plain", "").held(),
            Fault::ServerError => Response::raw(
                503,
                "text/html",
                "<html><body>503 Service Unavailable</body></html>",
            ),
            Fault::Truncated => {
                let real = forward(req, n);
                Response::truncated(&real.content_type, &real.body)
            }
            Fault::Garbage => {
                let real = forward(req, n);
                Response::raw(200, &real.content_type, "\u{1}\u{2}<<<<not a response")
            }
        }
    })
}

fn closed_port() -> String {
    format!("http://127.0.0.1:{}", crate::common::free_port())
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.display().to_string(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Runs `args` with `service`'s `operation` broken by each fault in turn and checks the outcome.
#[allow(clippy::too_many_arguments)]
fn check_every_fault(
    awsnav: &mut AwsnavCmd,
    moto: &str,
    service: &str,
    operation: &'static str,
    action: &str,
    args: &[&str],
    before_each: &dyn Fn(),
    expected_exit: i32,
    faults: &[Fault],
) {
    for &fault in faults {
        before_each();
        let kept = snapshot(&awsnav.path("awsnav/cache"));
        let server = (fault != Fault::Refused).then(|| faulty(moto, operation, fault));
        let url = server.as_ref().map_or_else(closed_port, |s| s.url.clone());
        let variable = format!("AWS_ENDPOINT_URL_{service}");
        awsnav.set(&variable, &url);
        let out = awsnav.run(args);
        awsnav.unset(&variable);
        let err = stderr(&out);
        let case = format!("{operation} / {fault:?}: {err}");
        assert_eq!(out.status.code(), Some(expected_exit), "{case}");
        if expected_exit == 3 {
            assert!(err.contains("\nawsnav: warning: partial sync: "), "{case}");
        } else {
            assert!(err.starts_with("awsnav: "), "{case}");
        }
        // A refused service fails at its first request, whichever that is.
        let named = if fault == Fault::Refused {
            action.split(':').next().unwrap().to_owned() + ":"
        } else {
            action.to_owned()
        };
        assert!(err.contains(&named), "names the request: {case}");
        for phrase in expected_phrase(fault) {
            assert!(err.contains(phrase), "says {phrase:?}: {case}");
        }
        assert!(!err.contains("panicked"), "{case}");
        assert!(err.lines().count() <= 3, "short: {case}");
        let after = snapshot(&awsnav.path("awsnav/cache"));
        for (path, bytes) in &kept {
            assert_eq!(after.get(path), Some(bytes), "{path} kept: {case}");
        }
        if let Some(server) = &server {
            assert!(server.count(operation) >= 1, "{case}");
        }
    }
}

fn tree() -> Vec<OuSpec> {
    vec![OuSpec::new("Dev", 2, vec![])]
}

fn base(moto: &str, alice: &crate::common::Alice) -> AwsnavCmd {
    let mut awsnav = AwsnavCmd::new().with_user(alice);
    awsnav.set("AWS_ENDPOINT_URL", moto);
    awsnav.set("AWS_REGION", "us-east-1");
    awsnav.set("AWS_MAX_ATTEMPTS", "2");
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        "[network]\nconnect_timeout_seconds = 1\ntimeout_seconds = 1\n",
    )
    .unwrap();
    awsnav
}

#[tokio::test]
async fn sync_survives_every_fault_of_sts_and_organizations() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let mut awsnav = base(&moto.url, &alice);
    let out = awsnav.run(&["refresh"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let cases: [(&str, &str, &str, i32, &[Fault]); 3] = [
        (
            "STS",
            "GetCallerIdentity",
            "sts:GetCallerIdentity",
            1,
            &FAULTS,
        ),
        (
            "ORGANIZATIONS",
            "ListRoots",
            "organizations:ListRoots",
            1,
            &FAULTS,
        ),
        // Past the root, a failing listing leaves a gap: a partial result, said so. (A
        // refused connection fails at ListRoots, above.)
        (
            "ORGANIZATIONS",
            "ListAccountsForParent",
            "organizations:ListAccountsForParent",
            3,
            &FAULTS[1..],
        ),
    ];
    for (service, operation, action, exit, faults) in cases {
        check_every_fault(
            &mut awsnav,
            &moto.url,
            service,
            operation,
            action,
            &["refresh"],
            &|| {},
            exit,
            faults,
        );
    }
}

#[tokio::test]
async fn getting_in_survives_every_fault_of_iam_and_sts() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    let seeded = crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let mut awsnav = base(&moto.url, &alice);
    assert!(awsnav.run(&["refresh"]).status.success());
    let account = seeded.first_non_prod_member();
    let credentials = awsnav.path("awsnav/cache/credentials");
    let forget_sessions = || {
        let _ = std::fs::remove_dir_all(&credentials);
    };
    let args = ["exec", &account, "--mfa-code", "123456", "--", "true"];
    for (service, operation, action) in [
        ("IAM", "ListMFADevices", "iam:ListMFADevices"),
        ("STS", "GetSessionToken", "sts:GetSessionToken"),
        ("STS", "AssumeRole", "sts:AssumeRole"),
    ] {
        check_every_fault(
            &mut awsnav,
            &moto.url,
            service,
            operation,
            action,
            &args,
            &forget_sessions,
            1,
            &FAULTS,
        );
    }
    // And with nothing broken, the same command works.
    forget_sessions();
    let out = awsnav.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test]
async fn cost_survives_every_fault_of_cost_explorer() {
    let (_lock, moto) = crate::common::exclusive_moto().await;
    let sdk = moto.sdk().await;
    crate::common::seed_org(&sdk, &tree(), 0).await;
    let alice = crate::common::alice(&sdk).await;
    let mut awsnav = base(&moto.url, &alice);
    assert!(awsnav.run(&["refresh"]).status.success());
    check_every_fault(
        &mut awsnav,
        &moto.url,
        "COST_EXPLORER",
        "GetCostAndUsage",
        "ce:GetCostAndUsage",
        &["cost", "--refresh-cost"],
        &|| {},
        1,
        &FAULTS,
    );
}
