//! The expressions of sequence-flow conditions and external-task payloads.
//!
//! The real engine hands these to JavaScript with `token` in scope. The stand-in engine
//! implements a small subset and refuses everything else when the model is deployed, so a model
//! never runs differently than it would on the real engine without saying so.
//!
//! # The subset
//!
//! - An optional leading `return` and trailing `;`.
//! - Literals: decimal numbers (`3`, `2.5`, `1e3`; negative ones through unary `-`), strings in
//!   `'…'` or `"…"` with JavaScript's escapes, `true`, `false`, `null`, `undefined`, `NaN` and
//!   `Infinity`.
//! - Property paths starting at `token`: `token.current` is the current payload,
//!   `token.history.<flowNodeId>` the result of an earlier flow node. Properties are read with
//!   `.name`, `["name"]` or `[0]`; inside `[…]` only string literals and non-negative integers are
//!   accepted.
//! - Parentheses, unary `!` and `-`, and the binary operators `===`, `!==`, `==`, `!=`, `<`, `<=`,
//!   `>`, `>=`, `&&` and `||` with JavaScript's precedence (`||` lowest, then `&&`, equality,
//!   relational, unary).
//!
//! Function calls, assignments, arithmetic, `identity`, template literals, object and array
//! literals, the conditional operator and everything else are refused by [`Expression::parse`],
//! naming the offending token and its column.
//!
//! # Semantics
//!
//! As in JavaScript: reading a property of an object gives its value or `undefined`; reading a
//! property of `undefined` or `null` is an error (JavaScript's `TypeError`); arrays and strings
//! have `.length` and indexes, out of range is `undefined`; `&&` and `||` return one of their
//! operands; `==` applies the abstract-equality rules to primitives; relational operators compare
//! two strings by UTF-16 code units and anything else as numbers (`NaN` compares false).
//!
//! Deliberate differences: only own properties exist (`token.current.toString` is `undefined`,
//! not a function); comparing two objects or arrays with `===`, `!==`, `==` or `!=` is an error,
//! because JavaScript compares them by identity, which JSON values do not have; comparing an object
//! or array with a primitive through `==`, `!=` or a relational operator (which would convert it
//! with `toString`) and negating one with `-` are errors too. A `NaN` or infinite result becomes
//! `null`, as `JSON.stringify` writes it.

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Map, Number, Value};

/// What an expression can read: the `token` of JavaScript expressions.
#[derive(Debug, Clone, Copy)]
pub struct Token<'a> {
    /// `token.current`: the current payload.
    pub current: &'a Value,
    /// `token.history`: the results of earlier flow nodes, by flow node id.
    pub history: &'a Map<String, Value>,
}

/// A parsed condition or payload expression.
#[derive(Debug, Clone)]
pub struct Expression {
    source: String,
    root: Node,
}

/// Why an expression could not be parsed or evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExpressionError {
    /// The expression is not valid JavaScript, or uses syntax outside the supported subset.
    #[error("cannot parse the expression `{expression}`: {message} (column {column})")]
    Syntax {
        /// The expression as written.
        expression: String,
        /// The 1-based column (in characters) of the offending token.
        column: usize,
        /// What is wrong, naming the offending token.
        message: String,
    },
    /// Evaluating the expression failed, as JavaScript would throw.
    #[error("cannot evaluate the expression `{expression}`: {message}")]
    Evaluation {
        /// The expression as written.
        expression: String,
        /// What went wrong.
        message: String,
    },
}

impl Expression {
    /// Parses `source`, refusing anything outside the supported subset.
    pub fn parse(source: &str) -> Result<Expression, ExpressionError> {
        let mut parser = Parser {
            source,
            tokens: lex(source),
            position: 0,
            depth: 0,
            nodes: 0,
        };
        let root = parser.expression()?;
        Ok(Expression {
            source: source.to_owned(),
            root,
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates the expression over `token`; `None` is JavaScript's `undefined`.
    pub fn evaluate(&self, token: &Token<'_>) -> Result<Option<Value>, ExpressionError> {
        Ok(self.value(token)?.into_json())
    }

    /// Whether the expression's value is truthy in JavaScript's sense: `undefined`, `null`,
    /// `false`, `0`, `NaN` and `""` are not, everything else is (including `{}` and `[]`).
    pub fn holds(&self, token: &Token<'_>) -> Result<bool, ExpressionError> {
        Ok(self.value(token)?.truthy())
    }

    /// Whether the expression is a plain property path starting at `token.current` or at
    /// `token.history.<flowNodeId>`, such as `token.current.order.items[0]`.
    pub fn is_token_path(&self) -> bool {
        let mut keys = Vec::new();
        let mut node = &self.root;
        while let Node::Member { object, key, .. } = node {
            keys.push(key.as_str());
            node = object;
        }
        if !matches!(node, Node::Token) {
            return false;
        }
        match keys.last() {
            Some(&"current") => true,
            Some(&"history") => keys.len() >= 2,
            _ => false,
        }
    }

    fn value<'a>(&'a self, token: &Token<'a>) -> Result<Val<'a>, ExpressionError> {
        self.root
            .eval(&self.source, token)
            .map_err(|message| ExpressionError::Evaluation {
                expression: self.source.clone(),
                message,
            })
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

// --- Syntax tree and evaluation ----------------------------------------------------------------

#[derive(Debug, Clone)]
enum Node {
    Literal(Literal),
    /// `token` itself; only ever the object of a [`Node::Member`].
    Token,
    Member {
        object: Box<Node>,
        /// The byte range of `object` in the source, to name it in errors.
        object_span: (usize, usize),
        key: String,
    },
    Not(Box<Node>),
    Negate(Box<Node>),
    Binary {
        operator: BinaryOperator,
        left: Box<Node>,
        right: Box<Node>,
    },
}

#[derive(Debug, Clone)]
enum Literal {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    String(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum BinaryOperator {
    Or,
    And,
    StrictEqual,
    StrictNotEqual,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl BinaryOperator {
    fn symbol(self) -> &'static str {
        match self {
            BinaryOperator::Or => "||",
            BinaryOperator::And => "&&",
            BinaryOperator::StrictEqual => "===",
            BinaryOperator::StrictNotEqual => "!==",
            BinaryOperator::Equal => "==",
            BinaryOperator::NotEqual => "!=",
            BinaryOperator::Less => "<",
            BinaryOperator::LessOrEqual => "<=",
            BinaryOperator::Greater => ">",
            BinaryOperator::GreaterOrEqual => ">=",
        }
    }
}

/// A JavaScript value during evaluation, borrowing from the token or the syntax tree.
#[derive(Debug, Clone, Copy)]
enum Val<'a> {
    Undefined,
    Null,
    Bool(bool),
    /// A number, with its JSON form when it was read from the token, so that a payload path
    /// hands the value on exactly as it was.
    Number(f64, Option<&'a Number>),
    String(&'a str),
    Array(&'a [Value]),
    Object(&'a Map<String, Value>),
}

impl<'a> Val<'a> {
    fn of(value: &'a Value) -> Val<'a> {
        match value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Number(n.as_f64().unwrap_or(f64::NAN), Some(n)),
            Value::String(s) => Val::String(s),
            Value::Array(items) => Val::Array(items),
            Value::Object(map) => Val::Object(map),
        }
    }

    fn into_json(self) -> Option<Value> {
        Some(match self {
            Val::Undefined => return None,
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(b),
            Val::Number(_, Some(n)) => Value::Number(n.clone()),
            Val::Number(n, None) => number_to_json(n),
            Val::String(s) => Value::String(s.to_owned()),
            Val::Array(items) => Value::Array(items.to_vec()),
            Val::Object(map) => Value::Object(map.clone()),
        })
    }

    fn truthy(self) -> bool {
        match self {
            Val::Undefined | Val::Null => false,
            Val::Bool(b) => b,
            Val::Number(n, _) => n != 0.0 && !n.is_nan(),
            Val::String(s) => !s.is_empty(),
            Val::Array(_) | Val::Object(_) => true,
        }
    }

    fn is_object(self) -> bool {
        matches!(self, Val::Array(_) | Val::Object(_))
    }

    fn is_nullish(self) -> bool {
        matches!(self, Val::Undefined | Val::Null)
    }

    /// JavaScript's `ToNumber` for primitives.
    fn to_number(self) -> f64 {
        match self {
            Val::Undefined | Val::Array(_) | Val::Object(_) => f64::NAN,
            Val::Null => 0.0,
            Val::Bool(b) => f64::from(u8::from(b)),
            Val::Number(n, _) => n,
            Val::String(s) => string_to_number(s),
        }
    }

    /// Reads property `key`; `object` is the source text of the value, for the error.
    fn property(self, key: &str, object: &str) -> Result<Val<'a>, String> {
        Ok(match self {
            Val::Undefined | Val::Null => {
                let what = if matches!(self, Val::Null) {
                    "null"
                } else {
                    "undefined"
                };
                return Err(format!(
                    "`{object}` is {what}, so its property `{key}` cannot be read \
                     (a TypeError in JavaScript)"
                ));
            }
            Val::Object(map) => map.get(key).map_or(Val::Undefined, Val::of),
            Val::Array(items) => {
                if key == "length" {
                    Val::Number(items.len() as f64, None)
                } else {
                    array_index(key)
                        .and_then(|index| items.get(index))
                        .map_or(Val::Undefined, Val::of)
                }
            }
            Val::String(s) => {
                if key == "length" {
                    Val::Number(s.encode_utf16().count() as f64, None)
                } else if let Some(index) = array_index(key) {
                    string_index(s, index).map_err(|()| {
                        format!(
                            "`{object}[{index}]` is half of a UTF-16 surrogate pair, which the \
                             stand-in engine cannot represent"
                        )
                    })?
                } else {
                    Val::Undefined
                }
            }
            Val::Bool(_) | Val::Number(..) => Val::Undefined,
        })
    }
}

impl Node {
    fn eval<'a>(&'a self, source: &str, token: &Token<'a>) -> Result<Val<'a>, String> {
        Ok(match self {
            Node::Literal(literal) => match literal {
                Literal::Undefined => Val::Undefined,
                Literal::Null => Val::Null,
                Literal::Bool(b) => Val::Bool(*b),
                Literal::Number(n) => Val::Number(*n, None),
                Literal::String(s) => Val::String(s),
            },
            Node::Token => return Err("`token` itself cannot be used as a value".to_owned()),
            Node::Member {
                object,
                object_span: (start, end),
                key,
            } => {
                if let Node::Token = **object {
                    match key.as_str() {
                        "current" => Val::of(token.current),
                        "history" => Val::Object(token.history),
                        _ => Val::Undefined,
                    }
                } else {
                    let text = source.get(*start..*end).unwrap_or("the value");
                    object.eval(source, token)?.property(key, text)?
                }
            }
            Node::Not(operand) => Val::Bool(!operand.eval(source, token)?.truthy()),
            Node::Negate(operand) => {
                let value = operand.eval(source, token)?;
                if value.is_object() {
                    return Err(
                        "unary `-` on an object or array is not supported by the stand-in engine"
                            .to_owned(),
                    );
                }
                Val::Number(-value.to_number(), None)
            }
            Node::Binary {
                operator,
                left,
                right,
            } => {
                let left = left.eval(source, token)?;
                match operator {
                    BinaryOperator::Or if left.truthy() => left,
                    BinaryOperator::And if !left.truthy() => left,
                    BinaryOperator::Or | BinaryOperator::And => right.eval(source, token)?,
                    _ => Val::Bool(compare(*operator, left, right.eval(source, token)?)?),
                }
            }
        })
    }
}

/// Applies an equality or relational operator.
fn compare(operator: BinaryOperator, left: Val<'_>, right: Val<'_>) -> Result<bool, String> {
    let symbol = operator.symbol();
    if left.is_object() && right.is_object() {
        return Err(format!(
            "`{symbol}` compares two objects or arrays, which JavaScript compares by identity; \
             the stand-in engine does not support it"
        ));
    }
    let objects_with_primitives = || {
        format!(
            "`{symbol}` compares an object or array with a primitive value, which JavaScript \
             converts with `toString`; the stand-in engine does not support it"
        )
    };
    match operator {
        BinaryOperator::StrictEqual => Ok(strict_equals(left, right)),
        BinaryOperator::StrictNotEqual => Ok(!strict_equals(left, right)),
        BinaryOperator::Equal | BinaryOperator::NotEqual => {
            let equal = if left.is_nullish() || right.is_nullish() {
                left.is_nullish() && right.is_nullish()
            } else if left.is_object() || right.is_object() {
                return Err(objects_with_primitives());
            } else {
                loose_equals(left, right)
            };
            Ok(equal == (operator == BinaryOperator::Equal))
        }
        _ => {
            if left.is_object() || right.is_object() {
                return Err(objects_with_primitives());
            }
            let order = match (left, right) {
                (Val::String(a), Val::String(b)) => Some(a.encode_utf16().cmp(b.encode_utf16())),
                _ => left.to_number().partial_cmp(&right.to_number()),
            };
            Ok(match operator {
                BinaryOperator::Less => order == Some(Ordering::Less),
                BinaryOperator::LessOrEqual => {
                    matches!(order, Some(Ordering::Less | Ordering::Equal))
                }
                BinaryOperator::Greater => order == Some(Ordering::Greater),
                _ => matches!(order, Some(Ordering::Greater | Ordering::Equal)),
            })
        }
    }
}

/// `===` for values that are not both objects.
fn strict_equals(left: Val<'_>, right: Val<'_>) -> bool {
    match (left, right) {
        (Val::Undefined, Val::Undefined) | (Val::Null, Val::Null) => true,
        (Val::Bool(a), Val::Bool(b)) => a == b,
        (Val::Number(a, _), Val::Number(b, _)) => a == b,
        (Val::String(a), Val::String(b)) => a == b,
        _ => false,
    }
}

/// `==` for two primitives that are neither `null` nor `undefined`: a boolean becomes a number,
/// and a number compared with a string turns the string into a number.
fn loose_equals<'a>(left: Val<'a>, right: Val<'a>) -> bool {
    match (left, right) {
        (Val::Bool(_), _) | (_, Val::Bool(_)) => {
            let as_number = |value: Val<'a>| match value {
                Val::Bool(_) => Val::Number(value.to_number(), None),
                other => other,
            };
            loose_equals(as_number(left), as_number(right))
        }
        (Val::Number(..), Val::String(_)) | (Val::String(_), Val::Number(..)) => {
            left.to_number() == right.to_number()
        }
        _ => strict_equals(left, right),
    }
}

/// JavaScript's `StringToNumber`: surrounding white space is ignored, an empty string is 0,
/// anything that is not a numeric literal is `NaN`.
fn string_to_number(s: &str) -> f64 {
    let s = s.trim_matches(is_js_whitespace);
    if s.is_empty() {
        return 0.0;
    }
    let radix = match s.get(..2) {
        Some("0x" | "0X") => Some(16),
        Some("0o" | "0O") => Some(8),
        Some("0b" | "0B") => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        let digits = &s[2..];
        if digits.is_empty() {
            return f64::NAN;
        }
        return digits
            .chars()
            .try_fold(0.0, |total: f64, c| {
                c.to_digit(radix)
                    .map(|digit| total * f64::from(radix) + f64::from(digit))
            })
            .unwrap_or(f64::NAN);
    }
    let (negative, unsigned) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = if unsigned == "Infinity" {
        f64::INFINITY
    } else if !unsigned.starts_with(['+', '-'])
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        // Rust's grammar for these characters is JavaScript's; without the filter it would also
        // accept `inf` and `nan`.
        unsigned.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    };
    if negative { -magnitude } else { magnitude }
}

/// A number as `JSON.stringify` writes it: integers without a fraction, `NaN` and infinities as
/// `null`.
fn number_to_json(n: f64) -> Value {
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "n is an integer within ±2^53, which i64 holds exactly"
        )]
        let integer = n as i64;
        return Value::from(integer);
    }
    Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// The array index a property key names, if it is one (`"0"`, `"17"`, not `"01"` or `"+1"`).
fn array_index(key: &str) -> Option<usize> {
    let canonical = !key.is_empty()
        && key.bytes().all(|b| b.is_ascii_digit())
        && (key == "0" || !key.starts_with('0'));
    if canonical { key.parse().ok() } else { None }
}

/// The UTF-16 code unit at `index` as a string; `Err` when it is half of a surrogate pair.
fn string_index(s: &str, index: usize) -> Result<Val<'_>, ()> {
    let mut position = 0;
    for (offset, c) in s.char_indices() {
        if position == index {
            return if c.len_utf16() == 1 {
                Ok(Val::String(&s[offset..offset + c.len_utf8()]))
            } else {
                Err(())
            };
        }
        position += c.len_utf16();
        if position > index {
            return Err(());
        }
    }
    Ok(Val::Undefined)
}

fn is_js_whitespace(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

// --- Lexer ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Number(f64),
    String(String),
    Identifier(String),
    Punct(Punct),
    /// Something outside the subset, or malformed; the parser reports it when it gets there, so
    /// errors come in source order.
    Refused(&'static str),
    End,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Punct {
    Dot,
    OpenBracket,
    CloseBracket,
    OpenParen,
    CloseParen,
    Not,
    Minus,
    Semicolon,
    Binary(BinaryOperator),
}

#[derive(Debug, Clone)]
struct Lexed {
    tok: Tok,
    start: usize,
    end: usize,
}

const ARITHMETIC: &str = "arithmetic is not supported by the stand-in engine";
const ASSIGNMENT: &str = "assignments are not supported";
const BITWISE: &str = "bitwise operators are not supported";

/// Operators and punctuation, longest first where one is a prefix of another.
const PUNCTUATION: &[(&str, Result<Punct, &str>)] = &[
    (">>>=", Err(ASSIGNMENT)),
    ("===", Ok(Punct::Binary(BinaryOperator::StrictEqual))),
    ("!==", Ok(Punct::Binary(BinaryOperator::StrictNotEqual))),
    ("**=", Err(ASSIGNMENT)),
    ("<<=", Err(ASSIGNMENT)),
    (">>=", Err(ASSIGNMENT)),
    (">>>", Err(BITWISE)),
    ("&&=", Err(ASSIGNMENT)),
    ("||=", Err(ASSIGNMENT)),
    ("??=", Err(ASSIGNMENT)),
    ("...", Err("spread syntax is not supported")),
    ("==", Ok(Punct::Binary(BinaryOperator::Equal))),
    ("!=", Ok(Punct::Binary(BinaryOperator::NotEqual))),
    ("<=", Ok(Punct::Binary(BinaryOperator::LessOrEqual))),
    (">=", Ok(Punct::Binary(BinaryOperator::GreaterOrEqual))),
    ("&&", Ok(Punct::Binary(BinaryOperator::And))),
    ("||", Ok(Punct::Binary(BinaryOperator::Or))),
    ("=>", Err("arrow functions are not supported")),
    ("++", Err(ARITHMETIC)),
    ("--", Err(ARITHMETIC)),
    ("+=", Err(ASSIGNMENT)),
    ("-=", Err(ASSIGNMENT)),
    ("*=", Err(ASSIGNMENT)),
    ("/=", Err(ASSIGNMENT)),
    ("%=", Err(ASSIGNMENT)),
    ("&=", Err(ASSIGNMENT)),
    ("|=", Err(ASSIGNMENT)),
    ("^=", Err(ASSIGNMENT)),
    ("**", Err(ARITHMETIC)),
    ("<<", Err(BITWISE)),
    (">>", Err(BITWISE)),
    ("?.", Err("optional chaining is not supported")),
    (
        "??",
        Err("the nullish coalescing operator is not supported"),
    ),
    ("//", Err("comments are not supported")),
    ("/*", Err("comments are not supported")),
    ("<", Ok(Punct::Binary(BinaryOperator::Less))),
    (">", Ok(Punct::Binary(BinaryOperator::Greater))),
    (".", Ok(Punct::Dot)),
    ("[", Ok(Punct::OpenBracket)),
    ("]", Ok(Punct::CloseBracket)),
    ("(", Ok(Punct::OpenParen)),
    (")", Ok(Punct::CloseParen)),
    ("!", Ok(Punct::Not)),
    ("-", Ok(Punct::Minus)),
    (";", Ok(Punct::Semicolon)),
    ("+", Err(ARITHMETIC)),
    ("*", Err(ARITHMETIC)),
    ("/", Err(ARITHMETIC)),
    ("%", Err(ARITHMETIC)),
    ("=", Err(ASSIGNMENT)),
    ("&", Err(BITWISE)),
    ("|", Err(BITWISE)),
    ("^", Err(BITWISE)),
    ("~", Err(BITWISE)),
    ("?", Err("the conditional operator is not supported")),
    (
        ":",
        Err("object literals and the conditional operator are not supported"),
    ),
    (
        ",",
        Err("argument lists and the comma operator are not supported"),
    ),
    ("{", Err("object literals and blocks are not supported")),
    ("}", Err("object literals and blocks are not supported")),
    ("`", Err("template literals are not supported")),
];

fn is_identifier_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_identifier_part(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Splits `source` into tokens, ending with [`Tok::End`]; never fails, see [`Tok::Refused`].
fn lex(source: &str) -> Vec<Lexed> {
    let mut tokens = Vec::new();
    let mut at = 0;
    loop {
        let rest = &source[at..];
        let Some(c) = rest.chars().next() else {
            tokens.push(Lexed {
                tok: Tok::End,
                start: at,
                end: at,
            });
            return tokens;
        };
        if is_js_whitespace(c) {
            at += c.len_utf8();
            continue;
        }
        let starts_number =
            c.is_ascii_digit() || (c == '.' && rest[1..].starts_with(|d: char| d.is_ascii_digit()));
        let (tok, len) = if starts_number {
            lex_number(rest)
        } else if c == '"' || c == '\'' {
            lex_string(rest, c)
        } else if is_identifier_start(c) {
            let len = rest.find(|c| !is_identifier_part(c)).unwrap_or(rest.len());
            (Tok::Identifier(rest[..len].to_owned()), len)
        } else if let Some((text, punct)) =
            PUNCTUATION.iter().find(|(text, _)| rest.starts_with(text))
        {
            let tok = match punct {
                Ok(punct) => Tok::Punct(*punct),
                Err(reason) => Tok::Refused(reason),
            };
            (tok, text.len())
        } else {
            (
                Tok::Refused("this character is not supported"),
                c.len_utf8(),
            )
        };
        tokens.push(Lexed {
            tok,
            start: at,
            end: at + len,
        });
        at += len;
    }
}

/// A decimal number literal at the start of `rest`, and its length in bytes.
fn lex_number(rest: &str) -> (Tok, usize) {
    let bytes = rest.as_bytes();
    let digits_from = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut end = digits_from(0);
    let leading_zero = bytes[0] == b'0' && end > 1;
    if end < bytes.len() && bytes[end] == b'.' {
        end = digits_from(end + 1);
    }
    if end < bytes.len() && matches!(bytes[end], b'e' | b'E') {
        let mut exponent = end + 1;
        if exponent < bytes.len() && matches!(bytes[exponent], b'+' | b'-') {
            exponent += 1;
        }
        if exponent < bytes.len() && bytes[exponent].is_ascii_digit() {
            end = digits_from(exponent);
        }
    }
    let trailing = rest[end..]
        .find(|c| !is_identifier_part(c))
        .unwrap_or(rest.len() - end);
    if trailing > 0 {
        let reason = "only decimal number literals are supported, and a number must not be \
                      followed directly by letters";
        return (Tok::Refused(reason), end + trailing);
    }
    if leading_zero {
        return (
            Tok::Refused("numbers with leading zeros (legacy octal) are not supported"),
            end,
        );
    }
    match rest[..end].parse() {
        Ok(n) => (Tok::Number(n), end),
        Err(_) => (Tok::Refused("malformed number"), end),
    }
}

/// A string literal opened by `quote` at the start of `rest`, and its length in bytes.
fn lex_string(rest: &str, quote: char) -> (Tok, usize) {
    let mut value = String::new();
    let mut chars = rest.char_indices().skip(1).peekable();
    let unterminated = (Tok::Refused("unterminated string"), rest.len());
    while let Some((offset, c)) = chars.next() {
        match c {
            _ if c == quote => return (Tok::String(value), offset + c.len_utf8()),
            '\n' | '\r' => return (Tok::Refused("unterminated string"), offset),
            '\\' => {
                let Some((_, escaped)) = chars.next() else {
                    return unterminated;
                };
                let unit = match escaped {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'v' => '\u{b}',
                    '0' if !chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()) => '\0',
                    '0'..='9' => {
                        return (Tok::Refused("octal escapes are not supported"), offset + 2);
                    }
                    '\r' => {
                        chars.next_if(|(_, c)| *c == '\n');
                        continue;
                    }
                    '\n' | '\u{2028}' | '\u{2029}' => continue,
                    'x' => match hex_escape(&mut chars, 2) {
                        Some(c) => c,
                        None => return (Tok::Refused("malformed \\x escape"), offset + 2),
                    },
                    'u' => match unicode_escape(&mut chars) {
                        Some(c) => c,
                        None => {
                            let reason = "malformed \\u escape (a lone surrogate is not supported)";
                            return (Tok::Refused(reason), offset + 2);
                        }
                    },
                    other => other,
                };
                value.push(unit);
            }
            _ => value.push(c),
        }
    }
    unterminated
}

type Chars<'s> = std::iter::Peekable<std::iter::Skip<std::str::CharIndices<'s>>>;

/// `count` hex digits as a code point.
fn hex_value(chars: &mut Chars<'_>, count: usize) -> Option<u32> {
    let mut value = 0;
    for _ in 0..count {
        let (_, c) = chars.next()?;
        value = value * 16 + c.to_digit(16)?;
    }
    Some(value)
}

fn hex_escape(chars: &mut Chars<'_>, count: usize) -> Option<char> {
    char::from_u32(hex_value(chars, count)?)
}

/// The rest of a `\u` escape: `{X…}` or `XXXX`, combining a surrogate pair written as two escapes.
fn unicode_escape(chars: &mut Chars<'_>) -> Option<char> {
    if chars.next_if(|(_, c)| *c == '{').is_some() {
        let mut value: u32 = 0;
        let mut digits = 0;
        loop {
            let (_, c) = chars.next()?;
            if c == '}' && digits > 0 {
                return char::from_u32(value);
            }
            value = value.checked_mul(16)?.checked_add(c.to_digit(16)?)?;
            digits += 1;
            if value > 0x10_ffff {
                return None;
            }
        }
    }
    let high = hex_value(chars, 4)?;
    if !(0xd800..0xdc00).contains(&high) {
        return char::from_u32(high);
    }
    chars.next_if(|(_, c)| *c == '\\')?;
    chars.next_if(|(_, c)| *c == 'u')?;
    let low = hex_value(chars, 4)?;
    if !(0xdc00..0xe000).contains(&low) {
        return None;
    }
    char::from_u32(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00))
}

// --- Parser --------------------------------------------------------------------------------------

/// Nesting of parentheses and unary operators beyond this is refused, so that deeply nested
/// input cannot overflow the stack while parsing.
const MAX_DEPTH: usize = 64;
/// Syntax-tree nodes beyond this are refused, so that evaluating (which recurses) stays shallow.
const MAX_NODES: usize = 512;

struct Parser<'s> {
    source: &'s str,
    tokens: Vec<Lexed>,
    position: usize,
    depth: usize,
    nodes: usize,
}

impl Parser<'_> {
    fn expression(&mut self) -> Result<Node, ExpressionError> {
        if matches!(&self.peek().tok, Tok::Identifier(name) if name == "return") {
            self.position += 1;
        }
        let root = self.or()?;
        while self.peek().tok == Tok::Punct(Punct::Semicolon) {
            self.position += 1;
        }
        match &self.peek().tok {
            Tok::End => Ok(root),
            Tok::Punct(Punct::OpenParen) => {
                Err(self.error_here("function calls are not supported"))
            }
            _ => Err(self.unexpected("only a single expression is supported")),
        }
    }

    fn or(&mut self) -> Result<Node, ExpressionError> {
        let mut left = self.and()?;
        while self.eat_binary(&[BinaryOperator::Or]).is_some() {
            let right = self.and()?;
            left = self.binary(BinaryOperator::Or, left, right)?;
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, ExpressionError> {
        let mut left = self.equality()?;
        while self.eat_binary(&[BinaryOperator::And]).is_some() {
            let right = self.equality()?;
            left = self.binary(BinaryOperator::And, left, right)?;
        }
        Ok(left)
    }

    fn equality(&mut self) -> Result<Node, ExpressionError> {
        const OPERATORS: &[BinaryOperator] = &[
            BinaryOperator::StrictEqual,
            BinaryOperator::StrictNotEqual,
            BinaryOperator::Equal,
            BinaryOperator::NotEqual,
        ];
        let mut left = self.relational()?;
        while let Some(operator) = self.eat_binary(OPERATORS) {
            let right = self.relational()?;
            left = self.binary(operator, left, right)?;
        }
        Ok(left)
    }

    fn relational(&mut self) -> Result<Node, ExpressionError> {
        const OPERATORS: &[BinaryOperator] = &[
            BinaryOperator::Less,
            BinaryOperator::LessOrEqual,
            BinaryOperator::Greater,
            BinaryOperator::GreaterOrEqual,
        ];
        let mut left = self.unary()?;
        while let Some(operator) = self.eat_binary(OPERATORS) {
            let right = self.unary()?;
            left = self.binary(operator, left, right)?;
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, ExpressionError> {
        let operator = match self.peek().tok {
            Tok::Punct(Punct::Not) => Node::Not,
            Tok::Punct(Punct::Minus) => Node::Negate,
            _ => {
                let start = self.peek().start;
                let node = self.member()?;
                if let Node::Token = node {
                    return Err(self.error_at(
                        start,
                        "`token` itself cannot be used as a value; use `token.current` or \
                         `token.history`",
                    ));
                }
                return Ok(node);
            }
        };
        self.enter()?;
        self.position += 1;
        let operand = self.unary()?;
        self.depth -= 1;
        self.node(operator(Box::new(operand)))
    }

    /// A primary expression followed by property accesses.
    fn member(&mut self) -> Result<Node, ExpressionError> {
        let start = self.peek().start;
        let mut node = self.primary()?;
        loop {
            let end = self
                .position
                .checked_sub(1)
                .and_then(|last| self.tokens.get(last))
                .map_or(start, |last| last.end);
            let key = match self.peek().tok {
                Tok::Punct(Punct::Dot) => {
                    self.position += 1;
                    match &self.peek().tok {
                        Tok::Identifier(name) => {
                            let name = name.clone();
                            self.position += 1;
                            name
                        }
                        _ => return Err(self.unexpected("expected a property name after `.`")),
                    }
                }
                Tok::Punct(Punct::OpenBracket) => {
                    self.position += 1;
                    let key = match &self.peek().tok {
                        Tok::String(key) => Some(key.clone()),
                        Tok::Number(_) => {
                            let lexed = self.peek();
                            let text = &self.source[lexed.start..lexed.end];
                            array_index(text).map(|_| text.to_owned())
                        }
                        _ => None,
                    };
                    let Some(key) = key else {
                        return Err(self.unexpected(
                            "only a string literal or a non-negative integer is supported \
                             inside `[…]`",
                        ));
                    };
                    self.position += 1;
                    if self.peek().tok != Tok::Punct(Punct::CloseBracket) {
                        return Err(self.unexpected("expected `]`"));
                    }
                    self.position += 1;
                    key
                }
                Tok::Punct(Punct::OpenParen) => {
                    return Err(self.error_here("function calls are not supported"));
                }
                _ => return Ok(node),
            };
            node = self.node(Node::Member {
                object: Box::new(node),
                object_span: (start, end),
                key,
            })?;
        }
    }

    fn primary(&mut self) -> Result<Node, ExpressionError> {
        let lexed = self.peek().clone();
        let literal = match lexed.tok {
            Tok::Number(n) => Literal::Number(n),
            Tok::String(s) => Literal::String(s),
            Tok::Identifier(name) => match name.as_str() {
                "token" => {
                    self.position += 1;
                    return self.node(Node::Token);
                }
                "true" => Literal::Bool(true),
                "false" => Literal::Bool(false),
                "null" => Literal::Null,
                "undefined" => Literal::Undefined,
                "NaN" => Literal::Number(f64::NAN),
                "Infinity" => Literal::Number(f64::INFINITY),
                "identity" => {
                    return Err(
                        self.error_here("not available in the stand-in engine; only `token` is")
                    );
                }
                _ => {
                    return Err(self.error_here(
                        "unknown identifier; only `token` and the literals `true`, `false`, \
                         `null`, `undefined`, `NaN` and `Infinity` are supported",
                    ));
                }
            },
            Tok::Punct(Punct::OpenParen) => {
                self.enter()?;
                self.position += 1;
                let inner = self.or()?;
                if self.peek().tok != Tok::Punct(Punct::CloseParen) {
                    return Err(self.unexpected("expected `)`"));
                }
                self.position += 1;
                self.depth -= 1;
                return Ok(inner);
            }
            Tok::Punct(Punct::OpenBracket) => {
                return Err(self.error_here("array literals are not supported"));
            }
            _ => return Err(self.unexpected("expected a value")),
        };
        self.position += 1;
        self.node(Node::Literal(literal))
    }

    fn peek(&self) -> &Lexed {
        // The lexer ends every token list with `End`, and the parser never moves past it.
        &self.tokens[self.position.min(self.tokens.len() - 1)]
    }

    fn eat_binary(&mut self, operators: &[BinaryOperator]) -> Option<BinaryOperator> {
        match self.peek().tok {
            Tok::Punct(Punct::Binary(operator)) if operators.contains(&operator) => {
                self.position += 1;
                Some(operator)
            }
            _ => None,
        }
    }

    fn binary(
        &mut self,
        operator: BinaryOperator,
        left: Node,
        right: Node,
    ) -> Result<Node, ExpressionError> {
        self.node(Node::Binary {
            operator,
            left: Box::new(left),
            right: Box::new(right),
        })
    }

    /// Counts a new node against [`MAX_NODES`].
    fn node(&mut self, node: Node) -> Result<Node, ExpressionError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(self.error_here(&format!(
                "the expression is too long (more than {MAX_NODES} operations and values)"
            )));
        }
        Ok(node)
    }

    fn enter(&mut self) -> Result<(), ExpressionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here(&format!(
                "the expression is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        Ok(())
    }

    /// An error about the next token, which does not fit where it stands.
    fn unexpected(&self, expectation: &str) -> ExpressionError {
        let lexed = self.peek();
        let text = &self.source[lexed.start..lexed.end];
        let message = match lexed.tok {
            Tok::End => format!("unexpected end of the expression; {expectation}"),
            Tok::Refused(reason) => format!("`{text}`: {reason}"),
            _ => format!("unexpected `{text}`; {expectation}"),
        };
        self.error_at(lexed.start, &message)
    }

    /// An error about the next token, naming it.
    fn error_here(&self, message: &str) -> ExpressionError {
        let lexed = self.peek();
        let text = &self.source[lexed.start..lexed.end];
        self.error_at(lexed.start, &format!("`{text}`: {message}"))
    }

    fn error_at(&self, offset: usize, message: &str) -> ExpressionError {
        ExpressionError::Syntax {
            expression: self.source.to_owned(),
            column: self.source[..offset].chars().count() + 1,
            message: message.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn eval_with(source: &str, current: &Value) -> Result<Option<Value>, ExpressionError> {
        let history = json!({"task": {"approved": true, "items": [1, 2, 3]}});
        let Value::Object(history) = history else {
            unreachable!()
        };
        let token = Token {
            current,
            history: &history,
        };
        Expression::parse(source)?.evaluate(&token)
    }

    fn eval(source: &str) -> Option<Value> {
        let current = json!({
            "n": 5, "zero": 0, "s": "abc", "empty": "", "t": true, "f": false, "nil": null,
            "obj": {}, "arr": [], "items": [10, 20], "nested": {"a": {"b": "deep"}},
            "big": 12345678901234567890u64, "float": 1.5, "num_str": " 12 ",
        });
        match eval_with(source, &current) {
            Ok(value) => value,
            Err(error) => panic!("{source}: {error}"),
        }
    }

    fn holds(source: &str) -> bool {
        let current = json!({"n": 5, "obj": {}, "arr": [], "s": "", "nan": "x"});
        let history = Map::new();
        let token = Token {
            current: &current,
            history: &history,
        };
        match Expression::parse(source).and_then(|e| e.holds(&token)) {
            Ok(holds) => holds,
            Err(error) => panic!("{source}: {error}"),
        }
    }

    fn eval_error(source: &str) -> String {
        match eval_with(source, &json!({"a": {}, "nil": null, "o": {}, "p": [1]})) {
            Err(error @ ExpressionError::Evaluation { .. }) => error.to_string(),
            other => panic!("{source}: expected an evaluation error, got {other:?}"),
        }
    }

    fn syntax_error(source: &str) -> (usize, String) {
        match Expression::parse(source) {
            Err(ExpressionError::Syntax {
                column,
                message,
                expression,
            }) => {
                assert_eq!(expression, source);
                (column, message)
            }
            other => panic!("{source}: expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn literals() {
        assert_eq!(eval("1"), Some(json!(1)));
        assert_eq!(eval("2.5"), Some(json!(2.5)));
        assert_eq!(eval("1e3"), Some(json!(1000)));
        assert_eq!(eval(".5"), Some(json!(0.5)));
        assert_eq!(eval("-3"), Some(json!(-3)));
        assert_eq!(eval("-0"), Some(json!(0)));
        assert_eq!(eval("'it\\'s'"), Some(json!("it's")));
        assert_eq!(
            eval(r#""a\"b\n\t\\\x41\u0042\u{43}""#),
            Some(json!("a\"b\n\t\\ABC"))
        );
        assert_eq!(eval(r#""\uD83D\uDE00""#), Some(json!("😀")));
        assert_eq!(eval("true"), Some(json!(true)));
        assert_eq!(eval("false"), Some(json!(false)));
        assert_eq!(eval("null"), Some(Value::Null));
        assert_eq!(eval("undefined"), None);
        assert_eq!(eval("NaN"), Some(Value::Null));
        assert_eq!(eval("-Infinity"), Some(Value::Null));
        assert_eq!(eval("return 1;"), Some(json!(1)));
        assert_eq!(eval("  return   'x' ;; "), Some(json!("x")));
    }

    #[test]
    fn paths() {
        assert_eq!(eval("token.current.n"), Some(json!(5)));
        assert_eq!(eval("token.current['n']"), Some(json!(5)));
        assert_eq!(eval("token[\"current\"].nested.a.b"), Some(json!("deep")));
        assert_eq!(eval("token.current.items[1]"), Some(json!(20)));
        assert_eq!(eval("token.current.items['0']"), Some(json!(10)));
        assert_eq!(eval("token.current.items[2]"), None);
        assert_eq!(eval("token.current.items.length"), Some(json!(2)));
        assert_eq!(eval("token.current.s.length"), Some(json!(3)));
        assert_eq!(eval("token.current.s[1]"), Some(json!("b")));
        assert_eq!(eval("token.current.s[3]"), None);
        assert_eq!(eval("token.current.missing"), None);
        assert_eq!(eval("token.current.n.foo"), None);
        assert_eq!(eval("token.current.toString"), None);
        assert_eq!(eval("token.other"), None);
        assert_eq!(eval("token.history.task.items[2]"), Some(json!(3)));
        assert_eq!(
            eval("token.history"),
            Some(json!({"task": {"approved": true, "items": [1, 2, 3]}}))
        );
        assert_eq!(
            eval("(token.current).nested['a']"),
            Some(json!({"b": "deep"}))
        );
        // Numbers from the token are handed on exactly.
        assert_eq!(
            eval("token.current.big"),
            Some(json!(12345678901234567890u64))
        );
        assert_eq!(eval("token.current.float"), Some(json!(1.5)));
        assert_eq!(
            eval_with("token.current", &json!({"x": [1, {"y": null}]})),
            Ok(Some(json!({"x": [1, {"y": null}]})))
        );
        assert_eq!(
            eval_with("token.current.a", &json!("str")),
            Ok(None),
            "a property of a string is undefined"
        );
    }

    #[test]
    fn reading_a_property_of_undefined_or_null_is_a_type_error() {
        let message = eval_error("token.current.missing.b");
        assert!(
            message.contains("`token.current.missing` is undefined"),
            "{message}"
        );
        assert!(message.contains("`b`"), "{message}");
        assert!(message.contains("token.current.missing.b"), "{message}");
        let message = eval_error("token.current.nil['x']");
        assert!(message.contains("`token.current.nil` is null"), "{message}");
        let message = eval_error("token.current.a.b.c");
        assert!(
            message.contains("`token.current.a.b` is undefined"),
            "{message}"
        );
        // Short-circuiting protects a path, as in JavaScript.
        assert_eq!(
            eval_with(
                "token.current.a.b && token.current.a.b.c",
                &json!({"a": {}})
            ),
            Ok(None)
        );
    }

    #[test]
    fn precedence() {
        assert_eq!(eval("true || false && false"), Some(json!(true)));
        assert_eq!(eval("(true || false) && false"), Some(json!(false)));
        assert_eq!(eval("1 < 2 === true"), Some(json!(true)));
        assert_eq!(eval("!token.current.n === false"), Some(json!(true)));
        assert_eq!(eval("!(token.current.n === 5)"), Some(json!(false)));
        assert_eq!(eval("-token.current.n < -4"), Some(json!(true)));
        assert_eq!(eval("1 === 1 && 2 > 1 || false"), Some(json!(true)));
        assert_eq!(
            eval("1 < 2 < 3"),
            Some(json!(true)),
            "(1 < 2) < 3 is true < 3"
        );
        assert_eq!(
            eval("3 > 2 > 1"),
            Some(json!(false)),
            "(3 > 2) > 1 is true > 1"
        );
        assert_eq!(eval("!!token.current.s"), Some(json!(true)));
        assert_eq!(eval("- -2"), Some(json!(2)));
        assert_eq!(eval("1 == 1 != false"), Some(json!(true)));
    }

    #[test]
    fn and_or_return_an_operand() {
        assert_eq!(eval("token.current.s || 'x'"), Some(json!("abc")));
        assert_eq!(
            eval("token.current.empty || 'fallback'"),
            Some(json!("fallback"))
        );
        assert_eq!(eval("token.current.zero || token.current.missing"), None);
        assert_eq!(
            eval("token.current.n && token.current.s"),
            Some(json!("abc"))
        );
        assert_eq!(
            eval("token.current.zero && token.current.s"),
            Some(json!(0))
        );
        assert_eq!(eval("token.current.nil && 1"), Some(Value::Null));
        assert_eq!(eval("token.current.obj || 1"), Some(json!({})));
    }

    #[test]
    fn strict_equality() {
        assert_eq!(eval("1 === 1.0"), Some(json!(true)));
        assert_eq!(eval("1 === '1'"), Some(json!(false)));
        assert_eq!(eval("'a' !== 'a'"), Some(json!(false)));
        assert_eq!(eval("null === undefined"), Some(json!(false)));
        assert_eq!(
            eval("token.current.missing === undefined"),
            Some(json!(true))
        );
        assert_eq!(eval("token.current.nil === null"), Some(json!(true)));
        assert_eq!(eval("NaN === NaN"), Some(json!(false)));
        assert_eq!(eval("0 === -0"), Some(json!(true)));
        assert_eq!(eval("token.current.obj === null"), Some(json!(false)));
        assert_eq!(eval("token.current.arr !== 'x'"), Some(json!(true)));
        assert_eq!(
            eval("token.current.big === 12345678901234567890"),
            Some(json!(true))
        );
    }

    #[test]
    fn abstract_equality() {
        assert_eq!(eval("null == undefined"), Some(json!(true)));
        assert_eq!(eval("token.current.missing == null"), Some(json!(true)));
        assert_eq!(eval("null == 0"), Some(json!(false)));
        assert_eq!(eval("undefined == false"), Some(json!(false)));
        assert_eq!(eval("1 == '1'"), Some(json!(true)));
        assert_eq!(eval("'1.0' == 1"), Some(json!(true)));
        assert_eq!(eval("0 == ''"), Some(json!(true)));
        assert_eq!(eval("token.current.num_str == 12"), Some(json!(true)));
        assert_eq!(eval("'0x10' == 16"), Some(json!(true)));
        assert_eq!(eval("'abc' == 0"), Some(json!(false)));
        assert_eq!(eval("true == 1"), Some(json!(true)));
        assert_eq!(eval("true == '1'"), Some(json!(true)));
        assert_eq!(eval("false == ''"), Some(json!(true)));
        assert_eq!(eval("true == 'true'"), Some(json!(false)));
        assert_eq!(eval("'a' == 'a'"), Some(json!(true)));
        assert_eq!(eval("1 != '2'"), Some(json!(true)));
        assert_eq!(eval("token.current.obj != null"), Some(json!(true)));
        assert_eq!(eval("token.current.obj == undefined"), Some(json!(false)));
        assert_eq!(eval("'Infinity' == Infinity"), Some(json!(true)));
        assert_eq!(eval("'inf' == Infinity"), Some(json!(false)));
        assert_eq!(eval("'nan' == NaN"), Some(json!(false)));
    }

    #[test]
    fn relational() {
        assert_eq!(eval("token.current.n > 3"), Some(json!(true)));
        assert_eq!(eval("token.current.n >= 5"), Some(json!(true)));
        assert_eq!(eval("token.current.n < 5"), Some(json!(false)));
        assert_eq!(eval("token.current.n <= 4.9"), Some(json!(false)));
        assert_eq!(eval("'b' > 'a'"), Some(json!(true)));
        assert_eq!(
            eval("'10' < '9'"),
            Some(json!(true)),
            "strings compare as strings"
        );
        assert_eq!(
            eval("'10' < 9"),
            Some(json!(false)),
            "mixed compare as numbers"
        );
        assert_eq!(eval("null >= 0"), Some(json!(true)));
        assert_eq!(eval("undefined >= 0"), Some(json!(false)));
        assert_eq!(
            eval("'x' < 1 || 'x' >= 1"),
            Some(json!(false)),
            "NaN compares false"
        );
        assert_eq!(eval("true > false"), Some(json!(true)));
        // U+FF5E sorts after U+1F600 in UTF-16 (the latter starts with a surrogate).
        assert_eq!(eval("'\u{ff5e}' > '\u{1f600}'"), Some(json!(true)));
    }

    #[test]
    fn truthiness() {
        for falsy in [
            "undefined",
            "null",
            "false",
            "0",
            "-0",
            "NaN",
            "''",
            "token.current.s",
        ] {
            assert!(!holds(falsy), "{falsy}");
        }
        for truthy in [
            "true",
            "1",
            "-1",
            "'0'",
            "'false'",
            "' '",
            "token.current.obj",
            "token.current.arr",
            "Infinity",
        ] {
            assert!(holds(truthy), "{truthy}");
        }
        assert!(!holds("-token.current.nan"), "NaN from a string is falsy");
        assert!(holds("token.current.n === 5 && token.current.obj"));
    }

    #[test]
    fn comparing_objects_is_refused() {
        for source in [
            "token.current.o === token.current.o",
            "token.current.o == token.current.p",
            "token.current.p != token.current.p",
        ] {
            let message = eval_error(source);
            assert!(message.contains("by identity"), "{message}");
        }
        for source in [
            "token.current.p == 1",
            "token.current.p < 2",
            "'a' >= token.current.o",
        ] {
            let message = eval_error(source);
            assert!(message.contains("toString"), "{message}");
        }
        assert!(eval_error("-token.current.o").contains("unary `-`"));
    }

    #[test]
    fn unsupported_syntax_names_the_token_and_its_column() {
        let cases = [
            ("token.current.a + 1", 17, "`+`"),
            ("token.current.a * 2", 17, "`*`"),
            ("token.current.a = 1", 17, "`=`"),
            ("token.current.a += 1", 17, "`+=`"),
            ("identity.userId", 1, "`identity`"),
            ("foo(1)", 1, "`foo`"),
            ("token.current.f(1)", 16, "function calls"),
            ("`x${1}`", 1, "template literals"),
            ("{ a: 1 }", 1, "object literals"),
            ("[1]", 1, "array literals"),
            ("token.current.a ? 1 : 2", 17, "conditional"),
            ("token.current?.a", 14, "optional chaining"),
            ("token.current.a ?? 1", 17, "nullish"),
            ("token.current[token.current.k]", 15, "inside `[…]`"),
            ("token.current[-1]", 15, "inside `[…]`"),
            ("token.current[1.5]", 15, "inside `[…]`"),
            ("token", 1, "`token` itself"),
            ("1 2", 3, "single expression"),
            ("token.current.a; token.current.b", 18, "single expression"),
            ("(1", 3, "expected `)`"),
            ("1 ===", 6, "end of the expression"),
            ("", 1, "end of the expression"),
            ("return", 7, "end of the expression"),
            ("'abc", 1, "unterminated string"),
            ("\"a\nb\"", 1, "unterminated string"),
            ("0x10", 1, "decimal"),
            ("1_000", 1, "decimal"),
            ("010", 1, "leading zeros"),
            ("'\\1'", 1, "octal escapes"),
            ("'\\uD800'", 1, "lone surrogate"),
            ("x => 1", 1, "`x`"),
            ("token.current.a => 1", 17, "arrow functions"),
            ("token.current.a // c", 17, "comments"),
            ("a.b", 1, "`a`: unknown identifier"),
            ("token.", 7, "property name"),
            ("token.current.a & 1", 17, "bitwise"),
            ("token.current.ä # 1", 17, "`#`"),
            ("new Date()", 1, "`new`"),
        ];
        for (source, column, needle) in cases {
            let (actual_column, message) = syntax_error(source);
            assert_eq!(actual_column, column, "{source}: {message}");
            assert!(message.contains(needle), "{source}: {message}");
        }
        let error = Expression::parse("token.current.a + 1").err();
        let display = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            display.contains("`token.current.a + 1`") && display.contains("column 17"),
            "{display}"
        );
    }

    #[test]
    fn unicode_property_names_and_columns() {
        assert_eq!(
            eval_with("token.current.größe > 1", &json!({"größe": 2})),
            Ok(Some(json!(true)))
        );
        let (column, _) = syntax_error("'ü' + 1");
        assert_eq!(column, 5, "columns count characters, not bytes");
    }

    #[test]
    fn token_paths() {
        for path in [
            "token.current",
            "token.current.order.items[0]",
            "token['current']['a b']",
            "return token.history.task;",
            "token.history.task.result",
            "(token.current.a)",
        ] {
            let expression = Expression::parse(path).ok();
            assert!(expression.is_some_and(|e| e.is_token_path()), "{path}");
        }
        for not_a_path in [
            "token.history",
            "token.other.a",
            "1",
            "'token.current'",
            "!token.current",
            "token.current.a || token.current.b",
            "token.current === 1",
            "-token.current.n",
        ] {
            let expression = Expression::parse(not_a_path).ok();
            assert!(
                expression.is_some_and(|e| !e.is_token_path()),
                "{not_a_path}"
            );
        }
    }

    #[test]
    fn source_and_display_keep_the_text() {
        let text = " return token.current.a === 'x'; ";
        let expression = Expression::parse(text).ok();
        assert_eq!(expression.as_ref().map(Expression::source), Some(text));
        assert_eq!(expression.map(|e| e.to_string()).as_deref(), Some(text));
    }

    #[test]
    fn deep_nesting_and_long_chains_are_refused_not_overflowing() {
        let nested = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(syntax_error(&nested).1.contains("nested"));
        let nots = format!("{}1", "!".repeat(10_000));
        assert!(syntax_error(&nots).1.contains("nested"));
        let chain = vec!["1"; 10_000].join(" || ");
        assert!(syntax_error(&chain).1.contains("too long"));
        let ok = format!("{}1{}", "(".repeat(60), ")".repeat(60));
        assert_eq!(eval(&ok), Some(json!(1)));
    }

    /// Every prefix and suffix of some valid expressions, and a few byte-level mutations, parse
    /// or fail without panicking; those that parse also evaluate without panicking.
    #[test]
    fn no_input_panics() {
        let samples = [
            "return token.current.order.items[0].price >= 10.5 && token.history['task_1'].ok;",
            "!(token.current.a === 'x\\u{1F600}\\n' || token.current.b != null) && -1e-3 < .5",
            "token.current.s[0] == \"ü\\x41\\uD83D\\uDE00\" || undefined !== NaN",
            "token.current['größe'] <= Infinity && token.current.list.length > 0 ;",
        ];
        let current = json!({"order": {"items": [{"price": 11}]}, "s": "ü😀", "a": "x"});
        let history = Map::new();
        let token = Token {
            current: &current,
            history: &history,
        };
        let mut inputs = Vec::new();
        for sample in samples {
            for (i, _) in sample.char_indices().chain([(sample.len(), ' ')]) {
                inputs.push(sample[..i].to_owned());
                inputs.push(sample[i..].to_owned());
                for insert in ["(", ")", "'", "\\", "[", ".", "-", "!", "😀", "=", "0"] {
                    inputs.push(format!("{}{insert}{}", &sample[..i], &sample[i..]));
                }
            }
        }
        for input in inputs {
            if let Ok(expression) = Expression::parse(&input) {
                let _ = expression.evaluate(&token);
                let _ = expression.holds(&token);
                let _ = expression.is_token_path();
            }
        }
    }
}
