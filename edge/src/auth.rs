//! Admin authentication at the router: the bearer key, and the root key compared in constant time.
//! Page API keys are checked by the page object, which stores their hashes.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use worker::{Env, Request};

use crate::bindings;
use crate::error::{ApiError, ApiResult};

/// The `Authorization: Bearer` credential, if any.
pub fn bearer(req: &Request) -> ApiResult<Option<String>> {
    Ok(req
        .headers()
        .get("authorization")?
        .and_then(|h| h.strip_prefix("Bearer ").map(|k| k.trim().to_owned()))
        .filter(|k| !k.is_empty()))
}

/// Whether `presented` is the root admin key (a secret; a plain variable in local development).
pub fn is_root(presented: &str, env: &Env) -> ApiResult<bool> {
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
    Ok(keys_match(presented, &configured))
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
