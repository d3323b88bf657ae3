//! The stand-in engine's HTTP layer where it meets what Node, Express and body-parser do, and
//! where it meets bad input: HEAD, byte-order marks, oversized heads, slow clients, lock
//! durations beyond JavaScript's dates, callback types out of range; and no request, however
//! malformed, panics a handler or goes unanswered.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap in a test is a failed test"
)]

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use process_engine_api_types::routes;
use process_engine_testkit::TestEngine;
use proptest::prelude::*;
use serde_json::{Value, json};
use support::{EXTERNAL, QUICK, call, exchange, fetch, finish, read_answer, request, start};
use tokio::io::AsyncWriteExt;

async fn engine() -> TestEngine {
    let engine = TestEngine::builder().start().await.unwrap();
    engine.deploy_xml(QUICK).await.unwrap();
    engine.deploy_xml(EXTERNAL).await.unwrap();
    engine
}

// ---- Express and Node -----------------------------------------------------------------------

/// Express routes HEAD to the GET route's handler (express 4.16, `lib/router/route.js`,
/// `_handles_method`), and Node's `res.end` leaves the body out but keeps its length.
#[tokio::test]
async fn head_answers_as_get_does_without_the_body() {
    let engine = engine().await;
    let addr = engine.local_addr();
    // Express's not-found page names the method (finalhandler: `Cannot ${req.method} ...`):
    // one character longer for HEAD.
    for (path, longer) in [
        ("/api/consumer/v1/process_models", 0),
        ("/", 0),
        ("/api/consumer/v1/nowhere", 1),
    ] {
        let get = call(addr, "GET", path, None).await;
        let head = call(addr, "HEAD", path, None).await;
        assert_eq!(head.status, get.status, "{path}");
        assert!(head.body.is_empty(), "{path}: {}", head.text());
        assert_eq!(
            head.header("content-type"),
            get.header("content-type"),
            "{path}"
        );
        assert_eq!(
            head.header("content-length"),
            Some((get.body.len() + longer).to_string().as_str()),
            "{path}"
        );
    }
    // A route that exists only for POST is Express's 404 page, for HEAD as for GET.
    let head = call(addr, "HEAD", "/api/external_task/v1/fetch_and_lock", None).await;
    assert_eq!(head.status, 404);
    // The auth check comes first, as for GET.
    let unauthorised = exchange(
        addr,
        b"HEAD /api/consumer/v1/process_models HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(unauthorised.status, 401);
    assert!(unauthorised.body.is_empty());
}

/// body-parser 1.18.3 decodes with iconv-lite 0.4.23, which drops a leading byte-order mark
/// (`lib/bom-handling.js`, `StripBOM`, on unless `stripBOM: false`).
#[tokio::test]
async fn a_json_body_after_a_byte_order_mark_is_read() {
    let engine = engine().await;
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend_from_slice(br#"{"correlationId": "with-bom"}"#);
    let path = "/api/consumer/v1/process_models/quick/start?start_callback_type=2";
    let answer = exchange(engine.local_addr(), &request("POST", path, Some(&body))).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json()["correlationId"], "with-bom");
    assert_eq!(answer.json()["endEventId"], "end");
}

/// body-parser decodes in the content type's charset and refuses one that is not UTF
/// (`lib/types/json.js`), which the engine's error handler answers with 500.
#[tokio::test]
async fn a_json_body_is_decoded_in_its_charset_and_other_charsets_are_refused() {
    let engine = engine().await;
    let addr = engine.local_addr();
    let send = |charset: &str, body: Vec<u8>| {
        let head = format!(
            "POST /api/consumer/v1/process_models/quick/start HTTP/1.1\r\nHost: e\r\n\
             Authorization: {}\r\nContent-Type: application/json; charset={charset}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            support::TOKEN,
            body.len()
        );
        let mut request = head.into_bytes();
        request.extend_from_slice(&body);
        async move { exchange(addr, &request).await }
    };
    let text = r#"{"correlationId": "sixteen"}"#;
    let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let answer = send("utf-16le", utf16).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json()["correlationId"], "sixteen");
    let refused = send("latin1", text.as_bytes().to_vec()).await;
    assert_eq!(refused.status, 500);
    assert_eq!(refused.text(), "unsupported charset \"LATIN1\"");
}

/// Node refuses a head of more than 16 KiB (`--max-http-header-size`) with 431.
#[tokio::test]
async fn a_head_over_16_kib_is_refused_with_431_and_one_within_is_served() {
    let engine = engine().await;
    let addr = engine.local_addr();
    let with_header = |size: usize| {
        format!(
            "GET /api/consumer/v1/process_models HTTP/1.1\r\nHost: e\r\nAuthorization: {}\r\n\
             X-Filler: {}\r\nConnection: close\r\n\r\n",
            support::TOKEN,
            "x".repeat(size)
        )
    };
    assert_eq!(
        exchange(addr, with_header(100 * 1024).as_bytes())
            .await
            .status,
        431
    );
    assert_eq!(
        exchange(addr, with_header(15 * 1024).as_bytes())
            .await
            .status,
        200
    );
    // Up to 100 header lines are fine (Node takes more; see the README).
    let mut many = String::from("GET / HTTP/1.1\r\nHost: e\r\nConnection: close\r\n");
    for n in 0..97 {
        many.push_str(&format!("X-{n}: {n}\r\n"));
    }
    many.push_str("\r\n");
    assert_eq!(exchange(addr, many.as_bytes()).await.status, 200);
}

/// Node answers 408 and closes the connection when a request has not fully arrived within
/// `server.requestTimeout` (300 s by default; shorter here). A handler that takes longer once
/// the request is in (a long poll) is not cut short.
#[tokio::test]
async fn a_client_that_sends_its_body_too_slowly_is_answered_408_and_dropped() {
    let engine = TestEngine::builder()
        .request_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    engine.deploy_xml(EXTERNAL).await.unwrap();
    let addr = engine.local_addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/external_task/v1/fetch_and_lock HTTP/1.1\r\nHost: e\r\nAuthorization: {}\r\n\
         Content-Type: application/json\r\nContent-Length: 40\r\n\r\n{{\"topicName\":",
        support::TOKEN
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The rest never comes; the engine gives up and closes the connection.
    let answer = read_answer(&mut stream).await;
    assert_eq!(answer.status, 408);
    assert!(answer.body.is_empty());
    assert_eq!(answer.header("connection"), Some("close"));

    let polled = fetch(addr, "w", "external_topic", 1, 600, json!(1000)).await;
    assert!(polled.is_empty());
}

// ---- the engine's own reading of numbers ----------------------------------------------------

/// The engine's lock end is `moment().add(lockDuration, 'milliseconds').toDate()`
/// (external_task_api_core 1.1.4, `_getLockExpirationDate`): beyond ±8.64e15 ms that is an
/// Invalid Date, which JSON writes as null. Stored as the text `Invalid date`, it is never
/// free again for fetch-and-lock, and locks no worker out (`moment#isBefore` is false).
#[tokio::test]
async fn a_lock_beyond_javascripts_dates_is_null_never_runs_out_and_locks_nobody_out() {
    let engine = engine().await;
    let addr = engine.local_addr();
    start(addr, "external", &json!({})).await;
    let tasks = fetch(addr, "holder", "external_topic", 1, 0, json!(1e300)).await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["lockExpirationTime"], Value::Null);
    assert_eq!(tasks[0]["workerId"], "holder");
    assert!(
        fetch(addr, "other", "external_topic", 1, 0, json!(1))
            .await
            .is_empty()
    );
    let id = tasks[0]["id"].as_str().unwrap();
    assert_eq!(finish(addr, id, "other").await, 204);

    // Within the range but past year 9999: JavaScript's six-digit years.
    start(addr, "external", &json!({})).await;
    let tasks = fetch(addr, "holder", "external_topic", 1, 0, json!(3e14)).await;
    let until = tasks[0]["lockExpirationTime"].as_str().unwrap();
    assert!(until.starts_with("+0"), "{until}");
    let id = tasks[0]["id"].as_str().unwrap();
    let refused = call(
        addr,
        "POST",
        &format!("/api/external_task/v1/task/{id}/finish"),
        Some(&json!({ "workerId": "other" })),
    )
    .await;
    assert_eq!(refused.status, 423);
    assert!(
        refused.text().ends_with(&format!("until {until}.")),
        "{}",
        refused.text()
    );

    // extend_lock computes the same way.
    let extend = |duration: Value| {
        let path = format!("/api/external_task/v1/task/{id}/extend_lock");
        async move {
            call(
                addr,
                "POST",
                &path,
                Some(&json!({ "workerId": "holder", "additionalDuration": duration })),
            )
            .await
            .status
        }
    };
    assert_eq!(extend(json!(1e300)).await, 204);
    assert!(
        fetch(addr, "other", "external_topic", 1, 0, json!(1))
            .await
            .is_empty()
    );
    assert_eq!(finish(addr, id, "other").await, 204);
}

/// A duration given as a numeric string is the number (moment reads `+input`).
#[tokio::test]
async fn a_lock_duration_in_a_string_is_read_as_a_number() {
    let engine = engine().await;
    let addr = engine.local_addr();
    start(addr, "external", &json!({})).await;
    let tasks = fetch(addr, "holder", "external_topic", 1, 0, json!(" 600000 ")).await;
    let until = tasks[0]["lockExpirationTime"].as_str().unwrap();
    let created = tasks[0]["createdAt"].as_str().unwrap();
    assert!(until > created, "{until} after {created}");
    assert!(
        fetch(addr, "other", "external_topic", 1, 0, json!(1))
            .await
            .is_empty()
    );
}

/// The callback type is `Number.parseInt(query.start_callback_type)`, falsy meaning 1
/// (consumer_api_http 4.1.0); any other number than 1, 2, 3 is refused with the number as a
/// JavaScript template literal writes it (consumer_api_core 5.2.0,
/// `process_model_execution_adapter.ts`).
#[tokio::test]
async fn callback_types_are_read_with_parse_int_and_refused_in_javascripts_words() {
    let engine = engine().await;
    let addr = engine.local_addr();
    let start_with = |callback: &'static str| async move {
        let path =
            format!("/api/consumer/v1/process_models/quick/start?start_callback_type={callback}");
        call(addr, "POST", &path, Some(&json!({}))).await
    };
    for (callback, number) in [
        ("4", "4"),
        ("-1", "-1"),
        ("99999999999999999999", "100000000000000000000"),
        ("99999999999999999999999", "1e+23"),
        ("0x10", "16"),
    ] {
        let answer = start_with(callback).await;
        assert_eq!(answer.status, 400, "{callback}");
        assert_eq!(
            answer.text(),
            format!("{number} is not a valid return option!")
        );
    }
    for (callback, end_event) in [
        ("0", false),
        ("abc", false),
        ("-0", false),
        ("0x2", true),
        ("2.9", true),
    ] {
        let answer = start_with(callback).await;
        assert_eq!(answer.status, 200, "{callback}: {}", answer.text());
        assert_eq!(
            answer.json().get("endEventId").is_some(),
            end_event,
            "{callback}"
        );
    }
}

/// What one request may cost is bounded: a declared body over body-parser's 50 MB is refused
/// before it is read, with the engine's status for it.
#[tokio::test]
async fn a_body_declared_over_the_limit_is_refused_before_it_is_read() {
    let engine = engine().await;
    let head = format!(
        "POST /api/consumer/v1/process_models/quick/start HTTP/1.1\r\nHost: e\r\n\
         Authorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{{",
        support::TOKEN,
        50 * 1024 * 1024 + 1
    );
    let answer = exchange(engine.local_addr(), head.as_bytes()).await;
    assert_eq!(answer.status, 500);
    assert_eq!(answer.text(), "request entity too large");
}

// ---- no input panics or hangs a handler -----------------------------------------------------

/// A request as a strategy builds it: method, path with query, headers, body.
#[derive(Debug, Clone)]
struct Wild {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Text for path parameters and query values: ids the engine knows, numbers, and whatever
/// percent-encoded bytes make.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("quick".to_owned()),
        Just("external".to_owned()),
        Just("end".to_owned()),
        "-?[0-9]{1,25}",
        "0x[0-9a-fA-F]{1,4}",
        proptest::collection::vec(any::<u8>(), 0..12)
            .prop_map(|bytes| { bytes.iter().map(|b| format!("%{b:02X}")).collect() }),
        "[a-zA-Z0-9_.~-]{0,16}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    let route =
        (0..routes::ALL.len(), proptest::collection::vec(word(), 4)).prop_map(|(index, values)| {
            let mut values = values.into_iter();
            routes::ALL[index]
                .path
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        values.next().unwrap_or_default()
                    } else {
                        segment.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        });
    let query = proptest::collection::vec(
        (
            prop_oneof![
                Just("start_callback_type"),
                Just("start_event_id"),
                Just("end_event_id"),
                Just("x"),
            ],
            word(),
        ),
        0..3,
    )
    .prop_map(|pairs| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    });
    let anywhere =
        proptest::collection::vec(word(), 0..6).prop_map(|s| format!("/{}", s.join("/")));
    (prop_oneof![3 => route, 1 => anywhere], query).prop_map(|(path, query)| {
        if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        }
    })
}

/// JSON values, with the body fields the handlers read among the keys. No long-polling
/// timeout: a long poll may wait by design.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        word().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("workerId"),
                        Just("topicName"),
                        Just("maxTasks"),
                        Just("lockDuration"),
                        Just("additionalDuration"),
                        Just("result"),
                        Just("errorCode"),
                        Just("errorMessage"),
                        Just("errorDetails"),
                        Just("correlationId"),
                        Just("inputValues"),
                        Just("callerId"),
                        Just("xml"),
                        Just("name"),
                        Just("overwriteExisting"),
                        Just("formFields"),
                        Just("currentToken"),
                        Just("other"),
                    ],
                    inner,
                ),
                0..5,
            )
            .prop_map(|fields| {
                Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn wild() -> impl Strategy<Value = Wild> {
    let method = prop_oneof![
        4 => Just("GET".to_owned()),
        4 => Just("POST".to_owned()),
        1 => Just("HEAD".to_owned()),
        1 => Just("OPTIONS".to_owned()),
        1 => Just("DELETE".to_owned()),
        1 => "[A-Z]{1,8}",
    ];
    let authorization = prop_oneof![
        3 => Just(Some(support::TOKEN.to_owned())),
        1 => Just(None),
        1 => "[ -~]{0,40}".prop_map(Some),
    ];
    let content_type = prop_oneof![
        3 => Just(Some("application/json".to_owned())),
        1 => Just(Some("application/json; charset=utf-8".to_owned())),
        1 => Just(Some("text/plain".to_owned())),
        1 => Just(None),
        1 => "[ -~]{0,30}".prop_map(Some),
    ];
    let body = prop_oneof![
        3 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => proptest::collection::vec(any::<u8>(), 0..256),
        1 => json_value().prop_map(|v| {
            // Cut short somewhere.
            let text = v.to_string();
            text.as_bytes()[..text.len() / 2].to_vec()
        }),
    ];
    let extra = proptest::collection::vec(("[A-Za-z-]{1,12}", "[ -~]{0,40}"), 0..3);
    (method, path(), authorization, content_type, extra, body).prop_map(
        |(method, path, authorization, content_type, extra, body)| {
            let mut headers = extra;
            headers.extend(authorization.map(|a| ("Authorization".to_owned(), a)));
            headers.extend(content_type.map(|c| ("Content-Type".to_owned(), c)));
            Wild {
                method,
                path,
                headers,
                body,
            }
        },
    )
}

/// The statuses the engine answers with; anything else (or no answer) is a fault of the
/// stand-in.
const STATUSES: [u16; 13] = [
    200, 204, 400, 401, 403, 404, 408, 409, 410, 422, 423, 431, 500,
];

async fn send_wild(addr: SocketAddr, wild: &Wild) -> u16 {
    let mut text = format!(
        "{} {} HTTP/1.1\r\nHost: e\r\nConnection: close\r\n",
        wild.method, wild.path
    );
    for (name, value) in &wild.headers {
        // Not a way to cut the request short: hop-by-hop headers stay the test's.
        let hop = [
            "connection",
            "content-length",
            "transfer-encoding",
            "host",
            "expect",
            "upgrade",
        ];
        if !hop.contains(&name.to_ascii_lowercase().as_str()) {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n", wild.body.len()));
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(&wild.body);
    exchange(addr, &bytes).await.status
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Every request is answered, with one of the engine's statuses, within the hang limit;
    /// the engine still serves afterwards.
    #[test]
    fn no_request_panics_or_hangs_a_handler(requests in proptest::collection::vec(wild(), 1..4)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let engine = engine().await;
            let addr = engine.local_addr();
            for wild in &requests {
                let status = send_wild(addr, wild).await;
                prop_assert!(STATUSES.contains(&status), "{status} for {wild:?}");
            }
            let alive = call(addr, "GET", "/", None).await;
            prop_assert_eq!(alive.status, 200);
            Ok(())
        })?;
    }
}
