//! HMAC helpers for webhook signatures: sign, and verify against several secrets (key
//! rotation) in constant time.

use base64::Engine;
use ring::hmac as ring_hmac;

use crate::error::ConfigError;
use crate::secret::Secret;

/// How a signature is written in its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SignatureEncoding {
    /// Lower- or upper-case hex.
    #[default]
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// Why a webhook signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature header is absent.
    #[error("signature header `{0}` is missing")]
    MissingHeader(String),
    /// The header is not in the expected encoding.
    #[error("signature is not valid {0:?}")]
    Malformed(SignatureEncoding),
    /// No configured secret produces this signature. Says what was compared, never a
    /// secret or the expected signature.
    #[error("signature does not match any of the {secrets} configured secret(s){}", compared_text(.compared))]
    Mismatch {
        /// How many secrets were tried.
        secrets: usize,
        /// What was signed and where the signature was read, e.g. "the body (120
        /// bytes), header `x-signature`".
        compared: String,
    },
    /// No secret is configured.
    #[error("no webhook secret is configured")]
    NoSecret,
}

fn compared_text(compared: &str) -> String {
    if compared.is_empty() {
        String::new()
    } else {
        format!(" (compared: {compared})")
    }
}

impl SignatureError {
    /// Says what was compared, on a [`SignatureError::Mismatch`].
    pub fn compared(self, what: impl Into<String>) -> Self {
        match self {
            Self::Mismatch { secrets, .. } => Self::Mismatch {
                secrets,
                compared: what.into(),
            },
            other => other,
        }
    }
}

/// Refuses a secret that anyone could sign with: empty, or only white space (what an
/// unset or blank environment variable gives).
pub fn check_secret(what: &'static str, secret: &Secret) -> Result<(), ConfigError> {
    if secret.expose().trim().is_empty() {
        return Err(ConfigError::Invalid {
            name: what,
            reason: "empty: a verifier with an empty secret accepts what anyone signs".into(),
        });
    }
    Ok(())
}

/// Refuses a header name that no request can carry (empty, or not a valid HTTP name).
pub fn check_header_name(header: &str) -> Result<String, ConfigError> {
    let lower = header.trim().to_ascii_lowercase();
    if lower.is_empty() || http::HeaderName::from_bytes(lower.as_bytes()).is_err() {
        return Err(ConfigError::Invalid {
            name: "signature header name",
            reason: format!(
                "`{}` is not a valid HTTP header name",
                crate::error::Bounded(header)
            ),
        });
    }
    Ok(lower)
}

/// The hash under an HMAC signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HmacAlgorithm {
    /// HMAC-SHA256 (most providers).
    #[default]
    Sha256,
    /// HMAC-SHA1 (MobilePay App Payments webhooks).
    Sha1,
}

// ring, already in every tree for rustls, computes the HMACs: no second crypto stack
// (hmac, sha1, sha2 and their helpers) for consumers to build.
fn ring_tag<const N: usize>(
    algorithm: ring_hmac::Algorithm,
    secret: &Secret,
    message: &[u8],
) -> [u8; N] {
    let key = ring_hmac::Key::new(algorithm, secret.expose().as_bytes());
    let tag = ring_hmac::sign(&key, message);
    let mut out = [0u8; N];
    // The tag has the algorithm's length, N here; zip cannot panic either way.
    out.iter_mut().zip(tag.as_ref()).for_each(|(o, t)| *o = *t);
    out
}

/// HMAC-SHA256 of `message` under `secret`.
pub fn hmac_sha256(secret: &Secret, message: &[u8]) -> [u8; 32] {
    ring_tag(ring_hmac::HMAC_SHA256, secret, message)
}

/// HMAC-SHA1 of `message` under `secret` (MobilePay's webhook signature; SHA-1 is
/// still sound as an HMAC).
pub fn hmac_sha1(secret: &Secret, message: &[u8]) -> [u8; 20] {
    ring_tag(ring_hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret, message)
}

/// The HMAC of `message` under `secret` with `algorithm`.
pub fn hmac(algorithm: HmacAlgorithm, secret: &Secret, message: &[u8]) -> Vec<u8> {
    match algorithm {
        HmacAlgorithm::Sha256 => hmac_sha256(secret, message).to_vec(),
        HmacAlgorithm::Sha1 => hmac_sha1(secret, message).to_vec(),
    }
}

/// Encodes a MAC for a header.
pub fn encode(mac: &[u8], encoding: SignatureEncoding) -> String {
    match encoding {
        SignatureEncoding::Hex => mac.iter().map(|b| format!("{b:02x}")).collect(),
        SignatureEncoding::Base64 => base64::engine::general_purpose::STANDARD.encode(mac),
    }
}

/// Decodes a header value.
pub fn decode(value: &str, encoding: SignatureEncoding) -> Option<Vec<u8>> {
    let value = value.trim();
    match encoding {
        SignatureEncoding::Hex => {
            // Hex digits only: `from_str_radix` alone would take a sign (`+f`).
            if !value.len().is_multiple_of(2) || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            value
                .as_bytes()
                .chunks_exact(2)
                .map(|pair| Some((hex_value(pair[0])? << 4) | hex_value(*pair.get(1)?)?))
                .collect()
        }
        SignatureEncoding::Base64 => base64::engine::general_purpose::STANDARD.decode(value).ok(),
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Compares in time that depends only on the lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Verifies an HMAC-SHA256 signature of `message` against every secret (rotation): any
/// match accepts. Every secret is tried, so timing does not tell which one matched.
pub fn verify_hmac_sha256(
    secrets: &[Secret],
    message: &[u8],
    signature: &str,
    encoding: SignatureEncoding,
) -> Result<(), SignatureError> {
    verify_hmac(HmacAlgorithm::Sha256, secrets, message, signature, encoding)
}

/// Verifies an HMAC signature of `message` with `algorithm` against every secret
/// (rotation): any match accepts. Every secret is tried, so timing does not tell which
/// one matched.
pub fn verify_hmac(
    algorithm: HmacAlgorithm,
    secrets: &[Secret],
    message: &[u8],
    signature: &str,
    encoding: SignatureEncoding,
) -> Result<(), SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let given = decode(signature, encoding).ok_or(SignatureError::Malformed(encoding))?;
    let mut matched = false;
    for secret in secrets {
        matched |= constant_time_eq(&hmac(algorithm, secret, message), &given);
    }
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch {
            secrets: secrets.len(),
            compared: String::new(),
        })
    }
}

/// Verifies webhook bodies signed with an HMAC of the raw body, carried in one header:
/// the scheme several providers share. Several secrets may be configured at once so a
/// secret can be rotated without dropping notifications (any match accepts; every secret
/// is tried). Secrets never appear in `Debug`.
#[derive(Clone)]
pub struct BodySignatureVerifier {
    header: String,
    secrets: Vec<Secret>,
    algorithm: HmacAlgorithm,
    encoding: SignatureEncoding,
}

impl std::fmt::Debug for BodySignatureVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodySignatureVerifier")
            .field("header", &self.header)
            .field("secrets", &self.secrets.len())
            .field("algorithm", &self.algorithm)
            .field("encoding", &self.encoding)
            .finish()
    }
}

impl BodySignatureVerifier {
    /// HMAC-SHA256, hex, read from `header` (case-insensitive), with `secret`. Refuses an
    /// empty secret and a header name no request can carry.
    pub fn new(header: impl AsRef<str>, secret: impl Into<Secret>) -> Result<Self, ConfigError> {
        let secret = secret.into();
        check_secret("webhook secret", &secret)?;
        Ok(Self {
            header: check_header_name(header.as_ref())?,
            secrets: vec![secret],
            algorithm: HmacAlgorithm::Sha256,
            encoding: SignatureEncoding::Hex,
        })
    }

    /// Reads the signature from another header (case-insensitive).
    pub fn with_header(mut self, header: impl AsRef<str>) -> Result<Self, ConfigError> {
        self.header = check_header_name(header.as_ref())?;
        Ok(self)
    }

    /// Also accepts signatures made with `secret` (rotation). Refuses an empty secret.
    pub fn with_secret(mut self, secret: impl Into<Secret>) -> Result<Self, ConfigError> {
        let secret = secret.into();
        check_secret("webhook secret", &secret)?;
        self.secrets.push(secret);
        Ok(self)
    }

    /// How the signature is encoded (default hex).
    pub fn with_encoding(mut self, encoding: SignatureEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The hash under the HMAC (default SHA-256).
    pub fn with_algorithm(mut self, algorithm: HmacAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The header this verifier reads (lower case).
    pub fn header(&self) -> &str {
        &self.header
    }

    /// Checks `signature` (the header's value, `None` when absent) against the raw body.
    pub fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<(), SignatureError> {
        let signature =
            signature.ok_or_else(|| SignatureError::MissingHeader(self.header.clone()))?;
        verify_hmac(
            self.algorithm,
            &self.secrets,
            body,
            signature,
            self.encoding,
        )
        .map_err(|e| {
            e.compared(format!(
                "the body ({} bytes), header `{}`",
                body.len(),
                self.header
            ))
        })
    }

    /// Checks the signature found in `headers` against the raw body.
    pub fn verify_headers(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<(), SignatureError> {
        let signature = headers
            .get(self.header.as_str())
            .and_then(|v| v.to_str().ok());
        self.verify(body, signature)
    }

    /// The header value for `body` under the first secret: for tests and simulators.
    pub fn sign(&self, body: &[u8]) -> String {
        self.secrets
            .first()
            .map(|secret| encode(&hmac(self.algorithm, secret, body), self.encoding))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_hex_digits_only() {
        assert_eq!(
            decode("0aFf", SignatureEncoding::Hex),
            Some(vec![0x0a, 0xff])
        );
        // A sign where a digit belongs, white space inside, odd length, non-ASCII.
        for bad in ["+a0f", "0a+f", "-0", "0 af", "abc", "é0", "0x0a"] {
            assert_eq!(decode(bad, SignatureEncoding::Hex), None, "{bad:?}");
        }
    }

    #[test]
    fn hex_decoding_agrees_with_a_reference_on_random_input() {
        let mut rng = fastrand::Rng::with_seed(99);
        let alphabet = b"0123456789abcdefABCDEF+- xg";
        for _ in 0..20_000 {
            let text: String = (0..rng.usize(0..12))
                .map(|_| char::from(alphabet[rng.usize(0..alphabet.len())]))
                .collect();
            // A header value's surrounding white space is not part of it.
            let digits = text.trim();
            let expected = (digits.len().is_multiple_of(2)
                && digits.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| {
                (0..digits.len() / 2)
                    .map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).unwrap_or(0))
                    .collect::<Vec<u8>>()
            });
            assert_eq!(decode(&text, SignatureEncoding::Hex), expected, "{text:?}");
        }
    }

    #[test]
    fn weak_configuration_is_refused() {
        assert!(BodySignatureVerifier::new("x-signature", "").is_err());
        assert!(BodySignatureVerifier::new("x-signature", "  ").is_err());
        assert!(BodySignatureVerifier::new("", "secret").is_err());
        assert!(BodySignatureVerifier::new("bad header", "secret").is_err());
        let ok = BodySignatureVerifier::new("X-Signature", "secret");
        assert!(ok.as_ref().is_ok_and(|v| v.header() == "x-signature"));
        assert!(ok.and_then(|v| v.with_secret("")).is_err());
    }

    #[test]
    fn a_mismatch_says_what_was_compared_and_never_the_secret() {
        let verifier = BodySignatureVerifier::new("x-signature", "canary-secret-123")
            .and_then(|v| v.with_secret("second-canary"))
            .unwrap_or_else(|e| panic!("{e}"));
        let error = verifier
            .verify(b"{}", Some("00"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            error,
            "signature does not match any of the 2 configured secret(s) (compared: the body (2 bytes), header `x-signature`)"
        );
        let good = verifier.sign(b"{}");
        assert!(!error.contains("canary") && !error.contains(&good));
    }

    #[test]
    fn rfc4231_case_2() {
        let mac = hmac_sha256(&Secret::new("Jefe"), b"what do ya want for nothing?");
        assert_eq!(
            encode(&mac, SignatureEncoding::Hex),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn rfc2202_hmac_sha1_case_2() {
        let mac = hmac_sha1(&Secret::new("Jefe"), b"what do ya want for nothing?");
        assert_eq!(
            encode(&mac, SignatureEncoding::Hex),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn rotation_and_rejection() {
        let old = Secret::new("old");
        let new = Secret::new("new");
        let sig = encode(&hmac_sha256(&old, b"body"), SignatureEncoding::Base64);
        let both = [new.clone(), old.clone()];
        assert!(verify_hmac_sha256(&both, b"body", &sig, SignatureEncoding::Base64).is_ok());
        assert!(matches!(
            verify_hmac_sha256(&[new], b"body", &sig, SignatureEncoding::Base64),
            Err(SignatureError::Mismatch { secrets: 1, .. })
        ));
        assert!(matches!(
            verify_hmac_sha256(&both, b"body!", &sig, SignatureEncoding::Base64),
            Err(SignatureError::Mismatch { secrets: 2, .. })
        ));
        assert_eq!(
            verify_hmac_sha256(&both, b"body", "zz", SignatureEncoding::Hex),
            Err(SignatureError::Malformed(SignatureEncoding::Hex))
        );
    }
}
