//! The guides in `docs/` and the README, compiled and run as doctests (`cargo test --doc -p
//! process-engine --all-features`), so that every Rust block in them keeps compiling and stays
//! true to the API. Built only when rustdoc collects doctests: the published crate neither
//! contains nor needs these files.

/// `docs/architecture.md`.
#[doc = include_str!("../../../docs/architecture.md")]
struct Architecture;

/// `docs/errors-and-retries.md`.
#[doc = include_str!("../../../docs/errors-and-retries.md")]
struct ErrorsAndRetries;

/// `docs/auth.md`.
#[doc = include_str!("../../../docs/auth.md")]
struct Auth;

/// `docs/testing-with-the-testkit.md`: through the facade's `testkit` feature only, as a user
/// has it (the facade's tests do not depend on the testkit crate by its own name).
#[cfg(feature = "testkit")]
#[doc = include_str!("../../../docs/testing-with-the-testkit.md")]
struct TestingWithTheTestkit;

/// `docs/releasing.md`.
#[doc = include_str!("../../../docs/releasing.md")]
struct Releasing;

/// `docs/api-description.md`.
#[doc = include_str!("../../../docs/api-description.md")]
struct ApiDescription;

/// `docs/worker-semantics.md`.
#[doc = include_str!("../../../docs/worker-semantics.md")]
struct WorkerSemantics;

/// `docs/pacing.md`.
#[doc = include_str!("../../../docs/pacing.md")]
struct Pacing;

/// `docs/migration-from-python.md`.
#[doc = include_str!("../../../docs/migration-from-python.md")]
struct MigrationFromPython;

/// `README.md`.
#[doc = include_str!("../../../README.md")]
struct Readme;

/// `docs/events.md`.
#[cfg(feature = "events")]
#[doc = include_str!("../../../docs/events.md")]
struct Events;
