//! Admin authentication: a bearer key compared in constant time with the configured root key.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use worker::{Env, Request};

use crate::bindings;
use crate::error::{ApiError, ApiResult};

/// Who made an admin request, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub key_id: String,
}

/// Checks `Authorization: Bearer <key>` against the root admin key.
pub fn admin(req: &Request, env: &Env) -> ApiResult<Actor> {
    let configured = env
        .secret(bindings::ADMIN_KEY)
        .or_else(|_| env.var(bindings::ADMIN_KEY))
        .map(|v| v.to_string())
        .map_err(|_| {
            ApiError::Server(format!(
                "{} is not configured; the admin API is disabled",
                bindings::ADMIN_KEY
            ))
        })?;
    let presented = req
        .headers()
        .get("authorization")?
        .and_then(|h| h.strip_prefix("Bearer ").map(str::trim).map(str::to_owned))
        .ok_or_else(ApiError::unauthorized)?;
    if keys_match(&presented, &configured) {
        Ok(Actor {
            key_id: "root".into(),
        })
    } else {
        Err(ApiError::unauthorized())
    }
}

/// Constant-time comparison of two keys (hashed first, so lengths leak nothing either).
pub fn keys_match(presented: &str, configured: &str) -> bool {
    let a = Sha256::digest(presented.as_bytes());
    let b = Sha256::digest(configured.as_bytes());
    !configured.is_empty() && bool::from(a.ct_eq(&b))
}

#[cfg(test)]
mod tests {
    use super::keys_match;

    #[test]
    fn keys_must_match_exactly_and_an_empty_key_never_matches() {
        assert!(keys_match("k3y", "k3y"));
        assert!(!keys_match("k3y", "k3z"));
        assert!(!keys_match("k3", "k3y"));
        assert!(!keys_match("", ""));
    }
}
