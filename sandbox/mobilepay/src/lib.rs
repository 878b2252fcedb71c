//! An in-process MobilePay App Payments simulator: API key, the
//! payment states, `idempotencyKey` semantics, the reservation simulation, captures,
//! cancels, refunds, pagination, webhook subscriptions with signed notifications, and
//! fault injection.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), payspec_mobilepay::Error> {
//! use payspec_mobilepay_sandbox::{Config, Sandbox};
//! let sandbox = Sandbox::start(Config::default()).await?;
//! let client = sandbox.client_builder().build()?;
//! let payment = client
//!     .initiate_payment(payspec_mobilepay::NewPayment::new(1250, sandbox.payment_point_id(), "myapp://done", "order-1")?)
//!     .await?;
//! client.simulate_reservation(&payment.payment_id.to_string(), Sandbox::PAYMENT_SOURCE, Sandbox::USER).await?;
//! client.capture_payment(&payment.payment_id.to_string(), 1250).await?;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The kit this sandbox is built on: faults, webhooks, steps.
pub use payspec_sandbox::{
    Clock, Config, Delivery, Fault, Faults, PaymentRecord, State, Step, WebhookSender,
};

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use payspec_core::Secret;
use payspec_core::webhook::{HmacAlgorithm, SignatureEncoding, encode, hmac};
use payspec_mobilepay_api::types;
use payspec_sandbox::{Handler, Ids, Request, Response, SandboxServer, pages};
use serde_json::{Value, json};
use uuid::Uuid;

use payspec_mobilepay::{ClientBuilder, Result};

#[derive(Clone, Debug)]
struct Payment {
    id: Uuid,
    amount: i64,
    captured: i64,
    refunded: i64,
    reference: String,
    description: Option<String>,
    redirect_uri: String,
    idempotency_key: Uuid,
    state: &'static str,
    initiated_on: String,
    updated_on: String,
}

impl Payment {
    fn to_json(&self, point: Uuid) -> Value {
        let mut answer = json!({
            "paymentId": self.id, "amount": self.amount,
            "paymentPointId": point, "reference": self.reference, "redirectUri": self.redirect_uri,
            "state": self.state, "initiatedOn": self.initiated_on, "lastUpdatedOn": self.updated_on,
            "merchantId": Uuid::nil(), "isoCurrencyCode": "DKK", "paymentPointName": "Sandbox point",
        });
        // The spec's Payment.description is not nullable: absent when there is none.
        if let Some(description) = &self.description {
            answer["description"] = json!(description);
        }
        answer
    }
}

#[derive(Default)]
struct Store {
    payments: BTreeMap<Uuid, Payment>,
    order: Vec<Uuid>,
    /// idempotencyKey -> (payload fingerprint, answer)
    initiates: HashMap<Uuid, (Value, Response)>,
    refunds: HashMap<Uuid, (Value, Value)>,
    refund_list: Vec<Value>,
    webhooks: BTreeMap<Uuid, (Value, Secret)>,
}

struct MobilePay {
    api_key: String,
    point: Uuid,
    clock: Clock,
    ids: Ids,
    state: Mutex<Store>,
    webhooks: WebhookSender,
}

fn error(status: u16, code: &str, message: &str, request: &Request) -> Response {
    // Every answer names a code (the 409s MobilePay documents; the status otherwise).
    let named;
    let code = match code {
        "" => {
            named = payspec_sandbox::status_code_name(status).to_ascii_lowercase();
            named.as_str()
        }
        code => code,
    };
    Response::json(
        status,
        &json!({
            "code": code, "message": message,
            "correlationId": request.header("correlationid").unwrap_or_default(), "origin": "MPY",
        }),
    )
}

// The properties the spec lets be `null` in requests and in answers (generated from it).
use payspec_mobilepay_api::{NULLABLE_IN_ANSWERS, NULLABLE_IN_REQUESTS};

/// The query parameters the spec defines, checked as it defines them (UUIDs, dates,
/// page bounds, payment states).
fn query_fits(request: &Request) -> std::result::Result<(), String> {
    for (name, value) in &request.query {
        let fits = match name.as_str() {
            "pageNumber" => value.parse::<i32>().is_ok_and(|n| n >= 1),
            "pageSize" => value.parse::<i32>().is_ok_and(|n| (1..=1000).contains(&n)),
            "startDate" | "endDate" | "createdBefore" | "createdAfter" => {
                chrono::DateTime::parse_from_rfc3339(value).is_ok()
            }
            "paymentPointId" | "paymentId" => Uuid::parse_str(value).is_ok(),
            "stateFilter" => serde_json::from_value::<
                payspec_mobilepay_api::open_enums::PaymentState,
            >(json!(value))
            .is_ok_and(|state| !state.is_unknown()),
            _ => true,
        };
        if !fits {
            return Err(format!("The {name} query parameter is not valid."));
        }
    }
    Ok(())
}

/// The spec's request schemas: what the generated types do not hold a body to
/// (`maxItems`, ranges, patterns) is checked against them.
static REQUEST_SCHEMAS: payspec_sandbox::RequestSchemas =
    payspec_sandbox::RequestSchemas::new(payspec_mobilepay_api::REQUEST_SCHEMAS);

/// A body that does not fit the API, in MobilePay's words rather than serde's.
fn invalid_body(text: &str) -> String {
    match text
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        Some(field) => format!("The {field} field is required."),
        None => "The request body is invalid.".to_string(),
    }
}

impl MobilePay {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends `event` about `payment` to every subscription of that event (and of the
    /// payment's point, when a subscription names one).
    fn notify(&self, event: &str, payment: &Payment) {
        let point = self.point.to_string();
        let subscriptions: Vec<(String, Secret)> = self
            .lock()
            .webhooks
            .values()
            .filter(|(hook, _)| {
                hook["events"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|v| v == event))
                    && hook["paymentPointId"]
                        .as_str()
                        .is_none_or(|filter| filter == point)
            })
            .map(|(hook, key)| {
                (
                    hook["url"].as_str().unwrap_or_default().to_string(),
                    key.clone(),
                )
            })
            .collect();
        for (url, key) in subscriptions {
            let data = json!({"id": payment.id, "type": "payment", "reference": payment.reference});
            self.send_signed(&url, &key, event, data);
        }
    }

    /// One notification to `url`, signed with the subscription's `key` over the URL and
    /// the body (HMAC-SHA1, base64), as MobilePay signs them.
    fn send_signed(&self, url: &str, key: &Secret, event: &str, data: Value) {
        let body = json!({
            "notificationId": self.ids.uuid(), "eventType": event, "eventDate": self.clock.rfc3339(),
            "data": data,
        })
        .to_string();
        let message = payspec_mobilepay::webhook::signed_message(url, body.as_bytes());
        let signature = encode(
            &hmac(HmacAlgorithm::Sha1, key, &message),
            SignatureEncoding::Base64,
        );
        self.webhooks.set_url(Some(url.to_string()));
        self.webhooks.send(
            reqwest::Method::POST,
            None,
            vec![
                ("content-type".into(), "application/json".into()),
                (
                    payspec_mobilepay::webhook::SIGNATURE_HEADER.into(),
                    signature,
                ),
            ],
            body.into_bytes(),
        );
    }

    fn body<
        T: serde::de::DeserializeOwned + serde::Serialize + payspec_sandbox::JsonSchema + 'static,
    >(
        &self,
        request: &Request,
    ) -> std::result::Result<(Value, T), Response> {
        let value = request.json().map_err(|e| {
            error(
                400,
                "",
                &format!("The request body is not valid JSON: {e}"),
                request,
            )
        })?;
        let typed = REQUEST_SCHEMAS
            .conforming::<T>(
                &payspec_mobilepay_api::OPERATIONS,
                request,
                &value,
                NULLABLE_IN_REQUESTS,
            )
            .map_err(|e| error(400, "", &invalid_body(&e), request))?;
        Ok((value, typed))
    }

    fn initiate(&self, request: &Request) -> Response {
        let (value, body) = match self.body::<types::InitiatePaymentRequest>(request) {
            Ok(parsed) => parsed,
            Err(response) => return response,
        };
        if body.payment_point_id != self.point {
            return error(
                409,
                "payment_point_not_found",
                "Payment point not found",
                request,
            );
        }
        let mut state = self.lock();
        if let Some((asked, answered)) = state.initiates.get(&body.idempotency_key) {
            return if *asked == value {
                answered.clone()
            } else {
                error(
                    409,
                    "idempotency_key_reused",
                    "Idempotency key was used with another payload",
                    request,
                )
            };
        }
        let payment = Payment {
            id: self.ids.uuid(),
            amount: i64::from(body.amount.0.get()),
            captured: 0,
            refunded: 0,
            reference: body.reference.to_string(),
            description: body
                .description
                .as_ref()
                .and_then(|d| d.0.as_ref())
                .map(|d| d.to_string()),
            redirect_uri: body.redirect_uri.to_string(),
            idempotency_key: body.idempotency_key,
            state: "initiated",
            initiated_on: self.clock.rfc3339(),
            updated_on: self.clock.rfc3339(),
        };
        let answer = Response::json(200, &json!({
            "paymentId": payment.id,
            "mobilePayAppRedirectUri": format!("{}{}mobilepay/{}", request.pages, pages::PREFIX, payment.id),
        }))
        .state_changed();
        state
            .initiates
            .insert(body.idempotency_key, (value, answer.clone()));
        state.order.push(payment.id);
        state.payments.insert(payment.id, payment);
        answer
    }

    fn transition(
        &self,
        request: &Request,
        id: &str,
        event: Option<&str>,
        change: impl FnOnce(&mut Payment) -> std::result::Result<(), (&'static str, &'static str)>,
    ) -> Response {
        let Ok(id) = Uuid::parse_str(id) else {
            return error(400, "", "The paymentid is not a valid GUID", request);
        };
        let mut state = self.lock();
        let Some(payment) = state.payments.get_mut(&id) else {
            return error(404, "payment_not_found", "Payment not found", request);
        };
        match change(payment) {
            Ok(()) => {
                payment.updated_on = self.clock.rfc3339();
                let snapshot = payment.clone();
                drop(state);
                if let Some(event) = event {
                    self.notify(event, &snapshot);
                }
                Response::empty(204).state_changed()
            }
            Err((code, message)) => error(409, code, message, request),
        }
    }

    fn refund(&self, request: &Request) -> Response {
        let (value, body) = match self.body::<types::IssueRefundRequest>(request) {
            Ok(parsed) => parsed,
            Err(response) => return response,
        };
        let mut state = self.lock();
        if let Some((asked, answered)) = state.refunds.get(&body.idempotency_key) {
            return if *asked == value {
                Response::json(200, answered)
            } else {
                error(
                    409,
                    "idempotency_key_reused",
                    "Idempotency key was used with another payload",
                    request,
                )
            };
        }
        let Some(payment) = state.payments.get_mut(&body.payment_id) else {
            return error(404, "payment_not_found", "Payment not found", request);
        };
        if payment.state != "captured" {
            return error(
                409,
                "invalid_payment_state",
                "Only captured payments can be refunded",
                request,
            );
        }
        let amount = i64::from(body.amount.0.get());
        if payment.refunded.saturating_add(amount) > payment.captured {
            return error(
                409,
                "amount_exceeds_available_funds",
                "The amount exceeds what can be refunded",
                request,
            );
        }
        payment.refunded += amount;
        let refund = json!({
            "refundId": self.ids.uuid(), "paymentId": payment.id, "amount": amount,
            "description": body.description.as_ref().and_then(|d| d.0.as_ref()).map(|d| d.to_string()),
            "reference": body.reference.to_string(), "createdOn": self.clock.rfc3339(),
            "remainingAmount": payment.captured - payment.refunded,
            "paymentPointId": self.point, "merchantId": Uuid::nil(), "isoCurrencyCode": "DKK",
        });
        state
            .refunds
            .insert(body.idempotency_key, (value, refund.clone()));
        state.refund_list.push(refund.clone());
        Response::typed_with::<types::Refund>(NULLABLE_IN_ANSWERS, 200, &refund).state_changed()
    }

    fn page(request: &Request, items: Vec<Value>, name: &str) -> Response {
        let page: usize = request
            .query_param("pageNumber")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1)
            .max(1);
        let size: usize = request
            .query_param("pageSize")
            .and_then(|p| p.parse().ok())
            .unwrap_or(100)
            .clamp(1, 1000);
        // `page` comes from the query: any number, so the arithmetic saturates.
        let start = page.saturating_sub(1).saturating_mul(size);
        let chunk: Vec<Value> = items.iter().skip(start).take(size).cloned().collect();
        let next = (start.saturating_add(size) < items.len()).then_some(page.saturating_add(1));
        Response::json(
            200,
            &json!({"pageSize": size, "nextPageNumber": next, name: chunk}),
        )
    }
}

/// What the user can do in the MobilePay app the payment sends them to.
const APP_CHOICES: &[pages::Choice] = &[
    ("approve", "Approve in the app (the payment is reserved)"),
    ("decline", "Cancel in the app"),
    ("expire", "Do nothing until it expires"),
];

impl MobilePay {
    /// `/payer/mobilepay/{paymentId}`, standing in for the app `mobilePayAppRedirectUri`
    /// opens: approve -> `reserved` (webhook `payment.reserved`), decline ->
    /// `cancelledByUser` (`payment.cancelled_by_user`), expire -> `cancelledBySystem`
    /// (`payment.expired`); then the app sends the user to the payment's `redirectUri`.
    fn payer(&self, request: &Request) -> Option<Response> {
        let id = pages::payer_path(request, "mobilepay")?;
        let id = Uuid::parse_str(id).ok()?;
        let payment = self.lock().payments.get(&id).cloned()?;
        let page = pages::PayerPage {
            title: "MobilePay app (sandbox)",
            settled: (payment.state != "initiated").then_some(payment.state),
            facts: vec![
                ("Shop", "Sandbox point".to_string()),
                ("Reference", payment.reference.clone()),
                pages::amount_fact(payment.amount, "DKK"),
            ],
            choices: APP_CHOICES,
        };
        page.serve(request, |choice| {
            let (state, event) = match choice {
                "approve" => ("reserved", "payment.reserved"),
                "decline" => ("cancelledByUser", "payment.cancelled_by_user"),
                _ => ("cancelledBySystem", "payment.expired"),
            };
            let settled = {
                let mut store = self.lock();
                let p = store.payments.get_mut(&id)?;
                p.state = state;
                p.updated_on = self.clock.rfc3339();
                p.clone()
            };
            self.notify(event, &settled);
            Some(pages::redirect_back(&settled.redirect_uri, &[]))
        })
    }
}

impl Handler for MobilePay {
    fn payer_page(&self, request: &Request) -> Option<Response> {
        self.payer(request)
    }

    fn state(&self) -> State {
        State::new(
            self.lock()
                .payments
                .values()
                .map(|p| {
                    PaymentRecord::new(p.id.to_string(), &p.reference, p.state, p.amount, "DKK")
                })
                .collect(),
        )
    }

    fn webhooks(&self) -> Option<&WebhookSender> {
        Some(&self.webhooks)
    }

    fn routes(&self) -> &'static [payspec_core::Route] {
        payspec_mobilepay_api::OPERATIONS.routes
    }

    fn error(&self, status: u16, message: &str, request: &Request) -> Response {
        let code = match status {
            500..=599 => "processing_error".to_string(),
            _ => payspec_sandbox::status_code_name(status).to_ascii_lowercase(),
        };
        error(status, &code, message, request)
    }

    fn handle(&self, request: Request) -> Response {
        let authorized = request.bearer().is_some_and(|key| {
            payspec_core::webhook::constant_time_eq(key.as_bytes(), self.api_key.as_bytes())
        });
        if !authorized {
            return error(
                401,
                "unauthorized_access",
                "Invalid or missing API key",
                &request,
            );
        }
        // The spec's CorrelationId is a UUID.
        if let Some(id) = request.header("correlationid")
            && uuid::Uuid::parse_str(id).is_err()
        {
            return error(
                400,
                "bad_request",
                "The CorrelationId header must be a UUID",
                &request,
            );
        }
        if let Err(reason) = query_fits(&request) {
            return error(400, "", &reason, &request);
        }
        let segments = request.segments();
        match (request.method.as_str(), segments.as_slice()) {
            ("POST", ["v1", "payments"]) => self.initiate(&request),
            ("GET", ["v1", "payments"]) => {
                let state = self.lock();
                let wanted: Vec<String> = request
                    .query
                    .iter()
                    .filter(|(n, _)| n == "stateFilter")
                    .map(|(_, v)| v.clone())
                    .collect();
                let items = state
                    .order
                    .iter()
                    .filter_map(|id| state.payments.get(id))
                    .filter(|p| wanted.is_empty() || wanted.iter().any(|w| w == p.state))
                    .map(|p| p.to_json(self.point))
                    .collect();
                Self::page(&request, items, "payments")
            }
            ("GET", ["v1", "payments", id]) => match Uuid::parse_str(id)
                .ok()
                .and_then(|id| self.lock().payments.get(&id).cloned())
            {
                Some(payment) => Response::typed_with::<types::Payment>(
                    NULLABLE_IN_ANSWERS,
                    200,
                    &payment.to_json(self.point),
                ),
                None => error(404, "payment_not_found", "Payment not found", &request),
            },
            ("POST", ["v1", "payments", "cancel"]) => {
                let key = request.json().ok().and_then(|b| {
                    b["idempotencyKey"]
                        .as_str()
                        .and_then(|k| Uuid::parse_str(k).ok())
                });
                let Some(key) = key else {
                    return error(400, "", "idempotencyKey must be a GUID", &request);
                };
                let id = self
                    .lock()
                    .payments
                    .values()
                    .find(|p| p.idempotency_key == key)
                    .map(|p| p.id);
                let Some(id) = id else {
                    return error(
                        404,
                        "payment_not_found",
                        "No payment for this idempotency key",
                        &request,
                    );
                };
                self.transition(&request, &id.to_string(), None, |p| match p.state {
                    "initiated" => {
                        p.state = "cancelledByMerchant";
                        Ok(())
                    }
                    _ => Err((
                        "invalid_payment_state",
                        "Only initiated payments can be cancelled by idempotency key",
                    )),
                })
            }
            ("POST", ["v1", "payments", id, "capture"]) => {
                let amount = request
                    .json()
                    .ok()
                    .and_then(|b| b["amount"].as_i64())
                    .unwrap_or(0);
                if amount < 1 {
                    return error(400, "", "The amount must be at least 1", &request);
                }
                self.transition(&request, id, None, |p| match p.state {
                    "reserved" if amount > p.amount => {
                        Err(("amount_too_large", "The amount exceeds the reservation"))
                    }
                    "reserved" => {
                        p.state = "captured";
                        p.captured = amount;
                        Ok(())
                    }
                    "captured" if p.captured == amount => Ok(()),
                    "captured" => Err((
                        "payment_captured_with_different_amount",
                        "Already captured with another amount",
                    )),
                    _ => Err((
                        "invalid_payment_state",
                        "Only reserved payments can be captured",
                    )),
                })
            }
            ("POST", ["v1", "payments", id, "cancel"]) => {
                self.transition(&request, id, None, |p| match p.state {
                    "initiated" | "reserved" => {
                        p.state = "cancelledByMerchant";
                        Ok(())
                    }
                    _ => Err((
                        "invalid_payment_state",
                        "The payment cannot be cancelled in its state",
                    )),
                })
            }
            ("POST", ["v1", "integration-test", "payments", id, "reserve"]) => {
                if self.body::<types::ReservePaymentRequest>(&request).is_err() {
                    return error(
                        400,
                        "",
                        "paymentSourceId and userId must be GUIDs",
                        &request,
                    );
                }
                self.transition(&request, id, Some("payment.reserved"), |p| match p.state {
                    "initiated" => {
                        p.state = "reserved";
                        Ok(())
                    }
                    _ => Err((
                        "invalid_payment_state",
                        "Only initiated payments can be reserved",
                    )),
                })
            }
            ("GET", ["v1", "paymentpoints"]) => Self::page(
                &request,
                vec![
                    json!({"paymentPointId": self.point, "paymentPointName": "Sandbox point", "state": "active"}),
                ],
                "paymentPoints",
            ),
            ("POST", ["v1", "refunds"]) => self.refund(&request),
            ("GET", ["v1", "refunds"]) => {
                let items = self.lock().refund_list.clone();
                Self::page(&request, items, "refunds")
            }
            ("GET", ["v1", "refunds", id]) => {
                let found = self
                    .lock()
                    .refund_list
                    .iter()
                    .find(|r| r["refundId"].as_str() == Some(id))
                    .cloned();
                match found {
                    Some(refund) => {
                        Response::typed_with::<types::Refund>(NULLABLE_IN_ANSWERS, 200, &refund)
                    }
                    None => error(404, "", "Refund not found", &request),
                }
            }
            ("GET", ["v1", "webhooks"]) => {
                let hooks: Vec<Value> = self
                    .lock()
                    .webhooks
                    .values()
                    .map(|(h, _)| h.clone())
                    .collect();
                Response::json(200, &json!({"webhooks": hooks}))
            }
            ("POST", ["v1", "webhooks"]) => {
                match self.body::<types::CreateWebhookRequest>(&request) {
                    Ok((_, typed)) if typed.events.is_empty() => error(
                        400,
                        "",
                        "The events field must name at least one event type.",
                        &request,
                    ),
                    Ok((_, typed)) if typed.events.iter().any(|e| e.is_unknown()) => error(
                        400,
                        "",
                        "The events field holds a value that is not an event type.",
                        &request,
                    ),
                    Ok((value, _)) => {
                        let id = self.ids.uuid();
                        let key = self.ids.hex(16);
                        let hook = json!({"webhookId": id, "url": value["url"], "events": value["events"],
                        "paymentPointId": value.get("paymentPointId")});
                        self.lock()
                            .webhooks
                            .insert(id, (hook.clone(), Secret::new(key.clone())));
                        let mut answer = hook;
                        answer["signatureKey"] = json!(key);
                        Response::json(200, &answer).state_changed()
                    }
                    Err(response) => response,
                }
            }
            ("PUT", ["v1", "webhooks", id]) => {
                let Some(id) = Uuid::parse_str(id).ok() else {
                    return error(400, "", "The webhookid is not a valid GUID", &request);
                };
                match self.body::<types::UpdateWebhookRequest>(&request) {
                    Ok((_, typed)) if typed.events.is_empty() => error(
                        400,
                        "",
                        "The events field must name at least one event type.",
                        &request,
                    ),
                    Ok((_, typed)) if typed.events.iter().any(|e| e.is_unknown()) => error(
                        400,
                        "",
                        "The events field holds a value that is not an event type.",
                        &request,
                    ),
                    Ok((value, _)) => {
                        let mut store = self.lock();
                        let Some((hook, _)) = store.webhooks.get_mut(&id) else {
                            return error(404, "", "Webhook not found", &request);
                        };
                        // PUT replaces: the filter is what this request says.
                        *hook = json!({"webhookId": id, "url": value["url"], "events": value["events"],
                            "paymentPointId": value.get("paymentPointId")});
                        let answer = hook.clone();
                        drop(store);
                        Response::typed_with::<types::Webhook>(NULLABLE_IN_ANSWERS, 200, &answer)
                            .state_changed()
                    }
                    Err(response) => response,
                }
            }
            ("POST", ["v1", "webhooks", id, "publishtestnotification"]) => {
                let hook = Uuid::parse_str(id)
                    .ok()
                    .and_then(|id| self.lock().webhooks.get(&id).cloned());
                match hook {
                    Some((hook, key)) => {
                        // A test notification: the subscription's first event, about no
                        // real payment.
                        let url = hook["url"].as_str().unwrap_or_default().to_string();
                        let event = hook["events"][0].as_str().unwrap_or("payment.reserved");
                        let data = json!({"id": Uuid::nil(), "type": "payment", "reference": "test-notification"});
                        self.send_signed(&url, &key, event, data);
                        Response::empty(204).state_changed()
                    }
                    None => error(404, "", "Webhook not found", &request),
                }
            }
            ("DELETE", ["v1", "webhooks", id]) => match Uuid::parse_str(id)
                .ok()
                .and_then(|id| self.lock().webhooks.remove(&id))
            {
                Some(_) => Response::empty(204),
                None => error(404, "", "Webhook not found", &request),
            },
            ("GET", ["v1", "webhooks", id]) => match Uuid::parse_str(id)
                .ok()
                .and_then(|id| self.lock().webhooks.get(&id).cloned())
            {
                Some((hook, _)) => {
                    Response::typed_with::<types::Webhook>(NULLABLE_IN_ANSWERS, 200, &hook)
                }
                None => error(404, "", "Webhook not found", &request),
            },
            _ => error(404, "", "Not found", &request),
        }
    }
}

payspec_sandbox::shared_api!(Sandbox, server, mobilepay);

/// A running MobilePay sandbox; stops when dropped.
pub struct Sandbox {
    server: SandboxServer,
    mobilepay: Arc<MobilePay>,
}

impl Sandbox {
    /// The API key the sandbox accepts.
    pub const API_KEY: &'static str = "sandbox-api-key";
    /// A payment source for [`payspec_mobilepay::Client::simulate_reservation`].
    pub const PAYMENT_SOURCE: &'static str = "8b1def75-8f77-4a48-8924-bf2ab22251e6";
    /// A user for [`payspec_mobilepay::Client::simulate_reservation`].
    pub const USER: &'static str = "be1e6d64-b73d-481a-9947-55e57ccbe4cf";

    /// Starts a sandbox: `Sandbox::start(Config::default())` for a free port, random
    /// ids and the system clock. Each webhook subscription gets its own signing key (as
    /// MobilePay's do); [`Config::webhook_secret`] does not apply.
    pub async fn start(config: Config) -> Result<Self> {
        let ids = config.ids();
        let mobilepay = Arc::new(MobilePay {
            api_key: Self::API_KEY.into(),
            point: ids.uuid(),
            clock: config.clock.clone(),
            ids,
            state: Mutex::default(),
            webhooks: WebhookSender::default(),
        });
        let server = SandboxServer::start_config(mobilepay.clone(), None, &config).await?;
        Ok(Self { server, mobilepay })
    }

    /// A client builder wired to this sandbox (base URL and API key).
    pub fn client_builder(&self) -> ClientBuilder {
        payspec_mobilepay::Client::builder()
            .base_url(self.base_url())
            .api_key(Self::API_KEY)
    }

    /// The sandbox's payment point.
    pub fn payment_point_id(&self) -> String {
        self.mobilepay.point.to_string()
    }

    /// The clock the sandbox reads.
    pub fn clock(&self) -> &Clock {
        &self.mobilepay.clock
    }
}
