//! The SMS provider, in the Twilio Messages API format: `POST
//! {base}/2010-04-01/Accounts/{account}/Messages.json`, form-encoded `To`, `From`, `Body`, HTTP
//! Basic auth with the account id and token, and `I-Twilio-Idempotency-Token` so a retried attempt
//! is not sent twice. The base URL comes from `HERALD_SMS_API`, so a local sink can stand in.
//! Replies of "STOP" are handled by the provider's opt-out list; every message carries a link to
//! unsubscribe.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use herald_shared::wire::internal::SmsAccepted;

use super::http::{self, Sent};
use super::var;
use crate::bindings;

pub struct Provider {
    base: String,
    account: String,
    token: String,
    from: String,
}

impl Provider {
    pub fn from_env(env: &worker::Env) -> Option<Provider> {
        Some(Provider {
            base: var(env, bindings::SMS_API)?
                .trim_end_matches('/')
                .to_owned(),
            account: var(env, bindings::SMS_ACCOUNT)?,
            token: var(env, bindings::SMS_TOKEN).unwrap_or_default(),
            from: var(env, bindings::SMS_FROM)?,
        })
    }

    /// Sends `text`; the provider reports delivery to `status_callback`
    /// (`/v1/providers/{page}/sms-events`).
    pub async fn send(
        &self,
        to: &str,
        text: &str,
        status_callback: &str,
        idempotency_key: &str,
        timeout_ms: u64,
    ) -> Sent {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("To", to)
            .append_pair("From", &self.from)
            .append_pair("Body", text)
            .append_pair("StatusCallback", status_callback)
            .finish();
        let auth = format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", self.account, self.token))
        );
        let headers = [
            ("content-type", "application/x-www-form-urlencoded"),
            ("authorization", auth.as_str()),
            ("i-twilio-idempotency-token", idempotency_key),
        ];
        let account =
            url::form_urlencoded::byte_serialize(self.account.as_bytes()).collect::<String>();
        let url = format!("{}/2010-04-01/Accounts/{account}/Messages.json", self.base);
        match http::post(&url, &headers, &body, timeout_ms).await {
            Ok(a) if http::classify(a.status).succeeded() => Sent::ok(
                serde_json::from_str::<SmsAccepted>(&a.body)
                    .ok()
                    .map(|a| a.sid),
            ),
            Ok(a) => Sent::refused(a.status, &a.body),
            Err(e) => Sent::temporary(e),
        }
    }
}
