//! Every provider crate's front page (its README, which rustdoc also runs) has the four
//! sections an integrator reads, and its code uses the crate's own API: nothing is
//! imported from the generated modules (`types`, `open_enums`, `api`) and no link
//! points outside the repository.

const CRATES: [&str; 5] = ["nopan", "mobilepay", "gopay", "eastpay", "vaiipay"];

const SECTIONS: [&str; 4] = [
    "against the sandbox",
    "## Receiving notifications in axum",
    "## Handling errors",
    "## When the answer is lost",
];

fn readme(provider: &str) -> String {
    let path = format!(
        "{}/../clients/{provider}/README.md",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The text of the README's ```rust blocks.
fn code(text: &str) -> String {
    let mut code = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("```") {
            inside = line.starts_with("```rust");
            continue;
        }
        if inside {
            code.push_str(line);
            code.push('\n');
        }
    }
    code
}

#[test]
fn every_front_page_has_the_four_sections() {
    for provider in CRATES {
        let text = readme(provider);
        for section in SECTIONS {
            assert!(text.contains(section), "{provider}: no `{section}`");
        }
        assert!(
            text.matches("```rust").count() >= 4,
            "{provider}: a program per section"
        );
    }
}

#[test]
fn front_page_code_imports_nothing_generated() {
    for provider in CRATES {
        let code = code(&readme(provider));
        assert!(!code.is_empty(), "{provider}: no code");
        for generated in [
            "::types",
            "::open_enums",
            "::api",
            "_api::",
            "types::builder",
        ] {
            assert!(
                !code.contains(generated),
                "{provider}: the front page's code reaches into `{generated}`"
            );
        }
    }
}

#[test]
fn no_link_leaves_the_repository() {
    for provider in CRATES {
        let text = readme(provider);
        assert!(!text.contains("../shared"), "{provider}: links ../shared");
    }
}
