//! payspec maintenance tasks, run as `cargo xtask <command>`.
//!
//! - `codegen [--provider P] [--check]`: regenerate `generated/<p>/` from `specs/<p>.yaml`.
//! - `lint [--provider P]`: validate every spec (openapi-spec-validator + payspec's rules).
//! - `docs [--check]`: the static site in target/site (with `--check`: links resolve and
//!   headless Chromium renders every API reference offline; screenshots).
//! - `bench [--quick]`: every benchmark figure, printed as a table and written to
//!   BENCHMARKS.md (`--quick`: short runs, no consumer builds, no file).
//! - `test`: the whole test suite as CI runs it (fmt, codegen --check, lint, dependency
//!   rules, clippy, tests, rustdoc).
//! - `add-provider <name> --spec <file>`: a new provider from its OpenAPI spec (the spec
//!   copied, the provider listed, its raw crate generated, a minimal client crate).
//! - `fixture`: the generator on `xtask/fixtures/specs/foreign.yaml` (shapes of real
//!   providers' specs) to a crate that passes clippy `-D warnings` and its runtime test.
//! - `package`: `cargo test`'s last step alone: every publishable crate packaged, and
//!   the packages built together as crates.io would have them.
#![forbid(unsafe_code)]

mod add_provider;
mod bench;
mod codegen;
mod docs;
mod lint;
mod normalise;
mod spec;
mod surface;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo xtask codegen [--provider P] [--check]\n       \
         cargo xtask lint [--provider P]\n       \
         cargo xtask test\n       \
         cargo xtask fixture\n       \
         cargo xtask package\n       \
         cargo xtask add-provider <name> --spec <file>\n       \
         cargo xtask docs [--check]\n       \
         cargo xtask bench [--quick]"
    );
    ExitCode::from(2)
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    // `cargo run` (the `cargo xtask` alias) sets CARGO_MANIFEST_DIR for the process too:
    // read at run time, it names the checkout being worked on even when two checkouts
    // share one target directory (and so one xtask binary).
    let here = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        return usage();
    };
    let root = workspace_root();
    let known = match spec::providers(&root) {
        Ok(known) => known,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    if command == "add-provider" {
        return match (
            args.get(1),
            args.get(2).map(String::as_str),
            args.get(3),
            args.len(),
        ) {
            (Some(name), Some("--spec"), Some(file), 4) => {
                match add_provider::run(&root, name, std::path::Path::new(file)) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(message) => {
                        eprintln!("error: {message}");
                        ExitCode::FAILURE
                    }
                }
            }
            _ => usage(),
        };
    }
    let mut providers: Vec<String> = Vec::new();
    let mut check = false;
    let mut quick = false;
    let mut rest = args[1..].iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--quick" => quick = true,
            "--provider" | "-p" => match rest.next() {
                Some(p) if known.contains(p) => providers.push(p.clone()),
                Some(p) => {
                    eprintln!("unknown provider `{p}`; known: {}", known.join(", "));
                    return ExitCode::from(2);
                }
                None => return usage(),
            },
            _ => return usage(),
        }
    }
    if providers.is_empty() {
        providers = known;
    }
    let result = match command.as_str() {
        "codegen" => codegen::run(&root, &providers, check),
        "lint" => lint::run(&root, &providers),
        "test" => test::run(&root, &providers),
        "fixture" => codegen::fixture(&root).map(|()| true),
        "package" => test::package(&root).map(|()| true),
        "docs" if check => docs::check(&root).map(|()| true),
        "docs" => docs::build(&root).map(|_| true),
        "bench" => bench::run(
            &root,
            &bench::Options {
                seconds: if quick { 2.0 } else { 6.0 },
                skip_builds: quick,
                write: !quick,
            },
        ),
        _ => return usage(),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
