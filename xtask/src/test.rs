//! `cargo xtask test`: the whole test suite, as CI runs it.
//!
//! Set-up first (installs the Python oracles, cargo-deny and Chromium where missing),
//! then fmt, generated code up to date, spec lint, dependency rules, cargo-deny (bans,
//! licences, sources; advisories where the RustSec database is on the machine), clippy
//! with `-D warnings`, every test, schemathesis against every sandbox, the payer's pages
//! in headless Chromium, rustdoc without warnings, the docs site in headless Chromium,
//! and `cargo package` of every publishable crate. Stops at the first failing
//! step.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Crates that must never be in the tree: payspec uses rustls with ring only.
const BANNED: &[&str] = &[
    "aws-lc-rs",
    "aws-lc-sys",
    "openssl",
    "openssl-sys",
    "native-tls",
];

/// Runtime crates allowed in two versions, because upstream crates pin them.
const ALLOWED_DUPLICATES: &[(&str, &str)] = &[
    (
        "getrandom",
        "ring 0.17 pins getrandom 0.2; uuid 1.x uses 0.4",
    ),
    (
        "syn",
        "serde_derive uses syn 2; url's idna -> displaydoc uses syn 3 (build time only)",
    ),
];

fn cargo(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    run_program(&cargo, Some(root), args, env)
}

fn cargo_output(root: &Path, args: &[&str]) -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(&cargo)
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Banned crates anywhere; duplicate versions among runtime crates (xtask excluded).
fn dependency_rules(root: &Path) -> Result<(), String> {
    let all = cargo_output(
        root,
        &[
            "tree",
            "--workspace",
            "--all-features",
            "-e",
            "normal,build,dev",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ],
    )?;
    let banned: Vec<&str> = all
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| BANNED.contains(name))
        .collect();
    if !banned.is_empty() {
        return Err(format!(
            "banned crates in the tree (rustls with ring only): {banned:?}"
        ));
    }
    let duplicates = cargo_output(
        root,
        &[
            "tree",
            "--workspace",
            "--exclude",
            "xtask",
            "--all-features",
            "-e",
            "normal,build",
            "-d",
            "--prefix",
            "depth",
            "--format",
            "{p}",
        ],
    )?;
    // Depth 0 lines are the duplicated crates; deeper lines are their dependents. The
    // same version may be listed twice (once for build scripts, once for the target):
    // only distinct versions count.
    let mut versions: Vec<(&str, &str)> = duplicates
        .lines()
        .filter_map(|l| l.strip_prefix('0'))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .collect();
    versions.sort();
    versions.dedup();
    let mut names: Vec<&str> = versions
        .windows(2)
        .filter(|pair| pair[0].0 == pair[1].0)
        .map(|pair| pair[0].0)
        .collect();
    names.dedup();
    let unexpected: Vec<&&str> = names
        .iter()
        .filter(|n| !ALLOWED_DUPLICATES.iter().any(|(a, _)| a == *n))
        .collect();
    for (name, why) in ALLOWED_DUPLICATES {
        if names.contains(name) {
            println!("  allowed duplicate {name}: {why}");
        }
    }
    if unexpected.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "crates in two versions (keep one: see `cargo tree -d`): {unexpected:?}"
        ))
    }
}

/// $CARGO_HOME, or ~/.cargo.
fn cargo_home() -> Option<std::path::PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
}

/// `cargo deny check`: bans, licences and sources always; advisories only where the
/// RustSec database is already on the machine, because it is fetched from GitHub, which
/// CI machines cannot reach (the registries only).
fn deny(root: &Path) -> Result<(), String> {
    cargo(root, &["deny", "check", "bans", "licenses", "sources"], &[])?;
    let home = cargo_home();
    // A database is a directory there; a failed fetch leaves only its `db.lock`.
    let have_db = home
        .map(|h| h.join("advisory-dbs"))
        .and_then(|d| std::fs::read_dir(d).ok())
        .is_some_and(|mut entries| entries.any(|e| e.is_ok_and(|e| e.path().is_dir())));
    if have_db {
        cargo(root, &["deny", "--offline", "check", "advisories"], &[])
    } else {
        println!(
            "  advisories not checked: no RustSec database on this machine (it comes from \
             GitHub; run `cargo deny fetch` where GitHub is reachable)"
        );
        Ok(())
    }
}

/// The cargo-deny release the suite runs (installed by [`setup`] when missing).
const CARGO_DENY: &str = "cargo-deny@0.20.2";

/// Python packages the suite uses as outside oracles: the spec validator (lint) and
/// joserfc (GoPay's JWE is decrypted by an independent implementation).
const PYTHON_PACKAGES: &[(&str, &str)] = &[
    (
        "openapi_spec_validator",
        "openapi-spec-validator>=0.7,<0.10",
    ),
    ("joserfc", "joserfc>=1.0,<2"),
    // The sandboxes are held to their specs by it (`conformance/schemathesis/run.py`).
    ("schemathesis", "schemathesis>=4.3,<5"),
    // RFC 9421 signatures are checked against it both ways
    // (`clients/core/tests/httpsig_python.rs`).
    ("http_message_signatures", "http-message-signatures>=3,<4"),
];

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run_program(
    program: &str,
    dir: Option<&Path>,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<(), String> {
    let mut command = Command::new(program);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    command.args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run `{program}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

/// Installs what the suite needs and is missing, or says exactly what to install where
/// it cannot: the Python oracles (pip), cargo-deny (`cargo install`), Chromium (Debian's
/// package, when running as root with apt), and checks for npm (Redoc is vendored from
/// its npm package). Each is looked for first, so a prepared machine installs nothing.
fn setup(root: &Path) -> Result<(), String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    if !succeeds(&python, &["--version"]) {
        return Err(format!(
            "Python 3 is needed (`{python}` does not run); set PYTHON"
        ));
    }
    for (module, requirement) in PYTHON_PACKAGES {
        if !succeeds(&python, &["-c", &format!("import {module}")]) {
            println!("  installing {requirement} (pip)");
            run_program(
                &python,
                None,
                &[
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--root-user-action=ignore",
                    requirement,
                ],
                &[],
            )?;
        }
    }
    if !succeeds("cargo", &["deny", "--version"]) {
        println!("  installing {CARGO_DENY} (cargo install)");
        cargo(root, &["install", "--locked", "--quiet", CARGO_DENY], &[])?;
    }
    if crate::docs::chromium().is_err() {
        let root_user = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if root_user && succeeds("apt-get", &["--version"]) {
            println!("  installing chromium (apt-get)");
            let env = [("DEBIAN_FRONTEND", "noninteractive")];
            run_program("apt-get", None, &["update", "-qq"], &env)?;
            run_program(
                "apt-get",
                None,
                &[
                    "install",
                    "-y",
                    "-qq",
                    "--no-install-recommends",
                    "chromium",
                ],
                &env,
            )?;
        } else {
            return Err(
                "the site check needs Chromium: install Debian's `chromium` (as root: \
                 `apt-get install chromium`)"
                    .into(),
            );
        }
    }
    if !succeeds("npm", &["--version"]) {
        return Err("the docs need npm (Node.js) to vendor Redoc: install Node.js".into());
    }
    Ok(())
}

/// Every sandbox against its spec with schemathesis, an OpenAPI fuzzer nobody at payspec
/// wrote (bounded: a fixed number of examples per operation, a deterministic generator,
/// every check on): `payspec sandbox` serves them, the script gets credentials as an
/// application would, and any failure stops CI.
fn schemathesis(root: &Path) -> Result<(), String> {
    cargo(root, &["build", "--quiet", "-p", "payspec"], &[])?;
    let binary = crate::bench::target_dir(root).join("debug/payspec");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = root.join("conformance/schemathesis/run.py");
    let specs = root.join("specs");
    let args = [script.as_path(), binary.as_path(), specs.as_path()]
        .map(|p| p.to_string_lossy().into_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_program(&python, Some(root), &args, &[])
}

/// The payer's pages of every sandbox in headless Chromium
/// (`conformance/tests/payer_pages.rs`, left out of a plain `cargo test` because they
/// need the browser): one redirect flow per provider, with its state, webhook and return.
fn browser(root: &Path) -> Result<(), String> {
    let chromium = crate::docs::chromium()?;
    cargo(
        root,
        // The workspace and its features as the test step built them: nothing rebuilds.
        &[
            "test",
            "--workspace",
            "--all-features",
            "--test",
            "payer_pages",
            "--",
            "--ignored",
        ],
        &[("CHROMIUM", chromium.as_str())],
    )
}

/// The publishable crates, in dependency order (core, the sandbox kit, each provider's
/// raw, client and sandbox crates as `specs/providers.txt` lists them, the CLI), packaged and verified together
/// (cargo resolves their dependencies on each other from the packages themselves).
fn published(root: &Path) -> Result<Vec<String>, String> {
    let mut names = vec!["payspec-core".to_string(), "payspec-sandbox".to_string()];
    for provider in crate::spec::providers(root)? {
        names.push(format!("payspec-{provider}-api"));
        names.push(format!("payspec-{provider}"));
        names.push(format!("payspec-{provider}-sandbox"));
    }
    names.push("payspec".into());
    Ok(names)
}

/// Packages every publishable crate and builds the packages, as `cargo package` would
/// verify them, but in one build: `cargo package`'s own verification builds each crate
/// in a workspace of its own, where features unify differently, so it rebuilt most
/// dependencies once per crate (16 crates: about 6 of CI's 30 minutes). Here the
/// packages are unpacked into one workspace (`target/package-check`) whose
/// `[patch.crates-io]` points every payspec crate at its unpacked package, with the
/// workspace's lock file and profiles, and built once against the shared target
/// directory: what each package lacks (a file left out, a dependency only the workspace
/// had) fails the same way, and unchanged dependencies are not built again.
pub fn package(root: &Path) -> Result<(), String> {
    let published = published(root)?;
    let target = crate::bench::target_dir(root);
    let packages = target.join("package");
    // --allow-dirty: this checks that the crates package and build, not the git state
    // (CI packages a clean clone anyway).
    let mut args = vec!["package", "--quiet", "--allow-dirty", "--no-verify"];
    for name in &published {
        args.push("-p");
        args.push(name);
    }
    cargo(root, &args, &[])?;

    let check = target.join("package-check");
    if check.exists() {
        std::fs::remove_dir_all(&check).map_err(|e| format!("{}: {e}", check.display()))?;
    }
    let sources = check.join("src");
    std::fs::create_dir_all(&sources).map_err(|e| format!("{}: {e}", sources.display()))?;
    let version = workspace_version(root)?;
    let mut members = Vec::new();
    let mut patches = Vec::new();
    for name in &published {
        let unpacked = format!("{name}-{version}");
        let archive = packages.join(format!("{unpacked}.crate"));
        let archive = archive.to_string_lossy().into_owned();
        let into = sources.to_string_lossy().into_owned();
        run_program("tar", None, &["-xzf", &archive, "-C", &into], &[])?;
        members.push(format!("\"src/{unpacked}\""));
        patches.push(format!("{name} = {{ path = \"src/{unpacked}\" }}"));
    }
    let manifest =
        std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    let manifest = format!(
        "# Made by `cargo xtask test` (step package): the packaged crates, built together.\n\
         [workspace]\nresolver = \"3\"\nmembers = [{}]\n\n[patch.crates-io]\n{}\n\n{}",
        members.join(", "),
        patches.join("\n"),
        profiles(&manifest)
    );
    std::fs::write(check.join("Cargo.toml"), manifest).map_err(|e| format!("{e}"))?;
    std::fs::copy(root.join("Cargo.lock"), check.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let target_dir = target.to_string_lossy().into_owned();
    cargo(
        &check,
        &["build", "--quiet", "--workspace", "--all-features"],
        &[("CARGO_TARGET_DIR", &target_dir)],
    )
}

/// The `[profile.*]` tables of a manifest, as written (so that dependencies build with
/// the same settings, and are not built again).
fn profiles(manifest: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            inside = line.starts_with("[profile");
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `workspace.package.version` of the root manifest.
fn workspace_version(root: &Path) -> Result<String, String> {
    let manifest =
        std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    let mut inside = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            inside = line.trim() == "[workspace.package]";
        } else if inside && let Some(value) = line.trim().strip_prefix("version") {
            return Ok(value
                .trim_start_matches([' ', '='])
                .trim()
                .trim_matches('"')
                .to_string());
        }
    }
    Err("Cargo.toml: no [workspace.package] version".into())
}

/// Runs every step; `Ok(false)` when one failed.
pub fn run(root: &Path, providers: &[String]) -> Result<bool, String> {
    type Step<'a> = (&'a str, Box<dyn Fn() -> Result<(), String> + 'a>);
    let steps: Vec<Step> = vec![
        ("setup", Box::new(|| setup(root))),
        (
            "fmt",
            Box::new(|| cargo(root, &["fmt", "--all", "--check"], &[])),
        ),
        (
            "codegen --check",
            Box::new(|| match crate::codegen::run(root, providers, true)? {
                true => Ok(()),
                false => Err("generated code is stale: run `cargo xtask codegen`".into()),
            }),
        ),
        (
            "lint",
            Box::new(|| match crate::lint::run(root, providers)? {
                true => Ok(()),
                false => Err("spec lint found problems".into()),
            }),
        ),
        ("fixture", Box::new(|| crate::codegen::fixture(root))),
        ("dependencies", Box::new(|| dependency_rules(root))),
        ("deny", Box::new(|| deny(root))),
        (
            "clippy",
            Box::new(|| {
                cargo(
                    root,
                    &[
                        "clippy",
                        "--workspace",
                        "--all-targets",
                        "--all-features",
                        "--",
                        "-D",
                        "warnings",
                    ],
                    &[],
                )
            }),
        ),
        (
            "test",
            Box::new(|| cargo(root, &["test", "--workspace", "--all-features"], &[])),
        ),
        ("schemathesis", Box::new(|| schemathesis(root))),
        ("browser", Box::new(|| browser(root))),
        (
            "doc",
            Box::new(|| {
                cargo(
                    root,
                    &["doc", "--workspace", "--no-deps", "--all-features"],
                    &[("RUSTDOCFLAGS", "-D warnings")],
                )
            }),
        ),
        ("site", Box::new(|| crate::docs::check(root))),
        ("package", Box::new(|| package(root))),
    ];
    let mut summary = Vec::new();
    for (name, step) in &steps {
        println!("==> {name}");
        let started = Instant::now();
        let result = step();
        let seconds = started.elapsed().as_secs_f64();
        match result {
            Ok(()) => summary.push(format!("  ok    {name:<16} {seconds:>6.1}s")),
            Err(message) => {
                summary.push(format!("  FAIL  {name:<16} {seconds:>6.1}s  {message}"));
                println!("\nsummary:\n{}", summary.join("\n"));
                return Ok(false);
            }
        }
    }
    println!("\nsummary:\n{}", summary.join("\n"));
    Ok(true)
}
