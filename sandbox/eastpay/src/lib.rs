//! An in-process EastPay / OPP simulator: the bearer token and
//! entity id, OPP's test-card behaviour, declines as HTTP 400 with their result codes,
//! validation errors, pre-authorization with capture / refund / reversal, checkouts, the
//! Inquiry API, plain or encrypted notifications, and fault injection.
//!
//! Test cards: `4200000000000000` approves (000.100.110), `4000000000000002` is declined
//! by the bank (800.100.153), `4000000000000010` needs 3-D Secure (pending with a
//! redirect), any other Luhn-valid number approves, an invalid one is refused
//! (100.100.101).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use payspec_eastpay_sandbox::{Config, Sandbox};
//! let sandbox = Sandbox::start(Config::default()).await?;
//! assert!(sandbox.base_url().ends_with("/gateway")); // the spec's server path
//! let _client = sandbox.client_builder().build()?;
//! assert!(sandbox.state().payments.is_empty());
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
use std::sync::{Arc, Mutex};

use payspec_eastpay_api::types;
use payspec_sandbox::{Handler, Ids, Request, Response, SandboxServer, pages, random_id};
use serde_json::{Value, json};

use payspec_core::card::luhn_valid;
use payspec_eastpay::Money;
use payspec_eastpay::notification::NotificationDecryptor;
use payspec_eastpay::{ClientBuilder, Result};

/// The access token the sandbox accepts.
pub const ACCESS_TOKEN: &str = "OGE4Mjk0MTc0YjdlY2IyODAxNGI5Njk5MjIwMDE1Y2N8c2FuZGJveA==";
/// The entity id the sandbox accepts.
pub const ENTITY_ID: &str = "8a8294174b7ecb28014b9699220015ca";

#[derive(Clone, Debug)]
struct Payment {
    id: String,
    payment_type: String,
    brand: String,
    amount: u64,
    currency: String,
    captured: u64,
    refunded: u64,
    reversed: bool,
    code: &'static str,
    description: &'static str,
    last4: String,
    merchant_transaction_id: Option<String>,
    notification_url: Option<String>,
    /// Where the payer's browser returns after 3-D Secure (`shopperResultUrl`).
    shopper_result_url: Option<String>,
    /// The stored card's token, when the payment asked for `createRegistration`.
    registration_id: Option<String>,
}

impl Payment {
    fn decimal(&self, minor: u64) -> String {
        Money::new(minor, &self.currency)
            .map(|m| m.to_decimal())
            .unwrap_or_default()
    }

    fn to_json(&self) -> Value {
        let mut answer = json!({
            "id": self.id, "paymentType": self.payment_type, "paymentBrand": self.brand,
            "amount": self.decimal(self.amount), "currency": self.currency,
            "descriptor": "sandbox OPP_Channel", "merchantTransactionId": self.merchant_transaction_id,
            "registrationId": self.registration_id,
            "result": {"code": self.code, "description": self.description},
            "card": {"bin": "420000", "last4Digits": self.last4, "holder": "Sandbox", "expiryMonth": "05", "expiryYear": "2034"},
            "risk": {"score": "100"}, "buildNumber": "sandbox", "timestamp": chrono_like_now(), "ndc": format!("{ENTITY_ID}_{}", self.id),
        });
        // A field the payment lacks is left out, never `null` (the spec's strings are not
        // nullable).
        if let Value::Object(fields) = &mut answer {
            fields.retain(|_, value| !value.is_null());
        }
        answer
    }
}

/// The form body checked against the spec's request type `T` (lengths, patterns, enums,
/// booleans), as OPP validates before anything else: `200.300.404` when it does not fit.
fn fits<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    serde_urlencoded::from_bytes::<T>(body).map_err(|e| {
        result(
            400,
            "200.300.404",
            &format!("invalid or missing parameter: {e}"),
        )
    })
}

/// A payment type the operation's spec lists (its enums are open for answers, not for
/// requests): each operation allows a few (checkout DB/PA, server-to-server PA/DB/CD,
/// back office CP/RF/RV, stored card PA/DB).
fn known_type(unknown: bool) -> Result<(), Response> {
    match unknown {
        true => Err(result(
            400,
            "200.300.404",
            "invalid or missing parameter: paymentType",
        )),
        false => Ok(()),
    }
}

/// Now in OPP's timestamp format, e.g. `2024-05-07 08:09:10+0000`.
fn chrono_like_now() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%z").to_string()
}

/// OPP's code for an amount or currency it refuses: an unknown currency is
/// `100.550.401` (invalid currency), not an amount error.
fn money_refused(error: &payspec_eastpay::MoneyError) -> Response {
    use payspec_eastpay::MoneyError;
    match error {
        MoneyError::BadCurrency(_) | MoneyError::UnknownCurrency(_) => {
            result(400, "100.550.401", "invalid currency")
        }
        MoneyError::TooLarge => result(400, "100.550.301", "amount too large"),
        _ => result(
            400,
            "100.550.303",
            "amount format invalid (only two decimals allowed).",
        ),
    }
}

fn result(status: u16, code: &str, description: &str) -> Response {
    Response::json(
        status,
        &json!({
            "result": {"code": code, "description": description},
            "buildNumber": "sandbox", "timestamp": chrono_like_now(), "ndc": random_id(8),
        }),
    )
}

#[derive(Default)]
struct Store {
    payments: HashMap<String, Payment>,
    checkouts: HashMap<String, Payment>,
    /// Stored cards by registration id (the card's brand and last four digits only).
    registrations: HashMap<String, Registration>,
}

/// A stored card (OPP registration).
#[derive(Clone, Debug)]
struct Registration {
    brand: String,
    last4: String,
    deleted: bool,
}

struct EastPay {
    state: Mutex<Store>,
    ids: Ids,
    webhooks: WebhookSender,
    encryption: Option<NotificationDecryptor>,
}

/// A registration that does not exist or was deleted: OPP's generic parameter error
/// (OPP's list has registration codes, but none payspec could tie to this case).
fn unknown_registration() -> Response {
    result(
        400,
        "200.300.404",
        "invalid or missing parameter: unknown or deleted registration",
    )
}

impl EastPay {
    /// `POST /v3/registrations`: stores a card (its brand and last four digits).
    fn register(&self, form: &[(String, String)]) -> Response {
        let get = |name: &str| {
            form.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let number = get("card.number").unwrap_or_default();
        if !luhn_valid(number) {
            return result(
                400,
                "100.100.101",
                "invalid creditcard, bank account number or bank name",
            );
        }
        let id = self.ids.hex(16);
        let card = Registration {
            brand: get("paymentBrand").unwrap_or_default().into(),
            last4: number
                .get(number.len().saturating_sub(4)..)
                .unwrap_or_default()
                .into(),
            deleted: false,
        };
        let answer = json!({
            "id": id, "paymentBrand": card.brand,
            "result": {"code": "000.100.110",
                "description": "Request successfully processed in 'Merchant in Integrator Test Mode'"},
            "card": {"bin": number.get(..6).unwrap_or_default(), "last4Digits": card.last4,
                "holder": get("card.holder").unwrap_or("Sandbox"),
                "expiryMonth": get("card.expiryMonth").unwrap_or_default(),
                "expiryYear": get("card.expiryYear").unwrap_or_default()},
            "buildNumber": "sandbox", "timestamp": chrono_like_now(), "ndc": format!("{ENTITY_ID}_{id}"),
        });
        self.lock().registrations.insert(id, card);
        Response::typed::<types::PaymentResult>(200, &answer).state_changed()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn notify(&self, payment: &Payment) {
        let Some(url) = &payment.notification_url else {
            return;
        };
        self.webhooks.set_url(Some(url.clone()));
        let body = payment.to_json().to_string().into_bytes();
        match &self.encryption {
            None => self.webhooks.send(
                reqwest::Method::POST,
                None,
                vec![("content-type".into(), "application/json".into())],
                body,
            ),
            Some(encryption) => {
                let wrapped =
                    json!({"type": "PAYMENT", "action": "CREATED", "payload": payment.to_json()});
                let mut iv = [0u8; 12];
                for byte in &mut iv {
                    *byte = fastrand::u8(..);
                }
                if let Ok((hex, iv, tag)) = encryption.encrypt(wrapped.to_string().as_bytes(), iv) {
                    self.webhooks.send(
                        reqwest::Method::POST,
                        None,
                        vec![
                            ("content-type".into(), "text/plain".into()),
                            ("x-initialization-vector".into(), iv),
                            ("x-authentication-tag".into(), tag),
                        ],
                        hex.into_bytes(),
                    );
                }
            }
        }
    }

    /// A server-to-server payment, with the card in `form` or a stored one.
    fn create(
        &self,
        form: &[(String, String)],
        pages: &str,
        stored: Option<(&str, Registration)>,
    ) -> Response {
        let get = |name: &str| {
            form.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let (Some(amount), Some(currency)) = (get("amount"), get("currency")) else {
            return result(
                400,
                "200.300.404",
                "invalid or missing parameter: amount and currency are required",
            );
        };
        let money = match Money::parse(amount, currency) {
            Ok(money) => money,
            Err(e) => return money_refused(&e),
        };
        if money.minor() == 0 {
            return result(
                400,
                "100.550.300",
                "request contains no amount or too low amount",
            );
        };
        let payment_type = get("paymentType").unwrap_or_default();
        // Server-to-server: pre-authorization, debit, or credit (CD, money to the card);
        // with a stored card, pre-authorization or debit.
        let allowed: &[&str] = match stored {
            None => &["DB", "PA", "CD"],
            Some(_) => &["DB", "PA"],
        };
        if !allowed.contains(&payment_type) {
            return result(
                400,
                "200.300.404",
                "invalid or missing parameter: paymentType",
            );
        }
        // A card payment names the card's brand (OPP).
        if stored.is_none() && get("card.number").is_some() && get("paymentBrand").is_none() {
            return result(
                400,
                "200.300.404",
                "invalid or missing parameter: paymentBrand",
            );
        }
        let number = match &stored {
            // A stored card passed its checks when it was stored: it pays as the
            // approving test card with its own last digits.
            Some((_, card)) => format!("424242424242{}", card.last4),
            None => get("card.number").unwrap_or_default().to_string(),
        };
        let (status, code, description): (u16, &'static str, &'static str) = match number.as_str() {
            _ if stored.is_some() => (
                200,
                "000.100.110",
                "Request successfully processed in 'Merchant in Integrator Test Mode'",
            ),
            "4000000000000002" => (400, "800.100.153", "transaction declined (invalid CVV)"),
            "4000000000000010" => (200, "000.200.000", "transaction pending"),
            n if !luhn_valid(n) => {
                return result(
                    400,
                    "100.100.101",
                    "invalid creditcard, bank account number or bank name",
                );
            }
            _ => (
                200,
                "000.100.110",
                "Request successfully processed in 'Merchant in Integrator Test Mode'",
            ),
        };
        let payment = Payment {
            id: self.ids.hex(16),
            payment_type: payment_type.into(),
            brand: match &stored {
                Some((_, card)) => card.brand.clone(),
                None => get("paymentBrand").unwrap_or("VISA").into(),
            },
            amount: money.minor(),
            currency: currency.into(),
            captured: if payment_type == "DB" && status == 200 {
                money.minor()
            } else {
                0
            },
            refunded: 0,
            reversed: false,
            code,
            description,
            last4: number
                .get(number.len().saturating_sub(4)..)
                .unwrap_or_default()
                .into(),
            merchant_transaction_id: get("merchantTransactionId").map(str::to_string),
            notification_url: get("notificationUrl").map(str::to_string),
            shopper_result_url: get("shopperResultUrl").map(str::to_string),
            // The card is stored when asked and the payment is not refused.
            registration_id: match &stored {
                Some((id, _)) => Some(id.to_string()),
                None => (get("createRegistration") == Some("true") && status == 200)
                    .then(|| self.ids.hex(16)),
            },
        };
        if stored.is_none()
            && let Some(id) = &payment.registration_id
        {
            self.lock().registrations.insert(
                id.clone(),
                Registration {
                    brand: payment.brand.clone(),
                    last4: payment.last4.clone(),
                    deleted: false,
                },
            );
        }
        let mut answer = payment.to_json();
        if code == "000.200.000" {
            // The payer's browser POSTs these parameters to the bank's page (OPP's
            // `redirect`); the page is the sandbox's own.
            answer["redirect"] = json!({"url": format!("{pages}{}eastpay/3ds/{}", pages::PREFIX, payment.id), "method": "POST",
                "parameters": [{"name": "PaReq", "value": self.ids.hex(12)}, {"name": "TermUrl", "value": get("shopperResultUrl").unwrap_or("https://shop.invalid/return")}]});
        }
        self.lock()
            .payments
            .insert(payment.id.clone(), payment.clone());
        self.notify(&payment);
        Response::json(status, &answer).state_changed()
    }

    fn backoffice(&self, id: &str, form: &[(String, String)]) -> Response {
        let get = |name: &str| {
            form.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let mut state = self.lock();
        let Some(original) = state.payments.get_mut(id) else {
            return result(404, "700.400.580", "cannot find transaction");
        };
        let amount = match (get("amount"), get("currency")) {
            (Some(a), Some(c)) if c == original.currency => match Money::parse(a, c) {
                Ok(m) => Some(m.minor()),
                Err(e) => return money_refused(&e),
            },
            (Some(_), Some(_)) => {
                return result(
                    400,
                    "100.550.310",
                    "amount exceeds limit / currency mismatch",
                );
            }
            _ => None,
        };
        let kind = get("paymentType").unwrap_or_default();
        let refused = |code: &str, text: &str| result(400, code, text);
        match kind {
            "CP" => {
                let amount = amount.unwrap_or(original.amount.saturating_sub(original.captured));
                if original.payment_type != "PA"
                    || original.reversed
                    || original.captured.saturating_add(amount) > original.amount
                {
                    return refused(
                        "700.400.100",
                        "cannot capture (PA value exceeded, PA reverted or invalid workflow?)",
                    );
                }
                original.captured += amount;
            }
            "RF" => {
                let amount = amount.unwrap_or(original.captured.saturating_sub(original.refunded));
                if original.refunded.saturating_add(amount) > original.captured {
                    return refused(
                        "700.400.200",
                        "cannot refund (refund volume exceeded or tx reversed or invalid workflow?)",
                    );
                }
                original.refunded += amount;
            }
            "RV" => {
                if original.reversed || original.captured > 0 && original.payment_type == "PA" {
                    return refused(
                        "700.400.300",
                        "cannot reverse (already refunded|reversed, invalid workflow or amount exceeded)",
                    );
                }
                original.reversed = true;
            }
            _ => {
                return result(
                    400,
                    "200.300.404",
                    "invalid or missing parameter: paymentType",
                );
            }
        }
        let snapshot = original.clone();
        drop(state);
        let mut answer = snapshot.to_json();
        answer["id"] = json!(self.ids.hex(16));
        answer["paymentType"] = json!(kind);
        answer["referencedId"] = json!(id);
        answer["result"] = json!({"code": "000.100.110", "description": "Request successfully processed in 'Merchant in Integrator Test Mode'"});
        if let Some(minor) = amount {
            answer["amount"] = json!(snapshot.decimal(minor));
        }
        Response::typed::<types::PaymentResult>(200, &answer).state_changed()
    }
}

/// What the payer's bank can answer on the 3-D Secure page.
const THREE_DS_CHOICES: &[pages::Choice] = &[
    ("pass", "Authenticate (3-D Secure passes)"),
    ("fail", "Fail authentication"),
];

impl EastPay {
    /// `/payer/eastpay/3ds/{id}`: the bank's page a pending card payment's `redirect`
    /// sends the payer to (the browser POSTs `PaReq` and `TermUrl` to it). Pass ->
    /// `000.100.110` (captured for DB), fail -> `100.380.401` (user authentication
    /// failed); the notification goes out and the browser returns to `shopperResultUrl`
    /// with `id` and `resourcePath`, as OPP does.
    fn payer(&self, request: &Request) -> Option<Response> {
        let id = pages::payer_path(request, "eastpay")?.strip_prefix("3ds/")?;
        let payment = self.lock().payments.get(id).cloned()?;
        let title = "3-D Secure (EastPay sandbox bank)";
        let page = pages::PayerPage {
            title,
            settled: (payment.code != "000.200.000").then_some(payment.description),
            facts: vec![
                pages::amount_fact(payment.amount, &payment.currency),
                ("Card", format!("**** {}", payment.last4)),
                ("Payment", payment.id.clone()),
            ],
            choices: THREE_DS_CHOICES,
        };
        // The merchant's redirect (a POST with PaReq) or a plain GET shows the page.
        page.serve(request, |choice| {
            let settled = {
                let mut state = self.lock();
                let p = state.payments.get_mut(id)?;
                if choice == "pass" {
                    p.code = "000.100.110";
                    p.description =
                        "Request successfully processed in 'Merchant in Integrator Test Mode'";
                    if p.payment_type == "DB" {
                        p.captured = p.amount;
                    }
                } else {
                    p.code = "100.380.401";
                    p.description = "User Authentication Failed";
                }
                p.clone()
            };
            self.notify(&settled);
            Some(pages::back_or_done(
                settled.shopper_result_url.as_deref(),
                &[
                    ("id", &settled.id),
                    ("resourcePath", &format!("/v3/payments/{}", settled.id)),
                ],
                title,
                settled.description,
            ))
        })
    }
}

impl Handler for EastPay {
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
                        &p.id,
                        p.merchant_transaction_id.clone().unwrap_or_default(),
                        p.code,
                        i64::try_from(p.amount).unwrap_or(i64::MAX),
                        &p.currency,
                    )
                })
                .collect(),
        )
    }

    fn webhooks(&self) -> Option<&WebhookSender> {
        Some(&self.webhooks)
    }

    fn base_path(&self) -> &'static str {
        "/gateway"
    }

    fn routes(&self) -> &'static [payspec_core::Route] {
        payspec_eastpay_api::OPERATIONS.routes
    }

    fn error(&self, status: u16, message: &str, request: &Request) -> Response {
        let _ = request;
        // OPP's result codes: throttling, a system error, an invalid request.
        let code = match status {
            429 => "800.120.100",
            500..=599 => "900.100.100",
            _ => "200.300.404",
        };
        result(status, code, message)
    }

    fn handle(&self, request: Request) -> Response {
        match request.header("authorization") {
            None => return result(401, "800.900.300", "invalid authentication information"),
            Some(value) if value != format!("Bearer {ACCESS_TOKEN}") => {
                return result(
                    403,
                    "800.900.301",
                    "user authorization failed, user has no sufficent rights to process transaction",
                );
            }
            Some(_) => {}
        }
        let form = request.form();
        let entity = form
            .iter()
            .find(|(n, _)| n == "entityId")
            .map(|(_, v)| v.as_str())
            .or_else(|| request.query_param("entityId"));
        if entity != Some(ENTITY_ID) {
            return result(400, "600.200.100", "invalid Payment Method / entity");
        }
        let segments = request.segments();
        let checked = match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["v3", "payments"]) => fits::<types::PaymentRequest>(&request.body)
                .and_then(|r| known_type(r.payment_type.is_unknown())),
            ("POST", ["v3", "payments", _]) => fits::<types::BackofficeRequest>(&request.body)
                .and_then(|r| known_type(r.payment_type.is_unknown())),
            ("POST", ["v3", "checkouts"]) => fits::<types::CheckoutRequest>(&request.body)
                .and_then(|r| known_type(r.payment_type.is_unknown())),
            ("POST", ["v3", "registrations"]) => {
                fits::<types::RegistrationRequest>(&request.body).map(|_| ())
            }
            ("POST", ["v3", "registrations", _, "payments"]) => {
                fits::<types::RegistrationPaymentRequest>(&request.body)
                    .and_then(|r| known_type(r.payment_type.is_unknown()))
            }
            ("GET", ["v3", "query"]) => match request.query_param("merchantTransactionId") {
                Some(id) if (8..=255).contains(&id.chars().count()) => Ok(()),
                _ => Err(result(
                    400,
                    "200.300.404",
                    "invalid or missing parameter: merchantTransactionId",
                )),
            },
            _ => Ok(()),
        };
        if let Err(refused) = checked {
            return refused;
        }
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["v3", "payments"]) => self.create(&form, &request.pages, None),
            ("POST", ["v3", "registrations"]) => self.register(&form),
            ("POST", ["v3", "registrations", id, "payments"]) => {
                let card = self.lock().registrations.get(*id).cloned();
                match card {
                    Some(card) if !card.deleted => {
                        self.create(&form, &request.pages, Some((id, card)))
                    }
                    _ => unknown_registration(),
                }
            }
            ("DELETE", ["v3", "registrations", id]) => {
                let mut state = self.lock();
                match state.registrations.get_mut(*id) {
                    Some(card) if !card.deleted => {
                        card.deleted = true;
                        drop(state);
                        Response::typed::<types::PaymentResult>(
                            200,
                            &json!({"id": id, "result": {"code": "000.100.110",
                                "description": "Request successfully processed in 'Merchant in Integrator Test Mode'"},
                                "buildNumber": "sandbox", "timestamp": chrono_like_now(),
                                "ndc": format!("{ENTITY_ID}_{id}")}),
                        )
                        .state_changed()
                    }
                    _ => unknown_registration(),
                }
            }
            ("POST", ["v3", "payments", id]) => self.backoffice(id, &form),
            ("GET", ["v3", "query"]) => {
                let Some(reference) = request.query_param("merchantTransactionId") else {
                    return result(400, "200.300.404", "invalid or missing parameter");
                };
                let state = self.lock();
                let mut found: Vec<&Payment> = state
                    .payments
                    .values()
                    .filter(|p| p.merchant_transaction_id.as_deref() == Some(reference))
                    .collect();
                found.sort_by(|a, b| a.id.cmp(&b.id));
                let payments: Vec<Value> = found.iter().map(|p| p.to_json()).collect();
                Response::json(
                    200,
                    &json!({
                        "result": {"code": "000.000.100", "description": "successful request"},
                        "payments": payments,
                        "buildNumber": "sandbox", "timestamp": chrono_like_now(), "ndc": random_id(8),
                    }),
                )
            }
            ("GET", ["v3", "payments" | "query", id]) => match self.lock().payments.get(*id) {
                Some(payment) => {
                    let status = if payment.code.starts_with("800") {
                        400
                    } else {
                        200
                    };
                    Response::json(status, &payment.to_json())
                }
                None => result(404, "700.400.580", "cannot find transaction"),
            },
            ("POST", ["v3", "checkouts"]) => {
                let get = |name: &str| form.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
                let (Some(amount), Some(currency)) = (get("amount"), get("currency")) else {
                    return result(400, "200.300.404", "invalid or missing parameter");
                };
                let money = match Money::parse(&amount, &currency) {
                    Ok(money) => money,
                    Err(e) => return money_refused(&e),
                };
                let checkout_id = format!("{}.sandbox01", self.ids.hex(16).to_uppercase());
                // The shopper "pays" with the approving test card when the result is read.
                let payment = Payment {
                    id: self.ids.hex(16),
                    payment_type: get("paymentType").unwrap_or_else(|| "DB".into()),
                    brand: "VISA".into(),
                    amount: money.minor(),
                    currency,
                    captured: money.minor(),
                    refunded: 0,
                    reversed: false,
                    code: "000.100.110",
                    description: "Request successfully processed in 'Merchant in Integrator Test Mode'",
                    last4: "0000".into(),
                    merchant_transaction_id: get("merchantTransactionId"),
                    notification_url: get("notificationUrl"),
                    shopper_result_url: get("shopperResultUrl"),
                    registration_id: (get("createRegistration").as_deref() == Some("true"))
                        .then(|| self.ids.hex(16)),
                };
                self.lock().checkouts.insert(checkout_id.clone(), payment);
                Response::json(200, &json!({"id": checkout_id, "result": {"code": "000.200.100", "description": "successfully created checkout"},
                    "buildNumber": "sandbox", "timestamp": chrono_like_now(), "ndc": checkout_id}))
                .state_changed()
            }
            ("GET", ["v3", "checkouts", id, "payment"]) => {
                let mut state = self.lock();
                match state.checkouts.get(*id).cloned() {
                    Some(payment) => {
                        state.payments.insert(payment.id.clone(), payment.clone());
                        drop(state);
                        self.notify(&payment);
                        // Reading a checkout's result records the payment.
                        Response::typed::<types::PaymentResult>(200, &payment.to_json())
                            .state_changed()
                    }
                    None => result(
                        404,
                        "200.300.404",
                        "invalid or missing parameter: checkout id",
                    ),
                }
            }
            _ => result(
                404,
                "200.300.404",
                "invalid or missing parameter: unknown resource",
            ),
        }
    }
}

payspec_sandbox::shared_api!(Sandbox, server, eastpay);

/// A running EastPay sandbox; stops when dropped.
pub struct Sandbox {
    server: SandboxServer,
    eastpay: Arc<EastPay>,
}

impl Sandbox {
    /// Starts a sandbox: `Sandbox::start(Config::default())` for a free port, random
    /// ids and plain notifications. With [`Config::webhook_secret`] (64 hex characters)
    /// its notifications are encrypted with that key as OPP does.
    pub async fn start(config: Config) -> Result<Self> {
        let encryption = config
            .webhook_secret
            .as_deref()
            .map(NotificationDecryptor::new)
            .transpose()?;
        let eastpay = Arc::new(EastPay {
            state: Mutex::default(),
            ids: config.ids(),
            webhooks: WebhookSender::default(),
            encryption,
        });
        let server = SandboxServer::start_config(eastpay.clone(), None, &config).await?;
        Ok(Self { server, eastpay })
    }

    /// A client builder wired to this sandbox.
    pub fn client_builder(&self) -> ClientBuilder {
        payspec_eastpay::Client::builder()
            .base_url(self.base_url())
            .access_token(ACCESS_TOKEN)
            .entity_id(ENTITY_ID)
    }
}
