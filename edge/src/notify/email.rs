//! The email provider, in Resend's request format (`POST {base}/emails`, `Authorization: Bearer`,
//! `Idempotency-Key`); the base URL comes from `HERALD_EMAIL_API`, so a local sink can stand in.

use herald_shared::template;
use herald_shared::wire::internal::{EmailAccepted, EmailRequest, OneClickHeaders};

use super::http::{self, Sent};
use super::var;
use crate::bindings;

/// Sender when `HERALD_EMAIL_FROM` is not set.
const DEFAULT_FROM: &str = "Herald <status@herald.invalid>";

pub struct Provider {
    base: String,
    key: String,
    from: String,
}

impl Provider {
    pub fn from_env(env: &worker::Env) -> Option<Provider> {
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
        timeout_ms: u64,
    ) -> Sent {
        let body = EmailRequest {
            from: self.from.clone(),
            to: vec![to.to_owned()],
            subject: mail.subject.clone(),
            html: mail.html.clone(),
            text: mail.text.clone(),
            headers: unsubscribe.map(OneClickHeaders::for_url),
        };
        let Ok(body) = serde_json::to_string(&body) else {
            return Sent::temporary("could not write the email request");
        };
        let auth = format!("Bearer {}", self.key);
        let headers = [
            ("content-type", "application/json"),
            ("authorization", auth.as_str()),
            ("idempotency-key", idempotency_key),
        ];
        let url = format!("{}/emails", self.base);
        match http::post(&url, &headers, &body, timeout_ms).await {
            Ok(a) if http::classify(a.status).succeeded() => Sent::ok(
                serde_json::from_str::<EmailAccepted>(&a.body)
                    .ok()
                    .map(|a| a.id),
            ),
            Ok(a) => Sent::refused(a.status, &a.body),
            Err(e) => Sent::temporary(e),
        }
    }
}
