//! Which error boundary event catches which error
//! (`boundary_event_handlers/error_boundary_event_handler.js`, `canHandleError`).

use super::super::failure::Failure;
use crate::bpmn::model::Trigger;

/// Whether an error boundary event with `trigger` catches `failure`: one without a named
/// `bpmn:error` catches everything; otherwise the names must be equal, and the codes too when
/// the boundary's error has one. The code alone never matches.
pub(crate) fn catches(trigger: &Trigger, failure: &Failure) -> bool {
    let Trigger::Error { name, code } = trigger else {
        return false;
    };
    if name.is_empty() {
        return true;
    }
    *name == failure.name && (code.is_empty() || *code == failure.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boundary(name: &str, code: &str) -> Trigger {
        Trigger::Error {
            name: name.to_owned(),
            code: code.to_owned(),
        }
    }

    #[test]
    fn matches_by_name_first_as_the_core() {
        let known = Failure::bpmn("PubKnownError", "E_SAME");
        assert!(catches(&boundary("", ""), &known));
        assert!(catches(&boundary("", "E_OTHER"), &known));
        assert!(catches(&boundary("PubKnownError", ""), &known));
        assert!(catches(&boundary("PubKnownError", "E_SAME"), &known));
        assert!(!catches(&boundary("PubKnownError", "E_OTHER"), &known));
        assert!(!catches(&boundary("PubOtherError", "E_SAME"), &known));
        let generic = Failure::engine(500, "boom");
        assert!(!catches(&boundary("PubKnownError", ""), &generic));
        assert!(catches(&boundary("InternalServerError", ""), &generic));
    }
}
