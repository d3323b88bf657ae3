//! Placeholder until the worker benchmark lands.

fn main() {}
