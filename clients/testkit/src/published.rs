//! Checks for the examples of a provider's published spec, restated as payspec's own
//! data (`conformance/published/extract.py`): each one must parse into the type the
//! client reads it as, and keep every field it carries, so that an example whose keys
//! the type does not know (another casing, a field the spec lacks) fails instead of
//! parsing into an empty value.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The fixture's entries.
pub fn entries(text: &str) -> Vec<Value> {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("the fixture is not JSON: {e}"))
}

/// The JSON paths of `example` that are missing from `kept` (the example parsed and
/// written back): what parsing dropped. `null`s count as absent.
pub fn dropped(example: &Value, kept: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(example, kept, String::new(), &mut out);
    out
}

fn walk(example: &Value, kept: &Value, path: String, out: &mut Vec<String>) {
    match (example, kept) {
        (Value::Object(fields), Value::Object(kept_fields)) => {
            for (key, value) in fields {
                let here = format!("{path}/{key}");
                // A PascalCase key written back in camelCase is kept (`AnyCase`).
                let mut twin = key.clone();
                if let Some(first) = twin.get_mut(..1) {
                    first.make_ascii_lowercase();
                }
                match kept_fields.get(key).or_else(|| kept_fields.get(&twin)) {
                    Some(kept_value) => walk(value, kept_value, here, out),
                    None if value.is_null() => {}
                    None => out.push(here),
                }
            }
        }
        (Value::Array(items), Value::Array(kept_items)) => {
            for (n, item) in items.iter().enumerate() {
                match kept_items.get(n) {
                    Some(kept_item) => walk(item, kept_item, format!("{path}/{n}"), out),
                    None => out.push(format!("{path}/{n}")),
                }
            }
        }
        (Value::Object(_) | Value::Array(_), _) => out.push(path),
        _ => {}
    }
}

/// `value` parses as `T` and keeps every field: `Err` says what failed or what was
/// dropped.
pub fn parses_whole<T: DeserializeOwned + Serialize>(value: &Value) -> Result<(), String> {
    let parsed: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    let kept = serde_json::to_value(&parsed).map_err(|e| e.to_string())?;
    let lost = dropped(value, &kept);
    if lost.is_empty() {
        Ok(())
    } else {
        Err(format!("parsed, but dropped {}", lost.join(", ")))
    }
}

/// One example of the fixture.
pub struct Example<'a> {
    /// `request` or `response`.
    pub kind: &'a str,
    /// The HTTP method.
    pub method: &'a str,
    /// The published path template.
    pub path: &'a str,
    /// The response status (empty for a request).
    pub status: &'a str,
    /// The example, as payspec restated it.
    pub value: &'a Value,
}

/// Runs `parse` on every example but those in `not_yet` (`"kind METHOD path status"`
/// with why); panics listing every failure, and when `not_yet` lists an example that is
/// not there or no longer needs listing.
pub fn check_all(
    entries: &[Value],
    not_yet: &[(&str, &str)],
    parse: impl Fn(&Example<'_>) -> Result<(), String>,
) {
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    for entry in entries {
        let example = Example {
            kind: entry["kind"].as_str().unwrap_or_default(),
            method: entry["method"].as_str().unwrap_or_default(),
            path: entry["path"].as_str().unwrap_or_default(),
            status: entry["status"].as_str().unwrap_or_default(),
            value: &entry["value"],
        };
        let key = format!(
            "{} {} {} {}",
            example.kind, example.method, example.path, example.status
        )
        .trim_end()
        .to_string();
        if not_yet.iter().any(|(k, _)| *k == key) {
            skipped.push(key);
            continue;
        }
        if let Err(error) = parse(&example) {
            failures.push(format!("{key} ({}): {error}", entry["name"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let mut listed: Vec<String> = not_yet.iter().map(|(k, _)| k.to_string()).collect();
    listed.sort();
    skipped.sort();
    skipped.dedup();
    assert_eq!(
        skipped, listed,
        "the list of examples not handled yet is out of date"
    );
}
