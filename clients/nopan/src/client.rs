//! `Client` and its builder: environment, processing account, scopes, mTLS identity,
//! CA, timeouts, retry policy.

use payspec_core::Amount;
use std::sync::Arc;

use payspec_core::auth::{ClientAuth, ClientCredentials, TokenCache};
use payspec_core::http::validate_base_url;
use payspec_core::httpsig::{
    JwksCache, KeySource, ResponseVerifier, Signatures, Signer, SigningKey, VerifyingKey,
};
use payspec_core::{
    Auth, ClientOptions, ConfigError, ErrorCode, ProviderProfile, RetryPolicy, Secret,
};
use payspec_nopan_api::types;
use reqwest::StatusCode;

use crate::error::{ReasonCode, Result, reason_code_of};

/// Nopan's production API.
pub const PRODUCTION_URL: &str = "https://api.nopan.io";

/// Where the client sends requests. Nopan has no public sandbox host, so any base URL
/// (https, or http on loopback for tests) is accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Environment {
    /// `https://api.nopan.io`.
    Production,
    /// Any base URL, e.g. a sandbox Nopan gave you or a local simulator.
    Custom(String),
}

/// The label of Nopan's signatures (`Signature-Input: nopan_sig=(...)`).
pub const SIGNATURE_LABEL: &str = "nopan_sig";

/// What a request's signature covers, as docs.nopan.com documents it. The `content-*`
/// fields are covered when the request has a body (a `GET` has none).
pub const SIGNED_COMPONENTS: [&str; 6] = [
    "@authority",
    "@method",
    "@request-target",
    "content-digest",
    "content-type",
    "content-length",
];

/// Where the client fetches Nopan's response-signing keys (a JWKS) by default, on the
/// base URL. docs.nopan.com links the JWKS without naming its address in text, so this
/// is payspec's assumption: set [`ClientBuilder::response_keys_url`] to the address your
/// Nopan portal shows. The sandbox serves its JWKS here.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The `kid` of Nopan's sandbox response key (`nopan-production` in production).
pub const SANDBOX_KEY_ID: &str = "nopan-sandbox";

/// Which form field carries the account in the token request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenAccountField {
    /// `processing_account_id`, as the seed and Nopan's API reference page name it
    /// (the default).
    #[default]
    ProcessingAccountId,
    /// `client_id`, as Nopan's published OpenAPI snapshot requires it.
    ClientId,
}

impl TokenAccountField {
    /// The form field's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProcessingAccountId => "processing_account_id",
            Self::ClientId => "client_id",
        }
    }
}

/// Where the keys that check Nopan's answers come from.
enum ResponseKeys {
    Url(String),
    Fixed(Vec<(String, Vec<u8>)>),
}

/// A scope to request in the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `payments:read` (Nopan's default).
    PaymentsRead,
    /// `payments:process`: create and change payments.
    PaymentsProcess,
    /// `data:reports`.
    DataReports,
    /// Any other scope, as Nopan spells it.
    Other(String),
}

impl Scope {
    /// The scope as Nopan spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::PaymentsRead => "payments:read",
            Self::PaymentsProcess => "payments:process",
            Self::DataReports => "data:reports",
            Self::Other(s) => s,
        }
    }
}

fn token_expired(status: StatusCode, body: &[u8]) -> bool {
    status == StatusCode::UNAUTHORIZED
        && reason_code_of(body)
            .is_some_and(|c| ReasonCode::from_code(&c) == ReasonCode::TokenExpired)
}

/// Transient beyond the status table: the reason codes Nopan documents as retryable
/// (the same table `Error::is_retryable` reads; 423 is one of them, `5003`).
fn transient(_status: StatusCode, body: &[u8]) -> bool {
    reason_code_of(body).is_some_and(|c| ReasonCode::from_code(&c).is_retryable())
}

/// Nopan's behaviour as payspec-core reads it.
pub(crate) const PROFILE: ProviderProfile = ProviderProfile {
    name: "nopan",
    token_expired,
    transient,
    ..ProviderProfile::plain("nopan")
};

/// A Nopan client. Cheap to clone; clones share the token cache and connections.
#[derive(Clone, Debug)]
pub struct Client {
    api: payspec_nopan_api::Client,
    processing_account_id: String,
    base_url: String,
    tokens: Arc<TokenCache>,
    /// The key every keyed call of this handle sends ([`Client::with_idempotency_key`]).
    idempotency_key: Option<String>,
}

/// `call` with the handle's chosen idempotency key, if it has one (otherwise the key the
/// generated client makes once per call and keeps across retries).
macro_rules! keyed {
    ($client:expr, $call:expr) => {{
        let call = $call;
        match &$client.idempotency_key {
            Some(key) => call.idempotency_key(key.clone()),
            None => call,
        }
    }};
}

impl Client {
    /// A handle on the same client (same connections and tokens) whose keyed calls
    /// (initiate, finalize, charge, capture, cancel, refund) all send `key` as their
    /// `Idempotency-Key`: to repeat a call whose outcome is unknown under the key the
    /// lost attempt used (it is in the error: [`CallFailure::idempotency_key`]), or to
    /// derive keys from your own records. A [`crate::NewPayment`]'s own key wins.
    ///
    /// [`CallFailure::idempotency_key`]: payspec_core::CallFailure::idempotency_key
    pub fn with_idempotency_key(&self, key: impl Into<String>) -> Client {
        Client {
            idempotency_key: Some(key.into()),
            ..self.clone()
        }
    }

    /// Starts a builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The generated client, for every operation with all its options (e.g. your own
    /// `idempotency_key`). Its errors convert into [`crate::Error`] with `?`.
    pub fn api(&self) -> &payspec_nopan_api::Client {
        &self.api
    }

    /// The processing account id this client was built with.
    pub fn processing_account_id(&self) -> &str {
        &self.processing_account_id
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// How many tokens were fetched so far (for monitoring and tests).
    pub fn token_fetches(&self) -> u64 {
        self.tokens.fetch_count()
    }

    /// `POST /payments/initiate` from a [`crate::NewPayment`]: the processing account id
    /// filled by the client, the idempotency key the request chose or one made once for
    /// the call (the same on every retry).
    pub async fn initiate(&self, payment: crate::NewPayment) -> Result<types::Payment> {
        let key = payment.chosen_key().map(str::to_string);
        let body = payment.body(self.processing_account_id.as_str());
        let mut call = keyed!(self, self.api.initiate_payment().body(body));
        if let Some(key) = key {
            call = call.idempotency_key(key);
        }
        Ok(call.send().await?.into_inner())
    }

    /// `POST /payments/initiate` with a body built from the generated types (every field
    /// of the spec; [`Client::initiate`] is the short way): the answer carries the SCA
    /// redirect URL or QR code. An `Idempotency-Key` is added and kept across retries.
    pub async fn initiate_payment<B>(&self, body: B) -> Result<types::Payment>
    where
        B: TryInto<types::InitiatePaymentRequest>,
        B::Error: std::fmt::Display,
    {
        Ok(keyed!(self, self.api.initiate_payment().body(body))
            .send()
            .await?
            .into_inner())
    }

    /// `POST /payments/finalize` for a payment of this client's processing account.
    pub async fn finalize_payment(&self, transaction_id: &str) -> Result<types::Payment> {
        let body = types::FinalizePaymentRequest::builder()
            .processing_account_id(self.processing_account_id.as_str())
            .transaction_id(transaction_id);
        Ok(keyed!(self, self.api.finalize_payment().body(body))
            .send()
            .await?
            .into_inner())
    }

    /// `POST /payments/charge`: a merchant-initiated payment in one step.
    pub async fn charge_payment<B>(&self, body: B) -> Result<types::Payment>
    where
        B: TryInto<types::ChargePaymentRequest>,
        B::Error: std::fmt::Display,
    {
        Ok(keyed!(self, self.api.charge_payment().body(body))
            .send()
            .await?
            .into_inner())
    }

    /// `POST /payments/capture`: captures `amount` (an [`Amount`], or an integer of minor
    /// units checked to be at least 1), partial or full.
    pub async fn capture_payment(
        &self,
        transaction_id: &str,
        client_transaction_id: &str,
        amount: impl TryInto<Amount, Error: std::fmt::Display>,
    ) -> Result<types::Payment> {
        let body = types::CapturePaymentRequest::builder()
            .processing_account_id(self.processing_account_id.as_str())
            .transaction_id(transaction_id)
            .client_transaction_id(client_transaction_id)
            .payment_details(amount_only(amount)?);
        Ok(keyed!(self, self.api.capture_payment().body(body))
            .send()
            .await?
            .into_inner())
    }

    /// `POST /payments/cancel`: cancels an initiated, not captured payment.
    pub async fn cancel_payment(
        &self,
        transaction_id: &str,
        client_transaction_id: &str,
    ) -> Result<types::Payment> {
        let body = types::CancelPaymentRequest::builder()
            .processing_account_id(self.processing_account_id.as_str())
            .transaction_id(transaction_id)
            .client_transaction_id(client_transaction_id);
        Ok(keyed!(self, self.api.cancel_payment().body(body))
            .send()
            .await?
            .into_inner())
    }

    /// `POST /payments/refund`: refunds `amount` (an [`Amount`], or an integer of minor
    /// units checked to be at least 1), partial or full.
    pub async fn refund_payment(
        &self,
        transaction_id: &str,
        client_transaction_id: &str,
        amount: impl TryInto<Amount, Error: std::fmt::Display>,
    ) -> Result<types::Payment> {
        let body = types::RefundPaymentRequest::builder()
            .processing_account_id(self.processing_account_id.as_str())
            .transaction_id(transaction_id)
            .client_transaction_id(client_transaction_id)
            .payment_details(amount_only(amount)?);
        Ok(keyed!(self, self.api.refund_payment().body(body))
            .send()
            .await?
            .into_inner())
    }

    /// `GET /payments/{transactionId}/status`.
    pub async fn payment_status(&self, transaction_id: &str) -> Result<types::Payment> {
        Ok(self
            .api
            .get_payment_status()
            .transaction_id(transaction_id)
            .send()
            .await?
            .into_inner())
    }

    /// `GET /payments/{transactionId}/events`: the payment with its captures and refunds.
    pub async fn payment_events(&self, transaction_id: &str) -> Result<types::Payment> {
        Ok(self
            .api
            .get_payment_events()
            .transaction_id(transaction_id)
            .send()
            .await?
            .into_inner())
    }

    /// `GET /reports`: the reports Nopan generated for `from`..`to` (settlement,
    /// transaction details, fees, ...). Needs the scope `data:reports`
    /// ([`Scope::DataReports`]); filters by organization, entity, processing account,
    /// name or type are on [`Client::api`]`.search_reports()`.
    pub async fn search_reports(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<types::ReportList> {
        if to < from {
            return Err(crate::Error::InvalidRequest(
                "reports: `to` is before `from`".into(),
            ));
        }
        Ok(self
            .api
            .search_reports()
            .from(from)
            .to(to)
            .send()
            .await?
            .into_inner())
    }

    /// `GET /reports/download`: the file of one report, whole (read up to the client's
    /// response limit, [`payspec_core::ClientOptions::max_response_bytes`]; a larger file
    /// is an error, not a truncated file). Needs the scope `data:reports`.
    pub async fn download_report(&self, report_id: &str) -> Result<bytes::Bytes> {
        use futures_util::TryStreamExt as _;
        let stream = self
            .api
            .download_report()
            .report_id(report_id)
            .send()
            .await?
            .into_inner()
            .into_inner();
        let chunks: Vec<bytes::Bytes> = stream.try_collect().await.map_err(|e| {
            crate::Error::from(payspec_nopan_api::Error::<
                payspec_core::RawBody<types::ErrorEnvelopeFields>,
            >::ResponseBodyError(e))
        })?;
        Ok(chunks.concat().into())
    }

    /// `POST /mock/set` (sandbox only): stores a mock built with [`crate::mock::Mock`].
    pub async fn set_mock(&self, mock: crate::mock::Mock) -> Result<()> {
        let body = mock.into_request(&self.processing_account_id)?;
        self.api.set_mock().body(body).send().await?;
        Ok(())
    }
}

fn amount_only(
    amount: impl TryInto<Amount, Error: std::fmt::Display>,
) -> Result<types::builder::AmountOnly> {
    let amount = amount
        .try_into()
        .map_err(|e| crate::Error::InvalidRequest(format!("amount: {e}")))?;
    Ok(types::AmountOnly::builder().amount(types::RequestAmount(amount.get())))
}

/// Builds a [`Client`]; [`ClientBuilder::build`] checks every part.
#[derive(Default)]
pub struct ClientBuilder {
    environment: Option<Environment>,
    processing_account_id: Option<String>,
    scopes: Vec<Scope>,
    options: ClientOptions,
    signing_key: Option<std::result::Result<SigningKey, ConfigError>>,
    /// Sign with the identity's key, under this key id.
    identity_signing_key_id: Option<String>,
    response_keys: Option<ResponseKeys>,
    verify_responses: Option<bool>,
    token_account_field: TokenAccountField,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("processing_account_id", &self.processing_account_id)
            .field("scopes", &self.scopes)
            .field("options", &self.options)
            .field(
                "signing_key",
                &self
                    .signing_key
                    .as_ref()
                    .map(|k| k.as_ref().map(SigningKey::key_id)),
            )
            .field("identity_signing_key_id", &self.identity_signing_key_id)
            .field("verify_responses", &self.verify_responses)
            .field("token_account_field", &self.token_account_field)
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

    /// The organization account id issued at onboarding (required).
    pub fn processing_account_id(mut self, id: impl Into<String>) -> Self {
        self.processing_account_id = Some(id.into());
        self
    }

    /// Adds a scope to request (default: Nopan's default, `payments:read`).
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scopes.push(scope);
        self
    }

    /// The client certificate chain and private key issued at onboarding, in PEM.
    /// Required for https: every Nopan call is over mutual TLS.
    pub fn identity_pem(
        mut self,
        certificate_pem: impl Into<Vec<u8>>,
        key_pem: impl AsRef<[u8]>,
    ) -> Self {
        let key = String::from_utf8_lossy(key_pem.as_ref()).into_owned();
        self.options.identity_pem = Some((certificate_pem.into(), Secret::new(key)));
        self
    }

    /// The private key that signs every request (RFC 9421, the token call included),
    /// in PEM (PKCS#8, SEC1 `EC PRIVATE KEY` as `openssl ecparam -genkey` writes it, or
    /// PKCS#1), and the key id Nopan registered its public half under. Ed25519, ECDSA
    /// P-256/P-384 and RSA (signing `rsa-pss-sha512`) keys are read. Required for
    /// production; with it, answers are checked too ([`ClientBuilder::verify_responses`]).
    pub fn signing_key_pem(mut self, key_id: impl Into<String>, pem: impl AsRef<[u8]>) -> Self {
        self.signing_key = Some(SigningKey::from_pem(key_id, pem.as_ref()));
        self
    }

    /// The same with a key already read.
    pub fn signing_key(mut self, key: SigningKey) -> Self {
        self.signing_key = Some(Ok(key));
        self
    }

    /// Signs every request with the mutual-TLS identity's private key
    /// ([`ClientBuilder::identity_pem`]), registered at Nopan under `key_id`: one key
    /// for both, where Nopan's onboarding registers the certificate's key for
    /// signatures. [`ClientBuilder::signing_key_pem`] names a separate key instead.
    pub fn sign_with_identity_key(mut self, key_id: impl Into<String>) -> Self {
        self.identity_signing_key_id = Some(key_id.into());
        self
    }

    /// Where Nopan's response keys (a JWKS) are (default: [`JWKS_PATH`] on the base URL).
    /// The JWKS is fetched on first use, kept 24 hours, and fetched again at once when an
    /// answer names a `kid` it does not hold (a rotated key).
    pub fn response_keys_url(mut self, url: impl Into<String>) -> Self {
        self.response_keys = Some(ResponseKeys::Url(url.into()));
        self
    }

    /// A fixed response key instead of the JWKS: the public key (SPKI PEM, as Nopan's
    /// portal gives it) for `kid` (`nopan-sandbox` or `nopan-production`). Call again
    /// for more keys.
    pub fn response_key_pem(mut self, kid: impl Into<String>, pem: impl AsRef<[u8]>) -> Self {
        let key = (kid.into(), pem.as_ref().to_vec());
        match &mut self.response_keys {
            Some(ResponseKeys::Fixed(keys)) => keys.push(key),
            _ => self.response_keys = Some(ResponseKeys::Fixed(vec![key])),
        }
        self
    }

    /// Whether every answer's signature is checked (default: yes when requests are
    /// signed). An answer that fails is an error (origin
    /// [`payspec_core::ErrorOrigin::ResponseSignature`]), never data. Switching it off
    /// is explicit: `verify_responses(false)`.
    pub fn verify_responses(mut self, verify: bool) -> Self {
        self.verify_responses = Some(verify);
        self
    }

    /// The token request's account field (default `processing_account_id`, the seed's;
    /// `client_id` is what Nopan's published spec snapshot asks for).
    pub fn token_account_field(mut self, field: TokenAccountField) -> Self {
        self.token_account_field = field;
        self
    }

    fn signatures(&mut self, base_url: &str, production: bool) -> Result<Option<Arc<Signatures>>> {
        let key = match (self.signing_key.take(), self.identity_signing_key_id.take()) {
            (Some(key), _) => Some(key?),
            (None, Some(key_id)) => {
                let (_, identity_key) =
                    self.options
                        .identity_pem
                        .as_ref()
                        .ok_or(ConfigError::Missing(
                            "identity_pem (sign_with_identity_key signs with its key)",
                        ))?;
                Some(SigningKey::from_pem(
                    key_id,
                    identity_key.expose().as_bytes(),
                )?)
            }
            (None, None) => None,
        };
        if production && key.is_none() {
            return Err(ConfigError::Missing(
                "signing key (signing_key_pem): Nopan requires RFC 9421 signatures on every call",
            )
            .into());
        }
        let verify = self.verify_responses.unwrap_or(key.is_some());
        let verifier = match (verify, self.response_keys.take()) {
            (false, _) => None,
            (true, Some(ResponseKeys::Fixed(pems))) => {
                let mut keys = Vec::new();
                for (kid, pem) in pems {
                    let key = VerifyingKey::from_pem(&pem).map_err(|e| ConfigError::Invalid {
                        name: "response key",
                        reason: e.to_string(),
                    })?;
                    keys.push((kid, key));
                }
                let jwks = payspec_core::httpsig::Jwks::from_keys(keys);
                Some(ResponseVerifier::new(KeySource::Fixed(jwks)))
            }
            (true, Some(ResponseKeys::Url(url))) => {
                Some(ResponseVerifier::new(KeySource::Url(JwksCache::new(url))))
            }
            (true, None) => Some(ResponseVerifier::new(KeySource::Url(JwksCache::new(
                format!("{base_url}{JWKS_PATH}"),
            )))),
        };
        let signer = key.map(|key| Signer::new(key, SIGNATURE_LABEL, SIGNED_COMPONENTS));
        Ok((signer.is_some() || verifier.is_some())
            .then(|| Arc::new(Signatures { signer, verifier })))
    }

    /// Checks every part and builds the client.
    pub fn build(mut self) -> Result<Client> {
        let base = match &self.environment {
            None | Some(Environment::Production) => PRODUCTION_URL.to_string(),
            Some(Environment::Custom(url)) => url.clone(),
        };
        let base_url = validate_base_url(&base)?;
        let signatures = self.signatures(&base_url, base_url == PRODUCTION_URL)?;
        let processing_account_id = self
            .processing_account_id
            .filter(|id| !id.trim().is_empty())
            .ok_or(ConfigError::Missing("processing account id"))?;
        let identity_required = base_url
            .starts_with("https://")
            .then_some("client certificate and key (identity_pem): Nopan requires mutual TLS");
        let http = self.options.http_client(identity_required)?;

        let mut grant = ClientCredentials::new(format!("{base_url}/auth/token"), ClientAuth::None)
            .param(
                self.token_account_field.as_str(),
                processing_account_id.clone(),
            );
        if let Some(signatures) = &signatures {
            grant = grant.signed(signatures.clone());
        }
        if !self.scopes.is_empty() {
            let scope = self
                .scopes
                .iter()
                .map(Scope::as_str)
                .collect::<Vec<_>>()
                .join(" ");
            grant = grant.param("scope", scope);
        }
        let tokens = self.options.token_cache(Arc::new(grant));
        let default_retry = RetryPolicy {
            extra_statuses: vec![StatusCode::LOCKED],
            ..RetryPolicy::default()
        };
        let mut inner = self
            .options
            .inner(PROFILE, Auth::Tokens(tokens.clone()), default_retry);
        if let Some(signatures) = signatures {
            inner = inner.with_signatures(signatures);
        }
        let api = payspec_nopan_api::Client::new_with_client(&base_url, http, inner);
        Ok(Client {
            idempotency_key: None,
            api,
            processing_account_id,
            base_url,
            tokens,
        })
    }
}
