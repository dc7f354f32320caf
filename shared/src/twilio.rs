//! Twilio's request signatures (`X-Twilio-Signature`), used on the SMS provider's status callbacks:
//! base64 of HMAC-SHA1, keyed with the account's auth token, over the full URL the request was sent
//! to followed by every form parameter's name and value, sorted by name.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

fn mac(token: &str, url: &str, params: &[(String, String)]) -> Hmac<Sha1> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut m = Hmac::<Sha1>::new_from_slice(token.as_bytes()).expect("HMAC takes any key");
    m.update(url.as_bytes());
    for (name, value) in sorted {
        m.update(name.as_bytes());
        m.update(value.as_bytes());
    }
    m
}

/// The `X-Twilio-Signature` value of a form POST to `url` with `params`.
pub fn signature(token: &str, url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(mac(token, url, params).finalize().into_bytes())
}

/// Whether `header` is the signature of this request, compared in constant time. An empty token
/// verifies nothing.
pub fn verify(token: &str, url: &str, params: &[(String, String)], header: &str) -> bool {
    let Ok(tag) = STANDARD.decode(header.trim()) else {
        return false;
    };
    !token.is_empty() && mac(token, url, params).verify_slice(&tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Vec<(String, String)> {
        [
            ("MessageSid", "SM0123456789abcdef"),
            ("MessageStatus", "delivered"),
            ("AccountSid", "AC42"),
            ("To", "+4915112345678"),
            ("From", "+15005550006"),
            ("ApiVersion", "2010-04-01"),
            ("ErrorCode", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    const URL: &str = "https://status.example.com/v1/providers/acme/sms-events?x=1";

    /// The expected value was computed independently, with Python's `hmac` and `hashlib`.
    #[test]
    fn matches_an_independent_computation() {
        assert_eq!(
            signature("12345", URL, &params()),
            "z40vUmPGzrSCmfV9wQY/NYirdCM="
        );
    }

    #[test]
    fn verification_needs_the_same_token_url_and_parameters() {
        let sig = signature("12345", URL, &params());
        assert!(verify("12345", URL, &params(), &sig));
        let mut shuffled = params();
        shuffled.reverse();
        assert!(
            verify("12345", URL, &shuffled, &sig),
            "order does not matter"
        );
        assert!(!verify("54321", URL, &params(), &sig));
        assert!(!verify("12345", "https://evil.example/cb", &params(), &sig));
        let mut changed = params();
        changed[1].1 = "undelivered".into();
        assert!(!verify("12345", URL, &changed, &sig));
        assert!(!verify("", URL, &params(), &signature("", URL, &params())));
        assert!(!verify("12345", URL, &params(), "not base64!"));
    }
}
