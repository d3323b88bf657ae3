//! A step's `expect` (recordings README §2.4) held against what came back, with the texts the
//! recordings' reports use.

use crate::error::Result;
use crate::matcher;
use crate::pytext::{self, repr};
use crate::response::{Outcome, Reply};
use crate::scenario::{Expect, Step};
use crate::subst::subst;
use crate::vars::Env;

/// Whether to check response times and `no_response`: a recorded transcript has no timing
/// worth checking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timing {
    Check,
    Ignore,
}

/// Every way the outcome differs from the step's expectation; empty if it holds.
pub(crate) fn differences(
    step: &Step,
    env: &Env,
    outcome: &Outcome,
    timing: Timing,
) -> Result<Vec<String>> {
    let expect = &step.expect;
    if expect.no_response {
        if timing == Timing::Ignore {
            return Ok(Vec::new());
        }
        return Ok(answered_too_soon(step, outcome).into_iter().collect());
    }
    let reply = match outcome {
        Outcome::Answered(reply) => reply,
        Outcome::NoAnswer { error, .. } => return Ok(vec![format!("request failed: {error}")]),
    };
    let mut found = Vec::new();
    if let Some(status) = expect.status.filter(|&status| status != reply.status) {
        found.push(format!("status {}, expected {status}", reply.status));
    }
    if let Some(class) = expect.content_type.filter(|&class| class != reply.class) {
        let header = reply.content_type.as_deref().unwrap_or("None");
        found.push(format!(
            "content type class {} ({header}), expected {class}",
            reply.class
        ));
    }
    if let Some(header) = &expect.content_type_header {
        if normalized(reply.content_type.as_deref()) != normalized(Some(header)) {
            let got = repr(reply.content_type.as_deref());
            found.push(format!(
                "Content-Type header {got}, expected {}",
                repr(Some(header))
            ));
        }
    }
    if let Some(body) = &expect.body {
        let expected = subst(body, env)?;
        let body_differences = matcher::differences(&expected, &reply.body)?;
        found.extend(body_differences.into_iter().map(|d| format!("body {d}")));
    }
    if timing == Timing::Check {
        found.extend(elapsed_out_of_bounds(expect, reply));
    }
    Ok(found)
}

/// For `no_response`: the difference if the request was answered (or failed) after all.
fn answered_too_soon(step: &Step, outcome: &Outcome) -> Option<String> {
    let timeout = step
        .timeout_ms
        .as_ref()
        .map_or_else(|| "None".to_owned(), ToString::to_string);
    match outcome {
        Outcome::NoAnswer {
            timed_out: true, ..
        } => None,
        Outcome::NoAnswer { error, .. } => Some(format!(
            "expected no response within {timeout} ms, got error {error}"
        )),
        Outcome::Answered(reply) => Some(format!(
            "expected no response within {timeout} ms, got {} after {:.0} ms: {}",
            reply.status,
            reply.elapsed_ms,
            pytext::head(&reply.text, 200),
        )),
    }
}

fn elapsed_out_of_bounds(expect: &Expect, reply: &Reply) -> Vec<String> {
    let Some(bounds) = &expect.elapsed_ms else {
        return Vec::new();
    };
    let elapsed = reply.elapsed_ms;
    let mut found = Vec::new();
    if let Some(min) = bounds
        .min
        .as_ref()
        .filter(|min| elapsed < min.as_f64().unwrap_or(0.0))
    {
        found.push(format!(
            "answered after {elapsed:.0} ms, expected at least {min} ms"
        ));
    }
    if let Some(max) = bounds
        .max
        .as_ref()
        .filter(|max| elapsed > max.as_f64().unwrap_or(f64::MAX))
    {
        found.push(format!(
            "answered after {elapsed:.0} ms, expected at most {max} ms"
        ));
    }
    found
}

/// A Content-Type compared case- and whitespace-insensitively; none counts as empty.
fn normalized(header: Option<&str>) -> String {
    header
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}
