//! A stand-in 5Minds ProcessEngine for tests, examples and benchmarks.
//!
//! Not written yet: this crate will hold an in-process engine that speaks the 8.0.0 HTTP API
//! exactly as the recorded real engine does and executes BPMN, started on `127.0.0.1:0` by tests.
//! Until then it exports nothing, and tests run against the transport's own local servers.
