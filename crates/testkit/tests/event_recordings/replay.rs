//! Replays a recorded session against an engine: the client's frames and the driver's HTTP
//! calls are sent as recorded, and every frame and answer the engine sends is compared with the
//! recording, per connection in order.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use process_engine_api_types::socket_io::{Version, payload};
use process_engine_testkit::TestEngine;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{WebSocketStream, client_async};

use super::ids::Ids;
use super::transcript::{HTTP, Step};

/// How long one expected frame or answer may take.
const PATIENCE: Duration = Duration::from_secs(20);
/// How long a connection is watched for a close by the server, or for frames nobody expects.
const GRACE: Duration = Duration::from_millis(400);
/// The longest pause kept from the recording before an action against a real engine.
const PACE: Duration = Duration::from_secs(5);
/// The development token.
const DUMMY: &str = "ZHVtbXlfdG9rZW4=";

type Sink = SplitSink<WebSocketStream<TcpStream>, Message>;

/// An HTTP request on its way: its status and body.
type Answering = JoinHandle<Result<(u16, String), String>>;

/// What the server sent on a websocket, in order.
#[derive(Debug)]
enum Frame {
    Text(String),
    Closed(u16),
}

/// How an upgrade went.
enum Upgrade {
    Open {
        sink: Sink,
        frames: mpsc::UnboundedReceiver<Frame>,
    },
    Refused(u16),
    HungUp(String),
}

pub(crate) struct Replay<'a> {
    base: String,
    engine: Option<&'a TestEngine>,
    ids: Ids,
    http: HyperClient<HttpConnector, Full<Bytes>>,
    sockets: HashMap<String, Upgrade>,
    authorizations: HashMap<String, Option<String>>,
    /// Each label's requests not answered yet, oldest first, with their recorded method and
    /// path.
    pending: HashMap<String, VecDeque<(String, Answering)>>,
    /// Polling packets that came in an earlier answer than recorded.
    polled: HashMap<String, VecDeque<String>>,
    /// The first polling request of a label carries this header.
    poll_authorization: HashMap<String, String>,
    /// Whom the driver's calls are made as.
    acting_as: String,
    bpmn_dir: std::path::PathBuf,
}

impl<'a> Replay<'a> {
    pub(crate) fn new(
        base: &str,
        engine: Option<&'a TestEngine>,
        steps: &[(u64, Step)],
        bpmn_dir: std::path::PathBuf,
    ) -> Self {
        let steps: Vec<Step> = steps.iter().map(|(_, step)| step.clone()).collect();
        let run = format!("{:08x}", fastrand_u32());
        Replay {
            base: base.trim_end_matches('/').to_owned(),
            engine,
            ids: Ids::new(&steps, &run),
            http: HyperClient::builder(TokioExecutor::new()).build_http(),
            sockets: HashMap::new(),
            authorizations: HashMap::new(),
            pending: HashMap::new(),
            polled: HashMap::new(),
            poll_authorization: HashMap::new(),
            acting_as: DUMMY.to_owned(),
            bpmn_dir,
        }
    }

    /// Runs every step; the first difference ends the replay.
    ///
    /// A real engine runs an instance after answering its start: what the client does next
    /// waits as long as it waited in the recording (at most [`PACE`]), so that a message is
    /// not triggered before the instance waits for it. The stand-in has run it already.
    pub(crate) async fn run(&mut self, steps: &[(u64, Step)]) -> Result<(), String> {
        let mut previous = 0;
        for (n, (at, step)) in steps.iter().enumerate() {
            let acts = matches!(
                step,
                Step::Send { .. } | Step::Request { .. } | Step::Open { .. }
            );
            if self.engine.is_none() && acts {
                let gap = Duration::from_millis(at.saturating_sub(previous));
                tokio::time::sleep(gap.min(PACE)).await;
            }
            previous = *at;
            self.step(step)
                .await
                .map_err(|difference| format!("step {} ({step:?}): {difference}", n + 1))?;
        }
        self.finish().await
    }

    async fn step(&mut self, step: &Step) -> Result<(), String> {
        match step {
            Step::Open {
                label,
                target,
                authorization,
            } => {
                self.authorizations
                    .insert(label.clone(), authorization.clone());
                let upgrade = self.open(target, authorization.as_deref()).await;
                self.sockets.insert(label.clone(), upgrade);
                Ok(())
            }
            Step::Refused { label, status } => match self.sockets.remove(label) {
                Some(Upgrade::Refused(got)) if got == *status => Ok(()),
                Some(Upgrade::Refused(got)) => Err(format!("refused with {got}")),
                _ => Err("the upgrade was not refused".to_owned()),
            },
            Step::HungUp { label } => match self.sockets.get(label) {
                Some(Upgrade::HungUp(_)) => Ok(()),
                Some(Upgrade::Refused(status)) => Err(format!("answered {status}")),
                _ => Err("the upgrade was answered".to_owned()),
            },
            Step::Send { label, text } => {
                let text = self.ids.outgoing(text);
                let (sink, _) = self.socket(label)?;
                sink.send(Message::text(text))
                    .await
                    .map_err(|error| format!("could not send: {error}"))
            }
            Step::Expect { label, text } => loop {
                let (_, frames) = self.socket(label)?;
                let frame = tokio::time::timeout(PATIENCE, frames.recv()).await;
                match frame {
                    Ok(Some(Frame::Text(actual))) if self.ids.is_foreign(&actual) => continue,
                    Ok(Some(Frame::Text(actual))) => break self.ids.frame(text, &actual),
                    Ok(Some(Frame::Closed(code))) => break Err(format!("closed ({code}) instead")),
                    Ok(None) | Err(_) => break Err("nothing came".to_owned()),
                }
            },
            Step::Request {
                label,
                method,
                target,
                body,
            } => self.request(label, method, target, body.as_deref()),
            Step::Answer {
                label,
                request,
                status,
                body,
            } => self.answer(label, request.as_deref(), *status, body).await,
            Step::Deploy { file, id } => self.deploy(file, id).await,
            Step::Closed { label, code } => self.closed(label, *code).await,
            Step::PollAuthorization { label, value } => {
                self.poll_authorization.insert(label.clone(), value.clone());
                Ok(())
            }
            Step::ActAs { label } => {
                let token = self.authorizations.get(label).cloned().flatten();
                self.acting_as = token.ok_or("the connection has no token")?;
                Ok(())
            }
            Step::StopEngine => {
                let engine = self.engine.ok_or("the session restarts the engine")?;
                engine.stop_accepting().await.map_err(|e| e.to_string())
            }
            Step::StartEngine => {
                let engine = self.engine.ok_or("the session restarts the engine")?;
                engine.resume().await.map_err(|e| e.to_string())
            }
        }
    }

    fn socket(
        &mut self,
        label: &str,
    ) -> Result<(&mut Sink, &mut mpsc::UnboundedReceiver<Frame>), String> {
        match self.sockets.get_mut(label) {
            Some(Upgrade::Open { sink, frames }) => Ok((sink, frames)),
            Some(Upgrade::Refused(status)) => Err(format!("its upgrade was refused ({status})")),
            Some(Upgrade::HungUp(why)) => Err(format!("its upgrade failed: {why}")),
            None => Err(format!("no connection {label}")),
        }
    }

    async fn open(&self, target: &str, authorization: Option<&str>) -> Upgrade {
        let url = format!(
            "{}{}",
            self.base.replacen("http", "ws", 1),
            self.ids.outgoing(target)
        );
        let mut request = match url.as_str().into_client_request() {
            Ok(request) => request,
            Err(error) => return Upgrade::HungUp(error.to_string()),
        };
        if let Some(token) = authorization.and_then(|t| t.parse().ok()) {
            request.headers_mut().insert("authorization", token);
        }
        let host = self.base.trim_start_matches("http://").to_owned();
        let attempt = async {
            let stream = TcpStream::connect(&host).await?;
            client_async(request, stream).await
        };
        let upgraded = match tokio::time::timeout(PATIENCE, attempt).await {
            Ok(Ok((socket, _))) => socket,
            Ok(Err(tungstenite::Error::Http(response))) => {
                return Upgrade::Refused(response.status().as_u16());
            }
            Ok(Err(error)) => return Upgrade::HungUp(error.to_string()),
            Err(_) => return Upgrade::HungUp("no answer".to_owned()),
        };
        let (sink, mut stream) = upgraded.split();
        let (tx, frames) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let frame = match stream.next().await {
                    Some(Ok(Message::Text(text))) => Frame::Text(text.as_str().to_owned()),
                    Some(Ok(Message::Close(close))) => {
                        Frame::Closed(close.map_or(1005, |frame| u16::from(frame.code)))
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => Frame::Closed(1006),
                };
                let last = matches!(frame, Frame::Closed(_));
                if tx.send(frame).is_err() || last {
                    return;
                }
            }
        });
        Upgrade::Open { sink, frames }
    }

    fn request(
        &mut self,
        label: &str,
        method: &str,
        target: &str,
        body: Option<&str>,
    ) -> Result<(), String> {
        let uri = format!("{}{}", self.base, self.ids.outgoing(target));
        let mut builder = hyper::Request::builder().method(method).uri(uri);
        let polling = label != HTTP;
        if polling {
            if let Some(value) = self.poll_authorization.remove(label) {
                builder = builder.header("authorization", value);
            }
            if body.is_some() {
                builder = builder.header("content-type", "text/plain;charset=UTF-8");
            }
        } else {
            builder = builder.header("authorization", format!("Bearer {}", self.acting_as));
            if body.is_some() {
                builder = builder.header("content-type", "application/json");
            }
        }
        let body = body.map(|body| self.ids.outgoing(body)).unwrap_or_default();
        let request = builder
            .body(Full::new(Bytes::from(body)))
            .map_err(|error| error.to_string())?;
        let http = self.http.clone();
        let answer = tokio::spawn(async move {
            let response = http.request(request).await.map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok((status, String::from_utf8_lossy(&body).into_owned()))
        });
        let path = target.split('?').next().unwrap_or(target);
        self.pending
            .entry(label.to_owned())
            .or_default()
            .push_back((format!("{method} {path}"), answer));
        Ok(())
    }

    async fn answer(
        &mut self,
        label: &str,
        request: Option<&str>,
        status: u16,
        recorded: &str,
    ) -> Result<(), String> {
        let queue = self
            .pending
            .get_mut(label)
            .ok_or("no request waits for it")?;
        let index = match request {
            Some(request) => queue
                .iter()
                .position(|(sent, _)| sent == request)
                .ok_or_else(|| format!("no {request} waits for it"))?,
            None => 0,
        };
        let (_, pending) = queue.remove(index).ok_or("no request waits for it")?;
        let (got, body) = tokio::time::timeout(PATIENCE, pending)
            .await
            .map_err(|_| "no answer".to_owned())?
            .map_err(|error| error.to_string())??;
        if got != status {
            return Err(format!("status {got} {body}, recorded {status}"));
        }
        let recorded_json = serde_json::from_str::<Value>(recorded).ok();
        let actual_json = serde_json::from_str::<Value>(&body).ok();
        if label == HTTP {
            match (&recorded_json, &actual_json) {
                (Some(recorded), Some(actual)) => {
                    let recorded = serde_json::from_str(&self.ids.rename(&recorded.to_string()))
                        .unwrap_or(Value::Null);
                    self.ids.bind_from(&recorded, actual);
                }
                // Long answers are recorded cut short.
                _ => self.ids.bind_from_text(recorded, &body),
            }
            return Ok(());
        }
        // Polling: `ok`, an Engine.IO error, or packets (compared as a stream, since an
        // answer may carry packets recorded in the next one).
        if recorded == "ok" || recorded_json.is_some() {
            return match (recorded_json, actual_json) {
                (Some(recorded), Some(actual)) => self.ids.json(&recorded, &actual, ""),
                _ if recorded == body => Ok(()),
                _ => Err(format!("{body:?}, recorded {recorded:?}")),
            };
        }
        let packets = payload::decode(&body, Version::V3).map_err(|e| e.to_string())?;
        let buffer = self.polled.entry(label.to_owned()).or_default();
        buffer.extend(packets);
        let wanted = payload::decode(recorded, Version::V3).map_err(|e| e.to_string())?;
        for want in wanted {
            let got = buffer
                .pop_front()
                .ok_or_else(|| format!("missing {want}"))?;
            self.ids.frame(&want, &got)?;
        }
        Ok(())
    }

    async fn deploy(&mut self, file: &str, id: &str) -> Result<(), String> {
        let xml = std::fs::read_to_string(self.bpmn_dir.join(file))
            .map_err(|error| format!("{file}: {error}"))?;
        let body = serde_json::json!({
            "name": self.ids.rename(id),
            "xml": self.ids.rename(&xml),
            "overwriteExisting": true,
        });
        self.request(
            HTTP,
            "POST",
            "/api/deployment/v1/import_process_model",
            Some(&body.to_string()),
        )?;
        self.answer(HTTP, None, 200, "").await
    }

    async fn closed(&mut self, label: &str, code: u16) -> Result<(), String> {
        let (mut sink, mut frames) = match self.sockets.remove(label) {
            Some(Upgrade::Open { sink, frames }) => (sink, frames),
            // An upgrade that was never answered ends without a close frame.
            Some(Upgrade::HungUp(_)) if code == 1006 => return Ok(()),
            _ => return Err("no open connection".to_owned()),
        };
        match tokio::time::timeout(GRACE, frames.recv()).await {
            Ok(Some(Frame::Closed(got))) if got == code => Ok(()),
            Ok(Some(Frame::Closed(got))) => Err(format!("closed with {got}")),
            Ok(Some(Frame::Text(text))) => Err(format!("unexpected frame {text}")),
            // The server keeps it open: the client closes it.
            Ok(None) | Err(_) => {
                let _ = sink.close().await;
                Ok(())
            }
        }
    }

    /// Connections still open must have nothing more to say; then they are closed.
    async fn finish(&mut self) -> Result<(), String> {
        for (label, upgrade) in self.sockets.drain() {
            if let Upgrade::Open {
                mut sink,
                mut frames,
            } = upgrade
            {
                tokio::time::sleep(GRACE).await;
                while let Ok(Frame::Text(text)) = frames.try_recv() {
                    if !self.ids.is_foreign(&text) {
                        return Err(format!(
                            "[{label}] sent a frame the recording does not have: {text}"
                        ));
                    }
                }
                let _ = sink.close().await;
            }
        }
        if let Some((label, _)) = self.polled.iter().find(|(_, left)| !left.is_empty()) {
            return Err(format!(
                "[{label}] polled packets the recording does not have"
            ));
        }
        Ok(())
    }
}

fn fastrand_u32() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    nanos ^ std::process::id().rotate_left(16)
}
