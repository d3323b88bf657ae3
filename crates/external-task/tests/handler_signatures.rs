//! What the compiler tells a user whose handler does not fit `subscribe`: the shapes a handler
//! may have (the trait's `#[diagnostic::on_unimplemented]`), not "the trait `Handler<_>` is not
//! implemented for fn item". Each file in `tests/ui/` is one such mistake, its `.stderr` what
//! the compiler says.
//!
//! The compiler's wording around our message changes between its versions, so the expected
//! output holds for the compiler it was written with ([`RECORDED_WITH`]); with another, the
//! test says on the terminal that it is skipped and why (trybuild leaves out the line numbers
//! of the crate's own files, so edits of `builder.rs` do not change it). After a change of that
//! compiler, write the files anew with
//! `TRYBUILD=overwrite cargo test -p process-engine-external-task --test handler_signatures`
//! and update `RECORDED_WITH`.

use std::io::Write;
use std::process::Command;

/// `rustc --version` of the compiler that wrote the `.stderr` files.
const RECORDED_WITH: &str = "rustc 1.95.0";

#[test]
fn a_function_that_is_no_handler_is_told_what_a_handler_looks_like() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(&rustc)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    if !version.starts_with(&format!("{RECORDED_WITH} ")) {
        // Straight to the process's stderr: the harness shows printed output only on failure.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: handler_signatures (its expected compiler output was written with \
             {RECORDED_WITH}, this is {})",
            version.trim()
        );
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
