//! `cargo xtask docs`: a static site in `target/site/` that works offline: a landing
//! page, per provider a page with its feature table, its API reference rendered by Redoc
//! (vendored from its npm package, with the spec embedded), its rustdoc; the guides
//! ([`GUIDES`]).
//!
//! `cargo xtask docs --check` also checks the built site: every internal link resolves,
//! and headless Chromium (with every host unresolvable, so nothing can load from the
//! network) renders each API reference with all its operations; screenshots go to
//! `target/site-check/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::spec::SpecFile;

/// The Redoc release whose standalone bundle renders the API references. Redoc 3's
/// bundle needs `<script type="module">`, which Chromium refuses from `file://`; 2.x's is
/// a classic script, so the site opens from disk.
const REDOC: &str = "redoc@2.5.4";

/// A provider as the docs describe it: its name from `specs/providers.txt`, the rest from
/// `info.x-payspec-summary` in its spec (a provider added without one gets its spec's
/// title and a pointer to its crate's documentation).
struct Provider {
    name: String,
    title: String,
    auth: String,
    idempotency: String,
    webhooks: String,
    extras: String,
}

impl Provider {
    fn from_spec(name: &str, spec: &Value) -> Self {
        let summary = |key: &str| {
            spec.pointer(&format!("/info/x-payspec-summary/{key}"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let see = format!("see the payspec-{name} crate documentation");
        Self {
            name: name.to_string(),
            title: summary("title")
                .or_else(|| {
                    spec.pointer("/info/title")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| name.to_string()),
            auth: summary("auth").unwrap_or_else(|| see.clone()),
            idempotency: summary("idempotency").unwrap_or_else(|| see.clone()),
            webhooks: summary("webhooks").unwrap_or_else(|| see.clone()),
            extras: summary("extras").unwrap_or(see),
        }
    }

    /// Every provider of `specs/providers.txt`, with its spec.
    fn all(root: &Path) -> Result<Vec<(Self, Value)>, String> {
        crate::spec::providers(root)?
            .into_iter()
            .map(|name| {
                let spec = SpecFile::load(root, &name)?.json;
                Ok((Self::from_spec(&name, &spec), spec))
            })
            .collect()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The guides: `docs/guides/<name>.md` -> `guides/<name>.html`, with their titles, in the
/// order the navigation and the landing page list them.
const GUIDES: &[(&str, &str)] = &[
    ("sandbox", "The sandboxes"),
    ("webhooks", "Receive webhooks"),
    ("lost-answers", "When the answer is lost"),
    ("adding-a-provider", "Adding a provider"),
    ("architecture", "How payspec is built"),
];

fn page(title: &str, depth: usize, body: &str) -> String {
    let up = "../".repeat(depth);
    let nav: String = GUIDES
        .iter()
        .map(|(name, title)| format!("<a href=\"{up}guides/{name}.html\">{title}</a> "))
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} - payspec</title><link rel=\"stylesheet\" href=\"{up}assets/site.css\"></head>\
         <body><header><a href=\"{up}index.html\">payspec</a> \
         <nav>{nav}</nav></header>\
         <main>{body}</main></body></html>\n",
        title = escape(title)
    )
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1d2330}\
header{background:#14213d;color:#fff;padding:.8em 1.5em}header a{color:#fff;font-weight:600;text-decoration:none;margin-right:1em}\
nav{display:inline}main{max-width:62em;margin:1.5em auto;padding:0 1em}\
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccd;padding:.4em .6em;text-align:left;vertical-align:top}\
th{background:#eef}code,pre{background:#f4f4f8;border-radius:4px}pre{padding:.8em;overflow:auto}\
.source{font-size:.8em;padding:.1em .4em;border-radius:3px;background:#e6e6ee}";

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// The Redoc standalone bundle, fetched once with `npm pack` into target/.
fn redoc_bundle(root: &Path) -> Result<PathBuf, String> {
    let cache = crate::bench::target_dir(root)
        .join("redoc")
        .join(REDOC.replace('@', "-"));
    let bundle = cache.join("package/bundles/redoc.standalone.js");
    if bundle.exists() {
        return Ok(bundle);
    }
    std::fs::create_dir_all(&cache).map_err(|e| e.to_string())?;
    let output = Command::new("npm")
        .args(["pack", REDOC, "--silent", "--pack-destination"])
        .arg(&cache)
        .current_dir(&cache)
        .output()
        .map_err(|e| {
            format!("the docs need npm to fetch {REDOC} ({e}); install Node.js and npm")
        })?;
    if !output.status.success() {
        return Err(format!(
            "npm pack {REDOC} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let tarball = String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_string();
    run(
        Command::new("tar")
            .arg("xzf")
            .arg(&tarball)
            .current_dir(&cache),
        "tar",
    )?;
    if bundle.exists() {
        Ok(bundle)
    } else {
        Err(format!("{REDOC} has no bundles/redoc.standalone.js"))
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

struct Operation {
    method: String,
    path: String,
    id: String,
    summary: String,
    source: String,
}

fn operations(spec: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let text = |key: &str| {
                op.get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            out.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                id: id.into(),
                summary: text("summary"),
                // The operation's own source, else the document's default.
                source: op
                    .get("x-payspec-source")
                    .or_else(|| spec.get("x-payspec-source"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            });
        }
    }
    out
}

fn provider_page(p: &Provider, spec: &Value, ops: &[Operation]) -> String {
    let count = |source: &str| ops.iter().filter(|o| o.source == source).count();
    let version = spec
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let crate_doc = format!("../doc/payspec_{}/index.html", p.name);
    let api_doc = format!("../doc/payspec_{}_api/index.html", p.name);
    let mut rows = String::new();
    for op in ops {
        rows.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{} {}</code></td><td>{}</td><td><span class=\"source\">{}</span></td></tr>",
            escape(&op.id),
            op.method,
            escape(&op.path),
            escape(&op.summary),
            escape(&op.source)
        ));
    }
    let body = format!(
        "<h1>{title}</h1><p>API version {version} &middot; crate <code>payspec-{name}</code> &middot; \
         <a href=\"api.html\">API reference</a> &middot; <a href=\"{crate_doc}\">client docs</a> &middot; \
         <a href=\"{api_doc}\">generated API crate docs</a></p>\
         <h2>Features</h2><table>\
         <tr><th>operations</th><td>{n} ({seed} from the seed, {public} from public docs, {inferred} inferred)</td></tr>\
         <tr><th>auth</th><td>{auth}</td></tr><tr><th>idempotency</th><td>{idem}</td></tr>\
         <tr><th>webhooks</th><td>{hooks}</td></tr><tr><th>sandbox</th><td>crate <code>payspec-{name}-sandbox</code>: \
         <a href=\"../guides/sandbox.html\">in-process simulator</a></td></tr>\
         <tr><th>extras</th><td>{extras}</td></tr></table>\
         <h2>Operations</h2><table><tr><th>operation</th><th>request</th><th>summary</th><th>source</th></tr>{rows}</table>",
        title = escape(&p.title),
        name = p.name,
        n = ops.len(),
        seed = count("seed"),
        public = count("public"),
        inferred = count("inferred"),
        auth = escape(&p.auth),
        idem = escape(&p.idempotency),
        hooks = escape(&p.webhooks),
        extras = escape(&p.extras),
    );
    page(&p.title, 1, &body)
}

fn api_page(p: &Provider, spec: &Value) -> String {
    // The spec is embedded: the page loads nothing but its own two files.
    let json = spec.to_string().replace("</", "<\\/");
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} API reference - payspec</title>\
         <style>body{{margin:0}}</style></head><body><div id=\"redoc\"></div>\
         <script src=\"../assets/redoc.standalone.js\"></script>\
         <script>Redoc.init({json}, {{\"hideDownloadButtons\": true, \"disableSearch\": false}}, document.getElementById(\"redoc\"));</script>\
         </body></html>\n",
        title = escape(&p.title)
    )
}

fn markdown(text: &str) -> String {
    let mut html = String::new();
    let parser = pulldown_cmark::Parser::new_ext(text, pulldown_cmark::Options::ENABLE_TABLES);
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

/// Builds the site; returns its directory.
pub fn build(root: &Path) -> Result<PathBuf, String> {
    let site = crate::bench::target_dir(root).join("site");
    let _ = std::fs::remove_dir_all(&site);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut doc = Command::new(&cargo);
    doc.current_dir(root)
        .args([
            "doc",
            "--workspace",
            "--no-deps",
            "--all-features",
            "--exclude",
            "xtask",
            "--exclude",
            "payspec-testkit",
        ])
        .env("RUSTDOCFLAGS", "-D warnings");
    run(&mut doc, "cargo doc")?;
    copy_dir(
        &crate::bench::target_dir(root).join("doc"),
        &site.join("doc"),
    )?;
    let bundle = redoc_bundle(root)?;
    std::fs::create_dir_all(site.join("assets")).map_err(|e| e.to_string())?;
    std::fs::copy(&bundle, site.join("assets/redoc.standalone.js")).map_err(|e| e.to_string())?;
    write(&site.join("assets/site.css"), CSS)?;
    write(
        &site.join("assets/redoc-LICENSE.txt"),
        "Redoc (https://github.com/Redocly/redoc), MIT License, bundled unmodified from its npm package.\n",
    )?;

    let mut rows = String::new();
    for (p, spec) in Provider::all(root)? {
        let ops = operations(&spec);
        write(
            &site.join(format!("{}/index.html", p.name)),
            &provider_page(&p, &spec, &ops),
        )?;
        write(
            &site.join(format!("{}/api.html", p.name)),
            &api_page(&p, &spec),
        )?;
        rows.push_str(&format!(
            "<tr><td><a href=\"{n}/index.html\">{t}</a></td><td><code>payspec-{n}</code></td><td>{ops}</td>\
             <td><a href=\"{n}/api.html\">API reference</a></td><td><a href=\"doc/payspec_{n}/index.html\">rustdoc</a></td></tr>",
            n = p.name,
            t = escape(&p.title),
            ops = ops.len()
        ));
    }
    let guides: String = GUIDES
        .iter()
        .map(|(name, title)| format!("<li><a href=\"guides/{name}.html\">{title}</a></li>"))
        .collect();
    let landing = format!(
        "<h1>payspec</h1><p>First-class Rust clients for payment providers, generated from hand-written \
         OpenAPI specs and finished by hand where a spec cannot speak: mutual TLS, OAuth2 with a shared \
         token cache, idempotency keys, safe retries, typed provider errors, webhooks, and an in-process \
         sandbox per provider.</p><pre>cargo run --release -- demo</pre>\
         <h2>Providers</h2><table><tr><th>provider</th><th>crate</th><th>operations</th><th>reference</th><th>docs</th></tr>{rows}</table>\
         <h2>Guides</h2><ul>{guides}\
         <li><a href=\"doc/payspec_core/index.html\">payspec-core, the shared runtime</a></li></ul>"
    );
    write(&site.join("index.html"), &page("payspec", 0, &landing))?;
    for (name, title) in GUIDES {
        let source = format!("docs/guides/{name}.md");
        let target = format!("guides/{name}.html");
        let text =
            std::fs::read_to_string(root.join(&source)).map_err(|e| format!("{source}: {e}"))?;
        write(&site.join(target), &page(title, 1, &markdown(&text)))?;
    }
    println!("site: {}", site.join("index.html").display());
    Ok(site)
}

/// Every `href`/`src` of the site's own pages that is not external resolves to a file.
fn check_links(site: &Path, providers: &[String]) -> Result<usize, String> {
    let mut pages: Vec<PathBuf> = vec![site.join("index.html")];
    for dir in ["guides"]
        .iter()
        .map(|d| site.join(d))
        .chain(providers.iter().map(|p| site.join(p)))
    {
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|e| e == "html") {
                pages.push(path);
            }
        }
    }
    let mut checked = 0;
    let mut broken = BTreeSet::new();
    for page in &pages {
        let html = std::fs::read_to_string(page).map_err(|e| e.to_string())?;
        for attribute in ["href=\"", "src=\""] {
            for piece in html.split(attribute).skip(1) {
                let link = piece.split('"').next().unwrap_or_default();
                if link.starts_with("http://")
                    || link.starts_with("https://")
                    || link.starts_with('#')
                    || link.starts_with("mailto:")
                {
                    continue;
                }
                let file = link.split(['#', '?']).next().unwrap_or_default();
                let target = page.parent().unwrap_or(site).join(file);
                checked += 1;
                if !target.exists() {
                    broken.insert(format!(
                        "{} -> {link}",
                        page.strip_prefix(site).unwrap_or(page).display()
                    ));
                }
            }
        }
    }
    if broken.is_empty() {
        Ok(checked)
    } else {
        Err(format!(
            "broken links:\n  {}",
            broken.into_iter().collect::<Vec<_>>().join("\n  ")
        ))
    }
}

pub(crate) fn chromium() -> Result<String, String> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Ok(name.into());
        }
    }
    Err("the site check needs Chromium: `apt-get install chromium` (.ci/run installs it)".into())
}

fn headless(browser: &str, profile: &Path, extra: &[String], url: &str) -> Result<String, String> {
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // Every host name fails to resolve: the page must render from its own files.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=15000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run {browser}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{browser} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn without_scripts(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</script>") {
            Some(end) => rest = &rest[start + end + "</script>".len()..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// Builds and checks the site.
pub fn check(root: &Path) -> Result<(), String> {
    let site = build(root)?;
    let links = check_links(&site, &crate::spec::providers(root)?)?;
    println!("links: {links} internal links resolve");
    let browser = chromium()?;
    let out = crate::bench::target_dir(root).join("site-check");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let profile = out.join("profile");
    for (p, spec) in Provider::all(root)? {
        let url = format!(
            "file://{}",
            site.join(format!("{}/api.html", p.name)).display()
        );
        let dom = headless(&browser, &profile, &["--dump-dom".into()], &url)?;
        // Only what Redoc rendered counts: the embedded spec in the script holds every
        // summary too.
        let dom = without_scripts(&dom);
        if !dom.contains("redoc-wrap") {
            return Err(format!(
                "{}: Redoc did not render the API reference",
                p.name
            ));
        }
        let missing: Vec<String> = operations(&spec)
            .iter()
            .filter(|op| !dom.contains(&escape(&op.summary)) && !dom.contains(&op.summary))
            .map(|op| op.id.clone())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "{}: the rendered API reference lacks {missing:?}",
                p.name
            ));
        }
        println!(
            "{}: Redoc rendered all {} operations offline",
            p.name,
            operations(&spec).len()
        );
    }
    for (name, page) in [("landing", "index.html"), ("nopan-api", "nopan/api.html")] {
        let shot = out.join(format!("{name}.png"));
        let url = format!("file://{}", site.join(page).display());
        headless(
            &browser,
            &profile,
            &[
                format!("--screenshot={}", shot.display()),
                "--window-size=1280,900".into(),
            ],
            &url,
        )?;
        if !shot.exists() {
            return Err(format!("no screenshot for {page}"));
        }
        println!("screenshot: {}", shot.display());
    }
    let _ = std::fs::remove_dir_all(&profile);
    Ok(())
}
