//! Dropping a stream closes its connection.

use std::time::Duration;

use process_engine_events::EventFilter;
use process_engine_testkit::TestEngine;
use process_engine_transport::Identity;

use crate::support::{Harness, patience};

/// Waits until the engine has `open` socket sessions; fails after [`patience`](crate::support::patience).
async fn sessions_become(engine: &TestEngine, open: usize) {
    tokio::time::timeout(patience(), async {
        while engine.socket_sessions() != open {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{} sessions, not {open}", engine.socket_sessions()));
}

#[tokio::test]
async fn dropping_or_closing_the_stream_closes_its_connection() {
    let harness = Harness::start().await;
    let Some(engine) = harness.stand_in("dropping_or_closing_the_stream") else {
        return;
    };
    let events = harness.events(Identity::dummy());
    let dropped = events.subscribe(EventFilter::all()).await.unwrap();
    let closed = events.subscribe(EventFilter::all()).await.unwrap();
    assert_eq!(engine.socket_sessions(), 2);

    drop(dropped);
    sessions_become(engine, 1).await;
    closed.close().await;
    sessions_become(engine, 0).await;
}
