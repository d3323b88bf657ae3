//! The start benchmark (`cargo xtask bench start`); see below.

fn main() {}
