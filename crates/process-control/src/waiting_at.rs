//! Where a running instance waits, in words: read from the engine when a wait for the instance
//! runs out, so that the error says what to look at ("the external task `check` on topic
//! `CheckOrder`": is a worker running for it?).

use std::time::Duration;

use process_engine_api_types::operations::{
    GetActiveTokensForProcessModel, ManagementGetProcessModelById,
};
use process_engine_transport::{Client, RequestOptions};

/// The BPMN 2.0 model namespace.
const BPMN_MODEL: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
/// The namespace of `camunda:type="external"` and `camunda:topic`, which mark an external task.
const CAMUNDA: &str = "http://camunda.org/schema/1.0/bpmn";

/// How long the two reads may take together: the wait has run out already, the caller is not to
/// wait much longer for the explanation.
const LOOKUP_LIMIT: Duration = Duration::from_secs(5);

/// The flow nodes the instance of `process_model_id` in `correlation_id` waits in, each described
/// ("the user task `approve`"), in the engine's order. Empty when the engine does not say (the
/// reads failed or ran out of time, no token is active): the error then says no more than before.
pub(crate) async fn waiting_at(
    transport: &Client,
    process_model_id: &str,
    correlation_id: &str,
    identity: &RequestOptions,
) -> Vec<String> {
    let mut options = RequestOptions::new();
    options.identity.clone_from(&identity.identity);
    options.deadline = Some(LOOKUP_LIMIT);
    let read = async {
        let tokens = transport
            .execute(
                &GetActiveTokensForProcessModel::new(process_model_id),
                &options,
            )
            .await
            .ok()?;
        let mut flow_nodes: Vec<String> = tokens
            .into_iter()
            .filter(|token| token.correlation_id == correlation_id)
            .map(|token| token.flow_node_id)
            .collect();
        flow_nodes.dedup();
        if flow_nodes.is_empty() {
            return None;
        }
        // Without the model (a read that fails), the ids alone still say where.
        let xml = transport
            .execute(
                &ManagementGetProcessModelById::new(process_model_id),
                &options,
            )
            .await
            .map(|model| model.xml)
            .unwrap_or_default();
        Some(describe(&xml, &flow_nodes))
    };
    tokio::time::timeout(LOOKUP_LIMIT, read)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Each of `flow_nodes` described by its element in the BPMN document `xml`.
fn describe(xml: &str, flow_nodes: &[String]) -> Vec<String> {
    let document = roxmltree::Document::parse(xml).ok();
    flow_nodes
        .iter()
        .map(|id| {
            let element = document.as_ref().and_then(|document| {
                document.descendants().find(|node| {
                    node.tag_name().namespace() == Some(BPMN_MODEL)
                        && node.attribute("id") == Some(id)
                })
            });
            match element {
                Some(element) => describe_element(element, id),
                None => format!("the flow node `{id}`"),
            }
        })
        .collect()
}

fn describe_element(element: roxmltree::Node<'_, '_>, id: &str) -> String {
    let has_definition = |name: &str| {
        element
            .children()
            .any(|child| child.tag_name().name() == name)
    };
    let kind = match element.tag_name().name() {
        "serviceTask" if element.attribute((CAMUNDA, "type")) == Some("external") => {
            return match element.attribute((CAMUNDA, "topic")) {
                Some(topic) => format!("the external task `{id}` on topic `{topic}`"),
                None => format!("the external task `{id}`"),
            };
        }
        "serviceTask" => "service task",
        "userTask" => "user task",
        "manualTask" => "manual task",
        // An untyped task: the engine's empty activity.
        "task" => "empty activity",
        "receiveTask" => "receive task",
        "sendTask" => "send task",
        "scriptTask" => "script task",
        "callActivity" => "call activity",
        "subProcess" => "sub-process",
        "intermediateCatchEvent" | "boundaryEvent" if has_definition("messageEventDefinition") => {
            "message event"
        }
        "intermediateCatchEvent" | "boundaryEvent" if has_definition("signalEventDefinition") => {
            "signal event"
        }
        "intermediateCatchEvent" | "boundaryEvent" if has_definition("timerEventDefinition") => {
            "timer event"
        }
        "parallelGateway" | "inclusiveGateway" | "complexGateway" => "gateway",
        // An instance the engine has not moved on from its start yet.
        "startEvent" => "start event",
        _ => "flow node",
    };
    format!("the {kind} `{id}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn">
  <bpmn:process id="p">
    <bpmn:serviceTask id="ext" camunda:type="external" camunda:topic="SampleExternalTask" />
    <bpmn:userTask id="approve" />
    <bpmn:task id="breakpoint" />
    <bpmn:intermediateCatchEvent id="wait_msg"><bpmn:messageEventDefinition /></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="wait_time"><bpmn:timerEventDefinition /></bpmn:intermediateCatchEvent>
  </bpmn:process>
</bpmn:definitions>"#;

    #[test]
    fn each_waiting_flow_node_is_named_by_its_kind() {
        let ids = [
            "ext",
            "approve",
            "breakpoint",
            "wait_msg",
            "wait_time",
            "gone",
        ]
        .map(str::to_owned);
        assert_eq!(
            describe(MODEL, &ids),
            [
                "the external task `ext` on topic `SampleExternalTask`",
                "the user task `approve`",
                "the empty activity `breakpoint`",
                "the message event `wait_msg`",
                "the timer event `wait_time`",
                "the flow node `gone`",
            ]
        );
    }

    #[test]
    fn without_a_model_the_ids_still_say_where() {
        assert_eq!(describe("", &["ext".to_owned()]), ["the flow node `ext`"]);
    }
}
