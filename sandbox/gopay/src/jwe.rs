//! The sandbox's side of GoPay's card JWE: decryption. It lives here and not in the
//! client crate, which only encrypts, so `rsa`'s private-key operations (and their timing
//! advisory, RUSTSEC-2023-0071) never reach a production build.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::Oaep;
use zeroize::Zeroizing;

fn decode(part: &str, what: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| format!("malformed JWE: `{what}` is not base64url"))
}

/// Decrypts a compact JWE made by [`payspec_gopay::jwe::encrypt`] with the private key (the sandbox's side;
/// the client never decrypts). Returns the protected header's `kid` and the plaintext.
///
/// Uses `rsa`'s OAEP decryption, which RUSTSEC-2023-0071 (Marvin) says leaks timing: fine
/// for a local simulator, not for a production service.
pub fn decrypt(
    compact: &str,
    key: &rsa::RsaPrivateKey,
) -> Result<(String, Zeroizing<Vec<u8>>), String> {
    let bad = |what: &str| format!("malformed JWE: {what}");
    let parts: Vec<&str> = compact.split('.').collect();
    let [header, wrapped, iv, ciphertext, tag] = parts.as_slice() else {
        return Err(bad("expected five parts"));
    };
    let header_json: serde_json::Value = serde_json::from_slice(&decode(header, "header")?)
        .map_err(|_| bad("header is not JSON"))?;
    if header_json["alg"] != "RSA-OAEP-256" || header_json["enc"] != "A256GCM" {
        return Err(bad("unsupported alg or enc"));
    }
    let kid = header_json["kid"].as_str().unwrap_or_default().to_string();
    let cek = Zeroizing::new(
        key.decrypt(
            Oaep::new::<sha2::Sha256>(),
            &decode(wrapped, "encrypted key")?,
        )
        .map_err(|_| bad("the key does not decrypt"))?,
    );
    let iv = decode(iv, "iv")?;
    if iv.len() != 12 {
        return Err(bad("iv is not 96 bits"));
    }
    let mut sealed = decode(ciphertext, "ciphertext")?;
    sealed.extend(decode(tag, "tag")?);
    let cipher = Aes256Gcm::new_from_slice(&cek).map_err(|_| bad("content key"))?;
    let plain = cipher
        .decrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: &sealed,
                aad: header.as_bytes(),
            },
        )
        .map_err(|_| bad("authentication failed"))?;
    Ok((kid, Zeroizing::new(plain)))
}
