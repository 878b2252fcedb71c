//! `cargo xtask add-provider <name> --spec <file>`: a new provider from its OpenAPI spec.
//!
//! Nothing is written until the spec has gone through everything codegen does to it
//! (parse as YAML 1.2 or JSON, bundle the files it refers to, 3.1 -> 3.0, the generator's
//! rewrites, the pre-flight); a problem is reported with its file and JSON pointer. Then:
//! - the spec is copied to `specs/<name>.yaml` byte for byte (a JSON spec stays JSON: YAML
//!   reads it), except for one added line, `x-payspec-source: public` (the whole document
//!   is the provider's published spec; payspec's lint wants a source per operation or one
//!   for the document), and the files it refers to are copied next to it;
//! - the name is appended to `specs/providers.txt` (the one list) and the crates to the
//!   workspace's `Cargo.toml` (`[workspace.dependencies]`, the CLI's `[dependencies]`);
//! - `generated/<name>/` is generated, `src/providers.rs` (the CLI's table) rewritten, and
//!   a minimal client crate written to `clients/<name>/` ([`client_crate`]): a builder
//!   with payspec's transport settings and a bearer token, the error type, a README.
//!
//! When generation fails, everything written is taken back.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use crate::spec::{self, SpecFile};

/// The line added to a spec that names no `x-payspec-source` of its own.
const SOURCE_LINE: &str =
    "x-payspec-source: public # added by `cargo xtask add-provider`: the provider's published spec";

/// Adds provider `name` from the spec at `spec_path`.
pub fn run(root: &Path, name: &str, spec_path: &Path) -> Result<(), String> {
    let started = Instant::now();
    spec::check_provider_name(name)?;
    if spec::providers(root)?.iter().any(|p| p == name) {
        return Err(format!("`{name}` is already in specs/providers.txt"));
    }
    for taken in [
        format!("specs/{name}.yaml"),
        format!("generated/{name}"),
        format!("clients/{name}"),
    ] {
        if root.join(&taken).exists() {
            return Err(format!("{taken} exists already"));
        }
    }
    let shown = spec_path.display().to_string();
    let bytes = std::fs::read(spec_path).map_err(|e| format!("{shown}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| format!("{shown}: not UTF-8: {e}"))?;
    let dir = spec_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))?;

    // Everything codegen will do, on the file where it is: problems are found before
    // anything is written.
    let mut doc =
        spec::parse_yaml(&text).map_err(|e| format!("{shown}: invalid YAML or JSON: {e}"))?;
    let referred = spec::bundle(&mut doc.clone(), &dir, &shown)?;
    let mut copies: Vec<(PathBuf, PathBuf)> = Vec::new();
    for file in referred {
        let relative = file.strip_prefix(&dir).map_err(|_| {
            format!(
                "{shown} refers to {}, outside the spec's directory: move it next to the spec \
                 (or below) and refer to it from there",
                file.display()
            )
        })?;
        copies.push((file.clone(), root.join("specs").join(relative)));
    }
    spec::bundle(&mut doc, &dir, &shown)?;
    spec::to_openapi_30(&mut doc).map_err(|e| format!("{shown}: {e}"))?;
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or(name)
        .to_string();
    let server = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .filter(|url| url.starts_with("https://"))
        .map(str::to_string);
    let mut prepared = doc.clone();
    crate::codegen::prepare(&mut prepared);
    let problems = crate::normalise::preflight(&prepared);
    if !problems.is_empty() {
        let lines: Vec<String> = problems
            .iter()
            .map(|(pointer, problem)| format!("{shown}#{pointer}: {problem}"))
            .collect();
        return Err(lines.join("\n"));
    }
    for (from, to) in &copies {
        if to.exists() && std::fs::read(to).ok() != std::fs::read(from).ok() {
            return Err(format!(
                "{} exists with other content than {}",
                to.display(),
                from.display()
            ));
        }
    }

    let mut written = Written::new(root);
    written.dirs = vec![
        root.join("generated").join(name),
        root.join("clients").join(name),
    ];
    let outcome = (|| {
        let stored = match doc.get("x-payspec-source") {
            Some(_) => text.clone(),
            None => with_source_line(&text),
        };
        written.file(&format!("specs/{name}.yaml"), &stored)?;
        for (from, to) in &copies {
            if !to.exists() {
                let content = std::fs::read_to_string(from)
                    .map_err(|e| format!("{}: {e}", from.display()))?;
                let relative = to.strip_prefix(root).unwrap_or(to).display().to_string();
                written.file(&relative, &content)?;
            }
        }
        written.edit("specs/providers.txt", |list| {
            let mut list = list.to_string();
            if !list.ends_with('\n') {
                list.push('\n');
            }
            list.push_str(name);
            list.push('\n');
            Ok(list)
        })?;
        written.edit("Cargo.toml", |manifest| register(manifest, name))?;
        for (relative, content) in client_crate(name, &title, server.as_deref()) {
            written.file(&relative, &content)?;
        }
        // Loads what was written, as every later codegen will.
        SpecFile::load(root, name)?;
        written.remember("src/providers.rs")?;
        crate::codegen::run(root, &[name.to_string()], false)?;
        Ok(())
    })();
    if let Err(problem) = outcome {
        written.undo();
        return Err(problem);
    }
    println!(
        "added {name} in {:.1} s: specs/{name}.yaml, generated/{name} (payspec-{name}-api), \
         clients/{name} (payspec-{name})\n\
         next: `cargo xtask lint -p {name}`, then `cargo xtask test`; write the provider's \
         auth, typed error codes, webhooks in clients/{name}, and a sandbox in sandbox/{name} (crate payspec-{name}-sandbox), as it needs them",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `text` with [`SOURCE_LINE`]: after a YAML document's leading comments, or as the first
/// member of a JSON object.
fn with_source_line(text: &str) -> String {
    let trimmed = text.trim_start();
    if let Some(rest) = trimmed.strip_prefix('{') {
        return format!("{{\"x-payspec-source\": \"public\",{rest}");
    }
    let mut out = String::with_capacity(text.len() + SOURCE_LINE.len() + 1);
    let mut placed = false;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        let preamble =
            t.is_empty() || t.starts_with('#') || t.starts_with('%') || t.trim_end() == "---";
        if !placed && !preamble {
            out.push_str(SOURCE_LINE);
            out.push('\n');
            placed = true;
        }
        out.push_str(line);
    }
    if !placed {
        out.push_str(SOURCE_LINE);
        out.push('\n');
    }
    out
}

/// The workspace manifest with the provider's crates: in `[workspace.dependencies]` after
/// the last payspec crate, and the client in the CLI's `[dependencies]`.
fn register(manifest: &str, name: &str) -> Result<String, String> {
    let workspace = [
        format!("payspec-{name}-api = {{ path = \"generated/{name}\", version = \"0.1.0\" }}"),
        format!("payspec-{name} = {{ path = \"clients/{name}\", version = \"0.1.0\" }}"),
    ];
    let cli = [format!("payspec-{name}.workspace = true")];
    let mut lines: Vec<String> = manifest.lines().map(str::to_string).collect();
    for (table, added) in [
        ("[workspace.dependencies]", &workspace[..]),
        ("[dependencies]", &cli[..]),
    ] {
        let start = lines
            .iter()
            .position(|l| l.trim() == table)
            .ok_or_else(|| format!("Cargo.toml: no {table} table"))?;
        let end = lines[start + 1..]
            .iter()
            .position(|l| l.starts_with('['))
            .map_or(lines.len(), |i| start + 1 + i);
        let last = lines[start + 1..end]
            .iter()
            .rposition(|l| l.starts_with("payspec-"))
            .map_or(start + 1, |i| start + 2 + i);
        for (offset, line) in added.iter().enumerate() {
            lines.insert(last + offset, line.clone());
        }
    }
    Ok(lines.join("\n") + "\n")
}

/// The files of a minimal client crate for `name`: what every payspec client has
/// (builder with the shared transport settings, a bearer token, the error type, a
/// README), ready for the provider's own code. `server`: the spec's first https server.
pub fn client_crate(name: &str, title: &str, server: Option<&str>) -> Vec<(String, String)> {
    let krate = format!("payspec_{name}");
    let title_doc = title.replace('`', "'");
    let (default_doc, base_url) = match server {
        Some(url) => (
            format!("the spec's first server, `{url}`"),
            format!(
                "self.base_url.unwrap_or_else(|| {:?}.to_string())",
                url.trim_end_matches('/')
            ),
        ),
        None => (
            "none: the spec names no https server, so it must be given".to_string(),
            "self.base_url.ok_or(ConfigError::Missing(\"base URL\"))?".to_string(),
        ),
    };
    let package = crate::codegen::package_table(
        &format!("payspec-{name}"),
        &format!(
            "{} client: the generated client of specs/{name}.yaml with payspec's transport",
            title.replace('"', "'")
        ),
        &["payments", name, "sdk", "openapi"],
    );
    let manifest = format!(
        "{package}\
         \n\
         [dependencies]\n\
         payspec-core.workspace = true\n\
         payspec-{name}-api.workspace = true\n\
         \n\
         [package.metadata.docs.rs]\n\
         all-features = true\n"
    );
    let lib = format!(
        r#"//! {title_doc} client, added with `cargo xtask add-provider`: the client generated from
//! `specs/{name}.yaml` ([`api`]) with payspec's transport: TLS (rustls), timeouts,
//! retries only where safe (idempotent methods, or an idempotency key kept on every
//! attempt), bounded response bodies, and a bearer token.
//!
//! ```no_run
//! # async fn run() -> Result<(), {krate}::ConfigError> {{
//! let client = {krate}::Client::builder()
//!     .bearer_token("a token")
//!     .build()?;
//! let _raw = client.api(); // every operation of the spec
//! # Ok(()) }}
//! ```
//!
//! Provider specifics (its token flow, typed error codes, webhooks, a sandbox) are
//! written in this crate as the provider needs them; see the other payspec clients.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use payspec_core::{{Auth, ProviderProfile, RetryPolicy, Secret}};
use payspec_core::options::ClientOptions;

pub use payspec_core as core;
pub use payspec_core::{{CallFailure, ConfigError}};
/// The generated client and types of `specs/{name}.yaml`.
pub use payspec_{name}_api as api;

/// What a call returns when it fails: progenitor's error over the operation's error body
/// (see [`CallFailure`] for the status, the idempotency key and whether the outcome is
/// unknown).
pub type Error<E = ()> = api::Error<E>;

/// A {title_doc} client.
#[derive(Clone, Debug)]
pub struct Client {{
    api: api::Client,
}}

impl Client {{
    /// A builder.
    pub fn builder() -> ClientBuilder {{
        ClientBuilder::default()
    }}

    /// The generated client: every operation of the spec, with all its options.
    pub fn api(&self) -> &api::Client {{
        &self.api
    }}
}}

/// Builds a [`Client`].
#[derive(Debug, Default)]
pub struct ClientBuilder {{
    base_url: Option<String>,
    token: Option<Secret>,
    options: ClientOptions,
}}

impl ClientBuilder {{
    /// The API's base URL (default: {default_doc}); https, or http to a loopback host.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {{
        self.base_url = Some(url.into());
        self
    }}

    /// A bearer token sent on every operation the spec secures.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {{
        self.token = Some(Secret::new(token.into()));
        self
    }}

    payspec_core::client_options_methods!();

    /// The client; fails on a base URL that is not https (or loopback http), an empty
    /// token, or TLS settings that cannot be used.
    pub fn build(self) -> Result<Client, ConfigError> {{
        let base_url = payspec_core::http::validate_base_url(&{base_url})?;
        let auth = match self.token {{
            Some(token) if token.expose().is_empty() => {{
                return Err(ConfigError::Missing("a non-empty bearer token"));
            }}
            Some(token) => Auth::Bearer(token),
            None => Auth::None,
        }};
        let http = self.options.http_client(None)?;
        let inner = self.options.inner(
            ProviderProfile::plain("{name}"),
            auth,
            RetryPolicy::default(),
        );
        Ok(Client {{
            api: api::Client::new_with_client(&base_url, http, inner),
        }})
    }}
}}

#[cfg(test)]
mod tests {{
    use super::*;

    #[test]
    fn the_token_is_not_shown_and_an_empty_one_is_refused() {{
        let builder = Client::builder().bearer_token("canary-token-7f3a");
        assert!(!format!("{{builder:?}}").contains("canary-token-7f3a"));
        let empty = Client::builder()
            .base_url("https://api.example.com")
            .bearer_token("")
            .build();
        assert!(matches!(empty, Err(ConfigError::Missing(_))));
    }}

    #[test]
    fn a_plain_http_base_url_is_refused_unless_loopback() {{
        let remote = Client::builder().base_url("http://api.example.com").build();
        assert!(remote.is_err());
        let local = Client::builder().base_url("http://127.0.0.1:9").build();
        assert!(local.is_ok());
    }}
}}
"#
    );
    let readme = format!(
        "# payspec-{name}\n\n\
         A Rust client for the {title}, generated from payspec's `specs/{name}.yaml` and added\n\
         with `cargo xtask add-provider`: payspec's transport (TLS, timeouts, safe retries,\n\
         bounded bodies) and a bearer token; the operations are in `client.api()`.\n\n\
         Licensed under either of Apache-2.0 or MIT, at your option.\n"
    );
    vec![
        (format!("clients/{name}/Cargo.toml"), manifest),
        (format!("clients/{name}/src/lib.rs"), lib),
        (format!("clients/{name}/README.md"), readme),
    ]
}

/// What `add-provider` wrote, to take back when a later step fails.
struct Written {
    root: PathBuf,
    created: Vec<PathBuf>,
    edited: Vec<(PathBuf, String)>,
    /// Directories that did not exist before (removed whole on undo).
    dirs: Vec<PathBuf>,
}

impl Written {
    fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            created: Vec::new(),
            edited: Vec::new(),
            dirs: Vec::new(),
        }
    }

    fn file(&mut self, relative: &str, content: &str) -> Result<(), String> {
        let path = self.root.join(relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, content).map_err(|e| format!("{relative}: {e}"))?;
        self.created.push(path);
        Ok(())
    }

    /// Keeps `relative`'s content, to restore on undo (a file a later step rewrites).
    fn remember(&mut self, relative: &str) -> Result<(), String> {
        let path = self.root.join(relative);
        let before = std::fs::read_to_string(&path).map_err(|e| format!("{relative}: {e}"))?;
        self.edited.push((path, before));
        Ok(())
    }

    fn edit(
        &mut self,
        relative: &str,
        change: impl FnOnce(&str) -> Result<String, String>,
    ) -> Result<(), String> {
        let path = self.root.join(relative);
        let before = std::fs::read_to_string(&path).map_err(|e| format!("{relative}: {e}"))?;
        let after = change(&before)?;
        std::fs::write(&path, after).map_err(|e| format!("{relative}: {e}"))?;
        self.edited.push((path, before));
        Ok(())
    }

    fn undo(self) {
        for (path, before) in self.edited.into_iter().rev() {
            let _ = std::fs::write(path, before);
        }
        for path in self.created.into_iter().rev() {
            let _ = std::fs::remove_file(&path);
        }
        for dir in self.dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workspace root with what add-provider reads and edits, none of the crates.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("payspec-add-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let root = crate::workspace_root();
        for file in [
            "Cargo.toml",
            "Cargo.lock",
            "specs/providers.txt",
            "src/providers.rs",
        ] {
            let to = dir.join(file);
            std::fs::create_dir_all(to.parent().unwrap_or(&dir)).unwrap();
            std::fs::copy(root.join(file), &to).unwrap();
        }
        dir
    }

    #[test]
    fn a_provider_is_added_whole_and_listed_once() {
        let root = scratch("whole");
        let fixture = crate::workspace_root().join("xtask/fixtures/specs/foreign.yaml");
        run(&root, "foreign", &fixture).unwrap_or_else(|e| panic!("{e}"));
        let spec = std::fs::read_to_string(root.join("specs/foreign.yaml")).unwrap();
        let original = std::fs::read_to_string(&fixture).unwrap();
        let added: Vec<&str> = spec.lines().filter(|l| !original.contains(*l)).collect();
        assert_eq!(
            added,
            [SOURCE_LINE],
            "the spec is copied with one line added"
        );
        assert!(
            root.join("specs/shared/receipt.yaml").exists(),
            "the file it refers to"
        );
        let list = spec::providers(&root).unwrap();
        assert_eq!(list.last().map(String::as_str), Some("foreign"));
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(manifest.contains(
            "payspec-foreign-api = { path = \"generated/foreign\", version = \"0.1.0\" }"
        ));
        assert!(manifest.contains("\npayspec-foreign.workspace = true\n"));
        assert!(root.join("generated/foreign/src/generated.rs").exists());
        assert!(root.join("clients/foreign/src/lib.rs").exists());
        let table = std::fs::read_to_string(root.join("src/providers.rs")).unwrap();
        assert!(table.contains("name: \"foreign\"") && table.contains(", foreign\";"));
        let again = run(&root, "foreign", &fixture).unwrap_err();
        assert!(again.contains("already in specs/providers.txt"), "{again}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_spec_that_cannot_be_generated_writes_nothing() {
        let root = scratch("nothing");
        let spec = root.join("remote.yaml");
        std::fs::write(
            &spec,
            "openapi: 3.0.3\ninfo: {title: R, version: '1'}\npaths:\n  /p:\n    get:\n      \
             operationId: getP\n      responses:\n        '200':\n          $ref: \
             'https://example.com/r.yaml#/components/responses/Ok'\n",
        )
        .unwrap();
        let before = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let error = run(&root, "remote", &spec).unwrap_err();
        assert!(error.contains("is a remote reference"), "{error}");
        assert!(!root.join("specs/remote.yaml").exists());
        assert_eq!(
            std::fs::read_to_string(root.join("Cargo.toml")).unwrap(),
            before
        );
        for bad in ["Remote", "1st", "core", "pay-pal", ""] {
            assert!(run(&root, bad, &spec).is_err(), "`{bad}` is refused");
        }
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn the_source_line_goes_after_comments_or_into_the_json_object() {
        assert_eq!(
            with_source_line("# c\nopenapi: 3.0.0\n"),
            format!("# c\n{SOURCE_LINE}\nopenapi: 3.0.0\n")
        );
        let json = with_source_line("  {\"openapi\": \"3.0.0\"}");
        let parsed: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["x-payspec-source"], "public");
        assert_eq!(parsed["openapi"], "3.0.0");
    }
}
