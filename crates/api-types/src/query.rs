//! Query strings written without serde: what the generated operations use for their query
//! parameters. The same string serde_urlencoded would write (`application/x-www-form-urlencoded`:
//! `name=value` pairs joined by `&`, a space as `+`), at a fraction of the cost, which counts
//! on every start of a process instance.

use std::fmt::Write as _;

/// A value of a query parameter, as it is written into a query string.
pub(crate) trait QueryValue {
    fn write(&self, out: &mut String);
}

/// Appends `name=value` to `out`, after a `&` if `out` already holds parameters. `name` is
/// written as it is: the API's parameter names are identifiers, with nothing to encode.
pub(crate) fn pair(out: &mut String, name: &str, value: &(impl QueryValue + ?Sized)) {
    if !out.is_empty() {
        out.push('&');
    }
    out.push_str(name);
    out.push('=');
    value.write(out);
}

impl QueryValue for str {
    fn write(&self, out: &mut String) {
        out.extend(form_urlencoded::byte_serialize(self.as_bytes()));
    }
}

impl QueryValue for String {
    fn write(&self, out: &mut String) {
        self.as_str().write(out);
    }
}

/// Numbers and booleans are written as they display, which needs no encoding.
macro_rules! displayed {
    ($($ty:ty),*) => {$(
        impl QueryValue for $ty {
            fn write(&self, out: &mut String) {
                // Writing into a `String` cannot fail.
                let _ = write!(out, "{self}");
            }
        }
    )*};
}

displayed!(i32, i64, u32, u64, f64, bool);
