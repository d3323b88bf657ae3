//! How long a new task takes to reach one of many waiting workers while many tasks of its topic
//! are locked: 10,000 locked tasks, 500 long polls waiting; then, one at a time, an instance is
//! started and the time until a poll has its task is measured.
//!
//! `cargo bench -p process-engine-testkit --bench handout` (or `cargo xtask bench handout`).
//! Before the topic index it took about 590 ms: every fetch scanned the locked tasks and every
//! new task woke every poll.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a benchmark program"
)]

mod support;

use std::time::{Duration, Instant};

use support::{fetch, start};
use tokio::sync::mpsc;

const LOCKED: usize = 10_000;
const POLLS: usize = 500;
const ROUNDS: usize = 50;
const LONG_POLL_MS: u64 = 60_000;

#[tokio::main]
async fn main() {
    let (engine, base, client) = support::engine().await;
    for _ in 0..LOCKED {
        start(&client, &base).await;
    }
    let locked = fetch(&client, &base, "holder", 0, 0).await;
    assert_eq!(locked.len(), LOCKED);

    // Each poll reports when it got a task and polls again.
    let (got, mut received) = mpsc::unbounded_channel::<Instant>();
    let mut polls = Vec::with_capacity(POLLS);
    for p in 0..POLLS {
        let (client, base, got) = (client.clone(), base.clone(), got.clone());
        polls.push(tokio::spawn(async move {
            let worker = format!("poll-{p}");
            loop {
                if !fetch(&client, &base, &worker, 1, LONG_POLL_MS)
                    .await
                    .is_empty()
                    && got.send(Instant::now()).is_err()
                {
                    return;
                }
            }
        }));
    }
    // Let every poll be waiting before the first round.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut latencies = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let began = Instant::now();
        start(&client, &base).await;
        let at = received.recv().await.unwrap();
        latencies.push(at - began);
    }
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "handout of a new task, {LOCKED} tasks locked, {POLLS} polls waiting: p50 {:.2} ms, max {:.2} ms over {ROUNDS} rounds (before the topic index: ~590 ms)",
        ms(latencies[ROUNDS / 2]),
        ms(latencies[ROUNDS - 1]),
    );
    // The polls end before the engine does, which would break their connections.
    for poll in &polls {
        poll.abort();
    }
    engine.shutdown().await;
}
