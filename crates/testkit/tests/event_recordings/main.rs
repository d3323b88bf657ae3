//! The stand-in engine's notifications against the recordings of a real ProcessEngine 8.0.0
//! (`api/recordings/events/`): every recorded session is replayed, frame by frame, and what the
//! engine sends must be what the real one sent. With `PROCESS_ENGINE_URL` set, the sessions run
//! against that engine instead (those that restart the engine need the stand-in).

// As in clippy.toml for `#[test]` functions: a failed unwrap in a helper is a failed test with a
// useful message.
#![allow(clippy::unwrap_used, reason = "test code")]

mod ids;
mod replay;
mod transcript;

use std::path::PathBuf;

use process_engine_testkit::TestEngine;
use tokio::sync::Mutex;

/// A real engine stalls under concurrent writes: sessions take turns on it.
static SERIAL: Mutex<()> = Mutex::const_new(());

fn recordings() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../api/recordings/events")
}

/// The models the sessions deploy: those of the HTTP scenarios, kept once for all recordings.
fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../api/recordings/scenarios/bpmn")
}

/// The recorded sessions that are not replayed, and why.
const NOT_REPLAYED: [(&str, &str); 3] = [
    (
        "socketio_client_crosscheck.txt",
        "socket.io-client's own log of the same events, not a frame transcript",
    ),
    (
        "engine_restart_resume.txt",
        "the stand-in resumes no instances at a restart (its state never stopped)",
    ),
    (
        "ws_no_ping.txt",
        "30 s of silence; the heartbeat's timeout is a unit test on a paused clock",
    ),
];

async fn replay(file: &str) {
    let path = recordings().join("frames").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let steps = transcript::parse(&text).unwrap();
    let restarts = steps
        .iter()
        .any(|(_, step)| matches!(step, transcript::Step::StopEngine));
    let (engine, url, _turn) = match std::env::var("PROCESS_ENGINE_URL") {
        Ok(_) if restarts => {
            eprintln!("{file}: skipped, it restarts the engine (PROCESS_ENGINE_URL is set)");
            return;
        }
        Ok(url) => (None, url, Some(SERIAL.lock().await)),
        Err(_) => {
            let engine = TestEngine::builder().start().await.unwrap();
            let url = engine.url().to_owned();
            (Some(engine), url, None)
        }
    };
    let mut replay = replay::Replay::new(&url, engine.as_ref(), &steps, models());
    if let Err(difference) = replay.run(&steps).await {
        panic!("{file}: {difference}");
    }
}

macro_rules! sessions {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                replay(concat!(stringify!($name), ".txt")).await;
            }
        )*

        #[test]
        fn every_recorded_session_is_replayed_or_says_why_not() {
            let replayed = [$(concat!(stringify!($name), ".txt")),*];
            for entry in std::fs::read_dir(recordings().join("frames")).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                assert!(
                    replayed.contains(&name.as_str())
                        || NOT_REPLAYED.iter().any(|(skipped, _)| *skipped == name),
                    "{name} is neither replayed nor listed as not replayed"
                );
            }
        }
    };
}

sessions!(
    auth_variants,
    engine_restart,
    polling_upgrade,
    same_user_two_sockets,
    unauthenticated,
    ws_errors,
    ws_hello_world,
    ws_manual_empty,
    ws_other_flows,
    ws_protocol_edges,
    ws_terminated,
    ws_user_task,
);
