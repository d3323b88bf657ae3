//! Runs the `watch_events` example against the stand-in engine.

#![allow(clippy::unwrap_used, reason = "test code")]

// The module's `main` is the example's entry point, not called here.
#[allow(dead_code)]
#[path = "../examples/watch_events.rs"]
mod watch_events;

use process_engine_testkit::TestEngine;

#[tokio::test]
async fn the_example_prints_each_event_of_the_instance_as_it_runs() {
    let engine = TestEngine::builder().start().await.unwrap();

    let printed = watch_events::run(engine.url()).await.unwrap();

    let kinds: Vec<&str> = printed
        .iter()
        .map(|line| line.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "process_started",
            "user_task_waiting",
            "user_task_finished",
            "process_ended"
        ],
        "{printed:#?}"
    );
    assert!(printed[0].contains(r#"{"order":4711}"#), "{}", printed[0]);
    assert!(printed[2].contains(r#""approved":true"#), "{}", printed[2]);
}
