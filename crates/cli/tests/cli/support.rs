//! The engine the tests run `pe` against, the test's own models, and `pe` as a child process.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use process_engine::testkit::TestEngine;
use process_engine::{Client, ProcessControlClient};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// How long one run of `pe`, or one wait for its output, may take before the test fails.
const LIMIT: Duration = Duration::from_secs(60);

/// The engine of the tests: `PROCESS_ENGINE_URL`'s, or one stand-in engine that every test of
/// this binary shares. The tests are written for a shared engine (each names its models,
/// topics and correlations with [`unique`]), so sharing one checks that too.
pub(crate) struct Engine {
    url: String,
}

impl Engine {
    pub(crate) async fn start() -> Engine {
        let url = match std::env::var("PROCESS_ENGINE_URL") {
            Ok(url) => url,
            Err(_) => shared_stand_in().to_owned(),
        };
        Engine { url }
    }

    /// The engine's base URL.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// `pe` with this engine's URL in its environment.
    pub(crate) fn pe<I, S>(&self, args: I) -> Pe
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Pe::new(args).env("PROCESS_ENGINE_URL", &self.url)
    }

    /// The library's client of this engine, for what a test prepares or checks without `pe`.
    pub(crate) fn control(&self) -> ProcessControlClient {
        ProcessControlClient::new(Client::builder(&self.url).build().unwrap())
    }

    /// Runs `pe` with `args` until it answers a non-empty JSON array, and answers it. A real
    /// engine moves an instance on after the start has answered: a task waits a moment later.
    pub(crate) async fn until_listed(&self, args: &[&str]) -> Value {
        for _ in 0..200 {
            let listed = self.pe(args).run().await.success().json();
            if listed.as_array().is_some_and(|list| !list.is_empty()) {
                return listed;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("pe {args:?} listed nothing");
    }

    /// Waits until a task of the instances in `correlation` waits.
    pub(crate) async fn until_a_task_waits(&self, correlation: &str) {
        self.until_listed(&["task", "list", "-c", correlation, "-o", "json"])
            .await;
    }

    /// Deploys `path` with `pe`, checking that it worked.
    pub(crate) async fn deploy(&self, path: &Path) {
        self.pe(["deploy".as_ref(), path.as_os_str()])
            .run()
            .await
            .success();
    }
}

/// The URL of the stand-in engine the tests share, started on first use. It runs on a thread
/// and runtime of its own: each `#[tokio::test]` has a runtime that ends with the test.
fn shared_stand_in() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let engine = TestEngine::builder().start().await.unwrap();
                sender.send(engine.url().to_owned()).unwrap();
                // Serves until the test binary exits.
                std::future::pending::<()>().await;
            });
        });
        receiver
            .recv()
            .expect("the shared stand-in engine did not start")
    })
}

/// A fresh suffix for the names of one test (models, topics, correlations), unique across the
/// tests of a run and across runs against one engine.
pub(crate) fn unique() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}{}x{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000
    )
}

/// A sample model of the repository.
pub(crate) fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples/bpmn_models")
        .join(format!("{name}.bpmn"))
}

/// The test models with this test's suffix in their process ids, topics and signal names.
pub(crate) struct Models {
    dir: tempfile::TempDir,
    pub(crate) suffix: String,
}

impl Models {
    pub(crate) fn new() -> Models {
        let dir = tempfile::tempdir().unwrap();
        let suffix = unique();
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/models");
        for entry in std::fs::read_dir(source).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap();
            std::fs::write(dir.path().join(name), text.replace("SUFFIX", &suffix)).unwrap();
        }
        Models { dir, suffix }
    }

    /// The file of the model `name` (`shell_task`).
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.bpmn"))
    }

    /// The process id of the model `name` once deployed (`shell_task_<suffix>`).
    pub(crate) fn id(&self, name: &str) -> String {
        format!("{name}_{}", self.suffix)
    }

    /// A folder of the test's own, for files the test writes.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// `pe` to be run.
pub(crate) struct Pe {
    command: Command,
    stdin: Option<Vec<u8>>,
}

impl Pe {
    pub(crate) fn new<I, S>(args: I) -> Pe
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pe"));
        command.args(args).kill_on_drop(true);
        // Only what the test sets: the environment of whoever runs the tests must not leak in.
        for (name, _) in std::env::vars_os() {
            let name_text = name.to_string_lossy();
            if name_text.starts_with("PROCESS_ENGINE_")
                || name_text.starts_with("PE_")
                || name_text == "RUST_LOG"
                || name_text == "NO_COLOR"
            {
                command.env_remove(&name);
            }
        }
        Pe {
            command,
            stdin: None,
        }
    }

    pub(crate) fn env(mut self, name: &str, value: impl AsRef<OsStr>) -> Pe {
        self.command.env(name, value);
        self
    }

    pub(crate) fn current_dir(mut self, dir: &Path) -> Pe {
        self.command.current_dir(dir);
        self
    }

    pub(crate) fn stdin(mut self, input: impl Into<Vec<u8>>) -> Pe {
        self.stdin = Some(input.into());
        self
    }

    /// Runs `pe` to its end.
    pub(crate) async fn run(self) -> Ran {
        let mut running = self.spawn();
        running.wait().await
    }

    /// Starts `pe`, for commands that run on (a worker, a watch, the stand-in engine).
    pub(crate) fn spawn(mut self) -> Running {
        self.command
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.command.spawn().unwrap();
        if let (Some(input), Some(mut stdin)) = (self.stdin, child.stdin.take()) {
            tokio::spawn(async move {
                stdin.write_all(&input).await.unwrap();
            });
        }
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        Running {
            child,
            stdout,
            stderr,
        }
    }
}

fn lines(
    reader: impl tokio::io::AsyncRead + Unpin + Send + 'static,
) -> mpsc::UnboundedReceiver<String> {
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut lines = BufReader::new(reader).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// `pe` running.
pub(crate) struct Running {
    child: Child,
    stdout: mpsc::UnboundedReceiver<String>,
    stderr: mpsc::UnboundedReceiver<String>,
}

impl Running {
    /// The next line `pe` writes on stdout.
    pub(crate) async fn stdout_line(&mut self) -> String {
        tokio::time::timeout(LIMIT, self.stdout.recv())
            .await
            .expect("pe wrote no line on stdout in time")
            .expect("pe closed stdout")
    }

    /// Reads stderr until a line holds `needle`; answers that line.
    pub(crate) async fn stderr_until(&mut self, needle: &str) -> String {
        loop {
            let line = tokio::time::timeout(LIMIT, self.stderr.recv())
                .await
                .unwrap_or_else(|_| panic!("pe wrote no `{needle}` on stderr in time"))
                .unwrap_or_else(|| panic!("pe closed stderr before writing `{needle}`"));
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// Sends SIGTERM, as systemd, Docker and Kubernetes stop a program.
    pub(crate) async fn terminate(&self) {
        let pid = self.child.id().expect("pe is still running");
        let status = Command::new("sh")
            .args(["-c", &format!("kill -TERM {pid}")])
            .status()
            .await
            .unwrap();
        assert!(status.success(), "could not send SIGTERM to pe");
    }

    /// Waits for the end; answers the exit code and the output not read yet.
    pub(crate) async fn wait(&mut self) -> Ran {
        let status = tokio::time::timeout(LIMIT, self.child.wait())
            .await
            .expect("pe did not end in time")
            .unwrap();
        let mut stdout = Vec::new();
        while let Some(line) = tokio::time::timeout(LIMIT, self.stdout.recv())
            .await
            .unwrap()
        {
            stdout.push(line);
        }
        let mut stderr = Vec::new();
        while let Some(line) = tokio::time::timeout(LIMIT, self.stderr.recv())
            .await
            .unwrap()
        {
            stderr.push(line);
        }
        Ran {
            code: status.code(),
            stdout: stdout.join("\n"),
            stderr: stderr.join("\n"),
        }
    }
}

/// How a run of `pe` ended.
#[derive(Debug)]
pub(crate) struct Ran {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Ran {
    /// Checks that `pe` succeeded.
    pub(crate) fn success(&self) -> &Ran {
        self.code(0)
    }

    /// Checks the exit code.
    pub(crate) fn code(&self, code: i32) -> &Ran {
        assert_eq!(
            self.code,
            Some(code),
            "pe ended with {:?}, not {code}\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Stdout as the one JSON value it must be.
    pub(crate) fn json(&self) -> Value {
        let lines = self.json_lines();
        assert_eq!(lines.len(), 1, "not one JSON value: {}", self.stdout);
        lines.into_iter().next().unwrap()
    }

    /// Stdout as JSON values, one per line.
    pub(crate) fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|error| panic!("not JSON ({error}): {line}"))
            })
            .collect()
    }

    /// Stderr as the JSON error object of `--output json`.
    pub(crate) fn json_error(&self) -> Value {
        let value: Value = serde_json::from_str(self.stderr.trim())
            .unwrap_or_else(|error| panic!("stderr is no JSON ({error}): {}", self.stderr));
        value["error"].clone()
    }
}
