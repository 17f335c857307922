//! A refresh of several organizations against the slowest of them alone, run by the real
//! binary against moto.
//!
//! `cargo bench --bench orgs` starts three moto servers, each its own organization with its
//! own management account, seeds each with 300 member accounts in 30 OUs, then runs in turn
//! `awsnav refresh` (all three at once) and `awsnav --org NAME refresh` for each alone, and
//! prints the medians and the ratio of all three to the slowest one (goal: at most 1.2×).
//!
//! `ORGS_RUNS` sets the runs per command (default 5). Without `--bench` (`cargo test
//! --all-targets`) this is a smoke run: 10 accounts each, one run, the three read as one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/it/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use common::fault::FaultServer;
use common::{AwsnavCmd, Moto, stderr};

const NAMES: [&str; 3] = ["north", "south", "west"];

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs: usize = std::env::var("ORGS_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 5 } else { 1 });
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tree = if full {
        common::generated_tree(&[5, 25], 300)
    } else {
        common::generated_tree(&[2], 10)
    };
    let started = Instant::now();
    let motos: Vec<Moto> = ["111111111111", "222222222222", "333333333333"]
        .iter()
        .map(|id| Moto::start_as(id))
        .collect();
    let seeded: Vec<usize> = rt.block_on(async {
        let mut counts = Vec::new();
        for moto in &motos {
            let sdk = common::sdk_for(&moto.url).await;
            counts.push(common::seed_org(&sdk, &tree, 0).await.accounts.len());
        }
        counts
    });
    println!(
        "seeded three organizations of {seeded:?} accounts in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let proxies: Vec<FaultServer> = motos
        .iter()
        .map(|m| FaultServer::start(common::fault::proxy(&m.url)))
        .collect();
    let awsnav = AwsnavCmd::new();
    let urls: Vec<(&str, &str)> = NAMES
        .iter()
        .zip(&proxies)
        .map(|(name, proxy)| (*name, proxy.url.as_str()))
        .collect();
    common::org_profiles(&awsnav, &urls);
    let mut awsnav_config = String::new();
    for name in NAMES {
        let _ = write!(
            awsnav_config,
            "[[org]]\nname = \"{name}\"\nprofile = \"{name}\"\n\n"
        );
    }
    std::fs::create_dir_all(awsnav.path("awsnav")).unwrap();
    std::fs::write(
        awsnav.path("awsnav/config.toml"),
        format!("[cost]\nenabled = false\n\n{awsnav_config}"),
    )
    .unwrap();

    let refresh = |args: &[&str]| {
        let t = Instant::now();
        let out = awsnav.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        t.elapsed()
    };
    // One list of each command's times, the commands taken in turn run by run.
    let mut all = Vec::new();
    let mut alone: Vec<Vec<Duration>> = vec![Vec::new(); NAMES.len()];
    for _ in 0..runs {
        all.push(refresh(&["refresh"]));
        for (n, name) in NAMES.iter().enumerate() {
            alone[n].push(refresh(&["--org", name, "refresh"]));
        }
    }
    let median = |mut times: Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let medians: Vec<Duration> = alone.into_iter().map(median).collect();
    let slowest = medians.iter().copied().max().unwrap();
    let together = median(all);
    let listed = awsnav.run(&["list", "--json"]);
    let accounts: Vec<serde_json::Value> = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(
        accounts.len(),
        seeded.iter().sum::<usize>(),
        "one tree of all three"
    );
    for (name, m) in NAMES.iter().zip(&medians) {
        println!(
            "awsnav --org {name} refresh: median {:.2} s",
            m.as_secs_f64()
        );
    }
    println!(
        "awsnav refresh (all three at once): median {:.2} s = {:.2}× the slowest alone, over {runs} runs each, in turn",
        together.as_secs_f64(),
        together.as_secs_f64() / slowest.as_secs_f64()
    );
}
