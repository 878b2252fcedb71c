//! The client crates users ship carry no sandbox code, in any feature: their normal
//! dependency tree (as `cargo tree` resolves it, not as we believe it) has no sandbox
//! crate and no certificate maker, and RSA private-key operations (GoPay's card
//! decryption, with its timing advisory) exist only in the GoPay sandbox crate.

use std::path::{Path, PathBuf};
use std::process::Command;

const PROVIDERS: [&str; 5] = ["nopan", "mobilepay", "gopay", "eastpay", "vaiipay"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn tree(package: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .current_dir(root())
        .args([
            "tree",
            "--offline",
            "-p",
            package,
            "--all-features",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cargo tree: {e}"));
    assert!(
        output.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn no_client_crate_depends_on_sandbox_code_in_any_feature() {
    for provider in PROVIDERS {
        let package = format!("payspec-{provider}");
        let crates = tree(&package);
        assert!(crates.contains(&package), "{package}: {crates:?}");
        let sandboxy: Vec<&String> = crates
            .iter()
            .filter(|name| {
                name.ends_with("-sandbox") || *name == "payspec-sandbox" || *name == "rcgen"
            })
            .collect();
        assert!(sandboxy.is_empty(), "{package} depends on {sandboxy:?}");
    }
    // The check can fail: the sandbox crate itself has them.
    let sandbox = tree("payspec-gopay-sandbox");
    assert!(sandbox.iter().any(|name| name == "payspec-sandbox"));
    assert!(sandbox.iter().any(|name| name == "rcgen"));
}

#[test]
fn rsa_private_keys_exist_only_in_the_gopay_sandbox() {
    let uses_private_key = |dir: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| {
                std::fs::read_to_string(path).is_ok_and(|text| text.contains("RsaPrivateKey"))
            })
            .collect()
    };
    let client = uses_private_key(&root().join("clients/gopay/src"));
    assert!(client.is_empty(), "the client decrypts: {client:?}");
    let sandbox = uses_private_key(&root().join("sandbox/gopay/src"));
    assert!(!sandbox.is_empty(), "the sandbox should hold the key");
}
