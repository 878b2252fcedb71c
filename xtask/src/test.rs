//! `cargo xtask test`: the whole test suite, as CI runs it.
//!
//! fmt, generated code up to date, spec lint, dependency rules, clippy with
//! `-D warnings`, every test, rustdoc without warnings. Stops at the first failing step.

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
    let mut command = Command::new(&cargo);
    command.current_dir(root).args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
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

/// Runs every step; `Ok(false)` when one failed.
pub fn run(root: &Path, providers: &[String]) -> Result<bool, String> {
    type Step<'a> = (&'a str, Box<dyn Fn() -> Result<(), String> + 'a>);
    let steps: Vec<Step> = vec![
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
        ("dependencies", Box::new(|| dependency_rules(root))),
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
