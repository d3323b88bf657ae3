//! Raw HTTP/1.1 exchanges with the stand-in engine: one request per connection, written byte
//! for byte, and the answer read until the engine closes the connection. What is on the wire
//! is what the tests see.

#![allow(
    dead_code,
    reason = "each test file uses the part of the helpers it needs"
)]

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The development token's header.
pub(crate) const TOKEN: &str = "Bearer ZHVtbXlfdG9rZW4=";

/// How long an exchange may take before the test calls it a hang.
pub(crate) const HANG: Duration = Duration::from_secs(20);

/// A model whose instances end at once.
pub(crate) const QUICK: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="quick" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f" sourceRef="start" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"#;

/// The external-task model of the engine's tests: one task of `external_topic`.
pub(crate) const EXTERNAL: &str = include_str!("../models/external.bpmn");

/// An answer as it came over the wire.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// The status line and headers, as sent.
    pub(crate) head: String,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// The value of header `name` (any case), if sent.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {} {}", self.status, self.text()))
    }
}

/// Reads what comes back on `stream` until the engine closes it (or resets it after an
/// answer), within [`HANG`].
pub(crate) async fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(HANG, async {
        let mut chunk = [0_u8; 8192];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            }
        }
    });
    read.await
        .expect("the engine answered and closed the connection in time");
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Answer {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete head in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head}"));
    Answer {
        status,
        head,
        body: bytes[split + 4..].to_vec(),
    }
}

/// Sends `request` as it is on a new connection and reads the answer.
pub(crate) async fn exchange(addr: SocketAddr, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).await.expect("the engine listens");
    // The engine may answer and close before it has read everything (a refused head).
    let _ = stream.write_all(request).await;
    read_answer(&mut stream).await
}

/// A request with the development token and `Connection: close`; with a JSON body if given.
pub(crate) fn request(method: &str, path: &str, body: Option<&[u8]>) -> Vec<u8> {
    let mut text = format!(
        "{method} {path} HTTP/1.1\r\nHost: engine\r\nAuthorization: {TOKEN}\r\nConnection: close\r\n"
    );
    if let Some(body) = body {
        text.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    text.push_str("\r\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(body.unwrap_or_default());
    bytes
}

/// A JSON call with the development token.
pub(crate) async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Answer {
    let body = body.map(Value::to_string);
    exchange(
        addr,
        &request(method, path, body.as_deref().map(str::as_bytes)),
    )
    .await
}

/// Starts an instance of `model` with callback type 1; returns (correlation, instance).
pub(crate) async fn start(addr: SocketAddr, model: &str, body: &Value) -> (String, String) {
    let answer = call(
        addr,
        "POST",
        &format!("/api/consumer/v1/process_models/{model}/start?start_callback_type=1"),
        Some(body),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let started = answer.json();
    (
        started["correlationId"].as_str().unwrap().to_owned(),
        started["processInstanceId"].as_str().unwrap().to_owned(),
    )
}

/// fetch-and-lock of `topic` for `worker`: at most `max` tasks, a long poll of `poll_ms`,
/// locked for `lock` (any JSON value).
pub(crate) async fn fetch(
    addr: SocketAddr,
    worker: &str,
    topic: &str,
    max: u64,
    poll_ms: u64,
    lock: Value,
) -> Vec<Value> {
    let body = serde_json::json!({
        "workerId": worker, "topicName": topic, "maxTasks": max,
        "longPollingTimeout": poll_ms, "lockDuration": lock,
    });
    let answer = call(
        addr,
        "POST",
        "/api/external_task/v1/fetch_and_lock",
        Some(&body),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    match answer.json() {
        Value::Array(tasks) => tasks,
        other => panic!("not a list: {other}"),
    }
}

/// Finishes task `id` for `worker`; returns the status.
pub(crate) async fn finish(addr: SocketAddr, id: &str, worker: &str) -> u16 {
    let body = serde_json::json!({ "workerId": worker, "result": { "done": true } });
    let path = format!("/api/external_task/v1/task/{id}/finish");
    call(addr, "POST", &path, Some(&body)).await.status
}
