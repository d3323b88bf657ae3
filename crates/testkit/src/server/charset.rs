//! The character set a JSON body is decoded with, as body-parser 1.18.3 picks it and iconv-lite
//! 0.4.23 decodes it.
//!
//! body-parser takes the `charset` parameter of the content type (`lib/types/json.js`,
//! `getCharset`: `content-type`'s strict parse, lowercased; a header that does not parse means
//! none), defaults to UTF-8, refuses one that does not start with `utf-`, and refuses one
//! iconv-lite does not know (`lib/read.js`). Both refusals are 415 errors, which the engine's
//! error handler answers with 500 and their message. Both come before the body is read.

/// How a body's bytes become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// UTF-16 of the order a byte-order mark names, or else the one more of the first 64 bytes
    /// look like ASCII in (iconv-lite's `encodings/utf16.js`, `detectEncoding`), little-endian
    /// when undecided.
    Utf16,
}

/// The charset of a JSON body with this content type, or the engine's message refusing it.
pub(crate) fn of(content_type: Option<&str>) -> Result<Charset, String> {
    let Some(charset) = content_type.and_then(parameter_charset) else {
        return Ok(Charset::Utf8);
    };
    let charset = charset.to_lowercase();
    let unsupported = || format!("unsupported charset \"{}\"", charset.to_uppercase());
    if !charset.starts_with("utf-") {
        return Err(unsupported());
    }
    // iconv-lite's `_canonicalizeEncoding`: lowercase, a trailing `:NNNN` and everything but
    // letters and digits dropped.
    let without_code_page = match charset.rsplit_once(':') {
        Some((name, page)) if page.len() == 4 && page.chars().all(|c| c.is_ascii_digit()) => name,
        _ => charset.as_str(),
    };
    let canonical: String = without_code_page
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    match canonical.as_str() {
        "utf8" => Ok(Charset::Utf8),
        "utf16le" => Ok(Charset::Utf16Le),
        "utf16be" => Ok(Charset::Utf16Be),
        "utf16" => Ok(Charset::Utf16),
        // UTF-7 (`utf7`, `utf7imap`) iconv-lite decodes too; the stand-in reads it as UTF-8,
        // which agrees for text without `+`.
        "utf7" | "utf7imap" => Ok(Charset::Utf8),
        _ => Err(unsupported()),
    }
}

/// Decodes `bytes`; what is not valid in the charset becomes U+FFFD, and an odd last byte of
/// UTF-16 is dropped, as Node's decoders do.
pub(crate) fn decode(charset: Charset, bytes: &[u8]) -> String {
    let units = |big_endian: bool| {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|pair| {
                let pair = [pair[0], pair[1]];
                if big_endian {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    match charset {
        Charset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Charset::Utf16Le => units(false),
        Charset::Utf16Be => units(true),
        Charset::Utf16 => units(utf16_is_big_endian(bytes)),
    }
}

fn utf16_is_big_endian(bytes: &[u8]) -> bool {
    match bytes {
        [0xFE, 0xFF, ..] => true,
        [0xFF, 0xFE, ..] => false,
        _ => {
            let head = &bytes[..bytes.len().min(64) / 2 * 2];
            let (mut big, mut little) = (0, 0);
            for pair in head.chunks_exact(2) {
                if pair[0] == 0 && pair[1] != 0 {
                    big += 1;
                }
                if pair[0] != 0 && pair[1] == 0 {
                    little += 1;
                }
            }
            big > little
        }
    }
}

/// The `charset` parameter as the `content-type` package parses it: parameters after the type,
/// each `; name=value` with optional spaces, the value a token or a quoted string. A header
/// whose parameters do not parse has none.
fn parameter_charset(content_type: &str) -> Option<String> {
    let (_, mut rest) = content_type.split_once(';')?;
    let mut charset = None;
    loop {
        let (name, after_name) = rest.trim_start_matches(' ').split_once('=')?;
        let name = name.trim_end_matches(' ');
        if name.is_empty() || !name.chars().all(is_token) {
            return None;
        }
        let after_name = after_name.trim_start_matches(' ');
        let (value, after_value) = if let Some(quoted) = after_name.strip_prefix('"') {
            unquote(quoted)?
        } else {
            let end = after_name
                .find(|c: char| !is_token(c))
                .unwrap_or(after_name.len());
            if end == 0 {
                return None;
            }
            (after_name[..end].to_owned(), &after_name[end..])
        };
        if name.eq_ignore_ascii_case("charset") {
            charset = Some(value);
        }
        let after_value = after_value.trim_start_matches(' ');
        if after_value.is_empty() {
            return charset;
        }
        rest = after_value.strip_prefix(';')?;
    }
}

/// A quoted string's value (after its opening quote) and what follows its closing quote.
fn unquote(quoted: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Some((value, &quoted[at + 1..])),
            '\\' => value.push(chars.next()?.1),
            c => value.push(c),
        }
    }
    None
}

fn is_token(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+.^_`|~-".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_charset_parameter_is_read_as_the_content_type_package_reads_it() {
        assert_eq!(of(None), Ok(Charset::Utf8));
        assert_eq!(of(Some("application/json")), Ok(Charset::Utf8));
        assert_eq!(
            of(Some("application/json; charset=UTF-8")),
            Ok(Charset::Utf8)
        );
        assert_eq!(
            of(Some("application/json;charset=\"utf-16le\"")),
            Ok(Charset::Utf16Le)
        );
        assert_eq!(
            of(Some("application/json; q=1 ; charset = utf-16be")),
            Ok(Charset::Utf16Be)
        );
        // Parameters that do not parse: no charset, so UTF-8.
        assert_eq!(of(Some("application/json; charset")), Ok(Charset::Utf8));
        assert_eq!(
            of(Some("application/json; charset=latin1 x")),
            Ok(Charset::Utf8)
        );
    }

    #[test]
    fn charsets_body_parser_refuses_are_named_in_capitals() {
        assert_eq!(
            of(Some("application/json; charset=latin1")),
            Err("unsupported charset \"LATIN1\"".to_owned())
        );
        assert_eq!(
            of(Some("application/json; charset=utf8")),
            Err("unsupported charset \"UTF8\"".to_owned())
        );
        assert_eq!(
            of(Some("application/json; charset=utf-32")),
            Err("unsupported charset \"UTF-32\"".to_owned())
        );
    }

    #[test]
    fn utf16_is_decoded_in_the_order_its_mark_or_its_ascii_says() {
        let le: Vec<u8> = "{\"a\":1}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "{\"a\":1}"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(decode(Charset::Utf16Le, &le), "{\"a\":1}");
        assert_eq!(decode(Charset::Utf16Be, &be), "{\"a\":1}");
        assert_eq!(decode(Charset::Utf16, &le), "{\"a\":1}");
        assert_eq!(decode(Charset::Utf16, &be), "{\"a\":1}");
        let mut marked = vec![0xFE, 0xFF];
        marked.extend_from_slice(&be);
        assert_eq!(decode(Charset::Utf16, &marked), "\u{feff}{\"a\":1}");
        // An odd last byte is dropped.
        let mut odd = le;
        odd.push(b'x');
        assert_eq!(decode(Charset::Utf16Le, &odd), "{\"a\":1}");
    }
}
