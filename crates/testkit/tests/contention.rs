//! The opt-in model of 8.0.0's contention reproduces what was measured on a real 8.0.0 (SQLite,
//! 2 cores), at the two costs per instance seen there (25 ms idle, 45 ms loaded): a serial
//! loop without a pause jams it; one that sleeps the cost after each finish runs near 1/cost;
//! concurrent finishes do worse than serial ones; a tight start loop leaves instances stuck
//! before their first task. On tokio's paused clock: the model's seconds of backoff take no
//! time, and rates are in the clock's time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap in a test helper is a failed test"
)]

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use process_engine_testkit::TestEngine;
use serde_json::{Value, json};
use tokio::time::{Instant, sleep};

use support::{EXTERNAL, call, fetch, finish};

const TOPIC: &str = "external_topic";
const COSTS: [Duration; 2] = [Duration::from_millis(25), Duration::from_millis(45)];

async fn engine(cost: Duration) -> TestEngine {
    let engine = TestEngine::builder()
        .contention(cost)
        .start()
        .await
        .expect("the engine starts");
    engine
        .deploy_xml(EXTERNAL)
        .await
        .expect("the model deploys");
    engine
}

async fn start(addr: SocketAddr, correlation: &str) {
    let path = "/api/consumer/v1/process_models/external/start?start_callback_type=1";
    let body = json!({ "correlationId": correlation, "inputValues": {} });
    let answer = call(addr, "POST", path, Some(&body)).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
}

/// `n` instances in `correlation`, started far enough apart that none collide.
async fn prepare(addr: SocketAddr, cost: Duration, correlation: &str, n: usize) {
    for _ in 0..n {
        start(addr, correlation).await;
        sleep(cost * 2).await;
    }
}

/// How many instances of `correlation` ended.
async fn ended(addr: SocketAddr, correlation: &str) -> usize {
    let path =
        format!("/api/consumer/v1/correlations/{correlation}/process_models/external/results");
    let answer = call(addr, "GET", &path, None).await;
    match answer.json() {
        Value::Array(results) => results.len(),
        other => panic!("not a list: {other}"),
    }
}

/// How many tasks wait to be fetched (locked for a minute by the test, which is over by then).
async fn waiting_tasks(addr: SocketAddr) -> usize {
    fetch(addr, "counter", TOPIC, 10_000, 0, json!(60_000))
        .await
        .len()
}

/// Finishes what a serial loop finds, `pause` after each finish, for `run`; returns the rate of
/// instances ended, counted `settle` after the loop.
async fn serial_loop(addr: SocketAddr, correlation: &str, pause: Duration, run: Duration) -> f64 {
    let begun = Instant::now();
    while begun.elapsed() < run {
        let tasks = fetch(addr, "serial", TOPIC, 1, 0, json!(60_000)).await;
        let Some(task) = tasks.first() else { break };
        assert_eq!(
            finish(addr, task["id"].as_str().unwrap(), "serial").await,
            204
        );
        sleep(pause).await;
    }
    let elapsed = begun.elapsed();
    ended(addr, correlation).await as f64 / elapsed.as_secs_f64()
}

#[tokio::test(start_paused = true)]
async fn a_serial_loop_without_a_pause_jams_it_and_one_sleeping_the_cost_runs_near_its_pace() {
    for cost in COSTS {
        let engine = engine(cost).await;
        let addr = engine.local_addr();
        prepare(addr, cost, "tight", 60).await;
        assert_eq!(
            waiting_tasks_peek(addr).await,
            60,
            "spaced starts leave none stuck"
        );
        let tight = serial_loop(addr, "tight", Duration::ZERO, Duration::from_secs(30)).await;
        assert!(
            tight < 1.0,
            "{cost:?}: {tight:.2} instances/s without a pause"
        );
        engine.shutdown().await;

        let engine = engine_with(cost).await;
        let addr = engine.local_addr();
        prepare(addr, cost, "paced", 60).await;
        let paced = serial_loop(addr, "paced", cost, Duration::from_secs(30)).await;
        let pace = 1.0 / cost.as_secs_f64();
        assert_eq!(
            ended(addr, "paced").await,
            60,
            "{cost:?}: every instance ends"
        );
        assert!(
            paced > 0.8 * pace,
            "{cost:?}: {paced:.1}/s, pace {pace:.1}/s"
        );
        engine.shutdown().await;
    }
}

async fn engine_with(cost: Duration) -> TestEngine {
    engine(cost).await
}

/// How many tasks wait, without keeping them locked: counted, then their locks given back by
/// a lock of no time.
async fn waiting_tasks_peek(addr: SocketAddr) -> usize {
    fetch(addr, "counter", TOPIC, 10_000, 0, json!(0))
        .await
        .len()
}

#[tokio::test(start_paused = true)]
async fn concurrent_finishes_do_worse_than_serial_ones_at_the_same_pace() {
    for cost in COSTS {
        let engine = engine(cost).await;
        let addr = engine.local_addr();
        prepare(addr, cost, "batches", 60).await;
        let begun = Instant::now();
        while begun.elapsed() < Duration::from_secs(30) {
            let tasks = fetch(addr, "batch", TOPIC, 10, 0, json!(60_000)).await;
            if tasks.is_empty() {
                break;
            }
            let finishes = tasks.iter().map(|task| {
                let id = task["id"].as_str().unwrap().to_owned();
                async move { finish(addr, &id, "batch").await }
            });
            for status in futures_join(finishes).await {
                assert_eq!(status, 204);
            }
            // The serial loop's pace: the cost per task.
            sleep(cost * 10).await;
        }
        let batches = ended(addr, "batches").await as f64 / begun.elapsed().as_secs_f64();
        let pace = 1.0 / cost.as_secs_f64();
        assert!(
            batches < 0.5 * pace,
            "{cost:?}: {batches:.1}/s in batches, pace {pace:.1}/s"
        );
        engine.shutdown().await;
    }
}

async fn futures_join<F: std::future::Future<Output = u16> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.expect("a finish does not panic"));
    }
    statuses
}

#[tokio::test(start_paused = true)]
async fn a_tight_start_loop_leaves_instances_stuck_before_their_first_task() {
    for cost in COSTS {
        let engine = engine(cost).await;
        let addr = engine.local_addr();
        for _ in 0..100 {
            start(addr, "burst").await;
        }
        // Long enough for every continuation's first four retries (0.1 to 0.46 s, each after a
        // busy wait of 1 s), not for the later ones.
        sleep(Duration::from_secs(10)).await;
        let tasks = waiting_tasks(addr).await;
        assert!(
            tasks < 90,
            "{cost:?}: {tasks} of 100 instances reached their task"
        );
        engine.shutdown().await;
    }
}
