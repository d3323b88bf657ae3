//! JavaScript for the expressions of a model, on QuickJS (`rquickjs`).
//!
//! The 8.0.0 core evaluates every expression with `new Function(...)` in Node, without a
//! sandbox; here each evaluation runs in a fresh QuickJS context with no I/O at all (QuickJS
//! without its `std`/`os` modules has none, and there is no `require`), a memory limit and a
//! time limit ([`TIME_LIMIT`]), so that `while (true) {}` fails its instance instead of holding
//! the engine. The wrapping of each kind of expression lives in `prelude.js`, next to the core
//! file it copies.
//!
//! Scripts may return a Promise and use `setTimeout`: the timers run on a virtual clock inside
//! the evaluation, and [`Evaluated::delay_ms`] tells the engine how long the script would have
//! taken, so that the flow node waits that long on the engine's clock.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use rquickjs::{Context, Function, Runtime};
use serde::Deserialize;
use serde_json::Value;

/// How long one evaluation may run.
pub(crate) const TIME_LIMIT: Duration = Duration::from_secs(1);
/// How much memory one thread's JavaScript runtime may hold.
const MEMORY_LIMIT: usize = 64 * 1024 * 1024;
/// QuickJS's own stack limit: deep recursion ends in a `RangeError`, not in a crashed thread.
const STACK_LIMIT: usize = 512 * 1024;
/// Timers and promise jobs one script may run before it counts as never settling.
const MAX_TIMERS: usize = 10_000;

const PRELUDE: &str = include_str!("prelude.js");

/// Which wrapping an expression gets (api/semantics.md, "Expressions").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A sequence-flow condition: `return <expr>` with `token`, `this` = token.
    Condition,
    /// A payload or `inputValues` property: `return <expr>` with `token`, `identity`,
    /// `this` = token.
    Value,
    /// A script task body with `token` and `identity`; `this` is the handler; awaited.
    Script,
    /// A timer value: `return <expr>` with `token`, `this` = token.
    Timer,
    /// A form-field expression as the user task validates it: `this` = token.
    Form,
    /// A form-field expression as the consumer API presents it: `this` = undefined.
    FormPresentation,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Condition => "condition",
            Kind::Value => "value",
            Kind::Script => "script",
            Kind::Timer => "timer",
            Kind::Form => "form",
            Kind::FormPresentation => "formPresentation",
        }
    }
}

/// What an expression yields.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Evaluated {
    /// Its value as JSON; `None` for `undefined` (and for values JSON cannot hold, such as
    /// functions, which `JSON.stringify` drops too).
    pub(crate) value: Option<Value>,
    /// Whether the value is truthy in JavaScript's sense.
    pub(crate) truthy: bool,
    /// The virtual time the script's timers took, in milliseconds.
    pub(crate) delay_ms: u64,
}

/// Why an expression yields nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum JsError {
    /// It threw (or its Promise was rejected).
    #[error("the expression threw: {}", .0.message)]
    Thrown(Thrown),
    /// It ran longer than [`TIME_LIMIT`].
    #[error("the expression ran longer than {} ms", TIME_LIMIT.as_millis())]
    TimeLimit,
    /// It returned a Promise that never settles.
    #[error("the script's Promise never settles")]
    NeverSettles,
    /// QuickJS failed (out of memory, or the runtime could not be made).
    #[error("the JavaScript engine failed: {0}")]
    Engine(String),
}

/// A thrown JavaScript value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Thrown {
    /// `error.message`, or the value as a string.
    pub(crate) message: String,
    /// `JSON.stringify(error)`: only the own enumerable properties of an `Error`.
    pub(crate) json: Value,
    /// `error._code`, when it is a number (the classes of `@essential-projects/errors_ts`).
    pub(crate) code: Option<i64>,
    /// `error.name`.
    pub(crate) name: Option<String>,
}

/// The outcome as the prelude's `__outcome` reports it.
#[derive(Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
enum Outcome {
    Pending,
    Ok {
        #[serde(default)]
        undefined: bool,
        json: Option<String>,
        truthy: bool,
    },
    Error {
        message: String,
        json: Option<String>,
        code: Option<i64>,
        name: Option<String>,
    },
}

struct Sandbox {
    // Kept for the context's sake: a context holds its runtime.
    _runtime: Runtime,
    context: Context,
    deadline: std::rc::Rc<std::cell::Cell<Option<Instant>>>,
}

impl Sandbox {
    fn new() -> Result<Sandbox, JsError> {
        let runtime = Runtime::new().map_err(|error| engine_error(&error))?;
        runtime.set_memory_limit(MEMORY_LIMIT);
        runtime.set_max_stack_size(STACK_LIMIT);
        let deadline = std::rc::Rc::new(std::cell::Cell::new(None::<Instant>));
        let seen = std::rc::Rc::clone(&deadline);
        runtime.set_interrupt_handler(Some(Box::new(move || {
            seen.get()
                .is_some_and(|deadline| Instant::now() >= deadline)
        })));
        let context = Context::full(&runtime).map_err(|error| engine_error(&error))?;
        context.with(|ctx| {
            ctx.eval::<(), _>(PRELUDE)
                .map_err(|error| caught(&ctx, &error))
        })?;
        Ok(Sandbox {
            _runtime: runtime,
            context,
            deadline,
        })
    }
}

thread_local! {
    /// One runtime and context per thread: a runtime is not `Send`, and a fresh context with
    /// the prelude costs about half a millisecond. As in Node, where the core's `new Function`
    /// runs in the one global scope, globals a script sets stay for later evaluations (of that
    /// thread); the prelude's own state is reset on every run.
    static SANDBOX: RefCell<Option<Sandbox>> = const { RefCell::new(None) };
}

/// Evaluates `source` as `kind` over `token` (the `{history, current}` object as JSON text,
/// with `specials`: the values JSON cannot hold, see `prelude.js`) and `identity`
/// (`{token, userId}` as JSON text).
pub(crate) fn evaluate(
    kind: Kind,
    source: &str,
    token: &str,
    specials: Option<&str>,
    identity: Option<&str>,
) -> Result<Evaluated, JsError> {
    SANDBOX.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(Sandbox::new()?);
        }
        let Some(sandbox) = slot.as_ref() else {
            return Err(JsError::Engine("no JavaScript runtime".to_owned()));
        };
        let started = Instant::now();
        sandbox.deadline.set(Some(started + TIME_LIMIT));
        let outcome = run(sandbox, kind, source, (token, specials), identity);
        sandbox.deadline.set(None);
        let outcome = match outcome {
            Err(_) if started.elapsed() >= TIME_LIMIT => Err(JsError::TimeLimit),
            other => other,
        };
        if matches!(
            outcome,
            Err(JsError::Engine(_) | JsError::TimeLimit | JsError::NeverSettles)
        ) {
            // An interrupted or exhausted runtime may be in a bad state, and a script that
            // never settles leaves its closures behind: the next evaluation gets a new one.
            *slot = None;
        }
        outcome
    })
}

fn run(
    sandbox: &Sandbox,
    kind: Kind,
    source: &str,
    (token, specials): (&str, Option<&str>),
    identity: Option<&str>,
) -> Result<Evaluated, JsError> {
    let context = &sandbox.context;
    let report: String = context.with(|ctx| -> Result<String, JsError> {
        let globals = ctx.globals();
        let run: Function<'_> = globals.get("__run").map_err(|error| engine_error(&error))?;
        run.call::<_, ()>((kind.name(), source, token, identity, specials))
            .map_err(|error| caught(&ctx, &error))?;
        let fire: Function<'_> = globals
            .get("__fireNextTimer")
            .map_err(|error| engine_error(&error))?;
        let outcome: Function<'_> = globals
            .get("__outcome")
            .map_err(|error| engine_error(&error))?;
        for _ in 0..MAX_TIMERS {
            // A job's exception rejects its promise; the outcome reports it.
            while ctx.execute_pending_job() {
                if sandbox.deadline.get().is_some_and(|d| Instant::now() >= d) {
                    return Err(JsError::TimeLimit);
                }
            }
            let report: String = outcome.call(()).map_err(|error| caught(&ctx, &error))?;
            if !report.starts_with(r#"{"state":"pending""#) {
                return Ok(report);
            }
            let fired: bool = fire.call(()).map_err(|error| caught(&ctx, &error))?;
            if !fired {
                return Err(JsError::NeverSettles);
            }
        }
        Err(JsError::NeverSettles)
    })?;
    let delay_ms = context.with(|ctx| {
        ctx.globals()
            .get::<_, Function<'_>>("__virtualElapsed")
            .and_then(|elapsed| elapsed.call::<_, f64>(()))
            .unwrap_or(0.0)
    });
    let outcome: Outcome =
        serde_json::from_str(&report).map_err(|error| JsError::Engine(error.to_string()))?;
    match outcome {
        Outcome::Pending => Err(JsError::NeverSettles),
        Outcome::Ok {
            undefined,
            json,
            truthy,
        } => {
            let value = match json {
                Some(json) if !undefined => Some(
                    serde_json::from_str(&json)
                        .map_err(|error| JsError::Engine(error.to_string()))?,
                ),
                _ => None,
            };
            Ok(Evaluated {
                value,
                truthy,
                delay_ms: millis(delay_ms),
            })
        }
        Outcome::Error {
            message,
            json,
            code,
            name,
        } => Err(JsError::Thrown(Thrown {
            message,
            json: json
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or(Value::Null),
            code,
            name,
        })),
    }
}

/// A virtual duration in whole milliseconds; nonsense (negative, NaN) counts as none.
fn millis(ms: f64) -> u64 {
    if ms.is_finite() && ms > 0.0 {
        // Bounded by the timer count and u64's range; the saturating cast is what is wanted.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let whole = ms.ceil() as u64;
        whole
    } else {
        0
    }
}

/// An exception QuickJS reports from outside the prelude's own `try` (a syntax error in the
/// prelude cannot happen; an interrupt or out-of-memory can).
fn caught(ctx: &rquickjs::Ctx<'_>, error: &rquickjs::Error) -> JsError {
    if let rquickjs::Error::Exception = error {
        let exception = ctx.catch();
        let message = exception
            .as_exception()
            .and_then(rquickjs::Exception::message)
            .unwrap_or_else(|| "uncatchable exception".to_owned());
        if message.contains("interrupted") {
            return JsError::TimeLimit;
        }
        return JsError::Engine(message);
    }
    engine_error(error)
}

fn engine_error(error: &rquickjs::Error) -> JsError {
    JsError::Engine(error.to_string())
}

#[cfg(test)]
mod tests;
