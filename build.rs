//! Build-time guard: generated/<p>/ must have been generated from the current
//! specs/<p>.yaml. It compares the spec's sha256 with the stamp in the generated file's
//! header and stops the build with the command to run when they differ. It needs no
//! progenitor, and does nothing where specs/ is absent (a published crate).

use std::path::Path;

use sha2::{Digest, Sha256};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let specs = root.join("specs");
    println!("cargo:rerun-if-changed=specs");
    if !specs.is_dir() {
        return;
    }
    let mut problems = Vec::new();
    // The one list of providers; the CLI's table (src/providers.rs, written by codegen
    // from it) must list the same names.
    let list = specs.join("providers.txt");
    println!("cargo:rerun-if-changed={}", list.display());
    let text = std::fs::read_to_string(&list).unwrap_or_default();
    let listed: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let table = root.join("src/providers.rs");
    println!("cargo:rerun-if-changed={}", table.display());
    let names = format!("pub const NAMES: &str = \"{}\";", listed.join(", "));
    let table_fresh = std::fs::read_to_string(&table).is_ok_and(|t| t.contains(&names));
    if !table_fresh {
        problems.push(
            "specs/providers.txt changed: run cargo xtask codegen (src/providers.rs is stale)"
                .into(),
        );
    }
    for provider in &listed {
        let spec = specs.join(format!("{provider}.yaml"));
        println!("cargo:rerun-if-changed={}", spec.display());
        let generated = root.join("generated").join(provider).join("src/lib.rs");
        println!("cargo:rerun-if-changed={}", generated.display());
        let hash = match std::fs::read(&spec) {
            Ok(bytes) => Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            Err(e) => {
                problems.push(format!("specs/{provider}.yaml: {e}"));
                continue;
            }
        };
        let stamp = std::fs::read_to_string(&generated).ok().and_then(|text| {
            text.lines()
                .take(10)
                .find_map(|l| l.strip_prefix("// spec-sha256: ").map(str::to_string))
        });
        match stamp {
            Some(stamp) if stamp == hash => {}
            Some(_) => problems.push(format!(
                "specs/{provider}.yaml changed: run cargo xtask codegen (generated/{provider} is stale)"
            )),
            None => problems.push(format!(
                "generated/{provider}/src/lib.rs is missing or has no spec stamp: run cargo xtask codegen"
            )),
        }
    }
    if !problems.is_empty() {
        for problem in &problems {
            println!("cargo:warning={problem}");
        }
        eprintln!("\n{}\n", problems.join("\n"));
        std::process::exit(1);
    }
}
