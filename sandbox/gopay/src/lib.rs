//! An in-process GoPay simulator: client credentials with Basic and
//! refresh tokens that rotate, JWT access tokens with `exp`, an RSA key that decrypts
//! card JWEs, payments, charges (card token, Google Pay, Apple Pay) with 3-D Secure for
//! cards starting with 4000, refunds, `?id=` notifications and fault injection.
//!
//! The RSA key is made at start with `rsa`'s key generation; its decryption is the one
//! place payspec decrypts with `rsa` (see [`jwe::decrypt`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use payspec_gopay::{Amount, Currency, NewPayment};
//! use payspec_gopay_sandbox::{Config, Sandbox};
//! let sandbox = Sandbox::start(Config::default()).await?;
//! assert!(sandbox.base_url().ends_with("/api/4.0")); // the spec's server path
//! let client = sandbox.client_builder().build()?;
//! let payment = client.create_payment(NewPayment::new(Amount::new(1000)?, Currency::Czk, "order-1")?).await?;
//! let record = sandbox.state().payment("order-1").map(|p| p.id.clone());
//! assert_eq!(record, Some(payment.id.to_string()));
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod jwe;

/// The kit this sandbox is built on: faults, webhooks, steps.
pub use payspec_sandbox::{
    Clock, Config, Delivery, Fault, Faults, PaymentRecord, State, Step, WebhookSender,
};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aes_gcm::aead::OsRng;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use payspec_gopay_api::types;
use payspec_sandbox::{Handler, Ids, Request, Response, SandboxServer, pages};
use rsa::RsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};

use payspec_gopay::{ClientBuilder, Error, Result};

/// The client id the sandbox accepts.
pub const CLIENT_ID: &str = "sandbox-client";
/// The client secret the sandbox accepts.
pub const CLIENT_SECRET: &str = "sandbox-secret";
/// The e-shop GoID.
pub const GOID: &str = "8123456789";

/// The scopes the token endpoint issues: the seed's `payment:create` (every operation)
/// and those the spec's operations name (the published API 4.0's).
const KNOWN_SCOPES: &[&str] = &[
    "payment:create",
    "payment:read",
    "payment:write",
    "payment:charge",
    "card:read",
    "card:write",
    "shared:read",
];

#[derive(Clone, Debug)]
struct Payment {
    id: String,
    order_number: String,
    amount: i64,
    refunded: i64,
    currency: String,
    state: &'static str,
    notification_url: Option<String>,
    charge: Option<Value>,
    payment_secret: String,
    /// The payment gateway page (`gw_url`), on the sandbox.
    gw_url: String,
    /// The merchant's `callback.return_url`.
    return_url: Option<String>,
}

impl Payment {
    fn to_json(&self) -> Value {
        let mut answer = json!({
            "id": self.id, "order_number": self.order_number, "state": self.state,
            "amount": self.amount, "currency": self.currency,
            "gw_url": self.gw_url,
            "payment_secret": self.payment_secret,
        });
        // The spec's `charge` is not nullable: absent until there is one.
        if let Some(charge) = &self.charge {
            answer["charge"] = charge.clone();
        }
        answer
    }
}

/// A recurrence: its payment template and, once started, its first payment.
#[derive(Clone, Debug)]
struct Recurrence {
    id: String,
    auto: bool,
    schedule: Option<Value>,
    template: Value,
    first_payment: Option<String>,
    stopped: bool,
}

/// A payment link: its payment template and the payment its URL pays now.
#[derive(Clone, Debug)]
struct Link {
    id: String,
    template: Value,
    reusable: bool,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    payment: String,
    disabled: bool,
}

#[derive(Default)]
struct Store {
    recurrences: HashMap<String, Recurrence>,
    links: HashMap<String, Link>,
    /// Access token: its expiry and the scopes it was issued for.
    access: HashMap<String, (SystemTime, Vec<String>)>,
    /// Refresh token: the scopes of the grant it renews.
    refresh: HashMap<String, Vec<String>>,
    cards: HashMap<String, Value>,
    payments: HashMap<String, Payment>,
    refunds: HashMap<String, Value>,
    refund_fetches: u64,
}

struct GoPay {
    key: RsaPrivateKey,
    kid: String,
    token_lifetime: Duration,
    clock: Clock,
    ids: Ids,
    state: Mutex<Store>,
    webhooks: WebhookSender,
}

fn error(status: u16, name: &str, message: &str, request: &Request) -> Response {
    Response::json(
        status,
        &json!({
            "code": status, "error": name, "message": message, "detail": message,
            "path": request.path, "timestamp": chrono::Utc::now().to_rfc3339(),
        }),
    )
}

/// The request's body as the spec's type `T` reads it, held to the spec as
/// [`payspec_sandbox::conforming`] holds it (types, required fields, constraints, only the
/// values the spec lists), or the 400 GoPay answers, saying `what` was invalid.
fn conforming_body<T>(request: &Request, what: &str) -> std::result::Result<T, Response>
where
    T: serde::de::DeserializeOwned + serde::Serialize + payspec_sandbox::JsonSchema + 'static,
{
    request
        .json()
        .map_err(|e| e.to_string())
        .and_then(|body| {
            REQUEST_SCHEMAS.conforming::<T>(&payspec_gopay_api::OPERATIONS, request, &body, &[])
        })
        .map_err(|e| error(400, "BAD_REQUEST", &format!("Invalid {what}: {e}"), request))
}

/// The spec's request schemas: what the generated types do not hold a body to
/// (`maxItems`, `minimum`, ...) is checked against them.
static REQUEST_SCHEMAS: payspec_sandbox::RequestSchemas =
    payspec_sandbox::RequestSchemas::new(payspec_gopay_api::REQUEST_SCHEMAS);

fn jwt(lifetime: Duration, clock: &Clock, ids: &Ids, scopes: &[String]) -> (String, SystemTime) {
    let exp = clock.after(lifetime);
    let seconds = exp
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let claims = json!({"sub": CLIENT_ID, "scope": scopes.join(" "), "iat": seconds.saturating_sub(lifetime.as_secs()), "exp": seconds});
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT","kid":"sandbox"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        ids.hex(16)
    );
    (token, exp)
}

/// `minor` units of `currency` as a decimal string ("50.00"); GoPay's currencies all
/// have two decimals.
fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

/// A card number as GoPay shows it: the first six and the last four digits.
fn masked_pan(pan: &str) -> String {
    let first = pan.get(..6).unwrap_or_default();
    let last = pan.get(pan.len().saturating_sub(4)..).unwrap_or_default();
    format!("{first}******{last}")
}

/// The card scheme the sandbox gives a number (5: Mastercard, else Visa).
fn scheme(pan: &str) -> &'static str {
    if pan.starts_with('5') {
        "MASTERCARD"
    } else {
        "VISA"
    }
}

/// The payment `id` if it can be charged: 404 when there is none, 409 unless CREATED.
fn chargeable(
    state: &Store,
    request: &Request,
    id: &str,
) -> std::result::Result<Payment, Response> {
    let Some(payment) = state.payments.get(id).cloned() else {
        return Err(error(404, "NOT_FOUND", "Payment not found", request));
    };
    if payment.state != "CREATED" {
        return Err(error(
            409,
            "CONFLICT",
            &format!("Payment {id} is in state {}", payment.state),
            request,
        ));
    }
    Ok(payment)
}

impl GoPay {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn token(&self, request: &Request) -> Response {
        let form = request.form();
        let get = |name: &str| form.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        let scopes = match get("grant_type").as_deref() {
            Some("client_credentials") => {
                if request.basic() != Some((CLIENT_ID.to_string(), CLIENT_SECRET.to_string())) {
                    return error(401, "UNAUTHORIZED", "Invalid client credentials", request);
                }
                // The scopes asked for, each one GoPay knows (RFC 6749 5.2: an unknown
                // one is `invalid_scope`); none asked for is the seed's pair.
                let asked = get("scope").unwrap_or_else(|| "payment:create payment:read".into());
                let scopes: Vec<String> = asked.split_whitespace().map(str::to_string).collect();
                if let Some(unknown) = scopes.iter().find(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
                    return error(
                        400,
                        "BAD_REQUEST",
                        &format!("Invalid scope {unknown}"),
                        request,
                    );
                }
                scopes
            }
            Some("refresh_token") => {
                let renewed = get("refresh_token").and_then(|t| self.lock().refresh.remove(&t));
                match renewed {
                    Some(scopes) if get("client_id").as_deref() == Some(CLIENT_ID) => scopes,
                    _ => return error(400, "BAD_REQUEST", "Invalid refresh token", request),
                }
            }
            _ => return error(400, "BAD_REQUEST", "Unsupported grant_type", request),
        };
        let (access, expires) = jwt(self.token_lifetime, &self.clock, &self.ids, &scopes);
        let refresh = self.ids.hex(16);
        let mut state = self.lock();
        state
            .access
            .insert(access.clone(), (expires, scopes.clone()));
        state.refresh.insert(refresh.clone(), scopes);
        // No expires_in, as in the seed: the client reads the JWT's exp.
        Response::json(
            200,
            &json!({"access_token": access, "token_type": "bearer", "refresh_token": refresh}),
        )
    }

    fn notify(&self, payment: &Payment) {
        if let Some(url) = &payment.notification_url {
            self.webhooks.set_url(Some(url.clone()));
            self.webhooks.send(
                reqwest::Method::GET,
                Some(format!("id={}", payment.id)),
                Vec::new(),
                Vec::new(),
            );
        }
    }

    fn card_token(&self, request: &Request) -> Response {
        let body = request.json().unwrap_or_default();
        let Some(payload) = body["payload"].as_str() else {
            return error(400, "BAD_REQUEST", "payload is required", request);
        };
        let (card, pan) = match self.decrypted_card(payload) {
            Ok(decrypted) => decrypted,
            Err(e) => return error(400, "BAD_REQUEST", &e, request),
        };
        let token = format!("card-{}", self.ids.hex(8));
        let permanent = body["permanent"].as_bool().unwrap_or(false);
        let mut answer = json!({
            "masked_pan": masked_pan(&pan),
            "expiration_month": card["exp_month"], "expiration_year": card["exp_year"],
            "scheme": scheme(&pan),
            "service_type": "DEBIT", "corporate": false, "fingerprint": self.ids.hex(8), "token": token,
        });
        if permanent {
            answer["card_id"] = json!(self.ids.hex(4));
        } else {
            answer["expires_in"] = json!("900");
        }
        self.lock().cards.insert(token, json!({"pan": pan}));
        Response::typed::<types::Card>(201, &answer).state_changed()
    }

    /// A card JWE (`/cards/tokens`' payload, an ENCRYPTED_CARD input): the card and its
    /// number, if the JWE is for the sandbox's key and the number is valid.
    fn decrypted_card(&self, payload: &str) -> std::result::Result<(Value, String), String> {
        let (kid, plain) = crate::jwe::decrypt(payload, &self.key)?;
        if kid != self.kid {
            return Err(format!("Unknown kid {kid}"));
        }
        let card: Value = serde_json::from_slice(&plain).unwrap_or_default();
        let pan = card["card_pan"].as_str().unwrap_or_default().to_string();
        if !(12..=19).contains(&pan.len()) || !payspec_gopay::luhn_valid(&pan) {
            return Err("Invalid card number".into());
        }
        Ok((card, pan))
    }

    /// `POST /payments/{id}/charge`, the published API 4.0's charge: the request's shape
    /// is held to the spec (`PaymentChargeInput`), then it is charged as the seed's
    /// `/charges` would be, and answered with the published fields too (`action`,
    /// `payment_instrument.details`, `return_url`).
    fn charge_published(&self, request: &Request, id: &str) -> Response {
        let body: types::PaymentChargeInput = match conforming_body(request, "charge") {
            Ok(body) => body,
            Err(refused) => return refused,
        };
        // As for `/charges`: an unknown payment is 404 before anything else.
        if !self.lock().payments.contains_key(id) {
            return error(404, "NOT_FOUND", "Payment not found", request);
        }
        let data = body.payment_instrument;
        let pan = match &data.input {
            types::CardInput::CardTokenInput(input) => {
                match self.lock().cards.get(input.card_token.as_str()) {
                    Some(card) => card["pan"].as_str().unwrap_or_default().to_string(),
                    None => return error(400, "BAD_REQUEST", "Unknown card token", request),
                }
            }
            types::CardInput::EncryptedCardInput(input) => {
                match self.decrypted_card(&input.payload) {
                    Ok((_, pan)) => pan,
                    Err(e) => return error(400, "BAD_REQUEST", &e, request),
                }
            }
        };
        let input_type = match &data.input {
            types::CardInput::CardTokenInput(_) => "CARD_TOKEN",
            types::CardInput::EncryptedCardInput(_) => "ENCRYPTED_CARD",
        };
        self.charge_card(request, id, pan, input_type)
    }

    /// Charges a CREATED payment with the card `pan` (published API 4.0 shape).
    fn charge_card(&self, request: &Request, id: &str, pan: String, input_type: &str) -> Response {
        let state = self.lock();
        let payment = match chargeable(&state, request, id) {
            Ok(payment) => payment,
            Err(refused) => return refused,
        };
        let three_ds_needed = pan.starts_with("4000");
        let details = json!({
            "masked_pan": masked_pan(&pan),
            "scheme": scheme(&pan),
            "input_type": input_type,
        });
        let return_url = payment.return_url.clone();
        let charge_id = self.ids.hex(13).to_uppercase();
        let mut charge = json!({"id": charge_id,
            "payment_instrument": {"type": "PAYMENT_CARD", "payment_instrument": "PAYMENT_CARD",
                "input_method": "TOKEN", "details": details}});
        if three_ds_needed {
            let url = format!("{}{}gopay/3ds/{id}", request.pages, pages::PREFIX);
            charge["state"] = json!("ACTION_REQUIRED");
            charge["action"] =
                json!({"action_type": "EMV3DS", "redirect_url": url, "state": "CREATED"});
            charge["payment_instrument"]["3ds"] = json!({"auth_state": "CHALLENGE_REQUIRED"});
        } else {
            charge["state"] = json!("SUCCEEDED");
            charge["payment_instrument"]["3ds"] =
                json!({"auth_state": "AUTHENTICATED_FRICTIONLESS"});
        }
        if let Some(url) = return_url {
            charge["return_url"] = json!(url);
        }
        self.settle(state, request, id, charge, three_ds_needed)
    }

    /// A payment of `amount` made from `body` (a `CreatePaymentRequest`'s fields), in
    /// `state`, stored.
    fn new_payment(&self, body: &Value, amount: i64, pages: &str, state: &'static str) -> Payment {
        let id = self.ids.hex(13).to_uppercase();
        let payment = Payment {
            gw_url: format!("{pages}{}gopay/gw/{id}", pages::PREFIX),
            return_url: body
                .pointer("/callback/return_url")
                .and_then(Value::as_str)
                .map(str::to_string),
            id,
            payment_secret: self.ids.hex(8),
            order_number: body["order_number"].as_str().unwrap_or_default().into(),
            amount,
            refunded: 0,
            currency: body["currency"].as_str().unwrap_or_default().into(),
            state,
            notification_url: body
                .pointer("/callback/notification_url")
                .and_then(Value::as_str)
                .map(str::to_string),
            charge: None,
        };
        self.lock()
            .payments
            .insert(payment.id.clone(), payment.clone());
        payment
    }

    /// `POST /eshops/{goid}/recurrences`.
    fn create_recurrence(&self, request: &Request) -> Response {
        let body: types::RecurrenceCreateRequest = match conforming_body(request, "recurrence") {
            Ok(body) => body,
            Err(refused) => return refused,
        };
        let auto = body.type_ == payspec_gopay_api::open_enums::RecurrenceType::Auto;
        if auto && body.schedule.is_none() {
            return error(
                400,
                "BAD_REQUEST",
                "an AUTO recurrence needs a schedule",
                request,
            );
        }
        let id = self.ids.u64(3_000_000_000..3_999_999_999).to_string();
        let template = serde_json::to_value(&body.payment).unwrap_or_default();
        let recurrence = Recurrence {
            id: id.clone(),
            auto,
            schedule: body
                .schedule
                .as_ref()
                .and_then(|s| serde_json::to_value(s).ok()),
            template,
            first_payment: None,
            stopped: false,
        };
        self.lock().recurrences.insert(id, recurrence.clone());
        Response::typed::<types::Recurrence>(201, &self.recurrence_json(&recurrence))
            .state_changed()
    }

    /// A recurrence as GoPay answers it: NEW until started, REQUESTED while its first
    /// payment waits for the payer, STARTED once paid, STOPPED when stopped.
    fn recurrence_json(&self, recurrence: &Recurrence) -> Value {
        let store = self.lock();
        let first = recurrence
            .first_payment
            .as_ref()
            .and_then(|id| store.payments.get(id));
        let state = match (recurrence.stopped, first) {
            (true, _) => "STOPPED",
            (false, None) => "NEW",
            (false, Some(p)) if matches!(p.state, "PAID" | "PARTIALLY_REFUNDED" | "REFUNDED") => {
                "STARTED"
            }
            (false, Some(_)) => "REQUESTED",
        };
        let mut answer = json!({"id": recurrence.id,
            "type": if recurrence.auto { "AUTO" } else { "ON_DEMAND" },
            "state": state});
        // The spec's payment has an id: there is one once the recurrence started.
        if let Some(payment) = first {
            answer["payment"] = payment.to_json();
        }
        if let Some(schedule) = &recurrence.schedule {
            answer["schedule"] = schedule.clone();
        }
        if recurrence.stopped {
            answer["stop_reason"] = json!("CANCELLED_VIA_API");
        }
        answer
    }

    /// `start`: the first payment (the payer pays it); `next`: a payment of a started
    /// ON_DEMAND recurrence, charged at once. The override's fields replace the
    /// template's.
    fn recurrence_payment(&self, request: &Request, id: &str, next: bool) -> Response {
        let Some(recurrence) = self.lock().recurrences.get(id).cloned() else {
            return error(404, "NOT_FOUND", "Recurrence not found", request);
        };
        let changes: types::PaymentOverride = match conforming_body(request, "payment override") {
            Ok(changes) => changes,
            Err(refused) => return refused,
        };
        let state = self.recurrence_json(&recurrence)["state"].clone();
        let allowed = match next {
            false => state == "NEW",
            true => !recurrence.auto && state == "STARTED",
        };
        if !allowed {
            return error(
                409,
                "CONFLICT",
                &format!(
                    "Recurrence {id} is {state}; this needs it {}",
                    if next { "STARTED and ON_DEMAND" } else { "NEW" }
                ),
                request,
            );
        }
        let mut body = recurrence.template.clone();
        if let (Value::Object(fields), Ok(Value::Object(overrides))) =
            (&mut body, serde_json::to_value(&changes))
        {
            for (key, value) in overrides {
                if !value.is_null() {
                    fields.insert(key, value);
                }
            }
        }
        let Some(amount) = body["amount"].as_i64().filter(|a| *a >= 1) else {
            return error(400, "BAD_REQUEST", "amount must be at least 1", request);
        };
        let payment = self.new_payment(
            &body,
            amount,
            &request.pages,
            if next { "PAID" } else { "CREATED" },
        );
        if !next && let Some(stored) = self.lock().recurrences.get_mut(id) {
            stored.first_payment = Some(payment.id.clone());
        }
        if next {
            self.notify(&payment);
        }
        Response::typed::<types::Payment>(201, &payment.to_json()).state_changed()
    }

    /// `POST /eshops/{goid}/links`: a link whose URL is the gateway page of a payment
    /// made for it.
    fn create_link(&self, request: &Request) -> Response {
        let body: types::LinkCreateRequest = match conforming_body(request, "link") {
            Ok(body) => body,
            Err(refused) => return refused,
        };
        let template = serde_json::to_value(&body.payment).unwrap_or_default();
        let Some(amount) = template["amount"].as_i64().filter(|a| *a >= 1) else {
            return error(400, "BAD_REQUEST", "amount must be at least 1", request);
        };
        let payment = self.new_payment(&template, amount, &request.pages, "CREATED");
        let link = Link {
            id: self.ids.u64(4_000_000_000..4_999_999_999).to_string(),
            template,
            reusable: body.reusable.unwrap_or(true),
            expires_at: body.expires_at,
            payment: payment.id,
            disabled: false,
        };
        self.lock().links.insert(link.id.clone(), link.clone());
        let (answer, _) = self.link_json(&link, &request.pages);
        Response::typed::<types::PaymentLink>(201, &answer).state_changed()
    }

    /// A link as GoPay answers it. A single-use link stops once paid (ALREADY_PAID); a
    /// reusable one gets a fresh payment (and URL) for the next payer; past
    /// `expires_at` (on the sandbox's clock) it stops (EXPIRED).
    fn link_json(&self, link: &Link, pages: &str) -> (Value, bool) {
        let paid = self
            .lock()
            .payments
            .get(&link.payment)
            .is_some_and(|p| p.state != "CREATED");
        let mut link = link.clone();
        let renewed = paid && link.reusable && !link.disabled;
        if renewed {
            let amount = link.template["amount"].as_i64().unwrap_or(1);
            let fresh = self.new_payment(&link.template, amount, pages, "CREATED");
            link.payment = fresh.id;
            self.lock().links.insert(link.id.clone(), link.clone());
        }
        let expired = link.expires_at.is_some_and(|at| at < self.clock.utc());
        let stop_reason = if link.disabled {
            Some("FROM_API")
        } else if expired {
            Some("EXPIRED")
        } else if paid && !link.reusable {
            Some("ALREADY_PAID")
        } else {
            None
        };
        let mut answer = json!({"id": link.id, "active": stop_reason.is_none(),
            "reusable": link.reusable, "payment": link.template,
            "url": format!("{pages}{}gopay/gw/{}", pages::PREFIX, link.payment)});
        if let Some(at) = link.expires_at {
            answer["expires_at"] = json!(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
        if let Some(reason) = stop_reason {
            answer["stop_reason"] = json!(reason);
        }
        (answer, renewed)
    }

    /// What a wallet or a QR transfer needs for a payment that can still be paid (409
    /// otherwise, as GoPay): Google Pay's and Apple Pay's requests, to be handed to them
    /// as they are, and a QR transfer's recipient and codes. The sandbox gives the codes'
    /// payment strings (what the images would encode), not images.
    fn wallet_info(&self, request: &Request, id: &str) -> Response {
        let state = self.lock();
        let payment = match chargeable(&state, request, id) {
            Ok(payment) => payment,
            Err(refused) => return refused,
        };
        drop(state);
        let amount = decimal(payment.amount);
        let segments = request.segments();
        match segments.as_slice() {
            [_, _, "qr-payment", "info"] => {
                let spayd = format!(
                    "SPD*1.0*ACC:CZ6508000000192000145399*AM:{amount}*CC:{}*X-VS:{}",
                    payment.currency, payment.order_number
                );
                Response::typed::<types::QrPaymentInfo>(
                    200,
                    &json!({"amount": payment.amount, "currency": payment.currency,
                        "recipient": {"name": "GoPay sandbox", "bank_account": {
                            "iban": "CZ6508000000192000145399", "bic": "GIBACZPX"}},
                        "qr_code": {"spayd": spayd}}),
                )
            }
            [_, _, "google-pay", "info"] => Response::typed::<types::GooglePayInfo>(
                200,
                &json!({"environment": "TEST", "paymentDataRequest": {
                    "apiVersion": 2, "apiVersionMinor": 0,
                    "allowedPaymentMethods": [{"type": "CARD",
                        "parameters": {"allowedAuthMethods": ["PAN_ONLY", "CRYPTOGRAM_3DS"],
                            "allowedCardNetworks": ["MASTERCARD", "VISA"]},
                        "tokenizationSpecification": {"type": "PAYMENT_GATEWAY",
                            "parameters": {"gateway": "gopay", "gatewayMerchantId": GOID}}}],
                    "merchantInfo": {"merchantName": "GoPay sandbox"},
                    "transactionInfo": {"totalPriceStatus": "FINAL", "totalPrice": amount,
                        "currencyCode": payment.currency, "countryCode": "CZ"}}}),
            ),
            [_, _, "apple-pay", "info" | "app-info"] => Response::typed::<types::ApplePayInfo>(
                200,
                &json!({"applepayVersion": 6, "merchantIdentifier": format!("sandbox.{GOID}"),
                    "applePayPaymentRequest": {"countryCode": "CZ", "currencyCode": payment.currency,
                        "merchantCapabilities": ["supports3DS"], "supportedNetworks": ["visa", "masterCard"],
                        "total": {"label": "GoPay sandbox", "amount": amount, "type": "final"}}}),
            ),
            _ => error(404, "NOT_FOUND", "Not found", request),
        }
    }

    /// Apple's merchant session for a payment that can still be paid: the sandbox makes
    /// one (opaque, as Apple's is) for the page's origin.
    fn validate_apple_pay(&self, request: &Request, id: &str) -> Response {
        // The request first (its required header and body), then the payment's state.
        let Some(origin) = request.header("origin").filter(|o| !o.is_empty()) else {
            return error(400, "BAD_REQUEST", "Origin is required", request);
        };
        if let Err(refused) = conforming_body::<types::ApplePayValidation>(request, "validation") {
            return refused;
        }
        if let Err(refused) = chargeable(&self.lock(), request, id) {
            return refused;
        }
        let domain = origin
            .split("://")
            .nth(1)
            .unwrap_or(origin)
            .split(['/', ':'])
            .next()
            .unwrap_or_default();
        let now = self.clock.unix_millis();
        Response::typed::<types::ApplePayMerchantSession>(
            200,
            &json!({"merchantSessionIdentifier": self.ids.hex(16), "nonce": self.ids.hex(4),
                "merchantIdentifier": format!("sandbox.{GOID}"), "domainName": domain,
                "displayName": "GoPay sandbox", "epochTimestamp": now,
                "expiresAt": now.saturating_add(300_000), "signature": self.ids.hex(32)}),
        )
    }

    /// Stores `charge` on the payment (paid unless 3-D Secure is pending), notifies, and
    /// answers it.
    fn settle(
        &self,
        mut state: std::sync::MutexGuard<'_, Store>,
        request: &Request,
        id: &str,
        charge: Value,
        three_ds_needed: bool,
    ) -> Response {
        let updated = {
            let Some(stored) = state.payments.get_mut(id) else {
                return error(404, "NOT_FOUND", "Payment not found", request);
            };
            stored.charge = Some(charge.clone());
            if !three_ds_needed {
                stored.state = "PAID";
            }
            stored.clone()
        };
        drop(state);
        self.notify(&updated);
        Response::typed::<types::Charge>(201, &charge).state_changed()
    }

    fn charge(&self, request: &Request, id: &str) -> Response {
        let body = request.json().unwrap_or_default();
        let state = self.lock();
        if let Err(refused) = chargeable(&state, request, id) {
            return refused;
        }
        let (instrument, input, three_ds_needed) = match body["type"].as_str() {
            Some("PAYMENT_CARD") => {
                let token = body
                    .pointer("/payload/card_token")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let Some(card) = state.cards.get(token) else {
                    return error(400, "BAD_REQUEST", "Unknown card token", request);
                };
                let pan = card["pan"].as_str().unwrap_or_default().to_string();
                ("PAYMENT_CARD", "TOKEN", pan.starts_with("4000"))
            }
            Some("GOOGLE_PAY") => ("PAYMENT_CARD", "GOOGLE_PAY", false),
            Some("APPLE_PAY") => ("PAYMENT_CARD", "APPLE_PAY", false),
            _ => {
                return error(
                    400,
                    "BAD_REQUEST",
                    "type must be PAYMENT_CARD, GOOGLE_PAY or APPLE_PAY",
                    request,
                );
            }
        };
        let charge_id = self.ids.hex(13).to_uppercase();
        let charge = if three_ds_needed {
            json!({"id": charge_id, "state": "ACTION_REQUIRED",
                "action_url": format!("{}{}gopay/3ds/{id}", request.pages, pages::PREFIX),
                "payment_instrument": {"type": instrument, "input_method": input, "3ds": {"auth_state": "CHALLENGE_REQUIRED"}}})
        } else {
            json!({"id": charge_id, "state": "SUCCEEDED",
                "payment_instrument": {"type": instrument, "input_method": input, "3ds": {"auth_state": "AUTHENTICATED_FRICTIONLESS"}}})
        };
        self.settle(state, request, id, charge, three_ds_needed)
    }

    fn refund(&self, request: &Request, id: &str) -> Response {
        let amount = request
            .json()
            .ok()
            .and_then(|b| b["amount"].as_i64())
            .unwrap_or(0);
        if amount < 1 {
            return error(400, "BAD_REQUEST", "amount must be at least 1", request);
        }
        let mut state = self.lock();
        let Some(payment) = state.payments.get_mut(id) else {
            return error(404, "NOT_FOUND", "Payment not found", request);
        };
        if !matches!(payment.state, "PAID" | "PARTIALLY_REFUNDED")
            || payment.refunded.saturating_add(amount) > payment.amount
        {
            return error(
                409,
                "CONFLICT",
                &format!("Payment {id} cannot be refunded by {amount}"),
                request,
            );
        }
        payment.refunded += amount;
        payment.state = if payment.refunded == payment.amount {
            "REFUNDED"
        } else {
            "PARTIALLY_REFUNDED"
        };
        let now = self.clock.rfc3339();
        let refund = json!({"id": self.ids.hex(13).to_uppercase(), "state": "SUCCESS", "amount": amount,
            "currency": payment.currency, "created_at": now, "updated_at": now, "payment_id": id});
        let snapshot = payment.clone();
        state.refunds.insert(
            refund["id"].as_str().unwrap_or_default().to_string(),
            refund.clone(),
        );
        drop(state);
        self.notify(&snapshot);
        Response::typed::<types::Refund>(201, &refund).state_changed()
    }
}

/// What the payer can do on GoPay's payment gateway page (`gw_url`).
const GATEWAY_CHOICES: &[pages::Choice] = &[
    ("pay", "Pay"),
    ("cancel", "Cancel the payment"),
    ("expire", "Let it time out"),
];

/// What the payer's bank can answer on the 3-D Secure page (`action_url`).
const THREE_DS_CHOICES: &[pages::Choice] = &[
    ("pass", "Authenticate (3-D Secure passes)"),
    ("fail", "Fail authentication"),
];

impl GoPay {
    /// `/payer/gopay/gw/{id}` (the gateway: pay -> PAID, cancel -> CANCELED, expire ->
    /// TIMEOUTED) and `/payer/gopay/3ds/{id}` (3-D Secure of a card charge: pass ->
    /// charge SUCCEEDED, payment PAID; fail -> charge FAILED, NOT_AUTHENTICATED, the
    /// payment stays CREATED). A choice sends the `?id=` notification and returns the
    /// browser to `callback.return_url?id=<payment id>`, as GoPay does.
    fn payer(&self, request: &Request) -> Option<Response> {
        let rest = pages::payer_path(request, "gopay")?;
        if rest == "card-form" {
            return Some(self.card_form(request));
        }
        let (kind, id) = rest.split_once('/')?;
        let payment = self.lock().payments.get(id).cloned()?;
        let (title, choices, waiting) = match kind {
            "gw" => (
                "GoPay payment gateway",
                GATEWAY_CHOICES,
                payment.state == "CREATED",
            ),
            "3ds" => {
                let challenged = payment
                    .charge
                    .as_ref()
                    .is_some_and(|c| c["state"] == "ACTION_REQUIRED");
                (
                    "3-D Secure (GoPay sandbox bank)",
                    THREE_DS_CHOICES,
                    challenged,
                )
            }
            _ => return None,
        };
        let page = pages::PayerPage {
            title,
            settled: (!waiting).then_some(payment.state),
            facts: vec![
                ("Order", payment.order_number.clone()),
                pages::amount_fact(payment.amount, &payment.currency),
                ("Payment", payment.id.clone()),
            ],
            choices,
        };
        page.serve(request, |choice| {
            let settled = {
                let mut state = self.lock();
                let p = state.payments.get_mut(id)?;
                match choice {
                    "pay" => p.state = "PAID",
                    "cancel" => p.state = "CANCELED",
                    "expire" => p.state = "TIMEOUTED",
                    "pass" | "fail" => {
                        let passed = choice == "pass";
                        if let Some(charge) = p.charge.as_mut() {
                            charge["state"] = json!(if passed { "SUCCEEDED" } else { "FAILED" });
                            charge["payment_instrument"]["3ds"]["auth_state"] = json!(if passed {
                                "AUTHENTICATED_CHALLENGE"
                            } else {
                                "NOT_AUTHENTICATED"
                            });
                            if let Some(fields) = charge.as_object_mut() {
                                fields.remove("action_url");
                            }
                        }
                        if passed {
                            p.state = "PAID";
                        }
                    }
                    _ => return None,
                }
                p.clone()
            };
            self.notify(&settled);
            Some(pages::back_or_done(
                settled.return_url.as_deref(),
                &[("id", &settled.id)],
                title,
                settled.state,
            ))
        })
    }
}

/// The card form's inputs: the patterns `CardData::new` holds a card to (all but the
/// Luhn check, which the sandbox makes when the form is posted), reported under the
/// field names of GoPay's `iframe-protocol.ts` (`pan`, `expiry`, `cvv`).
const CARD_INPUTS: &[pages::Input] = &[
    pages::Input {
        name: "card_pan",
        label: "Card number",
        autocomplete: "cc-number",
        pattern: " *([0-9] *){12,19}",
        reported_as: "pan",
    },
    pages::Input {
        name: "exp_month",
        label: "Expiry month (MM)",
        autocomplete: "cc-exp-month",
        pattern: "0?[1-9]|1[0-2]",
        reported_as: "expiry",
    },
    pages::Input {
        name: "exp_year",
        label: "Expiry year (YY)",
        autocomplete: "cc-exp-year",
        pattern: "[0-9]{2}|20[0-9]{2}",
        reported_as: "expiry",
    },
    pages::Input {
        name: "cvv",
        label: "CVV",
        autocomplete: "cc-csc",
        pattern: "[0-9]{3,4}",
        reported_as: "cvv",
    },
];

/// The message names of GoPay's card form (`iframe-protocol.ts` in gopay-js-sdk).
const CARD_FORM_MESSAGES: pages::FrameMessages = pages::FrameMessages {
    init: "GOPAY_CARD_FORM_INIT",
    submit: "GOPAY_CARD_REQUEST_SUBMIT",
    validity: "GOPAY_CARD_FORM_VALIDITY",
    errors: "GOPAY_CARD_FORM_ERRORS",
    height: "GOPAY_CARD_FORM_HEIGHT",
};

/// The card form's field (`iframe-protocol.ts`'s `CardFormField`) a refusal is about.
fn refused_field(error: &payspec_gopay::CardError) -> &'static str {
    use payspec_gopay::CardError;
    match error {
        CardError::Month | CardError::Year => "expiry",
        CardError::Cvv => "cvv",
        _ => "pan",
    }
}

impl GoPay {
    /// The sandbox's public key as GoPay's key endpoints answer it.
    fn public_jwk(&self) -> Value {
        let public = self.key.to_public_key();
        json!({
            "kty": "RSA", "kid": self.kid, "use": "enc", "alg": "RSA-OAEP-256",
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        })
    }

    /// `/payer/gopay/card-form?origin=<the merchant page's origin>`: the hosted card form
    /// [`Client::card_form_url`](payspec_gopay::Client::card_form_url) points to, as
    /// GoPay's browser SDK frames it. The payer types the card; the form encrypts it to
    /// GoPay's key (the JWE the client's `CardData::encrypt` makes, which `/cards/tokens`
    /// and `charge_card`'s encrypted input take) and posts it to the framing page as
    /// `{"type": "GOPAY_CARD_ENCRYPT_RESULT", "card_token": <JWE>}`, and
    /// `GOPAY_CARD_ENCRYPT_READY` when it is shown (the messages of the browser SDK's
    /// `iframe-protocol.ts`), to `origin` only. It speaks the rest of that protocol as
    /// [`pages::FrameProtocol`] does: `GOPAY_CARD_FORM_INIT` with `submitMode: "external"`
    /// hides its button, `GOPAY_CARD_REQUEST_SUBMIT` submits it, and it reports
    /// `GOPAY_CARD_FORM_VALIDITY`, `GOPAY_CARD_FORM_ERRORS` (a field and a code, never a
    /// value; a card the sandbox refuses on submit too) and `GOPAY_CARD_FORM_HEIGHT`.
    /// Themes and locales are not applied. The card never reaches the merchant
    /// unencrypted, and the sandbox keeps nothing of it.
    fn card_form(&self, request: &Request) -> Response {
        const TITLE: &str = "GoPay card form (sandbox)";
        let origin = request.query_param("origin");
        let frame = |on_load: Vec<Value>| {
            origin.map(|origin| pages::FrameProtocol {
                origin: origin.to_string(),
                on_load,
                names: CARD_FORM_MESSAGES,
            })
        };
        let ready = json!({"type": "GOPAY_CARD_ENCRYPT_READY"});
        if request.method.as_str() != "POST" {
            let frame = frame(vec![ready]);
            return pages::form_page(TITLE, CARD_INPUTS, "Pay", None, frame.as_ref());
        }
        let form = request.form();
        let field = |name: &str| {
            form.iter()
                .find(|(n, _)| n == name)
                .map_or("", |(_, v)| v.as_str())
        };
        let card = payspec_gopay::CardData::new(
            field("card_pan"),
            field("exp_month"),
            field("exp_year"),
            field("cvv"),
        );
        let card = match card {
            Ok(card) => card,
            Err(refused) => {
                // Shown again with the problem, and the parent told which field, never
                // what was typed.
                let errors = json!({
                    "type": CARD_FORM_MESSAGES.errors,
                    "errors": [{"field": refused_field(&refused), "code": "pattern"}],
                });
                let frame = frame(vec![ready, errors]);
                let problem = refused.to_string();
                return pages::form_page(TITLE, CARD_INPUTS, "Pay", Some(&problem), frame.as_ref());
            }
        };
        let encrypted = serde_json::from_value::<types::Jwk>(self.public_jwk())
            .map_err(|e| e.to_string())
            .and_then(|jwk| card.encrypt(&jwk).map_err(|e| e.to_string()));
        match encrypted {
            Ok(jwe) => {
                let result = origin.map(|origin| pages::ToParent {
                    origin: origin.to_string(),
                    message: json!({"type": "GOPAY_CARD_ENCRYPT_RESULT", "card_token": jwe.as_str()}),
                });
                pages::result_page("Card encrypted", jwe.as_str(), result.as_ref())
            }
            Err(problem) => {
                // GoPay's form says ENCRYPTION_FAILED; the sandbox's own key cannot fail
                // this way, but the page says so rather than nothing.
                let result = origin.map(|origin| pages::ToParent {
                    origin: origin.to_string(),
                    message: json!({
                        "type": "GOPAY_CARD_ENCRYPT_ERROR",
                        "error": "The card could not be encrypted",
                        "code": "ENCRYPTION_FAILED",
                    }),
                });
                pages::result_page("Card not encrypted", &problem, result.as_ref())
            }
        }
    }
}

impl Handler for GoPay {
    fn payer_page(&self, request: &Request) -> Option<Response> {
        self.payer(request)
    }

    fn state(&self) -> State {
        State::new(
            self.lock()
                .payments
                .values()
                .map(|p| PaymentRecord::new(&p.id, &p.order_number, p.state, p.amount, &p.currency))
                .collect(),
        )
    }

    fn webhooks(&self) -> Option<&WebhookSender> {
        Some(&self.webhooks)
    }

    fn base_path(&self) -> &'static str {
        "/api/4.0"
    }

    fn routes(&self) -> &'static [payspec_core::Route] {
        payspec_gopay_api::OPERATIONS.routes
    }

    fn error(&self, status: u16, message: &str, request: &Request) -> Response {
        error(
            status,
            &payspec_sandbox::status_code_name(status),
            message,
            request,
        )
    }

    fn handle(&self, request: Request) -> Response {
        let segments = request.segments();
        if let ("POST", ["oauth2", "token"]) = (request.method.as_str(), segments.as_slice()) {
            return self.token(&request);
        }
        let granted = request
            .bearer()
            .and_then(|t| self.lock().access.get(t).cloned())
            .filter(|(exp, _)| self.clock.now() < *exp);
        let Some((_, scopes)) = granted else {
            return error(
                401,
                "UNAUTHORIZED",
                "Missing, unknown or expired access token",
                &request,
            );
        };
        // The scope the spec's operation names; the seed's `payment:create` covers all.
        let needed = payspec_sandbox::needed_scope(&payspec_gopay_api::OPERATIONS, &request);
        if let Some(needed) = needed
            && !scopes.iter().any(|s| s == needed || s == "payment:create")
        {
            return error(
                403,
                "FORBIDDEN",
                &format!("The access token lacks the scope {needed}"),
                &request,
            );
        }
        match (request.method.as_str(), segments.as_slice()) {
            // The seed's path and the published one serve the same key.
            ("GET", ["encryption", "public-key"] | ["cards", "public-key"]) => {
                Response::json(200, &self.public_jwk())
            }
            ("POST", ["cards", "tokens"]) => self.card_token(&request),
            ("GET", ["cards", "tokens", id]) => match self.lock().cards.contains_key(*id) {
                true => Response::json(200, &json!({"token": id})),
                false => error(404, "NOT_FOUND", "Card not found", &request),
            },
            ("DELETE", ["cards", "tokens", id]) => match self.lock().cards.remove(*id) {
                Some(_) => Response::empty(204),
                None => error(404, "NOT_FOUND", "Card not found", &request),
            },
            ("POST", ["eshops", goid, "payments"]) => {
                if *goid != GOID {
                    return error(403, "FORBIDDEN", "Unknown e-shop", &request);
                }
                let body = request.json().unwrap_or_default();
                // As the spec and its type read it: required fields, an amount from 1 to
                // the int64 maximum, a currency GoPay lists.
                let amount = REQUEST_SCHEMAS
                    .conforming::<types::CreatePaymentRequest>(
                        &payspec_gopay_api::OPERATIONS,
                        &request,
                        &body,
                        &[],
                    )
                    .and_then(|r| {
                        i64::try_from(r.amount.0.get()).map_err(|_| "amount: beyond int64".into())
                    });
                let amount = match amount {
                    Ok(amount) => amount,
                    Err(e) => return error(400, "BAD_REQUEST", &e, &request),
                };
                let payment = self.new_payment(&body, amount, &request.pages, "CREATED");
                Response::typed::<types::Payment>(201, &payment.to_json()).state_changed()
            }
            ("GET", ["payments", id]) => match self.lock().payments.get(*id) {
                Some(payment) => Response::typed::<types::Payment>(200, &payment.to_json()),
                None => error(404, "NOT_FOUND", "Payment not found", &request),
            },
            ("POST", ["payments", id, "charges"]) => self.charge(&request, id),
            ("POST", ["eshops", goid, "recurrences" | "links"]) if *goid != GOID => {
                error(403, "FORBIDDEN", "Unknown e-shop", &request)
            }
            ("POST", ["eshops", _, "recurrences"]) => self.create_recurrence(&request),
            ("GET", ["recurrences", id]) => {
                let recurrence = self.lock().recurrences.get(*id).cloned();
                match recurrence {
                    Some(r) => Response::typed::<types::Recurrence>(200, &self.recurrence_json(&r)),
                    None => error(404, "NOT_FOUND", "Recurrence not found", &request),
                }
            }
            ("DELETE", ["recurrences", id]) => match self.lock().recurrences.get_mut(*id) {
                Some(r) if !r.stopped => {
                    r.stopped = true;
                    Response::empty(204).state_changed()
                }
                Some(_) => error(409, "CONFLICT", "Recurrence already stopped", &request),
                None => error(404, "NOT_FOUND", "Recurrence not found", &request),
            },
            ("POST", ["recurrences", id, "start"]) => self.recurrence_payment(&request, id, false),
            ("POST", ["recurrences", id, "next"]) => self.recurrence_payment(&request, id, true),
            ("POST", ["eshops", _, "links"]) => self.create_link(&request),
            ("GET", ["links", id]) => {
                let link = self.lock().links.get(*id).cloned();
                match link {
                    Some(link) => {
                        // A reusable link that was paid gets a fresh payment: a change.
                        let (answer, renewed) = self.link_json(&link, &request.pages);
                        let response = Response::typed::<types::PaymentLink>(200, &answer);
                        if renewed {
                            response.state_changed()
                        } else {
                            response
                        }
                    }
                    None => error(404, "NOT_FOUND", "Link not found", &request),
                }
            }
            ("DELETE", ["links", id]) => match self.lock().links.get_mut(*id) {
                Some(link) => {
                    link.disabled = true;
                    Response::empty(204).state_changed()
                }
                None => error(404, "NOT_FOUND", "Link not found", &request),
            },
            ("GET", ["cards", "card-form-url"]) => Response::typed::<types::CardFormUrl>(
                200,
                &json!({"card_form_url": format!("{}{}gopay/card-form", request.pages, pages::PREFIX)}),
            ),
            (
                "GET",
                [
                    "payments",
                    id,
                    "qr-payment" | "google-pay" | "apple-pay",
                    "info" | "app-info",
                ],
            ) => self.wallet_info(&request, id),
            ("POST", ["payments", id, "apple-pay", "validate"]) => {
                self.validate_apple_pay(&request, id)
            }
            ("POST", ["payments", id, "charge"]) => self.charge_published(&request, id),
            ("GET", ["payments", id, "charge"]) => {
                let charge = self.lock().payments.get(*id).map(|p| p.charge.clone());
                match charge {
                    Some(Some(charge)) => Response::typed::<types::Charge>(200, &charge),
                    Some(None) => error(404, "NOT_FOUND", "The payment has no charge", &request),
                    None => error(404, "NOT_FOUND", "Payment not found", &request),
                }
            }
            ("POST", ["payments", id, "refunds"]) => self.refund(&request, id),
            ("GET", ["payments", id, "refunds"]) => {
                let mut state = self.lock();
                state.refund_fetches += 1;
                let list: Vec<Value> = state
                    .refunds
                    .values()
                    .filter(|r| r["payment_id"] == *id)
                    .cloned()
                    .collect();
                Response::json(200, &Value::Array(list))
            }
            ("GET", ["refunds", id]) => match self.lock().refunds.get(*id) {
                Some(refund) => Response::typed::<types::Refund>(200, refund),
                None => error(404, "NOT_FOUND", "Refund not found", &request),
            },
            _ => error(404, "NOT_FOUND", "Not found", &request),
        }
    }
}

payspec_sandbox::shared_api!(Sandbox, server, gopay);

/// A running GoPay sandbox; stops when dropped.
pub struct Sandbox {
    server: SandboxServer,
    gopay: Arc<GoPay>,
}

/// Token lifetime when [`Config::token_lifetime`] is not set (15 minutes).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(900);

impl Sandbox {
    /// Starts a sandbox: `Sandbox::start(Config::default())` for a free port, random
    /// ids and the system clock (the RSA key is fresh on every start, seed or not).
    pub async fn start(config: Config) -> Result<Self> {
        let key = RsaPrivateKey::new(&mut OsRng, 2048).map_err(|e| {
            Error::Config(payspec_core::ConfigError::Tls(format!("sandbox key: {e}")))
        })?;
        let ids = config.ids();
        let gopay = Arc::new(GoPay {
            key,
            kid: format!("sandbox_{}", ids.hex(4)),
            token_lifetime: config.token_lifetime.unwrap_or(TOKEN_LIFETIME),
            clock: config.clock.clone(),
            ids,
            state: Mutex::default(),
            webhooks: WebhookSender::default(),
        });
        let server = SandboxServer::start_config(gopay.clone(), None, &config).await?;
        Ok(Self { server, gopay })
    }

    /// A client builder wired to this sandbox.
    pub fn client_builder(&self) -> ClientBuilder {
        payspec_gopay::Client::builder()
            .base_url(self.base_url())
            .client_id(CLIENT_ID)
            .client_secret(CLIENT_SECRET)
            .goid(GOID)
    }

    /// The clock the sandbox reads (move a [`Clock::manual`] to expire tokens).
    pub fn clock(&self) -> &Clock {
        &self.gopay.clock
    }

    /// Makes every issued access token expired.
    pub fn expire_tokens(&self) {
        let now = self.gopay.clock.now();
        for (expiry, _) in self.gopay.lock().access.values_mut() {
            *expiry = now;
        }
    }
}
