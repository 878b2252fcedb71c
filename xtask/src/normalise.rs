//! Spec shapes progenitor and typify cannot take as they are, rewritten into ones they
//! can before generation, and a pre-flight check (shared with `xtask lint`) that locates
//! what is left.
//!
//! Each pass changes only the copy of the spec handed to the generator; the spec file is
//! never written. In the order [`for_generation`] runs them:
//! - [`inline_enums_named`]: a string enum written inline in a component's property (or
//!   its array items) or in an operation's parameter becomes a component named as typify
//!   would name it (`Payment` + `status` = `PaymentStatus`; operation + parameter), so
//!   that it becomes an open enum like every named one;
//! - [`unique_type_names`]: two components typify would give one Rust name
//!   (`payment_status`, `PaymentStatus`) are told apart: the later one (in document order)
//!   gets a numbered name, and every `$ref` to it follows;
//! - [`one_error_type`]: an operation whose error statuses do not share one schema
//!   (several schemas, or a body on some and none on others) answers every error as
//!   `payspec_core::ErrorBody`, which keeps any body as received (progenitor asserts one
//!   error type per operation);
//! - [`optional_success`]: an operation that answers one schema on a status and no body on
//!   another (`200` and `204`) returns `Option<T>` (`None` for the empty answer);
//! - [`covered_statuses_dropped`]: a status (`404`) answered as its range (`4XX`) is
//!   would be is dropped: progenitor matches the range first, and rustc refuses the
//!   unreachable arm.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use serde_json::{Value, json};

use crate::spec::pointer_token;

/// The component every unified error status refers to (see [`one_error_type`]).
pub const ERROR_BODY: &str = "PayspecErrorBody";

/// Marks a component that stands for `Option<the named component>`.
pub const OPTIONAL_OF: &str = "x-payspec-optional-of";

/// Runs every pass, in order, on the copy of a spec given to the generator.
pub fn for_generation(doc: &mut Value) {
    inline_enums_named(doc);
    unique_type_names(doc);
    one_error_type(doc);
    optional_success(doc);
    covered_statuses_dropped(doc);
}

/// The Rust name typify gives a component (its own `PascalCase`).
pub fn rust_name(component: &str) -> String {
    component.to_upper_camel_case()
}

fn schemas_mut(doc: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    if doc.pointer("/components/schemas").is_none() {
        let components = doc
            .as_object_mut()?
            .entry("components")
            .or_insert_with(|| json!({}));
        components
            .as_object_mut()?
            .insert("schemas".into(), json!({}));
    }
    doc.pointer_mut("/components/schemas")?.as_object_mut()
}

/// A component name not yet taken (by name or by Rust name): `base`, else `base2`, ...
fn free_name(taken: &BTreeSet<String>, base: &str) -> String {
    let rust_taken: BTreeSet<String> = taken.iter().map(|n| rust_name(n)).collect();
    let free = |name: &str| !taken.contains(name) && !rust_taken.contains(&rust_name(name));
    if free(base) {
        return base.to_string();
    }
    (2u32..)
        .map(|n| format!("{base}{n}"))
        .find(|name| free(name))
        .unwrap_or_else(|| base.to_string())
}

fn is_inline_string_enum(schema: &Value) -> bool {
    schema.get("$ref").is_none()
        && schema.get("type").and_then(Value::as_str) == Some("string")
        && schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|values| values.len() > 1 && values.iter().all(Value::is_string))
}

/// Finds the inline string enums under an inline schema named `name` (at `at`): in its
/// properties (`name` + property), array items (+ `Item`), map values (+ `Value`) and
/// `allOf`/`oneOf`/`anyOf` members, through nested inline objects, as typify names them.
fn inline_enums_under(schema: &Value, at: &str, name: &str, found: &mut Vec<(String, String)>) {
    if schema.get("$ref").is_some() {
        return;
    }
    let mut children: Vec<(String, String, &Value)> = Vec::new();
    for (property, node) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        children.push((
            format!("{at}/properties/{}", pointer_token(property)),
            format!("{name}{}", rust_name(property)),
            node,
        ));
    }
    if let Some(items) = schema.get("items") {
        children.push((format!("{at}/items"), format!("{name}Item"), items));
    }
    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        children.push((
            format!("{at}/additionalProperties"),
            format!("{name}Value"),
            values,
        ));
    }
    for list in ["allOf", "oneOf", "anyOf"] {
        for (i, member) in schema
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            children.push((format!("{at}/{list}/{i}"), name.to_string(), member));
        }
    }
    for (child_at, child_name, node) in children {
        if is_inline_string_enum(node) {
            found.push((child_at, child_name));
        } else {
            inline_enums_under(node, &child_at, &child_name, found);
        }
    }
}

/// See the module documentation. Returns the names given, in order.
pub fn inline_enums_named(doc: &mut Value) -> Vec<String> {
    // Where: (JSON pointer of the inline enum, the name typify would give it).
    let mut found: Vec<(String, String)> = Vec::new();
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            let at = format!("/components/schemas/{}", pointer_token(name));
            inline_enums_under(schema, &at, &rust_name(name), &mut found);
        }
    }
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let item_at = format!("/paths/{}", pointer_token(path));
            for (method, operation) in item.as_object().into_iter().flatten() {
                if !crate::codegen::is_method(method) {
                    continue;
                }
                let id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(crate::codegen::progenitor_name)
                    .unwrap_or_else(|| format!("{method}_{path}"));
                let op_at = format!("{item_at}/{method}");
                let body = operation.pointer("/requestBody/content/application~1json/schema");
                if let Some(schema) = body {
                    let at = format!("{op_at}/requestBody/content/application~1json/schema");
                    inline_enums_under(schema, &at, &format!("{}Body", rust_name(&id)), &mut found);
                }
                let responses = operation.get("responses").and_then(Value::as_object);
                for (code, response) in responses.into_iter().flatten() {
                    if let Some(schema) = response.pointer("/content/application~1json/schema") {
                        let at = format!(
                            "{op_at}/responses/{}/content/application~1json/schema",
                            pointer_token(code)
                        );
                        let name = format!("{}Response", rust_name(&id));
                        inline_enums_under(schema, &at, &name, &mut found);
                    }
                }
                let params = operation.get("parameters").and_then(Value::as_array);
                for (i, param) in params.into_iter().flatten().enumerate() {
                    let Some(name) = param.get("name").and_then(Value::as_str) else {
                        continue;
                    };
                    if param.get("schema").is_some_and(is_inline_string_enum) {
                        found.push((
                            format!("{item_at}/{method}/parameters/{i}/schema"),
                            format!("{}{}", rust_name(&id), rust_name(name)),
                        ));
                    }
                }
            }
        }
    }
    let mut taken: BTreeSet<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    let mut named = Vec::new();
    for (at, base) in found {
        let name = free_name(&taken, &base);
        let Some(node) = doc.pointer_mut(&at) else {
            continue;
        };
        let schema = std::mem::replace(
            node,
            json!({ "$ref": format!("#/components/schemas/{name}") }),
        );
        if let Some(schemas) = schemas_mut(doc) {
            schemas.insert(name.clone(), schema);
        }
        taken.insert(name.clone());
        named.push(name);
    }
    named
}

/// See the module documentation. Returns `(old, new)` for every component renamed.
pub fn unique_type_names(doc: &mut Value) -> Vec<(String, String)> {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let mut by_rust: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in schemas.keys() {
        by_rust
            .entry(rust_name(name))
            .or_default()
            .push(name.clone());
    }
    let mut taken: BTreeSet<String> = schemas.keys().cloned().collect();
    let mut renames = Vec::new();
    for names in by_rust.values().filter(|names| names.len() > 1) {
        for old in names.iter().skip(1) {
            let new = free_name(&taken, &rust_name(old));
            taken.insert(new.clone());
            renames.push((old.clone(), new));
        }
    }
    if renames.is_empty() {
        return renames;
    }
    if let Some(schemas) = schemas_mut(doc) {
        for (old, new) in &renames {
            if let Some(schema) = schemas.remove(old) {
                schemas.insert(new.clone(), schema);
            }
        }
    }
    let targets: BTreeMap<String, String> = renames
        .iter()
        .map(|(old, new)| {
            (
                format!("#/components/schemas/{}", pointer_token(old)),
                format!("#/components/schemas/{}", pointer_token(new)),
            )
        })
        .collect();
    retarget(doc, &targets);
    renames
}

fn retarget(node: &mut Value, targets: &BTreeMap<String, String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && let Some(new) = targets.get(reference.as_str())
            {
                *reference = new.clone();
            }
            map.values_mut().for_each(|child| retarget(child, targets));
        }
        Value::Array(items) => items.iter_mut().for_each(|child| retarget(child, targets)),
        _ => {}
    }
}

/// What body a response has, as progenitor tells its types apart.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Body {
    None,
    Json(String),
    Other(String),
}

fn body(doc: &Value, response: &Value) -> Body {
    let response = crate::codegen::resolve_local(doc, response);
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return Body::None;
    };
    if content.is_empty() {
        return Body::None;
    }
    match content.get("application/json") {
        Some(media) => Body::Json(
            media
                .get("schema")
                .map(Value::to_string)
                .unwrap_or_default(),
        ),
        None => Body::Other(content.keys().cloned().collect::<Vec<_>>().join(",")),
    }
}

fn is_error(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5')
}

fn is_success(code: &str) -> bool {
    code.starts_with('2')
}

/// Every operation: (pointer, operation id, responses).
fn operations(doc: &Value) -> Vec<(String, String, serde_json::Map<String, Value>)> {
    let mut found = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if !crate::codegen::is_method(method) {
                continue;
            }
            let at = format!("/paths/{}/{method}", pointer_token(path));
            let id = operation
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or(&at)
                .to_string();
            let responses = operation
                .get("responses")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            found.push((at, id, responses));
        }
    }
    found
}

/// Every response of the operation at `at` whose status `which` selects becomes a JSON
/// answer of the component `schema` (its description kept, with the status and `note`).
fn answer_as(doc: &mut Value, at: &str, which: fn(&str) -> bool, schema: &str, note: &str) {
    let Some(map) = doc
        .pointer_mut(&format!("{at}/responses"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (code, response) in map.iter_mut().filter(|(code, _)| which(code)) {
        let description = response
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("An answer")
            .to_string();
        *response = json!({
            "description": format!("{description} (status {code}{note})"),
            "content": { "application/json": { "schema": {
                "$ref": format!("#/components/schemas/{schema}")
            } } }
        });
    }
}

/// See the module documentation. Returns the operations changed.
pub fn one_error_type(doc: &mut Value) -> Vec<String> {
    let mut changed = Vec::new();
    for (at, id, responses) in operations(doc) {
        let errors: BTreeSet<Body> = responses
            .iter()
            .filter(|(code, _)| is_error(code))
            .map(|(_, response)| body(doc, response))
            .collect();
        if errors.len() < 2 {
            continue;
        }
        answer_as(
            doc,
            &at,
            is_error,
            ERROR_BODY,
            "; any body, kept as received",
        );
        changed.push(id);
    }
    if !changed.is_empty()
        && let Some(schemas) = schemas_mut(doc)
    {
        schemas.insert(
            ERROR_BODY.into(),
            json!({
                "description": "An error answer of any shape, kept as received",
                "x-payspec-type": "ErrorBody"
            }),
        );
    }
    changed
}

/// See the module documentation. Returns the operations changed.
pub fn optional_success(doc: &mut Value) -> Vec<String> {
    let mut changed = Vec::new();
    for (at, id, responses) in operations(doc) {
        let successes: BTreeSet<Body> = responses
            .iter()
            .filter(|(code, _)| is_success(code))
            .map(|(_, response)| body(doc, response))
            .collect();
        let [Body::None, Body::Json(_)] = successes.iter().collect::<Vec<_>>().as_slice() else {
            continue;
        };
        // The one schema: a component already, or made one.
        let Some(schema) = responses
            .iter()
            .filter(|(code, _)| is_success(code))
            .find_map(|(_, response)| {
                crate::codegen::resolve_local(doc, response)
                    .pointer("/content/application~1json/schema")
                    .cloned()
            })
        else {
            continue;
        };
        let mut taken: BTreeSet<String> = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default();
        let inner = match schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            Some(name) => name.to_string(),
            None => {
                let name = free_name(&taken, &format!("{}Body", rust_name(&id)));
                if let Some(schemas) = schemas_mut(doc) {
                    schemas.insert(name.clone(), schema.clone());
                }
                taken.insert(name.clone());
                name
            }
        };
        let optional = free_name(&taken, &format!("Optional{}", rust_name(&inner)));
        if let Some(schemas) = schemas_mut(doc) {
            schemas.entry(optional.clone()).or_insert_with(|| {
                json!({
                    "description": format!("`{inner}`, or nothing (an answer without a body)"),
                    OPTIONAL_OF: inner,
                })
            });
        }
        answer_as(doc, &at, is_success, &optional, "");
        changed.push(id);
    }
    changed
}

/// See the module documentation. Returns `(operation, status)` for every status dropped.
pub fn covered_statuses_dropped(doc: &mut Value) -> Vec<(String, String)> {
    let mut dropped = Vec::new();
    for (at, id, responses) in operations(doc) {
        let mut covered = Vec::new();
        for (range, answer) in responses.iter().filter(|(code, _)| {
            code.len() == 3 && code.get(1..).is_some_and(|x| x.eq_ignore_ascii_case("XX"))
        }) {
            let range_body = body(doc, answer);
            let digit = &range[..1];
            for (code, response) in &responses {
                if code != range && code.starts_with(digit) && body(doc, response) == range_body {
                    covered.push(code.clone());
                }
            }
        }
        if let Some(map) = doc
            .pointer_mut(&format!("{at}/responses"))
            .and_then(Value::as_object_mut)
        {
            for code in covered {
                map.remove(&code);
                dropped.push((id.clone(), code));
            }
        }
    }
    dropped
}

/// What progenitor would still refuse in a spec prepared for it
/// ([`crate::codegen::prepare`]), located: `(JSON pointer, problem and fix)`. Codegen stops
/// on these before progenitor runs, and `xtask lint` reports them.
pub fn preflight(prepared: &Value) -> Vec<(String, String)> {
    let copy = prepared;
    let mut problems = Vec::new();
    for (at, id, responses) in operations(copy) {
        let successes: BTreeSet<Body> = responses
            .iter()
            .filter(|(code, _)| is_success(code))
            .map(|(_, response)| body(copy, response))
            .collect();
        if successes.len() > 1 {
            problems.push((
                format!("{at}/responses"),
                format!(
                    "operation `{id}` answers {} different success bodies; the generator makes one \
                     Rust type per operation's success (a schema and no body is fine): give the \
                     success statuses one schema (a oneOf of them if they differ)",
                    successes.len()
                ),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(responses: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": { "/p": { "post": { "operationId": "makeIt", "responses": responses } } },
            "components": { "schemas": {
                "Payment": { "type": "object" },
                "Problem": { "type": "object" },
                "Other": { "type": "object" }
            } }
        })
    }

    fn schema(name: &str) -> Value {
        json!({ "content": { "application/json": { "schema": {
            "$ref": format!("#/components/schemas/{name}")
        } } } })
    }

    #[test]
    fn error_statuses_of_several_shapes_answer_one_error_body() {
        let mut doc = op(json!({
            "200": schema("Payment"),
            "400": schema("Problem"),
            "404": { "description": "no body" },
            "500": schema("Other")
        }));
        assert_eq!(one_error_type(&mut doc), vec!["makeIt".to_string()]);
        for code in ["400", "404", "500"] {
            let pointer =
                format!("/paths/~1p/post/responses/{code}/content/application~1json/schema/$ref");
            assert_eq!(
                doc.pointer(&pointer).and_then(Value::as_str),
                Some("#/components/schemas/PayspecErrorBody"),
                "{code}"
            );
        }
        assert_eq!(
            doc.pointer("/components/schemas/PayspecErrorBody/x-payspec-type"),
            Some(&json!("ErrorBody"))
        );
        assert_eq!(
            doc.pointer("/paths/~1p/post/responses/200"),
            Some(&schema("Payment")),
            "success untouched"
        );
    }

    #[test]
    fn a_status_answered_as_its_range_is_dropped_and_others_kept() {
        let mut doc = op(json!({
            "200": schema("Payment"),
            "404": schema("Problem"),
            "409": schema("Other"),
            "4XX": schema("Problem")
        }));
        let dropped = covered_statuses_dropped(&mut doc);
        assert_eq!(dropped, [("makeIt".to_string(), "404".to_string())]);
        let mut doc = op(json!({
            "200": schema("Payment"),
            "404": { "description": "none" },
            "409": schema("Other"),
            "default": schema("Problem")
        }));
        crate::codegen::prepare(&mut doc);
        let codes: Vec<String> = doc
            .pointer("/paths/~1p/post/responses")
            .and_then(Value::as_object)
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(
            codes,
            ["200", "4XX", "5XX"],
            "404 and 409 are answered as 4XX"
        );
    }

    #[test]
    fn one_error_schema_is_left_alone() {
        let mut doc = op(
            json!({ "200": schema("Payment"), "400": schema("Problem"), "5XX": schema("Problem") }),
        );
        let before = doc.clone();
        assert!(one_error_type(&mut doc).is_empty());
        assert_eq!(doc, before);
    }

    #[test]
    fn a_body_and_no_body_on_success_is_optional() {
        let mut doc = op(json!({ "200": schema("Payment"), "204": { "description": "gone" } }));
        assert_eq!(optional_success(&mut doc), vec!["makeIt".to_string()]);
        assert_eq!(
            doc.pointer("/components/schemas/OptionalPayment"),
            Some(&json!({
                "description": "`Payment`, or nothing (an answer without a body)",
                OPTIONAL_OF: "Payment"
            }))
        );
        assert!(preflight(&doc).is_empty());
    }

    #[test]
    fn two_success_schemas_are_located_before_the_generator_runs() {
        let mut doc = op(json!({ "200": schema("Payment"), "201": schema("Other") }));
        for_generation(&mut doc);
        let problems = preflight(&doc);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, "/paths/~1p/post/responses");
        assert!(problems[0].1.contains("makeIt"));
    }

    #[test]
    fn inline_enums_are_named_as_typify_would_and_collisions_renamed() {
        let mut doc = json!({
            "paths": { "/p": { "get": {
                "operationId": "list-payments",
                "parameters": [{ "name": "state", "in": "query",
                    "schema": { "type": "string", "enum": ["A", "B"] } }]
            } } },
            "components": { "schemas": {
                "Payment": { "type": "object", "properties": {
                    "status": { "type": "string", "enum": ["NEW", "DONE"] },
                    "flags": { "type": "array", "items": { "type": "string", "enum": ["X", "Y"] } },
                    "kind": { "type": "string", "enum": ["only"] }
                } },
                "PaymentStatus": { "type": "integer" },
                "Order": { "type": "object", "properties": { "qr": { "type": "object",
                    "properties": { "format": { "type": "string", "enum": ["PNG", "SVG"] } } } } },
                "payment_status": { "type": "string" },
                "User": { "type": "object", "properties": { "p": {
                    "$ref": "#/components/schemas/payment_status" } } }
            } }
        });
        let named = inline_enums_named(&mut doc);
        assert_eq!(
            named,
            [
                "OrderQrFormat",
                "PaymentFlagsItem",
                "PaymentStatus2",
                "ListPaymentsState"
            ]
        );
        assert_eq!(
            doc.pointer("/components/schemas/Payment/properties/status/$ref"),
            Some(&json!("#/components/schemas/PaymentStatus2"))
        );
        assert_eq!(
            doc.pointer("/components/schemas/Payment/properties/kind/enum"),
            Some(&json!(["only"])),
            "a one-value enum is a constant and stays"
        );
        let renamed = unique_type_names(&mut doc);
        assert_eq!(
            renamed,
            [("payment_status".to_string(), "PaymentStatus3".to_string())]
        );
        assert_eq!(
            doc.pointer("/components/schemas/User/properties/p/$ref"),
            Some(&json!("#/components/schemas/PaymentStatus3"))
        );
        let rust: BTreeSet<String> = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|s| s.keys())
            .map(|n| rust_name(n))
            .collect();
        assert_eq!(rust.len(), 9, "every component has its own Rust name");
    }
}
