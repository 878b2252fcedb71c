//! The kit under payspec's provider sandboxes (`payspec-<provider>-sandbox`): an
//! HTTP/1.1 server on 127.0.0.1 (optionally mutual TLS with a CA made on the spot),
//! fault injection, an admin API, and signed webhooks. Providers supply the behaviour as
//! a [`Handler`]; everything else is here, once.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod faults;
mod journal;
pub mod pages;
mod pki;
mod server;
mod spec_check;
mod webhooks;

pub use config::{Clock, Config, Ids, PaymentRecord, State};
pub use faults::{Fault, Faults, Step};
pub use journal::StateFile;
pub use pki::SandboxPki;
/// What [`conforming`] needs of a request type (every generated type has it).
pub use schemars::JsonSchema;
pub use server::{Handler, Request, Response, SandboxServer};
pub use spec_check::{RequestSchemas, spec_conforming};
pub use webhooks::{Delivery, WebhookSender};

/// The scope the spec names for the operation `request` calls (the generated
/// `OPERATIONS`: its route, then its security requirement), if any: what a sandbox holds
/// a token's scopes to, so that scopes are enforced as the spec says and not as a list of
/// the sandbox's own.
pub fn needed_scope(
    operations: &payspec_core::OperationTable,
    request: &Request,
) -> Option<&'static str> {
    let operation = operations.operation_at(request.method.as_str(), &request.path)?;
    operations.security_of(operation)?.scope
}

/// A fresh random id (hex) that a seed does not repeat: for values that are not state,
/// such as call ids in answers and an address shown by a read. State (payments, tokens,
/// secrets) takes its ids from [`Ids`], so a seed and a replayed state file repeat them.
pub fn random_id(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect()
}

/// `status`'s reason phrase as an upper-case code (`405` -> `METHOD_NOT_ALLOWED`), for
/// providers whose error envelope names the status (GoPay; MobilePay in lower case).
pub fn status_code_name(status: u16) -> String {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("ERROR")
        .to_ascii_uppercase()
        .replace([' ', '-'], "_")
        .replace('\'', "")
}

/// The JSON schema of `T`, made once per type (every request and answer is checked
/// against one).
fn schema_of<T: schemars::JsonSchema + 'static>()
-> Result<std::sync::Arc<serde_json::Value>, String> {
    type Schemas = std::collections::HashMap<std::any::TypeId, std::sync::Arc<serde_json::Value>>;
    static SCHEMAS: std::sync::OnceLock<std::sync::Mutex<Schemas>> = std::sync::OnceLock::new();
    let schemas = SCHEMAS.get_or_init(Default::default);
    let id = std::any::TypeId::of::<T>();
    if let Some(schema) = schemas
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&id)
    {
        return Ok(schema.clone());
    }
    let schema = std::sync::Arc::new(
        serde_json::to_value(schemars::schema_for!(T)).map_err(|e| e.to_string())?,
    );
    schemas
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(id, schema.clone());
    Ok(schema)
}

impl Response {
    /// A JSON answer held to the spec's type `T` (a generated type) as it is sent: the
    /// checks of a request's ([`conforming`]: JSON types, no `null` where the spec has
    /// none, nothing serde would drop) except that enums stay open, as for any answer. An answer that
    /// does not fit is a sandbox bug; it goes out as a 500 naming the type and the
    /// field, so a test or schemathesis sees it at once instead of a client parsing
    /// something the provider never sends.
    pub fn typed<T>(status: u16, body: &serde_json::Value) -> Self
    where
        T: serde::de::DeserializeOwned + serde::Serialize + schemars::JsonSchema + 'static,
    {
        Self::typed_with::<T>(&[], status, body)
    }

    /// [`Response::typed`] for a spec whose fields named in `nullable` take `null`.
    pub fn typed_with<T>(nullable: &[&str], status: u16, body: &serde_json::Value) -> Self
    where
        T: serde::de::DeserializeOwned + serde::Serialize + schemars::JsonSchema + 'static,
    {
        match fits::<T>(body, nullable, false) {
            Ok(_) => Self::json(status, body),
            Err(e) => Self::json(
                500,
                &serde_json::json!({"error": format!(
                    "payspec sandbox: its answer does not fit the spec's {}: {e}",
                    std::any::type_name::<T>()
                )}),
            ),
        }
    }
}

/// `body` as the spec's type `T`, refused where it does not fit: serde's checks (required
/// fields, types, the generated constraints); beyond serde, every value of the typed
/// result must have the JSON type the body gave it (serde reads a struct from an array
/// too, which no spec allows), and a `null` is refused where the field is known and not
/// nullable (serde reads `null` as an absent optional field). Fields the type does not
/// know are let through, whatever they hold.
pub fn conforming<T>(body: &serde_json::Value) -> Result<T, String>
where
    T: serde::de::DeserializeOwned + serde::Serialize + schemars::JsonSchema + 'static,
{
    conforming_with(body, &[])
}

/// [`conforming`] for a spec whose fields named in `nullable` take `null` (the spec's
/// `nullable: true`, which serde cannot tell from an absent optional field).
pub fn conforming_with<T>(body: &serde_json::Value, nullable: &[&str]) -> Result<T, String>
where
    T: serde::de::DeserializeOwned + serde::Serialize + schemars::JsonSchema + 'static,
{
    fits(body, nullable, true)
}

/// The checks of [`conforming_with`]; `listed_values_only` for a request: enums are open
/// for answers (a value the provider adds later parses as `Unknown`, and a sandbox may
/// answer one the spec leaves unpublished), not for requests, whose values must be ones
/// the spec lists.
fn fits<T>(
    body: &serde_json::Value,
    nullable: &[&str],
    listed_values_only: bool,
) -> Result<T, String>
where
    T: serde::de::DeserializeOwned + serde::Serialize + schemars::JsonSchema + 'static,
{
    let typed: T = serde_json::from_value(body.clone()).map_err(|e| e.to_string())?;
    if listed_values_only {
        let schema = schema_of::<T>()?;
        spec_check::check(body, &schema, &schema, "", 0)?;
    }
    let again = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    same_shape(body, &again, "")?;
    let mut nulls = Vec::new();
    nulls_in(body, String::new(), &mut nulls);
    for pointer in nulls {
        // The type keeps the null, or the spec says the field takes one.
        let name = pointer.rsplit('/').next().unwrap_or_default();
        if again
            .pointer(&pointer)
            .is_some_and(serde_json::Value::is_null)
            || nullable.contains(&name)
        {
            continue;
        }
        // A field the type reads refuses a value of the wrong type: it is known, and
        // its null was read as "absent".
        let known = [
            serde_json::Value::Bool(true),
            serde_json::Value::from("\u{0}"),
        ]
        .into_iter()
        .any(|probe| {
            let mut probed = body.clone();
            if let Some(slot) = probed.pointer_mut(&pointer) {
                *slot = probe;
            }
            serde_json::from_value::<T>(probed).is_err()
        });
        if known {
            return Err(format!(
                "{pointer}: null, which the API does not allow here"
            ));
        }
    }
    Ok(typed)
}

/// The JSON pointers of every `null` in `value`.
fn nulls_in(value: &serde_json::Value, at: String, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Null => found.push(at),
        serde_json::Value::Object(fields) => {
            for (name, inner) in fields {
                let name = name.replace('~', "~0").replace('/', "~1");
                nulls_in(inner, format!("{at}/{name}"), found);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                nulls_in(inner, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// Whether `given` has, everywhere `typed` has a value, a value of the same JSON type.
fn same_shape(
    given: &serde_json::Value,
    typed: &serde_json::Value,
    at: &str,
) -> Result<(), String> {
    use serde_json::Value;
    match (given, typed) {
        (Value::Object(given), Value::Object(typed)) => {
            for (name, value) in typed {
                // A name the body lacks is a default the type filled in.
                if let Some(inner) = given.get(name) {
                    same_shape(inner, value, &format!("{at}/{name}"))?;
                }
            }
            Ok(())
        }
        (Value::Array(given), Value::Array(typed)) if given.len() == typed.len() => given
            .iter()
            .zip(typed)
            .enumerate()
            .try_for_each(|(i, (g, t))| same_shape(g, t, &format!("{at}/{i}"))),
        (Value::Null, _) | (_, Value::Null) => Ok(()),
        (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_)) => Ok(()),
        _ => Err(format!(
            "{}: not of the type the API defines",
            if at.is_empty() { "/" } else { at }
        )),
    }
}

/// The part of the one sandbox API that is the same for every provider, written once:
/// `shared_api!(Sandbox, server, handler)` gives `Sandbox` (a struct with a
/// [`SandboxServer`] field `server` and an `Arc` of the provider's [`Handler`] with a
/// `webhooks: WebhookSender` field `handler`) its `Debug`, `shutdown`, `base_url`,
/// `pages_url`, `faults`, `webhooks` and `state`.
#[macro_export]
macro_rules! shared_api {
    ($sandbox:ident, $server:ident, $handler:ident) => {
        impl ::std::fmt::Debug for $sandbox {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($sandbox))
                    .field("base_url", &self.base_url())
                    .finish()
            }
        }

        impl $sandbox {
            /// Stops the sandbox; when it returns, its port is free.
            pub async fn shutdown(self) {
                self.$server.shutdown().await;
            }

            /// What a client's base URL is: `http(s)://127.0.0.1:<port>` followed by the
            /// base path of the spec's server URL.
            pub fn base_url(&self) -> String {
                self.$server.base_url()
            }

            /// Where the pages the provider sends the payer to are served.
            pub fn pages_url(&self) -> String {
                self.$server.pages_url()
            }

            /// Fault injection: latency, failures, answers lost after the state changed.
            pub fn faults(&self) -> &$crate::Faults {
                self.$server.faults()
            }

            /// Where webhooks go and what was sent.
            pub fn webhooks(&self) -> &$crate::WebhookSender {
                &self.$handler.webhooks
            }

            /// Every payment the sandbox holds: id, merchant reference, state, amount,
            /// currency.
            pub fn state(&self) -> $crate::State {
                $crate::Handler::state(&*self.$handler)
            }
        }
    };
}
