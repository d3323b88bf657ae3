//! `operations.rs`: one typed operation per route, and the enum naming them all.
//!
//! An operation ties a route to its named path parameters, its query type, its body type and the
//! type its answer decodes to, so that a caller cannot send the wrong number of parameters or
//! read the answer as the wrong type.

use std::fmt::Write as _;

use super::emit::header;
use super::operation::{Operation, Success};
use super::schema::upper_camel;

pub(super) fn operations(source: &str, operations: &[Operation]) -> String {
    let mut out = String::new();
    header(
        &mut out,
        "One typed operation per route of the engine's HTTP API, and [`OperationId`] naming them all.",
        source,
    );
    out.push_str(
        "use crate::operation::{DecodeError, Operation, QueryError, decode_json, decode_nothing};\n\
         use crate::route::Route;\nuse crate::{models, routes};\n\n",
    );
    for op in operations {
        operation(&mut out, op);
    }
    operation_id(&mut out, operations);
    for_each(&mut out, operations);
    out
}

/// A macro that hands every operation's name to a macro of the caller's: for code that must
/// cover every operation with its types (a decoder per response type, a server's dispatch)
/// without a hand-kept list.
fn for_each(out: &mut String, operations: &[Operation]) {
    out.push_str(
        "/// Calls the macro `$callback` with the name of every operation, comma-separated: each \
         is both a variant of [`OperationId`] and a type in [`operations`](crate::operations).\n\
         ///\n/// ```\n/// use process_engine_api_types::{Operation, OperationId, operations};\n///\n\
         /// macro_rules! response_types {\n///     ($($op:ident),* $(,)?) => {\n\
         ///         fn response_type(id: OperationId) -> &'static str {\n\
         ///             match id {\n\
         ///                 $(OperationId::$op => std::any::type_name::<<operations::$op as Operation>::Response>(),)*\n\
         ///             }\n///         }\n///     };\n/// }\n\
         /// process_engine_api_types::for_each_operation!(response_types);\n///\n\
         /// assert!(response_type(OperationId::GetProcessModels).ends_with(\"ProcessModelList\"));\n\
         /// ```\n#[macro_export]\nmacro_rules! for_each_operation {\n    ($callback:ident) => {\n        $callback! {\n",
    );
    for op in operations {
        let _ = writeln!(out, "            {},", upper_camel(&op.id));
    }
    out.push_str("        }\n    };\n}\n");
}

fn operation(out: &mut String, op: &Operation) {
    let name = upper_camel(&op.id);
    let constant = op.id.to_uppercase();
    let _ = writeln!(
        out,
        "/// `{} {}`: see [`routes::{constant}`] for what it does and how it fails.",
        op.method.to_uppercase(),
        op.path
    );
    // Without path parameters or a body, the empty operation is the whole of it.
    let derive_default = if op.path_params.is_empty() && op.request_body.is_none() {
        ", Default"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, PartialEq{derive_default})]\n#[non_exhaustive]"
    );
    let _ = writeln!(out, "pub struct {name} {{");
    for param in &op.path_params {
        let _ = writeln!(
            out,
            "    /// The `{param}` path parameter, as it is (the transport percent-encodes it).\n    pub {param}: String,"
        );
    }
    if let Some(query) = &op.query {
        let _ = writeln!(
            out,
            "    /// The query parameters.\n    pub query: models::{},",
            query.name
        );
    }
    if let Some(body) = &op.request_body {
        let _ = writeln!(out, "    /// The JSON body.\n    pub body: models::{body},");
    }
    out.push_str("}\n\n");

    // The constructor takes what the route requires: its path parameters and its body.
    let mut params: Vec<String> = op
        .path_params
        .iter()
        .map(|p| format!("{p}: impl Into<String>"))
        .collect();
    let mut inits: Vec<String> = op
        .path_params
        .iter()
        .map(|p| format!("{p}: {p}.into()"))
        .collect();
    if let Some(query) = &op.query {
        inits.push(format!("query: models::{}::default()", query.name));
    }
    if let Some(body) = &op.request_body {
        params.push(format!("body: models::{body}"));
        inits.push("body".to_owned());
    }
    let _ = writeln!(out, "impl {name} {{");
    let _ = writeln!(
        out,
        "    /// The operation with its path parameters{}{}.",
        if op.request_body.is_some() {
            " and body"
        } else {
            ""
        },
        if op.query.is_some() {
            "; the query starts empty"
        } else {
            ""
        },
    );
    let _ = writeln!(
        out,
        "    pub fn new({}) -> Self {{\n        {name} {{ {} }}\n    }}",
        params.join(", "),
        inits.join(", ")
    );
    if let Some(query) = &op.query {
        let _ = writeln!(
            out,
            "\n    /// The same operation with `query` as its query parameters.\n    \
             pub fn with_query(mut self, query: models::{}) -> Self {{\n        \
             self.query = query;\n        self\n    }}",
            query.name
        );
    }
    out.push_str("}\n\n");

    let response = match &op.success {
        Success::Json(schema) => format!("models::{schema}"),
        Success::Empty | Success::NoContent => "()".to_owned(),
    };
    let decode = match &op.success {
        Success::Json(_) => "decode_json(body)",
        Success::Empty | Success::NoContent => "decode_nothing(body)",
    };
    let query_ty = op
        .query
        .as_ref()
        .map_or_else(|| "()".to_owned(), |q| format!("models::{}", q.name));
    let body_ty = op
        .request_body
        .as_ref()
        .map_or_else(|| "()".to_owned(), |b| format!("models::{b}"));
    let path_params: Vec<String> = op
        .path_params
        .iter()
        .map(|p| format!("&self.{p}"))
        .collect();
    let _ = writeln!(out, "impl Operation for {name} {{");
    let _ = writeln!(out, "    type Query = {query_ty};");
    let _ = writeln!(out, "    type Body = {body_ty};");
    let _ = writeln!(out, "    type Response = {response};\n");
    let _ = writeln!(
        out,
        "    fn route(&self) -> &'static Route {{\n        &routes::{constant}\n    }}\n"
    );
    let _ = writeln!(
        out,
        "    fn path_params(&self) -> Vec<&str> {{\n        vec![{}]\n    }}\n",
        path_params.join(", ")
    );
    if op.query.is_some() {
        out.push_str(
            "    fn query(&self) -> Option<&Self::Query> {\n        Some(&self.query)\n    }\n\n",
        );
        out.push_str(
            "    fn write_query(&self, out: &mut String) -> Result<(), QueryError> {\n        \
             self.query.write_to(out);\n        Ok(())\n    }\n\n",
        );
    }
    if op.request_body.is_some() {
        out.push_str(
            "    fn body(&self) -> Option<&Self::Body> {\n        Some(&self.body)\n    }\n\n",
        );
    }
    let _ = writeln!(
        out,
        "    fn decode(body: &[u8]) -> Result<Self::Response, DecodeError> {{\n        {decode}\n    }}"
    );
    out.push_str("}\n\n");
}

fn operation_id(out: &mut String, operations: &[Operation]) {
    out.push_str(
        "/// Names every operation of the API description: what a server dispatches on, and what \
         a test looks an operation up by.\n///\n\
         /// Exhaustive on purpose: the stand-in engine matches on it, so an operation without a \
         handler does not compile. A new operation comes with a new API description, and so with a \
         new major version.\n",
    );
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum OperationId {\n");
    for op in operations {
        let _ = writeln!(out, "    /// [`{0}`]", upper_camel(&op.id));
        let _ = writeln!(out, "    {},", upper_camel(&op.id));
    }
    out.push_str("}\n\nimpl OperationId {\n");
    out.push_str("    /// Every operation, in the order of the API description.\n");
    out.push_str("    pub const ALL: &'static [OperationId] = &[\n");
    for op in operations {
        let _ = writeln!(out, "        OperationId::{},", upper_camel(&op.id));
    }
    out.push_str("    ];\n\n");

    let arms = |f: &dyn Fn(&Operation) -> String| -> String {
        operations.iter().map(f).collect::<Vec<_>>().join("\n")
    };
    let _ = write!(
        out,
        "    /// The operation's route.\n    pub const fn route(self) -> &'static Route {{\n        \
         match self {{\n{}\n        }}\n    }}\n\n",
        arms(&|op| format!(
            "            OperationId::{} => &routes::{},",
            upper_camel(&op.id),
            op.id.to_uppercase()
        ))
    );
    out.push_str(
        "    /// The operation's snake_case name (`start_process_instance`), as in its route and \
         its tracing span.\n    pub const fn name(self) -> &'static str {\n        \
         self.route().operation\n    }\n\n",
    );
    out.push_str(
        "    /// The operation of that snake_case name.\n    pub fn from_name(name: &str) -> \
         Option<Self> {\n        Self::ALL.iter().copied().find(|id| id.name() == name)\n    }\n\n",
    );
    let _ = write!(
        out,
        "    /// Decodes a successful answer's body as this operation's response type, and says \
         where it does not fit.\n    pub fn validate_response(self, body: &[u8]) -> Result<(), \
         DecodeError> {{\n        match self {{\n{}\n        }}\n    }}\n}}\n",
        arms(&|op| format!(
            "            OperationId::{0} => {0}::decode(body).map(drop),",
            upper_camel(&op.id)
        ))
    );
}
