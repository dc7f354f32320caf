//! The email provider, in Resend's request format (`POST {base}/emails`, `Authorization: Bearer`,
//! `Idempotency-Key`); the base URL comes from `HERALD_EMAIL_API`, so a local sink can stand in.
//! Timeouts, 429 and 5xx are temporary failures; any other 4xx is permanent.

use herald_shared::delivery::Outcome;
use herald_shared::template;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit};

use crate::bindings;

/// Sender when `HERALD_EMAIL_FROM` is not set.
const DEFAULT_FROM: &str = "Herald <status@herald.invalid>";

pub struct Provider {
    base: String,
    key: String,
    from: String,
}

/// What one send attempt came to.
pub struct Sent {
    pub outcome: Outcome,
    pub provider_id: Option<String>,
    pub error: Option<String>,
}

impl Sent {
    pub fn permanent(why: &str) -> Sent {
        Sent {
            outcome: Outcome::PermanentFailure,
            provider_id: None,
            error: Some(why.to_owned()),
        }
    }

    fn temporary(why: String) -> Sent {
        Sent {
            outcome: Outcome::TemporaryFailure,
            provider_id: None,
            error: Some(why),
        }
    }
}

/// Whether an HTTP status from the provider is worth retrying.
pub fn classify(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Sent,
        429 | 500..=599 => Outcome::TemporaryFailure,
        _ => Outcome::PermanentFailure,
    }
}

#[derive(Deserialize)]
struct Accepted {
    id: String,
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .map(|v| v.to_string())
        .or_else(|_| env.secret(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.trim().is_empty())
}

impl Provider {
    pub fn from_env(env: &Env) -> Option<Provider> {
        Some(Provider {
            base: var(env, bindings::EMAIL_API)?
                .trim_end_matches('/')
                .to_owned(),
            key: var(env, bindings::EMAIL_KEY).unwrap_or_default(),
            from: var(env, bindings::EMAIL_FROM).unwrap_or_else(|| DEFAULT_FROM.to_owned()),
        })
    }

    /// Sends one email. `idempotency_key` is the same for every attempt at the same (notification,
    /// recipient), so the provider drops a copy that slipped through after a lost answer.
    pub async fn send(
        &self,
        to: &str,
        mail: &template::Email,
        unsubscribe: Option<&str>,
        idempotency_key: &str,
    ) -> Sent {
        let mut body = serde_json::json!({
            "from": self.from,
            "to": [to],
            "subject": mail.subject,
            "html": mail.html,
            "text": mail.text,
        });
        if let Some(u) = unsubscribe {
            // RFC 8058 one-click unsubscribe: the POST goes to the same URL.
            body["headers"] = serde_json::json!({
                "List-Unsubscribe": format!("<{u}>"),
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            });
        }
        match self.post(&body.to_string(), idempotency_key).await {
            Ok((status, text)) => match classify(status) {
                Outcome::Sent => Sent {
                    outcome: Outcome::Sent,
                    provider_id: serde_json::from_str::<Accepted>(&text).ok().map(|a| a.id),
                    error: None,
                },
                outcome => Sent {
                    outcome,
                    provider_id: None,
                    error: Some(format!(
                        "HTTP {status}: {}",
                        text.chars().take(200).collect::<String>()
                    )),
                },
            },
            Err(e) => Sent::temporary(format!("request failed: {e}")),
        }
    }

    async fn post(&self, body: &str, idempotency_key: &str) -> worker::Result<(u16, String)> {
        let headers = Headers::new();
        headers.set("content-type", "application/json")?;
        headers.set("authorization", &format!("Bearer {}", self.key))?;
        headers.set("idempotency-key", idempotency_key)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(JsValue::from_str(body)));
        let req = Request::new_with_init(&format!("{}/emails", self.base), &init)?;
        let mut resp = Fetch::Request(req).send().await?;
        let status = resp.status_code();
        let text = resp.text().await.unwrap_or_default();
        Ok((status, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let cases = [
            (200, Outcome::Sent),
            (202, Outcome::Sent),
            (400, Outcome::PermanentFailure),
            (401, Outcome::PermanentFailure),
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
