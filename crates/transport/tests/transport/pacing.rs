//! The pacer: calls that move an instance on go out one at a time, a gap after the previous
//! one's answer; other calls are never held back; without pacing nothing waits. On tokio's
//! paused clock, against a server that answers each call 10 ms late.

use std::time::Duration;

use process_engine_api_types::routes;
use process_engine_transport::{Call, Client, Pacing};
use tokio::time::Instant;

use crate::support::{Action, Server};

const ANSWER: Duration = Duration::from_millis(10);

async fn server(calls: usize) -> Server {
    Server::start((0..calls).map(|_| Action::delayed(ANSWER, Action::json(200, "{}")))).await
}

/// Sends five starts and one read at once; returns when each start and the read were answered.
async fn five_starts_and_a_read(client: &Client) -> (Vec<Duration>, Duration) {
    let began = Instant::now();
    let starts: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let call = Call::new(&routes::START_PROCESS_INSTANCE).param("model");
                client.send(call).await.unwrap();
                began.elapsed()
            })
        })
        .collect();
    let read = client.send(Call::new(&routes::GET_PROCESS_MODELS)).await;
    read.unwrap();
    let read_at = began.elapsed();
    let mut answered = Vec::new();
    for start in starts {
        answered.push(start.await.unwrap());
    }
    answered.sort();
    (answered, read_at)
}

#[tokio::test(start_paused = true)]
async fn paced_calls_go_one_at_a_time_a_gap_apart_and_others_never_wait() {
    let server = server(6).await;
    let gap = Duration::from_millis(100);
    let client = server.client().pacing(Pacing::Fixed(gap)).build().unwrap();
    let (starts, read) = five_starts_and_a_read(&client).await;
    assert!(read < ANSWER * 2, "the read waited: {read:?}");
    for pair in starts.windows(2) {
        // One in flight, then the gap after its answer: answers an answer and a gap apart.
        assert!(pair[1] - pair[0] >= gap + ANSWER, "{starts:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn without_pacing_nothing_waits() {
    let server = server(6).await;
    let client = server.client().pacing(Pacing::Off).build().unwrap();
    let (starts, read) = five_starts_and_a_read(&client).await;
    assert!(read < ANSWER * 2, "{read:?}");
    assert!(starts.iter().all(|at| *at < ANSWER * 2), "{starts:?}");
}

#[tokio::test(start_paused = true)]
async fn the_adaptive_pacer_starts_cautious_and_gives_a_fast_engine_no_gap() {
    let calls = 400;
    let server = Server::start((0..calls).map(|_| Action::json(200, "{}"))).await;
    let client = server.client().build().unwrap();
    let mut answered = Vec::new();
    let began = Instant::now();
    for _ in 0..calls {
        let call = Call::new(&routes::FINISH_EXTERNAL_TASK).param("task");
        client.send(call).await.unwrap();
        answered.push(began.elapsed());
    }
    // The first gap is the cautious 50 ms; after a few hundred answers at their base, none.
    assert!(
        answered[1] - answered[0] >= Duration::from_millis(45),
        "{answered:?}"
    );
    let last = answered[calls - 1] - answered[calls - 2];
    assert!(last < Duration::from_millis(1), "{last:?}");
}

#[tokio::test(start_paused = true)]
async fn a_paced_call_that_waits_on_purpose_does_not_hold_up_the_next() {
    // The first call waits a minute (a start waiting for its instance's end); the second (the
    // finish that ends it) must not wait for it.
    let server = Server::start([
        Action::delayed(Duration::from_secs(60), Action::json(200, "{}")),
        Action::delayed(ANSWER, Action::json(200, "{}")),
    ])
    .await;
    let client = server
        .client()
        .pacing(Pacing::Fixed(Duration::from_millis(100)))
        .build()
        .unwrap();
    let began = Instant::now();
    let waiting = {
        let client = client.clone();
        tokio::spawn(async move {
            let call = Call::new(&routes::START_PROCESS_INSTANCE)
                .param("model")
                .attempt_timeout(Duration::from_secs(120));
            client.send(call).await.unwrap();
        })
    };
    tokio::time::sleep(Duration::from_millis(1)).await;
    let finish = Call::new(&routes::FINISH_EXTERNAL_TASK).param("task");
    client.send(finish).await.unwrap();
    let finished = began.elapsed();
    assert!(finished < Duration::from_secs(1), "{finished:?}");
    // It still went out a gap after the waiting call.
    assert!(finished >= Duration::from_millis(100), "{finished:?}");
    waiting.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_paced_call_unanswered_for_a_second_passes_the_turn_on_as_a_stall() {
    let server = Server::start([
        Action::delayed(Duration::from_secs(20), Action::json(200, "{}")),
        Action::delayed(ANSWER, Action::json(200, "{}")),
    ])
    .await;
    let client = server.client().build().unwrap();
    let began = Instant::now();
    let waiting = {
        let client = client.clone();
        tokio::spawn(async move {
            let call = Call::new(&routes::START_PROCESS_INSTANCE).param("model");
            client.send(call).await.unwrap();
        })
    };
    tokio::time::sleep(Duration::from_millis(1)).await;
    let finish = Call::new(&routes::FINISH_EXTERNAL_TASK).param("task");
    client.send(finish).await.unwrap();
    let finished = began.elapsed();
    // Held for the second, then the stall's gap (250 ms at least), not the whole 20 s.
    assert!(finished >= Duration::from_millis(1250), "{finished:?}");
    assert!(finished < Duration::from_secs(2), "{finished:?}");
    waiting.await.unwrap();
}

fn fetch() -> Call {
    Call::new(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS).body(&serde_json::json!({"maxTasks": 1}))
}

#[tokio::test(start_paused = true)]
async fn a_fetch_goes_a_gap_after_a_finish_and_the_finish_after_it_at_once() {
    let server = server(3).await;
    let gap = Duration::from_millis(100);
    let client = server.client().pacing(Pacing::Fixed(gap)).build().unwrap();
    let began = Instant::now();
    let finish = || Call::new(&routes::FINISH_EXTERNAL_TASK).param("task");

    client.send(finish()).await.unwrap();
    client.send(fetch()).await.unwrap();
    let fetched = began.elapsed();
    client.send(finish()).await.unwrap();
    let finished = began.elapsed();

    // The fetch locks tasks: it stays out of the finished instance's continuation ...
    assert!(fetched >= ANSWER + gap + ANSWER, "{fetched:?}");
    // ... and the next finish leaves right after it: the gap is not paid twice.
    assert!(finished - fetched < ANSWER * 2, "{fetched:?} {finished:?}");
}

#[tokio::test(start_paused = true)]
async fn a_long_poll_that_waits_for_tasks_holds_up_paced_calls_only_briefly() {
    let server = Server::start([
        Action::delayed(Duration::from_secs(30), Action::json(200, "[]")),
        Action::delayed(ANSWER, Action::json(200, "{}")),
    ])
    .await;
    let client = server
        .client()
        .pacing(Pacing::Fixed(Duration::from_millis(10)))
        .build()
        .unwrap();
    let began = Instant::now();
    let polling = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send(fetch().attempt_timeout(Duration::from_secs(60)))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(1)).await;
    let finish = Call::new(&routes::FINISH_EXTERNAL_TASK).param("task");
    client.send(finish).await.unwrap();
    let finished = began.elapsed();
    assert!(finished < Duration::from_millis(200), "{finished:?}");
    assert!(
        finished >= Duration::from_millis(100),
        "the fetch held the turn: {finished:?}"
    );
    polling.await.unwrap().unwrap();
}
