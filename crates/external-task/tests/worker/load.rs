//! Many tasks at once: each completed exactly once, never more handlers than `max_tasks`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use process_engine_external_task::{TaskOptions, Worker};
use serde::Deserialize;
use serde_json::json;

use crate::run;
use crate::support;

#[derive(Deserialize)]
struct Numbered {
    n: u64,
}

/// Counts handler calls per instance number and the most handlers running at once.
#[derive(Default)]
struct Tally {
    calls: Mutex<HashMap<u64, u32>>,
    running: AtomicUsize,
    most: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_tasks_at_max_tasks_50_are_each_completed_exactly_once() {
    const TASKS: u64 = 1_000;
    let Some(engine) = support::engine("a thousand instances started 16 at a time, which jam a real 8.0.0; `cargo xtask bench worker --engine URL` measures a worker on one").await else {
        return;
    };
    let test = support::client(&engine);
    let tally = Arc::new(Tally::default());
    let worker = Worker::builder(support::client(&engine));
    let seen = Arc::clone(&tally);
    let worker = worker.subscribe(
        "work",
        move |job: Numbered| {
            let tally = Arc::clone(&seen);
            async move {
                *tally.calls.lock().unwrap().entry(job.n).or_default() += 1;
                let now = tally.running.fetch_add(1, Ordering::SeqCst) + 1;
                tally.most.fetch_max(now, Ordering::SeqCst);
                // Long enough for handlers to overlap.
                tokio::time::sleep(Duration::from_millis(2)).await;
                tally.running.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, std::convert::Infallible>(json!({"n": job.n, "square": job.n * job.n}))
            }
        },
        TaskOptions::default()
            .max_tasks(50)
            .long_polling_timeout(Duration::from_secs(5)),
    );
    let (handle, running) = run(worker);

    support::start_numbered(&test, "load", TASKS).await;
    support::until("every task to be completed", || {
        handle.stats().completed >= TASKS
    })
    .await;
    handle.shutdown();
    let stats = running.await.unwrap();

    assert_eq!(stats.fetched, TASKS);
    assert_eq!(stats.completed, TASKS);
    assert_eq!(
        stats.locks_lost + stats.service_errors + stats.deliveries_retried,
        0
    );
    {
        let calls = tally.calls.lock().unwrap();
        assert_eq!(calls.len() as u64, TASKS);
        assert!(
            calls.values().all(|&count| count == 1),
            "a handler ran twice"
        );
    }
    let most = tally.most.load(Ordering::SeqCst);
    assert!(
        (2..=50).contains(&most),
        "at most 50 handlers at once, saw {most}"
    );

    let results = support::results(&test, "load", "work").await;
    let mut numbers: Vec<u64> = results
        .iter()
        .map(|result| {
            let n = result.token_payload["n"].as_u64().unwrap();
            assert_eq!(result.token_payload["square"], json!(n * n));
            n
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (0..TASKS).collect::<Vec<_>>());
}
