//! The public surface of a generated crate, and what changed in it between two
//! generations, with a semver verdict: `cargo xtask codegen` prints it for every crate it
//! rewrites, so the maintainer can write the CHANGELOG line.
//!
//! Read from the generated code itself (`syn`): operations are the request builders of
//! `pub mod builder` (their fields are the operation's parameters and body; a field that
//! is not an `Option` is required), types the structs and enums of `pub mod types` and
//! `pub mod open_enums`. Verdicts follow the Cargo semver guide: anything removed, a type
//! changed, a parameter that becomes required, a field added to a struct whose fields are
//! all public (it breaks struct literals) or a variant added to an exhaustive enum is
//! major; an operation or type added is minor; nothing else is patch.

use std::collections::BTreeMap;
use std::fmt;

use quote::ToTokens;

/// What the surface holds, by name.
#[derive(Default, Debug, PartialEq)]
pub struct Surface {
    /// Operation -> (parameter -> type), from the request builders.
    operations: BTreeMap<String, BTreeMap<String, String>>,
    /// `types::X` or `open_enums::X` -> member -> type (`""` for an enum variant).
    types: BTreeMap<String, BTreeMap<String, String>>,
    /// Types that are enums marked `#[non_exhaustive]` (a variant added is minor there).
    non_exhaustive: Vec<String>,
}

/// How much a change breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Nothing a user can see changed.
    Patch,
    /// Something was added.
    Minor,
    /// Code that compiled may no longer compile, or may fail at run time.
    Major,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        })
    }
}

/// The surface of generated code (`generated.rs`); an empty one when it does not parse.
pub fn of(code: &str) -> Surface {
    let mut surface = Surface::default();
    let Ok(file) = syn::parse_file(code) else {
        return surface;
    };
    for item in &file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        let Some((_, items)) = &module.content else {
            continue;
        };
        match module.ident.to_string().as_str() {
            "builder" => operations(items, &mut surface),
            "types" | "open_enums" => types(&module.ident.to_string(), items, &mut surface),
            _ => {}
        }
    }
    surface
}

fn tokens(ty: &impl ToTokens) -> String {
    ty.to_token_stream().to_string()
}

fn operations(items: &[syn::Item], surface: &mut Surface) {
    for item in items {
        let syn::Item::Struct(builder) = item else {
            continue;
        };
        let params = builder
            .fields
            .iter()
            .filter_map(|field| Some((field.ident.as_ref()?.to_string(), tokens(&field.ty))))
            .filter(|(name, _)| name != "client")
            .collect();
        let name = heck::ToSnakeCase::to_snake_case(builder.ident.to_string().as_str());
        surface.operations.insert(name, params);
    }
}

fn types(module: &str, items: &[syn::Item], surface: &mut Surface) {
    for item in items {
        match item {
            syn::Item::Struct(item) if matches!(item.vis, syn::Visibility::Public(_)) => {
                let members = item
                    .fields
                    .iter()
                    .enumerate()
                    .filter(|(_, field)| matches!(field.vis, syn::Visibility::Public(_)))
                    .map(|(i, field)| {
                        let name = field
                            .ident
                            .as_ref()
                            .map_or_else(|| i.to_string(), ToString::to_string);
                        (name, tokens(&field.ty))
                    })
                    .collect();
                surface
                    .types
                    .insert(format!("{module}::{}", item.ident), members);
            }
            syn::Item::Enum(item) if matches!(item.vis, syn::Visibility::Public(_)) => {
                let name = format!("{module}::{}", item.ident);
                let members = item
                    .variants
                    .iter()
                    .map(|variant| (variant.ident.to_string(), tokens(&variant.fields)))
                    .collect();
                if item
                    .attrs
                    .iter()
                    .any(|a| a.path().is_ident("non_exhaustive"))
                {
                    surface.non_exhaustive.push(name.clone());
                }
                surface.types.insert(name, members);
            }
            syn::Item::Type(item) if matches!(item.vis, syn::Visibility::Public(_)) => {
                let mut members = BTreeMap::new();
                members.insert("=".to_string(), tokens(&item.ty));
                surface
                    .types
                    .insert(format!("{module}::{}", item.ident), members);
            }
            _ => {}
        }
    }
}

/// One change, with what it means for semver.
#[derive(Debug, PartialEq)]
pub struct Change {
    /// How much it breaks.
    pub verdict: Verdict,
    /// What changed, one line.
    pub what: String,
}

fn optional(ty: &str) -> bool {
    ty.contains("Option <")
}

/// Every change from `old` to `new`, most breaking first.
pub fn diff(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut change = |verdict, what: String| changes.push(Change { verdict, what });
    for (op, params) in &old.operations {
        match new.operations.get(op) {
            None => change(Verdict::Major, format!("operation removed: {op}")),
            Some(now) => {
                for (param, ty) in params {
                    match now.get(param) {
                        None => change(
                            Verdict::Major,
                            format!("operation {op}: parameter removed: {param}"),
                        ),
                        Some(new_ty) if new_ty != ty => change(
                            Verdict::Major,
                            format!("operation {op}: parameter {param}: {ty} -> {new_ty}"),
                        ),
                        Some(_) => {}
                    }
                }
                for (param, ty) in now.iter().filter(|(p, _)| !params.contains_key(*p)) {
                    if optional(ty) {
                        change(
                            Verdict::Minor,
                            format!("operation {op}: optional parameter added: {param}"),
                        );
                    } else {
                        change(
                            Verdict::Major,
                            format!("operation {op}: required parameter added: {param}"),
                        );
                    }
                }
            }
        }
    }
    for op in new
        .operations
        .keys()
        .filter(|op| !old.operations.contains_key(*op))
    {
        change(Verdict::Minor, format!("operation added: {op}"));
    }
    for (name, members) in &old.types {
        let Some(now) = new.types.get(name) else {
            change(Verdict::Major, format!("type removed: {name}"));
            continue;
        };
        for (member, ty) in members {
            match now.get(member) {
                None => change(Verdict::Major, format!("{name}: {member} removed")),
                Some(new_ty) if new_ty != ty => {
                    let note = match (optional(ty), optional(new_ty)) {
                        (true, false) => " (now required)",
                        (false, true) => " (now optional)",
                        _ => "",
                    };
                    change(
                        Verdict::Major,
                        format!("{name}.{member}: {ty} -> {new_ty}{note}"),
                    );
                }
                Some(_) => {}
            }
        }
        for (member, _) in now.iter().filter(|(m, _)| !members.contains_key(*m)) {
            let exhaustive_enum = !new.non_exhaustive.contains(name);
            change(
                if exhaustive_enum {
                    Verdict::Major
                } else {
                    Verdict::Minor
                },
                format!(
                    "{name}: {member} added (breaks struct literals and exhaustive matches; \
                     builders and serde are unaffected)"
                ),
            );
        }
    }
    for name in new.types.keys().filter(|n| !old.types.contains_key(*n)) {
        change(Verdict::Minor, format!("type added: {name}"));
    }
    changes.sort_by(|a, b| b.verdict.cmp(&a.verdict).then(a.what.cmp(&b.what)));
    changes
}

/// The report `codegen` prints for one crate: its verdict, then each change.
pub fn report(krate: &str, old: Option<&str>, new: &str) -> String {
    let Some(old) = old else {
        return format!("{krate}: new crate");
    };
    let changes = diff(&of(old), &of(new));
    let verdict = changes
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::Patch);
    let mut text = format!(
        "{krate}: {verdict} ({} change{} to the public surface)",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    );
    for c in &changes {
        text.push_str(&format!("\n  [{}] {}", c.verdict, c.what));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = r#"
        pub mod types {
            pub struct Payment { pub id: String, pub amount: Option<i64>, pub note: Option<String> }
            pub struct Refund { pub id: String }
        }
        pub mod builder {
            pub struct GetPayment<'a> { client: &'a Client, id: Result<String, String> }
            pub struct ListPayments<'a> { client: &'a Client }
        }
        pub mod open_enums {
            pub enum Status { New, Done, Unknown(String) }
        }
    "#;

    #[test]
    fn the_same_code_is_a_patch() {
        assert_eq!(
            report("payspec-x-api", Some(OLD), OLD),
            "payspec-x-api: patch (0 changes to the public surface)"
        );
    }

    #[test]
    fn every_kind_of_change_is_named_with_its_verdict() {
        let new = r#"
            pub mod types {
                pub struct Payment { pub id: String, pub amount: i64, pub extra: Option<u8> }
                pub struct Capture { pub id: String }
            }
            pub mod builder {
                pub struct GetPayment<'a> { client: &'a Client, id: Result<String, String>, expand: Result<Option<String>, String> }
                pub struct CreatePayment<'a> { client: &'a Client }
            }
            pub mod open_enums {
                pub enum Status { New, Done, Failed, Unknown(String) }
            }
        "#;
        let report = report("payspec-x-api", Some(OLD), new);
        let expected = [
            "payspec-x-api: major (9 changes to the public surface)",
            "  [major] open_enums::Status: Failed added (breaks struct literals and exhaustive matches; builders and serde are unaffected)",
            "  [major] operation removed: list_payments",
            "  [major] type removed: types::Refund",
            "  [major] types::Payment.amount: Option < i64 > -> i64 (now required)",
            "  [major] types::Payment: extra added (breaks struct literals and exhaustive matches; builders and serde are unaffected)",
            "  [major] types::Payment: note removed",
            "  [minor] operation added: create_payment",
            "  [minor] operation get_payment: optional parameter added: expand",
            "  [minor] type added: types::Capture",
        ];
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines.len(), 10, "{report}");
        for line in expected {
            assert!(lines.contains(&line), "missing `{line}` in\n{report}");
        }
    }

    #[test]
    fn a_generated_crate_has_a_surface() {
        let code = std::fs::read_to_string(
            crate::workspace_root().join("generated/nopan/src/generated.rs"),
        )
        .unwrap_or_default();
        let surface = of(&code);
        assert!(
            surface.operations.contains_key("initiate_payment"),
            "{:?}",
            surface.operations.keys()
        );
        let params = &surface.operations["initiate_payment"];
        assert!(params.contains_key("body") && params.contains_key("idempotency_key"));
        assert!(surface.types.keys().any(|t| t.starts_with("open_enums::")));
    }
}
