//! What generated clients call in place of two progenitor-client helpers, doing the same
//! work with fewer copies. `cargo xtask codegen` rewrites progenitor's output to use them.
//!
//! - [`PathSegment`] (made by [`PathParam::path_segment`]) percent-encodes a path
//!   parameter while the URL is formatted, as
//!   `progenitor_client::encode_path(&value.to_string())` does with two extra strings.
//! - [`from_response`] decodes a JSON answer as `ResponseValue::from_response` does,
//!   moving the response headers into the value instead of copying them, with a smaller
//!   future.

use std::fmt::{self, Write as _};

use bytes::Bytes;
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
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn would keep the 136-byte response twice in its future"
)]
pub fn from_response<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> impl Future<Output = Result<ResponseValue<T>, Error<E>>> {
    async move {
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let full = body(&mut response)
            .await
            .map_err(Error::ResponseBodyError)?;
        let inner =
            serde_json::from_slice(&full).map_err(|e| Error::InvalidResponsePayload(full, e))?;
        Ok(ResponseValue::new(inner, status, headers))
    }
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
                (true, Err(Error::InvalidResponsePayload(bytes, _))) => assert!(bytes.is_empty()),
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
