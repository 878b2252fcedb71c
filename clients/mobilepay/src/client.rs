//! `Client` and its builder: environment, API key or OpenID Connect tokens, facade
//! headers; one method per operation, each with its own `CorrelationId`.

use payspec_core::Amount;
use payspec_core::types::AnyCase;
use std::sync::Arc;

use futures_util::Stream;
use payspec_core::auth::TokenSource;
use payspec_core::http::validate_base_url;
use payspec_core::options::HeaderText;
use payspec_core::{Auth, ClientOptions, ConfigError, ProviderProfile, RetryPolicy, Secret};
use payspec_mobilepay_api::{ClientInfo, types};
use progenitor_client::ResponseValue;
use uuid::Uuid;

use crate::error::{Error, ErrorKind, Result};
use crate::pagination::{Page, paginate};
use crate::requests::{
    NewPayment, NewRefund, PaymentFilter, RefundFilter, WebhookSubscription,
    amount as checked_amount, given, uuid,
};
use payspec_core::CallFailure;

/// MobilePay's production API.
pub const PRODUCTION_URL: &str = "https://api.mobilepay.dk";
/// MobilePay's sandbox API.
pub const SANDBOX_URL: &str = "https://api.sandbox.mobilepay.dk";
/// Where the OpenID Connect discovery document lives (scope `merchantpayments`).
pub const OPENID_DISCOVERY_URL: &str = "https://api.mobilepay.dk/merchant-authentication-openidconnect/.well-known/openid-configuration";
/// The OpenID Connect scope of the payment and refund operations.
pub const OPENID_SCOPE: &str = "merchantpayments";

/// The OpenID Connect scope of the webhook operations (the published spec's).
pub const OPENID_WEBHOOKS_SCOPE: &str = "webhooks";

/// Both scopes, space-separated: what to ask for when one token serves every operation
/// of [`Client`] (each operation's scope is in the spec's security, generated into
/// [`payspec_mobilepay_api::OPERATIONS`]).
pub const OPENID_SCOPES: &str = "merchantpayments webhooks";

/// Where the client sends requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Environment {
    /// `https://api.mobilepay.dk`.
    Production,
    /// `https://api.sandbox.mobilepay.dk`.
    Sandbox,
    /// Any base URL (https, or http on loopback for tests).
    Custom(String),
}

const PROFILE: ProviderProfile = ProviderProfile {
    name: "mobilepay",
    token_expired: |status, _| status == reqwest::StatusCode::UNAUTHORIZED,
    correlation_header: Some("CorrelationId"),
    text_error_field: Some("message"),
    ..ProviderProfile::plain("mobilepay")
};

/// The outcome of an initiate: where to send the user, and the key that identifies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitiatedPayment {
    /// MobilePay's id of the payment.
    pub payment_id: Uuid,
    /// Send the user here to confirm in the MobilePay app.
    pub redirect_uri: String,
    /// The idempotency key the payment was initiated with: keep it to repeat the call
    /// safely or to cancel the payment by key.
    pub idempotency_key: Uuid,
}

/// A MobilePay App Payments client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    api: payspec_mobilepay_api::Client,
    base_url: String,
}

fn correlation() -> Uuid {
    payspec_core::hooks::correlation_id()
}

/// The answer of a generated call, with the correlation id on its error. A plain
/// function and not an async wrapper: the call's future is awaited where it is made,
/// not moved into one more future.
fn finish<T>(
    id: Uuid,
    answer: std::result::Result<ResponseValue<T>, crate::error::ApiError>,
) -> Result<T> {
    answer
        .map(ResponseValue::into_inner)
        .map_err(|e| Error::from(e).with_correlation_id(&id))
}

impl Client {
    /// Starts a builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The generated client: every operation with all its options. Its errors convert
    /// into [`Error`] with `?`.
    pub fn api(&self) -> &payspec_mobilepay_api::Client {
        &self.api
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn key(&self, given: Option<Uuid>) -> Uuid {
        given.unwrap_or_else(|| {
            let key = self.api.inner().new_key();
            Uuid::parse_str(&key).unwrap_or_else(|_| Uuid::new_v4())
        })
    }

    /// `POST /v1/payments`. The idempotency key is the payment's own or a fresh one;
    /// retries (transport errors, 5xx) repeat the identical body, key included.
    pub async fn initiate_payment(&self, payment: NewPayment) -> Result<InitiatedPayment> {
        let id = correlation();
        let key = self.key(payment.key());
        let body = payment
            .into_body(key)
            .map_err(|e| e.with_correlation_id(&id))?;
        self.send_initiate(id, body).await
    }

    async fn send_initiate(
        &self,
        id: Uuid,
        body: types::InitiatePaymentRequest,
    ) -> Result<InitiatedPayment> {
        let key = body.idempotency_key;
        let answer = finish(
            id,
            self.api
                .initiate_payment()
                .correlation_id(id)
                .body(body)
                .send()
                .await,
        )
        .map_err(|e| e.with_idempotency_key(&key))?;
        let payment_id = answer.payment_id.ok_or_else(|| {
            Error::invalid_response("initiate answer has no paymentId").with_correlation_id(&id)
        })?;
        Ok(InitiatedPayment {
            payment_id,
            redirect_uri: answer.mobile_pay_app_redirect_uri.unwrap_or_default(),
            idempotency_key: key,
        })
    }

    /// Initiates a payment and recovers from a lost answer, as MobilePay recommends:
    /// when the outcome is unknown (no answer, an unreadable one, or a 5xx after the
    /// automatic retries), the same request with the same key is sent once more; if that
    /// too gives no answer, the payment is cancelled by its idempotency key, so no payment
    /// the merchant does not know of can be confirmed later. The error then says whether
    /// the cancel went through ([`ErrorKind::InitiateAbandoned`]).
    pub async fn initiate_payment_with_recovery(
        &self,
        payment: NewPayment,
    ) -> Result<InitiatedPayment> {
        let id = correlation();
        let key = self.key(payment.key());
        let body = payment
            .into_body(key)
            .map_err(|e| e.with_correlation_id(&id))?;
        match self.send_initiate(id, body.clone()).await {
            Err(first) if first.outcome_unknown() => {
                tracing::warn!(%key, "initiate outcome unknown; repeating with the same idempotency key");
                match self.send_initiate(correlation(), body).await {
                    Err(second) if second.outcome_unknown() => {
                        let cancelled = self
                            .cancel_payment_by_idempotency_key(&key.to_string())
                            .await
                            .is_ok();
                        Err(Error::new(ErrorKind::InitiateAbandoned {
                            idempotency_key: key,
                            cancelled,
                            source: Box::new(second),
                        })
                        .with_correlation_id(&id))
                    }
                    other => other,
                }
            }
            other => other,
        }
    }

    /// `GET /v1/payments/{paymentid}`.
    pub async fn get_payment(&self, payment_id: impl std::fmt::Display) -> Result<types::Payment> {
        let id = correlation();
        let payment_id =
            uuid("payment id", &payment_id.to_string()).map_err(|e| e.with_correlation_id(&id))?;
        finish(
            id,
            self.api
                .get_payment()
                .paymentid(payment_id)
                .correlation_id(id)
                .send()
                .await,
        )
    }

    /// `POST /v1/payments/{paymentid}/capture` of `amount` minor units. Capture is
    /// idempotent, so a 5xx or lost answer is retried automatically.
    pub async fn capture_payment(
        &self,
        payment_id: impl std::fmt::Display,
        amount: impl TryInto<Amount, Error: std::fmt::Display>,
    ) -> Result<()> {
        let id = correlation();
        let payment_id =
            uuid("payment id", &payment_id.to_string()).map_err(|e| e.with_correlation_id(&id))?;
        let amount = checked_amount(&given(amount)).map_err(|e| e.with_correlation_id(&id))?;
        let body = types::CaptureRequest::builder().amount(amount);
        finish(
            id,
            self.api
                .capture_payment()
                .paymentid(payment_id)
                .correlation_id(id)
                .body(body)
                .send()
                .await,
        )
    }

    /// `POST /v1/payments/{paymentid}/cancel`.
    pub async fn cancel_payment(&self, payment_id: impl std::fmt::Display) -> Result<()> {
        let id = correlation();
        let payment_id =
            uuid("payment id", &payment_id.to_string()).map_err(|e| e.with_correlation_id(&id))?;
        finish(
            id,
            self.api
                .cancel_payment()
                .paymentid(payment_id)
                .correlation_id(id)
                .send()
                .await,
        )
    }

    /// `POST /v1/payments/cancel`: cancels the payment initiated with `idempotency_key`
    /// (only while it is `initiated`).
    pub async fn cancel_payment_by_idempotency_key(&self, idempotency_key: &str) -> Result<()> {
        let id = correlation();
        let key =
            uuid("idempotency key", idempotency_key).map_err(|e| e.with_correlation_id(&id))?;
        let body = types::CancelByIdempotencyKeyRequest::builder().idempotency_key(key);
        finish(
            id,
            self.api
                .cancel_payment_by_idempotency_key()
                .correlation_id(id)
                .body(body)
                .send()
                .await,
        )
    }

    /// `POST /v1/integration-test/payments/{paymentid}/reserve` (sandbox only): the user
    /// confirms the payment in the app, so it becomes `reserved` and can be captured.
    pub async fn simulate_reservation(
        &self,
        payment_id: impl std::fmt::Display,
        payment_source_id: impl std::fmt::Display,
        user_id: impl std::fmt::Display,
    ) -> Result<()> {
        let id = correlation();
        let ids = (|| {
            Ok::<_, Error>((
                uuid("payment id", &payment_id.to_string())?,
                uuid("payment source id", &payment_source_id.to_string())?,
                uuid("user id", &user_id.to_string())?,
            ))
        })()
        .map_err(|e| e.with_correlation_id(&id))?;
        let body = types::ReservePaymentRequest::builder()
            .payment_source_id(ids.1)
            .user_id(ids.2);
        finish(
            id,
            self.api
                .simulate_reservation()
                .paymentid(ids.0)
                .correlation_id(id)
                .body(body)
                .send()
                .await,
        )
    }

    /// `GET /v1/payments`, one page (deprecated by the provider).
    pub async fn list_payments_page(
        &self,
        filter: &PaymentFilter,
        page: u32,
    ) -> Result<types::PaymentList> {
        let id = correlation();
        let mut call = self
            .api
            .list_payments()
            .correlation_id(id)
            .page_number(page_number(page).map_err(|e| e.with_correlation_id(&id))?)
            .page_size(filter.page_size.get());
        if let Some(point) = &filter.payment_point_id {
            call = call.payment_point_id(
                uuid("payment point id", point).map_err(|e| e.with_correlation_id(&id))?,
            );
        }
        if !filter.states.is_empty() {
            call = call.state_filter(filter.states.clone());
        }
        if let Some(start) = filter.start {
            call = call.start_date(start);
        }
        if let Some(end) = filter.end {
            call = call.end_date(end);
        }
        finish(id, call.send().await)
    }

    /// Every payment matching `filter`, fetched page by page as the stream is read.
    pub fn payments(
        &self,
        filter: PaymentFilter,
    ) -> impl Stream<Item = Result<types::Payment>> + '_ {
        paginate(move |page| {
            let filter = filter.clone();
            async move {
                let list = self.list_payments_page(&filter, page).await?;
                Ok(Page {
                    items: list.payments.into_iter().map(AnyCase::into_inner).collect(),
                    next: list.next_page_number,
                })
            }
        })
    }

    /// `GET /v1/paymentpoints`, one page.
    pub async fn list_payment_points_page(
        &self,
        page: u32,
        page_size: crate::PageSize,
    ) -> Result<types::PaymentPointList> {
        let id = correlation();
        let call = self
            .api
            .list_payment_points()
            .correlation_id(id)
            .page_number(page_number(page).map_err(|e| e.with_correlation_id(&id))?)
            .page_size(page_size.get());
        finish(id, call.send().await)
    }

    /// Every payment point, fetched page by page.
    pub fn payment_points(
        &self,
        page_size: crate::PageSize,
    ) -> impl Stream<Item = Result<types::PaymentPoint>> + '_ {
        paginate(move |page| async move {
            let list = self.list_payment_points_page(page, page_size).await?;
            Ok(Page {
                items: list
                    .payment_points
                    .into_iter()
                    .map(AnyCase::into_inner)
                    .collect(),
                next: list.next_page_number,
            })
        })
    }

    /// `POST /v1/refunds`. The idempotency key is the refund's own or a fresh one, the
    /// same on every retry.
    pub async fn issue_refund(&self, refund: NewRefund) -> Result<types::Refund> {
        let id = correlation();
        let key = self.key(refund.key());
        let body = refund
            .into_body(key)
            .map_err(|e| e.with_correlation_id(&id))?;
        finish(
            id,
            self.api
                .issue_refund()
                .correlation_id(id)
                .body(body)
                .send()
                .await,
        )
        .map_err(|e| e.with_idempotency_key(&key))
    }

    /// `GET /v1/refunds/{refundid}`.
    pub async fn get_refund(&self, refund_id: impl std::fmt::Display) -> Result<types::Refund> {
        let id = correlation();
        let refund_id =
            uuid("refund id", &refund_id.to_string()).map_err(|e| e.with_correlation_id(&id))?;
        finish(
            id,
            self.api
                .get_refund()
                .refundid(refund_id)
                .correlation_id(id)
                .send()
                .await,
        )
    }

    /// `GET /v1/refunds`, one page (deprecated by the provider).
    pub async fn list_refunds_page(
        &self,
        filter: &RefundFilter,
        page: u32,
    ) -> Result<types::RefundList> {
        let id = correlation();
        let attach = |e: Error| e.with_correlation_id(&id);
        let mut call = self
            .api
            .list_refunds()
            .correlation_id(id)
            .page_number(page_number(page).map_err(attach)?)
            .page_size(filter.page_size.get());
        if let Some(payment) = &filter.payment_id {
            call = call
                .payment_id(uuid("payment id", payment).map_err(|e| e.with_correlation_id(&id))?);
        }
        if let Some(point) = &filter.payment_point_id {
            call = call.payment_point_id(
                uuid("payment point id", point).map_err(|e| e.with_correlation_id(&id))?,
            );
        }
        if let Some(at) = filter.created_before {
            call = call.created_before(at);
        }
        if let Some(at) = filter.created_after {
            call = call.created_after(at);
        }
        finish(id, call.send().await)
    }

    /// Every refund matching `filter`, fetched page by page.
    pub fn refunds(&self, filter: RefundFilter) -> impl Stream<Item = Result<types::Refund>> + '_ {
        paginate(move |page| {
            let filter = filter.clone();
            async move {
                let list = self.list_refunds_page(&filter, page).await?;
                Ok(Page {
                    items: list.refunds,
                    next: list.next_page_number,
                })
            }
        })
    }

    /// `GET /v1/webhooks`.
    pub async fn list_webhooks(&self) -> Result<Vec<types::Webhook>> {
        let id = correlation();
        Ok(finish(id, self.api.list_webhooks().correlation_id(id).send().await)?.webhooks)
    }

    /// `POST /v1/webhooks`. The answer's `signature_key` verifies the notifications
    /// (see [`crate::webhook::WebhookVerifier`]).
    pub async fn create_webhook(
        &self,
        subscription: WebhookSubscription,
    ) -> Result<types::Webhook> {
        let id = correlation();
        let mut body = types::CreateWebhookRequest::builder()
            .url(subscription.url)
            .events(subscription.events);
        if let Some(point) = subscription.payment_point_id {
            body = body.payment_point_id(Some(
                uuid("payment point id", &point).map_err(|e| e.with_correlation_id(&id))?,
            ));
        }
        finish(
            id,
            self.api
                .create_webhook()
                .correlation_id(id)
                .body(body)
                .send()
                .await,
        )
    }

    /// `GET /v1/webhooks/{webhookid}`.
    pub async fn get_webhook(&self, webhook_id: impl std::fmt::Display) -> Result<types::Webhook> {
        let id = correlation();
        let webhook_id =
            uuid("webhook id", &webhook_id.to_string()).map_err(|e| e.with_correlation_id(&id))?;
        finish(
            id,
            self.api
                .get_webhook()
                .webhookid(webhook_id)
                .correlation_id(id)
                .send()
                .await,
        )
    }

    /// `PUT /v1/webhooks/{webhookid}`.
    pub async fn update_webhook(
        &self,
        webhook_id: impl std::fmt::Display,
        subscription: WebhookSubscription,
    ) -> Result<types::Webhook> {
        let id = correlation();
        let webhook_id =
            uuid("webhook id", &webhook_id.to_string()).map_err(|e| e.with_correlation_id(&id))?;
        let mut body = types::UpdateWebhookRequest::builder()
            .url(subscription.url)
            .events(subscription.events);
        // PUT replaces the subscription: a payment-point filter not sent is dropped.
        if let Some(point) = subscription.payment_point_id {
            body = body.payment_point_id(Some(
                uuid("payment point id", &point).map_err(|e| e.with_correlation_id(&id))?,
            ));
        }
        finish(
            id,
            self.api
                .update_webhook()
                .webhookid(webhook_id)
                .correlation_id(id)
                .body(body)
                .send()
                .await,
        )
    }

    /// `DELETE /v1/webhooks/{webhookid}`.
    pub async fn delete_webhook(&self, webhook_id: impl std::fmt::Display) -> Result<()> {
        let id = correlation();
        let webhook_id =
            uuid("webhook id", &webhook_id.to_string()).map_err(|e| e.with_correlation_id(&id))?;
        finish(
            id,
            self.api
                .delete_webhook()
                .webhookid(webhook_id)
                .correlation_id(id)
                .send()
                .await,
        )
    }

    /// `POST /v1/webhooks/{webhookid}/publishtestnotification`.
    pub async fn publish_test_notification(
        &self,
        webhook_id: impl std::fmt::Display,
    ) -> Result<()> {
        let id = correlation();
        let webhook_id =
            uuid("webhook id", &webhook_id.to_string()).map_err(|e| e.with_correlation_id(&id))?;
        finish(
            id,
            self.api
                .publish_test_notification()
                .webhookid(webhook_id)
                .correlation_id(id)
                .send()
                .await,
        )
    }
}

fn page_number(page: u32) -> Result<std::num::NonZeroU32> {
    std::num::NonZeroU32::new(page).ok_or_else(|| Error::invalid("page numbers start at 1"))
}

/// Builds a [`Client`]; [`ClientBuilder::build`] checks every part.
#[derive(Default)]
pub struct ClientBuilder {
    environment: Option<Environment>,
    api_key: Option<Secret>,
    token_source: Option<Arc<dyn TokenSource>>,
    options: ClientOptions,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("token_source", &self.token_source)
            .field("options", &self.options)
            .finish()
    }
}

impl ClientBuilder {
    payspec_core::client_options_methods!();

    /// Where to send requests (default: production).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// Shorthand for `environment(Environment::Custom(url))`.
    pub fn base_url(self, url: impl Into<String>) -> Self {
        self.environment(Environment::Custom(url.into()))
    }

    /// Authenticates with the API key from the merchant portal (`Authorization: Bearer`).
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Authenticates with OpenID Connect access tokens from `source`, cached and refreshed
    /// by payspec (one refresh at a time). See the crate docs for wiring the discovered
    /// token endpoint with [`OPENID_SCOPES`] (`merchantpayments` for payments and refunds,
    /// `webhooks` for webhook subscriptions).
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.token_source = Some(source);
        self
    }

    /// The facade's `Ocp-Apim-Subscription-Key` header (kept secret).
    pub fn subscription_key(mut self, key: impl Into<Secret>) -> Self {
        self.options.default_headers.push((
            "Ocp-Apim-Subscription-Key".into(),
            HeaderText::Secret(key.into()),
        ));
        self
    }

    /// The facade's `Merchant-Serial-Number` header.
    pub fn merchant_serial_number(mut self, number: impl Into<String>) -> Self {
        self.options.default_headers.push((
            "Merchant-Serial-Number".into(),
            HeaderText::Plain(number.into()),
        ));
        self
    }

    /// Checks every part and builds the client.
    pub fn build(self) -> Result<Client> {
        let base = match &self.environment {
            None | Some(Environment::Production) => PRODUCTION_URL.to_string(),
            Some(Environment::Sandbox) => SANDBOX_URL.to_string(),
            Some(Environment::Custom(url)) => url.clone(),
        };
        let base_url = validate_base_url(&base)?;
        let auth = match (self.api_key, self.token_source) {
            (Some(key), None) => {
                if key.is_empty() {
                    return Err(ConfigError::Missing("a non-empty API key").into());
                }
                Auth::Bearer(key)
            }
            (None, Some(source)) => Auth::Tokens(self.options.token_cache(source)),
            (None, None) => {
                return Err(ConfigError::Missing("credentials: api_key or token_source").into());
            }
            (Some(_), Some(_)) => {
                return Err(ConfigError::Invalid {
                    name: "credentials",
                    reason: "give either api_key or token_source, not both".into(),
                }
                .into());
            }
        };
        let http = self.options.http_client(None)?;
        let inner = self.options.inner(PROFILE, auth, RetryPolicy::default());
        let api = payspec_mobilepay_api::Client::new_with_client(&base_url, http, inner);
        Ok(Client { api, base_url })
    }
}
