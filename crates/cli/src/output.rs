//! How results reach the user: for people, aligned tables and fields with colour on a
//! terminal; for scripts (`--output json`), one compact JSON value per result, one per line.
//!
//! Results go to stdout, everything else (notes, errors, the spinner) to stderr, so that a
//! pipe gets the results only.

use std::io::Write;

use clap::ValueEnum;
use serde::Serialize;
use serde_json::Value;

use crate::exit::Exit;
use crate::failure::Failure;
use crate::table::{self, BAD, Cell, HEADER};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Tables and fields for people.
    Human,
    /// One JSON value per result, one per line.
    Json,
}

/// A list shown as a table: one row per element.
pub(crate) trait Row: Serialize {
    /// The table's headers.
    const HEADERS: &'static [&'static str];
    /// The row's cells, one per header.
    fn cells(&self) -> Vec<Cell>;
}

/// One result shown as fields, and tables below them.
pub(crate) trait Record: Serialize {
    /// Writes the record for people.
    fn human(&self, doc: &mut Doc);
}

/// One result of a stream (a deployed file, an event, a task worked): one line each.
pub(crate) trait Item: Serialize {
    /// The line for people, its cells joined by a space.
    fn human(&self) -> Vec<Cell>;
    /// Whether people should read it on stderr (a failure among successes).
    fn is_failure(&self) -> bool {
        false
    }
}

/// A record for people: named fields, aligned, then titled tables.
#[derive(Debug, Default)]
pub(crate) struct Doc {
    fields: Vec<(&'static str, Cell)>,
    sections: Vec<(String, String)>,
}

impl Doc {
    /// A field with a value.
    pub(crate) fn field(&mut self, name: &'static str, value: impl Into<Cell>) -> &mut Self {
        self.fields.push((name, value.into()));
        self
    }

    /// A field with a value if there is one.
    pub(crate) fn optional(&mut self, name: &'static str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.field(name, value);
        }
        self
    }

    /// A field holding JSON, indented over several lines when it is an object or array.
    pub(crate) fn json(&mut self, name: &'static str, value: &Value) -> &mut Self {
        self.field(name, pretty(value))
    }

    /// A table under a title; nothing when it has no rows.
    pub(crate) fn table<R: Row>(&mut self, title: impl Into<String>, rows: &[R]) -> &mut Self {
        if !rows.is_empty() {
            let cells: Vec<Vec<Cell>> = rows.iter().map(Row::cells).collect();
            self.sections
                .push((title.into(), table::render(R::HEADERS, &cells)));
        }
        self
    }

    /// A text under a title (a model's XML).
    pub(crate) fn text(&mut self, title: impl Into<String>, text: &str) -> &mut Self {
        let mut text = text.to_owned();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        self.sections.push((title.into(), text));
        self
    }

    fn render(&self) -> String {
        let width = self
            .fields
            .iter()
            .map(|(name, _)| name.len() + 1)
            .max()
            .unwrap_or_default();
        let mut out = String::new();
        for (name, value) in &self.fields {
            let label = Cell::styled(format!("{name}:"), HEADER);
            let pad = " ".repeat(width - name.len() - 1 + 2);
            let mut lines = value
                .render()
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>();
            if lines.is_empty() {
                lines.push(String::new());
            }
            let indent = " ".repeat(width + 2);
            for (index, line) in lines.iter().enumerate() {
                if index == 0 {
                    out.push_str(&format!("{}{pad}{line}", label.render()));
                } else {
                    out.push_str(&format!("{indent}{line}"));
                }
                out.push('\n');
            }
        }
        for (title, body) in &self.sections {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&Cell::styled(title.as_str(), HEADER).render());
            out.push('\n');
            out.push_str(body);
        }
        out
    }
}

/// JSON for people: compact when it is a scalar, indented otherwise.
pub(crate) fn pretty(value: &Value) -> String {
    match value {
        Value::Object(_) | Value::Array(_) => {
            serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
        }
        _ => value.to_string(),
    }
}

/// JSON on one line, cut to `max` characters for a table cell.
pub(crate) fn compact(value: &Value, max: usize) -> String {
    table::shorten(&value.to_string(), max)
}

/// Where and how results are printed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    format: Format,
}

impl Output {
    pub(crate) fn new(format: Format) -> Self {
        Output { format }
    }

    /// Whether results are printed as JSON.
    pub(crate) fn is_json(&self) -> bool {
        self.format == Format::Json
    }

    /// A list: a table, or one JSON array. An empty list prints `empty` on stderr for people
    /// (and nothing on stdout), `[]` for scripts.
    pub(crate) fn list<R: Row>(&self, rows: &[R], empty: &str) -> Result<(), Failure> {
        match self.format {
            Format::Json => self.json(rows),
            Format::Human if rows.is_empty() => {
                self.note(empty);
                Ok(())
            }
            Format::Human => {
                let cells: Vec<Vec<Cell>> = rows.iter().map(Row::cells).collect();
                write_stdout(&table::render(R::HEADERS, &cells))
            }
        }
    }

    /// One record: its fields and tables, or one JSON object.
    pub(crate) fn record<R: Record>(&self, record: &R) -> Result<(), Failure> {
        match self.format {
            Format::Json => self.json(record),
            Format::Human => {
                let mut doc = Doc::default();
                record.human(&mut doc);
                write_stdout(&doc.render())
            }
        }
    }

    /// One item of a stream: a line (failures on stderr), or one JSON value on stdout.
    pub(crate) fn item<R: Item>(&self, item: &R) -> Result<(), Failure> {
        match self.format {
            Format::Json => self.json(item),
            Format::Human => {
                let line: Vec<String> = item.human().iter().map(Cell::render).collect();
                let line = format!("{}\n", line.join(" ").trim_end());
                if item.is_failure() {
                    write_stderr(&line);
                    Ok(())
                } else {
                    write_stdout(&line)
                }
            }
        }
    }

    /// A note for people on stderr; nothing in JSON mode, whose reader wants results only.
    pub(crate) fn note(&self, text: &str) {
        if self.format == Format::Human {
            write_stderr(&format!("{text}\n"));
        }
    }

    /// The failure that ends the command, on stderr: a line (and a hint) for people, a JSON
    /// object for scripts.
    pub(crate) fn failure(&self, failure: &Failure) {
        if failure.exit() == Exit::Success {
            // The reader of stdout went away: nothing left to say to anyone.
            return;
        }
        match self.format {
            Format::Json => write_stderr(&format!("{}\n", failure.json())),
            Format::Human => {
                let mut text = format!(
                    "{}: {}\n",
                    Cell::styled("error", BAD.bold()).render(),
                    failure.line()
                );
                if let Some(hint) = failure.hint_text() {
                    text.push_str(&format!(
                        "{}: {hint}\n",
                        Cell::styled("hint", HEADER).render()
                    ));
                }
                write_stderr(&text);
            }
        }
    }

    /// A failure the command goes on after, on stderr: a line for people, a JSON object
    /// (`{"warning": ...}`) for scripts.
    pub(crate) fn warning(&self, failure: &Failure) {
        match self.format {
            Format::Json => {
                let warning = serde_json::json!({ "warning": failure.json()["error"] });
                write_stderr(&format!("{warning}\n"));
            }
            Format::Human => write_stderr(&format!(
                "{}: {}\n",
                Cell::styled("warning", BAD).render(),
                failure.line()
            )),
        }
    }

    fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), Failure> {
        let mut line = serde_json::to_string(value)
            .map_err(|error| Failure::other("could not write the result as JSON", error))?;
        line.push('\n');
        write_stdout(&line)
    }
}

/// Writes to stdout, colours stripped unless wanted. A closed stdout (`pe ... | head`) ends
/// the command quietly.
fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = anstream::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| {
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                Failure::new(Exit::Success, "stdout was closed")
            } else {
                Failure::other("could not write to stdout", error)
            }
        })
}

/// Writes to stderr; a failure to do so has nowhere to be reported.
fn write_stderr(text: &str) {
    let mut stderr = anstream::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}
