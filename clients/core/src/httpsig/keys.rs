//! Keys for HTTP message signatures: private keys from PEM (PKCS#8, SEC1, PKCS#1),
//! public keys from PEM (SPKI) or JWK, shared HMAC secrets. All crypto is ring's.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self, KeyPair as _};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{PrivateKeyDer, SubjectPublicKeyInfoDer};

use crate::ConfigError;

/// A signature algorithm of RFC 9421's registry (section 3.3) that payspec implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `ed25519`.
    Ed25519,
    /// `ecdsa-p256-sha256` (the signature is `r || s`, 64 bytes).
    EcdsaP256Sha256,
    /// `ecdsa-p384-sha384` (the signature is `r || s`, 96 bytes).
    EcdsaP384Sha384,
    /// `rsa-pss-sha512`.
    RsaPssSha512,
    /// `hmac-sha256` (a shared secret).
    HmacSha256,
}

impl Algorithm {
    /// The algorithm's name in RFC 9421's registry (the `alg` parameter).
    pub fn name(self) -> &'static str {
        match self {
            Self::Ed25519 => "ed25519",
            Self::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            Self::EcdsaP384Sha384 => "ecdsa-p384-sha384",
            Self::RsaPssSha512 => "rsa-pss-sha512",
            Self::HmacSha256 => "hmac-sha256",
        }
    }

    /// The algorithm of a registry name, if payspec implements it.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Ed25519,
            Self::EcdsaP256Sha256,
            Self::EcdsaP384Sha384,
            Self::RsaPssSha512,
            Self::HmacSha256,
        ]
        .into_iter()
        .find(|a| a.name() == name)
    }
}

enum Private {
    Ed25519(signature::Ed25519KeyPair),
    Ecdsa(signature::EcdsaKeyPair),
    Rsa(signature::RsaKeyPair),
    Hmac(ring::hmac::Key),
}

/// A private key (or shared secret) that signs messages, with the `keyid` the other side
/// knows it by. Its `Debug` shows the key id and algorithm, never the key.
pub struct SigningKey {
    key_id: String,
    algorithm: Algorithm,
    key: Private,
    /// The public half as a JWK (`None` for a shared secret).
    public_jwk: Option<serde_json::Value>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id)
            .field("algorithm", &self.algorithm)
            .field("key", &"<redacted>")
            .finish()
    }
}

// DER object identifiers (the content octets).
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];

/// One DER element: its tag, its content, and what follows it.
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (digits, rest) = rest.split_at(count);
        let length = digits
            .iter()
            .fold(0usize, |n, &d| (n << 8) | usize::from(d));
        (length, rest)
    };
    if rest.len() < length {
        return None;
    }
    let (content, rest) = rest.split_at(length);
    Some((tag, content, rest))
}

/// The algorithm OID and its parameter OID (a curve), if any, of an AlgorithmIdentifier.
fn algorithm_identifier(content: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let (tag, oid, rest) = der(content)?;
    if tag != 0x06 {
        return None;
    }
    let param = der(rest).filter(|(t, _, _)| *t == 0x06).map(|(_, p, _)| p);
    Some((oid, param))
}

fn invalid(reason: impl Into<String>) -> ConfigError {
    ConfigError::InvalidPem {
        what: "signing key",
        reason: reason.into(),
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn ec_jwk(curve: &str, point: &[u8]) -> Option<serde_json::Value> {
    let coordinates = point.strip_prefix(&[0x04])?;
    let (x, y) = coordinates.split_at(coordinates.len() / 2);
    Some(serde_json::json!({"kty": "EC", "crv": curve, "x": b64(x), "y": b64(y)}))
}

fn rsa_jwk(pair: &signature::RsaKeyPair) -> serde_json::Value {
    let public = pair.public();
    let components = signature::RsaPublicKeyComponents::<Vec<u8>>::from(public);
    serde_json::json!({"kty": "RSA", "n": b64(&components.n), "e": b64(&components.e)})
}

impl SigningKey {
    /// A private key from PEM: PKCS#8 (`PRIVATE KEY`: Ed25519, ECDSA P-256 or P-384,
    /// RSA), SEC1 (`EC PRIVATE KEY`, as `openssl ecparam -genkey` writes it) or PKCS#1
    /// (`RSA PRIVATE KEY`). The algorithm follows from the key: RSA keys sign with
    /// `rsa-pss-sha512`. Errors never include the key.
    pub fn from_pem(key_id: impl Into<String>, pem: &[u8]) -> Result<Self, ConfigError> {
        let key_id = key_id.into();
        if key_id.is_empty() {
            return Err(ConfigError::Missing("signing key id"));
        }
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(|e| {
            invalid(match e {
                rustls_pki_types::pem::Error::NoItemsFound => "no private key block found".into(),
                other => format!("unreadable PEM ({})", pem_error_kind(&other)),
            })
        })?;
        let rng = SystemRandom::new();
        let (algorithm, key, public_jwk) = match &der {
            PrivateKeyDer::Pkcs1(der) => rsa_from_pkcs1(der.secret_pkcs1_der())?,
            PrivateKeyDer::Sec1(der) => ec_from_sec1(der.secret_sec1_der(), &rng)?,
            PrivateKeyDer::Pkcs8(der) => from_pkcs8(der.secret_pkcs8_der(), &rng)?,
            _ => return Err(invalid("unsupported private key format")),
        };
        Ok(Self {
            key_id,
            algorithm,
            key,
            public_jwk,
        })
    }

    /// An Ed25519 key from its 32-byte seed (RFC 8032): the same seed gives the same
    /// key, which is what a simulator that must survive a restart needs.
    pub fn ed25519_from_seed(
        key_id: impl Into<String>,
        seed: &[u8; 32],
    ) -> Result<Self, ConfigError> {
        let pair = signature::Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|_| invalid("not an Ed25519 seed"))?;
        let public_jwk = Some(serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref())
        }));
        Ok(Self {
            key_id: key_id.into(),
            algorithm: Algorithm::Ed25519,
            key: Private::Ed25519(pair),
            public_jwk,
        })
    }

    /// An `hmac-sha256` shared secret. Refused when shorter than 32 bytes (RFC 9421 asks
    /// for a key of the hash's length at least).
    pub fn hmac_sha256(key_id: impl Into<String>, secret: &[u8]) -> Result<Self, ConfigError> {
        if secret.len() < 32 {
            return Err(ConfigError::Invalid {
                name: "signing secret",
                reason: "shorter than 32 bytes".into(),
            });
        }
        Ok(Self {
            key_id: key_id.into(),
            algorithm: Algorithm::HmacSha256,
            key: Private::Hmac(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret)),
            public_jwk: None,
        })
    }

    /// The `keyid` signatures carry.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The public half as a JWK with this key's `kid` and `alg` (what to register with
    /// the other side, or to serve in a JWKS); `None` for a shared secret.
    pub fn public_jwk(&self) -> Option<serde_json::Value> {
        let mut jwk = self.public_jwk.clone()?;
        if let Some(object) = jwk.as_object_mut() {
            object.insert("kid".into(), self.key_id.clone().into());
            object.insert("alg".into(), self.algorithm.name().into());
            object.insert("use".into(), "sig".into());
        }
        Some(jwk)
    }

    /// The key that verifies this key's signatures.
    pub fn verifying_key(&self) -> Option<VerifyingKey> {
        match &self.key {
            Private::Hmac(key) => Some(VerifyingKey {
                algorithm: Algorithm::HmacSha256,
                key: Public::Hmac(key.clone()),
            }),
            _ => VerifyingKey::from_jwk(&self.public_jwk()?).ok(),
        }
    }

    /// Signs `message` (a signature base).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let rng = SystemRandom::new();
        match &self.key {
            Private::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            Private::Ecdsa(pair) => pair
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| SignError),
            Private::Rsa(pair) => {
                let mut out = vec![0u8; pair.public().modulus_len()];
                pair.sign(&signature::RSA_PSS_SHA512, &rng, message, &mut out)
                    .map_err(|_| SignError)?;
                Ok(out)
            }
            Private::Hmac(key) => Ok(ring::hmac::sign(key, message).as_ref().to_vec()),
        }
    }
}

/// Signing failed inside the crypto library (it says no more).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("signing failed")]
pub struct SignError;

fn pem_error_kind(e: &rustls_pki_types::pem::Error) -> &'static str {
    match e {
        rustls_pki_types::pem::Error::MissingSectionEnd { .. } => "a section has no end",
        rustls_pki_types::pem::Error::IllegalSectionStart { .. } => "bad section start",
        rustls_pki_types::pem::Error::Base64Decode(_) => "bad base64",
        _ => "malformed",
    }
}

type Parsed = (Algorithm, Private, Option<serde_json::Value>);

fn rsa_from_pkcs1(der: &[u8]) -> Result<Parsed, ConfigError> {
    let pair = signature::RsaKeyPair::from_der(der)
        .map_err(|e| invalid(format!("RSA key refused: {e}")))?;
    let jwk = rsa_jwk(&pair);
    Ok((Algorithm::RsaPssSha512, Private::Rsa(pair), Some(jwk)))
}

fn ec_from_sec1(sec1: &[u8], rng: &SystemRandom) -> Result<Parsed, ConfigError> {
    // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING,
    //   [0] parameters (the curve), [1] publicKey BIT STRING }  (RFC 5915)
    let bad = || invalid("not an EC private key");
    let (_, body, _) = der_sequence(sec1).ok_or_else(bad)?;
    let (_, _version, rest) = der(body).ok_or_else(bad)?;
    let (_, private, mut rest) = der(rest).ok_or_else(bad)?;
    let mut curve = None;
    let mut public = None;
    while let Some((tag, content, next)) = der(rest) {
        match tag {
            0xa0 => curve = der(content).map(|(_, oid, _)| oid),
            0xa1 => public = der(content).and_then(|(_, bits, _)| bits.strip_prefix(&[0])),
            _ => {}
        }
        rest = next;
    }
    let public = public.ok_or_else(|| {
        invalid("the EC key has no public key: write it as PKCS#8 (openssl pkcs8 -topk8 -nocrypt)")
    })?;
    let (algorithm, signing, crv) = curve_of(curve.ok_or_else(bad)?)?;
    let pair =
        signature::EcdsaKeyPair::from_private_key_and_public_key(signing, private, public, rng)
            .map_err(|e| invalid(format!("EC key refused: {e}")))?;
    Ok((algorithm, Private::Ecdsa(pair), ec_jwk(crv, public)))
}

fn der_sequence(der_bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    der(der_bytes).filter(|(tag, _, _)| *tag == 0x30)
}

fn curve_of(
    oid: &[u8],
) -> Result<
    (
        Algorithm,
        &'static signature::EcdsaSigningAlgorithm,
        &'static str,
    ),
    ConfigError,
> {
    if oid == OID_P256 {
        Ok((
            Algorithm::EcdsaP256Sha256,
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            "P-256",
        ))
    } else if oid == OID_P384 {
        Ok((
            Algorithm::EcdsaP384Sha384,
            &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            "P-384",
        ))
    } else {
        Err(invalid("EC curve not supported (P-256 and P-384 are)"))
    }
}

fn from_pkcs8(der_bytes: &[u8], rng: &SystemRandom) -> Result<Parsed, ConfigError> {
    // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, privateKey OCTET STRING }
    let bad = || invalid("not a PKCS#8 private key");
    let (_, body, _) = der_sequence(der_bytes).ok_or_else(bad)?;
    let (_, _version, rest) = der(body).ok_or_else(bad)?;
    let (_, algorithm, rest) = der(rest).ok_or_else(bad)?;
    let (oid, param) = algorithm_identifier(algorithm).ok_or_else(bad)?;
    if oid == OID_ED25519 {
        let pair = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der_bytes)
            .map_err(|e| invalid(format!("Ed25519 key refused: {e}")))?;
        let jwk = serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref())
        });
        Ok((Algorithm::Ed25519, Private::Ed25519(pair), Some(jwk)))
    } else if oid == OID_EC {
        let (algorithm, signing, crv) = curve_of(param.ok_or_else(bad)?)?;
        let pair = signature::EcdsaKeyPair::from_pkcs8(signing, der_bytes, rng)
            .map_err(|e| invalid(format!("EC key refused: {e}")))?;
        let jwk = ec_jwk(crv, pair.public_key().as_ref());
        Ok((algorithm, Private::Ecdsa(pair), jwk))
    } else if oid == OID_RSA {
        let pair = signature::RsaKeyPair::from_pkcs8(der_bytes)
            .map_err(|e| invalid(format!("RSA key refused: {e}")))?;
        let jwk = rsa_jwk(&pair);
        Ok((Algorithm::RsaPssSha512, Private::Rsa(pair), Some(jwk)))
    } else if oid == OID_RSA_PSS {
        // An RSASSA-PSS PKCS#8 key holds a PKCS#1 key inside.
        let (_, inner, _) = der(rest).filter(|(t, _, _)| *t == 0x04).ok_or_else(bad)?;
        rsa_from_pkcs1(inner)
    } else {
        Err(invalid(
            "key type not supported (Ed25519, ECDSA P-256/P-384 and RSA are)",
        ))
    }
}

/// A DER INTEGER's magnitude without leading zero bytes (ring wants none).
fn unsigned(integer: &[u8]) -> Vec<u8> {
    let start = integer
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(integer.len());
    integer.get(start..).unwrap_or_default().to_vec()
}

#[derive(Clone)]
enum Public {
    /// Ed25519 public key or uncompressed EC point.
    Raw(Vec<u8>),
    /// RSA modulus and exponent.
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    Hmac(ring::hmac::Key),
}

/// A key that checks signatures: a public key (from a JWK or an SPKI PEM) or a shared
/// HMAC secret. Its `Debug` never shows a secret.
#[derive(Clone)]
pub struct VerifyingKey {
    algorithm: Algorithm,
    key: Public,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// Why a JWK or public key was not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unusable public key: {0}")]
pub struct KeyError(pub String);

fn jwk_bytes(jwk: &serde_json::Value, field: &str) -> Result<Vec<u8>, KeyError> {
    let text = jwk
        .get(field)
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| KeyError(format!("no `{field}`")))?;
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| KeyError(format!("`{field}` is not base64url")))
}

impl VerifyingKey {
    /// A public key from a JWK (RFC 7517): `OKP`/`Ed25519`, `EC`/`P-256` or `P-384`,
    /// or `RSA` (checked as `rsa-pss-sha512`). A JWK with an `alg` payspec does not
    /// implement is refused rather than guessed.
    pub fn from_jwk(jwk: &serde_json::Value) -> Result<Self, KeyError> {
        let kty = jwk.get("kty").and_then(serde_json::Value::as_str);
        let crv = jwk.get("crv").and_then(serde_json::Value::as_str);
        let (algorithm, key) = match (kty, crv) {
            (Some("OKP"), Some("Ed25519")) => {
                (Algorithm::Ed25519, Public::Raw(jwk_bytes(jwk, "x")?))
            }
            (Some("EC"), Some(curve @ ("P-256" | "P-384"))) => {
                let size = if curve == "P-256" { 32 } else { 48 };
                let (x, y) = (jwk_bytes(jwk, "x")?, jwk_bytes(jwk, "y")?);
                if x.len() != size || y.len() != size {
                    return Err(KeyError(format!("{curve} coordinates are {size} bytes")));
                }
                let mut point = vec![0x04];
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                let algorithm = if size == 32 {
                    Algorithm::EcdsaP256Sha256
                } else {
                    Algorithm::EcdsaP384Sha384
                };
                (algorithm, Public::Raw(point))
            }
            (Some("RSA"), _) => (
                Algorithm::RsaPssSha512,
                Public::Rsa {
                    n: unsigned(&jwk_bytes(jwk, "n")?),
                    e: unsigned(&jwk_bytes(jwk, "e")?),
                },
            ),
            (kty, crv) => {
                return Err(KeyError(format!(
                    "key type {} {} not supported",
                    kty.unwrap_or("(none)"),
                    crv.unwrap_or("")
                )));
            }
        };
        if let Some(alg) = jwk.get("alg").and_then(serde_json::Value::as_str) {
            let named = Algorithm::from_name(alg).or(match alg {
                "EdDSA" | "Ed25519" => Some(Algorithm::Ed25519),
                "ES256" => Some(Algorithm::EcdsaP256Sha256),
                "ES384" => Some(Algorithm::EcdsaP384Sha384),
                "PS512" => Some(Algorithm::RsaPssSha512),
                _ => None,
            });
            if named != Some(algorithm) {
                return Err(KeyError(format!(
                    "`alg` {alg} is not implemented for this key"
                )));
            }
        }
        Ok(Self { algorithm, key })
    }

    /// A public key from an SPKI PEM (`PUBLIC KEY`): Ed25519, EC P-256/P-384, RSA.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let spki = SubjectPublicKeyInfoDer::from_pem_slice(pem)
            .map_err(|_| KeyError("no readable PUBLIC KEY block".into()))?;
        let bad = || KeyError("not a SubjectPublicKeyInfo".into());
        let (_, body, _) = der_sequence(spki.as_ref()).ok_or_else(bad)?;
        let (_, algorithm, rest) = der(body).ok_or_else(bad)?;
        let (_, bits, _) = der(rest).filter(|(t, _, _)| *t == 0x03).ok_or_else(bad)?;
        let key = bits.strip_prefix(&[0]).ok_or_else(bad)?.to_vec();
        let (oid, param) = algorithm_identifier(algorithm).ok_or_else(bad)?;
        let algorithm = if oid == OID_ED25519 {
            Algorithm::Ed25519
        } else if oid == OID_EC && param == Some(OID_P256) {
            Algorithm::EcdsaP256Sha256
        } else if oid == OID_EC && param == Some(OID_P384) {
            Algorithm::EcdsaP384Sha384
        } else if oid == OID_RSA || oid == OID_RSA_PSS {
            // RSAPublicKey ::= SEQUENCE { modulus, publicExponent }
            let (_, seq, _) = der_sequence(&key).ok_or_else(bad)?;
            let (_, n, rest) = der(seq).ok_or_else(bad)?;
            let (_, e, _) = der(rest).ok_or_else(bad)?;
            return Ok(Self {
                algorithm: Algorithm::RsaPssSha512,
                key: Public::Rsa {
                    n: unsigned(n),
                    e: unsigned(e),
                },
            });
        } else {
            return Err(KeyError("key type not supported".into()));
        };
        Ok(Self {
            algorithm,
            key: Public::Raw(key),
        })
    }

    /// A shared `hmac-sha256` secret.
    pub fn hmac_sha256(secret: &[u8]) -> Self {
        Self {
            algorithm: Algorithm::HmacSha256,
            key: Public::Hmac(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret)),
        }
    }

    /// The algorithm this key checks.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Whether `signature` is this key's over `message`. ECDSA signatures are RFC 9421's
    /// `r || s`; a DER-encoded one (as Java and OpenSSL write them) is accepted too.
    pub fn verify(&self, message: &[u8], signature_bytes: &[u8]) -> bool {
        use signature::{UnparsedPublicKey, VerificationAlgorithm};
        let check = |alg: &'static dyn VerificationAlgorithm, key: &[u8]| {
            UnparsedPublicKey::new(alg, key)
                .verify(message, signature_bytes)
                .is_ok()
        };
        match (&self.key, self.algorithm) {
            (Public::Raw(key), Algorithm::Ed25519) => check(&signature::ED25519, key),
            (Public::Raw(key), Algorithm::EcdsaP256Sha256) => {
                check(&signature::ECDSA_P256_SHA256_FIXED, key)
                    || check(&signature::ECDSA_P256_SHA256_ASN1, key)
            }
            (Public::Raw(key), Algorithm::EcdsaP384Sha384) => {
                check(&signature::ECDSA_P384_SHA384_FIXED, key)
                    || check(&signature::ECDSA_P384_SHA384_ASN1, key)
            }
            (Public::Rsa { n, e }, Algorithm::RsaPssSha512) => {
                signature::RsaPublicKeyComponents { n, e }
                    .verify(
                        &signature::RSA_PSS_2048_8192_SHA512,
                        message,
                        signature_bytes,
                    )
                    .is_ok()
            }
            (Public::Hmac(key), Algorithm::HmacSha256) => {
                ring::hmac::verify(key, message, signature_bytes).is_ok()
            }
            _ => false,
        }
    }
}
