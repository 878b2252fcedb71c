//! The examples of a spec, with the component schema each belongs to.

use std::collections::BTreeMap;

use serde_json::Value;

/// One example of a spec.
#[derive(Clone, Debug)]
pub struct Example {
    /// Where it stands (a JSON pointer-like path).
    pub at: String,
    /// The name of its component schema (`#/components/schemas/<name>`).
    pub schema: String,
    /// The example.
    pub value: Value,
    /// Marked `x-payspec-invalid`: kept on purpose although it breaks a constraint.
    pub invalid: bool,
}

/// Stops a `cargo test -p payspec-<p>` whose generated code is older than its spec (the
/// root package's build script guards only builds of the root package): the spec's
/// sha256 must be the stamp in `generated/<p>/src/lib.rs`.
pub fn assert_generated_is_fresh(manifest_dir: &str, provider: &str) {
    use sha2::{Digest, Sha256};
    let root = std::path::Path::new(manifest_dir).join("../..");
    let spec = std::fs::read(root.join(format!("specs/{provider}.yaml")))
        .unwrap_or_else(|e| panic!("specs/{provider}.yaml: {e}"));
    let hash: String = Sha256::digest(&spec)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let generated = std::fs::read_to_string(root.join(format!("generated/{provider}/src/lib.rs")))
        .unwrap_or_default();
    let stamp = generated
        .lines()
        .take(10)
        .find_map(|l| l.strip_prefix("// spec-sha256: "));
    assert_eq!(
        stamp,
        Some(hash.as_str()),
        "specs/{provider}.yaml changed: run cargo xtask codegen (generated/{provider} is stale)"
    );
}

/// Reads `specs/<provider>.yaml` from the workspace root (`manifest_dir` is the calling
/// crate's `CARGO_MANIFEST_DIR`, two levels below the root).
pub fn load(manifest_dir: &str, provider: &str) -> Value {
    let path = std::path::Path::new(manifest_dir).join(format!("../../specs/{provider}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // As xtask reads specs: YAML 1.2 booleans only (`NO`, `N`, `off` stay strings).
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(&text, options)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every example attached to a `$ref` schema (media types, parameters), plus the
/// `example` and `x-payspec-examples` of component schemas.
pub fn examples(spec: &Value) -> Vec<Example> {
    let mut out = Vec::new();
    walk(spec, "", &mut out);
    if let Some(Value::Object(schemas)) = spec.pointer("/components/schemas") {
        for (name, schema) in schemas {
            if let Some(example) = schema.get("example") {
                out.push(Example {
                    at: format!("/components/schemas/{name}/example"),
                    schema: name.clone(),
                    value: example.clone(),
                    invalid: false,
                });
            }
            if let Some(Value::Object(named)) = schema.get("x-payspec-examples") {
                for (key, value) in named {
                    out.push(Example {
                        at: format!("/components/schemas/{name}/x-payspec-examples/{key}"),
                        schema: name.clone(),
                        value: value.clone(),
                        invalid: false,
                    });
                }
            }
        }
    }
    out
}

fn walk(node: &Value, at: &str, out: &mut Vec<Example>) {
    match node {
        Value::Object(map) => {
            let schema = map
                .get("schema")
                .and_then(|s| s.get("$ref"))
                .and_then(Value::as_str)
                .and_then(|r| r.rsplit('/').next())
                .map(str::to_string);
            if let Some(schema) = &schema {
                if let Some(example) = map.get("example") {
                    out.push(Example {
                        at: format!("{at}/example"),
                        schema: schema.clone(),
                        value: example.clone(),
                        invalid: false,
                    });
                }
                if let Some(Value::Object(named)) = map.get("examples") {
                    for (key, example) in named {
                        if let Some(value) = example.get("value") {
                            out.push(Example {
                                at: format!("{at}/examples/{key}"),
                                schema: schema.clone(),
                                value: value.clone(),
                                invalid: example.get("x-payspec-invalid").is_some(),
                            });
                        }
                    }
                }
            }
            for (key, child) in map {
                if key != "components" || !at.is_empty() {
                    walk(child, &format!("{at}/{key}"), out);
                } else if let Some(responses) = child.get("responses") {
                    walk(responses, "/components/responses", out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Parses `value` as `T` (an entry of a test's schema-name-to-type table).
pub fn parses<T: serde::de::DeserializeOwned>(value: Value) -> Result<(), String> {
    serde_json::from_value::<T>(value)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// What [`check_examples`] went through.
#[derive(Debug, Default)]
pub struct Checked {
    /// Examples in the spec.
    pub total: usize,
    /// Of those, marked `x-payspec-invalid` (and refused, as they must be).
    pub invalid: usize,
    /// Examples per schema name.
    pub per_schema: BTreeMap<String, usize>,
}

/// Parses every example of `specs/<provider>.yaml` with `parse` (schema name, value):
/// every example must parse, except those marked `x-payspec-invalid`, which must be
/// refused. Panics naming the example otherwise.
pub fn check_examples(
    manifest_dir: &str,
    provider: &str,
    parse: impl Fn(&str, Value) -> Result<(), String>,
) -> Checked {
    assert_generated_is_fresh(manifest_dir, provider);
    let spec = load(manifest_dir, provider);
    let mut checked = Checked::default();
    for example in examples(&spec) {
        let result = parse(&example.schema, example.value.clone());
        if example.invalid {
            checked.invalid += 1;
            assert!(result.is_err(), "{} should be refused", example.at);
        } else if let Err(e) = result {
            panic!("{} ({}): {e}", example.at, example.schema);
        }
        checked.total += 1;
        *checked.per_schema.entry(example.schema).or_default() += 1;
    }
    checked
}
