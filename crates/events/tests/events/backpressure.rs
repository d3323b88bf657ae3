//! A slow consumer: the buffer stays bounded, what does not fit is counted and announced.

use process_engine_api_types::models::{
    ProcessStartRequest, StartCallbackType, StartProcessInstanceQuery,
};
use process_engine_api_types::operations::StartProcessInstance;
use process_engine_events::{EngineEvent, EventFilter};
use process_engine_transport::{Identity, RequestOptions};

use crate::support::{Harness, Model, patience, unique};

const BUFFER: usize = 8;
const INSTANCES: u64 = 40;
/// Each instance of the model sends `process_started` and `process_ended`.
const EVENTS: u64 = 2 * INSTANCES;

#[tokio::test]
async fn a_consumer_that_does_not_read_gets_the_buffer_then_one_count_of_the_rest() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::Hello).await;
    let client = harness.client(Identity::dummy());
    let mut stream = harness
        .events(Identity::dummy())
        .buffer(BUFFER)
        .subscribe(EventFilter::all().process_model(&model))
        .await
        .unwrap();
    // Each start answers after its instance's events went out: while nothing is read, the
    // stream's buffer fills and the connection goes on reading.
    let correlation = unique("slow");
    for _ in 0..INSTANCES {
        let query = StartProcessInstanceQuery::new()
            .with_start_callback_type(StartCallbackType::OnProcessInstanceFinished);
        let body = ProcessStartRequest::new().with_correlation_id(&correlation);
        let start = StartProcessInstance::new(&model, body).with_query(query);
        client
            .execute(&start, &RequestOptions::new())
            .await
            .unwrap();
    }

    let (mut delivered, mut dropped, mut before_first_gap, mut gaps) = (0, 0, None, 0);
    tokio::time::timeout(patience(), async {
        while delivered + dropped < EVENTS {
            match stream.next().await.unwrap().unwrap() {
                EngineEvent::Missed(missed) => {
                    assert!(!missed.reconnected());
                    before_first_gap.get_or_insert(delivered);
                    dropped += missed.dropped();
                    gaps += 1;
                }
                _ => delivered += 1,
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{delivered} delivered and {dropped} dropped of {EVENTS}"));

    assert_eq!(
        delivered + dropped,
        EVENTS,
        "every event is delivered or counted"
    );
    assert!(gaps >= 1 && dropped > 0);
    assert_eq!(
        before_first_gap,
        Some(BUFFER as u64),
        "the full buffer comes first, then the count"
    );
}
