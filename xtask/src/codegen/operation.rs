//! Operations (path + method), read into what the route table and the query structs need.

use anyhow::{Context, Result, anyhow, bail};
use openapiv3::{OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, StatusCode};
use serde_json::Value;

use super::schema::{self, Field, Item, Presence, Ty};

#[derive(Debug)]
pub(super) struct Operation {
    /// The snake_case `operationId`.
    pub(super) id: String,
    pub(super) doc: String,
    /// `Get` or `Post`: the variant of `route::Method`.
    pub(super) method: &'static str,
    pub(super) path: String,
    pub(super) path_params: Vec<String>,
    /// The variant of `route::Retry`.
    pub(super) retry: &'static str,
    /// `x-moves-instance`: the engine moves an instance on after answering (a start, a finish,
    /// a trigger), so the transport paces the call.
    pub(super) moves_instance: bool,
    pub(super) success: Success,
    pub(super) query: Option<Query>,
    /// The component schema of the JSON request body.
    pub(super) request_body: Option<String>,
    /// The error statuses with their messages, for the docs.
    pub(super) errors: Vec<(u16, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Success {
    Json(String),
    Empty,
    NoContent,
}

/// The query parameters of an operation: a struct of their own.
#[derive(Debug)]
pub(super) struct Query {
    pub(super) name: String,
    pub(super) fields: Vec<Field>,
}

pub(super) fn operations(api: &OpenAPI, items: &[Item]) -> Result<Vec<Operation>> {
    let names: Vec<&str> = items.iter().map(|item| item.name.as_str()).collect();
    let mut operations: Vec<Operation> = Vec::new();
    for (path, item) in api.paths.iter() {
        let item = item
            .as_item()
            .ok_or_else(|| anyhow!("path {path} must not be a $ref"))?;
        if item.put.is_some() || item.delete.is_some() || item.patch.is_some() {
            bail!("path {path}: the 8.0.0 API has only GET and POST");
        }
        for (method, op) in [("Get", &item.get), ("Post", &item.post)] {
            let Some(op) = op else { continue };
            let operation = operation(api, path, method, op, &names)
                .with_context(|| format!("{} {path}", method.to_uppercase()))?;
            if operations.iter().any(|o| o.id == operation.id) {
                bail!("operationId {} is used twice", operation.id);
            }
            if let Some(query) = &operation.query {
                let shared = operations.iter().filter_map(|o| o.query.as_ref());
                for other in shared.filter(|q| q.name == query.name) {
                    let shape = |q: &Query| -> Vec<(String, Ty)> {
                        q.fields
                            .iter()
                            .map(|f| (f.wire.clone(), f.ty.clone()))
                            .collect()
                    };
                    if shape(other) != shape(query) {
                        bail!(
                            "{}: the operations sharing {} differ in their query",
                            operation.id,
                            query.name
                        );
                    }
                }
            }
            operations.push(operation);
        }
    }
    Ok(operations)
}

fn operation(
    api: &OpenAPI,
    path: &str,
    method: &'static str,
    op: &openapiv3::Operation,
    names: &[&str],
) -> Result<Operation> {
    let id = op.operation_id.clone().context("operationId is missing")?;
    if schema::snake_case(&id) != id {
        bail!("operationId {id} must be snake_case");
    }
    if op.tags.is_empty() {
        bail!("a tag naming the API is missing");
    }
    let doc = op
        .description
        .clone()
        .or_else(|| op.summary.clone())
        .filter(|d| !d.trim().is_empty())
        .context("a description is missing")?;

    let mut path_params = Vec::new();
    let mut query_fields = Vec::new();
    for parameter in &op.parameters {
        let parameter = resolve_parameter(api, parameter)?;
        match parameter {
            Parameter::Path { parameter_data, .. } => path_params.push(parameter_data.name.clone()),
            Parameter::Query { parameter_data, .. } => {
                let data = parameter_data;
                let ty = match &data.format {
                    ParameterSchemaOrContent::Schema(ReferenceOr::Reference { reference }) => {
                        Ty::Named(schema::component_name(reference, names)?)
                    }
                    ParameterSchemaOrContent::Schema(ReferenceOr::Item(s)) => schema::ty(s, names)?,
                    ParameterSchemaOrContent::Content(_) => {
                        bail!("query {} needs a schema", data.name)
                    }
                };
                query_fields.push(Field {
                    wire: data.name.clone(),
                    ident: schema::snake_case(&data.name),
                    doc: data
                        .description
                        .clone()
                        .with_context(|| format!("query {} needs a description", data.name))?,
                    ty,
                    presence: Presence::Optional,
                    payload: false,
                    secret: false,
                    falsy_is_absent: false,
                    or_whole_string: false,
                });
            }
            _ => bail!("only path and query parameters are supported"),
        }
    }
    let in_template: Vec<String> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_owned)
        .collect();
    let mut declared = path_params.clone();
    declared.sort();
    let mut expected = in_template.clone();
    expected.sort();
    if declared != expected {
        bail!("path parameters {path_params:?} do not match the template's {in_template:?}");
    }

    let query = (!query_fields.is_empty()).then(|| Query {
        name: match op.extensions.get("x-query-struct") {
            Some(Value::String(name)) => name.clone(),
            _ => format!("{}Query", schema::upper_camel(&id)),
        },
        fields: query_fields,
    });

    let request_body = match &op.request_body {
        None => None,
        Some(ReferenceOr::Reference { .. }) => bail!("a request body must not be a $ref"),
        Some(ReferenceOr::Item(body)) => {
            let media = body
                .content
                .get("application/json")
                .context("a request body must be application/json")?;
            match &media.schema {
                Some(ReferenceOr::Reference { reference }) => {
                    Some(schema::component_name(reference, names)?)
                }
                _ => bail!("a request body must $ref a component schema"),
            }
        }
    };

    let retry = match (op.extensions.get("x-retry"), method) {
        (Some(Value::String(v)), _) if v == "idempotent" => "Idempotent",
        (Some(Value::String(v)), _) if v == "not_idempotent" => "NotIdempotent",
        (Some(Value::String(v)), _) if v == "never" => "Never",
        (Some(other), _) => bail!("x-retry {other} is none of idempotent, not_idempotent, never"),
        (None, "Get") => "Idempotent",
        (None, _) => bail!("a POST needs x-retry"),
    };

    let moves_instance = match op.extensions.get("x-moves-instance") {
        None => false,
        Some(Value::Bool(moves)) => *moves,
        Some(other) => bail!("x-moves-instance {other} is not a boolean"),
    };

    let mut success = None;
    let mut errors = Vec::new();
    for (status, response) in &op.responses.responses {
        let StatusCode::Code(code) = status else {
            bail!("status ranges are not supported");
        };
        let response = resolve_response(api, response)?;
        match code {
            200..=299 => {
                if success.is_some() {
                    bail!("more than one success response");
                }
                success = Some(match (*code, response.content.get("application/json")) {
                    (204, None) => Success::NoContent,
                    (200, None) => Success::Empty,
                    (200, Some(media)) => match &media.schema {
                        Some(ReferenceOr::Reference { reference }) => {
                            Success::Json(schema::component_name(reference, names)?)
                        }
                        _ => bail!("a JSON success response must $ref a component schema"),
                    },
                    _ => bail!("success must be 200 (JSON or empty) or 204"),
                });
            }
            _ => errors.push((*code, response.description.clone())),
        }
    }
    let success = success.context("no success response")?;

    Ok(Operation {
        id,
        doc,
        method,
        path: path.to_owned(),
        path_params: in_template,
        retry,
        moves_instance,
        success,
        query,
        request_body,
        errors,
    })
}

fn resolve_parameter<'a>(api: &'a OpenAPI, p: &'a ReferenceOr<Parameter>) -> Result<&'a Parameter> {
    match p {
        ReferenceOr::Item(p) => Ok(p),
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix("#/components/parameters/")
                .ok_or_else(|| anyhow!("unsupported reference {reference}"))?;
            api.components
                .as_ref()
                .and_then(|c| c.parameters.get(name))
                .and_then(ReferenceOr::as_item)
                .ok_or_else(|| anyhow!("{reference} names no parameter"))
        }
    }
}

fn resolve_response<'a>(
    api: &'a OpenAPI,
    r: &'a ReferenceOr<openapiv3::Response>,
) -> Result<&'a openapiv3::Response> {
    match r {
        ReferenceOr::Item(r) => Ok(r),
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix("#/components/responses/")
                .ok_or_else(|| anyhow!("unsupported reference {reference}"))?;
            api.components
                .as_ref()
                .and_then(|c| c.responses.get(name))
                .and_then(ReferenceOr::as_item)
                .ok_or_else(|| anyhow!("{reference} names no response"))
        }
    }
}
