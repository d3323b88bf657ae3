//! "Only my own": two identities, each stream sees the instances its user started.

use process_engine_events::{EngineEvent, EventFilter, Kind};
use process_engine_transport::Identity;
use serde_json::json;

use crate::support::{Harness, Model, next, start, unique, user};

#[tokio::test]
async fn each_user_sees_only_the_instances_it_started() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::Hello).await;
    let alice = user(&unique("alice"));
    let bob = user(&unique("bob"));
    let as_alice = harness.client(alice.clone());
    let as_bob = harness.client(bob.clone());
    let mine = EventFilter::all().process_model(&model).mine();
    let mut alices = harness
        .events(alice.clone())
        .subscribe(mine.clone())
        .await
        .unwrap();
    let mut bobs = harness.events(bob.clone()).subscribe(mine).await.unwrap();

    let correlation = unique("users");
    let first = start(&as_alice, &model, &correlation, json!({})).await;
    let bobs_own = start(&as_bob, &model, &correlation, json!({})).await;
    let second = start(&as_alice, &model, &correlation, json!({})).await;

    // Per instance in order; the engine may interleave two instances' events.
    let mut seen_by_alice = Vec::new();
    for _ in 0..4 {
        let event = next(&mut alices).await;
        assert_eq!(
            event.notification().unwrap().owner_user_id(),
            Some(alice.user_id())
        );
        seen_by_alice.push((
            event.process_instance_id().unwrap().to_owned(),
            event.kind(),
        ));
    }
    for instance in [&first, &second] {
        let kinds: Vec<_> = seen_by_alice
            .iter()
            .filter(|(id, _)| id == instance)
            .map(|(_, kind)| kind.unwrap())
            .collect();
        assert_eq!(
            kinds,
            [Kind::ProcessStarted, Kind::ProcessEnded],
            "{seen_by_alice:?}"
        );
    }
    for _ in 0..2 {
        let event = next(&mut bobs).await;
        assert_eq!(event.process_instance_id(), Some(bobs_own.as_str()));
        assert!(matches!(
            event,
            EngineEvent::ProcessStarted(_) | EngineEvent::ProcessEnded(_)
        ));
    }
    // Bob's next is his own again, not alice's second.
    let later = start(&as_bob, &model, &correlation, json!({})).await;
    assert_eq!(
        next(&mut bobs).await.process_instance_id(),
        Some(later.as_str())
    );
}

#[tokio::test]
async fn only_my_own_needs_an_identity_that_names_a_user() {
    let harness = Harness::start().await;
    let error = harness
        .events(Identity::new("an-opaque-token", ""))
        .subscribe(EventFilter::all().mine())
        .await
        .unwrap_err();
    assert!(error.is_auth(), "{error:?}");
    assert!(error.to_string().contains("names no user"), "{error}");
}
