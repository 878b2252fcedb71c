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
    let Ok(entries) = std::fs::read_dir(&specs) else {
        return;
    };
    let mut problems = Vec::new();
    let mut names: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    for spec in names {
        let Some(provider) = spec.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
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
