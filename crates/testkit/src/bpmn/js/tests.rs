//! The wrapping of each kind, checked against what the recordings of the real engine show.

use serde_json::json;

use super::*;

const TOKEN: &str =
    r#"{"history":{"start":{"a":2,"name":" bob "}},"current":{"a":2,"name":" bob "}}"#;
const IDENTITY: &str = r#"{"token":"t","userId":"dummy_token"}"#;

fn value(kind: Kind, source: &str) -> Result<Evaluated, JsError> {
    evaluate(kind, source, TOKEN, None, Some(IDENTITY))
}

fn thrown(result: Result<Evaluated, JsError>) -> Thrown {
    match result {
        Err(JsError::Thrown(thrown)) => thrown,
        other => panic!("expected a throw, got {other:?}"),
    }
}

// flow_node_handler.js keeps a failing node's error object as its result, and a worker's finish
// without `result` leaves `undefined`: a script reads the error's message (not one of its JSON
// properties) and sees the key of the `undefined` result.
#[test]
fn errors_and_undefined_results_reach_scripts_as_themselves() {
    let token = r#"{"history":{"start":{"a":1},"failed":null,"worker":null},"current":null}"#;
    let specials = r#"{"current":{"error":{"message":"boom","json":{"code":"E1"}}},
        "history":{"failed":{"error":{"message":"boom","json":{"code":"E1"}}},"worker":{"undefined":true}}}"#;
    let script = "return {message: token.current.message, json: JSON.stringify(token.current), \
                  isError: token.current instanceof Error, keys: Object.keys(token.history), \
                  worker: token.history.worker === undefined, same: token.history.failed.code};";
    let evaluated = evaluate(Kind::Script, script, token, Some(specials), Some(IDENTITY)).unwrap();
    assert_eq!(
        evaluated.value,
        Some(json!({
            "message": "boom", "json": "{\"code\":\"E1\"}", "isError": true,
            "keys": ["start", "failed", "worker"], "worker": true, "same": "E1"
        }))
    );
}

// exclusive_gateway_handler.js: `this` is the token; method calls and template literals work.
#[test]
fn conditions_see_token_as_this_and_full_javascript() {
    let holds = |source: &str| value(Kind::Condition, source).map(|e| e.truthy);
    assert_eq!(holds("this.current.a === 2"), Ok(true));
    assert_eq!(
        holds("token.current.name.trim().toUpperCase() === 'BOB'"),
        Ok(true)
    );
    assert_eq!(
        holds("`${token.current.a}-${this.history.start.a}` === '2-2'"),
        Ok(true)
    );
    assert_eq!(holds("token.current.missing"), Ok(false));
    assert!(matches!(
        value(Kind::Condition, "token.current.missing.deeper"),
        Err(JsError::Thrown(_))
    ));
}

// end_event_handler.js: `token`, `identity`, `this === token`; object literals.
#[test]
fn values_see_identity_and_build_objects() {
    let evaluated = value(
        Kind::Value,
        "({sum: token.current.a + 1, user: identity.userId, same: this === token})",
    )
    .unwrap();
    assert_eq!(
        evaluated.value,
        Some(json!({"sum": 3, "user": "dummy_token", "same": true}))
    );
}

// script_task_handler.js: the result of a script without `return` is undefined.
#[test]
fn scripts_return_undefined_without_return_and_await_promises() {
    let void = value(Kind::Script, "const x = token.current;").unwrap();
    assert_eq!(void.value, None);
    let later = value(
        Kind::Script,
        "return new Promise(function (resolve) { setTimeout(function () { resolve({late: token.current.a}); }, 300); });",
    )
    .unwrap();
    assert_eq!(later.value, Some(json!({"late": 2})));
    assert_eq!(later.delay_ms, 300);
}

// script_task_handler.js: a thrown Error serialises to its own enumerable properties only.
#[test]
fn thrown_errors_keep_message_and_own_properties() {
    let plain = thrown(value(
        Kind::Script,
        "throw new Error('boom ' + token.current.a);",
    ));
    assert_eq!(plain.message, "boom 2");
    assert_eq!(plain.json, json!({}));
    let detailed = thrown(value(
        Kind::Script,
        "const e = new Error('no'); e.code = 'E'; e.details = {a: 1}; throw e;",
    ));
    assert_eq!(detailed.json, json!({"code": "E", "details": {"a": 1}}));
    let rejected = thrown(value(
        Kind::Script,
        "return Promise.reject(new Error('async'));",
    ));
    assert_eq!(rejected.message, "async");
    let syntax = thrown(value(Kind::Value, "({"));
    assert_eq!(syntax.name.as_deref(), Some("SyntaxError"));
}

#[test]
fn no_require_and_no_io() {
    let missing = thrown(value(Kind::Script, "return require('fs');"));
    assert!(missing.message.contains("require"), "{}", missing.message);
    assert_eq!(
        value(Kind::Value, "typeof process + typeof std + typeof os")
            .unwrap()
            .value,
        Some(json!("undefinedundefinedundefined"))
    );
}

#[test]
fn endless_loops_and_memory_bombs_end() {
    assert_eq!(
        value(Kind::Script, "while (true) {}"),
        Err(JsError::TimeLimit)
    );
    assert!(value(Kind::Script, "let s = 'x'; while (true) { s = s + s; }").is_err());
    assert!(matches!(
        value(Kind::Script, "function f() { return f() + 1; } return f();"),
        Err(JsError::Thrown(_))
    ));
    assert_eq!(
        value(Kind::Script, "return new Promise(function () {});"),
        Err(JsError::NeverSettles)
    );
    // The runtime is still usable after all of that.
    assert_eq!(value(Kind::Value, "1 + 1").unwrap().value, Some(json!(2)));
}

/// Not an assertion: prints how long a condition takes (`cargo test -- --nocapture js_cost`).
#[test]
fn js_cost_of_a_condition() {
    let rounds = 200_u32;
    let started = Instant::now();
    for _ in 0..rounds {
        let _ = value(Kind::Condition, "this.current.a === 2");
    }
    let per = started.elapsed() / rounds;
    println!("one condition evaluation: {} µs", per.as_micros());
}

mod arbitrary {
    use proptest::prelude::*;

    use super::*;

    /// Fragments that make odd programs likelier than random characters alone do.
    fn source() -> impl Strategy<Value = String> {
        let fragment = prop::sample::select(vec![
            "token",
            ".current",
            ".history",
            "this",
            "(",
            ")",
            "{",
            "}",
            "[",
            "]",
            "=>",
            "`",
            "${",
            "'",
            "\"",
            "return ",
            "throw ",
            "new Promise(",
            "setTimeout(",
            "while(1)",
            "for(;;)",
            "function",
            ";",
            ",",
            "+",
            "===",
            "!",
            "?.",
            "await ",
            "async ",
            "Proxy",
            "JSON.parse(",
            "Symbol()",
            "1e400",
            "-0",
            "\\u{10FFFF}",
            "/*",
            "*/",
            "//",
        ]);
        prop::collection::vec(
            prop_oneof![fragment.prop_map(str::to_owned), ".{0,8}"],
            0..24,
        )
        .prop_map(|parts| parts.concat())
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop::sample::select(vec![
            Kind::Condition,
            Kind::Value,
            Kind::Script,
            Kind::Timer,
            Kind::Form,
            Kind::FormPresentation,
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever the text, an evaluation returns (within the time limit) and never panics.
        #[test]
        fn evaluation_never_panics_or_hangs(kind in kind(), source in source()) {
            let started = Instant::now();
            let _ = evaluate(kind, &source, TOKEN, None, Some(IDENTITY));
            // The time limit plus generous slack for a loaded machine: this bounds a hang, it
            // does not measure speed.
            prop_assert!(started.elapsed() < TIME_LIMIT * 10);
        }
    }
}

// What V8 says where QuickJS words it differently: callback 2 answers with the message.
#[test]
fn property_errors_read_as_v8s() {
    let read = thrown(value(Kind::Value, "token.current.missing.deeper"));
    assert_eq!(
        read.message,
        "Cannot read properties of undefined (reading 'deeper')"
    );
    let set = thrown(value(Kind::Script, "null.x = 1;"));
    assert_eq!(set.message, "Cannot set properties of null (setting 'x')");
}
