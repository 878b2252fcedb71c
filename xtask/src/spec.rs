//! Loading a provider's spec: YAML text -> JSON value -> `openapiv3::OpenAPI`.

use std::collections::{BTreeMap, BTreeSet};
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

/// The one list of providers, `specs/providers.txt`: one name per line (`#` comments),
/// in the order tools and docs list them.
pub const PROVIDER_LIST: &str = "specs/providers.txt";

/// Reads [`PROVIDER_LIST`]; a name must be lower-case ASCII letters and digits, starting
/// with a letter (it becomes a crate name, a module path and a directory).
pub fn providers(root: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(root.join(PROVIDER_LIST))
        .map_err(|e| format!("{PROVIDER_LIST}: {e}"))?;
    parse_providers(&text)
}

/// The names of a provider list's text (see [`providers`]).
pub fn parse_providers(text: &str) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let name = line.split('#').next().unwrap_or_default().trim();
        if name.is_empty() {
            continue;
        }
        if let Err(problem) = check_provider_name(name) {
            return Err(format!("{PROVIDER_LIST}:{}: {problem}", index + 1));
        }
        if names.iter().any(|n| n == name) {
            return Err(format!(
                "{PROVIDER_LIST}:{}: `{name}` is listed twice",
                index + 1
            ));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

/// Whether `name` can name a provider (see [`providers`]).
pub fn check_provider_name(name: &str) -> Result<(), String> {
    let mut bytes = name.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_lowercase());
    if !first_ok || !bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
        return Err(format!(
            "`{name}` is not a provider name (lower-case ASCII letters and digits, starting \
             with a letter)"
        ));
    }
    if matches!(name, "core" | "testkit" | "api" | "payspec") {
        return Err(format!("`{name}` is taken by payspec itself"));
    }
    Ok(())
}

/// Resolves every `$ref` to another file (`common.yaml#/components/schemas/Receipt`,
/// relative to the spec's directory) into the document itself: the node it points at is
/// copied under the same `components` section and name (numbered when the name is taken),
/// references inside it are followed the same way (cycles included), and the `$ref`
/// becomes local. A remote reference (`https://...`) is a located error that says to vendor
/// the file: generation never reaches the network. Returns the files read.
pub fn bundle(doc: &mut Value, dir: &Path, file: &str) -> Result<Vec<PathBuf>, String> {
    let mut bundler = Bundler {
        dir: dir.to_path_buf(),
        documents: BTreeMap::new(),
        names: BTreeMap::new(),
        taken: BTreeMap::new(),
        queue: Vec::new(),
    };
    for (section, entries) in doc
        .get("components")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let names = entries
            .as_object()
            .into_iter()
            .flat_map(|e| e.keys().cloned());
        bundler
            .taken
            .entry(section.clone())
            .or_default()
            .extend(names);
    }
    bundler.rewrite(doc, None, file, "")?;
    let mut imported: Vec<(String, String, Value)> = Vec::new();
    while let Some((path, pointer)) = bundler.queue.pop() {
        let label = bundler.label(&path);
        let source = bundler.document(&path, file)?;
        let mut node = source.pointer(&pointer).cloned().ok_or_else(|| {
            format!("{label}#{pointer}: the reference leads nowhere (from {file})")
        })?;
        bundler.rewrite(&mut node, Some(&path), &label, &pointer)?;
        let (section, name) = bundler
            .names
            .get(&(path, pointer.clone()))
            .cloned()
            .ok_or_else(|| format!("{label}#{pointer}: bundled without a name"))?;
        imported.push((section, name, node));
    }
    let files: Vec<PathBuf> = bundler.documents.keys().cloned().collect();
    if imported.is_empty() {
        return Ok(files);
    }
    let components = doc
        .as_object_mut()
        .ok_or_else(|| format!("{file}: not a mapping"))?
        .entry("components")
        .or_insert_with(|| Value::Object(Default::default()));
    for (section, name, node) in imported {
        let entries = components
            .as_object_mut()
            .ok_or_else(|| format!("{file}#/components: not a mapping"))?
            .entry(section)
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(entries) = entries.as_object_mut() {
            entries.insert(name, node);
        }
    }
    Ok(files)
}

struct Bundler {
    dir: PathBuf,
    /// Every other file read, parsed.
    documents: BTreeMap<PathBuf, Value>,
    /// (file, pointer) -> (components section, name) given in the bundled document.
    names: BTreeMap<(PathBuf, String), (String, String)>,
    /// Names in use per components section.
    taken: BTreeMap<String, BTreeSet<String>>,
    /// Nodes named but not copied yet.
    queue: Vec<(PathBuf, String)>,
}

impl Bundler {
    fn label(&self, path: &Path) -> String {
        path.strip_prefix(&self.dir)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    fn document(&mut self, path: &Path, from: &str) -> Result<&Value, String> {
        if !self.documents.contains_key(path) {
            let label = self.label(path);
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("{label} (referred to from {from}): {e}"))?;
            // Converted to 3.0 with the spec, once bundled into it.
            let value =
                parse_yaml(&text).map_err(|e| format!("{label}: invalid YAML or JSON: {e}"))?;
            self.documents.insert(path.to_path_buf(), value);
        }
        self.documents
            .get(path)
            .ok_or_else(|| format!("{}: not read", self.label(path)))
    }

    /// Makes every reference under `node` local; `base` is the file `node` comes from
    /// (`None`: the spec itself, whose `#` references stay as they are).
    fn rewrite(
        &mut self,
        node: &mut Value,
        base: Option<&Path>,
        label: &str,
        at: &str,
    ) -> Result<(), String> {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref")
                    && let Some(local) = self.local(reference, base, label, at)?
                {
                    map.insert("$ref".into(), Value::String(local));
                }
                for (key, child) in map.iter_mut() {
                    if key == "$ref" || key == "example" || key == "examples" {
                        continue;
                    }
                    let at = format!("{at}/{}", pointer_token(key));
                    self.rewrite(child, base, label, &at)?;
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    self.rewrite(child, base, label, &format!("{at}/{i}"))?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The local reference that replaces `reference`, or `None` to keep it.
    fn local(
        &mut self,
        reference: &str,
        base: Option<&Path>,
        label: &str,
        at: &str,
    ) -> Result<Option<String>, String> {
        if reference.contains("://") {
            return Err(format!(
                "{label}#{at}/$ref: `{reference}` is a remote reference; codegen does not fetch \
                 files: download it into the spec's directory and refer to it by file name \
                 (`<file>.yaml#<pointer>`)"
            ));
        }
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let path = match (file, base) {
            ("", None) => return Ok(None),
            ("", Some(base)) => base.to_path_buf(),
            (file, base) => {
                let dir = base.and_then(Path::parent).unwrap_or(&self.dir);
                let joined = dir.join(file);
                joined.canonicalize().map_err(|e| {
                    format!(
                        "{label}#{at}/$ref: `{reference}`: {} ({e})",
                        joined.display()
                    )
                })?
            }
        };
        let key = (path.clone(), pointer.to_string());
        if let Some((section, name)) = self.names.get(&key) {
            return Ok(Some(format!(
                "#/components/{section}/{}",
                pointer_token(name)
            )));
        }
        let tokens: Vec<&str> = pointer.split('/').collect();
        let (section, wanted) = match tokens.as_slice() {
            ["", "components", section, name] => (section.to_string(), name.to_string()),
            _ => {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                let last = tokens.last().copied().unwrap_or_default();
                ("schemas".to_string(), format!("{stem}{last}"))
            }
        };
        let wanted = wanted.replace("~1", "/").replace("~0", "~");
        let taken = self.taken.entry(section.clone()).or_default();
        let name = (1u32..)
            .map(|n| match n {
                1 => wanted.clone(),
                n => format!("{wanted}{n}"),
            })
            .find(|name| !taken.contains(name))
            .unwrap_or(wanted);
        taken.insert(name.clone());
        self.names
            .insert(key.clone(), (section.clone(), name.clone()));
        self.queue.push(key);
        Ok(Some(format!(
            "#/components/{section}/{}",
            pointer_token(&name)
        )))
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
        let dir = path.parent().unwrap_or(root);
        bundle(&mut json, dir, &relative)?;
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
    use super::bundle;
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

    #[test]
    fn references_to_other_files_are_bundled_and_remote_ones_located() {
        let dir = std::env::temp_dir().join(format!("payspec-bundle-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("shared")).unwrap();
        std::fs::write(
            dir.join("shared/common.yaml"),
            "components:\n  schemas:\n    Amount:\n      type: integer\n    Money:\n      \
             type: object\n      properties:\n        value:\n          $ref: '#/components/schemas/Amount'\n        \
             self:\n          $ref: '#/components/schemas/Money'\n",
        )
        .unwrap();
        let mut doc = json!({
            "components": { "schemas": {
                "Money": { "type": "string" },
                "Payment": { "properties": {
                    "a": { "$ref": "shared/common.yaml#/components/schemas/Money" },
                    "b": { "$ref": "shared/common.yaml#/components/schemas/Money" },
                    "local": { "$ref": "#/components/schemas/Money" }
                } }
            } }
        });
        let files = bundle(&mut doc, &dir, "specs/x.yaml").unwrap();
        assert_eq!(files.len(), 1);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["Payment"]["properties"]["a"]["$ref"],
            "#/components/schemas/Money2"
        );
        assert_eq!(
            schemas["Payment"]["properties"]["b"]["$ref"],
            "#/components/schemas/Money2"
        );
        assert_eq!(
            schemas["Payment"]["properties"]["local"]["$ref"],
            "#/components/schemas/Money"
        );
        assert_eq!(
            schemas["Money2"]["properties"]["value"]["$ref"],
            "#/components/schemas/Amount"
        );
        assert_eq!(
            schemas["Money2"]["properties"]["self"]["$ref"],
            "#/components/schemas/Money2"
        );
        assert_eq!(schemas["Amount"]["type"], "integer");

        let mut remote = json!({ "paths": { "/p": { "get": { "responses": { "200": {
            "$ref": "https://example.com/api.yaml#/components/responses/Ok" } } } } } });
        let error = bundle(&mut remote, &dir, "specs/x.yaml").unwrap_err();
        assert!(
            error.starts_with("specs/x.yaml#/paths/~1p/get/responses/200/$ref: ")
                && error.contains("download it into the spec's directory"),
            "{error}"
        );
        let mut missing = json!({ "a": { "$ref": "nowhere.yaml#/X" } });
        let error = bundle(&mut missing, &dir, "specs/x.yaml").unwrap_err();
        assert!(
            error.starts_with("specs/x.yaml#/a/$ref: `nowhere.yaml#/X`"),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
