//! A certificate authority made when a sandbox starts, with a server certificate for
//! 127.0.0.1/localhost and a client certificate, for providers that require mutual TLS.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use payspec_core::ConfigError;

/// The sandbox's CA and certificates, as PEM for clients and as rustls types for the
/// server.
pub struct SandboxPki {
    /// The CA certificate (PEM): the client trusts only this.
    pub ca_pem: String,
    /// A client certificate issued by the CA (PEM).
    pub client_cert_pem: String,
    /// Its private key (PEM).
    pub client_key_pem: String,
    ca_der: CertificateDer<'static>,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: PrivateKeyDer<'static>,
}

impl std::fmt::Debug for SandboxPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SandboxPki([keys redacted])")
    }
}

fn tls(e: impl std::fmt::Display) -> ConfigError {
    ConfigError::Tls(e.to_string())
}

impl SandboxPki {
    /// Makes a CA, a server certificate for `127.0.0.1` and `localhost`, and a client
    /// certificate whose common name is `client_name`.
    pub fn new(client_name: &str) -> Result<Self, ConfigError> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "payspec sandbox CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(tls)?)
            .map_err(tls)?;
        let server_key = KeyPair::generate().map_err(tls)?;
        let server = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(tls)?
            .signed_by(&server_key, &ca)
            .map_err(tls)?;
        let client_key = KeyPair::generate().map_err(tls)?;
        let mut client_params = CertificateParams::new(Vec::<String>::new()).map_err(tls)?;
        client_params
            .distinguished_name
            .push(DnType::CommonName, client_name);
        let client = client_params.signed_by(&client_key, &ca).map_err(tls)?;
        Ok(Self {
            ca_pem: ca.pem(),
            client_cert_pem: client.pem(),
            client_key_pem: client_key.serialize_pem(),
            ca_der: ca.der().clone(),
            server_chain: vec![server.der().clone()],
            server_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        })
    }

    /// A server config that requires a client certificate issued by the CA.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, ConfigError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca_der.clone()).map_err(tls)?;
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .map_err(tls)?;
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls)?
            .with_client_cert_verifier(verifier)
            .with_single_cert(self.server_chain.clone(), self.server_key.clone_key())
            .map_err(tls)?;
        Ok(Arc::new(config))
    }
}
