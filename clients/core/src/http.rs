//! The HTTP stack every client shares: reqwest + rustls (ring), custom roots, mTLS
//! identity from PEM, timeouts, user agent, and the https-only rule for base URLs.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::ConfigError;

/// The user agent every payspec client sends.
pub const USER_AGENT: &str = concat!("payspec/", env!("CARGO_PKG_VERSION"));

/// A client certificate chain and its private key, for mutual TLS.
pub struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Identity {
    /// Reads a certificate chain and a private key (PKCS#8, PKCS#1 or SEC1) from PEM.
    /// The error names what is wrong, never the key material.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, ConfigError> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ConfigError::InvalidPem {
                what: "client certificate",
                reason: e.to_string(),
            })?;
        if chain.is_empty() {
            return Err(ConfigError::InvalidPem {
                what: "client certificate",
                reason: "no CERTIFICATE block found".into(),
            });
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| ConfigError::InvalidPem {
            what: "client private key",
            reason: match e {
                rustls_pki_types::pem::Error::NoItemsFound => "no PRIVATE KEY block found".into(),
                other => other.to_string(),
            },
        })?;
        Ok(Self { chain, key })
    }
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("certificates", &self.chain.len())
            .field("key", &"[redacted]")
            .finish()
    }
}

/// Which server certificates a client trusts.
#[derive(Clone, Debug, Default)]
pub enum RootTrust {
    /// The platform's trust store (the default).
    #[default]
    Platform,
    /// The platform's trust store plus these CAs.
    PlatformAnd(Vec<CertificateDer<'static>>),
    /// Only these CAs: a private API or a sandbox with its own CA.
    Only(Vec<CertificateDer<'static>>),
}

/// Parses every CERTIFICATE block of a PEM text.
pub fn certificates_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConfigError::InvalidPem {
            what: "CA certificate",
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(ConfigError::InvalidPem {
            what: "CA certificate",
            reason: "no CERTIFICATE block found".into(),
        });
    }
    Ok(certs)
}

/// Transport settings shared by every provider client.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Time allowed to open a connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// Time allowed for one attempt, from sending to the end of the response body.
    pub timeout: Duration,
    /// Trusted server roots.
    pub roots: RootTrust,
    /// Client identity for mutual TLS.
    pub identity: Option<Identity>,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Headers sent on every request (mark secret ones sensitive).
    pub default_headers: reqwest::header::HeaderMap,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            roots: RootTrust::Platform,
            identity: None,
            user_agent: USER_AGENT.to_string(),
            default_headers: reqwest::header::HeaderMap::new(),
        }
    }
}

impl HttpConfig {
    /// Builds the reqwest client: rustls with the ring provider, TLS 1.2+, the identity
    /// when one is set.
    pub fn build(&self) -> Result<reqwest::Client, ConfigError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| ConfigError::Tls(e.to_string()))?;
        let builder = match &self.roots {
            RootTrust::Platform => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(
                    rustls_platform_verifier::Verifier::new(provider.clone())
                        .map_err(|e| ConfigError::Tls(e.to_string()))?,
                )),
            RootTrust::PlatformAnd(extra) => {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(
                        rustls_platform_verifier::Verifier::new_with_extra_roots(
                            extra.iter().cloned(),
                            provider.clone(),
                        )
                        .map_err(|e| ConfigError::Tls(e.to_string()))?,
                    ))
            }
            RootTrust::Only(roots) => builder.with_root_certificates(root_store(roots)?),
        };
        let config = match &self.identity {
            Some(identity) => builder
                .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
                .map_err(|e| ConfigError::Tls(format!("client identity rejected: {e}")))?,
            None => builder.with_no_client_auth(),
        };
        reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(self.user_agent.clone())
            .default_headers(self.default_headers.clone())
            .build()
            .map_err(|e| ConfigError::Tls(e.to_string()))
    }
}

fn root_store(roots: &[CertificateDer<'static>]) -> Result<RootCertStore, ConfigError> {
    let mut store = RootCertStore::empty();
    for root in roots {
        store
            .add(root.clone())
            .map_err(|e| ConfigError::Tls(format!("CA certificate rejected: {e}")))?;
    }
    Ok(store)
}

/// Checks a base URL: absolute, https, or plain http only for a loopback host
/// (`localhost`, 127.0.0.0/8, `::1`). Returns it without a trailing slash.
pub fn validate_base_url(url: &str) -> Result<String, ConfigError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| ConfigError::InvalidBaseUrl {
        url: url.to_string(),
        reason: e.to_string(),
    })?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => {
            return Err(ConfigError::InvalidBaseUrl {
                url: url.to_string(),
                reason: "it has no host".into(),
            });
        }
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(ConfigError::InvalidBaseUrl {
                url: url.to_string(),
                reason: "plain http is allowed only for loopback hosts; use https".into(),
            });
        }
        other => {
            return Err(ConfigError::InvalidBaseUrl {
                url: url.to_string(),
                reason: format!("scheme `{other}` is not https"),
            });
        }
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ConfigError::InvalidBaseUrl {
            url: "[a URL with credentials]".into(),
            reason: "credentials do not belong in the base URL".into(),
        });
    }
    Ok(url.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_or_loopback_only() {
        assert_eq!(
            validate_base_url("https://api.nopan.io/").unwrap(),
            "https://api.nopan.io"
        );
        assert!(validate_base_url("http://127.0.0.1:8080").is_ok());
        assert!(validate_base_url("http://localhost:1").is_ok());
        assert!(validate_base_url("http://[::1]:1").is_ok());
        let err = validate_base_url("http://api.nopan.io")
            .unwrap_err()
            .to_string();
        assert!(err.contains("https"), "{err}");
        assert!(validate_base_url("ftp://x").is_err());
        assert!(validate_base_url("not a url").is_err());
        let err = validate_base_url("https://user:hunter2@x.io")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn bad_pem_is_a_clear_error() {
        let err = Identity::from_pem(b"nope", b"nope")
            .unwrap_err()
            .to_string();
        assert!(err.contains("client certificate"), "{err}");
    }
}
