//! A frame transcript (`api/recordings/events/frames/*.txt`) read into the steps a replay
//! takes: one line per frame, HTTP call or note, `+<ms> [connection] <dir> <text>`.

/// One step of a recorded session.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// A websocket upgrade of `label` to `target`, with this `Authorization` header.
    Open {
        label: String,
        target: String,
        authorization: Option<String>,
    },
    /// The upgrade was answered `status` without switching protocols.
    Refused {
        label: String,
        status: u16,
    },
    /// The upgrade was never answered: the connection was dropped.
    HungUp {
        label: String,
    },
    /// The client sent a websocket text frame.
    Send {
        label: String,
        text: String,
    },
    /// The server sent a websocket text frame.
    Expect {
        label: String,
        text: String,
    },
    /// An HTTP request (the driver's API calls, or a polling request of `label`).
    Request {
        label: String,
        method: String,
        target: String,
        body: Option<String>,
    },
    /// The answer to the oldest open request of `label` (to `request`, `POST /path`, when the
    /// recording names it).
    Answer {
        label: String,
        request: Option<String>,
        status: u16,
        body: String,
    },
    /// A model file deployed under an id.
    Deploy {
        file: String,
        id: String,
    },
    /// The websocket of `label` closed with `code`.
    Closed {
        label: String,
        code: u16,
    },
    /// The first polling request of `label` carries this `Authorization` header.
    PollAuthorization {
        label: String,
        value: String,
    },
    /// From here on the driver's calls are made as the connection `label` is authorized.
    ActAs {
        label: String,
    },
    /// The engine was stopped, then started again.
    StopEngine,
    StartEngine,
}

/// The label of lines without one: the session's only connection.
pub(crate) const MAIN: &str = "main";
/// The label of the driver's HTTP calls.
pub(crate) const HTTP: &str = "http";

/// Reads a transcript into its steps, each with its time in the session (ms); lines it has no
/// step for (comments, other notes) are skipped.
pub(crate) fn parse(text: &str) -> Result<Vec<(u64, Step)>, String> {
    let mut steps = Vec::new();
    let mut open_requests: std::collections::HashMap<String, usize> = Default::default();
    let mut websockets = std::collections::HashSet::new();
    // A polling answer's status, from the note before its body (`# HTTP 400 | ...`).
    let mut statuses: std::collections::HashMap<String, u16> = Default::default();
    for (number, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix('+') else {
            continue;
        };
        let error = |what: &str| format!("line {}: {what}: {line}", number + 1);
        let (at, rest) = rest.split_once(' ').ok_or_else(|| error("no direction"))?;
        let at: u64 = at.parse().map_err(|_| error("time"))?;
        let (label, rest) = match rest.strip_prefix('[') {
            Some(labelled) => {
                let (label, rest) = labelled.split_once("] ").ok_or_else(|| error("label"))?;
                // `[poll-first websocket]`: the connection, then its transport.
                (label.split(' ').next().unwrap_or(label).to_owned(), rest)
            }
            None => (MAIN.to_owned(), rest),
        };
        let (direction, text) = rest.split_at(1);
        let text = text.strip_prefix(' ').unwrap_or(text);
        let step = match direction {
            ">" => {
                if let Some((method, rest)) = request_line(text) {
                    *open_requests.entry(label.clone()).or_default() += 1;
                    let (target, body) = match rest.split_once(" body: ") {
                        Some((target, body)) => (target.to_owned(), Some(body.to_owned())),
                        None => (rest.to_owned(), None),
                    };
                    Step::Request {
                        label,
                        method,
                        target,
                        body,
                    }
                } else {
                    Step::Send {
                        label,
                        text: text.to_owned(),
                    }
                }
            }
            "<" => match open_requests.get_mut(&label).filter(|open| **open > 0) {
                Some(open) => {
                    *open -= 1;
                    let (status, body) = match text.strip_prefix("HTTP ") {
                        Some(answer) => {
                            let (status, body) = answer.split_once(' ').unwrap_or((answer, ""));
                            (
                                status.parse().map_err(|_| error("status"))?,
                                body.to_owned(),
                            )
                        }
                        None => (statuses.remove(&label).unwrap_or(200), text.to_owned()),
                    };
                    Step::Answer {
                        label,
                        request: None,
                        status,
                        body,
                    }
                }
                None => Step::Expect {
                    label,
                    text: text.to_owned(),
                },
            },
            "#" if open_requests.get(&label).is_some_and(|open| *open > 0)
                && text.starts_with("HTTP ") =>
            {
                if let Some(status) = text[5..].split(' ').next().and_then(|s| s.parse().ok()) {
                    statuses.insert(label, status);
                }
                continue;
            }
            "#" => match note(&label, text, &mut open_requests, &mut websockets) {
                Some(step) => step,
                None => continue,
            },
            _ => return Err(error("unknown direction")),
        };
        steps.push((at, step));
    }
    Ok(steps)
}

/// `GET /path` or `POST /path ...`: a request line.
fn request_line(text: &str) -> Option<(String, &str)> {
    let (method, rest) = text.split_once(' ')?;
    (matches!(method, "GET" | "POST") && rest.starts_with('/')).then(|| (method.to_owned(), rest))
}

fn note(
    label: &str,
    text: &str,
    open_requests: &mut std::collections::HashMap<String, usize>,
    websockets: &mut std::collections::HashSet<String>,
) -> Option<Step> {
    let label = label.to_owned();
    if let Some(rest) = text.strip_prefix("websocket upgrade GET ") {
        let (target, authorization) = match rest.split_once(" Authorization: ") {
            Some((target, token)) => (target.to_owned(), Some(token.to_owned())),
            None => (rest.split(' ').next().unwrap_or(rest).to_owned(), None),
        };
        websockets.insert(label.clone());
        return Some(Step::Open {
            label,
            target,
            authorization,
        });
    }
    if let Some(rest) = text.strip_prefix("HTTP ") {
        if rest.contains("(no upgrade)") {
            let status = rest.split(' ').next()?.parse().ok()?;
            return Some(Step::Refused { label, status });
        }
        return None;
    }
    if text.starts_with("websocket error socket hang up") {
        return Some(Step::HungUp { label });
    }
    if let Some(code) = text.strip_prefix("websocket closed code=") {
        return Some(Step::Closed {
            label,
            code: code.trim().parse().ok()?,
        });
    }
    if let Some(value) = text.strip_prefix("first request carries Authorization: ") {
        return Some(Step::PollAuthorization {
            label,
            value: value.to_owned(),
        });
    }
    if let Some(rest) = text.strip_prefix("--- ") {
        let (who, what) = rest.split_once(' ')?;
        return (what.starts_with("starts") && websockets.contains(who)).then(|| Step::ActAs {
            label: who.to_owned(),
        });
    }
    if text.starts_with("stopping the engine") {
        return Some(Step::StopEngine);
    }
    if text.starts_with("starting the engine") {
        return Some(Step::StartEngine);
    }
    if let Some(rest) = text.strip_prefix("deployed ") {
        let (file, rest) = rest.split_once(" as ")?;
        let id = rest.split(' ').next()?;
        return Some(Step::Deploy {
            file: file.to_owned(),
            id: id.to_owned(),
        });
    }
    let (method, rest) = request_line(text)?;
    match rest.split_once(" -> ") {
        Some((path, answer)) => {
            let open = open_requests.get_mut(&label)?;
            *open = open.checked_sub(1)?;
            let (status, body) = answer.split_once(' ').unwrap_or((answer, ""));
            Some(Step::Answer {
                label,
                request: Some(format!("{method} {path}")),
                status: status.parse().ok()?,
                body: body.to_owned(),
            })
        }
        None => {
            *open_requests.entry(label.clone()).or_default() += 1;
            let (target, body) = match rest.split_once(' ') {
                Some((target, body)) => (target.to_owned(), Some(body.to_owned())),
                None => (rest.to_owned(), None),
            };
            Some(Step::Request {
                label,
                method,
                target,
                body,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_steps() {
        let steps = parse(
            "# header\n\
             +1 # websocket upgrade GET /socket.io/?EIO=3&transport=websocket Authorization: T\n\
             +16 < 40\n\
             +17 > 40/consumer_api,\n\
             +56 [http] # deployed conf_start_end.bpmn as conf_start_end (POST /x -> 200)\n\
             +356 [http] # POST /api/a/start?x=1 {\"correlationId\":\"c\"}\n\
             +376 [http] # POST /api/a/start -> 200 {\"a\":1}\n\
             +0 [poll] > GET /socket.io/?EIO=3&transport=polling&t=1\n\
             +7 [poll] < 2:40\n\
             +9 [poll] > POST /socket.io/?sid=s body: 1:2\n\
             +10 [poll] < HTTP 200 ok\n\
             +31053 # websocket closed code=1005\n",
        )
        .unwrap();
        assert_eq!(steps.len(), 11);
        let steps: Vec<Step> = steps.into_iter().map(|(_, step)| step).collect();
        assert!(matches!(&steps[0], Step::Open { authorization: Some(t), .. } if t == "T"));
        assert!(matches!(&steps[1], Step::Expect { label, text } if label == MAIN && text == "40"));
        assert!(matches!(&steps[3], Step::Deploy { id, .. } if id == "conf_start_end"));
        assert!(matches!(&steps[4], Step::Request { body: Some(_), .. }));
        assert!(matches!(&steps[5], Step::Answer { status: 200, .. }));
        assert!(matches!(&steps[7], Step::Answer { body, .. } if body == "2:40"));
        assert!(matches!(&steps[8], Step::Request { body: Some(b), .. } if b == "1:2"));
        assert!(matches!(&steps[9], Step::Answer { status: 200, body, .. } if body == "ok"));
        assert!(matches!(&steps[10], Step::Closed { code: 1005, .. }));
    }
}
