//! A full sync of a large organization against moto, run by the real binary.
//!
//! `cargo bench --bench sync` seeds moto with 2,000 member accounts in 200 OUs five levels
//! deep (plus the management account), then runs `awsnav refresh` several times: straight
//! against moto, and through a loopback proxy that throttles a share of requests the way
//! Organizations does. It prints the median wall time, the API calls made against the fewest
//! that can read the tree, and the throttled answers that were retried. A run in which some
//! request was throttled on every attempt ends partial (exit status 3) and is counted as such.
//!
//! `SYNC_RUNS` sets the runs per setting (default 5); `SYNC_THROTTLE` the throttled shares in
//! percent (default "0,10,30").
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/it/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::fault::FaultServer;
use common::{AwsnavCmd, stderr};

fn main() {
    // `cargo bench` passes `--bench`. Without it (`cargo test --all-targets`) this is a smoke
    // run: a small organization, one run per setting.
    let full = std::env::args().any(|a| a == "--bench");
    let runs: usize = std::env::var("SYNC_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 5 } else { 1 });
    let shares: Vec<u64> = std::env::var("SYNC_THROTTLE")
        .unwrap_or_else(|_| "0,10,30".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let moto = common::moto();
    moto.reset();
    let tree = if full {
        common::generated_tree(&[4, 12, 36, 72, 76], 2_000)
    } else {
        common::generated_tree(&[2, 3], 40)
    };
    let started = Instant::now();
    let seeded = rt.block_on(async { common::seed_org(&moto.sdk().await, &tree, 0).await });
    let minimum = seeded.minimum_org_calls();
    println!(
        "seeded {} accounts in {} OUs in {:.0} s; fewest Organizations calls: {minimum} (+1 GetCallerIdentity)",
        seeded.accounts.len(),
        seeded.ous,
        started.elapsed().as_secs_f64()
    );

    for share in shares {
        let server = FaultServer::start(common::fault::throttling_proxy(&moto.url, share));
        let awsnav = AwsnavCmd::new().against(&server.url);
        let mut times = Vec::new();
        let mut summary = String::new();
        let mut partial = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let out = awsnav.run(&["refresh"]);
            times.push(t.elapsed());
            let err = stderr(&out);
            // 3: partial — some request was refused on every attempt; counted, not hidden.
            match out.status.code() {
                Some(0) => {}
                Some(3) => partial += 1,
                _ => panic!("{err}"),
            }
            err.lines()
                .find(|l| l.starts_with("synced ") || l.starts_with("read only "))
                .unwrap_or_default()
                .clone_into(&mut summary);
        }
        let calls: usize = summary
            .split(" with ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        times.sort();
        let median: Duration = times[times.len() / 2];
        // One of the calls is STS GetCallerIdentity.
        let org_calls = calls.saturating_sub(1);
        if !full {
            assert_eq!(org_calls, minimum, "smoke run: {summary}");
        }
        #[allow(clippy::cast_precision_loss)]
        let ratio = org_calls as f64 / minimum as f64;
        println!(
            "throttled {share:>2}%: median {:.2} s over {runs} runs ({partial} partial) · {org_calls} Organizations calls = {ratio:.2}× the minimum · last run: {summary}",
            median.as_secs_f64()
        );
    }
}
