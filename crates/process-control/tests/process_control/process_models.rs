//! Process models: list, get, by instance, with XML.

use process_engine_api_types::models::EventReference;
use process_engine_process_control::ErrorKind;

use crate::support::{Harness, Model};

#[tokio::test]
async fn deployed_models_are_listed_with_their_events() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let models = harness.client.process_models().send().await.unwrap();
    let listed = models
        .process_models
        .iter()
        .find(|m| m.id == model)
        .unwrap();
    assert_eq!(ids(&listed.start_events), ["start"]);
    assert_eq!(ids(&listed.end_events), ["end_a", "end_b"]);
    // The consumer API's models come without their XML: their type has no field for it.

    let one = harness.client.process_model(&model).send().await.unwrap();
    assert_eq!(&one, listed);
}

#[tokio::test]
async fn the_model_of_an_instance() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::UserTask).await;
    let started = harness.start_instance(&model).await;
    let of_instance = harness
        .client
        .process_model_of_instance(&started.process_instance_id)
        .send()
        .await
        .unwrap();
    assert_eq!(of_instance.id, model);
    assert_eq!(ids(&of_instance.end_events), ["end"]);
}

/// The ids of start or end events.
pub(crate) fn ids(events: &[EventReference]) -> Vec<&str> {
    events.iter().map(|event| event.id.as_str()).collect()
}

#[tokio::test]
async fn models_with_their_xml() {
    let harness = Harness::start().await;
    let model = harness.deploy(Model::TwoEnds).await;
    let xml = Model::TwoEnds.xml_as(&model);
    let one = harness
        .client
        .process_model_with_xml(&model)
        .send()
        .await
        .unwrap();
    assert_eq!(one.xml, xml);
    assert_eq!(ids(&one.start_events), ["start"]);
    let all = harness
        .client
        .process_models_with_xml()
        .send()
        .await
        .unwrap();
    let listed = all.process_models.iter().find(|m| m.id == model).unwrap();
    assert_eq!(listed.xml, xml);

    // The instance's model, for completeness of the unknown-model paths.
    let error = harness
        .client
        .process_model_with_xml("pc_does_not_exist")
        .send()
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error}");
}

#[tokio::test]
async fn an_unknown_instance_has_no_model() {
    let harness = Harness::start().await;
    let error = harness
        .client
        .process_model_of_instance("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error.kind(),
            ErrorKind::NotFound | ErrorKind::ProcessModelNotFound
        ),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(404));
}
