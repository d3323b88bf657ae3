//! Component schemas, read into the few kinds of Rust type the generator writes.

use anyhow::{Context, Result, anyhow, bail};
use openapiv3::{
    AdditionalProperties, IntegerFormat, OpenAPI, ReferenceOr, Schema, SchemaKind, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

/// One generated type.
#[derive(Debug)]
pub(super) struct Item {
    pub(super) name: String,
    pub(super) doc: String,
    pub(super) kind: Kind,
    /// Whether the type derives `Default` (`x-derive-default: false` turns it off, for types
    /// whose empty value would be a trap, such as an identity without a token).
    pub(super) default: bool,
}

#[derive(Debug)]
pub(super) enum Kind {
    Struct(Vec<Field>),
    /// Any JSON value whose keys, when it is an object, are known: a schema without `type`
    /// but with `properties`. It becomes a newtype over `serde_json::Value` with an accessor
    /// per key.
    Open(Vec<Field>),
    StringEnum(Vec<Variant<String>>),
    IntEnum(Vec<Variant<i64>>),
    Alias(Ty),
}

#[derive(Debug)]
pub(super) struct Variant<T> {
    pub(super) value: T,
    pub(super) ident: String,
    pub(super) doc: Option<String>,
}

#[derive(Debug)]
pub(super) struct Field {
    /// The name on the wire.
    pub(super) wire: String,
    /// The Rust field name.
    pub(super) ident: String,
    pub(super) doc: String,
    pub(super) ty: Ty,
    pub(super) presence: Presence,
    /// Whether the field gets a typed accessor `<ident>_as::<T>()`.
    pub(super) payload: bool,
    /// Whether the field holds a secret that `Debug` must not show (`x-secret: true`).
    pub(super) secret: bool,
    /// Whether a falsy value (`false`, `0`, `""`, `null`) reads as absent, as JavaScript's
    /// `if (!value)` does (`x-falsy-is-absent: true`, on optional properties).
    pub(super) falsy_is_absent: bool,
    /// For a string key of an open value: whether the accessor also answers the whole value
    /// when it is a string (`x-or-whole-string: true`).
    pub(super) or_whole_string: bool,
}

/// Whether a field is always there, always there but maybe `null`, or sometimes absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Presence {
    Required,
    Nullable,
    Optional,
}

/// A Rust type a field or alias can have.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Ty {
    String,
    Integer {
        unsigned: bool,
        bits32: bool,
    },
    Number,
    Bool,
    /// Any JSON value.
    Any,
    /// A component schema.
    Named(String),
    Vec(Box<Ty>),
    /// An object with values of one type.
    Map(Box<Ty>),
    /// An object with any JSON values.
    AnyMap,
}

impl Ty {
    pub(super) fn rust(&self) -> String {
        match self {
            Ty::String => "String".into(),
            Ty::Integer {
                unsigned: false,
                bits32: false,
            } => "i64".into(),
            Ty::Integer {
                unsigned: true,
                bits32: false,
            } => "u64".into(),
            Ty::Integer {
                unsigned: false,
                bits32: true,
            } => "i32".into(),
            Ty::Integer {
                unsigned: true,
                bits32: true,
            } => "u32".into(),
            Ty::Number => "f64".into(),
            Ty::Bool => "bool".into(),
            Ty::Any => "serde_json::Value".into(),
            Ty::Named(name) => name.clone(),
            Ty::Vec(inner) => format!("Vec<{}>", inner.rust()),
            Ty::Map(inner) => format!("std::collections::BTreeMap<String, {}>", inner.rust()),
            Ty::AnyMap => "serde_json::Map<String, serde_json::Value>".into(),
        }
    }
}

/// Reads every component schema, in the order of the description.
pub(super) fn items(api: &OpenAPI, raw: &Value) -> Result<Vec<Item>> {
    let schemas = api.components.as_ref().map(|c| &c.schemas);
    let names: Vec<&str> = schemas
        .map(|s| s.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut items = Vec::new();
    for (name, schema) in schemas.into_iter().flatten() {
        let schema = schema
            .as_item()
            .ok_or_else(|| anyhow!("component schema {name} must not be a $ref"))?;
        let raw = &raw["components"]["schemas"][name];
        let item =
            item(name, schema, raw, &names).with_context(|| format!("component schema {name}"))?;
        items.push(item);
    }
    Ok(items)
}

fn item(name: &str, schema: &Schema, raw: &Value, names: &[&str]) -> Result<Item> {
    let doc = description(schema)?;
    let kind = match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) if !object.properties.is_empty() => {
            let mut fields = Vec::new();
            for (wire, property) in &object.properties {
                let raw = &raw["properties"][wire];
                let field = field(wire, property, raw, object.required.contains(wire), names)
                    .with_context(|| format!("property {wire}"))?;
                if fields.iter().any(|f: &Field| f.ident == field.ident) {
                    bail!("two properties become the field `{}`", field.ident);
                }
                if field.or_whole_string {
                    bail!("x-or-whole-string goes on a key of an open value (no `type`)");
                }
                fields.push(field);
            }
            Kind::Struct(fields)
        }
        SchemaKind::Any(any) if any.typ.is_none() && !any.properties.is_empty() => {
            let mut fields = Vec::new();
            for (wire, property) in &any.properties {
                let raw = &raw["properties"][wire];
                let field = field(wire, property, raw, false, names)
                    .with_context(|| format!("property {wire}"))?;
                if !matches!(
                    field.ty,
                    Ty::String | Ty::Integer { .. } | Ty::Number | Ty::Bool | Ty::Any
                ) {
                    bail!("a key of an open value is a scalar or any JSON");
                }
                if fields.iter().any(|f: &Field| f.ident == field.ident) {
                    bail!("two properties become the accessor `{}`", field.ident);
                }
                if ["as_json", "into_json", "read_as"].contains(&field.ident.as_str()) {
                    bail!("`{}` names a method every open value has", field.ident);
                }
                if field.payload || field.secret || field.falsy_is_absent {
                    bail!("x-payload, x-secret and x-falsy-is-absent go on struct fields");
                }
                fields.push(field);
            }
            if !any.required.is_empty() {
                bail!("an open value (no `type`) has no required keys");
            }
            Kind::Open(fields)
        }
        SchemaKind::Type(Type::String(string)) if !string.enumeration.is_empty() => {
            let values: Vec<String> = string.enumeration.iter().flatten().cloned().collect();
            Kind::StringEnum(variants(schema, &values, |v| upper_camel(v))?)
        }
        SchemaKind::Type(Type::Integer(integer)) if !integer.enumeration.is_empty() => {
            let values: Vec<i64> = integer.enumeration.iter().flatten().copied().collect();
            if !schema
                .schema_data
                .extensions
                .contains_key("x-enum-varnames")
            {
                bail!("an integer enum needs x-enum-varnames");
            }
            Kind::IntEnum(variants(schema, &values, |v| format!("Value{v}"))?)
        }
        _ => Kind::Alias(ty(schema, names)?),
    };
    let default = match schema.schema_data.extensions.get("x-derive-default") {
        None => true,
        Some(Value::Bool(derive)) => *derive,
        Some(other) => bail!("x-derive-default {other} is not a boolean"),
    };
    Ok(Item {
        name: name.to_owned(),
        doc,
        kind,
        default,
    })
}

fn variants<T: Clone>(
    schema: &Schema,
    values: &[T],
    default_ident: impl Fn(&T) -> String,
) -> Result<Vec<Variant<T>>> {
    let extension = |key: &str| -> Result<Option<Vec<String>>> {
        match schema.schema_data.extensions.get(key) {
            None => Ok(None),
            Some(value) => {
                let list: Vec<String> = serde_json::from_value(value.clone())
                    .with_context(|| format!("{key} must be a list of strings"))?;
                if list.len() != values.len() {
                    bail!(
                        "{key} has {} entries for {} values",
                        list.len(),
                        values.len()
                    );
                }
                Ok(Some(list))
            }
        }
    };
    let names = extension("x-enum-varnames")?;
    let docs = extension("x-enum-descriptions")?;
    let variants: Vec<Variant<T>> = values
        .iter()
        .enumerate()
        .map(|(i, value)| Variant {
            value: value.clone(),
            ident: names
                .as_ref()
                .map_or_else(|| default_ident(value), |n| n[i].clone()),
            doc: docs.as_ref().map(|d| d[i].clone()),
        })
        .collect();
    for variant in &variants {
        if !is_ident(&variant.ident) || variant.ident == "Other" {
            bail!("`{}` cannot name an enum variant", variant.ident);
        }
    }
    Ok(variants)
}

fn field(
    wire: &str,
    property: &ReferenceOr<Box<Schema>>,
    raw: &Value,
    required: bool,
    names: &[&str],
) -> Result<Field> {
    let (ty, nullable, doc, extensions) = match property {
        ReferenceOr::Reference { reference } => {
            let name = component_name(reference, names)?;
            let doc = match raw["description"].as_str() {
                Some(doc) if !doc.trim().is_empty() => doc.trim().to_owned(),
                _ => bail!("a description is missing (beside the $ref)"),
            };
            (Ty::Named(name), false, doc, None)
        }
        ReferenceOr::Item(schema) => (
            ty(schema, names)?,
            schema.schema_data.nullable,
            description(schema)?,
            Some(&schema.schema_data.extensions),
        ),
    };
    let extension = |key: &str| extensions.and_then(|e| e.get(key));
    let payload = match extension("x-payload") {
        None | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) if ty == Ty::Any => true,
        Some(_) => bail!("x-payload: true goes on a property of any JSON value"),
    };
    let secret = match extension("x-secret") {
        None | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) if ty == Ty::String => true,
        Some(_) => bail!("x-secret: true goes on a string property"),
    };
    let flag = |key: &str| -> Result<bool> {
        match extension(key) {
            None | Some(Value::Bool(false)) => Ok(false),
            Some(Value::Bool(true)) => Ok(true),
            Some(other) => bail!("{key} {other} is not a boolean"),
        }
    };
    let falsy_is_absent = flag("x-falsy-is-absent")?;
    if falsy_is_absent && required {
        bail!("x-falsy-is-absent goes on an optional property");
    }
    let or_whole_string = flag("x-or-whole-string")?;
    if or_whole_string && ty != Ty::String {
        bail!("x-or-whole-string goes on a string property");
    }
    let ident = match extension("x-rust-name") {
        Some(Value::String(name)) => name.clone(),
        Some(_) => bail!("x-rust-name must be a string"),
        None => snake_case(wire),
    };
    let ident = if is_keyword(&ident) {
        format!("r#{ident}")
    } else {
        ident
    };
    if !is_ident(ident.trim_start_matches("r#")) {
        bail!("`{ident}` is no Rust field name; give the property an x-rust-name");
    }
    let presence = match (required, nullable) {
        (true, false) => Presence::Required,
        (true, true) => Presence::Nullable,
        (false, _) => Presence::Optional,
    };
    Ok(Field {
        wire: wire.to_owned(),
        ident,
        doc,
        ty,
        presence,
        payload,
        secret,
        falsy_is_absent,
        or_whole_string,
    })
}

/// The type of an inline schema (a property, an array's items, an alias).
pub(super) fn ty(schema: &Schema, names: &[&str]) -> Result<Ty> {
    Ok(match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => {
            if !string.enumeration.is_empty() {
                bail!("an enum must be a component schema of its own");
            }
            Ty::String
        }
        SchemaKind::Type(Type::Integer(integer)) => {
            if !integer.enumeration.is_empty() {
                bail!("an enum must be a component schema of its own");
            }
            Ty::Integer {
                unsigned: integer.minimum.is_some_and(|min| min >= 0),
                bits32: matches!(
                    integer.format,
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32)
                ),
            }
        }
        SchemaKind::Type(Type::Number(_)) => Ty::Number,
        SchemaKind::Type(Type::Boolean(_)) => Ty::Bool,
        SchemaKind::Type(Type::Array(array)) => {
            let items = array.items.as_ref().context("an array needs items")?;
            Ty::Vec(Box::new(boxed_ty(items, names)?))
        }
        SchemaKind::Type(Type::Object(object)) => {
            if !object.properties.is_empty() {
                bail!("an object with properties must be a component schema of its own");
            }
            match &object.additional_properties {
                Some(AdditionalProperties::Schema(values)) => match values.as_ref() {
                    ReferenceOr::Reference { reference } => {
                        Ty::Map(Box::new(Ty::Named(component_name(reference, names)?)))
                    }
                    ReferenceOr::Item(values) => match ty(values, names)? {
                        Ty::Any => Ty::AnyMap,
                        values => Ty::Map(Box::new(values)),
                    },
                },
                _ => Ty::AnyMap,
            }
        }
        SchemaKind::AllOf { all_of } if all_of.len() == 1 => match &all_of[0] {
            ReferenceOr::Reference { reference } => Ty::Named(component_name(reference, names)?),
            ReferenceOr::Item(inner) => ty(inner, names)?,
        },
        SchemaKind::Any(any) if any == &openapiv3::AnySchema::default() => Ty::Any,
        other => bail!("unsupported schema (see docs/api-description.md): {other:?}"),
    })
}

fn boxed_ty(schema: &ReferenceOr<Box<Schema>>, names: &[&str]) -> Result<Ty> {
    match schema {
        ReferenceOr::Reference { reference } => Ok(Ty::Named(component_name(reference, names)?)),
        ReferenceOr::Item(schema) => ty(schema, names),
    }
}

/// The component named by a `#/components/schemas/<name>` reference; it must exist.
pub(super) fn component_name(reference: &str, names: &[&str]) -> Result<String> {
    let name = reference
        .strip_prefix("#/components/schemas/")
        .ok_or_else(|| anyhow!("unsupported reference {reference}"))?;
    if !names.contains(&name) {
        bail!("{reference} names no component schema");
    }
    Ok(name.to_owned())
}

fn description(schema: &Schema) -> Result<String> {
    match schema.schema_data.description.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => Ok(text.to_owned()),
        _ => bail!("a description is missing (it becomes the doc comment)"),
    }
}

/// `flowNodeInstanceId` → `flow_node_instance_id`; `_additionalInformation` → `additional_information`.
pub(super) fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim_start_matches('_').chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}

/// `messageEvent` → `MessageEvent`; `on_enter` → `OnEnter`.
pub(super) fn upper_camel(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "yield"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake_case("flowNodeInstanceId"), "flow_node_instance_id");
        assert_eq!(
            snake_case("_additionalInformation"),
            "additional_information"
        );
        assert_eq!(snake_case("start_callback_type"), "start_callback_type");
        assert_eq!(upper_camel("messageEvent"), "MessageEvent");
        assert_eq!(upper_camel("on_enter"), "OnEnter");
        assert!(is_keyword("type"));
        assert!(!is_ident("1x"));
    }
}
