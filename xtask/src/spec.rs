//! Loading a provider's spec: YAML text -> JSON value -> `openapiv3::OpenAPI`.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Reads YAML as YAML 1.2 reads booleans: only `true` and `false` (YAML 1.1 also reads
/// `no`, `N`, `off`, `yes`, `Y`, `on`: Norway's country code `NO` would become `false`).
pub fn parse_yaml(text: &str) -> Result<Value, serde_saphyr::Error> {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, options)
}

/// Plain (unquoted) scalars the parser reads as numbers although they look like codes:
/// zero-padded (`0390`) or with `_` (`1_000`, YAML 1.1's digit separator). Line numbers
/// from 1, with the scalar.
pub fn numbers_that_look_like_codes(text: &str) -> Vec<(usize, String)> {
    let looks_like_code = |value: &str| {
        let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
        let all = |f: fn(u8) -> bool| digits.bytes().all(f);
        !digits.is_empty()
            && all(|b| b.is_ascii_digit() || b == b'_' || b == b'.')
            && digits.bytes().any(|b| b.is_ascii_digit())
            && ((digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0."))
                || digits.contains('_'))
    };
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let content = line.trim_start();
        if content.starts_with('#') {
            continue;
        }
        let value = match content.strip_prefix("- ") {
            Some(item) => item.rsplit_once(": ").map_or(item, |(_, v)| v),
            None => match content.split_once(": ") {
                Some((_, v)) => v,
                None => continue,
            },
        };
        let value = value.split(" #").next().unwrap_or_default().trim();
        // The parser itself decides whether it reads the scalar as a number.
        let read_as_number = || {
            parse_yaml(&format!("v: {value}"))
                .ok()
                .is_some_and(|v| v.get("v").is_some_and(Value::is_number))
        };
        if looks_like_code(value) && read_as_number() {
            found.push((index + 1, value.to_string()));
        }
    }
    found
}

/// Converts an OpenAPI 3.1 document to the 3.0 that progenitor and the validator read, in
/// place; a 3.0 document is left as it is. Converted: `type: [T, "null"]` (and an
/// `anyOf`/`oneOf` with a `{type: null}` member) to `nullable: true`, `const` to a
/// one-value `enum`, a schema's `examples` list to its first `example`, numeric
/// `exclusiveMinimum`/`exclusiveMaximum` to the 3.0 pair; `webhooks`,
/// `jsonSchemaDialect`, `$schema` and `license.identifier` are dropped (3.0 has none).
/// What has no 3.0 form (a type list of two non-null types) is an error with its JSON
/// pointer.
pub fn to_openapi_30(doc: &mut Value) -> Result<(), String> {
    let version = doc
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !version.starts_with("3.1") {
        return Ok(());
    }
    if let Some(map) = doc.as_object_mut() {
        map.insert("openapi".into(), Value::from("3.0.3"));
        map.remove("webhooks");
        map.remove("jsonSchemaDialect");
    }
    if let Some(license) = doc
        .pointer_mut("/info/license")
        .and_then(Value::as_object_mut)
    {
        license.remove("identifier");
    }
    convert_31(doc, "")
}

fn convert_31(node: &mut Value, at: &str) -> Result<(), String> {
    match node {
        Value::Object(map) => {
            map.remove("$schema");
            if let Some(Value::Array(types)) = map.get("type") {
                let null = types.iter().any(|t| t == "null");
                let others: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
                match others.as_slice() {
                    [one] => {
                        map.insert("type".into(), one.clone());
                        if null {
                            map.insert("nullable".into(), Value::Bool(true));
                        }
                    }
                    [] => {
                        map.remove("type");
                        map.insert("nullable".into(), Value::Bool(true));
                    }
                    _ => {
                        return Err(format!(
                            "{at}/type: a list of several types has no OpenAPI 3.0 form (use oneOf)"
                        ));
                    }
                }
            }
            for key in ["anyOf", "oneOf"] {
                let Some(Value::Array(members)) = map.get(key) else {
                    continue;
                };
                let is_null = |m: &Value| m.get("type").is_some_and(|t| t == "null");
                if !members.iter().any(is_null) {
                    continue;
                }
                let rest: Vec<Value> = members.iter().filter(|m| !is_null(m)).cloned().collect();
                map.insert("nullable".into(), Value::Bool(true));
                match rest.as_slice() {
                    [single] if single.get("$ref").is_none() => {
                        map.remove(key);
                        if let Some(fields) = single.as_object() {
                            for (k, v) in fields {
                                map.entry(k.clone()).or_insert_with(|| v.clone());
                            }
                        }
                    }
                    _ => {
                        map.insert(key.into(), Value::Array(rest));
                    }
                }
            }
            if let Some(value) = map.remove("const") {
                map.insert("enum".into(), Value::Array(vec![value]));
            }
            if let Some(Value::Array(examples)) = map.get("examples")
                && !map.contains_key("example")
            {
                let first = examples.first().cloned();
                map.remove("examples");
                if let Some(first) = first {
                    map.insert("example".into(), first);
                }
            }
            for (exclusive, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(limit) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
                    map.insert(bound.into(), limit);
                    map.insert(exclusive.into(), Value::Bool(true));
                }
            }
            for (key, value) in map.iter_mut() {
                convert_31(value, &format!("{at}/{}", pointer_token(key)))?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                convert_31(item, &format!("{at}/{i}"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// One spec file as read from disk.
pub struct SpecFile {
    /// `specs/<p>.yaml`, relative to the workspace root.
    pub relative: String,
    /// The file's bytes, hashed for the generated header and the build guard.
    pub bytes: Vec<u8>,
    /// The document as JSON (YAML anchors resolved).
    pub json: Value,
}

impl SpecFile {
    /// Reads and parses `specs/<provider>.yaml`.
    pub fn load(root: &Path, provider: &str) -> Result<Self, String> {
        let relative = format!("specs/{provider}.yaml");
        let path: PathBuf = root.join(&relative);
        let bytes = std::fs::read(&path).map_err(|e| format!("{relative}: {e}"))?;
        let text =
            std::str::from_utf8(&bytes).map_err(|e| format!("{relative}: not UTF-8: {e}"))?;
        let mut json = parse_yaml(text).map_err(|e| format!("{relative}: invalid YAML: {e}"))?;
        to_openapi_30(&mut json).map_err(|e| format!("{relative}: {e}"))?;
        Ok(Self {
            relative,
            bytes,
            json,
        })
    }

    /// Lower-case hex sha256 of the file's bytes.
    pub fn sha256(&self) -> String {
        hex(&Sha256::digest(&self.bytes))
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Escapes one JSON-pointer token (RFC 6901).
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    /// Specs are YAML 1.2 (core schema): YAML 1.1's `no`, `Y`, `off` are strings, and so
    /// is a zero-padded `0390` (a currency code or a BIN, not the number 390).
    #[test]
    fn an_openapi_3_1_document_becomes_3_0() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "info": {"title": "t", "version": "1",
                     "license": {"name": "MIT", "identifier": "MIT"}},
            "webhooks": {"paid": {}},
            "paths": {},
            "components": {"schemas": {
                "Amount": {"type": ["integer", "null"], "exclusiveMinimum": 0,
                           "examples": [100, 200]},
                "Kind": {"const": "card"},
                "Note": {"anyOf": [{"type": "string", "maxLength": 9}, {"type": "null"}]},
                "Ref": {"oneOf": [{"$ref": "#/components/schemas/Kind"}, {"type": "null"}]},
                "Both": {"type": ["string", "integer"]},
            }},
        });
        let both = super::to_openapi_30(&mut doc.clone()).unwrap_err();
        assert_eq!(
            both,
            "/components/schemas/Both/type: a list of several types has no OpenAPI 3.0 form (use oneOf)"
        );
        if let Some(schemas) = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        {
            schemas.remove("Both");
        }
        super::to_openapi_30(&mut doc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            doc,
            json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "version": "1", "license": {"name": "MIT"}},
                "paths": {},
                "components": {"schemas": {
                    "Amount": {"type": "integer", "nullable": true, "minimum": 0,
                               "exclusiveMinimum": true, "example": 100},
                    "Kind": {"enum": ["card"]},
                    "Note": {"type": "string", "maxLength": 9, "nullable": true},
                    "Ref": {"oneOf": [{"$ref": "#/components/schemas/Kind"}], "nullable": true},
                }},
            })
        );
        // What progenitor reads: the converted document is an OpenAPI 3.0 document.
        let parsed: Result<openapiv3::OpenAPI, _> = serde_json::from_value(doc);
        assert!(parsed.is_ok(), "{parsed:?}");
        // A 3.0 document is not touched.
        let mut v30 = json!({"openapi": "3.0.3", "x": {"type": ["a", "b"]}});
        let before = v30.clone();
        assert!(super::to_openapi_30(&mut v30).is_ok());
        assert_eq!(v30, before);
    }

    #[test]
    fn yaml_is_read_as_yaml_1_2() {
        let text =
            "a: no\nb: Y\nc: off\nd: N\ne: 0390\nf: yes\ng: true\nh: 12\ni: 0x1F\nj: 1_000\n";
        let parsed = super::parse_yaml(text).unwrap_or_else(|e| panic!("{e}"));
        // Booleans are YAML 1.2's; a zero-padded or underscored number is still read as
        // one by the parser, so lint flags it (`numbers_that_look_like_codes`).
        assert_eq!(
            parsed,
            json!({"a": "no", "b": "Y", "c": "off", "d": "N", "e": 390.0, "f": "yes",
                   "g": true, "h": 12, "i": 31, "j": 1000})
        );
        let flagged: Vec<usize> = super::numbers_that_look_like_codes(text)
            .into_iter()
            .map(|(line, _)| line)
            .collect();
        assert_eq!(flagged, [5, 10]);
        let fine = "code: '0390'\nlist:\n  - 0\n  - 10\n# 0390 in a comment\nx: \"1_000\"\n";
        assert!(super::numbers_that_look_like_codes(fine).is_empty());
    }
}
