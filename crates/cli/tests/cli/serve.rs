//! `pe serve`: the stand-in engine as a program.

use crate::support::{Pe, sample};

#[tokio::test]
async fn the_stand_in_engine_serves_until_sigterm() {
    let folder = sample("hello_world").parent().unwrap().to_owned();
    let mut serve = Pe::new([
        "serve".as_ref(),
        "--port".as_ref(),
        "0".as_ref(),
        "--deploy".as_ref(),
        folder.as_os_str(),
    ])
    .spawn();
    let line = serve.stdout_line().await;
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line}"));
    let models = Pe::new(["model", "list", "--url", url, "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert!(
        models
            .as_array()
            .unwrap()
            .iter()
            .any(|model| model["id"] == "hello_world"),
        "{models}"
    );
    serve.terminate().await;
    serve.wait().await.success();

    let mut serve = Pe::new(["serve", "--port", "0", "-o", "json"]).spawn();
    let listening: serde_json::Value = serde_json::from_str(&serve.stdout_line().await).unwrap();
    let url = listening["url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{listening}");
    Pe::new(["info", "--url", url]).run().await.success();
    serve.terminate().await;
    serve.wait().await.success();
}

#[tokio::test]
async fn a_model_that_cannot_be_deployed_stops_it_at_once() {
    let ran = Pe::new(["serve", "--port", "0", "--deploy", "no/such/model.bpmn"])
        .run()
        .await;
    ran.code(2);
    assert!(ran.stderr.contains("no/such/model.bpmn"), "{}", ran.stderr);
}
