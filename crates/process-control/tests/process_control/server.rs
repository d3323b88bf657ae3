//! Server information and authority.

use crate::support::Harness;

#[tokio::test]
async fn server_info_names_the_runtime() {
    let harness = Harness::start().await;
    let info = harness.client.server_info().send().await.unwrap();
    assert_eq!(info.name, "@process-engine/process_engine_runtime");
    assert_eq!(info.version, "8.0.0");
    assert!(!info.license.is_empty());
}

#[tokio::test]
async fn the_authority_is_a_url() {
    let harness = Harness::start().await;
    let authority = harness.client.authority().send().await.unwrap();
    assert!(authority.authority.starts_with("http"), "{authority:?}");
}
