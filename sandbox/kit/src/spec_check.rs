//! A request body held to the spec's own schema (the generated crate's
//! `REQUEST_SCHEMAS`), for what the generated types do not carry: `maxItems`,
//! `minItems`, `minimum`, `maximum`, `pattern`, `additionalProperties: false`, and
//! `nullable`. [`crate::conforming`] reads the body as the type; this checks it as the
//! spec writes it. OpenAPI 3.0's subset of JSON Schema, as the specs use it; `format` and
//! `multipleOf` are not checked.

use serde_json::Value;

/// How deep references and nesting are followed: a body or a schema deeper than this is
/// not looked into further (bounded work on outside input).
const MAX_DEPTH: usize = 64;

/// Checks `body` against the JSON request body schema that `schemas` (a generated
/// crate's `REQUEST_SCHEMAS`, parsed) gives `operation` (the name `OPERATIONS` gives
/// it). An operation without a JSON body schema, or schemas that are not such a
/// document, check nothing. The error names where the body fails (a JSON pointer) and
/// which rule; it never repeats a value.
pub fn spec_conforming(schemas: &Value, operation: &str, body: &Value) -> Result<(), String> {
    match schemas.pointer(&format!("/operations/{}", escape(operation))) {
        Some(schema) => check(body, schema, schemas, "", 0),
        None => Ok(()),
    }
}

/// A generated crate's `REQUEST_SCHEMAS`, parsed once: `static SCHEMAS: RequestSchemas =
/// RequestSchemas::new(payspec_x_api::REQUEST_SCHEMAS);`.
#[derive(Debug)]
pub struct RequestSchemas {
    text: &'static str,
    parsed: std::sync::OnceLock<Value>,
}

impl RequestSchemas {
    /// The schemas in `text` (parsed when first used; text that is not JSON checks
    /// nothing).
    pub const fn new(text: &'static str) -> Self {
        Self {
            text,
            parsed: std::sync::OnceLock::new(),
        }
    }

    /// [`spec_conforming`] for `body`, sent as `request`: its operation is the one
    /// `operations` finds at the request's method and path.
    pub fn check(
        &self,
        operations: &payspec_core::OperationTable,
        request: &crate::Request,
        body: &Value,
    ) -> Result<(), String> {
        let schemas = self
            .parsed
            .get_or_init(|| serde_json::from_str(self.text).unwrap_or_default());
        match operations.operation_at(request.method.as_str(), &request.path) {
            Some(operation) => spec_conforming(schemas, operation, body),
            None => Ok(()),
        }
    }

    /// `body`, sent as `request`, held to the spec ([`RequestSchemas::check`]) and then
    /// read as the generated type `T` ([`crate::conforming_with`], with the fields
    /// `nullable` names taking `null`): the one way a sandbox reads a JSON request.
    pub fn conforming<T>(
        &self,
        operations: &payspec_core::OperationTable,
        request: &crate::Request,
        body: &Value,
        nullable: &[&str],
    ) -> Result<T, String>
    where
        T: serde::de::DeserializeOwned + serde::Serialize + schemars::JsonSchema + 'static,
    {
        self.check(operations, request, body)?;
        crate::conforming_with::<T>(body, nullable)
    }

    /// The request's header parameters held to the spec: each required one present, and
    /// each one sent of the form its schema gives (as a string: lengths, pattern, enum).
    /// The error names the header, never its value.
    pub fn check_headers(
        &self,
        operations: &payspec_core::OperationTable,
        request: &crate::Request,
    ) -> Result<(), String> {
        let schemas = self
            .parsed
            .get_or_init(|| serde_json::from_str(self.text).unwrap_or_default());
        let Some(operation) = operations.operation_at(request.method.as_str(), &request.path)
        else {
            return Ok(());
        };
        let declared = schemas
            .pointer(&format!("/headers/{}", escape(operation)))
            .and_then(Value::as_array);
        for header in declared.into_iter().flatten() {
            let Some(name) = header.get("name").and_then(Value::as_str) else {
                continue;
            };
            match request.header(name) {
                None if header.get("required").and_then(Value::as_bool) == Some(true) => {
                    return Err(format!("the header {name} is required"));
                }
                None => {}
                Some(value) => {
                    let schema = header.get("schema").unwrap_or(&Value::Null);
                    // A header is text; a numeric one is read as its number.
                    let numeric = matches!(
                        schema.get("type").and_then(Value::as_str),
                        Some("integer" | "number")
                    );
                    let value = match numeric {
                        true => serde_json::from_str::<Value>(value.trim())
                            .ok()
                            .filter(Value::is_number)
                            .unwrap_or_else(|| Value::String(value.to_string())),
                        false => Value::String(value.to_string()),
                    };
                    check(&value, schema, schemas, "", 0)
                        .map_err(|e| format!("the header {name}{}", e.trim_start_matches('/')))?;
                }
            }
        }
        Ok(())
    }
}

/// `name` as one JSON pointer segment.
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The JSON type of `value`, as a schema's `type` names it (an integral number is an
/// `integer`, and also a `number`).
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `value` against `schema`, following local `$ref`s into `root`; `at` is its JSON
/// pointer. For the spec's schemas, and for the generated types' own
/// ([`crate::conforming`]: the values a request may send).
pub(crate) fn check(
    value: &Value,
    schema: &Value,
    root: &Value,
    at: &str,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let place = || if at.is_empty() { "/" } else { at };
    if let Some(target) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        return match root.pointer(target) {
            Some(target) => check(value, target, root, at, depth + 1),
            None => Ok(()),
        };
    }
    // OpenAPI writes one type and `nullable`; JSON Schema (the generated types' schemas)
    // may list several, `"null"` among them.
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if value.is_null() {
        let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true)
            || types.contains(&"null");
        // A schema that says nothing of the type (`{}`, a list of branches) takes it
        // here; its branches are not asked.
        let typed =
            !types.is_empty() || schema.get("properties").is_some() || schema.get("enum").is_some();
        if typed && !nullable {
            return Err(format!("{}: null where the API defines a value", place()));
        }
        return Ok(());
    }
    if !types.is_empty() {
        let actual = type_name(value);
        let fits = |t: &&str| *t == actual || (*t == "number" && actual == "integer");
        if !types.iter().any(fits) {
            return Err(format!(
                "{}: not of the type the API defines ({})",
                place(),
                types.join(" or ")
            ));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.contains(value)
    {
        return Err(format!("{}: not a value the API defines", place()));
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for branch in all {
            check(value, branch, root, at, depth + 1)?;
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            let mut first = None;
            let fits = branches.iter().any(|branch| {
                check(value, branch, root, at, depth + 1)
                    .map_err(|e| first.get_or_insert(e).clone())
                    .is_ok()
            });
            if !fits && let Some(e) = first {
                return Err(e);
            }
        }
    }
    let bound = |name: &str| schema.get(name).and_then(Value::as_f64);
    let count = |name: &str| schema.get(name).and_then(Value::as_u64);
    match value {
        Value::Object(fields) => {
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !fields.contains_key(name) {
                    return Err(format!("{at}/{}: required", escape(name)));
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object);
            let others = schema.get("additionalProperties");
            for (name, inner) in fields {
                let inner_at = format!("{at}/{}", escape(name));
                match (properties.and_then(|p| p.get(name)), others) {
                    (Some(sub), _) => check(inner, sub, root, &inner_at, depth + 1)?,
                    (None, Some(Value::Bool(false))) => {
                        return Err(format!("{inner_at}: a field the API does not define"));
                    }
                    (None, Some(sub)) if sub.is_object() => {
                        check(inner, sub, root, &inner_at, depth + 1)?
                    }
                    (None, _) => {}
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            let length = items.len() as u64;
            if count("minItems").is_some_and(|min| length < min) {
                return Err(format!("{}: fewer items than the API allows", place()));
            }
            if count("maxItems").is_some_and(|max| length > max) {
                return Err(format!("{}: more items than the API allows", place()));
            }
            match schema.get("items") {
                Some(sub) => items.iter().enumerate().try_for_each(|(i, inner)| {
                    check(inner, sub, root, &format!("{at}/{i}"), depth + 1)
                }),
                None => Ok(()),
            }
        }
        Value::String(text) => {
            let length = text.chars().count() as u64;
            if count("minLength").is_some_and(|min| length < min) {
                return Err(format!("{}: shorter than the API allows", place()));
            }
            if count("maxLength").is_some_and(|max| length > max) {
                return Err(format!("{}: longer than the API allows", place()));
            }
            if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
                // A pattern this engine cannot read checks nothing (ECMA-262 and Rust
                // regexes differ at the edges; the specs' patterns are plain).
                && let Ok(pattern) = regex::Regex::new(pattern)
                && !pattern.is_match(text)
            {
                return Err(format!("{}: not of the form the API defines", place()));
            }
            Ok(())
        }
        Value::Number(number) => {
            // An integer's format is its range (schemathesis reads it so too).
            let fits_format = match schema.get("format").and_then(Value::as_str) {
                Some("int64") => !number.is_u64() || number.is_i64(),
                Some("int32") => number.as_i64().is_none_or(|n| i32::try_from(n).is_ok()),
                _ => true,
            };
            if !fits_format {
                return Err(format!("{}: outside the range the API allows", place()));
            }
            let Some(number) = number.as_f64() else {
                return Ok(());
            };
            let exclusive = |name: &str| schema.get(name).and_then(Value::as_bool) == Some(true);
            let below = bound("minimum").is_some_and(|min| {
                number < min || (exclusive("exclusiveMinimum") && number == min)
            });
            let above = bound("maximum").is_some_and(|max| {
                number > max || (exclusive("exclusiveMaximum") && number == max)
            });
            if below || above {
                return Err(format!("{}: outside the range the API allows", place()));
            }
            Ok(())
        }
        Value::Bool(_) | Value::Null => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas() -> Value {
        json!({
            "components": {"schemas": {
                "Param": {"type": "object", "required": ["name"], "additionalProperties": false,
                          "properties": {"name": {"type": "string", "minLength": 1, "pattern": "^[a-z]+$"}}},
                "Amount": {"type": "integer", "format": "int64", "minimum": 1}
            }},
            "operations": {"create": {
                "type": "object", "required": ["amount"],
                "properties": {
                    "amount": {"$ref": "#/components/schemas/Amount"},
                    "note": {"type": "string", "maxLength": 3, "nullable": true},
                    "kind": {"type": "string", "enum": ["A", "B"]},
                    "params": {"type": "array", "maxItems": 2, "items": {"$ref": "#/components/schemas/Param"}},
                    "rate": {"type": "number", "maximum": 1, "exclusiveMaximum": true}
                }
            }}
        })
    }

    #[test]
    fn a_body_is_held_to_every_rule_the_spec_writes() {
        let schemas = schemas();
        let check = |body: Value| spec_conforming(&schemas, "create", &body);
        assert_eq!(
            check(json!({"amount": 5, "note": null, "kind": "A", "rate": 0.5})),
            Ok(())
        );
        assert_eq!(
            check(json!({"amount": 5, "params": [{"name": "ab"}, {"name": "c"}]})),
            Ok(())
        );
        // An operation without a JSON body checks nothing.
        assert_eq!(spec_conforming(&schemas, "other", &json!([1])), Ok(()));
        for (body, error) in [
            (json!({}), "/amount: required"),
            (
                json!({"amount": 0}),
                "/amount: outside the range the API allows",
            ),
            (
                json!({"amount": "5"}),
                "/amount: not of the type the API defines (integer)",
            ),
            (
                json!({"amount": null}),
                "/amount: null where the API defines a value",
            ),
            (
                json!({"amount": 1, "note": "long"}),
                "/note: longer than the API allows",
            ),
            (
                json!({"amount": 1, "kind": "C"}),
                "/kind: not a value the API defines",
            ),
            (
                json!({"amount": 1, "rate": 1}),
                "/rate: outside the range the API allows",
            ),
            (
                json!({"amount": 1, "params": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}),
                "/params: more items than the API allows",
            ),
            (
                json!({"amount": 1, "params": [{"name": ""}]}),
                "/params/0/name: shorter than the API allows",
            ),
            (
                json!({"amount": 1, "params": [{"name": "A1"}]}),
                "/params/0/name: not of the form the API defines",
            ),
            (
                json!({"amount": 1, "params": [{"name": "a", "x": 1}]}),
                "/params/0/x: a field the API does not define",
            ),
            (json!([1]), "/: not of the type the API defines (object)"),
        ] {
            assert_eq!(check(body.clone()), Err(error.to_string()), "{body}");
        }
    }

    #[test]
    fn headers_are_held_to_their_parameters() {
        let schemas = RequestSchemas::new(
            r#"{"headers": {"create": [
                {"name": "idempotency-key", "required": false, "schema": {"type": "string", "minLength": 1, "maxLength": 4}},
                {"name": "x-version", "required": true, "schema": {"type": "integer", "minimum": 2}}
            ]}}"#,
        );
        let table = payspec_core::OperationTable {
            idempotency_header: None,
            idempotent: &[],
            unauthenticated: &[],
            retry_safe: &[],
            security: &[],
            routes: &[payspec_core::Route {
                path: "/things",
                methods: &["POST"],
                operations: &["create"],
            }],
        };
        let request = |headers: &[(&'static str, &'static str)]| crate::Request {
            method: http::Method::POST,
            path: "/things".into(),
            query: Vec::new(),
            target: "/things".into(),
            headers: headers
                .iter()
                .map(|(name, value)| {
                    (
                        http::HeaderName::from_static(name),
                        http::HeaderValue::from_static(value),
                    )
                })
                .collect(),
            body: Default::default(),
            pages: String::new(),
        };
        let check = |headers: &[(&'static str, &'static str)]| {
            schemas.check_headers(&table, &request(headers))
        };
        assert_eq!(check(&[("x-version", "2")]), Ok(()));
        assert_eq!(
            check(&[("x-version", "3"), ("idempotency-key", "abcd")]),
            Ok(())
        );
        assert_eq!(check(&[]), Err("the header x-version is required".into()));
        assert_eq!(
            check(&[("x-version", "1")]),
            Err("the header x-version: outside the range the API allows".into())
        );
        assert_eq!(
            check(&[("x-version", "two")]),
            Err("the header x-version: not of the type the API defines (integer)".into())
        );
        assert_eq!(
            check(&[("x-version", "2"), ("idempotency-key", "abcde")]),
            Err("the header idempotency-key: longer than the API allows".into())
        );
    }

    #[test]
    fn deep_or_looping_input_is_bounded() {
        // A schema that refers to itself, and a body nested far deeper than the bound.
        let schemas = json!({
            "components": {"schemas": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}}},
            "operations": {"loop": {"$ref": "#/components/schemas/Node"}, "self": {"$ref": "#/operations/self"}}
        });
        let mut body = json!({});
        for _ in 0..500 {
            body = json!({"next": body});
        }
        assert_eq!(spec_conforming(&schemas, "loop", &body), Ok(()));
        assert_eq!(spec_conforming(&schemas, "self", &json!({})), Ok(()));
    }
}
