//! `pe deploy`: a line per file, the file named on failure.

use std::ffi::OsString;

use crate::support::{Engine, Models, sample};

#[tokio::test]
async fn a_folder_and_files_get_a_line_each_and_failures_name_their_file() {
    let engine = Engine::start().await;
    let models = Models::new();
    let folder = sample("hello_world").parent().unwrap().to_owned();
    let missing = models.dir().join("missing.bpmn");
    let args: Vec<OsString> = vec![
        "deploy".into(),
        folder.into(),
        missing.clone().into(),
        models.path("broken").into(),
        models.path("chores").into(),
    ];

    let ran = engine.pe(&args).run().await;
    ran.code(2);
    let deployed: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(deployed.len(), 5, "{}", ran.stdout);
    assert!(
        deployed[1].starts_with("deployed hello_world ("),
        "{}",
        ran.stdout
    );
    assert!(deployed[4].starts_with(&format!("deployed {} (", models.id("chores"))));
    let failed: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(failed.len(), 2, "{}", ran.stderr);
    assert!(
        failed[0].starts_with(&format!("failed {}: ", missing.display())),
        "{}",
        ran.stderr
    );
    assert!(failed[1].contains("broken.bpmn: "), "{}", ran.stderr);
    assert!(failed[1].contains("not well-formed"), "{}", ran.stderr);

    let mut json_args = args.clone();
    json_args.extend(["--output".into(), "json".into()]);
    let ran = engine.pe(&json_args).run().await;
    ran.code(2);
    let lines = ran.json_lines();
    assert_eq!(lines.len(), 7, "{}", ran.stdout);
    assert_eq!(lines[1]["process_model_id"], "hello_world");
    assert!(
        lines[1]["file"]
            .as_str()
            .unwrap()
            .ends_with("hello_world.bpmn")
    );
    assert!(lines[1]["error"].is_null());
    assert_eq!(lines[4]["file"], missing.display().to_string());
    assert!(lines[4]["process_model_id"].is_null());
    assert_eq!(lines[4]["error"]["exit_code"], 2);
    assert_eq!(lines[5]["error"]["kind"], "bad_input");
    assert_eq!(lines[6]["process_model_id"], models.id("chores"));
    assert!(ran.stderr.is_empty(), "{}", ran.stderr);
}

#[tokio::test]
async fn a_model_that_exists_is_refused_without_overwrite() {
    let engine = Engine::start().await;
    let models = Models::new();
    let path = models.path("chores");
    engine.deploy(&path).await;
    let ran = engine
        .pe([
            "deploy".as_ref(),
            "--no-overwrite".as_ref(),
            path.as_os_str(),
        ])
        .run()
        .await;
    ran.code(4);
    assert!(ran.stderr.contains("409"), "{}", ran.stderr);
    engine
        .pe(["deploy".as_ref(), path.as_os_str()])
        .run()
        .await
        .success();
}
