//! Arbitrary models, however wired, never panic the engine and never hold it: generated
//! processes from every kind of element are deployed, started, and sent messages and signals.

use proptest::prelude::*;
use serde_json::json;

use super::{Engine, StartRequest};
use crate::auth::Identity;
use crate::engine::instance::{Payload, Wait};

/// One flow node `n<index>` of a kind picked by `kind`.
fn element(index: usize, kind: usize, pick: usize) -> String {
    let id = format!("n{index}");
    let scripts = [
        "return token.current;",
        "throw new Error('x');",
        "return new Promise(function (r) { setTimeout(r, 5); });",
        "return token.history.n0.missing.x;",
    ];
    let script = scripts[pick % scripts.len()];
    match kind % 24 {
        0 => format!(r#"<bpmn:startEvent id="{id}" />"#),
        1 => format!(r#"<bpmn:endEvent id="{id}" />"#),
        2 => {
            format!(r#"<bpmn:endEvent id="{id}"><bpmn:terminateEventDefinition /></bpmn:endEvent>"#)
        }
        3 => format!(
            r#"<bpmn:endEvent id="{id}"><bpmn:errorEventDefinition errorRef="E" /></bpmn:endEvent>"#
        ),
        4 => format!(
            r#"<bpmn:endEvent id="{id}"><bpmn:messageEventDefinition messageRef="M" /></bpmn:endEvent>"#
        ),
        5 => format!(r#"<bpmn:task id="{id}" />"#),
        6 => format!(r#"<bpmn:userTask id="{id}" />"#),
        7 => format!(
            r#"<bpmn:scriptTask id="{id}"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>"#
        ),
        8 => format!(r#"<bpmn:exclusiveGateway id="{id}" />"#),
        9 => format!(r#"<bpmn:parallelGateway id="{id}" />"#),
        10 => format!(
            r#"<bpmn:intermediateCatchEvent id="{id}"><bpmn:messageEventDefinition messageRef="M" /></bpmn:intermediateCatchEvent>"#
        ),
        11 => format!(
            r#"<bpmn:intermediateCatchEvent id="{id}"><bpmn:signalEventDefinition signalRef="S" /></bpmn:intermediateCatchEvent>"#
        ),
        12 => format!(
            r#"<bpmn:intermediateCatchEvent id="{id}"><bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="t">PT0.01S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"#
        ),
        13 => format!(
            r#"<bpmn:intermediateThrowEvent id="{id}"><bpmn:linkEventDefinition name="l{}" /></bpmn:intermediateThrowEvent>"#,
            pick % 2
        ),
        14 => format!(
            r#"<bpmn:intermediateCatchEvent id="{id}"><bpmn:linkEventDefinition name="l{}" /></bpmn:intermediateCatchEvent>"#,
            pick % 2
        ),
        15 => format!(
            r#"<bpmn:intermediateThrowEvent id="{id}"><bpmn:messageEventDefinition messageRef="M" /></bpmn:intermediateThrowEvent>"#
        ),
        16 => format!(
            r#"<bpmn:intermediateThrowEvent id="{id}"><bpmn:signalEventDefinition signalRef="S" /></bpmn:intermediateThrowEvent>"#
        ),
        17 => format!(
            r#"<bpmn:boundaryEvent id="{id}" attachedToRef="n{pick}"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>"#
        ),
        18 => format!(
            r#"<bpmn:boundaryEvent id="{id}" attachedToRef="n{pick}" cancelActivity="false"><bpmn:messageEventDefinition messageRef="M" /></bpmn:boundaryEvent>"#
        ),
        19 => format!(r#"<bpmn:callActivity id="{id}" calledElement="fuzz" />"#),
        20 => format!(
            r#"<bpmn:subProcess id="{id}"><bpmn:startEvent id="{id}s" /><bpmn:sequenceFlow id="{id}f" sourceRef="{id}s" targetRef="{id}t" /><bpmn:scriptTask id="{id}t"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask></bpmn:subProcess>"#
        ),
        21 => format!(r#"<bpmn:sendTask id="{id}" messageRef="M" />"#),
        22 => format!(r#"<bpmn:receiveTask id="{id}" messageRef="M" />"#),
        _ => format!(r#"<bpmn:inclusiveGateway id="{id}" />"#),
    }
}

fn document(kinds: &[(usize, usize)], flows: &[(usize, usize, usize)]) -> String {
    let n = kinds.len();
    let mut body = String::from(r#"<bpmn:startEvent id="start" />"#);
    body.push_str(r#"<bpmn:sequenceFlow id="first" sourceRef="start" targetRef="n0" />"#);
    for (index, (kind, pick)) in kinds.iter().enumerate() {
        body.push_str(&element(index, *kind, *pick % n));
    }
    let conditions = [
        "",
        "token.current.a === 1",
        "this.current",
        "(",
        "token.x.y",
    ];
    for (index, (from, to, condition)) in flows.iter().enumerate() {
        let condition = conditions[condition % conditions.len()];
        let condition = if condition.is_empty() {
            String::new()
        } else {
            format!("<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>")
        };
        body.push_str(&format!(
            r#"<bpmn:sequenceFlow id="f{index}" sourceRef="n{}" targetRef="n{}">{condition}</bpmn:sequenceFlow>"#,
            from % n,
            to % n
        ));
    }
    format!(
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="t">
<bpmn:message id="M" name="m" /><bpmn:signal id="S" name="s" /><bpmn:error id="E" name="Boom" errorCode="b" />
<bpmn:process id="fuzz" isExecutable="true">{body}</bpmn:process></bpmn:definitions>"#
    )
}

/// Starts an instance of `xml` (process id `fuzz`) and sends it a message and a signal, as the
/// property below does; returns how long that took.
fn start_and_trigger(engine: &Engine, xml: &str) -> std::time::Duration {
    let began = std::time::Instant::now();
    if engine.deploy("fuzz", Some(xml), true).is_err() {
        return began.elapsed();
    }
    let owner = Identity {
        token: "t".to_owned(),
        user_id: "dummy_token".to_owned(),
    };
    let request = StartRequest {
        model: "fuzz".to_owned(),
        callback: 1.0,
        start_event: Some("start".to_owned()),
        end_event: None,
        correlation_id: None,
        input: json!({"a": 1}),
        caller: None,
        owner,
    };
    let _ = engine.start(request);
    engine.trigger(
        &Wait::Message("m".to_owned()),
        Payload::json(json!({"m": true})),
    );
    engine.trigger(
        &Wait::Signal("s".to_owned()),
        Payload::json(json!({"s": true})),
    );
    let _ = engine.correlations("dummy_token", false);
    began.elapsed()
}

/// Models the property once found holding the engine for hours or overflowing its stack: each
/// now ends within the engine's bounds. The time bound is loose (a debug build on a busy
/// machine); before, each ran for more than ten minutes or crashed.
#[test]
fn models_that_once_held_the_engine_end_within_its_bounds() {
    for (name, xml) in [
        (
            "a signal thrown on every pass of a model that calls itself twice",
            include_str!("robustness_models/signal_loop_calling_itself.bpmn"),
        ),
        (
            "an error boundary event leading back into its failing sub-process",
            include_str!("robustness_models/boundary_loop_through_sub_process.bpmn"),
        ),
        (
            "a parallel join in a loop, nesting its payload on every pass",
            include_str!("robustness_models/join_nesting_in_a_loop.bpmn"),
        ),
        (
            "a parallel join in a loop whose branches carry the same payload, doubling it",
            include_str!("robustness_models/join_doubling_its_payload.bpmn"),
        ),
        (
            "a message catch event that doubles its waiting tokens on every message",
            include_str!("robustness_models/message_catch_multiplying_its_tokens.bpmn"),
        ),
    ] {
        let took = start_and_trigger(&Engine::default(), xml);
        assert!(
            took < std::time::Duration::from_secs(60),
            "{name}: {took:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn arbitrary_models_never_panic_the_engine(
        kinds in prop::collection::vec((0_usize..24, 0_usize..16), 1..12),
        flows in prop::collection::vec((0_usize..16, 0_usize..16, 0_usize..5), 0..20),
    ) {
        start_and_trigger(&Engine::default(), &document(&kinds, &flows));
    }
}
