//! Start + fetch_and_lock + finish cycles per second against the stand-in engine, over loopback.
//!
//! `cargo bench -p process-engine-testkit --bench cycles` (or `cargo xtask bench engine`). Each
//! of the workers loops: start an instance (callback type 1), fetch one task of the topic,
//! finish it. The client is a bare hyper connection pool, so the figure is the engine's. The
//! real engine manages about 13 cycles per second on the same kind of machine; the target is
//! 10,000.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a benchmark program"
)]

mod support;

use std::time::Instant;

use support::cycle;

const WORKERS: usize = 8;
const CYCLES_PER_WORKER: usize = 2_500;
const WARM_UP_CYCLES: usize = 100;

#[tokio::main]
async fn main() {
    let (engine, base, client) = support::engine().await;

    for _ in 0..WARM_UP_CYCLES {
        cycle(&client, &base, "warm-up").await;
    }
    let began = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move {
                let worker = format!("bench-{w}");
                let mut latencies = Vec::with_capacity(CYCLES_PER_WORKER);
                for _ in 0..CYCLES_PER_WORKER {
                    latencies.push(cycle(&client, &base, &worker).await);
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let elapsed = began.elapsed();
    latencies.sort();
    let percentile = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    let cycles = latencies.len();
    println!(
        "engine cycles (start + fetch_and_lock + finish), {WORKERS} workers: {cycles} cycles in {:.2} s = {:.0} cycles/s; cycle p50 {:.2} ms, p99 {:.2} ms (target >= 10000 cycles/s; the real engine: ~13)",
        elapsed.as_secs_f64(),
        cycles as f64 / elapsed.as_secs_f64(),
        percentile(50).as_secs_f64() * 1e3,
        percentile(99).as_secs_f64() * 1e3,
    );
    engine.shutdown().await;
}
