//! The engine the tests run against, the test models, and reading a stream with a time limit.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use process_engine_api_types::models::{
    ImportProcessModelRequest, ProcessStartRequest, StartCallbackType, StartProcessInstanceQuery,
};
use process_engine_api_types::operations::{ImportProcessModel, StartProcessInstance};
use process_engine_events::{EngineEvent, EventStream, Events};
use process_engine_testkit::TestEngine;
use process_engine_transport::{Client, Identity, RequestOptions};
use serde_json::Value;
use tokio::sync::{Mutex, MutexGuard};

/// A real engine stalls under concurrent writes: tests take turns on it.
static SERIAL: Mutex<()> = Mutex::const_new(());

/// How long a test waits for an event before it fails: a real 8.0.0 stalls for up to a minute
/// when its SQLite writes pile up.
pub(crate) fn patience() -> Duration {
    if std::env::var_os("PROCESS_ENGINE_URL").is_some() {
        Duration::from_secs(180)
    } else {
        Duration::from_secs(20)
    }
}

/// The test models; each deployment gets its own id (`ev_hello_<unique>`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Model {
    /// start → end (`end`, named "End").
    Hello,
    /// start → user task `approve` → manual task `pack` → empty activity `breakpoint` → end
    /// `done` (named "Done").
    AllKinds,
    /// start → terminate end event `stop_all` (named "Terminate").
    Terminate,
    /// start → user task `approve` → end `end`.
    Approve,
    /// start → script task `reserve`, which throws an `Error` with `code` `E_STOCK` and
    /// `details` `{order}` (the input's `order`): the instance fails.
    Fail,
}

impl Model {
    fn base_id(self) -> &'static str {
        match self {
            Model::Hello => "ev_hello",
            Model::AllKinds => "ev_all_kinds",
            Model::Terminate => "ev_terminate",
            Model::Approve => "ev_approve",
            Model::Fail => "ev_fail",
        }
    }

    fn xml(self) -> &'static str {
        match self {
            Model::Hello => include_str!("../models/ev_hello.bpmn"),
            Model::AllKinds => include_str!("../models/ev_all_kinds.bpmn"),
            Model::Terminate => include_str!("../models/ev_terminate.bpmn"),
            Model::Approve => include_str!("../models/ev_approve.bpmn"),
            Model::Fail => include_str!("../models/ev_fail.bpmn"),
        }
    }
}

/// An id no other test (or earlier run against a real engine) uses.
pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}_{:016x}", fastrand::u64(..))
}

/// A user's identity: an unsigned JWT whose `sub` is `user`, which 8.0.0 accepts (it does not
/// verify signatures).
pub(crate) fn user(user: &str) -> Identity {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"{user}"}}"#));
    Identity::new(format!("{header}.{claims}.x"), user)
}

pub(crate) struct Harness {
    pub(crate) url: String,
    /// The stand-in engine, kept for the test's length: dropping it stops the engine.
    engine: Option<TestEngine>,
    _turn: Option<MutexGuard<'static, ()>>,
}

impl Harness {
    pub(crate) async fn start() -> Harness {
        Harness::start_lagging(Duration::ZERO).await
    }

    /// As [`start`](Self::start), with a stand-in engine that stores and runs an instance
    /// `lag` after answering its start, as 8.0.0 does (a real engine lags as it does).
    pub(crate) async fn start_lagging(lag: Duration) -> Harness {
        match std::env::var("PROCESS_ENGINE_URL") {
            Ok(url) => Harness {
                _turn: Some(SERIAL.lock().await),
                url,
                engine: None,
            },
            Err(_) => {
                let engine = TestEngine::builder().start_lag(lag).start().await.unwrap();
                Harness {
                    url: engine.url().to_owned(),
                    engine: Some(engine),
                    _turn: None,
                }
            }
        }
    }

    /// The in-process stand-in engine; `None` against a real one, with a note that the test
    /// needs the stand-in.
    pub(crate) fn stand_in(&self, test: &str) -> Option<&TestEngine> {
        if self.engine.is_none() {
            eprintln!("{test}: skipped, it needs the stand-in engine (PROCESS_ENGINE_URL is set)");
        }
        self.engine.as_ref()
    }

    /// Whether the tests run against a real engine (`PROCESS_ENGINE_URL`).
    pub(crate) fn is_real(&self) -> bool {
        self.engine.is_none()
    }

    /// A transport client of the engine, as `identity`.
    pub(crate) fn client(&self, identity: Identity) -> Client {
        Client::builder(&self.url)
            .identity(identity)
            .build()
            .unwrap()
    }

    /// The engine's events, as `identity`.
    pub(crate) fn events(&self, identity: Identity) -> Events {
        Events::new(self.client(identity))
    }

    /// Deploys `model` under a unique id and answers it.
    pub(crate) async fn deploy(&self, model: Model) -> String {
        let id = unique(model.base_id());
        let xml = model.xml().replace(model.base_id(), &id);
        let import = ImportProcessModel::new(
            ImportProcessModelRequest::new(&id, xml).with_overwrite_existing(true),
        );
        self.client(Identity::dummy())
            .execute(&import, &RequestOptions::new())
            .await
            .unwrap();
        id
    }
}

/// Starts an instance of `model` in `correlation` and answers its id, without waiting for it.
pub(crate) async fn start(client: &Client, model: &str, correlation: &str, input: Value) -> String {
    let body = ProcessStartRequest::new()
        .with_correlation_id(correlation)
        .with_input_values(input);
    let query = StartProcessInstanceQuery::new()
        .with_start_callback_type(StartCallbackType::OnProcessInstanceCreated);
    let start = StartProcessInstance::new(model, body).with_query(query);
    client
        .execute(&start, &RequestOptions::new())
        .await
        .unwrap()
        .process_instance_id
}

/// The next event of the stream that `wanted` accepts, skipping others; fails the test on an
/// error item or after [`patience`], naming what came instead.
pub(crate) async fn next_matching(
    stream: &mut EventStream,
    what: &str,
    wanted: impl Fn(&EngineEvent) -> bool,
) -> EngineEvent {
    let mut skipped = Vec::new();
    let found = tokio::time::timeout(patience(), async {
        loop {
            let event = stream.next().await.expect("the stream ended").unwrap();
            if wanted(&event) {
                return event;
            }
            skipped.push(format!("{:?} {:?}", event.kind(), event.correlation_id()));
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("no {what} in time; came instead: {skipped:?}"))
}

/// The next item of the stream, whatever it is; fails the test after [`patience`].
pub(crate) async fn next(stream: &mut EventStream) -> EngineEvent {
    tokio::time::timeout(patience(), stream.next())
        .await
        .expect("no event in time")
        .expect("the stream ended")
        .unwrap()
}
