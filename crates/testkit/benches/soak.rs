//! A soak: a million start + fetch_and_lock + finish cycles against the stand-in engine in this
//! process, printing the process's RSS as it goes. With the engine's default retention (the
//! last 10,000 stopped instances) the RSS rises until the bound is reached and stays flat
//! from there.
//!
//! `cargo bench -p process-engine-testkit --bench soak [-- CYCLES]` (or `cargo xtask bench
//! soak`). Linux only for the RSS (`/proc/self/status`).

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a benchmark program"
)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use support::{cycle, rss_kib};

const WORKERS: usize = 8;
const DEFAULT_CYCLES: usize = 1_000_000;
/// How often a line is printed, in cycles.
const REPORT_EVERY: usize = 50_000;

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; the first number is the cycle count.
    let cycles = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse::<usize>().ok())
        .unwrap_or(DEFAULT_CYCLES);
    let (engine, base, client) = support::engine().await;
    let kib = |rss: Option<u64>| {
        rss.map_or_else(|| "unknown".to_owned(), |k| format!("{} MiB", k / 1024))
    };
    println!(
        "soak: {cycles} cycles, {WORKERS} workers, default retention (the last 10,000 stopped instances); RSS at start {}",
        kib(rss_kib())
    );

    let done = Arc::new(AtomicUsize::new(0));
    let began = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (client, base, done) = (client.clone(), base.clone(), Arc::clone(&done));
            tokio::spawn(async move {
                let worker = format!("soak-{w}");
                loop {
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if n > cycles {
                        return;
                    }
                    cycle(&client, &base, &worker).await;
                    if n % REPORT_EVERY == 0 {
                        let seconds = began.elapsed().as_secs_f64();
                        println!(
                            "soak: {n:>8} cycles, {seconds:>6.1} s, {:>6.0} cycles/s, RSS {}",
                            n as f64 / seconds,
                            kib(rss_kib())
                        );
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let seconds = began.elapsed().as_secs_f64();
    println!(
        "soak done: {cycles} cycles in {seconds:.1} s = {:.0} cycles/s; RSS at the end {}",
        cycles as f64 / seconds,
        kib(rss_kib())
    );
    engine.shutdown().await;
}
