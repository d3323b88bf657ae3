//! A tracing subscriber for unit tests: it keeps the fields recorded on spans and events, per
//! thread, while a [`Recording`] is alive on that thread.
//!
//! It is installed once as the global default rather than per test with `set_default`: tracing
//! caches per callsite whether anyone listens, and a test on another thread that hits a
//! callsite while no scoped subscriber exists can leave it cached as unheard, losing events.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Once;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// The fields of one span or event, as `name=value` strings (strings without quotes).
pub(crate) type Fields = Vec<String>;

#[derive(Default)]
struct State {
    /// By id - 1: name and fields.
    spans: Vec<(&'static str, Fields)>,
    events: Vec<Fields>,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// Records what is traced on this thread until dropped. Use it on a current-thread runtime, so
/// that everything the test runs is polled on this thread.
pub(crate) struct Recording {
    /// Bound to the thread whose traces it records.
    _thread: PhantomData<*const ()>,
}

impl Recording {
    pub(crate) fn start() -> Recording {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            // Only these tests install a subscriber in this process.
            let _ = tracing::subscriber::set_global_default(Capture);
        });
        // A callsite registered on another thread just as the subscriber was installed may
        // still be cached as unheard.
        tracing::callsite::rebuild_interest_cache();
        STATE.with(|state| *state.borrow_mut() = Some(State::default()));
        Recording {
            _thread: PhantomData,
        }
    }

    /// The fields of every span named `name`, in the order they were created.
    pub(crate) fn spans(&self, name: &str) -> Vec<Fields> {
        with_state(|state| {
            state
                .spans
                .iter()
                .filter(|(span, _)| *span == name)
                .map(|(_, fields)| fields.clone())
                .collect()
        })
        .unwrap_or_default()
    }

    /// The fields of every event, with its message as the field `message`.
    pub(crate) fn events(&self) -> Vec<Fields> {
        with_state(|state| state.events.clone()).unwrap_or_default()
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        STATE.with(|state| *state.borrow_mut() = None);
    }
}

/// Runs `f` on this thread's state, if it records.
fn with_state<T>(f: impl FnOnce(&mut State) -> T) -> Option<T> {
    STATE.with(|state| {
        let mut state = state.try_borrow_mut().ok()?;
        state.as_mut().map(f)
    })
}

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push(format!("{}={value}", field.name()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
}

struct Capture;

impl Subscriber for Capture {
    fn enabled(&self, _metadata: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut fields = Fields::new();
        attributes.record(&mut Visitor(&mut fields));
        let id = with_state(|state| {
            state.spans.push((attributes.metadata().name(), fields));
            state.spans.len() as u64
        });
        // Spans on threads that do not record all share one id.
        Id::from_u64(id.unwrap_or(u64::MAX))
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        with_state(|state| {
            let index = usize::try_from(span.into_u64() - 1).ok()?;
            let (_, fields) = state.spans.get_mut(index)?;
            values.record(&mut Visitor(fields));
            Some(())
        });
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        with_state(|state| state.events.push(fields));
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}
