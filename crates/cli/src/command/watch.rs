//! `pe watch`: the engine's events, one line each, as they come.

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use process_engine::Client;
use process_engine::events::{EngineEvent, EventFilter, Events, Kind};
use serde::Serialize;
use serde_json::Value;

use crate::exit::Exit;
use crate::failure::Failure;
use crate::output::{self, Item, Output};
use crate::signal;
use crate::table::{BAD, Cell, GOOD, PENDING};

/// Print the engine's events as they come (instances started and ended, tasks waiting and
/// finished), until Ctrl-C or --count events. The engine replays nothing: a `missed` line says
/// when events may have been lost (a reconnect).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pe watch
  pe watch --model order --kind user_task_waiting --kind process_ended
  pe watch --correlation order-4711 --count 1 -o json")]
pub(crate) struct WatchArgs {
    /// Only events of this kind (repeatable).
    #[arg(
        long,
        short = 'k',
        value_name = "KIND",
        value_parser = PossibleValuesParser::new(Kind::ALL.map(Kind::as_str))
            .try_map(|name| Kind::from_name(&name).ok_or("an unknown kind"))
    )]
    kind: Vec<Kind>,
    /// Only events of instances of this process model.
    #[arg(long, short = 'm', value_name = "ID")]
    model: Option<String>,
    /// Only events of instances in this correlation.
    #[arg(long, short = 'c', value_name = "ID")]
    correlation: Option<String>,
    /// Only events of this process instance.
    #[arg(long, value_name = "ID")]
    instance: Option<String>,
    /// Only events of instances the caller's identity started.
    #[arg(long)]
    mine: bool,
    /// Stop after this many events.
    #[arg(long, short = 'n', value_name = "N")]
    count: Option<u64>,
}

/// An event as printed.
#[derive(Debug, Serialize)]
struct Watched {
    /// The engine's name of the event (`user_task_waiting`), or `missed`.
    event: String,
    process_model_id: Option<String>,
    process_instance_id: Option<String>,
    correlation_id: Option<String>,
    flow_node_id: Option<String>,
    flow_node_instance_id: Option<String>,
    /// The token at the flow node.
    token: Option<Value>,
    /// A finished user task's answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    user_task_result: Option<Value>,
    /// For `missed`: since when events may be missing, and how many the stream dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    missed_since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dropped: Option<u64>,
}

impl From<EngineEvent> for Watched {
    fn from(event: EngineEvent) -> Self {
        let ids = |event: &EngineEvent| {
            (
                event.process_model_id().map(str::to_owned),
                event.process_instance_id().map(str::to_owned),
                event.correlation_id().map(str::to_owned),
            )
        };
        let (process_model_id, process_instance_id, correlation_id) = ids(&event);
        let mut watched = Watched {
            event: String::new(),
            process_model_id,
            process_instance_id,
            correlation_id,
            flow_node_id: None,
            flow_node_instance_id: None,
            token: None,
            user_task_result: None,
            missed_since: None,
            dropped: None,
        };
        match event {
            EngineEvent::Missed(missed) => {
                watched.event = "missed".to_owned();
                watched.missed_since =
                    Some(humantime::format_rfc3339_millis(missed.since()).to_string());
                watched.dropped = Some(missed.dropped());
            }
            EngineEvent::Unknown(unknown) => {
                watched.event = unknown.name().to_owned();
                watched.token = Some(unknown.payload().clone());
            }
            known => {
                watched.event = known
                    .kind()
                    .map(Kind::as_str)
                    .unwrap_or("unknown")
                    .to_owned();
                if let Some(notification) = known.notification() {
                    watched.flow_node_id = Some(notification.flow_node_id.clone());
                    watched.flow_node_instance_id =
                        Some(notification.flow_node_instance_id.clone());
                    watched.token = Some(notification.current_token.clone());
                    watched.user_task_result = notification.user_task_result.clone();
                }
            }
        }
        watched
    }
}

impl Item for Watched {
    fn human(&self) -> Vec<Cell> {
        let style = match self.event.as_str() {
            "missed" => BAD,
            event if event.ends_with("_waiting") => PENDING,
            event if event.ends_with("_ended") || event.ends_with("_finished") => GOOD,
            _ => anstyle::Style::new(),
        };
        let mut line = vec![Cell::styled(self.event.as_str(), style)];
        if let Some(since) = &self.missed_since {
            line.push(Cell::plain(format!(
                "events may be missing since {since} ({} dropped)",
                self.dropped.unwrap_or_default()
            )));
            return line;
        }
        let parts = [
            self.process_model_id.as_deref(),
            self.flow_node_id.as_deref(),
        ];
        line.push(Cell::plain(
            parts.into_iter().flatten().collect::<Vec<_>>().join("/"),
        ));
        if let Some(correlation) = &self.correlation_id {
            line.push(Cell::plain(format!("correlation {correlation}")));
        }
        if let Some(instance) = &self.process_instance_id {
            line.push(Cell::plain(format!("instance {instance}")));
        }
        if let Some(token) = &self.token {
            line.push(Cell::plain(format!("token {}", output::compact(token, 60))));
        }
        line
    }
}

pub(crate) async fn run(args: WatchArgs, client: Client, output: &Output) -> Result<Exit, Failure> {
    let mut filter = EventFilter::all().kinds(args.kind);
    if let Some(model) = args.model {
        filter = filter.process_model(model);
    }
    if let Some(correlation) = args.correlation {
        filter = filter.correlation(correlation);
    }
    if let Some(instance) = args.instance {
        filter = filter.process_instance(instance);
    }
    if args.mine {
        filter = filter.mine();
    }
    let mut stop = signal::installed().await;
    let events = Events::new(client);
    let mut stream = events.subscribe(filter).await?;
    output.note(&format!("watching the events at {}", events.url()));
    let mut seen = 0;
    while args.count.is_none_or(|count| seen < count) {
        let item = tokio::select! {
            item = stream.next() => item,
            () = &mut stop => {
                stream.close().await;
                return Ok(Exit::Success);
            }
        };
        match item {
            Some(Ok(event)) => {
                let is_missed = matches!(event, EngineEvent::Missed(_));
                output.item(&Watched::from(event))?;
                if !is_missed {
                    seen += 1;
                }
            }
            // A failed reconnect or an event that does not decode; the stream goes on.
            Some(Err(error)) => output.warning(&Failure::from(error)),
            None => break,
        }
    }
    stream.close().await;
    Ok(Exit::Success)
}
