//! An in-process Nopan simulator: mutual TLS with a CA it makes,
//! OAuth tokens with expiry, the payment state machine with Nopan's reason codes,
//! `Idempotency-Key` semantics, `/mock/set`, signed webhooks and fault injection.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use payspec_nopan::{Amount, NewPayment};
//! use payspec_nopan_sandbox::{Config, Sandbox};
//! let sandbox = Sandbox::start(Config::default().seed(7)).await?;
//! let client = sandbox.client_builder().build()?;
//! let error = client.payment_status("unknown").await.unwrap_err();
//! assert_eq!(error.code(), Some(&payspec_nopan::ReasonCode::NotFound));
//! client.initiate(NewPayment::blik("order-1", Amount::new(100)?, "123456")?).await?;
//! assert_eq!(sandbox.state().references(), ["order-1"]);
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

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use payspec_core::Secret;
use payspec_core::httpsig::{self, DigestAlgorithm, Message, Policy, SigningKey, VerifyingKey};
use payspec_core::webhook::{SignatureEncoding, encode, hmac_sha256};
use payspec_nopan_api::types;
use payspec_sandbox::{
    Handler, Ids, Request, Response, SandboxPki, SandboxServer, pages, random_id,
};
use serde_json::{Value, json};

use payspec_nopan::{ClientBuilder, Error, Result, Scope};

/// The processing account id the sandbox accepts.
pub const PROCESSING_ACCOUNT_ID: &str = "sandbox-merchant";
/// The header the sandbox signs webhooks in ([`payspec_nopan::webhook::SIGNATURE_HEADER`]).
pub const WEBHOOK_HEADER: &str = payspec_nopan::webhook::SIGNATURE_HEADER;

/// Token lifetime when [`Config::token_lifetime`] is not set (7200 s, as Nopan's sample).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(7200);
/// The webhook secret when [`Config::webhook_secret`] is not set (HMAC-SHA256, hex, in
/// [`WEBHOOK_HEADER`]).
pub const WEBHOOK_SECRET: &str = "sandbox-webhook-secret";

/// The key id of the signing key the sandbox issues to its client
/// ([`Sandbox::client_signing_key_pem`]).
pub const CLIENT_KEY_ID: &str = "payspec-sandbox-client";

/// The key id under which the sandbox knows the key of the client certificate it issued
/// ([`Sandbox::pki`]): a client that signs with its mutual-TLS key
/// (`ClientBuilder::sign_with_identity_key`) names it.
pub const MTLS_KEY_ID: &str = "payspec-sandbox-mtls";

/// How far a request signature's `created` may be from the machine's time, either way,
/// before the sandbox refuses it as a replay (401 `4992`): 5 minutes, the skew payspec's
/// client allows Nopan's answers.
pub const SIGNATURE_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(300);

/// An Ed25519 PKCS#8 (v1) private key for a 32-byte seed, in PEM.
fn ed25519_pkcs8_pem(seed: &[u8]) -> String {
    use base64::Engine as _;
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(seed);
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    format!("-----BEGIN PRIVATE KEY-----\n{text}\n-----END PRIVATE KEY-----\n")
}

#[derive(Clone, Debug)]
struct Payment {
    transaction_id: String,
    client_transaction_id: String,
    provider_id: String,
    amount: i64,
    captured: i64,
    refunded: i64,
    currency: String,
    auto_capture: bool,
    status: &'static str,
    step: &'static str,
    metadata: Value,
    registered_at: i64,
    /// The payer's page (`redirectUrl`), on the sandbox.
    redirect_url: String,
    /// The merchant's `returnUrl`, where the payer's page sends the browser back.
    return_url: Option<String>,
    /// Every capture and refund, as the spec's `PaymentOperation` (built from the
    /// generated type, so the answer cannot drift from the spec).
    captures: Vec<types::PaymentOperation>,
    refunds: Vec<types::PaymentOperation>,
}

impl Payment {
    fn to_json(&self) -> Value {
        json!({
            "transactionId": self.transaction_id,
            "processingAccountId": PROCESSING_ACCOUNT_ID,
            "clientTransactionId": self.client_transaction_id,
            "providerDetails": {
                "providerId": self.provider_id,
                "providerTransactionId": format!("prov-{}", self.transaction_id),
                "redirectUrl": self.redirect_url,
                "registeredAt": self.registered_at,
            },
            "paymentDetails": {
                "amount": self.amount, "capturedAmount": self.captured, "refundedAmount": self.refunded,
                "currency": self.currency, "autoCapture": self.auto_capture,
                "captures": self.captures, "refunds": self.refunds,
            },
            "metadata": self.metadata,
            "status": self.status,
            "step": self.step,
            "statusInfo": {"reasonCode": "-1", "message": "Request processed successfully"},
        })
    }
}

/// A report the sandbox made for a search: one per type and period.
#[derive(Clone, Debug)]
struct Report {
    id: String,
    kind: &'static str,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    created: String,
}

/// The report types the sandbox makes for a period.
const REPORT_KINDS: [&str; 2] = ["SETTLEMENT", "TRANSACTION_DETAILS"];

#[derive(Default)]
struct Store {
    tokens: HashMap<String, SystemTime>,
    /// Token -> the scopes it was issued with.
    scopes: HashMap<String, String>,
    reports: Vec<Report>,
    payments: HashMap<String, Payment>,
    /// Idempotency key -> (what was asked, what was answered).
    replies: HashMap<String, (Vec<u8>, Response)>,
    /// Mock key value -> the stored mock request.
    mocks: HashMap<String, Value>,
}

struct Nopan {
    token_lifetime: Duration,
    webhook_secret: String,
    clock: Clock,
    ids: Ids,
    state: Mutex<Store>,
    /// Held from the look-up of an `Idempotency-Key` to the store of its answer, so that
    /// concurrent requests with one key make one payment (the operation takes `state`
    /// itself, so one lock cannot span both).
    keyed: Mutex<()>,
    webhooks: WebhookSender,
    /// The public half of the key the sandbox issued to its client.
    client_key: VerifyingKey,
    /// The public key of the client certificate it issued, for [`MTLS_KEY_ID`].
    mtls_key: VerifyingKey,
    /// The key the sandbox signs its answers with (`kid` nopan-sandbox).
    response_key: SigningKey,
    /// Whether requests must carry a valid RFC 9421 signature (default: yes).
    require_signatures: AtomicBool,
}

/// A capture or refund of `amount` as the spec's `PaymentOperation`.
fn operation(body: &Value, amount: i64, ids: &Ids, clock: &Clock) -> types::PaymentOperation {
    let now = payspec_core::types::Timestamp::from_epoch_millis(clock.unix_millis());
    types::PaymentOperation {
        client_transaction_id: body["clientTransactionId"].as_str().map(str::to_string),
        payment_details: Some(types::OperationAmount {
            amount: Some(amount),
        }),
        provider_details: Some(types::OperationProviderDetails {
            provider_operation_id: Some(format!("op-{}", ids.hex(6))),
            provider_transaction_id: body["transactionId"]
                .as_str()
                .map(|id| format!("prov-{id}")),
            registered_at: now,
        }),
        status: Some(payspec_nopan_api::open_enums::PaymentStatus::Approved),
        status_info: Some(types::StatusInfo {
            reason_code: Some("-1".into()),
            message: Some("Request processed successfully".into()),
        }),
        timestamp: now,
    }
}

fn declined(status: u16, code: &str, message: &str) -> Response {
    Response::json(
        status,
        &json!({
            "status": "DECLINED",
            "statusInfo": {"reasonCode": code, "message": message},
            "callId": random_id(8),
        }),
    )
}

fn known(unknown: &[bool]) -> std::result::Result<(), String> {
    if unknown.iter().any(|u| *u) {
        Err("an enum field has a value Nopan does not accept".into())
    } else {
        Ok(())
    }
}

/// The spec's request schemas: headers, and what the generated types do not hold a
/// body to (`maxItems`, ranges, patterns).
static REQUEST_SCHEMAS: payspec_sandbox::RequestSchemas =
    payspec_sandbox::RequestSchemas::new(payspec_nopan_api::REQUEST_SCHEMAS);

fn invalid(error: impl std::fmt::Display) -> Response {
    declined(
        400,
        "4000",
        &format!("The payload was incomplete or didn't pass schema validation: {error}"),
    )
}

impl Nopan {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn token(&self, request: &Request) -> Response {
        let form = request.form();
        let get = |name: &str| {
            form.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        if get("grant_type") != Some("client_credentials") {
            return invalid("grant_type must be client_credentials");
        }
        // The seed's field, or the one Nopan's published spec snapshot names.
        let account = get("processing_account_id").or_else(|| get("client_id"));
        if account != Some(PROCESSING_ACCOUNT_ID) {
            return declined(401, "4970", "Authentication failed");
        }
        let token = self.ids.hex(24);
        let expiry = self.clock.after(self.token_lifetime);
        let scope = get("scope").unwrap_or("payments:read").to_string();
        let mut store = self.lock();
        store.tokens.insert(token.clone(), expiry);
        store.scopes.insert(token.clone(), scope);
        drop(store);
        Response::json(
            200,
            &json!({
                "access_token": token,
                "expires_in": self.token_lifetime.as_secs(),
                "refresh_expires_in": 0,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": get("scope").unwrap_or("payments:read"),
            }),
        )
    }

    /// The payments of a report's period, as CSV.
    fn report_file(&self, report: &Report) -> String {
        let (from, to) = (report.from.timestamp_millis(), report.to.timestamp_millis());
        let store = self.lock();
        let mut payments: Vec<&Payment> = store
            .payments
            .values()
            .filter(|p| (from..=to).contains(&p.registered_at))
            .collect();
        payments.sort_by(|a, b| a.transaction_id.cmp(&b.transaction_id));
        let mut csv = String::from(
            "transactionId,clientTransactionId,status,amount,capturedAmount,refundedAmount,currency\n",
        );
        for p in payments {
            csv.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                p.transaction_id,
                p.client_transaction_id,
                p.status,
                p.amount,
                p.captured,
                p.refunded,
                p.currency
            ));
        }
        csv
    }

    /// `GET /reports` and `GET /reports/download`, for tokens with `data:reports`.
    fn reports(&self, request: &Request, download: bool) -> Response {
        let account_matches = request
            .query_param("processingAccountId")
            .is_none_or(|id| id == PROCESSING_ACCOUNT_ID);
        if download {
            let Some(id) = request.query_param("reportId").filter(|id| !id.is_empty()) else {
                return invalid("reportId is required");
            };
            let report = self.lock().reports.iter().find(|r| r.id == id).cloned();
            return match report {
                Some(report) if account_matches => Response::bytes(
                    200,
                    "application/octet-stream",
                    self.report_file(&report).into_bytes(),
                ),
                _ => declined(404, "5000", "Report not found"),
            };
        }
        let time = |name: &str| {
            request
                .query_param(name)
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&chrono::Utc))
        };
        let (Some(from), Some(to)) = (time("from"), time("to")) else {
            return invalid("from and to are required date-times");
        };
        if to < from {
            // The spec cannot say `to` >= `from`, so a backwards range is not refused:
            // it holds no reports (the client refuses it before sending).
            return Response::typed::<types::ReportList>(
                200,
                &json!({"totalCount": 0, "files": []}),
            );
        }
        let mut created = false;
        let mut found = Vec::new();
        for kind in REPORT_KINDS {
            let existing = self
                .lock()
                .reports
                .iter()
                .find(|r| r.kind == kind && r.from == from && r.to == to)
                .cloned();
            let report = match existing {
                Some(report) => report,
                None => {
                    created = true;
                    let report = Report {
                        id: self.ids.uuid().to_string(),
                        kind,
                        from,
                        to,
                        created: self.clock.rfc3339(),
                    };
                    self.lock().reports.push(report.clone());
                    report
                }
            };
            found.push(report);
        }
        let files: Vec<Value> = found
            .iter()
            .filter(|_| account_matches)
            .filter(|r| request.query_param("type").is_none_or(|t| t == r.kind))
            .map(|r| {
                let file = self.report_file(r);
                let name = format!(
                    "{}_{PROCESSING_ACCOUNT_ID}_{}",
                    r.kind,
                    r.to.format("%Y%m%d")
                );
                json!({
                    "reportId": r.id,
                    "processingAccountId": PROCESSING_ACCOUNT_ID,
                    "reportType": r.kind,
                    "periodStart": r.from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    "periodEnd": r.to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    "name": name,
                    "fileSize": file.len(),
                    "numberOfRecords": file.lines().count().saturating_sub(1),
                    "createdAt": r.created,
                })
            })
            .filter(|f| request.query_param("name").is_none_or(|n| f["name"] == n))
            .collect();
        let answer = Response::typed::<types::ReportList>(
            200,
            &json!({"totalCount": files.len(), "files": files}),
        );
        if created {
            answer.state_changed()
        } else {
            answer
        }
    }

    /// Nopan's JWKS: the sandbox's response key.
    fn jwks(&self) -> Response {
        let keys: Vec<Value> = self.response_key.public_jwk().into_iter().collect();
        Response::json(200, &json!({ "keys": keys }))
    }

    /// The request's RFC 9421 signature, checked as Nopan documents it: label
    /// `nopan_sig`, covering `@authority`, `@method`, `@request-target` and, with a body,
    /// `content-digest` (which must match), `content-type` and `content-length`; keyid
    /// [`CLIENT_KEY_ID`]. None missing is 400 `4990`; one that does not verify is 401
    /// `4992`, and so is one whose `created` is more than [`SIGNATURE_MAX_AGE`] before
    /// or after now. "Now" is the machine's time, not the sandbox's clock: the client
    /// signs with the machine's time, while a manual clock may be hours ahead.
    fn check_signature(&self, request: &Request) -> Option<Response> {
        // Unsigned requests may be let in (`require_signatures(false)`); a signature
        // that is sent is checked all the same.
        if !self.require_signatures.load(Ordering::Relaxed)
            && !request.headers.contains_key("signature-input")
        {
            return None;
        }
        let host = request.header("host").unwrap_or("localhost");
        let Ok(uri) = url::Url::parse(&format!("https://{host}{}", request.target)) else {
            return Some(declined(
                400,
                "4990",
                "Signature error: unusable request target",
            ));
        };
        let mut required: Vec<String> = ["@authority", "@method", "@request-target"]
            .map(String::from)
            .to_vec();
        if !request.body.is_empty() {
            required.extend(["content-digest", "content-type", "content-length"].map(String::from));
        }
        let policy = Policy {
            label: Some(payspec_nopan::SIGNATURE_LABEL.into()),
            required,
            max_age: Some(SIGNATURE_MAX_AGE),
            skew: SIGNATURE_MAX_AGE,
            ..Policy::default()
        };
        let message = Message {
            method: Some(&request.method),
            uri: Some(&uri),
            status: None,
            headers: &request.headers,
        };
        let checked = httpsig::verify(
            &message,
            &request.body,
            &policy,
            httpsig::unix_now(),
            |kid| match kid {
                CLIENT_KEY_ID => Ok(self.client_key.clone()),
                MTLS_KEY_ID => Ok(self.mtls_key.clone()),
                other => Err(httpsig::VerifyError::UnknownKey(other.into())),
            },
        );
        match checked {
            Ok(_) => None,
            Err(httpsig::VerifyError::Missing | httpsig::VerifyError::Malformed(_)) => {
                Some(declined(
                    400,
                    "4990",
                    "Signature error: Signature and Signature-Input are required and must be well formed",
                ))
            }
            Err(error) => Some(declined(
                401,
                "4992",
                &format!("Invalid signature: {error}"),
            )),
        }
    }

    /// The bearer token: known, unexpired, and holding the scope the spec names for the
    /// operation (401 `4970`, 401 `4061`, 403 `4971`).
    fn authorize(&self, request: &Request) -> Option<Response> {
        let Some(token) = request.bearer() else {
            return Some(declined(401, "4970", "Authentication failed"));
        };
        // Read and let go of the lock before the scope check takes it again.
        let expiry = self.lock().tokens.get(token).copied();
        match expiry {
            None => Some(declined(401, "4970", "Authentication failed")),
            Some(expiry) if self.clock.now() >= expiry => {
                Some(declined(401, "4061", "Access token expired"))
            }
            Some(_) => {
                // The scope the spec names for the operation (`data:reports` for reports).
                let needed =
                    payspec_sandbox::needed_scope(&payspec_nopan_api::OPERATIONS, request)?;
                let scoped = self
                    .lock()
                    .scopes
                    .get(token)
                    .is_some_and(|scopes| scopes.split_whitespace().any(|s| s == needed));
                (!scoped).then(|| {
                    declined(
                        403,
                        "4971",
                        &format!("Forbidden: the token lacks the scope {needed}"),
                    )
                })
            }
        }
    }

    fn notify(&self, payment: &Payment, kind: &str) {
        let mut body = json!({
            "notificationId": self.ids.uuid().to_string(),
            "transactionId": payment.transaction_id,
            "clientTransactionId": payment.client_transaction_id,
            "notificationType": kind,
            "status": payment.status,
            "statusInfo": {"reasonCode": "-1", "message": "Request processed successfully"},
        });
        match kind {
            "PAYMENT_CAPTURED" => {
                body["amount"] = json!(payment.amount);
                body["capturedAmount"] = json!(payment.captured);
            }
            "PAYMENT_REFUNDED" => body["refundedAmount"] = json!(payment.refunded),
            _ => {}
        }
        let bytes = body.to_string().into_bytes();
        let signature = encode(
            &hmac_sha256(&Secret::new(self.webhook_secret.clone()), &bytes),
            SignatureEncoding::Hex,
        );
        self.webhooks.send(
            reqwest::Method::POST,
            None,
            vec![
                ("content-type".into(), "application/json".into()),
                (WEBHOOK_HEADER.into(), signature),
            ],
            bytes,
        );
    }

    fn mocked(&self, keys: &[Option<&str>], step: &str) -> Option<Value> {
        let mut state = self.lock();
        let (key, mock) = keys
            .iter()
            .flatten()
            .find_map(|k| state.mocks.get(*k).map(|m| (k.to_string(), m.clone())))?;
        if mock.get("type").and_then(Value::as_str) != Some("MOCK") {
            return None;
        }
        let answer = mock.pointer(&format!("/steps/{step}")).cloned()?;
        if mock.get("oneTime").and_then(Value::as_bool) == Some(true)
            && let Some(stored) = state
                .mocks
                .get_mut(&key)
                .and_then(|m| m.get_mut("steps"))
                .and_then(Value::as_object_mut)
        {
            stored.remove(step);
        }
        Some(answer)
    }

    fn with_payment(
        &self,
        id: &str,
        change: impl FnOnce(&mut Payment) -> std::result::Result<&'static str, Response>,
    ) -> Response {
        let mut state = self.lock();
        let Some(payment) = state.payments.get_mut(id) else {
            return declined(404, "5000", "Payment not found");
        };
        match change(payment) {
            Ok(kind) => {
                let snapshot = payment.clone();
                drop(state);
                self.notify(&snapshot, kind);
                Response::typed::<types::Payment>(200, &snapshot.to_json()).state_changed()
            }
            Err(response) => response,
        }
    }

    fn operation(&self, request: &Request) -> Response {
        let step = request.segments().get(1).copied().unwrap_or_default();
        let body = match request.json() {
            Ok(body) => body,
            Err(e) => return invalid(e),
        };
        if body.get("processingAccountId").and_then(Value::as_str) != Some(PROCESSING_ACCOUNT_ID) {
            if body.get("processingAccountId").is_none() {
                return invalid("processingAccountId is required");
            }
            return declined(403, "4971", "Forbidden for this processing account");
        }
        match step {
            "initiate" | "charge" => {
                // The generated types accept unknown enum values (forward compatibility for
                // answers); a server accepts only the values it knows.
                let parsed = if step == "initiate" {
                    payspec_sandbox::conforming::<types::InitiatePaymentRequest>(&body)
                        .map_err(|e| e.to_string())
                        .and_then(|r| {
                            known(&[
                                r.transaction_type.is_unknown(),
                                r.provider_details.provider_id.is_unknown(),
                                r.request_context
                                    .and_then(|c| c.channel)
                                    .is_some_and(|c| c.is_unknown()),
                            ])
                        })
                } else {
                    payspec_sandbox::conforming::<types::ChargePaymentRequest>(&body)
                        .map_err(|e| e.to_string())
                        .and_then(|r| known(&[r.provider_details.provider_id.is_unknown()]))
                };
                if let Err(e) = parsed {
                    return invalid(e);
                }
                let client_tx = body["clientTransactionId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let payer = body
                    .pointer("/payerDetails/payerId")
                    .and_then(Value::as_str);
                if let Some(mut answer) = self.mocked(&[Some(&client_tx), payer], step) {
                    if answer.get("transactionId").is_none() {
                        answer["transactionId"] = json!(self.ids.hex(5));
                    }
                    return Response::json(200, &answer).state_changed();
                }
                // A one-time BLIK payment is authorised by the payer's six-digit code (or
                // a registered alias, payerId); without either there is nothing to pay with.
                let blik = body.pointer("/providerDetails/providerId") == Some(&json!("BLIK"));
                let one_time = body["transactionType"] == "ONE_TIME";
                let payer = |field: &str| {
                    body.pointer(&format!("/payerDetails/{field}"))
                        .and_then(Value::as_str)
                        .is_some_and(|v| !v.is_empty())
                };
                if step == "initiate"
                    && blik
                    && one_time
                    && !payer("oneTimeCode")
                    && !payer("payerId")
                {
                    return invalid(
                        "payerDetails.oneTimeCode is required for a one-time BLIK payment",
                    );
                }
                let amount = body
                    .pointer("/paymentDetails/amount")
                    .and_then(Value::as_i64)
                    .unwrap_or_default();
                let auto_capture = body
                    .pointer("/paymentDetails/autoCapture")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let transaction_id = self.ids.hex(5);
                let mut payment = Payment {
                    transaction_id: transaction_id.clone(),
                    registered_at: self.clock.unix_millis(),
                    redirect_url: format!(
                        "{}{}nopan/{transaction_id}",
                        request.pages,
                        pages::PREFIX
                    ),
                    return_url: body["returnUrl"].as_str().map(str::to_string),
                    captures: Vec::new(),
                    refunds: Vec::new(),
                    client_transaction_id: client_tx,
                    provider_id: body
                        .pointer("/providerDetails/providerId")
                        .and_then(Value::as_str)
                        .unwrap_or("BLIK")
                        .into(),
                    amount,
                    captured: 0,
                    refunded: 0,
                    currency: body
                        .pointer("/paymentDetails/currency")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .into(),
                    auto_capture,
                    status: "PENDING",
                    step: "INITIATE",
                    metadata: body.get("metadata").cloned().unwrap_or(json!({})),
                };
                let kind = if step == "charge" {
                    payment.status = "APPROVED";
                    payment.step = "CHARGE";
                    if auto_capture {
                        payment.captured = amount;
                    }
                    "PAYMENT_FINALIZED"
                } else {
                    "PAYMENT_INITIATED"
                };
                self.lock()
                    .payments
                    .insert(payment.transaction_id.clone(), payment.clone());
                self.notify(&payment, kind);
                Response::typed::<types::Payment>(200, &payment.to_json()).state_changed()
            }
            "finalize" => {
                if let Err(e) = payspec_sandbox::conforming::<types::FinalizePaymentRequest>(&body)
                {
                    return invalid(e);
                }
                let id = body["transactionId"].as_str().unwrap_or_default();
                self.with_payment(id, |p| {
                    if p.status != "PENDING" || p.step != "INITIATE" {
                        return Err(declined(422, "5002", "State transition not allowed"));
                    }
                    p.status = "APPROVED";
                    p.step = "FINALIZE";
                    if p.auto_capture {
                        p.captured = p.amount;
                        p.step = "CAPTURE";
                    }
                    Ok("PAYMENT_FINALIZED")
                })
            }
            "capture" | "refund" => {
                let parsed = if step == "capture" {
                    payspec_sandbox::conforming::<types::CapturePaymentRequest>(&body).map(|_| ())
                } else {
                    payspec_sandbox::conforming::<types::RefundPaymentRequest>(&body).map(|_| ())
                };
                if let Err(e) = parsed {
                    return invalid(e);
                }
                let id = body["transactionId"].as_str().unwrap_or_default();
                let amount = body
                    .pointer("/paymentDetails/amount")
                    .and_then(Value::as_i64)
                    .unwrap_or_default();
                self.with_payment(id, |p| {
                    if step == "capture" {
                        if p.status != "APPROVED" {
                            return Err(declined(422, "5002", "State transition not allowed"));
                        }
                        // More than is left to capture is a wrong amount, not a wrong state.
                        if p.captured.saturating_add(amount) > p.amount {
                            return Err(invalid(format!(
                                "paymentDetails.amount {amount} is more than the {} left to capture",
                                p.amount.saturating_sub(p.captured)
                            )));
                        }
                        p.captured += amount;
                        p.step = "CAPTURE";
                        p.captures.push(operation(&body, amount, &self.ids, &self.clock));
                        Ok("PAYMENT_CAPTURED")
                    } else {
                        if p.captured == 0 {
                            return Err(declined(422, "5002", "State transition not allowed"));
                        }
                        if p.refunded.saturating_add(amount) > p.captured {
                            return Err(invalid(format!(
                                "paymentDetails.amount {amount} is more than the {} left to refund",
                                p.captured.saturating_sub(p.refunded)
                            )));
                        }
                        p.refunded += amount;
                        p.step = "REFUND";
                        p.refunds.push(operation(&body, amount, &self.ids, &self.clock));
                        Ok("PAYMENT_REFUNDED")
                    }
                })
            }
            "cancel" => {
                if let Err(e) = payspec_sandbox::conforming::<types::CancelPaymentRequest>(&body) {
                    return invalid(e);
                }
                let id = body["transactionId"].as_str().unwrap_or_default();
                self.with_payment(id, |p| {
                    if p.captured > 0 || !matches!(p.status, "PENDING" | "APPROVED") {
                        return Err(declined(422, "5002", "State transition not allowed"));
                    }
                    p.status = "CANCELED";
                    p.step = "CANCEL";
                    Ok("PAYMENT_CANCELED")
                })
            }
            _ => declined(404, "5000", "Not found"),
        }
    }

    fn set_mock(&self, request: &Request) -> Response {
        let body = match request.json() {
            Ok(body) => body,
            Err(e) => return invalid(e),
        };
        let typed = match payspec_sandbox::conforming::<types::SetMockRequest>(&body) {
            Ok(typed) => typed,
            Err(e) => return invalid(e),
        };
        // Statuses are an open enum for answers; a mock must name one Nopan defines.
        if let Some(steps) = &typed.steps {
            let mocked = [
                &steps.initiate,
                &steps.finalize,
                &steps.capture,
                &steps.cancel,
                &steps.refund,
                &steps.charge,
            ];
            let unknown = mocked.into_iter().flatten().any(|step| {
                step.status.as_ref().is_some_and(|s| s.is_unknown())
                    || step.step.as_ref().is_some_and(|s| s.is_unknown())
            });
            if unknown {
                return invalid("steps: a status or step Nopan does not define");
            }
        }
        let key = body
            .pointer("/key/value")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        self.lock().mocks.insert(key, body);
        Response::empty(200)
    }
}

/// What the payer can do on Nopan's page (the provider's SCA / approval redirect).
const PAYER_CHOICES: &[pages::Choice] = &[
    ("approve", "Approve the payment"),
    ("decline", "Decline"),
    ("expire", "Let it expire"),
];

impl Nopan {
    /// `GET /payer/nopan/{transactionId}` shows the payment; `POST` applies the payer's
    /// choice (approve: APPROVED, captured when auto-capture is on; decline: DECLINED;
    /// expire: CANCELED), sends the signed `PAYMENT_FINALIZED` notification and sends
    /// the browser to the merchant's `returnUrl` with `transactionId` and `status`.
    fn payer(&self, request: &Request) -> Option<Response> {
        let id = pages::payer_path(request, "nopan")?;
        let payment = self.lock().payments.get(id).cloned()?;
        let waiting = payment.status == "PENDING" && payment.step == "INITIATE";
        let title = format!("Nopan: approve {}", payment.provider_id);
        let page = pages::PayerPage {
            title: &title,
            settled: (!waiting).then_some(payment.status),
            facts: vec![
                ("Merchant reference", payment.client_transaction_id.clone()),
                pages::amount_fact(payment.amount, &payment.currency),
                ("Transaction", payment.transaction_id.clone()),
            ],
            choices: PAYER_CHOICES,
        };
        page.serve(request, |choice| {
            let settled = {
                let mut state = self.lock();
                let p = state.payments.get_mut(id)?;
                match choice {
                    "approve" => {
                        p.status = "APPROVED";
                        p.step = "FINALIZE";
                        if p.auto_capture {
                            p.captured = p.amount;
                            p.step = "CAPTURE";
                        }
                    }
                    "decline" => {
                        p.status = "DECLINED";
                        p.step = "FINALIZE";
                    }
                    _ => {
                        p.status = "CANCELED";
                        p.step = "CANCEL";
                    }
                }
                p.clone()
            };
            self.notify(&settled, "PAYMENT_FINALIZED");
            Some(pages::back_or_done(
                settled.return_url.as_deref(),
                &[
                    ("transactionId", &settled.transaction_id),
                    ("status", settled.status),
                ],
                &title,
                settled.status,
            ))
        })
    }
}

impl Handler for Nopan {
    fn payer_page(&self, request: &Request) -> Option<Response> {
        self.payer(request)
    }

    fn state(&self) -> State {
        State::new(
            self.lock()
                .payments
                .values()
                .map(|p| {
                    PaymentRecord::new(
                        &p.transaction_id,
                        &p.client_transaction_id,
                        p.status,
                        p.amount,
                        &p.currency,
                    )
                })
                .collect(),
        )
    }

    fn webhooks(&self) -> Option<&WebhookSender> {
        Some(&self.webhooks)
    }

    fn routes(&self) -> &'static [payspec_core::Route] {
        payspec_nopan_api::OPERATIONS.routes
    }

    fn error(&self, status: u16, message: &str, request: &Request) -> Response {
        let _ = request;
        // Nopan's reason codes for the statuses it documents.
        let code = match status {
            401 => "4970",
            403 => "4971",
            404 => "5000",
            409 => "5001",
            422 => "5002",
            423 => "5003",
            429 => "3000",
            501 => "8003",
            502 | 503 => "8004",
            504 => "8001",
            400..=499 => "4000",
            _ => "9999",
        };
        declined(status, code, message)
    }

    fn seal(&self, response: Response) -> Response {
        // Every answer is signed as Nopan signs its own: label nopan_sig, keyid
        // nopan-sandbox, covering @status and, with a body, its sha-512 content-digest,
        // content-type and content-length.
        let mut response = response;
        let mut components = vec!["@status"];
        if !response.body().is_empty() {
            let digest = httpsig::content_digest(DigestAlgorithm::Sha512, response.body());
            let length = response.body().len().to_string();
            response = response
                .with_header("content-digest", &digest)
                .with_header("content-length", &length);
            components.extend(["content-digest", "content-type", "content-length"]);
        }
        let mut headers = http::HeaderMap::new();
        for name in ["content-digest", "content-type", "content-length"] {
            if let Some(value) = response.header(name)
                && let Ok(value) = http::HeaderValue::from_str(value)
            {
                headers.insert(name, value);
            }
        }
        components.retain(|c| c.starts_with('@') || headers.contains_key(*c));
        let params = httpsig::SignatureParams::new(components)
            .created(httpsig::unix_now())
            .key_id(self.response_key.key_id());
        let message = Message {
            method: None,
            uri: None,
            status: Some(response.status()),
            headers: &headers,
        };
        match httpsig::sign(
            &message,
            payspec_nopan::SIGNATURE_LABEL,
            &params,
            &self.response_key,
        ) {
            Ok(signed) => response
                .with_header("signature-input", &signed.signature_input)
                .with_header("signature", &signed.signature),
            Err(_) => response,
        }
    }

    fn handle(&self, request: Request) -> Response {
        if request.method == http::Method::GET && request.path == payspec_nopan::JWKS_PATH {
            return self.jwks();
        }
        if let Some(refused) = self.check_signature(&request) {
            return refused;
        }
        let segments = request.segments();
        if let ("POST", ["auth", "token"]) = (request.method.as_str(), segments.as_slice()) {
            return self.token(&request);
        }
        if let Some(refused) = self.authorize(&request) {
            return refused;
        }
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["payments", id, "status" | "events"]) => match self.lock().payments.get(*id) {
                Some(payment) => Response::typed::<types::Payment>(200, &payment.to_json()),
                None => declined(404, "5000", "Payment not found"),
            },
            ("POST", ["mock", "set"]) => self.set_mock(&request),
            ("GET", ["reports"]) => self.reports(&request, false),
            ("GET", ["reports", "download"]) => self.reports(&request, true),
            ("POST", ["payments", _]) => {
                // The request as the spec writes it (its headers, its body's rules the
                // generated types do not carry), before the key is looked up.
                let body = request.json().unwrap_or_default();
                if let Err(e) = REQUEST_SCHEMAS
                    .check_headers(&payspec_nopan_api::OPERATIONS, &request)
                    .and_then(|()| {
                        REQUEST_SCHEMAS.check(&payspec_nopan_api::OPERATIONS, &request, &body)
                    })
                {
                    return invalid(e);
                }
                let key = request.header("idempotency-key").map(str::to_string);
                let _one_at_a_time = key
                    .is_some()
                    .then(|| self.keyed.lock().unwrap_or_else(|p| p.into_inner()));
                let fingerprint = [request.path.as_bytes(), &request.body].concat();
                if let Some(key) = &key
                    && let Some((asked, answered)) = self.lock().replies.get(key).cloned()
                {
                    return if asked == fingerprint {
                        answered
                    } else {
                        declined(
                            409,
                            "5001",
                            "Idempotency-Key already used with another payload",
                        )
                    };
                }
                let response = self.operation(&request);
                if let Some(key) = key
                    && response.status() < 500
                {
                    self.lock()
                        .replies
                        .insert(key, (fingerprint, response.clone()));
                }
                response
            }
            _ => declined(404, "5000", "Not found"),
        }
    }
}

payspec_sandbox::shared_api!(Sandbox, server, nopan);

/// A running Nopan sandbox; stops when dropped.
pub struct Sandbox {
    server: SandboxServer,
    pki: SandboxPki,
    nopan: Arc<Nopan>,
    client_signing_key_pem: String,
}

impl Sandbox {
    /// Starts a sandbox: `Sandbox::start(Config::default())` for a free port, random
    /// ids and the system clock.
    pub async fn start(config: Config) -> Result<Self> {
        let pki = SandboxPki::new(PROCESSING_ACCOUNT_ID).map_err(Error::Config)?;
        let ids = config.ids();
        // Both keys come from the seed, so a restart with the same seed (or state file)
        // has the same keys, and recorded signatures still verify on replay.
        let client_signing_key_pem = ed25519_pkcs8_pem(&ids.bytes(32));
        let client_key = SigningKey::from_pem(CLIENT_KEY_ID, client_signing_key_pem.as_bytes())?
            .verifying_key()
            .ok_or(Error::Config(payspec_core::ConfigError::Missing(
                "client key",
            )))?;
        let mut response_seed = [0u8; 32];
        response_seed.copy_from_slice(&ids.bytes(32));
        let response_key =
            SigningKey::ed25519_from_seed(payspec_nopan::SANDBOX_KEY_ID, &response_seed)?;
        // The mutual-TLS identity's key signs too, registered under its own key id.
        let mtls_key = SigningKey::from_pem(MTLS_KEY_ID, pki.client_key_pem.as_bytes())?
            .verifying_key()
            .ok_or(Error::Config(payspec_core::ConfigError::Missing(
                "client certificate key",
            )))?;
        let nopan = Arc::new(Nopan {
            client_key,
            mtls_key,
            response_key,
            require_signatures: AtomicBool::new(true),
            keyed: Mutex::new(()),
            token_lifetime: config.token_lifetime.unwrap_or(TOKEN_LIFETIME),
            webhook_secret: config
                .webhook_secret
                .clone()
                .unwrap_or_else(|| WEBHOOK_SECRET.into()),
            clock: config.clock.clone(),
            ids,
            state: Mutex::default(),
            webhooks: WebhookSender::default(),
        });
        let server =
            SandboxServer::start_config(nopan.clone(), Some(pki.server_config()?), &config).await?;
        Ok(Self {
            server,
            pki,
            nopan,
            client_signing_key_pem,
        })
    }

    /// The private key (Ed25519, PKCS#8 PEM) the sandbox issued to its client, under
    /// [`CLIENT_KEY_ID`]: what a client in another language signs with.
    pub fn client_signing_key_pem(&self) -> &str {
        &self.client_signing_key_pem
    }

    /// Whether requests must be signed (default: yes, as Nopan requires). Off, unsigned
    /// requests are served too (tools that cannot sign, such as a spec fuzzer), while a
    /// request that carries a signature is still checked; answers are signed either way.
    pub fn require_signatures(&self, require: bool) {
        self.nopan
            .require_signatures
            .store(require, Ordering::Relaxed);
    }

    /// A client builder wired to this sandbox: base URL, processing account, the client
    /// certificate it issued, its CA as the only trusted root, scope payments:process,
    /// and the signing key it issued (so requests are signed and answers checked against
    /// the sandbox's JWKS, as against Nopan's).
    pub fn client_builder(&self) -> ClientBuilder {
        payspec_nopan::Client::builder()
            .base_url(self.base_url())
            .processing_account_id(PROCESSING_ACCOUNT_ID)
            .scope(Scope::PaymentsProcess)
            .identity_pem(
                self.pki.client_cert_pem.clone(),
                self.pki.client_key_pem.clone(),
            )
            .ca_pem(self.pki.ca_pem.clone())
            .trust_only_given_cas()
            .signing_key_pem(CLIENT_KEY_ID, &self.client_signing_key_pem)
    }

    /// The sandbox's CA and client certificate (PEM), for clients in other languages.
    pub fn pki(&self) -> &SandboxPki {
        &self.pki
    }

    /// The secret webhooks are signed with.
    pub fn webhook_secret(&self) -> &str {
        &self.nopan.webhook_secret
    }

    /// The clock the sandbox reads (move a [`Clock::manual`] to expire tokens).
    pub fn clock(&self) -> &Clock {
        &self.nopan.clock
    }

    /// Makes every issued token expired (the next call gets 4061).
    pub fn expire_tokens(&self) {
        let now = self.nopan.clock.now();
        for expiry in self.nopan.lock().tokens.values_mut() {
            *expiry = now;
        }
    }
}
