//! Lost connections: the stream reconnects with a fresh identity and says what may be missing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use process_engine_events::{EngineEvent, EventFilter, Events, Kind};
use process_engine_transport::{BoxError, Client, Identity, TokenSource, async_trait};
use serde_json::json;
use tokio::net::TcpListener;

use crate::support::{Harness, Model, next, patience, start, unique};

/// Answers the development identity and counts how often it was asked.
#[derive(Debug, Default, Clone)]
struct Counting {
    asked: Arc<AtomicUsize>,
}

#[async_trait]
impl TokenSource for Counting {
    async fn identity(&self) -> Result<Identity, BoxError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Ok(Identity::dummy())
    }
}

#[tokio::test]
async fn after_an_engine_restart_the_stream_yields_missed_and_events_flow_again() {
    let harness = Harness::start().await;
    let Some(engine) = harness.stand_in("after_an_engine_restart") else {
        return;
    };
    let model = harness.deploy(Model::Hello).await;
    let source = Counting::default();
    let client = Client::builder(&harness.url)
        .token_source(source.clone())
        .build()
        .unwrap();
    let connected_at = SystemTime::now();
    let mut stream = Events::new(client.clone())
        .reconnect_waits(Duration::from_millis(10), Duration::from_millis(100))
        .subscribe(EventFilter::all().process_model(&model))
        .await
        .unwrap();
    assert_eq!(source.asked.load(Ordering::SeqCst), 1);

    engine.stop_accepting().await.unwrap();
    // While the engine is down, a failed reconnect is an item (one per outage), not the end.
    let failure = tokio::time::timeout(patience(), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(failure.is_connect(), "{failure:?}");
    assert!(failure.url().ends_with("/socket.io/"), "{failure}");
    engine.resume().await.unwrap();

    let EngineEvent::Missed(missed) = next(&mut stream).await else {
        panic!("a reconnect is announced first")
    };
    assert!(missed.reconnected());
    assert_eq!(missed.dropped(), 0);
    assert!(missed.since() >= connected_at && missed.since() <= SystemTime::now());
    assert!(
        source.asked.load(Ordering::SeqCst) >= 2,
        "every connect asks the token source anew"
    );

    let instance = start(&client, &model, &unique("restart"), json!({})).await;
    let started = next(&mut stream).await;
    assert_eq!(started.kind(), Some(Kind::ProcessStarted));
    assert_eq!(started.process_instance_id(), Some(instance.as_str()));
    assert_eq!(next(&mut stream).await.kind(), Some(Kind::ProcessEnded));
}

#[tokio::test]
async fn a_first_connection_that_fails_is_the_subscribes_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let events = Events::new(Client::builder(&url).build().unwrap());

    let error = events.subscribe(EventFilter::all()).await.unwrap_err();

    assert!(error.is_connect(), "{error:?}");
    assert_eq!(error.url(), format!("{url}/socket.io/"));
    assert!(
        error.to_string().contains("is the engine running"),
        "{error}"
    );
}

#[tokio::test]
async fn a_url_without_the_socket_endpoint_is_an_error_naming_it() {
    let harness = Harness::start().await;
    // 8.0.0 serves socket.io at the root only: a websocket upgrade below another path is held
    // unanswered and its connection dropped.
    let url = format!("{}/elsewhere", harness.url);
    let client = Client::builder(&url).build().unwrap();
    let error = Events::new(client)
        .subscribe(EventFilter::all())
        .await
        .unwrap_err();
    let transport = error.transport_error().expect("the upgrade failed");
    assert!(
        transport.is_transport() || transport.is_status(),
        "{error:?}"
    );
    assert!(!error.is_auth() && !error.is_decode());
    assert!(
        error.to_string().contains("/elsewhere/socket.io/"),
        "{error}"
    );
}
