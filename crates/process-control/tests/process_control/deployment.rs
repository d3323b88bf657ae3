//! Deployment: from a string or a file, overwrite, update, undeploy, and what the engine refuses.

use process_engine_process_control::ErrorKind;

use crate::process_models::ids;
use crate::support::{Harness, Model, unique};

#[tokio::test]
async fn a_file_deploys_under_its_process_id() {
    let harness = Harness::start().await;
    let id = unique("pc_two_ends");
    let path = std::env::temp_dir().join(format!("{id}.bpmn"));
    std::fs::write(&path, Model::TwoEnds.xml_as(&id)).unwrap();
    let deployed = harness.client.deploy_file(&path).send().await;
    std::fs::remove_file(&path).unwrap();
    assert_eq!(deployed.unwrap(), id);
    let model = harness.client.process_model(&id).send().await.unwrap();
    assert_eq!(ids(&model.end_events), ["end_a", "end_b"]);
}

#[tokio::test]
async fn a_missing_file_is_invalid_input() {
    let harness = Harness::start().await;
    let path = std::env::temp_dir().join(format!("{}.bpmn", unique("missing")));
    let error = harness.client.deploy_file(&path).send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(
        error.to_string().contains("could not read the BPMN file"),
        "{error}"
    );
    assert!(std::error::Error::source(&error).is_some());
}

#[tokio::test]
async fn overwrite_replaces_and_without_it_a_second_deployment_conflicts() {
    let harness = Harness::start().await;
    let id = harness.deploy(Model::TwoEnds).await;
    // The same id, other end events.
    let changed = Model::TwoEnds.xml_as(&id).replace("end_b", "end_c");
    let error = harness
        .client
        .deploy_bpmn(changed.clone())
        .overwrite(false)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict, "{error:?}");
    assert_eq!(error.status(), Some(409));
    harness.client.deploy_bpmn(changed).send().await.unwrap();
    let model = harness.client.process_model(&id).send().await.unwrap();
    assert_eq!(ids(&model.end_events), ["end_a", "end_c"]);
}

#[tokio::test]
async fn update_replaces_a_deployed_model() {
    let harness = Harness::start().await;
    let id = harness.deploy(Model::TwoEnds).await;
    let changed = Model::TwoEnds.xml_as(&id).replace("end_a", "end_z");
    let updated = harness
        .client
        .update_process_model(changed)
        .send()
        .await
        .unwrap();
    assert_eq!(updated, id);
    let model = harness.client.process_model(&id).send().await.unwrap();
    assert_eq!(ids(&model.end_events), ["end_z", "end_b"]);
}

#[tokio::test]
async fn undeploy_removes_the_model() {
    let harness = Harness::start().await;
    let id = harness.deploy(Model::TwoEnds).await;
    harness.client.undeploy(&id).send().await.unwrap();
    let error = harness.client.process_model(&id).send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ProcessModelNotFound);
}

#[tokio::test]
async fn xml_that_is_not_bpmn_is_refused_by_the_client() {
    let harness = Harness::start().await;
    for xml in [
        "<unclosed",
        "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"/>",
    ] {
        let error = harness.client.deploy_bpmn(xml).send().await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidProcessModel, "{error}");
        // Refused before it was sent.
        assert_eq!(error.status(), None);
    }
}

#[tokio::test]
async fn bpmn_the_engine_cannot_take_is_422() {
    let harness = Harness::start().await;
    let (first, second) = (unique("pc_first"), unique("pc_second"));
    // Two processes in one document: the client names it after the first, the engine refuses.
    // 8.0.0's parser needs a collaboration with participants and a sequence flow in each
    // process; without them it refuses any document as one it "could not" parse.
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="c">
    <bpmn:participant id="p1" processRef="{first}"/>
    <bpmn:participant id="p2" processRef="{second}"/>
  </bpmn:collaboration>
  <bpmn:process id="{first}" isExecutable="true">
    <bpmn:startEvent id="s1"/><bpmn:endEvent id="e1"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s1" targetRef="e1"/>
  </bpmn:process>
  <bpmn:process id="{second}" isExecutable="true">
    <bpmn:startEvent id="s2"/><bpmn:endEvent id="e2"/>
    <bpmn:sequenceFlow id="f2" sourceRef="s2" targetRef="e2"/>
  </bpmn:process>
</bpmn:definitions>"#
    );
    let error = harness.client.deploy_bpmn(xml).send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidProcessModel, "{error:?}");
    assert_eq!(error.status(), Some(422));
    assert_eq!(
        error.message(),
        Some(
            format!(
                "The XML for process \"{first}\" contains more than one ProcessModel. This is currently not supported."
            )
            .as_str()
        )
    );
    let error = harness
        .client
        .process_model(&first)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_process_model_not_found());
}
