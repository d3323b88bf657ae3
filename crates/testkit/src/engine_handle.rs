//! The handle a test holds: start, deploy, inject faults, shut down.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use process_engine_api_types::Route;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::authority::{Authority, TestAuthority};
use crate::contention::Contention;
use crate::engine::{Engine, Retention};
use crate::server::{self, Command, Limits, Shared};

/// Why the engine could not start or take a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address could not be bound.
    #[error("could not listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A BPMN file could not be read.
    #[error("could not read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The BPMN could not be read, or uses what the engine does not execute.
    #[error("the BPMN cannot be deployed")]
    Bpmn(#[source] crate::bpmn::ParseError),
    /// The engine refused a model, as its import route would (status 409 or 422).
    #[error("the engine refused the model ({status}): {message}")]
    Refused {
        /// The status the import route answers.
        status: u16,
        /// The engine's message.
        message: String,
    },
    /// A BPMN file could not be deployed: the source says why ([`Error::Bpmn`] or
    /// [`Error::Refused`]).
    #[error("could not deploy {}", path.display())]
    Deploy {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<Error>,
    },
    /// The engine was stopped.
    #[error("the engine has stopped")]
    Stopped,
}

/// Configures a [`TestEngine`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `start` is called"]
pub struct TestEngineBuilder {
    addr: SocketAddr,
    deploy: Vec<PathBuf>,
    retention: Retention,
    limits: Limits,
    answer_unreached_end_events: bool,
    authority: Option<TestAuthority>,
    contention: Option<Duration>,
    start_lag: Duration,
}

impl TestEngineBuilder {
    /// The address to listen on (default `127.0.0.1`).
    pub fn host(mut self, host: IpAddr) -> Self {
        self.addr.set_ip(host);
        self
    }

    /// The port to listen on (default 0: a free one; [`TestEngine::url`] tells which).
    pub fn port(mut self, port: u16) -> Self {
        self.addr.set_port(port);
        self
    }

    /// Deploys a BPMN file, or every `.bpmn` file in a folder, at start.
    pub fn deploy(mut self, path: impl Into<PathBuf>) -> Self {
        self.deploy.push(path.into());
        self
    }

    /// How many process instances that stopped running (finished, failed or terminated) the
    /// engine keeps, with their token history, results and external tasks; beyond that the
    /// longest stopped are forgotten, and their ids answer as unknown ones do (404). Default
    /// 10,000. The real engine keeps them until their model is undeployed; a bound keeps the
    /// stand-in's memory flat over millions of instances.
    pub fn keep_finished(mut self, instances: usize) -> Self {
        self.retention.finished = instances;
        self
    }

    /// Forgets stopped instances also once they stopped longer ago than `age` (default: only
    /// the bound of [`keep_finished`](Self::keep_finished) applies). Checked whenever an
    /// instance moves.
    pub fn keep_finished_for(mut self, age: Duration) -> Self {
        self.retention.age = Some(age);
        self
    }

    /// How long a client may take to send a whole request, head and body, before the engine
    /// answers `408` and closes the connection. Default 300 s, Node's `server.requestTimeout`;
    /// shorter in tests of a slow client.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.limits.request_timeout = timeout;
        self
    }

    /// Answers a start with callback type 3 (`OnEndEventReached`) whose instance finished at
    /// another end event with `500 The process instance finished without reaching the end
    /// event '<id>'.` Off by default: the real engine never answers such a start, and a
    /// client's own timeout is what a test of it must exercise.
    pub fn answer_unreached_end_events(mut self, answer: bool) -> Self {
        self.answer_unreached_end_events = answer;
        self
    }

    /// Serves an OAuth 2.0 authority beside the API, at `<url>/authority`, and names it at
    /// `GET /security/authority`: for tests of client credentials. See [`TestAuthority`].
    pub fn authority(mut self, authority: TestAuthority) -> Self {
        self.authority = Some(authority);
        self
    }

    /// Makes the engine contend as a ProcessEngine 8.0.0 on SQLite does, needing `cost` of
    /// work to move an instance on (25 ms on an idle 2-core machine, 45 ms on a loaded one).
    /// Off by default: the stand-in engine then moves instances on at once, however fast they
    /// come.
    ///
    /// With it, a start, a finish or a trigger is answered at once and its instance moves on
    /// `cost` later; continuations that overlap collide and retry with the runtime's backoff
    /// (0.1 s, 0.16, 0.26, ... 52 s at the tenth retry; an instance whose 50 retries run out
    /// stays where it was); calls that arrive while the engine works wait for part of that
    /// work, and for busy waits of a second after a collision. A client that finishes tasks
    /// back to back jams it, as it jams the real engine: tests of pacing need this.
    pub fn contention(mut self, cost: Duration) -> Self {
        self.contention = Some(cost);
        self
    }

    /// Answers a start with callback type 1 (the default) `lag` before the instance is in its
    /// correlation and at its first task, as 8.0.0 answers before it stores the correlation.
    /// Default zero: the instance is there when the start answers. Tests of a client's wait
    /// right after a start need this.
    pub fn start_lag(mut self, lag: Duration) -> Self {
        self.start_lag = lag;
        self
    }

    /// Binds the address, deploys the models and starts serving. Must be called inside a tokio
    /// runtime; the engine runs on it until [`TestEngine::shutdown`] or until the handle is dropped.
    pub async fn start(self) -> Result<TestEngine, Error> {
        let (listener, addr) = server::bind(self.addr)
            .await
            .map_err(|source| Error::Bind {
                addr: self.addr,
                source,
            })?;
        let url = format!("http://{addr}");
        let contention = self.contention.map(|cost| Arc::new(Contention::new(cost)));
        let shared = Arc::new(Shared {
            engine: Engine::new(self.retention)
                .with_contention(contention.clone())
                .with_start_lag(self.start_lag),
            limits: self.limits,
            authority: self
                .authority
                .map(|authority| Authority::new(authority, &url)),
            contention,
            ..Shared::default()
        });
        shared
            .engine
            .answer_unreached_end_events(self.answer_unreached_end_events);
        shared.sockets.listen_to(&shared.engine.hub());
        let (commands, receiver) = mpsc::channel(8);
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared), receiver));
        let engine = TestEngine {
            addr,
            url,
            shared,
            commands,
            task: Some(task),
        };
        for path in &self.deploy {
            engine.deploy_path(path).await?;
        }
        Ok(engine)
    }
}

/// A running stand-in engine. Dropping it stops the engine; [`shutdown`](Self::shutdown) does so
/// and waits until it has.
#[derive(Debug)]
pub struct TestEngine {
    addr: SocketAddr,
    url: String,
    shared: Arc<Shared>,
    commands: mpsc::Sender<Command>,
    task: Option<JoinHandle<()>>,
}

impl TestEngine {
    /// A builder: `127.0.0.1`, a free port, nothing deployed.
    pub fn builder() -> TestEngineBuilder {
        TestEngineBuilder {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            deploy: Vec::new(),
            retention: Retention::default(),
            limits: Limits::default(),
            answer_unreached_end_events: false,
            authority: None,
            contention: None,
            start_lag: Duration::ZERO,
        }
    }

    /// Moves the engine's clock forward by `by`: timers of timer events (and the timers of
    /// scripts) that become due fire at once, so a model waiting an hour is tested in
    /// milliseconds. The clock never goes back.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.engine.advance_clock(by);
    }

    /// The authority served beside the API, if the builder was given one
    /// ([`TestEngineBuilder::authority`]): its URL, and what it granted and refused.
    pub fn authority(&self) -> Option<&Authority> {
        self.shared.authority.as_ref()
    }

    /// The engine's base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the engine listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Deploys a model as `import_process_model` with `overwriteExisting: true` does, named by its
    /// process id; returns that id.
    pub async fn deploy_xml(&self, xml: &str) -> Result<String, Error> {
        let name = crate::bpmn::parse(xml).map_err(Error::Bpmn)?.id;
        self.shared
            .engine
            .deploy(&name, Some(xml), true)
            .map_err(|reject| Error::Refused {
                status: reject.status,
                message: reject.message,
            })?;
        Ok(name)
    }

    /// Deploys a BPMN file; returns its process id. A model that cannot be deployed is an
    /// [`Error::Deploy`] naming the file.
    pub async fn deploy_file(&self, path: impl AsRef<Path>) -> Result<String, Error> {
        let path = path.as_ref();
        let xml = tokio::fs::read_to_string(path)
            .await
            .map_err(|source| Error::Read {
                path: path.to_owned(),
                source,
            })?;
        self.deploy_xml(&xml).await.map_err(|error| Error::Deploy {
            path: path.to_owned(),
            source: Box::new(error),
        })
    }

    /// Deploys a file, or every `.bpmn` file of a folder (in name order).
    async fn deploy_path(&self, path: &Path) -> Result<(), Error> {
        if !path.is_dir() {
            return self.deploy_file(path).await.map(drop);
        }
        let read = |source| Error::Read {
            path: path.to_owned(),
            source,
        };
        let mut files = Vec::new();
        let mut entries = tokio::fs::read_dir(path).await.map_err(read)?;
        while let Some(entry) = entries.next_entry().await.map_err(read)? {
            if entry.path().extension().is_some_and(|e| e == "bpmn") {
                files.push(entry.path());
            }
        }
        files.sort();
        for file in files {
            self.deploy_file(&file).await?;
        }
        Ok(())
    }

    /// Simulates the engine going down: closes the listener (connects are refused) and drops
    /// every open connection, answered or not. The state stays; see [`resume`](Self::resume).
    pub async fn stop_accepting(&self) -> Result<(), Error> {
        let (done, ack) = oneshot::channel();
        self.commands
            .send(Command::Pause(done))
            .await
            .map_err(|_| Error::Stopped)?;
        ack.await.map_err(|_| Error::Stopped)
    }

    /// Accepts connections again on the same address, with the state kept: with
    /// [`stop_accepting`](Self::stop_accepting), an engine restart.
    pub async fn resume(&self) -> Result<(), Error> {
        let (listener, _) = server::bind(self.addr)
            .await
            .map_err(|source| Error::Bind {
                addr: self.addr,
                source,
            })?;
        self.commands
            .send(Command::Resume(listener))
            .await
            .map_err(|_| Error::Stopped)
    }

    /// Answers the next `count` requests of `route` with `status` (and a plain-text message)
    /// instead of handling them.
    ///
    /// `status` must lie in `200..=999`: an answer cannot have an informational (1xx) status, and
    /// there are none beyond 999. Any other is answered as `500` with the message
    /// `Injected fault: <status> is not a status an answer can have (200..=999)`, and logged as
    /// a warning when injected. `204` and `304` answers carry no message.
    pub fn fail_next(&self, route: &Route, count: usize, status: u16) {
        self.shared.faults.fail_next(route, count, status);
    }

    /// Delays every answer of `route` by `by` (zero removes the delay).
    ///
    /// The request is handled at once and only its answer is held back: the engine has acted
    /// (a task is finished, an instance started) while the client still waits. A client whose
    /// attempt times out meanwhile and tries again meets the effect of the first attempt, e.g.
    /// `410` for an external task it already finished. Injected failures
    /// ([`fail_next`](Self::fail_next)) are delayed too.
    pub fn delay(&self, route: &Route, by: Duration) {
        self.shared.faults.delay(route, by);
    }

    /// How many socket.io sessions (the connections of event streams) are open: a test of a
    /// client's shutdown sees its connection go.
    pub fn socket_sessions(&self) -> usize {
        self.shared.sockets.count()
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Stops the engine: closes the listener and every connection, and waits until it has.
    pub async fn shutdown(mut self) {
        let (done, ack) = oneshot::channel();
        if self.commands.send(Command::Stop(done)).await.is_ok() {
            let _ = ack.await;
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestEngine {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}
