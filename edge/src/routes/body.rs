//! Request bodies read within a limit: a declared `Content-Length` over it is refused before a byte
//! is read, and an undeclared (chunked) body is read only up to it, so a client cannot make the
//! worker buffer more than the limit.

use futures_util::StreamExt;
use worker::Request;

use crate::error::{ApiError, ApiResult};

/// Why a body was not taken: larger than `limit` bytes, or not UTF-8 text.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    TooLarge { limit: usize },
    NotText,
}

impl Refused {
    /// The problem answer (413 for size, 400 for bytes that are not text).
    pub fn problem(&self) -> ApiError {
        match self {
            Refused::TooLarge { limit } => ApiError::client(
                413,
                "body-too-large",
                "Request body too large",
                format!("request bodies are limited to {limit} bytes"),
            ),
            Refused::NotText => ApiError::client(
                400,
                "invalid-body",
                "Request body is not text",
                "the request body must be UTF-8 text",
            ),
        }
    }
}

/// Whether a declared length is already over the limit.
pub fn declared_too_large(content_length: Option<&str>, limit: usize) -> bool {
    content_length
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > limit as u64)
}

/// The body as text, read at most to `limit` bytes.
pub async fn read(req: &mut Request, limit: usize) -> ApiResult<Result<String, Refused>> {
    if declared_too_large(req.headers().get("content-length")?.as_deref(), limit) {
        return Ok(Err(Refused::TooLarge { limit }));
    }
    let mut bytes = Vec::new();
    if req.inner().body().is_some() {
        let mut stream = req.stream()?;
        while let Some(chunk) = stream.next().await {
            bytes.extend_from_slice(&chunk?);
            if bytes.len() > limit {
                return Ok(Err(Refused::TooLarge { limit }));
            }
        }
    }
    Ok(String::from_utf8(bytes).map_err(|_| Refused::NotText))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_lengths() {
        let cases = [
            (None, false),
            (Some("10"), false),
            (Some("100"), false),
            (Some("101"), true),
            (Some(" 99999999999999999999 "), false),
            (Some("18446744073709551615"), true),
            (Some("nonsense"), false),
        ];
        for (declared, want) in cases {
            assert_eq!(declared_too_large(declared, 100), want, "{declared:?}");
        }
    }
}
