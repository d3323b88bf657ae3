//! The transport's pacer keeps an engine that jams as 8.0.0 does (the stand-in engine's
//! contention model) out of its jam, at the two costs per instance measured on 8.0.0, with
//! the worker and a client at their defaults. On tokio's paused clock: the model's seconds
//! take no time, and rates are in the clock's time.

use std::time::Duration;

use process_engine_api_types::models::FetchAndLockRequest;
use process_engine_api_types::operations::FetchAndLockExternalTasks;
use process_engine_external_task::{TaskOptions, Worker};
use process_engine_testkit::TestEngine;
use process_engine_transport::{Client, Pacing, RequestOptions};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::support;

const COSTS: [Duration; 2] = [Duration::from_millis(25), Duration::from_millis(45)];
const INSTANCES: usize = 60;

async fn contending(cost: Duration) -> TestEngine {
    let engine = TestEngine::builder()
        .contention(cost)
        .start()
        .await
        .unwrap();
    engine.deploy_xml(support::WORK).await.unwrap();
    engine
}

/// How many tasks of `work` wait to be fetched; locks them for no time.
async fn waiting_tasks(client: &Client) -> usize {
    let body = FetchAndLockRequest::new("counter", "work")
        .with_max_tasks(10_000)
        .with_long_polling_timeout(0)
        .with_lock_duration(0);
    let tasks = client
        .execute(
            &FetchAndLockExternalTasks::new(body),
            &RequestOptions::new(),
        )
        .await
        .unwrap();
    tasks.len()
}

#[tokio::test(start_paused = true)]
async fn the_worker_with_default_pacing_ends_every_instance_near_the_engines_pace() {
    if support::skipped("the stand-in engine's contention model and its paused clock") {
        return;
    }
    for cost in COSTS {
        for (max_tasks, pacing) in [
            (1, Pacing::Adaptive),
            (10, Pacing::Adaptive),
            (50, Pacing::Adaptive),
            (10, Pacing::Off),
        ] {
            let engine = contending(cost).await;
            let test = support::client(&engine);
            let correlation = format!("paced-{}-{max_tasks}", cost.as_millis());
            for n in 0..INSTANCES {
                support::start(&test, "work", &correlation, json!({ "n": n })).await;
                tokio::time::sleep(cost * 2).await;
            }
            let transport = Client::builder(engine.url())
                .pacing(pacing)
                .build()
                .unwrap();
            let worker = Worker::builder(transport)
                .subscribe(
                    "work",
                    |payload: Value| async move { Ok::<_, std::convert::Infallible>(payload) },
                    TaskOptions::default().max_tasks(max_tasks),
                )
                .build()
                .unwrap();
            let handle = worker.handle();
            let began = Instant::now();
            let running = tokio::spawn(worker.run());
            while handle.stats().completed < INSTANCES as u64
                && began.elapsed() < Duration::from_secs(60)
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let mut ended = 0;
            while began.elapsed() < Duration::from_secs(60) {
                ended = support::results(&test, &correlation, "work").await.len();
                if ended == INSTANCES {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            let rate = ended as f64 / began.elapsed().as_secs_f64();
            handle.shutdown();
            running.await.unwrap().unwrap();
            let pace = 1.0 / cost.as_secs_f64();
            if pacing == Pacing::Off {
                // Without pacing the engine jams: what the pacer is for.
                assert!(
                    rate < 0.2 * pace,
                    "{cost:?}, max_tasks {max_tasks}, no pacing: {rate:.1}/s, {ended} ended"
                );
                engine.shutdown().await;
                continue;
            }
            assert_eq!(ended, INSTANCES, "{cost:?}, max_tasks {max_tasks}");
            // The adaptive pacer starts at 50 ms and probes down: over 60 tasks it is below
            // the pace for a while; the benchmark's 300 show it at 0.95 of the raw loop.
            assert!(
                rate > 0.6 * pace,
                "{cost:?}, max_tasks {max_tasks}: {rate:.1}/s, pace {pace:.1}/s"
            );
            engine.shutdown().await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_starts_through_one_client_leaves_none_stuck_and_one_without_pacing_does() {
    if support::skipped("the stand-in engine's contention model and its paused clock") {
        return;
    }
    for cost in COSTS {
        for (pacing, none_stuck) in [(Pacing::Adaptive, true), (Pacing::Off, false)] {
            let engine = contending(cost).await;
            let client = Client::builder(engine.url())
                .pacing(pacing)
                .build()
                .unwrap();
            let starts: Vec<_> = (0..100)
                .map(|n| {
                    let client = client.clone();
                    tokio::spawn(async move {
                        support::start(&client, "work", "burst", json!({ "n": n })).await;
                    })
                })
                .collect();
            for start in starts {
                start.await.unwrap();
            }
            // Long enough for the first four retries of a collided start (each after a busy
            // wait of 1 s), not for the later ones.
            tokio::time::sleep(Duration::from_secs(10)).await;
            let tasks = waiting_tasks(&support::client(&engine)).await;
            if none_stuck {
                assert_eq!(tasks, 100, "{cost:?}, {pacing:?}");
            } else {
                assert!(
                    tasks < 90,
                    "{cost:?}, {pacing:?}: {tasks} of 100 reached their task"
                );
            }
            engine.shutdown().await;
        }
    }
}
