//! The `payspec` binary: `demo` runs every provider's flow against its sandbox and exits
//! 0 with a summary; failures and bad arguments exit non-zero.

use std::process::Command;

fn payspec() -> Command {
    Command::new(env!("CARGO_BIN_EXE_payspec"))
}

/// The names in `specs/providers.txt`, the one list of providers.
fn listed_providers() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/providers.txt");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn demo_runs_every_flow_offline_and_succeeds() {
    let output = payspec().arg("demo").env_clear().output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("result: every step passed"), "{stdout}");
    // A provider added without a sandbox (`cargo xtask add-provider` makes none) has no
    // offline flow to run: the demo covers those with one.
    let with_sandbox: Vec<String> = listed_providers()
        .into_iter()
        .filter(|p| {
            let sandbox = format!("{}/sandbox/{p}/src/lib.rs", env!("CARGO_MANIFEST_DIR"));
            std::path::Path::new(&sandbox).exists()
        })
        .collect();
    // The five providers payspec started with all have one: a moved sandbox must not
    // make this check vacuous.
    assert!(with_sandbox.len() >= 5, "{with_sandbox:?}");
    for provider in &with_sandbox {
        let provider = provider.as_str();
        let row = stdout
            .lines()
            .find(|l| l.starts_with(provider) && l.split_whitespace().count() == 5)
            .unwrap_or_else(|| panic!("no summary row for {provider}: {stdout}"));
        let columns: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(columns[1], columns[2], "{provider}: every step ok: {row}");
        assert_eq!(columns[3], "0", "{provider}: no failure: {row}");
    }
    assert!(
        stdout.contains("HTTP 400 code=800.100.153 class=RejectedBank"),
        "the EastPay decline is shown"
    );
}

#[test]
fn demo_of_one_provider() {
    let output = payspec()
        .args(["demo", "--provider", "eastpay"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("[eastpay") && !stdout.contains("[nopan"),
        "{stdout}"
    );
}

#[test]
fn live_without_credentials_fails_with_the_missing_variable() {
    let output = payspec()
        .args(["demo", "--live", "--provider", "gopay"])
        .env_clear()
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("GOPAY_CLIENT_ID is not set"), "{stdout}");
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        vec!["demo", "--provider", "no-such-provider"],
        vec!["frobnicate"],
        vec!["nopan", "delete"],
    ] {
        let output = payspec().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
    let output = payspec().arg("providers").output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("NOPAN_CERT_PEM_FILE"), "{stdout}");
    for provider in listed_providers() {
        assert!(
            stdout.contains(&format!("payspec-{provider} ")),
            "{provider} is listed: {stdout}"
        );
    }
}

/// `payspec sandbox` running as a team that does not write Rust uses it: the Python
/// walk-through of the guide (`conformance/walkthrough/mobilepay.py`, standard library
/// only) pays against the printed environment; the sandbox is killed and started again
/// on its `--state` file, and the payment is still there, captured.
#[test]
fn the_python_walkthrough_pays_and_the_state_survives_a_restart() {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(format!("payspec-cli-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.jsonl");
    let start = || {
        let mut child = payspec()
            .args(["sandbox", "--state"])
            .arg(&state)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut env = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(pairs) = line.strip_prefix("export ") {
                for pair in pairs.split_whitespace() {
                    if let Some((name, value)) = pair.split_once('=') {
                        env.push((name.to_string(), value.to_string()));
                    }
                }
            }
            if line.starts_with("# state kept in") {
                break;
            }
        }
        (child, env)
    };
    let (mut first, env) = start();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/conformance/walkthrough/mobilepay.py"
    );
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let output = Command::new(&python)
        .arg(script)
        .arg("order-walkthrough")
        .envs(env.iter().cloned())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let last: Vec<&str> = stdout.lines().collect();
    let result = last.last().copied().unwrap_or_default();
    assert!(result.contains("\"state\": \"captured\""), "{stdout}");
    let id = result
        .split('"')
        .nth(3)
        .unwrap_or_else(|| panic!("no payment id in {result}"))
        .to_string();
    first.kill().unwrap();
    let _ = first.wait();

    // Started again on the same file: the same payment point, the payment still captured.
    let (mut second, again) = start();
    let get = |name: &str, env: &[(String, String)]| {
        env.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{name} not printed"))
    };
    assert_eq!(
        get("MOBILEPAY_PAYMENT_POINT_ID", &env),
        get("MOBILEPAY_PAYMENT_POINT_ID", &again)
    );
    let read = Command::new(&python)
        .args([
            "-c",
            "import json, os, sys, urllib.request as u; \
             r = u.Request(os.environ['MOBILEPAY_BASE_URL'] + '/v1/payments/' + sys.argv[1], \
             headers={'Authorization': 'Bearer ' + os.environ['MOBILEPAY_API_KEY']}); \
             print(json.load(u.urlopen(r, timeout=10))['state'])",
            &id,
        ])
        .envs(again.iter().cloned())
        .output()
        .unwrap();
    second.kill().unwrap();
    let _ = second.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        String::from_utf8_lossy(&read.stdout).trim(),
        "captured",
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
}
