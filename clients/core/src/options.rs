//! Settings every provider builder shares (timeouts, TLS trust, mTLS identity, default
//! headers, retry policy, token margin, key generator, clock), and the macro that gives
//! a provider builder the matching setter methods, so no provider re-implements them.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::auth::{Clock, TokenCache, TokenSource};
use crate::error::ConfigError;
use crate::hooks::ClientInner;
use crate::http::{HttpConfig, Identity, RootTrust, certificates_from_pem};
use crate::idempotency::KeyGenerator;
use crate::secret::Secret;
use crate::{Auth, ProviderProfile, RetryPolicy};

/// The shared part of every provider's client builder.
#[derive(Default, Clone)]
pub struct ClientOptions {
    /// Connect timeout (default 10 s).
    pub connect_timeout: Option<Duration>,
    /// Per-attempt timeout (default 30 s).
    pub timeout: Option<Duration>,
    /// Extra CA certificates, PEM.
    pub ca_pem: Vec<Vec<u8>>,
    /// Trust only `ca_pem`, not the platform roots.
    pub only_given_cas: bool,
    /// mTLS identity: certificate chain PEM and private key PEM.
    pub identity_pem: Option<(Vec<u8>, Secret)>,
    /// Headers sent on every request; secret ones are marked sensitive.
    pub default_headers: Vec<(String, HeaderText)>,
    /// Retry policy (default: the provider's).
    pub retry: Option<RetryPolicy>,
    /// How long before expiry a token is replaced (default 60 s).
    pub token_margin: Option<Duration>,
    /// Idempotency-key generator (default UUID v4).
    pub keys: Option<Arc<dyn KeyGenerator>>,
    /// Clock for token expiry (tests).
    pub clock: Option<Arc<dyn Clock>>,
    /// Largest response body read, in bytes (default
    /// [`crate::hooks::DEFAULT_MAX_RESPONSE_BYTES`], 16 MiB).
    pub max_response_bytes: Option<u64>,
}

/// A default header's value: plain, or secret (never printed, sent as sensitive).
#[derive(Clone)]
pub enum HeaderText {
    /// A value that may be shown.
    Plain(String),
    /// A value that must not be shown.
    Secret(Secret),
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("ca_certificates", &self.ca_pem.len())
            .field("only_given_cas", &self.only_given_cas)
            .field(
                "identity",
                &self.identity_pem.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "default_headers",
                &self
                    .default_headers
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientOptions {
    /// The HTTP client these options describe. `require_identity` names the reason an
    /// identity is mandatory (e.g. "Nopan requires mutual TLS"), if it is.
    pub fn http_client(
        &self,
        require_identity: Option<&'static str>,
    ) -> Result<reqwest::Client, ConfigError> {
        let identity = match &self.identity_pem {
            Some((cert, key)) => Some(Identity::from_pem(cert, key.expose().as_bytes())?),
            None => match require_identity {
                Some(reason) => return Err(ConfigError::Missing(reason)),
                None => None,
            },
        };
        let mut cas = Vec::new();
        for pem in &self.ca_pem {
            cas.extend(certificates_from_pem(pem)?);
        }
        let roots = match (cas.is_empty(), self.only_given_cas) {
            (true, true) => {
                return Err(ConfigError::Missing(
                    "a CA certificate (trust_only_given_cas without ca_pem)",
                ));
            }
            (true, false) => RootTrust::Platform,
            (false, false) => RootTrust::PlatformAnd(cas),
            (false, true) => RootTrust::Only(cas),
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &self.default_headers {
            let header =
                HeaderName::from_bytes(name.as_bytes()).map_err(|e| ConfigError::Invalid {
                    name: "default header name",
                    reason: format!("`{name}`: {e}"),
                })?;
            let (text, sensitive) = match value {
                HeaderText::Plain(text) => (text.as_str(), false),
                HeaderText::Secret(secret) => (secret.expose(), true),
            };
            let mut value = HeaderValue::from_str(text).map_err(|_| ConfigError::Invalid {
                name: "default header value",
                reason: format!("the value of `{name}` has characters a header cannot carry"),
            })?;
            value.set_sensitive(sensitive);
            headers.insert(header, value);
        }
        let defaults = HttpConfig::default();
        HttpConfig {
            connect_timeout: self.connect_timeout.unwrap_or(defaults.connect_timeout),
            timeout: self.timeout.unwrap_or(defaults.timeout),
            roots,
            identity,
            user_agent: defaults.user_agent,
            default_headers: headers,
        }
        .build()
    }

    /// A token cache over `source`, with these options' margin and clock.
    pub fn token_cache(&self, source: Arc<dyn TokenSource>) -> Arc<TokenCache> {
        let mut cache = TokenCache::new(source);
        if let Some(retry) = &self.retry {
            cache = cache.with_retry(retry.clone());
        }
        if let Some(margin) = self.token_margin {
            cache = cache.with_margin(margin);
        }
        if let Some(clock) = &self.clock {
            cache = cache.with_clock(clock.clone());
        }
        Arc::new(cache)
    }

    /// The inner value of a generated client: these options' retry policy (or
    /// `default_retry`) and key generator.
    pub fn inner(
        &self,
        profile: ProviderProfile,
        auth: Auth,
        default_retry: RetryPolicy,
    ) -> ClientInner {
        let retry = self.retry.clone().unwrap_or(default_retry);
        let inner = match &self.keys {
            Some(keys) => ClientInner::with_keys(profile, auth, retry, keys.clone()),
            None => ClientInner::new(profile, auth, retry),
        };
        match self.max_response_bytes {
            Some(limit) => inner.with_max_response_bytes(limit),
            None => inner,
        }
    }
}

/// Adds the shared setters to a provider builder that has a field `options:
/// payspec_core::options::ClientOptions`.
#[macro_export]
macro_rules! client_options_methods {
    () => {
        /// Time allowed to connect, TLS included (default 10 s).
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.connect_timeout = Some(timeout);
            self
        }

        /// Time allowed for one attempt, from sending to the end of the body (default 30 s).
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.timeout = Some(timeout);
            self
        }

        /// Trusts an extra CA certificate (PEM) besides the platform's roots.
        pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
            self.options.ca_pem.push(pem.into());
            self
        }

        /// Trusts only the CAs given with `ca_pem`, not the platform's roots.
        pub fn trust_only_given_cas(mut self) -> Self {
            self.options.only_given_cas = true;
            self
        }

        /// Retry policy for transient failures of retry-safe requests.
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.options.retry = Some(policy);
            self
        }

        /// How long before expiry an access token is replaced (default 60 s).
        pub fn token_refresh_margin(mut self, margin: ::std::time::Duration) -> Self {
            self.options.token_margin = Some(margin);
            self
        }

        /// Generator of idempotency keys (default: UUID v4).
        pub fn idempotency_keys(
            mut self,
            keys: ::std::sync::Arc<dyn $crate::idempotency::KeyGenerator>,
        ) -> Self {
            self.options.keys = Some(keys);
            self
        }

        /// Largest response body the client reads, in bytes (default 16 MiB). A longer
        /// answer ends the call with an invalid-response error and its connection is
        /// dropped.
        pub fn max_response_bytes(mut self, limit: u64) -> Self {
            self.options.max_response_bytes = Some(limit);
            self
        }

        /// Clock used for token expiry (tests: `payspec_core::auth::ManualClock`).
        pub fn clock(mut self, clock: ::std::sync::Arc<dyn $crate::auth::Clock>) -> Self {
            self.options.clock = Some(clock);
            self
        }
    };
}
