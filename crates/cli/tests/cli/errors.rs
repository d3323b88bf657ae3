//! What every command shares: the engine options, the exit codes, colour, help, completions.

use process_engine::testkit::{TestAuthority, TestEngine};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Engine, Pe};

#[tokio::test]
async fn without_a_url_the_error_says_how_to_give_one() {
    let ran = Pe::new(["model", "list"]).run().await;
    ran.code(2);
    assert_eq!(
        ran.stderr,
        "error: no engine URL: pass --url or set PROCESS_ENGINE_URL (BPMN Studio's engine \
         listens on http://localhost:56000)"
    );
    let ran = Pe::new(["model", "list", "-o", "json"]).run().await;
    ran.code(2);
    assert_eq!(ran.json_error()["kind"], "bad_input");
    let ran = Pe::new(["model", "list", "--url", "not a url"]).run().await;
    ran.code(2);
    assert!(ran.stderr.contains("base URL"), "{}", ran.stderr);
}

#[tokio::test]
async fn an_unreachable_engine_exits_6_with_a_hint() {
    let ran = Pe::new(["model", "list"])
        .env("PROCESS_ENGINE_URL", "http://127.0.0.1:1")
        .run()
        .await;
    ran.code(6);
    let mut lines = ran.stderr.lines();
    assert!(
        lines.next().unwrap().starts_with(
            "error: get_process_models at http://127.0.0.1:1: could not connect to the engine"
        ),
        "{}",
        ran.stderr
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("hint: is the engine running at http://127.0.0.1:1?")
    );
    let ran = Pe::new([
        "start",
        "hello_world",
        "--url",
        "http://127.0.0.1:1",
        "-o",
        "json",
    ])
    .run()
    .await;
    ran.code(6);
    let error = ran.json_error();
    assert_eq!(error["kind"], "unreachable");
    assert_eq!(error["exit_code"], 6);
    assert_eq!(error["operation"], "get_process_model_by_id");
    assert_eq!(error["url"], "http://127.0.0.1:1");
}

/// A web server that is not the engine: it answers every request with an HTML page and 404.
async fn another_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0_u8; 4096];
                let _ = stream.read(&mut request).await;
                let page = "<!DOCTYPE html>\n<html>\n<body>Not here</body>\n</html>\n";
                let answer = format!(
                    "HTTP/1.1 404 Not Found\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{page}",
                    page.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    url
}

#[tokio::test]
async fn a_url_that_is_not_the_engine_exits_6_on_one_line() {
    let engine = Engine::start().await;
    // The engine's own server, under a path where the API is not.
    let ran = Pe::new(["model", "list", "--url", &format!("{}/wrong", engine.url())])
        .run()
        .await;
    ran.code(6);
    assert!(
        ran.stderr.contains("hint: the server at") && ran.stderr.contains("base URL"),
        "{}",
        ran.stderr
    );
    // Another server's HTML page: still one line of error, and the same code.
    let url = another_server().await;
    let ran = Pe::new(["start", "hello_world", "--url", &url]).run().await;
    ran.code(6);
    let lines: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", ran.stderr);
    assert!(
        lines[0].starts_with("error: get_process_model_by_id at "),
        "{}",
        ran.stderr
    );
    assert!(
        lines[0].contains("<html> <body>Not here</body> </html>"),
        "{}",
        ran.stderr
    );
    assert!(
        lines[1].starts_with("hint: the server at"),
        "{}",
        ran.stderr
    );
}

#[tokio::test]
async fn identities_come_from_flags_or_the_environment() {
    let authority = TestAuthority::new().client("cli", "secret").guard_engine();
    let engine = TestEngine::builder()
        .authority(authority)
        .start()
        .await
        .unwrap();
    let url = engine.url();
    Pe::new([
        "model",
        "list",
        "--url",
        url,
        "--client-id",
        "cli",
        "--client-secret",
        "secret",
    ])
    .run()
    .await
    .success();
    Pe::new(["model", "list", "--url", url])
        .env("PROCESS_ENGINE_CLIENT_ID", "cli")
        .env("PROCESS_ENGINE_CLIENT_SECRET", "secret")
        .run()
        .await
        .success();
    assert!(engine.authority().unwrap().grants() >= 2);
    // The guarded engine takes only its authority's tokens.
    let ran = Pe::new([
        "model",
        "list",
        "--url",
        url,
        "--token",
        "not-a-granted-token",
    ])
    .run()
    .await;
    ran.code(4);
    assert!(
        ran.stderr.contains("hint: the engine refused the identity"),
        "{}",
        ran.stderr
    );
    let ran = Pe::new([
        "model",
        "list",
        "--url",
        url,
        "--client-id",
        "cli",
        "--client-secret",
        "wrong",
    ])
    .run()
    .await;
    ran.code(4);
    assert!(ran.stderr.contains("invalid_client"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("hint: no token could be had"),
        "{}",
        ran.stderr
    );
    // An engine without an identity server takes its development token and JWTs; it cannot
    // read anything else and says so with a 500, which is the identity's fault all the same.
    let ran = Engine::start()
        .await
        .pe(["model", "list", "--token", "neither-dummy-nor-jwt"])
        .run()
        .await;
    ran.code(4);
    assert!(
        ran.stderr
            .contains("hint: the engine could not read the token"),
        "{}",
        ran.stderr
    );
    let ran = Pe::new(["model", "list", "--url", url, "--client-id", "cli"])
        .run()
        .await;
    ran.code(2);
    assert!(
        ran.stderr.contains("--client-id needs a secret"),
        "{}",
        ran.stderr
    );
    let ran = Pe::new([
        "model",
        "list",
        "--url",
        url,
        "--token",
        "t",
        "--client-id",
        "cli",
    ])
    .run()
    .await;
    ran.code(2);
}

#[tokio::test]
async fn colour_only_when_asked_or_on_a_terminal() {
    let engine = Engine::start().await;
    let ran = engine
        .pe(["model", "list", "--color", "always"])
        .run()
        .await;
    // An empty engine prints its note on stderr; the table's headers are bold.
    ran.success();
    let colored = engine.pe(["info", "--color", "always"]).run().await;
    assert!(
        colored.success().stdout.contains("\u{1b}["),
        "{}",
        colored.stdout
    );
    let plain = engine.pe(["info"]).run().await;
    assert!(
        !plain.success().stdout.contains('\u{1b}'),
        "{}",
        plain.stdout
    );
    let never = engine.pe(["info", "--color", "never"]).run().await;
    assert!(!never.success().stdout.contains('\u{1b}'));
    // JSON is never coloured.
    let info = engine
        .pe(["info", "--color", "always", "-o", "json"])
        .run()
        .await
        .success()
        .json();
    assert_eq!(info["version"], "8.0.0");
    assert!(
        info["url"].as_str().unwrap().starts_with("http://"),
        "{info}"
    );
}

#[tokio::test]
async fn help_has_examples_and_completions_are_generated() {
    let ran = Pe::new(["--help"]).run().await;
    assert!(
        ran.success().stdout.contains("Exit codes: 0 done"),
        "{}",
        ran.stdout
    );
    for command in [
        vec!["start"],
        vec!["task", "finish"],
        vec!["work"],
        vec!["serve"],
    ] {
        let mut args = command.clone();
        args.push("--help");
        let ran = Pe::new(&args).run().await;
        assert!(
            ran.success().stdout.contains("Examples:\n  pe "),
            "{command:?}: {}",
            ran.stdout
        );
    }
    for (shell, marker) in [
        ("bash", "_pe()"),
        ("zsh", "#compdef pe"),
        ("fish", "complete -c pe"),
    ] {
        let ran = Pe::new(["completions", shell]).run().await;
        assert!(
            ran.success().stdout.contains(marker),
            "{shell}: {}",
            ran.stdout
        );
    }
    // A usage error is bad input too.
    Pe::new(["start"]).run().await.code(2);
    Pe::new(["no-such-command"]).run().await.code(2);
}
