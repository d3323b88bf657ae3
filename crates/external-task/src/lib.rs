//! External task workers for the 5Minds ProcessEngine.
//!
//! Not written yet: this crate will hold the worker (subscribe handlers to topics, fetch-and-lock
//! with long polling, run handlers concurrently up to `max_tasks`, extend locks while they run,
//! report results and errors, back off while the engine is unreachable, shut down gracefully),
//! built on `process-engine-transport`. It never depends on `process-engine-process-control`.
//! Until then it exports nothing.
