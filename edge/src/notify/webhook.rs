//! Webhook deliveries: JSON signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature` with the subscriber's secret), or a chat tool's incoming-webhook format
//! (Slack, Teams). A new webhook subscription is verified with a challenge it must echo; a chat
//! channel by its tool accepting a first message.

use herald_shared::webhook::{self, Challenge};

use super::http::{self, Sent};

/// Posts a Standard Webhooks message. `id` is stable across attempts so receivers can drop copies.
pub async fn send(url: &str, secret: &str, id: &str, body: &str, timeout_ms: u64) -> Sent {
    match post(url, secret, id, body, timeout_ms).await {
        Ok(a) if http::classify(a.status).succeeded() => Sent::ok(None),
        Ok(a) => Sent::refused(a.status, &a.body),
        Err(e) => e,
    }
}

async fn post(
    url: &str,
    secret: &str,
    id: &str,
    body: &str,
    timeout_ms: u64,
) -> Result<http::Answer, Sent> {
    let ts = (worker::Date::now().as_millis() / 1000) as i64;
    let signature = webhook::sign(secret, id, ts, body)
        .map_err(|_| Sent::permanent("the subscriber's signing secret is unusable"))?;
    let ts = ts.to_string();
    let headers = [
        ("content-type", "application/json"),
        ("user-agent", "Herald-Webhooks/1"),
        ("webhook-id", id),
        ("webhook-timestamp", ts.as_str()),
        ("webhook-signature", signature.as_str()),
    ];
    http::post(url, &headers, body, timeout_ms)
        .await
        .map_err(Sent::temporary)
}

/// Sends the verification challenge; it counts as sent only when the answer echoes it.
pub async fn challenge(url: &str, secret: &str, id: &str, c: &Challenge, timeout_ms: u64) -> Sent {
    let body = serde_json::to_string(c).unwrap_or_default();
    match post(url, secret, id, &body, timeout_ms).await {
        Ok(a) if http::classify(a.status).succeeded() && c.answered_by(&a.body) => Sent::ok(None),
        Ok(a) if http::classify(a.status).succeeded() => {
            Sent::permanent("the webhook answered without echoing the challenge")
        }
        Ok(a) => Sent::refused(a.status, &a.body),
        Err(e) => e,
    }
}

/// Posts a chat tool's incoming-webhook JSON: Slack's, or a Teams Workflows message (no
/// signature: the URL is the secret). Teams answers 202.
pub async fn chat(url: &str, payload: &serde_json::Value, timeout_ms: u64) -> Sent {
    let headers = [("content-type", "application/json")];
    match http::post(url, &headers, &payload.to_string(), timeout_ms).await {
        Ok(a) if http::classify(a.status).succeeded() => Sent::ok(None),
        Ok(a) => Sent::refused(a.status, &a.body),
        Err(e) => Sent::temporary(e),
    }
}
