//! `cargo xtask lint`: every spec must pass openapi-spec-validator and payspec's rules.
//!
//! payspec's rules: every operation has a unique operationId, a summary, a tag and
//! `x-payspec-source` (seed / public / inferred); no response schema is closed with
//! `additionalProperties: false` (providers add fields); every enum is a named
//! component or one the generator names (a property's or a parameter's, so that it is
//! made open); nothing progenitor would refuse after the generator's own rewrites
//! ([`crate::normalise::preflight`]); every example validates against its schema. Each
//! problem names the file and the JSON pointer.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::spec::{SpecFile, pointer_token};

const PYTHON_CHECKS: &str = include_str!("lint.py");
const SOURCES: &[&str] = &["seed", "public", "inferred"];

/// Lints the specs of `providers`; `Ok(false)` when any problem was found.
pub fn run(root: &Path, providers: &[String]) -> Result<bool, String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let mut total = 0;
    for provider in providers {
        let spec = SpecFile::load(root, provider)?;
        let problems = findings(root, provider, &python)?;
        for (pointer, message) in &problems {
            eprintln!("{}#{pointer}: {message}", spec.relative);
        }
        if problems.is_empty() {
            println!("{}: ok", spec.relative);
        }
        total += problems.len();
    }
    if total > 0 {
        eprintln!("{total} problem(s)");
    }
    Ok(total == 0)
}

/// Every problem of one spec: payspec's rules, numbers that look like codes, and the
/// outside validator's findings (run with `python`). A validator that cannot run or
/// crashes is one more problem: payspec's own findings are never lost.
pub(crate) fn findings(
    root: &Path,
    provider: &str,
    python: &str,
) -> Result<Vec<(String, String)>, String> {
    let spec = SpecFile::load(root, provider)?;
    let mut problems = payspec_rules(&spec.json);
    let text = String::from_utf8_lossy(&spec.bytes);
    for (line, value) in crate::spec::numbers_that_look_like_codes(&text) {
        problems.push((
            format!("(line {line})"),
            format!("`{value}` is read as a number; quote it if it is a code or an id"),
        ));
    }
    match python_checks(&spec.json, python) {
        Ok(found) => problems.extend(found),
        Err(failure) => problems.push((
            "/".into(),
            format!("openapi-spec-validator did not run: {failure}"),
        )),
    }
    problems.sort();
    problems.dedup();
    Ok(problems)
}

pub(crate) fn python_checks(doc: &Value, python: &str) -> Result<Vec<(String, String)>, String> {
    let mut child = Command::new(python)
        .arg("-c")
        .arg(PYTHON_CHECKS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run `{python}` ({e}); install Python 3 or set PYTHON"))?;
    let input = serde_json::to_vec(doc).map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .ok_or("no stdin for python")?
        .write_all(&input)
        .map_err(|e| format!("writing to python: {e}"))?;
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    match output.status.code() {
        Some(0) => {}
        Some(3) => {
            return Err(format!(
                "{}\nlint needs openapi-spec-validator: `python3 -m pip install openapi-spec-validator`",
                stdout.trim()
            ));
        }
        _ => {
            return Err(format!(
                "python checks failed ({}): {stdout}",
                output.status
            ));
        }
    }
    Ok(stdout
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(p, m)| (p.to_string(), m.to_string()))
        .collect())
}

fn payspec_rules(doc: &Value) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let empty = serde_json::Map::new();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let document_source = doc.get("x-payspec-source").and_then(Value::as_str);
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item.iter().filter(|(m, _)| crate::codegen::is_method(m)) {
            let at = format!("/paths/{}/{method}", pointer_token(path));
            match op.get("operationId").and_then(Value::as_str) {
                None => problems.push((at.clone(), "operation has no operationId".into())),
                Some(id) => {
                    if let Some(first) = ids.insert(id.to_string(), at.clone()) {
                        problems.push((
                            at.clone(),
                            format!("operationId `{id}` is also used at {first}"),
                        ));
                    }
                }
            }
            if op
                .get("summary")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                problems.push((at.clone(), "operation has no summary".into()));
            }
            if op
                .get("tags")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
            {
                problems.push((at.clone(), "operation has no tag".into()));
            }
            // An operation's own source, or the document's default (`x-payspec-source` at
            // the top level: a foreign spec taken whole is one source).
            let own = op.get("x-payspec-source").and_then(Value::as_str);
            match own.or(document_source) {
                Some(s) if SOURCES.contains(&s) => {}
                Some(s) => problems.push((
                    match own {
                        Some(_) => format!("{at}/x-payspec-source"),
                        None => "/x-payspec-source".to_string(),
                    },
                    format!("`{s}` is not one of {}", SOURCES.join(", ")),
                )),
                None => problems.push((
                    at.clone(),
                    "operation has no x-payspec-source (and the document sets no default)".into(),
                )),
            }
            let responses = op
                .get("responses")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            for (code, response) in responses {
                let at = format!("{at}/responses/{}", pointer_token(code));
                let mut seen = BTreeSet::new();
                closed_schemas(doc, response, &at, &mut seen, &mut problems);
            }
        }
    }
    // What the generator will read: inline enums it can name are named (and so open);
    // what progenitor would still refuse is found here, before codegen.
    let mut prepared = doc.clone();
    crate::codegen::prepare(&mut prepared);
    inline_enums(&prepared, "", false, &mut problems);
    problems.extend(crate::normalise::preflight(&prepared));
    problems
}

fn resolve<'a>(doc: &'a Value, node: &'a Value) -> (&'a Value, Option<String>) {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            Some(target) => (target, r.strip_prefix('#').map(str::to_string)),
            None => (node, None),
        },
        None => (node, None),
    }
}

/// Reports `additionalProperties: false` anywhere under a response.
fn closed_schemas(
    doc: &Value,
    node: &Value,
    at: &str,
    seen: &mut BTreeSet<String>,
    problems: &mut Vec<(String, String)>,
) {
    let (node, target) = resolve(doc, node);
    let at = match target {
        Some(pointer) => {
            if !seen.insert(pointer.clone()) {
                return;
            }
            pointer
        }
        None => at.to_string(),
    };
    match node {
        Value::Object(map) => {
            if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                problems.push((
                    format!("{at}/additionalProperties"),
                    "a response schema must stay open: providers add fields".into(),
                ));
            }
            for (key, child) in map {
                if key == "example" || key == "examples" {
                    continue;
                }
                closed_schemas(
                    doc,
                    child,
                    &format!("{at}/{}", pointer_token(key)),
                    seen,
                    problems,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                closed_schemas(doc, child, &format!("{at}/{i}"), seen, problems);
            }
        }
        _ => {}
    }
}

/// Reports enums that are not named components: only those become open enums.
fn inline_enums(node: &Value, at: &str, named: bool, problems: &mut Vec<(String, String)>) {
    match node {
        Value::Object(map) => {
            // A one-value enum is a constant (a discriminator's tag), not a set of values
            // that may grow: it may stay inline.
            let values = map
                .get("enum")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if values > 1 && !named && map.contains_key("type") {
                problems.push((
                    at.to_string(),
                    "enums must be named components (#/components/schemas/X) so the generator makes them open".into(),
                ));
            }
            for (key, child) in map {
                if key == "example" || key == "examples" || key.starts_with("x-") {
                    continue;
                }
                let child_at = format!("{at}/{}", pointer_token(key));
                let child_named = at == "/components/schemas";
                inline_enums(child, &child_at, child_named, problems);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                inline_enums(child, &format!("{at}/{i}"), false, problems);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    fn doc(top: Option<&str>, own: Option<&str>) -> Value {
        let mut op = json!({"operationId": "get_x", "summary": "Get x", "tags": ["x"],
            "responses": {"200": {"description": "ok"}}});
        if let Some(source) = own {
            op["x-payspec-source"] = json!(source);
        }
        let mut doc = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"get": op}}});
        if let Some(source) = top {
            doc["x-payspec-source"] = json!(source);
        }
        doc
    }

    fn source_problems(doc: &Value) -> Vec<String> {
        super::payspec_rules(doc)
            .into_iter()
            .filter(|(_, message)| {
                message.contains("x-payspec-source") || message.contains("not one of")
            })
            .map(|(at, message)| format!("{at}: {message}"))
            .collect()
    }

    /// A validator that cannot run is one more problem; payspec's findings stay.
    #[test]
    fn a_broken_validator_loses_no_finding() {
        let root = std::env::temp_dir().join(format!("payspec-lint-{}", std::process::id()));
        std::fs::create_dir_all(root.join("specs")).unwrap_or_else(|e| panic!("{e}"));
        let text = serde_json::to_string(&doc(None, None)).unwrap_or_default();
        std::fs::write(root.join("specs/broken.yaml"), text).unwrap_or_else(|e| panic!("{e}"));
        let problems = super::findings(&root, "broken", "/nonexistent/python3")
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_dir_all(&root);
        assert!(
            problems
                .iter()
                .any(|(_, m)| m.contains("no x-payspec-source")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|(_, m)| m.contains("did not run")),
            "{problems:?}"
        );
    }

    #[test]
    fn the_source_may_come_from_the_document() {
        assert!(source_problems(&doc(Some("public"), None)).is_empty());
        assert!(source_problems(&doc(None, Some("seed"))).is_empty());
        assert!(source_problems(&doc(Some("public"), Some("seed"))).is_empty());
        assert_eq!(source_problems(&doc(None, None)).len(), 1);
        let bad = source_problems(&doc(Some("vendor"), None));
        assert_eq!(
            bad,
            ["/x-payspec-source: `vendor` is not one of seed, public, inferred"]
        );
    }
}
