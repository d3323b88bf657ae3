//! JSON given on the command line: as an argument, from a file, or from stdin (`-`).

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::failure::Failure;

/// The JSON value of an option given inline (`--input '{"a": 1}'`) or as a file (`--input-file
/// order.json`, `-` for stdin); `None` when neither is given. `what` names the value in errors
/// ("the input").
pub(crate) fn json(
    inline: Option<&str>,
    file: Option<&Path>,
    what: &str,
) -> Result<Option<Value>, Failure> {
    let (text, source) = match (inline, file) {
        (Some(text), _) => (text.to_owned(), "the argument".to_owned()),
        (None, Some(path)) if path == Path::new("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|error| {
                    Failure::bad_input_because(format!("could not read {what} from stdin"), error)
                })?;
            (text, "stdin".to_owned())
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|error| {
                Failure::bad_input_because(
                    format!("could not read {what} from {}", path.display()),
                    error,
                )
            })?;
            (text, path.display().to_string())
        }
        (None, None) => return Ok(None),
    };
    parse(&text, &format!("{what} ({source})")).map(Some)
}

/// `text` as JSON; the error names `what` and where the text stops being JSON.
pub(crate) fn parse(text: &str, what: &str) -> Result<Value, Failure> {
    serde_json::from_str(text)
        .map_err(|error| Failure::bad_input_because(format!("{what} is not valid JSON"), error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_json_wins_and_bad_json_is_named() {
        let value = json(Some(r#"{"a": 1}"#), None, "the input").unwrap();
        assert_eq!(value, Some(serde_json::json!({"a": 1})));
        let failure = json(Some("{"), None, "the input").unwrap_err();
        assert_eq!(failure.exit(), crate::exit::Exit::BadInput);
        assert!(
            failure
                .line()
                .starts_with("the input (the argument) is not valid JSON: EOF while parsing"),
            "{}",
            failure.line()
        );
        assert_eq!(json(None, None, "the input").unwrap(), None);
    }

    #[test]
    fn a_missing_file_is_named() {
        let failure = json(None, Some(Path::new("no/such/file.json")), "the input").unwrap_err();
        assert!(
            failure
                .line()
                .starts_with("could not read the input from no/such/file.json: "),
            "{}",
            failure.line()
        );
    }
}
