//! `capture`: values taken from a response body into variables for later steps.

use crate::error::Result;
use crate::json::Json;
use crate::ordered::Ordered;
use crate::pointer;
use crate::response::Outcome;
use crate::scenario::ContentClass;
use crate::vars::Env;

/// What a step captured, and what it could not.
#[derive(Debug, Default)]
pub(crate) struct Captures {
    pub(crate) values: Vec<(String, Json)>,
    pub(crate) problems: Vec<String>,
}

impl Captures {
    pub(crate) fn store_in(self, env: &mut Env) {
        for (var, value) in self.values {
            env.set(&var, value);
        }
    }
}

/// Applies the pointers (variable → JSON pointer) to the response body. Pointers into a body
/// that is not JSON resolve only if they are `""` (the whole text).
pub(crate) fn capture(pointers: &Ordered<String>, outcome: &Outcome) -> Result<Captures> {
    let mut captures = Captures::default();
    for (var, pointer) in pointers.iter() {
        let Some(reply) = outcome.reply() else {
            captures
                .problems
                .push(format!("cannot capture {var}: no response"));
            continue;
        };
        let value = if reply.class == ContentClass::Json {
            pointer::resolve(&reply.body, pointer)?
        } else {
            pointer.is_empty().then_some(&reply.body)
        };
        match value {
            Some(value) => captures.values.push((var.to_owned(), value.clone())),
            None => captures.problems.push(format!(
                "cannot capture {var} from {pointer}: not in the response"
            )),
        }
    }
    Ok(captures)
}
