//! An in-process VaiiPay simulator: a client token with scopes and an
//! OAuth token, checkouts with signed URLs, payments that the payer completes
//! ([`Sandbox::complete_payment`]) with a signed webhook, instructions, applications,
//! public payment methods, and fault injection.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use payspec_vaiipay_sandbox::{Config, Sandbox};
//! let sandbox = Sandbox::start(Config::default().webhook_secret("my-app-secret")).await?;
//! let _client = sandbox.client_builder().build()?;
//! assert_eq!(sandbox.webhook_secret(), "my-app-secret");
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The kit this sandbox is built on: faults, webhooks, steps.
pub use payspec_sandbox::{
    Clock, Config, Delivery, Fault, Faults, PaymentRecord, State, Step, WebhookSender,
};

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use payspec_core::Secret;
use payspec_core::webhook::{SignatureEncoding, encode, hmac_sha256};
use payspec_sandbox::{Handler, Ids, Request, Response, SandboxServer, pages};
use payspec_vaiipay_api::types;
use serde_json::{Value, json};

use payspec_vaiipay::signature::{CheckoutUrlVerifier, DEFAULT_SIGNATURE_HEADER};
use payspec_vaiipay::{ClientBuilder, Result, Scope};

/// The client id of the sandbox's payment application.
pub const CLIENT_ID: &str = "5a1dbb0c7e2f4a9b8c3d6e0f1a2b3c4d";
/// The application secret (webhooks and checkout URLs).
pub const APP_SECRET: &str = "sandbox-app-secret";
/// The user the sandbox's payments and applications belong to.
pub const USER_ID: &str = "sandbox-user";

/// The OAuth2 token the sandbox accepts.
pub const OAUTH_TOKEN: &str = "sandbox-oauth-token";

struct VaiiPay {
    tokens: BTreeMap<String, Vec<String>>,
    secret: String,
    clock: Clock,
    ids: Ids,
    payments: Mutex<BTreeMap<String, Value>>,
    applications: Mutex<Vec<Value>>,
    webhooks: WebhookSender,
}

fn error(status: u16, message: &str) -> Response {
    Response::json(status, &json!({"message": message}))
}

impl VaiiPay {
    /// The payer pays `received` (minor units; `None`: exactly the amount): the status
    /// becomes RECEIVED, or UNDERPAID / OVERPAID (payspec's names: VaiiPay publishes only
    /// RECEIVED, and clients read the others as unknown values), and a signed
    /// `payment.received` webhook carries `receivedAmount`. `None` when the payment does
    /// not exist.
    fn complete(&self, payment_id: &str, received: Option<i64>) -> Option<Value> {
        let payment = {
            let mut payments = self.payments.lock().unwrap_or_else(|p| p.into_inner());
            let payment = payments.get_mut(payment_id)?;
            let amount = payment["amount"].as_i64().unwrap_or_default();
            let received = received.unwrap_or(amount);
            payment["status"] = json!(match received.cmp(&amount) {
                std::cmp::Ordering::Less => "UNDERPAID",
                std::cmp::Ordering::Equal => "RECEIVED",
                std::cmp::Ordering::Greater => "OVERPAID",
            });
            payment["receivedAmount"] = json!(received);
            payment.clone()
        };
        let body = json!({"event": "payment.received", "data": payment})
            .to_string()
            .into_bytes();
        let signature = encode(
            &hmac_sha256(&Secret::new(self.secret.clone()), &body),
            SignatureEncoding::Hex,
        );
        self.webhooks.send(
            reqwest::Method::POST,
            None,
            vec![
                ("content-type".into(), "application/json".into()),
                (DEFAULT_SIGNATURE_HEADER.into(), signature),
            ],
            body,
        );
        Some(payment)
    }

    fn scope_ok(&self, request: &Request, scope: &str) -> std::result::Result<(), Response> {
        let Some(token) = request.bearer() else {
            return Err(error(401, "Unauthenticated."));
        };
        match self.tokens.get(token) {
            None => Err(error(401, "Unauthenticated.")),
            Some(scopes) if scopes.iter().any(|s| s == "*" || s == scope) => Ok(()),
            Some(_) => Err(error(403, "Insufficient permissions")),
        }
    }

    fn oauth_ok(&self, request: &Request) -> std::result::Result<(), Response> {
        match request.bearer() {
            Some(token) if token == OAUTH_TOKEN => Ok(()),
            _ => Err(error(401, "Unauthenticated.")),
        }
    }

    fn checkout(&self, request: &Request) -> Response {
        if let Err(refused) = self.scope_ok(request, "payments.create") {
            return refused;
        }
        let body = request.json().unwrap_or_default();
        if let Err(e) = REQUEST_SCHEMAS.conforming::<payspec_vaiipay_api::types::CheckoutRequest>(
            &payspec_vaiipay_api::OPERATIONS,
            request,
            &body,
            &[],
        ) {
            return error(422, &e);
        }
        if body["clientId"] != CLIENT_ID && body.get("siteId").is_none() {
            return error(422, "Unknown clientId");
        }
        let id = self.ids.uuid().to_string();
        let mut payment = json!({"id": id, "userId": USER_ID, "status": "PENDING", "reference": body["reference"],
            "currencyCode": body["currencyCode"],
            "settlementCurrencyCode": body.get("settlementCurrencyCode").cloned().unwrap_or(json!("USDT")),
            "amount": body["amount"]});
        // Optional fields are absent when not given: the spec's are not nullable.
        for optional in ["redirectUrl", "referenceLabel"] {
            if let Some(value) = body.get(optional).filter(|v| !v.is_null()) {
                payment[optional] = value.clone();
            }
        }
        self.payments
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.clone(), payment);
        let expires = self.clock.unix_seconds().saturating_add(3600);
        let unsigned = format!(
            "{}{}vaiipay/checkout/{id}?expires={expires}",
            request.pages,
            pages::PREFIX
        );
        let url = CheckoutUrlVerifier::new(self.secret.as_str())
            .ok()
            .and_then(|verifier| verifier.sign(&unsigned).ok())
            .unwrap_or(unsigned);
        Response::typed::<types::CheckoutEnvelope>(201, &json!({"data": {"checkoutUrl": url}}))
            .state_changed()
    }
}

/// The spec's request schemas: what the generated types do not hold a body to
/// (`maxItems`, ranges, patterns) is checked against them.
static REQUEST_SCHEMAS: payspec_sandbox::RequestSchemas =
    payspec_sandbox::RequestSchemas::new(payspec_vaiipay_api::REQUEST_SCHEMAS);

/// What the payer can do on VaiiPay's checkout page.
const CHECKOUT_CHOICES: &[pages::Choice] = &[
    ("full", "Pay the amount"),
    ("under", "Underpay (half)"),
    ("over", "Overpay (double)"),
];

impl VaiiPay {
    /// `/payer/vaiipay/checkout/{id}?expires=..&signature=..`, the signed checkout URL:
    /// refused (403) when the signature or the expiry does not hold, as VaiiPay does; the
    /// payer pays in full, half or double ([`VaiiPay::complete`]) and goes back to the
    /// checkout's `redirectUrl` with `paymentId` and `status` (payspec's choice: VaiiPay
    /// does not publish the parameters).
    fn payer(&self, request: &Request) -> Option<Response> {
        let id = pages::payer_path(request, "vaiipay")?.strip_prefix("checkout/")?;
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&request.query)
            .finish();
        let url = format!("{}{}?{query}", request.pages, request.path);
        let verified = CheckoutUrlVerifier::new(self.secret.as_str())
            .ok()?
            .verify(&url, self.clock.now());
        if let Err(e) = verified {
            return Some(Response::html(
                403,
                format!(
                    "<!doctype html><html><body><h1>Checkout refused</h1><p>{}</p></body></html>\n",
                    pages::escape(&e.to_string())
                ),
            ));
        }
        let payment = self
            .payments
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()?;
        let title = "VaiiPay checkout";
        let status = payment["status"].as_str().unwrap_or_default().to_string();
        let amount = payment["amount"].as_i64().unwrap_or_default();
        let text = |name: &str| payment[name].as_str().unwrap_or_default().to_string();
        let page = pages::PayerPage {
            title,
            settled: (status != "PENDING").then_some(status.as_str()),
            facts: vec![
                ("Reference", text("reference")),
                pages::amount_fact(amount, &text("currencyCode")),
                ("Payment", id.to_string()),
            ],
            choices: CHECKOUT_CHOICES,
        };
        page.serve(request, |choice| {
            let received = match choice {
                "under" => amount / 2,
                "over" => amount.saturating_mul(2),
                _ => amount,
            };
            let settled = self.complete(id, Some(received))?;
            let status = settled["status"].as_str().unwrap_or_default();
            Some(pages::back_or_done(
                settled["redirectUrl"].as_str(),
                &[("paymentId", id), ("status", status)],
                title,
                status,
            ))
        })
    }
}

impl Handler for VaiiPay {
    fn payer_page(&self, request: &Request) -> Option<Response> {
        self.payer(request)
    }

    fn state(&self) -> State {
        State::new(
            self.payments
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|(id, p)| {
                    let text = |name: &str| p[name].as_str().unwrap_or_default().to_string();
                    PaymentRecord::new(
                        id,
                        text("reference"),
                        text("status"),
                        p["amount"].as_i64().unwrap_or_default(),
                        text("currencyCode"),
                    )
                })
                .collect(),
        )
    }

    fn webhooks(&self) -> Option<&WebhookSender> {
        Some(&self.webhooks)
    }

    fn routes(&self) -> &'static [payspec_core::Route] {
        payspec_vaiipay_api::OPERATIONS.routes
    }

    fn error(&self, status: u16, message: &str, request: &Request) -> Response {
        let _ = request;
        error(status, message)
    }

    fn handle(&self, request: Request) -> Response {
        let segments = request.segments();
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["api", "payment", "checkout"]) => self.checkout(&request),
            ("GET", ["api", "payment", id]) => {
                if let Err(refused) = self.scope_ok(&request, "payments.get") {
                    return refused;
                }
                match self
                    .payments
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(*id)
                {
                    Some(payment) => {
                        Response::typed::<types::PaymentEnvelope>(200, &json!({"data": payment}))
                    }
                    None => error(404, "Payment not found"),
                }
            }
            ("GET", ["api", "payment", id, "provider", provider, "method", method]) => {
                if let Err(refused) = self.scope_ok(&request, "payments.user-instructions.get") {
                    return refused;
                }
                let payments = self.payments.lock().unwrap_or_else(|p| p.into_inner());
                let Some(payment) = payments.get(*id) else {
                    return error(404, "Payment not found");
                };
                let minor = payment["amount"].as_u64().unwrap_or_default();
                Response::json(
                    200,
                    &json!({"data": {
                        "address": format!("T{}", payspec_sandbox::random_id(16)), "amount": format!("{}.{:06}", minor / 100, (minor % 100) * 10_000),
                        "currencyCode": method.to_uppercase(), "blockchainSlug": provider,
                        "qrCode": format!("{provider}:address?amount={}", minor / 100), "confirmations": 19,
                        "expiresAt": self.clock.utc().checked_add_signed(chrono::TimeDelta::minutes(30)).map(|t| t.to_rfc3339()),
                    }}),
                )
            }
            ("GET", ["api", "payment-applications"]) => match self.oauth_ok(&request) {
                Ok(()) => Response::json(
                    200,
                    &json!({"data": *self.applications.lock().unwrap_or_else(|p| p.into_inner())}),
                ),
                Err(refused) => refused,
            },
            ("POST", ["api", "payment-applications"]) => {
                if let Err(refused) = self.oauth_ok(&request) {
                    return refused;
                }
                let body = request.json().unwrap_or_default();
                if let Err(e) = REQUEST_SCHEMAS.conforming::<types::CreateApplicationRequest>(
                    &payspec_vaiipay_api::OPERATIONS,
                    &request,
                    &body,
                    &[],
                ) {
                    return error(422, &e);
                }
                let mut apps = self.applications.lock().unwrap_or_else(|p| p.into_inner());
                // Ids are strings, as dev.vaiipay.com shows them.
                let mut site = json!({"id": self.ids.uuid().to_string()});
                if let Some(url) = body.get("url").filter(|u| u.is_string()) {
                    site["url"] = url.clone();
                }
                let app = json!({"id": self.ids.uuid().to_string(), "name": body["name"],
                    "clientId": self.ids.hex(16), "userId": USER_ID, "site": site,
                    "currencyWhitelist": body.get("currencyWhitelist").cloned().unwrap_or(json!([])),
                    "createdAt": self.clock.rfc3339()});
                apps.push(app.clone());
                Response::typed::<types::ApplicationEnvelope>(201, &json!({"data": app}))
                    .state_changed()
            }
            ("GET", ["api", "payment-applications", id]) => {
                if let Err(refused) = self.oauth_ok(&request) {
                    return refused;
                }
                let apps = self.applications.lock().unwrap_or_else(|p| p.into_inner());
                match apps.iter().find(|app| app["id"] == *id) {
                    Some(app) => {
                        Response::typed::<types::ApplicationEnvelope>(200, &json!({"data": app}))
                    }
                    None => error(404, "Not found"),
                }
            }
            ("GET", ["api", "checkout", id, "payment-methods"]) => {
                if !self
                    .payments
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .contains_key(*id)
                {
                    return error(404, "Payment not found");
                }
                Response::json(
                    200,
                    &json!({"data": [
                        {"provider": "tron", "method": "usdt", "name": "USDT (TRC-20)", "currencyCode": "USDT", "blockchainSlug": "tron"},
                        {"provider": "bitcoin", "method": "btc", "name": "Bitcoin", "currencyCode": "BTC", "blockchainSlug": "bitcoin"},
                    ]}),
                )
            }
            _ => error(404, "Not found"),
        }
    }
}

payspec_sandbox::shared_api!(Sandbox, server, vaiipay);

/// A running VaiiPay sandbox; stops when dropped.
pub struct Sandbox {
    server: SandboxServer,
    vaiipay: Arc<VaiiPay>,
}

impl Sandbox {
    /// A client token with every scope (`*`).
    pub const FULL_TOKEN: &'static str = "sandbox-token-all";
    /// A client token with `payments.create` only.
    pub const CREATE_ONLY_TOKEN: &'static str = "sandbox-token-create";

    /// Starts a sandbox: `Sandbox::start(Config::default())` for a free port, random
    /// ids and the system clock. [`Config::webhook_secret`] is the application secret
    /// (default [`APP_SECRET`]) that signs checkout URLs and webhooks.
    pub async fn start(config: Config) -> Result<Self> {
        let tokens = BTreeMap::from([
            (Self::FULL_TOKEN.to_string(), vec!["*".to_string()]),
            (
                Self::CREATE_ONLY_TOKEN.to_string(),
                vec!["payments.create".to_string()],
            ),
        ]);
        let vaiipay = Arc::new(VaiiPay {
            tokens,
            secret: config
                .webhook_secret
                .clone()
                .unwrap_or_else(|| APP_SECRET.into()),
            clock: config.clock.clone(),
            ids: config.ids(),
            payments: Mutex::default(),
            applications: Mutex::default(),
            webhooks: WebhookSender::default(),
        });
        let server = SandboxServer::start_config(vaiipay.clone(), None, &config).await?;
        Ok(Self { server, vaiipay })
    }

    /// A client builder with the full client token, the OAuth token and the secret.
    pub fn client_builder(&self) -> ClientBuilder {
        payspec_vaiipay::Client::builder()
            .base_url(self.base_url())
            .client_id(CLIENT_ID)
            .client_token(Self::FULL_TOKEN, Some(vec![Scope::All]))
            .oauth_token(OAUTH_TOKEN)
            .application_secret(self.vaiipay.secret.clone())
    }

    /// The application secret: it signs checkout URLs and webhooks (HMAC-SHA256, hex,
    /// `x-signature`).
    pub fn webhook_secret(&self) -> &str {
        &self.vaiipay.secret
    }

    /// The clock the sandbox reads (checkout URL expiry, timestamps).
    pub fn clock(&self) -> &Clock {
        &self.vaiipay.clock
    }

    /// The payer pays: the payment becomes `RECEIVED` and a webhook signed with the
    /// application secret (HMAC-SHA256, hex, `x-signature`) goes out. False when the
    /// payment does not exist.
    pub fn complete_payment(&self, payment_id: &str) -> bool {
        self.vaiipay.complete(payment_id, None).is_some()
    }
}
