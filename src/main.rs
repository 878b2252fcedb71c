//! `payspec`: the command-line front end of the payspec clients.
//!
//! - `payspec demo [--provider P]... [--live]`: a complete flow per provider against its
//!   in-process sandbox (no credentials, no network); `--live` checks real credentials
//!   from the environment instead, without moving money.
//! - `payspec sandbox [--port N] [--seed S] [--state FILE] [--unsigned]`: every sandbox until Ctrl-C
//!   (with `--state`, their state survives a restart), with their URLs and
//!   credentials.
//! - `payspec <provider> token|status <id>`: single calls with the environment's
//!   credentials (e.g. against `payspec sandbox`).
//! - `payspec bench-sandbox [--seconds S]`: throughput through a sandbox.
//! - `payspec providers`: the providers, their crates and API versions.
#![forbid(unsafe_code)]

mod bench;
mod demo;
mod live;
mod providers;
mod serve;

use std::process::ExitCode;

/// A provider the workspace has a client for.
struct Provider {
    name: &'static str,
    crate_name: &'static str,
    /// The API version of the spec the client was generated from (`info.version`).
    api_version: fn() -> &'static str,
    spec: &'static str,
}

const USAGE: &str = "usage:
  payspec demo [--provider P]... [--live]
  payspec sandbox [--port N] [--seed S] [--state FILE] [--unsigned]
  payspec <provider> token
  payspec <provider> status <id>
  payspec bench-sandbox [--seconds S]
  payspec providers | version | help";

fn known(name: &str) -> bool {
    providers::ALL.iter().any(|p| p.name == name)
}

fn providers() {
    println!("payspec {}", env!("CARGO_PKG_VERSION"));
    println!(
        "{:<10} {:<20} {:<12} spec",
        "provider", "crate", "api version"
    );
    for p in providers::ALL {
        println!(
            "{:<10} {:<20} {:<12} {}",
            p.name,
            p.crate_name,
            (p.api_version)(),
            p.spec
        );
    }
    println!("\nlive credentials (`--live`, single calls):");
    for (provider, vars) in live::VARIABLES {
        println!("  {provider:<10} {}", vars.join(" "));
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!(
        "payspec: {message}\n{USAGE}\nproviders: {}",
        providers::NAMES
    );
    ExitCode::from(2)
}

async fn demo(args: &[String]) -> ExitCode {
    let mut selected = Vec::new();
    let mut live_mode = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--provider" | "-p" => match rest.next() {
                Some(p) if known(p) => selected.push(p.clone()),
                Some(p) => return usage_error(&format!("unknown provider `{p}`")),
                None => return usage_error("--provider needs a name"),
            },
            "--live" => live_mode = true,
            other => return usage_error(&format!("unknown demo option `{other}`")),
        }
    }
    let explicit = !selected.is_empty();
    if selected.is_empty() {
        selected = providers::ALL.iter().map(|p| p.name.to_string()).collect();
    }
    if live_mode {
        println!("live check (no money moves): credentials and one read call per provider");
        let mut ok = true;
        for provider in &selected {
            match live::check(provider).await {
                Ok(detail) => println!("[{provider:<9}] ok    {detail}"),
                Err(error) => {
                    ok = false;
                    println!("[{provider:<9}] FAIL  {error}");
                }
            }
        }
        println!(
            "{}",
            if ok {
                "result: every check passed"
            } else {
                "result: FAILED"
            }
        );
        return if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    println!("payspec demo: in-process sandboxes, no credentials, no network");
    if demo::run(&selected, explicit).await {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn single(provider: &str, args: &[String]) -> ExitCode {
    let result = match args {
        [command] if command == "token" => live::check(provider).await,
        [command, id] if command == "status" => live::status(provider, id).await,
        _ => {
            return usage_error(&format!(
                "`payspec {provider}` takes `token` or `status <id>`"
            ));
        }
    };
    match result {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("payspec {provider}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("payspec: {e}");
            ExitCode::FAILURE
        }
    }
}

fn number<T: std::str::FromStr>(args: &[String], flag: &str, default: T) -> Result<T, String> {
    match args.iter().position(|a| a == flag) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{flag} needs a number")),
    }
}

/// The value after `flag`, if the flag is given.
fn text(args: &[String], flag: &str) -> Result<Option<String>, String> {
    match args.iter().position(|a| a == flag) {
        None => Ok(None),
        Some(i) => args
            .get(i + 1)
            .filter(|v| !v.starts_with("--"))
            .cloned()
            .map(Some)
            .ok_or_else(|| format!("{flag} needs a value")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        providers();
        return ExitCode::SUCCESS;
    };
    let rest = &args[1..];
    match command.as_str() {
        "providers" => {
            providers();
            ExitCode::SUCCESS
        }
        "--version" | "-V" | "version" => {
            println!("payspec {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        "--help" | "-h" | "help" => {
            println!("{USAGE}\nproviders: {}", providers::NAMES);
            ExitCode::SUCCESS
        }
        "demo" => demo(rest).await,
        "sandbox" => match (
            number(rest, "--port", 0u16),
            number(rest, "--seed", 0u64),
            text(rest, "--state"),
        ) {
            (Ok(port), Ok(seed), Ok(state)) => {
                match serve::run(port, seed, state, rest.iter().any(|a| a == "--unsigned")).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("payspec sandbox: {e}");
                        ExitCode::FAILURE
                    }
                }
            }
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => usage_error(&e),
        },
        "bench-sandbox" => match number(rest, "--seconds", 2.0f64) {
            Ok(seconds) => match bench::run(seconds).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("payspec bench-sandbox: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => usage_error(&e),
        },
        // Measurement commands used by `cargo xtask bench` (one JSON line each).
        "bench-overhead" => {
            let only = rest
                .iter()
                .position(|a| a == "--only")
                .and_then(|i| rest.get(i + 1).cloned())
                .map(|path| (path, number(rest, "--count", 1000usize).unwrap_or(1000)));
            report(
                match (
                    number(rest, "--seconds", 3.0f64),
                    number(rest, "--tasks", 1usize),
                ) {
                    (Ok(seconds), Ok(tasks)) => bench::overhead(seconds, tasks, only).await,
                    (Err(e), _) | (_, Err(e)) => Err(e),
                },
            )
        }
        "bench-tokens" => report(bench::tokens().await),
        "bench-crypto" => report(bench::crypto()),
        "bench-sandbox-memory" => match number(rest, "--payments", 100_000usize) {
            Ok(count) => report(bench::sandbox_memory(count).await),
            Err(e) => usage_error(&e),
        },
        provider if known(provider) => single(provider, rest).await,
        other => usage_error(&format!("unknown command `{other}`")),
    }
}
