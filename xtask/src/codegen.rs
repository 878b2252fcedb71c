//! `cargo xtask codegen`: `specs/<p>.yaml` -> `generated/<p>/` (lib.rs, generated.rs, Cargo.toml).
//!
//! Everything a generated crate contains is decided here, from the spec and a few
//! generator settings, so that nobody edits generated code by hand:
//! - progenitor's client (Builder interface, merged tags, hooks expected, inner type
//!   `payspec_core::ClientInner`), with `schemars::JsonSchema` on every type;
//! - spec components marked `x-payspec-type` replaced by payspec-core types, every named
//!   string enum replaced by an open enum (an `Unknown(String)` variant keeps values a
//!   provider adds later), the error envelope wrapped so its raw body is kept;
//! - the `ClientHooks` glue that hands every request to payspec-core, and the table of
//!   operations (idempotency header, unauthenticated ones) that payspec-core reads, keyed
//!   by the names progenitor gives the operations (checked against what it generated);
//! - typed httpmock helpers behind the feature `mock`.
//!
//! The operations table reads path-item parameters as progenitor does (merged, the
//! operation's winning on name and place). Before progenitor sees the spec ([`prepare`]):
//! other files it refers to are bundled into it and 3.1 is converted to 3.0 (on load,
//! `crate::spec`); an idempotency-key header is made optional (payspec fills it),
//! `default` next to a success response becomes `4XX`/`5XX`, minimums of 0 (no-ops) are
//! dropped, JSON media types such as `application/problem+json` are read as
//! `application/json`; inline enums are named, Rust-name collisions renamed, an
//! operation's error statuses of several shapes unified as `payspec_core::ErrorBody`, a
//! 200 + 204 made `Option<T>` (`crate::normalise`); what progenitor would still refuse is
//! reported, located, before it runs ([`crate::normalise::preflight`]). After: the rewrites of
//! [`lighter_calls`], [`scoped_requests`] and [`field_errors`], each counted ([`Fired`]). A panic of
//! progenitor or typify is reported as an error located in the spec file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use heck::ToUpperCamelCase;
use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use quote::{format_ident, quote};
use serde_json::Value;

use crate::spec::SpecFile;

/// One file the generator writes, relative to the workspace root.
struct Output {
    relative: PathBuf,
    content: String,
    /// A symbolic link to `content` instead of a file with it (the license files, so
    /// `cargo package` ships them with every generated crate).
    link: bool,
}

/// Regenerates (or, with `check`, compares) the generated crates of `providers`, and
/// prints what changed in each crate's public surface with a semver verdict
/// ([`crate::surface`]). Returns `Ok(false)` when `check` found stale files.
pub fn run(root: &Path, providers: &[String], check: bool) -> Result<bool, String> {
    let progenitor_version = locked_version(root, "progenitor")?;
    let mut fresh = true;
    for provider in providers {
        for output in generate(root, provider, &progenitor_version)? {
            if output.relative.ends_with("src/generated.rs") {
                let old = std::fs::read_to_string(root.join(&output.relative)).ok();
                if old.as_deref() != Some(output.content.as_str()) {
                    let krate = format!("payspec-{provider}-api");
                    println!(
                        "{}",
                        crate::surface::report(&krate, old.as_deref(), &output.content)
                    );
                }
            }
            fresh &= emit(root, &output, check)?;
        }
    }
    fresh &= emit(root, &cli_table(&crate::spec::providers(root)?), check)?;
    if check && fresh {
        println!(
            "generated code is up to date with specs/ ({})",
            providers.join(", ")
        );
    }
    Ok(fresh)
}

/// Writes one output (or, with `check`, compares it and prints the difference); `Ok(false)`
/// when `check` found it stale.
fn emit(root: &Path, output: &Output, check: bool) -> Result<bool, String> {
    let path = root.join(&output.relative);
    if output.link {
        let current = std::fs::read_link(&path).ok();
        if current.as_deref() == Some(Path::new(&output.content)) {
            return Ok(true);
        }
        if check {
            eprintln!(
                "stale: {} should link to {}",
                output.relative.display(),
                output.content
            );
            return Ok(false);
        }
        let _ = std::fs::remove_file(&path);
        link(&output.content, &path).map_err(|e| format!("{}: {e}", output.relative.display()))?;
        println!("linked {}", output.relative.display());
        return Ok(true);
    }
    let current = std::fs::read_to_string(&path).ok();
    if current.as_deref() == Some(output.content.as_str()) {
        return Ok(true);
    }
    let shown = output.relative.display();
    if check {
        eprintln!("stale: {shown} (run `cargo xtask codegen`)");
        let diff = similar::TextDiff::from_lines(
            current.as_deref().unwrap_or(""),
            output.content.as_str(),
        );
        let header = (format!("{shown} (on disk)"), format!("{shown} (from spec)"));
        let text = diff
            .unified_diff()
            .context_radius(3)
            .header(&header.0, &header.1)
            .to_string();
        // A diff of a whole new file is long and says nothing more than "missing".
        const MAX: usize = 200;
        let lines: Vec<&str> = text.lines().collect();
        for line in lines.iter().take(MAX) {
            eprintln!("{line}");
        }
        if lines.len() > MAX {
            eprintln!("... ({} more diff lines)", lines.len() - MAX);
        }
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(&path, &output.content).map_err(|e| format!("{shown}: {e}"))?;
    println!("wrote {shown}");
    Ok(true)
}

/// FNV-1a (64 bits) of `bytes`: the spec's fingerprint the generated crate checks at
/// compile time (a const fn there; SHA-256 is not one).
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `src/providers.rs`: the CLI's table of providers, from `specs/providers.txt` (the CLI
/// needs each client crate's types, so its table is code, written here from the list).
fn cli_table(providers: &[String]) -> Output {
    let mut rows = String::new();
    for p in providers {
        let krate = format!("payspec_{p}");
        rows.push_str(&format!(
            "    Provider {{\n        name: \"{p}\",\n        crate_name: \"payspec-{p}\",\n        \
             api_version: <{krate}::api::Client as {krate}::api::ClientInfo<{krate}::core::ClientInner>>::api_version,\n        \
             spec: \"specs/{p}.yaml\",\n    }},\n"
        ));
    }
    let content = format!(
        "// @generated by `cargo xtask codegen` from specs/providers.txt: do not edit; change the\n\
         // list and regenerate.\n\
         //! The providers of `specs/providers.txt`, as the CLI lists them.\n\
         \n\
         use super::Provider;\n\
         \n\
         /// Every provider, in the list's order.\n\
         #[rustfmt::skip]\n\
         pub const ALL: &[Provider] = &[\n{rows}];\n\
         \n\
         /// The names, for messages.\n\
         pub const NAMES: &str = \"{names}\";\n",
        names = providers.join(", ")
    );
    Output {
        relative: PathBuf::from("src/providers.rs"),
        content,
        link: false,
    }
}

#[cfg(unix)]
fn link(target: &str, path: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, path)
}

#[cfg(not(unix))]
fn link(target: &str, path: &Path) -> std::io::Result<()> {
    // Without symbolic links, a copy of the target does the same job for packaging.
    let source = path
        .parent()
        .map(|dir| dir.join(target))
        .unwrap_or_else(|| PathBuf::from(target));
    std::fs::copy(source, path).map(|_| ())
}

/// The version of `package` recorded in Cargo.lock, for the generated header.
fn locked_version(root: &Path, package: &str) -> Result<String, String> {
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .ok_or_else(|| format!("Cargo.lock has no package {package}"))?
        + needle.len();
    let end = lock[start..]
        .find('"')
        .ok_or_else(|| "Cargo.lock: unterminated version".to_string())?;
    Ok(lock[start..start + end].to_string())
}

/// What the spec asks of the generator beyond progenitor's defaults.
#[derive(Default)]
struct Plan {
    /// Component name -> Rust type that replaces it.
    replacements: BTreeMap<String, (String, Vec<TypeImpl>)>,
    /// Named string enums, made open.
    open_enums: Vec<OpenEnum>,
}

struct OpenEnum {
    name: String,
    description: Option<String>,
    values: Vec<String>,
}

fn plan(json: &mut Value, file: &str) -> Result<Plan, String> {
    let mut plan = Plan::default();
    let Some(schemas) = json
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(plan);
    };
    let mut added = Vec::new();
    for (name, schema) in schemas.iter() {
        if let Some(kind) = schema.get("x-payspec-type").and_then(Value::as_str) {
            let rust = match kind {
                "Timestamp" => "::payspec_core::types::Timestamp".to_string(),
                "Id" => "::payspec_core::types::Id".to_string(),
                "Secret" => "::payspec_core::Secret".to_string(),
                "ErrorBody" => "::payspec_core::ErrorBody".to_string(),
                // `AnyCase:Payment`: the schema `Payment`, its keys read in camelCase or
                // PascalCase (`payspec_core::types::AnyCase`).
                other => match other.strip_prefix("AnyCase:") {
                    Some(inner) if schemas.contains_key(inner) => format!(
                        "::payspec_core::types::AnyCase<crate::types::{}>",
                        inner.to_upper_camel_case()
                    ),
                    _ => {
                        return Err(format!(
                            "{file}#/components/schemas/{name}/x-payspec-type: unknown type \
                             `{other}` (known: Timestamp, Id, Secret, ErrorBody, AnyCase:<schema>)"
                        ));
                    }
                },
            };
            plan.replacements.insert(name.clone(), (rust, Vec::new()));
            continue;
        }
        if schema
            .get("x-payspec-error-envelope")
            .and_then(Value::as_bool)
            == Some(true)
        {
            let fields = format!("{name}Fields");
            let mut copy = schema.clone();
            if let Some(map) = copy.as_object_mut() {
                map.remove("x-payspec-error-envelope");
            }
            added.push((fields.clone(), copy));
            plan.replacements.insert(
                name.clone(),
                (
                    format!(
                        "::payspec_core::RawBody<crate::types::{}>",
                        fields.to_upper_camel_case()
                    ),
                    Vec::new(),
                ),
            );
            continue;
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            if schema.get("type").and_then(Value::as_str) != Some("string") {
                return Err(format!(
                    "{file}#/components/schemas/{name}: only string enums are supported"
                ));
            }
            let values = values
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        format!("{file}#/components/schemas/{name}/enum: values must be strings")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let rust_name = name.to_upper_camel_case();
            plan.replacements.insert(
                name.clone(),
                (
                    format!("crate::open_enums::{rust_name}"),
                    vec![TypeImpl::Display, TypeImpl::FromStr],
                ),
            );
            plan.open_enums.push(OpenEnum {
                name: rust_name,
                description: schema
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                values,
            });
        }
    }
    // `Option<T>` for the answers of `normalise::optional_success`, T as replaced above.
    for (name, schema) in schemas.iter() {
        if let Some(inner) = schema
            .get(crate::normalise::OPTIONAL_OF)
            .and_then(Value::as_str)
        {
            let path = match plan.replacements.get(inner) {
                Some((path, _)) => path.clone(),
                None => format!("crate::types::{}", crate::normalise::rust_name(inner)),
            };
            plan.replacements.insert(
                name.clone(),
                (format!("::std::option::Option<{path}>"), Vec::new()),
            );
        }
    }
    for (name, schema) in added {
        schemas.insert(name, schema);
    }
    Ok(plan)
}

/// Facts about operations that payspec-core needs at run time.
struct OperationFacts {
    idempotency_header: Option<String>,
    idempotent: Vec<String>,
    unauthenticated: Vec<String>,
    retry_safe: Vec<String>,
    /// (operation, scheme, scope), sorted by operation.
    security: Vec<(String, String, Option<String>)>,
    /// (path template, upper-case methods, each method's operation), sorted by path.
    routes: Vec<(String, Vec<String>, Vec<String>)>,
    /// The property names that take `null` in requests and in answers.
    nullable: (Vec<String>, Vec<String>),
}

fn operation_facts(json: &Value) -> OperationFacts {
    let mut facts = OperationFacts {
        idempotency_header: None,
        idempotent: Vec::new(),
        unauthenticated: Vec::new(),
        retry_safe: Vec::new(),
        security: Vec::new(),
        routes: Vec::new(),
        nullable: nullable_properties(json),
    };
    let default_scheme = first_scheme(json.get("security"));
    let resolve = |param: &Value| resolve_local(json, param);
    let Some(paths) = json.get("paths").and_then(Value::as_object) else {
        return facts;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        let mut methods: Vec<(String, String)> = item
            .iter()
            .filter(|(key, _)| is_method(key))
            .map(|(key, operation)| {
                let id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(progenitor_name)
                    .unwrap_or_default();
                (key.to_ascii_uppercase(), id)
            })
            .collect();
        methods.sort();
        let (methods, operations) = methods.into_iter().unzip();
        facts.routes.push((path.clone(), methods, operations));
        for (method, operation) in item {
            if !is_method(method) {
                continue;
            }
            let Some(raw_id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            // The table is keyed by the name progenitor gives the operation (what the
            // hooks are handed), not by the spec's operationId.
            let id = &progenitor_name(raw_id);
            for param in merged_parameters(item, operation, &resolve) {
                if is_idempotency_key(&param)
                    && let Some(name) = param.get("name").and_then(Value::as_str)
                {
                    facts.idempotency_header = Some(name.to_string());
                    facts.idempotent.push(id.to_string());
                }
            }
            let scheme = match operation.get("security") {
                Some(requirements) => first_scheme(Some(requirements)),
                None => default_scheme.clone(),
            };
            if let Some(scheme) = scheme {
                // `x-payspec-scope`, else the first scope the first requirement lists
                // (OpenAPI's own way: `- merchant_credentials: [payment:write]`).
                let requirement = operation.get("security").or_else(|| json.get("security"));
                let scope = operation
                    .get("x-payspec-scope")
                    .and_then(Value::as_str)
                    .or_else(|| first_scope(requirement))
                    .map(str::to_string);
                facts.security.push((id.to_string(), scheme, scope));
            }
            if operation.get("x-payspec-retry-safe").is_some() {
                facts.retry_safe.push(id.to_string());
            }
            if operation
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
            {
                facts.unauthenticated.push(id.to_string());
            }
        }
    }
    facts.idempotent.sort();
    facts.unauthenticated.sort();
    facts.retry_safe.sort();
    facts.security.sort();
    facts.routes.sort();
    facts
}

/// What a server needs to hold a request to the spec: the spec's schemas and, per
/// operation (progenitor's name, as the other tables key them), the schema of its JSON
/// request body and its header parameters (name in lower case, required, schema). Written next to the generated code as `request_schemas.json`, so that
/// constraints the generated types do not carry (`maxItems`, `minimum`, ...) can be
/// checked by a sandbox (`payspec_sandbox::spec_conforming`).
fn request_schemas(json: &Value) -> Value {
    let mut operations = serde_json::Map::new();
    let mut headers = serde_json::Map::new();
    let paths = json.get("paths").and_then(Value::as_object);
    for item in paths.into_iter().flat_map(|paths| paths.values()) {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            if !is_method(method) {
                continue;
            }
            let body = operation
                .get("requestBody")
                .map(|body| resolve_local(json, body));
            if let Some(schema) = body
                .as_ref()
                .and_then(|body| body.pointer("/content/application~1json/schema"))
            {
                operations.insert(progenitor_name(id), schema.clone());
            }
            let resolve = |param: &Value| resolve_local(json, param);
            let header_params: Vec<Value> = merged_parameters(item, operation, &resolve)
                .into_iter()
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("header"))
                .filter_map(|p| {
                    let name = p.get("name").and_then(Value::as_str)?.to_ascii_lowercase();
                    Some(serde_json::json!({
                        "name": name,
                        "required": p.get("required").and_then(Value::as_bool).unwrap_or(false),
                        "schema": p.get("schema").cloned().unwrap_or(Value::Null),
                    }))
                })
                .collect();
            if !header_params.is_empty() {
                headers.insert(progenitor_name(id), Value::Array(header_params));
            }
        }
    }
    let schemas = json
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_else(|| Value::Object(Default::default()));
    serde_json::json!({
        "components": {"schemas": schemas},
        "operations": operations,
        "headers": headers,
    })
}

pub(crate) fn is_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

/// An operation's parameters: the path item's, then the operation's, the operation's
/// winning where both declare one name in one place (OpenAPI 3.0, Path Item Object).
fn merged_parameters(
    item: &serde_json::Map<String, Value>,
    operation: &Value,
    resolve: &dyn Fn(&Value) -> Value,
) -> Vec<Value> {
    let list = |value: Option<&Value>| -> Vec<Value> {
        value
            .and_then(Value::as_array)
            .map(|params| params.iter().map(resolve).collect())
            .unwrap_or_default()
    };
    let own = list(operation.get("parameters"));
    let key = |p: &Value| {
        (
            p.get("name").and_then(Value::as_str).map(str::to_string),
            p.get("in").and_then(Value::as_str).map(str::to_string),
        )
    };
    let mut merged: Vec<Value> = list(item.get("parameters"))
        .into_iter()
        .filter(|inherited| own.iter().all(|p| key(p) != key(inherited)))
        .collect();
    merged.extend(own);
    merged
}

/// Header names that carry an idempotency key without payspec's extension:
/// `Idempotency-Key` (the IETF httpapi draft's name, which Vipps and others use), its
/// `X-` form, and PayPal's `PayPal-Request-Id` (its specs: "The server stores keys for 45
/// days"). Any other header is marked `x-payspec-idempotency-key: true` in the spec.
const IDEMPOTENCY_HEADERS: &[&str] = &["idempotency-key", "x-idempotency-key", "paypal-request-id"];

/// A header that carries an idempotency key: marked `x-payspec-idempotency-key: true`,
/// or named as one of [`IDEMPOTENCY_HEADERS`].
fn is_idempotency_key(param: &Value) -> bool {
    let header = param.get("in").and_then(Value::as_str) == Some("header");
    let marked = param
        .get("x-payspec-idempotency-key")
        .and_then(Value::as_bool)
        == Some(true);
    let named = param.get("name").and_then(Value::as_str).is_some_and(|n| {
        IDEMPOTENCY_HEADERS
            .iter()
            .any(|h| n.eq_ignore_ascii_case(h))
    });
    marked || (header && named)
}

/// The Rust name progenitor 0.15 gives an operation (`sanitize(id, Case::Snake)` in
/// progenitor-impl): not-identifier characters become `-`, then snake case; a leading
/// non-identifier character gets `_`, a keyword a trailing `_`. `generate` checks every
/// name against what progenitor actually generated, so a drift cannot go unnoticed.
pub(crate) fn progenitor_name(id: &str) -> String {
    use heck::ToSnakeCase;
    let out = match id {
        "+1" => "plus1".to_string(),
        "-1" => "minus1".to_string(),
        _ => id
            .replace('\'', "")
            .replace(|c: char| !unicode_ident::is_xid_continue(c), "-")
            .to_snake_case(),
    };
    let out = match out.chars().next() {
        None => "x".to_string(),
        Some(c) if unicode_ident::is_xid_start(c) => out,
        Some(_) => format!("_{out}"),
    };
    if syn::parse_str::<syn::Ident>(&out).is_ok() {
        out
    } else {
        format!("{out}_")
    }
}

/// The `operation_id`s of the `OperationInfo`s progenitor generated.
fn generated_operation_ids(tokens: &TokenStream) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(g) => found.extend(generated_operation_ids(&g.stream())),
            TokenTree::Ident(ident) if ident == "operation_id" => {
                if let (Some(TokenTree::Punct(colon)), Some(TokenTree::Literal(name))) =
                    (trees.get(i + 1), trees.get(i + 2))
                    && colon.as_char() == ':'
                {
                    found.insert(name.to_string().trim_matches('"').to_string());
                }
            }
            _ => {}
        }
    }
    found
}

/// Every name the OPERATIONS table uses must be one progenitor generated.
fn check_table(
    facts: &OperationFacts,
    generated: &std::collections::BTreeSet<String>,
    file: &str,
) -> Result<(), String> {
    let named = facts
        .idempotent
        .iter()
        .chain(&facts.unauthenticated)
        .chain(&facts.retry_safe)
        .chain(facts.security.iter().map(|(op, _, _)| op));
    for name in named {
        if !generated.contains(name) {
            return Err(format!(
                "{file}: the OPERATIONS table names `{name}`, but progenitor generated no such \
                 operation (generated: {}); payspec's name for an operationId no longer matches \
                 progenitor's (see `progenitor_name` in xtask/src/codegen.rs)",
                generated.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    Ok(())
}

/// payspec fills an idempotency key itself (once per call, kept on retries): a header
/// the spec declares `required: true` becomes optional in the generated builder, so the
/// caller is not made to supply it.
fn idempotency_keys_optional(json: &mut Value) {
    let mut components: Vec<String> = Vec::new();
    if let Some(paths) = json.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            let mut lists: Vec<&mut Value> = Vec::new();
            for (key, value) in item.iter_mut() {
                if key == "parameters" {
                    lists.push(value);
                } else if is_method(key)
                    && let Some(params) = value.get_mut("parameters")
                {
                    lists.push(params);
                }
            }
            for list in lists {
                for param in list.as_array_mut().into_iter().flatten() {
                    if let Some(reference) = param.get("$ref").and_then(Value::as_str) {
                        components.push(reference.to_string());
                    } else if is_idempotency_key(param)
                        && let Some(map) = param.as_object_mut()
                    {
                        map.insert("required".into(), Value::Bool(false));
                    }
                }
            }
        }
    }
    for reference in components {
        if let Some(param) = reference
            .strip_prefix('#')
            .and_then(|pointer| json.pointer_mut(pointer))
            && is_idempotency_key(param)
            && let Some(map) = param.as_object_mut()
        {
            map.insert("required".into(), Value::Bool(false));
        }
    }
}

/// `default` next to a success response becomes `4XX` and `5XX` (where the spec does not
/// name that range; statuses it names, such as `404`, keep their own response): progenitor reads `default` as one more success type and asserts there is
/// only one. An operation whose only response is `default` keeps it.
fn default_responses_as_errors(json: &mut Value) {
    let Some(paths) = json.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if !is_method(method) {
                continue;
            }
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            let has_success = responses
                .keys()
                .any(|code| code.starts_with('2') || code.eq_ignore_ascii_case("2XX"));
            if !has_success {
                continue;
            }
            if let Some(default) = responses.remove("default") {
                for range in ["4XX", "5XX"] {
                    // `default` covers every status the spec does not name: a 404 named
                    // next to it leaves the other 4xx to it.
                    let named = responses
                        .keys()
                        .any(|code| code.eq_ignore_ascii_case(range));
                    if !named {
                        responses.insert(range.to_string(), default.clone());
                    }
                }
            }
        }
    }
}

/// Bodies in a JSON media type other than `application/json` (`application/problem+json`,
/// `application/vnd.x+json`, `application/json; charset=utf-8`) are read as
/// `application/json`, the one progenitor decodes; where the spec lists
/// `application/json` too, that one is kept and the others dropped.
fn json_media_types_as_json(json: &mut Value) {
    let is_json = |media: &str| {
        let essence = media.split(';').next().unwrap_or_default().trim();
        essence == "application/json" || essence.ends_with("+json")
    };
    let mut contents: Vec<&mut serde_json::Map<String, Value>> = Vec::new();
    for (section, node) in json
        .as_object_mut()
        .into_iter()
        .flat_map(|doc| doc.iter_mut())
    {
        match section.as_str() {
            "paths" => {
                for item in node
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|p| p.values_mut())
                {
                    for (method, operation) in
                        item.as_object_mut().into_iter().flat_map(|i| i.iter_mut())
                    {
                        if !is_method(method) {
                            continue;
                        }
                        for (key, value) in operation
                            .as_object_mut()
                            .into_iter()
                            .flat_map(|o| o.iter_mut())
                        {
                            match key.as_str() {
                                "requestBody" => contents.extend(
                                    value.get_mut("content").and_then(Value::as_object_mut),
                                ),
                                "responses" => {
                                    for response in value
                                        .as_object_mut()
                                        .into_iter()
                                        .flat_map(|r| r.values_mut())
                                    {
                                        contents.extend(
                                            response
                                                .get_mut("content")
                                                .and_then(Value::as_object_mut),
                                        );
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                }
            }
            // Responses and request bodies declared once and referred to.
            "components" => {
                for (kind, entries) in node.as_object_mut().into_iter().flat_map(|c| c.iter_mut()) {
                    if kind != "responses" && kind != "requestBodies" {
                        continue;
                    }
                    for entry in entries
                        .as_object_mut()
                        .into_iter()
                        .flat_map(|e| e.values_mut())
                    {
                        contents.extend(entry.get_mut("content").and_then(Value::as_object_mut));
                    }
                }
            }
            _ => {}
        }
    }
    for content in contents {
        if content.contains_key("application/json") {
            content.retain(|media, _| media == "application/json" || !is_json(media));
            continue;
        }
        let other = content.keys().find(|media| is_json(media)).cloned();
        if let Some(media) = other
            && let Some(body) = content.remove(&media)
        {
            content.insert("application/json".into(), body);
        }
    }
}

/// Drops `minLength`, `minItems` and `minProperties` of 0 everywhere: they constrain
/// nothing, and typify would generate `len < 0`, which rustc's `unused_comparisons`
/// refuses under `-D warnings`.
fn zero_minimums_dropped(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in ["minLength", "minItems", "minProperties"] {
                if map.get(key).and_then(Value::as_u64) == Some(0) {
                    map.remove(key);
                }
            }
            map.values_mut().for_each(zero_minimums_dropped);
        }
        Value::Array(items) => items.iter_mut().for_each(zero_minimums_dropped),
        _ => {}
    }
}

/// Runs a progenitor step, turning a panic of progenitor or typify (an assertion on a
/// spec shape they cannot take) into a located error instead of a crash.
fn progenitor_step<T>(
    file: &str,
    what: &str,
    step: impl FnOnce() -> Result<T, progenitor::Error>,
) -> Result<T, String> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(step));
    std::panic::set_hook(previous);
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(format!("{file}: {what}: {e}")),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            Err(format!(
                "{file}: {what} cannot take this spec: {message} (typically several success \
                 types on one operation, or an error schema per status: give each operation one \
                 success schema and one error schema)"
            ))
        }
    }
}

/// The properties that take `null` in the bodies of requests (`.0`) and of answers
/// (`.1`): marked `nullable: true` themselves, or a local `$ref` to a schema that is, in
/// any schema those bodies reach (sorted, each name once). A server that checks bodies
/// against the generated types needs them: serde reads `null` as an absent optional
/// field and cannot tell where the spec allows it. Requests and answers apart, since a
/// property may be nullable in an answer's schema and not in a request's.
fn nullable_properties(json: &Value) -> (Vec<String>, Vec<String>) {
    fn walk(json: &Value, node: &Value, seen: &mut Vec<String>, out: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    if !seen.iter().any(|s| s == reference) {
                        seen.push(reference.to_string());
                        walk(json, &resolve_local(json, node), seen, out);
                    }
                    return;
                }
                if let Some(properties) = map.get("properties").and_then(Value::as_object) {
                    for (name, schema) in properties {
                        let nullable = |s: &Value| s.get("nullable") == Some(&Value::Bool(true));
                        if nullable(schema) || nullable(&resolve_local(json, schema)) {
                            out.push(name.clone());
                        }
                    }
                }
                map.values().for_each(|child| walk(json, child, seen, out));
            }
            Value::Array(items) => items.iter().for_each(|child| walk(json, child, seen, out)),
            _ => {}
        }
    }
    let (mut requests, mut answers) = (Vec::new(), Vec::new());
    let operations = json
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.iter().filter(|(key, _)| is_method(key)));
    for (_, operation) in operations {
        if let Some(body) = operation.get("requestBody") {
            let body = resolve_local(json, body);
            walk(json, &body["content"], &mut Vec::new(), &mut requests);
        }
        let responses = operation.get("responses").and_then(Value::as_object);
        for response in responses.into_iter().flat_map(|r| r.values()) {
            let response = resolve_local(json, response);
            walk(json, &response["content"], &mut Vec::new(), &mut answers);
        }
    }
    for list in [&mut requests, &mut answers] {
        list.sort();
        list.dedup();
    }
    (requests, answers)
}

/// The first scope of the first requirement of a `security` list.
fn first_scope(requirements: Option<&Value>) -> Option<&str> {
    requirements?
        .as_array()?
        .first()?
        .as_object()?
        .values()
        .next()?
        .as_array()?
        .first()?
        .as_str()
}

/// The name of the first scheme of the first requirement of a `security` list.
fn first_scheme(requirements: Option<&Value>) -> Option<String> {
    requirements?
        .as_array()?
        .first()?
        .as_object()?
        .keys()
        .next()
        .cloned()
}

/// `value` itself, or the node its local `$ref` (`#/...`) points at (`null` when the
/// reference leads nowhere).
pub(crate) fn resolve_local(json: &Value, value: &Value) -> Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix('#')
            .and_then(|pointer| json.pointer(pointer))
            .cloned()
            .unwrap_or(Value::Null),
        None => value.clone(),
    }
}

fn without_array_query_params(json: &Value) -> Value {
    let mut copy = json.clone();
    let resolved = |param: &Value| resolve_local(json, param);
    let is_array_query = |param: &Value| {
        let param = resolved(param);
        param.get("in").and_then(Value::as_str) == Some("query")
            && param.pointer("/schema/type").and_then(Value::as_str) == Some("array")
    };
    if let Some(paths) = copy.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for operation in item.values_mut() {
                if let Some(params) = operation
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                {
                    params.retain(|p| !is_array_query(p));
                }
            }
        }
    }
    copy
}

fn settings(plan: &Plan) -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote!(::payspec_core::ClientInner))
        .with_derive("schemars::JsonSchema")
        .with_map_type("::std::collections::BTreeMap");
    for (name, (rust, impls)) in &plan.replacements {
        settings.with_replacement(name, rust, impls.iter().cloned());
    }
    settings
}

/// The whole pipeline on the fixture spec `xtask/fixtures/specs/foreign.yaml`, shapes
/// real providers' specs use: generate its crate into a scratch workspace under the
/// target directory, build it with clippy `-D warnings`, and run its hand-written
/// runtime test (`xtask/fixtures/runtime.rs`: the idempotency key sent and kept on
/// retries, no credential on the public operation, the spec's `api-version` sent).
pub fn fixture(root: &Path) -> Result<(), String> {
    let fixtures = root.join("xtask/fixtures");
    // The fixture is a valid OpenAPI document by an outside validator's judgement.
    let spec = SpecFile::load(&fixtures, "foreign")?;
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let problems = crate::lint::python_checks(&spec.json, &python)?;
    if !problems.is_empty() {
        return Err(format!("xtask/fixtures/specs/foreign.yaml: {problems:?}"));
    }
    let scratch = crate::bench::target_dir(root).join("fixture-workspace");
    let _ = std::fs::remove_dir_all(&scratch);
    for output in generate(&fixtures, "foreign", "fixture")? {
        let path = scratch.join(&output.relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        if !output.link {
            std::fs::write(&path, &output.content)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    // The client crate `cargo xtask add-provider` writes, on the generated one: it must
    // build, pass clippy and its own tests like any payspec crate.
    let server = spec
        .json
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .filter(|url| url.starts_with("https://"));
    let title = spec
        .json
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("foreign");
    for (relative, content) in crate::add_provider::client_crate("foreign", title, server) {
        let path = scratch.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let tests = scratch.join("generated/foreign/tests");
    std::fs::create_dir_all(&tests).map_err(|e| format!("{}: {e}", tests.display()))?;
    std::fs::copy(fixtures.join("runtime.rs"), tests.join("runtime.rs"))
        .map_err(|e| format!("xtask/fixtures/runtime.rs: {e}"))?;
    // The generated Cargo.toml takes its dependencies from the workspace: give the
    // scratch workspace payspec's own table, payspec-core by absolute path.
    let manifest =
        std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    let table: Vec<&str> = manifest
        .lines()
        .skip_while(|l| l.trim() != "[workspace.dependencies]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.starts_with("payspec-") || l.starts_with("payspec-core"))
        .collect();
    let core = root.join("clients/core").display().to_string();
    let table = table
        .join("\n")
        .replace("path = \"clients/core\"", &format!("path = {core:?}"));
    let workspace = format!(
        "[workspace]\nresolver = \"3\"\nmembers = [\"generated/foreign\", \"clients/foreign\"]\n\n\
         [workspace.package]\nversion = \"0.1.0\"\nedition = \"2024\"\nrust-version = \"1.88\"\n\
         license = \"MIT OR Apache-2.0\"\nrepository = \"https://example.invalid/fixture\"\n\n\
         [workspace.dependencies]\n{table}\n\
         payspec-foreign-api = {{ path = \"generated/foreign\" }}\n"
    );
    std::fs::write(scratch.join("Cargo.toml"), workspace)
        .map_err(|e| format!("fixture Cargo.toml: {e}"))?;
    // The generated crate's own manifest gains the runtime test's dev-dependencies.
    let crate_manifest = scratch.join("generated/foreign/Cargo.toml");
    let mut text = std::fs::read_to_string(&crate_manifest)
        .map_err(|e| format!("{}: {e}", crate_manifest.display()))?;
    text.push_str(
        "\n[dev-dependencies]\ntokio = { workspace = true, features = [\"rt-multi-thread\"] }\n\
         httpmock.workspace = true\n",
    );
    std::fs::write(&crate_manifest, text)
        .map_err(|e| format!("{}: {e}", crate_manifest.display()))?;
    std::fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let target = crate::bench::target_dir(root).join("fixture-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    for args in [
        &[
            "clippy",
            "--offline",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ][..],
        &["test", "--offline", "--all-features"][..],
    ] {
        let status = std::process::Command::new(&cargo)
            .current_dir(&scratch)
            .env("CARGO_TARGET_DIR", &target)
            // The fixture crate's compile-time spec check reads the fixture's specs.
            .env("PAYSPEC_SPECS", fixtures.join("specs"))
            .args(args)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!(
                "the fixture crate (xtask/fixtures/specs/foreign.yaml): `cargo {}` failed in {}",
                args.join(" "),
                scratch.display()
            ));
        }
    }
    Ok(())
}

/// Every rewrite of the spec made before progenitor reads it, in order (the file itself is
/// never changed): idempotency keys optional, `default` as error ranges, zero minimums
/// dropped, JSON media types as `application/json`, then [`crate::normalise`]'s passes.
pub(crate) fn prepare(json: &mut Value) {
    idempotency_keys_optional(json);
    default_responses_as_errors(json);
    zero_minimums_dropped(json);
    json_media_types_as_json(json);
    crate::normalise::for_generation(json);
}

fn generate(root: &Path, provider: &str, progenitor_version: &str) -> Result<Vec<Output>, String> {
    let spec = SpecFile::load(root, provider)?;
    let mut json = spec.json.clone();
    prepare(&mut json);
    let problems = crate::normalise::preflight(&json);
    if !problems.is_empty() {
        let lines: Vec<String> = problems
            .iter()
            .map(|(pointer, problem)| format!("{}#{pointer}: {problem}", spec.relative))
            .collect();
        return Err(lines.join("\n"));
    }
    let plan = plan(&mut json, &spec.relative)?;
    let facts = operation_facts(&json);
    // progenitor 0.15's httpmock generator cannot match array-valued query parameters
    // (it calls `to_string()` on the Vec), so the mock helpers are generated from a copy
    // without them: a typed mock then simply does not constrain that parameter.
    let mock_json = without_array_query_params(&json);
    let json_for_counts = json.clone();
    let api: openapiv3::OpenAPI = serde_json::from_value(json)
        .map_err(|e| format!("{}: not an OpenAPI 3.0 document: {e}", spec.relative))?;
    let mock_api: openapiv3::OpenAPI = serde_json::from_value(mock_json)
        .map_err(|e| format!("{}: not an OpenAPI 3.0 document: {e}", spec.relative))?;
    let settings = settings(&plan);

    let client = progenitor_step(&spec.relative, "progenitor", || {
        Generator::new(&settings).generate_tokens(&api)
    })?;
    let mock = progenitor_step(&spec.relative, "progenitor (httpmock)", || {
        Generator::new(&settings).httpmock(&mock_api, "crate")
    })?;

    check_table(&facts, &generated_operation_ids(&client), &spec.relative)?;
    let mut fired = Fired::default();
    let client = lighter_calls(client, &mut fired);
    let client = scoped_requests(client, &mut fired);
    let client = field_errors(client, &mut fired);
    fired.check(
        &Fired::expected(&spec_shape(&json_for_counts)),
        &spec.relative,
    )?;
    let glue = glue(&facts);
    let open_enums = open_enums(&plan.open_enums)?;
    let file = quote! {
        #client
        #glue
        /// Open enums: every named string enum of the spec, with an `Unknown` variant
        /// that keeps values the provider adds later.
        pub mod open_enums {
            #open_enums
        }
        /// Typed httpmock helpers: `server.initiate_payment(|when, then| ...)`.
        #[cfg(feature = "mock")]
        pub mod mock {
            #mock
        }
    };
    let syntax: syn::File = syn::parse2(file)
        .map_err(|e| format!("{}: generated code does not parse: {e}", spec.relative))?;
    let body = prettyplease::unparse(&syntax);

    let title = api.info.title.clone();
    let api_version = api.info.version.clone();
    let sha = spec.sha256();
    let stamp = format!(
        "// @generated by `cargo xtask codegen`: do not edit; change the spec and regenerate.\n\
         // spec: {spec_file}\n\
         // spec-sha256: {sha}\n\
         // progenitor: {progenitor_version}\n\
         // api-version: {api_version}\n",
        spec_file = spec.relative,
    );
    // The crate root stays small; the code lives in `generated.rs`, which rustfmt skips
    // so that `cargo fmt` never rewrites what prettyplease wrote.
    let lib = format!(
        "{stamp}\n\
         //! Raw client for the {title} (API version {api_version}), generated by progenitor\n\
         //! {progenitor_version} from `{spec_file}`.\n\
         //!\n\
         //! Most users want the `payspec-{provider}` crate, which builds this client with\n\
         //! authentication, TLS, retries and typed errors. The JSON Schema of any type is\n\
         //! available through `schemars::schema_for!`.\n\
         #![allow(clippy::all, clippy::pedantic, missing_docs, rustdoc::all)]\n\
         \n\
         #[rustfmt::skip]\n\
         mod generated;\n\
         \n\
         pub use generated::*;\n\
         \n\
         /// Stops any build of this crate in payspec's workspace (`cargo build -p`, `cargo\n\
         /// test -p`, ...) when `{spec_file}` changed after this code was generated:\n\
         /// `.cargo/config.toml` there sets the cfg and `PAYSPEC_SPECS`. Elsewhere (a published\n\
         /// crate) there is no spec and no check.\n\
         #[cfg(payspec_workspace)]\n\
         #[rustfmt::skip]\n\
         const _: () = {{\n\
         \x20   const fn fnv1a64(bytes: &[u8]) -> u64 {{\n\
         \x20       let mut hash = 0xcbf2_9ce4_8422_2325_u64;\n\
         \x20       let mut i = 0;\n\
         \x20       while i < bytes.len() {{\n\
         \x20           hash = (hash ^ bytes[i] as u64).wrapping_mul(0x0100_0000_01b3);\n\
         \x20           i += 1;\n\
         \x20       }}\n\
         \x20       hash\n\
         \x20   }}\n\
         \x20   assert!(\n\
         \x20       fnv1a64(include_bytes!(concat!(env!(\"PAYSPEC_SPECS\"), \"/{spec_name}\"))) == {fnv:#018x},\n\
         \x20       \"{spec_file} changed after generation: run `cargo xtask codegen`\"\n\
         \x20   );\n\
         }};\n",
        spec_file = spec.relative,
        spec_name = spec.relative.trim_start_matches("specs/"),
        fnv = fnv1a64(&spec.bytes),
    );
    let code = format!("{stamp}\n{body}");
    let cargo = cargo_toml(provider, &title, &spec.relative, &code);
    let readme = format!(
        "<!-- @generated by `cargo xtask codegen` from {spec_file}: do not edit. -->\n\
         # payspec-{provider}-api\n\n\
         The raw {title} client (API version {api_version}), generated by progenitor\n\
         {progenitor_version} from payspec's hand-written OpenAPI spec `{spec_file}`.\n\n\
         Most users want [`payspec-{provider}`](https://crates.io/crates/payspec-{provider}),\n\
         which builds this client with authentication, TLS, retries, typed errors and\n\
         webhooks. Feature `mock` adds typed httpmock helpers for tests.\n\n\
         Licensed under either of Apache-2.0 or MIT, at your option.\n",
        spec_file = spec.relative,
    );
    let file = |name: &str, content: String| Output {
        relative: PathBuf::from(format!("generated/{provider}/{name}")),
        content,
        link: false,
    };
    let licence = |name: &str| Output {
        relative: PathBuf::from(format!("generated/{provider}/{name}")),
        content: format!("../../{name}"),
        link: true,
    };
    let schemas = serde_json::to_string(&request_schemas(&spec.json))
        .map_err(|e| format!("{}: {e}", spec.relative))?;
    Ok(vec![
        file("src/lib.rs", lib),
        file("src/generated.rs", code),
        file("src/request_schemas.json", format!("{schemas}\n")),
        file("Cargo.toml", cargo),
        file("README.md", readme),
        licence("LICENSE-MIT"),
        licence("LICENSE-APACHE"),
    ])
}

/// Seven rewrites of progenitor's client code, each the same request with less work
/// (with `scoped_requests` and `field_errors`, nine in all; [`Fired`] says how often each
/// must fire, and codegen stops when one fires another number of times):
/// - progenitor's own `header_map.append(HeaderName::from_static("api-version"),
///   HeaderValue::from_static(Client::api_version()))` is dropped: progenitor adds it for
///   every API, whatever the spec says (an `api-version` header the spec declares as a
///   parameter is kept and sent);
/// - `let mut header_map` gets `#[allow(unused_mut)]`: without the `api-version` line an
///   operation may add no header at all;
/// - `encode_path(&x.to_string())` becomes `x.path_segment()` (payspec-core's
///   `PathSegment`), which percent-encodes the same bytes while the URL is formatted (no
///   two extra strings), and the `encode_path` import, unused after that, is dropped;
/// - `ResponseValue::from_response` becomes `::payspec_core::glue::from_response`, which
///   moves the response headers instead of copying them;
/// - `client.pre(..).await` becomes `client.payspec_pre(..)`: payspec's hook does not
///   wait, so the request being built is not kept in the future across an await;
/// - `client.post(..).await?;` is dropped: payspec defines no `post` hook (the trait's
///   default does nothing).
fn lighter_calls(tokens: TokenStream, fired: &mut Fired) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let ident =
        |i: usize, name: &str| matches!(trees.get(i), Some(TokenTree::Ident(x)) if x == name);
    let punct =
        |i: usize, c: char| matches!(trees.get(i), Some(TokenTree::Punct(p)) if p.as_char() == c);
    let paren = |i: usize| match trees.get(i) {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => Some(g.clone()),
        _ => None,
    };
    let mut out: Vec<TokenTree> = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        if ident(i, "header_map")
            && punct(i + 1, '.')
            && ident(i + 2, "append")
            && punct(i + 4, ';')
            && paren(i + 3).is_some_and(|g| {
                // progenitor's own (`HeaderValue::from_static(Client::api_version())`),
                // not an `api-version` header parameter the spec declares.
                let args = g.stream().to_string();
                args.contains("\"api-version\"") && args.contains("api_version ()")
            })
        {
            fired.api_version += 1;
            i += 5;
            continue;
        }
        if ident(i, "encode_path") {
            if let Some(args) = paren(i + 1) {
                let mut inner: Vec<TokenTree> = args.stream().into_iter().collect();
                let n = inner.len();
                let to_string_call = n >= 3
                    && matches!(&inner[n - 3], TokenTree::Punct(p) if p.as_char() == '.')
                    && matches!(&inner[n - 2], TokenTree::Ident(x) if x == "to_string")
                    && matches!(&inner[n - 1], TokenTree::Group(g)
                        if g.delimiter() == Delimiter::Parenthesis && g.stream().is_empty());
                if to_string_call {
                    inner.truncate(n - 3);
                    if matches!(inner.first(), Some(TokenTree::Punct(p)) if p.as_char() == '&') {
                        inner.remove(0);
                    }
                }
                let inner: TokenStream = inner.into_iter().collect();
                // A method call, so that `Display` is found through `Deref` as
                // `.to_string()` found it (string newtypes deref to `String`).
                out.extend(quote! {
                    {
                        use ::payspec_core::glue::PathParam as _;
                        (#inner).path_segment()
                    }
                });
                fired.path_segment += 1;
                i += 2;
                continue;
            }
            if punct(i + 1, ',') {
                // The import, now unused.
                fired.encode_path_import += 1;
                i += 2;
                continue;
            }
        }
        if ident(i, "client")
            && punct(i + 1, '.')
            && ident(i + 2, "pre")
            && punct(i + 4, '.')
            && ident(i + 5, "await")
            && let Some(args) = paren(i + 3)
        {
            // payspec's `pre` does not wait: called directly, it adds no await (and no
            // place in the future) while the request is being built.
            out.extend(quote! { client.payspec_pre #args });
            fired.pre += 1;
            i += 6;
            continue;
        }
        if ident(i, "client")
            && punct(i + 1, '.')
            && ident(i + 2, "post")
            && paren(i + 3).is_some()
            && punct(i + 4, '.')
            && ident(i + 5, "await")
            && punct(i + 6, '?')
            && punct(i + 7, ';')
        {
            // payspec defines no `post` hook (the trait's default does nothing); the call
            // would only keep the result borrowed, and so in the future, a while longer.
            fired.post += 1;
            i += 8;
            continue;
        }
        if ident(i, "let") && ident(i + 1, "mut") && ident(i + 2, "header_map") {
            // Without the `api-version` line an operation may add no header at all.
            out.extend(quote! { #[allow(unused_mut)] });
            out.extend(trees[i..i + 3].iter().cloned());
            fired.unused_mut += 1;
            i += 3;
            continue;
        }
        if ident(i, "ResponseValue")
            && punct(i + 1, ':')
            && punct(i + 2, ':')
            && ident(i + 3, "from_response")
        {
            out.extend(quote! { ::payspec_core::glue::from_response });
            fired.from_response += 1;
            i += 4;
            continue;
        }
        match &trees[i] {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), lighter_calls(g.stream(), fired));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// How often each rewrite of progenitor's output fired. Each rewrite matches an exact
/// shape of progenitor 0.15's output; when progenitor changes that shape, a rewrite
/// fires less (or more) than the spec says it must, and codegen stops instead of
/// shipping half-rewritten code.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Fired {
    /// progenitor's `api-version` header dropped: once per operation.
    api_version: usize,
    /// `#[allow(unused_mut)]` on `header_map`: once per operation.
    unused_mut: usize,
    /// `encode_path(&x.to_string())` -> `x.path_segment()`: once per path parameter of
    /// each operation's path.
    path_segment: usize,
    /// The `encode_path` import dropped (unused after `path_segment`): twice, as
    /// progenitor imports it at the crate root and in `builder`, path parameters or not.
    encode_path_import: usize,
    /// `client.pre(..).await` -> `client.payspec_pre(..)`: once per operation.
    pre: usize,
    /// `client.post(..).await?;` dropped: once per operation.
    post: usize,
    /// `ResponseValue::from_response` -> `glue::from_response`: once per response of an
    /// operation that has a JSON body.
    from_response: usize,
    /// The request built in a scope (`scoped_requests`): once per operation.
    scoped: usize,
    /// A parameter setter's conversion error names the parameter and the reason
    /// (`field_errors`): once per parameter of each operation.
    field_error: usize,
}

/// What the counts of [`Fired`] follow from.
#[derive(Debug, Default)]
struct SpecShape {
    operations: usize,
    path_parameters: usize,
    json_responses: usize,
    parameters: usize,
}

fn spec_shape(json: &Value) -> SpecShape {
    let mut shape = SpecShape::default();
    let resolve = |value: &Value| resolve_local(json, value);
    let Some(paths) = json.get("paths").and_then(Value::as_object) else {
        return shape;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            if !is_method(method) {
                continue;
            }
            shape.operations += 1;
            shape.path_parameters += path.matches('{').count();
            shape.parameters += merged_parameters(item, operation, &resolve).len();
            let responses = operation.get("responses").and_then(Value::as_object);
            for response in responses.into_iter().flat_map(|r| r.values()) {
                let response = resolve(response);
                let json_body = response
                    .get("content")
                    .and_then(Value::as_object)
                    .is_some_and(|content| content.keys().any(|m| m.contains("json")));
                if json_body {
                    shape.json_responses += 1;
                }
            }
        }
    }
    shape
}

impl Fired {
    fn expected(shape: &SpecShape) -> Self {
        Self {
            api_version: shape.operations,
            unused_mut: shape.operations,
            path_segment: shape.path_parameters,
            encode_path_import: 2,
            pre: shape.operations,
            post: shape.operations,
            from_response: shape.json_responses,
            scoped: shape.operations,
            field_error: shape.parameters,
        }
    }

    fn check(&self, expected: &Self, file: &str) -> Result<(), String> {
        if self == expected {
            return Ok(());
        }
        Err(format!(
            "{file}: a rewrite of progenitor's output fired a different number of times than \
             the spec says it must (progenitor's output changed shape?): fired {self:?}, \
             expected {expected:?}; see `Fired` in xtask/src/codegen.rs"
        ))
    }
}

/// In every parameter setter of the request builders, the conversion error names the
/// parameter and says why: progenitor's
///
/// ```text
/// fn transaction_id<V>(mut self, value: V) -> Self where V: TryInto<types::X>, {
///     self.transaction_id = value.try_into().map_err(|_| "conversion to `X` for transaction_id failed".to_string());
/// ```
///
/// becomes `where V: TryInto<types::X>, <V as TryInto<types::X>>::Error: Display` and
/// `.map_err(|e| format!("transaction_id: {e}"))`, so a refused call says
/// `transaction_id: shorter than 1 characters`. Every value a caller passes today (strings,
/// the types themselves, numbers) converts with an error that displays.
fn field_errors(tokens: TokenStream, fired: &mut Fired) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        if let TokenTree::Ident(word) = &trees[i]
            && word == "where"
            && let Some(body_at) = (i + 1..trees.len()).find(
                |&j| matches!(&trees[j], TokenTree::Group(g) if g.delimiter() == Delimiter::Brace),
            )
            && let TokenTree::Group(body) = &trees[body_at]
        {
            let bound: TokenStream = trees[i + 1..body_at].iter().cloned().collect();
            let bound_text = bound.to_string();
            let single = bound_text.starts_with("V : std :: convert :: TryInto <")
                && !bound_text.contains("Error");
            if single && let Some(rewritten) = named_conversion_error(&body.stream()) {
                let target = bound_text
                    .trim_start_matches("V : std :: convert :: TryInto <")
                    .trim_end_matches(',')
                    .trim()
                    .trim_end_matches('>')
                    .trim()
                    .to_string();
                let display: TokenStream = format!(
                    "< V as std :: convert :: TryInto < {target} > > :: Error : std :: fmt :: Display ,"
                )
                .parse()
                .unwrap_or_default();
                out.extend(trees[i..body_at].iter().cloned());
                out.extend(display);
                out.push(TokenTree::Group(Group::new(Delimiter::Brace, rewritten)));
                fired.field_error += 1;
                i = body_at + 1;
                continue;
            }
        }
        match &trees[i] {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), field_errors(g.stream(), fired));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// A setter's body with `map_err(|_| "conversion to `X` for NAME failed".to_string())`
/// made `map_err(|e| format!("NAME: {e}"))`; `None` when the body has no such closure.
fn named_conversion_error(body: &TokenStream) -> Option<TokenStream> {
    const OPEN: &str = "map_err (| _ | \"conversion to `";
    const CLOSE: &str = "\" . to_string ())";
    let text = body.to_string();
    let start = text.find(OPEN)?;
    let rest = &text[start + OPEN.len()..];
    let end = rest.find(CLOSE)?;
    let name = rest[..end]
        .split(" for ")
        .nth(1)?
        .strip_suffix(" failed")?
        .to_string();
    // A form body's setter has this shape too; bodies are counted apart (JSON ones say
    // why already), so only parameters are rewritten.
    if name == "body" {
        return None;
    }
    let replaced = format!(
        "{}map_err (| e | format ! (\"{name}: {{}}\" , e)){}",
        &text[..start],
        &rest[end + CLOSE.len()..]
    );
    replaced.parse().ok()
}

/// In every generated `send()`, builds the request in a block that ends before the call's
/// future is awaited:
///
/// ```text
/// let info = OperationInfo { .. };
/// let exec = { let mut header_map = ..; let mut request = ..; client.pre(&mut request, &info).await?; client.exec(request, &info) };
/// let result = exec.await;
/// ```
///
/// The request and header map were borrowed, so the compiler keeps their places (360
/// bytes) in `send()`'s future for as long as they are in scope, although both are moved
/// into the call; scoped, they are gone while the answer is awaited. Same statements,
/// same order of effects.
fn scoped_requests(tokens: TokenStream, fired: &mut Fired) -> TokenStream {
    let trees: Vec<TokenTree> = tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), scoped_requests(g.stream(), fired));
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            other => other,
        })
        .collect();
    let text = |i: usize| trees.get(i).map(|t| t.to_string()).unwrap_or_default();
    let find = |from: usize, words: &[&str]| {
        (from..trees.len()).find(|&i| words.iter().enumerate().all(|(k, w)| text(i + k) == *w))
    };
    let end_of = |from: usize| (from..trees.len()).find(|&i| text(i) == ";").map(|i| i + 1);
    let plan = (|| {
        let exec = find(0, &["let", "result", "=", "client", ".", "exec"])?;
        let header_map = find(0, &["let", "mut", "header_map"])?;
        // Include the `#[allow(unused_mut)]` in front of it.
        let start = if header_map >= 2 && text(header_map - 2) == "#" {
            header_map - 2
        } else {
            header_map
        };
        let info = find(start, &["let", "info", "="])?;
        let info_end = end_of(info)?;
        let exec_end = end_of(exec)?;
        (start < info && info_end <= exec).then_some((start, info, info_end, exec, exec_end))
    })();
    let Some((start, info, info_end, exec, exec_end)) = plan else {
        return trees.into_iter().collect();
    };
    fired.scoped += 1;
    let part =
        |range: std::ops::Range<usize>| -> TokenStream { trees[range].iter().cloned().collect() };
    let (before, building, info_stmt, pre, after) = (
        part(0..start),
        part(start..info),
        part(info..info_end),
        part(info_end..exec),
        part(exec_end..trees.len()),
    );
    quote! {
        #before
        #info_stmt
        let exec = {
            #building
            #pre
            client.exec(request, &info)
        };
        let result = exec.await;
        #after
    }
}

fn glue(facts: &OperationFacts) -> TokenStream {
    let header = match &facts.idempotency_header {
        Some(h) => quote!(Some(#h)),
        None => quote!(None),
    };
    let idempotent = &facts.idempotent;
    let unauthenticated = &facts.unauthenticated;
    let retry_safe = &facts.retry_safe;
    let security = facts.security.iter().map(|(operation, scheme, scope)| {
        let scope = match scope {
            Some(s) => quote!(Some(#s)),
            None => quote!(None),
        };
        quote! {
            ::payspec_core::OperationSecurity { operation: #operation, scheme: #scheme, scope: #scope }
        }
    });
    let routes = facts.routes.iter().map(|(path, methods, operations)| {
        quote! {
            ::payspec_core::Route { path: #path, methods: &[#(#methods),*], operations: &[#(#operations),*] }
        }
    });
    let (nullable_requests, nullable_answers) = &facts.nullable;
    quote! {
        /// The spec's schemas and each operation's JSON request body schema (by the
        /// operation's name, as [`OPERATIONS`] names it), as JSON: for a server holding
        /// requests to the spec (`payspec_sandbox::spec_conforming`).
        pub const REQUEST_SCHEMAS: &str = include_str!("request_schemas.json");

        /// Every property the spec lets be `null` in a request body (`nullable: true`, on
        /// the property or the schema it refers to, in any schema a request body
        /// reaches): serde reads `null` as an absent optional field, so a server checking
        /// bodies against these types needs the list.
        pub const NULLABLE_IN_REQUESTS: &[&str] = &[#(#nullable_requests),*];

        /// Every property the spec lets be `null` in an answer's body, as
        /// [`NULLABLE_IN_REQUESTS`] for requests.
        pub const NULLABLE_IN_ANSWERS: &[&str] = &[#(#nullable_answers),*];

        /// What payspec-core needs to know of this API's operations, read from the spec.
        pub const OPERATIONS: ::payspec_core::OperationTable = ::payspec_core::OperationTable {
            idempotency_header: #header,
            idempotent: &[#(#idempotent),*],
            unauthenticated: &[#(#unauthenticated),*],
            retry_safe: &[#(#retry_safe),*],
            security: &[#(#security),*],
            routes: &[#(#routes),*],
        };

        impl Client {
            /// payspec's `pre` hook as a plain call, which every operation's `send()`
            /// makes (see [`ClientHooks::pre`]).
            #[doc(hidden)]
            pub fn payspec_pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &OperationInfo,
            ) -> std::result::Result<(), Error<E>> {
                ::payspec_core::hooks::pre(&self.inner, &OPERATIONS, request, info.operation_id)
                    .map_err(Error::InvalidRequest)
            }
        }

        // Every request goes through payspec-core; provider behaviour is data in the
        // inner type, not code here.
        impl ClientHooks<::payspec_core::ClientInner> for Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &OperationInfo,
            ) -> std::result::Result<(), Error<E>> {
                self.payspec_pre(request, info)
            }

            // payspec-core's future itself, not awaited inside another: one state
            // machine fewer, and the request is not kept twice.
            fn exec(
                &self,
                request: reqwest::Request,
                info: &OperationInfo,
            ) -> impl ::std::future::Future<Output = reqwest::Result<reqwest::Response>> {
                ::payspec_core::hooks::exec(
                    &self.inner,
                    &self.client,
                    &OPERATIONS,
                    request,
                    info.operation_id,
                )
            }
        }
    }
}

fn variant_name(value: &str) -> String {
    let camel = value.to_upper_camel_case();
    match camel.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => camel,
        _ => format!("V{camel}"),
    }
}

fn open_enums(enums: &[OpenEnum]) -> Result<TokenStream, String> {
    let mut out = TokenStream::new();
    for e in enums {
        let name = format_ident!("{}", e.name);
        let name_str = &e.name;
        let doc = e
            .description
            .clone()
            .unwrap_or_else(|| format!("The `{}` values of the spec.", e.name));
        let mut seen = BTreeMap::new();
        for value in &e.values {
            let variant = variant_name(value);
            if variant == "Unknown" {
                return Err(format!(
                    "enum {}: value `{value}` clashes with Unknown",
                    e.name
                ));
            }
            if let Some(other) = seen.insert(variant.clone(), value.clone()) {
                return Err(format!(
                    "enum {}: values `{other}` and `{value}` map to one variant",
                    e.name
                ));
            }
        }
        let variants: Vec<_> = e
            .values
            .iter()
            .map(|v| format_ident!("{}", variant_name(v)))
            .collect();
        let values = &e.values;
        let variant_docs: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        out.extend(quote! {
            #[doc = #doc]
            ///
            /// Parsing a response never fails on a value this version does not know: it
            /// becomes `Unknown`. `FromStr` and `TryFrom<&str>` accept known values only, so
            /// a typo in a request is caught before anything is sent.
            #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum #name {
                #(#[doc = #variant_docs] #variants,)*
                /// A value this version of payspec does not know yet, kept as sent.
                Unknown(String),
            }

            impl #name {
                /// Every value the spec lists, in its order.
                pub const KNOWN: &'static [&'static str] = &[#(#values),*];

                /// The value as the API spells it.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(Self::#variants => #values,)*
                        Self::Unknown(other) => other.as_str(),
                    }
                }

                /// Whether the value is one the spec does not list.
                pub fn is_unknown(&self) -> bool {
                    matches!(self, Self::Unknown(_))
                }

                fn known(value: &str) -> Option<Self> {
                    match value {
                        #(#values => Some(Self::#variants),)*
                        _ => None,
                    }
                }
            }

            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl ::std::str::FromStr for #name {
                type Err = ::payspec_core::UnknownEnumValue;
                fn from_str(value: &str) -> Result<Self, Self::Err> {
                    Self::known(value).ok_or_else(|| {
                        ::payspec_core::UnknownEnumValue::new(#name_str, value, Self::KNOWN)
                    })
                }
            }

            impl ::std::convert::TryFrom<&str> for #name {
                type Error = ::payspec_core::UnknownEnumValue;
                fn try_from(value: &str) -> Result<Self, Self::Error> {
                    value.parse()
                }
            }

            impl ::std::convert::TryFrom<&String> for #name {
                type Error = ::payspec_core::UnknownEnumValue;
                fn try_from(value: &String) -> Result<Self, Self::Error> {
                    value.parse()
                }
            }

            impl ::std::convert::TryFrom<String> for #name {
                type Error = ::payspec_core::UnknownEnumValue;
                fn try_from(value: String) -> Result<Self, Self::Error> {
                    value.parse()
                }
            }

            impl ::serde::Serialize for #name {
                fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_str(self.as_str())
                }
            }

            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let value = <String as ::serde::Deserialize>::deserialize(d)?;
                    Ok(Self::known(&value).unwrap_or(Self::Unknown(value)))
                }
            }

            impl ::schemars::JsonSchema for #name {
                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    #name_str.into()
                }
                fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                    // The values from `KNOWN` at run time: written into `json_schema!`,
                    // an enum of 150 values passes the macro recursion limit.
                    let mut schema = ::schemars::json_schema!({
                        "type": "string",
                        "description": #doc,
                    });
                    let values = Self::KNOWN.iter().map(|v| ::serde_json::Value::from(*v));
                    schema.insert("enum".into(), ::serde_json::Value::Array(values.collect()));
                    schema
                }
            }
        });
    }
    Ok(out)
}

fn cargo_toml(provider: &str, title: &str, spec_file: &str, lib: &str) -> String {
    let mut deps = vec![
        "payspec-core.workspace = true",
        "progenitor-client.workspace = true",
        "reqwest.workspace = true",
        "schemars.workspace = true",
        "serde.workspace = true",
        "serde_json.workspace = true",
    ];
    for (marker, dep) in [
        ("chrono::", "chrono.workspace = true"),
        ("regress::", "regress.workspace = true"),
        ("uuid::", "uuid.workspace = true"),
    ] {
        if lib.contains(marker) {
            deps.push(dep);
        }
    }
    deps.sort();
    format!(
        "# @generated by `cargo xtask codegen` from {spec_file}: do not edit.\n\
         {package}\
         \n\
         [dependencies]\n\
         {deps}\n\
         httpmock = {{ workspace = true, optional = true }}\n\
         regex = {{ workspace = true, optional = true }}\n\
         \n\
         [features]\n\
         # Typed httpmock helpers for tests: `server.<operation>(|when, then| ...)`.\n\
         mock = [\"dep:httpmock\", \"dep:regex\"]\n\
         \n\
         # Set by payspec's .cargo/config.toml: the build checks the spec is unchanged.\n\
         [lints.rust]\n\
         unexpected_cfgs = {{ level = \"warn\", check-cfg = [\"cfg(payspec_workspace)\"] }}\n\
         \n\
         [package.metadata.docs.rs]\n\
         all-features = true\n",
        deps = deps.join("\n"),
        package = package_table(
            &format!("payspec-{provider}-api"),
            &format!(
                "Raw {title} client generated from {spec_file} (most users want payspec-{provider})"
            ),
            &["payments", provider, "openapi", "progenitor", "sdk"],
        ),
    )
}

/// The `[package]` table every payspec crate has (generated or added with
/// `add-provider`): its name, description and keywords, the rest from the workspace.
pub(crate) fn package_table(name: &str, description: &str, keywords: &[&str]) -> String {
    let keywords: Vec<String> = keywords.iter().map(|k| format!("{k:?}")).collect();
    format!(
        "[package]\n\
         name = \"{name}\"\n\
         description = \"{description}\"\n\
         version.workspace = true\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         repository.workspace = true\n\
         readme = \"README.md\"\n\
         keywords = [{keywords}]\n\
         categories = [\"api-bindings\", \"web-programming::http-client\"]\n",
        keywords = keywords.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_root(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("payspec-xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("specs")).unwrap();
        let root = crate::workspace_root();
        std::fs::copy(root.join("specs/nopan.yaml"), dir.join("specs/nopan.yaml")).unwrap();
        std::fs::write(dir.join("specs/providers.txt"), "nopan\n").unwrap();
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        dir
    }

    #[test]
    fn output_is_deterministic() {
        let root = crate::workspace_root();
        let first = generate(&root, "nopan", "0.0.0").unwrap();
        let second = generate(&root, "nopan", "0.0.0").unwrap();
        assert_eq!(first.len(), second.len());
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(a.relative, b.relative);
            assert!(
                a.content == b.content,
                "{} differs between runs",
                a.relative.display()
            );
        }
    }

    #[test]
    fn check_reports_stale_output_and_writes_nothing() {
        let root = temp_root("check");
        let providers = vec!["nopan".to_string()];
        assert!(
            !run(&root, &providers, true).unwrap(),
            "missing output is stale"
        );
        assert!(!root.join("generated").exists(), "--check wrote files");
        assert!(run(&root, &providers, false).unwrap());
        assert!(run(&root, &providers, true).unwrap(), "fresh after codegen");
        let spec = root.join("specs/nopan.yaml");
        let text = std::fs::read_to_string(&spec).unwrap();
        std::fs::write(
            &spec,
            text.replace("Get the current status of a payment", "Get a status"),
        )
        .unwrap();
        let before =
            std::fs::read_to_string(root.join("generated/nopan/src/generated.rs")).unwrap();
        assert!(
            !run(&root, &providers, true).unwrap(),
            "a changed spec is stale"
        );
        let after = std::fs::read_to_string(root.join("generated/nopan/src/generated.rs")).unwrap();
        assert_eq!(before, after);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn the_header_stamps_the_spec_hash() {
        let root = crate::workspace_root();
        let spec = SpecFile::load(&root, "nopan").unwrap();
        let outputs = generate(&root, "nopan", "9.9.9").unwrap();
        let lib = &outputs[0].content;
        assert!(lib.contains(&format!("// spec-sha256: {}", spec.sha256())));
        assert!(lib.contains("// progenitor: 9.9.9"));
    }

    /// The generated crate's code and OPERATIONS table for `xtask/fixtures/specs/foreign.yaml`.
    fn foreign() -> (String, OperationFacts) {
        let root = crate::workspace_root().join("xtask/fixtures");
        let outputs = generate(&root, "foreign", "0.0.0").unwrap_or_else(|e| panic!("{e}"));
        let code = outputs
            .iter()
            .find(|o| o.relative.ends_with("src/generated.rs"))
            .map(|o| o.content.clone())
            .unwrap_or_default();
        let spec = SpecFile::load(&root, "foreign").unwrap_or_else(|e| panic!("{e}"));
        let mut json = spec.json;
        prepare(&mut json);
        (code, operation_facts(&json))
    }

    #[test]
    fn the_table_uses_progenitors_names_for_any_operation_id() {
        assert_eq!(progenitor_name("createPayment"), "create_payment");
        assert_eq!(progenitor_name("capture-payment"), "capture_payment");
        assert_eq!(progenitor_name("authorizations.get"), "authorizations_get");
        assert_eq!(progenitor_name("get_payment"), "get_payment");
        assert_eq!(progenitor_name("3ds-check"), "_3ds_check");
        assert_eq!(progenitor_name("type"), "type_");
        let (code, facts) = foreign();
        assert_eq!(facts.idempotent, ["capture_payment", "create_payment"]);
        assert_eq!(facts.idempotency_header.as_deref(), Some("Idempotency-Key"));
        assert_eq!(facts.unauthenticated, ["get_status"]);
        let secured: Vec<&str> = facts
            .security
            .iter()
            .map(|(op, _, _)| op.as_str())
            .collect();
        assert_eq!(
            secured,
            [
                "authorizations_get",
                "cancel_payment",
                "capture_payment",
                "create_payment"
            ]
        );
        for name in [
            "create_payment",
            "cancel_payment",
            "capture_payment",
            "authorizations_get",
            "get_status",
        ] {
            assert!(
                code.contains(&format!("operation_id: \"{name}\"")),
                "{name} is what the hooks are handed"
            );
        }
    }

    #[test]
    fn a_table_name_progenitor_did_not_generate_stops_codegen() {
        let (_, mut facts) = foreign();
        facts.retry_safe.push("createPayment".into());
        let generated = [
            "create_payment",
            "capture_payment",
            "authorizations_get",
            "get_status",
        ]
        .map(String::from)
        .into_iter()
        .collect();
        let error = check_table(&facts, &generated, "specs/foreign.yaml").unwrap_err();
        assert!(error.contains("`createPayment`"), "{error}");
    }

    #[test]
    fn a_required_idempotency_key_is_filled_by_payspec_not_the_caller() {
        let (code, _) = foreign();
        assert!(
            !code.contains("idempotency_key was not initialized"),
            "the builder must not demand the key"
        );
        // The spec's own api-version header is sent; progenitor's is not.
        assert!(code.contains("api_version was not initialized"));
        let client = code.split("pub mod mock").next().unwrap_or_default();
        assert_eq!(
            client.matches("\"api-version\"").count(),
            1,
            "one api-version header"
        );
        assert!(!code.contains("from_static(Client::api_version())"));
        assert!(!code.contains("from_static(super::Client::api_version())"));
    }

    #[test]
    fn a_minimum_length_of_zero_generates_no_useless_comparison() {
        let (code, _) = foreign();
        assert!(code.contains("> 140usize"), "maxLength is checked");
        assert!(
            !code.contains("< 0usize"),
            "`len < 0` fails rustc's unused_comparisons under -D warnings"
        );
    }

    #[test]
    fn every_rewrite_fires_as_often_as_the_spec_says() {
        let root = crate::workspace_root().join("xtask/fixtures");
        let spec = SpecFile::load(&root, "foreign").unwrap_or_else(|e| panic!("{e}"));
        let mut json = spec.json;
        prepare(&mut json);
        let shape = spec_shape(&json);
        // Five operations, each a success and `default` split into 4XX and 5XX (the
        // cancellation has two successes: 200 and 204, both `Option<Payment>`).
        assert_eq!(
            (
                shape.operations,
                shape.path_parameters,
                shape.json_responses
            ),
            (5, 3, 16)
        );
        let expected = Fired::expected(&shape);
        assert!(expected.check(&expected, "x").is_ok());
        let mut short = expected.clone();
        short.from_response -= 1;
        let error = short.check(&expected, "specs/foreign.yaml").unwrap_err();
        assert!(
            error.contains("fired a different number of times"),
            "{error}"
        );
    }

    /// The `send()` of three fixture operations, as generated: every rewrite of
    /// progenitor's output shows in them (no progenitor `api-version`, the spec's own kept,
    /// `#[allow(unused_mut)]`, `path_segment()`, `payspec_pre`, no `post` hook, the scoped
    /// request, payspec's `from_response`), as do the unified `ErrorBody` and the
    /// `Option<Payment>` of 200 + 204. A change of progenitor or of a rewrite shows here as
    /// a diff; `PAYSPEC_BLESS=1 cargo test -p xtask` writes the new snapshot for review.
    #[test]
    fn the_rewritten_calls_match_their_snapshot() {
        let (code, _) = foreign();
        let mut snapshot = String::new();
        for request in [
            "`POST` request to `/payments`",
            "`DELETE` request to `/payments/{paymentId}`",
            "`POST` request to `/payments/{paymentId}/capture`",
        ] {
            let start = format!("        ///Sends a {request}\n");
            let at = code
                .find(&start)
                .unwrap_or_else(|| panic!("no send() for {request}"));
            let rest = &code[at..];
            let end = rest
                .find("\n        }\n")
                .unwrap_or_else(|| panic!("send() for {request} does not end"));
            snapshot.push_str(&rest[..end + "\n        }\n".len()]);
        }
        let path = crate::workspace_root().join("xtask/fixtures/snapshots/send.rs.txt");
        if std::env::var_os("PAYSPEC_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap_or(&path)).unwrap_or_default();
            std::fs::write(&path, &snapshot).unwrap_or_else(|e| panic!("{e}"));
        }
        let pinned = std::fs::read_to_string(&path).unwrap_or_default();
        if pinned != snapshot {
            let diff = similar::TextDiff::from_lines(&pinned, &snapshot)
                .unified_diff()
                .header("pinned", "generated")
                .to_string();
            panic!(
                "the generated calls differ from {} (review, then `PAYSPEC_BLESS=1 cargo test -p \
                 xtask` to pin them):\n{diff}",
                path.display()
            );
        }
    }

    #[test]
    fn open_enum_variants_are_valid_identifiers() {
        assert_eq!(variant_name("ONE_TIME"), "OneTime");
        assert_eq!(variant_name("payments:read"), "PaymentsRead");
        assert_eq!(variant_name("3DS"), "V3ds");
    }
}
