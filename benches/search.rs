//! Fuzzy search over 10,000 generated accounts: the cost of one keystroke.
//!
//! `cargo bench --bench search` prints the median per keystroke for typing a query from
//! scratch (each prefix searched over every account) and for the incremental path the TUI
//! takes while typing (each prefix refines the previous prefix's hits); and the look-alike
//! names of the same accounts, found once per inventory.

use std::hint::black_box;

use awsnav::domain::demo;
use awsnav::domain::lookalike::Lookalikes;
use awsnav::domain::model::OrgTree;
use awsnav::domain::search::{SearchIndex, can_refine};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const ACCOUNTS: usize = 10_000;
const QUERIES: [&str; 3] = ["paymentsprod", "ledger staging", "fraud-dev-0042"];

fn bench(c: &mut Criterion) {
    let org = demo::synthetic(ACCOUNTS, 4, 4);
    let tree = OrgTree::build(&org);
    let index = SearchIndex::build(&org, &tree);

    let mut group = c.benchmark_group("search_10k");
    for query in QUERIES {
        let prefixes: Vec<&str> = (1..=query.len())
            .filter(|&i| query.is_char_boundary(i))
            .map(|i| &query[..i])
            .collect();
        // Full search for every prefix, as if each keystroke started from nothing.
        group.bench_with_input(
            BenchmarkId::new("full_per_keystroke", query),
            &prefixes,
            |b, p| {
                let mut i = 0;
                b.iter(|| {
                    let q = p[i % p.len()];
                    i += 1;
                    black_box(index.query(black_box(q)).len())
                });
            },
        );
        // What the TUI does: typing a whole query, refining while possible.
        group.bench_with_input(
            BenchmarkId::new("typing_whole_query", query),
            &prefixes,
            |b, p| {
                b.iter(|| {
                    let mut hits = Vec::new();
                    let mut prev = "";
                    for q in p {
                        hits = if can_refine(prev, q) {
                            index.refine(q, &hits)
                        } else {
                            index.query(q)
                        };
                        prev = q;
                    }
                    black_box(hits.len())
                });
            },
        );
    }
    group.finish();
}

/// Which names look alike, over the same accounts: done once per inventory the TUI shows
/// (beside building the search index) and per `awsnav list`.
fn lookalikes(c: &mut Criterion) {
    let org = demo::synthetic(ACCOUNTS, 4, 4);
    c.bench_function("lookalikes_10k", |b| {
        b.iter(|| black_box(Lookalikes::of(org.accounts.iter().map(|a| a.name.as_str()))));
    });
}

criterion_group!(benches, bench, lookalikes);
criterion_main!(benches);
