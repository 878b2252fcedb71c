//! `Client` and its builder: base URL, client id, client token with its scopes, OAuth2
//! token, application secret; `from_env`. Each operation uses its own credential.

use std::fmt;

use payspec_core::http::validate_base_url;
use payspec_core::{Auth, ClientOptions, ConfigError, ProviderProfile, RetryPolicy, Secret};
use payspec_vaiipay_api::{OPERATIONS, types};

use crate::error::{Error, Result, convert};
use crate::signature::{CheckoutUrlVerifier, WebhookVerifier};

const PROFILE: ProviderProfile = ProviderProfile {
    // The error body is not published: a plain-text one is kept whole as `message`.
    text_error_field: Some("message"),
    ..ProviderProfile::plain("vaiipay")
};

/// A scope of a client token.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `payments.create`
    PaymentsCreate,
    /// `payments.get`
    PaymentsGet,
    /// `payments.user-instructions.get`
    PaymentsUserInstructionsGet,
    /// `*`: all scopes.
    All,
    /// Any other scope, as VaiiPay spells it.
    Other(String),
}

impl Scope {
    /// The scope as VaiiPay spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::PaymentsCreate => "payments.create",
            Self::PaymentsGet => "payments.get",
            Self::PaymentsUserInstructionsGet => "payments.user-instructions.get",
            Self::All => "*",
            Self::Other(s) => s,
        }
    }

    /// Reads a scope (any spelling is kept).
    pub fn parse(text: &str) -> Self {
        match text.trim() {
            "payments.create" => Self::PaymentsCreate,
            "payments.get" => Self::PaymentsGet,
            "payments.user-instructions.get" => Self::PaymentsUserInstructionsGet,
            "*" => Self::All,
            other => Self::Other(other.to_string()),
        }
    }
}

/// A checkout session to create.
#[derive(Clone, Debug)]
pub struct NewCheckout {
    amount: crate::Amount,
    currency_code: types::CurrencyCode,
    reference: types::CheckoutRequestReference,
    reference_label: Option<String>,
    redirect_url: Option<String>,
    blockchain_slug: Option<String>,
    settlement_currency_code: Option<String>,
}

/// A payment application to create (OAuth2): its name and the secret that signs its
/// webhooks; the site URL, callback URL, currencies and under/overpayment settings are
/// optional, as dev.vaiipay.com documents them.
///
/// ```
/// use payspec_vaiipay::NewApplication;
/// let app = NewApplication::new("Coffee shop", "whsec-1")?
///     .callback_url("https://coffee.example/vaiipay")?
///     .currencies(["USDT", "BTC"])?
///     .allow_overpay(true);
/// assert!(NewApplication::new("ab", "whsec-1").is_err()); // a name is 3 to 255 characters
/// # Ok::<(), payspec_vaiipay::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct NewApplication {
    body: types::CreateApplicationRequest,
}

impl NewApplication {
    /// An application called `name` (3 to 255 characters) whose webhooks `secret` signs
    /// (not empty).
    pub fn new(name: &str, secret: impl Into<payspec_core::Secret>) -> Result<Self> {
        let secret = secret.into();
        if secret.expose().is_empty() {
            return Err(Error::InvalidRequest("secret: empty".into()));
        }
        Ok(Self {
            body: types::CreateApplicationRequest {
                name: field("name", name)?,
                secret,
                url: None,
                callback_url: None,
                currency_whitelist: Vec::new(),
                allow_underpay: None,
                allow_overpay: None,
            },
        })
    }

    /// The site's URL.
    pub fn url(mut self, url: &str) -> Result<Self> {
        self.body.url = Some(field("url", url)?);
        Ok(self)
    }

    /// Where VaiiPay posts the application's webhooks.
    pub fn callback_url(mut self, url: &str) -> Result<Self> {
        self.body.callback_url = Some(field("callback_url", url)?);
        Ok(self)
    }

    /// The currencies payers may pay in.
    pub fn currencies<'a>(mut self, codes: impl IntoIterator<Item = &'a str>) -> Result<Self> {
        self.body.currency_whitelist = codes
            .into_iter()
            .map(|code| field("currency_whitelist", code))
            .collect::<Result<_>>()?;
        Ok(self)
    }

    /// Whether a payment of less than the amount is accepted.
    pub fn allow_underpay(mut self, allow: bool) -> Self {
        self.body.allow_underpay = Some(allow);
        self
    }

    /// Whether a payment of more than the amount is accepted.
    pub fn allow_overpay(mut self, allow: bool) -> Self {
        self.body.allow_overpay = Some(allow);
        self
    }
}

impl From<NewApplication> for types::CreateApplicationRequest {
    fn from(application: NewApplication) -> Self {
        application.body
    }
}

/// `value` as the spec's type for `field`, or an error that names the field.
fn field<T, V>(field: &str, value: V) -> Result<T>
where
    V: TryInto<T>,
    V::Error: std::fmt::Display,
{
    payspec_core::field_value(field, value).map_err(Error::InvalidRequest)
}

impl NewCheckout {
    /// `amount` (an [`crate::Amount`], or an integer of minor units of at least one) of
    /// `currency_code` (ISO 4217, e.g. `USD`), with your `reference` (1 to 255 characters);
    /// each is checked here and an error names the field.
    pub fn new(
        amount: impl TryInto<crate::Amount, Error: std::fmt::Display>,
        currency_code: &str,
        reference: impl Into<String>,
    ) -> Result<Self> {
        let amount = field::<crate::Amount, _>("amount", amount)?;
        // The API's amount is a signed 64-bit integer.
        amount
            .within_int64()
            .map_err(|e| Error::InvalidRequest(format!("amount: {e}")))?;
        Ok(Self {
            amount,
            currency_code: field("currency_code", currency_code)?,
            reference: field("reference", reference.into())?,
            reference_label: None,
            redirect_url: None,
            blockchain_slug: None,
            settlement_currency_code: None,
        })
    }

    /// A label for the reference, shown to the payer.
    pub fn reference_label(mut self, label: impl Into<String>) -> Self {
        self.reference_label = Some(label.into());
        self
    }

    /// Where the payer returns.
    pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
        self.redirect_url = Some(url.into());
        self
    }

    /// The blockchain to pay on.
    pub fn blockchain(mut self, slug: impl Into<String>) -> Self {
        self.blockchain_slug = Some(slug.into());
        self
    }

    /// The currency the merchant is settled in.
    pub fn settlement_currency(mut self, code: impl Into<String>) -> Self {
        self.settlement_currency_code = Some(code.into());
        self
    }
}

/// A VaiiPay client, for servers only: never ship a client token to a browser.
#[derive(Clone)]
pub struct Client {
    api: payspec_vaiipay_api::Client,
    client_id: Option<types::ClientId>,
    client_token: bool,
    token_scopes: Option<Vec<Scope>>,
    oauth: bool,
    app_secret: Option<Secret>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.api)
            .field("client_id", &self.client_id)
            .field("client_token", &self.client_token.then_some("[redacted]"))
            .field("token_scopes", &self.token_scopes)
            .field("oauth", &self.oauth.then_some("[redacted]"))
            .field(
                "app_secret",
                &self.app_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

fn invalid<E: fmt::Display>(e: E) -> Error {
    Error::InvalidRequest(e.to_string())
}

impl Client {
    /// Starts a builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The generated client: every operation with all its options.
    pub fn api(&self) -> &payspec_vaiipay_api::Client {
        &self.api
    }

    /// Fails, before anything is sent, when `operation`'s credential is not configured or
    /// the client token was created without its scope (`*` grants all).
    fn require(&self, operation: &'static str) -> Result<()> {
        let Some(security) = OPERATIONS.security_of(operation) else {
            return Ok(());
        };
        match security.scheme {
            "oauth" if !self.oauth => Err(Error::MissingCredential {
                operation,
                credential: "OAuth2 access token",
            }),
            "clientToken" if !self.client_token => Err(Error::MissingCredential {
                operation,
                credential: "client token",
            }),
            "clientToken" => match (&self.token_scopes, security.scope) {
                (Some(scopes), Some(needed))
                    if !scopes
                        .iter()
                        .any(|s| *s == Scope::All || s.as_str() == needed) =>
                {
                    Err(Error::MissingScope {
                        operation,
                        scope: needed,
                    })
                }
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// `POST /api/payment/checkout` (client token, `payments.create`): answers the signed
    /// checkout URL to send the payer to.
    pub async fn create_checkout(&self, checkout: NewCheckout) -> Result<types::Checkout> {
        const OP: &str = "create_checkout";
        self.require(OP)?;
        let client_id = self.client_id.clone().ok_or(Error::MissingCredential {
            operation: OP,
            credential: "client id",
        })?;
        let reference = checkout.reference.to_string();
        let mut body = types::CheckoutRequest::builder()
            .amount(checkout.amount.get())
            .currency_code(checkout.currency_code)
            .reference(checkout.reference)
            .client_id(Some(client_id));
        if let Some(label) = checkout.reference_label {
            body = body.reference_label(Some(label.try_into().map_err(invalid)?));
        }
        if let Some(url) = checkout.redirect_url {
            body = body.redirect_url(Some(url.try_into().map_err(invalid)?));
        }
        if let Some(slug) = checkout.blockchain_slug {
            body = body.blockchain_slug(Some(slug));
        }
        if let Some(code) = checkout.settlement_currency_code {
            body = body.settlement_currency_code(Some(code.try_into().map_err(invalid)?));
        }
        let answer = self
            .api
            .create_checkout()
            .body(body)
            .send()
            .await
            .map_err(|e| convert(e, OP).with_reference(&reference))?;
        Ok(answer.into_inner().data)
    }

    /// `GET /api/payment/{paymentId}` (client token, `payments.get`).
    pub async fn get_payment(&self, payment_id: &str) -> Result<types::Payment> {
        const OP: &str = "get_payment";
        self.require(OP)?;
        let answer = self
            .api
            .get_payment()
            .payment_id(payment_id)
            .send()
            .await
            .map_err(|e| convert(e, OP))?;
        Ok(answer.into_inner().data)
    }

    /// `GET /api/payment/{paymentId}/provider/{provider}/method/{method}` (client token,
    /// `payments.user-instructions.get`): address, exact amount, QR, expiry.
    pub async fn get_payment_instructions(
        &self,
        payment_id: &str,
        provider: &str,
        method: &str,
    ) -> Result<types::Instructions> {
        const OP: &str = "get_payment_instructions";
        self.require(OP)?;
        let answer = self
            .api
            .get_payment_instructions()
            .payment_id(payment_id)
            .provider(provider)
            .method(method)
            .send()
            .await
            .map_err(|e| convert(e, OP))?;
        Ok(answer.into_inner().data)
    }

    /// `GET /api/payment-applications` (OAuth2).
    pub async fn list_payment_applications(&self) -> Result<Vec<types::Application>> {
        const OP: &str = "list_payment_applications";
        self.require(OP)?;
        let answer = self
            .api
            .list_payment_applications()
            .send()
            .await
            .map_err(|e| convert(e, OP))?;
        Ok(answer.into_inner().data)
    }

    /// `POST /api/payment-applications` (OAuth2). The `secret` signs its webhooks.
    pub async fn create_payment_application<B>(&self, application: B) -> Result<types::Application>
    where
        B: TryInto<types::CreateApplicationRequest>,
        B::Error: fmt::Display,
    {
        const OP: &str = "create_payment_application";
        self.require(OP)?;
        let answer = self
            .api
            .create_payment_application()
            .body(application)
            .send()
            .await
            .map_err(|e| convert(e, OP))?;
        Ok(answer.into_inner().data)
    }

    /// `GET /api/payment-applications/{id}` (OAuth2), as dev.vaiipay.com publishes it.
    pub async fn get_payment_application(&self, id: &str) -> Result<types::Application> {
        const OP: &str = "get_payment_application";
        self.require(OP)?;
        let answer = self
            .api
            .get_payment_application()
            .application_id(id)
            .send()
            .await
            .map_err(|e| convert(e, OP))?;
        Ok(answer.into_inner().data)
    }

    /// `GET /api/checkout/{paymentId}/payment-methods` (public, no credential).
    pub async fn list_checkout_payment_methods(
        &self,
        payment_id: &str,
    ) -> Result<Vec<types::PaymentMethod>> {
        const OP: &str = "list_checkout_payment_methods";
        let answer = self
            .api
            .list_checkout_payment_methods()
            .payment_id(payment_id)
            .send()
            .await
            .map_err(|e| convert(e, OP))?;
        Ok(answer.into_inner().data)
    }

    /// A checkout-URL verifier with the application secret, when one (not empty) is
    /// configured.
    pub fn checkout_url_verifier(&self) -> Option<CheckoutUrlVerifier> {
        self.app_secret
            .clone()
            .and_then(|secret| CheckoutUrlVerifier::new(secret).ok())
    }

    /// A webhook verifier with the application secret (defaults: `x-signature`, hex),
    /// when one (not empty) is configured.
    pub fn webhook_verifier(&self) -> Option<WebhookVerifier> {
        self.app_secret
            .clone()
            .and_then(|secret| WebhookVerifier::new(secret).ok())
    }
}

/// Builds a [`Client`]; [`ClientBuilder::build`] checks every part.
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    client_id: Option<String>,
    client_token: Option<Secret>,
    token_scopes: Option<Vec<Scope>>,
    oauth_token: Option<Secret>,
    app_secret: Option<Secret>,
    options: ClientOptions,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field(
                "client_token",
                &self.client_token.as_ref().map(|_| "[redacted]"),
            )
            .field("token_scopes", &self.token_scopes)
            .field(
                "oauth_token",
                &self.oauth_token.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "app_secret",
                &self.app_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// The environment variables the provider's docs recommend, and one of payspec's.
pub mod env {
    /// The payment application's client id (32 characters).
    pub const CLIENT_ID: &str = "PAYMENT_CLIENT_ID";
    /// The client token.
    pub const CLIENT_TOKEN: &str = "PAYMENT_CLIENT_TOKEN";
    /// The application secret that signs webhooks and checkout URLs.
    pub const WEBHOOK_SECRET: &str = "WEBHOOK_SECRET";
    /// payspec's: the client token's scopes, separated by spaces or commas (optional;
    /// without it scopes are not checked before sending).
    pub const CLIENT_TOKEN_SCOPES: &str = "PAYMENT_CLIENT_TOKEN_SCOPES";
}

fn check_client_id(id: &str) -> std::result::Result<(), String> {
    if id.chars().count() == 32 {
        Ok(())
    } else {
        Err(format!(
            "must be exactly 32 characters, got {}",
            id.chars().count()
        ))
    }
}

impl ClientBuilder {
    payspec_core::client_options_methods!();

    /// A builder from the environment: `PAYMENT_CLIENT_ID` and `PAYMENT_CLIENT_TOKEN`
    /// (required), `WEBHOOK_SECRET` and `PAYMENT_CLIENT_TOKEN_SCOPES` (optional). The base
    /// URL is still set with [`ClientBuilder::base_url`].
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`ClientBuilder::from_env`], reading variables through `lookup` (tests).
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let required = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(Error::Environment {
                    variable: name,
                    reason: "is not set".into(),
                })
        };
        let client_id = required(env::CLIENT_ID)?;
        check_client_id(&client_id).map_err(|reason| Error::Environment {
            variable: env::CLIENT_ID,
            reason,
        })?;
        let token = required(env::CLIENT_TOKEN)?;
        let mut builder = Self::default()
            .client_id(client_id)
            .client_token(token, None);
        if let Some(secret) = lookup(env::WEBHOOK_SECRET).filter(|v| !v.is_empty()) {
            builder = builder.application_secret(secret);
        }
        if let Some(scopes) = lookup(env::CLIENT_TOKEN_SCOPES).filter(|v| !v.trim().is_empty()) {
            builder.token_scopes = Some(
                scopes
                    .split([' ', ','])
                    .filter(|s| !s.is_empty())
                    .map(Scope::parse)
                    .collect(),
            );
        }
        Ok(builder)
    }

    /// The operator's base URL (required: the API is white-label).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The payment application's client id (exactly 32 characters).
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// The client token and the scopes it was created with (`None`: unknown, not checked
    /// before sending).
    pub fn client_token(mut self, token: impl Into<Secret>, scopes: Option<Vec<Scope>>) -> Self {
        self.client_token = Some(token.into());
        self.token_scopes = scopes;
        self
    }

    /// The OAuth2 access token for dashboard operations.
    pub fn oauth_token(mut self, token: impl Into<Secret>) -> Self {
        self.oauth_token = Some(token.into());
        self
    }

    /// The application secret (webhooks, checkout URL signatures).
    pub fn application_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.app_secret = Some(secret.into());
        self
    }

    /// Checks every part and builds the client.
    pub fn build(self) -> Result<Client> {
        let base = self
            .base_url
            .ok_or(ConfigError::Missing("base URL (the API is white-label)"))?;
        let base_url = validate_base_url(&base)?;
        if self.client_token.is_none() && self.oauth_token.is_none() {
            return Err(ConfigError::Missing("credentials: client_token or oauth_token").into());
        }
        let client_id = match self.client_id {
            Some(id) => {
                check_client_id(&id).map_err(|reason| ConfigError::Invalid {
                    name: "client id",
                    reason,
                })?;
                Some(
                    types::ClientId::try_from(id).map_err(|e| ConfigError::Invalid {
                        name: "client id",
                        reason: e.to_string(),
                    })?,
                )
            }
            None => None,
        };
        let mut schemes = Vec::new();
        if let Some(token) = &self.client_token {
            schemes.push(("clientToken", Auth::Bearer(token.clone())));
        }
        if let Some(token) = &self.oauth_token {
            schemes.push(("oauth", Auth::Bearer(token.clone())));
        }
        let http = self.options.http_client(None)?;
        let inner = self
            .options
            .inner(PROFILE, Auth::Schemes(schemes), RetryPolicy::default());
        let api = payspec_vaiipay_api::Client::new_with_client(&base_url, http, inner);
        Ok(Client {
            api,
            client_id,
            client_token: self.client_token.is_some(),
            token_scopes: self.token_scopes,
            oauth: self.oauth_token.is_some(),
            app_secret: self.app_secret,
        })
    }
}
