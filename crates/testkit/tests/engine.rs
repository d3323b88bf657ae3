//! What the stand-in engine does that the recordings of the real one do not show: lock expiry,
//! long polls, concurrent workers, blocking starts, gateways, boundary events, and the faults a
//! test can inject. Every test talks HTTP to an engine started on `127.0.0.1:0`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap in a test helper is a failed test"
)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use process_engine_api_types::models::{
    Correlation, CorrelationResultList, CorrelationState, ExternalTask, ExternalTaskList,
    FetchAndLockRequest, FinishExternalTaskRequest, HandleBpmnErrorRequest,
    HandleServiceErrorRequest, ImportProcessModelRequest, ProcessModelList, ProcessStartResponse,
    StartCallbackType, StartProcessInstanceQuery,
};
use process_engine_api_types::routes;
use process_engine_transport::{Call, Client};
use serde_json::{Value, json};

const EXTERNAL: &str = include_str!("models/external.bpmn");
const GATEWAYS: &str = include_str!("models/gateways.bpmn");
const BOUNDARY: &str = include_str!("models/boundary.bpmn");
const EXCLUSIVE: &str = include_str!("models/exclusive.bpmn");
const LOOP: &str = include_str!("models/loop.bpmn");
const DEAD_END: &str = include_str!("models/dead_end.bpmn");
const TERMINATE: &str = include_str!("models/terminate.bpmn");

#[path = "engine_support/mod.rs"]
mod support;
use support::{empty, engine, fetch, json, start, try_start};

/// A long poll of 30 s that must come back within `within`: only a wake-up gets it there.
async fn fetch_woken(
    client: &Client,
    worker: &str,
    topic: &str,
    within: Duration,
) -> ExternalTaskList {
    let mut body = FetchAndLockRequest::default();
    body.worker_id = worker.to_owned();
    body.topic_name = topic.to_owned();
    body.max_tasks = Some(1);
    body.long_polling_timeout = Some(30_000);
    body.lock_duration = Some(60_000);
    let call = Call::new(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS)
        .body(&body)
        .attempt_timeout(within);
    json(client, call)
        .await
        .expect("the long poll was woken before the client gave up")
}

async fn finish(
    client: &Client,
    task: &ExternalTask,
    worker: &str,
    result: Value,
) -> Result<(), process_engine_transport::Error> {
    let body = FinishExternalTaskRequest::new(worker).with_result(result);
    empty(
        client,
        Call::new(&routes::FINISH_EXTERNAL_TASK)
            .param(&task.id)
            .body(&body),
    )
    .await
}

async fn correlation(client: &Client, id: &str) -> Correlation {
    json(client, Call::new(&routes::GET_CORRELATION_BY_ID).param(id))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_task_whose_lock_ran_out_is_handed_out_again() {
    let (_engine, client) = engine(&[EXTERNAL]).await;
    start(
        &client,
        "external",
        StartCallbackType::OnProcessInstanceCreated,
        json!({"n": 1}),
    )
    .await;
    let first = fetch(&client, "a", "external_topic", 1, 5000, 300).await;
    assert_eq!(first.len(), 1);
    // The long poll of the second worker ends when the first worker's lock runs out.
    let second = fetch_woken(&client, "b", "external_topic", Duration::from_secs(10)).await;
    assert_eq!(second.len(), 1, "the task came back after its lock ran out");
    assert_eq!(second[0].id, first[0].id);
    assert_eq!(second[0].worker_id, "b");
    let error = finish(&client, &first[0], "a", json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(423), "{error}");
    finish(&client, &second[0], "b", json!({})).await.unwrap();
}

#[tokio::test]
async fn a_long_poll_returns_the_task_that_appears_while_it_waits() {
    let (_engine, client) = engine(&[EXTERNAL]).await;
    let polling = {
        let client = client.clone();
        tokio::spawn(async move {
            fetch_woken(&client, "w", "external_topic", Duration::from_secs(10)).await
        })
    };
    // Give the poll time to be waiting, then create the task.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = start(
        &client,
        "external",
        StartCallbackType::OnProcessInstanceCreated,
        json!({"order": 7}),
    )
    .await;
    let tasks = polling.await.unwrap();
    assert_eq!(
        tasks.len(),
        1,
        "the poll returned with the new task, not empty at its timeout"
    );
    assert_eq!(tasks[0].process_instance_id, started.process_instance_id);
    assert_eq!(tasks[0].payload, Some(json!({"order": 7})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_workers_never_get_the_same_task() {
    const INSTANCES: usize = 200;
    let (_engine, client) = engine(&[EXTERNAL]).await;
    for n in 0..INSTANCES {
        start(
            &client,
            "external",
            StartCallbackType::OnProcessInstanceCreated,
            json!({ "n": n }),
        )
        .await;
    }
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let client = client.clone();
            tokio::spawn(async move {
                let worker = format!("worker-{w}");
                let mut mine = Vec::new();
                loop {
                    let tasks = fetch(&client, &worker, "external_topic", 3, 0, 60_000).await;
                    if tasks.is_empty() {
                        return mine;
                    }
                    for task in tasks {
                        finish(&client, &task, &worker, json!({"by": worker}))
                            .await
                            .unwrap();
                        mine.push(task.id);
                    }
                }
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for worker in workers {
        for id in worker.await.unwrap() {
            assert!(
                seen.insert(id.clone()),
                "task {id} was handed to two workers"
            );
        }
    }
    assert_eq!(seen.len(), INSTANCES);
}

#[tokio::test]
async fn blocking_starts_answer_when_the_instance_ends() {
    let (_engine, client) = engine(&[EXTERNAL]).await;
    for callback in [
        StartCallbackType::OnProcessInstanceFinished,
        StartCallbackType::OnEndEventReached,
    ] {
        let blocked = {
            let client = client.clone();
            let callback = callback.clone();
            tokio::spawn(async move {
                let mut query = StartProcessInstanceQuery::default();
                query.start_callback_type = Some(callback);
                query.end_event_id = Some("end".to_owned());
                let call = Call::new(&routes::START_PROCESS_INSTANCE)
                    .param("external")
                    .query(&query);
                json::<ProcessStartResponse>(&client, call).await
            })
        };
        let tasks = fetch(&client, "w", "external_topic", 1, 10_000, 10_000).await;
        assert!(
            !blocked.is_finished(),
            "the start answered before the task was done"
        );
        finish(&client, &tasks[0], "w", json!({"greeting": "hello"}))
            .await
            .unwrap();
        let answer = blocked.await.unwrap().unwrap();
        assert_eq!(answer.end_event_id.as_deref(), Some("end"));
        assert_eq!(answer.token_payload, Some(json!({"greeting": "hello"})));
    }
}

#[tokio::test]
async fn a_blocking_start_fails_when_the_instance_fails() {
    let (_engine, client) = engine(&[EXTERNAL]).await;
    let blocked = {
        let client = client.clone();
        tokio::spawn(async move {
            try_start(
                &client,
                "external",
                StartCallbackType::OnProcessInstanceFinished,
                json!({}),
            )
            .await
        })
    };
    let tasks = fetch(&client, "w", "external_topic", 1, 10_000, 10_000).await;
    let mut body = HandleServiceErrorRequest::default();
    body.worker_id = "w".to_owned();
    body.error_message = "the printer is on fire".to_owned();
    body.error_details = Some(json!({"printer": 3}));
    empty(
        &client,
        Call::new(&routes::HANDLE_EXTERNAL_TASK_SERVICE_ERROR)
            .param(&tasks[0].id)
            .body(&body),
    )
    .await
    .unwrap();
    let error = blocked.await.unwrap().unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(
        error.engine_error().unwrap().message(),
        "the printer is on fire"
    );
    let correlation = correlation(&client, &tasks[0].correlation_id).await;
    assert_eq!(correlation.state, CorrelationState::Error);
    assert_eq!(
        correlation.error.unwrap().additional_information(),
        Some(&json!({"printer": 3}))
    );
}

#[tokio::test]
async fn exclusive_gateways_route_by_the_token() {
    let (_engine, client) = engine(&[GATEWAYS]).await;
    let finished = StartCallbackType::OnProcessInstanceFinished;
    let large = start(
        &client,
        "gateways",
        finished.clone(),
        json!({"amount": 5000}),
    )
    .await;
    assert_eq!(large.end_event_id.as_deref(), Some("large_end"));
    let small = start(&client, "gateways", finished.clone(), json!({"amount": 5})).await;
    assert_eq!(
        small.end_event_id.as_deref(),
        Some("small_end"),
        "the default flow"
    );
    let vip_small = start(
        &client,
        "gateways",
        StartCallbackType::OnProcessInstanceCreated,
        json!({"amount": 5, "vip": true}),
    )
    .await;
    let correlation = correlation(&client, &vip_small.correlation_id).await;
    assert_eq!(
        correlation.state,
        CorrelationState::Running,
        "a vip order goes to the parallel tasks"
    );
}

#[tokio::test]
async fn a_parallel_join_waits_for_every_branch() {
    let (_engine, client) = engine(&[GATEWAYS]).await;
    let blocked = {
        let client = client.clone();
        tokio::spawn(async move {
            start(
                &client,
                "gateways",
                StartCallbackType::OnProcessInstanceFinished,
                json!({"amount": 1, "vip": true}),
            )
            .await
        })
    };
    let a = fetch(&client, "w", "gateways_a", 1, 10_000, 10_000).await;
    let b = fetch(&client, "w", "gateways_b", 1, 10_000, 10_000).await;
    assert_eq!((a.len(), b.len()), (1, 1), "the split created both tasks");
    finish(&client, &a[0], "w", json!({"a": 1})).await.unwrap();
    let results_call = || {
        Call::new(&routes::GET_PROCESS_RESULTS_FOR_CORRELATION)
            .param(&a[0].correlation_id)
            .param("gateways")
    };
    let results: CorrelationResultList = json(&client, results_call()).await.unwrap();
    assert!(results.is_empty(), "one branch done: the join still waits");
    assert_eq!(
        correlation(&client, &a[0].correlation_id).await.state,
        CorrelationState::Running
    );
    finish(&client, &b[0], "w", json!({"b": 2})).await.unwrap();
    let answer = blocked.await.unwrap();
    assert_eq!(answer.end_event_id.as_deref(), Some("vip_end"));
    assert_eq!(
        answer.token_payload,
        Some(json!({"task_a": {"a": 1}, "task_b": {"b": 2}}))
    );
    let results: CorrelationResultList = json(&client, results_call()).await.unwrap();
    assert_eq!(results.len(), 1);
}

/// A worker's BPMN error, as `external_service_task_handler.js` rejects with it: a generic
/// `InternalServerError`, which an error boundary event naming a `bpmn:error` does not catch
/// (`error_boundary_event_handler.js` matches by name first), while a catch-all one does and
/// leaves the error's serialisation on the token (`flow_node_handler_interruptible.js`).
#[tokio::test]
async fn error_boundary_events_match_worker_errors_by_name_as_the_core() {
    let catch_all = BOUNDARY
        .replace(r#"id="boundary""#, r#"id="boundary_all""#)
        .replace(
            r#"<bpmn:errorEventDefinition errorRef="Error_stock" />"#,
            "<bpmn:errorEventDefinition />",
        )
        .replace("boundary_reserve", "boundary_all_reserve");
    let (_engine, client) = engine(&[BOUNDARY, &catch_all]).await;
    let mut answers = Vec::new();
    for (model, topic) in [
        ("boundary", "boundary_reserve"),
        ("boundary_all", "boundary_all_reserve"),
    ] {
        let blocked = {
            let client = client.clone();
            tokio::spawn(async move {
                try_start(
                    &client,
                    model,
                    StartCallbackType::OnProcessInstanceFinished,
                    json!({"order": {"id": 7}}),
                )
                .await
            })
        };
        let tasks = fetch(&client, "w", topic, 1, 10_000, 10_000).await;
        assert_eq!(
            tasks[0].payload,
            Some(json!({"id": 7})),
            "the payload property picks token.current.order"
        );
        let mut body = HandleBpmnErrorRequest::default();
        body.worker_id = "w".to_owned();
        body.error_code = "out_of_stock".to_owned();
        empty(
            &client,
            Call::new(&routes::HANDLE_EXTERNAL_TASK_BPMN_ERROR)
                .param(&tasks[0].id)
                .body(&body),
        )
        .await
        .unwrap();
        answers.push(blocked.await.unwrap());
    }
    let missed = answers.remove(0).unwrap_err();
    assert_eq!(
        missed.engine_error().unwrap().message(),
        "ExternalTask failed due to BPMN error with code out_of_stock",
        "a boundary event naming `OutOfStock` does not catch the generic error"
    );
    let caught = answers.remove(0).unwrap();
    assert_eq!(caught.end_event_id.as_deref(), Some("backorder"));
    assert_eq!(
        caught.token_payload,
        Some(json!({"_code": 500, "name": "InternalServerError"}))
    );
}

/// `flow_node_handler_factory.js` has no handler for an inclusive gateway, which
/// `gateway_parser.js` parses: the model deploys, and the instance fails where a token reaches
/// the gateway.
#[tokio::test]
async fn an_element_without_a_handler_deploys_and_fails_its_instance() {
    let (_engine, client) = engine(&[]).await;
    let xml = EXTERNAL.replace(
        r#"<bpmn:serviceTask id="external_task" name="Do work" camunda:type="external" camunda:topic="external_topic">"#,
        r#"<bpmn:inclusiveGateway id="external_task" name="Do work">"#,
    ).replace("</bpmn:serviceTask>", "</bpmn:inclusiveGateway>");
    let mut body = ImportProcessModelRequest::default();
    body.name = "external".to_owned();
    body.xml = xml;
    body.overwrite_existing = Some(true);
    empty(
        &client,
        Call::new(&routes::IMPORT_PROCESS_MODEL).body(&body),
    )
    .await
    .unwrap();
    let error = try_start(
        &client,
        "external",
        StartCallbackType::OnProcessInstanceFinished,
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(
        error.engine_error().unwrap().message(),
        "BPMN type \"bpmn:InclusiveGateway\" is not supported!"
    );
}

#[tokio::test]
async fn a_restart_refuses_connections_drops_open_ones_and_keeps_the_state() {
    let (engine, client) = engine(&[EXTERNAL]).await;
    let started = start(
        &client,
        "external",
        StartCallbackType::OnProcessInstanceCreated,
        json!({}),
    )
    .await;
    let long_poll = {
        let client = client.clone();
        tokio::spawn(async move {
            let mut body = FetchAndLockRequest::default();
            body.worker_id = "w".to_owned();
            body.topic_name = "nothing_here".to_owned();
            body.long_polling_timeout = Some(30_000);
            json::<ExternalTaskList>(
                &client,
                Call::new(&routes::FETCH_AND_LOCK_EXTERNAL_TASKS).body(&body),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    engine.stop_accepting().await.unwrap();
    let dropped = long_poll.await.unwrap().unwrap_err();
    assert!(
        dropped.is_transport() || dropped.is_connect(),
        "{dropped:?}"
    );
    let refused = json::<ProcessModelList>(&client, Call::new(&routes::GET_PROCESS_MODELS))
        .await
        .unwrap_err();
    assert!(refused.is_connect(), "{refused:?}");
    engine.resume().await.unwrap();
    let tasks = fetch(&client, "w", "external_topic", 1, 0, 1000).await;
    assert_eq!(
        tasks[0].process_instance_id, started.process_instance_id,
        "the state survived"
    );
}

#[tokio::test]
async fn injected_failures_and_delays_hit_only_their_route() {
    let (engine, client) = engine(&[EXTERNAL]).await;
    engine.fail_next(&routes::GET_PROCESS_MODELS, 2, 503);
    for _ in 0..2 {
        let error = json::<ProcessModelList>(&client, Call::new(&routes::GET_PROCESS_MODELS))
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(503));
    }
    json::<ProcessModelList>(&client, Call::new(&routes::GET_PROCESS_MODELS))
        .await
        .unwrap();

    engine.fail_next(&routes::GET_PROCESS_MODELS, 5, 503);
    let other: process_engine_api_types::models::ProcessModel = json(
        &client,
        Call::new(&routes::GET_PROCESS_MODEL_BY_ID).param("external"),
    )
    .await
    .unwrap();
    assert_eq!(other.id, "external", "another route is not affected");
    engine.clear_faults();
    json::<ProcessModelList>(&client, Call::new(&routes::GET_PROCESS_MODELS))
        .await
        .unwrap();

    engine.delay(&routes::GET_PROCESS_MODELS, Duration::from_millis(300));
    let before = Instant::now();
    let models: ProcessModelList = json(&client, Call::new(&routes::GET_PROCESS_MODELS))
        .await
        .unwrap();
    assert!(
        before.elapsed() >= Duration::from_millis(300),
        "the answer was delayed"
    );
    assert_eq!(models.process_models.len(), 1);
    engine.clear_faults();
    let model: process_engine_api_types::models::ProcessModel = json(
        &client,
        Call::new(&routes::GET_PROCESS_MODEL_BY_ID).param("external"),
    )
    .await
    .unwrap();
    assert_eq!(model.id, "external");
}

#[tokio::test]
async fn every_operation_of_the_api_description_is_served() {
    let (engine, _client) = engine(&[EXTERNAL]).await;
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    for route in routes::ALL {
        let path = route
            .path
            .split('/')
            .map(|s| if s.starts_with('{') { "x" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let method = match route.method {
            process_engine_api_types::route::Method::Get => hyper::Method::GET,
            _ => hyper::Method::POST,
        };
        // A long poll with no timeout and a start that does not block answer at once.
        let request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", engine.url()))
            .header("authorization", "Bearer ZHVtbXlfdG9rZW4=")
            .header("content-type", "application/json")
            .body(http_body_util::Full::new(bytes::Bytes::from_static(b"{}")))
            .unwrap();
        let response = http.request(request).await.unwrap();
        let status = response.status();
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let body = String::from_utf8_lossy(&body);
        assert!(
            !body.contains("Cannot ") && !body.contains("does not serve"),
            "{}: {status} {body}",
            route.operation
        );
        assert!(status != 500, "{} answered 500: {body}", route.operation);
    }
}

#[tokio::test]
async fn the_token_history_records_every_flow_node_and_its_predecessor() {
    let (_engine, client) = engine(&[EXTERNAL]).await;
    let started = start(
        &client,
        "external",
        StartCallbackType::OnProcessInstanceCreated,
        json!({"in": 1}),
    )
    .await;
    let tasks = fetch(&client, "w", "external_topic", 1, 5000, 5000).await;
    finish(&client, &tasks[0], "w", json!({"out": 2}))
        .await
        .unwrap();
    let history: process_engine_api_types::models::TokenHistory = json(
        &client,
        Call::new(&routes::GET_TOKEN_HISTORY_FOR_PROCESS_INSTANCE)
            .param(&started.process_instance_id),
    )
    .await
    .unwrap();
    let events = |node: &str| -> Vec<(String, Value)> {
        history[node]
            .iter()
            .map(|e| (e.token_event_type.to_string(), e.payload.clone()))
            .collect()
    };
    assert_eq!(
        events("start"),
        [
            ("onEnter".into(), json!({"in": 1})),
            ("onExit".into(), json!({"in": 1}))
        ]
    );
    // external_service_task_handler.js persists onSuspend and onResume around the worker.
    assert_eq!(
        events("external_task"),
        [
            ("onEnter".into(), json!({"in": 1})),
            ("onSuspend".into(), json!({"in": 1})),
            ("onResume".into(), json!({"out": 2})),
            ("onExit".into(), json!({"out": 2}))
        ]
    );
    assert_eq!(
        events("end"),
        [
            ("onEnter".into(), json!({"out": 2})),
            ("onExit".into(), json!({"out": 2}))
        ]
    );
    let start_instance = &history["start"][0].flow_node_instance_id;
    assert_eq!(history["start"][0].previous_flow_node_instance_id, None);
    assert_eq!(
        history["external_task"][0]
            .previous_flow_node_instance_id
            .as_ref(),
        Some(start_instance)
    );
    assert_eq!(
        history["external_task"][0].flow_node_instance_id,
        tasks[0].flow_node_instance_id
    );
    assert_eq!(
        history["end"][1].previous_flow_node_instance_id.as_ref(),
        Some(&tasks[0].flow_node_instance_id)
    );
}

async fn correlation_of(client: &Client, started: &ProcessStartResponse) -> Correlation {
    correlation(client, &started.correlation_id).await
}

#[tokio::test]
async fn an_exclusive_gateway_takes_the_one_condition_that_holds_as_the_engine_does() {
    let (_engine, client) = engine(&[EXCLUSIVE]).await;
    let finished = StartCallbackType::OnProcessInstanceFinished;
    for (input, end) in [
        // `token.current.nested.b` throws without `nested`: the engine counts that as false.
        (json!({"a": 1}), "a_end"),
        (json!({"nested": {"b": 1}}), "b_end"),
        (json!({}), "fallback_end"),
    ] {
        let answer = start(&client, "exclusive", finished.clone(), input.clone()).await;
        assert_eq!(answer.end_event_id.as_deref(), Some(end), "{input}");
    }
    let both = json!({"a": 1, "nested": {"b": 1}});
    let error = try_start(&client, "exclusive", finished, both)
        .await
        .unwrap_err();
    assert_eq!(
        error.engine_error().unwrap().message(),
        "More than one outgoing SequenceFlow for ExclusiveGateway choice had a truthy condition!"
    );
}

#[tokio::test]
async fn an_endless_loop_fails_its_instance_not_the_engine() {
    let (_engine, client) = engine(&[LOOP]).await;
    let finished = StartCallbackType::OnProcessInstanceFinished;
    let error = try_start(&client, "loop", finished, json!({}))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert!(
        error.engine_error().unwrap().message().contains("loops"),
        "{error}"
    );
    let models: ProcessModelList = json(&client, Call::new(&routes::GET_PROCESS_MODELS))
        .await
        .unwrap();
    assert_eq!(models.process_models.len(), 1, "the engine still answers");
}

#[tokio::test]
async fn callback_two_answers_at_the_first_end_event_and_a_dead_end_finishes_the_instance() {
    let (_engine, client) = engine(&[DEAD_END]).await;
    let finished = StartCallbackType::OnProcessInstanceFinished;
    let started = start(&client, "dead_end", finished, json!({"x": 1})).await;
    assert_eq!(started.end_event_id.as_deref(), Some("end"));
    assert_eq!(
        correlation_of(&client, &started).await.state,
        CorrelationState::Running,
        "the other branch still waits at its empty activity"
    );
    let activities: process_engine_api_types::models::EmptyActivityList = json(
        &client,
        Call::new(&routes::GET_EMPTY_ACTIVITIES_FOR_CORRELATION).param(&started.correlation_id),
    )
    .await
    .unwrap();
    let check = &activities.empty_activities[0];
    let finish_check = Call::new(&routes::FINISH_EMPTY_ACTIVITY)
        .param(&started.process_instance_id)
        .param(&started.correlation_id)
        .param(&check.flow_node_instance_id);
    empty(&client, finish_check).await.unwrap();
    assert_eq!(
        correlation_of(&client, &started).await.state,
        CorrelationState::Finished,
        "no token is left once the last one stopped at a flow node without outgoing flows"
    );
}

#[tokio::test]
async fn a_terminate_end_event_ends_the_whole_instance_and_is_its_result() {
    let (_engine, client) = engine(&[TERMINATE]).await;
    let finished = StartCallbackType::OnProcessInstanceFinished;
    let error = try_start(&client, "terminate", finished, json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        error.engine_error().unwrap().message(),
        // flow_node_handler_interruptible.js, `_subscribeToProcessTermination`.
        "Process was terminated through TerminateEndEvent 'stop'!"
    );
    let started = start(
        &client,
        "terminate",
        StartCallbackType::OnProcessInstanceCreated,
        json!({}),
    )
    .await;
    assert_eq!(
        correlation_of(&client, &started).await.state,
        CorrelationState::Error
    );
    let tasks: process_engine_api_types::models::UserTaskList = json(
        &client,
        Call::new(&routes::GET_USER_TASKS_FOR_CORRELATION).param(&started.correlation_id),
    )
    .await
    .unwrap();
    assert!(
        tasks.user_tasks.is_empty(),
        "the waiting user task went with the instance"
    );
    let results: CorrelationResultList = json(
        &client,
        Call::new(&routes::GET_PROCESS_RESULTS_FOR_CORRELATION)
            .param(&started.correlation_id)
            .param("terminate"),
    )
    .await
    .unwrap();
    // end_event_handler.js persists the terminate end event's exit before terminating.
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].end_event_id, "stop");
}
