//! `cargo xtask bench`: every figure issue 8 asks for, measured in one run on this
//! machine, printed as a table and written to `BENCHMARKS.md`.
//!
//! The runtime figures come from the release build of the `payspec` CLI (its hidden
//! `bench-*` commands print one JSON line each), so each measurement runs in a process of
//! its own and its peak memory is that process's. The build figures come from two minimal
//! consumer crates written under `target/bench-consumer/` and built from clean, each with
//! a target directory of its own.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

/// Crates that generate code from a spec: none may reach a consumer's tree.
const GENERATORS: &[&str] = &[
    "progenitor",
    "progenitor-impl",
    "progenitor-macro",
    "typify",
    "typify-impl",
    "typify-macro",
    "openapiv3",
    "prettyplease",
];

/// Options of `cargo xtask bench`.
pub struct Options {
    /// Seconds per throughput measurement (split over alternating rounds).
    pub seconds: f64,
    /// Skip the two clean consumer builds (the slowest part).
    pub skip_builds: bool,
    /// Write BENCHMARKS.md (off for a quick look).
    pub write: bool,
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// The cargo target directory (CARGO_TARGET_DIR or `target/`).
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Runs the CLI with `args` and parses the last line it prints as JSON.
fn measure(binary: &Path, args: &[&str]) -> Result<Value, String> {
    eprintln!("  payspec {}", args.join(" "));
    let output = Command::new(binary)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !output.status.success() {
        return Err(format!(
            "`payspec {}` failed ({})",
            args.join(" "),
            output.status
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line)
        .map_err(|e| format!("`payspec {}` printed `{line}`: {e}", args.join(" ")))
}

/// Instructions `payspec bench-overhead --only <path> --count <count>` runs, counted by
/// valgrind's callgrind; `None` without valgrind.
fn instructions(binary: &Path, path: &str, count: u32) -> Option<u64> {
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(binary)
        .args(["bench-overhead", "--tasks", "1", "--only", path, "--count"])
        .arg(count.to_string())
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    // callgrind reports on stderr: `==pid== Collected : <n>`.
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .find_map(|line| line.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
}

/// Instructions per call of the raw path and of payspec's, with the set-up (server,
/// clients, warm-up) taken out: the difference between 2,000 and 1,000 calls, over 1,000.
/// Unlike requests per second, the count does not move with the machine's other load.
fn instructions_per_call(binary: &Path) -> Option<(f64, f64)> {
    let per_call = |path: &str| {
        let (one, two) = (
            instructions(binary, path, 1000)?,
            instructions(binary, path, 2000)?,
        );
        Some(two.saturating_sub(one) as f64 / 1000.0)
    };
    Some((per_call("raw")?, per_call("payspec")?))
}

fn number(value: &Value, key: &str) -> Result<f64, String> {
    value
        .get(key)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("measurement has no number `{key}`: {value}"))
}

/// A consumer crate's clean build: wall time, crates in its tree, generators found.
struct Build {
    /// The mean of `runs`.
    seconds: f64,
    runs: Vec<f64>,
    crates: usize,
    generators: Vec<String>,
}

impl Build {
    /// This build and another of the same crate: the mean of their times.
    fn and(mut self, other: Build) -> Build {
        self.runs.extend(other.runs);
        self.seconds = self.runs.iter().sum::<f64>() / self.runs.len() as f64;
        self
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn consumer(root: &Path, name: &str, dependencies: &str, main: &str) -> Result<Build, String> {
    let dir = target_dir(root).join("bench-consumer").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    write_file(
        &dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{dependencies}\n\n# Not a member of the payspec workspace.\n[workspace]\n"
        ),
    )?;
    write_file(&dir.join("src/main.rs"), main)?;
    // The workspace's lock file: both consumers resolve to the versions payspec is tested
    // with, so the comparison is between dependency sets and not between versions.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
    let run = |args: &[&str]| -> Result<std::process::Output, String> {
        let output = Command::new(cargo())
            .current_dir(&dir)
            .args(args)
            .env("CARGO_TARGET_DIR", dir.join("target"))
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(format!(
                "`cargo {}` in {} failed: {}",
                args.join(" "),
                dir.display(),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    };
    // Downloads are not build time.
    run(&["fetch"])?;
    eprintln!("  clean build of {name}");
    let started = Instant::now();
    run(&["build", "--offline"])?;
    let seconds = started.elapsed().as_secs_f64();
    let tree = run(&[
        "tree",
        "--offline",
        "--prefix",
        "none",
        "-e",
        "normal,build",
    ])?;
    let mut crates: Vec<String> = String::from_utf8_lossy(&tree.stdout)
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some(format!("{} {}", words.next()?, words.next()?))
        })
        .collect();
    crates.sort();
    crates.dedup();
    let generators = crates
        .iter()
        .filter(|c| GENERATORS.iter().any(|g| c.split(' ').next() == Some(g)))
        .cloned()
        .collect();
    Ok(Build {
        seconds,
        runs: vec![seconds],
        crates: crates.len(),
        generators,
    })
}

const SDK_MAIN: &str = r#"//! A minimal payspec consumer: one MobilePay call.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = payspec_mobilepay::Client::builder()
        .base_url("http://127.0.0.1:9")
        .api_key("key")
        .build()?;
    if let Err(error) = client.get_payment("186d2b31-ff25-4414-9fd1-bfe9807fa8b7").await {
        eprintln!("{error}");
    }
    Ok(())
}
"#;

const RAW_MAIN: &str = r#"//! The same call written by hand on reqwest + serde + tokio.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Payment {
    payment_id: String,
    amount: i64,
    state: String,
    reference: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().build()?;
    let answer = client
        .get("http://127.0.0.1:9/v1/payments/186d2b31-ff25-4414-9fd1-bfe9807fa8b7")
        .bearer_auth("key")
        .send()
        .await;
    match answer {
        Ok(response) => println!("{:?}", response.json::<Payment>().await),
        Err(error) => eprintln!("{error}"),
    }
    Ok(())
}
"#;

fn consumers(root: &Path) -> Result<(Build, Build), String> {
    let sdk_path = root.join("clients/mobilepay");
    let sdk_dependencies = format!(
        "payspec-mobilepay = {{ path = {:?} }}\ntokio = {{ version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }}",
        sdk_path.display().to_string()
    );
    let sdk = || consumer(root, "consumer-payspec", &sdk_dependencies, SDK_MAIN);
    // The same transport payspec uses (reqwest with rustls on ring, JSON), so that the
    // ratio measures what payspec adds and not a choice of TLS library; rustls is named
    // only to pick its ring provider.
    let raw = || {
        consumer(
            root,
            "consumer-raw",
            "reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"rustls-no-provider\"] }\n\
             rustls = { version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }\n\
             serde = { version = \"1\", features = [\"derive\"] }\n\
             tokio = { version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }",
            RAW_MAIN,
        )
    };
    // Two clean builds of each, in the order payspec, raw, raw, payspec: a drift in the
    // machine's speed (its other load moves a build by a couple of seconds) hits both
    // means alike.
    let first = sdk()?;
    let raw_first = raw()?;
    let raw_second = raw()?;
    let second = sdk()?;
    Ok((first.and(second), raw_first.and(raw_second)))
}

fn seconds_list(runs: &[f64]) -> String {
    runs.iter()
        .map(|s| format!("{s:.1}"))
        .collect::<Vec<_>>()
        .join(" + ")
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
}

/// One row of the table.
struct Row {
    what: String,
    value: String,
    target: String,
    command: String,
}

fn row(what: &str, value: String, target: &str, command: &str) -> Row {
    Row {
        what: what.to_string(),
        value,
        target: target.to_string(),
        command: command.to_string(),
    }
}

fn table(rows: &[Row]) -> String {
    let mut out =
        String::from("| Measurement | Result | Target | Measured by |\n|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | `{}` |",
            r.what, r.value, r.target, r.command
        );
    }
    out
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

/// Runs every measurement, prints the table and (with `options.write`) writes
/// BENCHMARKS.md.
pub fn run(root: &Path, options: &Options) -> Result<bool, String> {
    eprintln!("building the payspec CLI (release)");
    let status = Command::new(cargo())
        .current_dir(root)
        .args(["build", "--release", "--quiet", "-p", "payspec"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("release build of the payspec CLI failed".into());
    }
    let binary = target_dir(root).join("release").join("payspec");
    let seconds = format!("{}", options.seconds);

    eprintln!("measuring");
    let sequential = measure(
        &binary,
        &["bench-overhead", "--seconds", &seconds, "--tasks", "1"],
    )?;
    let concurrent = measure(
        &binary,
        &["bench-overhead", "--seconds", &seconds, "--tasks", "64"],
    )?;
    let tokens = measure(&binary, &["bench-tokens"])?;
    let crypto = measure(&binary, &["bench-crypto"])?;
    let memory = measure(&binary, &["bench-sandbox-memory", "--payments", "100000"])?;
    eprintln!("  payspec bench-overhead --only raw|payspec under callgrind (if valgrind is here)");
    let counted = instructions_per_call(&binary);

    eprintln!("  cargo xtask codegen --check (in process)");
    let started = Instant::now();
    let fresh = crate::codegen::run(root, &crate::spec::providers(root)?, true)?;
    let codegen_seconds = started.elapsed().as_secs_f64();
    if !fresh {
        return Err("generated code is stale: run `cargo xtask codegen` first".into());
    }

    let builds = if options.skip_builds {
        None
    } else {
        Some(consumers(root)?)
    };

    let seq_ratio = number(&sequential, "ratio")?;
    let con_ratio = number(&concurrent, "ratio")?;
    let first = number(&tokens, "token_requests")?;
    let after_expiry = number(&tokens, "after_expiry")?;
    let overhead = "payspec bench-overhead";
    let throughput = |label: &str,
                      figures: &Value,
                      ratio: f64,
                      tasks: u32|
     -> Result<Row, String> {
        Ok(row(
            &format!("Throughput, {label}: payspec / raw reqwest"),
            format!(
                "**{ratio:.3}** (median of 20 rounds, which ranged {:.3}-{:.3}; {:.0} vs {:.0} req/s; per CPU-second {})",
                number(figures, "ratio_min")?,
                number(figures, "ratio_max")?,
                number(figures, "payspec_rps")?,
                number(figures, "raw_rps")?,
                figures
                    .get("cpu_ratio")
                    .and_then(Value::as_f64)
                    .map_or("not measured".to_string(), |r| format!("{r:.3}")),
            ),
            &format!(">= 0.95 ({})", verdict(ratio >= 0.95)),
            &format!("{overhead} --tasks {tasks} --seconds {seconds}"),
        ))
    };
    let mut rows = vec![
        throughput("sequential", &sequential, seq_ratio, 1)?,
        throughput("64 tasks", &concurrent, con_ratio, 64)?,
        row(
            "Instructions per sequential call: payspec / raw reqwest",
            counted.map_or("not measured (no valgrind)".to_string(), |(raw, payspec)| {
                format!(
                    "**{:.3}** ({:.1}k vs {:.1}k instructions: 2,000 calls less 1,000, under callgrind; unlike the throughput, not moved by the machine's other load)",
                    payspec / raw,
                    payspec / 1000.0,
                    raw / 1000.0
                )
            }),
            "-",
            "valgrind --tool=callgrind payspec bench-overhead --only raw (or payspec) --count N",
        ),
        row(
            "Size of the future of one call (`get_payment`)",
            format!("{} bytes", number(&sequential, "call_future_bytes")?),
            "-",
            &format!("{overhead} --tasks 1"),
        ),
        row(
            "Peak memory, 64-task run (client, raw client and loopback server in one process)",
            format!("{:.1} MiB", number(&concurrent, "peak_kib")? / 1024.0),
            "-",
            &format!("{overhead} --tasks 64"),
        ),
        row(
            "Token endpoint hits, 1,000 concurrent first calls",
            format!("**{first}**"),
            &format!("exactly 1 ({})", verdict(first == 1.0)),
            "payspec bench-tokens",
        ),
        row(
            "Token endpoint hits after expiry, 1,000 concurrent calls",
            format!("**{after_expiry}**"),
            &format!("exactly 1 ({})", verdict(after_expiry == 1.0)),
            "payspec bench-tokens",
        ),
        row(
            "GoPay card JWE encryption (RSA-OAEP-256 + A256GCM)",
            format!("{} µs/op", number(&crypto, "jwe_encrypt_us")?),
            "-",
            "payspec bench-crypto",
        ),
        row(
            "EastPay result-code classification",
            format!("{} ns/code", number(&crypto, "classify_ns")?),
            "-",
            "payspec bench-crypto",
        ),
        row(
            "Sandbox holding 100,000 MobilePay payments: process peak",
            format!(
                "{:.1} MiB (created in {} s)",
                number(&memory, "peak_kib")? / 1024.0,
                number(&memory, "seconds")?
            ),
            "-",
            "payspec bench-sandbox-memory --payments 100000",
        ),
        row(
            "`cargo xtask codegen --check`, all five specs",
            format!("{codegen_seconds:.2} s"),
            "-",
            "cargo xtask codegen --check",
        ),
    ];
    let mut targets_met =
        seq_ratio >= 0.95 && con_ratio >= 0.95 && first == 1.0 && after_expiry == 1.0;
    if let Some((sdk, raw)) = &builds {
        let ratio = sdk.seconds / raw.seconds;
        let clean = sdk.generators.is_empty();
        targets_met &= ratio <= 1.3 && clean;
        rows.push(row(
            "Consumer clean build (debug): payspec-mobilepay vs reqwest + serde + tokio",
            format!(
                "**{ratio:.3}x** ({:.1} s vs {:.1} s: means of two clean builds each, {} vs {})",
                sdk.seconds,
                raw.seconds,
                seconds_list(&sdk.runs),
                seconds_list(&raw.runs)
            ),
            &format!("<= 1.3x ({})", verdict(ratio <= 1.3)),
            "cargo xtask bench",
        ));
        rows.push(row(
            "Crates in the consumer's tree (normal + build)",
            format!("{} vs {}", sdk.crates, raw.crates),
            "-",
            "cargo tree -e normal,build",
        ));
        rows.push(row(
            "Code generators in the consumer's tree",
            if clean {
                "none".to_string()
            } else {
                sdk.generators.join(", ")
            },
            &format!("none ({})", verdict(clean)),
            "cargo tree -e normal,build",
        ));
    }
    let rendered = table(&rows);
    let machine = format!(
        "{} cores, {} {}, rustc {}",
        cores(),
        std::env::consts::OS,
        std::env::consts::ARCH,
        rustc_version()
    );
    println!("\nMachine: {machine}\n\n{rendered}");
    if options.write {
        let text = format!(
            "# payspec benchmarks\n\n\
             The latest figures from `cargo xtask bench` (written by it; do not edit by hand).\n\n\
             Machine: {machine}.\n\n{rendered}\n\
             ## How to reproduce\n\n\
             ```sh\ncargo xtask bench              # everything, writes this file (~6 min on 2 cores)\n\
             cargo xtask bench --quick      # 2 s per throughput figure, no consumer builds, no file\n\
             cargo build --release && ./target/release/payspec bench-overhead --tasks 64 --seconds 6\n```\n\n\
             ## What is measured\n\n\
             - **Throughput** compares `payspec_mobilepay::Client::get_payment` (auth hook, \
             correlation id, retry wrapper, tracing span, typed error mapping, typed \
             deserialization) with a hand-written reqwest call that sends the same headers \
             and decodes the same JSON into the same type, on one reqwest/rustls stack, \
             against one fixed-answer HTTP/1.1 server on loopback in the same process. The \
             raw call formats its URL from the payment id on every call, as payspec does. \
             The two paths run back to back in twenty short rounds, in alternating order, so \
             that drift hits both alike; the ratio is the median of the rounds' ratios. The \
             sequential row runs client and server on one runtime thread, so that each call \
             costs its CPU time and nothing else (on two workers, where a lone task and the \
             server land from one round to the next decided the figure); the 64-task row \
             runs on the two-worker runtime. Both rows also give the ratio of requests per \
             CPU-second (all threads, from `/proc/self/task/*/schedstat`), which the host's \
             other load moves less than wall time. The server shares the cores with the \
             client, so the ratios understate what payspec costs against a remote server \
             (where network time dominates).\n\
             - **Instructions per call** count, under valgrind's callgrind, what the same \
             sequential calls execute (client, runtime and server, one thread): 2,000 calls \
             less 1,000 calls, so that set-up and warm-up cancel out. The count is the same \
             on a busy machine as on an idle one, where requests per second can move by a \
             third from one round to the next; it leaves out what instructions do not show \
             (cache misses, wake-ups).\n\
             - **Size of the future**: what each call carries and moves, the part of its \
             cost that profiling found beyond raw reqwest's.\n\
             - **Token endpoint hits** count requests that reached the Nopan sandbox's token \
             endpoint: 1,000 tasks make their first call at once, then the sandbox expires \
             the token and 1,000 tasks call again.\n\
             - **Consumer builds** write two binary crates under `target/bench-consumer/`, \
             each with the workspace's `Cargo.lock` and its own empty target directory, run \
             `cargo fetch` (downloads are not build time) and time `cargo build --offline`, \
             twice each in the order payspec, raw, raw, payspec; the ratio is of the means. \
             The raw consumer uses the same transport as payspec (reqwest with rustls on \
             ring), so the ratio measures what payspec adds.\n\
             - **Peak memory** is the process's `VmHWM` from `/proc/self/status`.\n\
             - **Codegen check** runs in the xtask process (a dev build), as maintainers run it.\n\n\
             Targets come from issue 8. Figures vary from run to run by a few percent.\n"
        );
        write_file(&root.join("BENCHMARKS.md"), &text)?;
        eprintln!("wrote BENCHMARKS.md");
    }
    if !targets_met {
        eprintln!("note: some targets are not met (see the table)");
    }
    // Measurements are reported, not asserted: the command fails only when it could not
    // measure.
    Ok(true)
}

fn rustc_version() -> String {
    Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|v| v.split_whitespace().nth(1).map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string())
}
