//! Compact JWE (RFC 7516) for GoPay's card payload: RSA-OAEP-256 key wrapping of a
//! fresh A256GCM key, a fresh 96-bit IV each time, the protected header as AAD.
//!
//! No pure-Rust JOSE crate supports this pair, so it is written here from RFC 7516 /
//! RFC 7518 with `rsa` and `aes-gcm`; the tests decrypt the output with an independent
//! implementation (Python `joserfc`).

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload, rand_core::RngCore};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use payspec_gopay_api::types::Jwk;
use rsa::{BigUint, Oaep, RsaPublicKey};
use zeroize::Zeroizing;

use crate::card::CardData;

/// Why a key could not be used or data not encrypted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JweError {
    /// The JWK is not an RSA encryption key for RSA-OAEP-256 of at least 2048 bits.
    #[error("unusable encryption key: {0}")]
    Key(String),
    /// Encryption failed (should not happen with a valid key).
    #[error("encryption failed: {0}")]
    Encrypt(String),
    /// Text given as a JWE is not a compact JWE of GoPay's algorithms.
    #[error("not a card JWE: {0}")]
    Malformed(&'static str),
}

/// The longest compact JWE [`Jwe::parse`] takes (a card's is about 600 bytes).
pub const MAX_JWE_LEN: usize = 16 * 1024;

/// A compact JWE. It holds only ciphertext, but `Debug` still shows just its kid.
#[derive(Clone, PartialEq, Eq)]
pub struct Jwe {
    compact: String,
    kid: String,
}

impl Jwe {
    /// The compact serialization, five base64url parts joined by dots.
    pub fn as_str(&self) -> &str {
        &self.compact
    }

    /// The key id it was encrypted for.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A compact JWE made elsewhere: GoPay's hosted card form hands the merchant's page
    /// the card encrypted to GoPay's key (its `card_token`, the browser SDK's
    /// `encryptedPayload`), for [`crate::Client::create_card_token`] or
    /// [`crate::CardInput::Encrypted`]. Checked for shape only (five base64url parts,
    /// at most [`MAX_JWE_LEN`] bytes, a protected header of `RSA-OAEP-256` and
    /// `A256GCM`): only GoPay can decrypt it.
    pub fn parse(compact: &str) -> Result<Self, JweError> {
        let compact = compact.trim();
        if compact.len() > MAX_JWE_LEN {
            return Err(JweError::Malformed("longer than MAX_JWE_LEN"));
        }
        let parts: Vec<&str> = compact.split('.').collect();
        let well_formed = parts.len() == 5
            && parts.iter().enumerate().all(|(i, part)| {
                // The key and the IV, the ciphertext and the tag are never empty here.
                (i == 0 || !part.is_empty())
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if !well_formed {
            return Err(JweError::Malformed("not five base64url parts"));
        }
        let header = URL_SAFE_NO_PAD
            .decode(parts[0])
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .ok_or(JweError::Malformed("the protected header is not JSON"))?;
        if header["alg"] != "RSA-OAEP-256" || header["enc"] != "A256GCM" {
            return Err(JweError::Malformed("not RSA-OAEP-256 with A256GCM"));
        }
        Ok(Self {
            compact: compact.to_string(),
            kid: header["kid"].as_str().unwrap_or_default().to_string(),
        })
    }
}

impl fmt::Debug for Jwe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwe")
            .field("kid", &self.kid)
            .field("len", &self.compact.len())
            .finish()
    }
}

fn decode(part: &str, what: &str) -> Result<Vec<u8>, JweError> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| JweError::Key(format!("`{what}` is not base64url")))
}

/// The RSA public key of a JWK, checked for JWE use.
pub fn public_key(jwk: &Jwk) -> Result<RsaPublicKey, JweError> {
    if jwk.kty != "RSA" {
        return Err(JweError::Key(format!("kty is `{}`, not RSA", jwk.kty)));
    }
    if let Some(alg) = jwk.alg.as_deref().filter(|alg| *alg != "RSA-OAEP-256") {
        return Err(JweError::Key(format!("alg is `{alg}`, not RSA-OAEP-256")));
    }
    if let Some(usage) = jwk.use_.as_deref().filter(|usage| *usage != "enc") {
        return Err(JweError::Key(format!("use is `{usage}`, not enc")));
    }
    let n = BigUint::from_bytes_be(&decode(&jwk.n, "n")?);
    let e = BigUint::from_bytes_be(&decode(&jwk.e, "e")?);
    let key = RsaPublicKey::new(n, e).map_err(|e| JweError::Key(e.to_string()))?;
    if rsa::traits::PublicKeyParts::size(&key) < 256 {
        return Err(JweError::Key("RSA key shorter than 2048 bits".into()));
    }
    Ok(key)
}

/// Encrypts `plaintext` for `jwk` as a compact JWE with header
/// `{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":<kid>,"typ":"JWE"}`.
pub fn encrypt(plaintext: &[u8], jwk: &Jwk) -> Result<Jwe, JweError> {
    let key = public_key(jwk)?;
    let header =
        serde_json::json!({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": jwk.kid, "typ": "JWE"});
    let header = URL_SAFE_NO_PAD.encode(header.to_string());

    let mut cek = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(cek.as_mut());
    let mut iv = [0u8; 12];
    OsRng.fill_bytes(&mut iv);

    let wrapped = key
        .encrypt(&mut OsRng, Oaep::new::<sha2::Sha256>(), cek.as_ref())
        .map_err(|e| JweError::Encrypt(e.to_string()))?;
    let cipher =
        Aes256Gcm::new_from_slice(cek.as_ref()).map_err(|e| JweError::Encrypt(e.to_string()))?;
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: plaintext,
                aad: header.as_bytes(),
            },
        )
        .map_err(|e| JweError::Encrypt(e.to_string()))?;
    // aes-gcm appends the 16-byte tag to the ciphertext.
    let (ciphertext, tag) = sealed
        .split_at_checked(sealed.len().saturating_sub(16))
        .ok_or_else(|| JweError::Encrypt("sealed text shorter than its tag".into()))?;
    let compact = [
        header,
        URL_SAFE_NO_PAD.encode(wrapped),
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(ciphertext),
        URL_SAFE_NO_PAD.encode(tag),
    ]
    .join(".");
    Ok(Jwe {
        compact,
        kid: jwk.kid.clone(),
    })
}

impl CardData {
    /// Encrypts the card for GoPay's public key.
    pub fn encrypt(&self, jwk: &Jwk) -> Result<Jwe, JweError> {
        encrypt(&self.plaintext(), jwk)
    }
}
