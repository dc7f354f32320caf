//! One provider call over HTTP with its own timeout, and how its answer counts: timeouts, 429 and
//! 5xx are temporary failures (retried), any other 4xx is permanent (never retried). Redirects are
//! not followed (a hostile receiver cannot bounce the call to another host) and only the first
//! `MAX_ANSWER_BYTES` of an answer are read (nor exhaust the consumer's memory).

use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use herald_shared::delivery::Outcome;
use wasm_bindgen::JsValue;
use worker::{
    AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect,
};

/// Provider calls taking longer than this are abandoned as temporary failures, unless
/// `HERALD_PROVIDER_TIMEOUT_MS` says otherwise.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// The most of a provider's answer that is read; the rest is cancelled unread.
pub const MAX_ANSWER_BYTES: usize = 4 * 1024;

/// What one send attempt came to.
#[derive(Debug, Clone)]
pub struct Sent {
    pub outcome: Outcome,
    pub provider_id: Option<String>,
    pub error: Option<String>,
    /// The address no longer exists (a push service's 404 or 410): the subscription ends.
    pub gone: bool,
    /// A Bluesky session made or refreshed on the way, for the page object to keep.
    pub session: Option<Box<herald_shared::wire::social::BlueskySession>>,
}

impl Sent {
    pub fn ok(provider_id: Option<String>) -> Sent {
        Sent {
            outcome: Outcome::Sent,
            provider_id,
            error: None,
            gone: false,
            session: None,
        }
    }

    pub fn permanent(why: impl Into<String>) -> Sent {
        Sent {
            outcome: Outcome::PermanentFailure,
            provider_id: None,
            error: Some(why.into()),
            gone: false,
            session: None,
        }
    }

    pub fn temporary(why: impl Into<String>) -> Sent {
        Sent {
            outcome: Outcome::TemporaryFailure,
            provider_id: None,
            error: Some(why.into()),
            gone: false,
            session: None,
        }
    }

    /// A non-2xx answer, classified by its status.
    pub fn refused(status: u16, body: &str) -> Sent {
        Sent {
            outcome: classify(status),
            provider_id: None,
            error: Some(format!(
                "HTTP {status}: {}",
                body.chars().take(200).collect::<String>()
            )),
            gone: false,
            session: None,
        }
    }
}

/// Whether an HTTP status from a provider is worth retrying.
pub fn classify(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Sent,
        408 | 429 | 500..=599 => Outcome::TemporaryFailure,
        _ => Outcome::PermanentFailure,
    }
}

/// A provider's answer: status and body text.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// POSTs `body` to `url`; `Err` carries why no answer came (network error or timeout).
pub async fn post(
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
    timeout_ms: u64,
) -> Result<Answer, String> {
    send(url, headers, JsValue::from_str(body), timeout_ms).await
}

/// POSTs binary `body` to `url` (an encrypted push message), as `post` does.
pub async fn post_bytes(
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout_ms: u64,
) -> Result<Answer, String> {
    let bytes = worker::js_sys::Uint8Array::from(body);
    send(url, headers, bytes.into(), timeout_ms).await
}

async fn send(
    url: &str,
    headers: &[(&str, &str)],
    body: JsValue,
    timeout_ms: u64,
) -> Result<Answer, String> {
    let h = Headers::new();
    for (k, v) in headers {
        h.set(k, v).map_err(|e| e.to_string())?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(h)
        .with_body(Some(body))
        .with_redirect(RequestRedirect::Manual);
    let req = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let call = Box::pin(async move {
        let mut resp = Fetch::Request(req).send_with_signal(&signal).await?;
        let status = resp.status_code();
        let mut bytes = Vec::new();
        if let Ok(mut stream) = resp.stream() {
            while let Some(Ok(chunk)) = stream.next().await {
                bytes.extend_from_slice(&chunk);
                if bytes.len() >= MAX_ANSWER_BYTES {
                    break;
                }
            }
        }
        let body = capped(&bytes);
        Ok::<_, worker::Error>(Answer { status, body })
    });
    let timer = Delay::from(Duration::from_millis(timeout_ms));
    match select(call, timer).await {
        Either::Left((Ok(answer), _)) => {
            // Whatever the receiver still sends is not wanted.
            controller.abort();
            Ok(answer)
        }
        Either::Left((Err(e), _)) => Err(format!("request failed: {e}")),
        Either::Right(((), _)) => {
            controller.abort();
            Err(format!("no answer within {timeout_ms} ms"))
        }
    }
}

/// The first `MAX_ANSWER_BYTES` of an answer as text (a character cut at the end is dropped).
fn capped(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(MAX_ANSWER_BYTES)];
    match std::str::from_utf8(head) {
        Ok(s) => s.to_owned(),
        Err(e) => String::from_utf8_lossy(&head[..e.valid_up_to()]).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_up_to_the_cap_on_a_character_boundary() {
        assert_eq!(capped(b"{\"id\":\"x\"}"), "{\"id\":\"x\"}");
        let long = "é".repeat(MAX_ANSWER_BYTES);
        let got = capped(long.as_bytes());
        assert!(got.len() <= MAX_ANSWER_BYTES && got.len() >= MAX_ANSWER_BYTES - 1);
        assert!(got.chars().all(|c| c == 'é'));
    }

    #[test]
    fn statuses() {
        let cases = [
            (200, Outcome::Sent),
            // Redirects are not followed, and a receiver that answers with one did not take it.
            (301, Outcome::PermanentFailure),
            (302, Outcome::PermanentFailure),
            (307, Outcome::PermanentFailure),
            (201, Outcome::Sent),
            (202, Outcome::Sent),
            (400, Outcome::PermanentFailure),
            (401, Outcome::PermanentFailure),
            (404, Outcome::PermanentFailure),
            (408, Outcome::TemporaryFailure),
            (410, Outcome::PermanentFailure),
            (422, Outcome::PermanentFailure),
            (429, Outcome::TemporaryFailure),
            (500, Outcome::TemporaryFailure),
            (503, Outcome::TemporaryFailure),
        ];
        for (status, want) in cases {
            assert_eq!(classify(status), want, "{status}");
        }
    }
}
