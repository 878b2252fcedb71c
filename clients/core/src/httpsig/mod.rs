//! HTTP message signatures (RFC 9421) and `Content-Digest` (RFC 9530), for any provider
//! that asks for them: a [`Signer`] signs every request a client sends (the token call
//! included), a [`ResponseVerifier`] checks every answer against the provider's keys
//! (a JWKS fetched and cached by [`JwksCache`], or fixed keys). A provider crate only
//! chooses the label, the covered components and where the keys are.
//!
//! Checked against outside oracles: RFC 9421's Appendix B vectors and RFC 9530's digest
//! examples (`tests` below, byte for byte where the algorithm is deterministic), and the
//! Python `http-message-signatures` library both ways (`conformance/httpsig`).

mod keys;
pub mod sf;

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderValue, Method};

pub use keys::{Algorithm, KeyError, SignError, SigningKey, VerifyingKey};
use sf::{Bare, Member, Params};

/// A `Content-Digest` algorithm (RFC 9530's registry, the standard ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// `sha-256`.
    Sha256,
    /// `sha-384` (not in RFC 9530's registry as standard, but sent by some providers).
    Sha384,
    /// `sha-512`.
    Sha512,
}

impl DigestAlgorithm {
    /// The key in the `Content-Digest` dictionary.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha-256",
            Self::Sha384 => "sha-384",
            Self::Sha512 => "sha-512",
        }
    }

    fn of(name: &str) -> Option<Self> {
        [Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find(|a| a.name() == name)
    }

    fn digest(self, body: &[u8]) -> Vec<u8> {
        let algorithm = match self {
            Self::Sha256 => &ring::digest::SHA256,
            Self::Sha384 => &ring::digest::SHA384,
            Self::Sha512 => &ring::digest::SHA512,
        };
        ring::digest::digest(algorithm, body).as_ref().to_vec()
    }
}

/// The `Content-Digest` field value for `body`: `sha-256=:<base64>:`.
pub fn content_digest(algorithm: DigestAlgorithm, body: &[u8]) -> String {
    format!(
        "{}=:{}:",
        algorithm.name(),
        STANDARD.encode(algorithm.digest(body))
    )
}

/// Checks a `Content-Digest` field against `body`: every digest in it of an algorithm
/// payspec knows must match, and there must be at least one.
pub fn check_content_digest(field: &str, body: &[u8]) -> Result<(), VerifyError> {
    let members = sf::parse_dictionary(field)
        .map_err(|e| VerifyError::Malformed(format!("content-digest: {e}")))?;
    let mut checked = 0;
    for (name, member) in &members {
        let Some(algorithm) = DigestAlgorithm::of(name) else {
            continue;
        };
        let Member::Item(Bare::Bytes(sent), _) = member else {
            return Err(VerifyError::Malformed(format!(
                "content-digest: {name} is not a byte sequence"
            )));
        };
        if *sent != algorithm.digest(body) {
            return Err(VerifyError::DigestMismatch);
        }
        checked += 1;
    }
    if checked == 0 {
        return Err(VerifyError::Malformed(
            "content-digest has no sha-256, sha-384 or sha-512 digest".into(),
        ));
    }
    Ok(())
}

/// An HTTP message as the signature base sees it: a request (method and target URI) or
/// a response (status), with its header fields.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    /// The request's method; `None` for a response.
    pub method: Option<&'a Method>,
    /// The request's target URI (for a response, the request's, when covered).
    pub uri: Option<&'a url::Url>,
    /// The response's status; `None` for a request.
    pub status: Option<u16>,
    /// The header fields.
    pub headers: &'a HeaderMap,
}

/// Why a message's signature was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The message carries no `Signature-Input` or `Signature` (or not the label asked).
    #[error("no signature")]
    Missing,
    /// The signature fields or a covered component are malformed.
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// The signature does not cover what the verifier requires.
    #[error("the signature does not cover {0}")]
    NotCovered(String),
    /// The body does not match its `Content-Digest`.
    #[error("the body does not match its content-digest")]
    DigestMismatch,
    /// No key is known under the signature's `keyid`.
    #[error("unknown keyid {0:?}")]
    UnknownKey(String),
    /// The signature's `alg` is not the key's algorithm.
    #[error("alg {0} does not match the key")]
    WrongAlgorithm(String),
    /// `expires` is past, or `created` is too old or in the future.
    #[error("signature expired or not yet valid")]
    Expired,
    /// The signature does not verify with the key.
    #[error("signature does not verify")]
    Invalid,
}

/// A component identifier with no parameters (`"@method"`, `"content-type"`); payspec
/// refuses component parameters (`;sf`, `;key`, `;bs`, `;req`) rather than guess them.
fn component_value(message: &Message<'_>, name: &str) -> Result<String, VerifyError> {
    let uri = || {
        message
            .uri
            .ok_or_else(|| VerifyError::Malformed(format!("{name} needs the target URI")))
    };
    match name {
        "@method" => message
            .method
            .map(|m| m.as_str().to_string())
            .ok_or_else(|| VerifyError::Malformed("@method on a response".into())),
        "@authority" => {
            let uri = uri()?;
            let host = uri
                .host_str()
                .ok_or_else(|| VerifyError::Malformed("no host".into()))?
                .to_ascii_lowercase();
            Ok(match uri.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        }
        "@scheme" => Ok(uri()?.scheme().to_ascii_lowercase()),
        "@target-uri" => {
            let mut uri = uri()?.clone();
            uri.set_fragment(None);
            Ok(uri.to_string())
        }
        "@request-target" => {
            let uri = uri()?;
            Ok(match uri.query() {
                Some(query) => format!("{}?{query}", uri.path()),
                None => uri.path().to_string(),
            })
        }
        "@path" => {
            let path = uri()?.path();
            Ok(if path.is_empty() { "/" } else { path }.to_string())
        }
        "@query" => Ok(format!("?{}", uri()?.query().unwrap_or_default())),
        "@status" => message
            .status
            .map(|s| s.to_string())
            .ok_or_else(|| VerifyError::Malformed("@status on a request".into())),
        derived if derived.starts_with('@') => Err(VerifyError::Malformed(format!(
            "derived component {derived} not supported"
        ))),
        field => {
            if field.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(VerifyError::Malformed(format!(
                    "component {field} is not lowercase"
                )));
            }
            let mut values = message.headers.get_all(field).iter().peekable();
            if values.peek().is_none() {
                return Err(VerifyError::Malformed(format!("no {field} field")));
            }
            let mut out = String::new();
            for (n, value) in values.enumerate() {
                let text = value
                    .to_str()
                    .map_err(|_| VerifyError::Malformed(format!("{field} is not ASCII")))?;
                if n > 0 {
                    out.push_str(", ");
                }
                out.push_str(text.trim_matches(|c| c == ' ' || c == '\t'));
            }
            Ok(out)
        }
    }
}

/// What a signature covers and says about itself: the covered components and the
/// parameters (`created`, `keyid`, ...), in order. Serialized, it is the
/// `Signature-Input` member and the last line of the signature base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureParams {
    components: Vec<String>,
    params: Params,
}

impl SignatureParams {
    /// Parameters covering `components` (names as in RFC 9421: `@method`, lowercase
    /// field names).
    pub fn new<S: Into<String>>(components: impl IntoIterator<Item = S>) -> Self {
        Self {
            components: components.into_iter().map(Into::into).collect(),
            params: Params::new(),
        }
    }

    /// Adds `created` (Unix seconds).
    pub fn created(mut self, seconds: i64) -> Self {
        self.params.push(("created".into(), Bare::Integer(seconds)));
        self
    }

    /// Adds `expires` (Unix seconds).
    pub fn expires(mut self, seconds: i64) -> Self {
        self.params.push(("expires".into(), Bare::Integer(seconds)));
        self
    }

    /// Adds `keyid`.
    pub fn key_id(mut self, key_id: &str) -> Self {
        self.params
            .push(("keyid".into(), Bare::String(key_id.into())));
        self
    }

    /// Adds `alg`.
    pub fn alg(mut self, algorithm: Algorithm) -> Self {
        self.params
            .push(("alg".into(), Bare::String(algorithm.name().into())));
        self
    }

    /// Adds `nonce`.
    pub fn nonce(mut self, nonce: &str) -> Self {
        self.params
            .push(("nonce".into(), Bare::String(nonce.into())));
        self
    }

    /// Adds `tag`.
    pub fn tag(mut self, tag: &str) -> Self {
        self.params.push(("tag".into(), Bare::String(tag.into())));
        self
    }

    /// The covered components.
    pub fn components(&self) -> &[String] {
        &self.components
    }

    fn param(&self, name: &str) -> Option<&Bare> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    fn string_param(&self, name: &str) -> Option<&str> {
        match self.param(name)? {
            Bare::String(s) => Some(s),
            _ => None,
        }
    }

    fn integer_param(&self, name: &str) -> Option<i64> {
        match self.param(name)? {
            Bare::Integer(n) => Some(*n),
            _ => None,
        }
    }

    /// The `keyid` parameter.
    pub fn keyid(&self) -> Option<&str> {
        self.string_param("keyid")
    }

    /// The serialized inner list: `("@method" "content-digest");created=1;keyid="k"`.
    pub fn serialize(&self) -> String {
        let items: Vec<(Bare, Params)> = self
            .components
            .iter()
            .map(|c| (Bare::String(c.clone()), Params::new()))
            .collect();
        let mut out = String::new();
        sf::write_inner_list(&mut out, &items, &self.params);
        out
    }

    fn from_member(member: &Member) -> Result<Self, VerifyError> {
        let Member::InnerList(items, params) = member else {
            return Err(VerifyError::Malformed(
                "signature-input member is not an inner list".into(),
            ));
        };
        let mut components = Vec::with_capacity(items.len());
        for (item, item_params) in items {
            let Bare::String(name) = item else {
                return Err(VerifyError::Malformed("component is not a string".into()));
            };
            if !item_params.is_empty() {
                return Err(VerifyError::Malformed(format!(
                    "component parameters on {name} are not supported"
                )));
            }
            if components.contains(name) {
                return Err(VerifyError::Malformed(format!("{name} is covered twice")));
            }
            components.push(name.clone());
        }
        Ok(Self {
            components,
            params: params.clone(),
        })
    }

    /// The signature base (RFC 9421, 2.5) of `message` for these parameters.
    pub fn signature_base(&self, message: &Message<'_>) -> Result<String, VerifyError> {
        let mut base = String::new();
        for component in &self.components {
            let value = component_value(message, component)?;
            if value.contains('\n') || value.contains('\r') {
                return Err(VerifyError::Malformed(format!("{component} has a newline")));
            }
            base.push('"');
            base.push_str(component);
            base.push_str("\": ");
            base.push_str(&value);
            base.push('\n');
        }
        base.push_str("\"@signature-params\": ");
        base.push_str(&self.serialize());
        Ok(base)
    }
}

/// The `Signature-Input` and `Signature` header values of one signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHeaders {
    /// `label=(...);params`.
    pub signature_input: String,
    /// `label=:base64:`.
    pub signature: String,
}

/// Signs `message` with `key` under `label`: the two header values.
pub fn sign(
    message: &Message<'_>,
    label: &str,
    params: &SignatureParams,
    key: &SigningKey,
) -> Result<SignatureHeaders, SignRequestError> {
    let base = params
        .signature_base(message)
        .map_err(SignRequestError::Component)?;
    let signature = key
        .sign(base.as_bytes())
        .map_err(|_| SignRequestError::Crypto)?;
    Ok(SignatureHeaders {
        signature_input: format!("{label}={}", params.serialize()),
        signature: format!("{label}=:{}:", STANDARD.encode(signature)),
    })
}

/// A request could not be signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignRequestError {
    /// A covered component could not be read.
    #[error("cannot sign: {0}")]
    Component(VerifyError),
    /// The body is a stream, so no digest can be made before sending it.
    #[error("cannot sign a streaming body")]
    StreamingBody,
    /// The crypto library refused.
    #[error("signing failed")]
    Crypto,
}

/// Now, in Unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Signs every request a client sends: adds `Content-Digest` and `Content-Length` to a
/// request with a body, then `Signature-Input` and `Signature` over the configured
/// components. A header component the request does not have (`content-type` on a
/// `GET`) is left out of that request's signature, as providers that sign bodies ask.
#[derive(Debug)]
pub struct Signer {
    key: SigningKey,
    label: String,
    components: Vec<String>,
    digest: DigestAlgorithm,
    include_alg: bool,
}

impl Signer {
    /// A signer with `key`, under `label`, covering `components` (in that order).
    pub fn new<S: Into<String>>(
        key: SigningKey,
        label: impl Into<String>,
        components: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            key,
            label: label.into(),
            components: components.into_iter().map(Into::into).collect(),
            digest: DigestAlgorithm::Sha256,
            include_alg: false,
        }
    }

    /// The `Content-Digest` algorithm for bodies (default `sha-256`).
    pub fn digest(mut self, algorithm: DigestAlgorithm) -> Self {
        self.digest = algorithm;
        self
    }

    /// Whether signatures carry the `alg` parameter (default: no, as RFC 9421 advises
    /// when the key determines the algorithm).
    pub fn include_alg(mut self, include: bool) -> Self {
        self.include_alg = include;
        self
    }

    /// The key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Signs `request` as of `created` (Unix seconds), replacing any earlier signature.
    pub fn sign_request(
        &self,
        request: &mut reqwest::Request,
        created: i64,
    ) -> Result<(), SignRequestError> {
        let body = match request.body() {
            None => None,
            Some(body) => Some(
                body.as_bytes()
                    .ok_or(SignRequestError::StreamingBody)?
                    .to_vec(),
            ),
        };
        let headers = request.headers_mut();
        headers.remove("signature");
        headers.remove("signature-input");
        if let Some(body) = &body {
            if let Ok(value) = HeaderValue::from_str(&content_digest(self.digest, body)) {
                headers.insert("content-digest", value);
            }
            headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        let covered = self
            .components
            .iter()
            .filter(|c| c.starts_with('@') || request.headers().contains_key(c.as_str()));
        let mut params = SignatureParams::new(covered.cloned())
            .created(created)
            .key_id(self.key.key_id());
        if self.include_alg {
            params = params.alg(self.key.algorithm());
        }
        let message = Message {
            method: Some(request.method()),
            uri: Some(request.url()),
            status: None,
            headers: request.headers(),
        };
        let signed = sign(&message, &self.label, &params, &self.key)?;
        let headers = request.headers_mut();
        for (name, value) in [
            ("signature-input", signed.signature_input),
            ("signature", signed.signature),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        Ok(())
    }
}

/// A signature that verified: its label and parameters.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The label.
    pub label: String,
    /// The parameters (components, `keyid`, `created`, ...).
    pub params: SignatureParams,
}

/// What a verifier requires of a signature beyond being valid.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The label to check; `None`: the first signature in `Signature-Input`.
    pub label: Option<String>,
    /// Components that must be covered (`@status` for answers).
    pub required: Vec<String>,
    /// A non-empty body must be covered by a `content-digest` that matches it.
    pub digest_for_body: bool,
    /// A signature `created` longer ago than this is refused; `None`: no limit.
    pub max_age: Option<Duration>,
    /// How far in the future `created` may be (clock skew).
    pub skew: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            label: None,
            required: Vec::new(),
            digest_for_body: true,
            max_age: None,
            skew: Duration::from_secs(300),
        }
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Result<Option<String>, VerifyError> {
    let mut out: Option<String> = None;
    for value in headers.get_all(name) {
        let text = value
            .to_str()
            .map_err(|_| VerifyError::Malformed(format!("{name} is not ASCII")))?;
        match &mut out {
            Some(joined) => {
                joined.push_str(", ");
                joined.push_str(text);
            }
            None => out = Some(text.to_string()),
        }
    }
    Ok(out)
}

/// Verifies the signature on `message` (and `body`, through `Content-Digest`) with the
/// key `key_for` gives for its `keyid`, as `policy` asks, as of `now` (Unix seconds).
pub fn verify(
    message: &Message<'_>,
    body: &[u8],
    policy: &Policy,
    now: i64,
    key_for: impl FnOnce(&str) -> Result<VerifyingKey, VerifyError>,
) -> Result<Verified, VerifyError> {
    let input = header_text(message.headers, "signature-input")?.ok_or(VerifyError::Missing)?;
    let signatures = header_text(message.headers, "signature")?.ok_or(VerifyError::Missing)?;
    let inputs = sf::parse_dictionary(&input)
        .map_err(|e| VerifyError::Malformed(format!("signature-input: {e}")))?;
    let values = sf::parse_dictionary(&signatures)
        .map_err(|e| VerifyError::Malformed(format!("signature: {e}")))?;
    let (label, member) = match &policy.label {
        Some(label) => inputs
            .iter()
            .find(|(l, _)| l == label)
            .ok_or(VerifyError::Missing)?,
        None => inputs.first().ok_or(VerifyError::Missing)?,
    };
    let params = SignatureParams::from_member(member)?;
    let signature = match values.iter().find(|(l, _)| l == label) {
        Some((_, Member::Item(Bare::Bytes(bytes), _))) => bytes,
        Some(_) => {
            return Err(VerifyError::Malformed(
                "signature is not a byte sequence".into(),
            ));
        }
        None => return Err(VerifyError::Missing),
    };
    for required in &policy.required {
        if !params.components.contains(required) {
            return Err(VerifyError::NotCovered(required.clone()));
        }
    }
    let covers_digest = params.components.iter().any(|c| c == "content-digest");
    if policy.digest_for_body && !body.is_empty() && !covers_digest {
        return Err(VerifyError::NotCovered("content-digest".into()));
    }
    if covers_digest || (policy.digest_for_body && !body.is_empty()) {
        let field = header_text(message.headers, "content-digest")?
            .ok_or_else(|| VerifyError::Malformed("no content-digest field".into()))?;
        check_content_digest(&field, body)?;
    }
    if let Some(expires) = params.integer_param("expires")
        && expires < now
    {
        return Err(VerifyError::Expired);
    }
    if let Some(created) = params.integer_param("created") {
        let skew = i64::try_from(policy.skew.as_secs()).unwrap_or(i64::MAX);
        if created > now.saturating_add(skew) {
            return Err(VerifyError::Expired);
        }
        if let Some(max_age) = policy.max_age {
            let max_age = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
            if now.saturating_sub(created) > max_age {
                return Err(VerifyError::Expired);
            }
        }
    }
    let key_id = params.keyid().unwrap_or_default().to_string();
    let key = key_for(&key_id)?;
    if let Some(alg) = params.string_param("alg")
        && Algorithm::from_name(alg) != Some(key.algorithm())
    {
        return Err(VerifyError::WrongAlgorithm(alg.to_string()));
    }
    let base = params.signature_base(message)?;
    if !key.verify(base.as_bytes(), signature) {
        return Err(VerifyError::Invalid);
    }
    Ok(Verified {
        label: label.clone(),
        params,
    })
}

/// A JSON Web Key Set: the keys by `kid`. Keys of a type payspec cannot check are left
/// out (a provider may publish more kinds than one client uses).
#[derive(Clone, Debug, Default)]
pub struct Jwks {
    keys: Vec<(String, VerifyingKey)>,
}

/// The largest JWKS document read: 256 KiB.
pub const JWKS_LIMIT: u64 = 256 * 1024;

impl Jwks {
    /// Parses a JWKS document.
    pub fn from_json(bytes: &[u8]) -> Result<Self, KeyError> {
        #[derive(serde::Deserialize)]
        struct Document {
            keys: Vec<serde_json::Value>,
        }
        let document: Document = serde_json::from_slice(bytes)
            .map_err(|e| KeyError(format!("not a JWKS document: {e}")))?;
        let keys = document
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.get("kid")?.as_str()?.to_string();
                Some((kid, VerifyingKey::from_jwk(jwk).ok()?))
            })
            .collect();
        Ok(Self { keys })
    }

    /// A set of fixed keys.
    pub fn from_keys(keys: impl IntoIterator<Item = (String, VerifyingKey)>) -> Self {
        Self {
            keys: keys.into_iter().collect(),
        }
    }

    /// The key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|(k, _)| k == kid).map(|(_, key)| key)
    }

    /// The `kid`s held.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(k, _)| k.as_str())
    }
}

/// Where a verifier's keys come from.
#[derive(Debug)]
pub enum KeySource {
    /// Fixed keys (e.g. a PEM from the provider's portal).
    Fixed(Jwks),
    /// A JWKS URL, fetched on first use, refreshed after `max_age`, and at once (at most
    /// every `min_refresh`) when a signature names a `kid` it does not hold.
    Url(JwksCache),
}

/// A JWKS fetched from a URL and cached.
#[derive(Debug)]
pub struct JwksCache {
    url: String,
    max_age: Duration,
    min_refresh: Duration,
    state: Mutex<Option<(Jwks, Instant)>>,
    /// Held while fetching, so that many calls needing the keys at once make one fetch.
    fetching: tokio::sync::Mutex<()>,
    fetches: std::sync::atomic::AtomicU64,
}

impl JwksCache {
    /// A cache of the JWKS at `url`: refreshed every 24 hours (as providers advise), and
    /// on an unknown `kid` at most once a minute.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_age: Duration::from_secs(24 * 3600),
            min_refresh: Duration::from_secs(60),
            state: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
            fetches: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// How many times the JWKS was fetched (for monitoring and tests).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn cached(&self) -> Option<(Jwks, Instant)> {
        self.state.lock().ok()?.clone()
    }

    fn fresh_key(&self, kid: &str) -> Option<VerifyingKey> {
        let state = self.state.lock().ok()?;
        let (jwks, fetched) = state.as_ref()?;
        if fetched.elapsed() >= self.max_age {
            return None;
        }
        jwks.get(kid).cloned()
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<Jwks, VerifyError> {
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let unavailable = |e: String| VerifyError::UnknownKey(format!("(JWKS {}: {e})", self.url));
        let response = http
            .get(&self.url)
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| unavailable(crate::classify::describe_transport(&e).to_string()))?;
        if !response.status().is_success() {
            return Err(unavailable(format!(
                "status {}",
                response.status().as_u16()
            )));
        }
        let mut response = crate::hooks::limit_body(response, JWKS_LIMIT);
        let body = crate::glue::body(&mut response)
            .await
            .map_err(|_| unavailable("body unreadable or too large".into()))?;
        let jwks = Jwks::from_json(&body).map_err(|e| unavailable(e.0))?;
        if let Ok(mut state) = self.state.lock() {
            *state = Some((jwks.clone(), Instant::now()));
        }
        Ok(jwks)
    }

    /// The key for `kid`: from the cache while it is fresh, else fetched again (one
    /// fetch however many calls wait for it).
    pub async fn key(
        &self,
        http: &reqwest::Client,
        kid: &str,
    ) -> Result<VerifyingKey, VerifyError> {
        if let Some(key) = self.fresh_key(kid) {
            return Ok(key);
        }
        let _one_at_a_time = self.fetching.lock().await;
        // Another call may have fetched while this one waited.
        if let Some(key) = self.fresh_key(kid) {
            return Ok(key);
        }
        let cached = self.cached();
        if let Some((jwks, fetched)) = &cached {
            let fresh = fetched.elapsed() < self.max_age;
            if fresh && let Some(key) = jwks.get(kid) {
                return Ok(key.clone());
            }
            // An unknown kid (a rotated key): fetch again, but not more than once a
            // `min_refresh`, so forged kids cannot make the client hammer the JWKS.
            if fresh && fetched.elapsed() < self.min_refresh {
                return Err(VerifyError::UnknownKey(kid.into()));
            }
        }
        let jwks = self.fetch(http).await?;
        jwks.get(kid)
            .cloned()
            .ok_or_else(|| VerifyError::UnknownKey(kid.into()))
    }
}

/// Checks every answer of a client: its signature (with the keys of `keys`) as `policy`
/// asks. An answer that fails is an error, never data.
#[derive(Debug)]
pub struct ResponseVerifier {
    keys: KeySource,
    policy: Policy,
}

impl ResponseVerifier {
    /// A verifier of answers: they must cover `@status`, and their body through
    /// `content-digest`.
    pub fn new(keys: KeySource) -> Self {
        Self {
            keys,
            policy: Policy {
                required: vec!["@status".into()],
                ..Policy::default()
            },
        }
    }

    /// The same with another policy.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Verifies an answer with its body.
    pub async fn verify(
        &self,
        http: &reqwest::Client,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Verified, VerifyError> {
        // Find the keyid first (the key may need fetching), then check synchronously.
        let kid = signature_keyid(headers, self.policy.label.as_deref())?;
        let key = match &self.keys {
            KeySource::Fixed(jwks) => jwks
                .get(&kid)
                .cloned()
                .ok_or_else(|| VerifyError::UnknownKey(kid.clone())),
            KeySource::Url(cache) => Box::pin(cache.key(http, &kid)).await,
        }?;
        let message = Message {
            method: None,
            uri: None,
            status: Some(status),
            headers,
        };
        verify(&message, body, &self.policy, unix_now(), |_| Ok(key))
    }
}

/// The `keyid` of the signature a verifier would check.
fn signature_keyid(headers: &HeaderMap, label: Option<&str>) -> Result<String, VerifyError> {
    let input = header_text(headers, "signature-input")?.ok_or(VerifyError::Missing)?;
    let inputs = sf::parse_dictionary(&input)
        .map_err(|e| VerifyError::Malformed(format!("signature-input: {e}")))?;
    let member = match label {
        Some(label) => inputs.iter().find(|(l, _)| l == label),
        None => inputs.first(),
    }
    .ok_or(VerifyError::Missing)?;
    let params = SignatureParams::from_member(&member.1)?;
    Ok(params.keyid().unwrap_or_default().to_string())
}

/// What a client signs and checks: both optional, configured per provider.
#[derive(Debug, Default)]
pub struct Signatures {
    /// Signs every request.
    pub signer: Option<Signer>,
    /// Checks every answer.
    pub verifier: Option<ResponseVerifier>,
}

#[cfg(test)]
mod tests;
