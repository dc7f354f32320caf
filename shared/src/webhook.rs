//! Standard Webhooks signatures: every webhook Herald sends carries `webhook-id`,
//! `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`
//! under the subscriber's `whsec_` secret), so receivers can check it with any Standard Webhooks
//! library. Also the challenge that verifies a webhook subscription.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Prefix of a signing secret, as the specification writes them.
pub const SECRET_PREFIX: &str = "whsec_";

/// Receivers should reject messages whose timestamp is further than this from their clock.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a signature or secret was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// The secret is not `whsec_` followed by base64.
    BadSecret,
    /// The timestamp is too far from now.
    Stale,
    /// No `v1` signature matched.
    Mismatch,
}

/// A secret from 24 random bytes (the caller supplies them: this crate has no randomness).
pub fn secret_from(bytes: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

fn key(secret: &str) -> Result<Vec<u8>, SignatureError> {
    let raw = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD
        .decode(raw)
        .ok()
        .filter(|k| !k.is_empty())
        .ok_or(SignatureError::BadSecret)
}

fn mac(key: &[u8], id: &str, timestamp: i64, body: &str) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    m.update(id.as_bytes());
    m.update(b".");
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body.as_bytes());
    m
}

/// The `webhook-signature` header value for one message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, SignatureError> {
    let k = key(secret)?;
    let tag = mac(&k, id, timestamp, body).finalize().into_bytes();
    Ok(format!("v1,{}", STANDARD.encode(tag)))
}

/// Checks a `webhook-signature` header (space-separated `v1,<base64>` entries, any of which may
/// match) the way a receiver does, in constant time per entry.
pub fn verify(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &str,
    header: &str,
    now: i64,
) -> Result<(), SignatureError> {
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let k = key(secret)?;
    for entry in header.split_whitespace() {
        let Some(sig) = entry.strip_prefix("v1,") else {
            continue;
        };
        let Ok(bytes) = STANDARD.decode(sig) else {
            continue;
        };
        if mac(&k, id, timestamp, body).verify_slice(&bytes).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

/// What Herald posts to verify a new webhook subscription; the receiver proves it wants the
/// messages by answering 2xx with the `challenge` value in its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// Always `subscription.verify`.
    #[serde(rename = "type")]
    pub kind: String,
    pub page: String,
    pub challenge: String,
}

impl Challenge {
    pub fn new(page: &str, challenge: &str) -> Challenge {
        Challenge {
            kind: "subscription.verify".into(),
            page: page.into(),
            challenge: challenge.into(),
        }
    }

    /// Whether a receiver's answer body proves it saw this challenge: the bare value or a JSON
    /// object whose `challenge` is the value.
    pub fn answered_by(&self, body: &str) -> bool {
        let body = body.trim();
        if body == self.challenge {
            return true;
        }
        serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| {
                v.get("challenge")
                    .and_then(|c| c.as_str())
                    .map(str::to_owned)
            })
            .is_some_and(|c| c == self.challenge)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example from the Standard Webhooks reference libraries' test suites.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &str = r#"{"test": 2432232314}"#;

    #[test]
    fn signs_like_the_reference_libraries() {
        assert_eq!(
            sign(SECRET, ID, TS, BODY).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn verifies_any_matching_entry_and_refuses_the_rest() {
        let good = sign(SECRET, ID, TS, BODY).unwrap();
        let header = format!("v1,bm9wZQ== {good}");
        assert_eq!(verify(SECRET, ID, TS, BODY, &header, TS + 10), Ok(()));
        assert_eq!(
            verify(SECRET, ID, TS, r#"{"test": 1}"#, &header, TS),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, ID, TS, BODY, &good, TS + TOLERANCE_SECS + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            sign("whsec_***", ID, TS, BODY),
            Err(SignatureError::BadSecret)
        );
    }

    #[test]
    fn secrets_round_trip() {
        let s = secret_from(&[7u8; 24]);
        assert!(s.starts_with(SECRET_PREFIX));
        let sig = sign(&s, "m", 5, "{}").unwrap();
        assert_eq!(verify(&s, "m", 5, "{}", &sig, 5), Ok(()));
    }

    #[test]
    fn challenge_answers() {
        let c = Challenge::new("demo", "abc123");
        assert!(c.answered_by("abc123"));
        assert!(c.answered_by(r#"{"challenge":"abc123"}"#));
        assert!(!c.answered_by("ok"));
        assert!(!c.answered_by(r#"{"challenge":"abc"}"#));
    }
}
