//! EastPay notifications: the plain kind (the Inquiry body) and OPP's encrypted kind
//! (hex body, AES-256-GCM, `X-Initialization-Vector` and `X-Authentication-Tag`
//! headers, hex key from the back office).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use payspec_core::Secret;
use payspec_core::webhook::{SignatureEncoding, decode, encode};
pub use payspec_eastpay_api::types::EncryptedNotification as DecryptedNotification;
use zeroize::Zeroizing;

use crate::transaction::Transaction;

/// The header with the hex initialization vector.
pub const IV_HEADER: &str = "x-initialization-vector";
/// The header with the hex authentication tag.
pub const TAG_HEADER: &str = "x-authentication-tag";

/// Why a notification was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// A header is missing.
    #[error("notification header `{0}` is missing")]
    MissingHeader(&'static str),
    /// A part is not hex, or has the wrong length.
    #[error("notification {0} is not valid hex of the right length")]
    BadHex(&'static str),
    /// Decryption failed: the key is wrong, or the body, IV or tag was altered.
    #[error("notification could not be decrypted: wrong key, or the body, IV or tag was altered")]
    Decrypt,
    /// The (decrypted) body is not the JSON payspec expects.
    #[error("notification body is not a payment notification: {0}")]
    Body(String),
}

fn hex(text: &str, what: &'static str) -> Result<Vec<u8>, NotificationError> {
    decode(text, SignatureEncoding::Hex).ok_or(NotificationError::BadHex(what))
}

fn to_hex(bytes: &[u8]) -> String {
    encode(bytes, SignatureEncoding::Hex).to_ascii_uppercase()
}

/// Parses a plain notification: the same body as the Inquiry API's answer.
pub fn parse_plain(body: &[u8]) -> Result<Transaction, NotificationError> {
    let result =
        serde_json::from_slice(body).map_err(|e| NotificationError::Body(e.to_string()))?;
    Ok(Transaction::new(result, 200))
}

/// Decrypts OPP's encrypted notifications with the back office's hex key.
#[derive(Clone)]
pub struct NotificationDecryptor {
    key: Secret,
}

impl std::fmt::Debug for NotificationDecryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NotificationDecryptor([redacted])")
    }
}

impl NotificationDecryptor {
    /// A decryptor with the hex key (64 hex characters) from the back office.
    pub fn new(hex_key: impl Into<Secret>) -> Result<Self, NotificationError> {
        let key = hex_key.into();
        let bytes = Zeroizing::new(hex(key.expose(), "key")?);
        if bytes.len() != 32 {
            return Err(NotificationError::BadHex("key"));
        }
        Ok(Self { key })
    }

    fn cipher(&self) -> Result<Aes256Gcm, NotificationError> {
        let bytes = Zeroizing::new(hex(self.key.expose(), "key")?);
        Aes256Gcm::new_from_slice(&bytes).map_err(|_| NotificationError::BadHex("key"))
    }

    /// Decrypts a notification from its hex body and the two headers' values.
    pub fn decrypt(
        &self,
        body_hex: &[u8],
        iv_hex: &str,
        tag_hex: &str,
    ) -> Result<DecryptedNotification, NotificationError> {
        let iv = hex(iv_hex, "initialization vector")?;
        if iv.len() != 12 {
            return Err(NotificationError::BadHex("initialization vector"));
        }
        let tag = hex(tag_hex, "authentication tag")?;
        if tag.len() != 16 {
            return Err(NotificationError::BadHex("authentication tag"));
        }
        let body = std::str::from_utf8(body_hex).map_err(|_| NotificationError::BadHex("body"))?;
        let mut sealed = hex(body, "body")?;
        sealed.extend_from_slice(&tag);
        let plain = self
            .cipher()?
            .decrypt(
                Nonce::from_slice(&iv),
                Payload {
                    msg: &sealed,
                    aad: &[],
                },
            )
            .map_err(|_| NotificationError::Decrypt)?;
        let plain = Zeroizing::new(plain);
        serde_json::from_slice(&plain).map_err(|e| NotificationError::Body(e.to_string()))
    }

    /// Decrypts a notification from the request's headers and body.
    pub fn decrypt_request(
        &self,
        headers: &http::HeaderMap,
        body_hex: &[u8],
    ) -> Result<DecryptedNotification, NotificationError> {
        let header = |name: &'static str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or(NotificationError::MissingHeader(name))
        };
        self.decrypt(body_hex, header(IV_HEADER)?, header(TAG_HEADER)?)
    }

    /// Encrypts a notification as OPP does (hex body, IV, tag): for your tests and
    /// payspec's sandbox. The IV must be 12 random bytes, fresh for every message.
    pub fn encrypt(
        &self,
        plaintext: &[u8],
        iv: [u8; 12],
    ) -> Result<(String, String, String), NotificationError> {
        let sealed = self
            .cipher()?
            .encrypt(
                Nonce::from_slice(&iv),
                Payload {
                    msg: plaintext,
                    aad: &[],
                },
            )
            .map_err(|_| NotificationError::Decrypt)?;
        let (body, tag) = sealed
            .split_at_checked(sealed.len().saturating_sub(16))
            .ok_or(NotificationError::Decrypt)?;
        Ok((to_hex(body), to_hex(&iv), to_hex(tag)))
    }
}
