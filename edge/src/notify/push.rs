//! Browser push (Web Push): one notification encrypted for one browser (RFC 8291, `aes128gcm`)
//! and posted to its push service with a VAPID authorization (RFC 8292). A push service that
//! answers 404 or 410 has forgotten the subscription: the attempt says the address is gone.

use herald_shared::webpush::{self, PushKeys, VapidKey};
use herald_shared::wire::internal::PushDue;
use herald_shared::wire::PushMessage;

use super::http::{self, Sent};

/// How long a push service keeps a message for a browser that is offline: an update older than a
/// day is better read on the status page.
pub const TTL_SECS: u32 = 24 * 3600;

/// 32 or 16 random bytes from the runtime's source.
fn random<const N: usize>() -> Result<[u8; N], Sent> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| Sent::temporary(format!("no randomness: {e}")))?;
    Ok(bytes)
}

/// Encrypts `message` for the browser and posts it to `endpoint`.
pub async fn send(
    endpoint: &str,
    due: &PushDue,
    message: &PushMessage,
    urgency: &str,
    subject: &str,
    timeout_ms: u64,
) -> Sent {
    match post(endpoint, due, message, urgency, subject, timeout_ms).await {
        Ok(a) if http::classify(a.status).succeeded() => Sent::ok(None),
        Ok(a) if matches!(a.status, 404 | 410) => Sent {
            gone: true,
            ..Sent::refused(a.status, &a.body)
        },
        Ok(a) => Sent::refused(a.status, &a.body),
        Err(e) => e,
    }
}

async fn post(
    endpoint: &str,
    due: &PushDue,
    message: &PushMessage,
    urgency: &str,
    subject: &str,
    timeout_ms: u64,
) -> Result<http::Answer, Sent> {
    let url = url::Url::parse(endpoint).map_err(|e| Sent::permanent(e.to_string()))?;
    let keys = PushKeys::from_stored(&due.keys)
        .map_err(|e| Sent::permanent(format!("the subscription's keys are unusable: {e}")))?;
    let vapid = VapidKey::from_stored(&due.vapid)
        .map_err(|e| Sent::permanent(format!("the page's VAPID key is unusable: {e}")))?;
    let plaintext = serde_json::to_vec(message).map_err(|e| Sent::permanent(e.to_string()))?;
    let salt = random::<16>()?;
    // A fresh key pair for every message (RFC 8291 section 3.4); a draw that is no valid P-256
    // scalar (odds about 2^-32) is drawn again.
    let mut body = None;
    for _ in 0..4 {
        match webpush::encrypt(&plaintext, &keys, &random::<32>()?, &salt) {
            Ok(b) => {
                body = Some(b);
                break;
            }
            Err(webpush::PushError::BadPrivateKey) => continue,
            Err(e) => return Err(Sent::permanent(e.to_string())),
        }
    }
    let body = body.ok_or_else(|| Sent::temporary("no usable one-time key was drawn"))?;
    let now = (worker::Date::now().as_millis() / 1000) as i64;
    let authorization = vapid.authorization(&url, subject, now);
    let ttl = TTL_SECS.to_string();
    let headers = [
        ("content-type", "application/octet-stream"),
        ("content-encoding", "aes128gcm"),
        ("ttl", ttl.as_str()),
        ("urgency", urgency),
        ("authorization", authorization.as_str()),
    ];
    http::post_bytes(endpoint, &headers, &body, timeout_ms)
        .await
        .map_err(Sent::temporary)
}
