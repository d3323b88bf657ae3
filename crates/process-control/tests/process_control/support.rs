//! The engine the tests run against: the stand-in engine in-process, or with
//! `PROCESS_ENGINE_URL` set, that engine, one test at a time, each on its own model ids.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use process_engine_api_types::models::{CorrelationResult, ProcessStartResponse, UserTask};
use process_engine_process_control::{
    Client, Identity, ProcessControlClient, StartProcessInstanceBuilder, TaskScope,
};
use process_engine_testkit::TestEngine;
use tokio::sync::{Mutex, MutexGuard};

/// A real engine stalls under concurrent writes (API.md 12.3): tests take turns on it.
static SERIAL: Mutex<()> = Mutex::const_new(());

/// The test models; each deployment gets its own id (`pc_two_ends_<unique>`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Model {
    /// `{"path": "a"}` ends at `end_a`, `"b"` at `end_b`, anything else fails at the gateway.
    TwoEnds,
    /// A user task `enter_data` with a field of each type.
    UserTask,
    /// A manual task `check_parcel`, then an empty activity `breakpoint`.
    ManualEmpty,
    /// Waits for the message `<model id>_go`.
    Message,
    /// Waits for the signal `<model id>_go`.
    Signal,
}

impl Model {
    fn base_id(self) -> &'static str {
        match self {
            Model::TwoEnds => "pc_two_ends",
            Model::UserTask => "pc_user_task",
            Model::ManualEmpty => "pc_manual_empty",
            Model::Message => "pc_message",
            Model::Signal => "pc_signal",
        }
    }

    fn xml(self) -> &'static str {
        match self {
            Model::TwoEnds => include_str!("../models/pc_two_ends.bpmn"),
            Model::UserTask => include_str!("../models/pc_user_task.bpmn"),
            Model::ManualEmpty => include_str!("../models/pc_manual_empty.bpmn"),
            Model::Message => include_str!("../models/pc_message.bpmn"),
            Model::Signal => include_str!("../models/pc_signal.bpmn"),
        }
    }

    /// The model's BPMN with its ids made unique under `id`.
    pub(crate) fn xml_as(self, id: &str) -> String {
        self.xml().replace(self.base_id(), id)
    }
}

/// How long a test waits for the engine to show what a call caused: 8.0.0 answers a start
/// (callback type 1) before its instance is stored and at its first task.
pub(crate) const SETTLE_LIMIT: Duration = Duration::from_secs(20);

/// Asks `probe` again, as a user would, until it answers `Some`; fails the test naming `what`
/// when [`SETTLE_LIMIT`] passed first.
pub(crate) async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + SETTLE_LIMIT;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the engine did not show {what} within {SETTLE_LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An id no other test (or earlier run against a real engine) uses.
pub(crate) fn unique(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let run = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "{prefix}_{}_{}",
        &run[..8],
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A user's identity: an unsigned JWT whose `sub` is `user`, as 8.0.0 accepts (it does not
/// verify signatures; API.md 12.2).
pub(crate) fn user(user: &str) -> Identity {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"{user}"}}"#));
    Identity::new(format!("{header}.{claims}.x"), user)
}

pub(crate) struct Harness {
    pub(crate) client: ProcessControlClient,
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
            Ok(url) => {
                let turn = SERIAL.lock().await;
                Harness {
                    client: ProcessControlClient::new(Client::builder(&url).build().unwrap()),
                    url,
                    engine: None,
                    _turn: Some(turn),
                }
            }
            Err(_) => {
                let engine = TestEngine::builder().start_lag(lag).start().await.unwrap();
                Harness {
                    client: ProcessControlClient::new(
                        Client::builder(engine.url()).build().unwrap(),
                    ),
                    url: engine.url().to_owned(),
                    engine: Some(engine),
                    _turn: None,
                }
            }
        }
    }

    /// The in-process stand-in engine, `None` against a real one: faults can only be injected
    /// into the stand-in.
    pub(crate) fn stand_in(&self) -> Option<&TestEngine> {
        self.engine.as_ref()
    }

    /// Deploys `model` under a unique id and answers it.
    pub(crate) async fn deploy(&self, model: Model) -> String {
        let id = unique(model.base_id());
        let deployed = self
            .client
            .deploy_bpmn(model.xml_as(&id))
            .send()
            .await
            .unwrap();
        assert_eq!(deployed, id);
        id
    }

    /// A start of `model` at its start event `start`.
    pub(crate) fn starting(&self, model: &str) -> StartProcessInstanceBuilder {
        self.client.start_process_instance(model, "start")
    }

    /// Starts `model` at `start`, and waits until the engine shows the instance in its
    /// correlation.
    pub(crate) async fn start_instance(&self, model: &str) -> ProcessStartResponse {
        let started = self.starting(model).send().await.unwrap();
        self.shown(&started).await;
        started
    }

    /// Waits until the engine shows a started instance in its correlation.
    pub(crate) async fn shown(&self, started: &ProcessStartResponse) {
        let what = format!("instance {}", started.process_instance_id);
        eventually(&what, || async {
            let correlation = self
                .client
                .correlation(&started.correlation_id)
                .send()
                .await
                .ok()?;
            correlation
                .process_instances
                .iter()
                .any(|i| i.process_instance_id == started.process_instance_id)
                .then_some(())
        })
        .await;
    }

    /// The results of `model` in `correlation`.
    pub(crate) async fn results(&self, correlation: &str, model: &str) -> Vec<CorrelationResult> {
        self.client
            .process_results(correlation, model)
            .send()
            .await
            .unwrap()
    }

    /// The user tasks waiting in `scope`.
    pub(crate) async fn user_tasks(&self, scope: TaskScope) -> Vec<UserTask> {
        self.client
            .user_tasks(scope)
            .send()
            .await
            .unwrap()
            .user_tasks
    }

    /// The user tasks waiting in `scope`, once there is one.
    pub(crate) async fn some_user_tasks(&self, scope: TaskScope) -> Vec<UserTask> {
        eventually("a user task", || {
            let scope = scope.clone();
            async move { Some(self.user_tasks(scope).await).filter(|tasks| !tasks.is_empty()) }
        })
        .await
    }

    /// The one user task waiting in `scope`, once it is there.
    pub(crate) async fn one_user_task(&self, scope: TaskScope) -> UserTask {
        let mut tasks = self.some_user_tasks(scope).await;
        assert_eq!(tasks.len(), 1, "{tasks:?}");
        tasks.remove(0)
    }
}
