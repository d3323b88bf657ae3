//! fetch-and-lock with many locked tasks and many waiting long polls: every free task goes to
//! exactly one poll, a new task wakes a poll that takes it, and a lock that runs out makes its
//! task free for a waiting poll. (How fast: `cargo xtask bench handout`.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap in a test is a failed test"
)]

mod support;

use std::collections::HashSet;
use std::time::Duration;

use process_engine_testkit::TestEngine;
use serde_json::json;
use support::{EXTERNAL, fetch, start};

/// Long enough that a poll that was not woken cannot pass for one that was.
const LONG_POLL_MS: u64 = 20_000;

async fn engine() -> TestEngine {
    let engine = TestEngine::builder().start().await.unwrap();
    engine.deploy_xml(EXTERNAL).await.unwrap();
    engine
}

/// `count` long polls of `poll_ms` for one task each, workers `w0`, `w1`, ...
fn spawn_polls(
    addr: std::net::SocketAddr,
    count: usize,
    poll_ms: u64,
) -> Vec<tokio::task::JoinHandle<Vec<serde_json::Value>>> {
    (0..count)
        .map(|n| {
            tokio::spawn(async move {
                let worker = format!("w{n}");
                fetch(addr, &worker, "external_topic", 1, poll_ms, json!(60_000)).await
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_many_new_tasks_as_waiting_polls_give_each_poll_one_task() {
    const POLLS: usize = 40;
    let engine = engine().await;
    let addr = engine.local_addr();
    let polls = spawn_polls(addr, POLLS, LONG_POLL_MS);
    // Let the polls register; one that has not yet finds its task when it first looks.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for n in 0..POLLS {
        start(addr, "external", &json!({ "inputValues": { "n": n } })).await;
    }
    let mut handed = HashSet::new();
    for poll in polls {
        let tasks = poll.await.unwrap();
        assert_eq!(tasks.len(), 1, "every poll got a task before its timeout");
        assert!(
            handed.insert(tasks[0]["id"].as_str().unwrap().to_owned()),
            "handed out twice"
        );
    }
    assert_eq!(handed.len(), POLLS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_task_among_many_locked_ones_goes_to_exactly_one_of_many_waiting_polls() {
    const LOCKED: usize = 1_000;
    const POLLS: usize = 60;
    let engine = engine().await;
    let addr = engine.local_addr();
    for n in 0..LOCKED {
        start(addr, "external", &json!({ "inputValues": { "n": n } })).await;
    }
    let locked = fetch(addr, "holder", "external_topic", 0, 0, json!(600_000)).await;
    assert_eq!(locked.len(), LOCKED);
    // Shorter polls: all but one of them end empty at their timeout.
    let polls = spawn_polls(addr, POLLS, 3_000);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, instance) = start(addr, "external", &json!({})).await;
    let mut got = Vec::new();
    for poll in polls {
        got.extend(poll.await.unwrap());
    }
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["processInstanceId"], instance.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_that_runs_out_hands_its_task_to_a_waiting_poll() {
    let engine = engine().await;
    let addr = engine.local_addr();
    start(addr, "external", &json!({})).await;
    let first = fetch(addr, "quitter", "external_topic", 1, 0, json!(300)).await;
    assert_eq!(first.len(), 1);
    // Polls that wait for the lock to run out: the oldest watches it, and hands what it does
    // not take on to the next. The first poll to come back must bring the task.
    let (answers, mut answered) = tokio::sync::mpsc::unbounded_channel();
    let polls: Vec<_> = (0..3)
        .map(|n| {
            let answers = answers.clone();
            tokio::spawn(async move {
                let worker = format!("w{n}");
                let tasks = fetch(
                    addr,
                    &worker,
                    "external_topic",
                    1,
                    LONG_POLL_MS,
                    json!(60_000),
                )
                .await;
                let _ = answers.send((worker, tasks));
            })
        })
        .collect();
    let (worker, tasks) = answered.recv().await.unwrap();
    assert_eq!(
        tasks.len(),
        1,
        "the task whose lock ran out was handed out again"
    );
    assert_eq!(tasks[0]["id"], first[0]["id"]);
    assert_eq!(tasks[0]["workerId"], worker.as_str());
    for poll in polls {
        poll.abort();
    }
}
