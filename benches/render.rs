//! Drawing the TUI: one frame at 10,000 accounts, and the in-process part of startup at
//! 5,000 (read the cache file, build the state, draw the first frame).
//!
//! `cargo bench --bench render`, then `scripts/bench-medians`. Only the visible rows are
//! built per frame, so a frame costs about the same at any organization size.

use std::hint::black_box;

use awsnav::domain::demo;
use awsnav::store::inventory_cache::InventoryCache;
use awsnav::tui::message::Msg;
use awsnav::tui::state::State;
use awsnav::tui::ui;
use awsnav::tui::ui::theme::Theme;
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use time::OffsetDateTime;

fn state(accounts: usize) -> State {
    let mut inv = demo::inventory(OffsetDateTime::now_utc());
    inv.org = demo::synthetic(accounts, 4, 4);
    State::new(
        Some(inv),
        "bench",
        vec!["env".into(), "team".into()],
        OffsetDateTime::now_utc(),
        (120, 40),
    )
}

fn type_keys(state: &mut State, keys: &str) {
    for c in keys.chars() {
        let _ = state.update(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("render");
    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap_or_else(|e| panic!("{e}"));

    let mut browse = state(10_000);
    // Open the first OUs down to accounts, then go to the end of the list.
    type_keys(&mut browse, "jlljlljllG");
    group.bench_function("frame_10k_tree", |b| {
        b.iter(|| {
            terminal
                .draw(|f| ui::draw(f, black_box(&browse), &theme))
                .unwrap_or_else(|e| panic!("{e}"));
        });
    });

    // The same view of a small organization: a frame should cost about the same.
    let mut small = state(75);
    type_keys(&mut small, "jlljlljllG");
    group.bench_function("frame_75_tree", |b| {
        b.iter(|| {
            terminal
                .draw(|f| ui::draw(f, black_box(&small), &theme))
                .unwrap_or_else(|e| panic!("{e}"));
        });
    });

    let mut search = state(10_000);
    type_keys(&mut search, "/payments");
    group.bench_function("frame_10k_search_results", |b| {
        b.iter(|| {
            terminal
                .draw(|f| ui::draw(f, black_box(&search), &theme))
                .unwrap_or_else(|e| panic!("{e}"));
        });
    });

    // Startup from cache, in process: read and parse the cache, build the state, draw.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cache = InventoryCache::new(dir.path(), None);
    let mut inv = demo::inventory(OffsetDateTime::now_utc());
    inv.org = demo::synthetic(5_000, 4, 4);
    cache.store(&inv).unwrap_or_else(|e| panic!("{e}"));
    group.bench_function("startup_5k_load_state_first_frame", |b| {
        b.iter(|| {
            let inv = cache.load().unwrap_or_else(|e| panic!("{e}"));
            let state = State::new(
                inv,
                "bench",
                vec!["env".into()],
                OffsetDateTime::now_utc(),
                (120, 40),
            );
            terminal
                .draw(|f| ui::draw(f, &state, &theme))
                .unwrap_or_else(|e| panic!("{e}"));
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
