//! A thousand instances started while one stream watches: none is missed while connected.

use std::collections::HashMap;

use process_engine_events::{EngineEvent, EventFilter, Kind};
use process_engine_transport::Identity;
use serde_json::json;
use tokio::task::JoinSet;

use crate::support::{Harness, Model, patience, start, unique};

const INSTANCES: usize = 1000;
/// Starts in flight at once on the stand-in.
const CONCURRENCY: usize = 25;
/// A real 8.0.0 jams under concurrent writes to its SQLite database and takes 0.3 to 2 s per
/// start once it holds a few hundred instances: it gets one start at a time, and a tenth of
/// the instances.
const REAL_ENGINE_INSTANCES: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_instances_and_none_missed() {
    let harness = Harness::start().await;
    let (instances, concurrency) = if harness.is_real() {
        (REAL_ENGINE_INSTANCES, 1)
    } else {
        (INSTANCES, CONCURRENCY)
    };
    let model = harness.deploy(Model::Hello).await;
    let client = harness.client(Identity::dummy());
    let mut stream = harness
        .events(Identity::dummy())
        .subscribe(EventFilter::all().process_model(&model))
        .await
        .unwrap();
    // Read while the instances start: per instance, the kinds in arrival order.
    let reader = tokio::spawn(async move {
        let mut seen: HashMap<String, Vec<Kind>> = HashMap::new();
        let mut ended = 0;
        while ended < instances {
            let item = tokio::time::timeout(patience(), stream.next()).await;
            let event = item.expect("events stopped coming").unwrap().unwrap();
            if let EngineEvent::Missed(missed) = &event {
                panic!("nothing may be missed while connected: {missed:?}");
            }
            let kind = event.kind().unwrap();
            ended += usize::from(kind == Kind::ProcessEnded);
            seen.entry(event.process_instance_id().unwrap().to_owned())
                .or_default()
                .push(kind);
        }
        seen
    });

    let correlation = unique("load");
    let mut started = Vec::with_capacity(instances);
    let mut starts = JoinSet::new();
    for n in 0..instances {
        if starts.len() == concurrency {
            started.push(starts.join_next().await.unwrap().unwrap());
        }
        let (client, model, correlation) = (client.clone(), model.clone(), correlation.clone());
        starts.spawn(async move { start(&client, &model, &correlation, json!({"n": n})).await });
    }
    while let Some(instance) = starts.join_next().await {
        started.push(instance.unwrap());
    }

    let seen = reader.await.unwrap();
    assert_eq!(seen.len(), instances);
    for instance in &started {
        assert_eq!(
            seen.get(instance).map(Vec::as_slice),
            Some([Kind::ProcessStarted, Kind::ProcessEnded].as_slice()),
            "{instance}"
        );
    }
}
