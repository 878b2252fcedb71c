//! What generated clients call in place of two progenitor-client helpers, doing the same
//! work with fewer copies. `cargo xtask codegen` rewrites progenitor's output to use them.
//!
//! - [`PathSegment`] (made by [`PathParam::path_segment`]) percent-encodes a path
//!   parameter while the URL is formatted, as
//!   `progenitor_client::encode_path(&value.to_string())` does with two extra strings.
//! - [`from_response`] decodes a JSON answer as `ResponseValue::from_response` does,
//!   moving the response headers into the value instead of copying them, with a smaller
//!   future.

use std::any::{Any, TypeId};
use std::fmt::{self, Write as _};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;

use crate::ErrorBody;
use crate::classify::BodyTooLarge;
use progenitor_client::{Error, ResponseValue};
use serde::de::DeserializeOwned;

/// A path parameter, percent-encoded as it is written into a URL: every byte outside
/// printable ASCII, and space `"` `#` `<` `>` `?` `` ` `` `{` `}` `/` `%`, becomes
/// `%XX` (the set progenitor-client's `encode_path` uses, so the URLs are identical).
#[derive(Clone, Copy, Debug)]
pub struct PathSegment<T>(pub T);

impl<T: fmt::Display> fmt::Display for PathSegment<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(Encoder(f), "{}", self.0)
    }
}

/// `value.path_segment()`: any displayable path parameter as a [`PathSegment`]. A method,
/// so that the generated call finds `Display` through `Deref` as progenitor's
/// `value.to_string()` does (its string newtypes deref to `String`).
pub trait PathParam: fmt::Display {
    /// This value, to be percent-encoded as it is written.
    fn path_segment(&self) -> PathSegment<&Self> {
        PathSegment(self)
    }
}

impl<T: fmt::Display + ?Sized> PathParam for T {}

/// Whether a byte is written as is in a path segment (printable ASCII outside the set).
const fn verbatim(byte: u8) -> bool {
    byte.is_ascii()
        && !byte.is_ascii_control()
        && !matches!(
            byte,
            b' ' | b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}' | b'/' | b'%'
        )
}

/// [`verbatim`] for every byte, looked up rather than computed.
static VERBATIM: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = verbatim(byte as u8);
        byte += 1;
    }
    table
};

struct Encoder<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for Encoder<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut rest = text;
        while let Some(at) = rest.bytes().position(|b| !VERBATIM[usize::from(b)]) {
            // Every byte before `at` is ASCII, so `at` starts a character.
            let (clean, tail) = rest.split_at_checked(at).ok_or(fmt::Error)?;
            self.0.write_str(clean)?;
            let Some(c) = tail.chars().next() else {
                break;
            };
            let mut utf8 = [0u8; 4];
            for byte in c.encode_utf8(&mut utf8).bytes() {
                write!(self.0, "%{byte:02X}")?;
            }
            rest = &tail[c.len_utf8()..];
        }
        self.0.write_str(rest)
    }
}

/// Reads a JSON answer into a [`ResponseValue`]: the same errors as progenitor-client's
/// `ResponseValue::from_response` (a body that cannot be read, a payload that does not
/// parse, with its bytes), without copying the headers, and with a future a third the
/// size of one built on `reqwest::Response::bytes` (every call carries it).
///
/// Two answers progenitor-client would refuse are read: an empty body is read as JSON
/// `null` when `T` takes it (the generator makes an operation that answers 200 with a body
/// and 204 without return `Option<T>`), and any body is an [`ErrorBody`] when `T` is one.
/// An error status whose body does not decode keeps its status: see [`UndecodedError`].
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn would keep the 136-byte response twice in its future"
)]
pub fn from_response<T: DeserializeOwned + 'static, E>(
    mut response: reqwest::Response,
) -> impl Future<Output = Result<ResponseValue<T>, Error<E>>> {
    async move {
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let full = body(&mut response)
            .await
            .map_err(Error::ResponseBodyError)?;
        match decode(full) {
            Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
            // An error answer whose body is not the spec's error schema is still an
            // error answer: its status (and body) must not be lost to "unreadable".
            Err((full, e)) if status.is_client_error() || status.is_server_error() => {
                *response.headers_mut() = headers;
                response.extensions_mut().insert(UndecodedError {
                    body: full,
                    reason: e.to_string(),
                });
                Err(Error::UnexpectedResponse(response))
            }
            Err((full, e)) => Err(Error::InvalidResponsePayload(full, e)),
        }
    }
}

/// Carried by the `UnexpectedResponse` that [`from_response`] returns for an error answer
/// (4xx, 5xx) whose body is not the spec's error schema: the body as received and why it
/// did not decode. `Failure::from_progenitor` reads it into a provider error with the
/// answer's status.
#[derive(Clone, Debug)]
pub struct UndecodedError {
    /// The body as received.
    pub body: Bytes,
    /// Why it is not the spec's error schema.
    pub reason: String,
}

/// `full` as a `T` (see [`from_response`]), or the bytes with serde's reason.
fn decode<T: DeserializeOwned + 'static>(full: Bytes) -> Result<T, (Bytes, serde_json::Error)> {
    if TypeId::of::<T>() == TypeId::of::<ErrorBody>() {
        let body: Box<dyn Any> = Box::new(ErrorBody::from_bytes(full.clone()));
        if let Ok(body) = body.downcast::<T>() {
            return Ok(*body);
        }
    }
    match serde_json::from_slice(&full) {
        Ok(value) => Ok(value),
        Err(e) if full.iter().all(u8::is_ascii_whitespace) => {
            serde_json::from_slice(b"null").map_err(|_| (full, e))
        }
        Err(e) => Err((full, e)),
    }
}

/// A response body limited to a number of bytes: past the limit (or at once, when it was
/// declared longer) it fails with [`BodyTooLarge`] as the error's source. Made by
/// [`crate::hooks::limit_body`].
pub struct LimitedBody {
    inner: reqwest::Body,
    remaining: u64,
    limit: u64,
    refused: bool,
}

impl LimitedBody {
    /// Lets `inner` through up to `limit` bytes.
    pub fn new(inner: reqwest::Body, limit: u64) -> Self {
        Self {
            inner,
            remaining: limit,
            limit,
            refused: false,
        }
    }

    /// Fails at the first read: the body was declared longer than `limit`.
    pub fn refused(inner: reqwest::Body, limit: u64) -> Self {
        Self {
            refused: true,
            ..Self::new(inner, limit)
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl http_body::Body for LimitedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let too_large = BodyTooLarge { limit: this.limit };
        if this.refused {
            return Poll::Ready(Some(Err(Box::new(too_large))));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let len = frame
                    .data_ref()
                    .map_or(0, |data| u64::try_from(data.len()).unwrap_or(u64::MAX));
                match this.remaining.checked_sub(len) {
                    Some(left) => {
                        this.remaining = left;
                        Poll::Ready(Some(Ok(frame)))
                    }
                    None => {
                        this.refused = true;
                        Poll::Ready(Some(Err(Box::new(too_large))))
                    }
                }
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(Box::new(error)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        !self.refused && self.inner.is_end_stream()
    }
}

/// A body whose first read fails with the error in `slot`.
struct Failing<E>(Arc<Mutex<Option<E>>>);

impl<E: std::error::Error + Send + Sync + 'static> http_body::Body for Failing<E> {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
        let taken = self.0.lock().unwrap_or_else(|p| p.into_inner()).take();
        Poll::Ready(taken.map(|e| Err(Box::new(e) as BoxError)))
    }
}

/// A `reqwest::Error` whose source is `source`: how the retry loop hands its record of a
/// call ([`crate::classify::Unanswered`]) through progenitor, whose hooks can only return
/// `reqwest::Error`. reqwest makes its errors itself, so the error comes from reading a
/// body that fails with `source`, a read that is ready at once. `Err` gives `source`
/// back if that read was not ready (`None` if it was lost in it): neither happens with
/// the reqwest this is built against, and the caller has a way out for both.
pub(crate) fn error_with_source<E>(source: E) -> Result<reqwest::Error, Option<E>>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let slot = Arc::new(Mutex::new(Some(source)));
    let body = reqwest::Body::wrap(Failing(slot.clone()));
    let mut response = reqwest::Response::from(http::Response::new(body));
    let mut read = std::pin::pin!(response.chunk());
    let ready = read
        .as_mut()
        .poll(&mut Context::from_waker(std::task::Waker::noop()));
    if let Poll::Ready(Err(error)) = ready {
        return Ok(error);
    }
    Err(slot.lock().unwrap_or_else(|p| p.into_inner()).take())
}

/// The whole body; a body that arrives in one piece (most answers) is not copied.
pub(crate) async fn body(response: &mut reqwest::Response) -> reqwest::Result<Bytes> {
    let Some(first) = response.chunk().await? else {
        return Ok(Bytes::new());
    };
    let Some(second) = response.chunk().await? else {
        return Ok(first);
    };
    let mut all = Vec::with_capacity(first.len() + second.len());
    all.extend_from_slice(&first);
    all.extend_from_slice(&second);
    while let Some(more) = response.chunk().await? {
        all.extend_from_slice(&more);
    }
    Ok(Bytes::from(all))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_carries_its_source_through_reqwest() {
        let error = error_with_source(crate::classify::BodyTooLarge { limit: 7 })
            .unwrap_or_else(|_| panic!("not ready"));
        assert_eq!(
            crate::classify::body_too_large(&error),
            Some(crate::classify::BodyTooLarge { limit: 7 })
        );
        assert!(!error.is_connect() && !error.is_timeout());
    }

    fn streamed(pieces: &[&'static str], declared: Option<usize>) -> reqwest::Response {
        let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = pieces
            .iter()
            .map(|p| Ok(bytes::Bytes::from_static(p.as_bytes())))
            .collect();
        let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
        let mut response = http::Response::new(body);
        if let Some(n) = declared {
            response
                .headers_mut()
                .insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(n));
        }
        reqwest::Response::from(response)
    }

    #[tokio::test]
    async fn bodies_are_read_up_to_the_limit() {
        // Unknown length, within and past the limit.
        let mut ok = crate::hooks::limit_body(streamed(&["ab", "cd"], None), 4);
        assert_eq!(&body(&mut ok).await.unwrap_or_default()[..], b"abcd");
        let mut long = crate::hooks::limit_body(streamed(&["ab", "cd", "e"], None), 4);
        let error = body(&mut long).await.err();
        let found = error
            .as_ref()
            .and_then(|e| crate::classify::body_too_large(e));
        assert_eq!(found, Some(crate::classify::BodyTooLarge { limit: 4 }));
        // Declared longer than the limit: refused before anything is read.
        let mut declared = crate::hooks::limit_body(streamed(&["abcdef"], Some(6)), 4);
        assert!(body(&mut declared).await.is_err());
        // The same through from_response: a typed error, not a payload error.
        let answer = crate::hooks::limit_body(streamed(&["[1,", "2,3]"], None), 3);
        match from_response::<serde_json::Value, ()>(answer).await {
            Err(Error::ResponseBodyError(e)) => {
                assert!(crate::classify::body_too_large(&e).is_some(), "{e:?}")
            }
            other => panic!("expected a body error, got {other:?}"),
        }
    }

    #[test]
    fn path_segments_encode_as_progenitor_does() {
        let mut samples: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
        samples.extend(
            [
                "",
                "186d2b31-ff25-4414-9fd1-bfe9807fa8b7",
                "a/b?c#d",
                "100%",
                "æøå",
                "日本",
                "pay 💳 now",
                "x\u{7f}y\u{80}z",
                "{id}",
                "~-._!$&'()*+,;=:@",
            ]
            .map(String::from),
        );
        for sample in samples {
            assert_eq!(
                PathSegment(&sample).to_string(),
                progenitor_client::encode_path(&sample),
                "{sample:?}"
            );
        }
    }

    #[test]
    fn path_segments_encode_display_output_written_in_pieces() {
        struct Pieces;
        impl fmt::Display for Pieces {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a b")?;
                f.write_str("/ø")?;
                write!(f, "{}", 7)
            }
        }
        assert_eq!(PathSegment(Pieces).to_string(), "a%20b%2F%C3%B87");
    }

    fn answer(status: u16, body: &'static str) -> reqwest::Response {
        let mut response = http::Response::new(bytes::Bytes::from_static(body.as_bytes()));
        *response.status_mut() = reqwest::StatusCode::from_u16(status).unwrap_or_default();
        response
            .headers_mut()
            .insert("x-request-id", http::HeaderValue::from_static("r-1"));
        reqwest::Response::from(response)
    }

    #[tokio::test]
    async fn from_response_keeps_status_headers_and_value() {
        let value: ResponseValue<serde_json::Value> =
            from_response::<_, ()>(answer(201, r#"{"a":1}"#))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(value.status(), 201);
        assert_eq!(value.headers()["x-request-id"], "r-1");
        assert_eq!(value.into_inner(), serde_json::json!({"a": 1}));
    }

    #[tokio::test]
    async fn from_response_joins_a_body_that_arrives_in_pieces() {
        for pieces in [vec![], vec!["{\"a\":", "[1,", "2]}"], vec!["{\"a\":", "3}"]] {
            let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = pieces
                .iter()
                .map(|p| Ok(bytes::Bytes::from_static(p.as_bytes())))
                .collect();
            let expected = pieces.concat();
            let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
            let response = reqwest::Response::from(http::Response::new(body));
            let result = from_response::<serde_json::Value, ()>(response).await;
            match (expected.is_empty(), result) {
                (true, Ok(value)) => assert_eq!(value.into_inner(), serde_json::Value::Null),
                (false, Ok(value)) => {
                    let parsed: serde_json::Value =
                        serde_json::from_str(&expected).unwrap_or_default();
                    assert_eq!(value.into_inner(), parsed);
                }
                (_, other) => panic!("{pieces:?}: unexpected {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn an_empty_answer_is_none_for_an_optional_body_and_an_error_elsewhere() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Payment {
            id: String,
        }
        let none = from_response::<Option<Payment>, ()>(answer(204, "")).await;
        assert_eq!(none.map(ResponseValue::into_inner).ok(), Some(None));
        let some = from_response::<Option<Payment>, ()>(answer(200, r#"{"id":"p1"}"#)).await;
        let expected = Payment { id: "p1".into() };
        assert_eq!(
            some.map(ResponseValue::into_inner).ok(),
            Some(Some(expected))
        );
        match from_response::<Payment, ()>(answer(200, "")).await {
            Err(Error::InvalidResponsePayload(bytes, _)) => assert!(bytes.is_empty()),
            other => panic!("an empty body is not a payment: {other:?}"),
        }
    }

    #[tokio::test]
    async fn any_answer_is_an_error_body() {
        for body in ["", "Bad Gateway", r#"{"type":"about:blank"}"#, "{not json"] {
            let value = from_response::<ErrorBody, ()>(answer(502, body))
                .await
                .unwrap_or_else(|e| panic!("{body:?}: {e}"));
            assert_eq!(value.status(), 502);
            assert_eq!(value.raw().as_ref(), body.as_bytes());
            assert_eq!(value.json().is_some(), body.starts_with("{\"type"));
        }
    }

    #[tokio::test]
    async fn from_response_reports_a_bad_payload_with_its_bytes() {
        let error = from_response::<serde_json::Value, ()>(answer(200, "{not json"))
            .await
            .err();
        match error {
            Some(Error::InvalidResponsePayload(bytes, _)) => assert_eq!(&bytes[..], b"{not json"),
            other => panic!("expected InvalidResponsePayload, got {other:?}"),
        }
    }
}
