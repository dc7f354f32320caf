//! The checks in front of every admin write: `If-Match` against the page's version (412 when
//! stale) and `Idempotency-Key` (the same request again gets the first answer; the same key with
//! another request is refused). Decided here over `Records`, so they are tested natively.

use super::records::{Records, Remembered};
use crate::error::{ApiError, ApiResult};

/// Longest `Idempotency-Key` accepted.
pub const MAX_KEY_LEN: usize = 200;

/// How long an answer is kept for a retry with the same `Idempotency-Key`.
pub const RECORD_LIFETIME: time::Duration = time::Duration::hours(24);

/// The answer as kept for a replay: without the secrets it showed (a retry that lost the first
/// answer rotates or recreates the secret instead), so a stored record reveals nothing.
pub fn kept(answer: Remembered) -> Remembered {
    Remembered {
        body: herald_shared::wire::without_secrets(&answer.body),
        ..answer
    }
}

/// The admin ETag of a page version, for `If-Match`.
pub fn version_tag(version: u64) -> String {
    format!("\"v{version}\"")
}

/// Refuses a write when `If-Match` names none of the current version (`*` matches any); a page that
/// does not exist yet has no version to be stale against.
pub fn check_version(if_match: Option<&str>, version: Option<u64>) -> ApiResult<()> {
    let (Some(expected), Some(version)) = (if_match, version) else {
        return Ok(());
    };
    let current = version_tag(version);
    if expected.trim() == "*" || expected.split(',').any(|t| t.trim() == current) {
        return Ok(());
    }
    Err(ApiError::client(
        412,
        "stale-version",
        "The page changed since you read it",
        format!("If-Match {expected} does not match the current version {current}; read the page again and retry"),
    ))
}

/// The answer to replay for `key`, when this request (`fingerprint`) was made with it before.
pub fn replay(
    records: &impl Records,
    key: Option<&str>,
    fingerprint: &str,
    since: &str,
) -> ApiResult<Option<Remembered>> {
    let Some(key) = key else { return Ok(None) };
    if key.len() > MAX_KEY_LEN {
        return Err(ApiError::client(
            400,
            "invalid-idempotency-key",
            "Idempotency-Key too long",
            format!("use at most {MAX_KEY_LEN} characters"),
        )
        .with_field("Idempotency-Key"));
    }
    match records.recall(key, since)? {
        Some(prior) if prior.fingerprint != fingerprint => Err(ApiError::client(
            422,
            "idempotency-key-reused",
            "Idempotency-Key reused with a different request",
            "this Idempotency-Key was used for another request; use a new key for a new request",
        )
        .with_field("Idempotency-Key")),
        prior => Ok(prior),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page_object::records::Memory;

    fn status(r: ApiResult<impl Sized>) -> u16 {
        match r {
            Ok(_) => 200,
            Err(ApiError::Client { status, .. }) => status,
            Err(ApiError::Server(_)) => 500,
        }
    }

    #[test]
    fn if_match_table() {
        let cases = [
            (None, Some(3), 200),
            (Some("\"v3\""), Some(3), 200),
            (Some(" \"v2\", \"v3\" "), Some(3), 200),
            (Some("*"), Some(3), 200),
            (Some("\"v2\""), Some(3), 412),
            (Some("v3"), Some(3), 412),
            (Some("\"v2\""), None, 200),
        ];
        for (if_match, version, want) in cases {
            assert_eq!(
                status(check_version(if_match, version)),
                want,
                "{if_match:?} against {version:?}"
            );
        }
    }

    #[test]
    fn idempotency_table() {
        let r = Memory::default();
        let first = Remembered {
            fingerprint: "f1".into(),
            status: 201,
            body: "{\"id\":\"inc_1\"}".into(),
        };
        r.remember("k1", &first, "2026-03-02T12:00:00.000Z", "")
            .unwrap();
        let since = "2026-03-01T12:00:00.000Z";
        let long = "k".repeat(MAX_KEY_LEN + 1);
        let cases: Vec<(Option<&str>, &str, u16, bool)> = vec![
            // No key: nothing to replay.
            (None, "f1", 200, false),
            // A new key: run the request.
            (Some("k2"), "f1", 200, false),
            // The same request again: the first answer.
            (Some("k1"), "f1", 200, true),
            // The same key for another request: refused.
            (Some("k1"), "f2", 422, false),
            (Some(&long), "f1", 400, false),
        ];
        for (key, fingerprint, want, replayed) in cases {
            let got = replay(&r, key, fingerprint, since);
            let is_replay = matches!(&got, Ok(Some(a)) if *a == first);
            assert_eq!(status(got), want, "{key:?} {fingerprint}");
            assert_eq!(is_replay, replayed, "{key:?} {fingerprint}");
        }
    }

    #[test]
    fn answers_expire_and_are_kept_without_secrets() {
        let r = Memory::default();
        let answer = Remembered {
            fingerprint: "f".into(),
            status: 201,
            body: r#"{"id":"k","key":"hk_k_s3cr3t","role":"viewer"}"#.into(),
        };
        r.remember("old", &kept(answer.clone()), "2026-03-01T00:00:00.000Z", "")
            .unwrap();
        // A day later the old record is past its lifetime: not replayed, and forgotten by the
        // next write.
        let day_later = "2026-03-02T00:00:01.000Z";
        let since = "2026-03-01T00:00:01.000Z";
        assert_eq!(replay(&r, Some("old"), "f", since).unwrap(), None);
        r.remember("new", &kept(answer), day_later, since).unwrap();
        assert_eq!(r.recall("old", "").unwrap(), None, "forgotten");
        let replayed = replay(&r, Some("new"), "f", since).unwrap().unwrap();
        assert!(!replayed.body.contains("s3cr3t"), "{}", replayed.body);
        assert_eq!(replayed.status, 201);
    }
}
