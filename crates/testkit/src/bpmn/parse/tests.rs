//! The parser reads every recorded model, as leniently as the core, and never panics.

use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::bpmn::model::{EndKind, NodeKind, Trigger};

fn model(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../api/recordings/scenarios/bpmn")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn every_recorded_model_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../api/recordings/scenarios/bpmn");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let xml = std::fs::read_to_string(&path).unwrap();
        if path.ends_with("conf_two_processes.bpmn") {
            // The engine refuses it too (a02_deploy_undeploy).
            assert!(matches!(parse(&xml), Err(ParseError::MultipleProcesses)));
            continue;
        }
        parse(&xml).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    }
}

// event_parser.js: a bpmn:error's name and code; a sub-process holds its own nodes.
#[test]
fn error_end_events_inside_sub_processes() {
    let process = parse(&model("pub_error_caught.bpmn")).unwrap();
    let risky = &process.nodes[process.node("risky").unwrap()];
    let NodeKind::SubProcess { process: inner } = &risky.kind else {
        panic!("not a sub-process: {:?}", risky.kind);
    };
    assert_eq!(inner.id, "risky");
    let raise = &inner.nodes[inner.node("raise").unwrap()];
    assert!(
        matches!(&raise.kind, NodeKind::EndEvent { kind: EndKind::Error { name, code }, .. }
        if name == "PubKnownError" && code == "E_SAME")
    );
    let (_, boundary) = process
        .boundary_events(process.node("risky").unwrap())
        .next()
        .unwrap();
    assert_eq!(
        boundary.trigger,
        Trigger::Error {
            name: "PubKnownError".to_owned(),
            code: "E_SAME".to_owned()
        }
    );
    assert!(process.node("raise").is_none(), "inner nodes stay inside");
}

// send_task_parser.js: a send task without messageRef is refused with the core's message.
#[test]
fn send_task_without_message_is_refused() {
    let xml = model("pub_sender.bpmn").replace(r#" messageRef="Message_1""#, "");
    match parse(&xml) {
        Err(ParseError::Refused { status, message }) => {
            assert_eq!(status, 422);
            assert_eq!(
                message,
                "No message Reference for Send Task with id send given"
            );
        }
        other => panic!("{other:?}"),
    }
}

// event_parser.js, getErrorById: an errorRef naming no bpmn:error fails the import with a
// NotFoundError; an empty definition is anonymous and catches everything.
#[test]
fn error_references_must_resolve_and_empty_definitions_are_anonymous() {
    let broken = model("pub_error_caught.bpmn").replace(
        r#"<bpmn:errorEventDefinition errorRef="Error_known" />
      </bpmn:endEvent>"#,
        r#"<bpmn:errorEventDefinition errorRef="Error_missing" />
      </bpmn:endEvent>"#,
    );
    match parse(&broken) {
        Err(ParseError::Refused { status, message }) => {
            assert_eq!(
                (status, message.as_str()),
                (404, "No error with id Error_missing found.")
            );
        }
        other => panic!("{other:?}"),
    }
    let anonymous = model("pub_error_caught.bpmn").replace(
        r#"<bpmn:outgoing>flow_3</bpmn:outgoing>
      <bpmn:errorEventDefinition errorRef="Error_known" />"#,
        r#"<bpmn:outgoing>flow_3</bpmn:outgoing>
      <bpmn:errorEventDefinition />"#,
    );
    let process = parse(&anonymous).unwrap();
    let (_, boundary) = process
        .boundary_events(process.node("risky").unwrap())
        .next()
        .unwrap();
    assert_eq!(
        boundary.trigger,
        Trigger::Error {
            name: String::new(),
            code: String::new()
        }
    );
}

// gateway_parser.js parses inclusive gateways; flow_node_handler_factory.js has no handler.
#[test]
fn inclusive_gateways_deploy_as_unexecutable() {
    let xml = model("pub_gateway.bpmn").replace("exclusiveGateway", "inclusiveGateway");
    let process = parse(&xml).unwrap();
    let gateway = &process.nodes[process.node("decide").unwrap()];
    assert!(
        matches!(&gateway.kind, NodeKind::Unexecutable { bpmn_type } if bpmn_type == "bpmn:InclusiveGateway")
    );
}

#[test]
fn timer_text_needs_an_attribute() {
    let typed = parse(&model("pub_timer_catch.bpmn")).unwrap();
    let untyped = parse(&model("pub_timer_untyped.bpmn")).unwrap();
    let timer = |process: &Process, id: &str| match &process.nodes[process.node(id).unwrap()].kind {
        NodeKind::TimerCatchEvent { timer } => timer.text.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(timer(&typed, "wait_fixed").as_deref(), Some("PT1S"));
    assert_eq!(timer(&untyped, "wait_untyped"), None);
}

#[test]
fn deep_documents_are_refused_before_parsing() {
    let deep = format!("{}{}", "<a>".repeat(50_000), "</a>".repeat(50_000));
    assert!(matches!(parse(&deep), Err(ParseError::Xml(_))));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary text never panics the parser.
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = parse(&text);
    }

    /// Cutting a real model anywhere never panics the parser.
    #[test]
    fn truncated_models_never_panic(cut in 0_usize..4000, name in prop::sample::select(vec![
        "pub_error_caught.bpmn", "pub_sub_script.bpmn", "pub_boundary_events.bpmn", "pub_link.bpmn",
    ])) {
        let xml = model(name);
        let end = xml.char_indices().map(|(i, _)| i).take_while(|&i| i <= cut).last().unwrap_or(0);
        let _ = parse(&xml[..end]);
    }
}
