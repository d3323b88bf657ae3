//! An engine with a test authority, clients of it, and the log every test captures.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use process_engine_api_types::operations::GetProcessModels;
use process_engine_testkit::{Authority, TestAuthority, TestEngine};
use process_engine_transport::{
    Client, ClientBuilder, ClientCredentials, Error, RequestOptions, RetryConfig,
};
use tracing::Dispatch;
use tracing::subscriber::{DefaultGuard, NoSubscriber};

pub(crate) const CLIENT_ID: &str = "order-service";
pub(crate) const SECRET: &str = "s3cr3t-of-the-order-service";

/// The start of every JWT (base64 of `{"`): no log line may hold a token.
const JWT_START: &str = "eyJ";

/// An engine whose authority grants tokens of `lifetime` to [`CLIENT_ID`].
pub(crate) async fn engine(authority: TestAuthority) -> TestEngine {
    TestEngine::builder()
        .authority(authority.client(CLIENT_ID, SECRET))
        .start()
        .await
        .unwrap()
}

pub(crate) fn authority(engine: &TestEngine) -> &Authority {
    engine.authority().unwrap()
}

/// Retries quick enough for tests, as many as by default.
pub(crate) fn quick_retries() -> RetryConfig {
    RetryConfig::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

/// A builder for a client of `engine` that gets its tokens with `credentials`.
pub(crate) fn builder(engine: &TestEngine, credentials: ClientCredentials) -> ClientBuilder {
    Client::builder(engine.url())
        .client_credentials(credentials)
        .retry(quick_retries())
}

/// The credentials of [`CLIENT_ID`], the authority found through the engine.
pub(crate) fn credentials() -> ClientCredentials {
    ClientCredentials::new(CLIENT_ID, SECRET).scope("engine")
}

/// One cheap call of the engine's API.
pub(crate) async fn list_models(client: &Client) -> Result<(), Error> {
    client
        .execute(&GetProcessModels::new(), &RequestOptions::new())
        .await
        .map(drop)
}

/// What the test's thread logs, at every level; dropped with the guard.
pub(crate) struct Logs {
    buffer: Arc<Mutex<Vec<u8>>>,
    _guard: DefaultGuard,
}

#[derive(Clone)]
struct Writer(Arc<Mutex<Vec<u8>>>);

impl Write for Writer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures everything logged on this thread (the tests run on a current-thread runtime, so
/// the client's, the token requests' and the engine's tasks all log here).
pub(crate) fn capture_logs() -> Logs {
    ask_every_subscriber();
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let writer = Writer(Arc::clone(&buffer));
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    Logs {
        buffer,
        _guard: tracing::subscriber::set_default(subscriber),
    }
}

impl Logs {
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.buffer.lock().unwrap().clone()).unwrap()
    }

    /// Asserts that no line holds the secret or a token, and that something was logged (so
    /// that the check is not vacuous).
    pub(crate) fn assert_no_secrets(&self) {
        let text = self.text();
        assert!(!text.is_empty(), "nothing was logged");
        for line in text.lines() {
            assert!(
                !line.contains(SECRET) && !line.contains(JWT_START),
                "a secret in the log: {line}"
            );
        }
    }
}

/// While only one subscriber is registered, tracing-core decides whether an event is wanted by
/// asking the default subscriber of the thread that first emits it (tracing-core 0.1,
/// `src/callsite.rs`, `Dispatchers::has_just_one`), and keeps the answer: an event first
/// emitted by a test that captures nothing would stay off for the test that captures. With a
/// second subscriber registered for good, it asks every registered one.
fn ask_every_subscriber() {
    static SECOND: OnceLock<Dispatch> = OnceLock::new();
    SECOND.get_or_init(|| Dispatch::new(NoSubscriber::default()));
}
