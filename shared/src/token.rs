//! Audience tokens: HS256 JWTs minted by a customer's backend with the page's widget secret. A valid
//! one proves which segments a viewer belongs to; anything else is refused with a reason.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::model::is_valid_segment;
use crate::view::Viewer;
use crate::Timestamp;

/// Clock skew tolerated between the customer's backend and us, on `exp` and `nbf`.
pub const LEEWAY_SECS: i64 = 60;
/// Longer tokens are refused before any decoding.
pub const MAX_TOKEN_LEN: usize = 4096;
pub const MAX_SEGMENTS: usize = 32;

/// The claims Herald reads. Unknown claims are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceClaims {
    /// The page id the token is for.
    pub page: String,
    #[serde(default)]
    pub segments: Vec<String>,
    /// Expiry, seconds since the epoch. Required: a token that never expires is refused.
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// The customer's id for the viewer; never stored by Herald.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    NoSecret,
    TooLong,
    Malformed(&'static str),
    Algorithm(String),
    Signature,
    Expired,
    NotYetValid,
    WrongPage,
    Segment(String),
    TooManySegments,
}

impl TokenError {
    /// Stable slug for logs and problem documents.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NoSecret => "no-secret",
            Self::TooLong => "too-long",
            Self::Malformed(_) => "malformed",
            Self::Algorithm(_) => "algorithm",
            Self::Signature => "signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not-yet-valid",
            Self::WrongPage => "wrong-page",
            Self::Segment(_) => "segment",
            Self::TooManySegments => "too-many-segments",
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSecret => f.write_str("the page has no widget secret"),
            Self::TooLong => write!(f, "token longer than {MAX_TOKEN_LEN} bytes"),
            Self::Malformed(why) => write!(f, "malformed token: {why}"),
            Self::Algorithm(alg) => write!(f, "algorithm {alg:?} is not accepted; use HS256"),
            Self::Signature => f.write_str("signature does not match the page's widget secret"),
            Self::Expired => f.write_str("token expired"),
            Self::NotYetValid => f.write_str("token not valid yet"),
            Self::WrongPage => f.write_str("token is for another page"),
            Self::Segment(s) => write!(f, "{s:?} is not a segment (kind:value)"),
            Self::TooManySegments => write!(f, "more than {MAX_SEGMENTS} segments"),
        }
    }
}

impl std::error::Error for TokenError {}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length")
}

/// Verifies `token` for page `page_id` at `now`: HS256 only, signature checked in constant time
/// before the claims are read, `exp` required, `exp`/`nbf` with `LEEWAY_SECS`, well-formed segments.
pub fn verify(
    token: &str,
    secret: &[u8],
    page_id: &str,
    now: Timestamp,
) -> Result<AudienceClaims, TokenError> {
    use TokenError::*;
    if secret.is_empty() {
        return Err(NoSecret);
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(TooLong);
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Malformed("expected three dot-separated parts"));
    };
    let header = URL_SAFE_NO_PAD
        .decode(h)
        .map_err(|_| Malformed("header is not base64url"))?;
    let header: Header =
        serde_json::from_slice(&header).map_err(|_| Malformed("header is not a JSON object"))?;
    if header.alg != "HS256" {
        return Err(Algorithm(header.alg));
    }
    if header.crit.is_some() {
        return Err(Malformed("critical header extensions are not supported"));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| Malformed("signature is not base64url"))?;
    let mut m = mac(secret);
    m.update(&token.as_bytes()[..h.len() + 1 + p.len()]);
    m.verify_slice(&signature).map_err(|_| Signature)?;
    let payload = URL_SAFE_NO_PAD
        .decode(p)
        .map_err(|_| Malformed("payload is not base64url"))?;
    let claims: AudienceClaims = serde_json::from_slice(&payload)
        .map_err(|_| Malformed("payload lacks page or exp, or has the wrong types"))?;
    let now = now.unix_timestamp();
    if now > claims.exp.saturating_add(LEEWAY_SECS) {
        return Err(Expired);
    }
    if claims
        .nbf
        .is_some_and(|nbf| now < nbf.saturating_sub(LEEWAY_SECS))
    {
        return Err(NotYetValid);
    }
    if claims.page != page_id {
        return Err(WrongPage);
    }
    if claims.segments.len() > MAX_SEGMENTS {
        return Err(TooManySegments);
    }
    if let Some(bad) = claims.segments.iter().find(|s| !is_valid_segment(s)) {
        return Err(Segment(bad.clone()));
    }
    Ok(claims)
}

/// Mints a token (for tests, the demo page, and customers' reference code).
pub fn sign(claims: &AudienceClaims, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let mut m = mac(secret);
    m.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    format!("{signing_input}.{sig}")
}

impl From<AudienceClaims> for Viewer {
    fn from(c: AudienceClaims) -> Self {
        Viewer {
            segments: c.segments,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::NOW;

    const SECRET: &[u8] = b"widget-secret-of-acme";

    fn claims() -> AudienceClaims {
        AudienceClaims {
            page: "acme".into(),
            segments: vec!["plan:enterprise".into(), "tenant:42".into()],
            exp: NOW.unix_timestamp() + 3600,
            nbf: None,
            iat: Some(NOW.unix_timestamp()),
            sub: Some("user-7".into()),
        }
    }

    fn raw(header: &str, payload: &str, secret: &[u8]) -> String {
        let h = URL_SAFE_NO_PAD.encode(header);
        let p = URL_SAFE_NO_PAD.encode(payload);
        let mut m = mac(secret);
        m.update(format!("{h}.{p}").as_bytes());
        format!(
            "{h}.{p}.{}",
            URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
        )
    }

    #[test]
    fn a_valid_token_yields_its_segments() {
        let t = sign(&claims(), SECRET);
        let c = verify(&t, SECRET, "acme", NOW).unwrap();
        assert_eq!(Viewer::from(c).segments, claims().segments);
    }

    #[test]
    fn a_known_token_from_elsewhere_verifies() {
        // Minted by hand with the same algorithm, to catch an encoder that agrees only with itself.
        let t = raw(
            r#"{"typ":"JWT","alg":"HS256"}"#,
            r#"{"page":"acme","segments":["region:eu"],"exp":4102444800,"extra":true}"#,
            SECRET,
        );
        let c = verify(&t, SECRET, "acme", NOW).unwrap();
        assert_eq!(c.segments, vec!["region:eu".to_string()]);
    }

    #[test]
    fn refusals_table() {
        let exp = NOW.unix_timestamp();
        let good = sign(&claims(), SECRET);
        let (gh, gp, _) = {
            let mut it = good.split('.');
            (it.next().unwrap(), it.next().unwrap(), it.next().unwrap())
        };
        let with = |f: &dyn Fn(&mut AudienceClaims)| {
            let mut c = claims();
            f(&mut c);
            sign(&c, SECRET)
        };
        let cases: Vec<(String, &[u8], &str)> = vec![
            (good.clone(), b"", "no-secret"),
            ("a".repeat(MAX_TOKEN_LEN + 1), SECRET, "too-long"),
            ("abc".into(), SECRET, "malformed"),
            (format!("{good}.x"), SECRET, "malformed"),
            (format!("!!.{gp}.x"), SECRET, "malformed"),
            (good.clone(), b"another-secret", "signature"),
            (format!("{gh}.{gp}.AAAA"), SECRET, "signature"),
            (
                format!(
                    "{gh}.{}.{}",
                    URL_SAFE_NO_PAD.encode(
                        r#"{"page":"acme","exp":9999999999,"segments":["plan:enterprise"]}"#
                    ),
                    good.rsplit('.').next().unwrap()
                ),
                SECRET,
                "signature",
            ),
            (
                raw(
                    r#"{"alg":"none"}"#,
                    r#"{"page":"acme","exp":9999999999}"#,
                    SECRET,
                ),
                SECRET,
                "algorithm",
            ),
            (
                raw(
                    r#"{"alg":"HS512"}"#,
                    r#"{"page":"acme","exp":9999999999}"#,
                    SECRET,
                ),
                SECRET,
                "algorithm",
            ),
            (
                raw(
                    r#"{"alg":"HS256","crit":["b64"]}"#,
                    r#"{"page":"acme","exp":9999999999}"#,
                    SECRET,
                ),
                SECRET,
                "malformed",
            ),
            (
                raw(r#"{"alg":"HS256"}"#, r#"{"page":"acme"}"#, SECRET),
                SECRET,
                "malformed",
            ),
            (
                raw(r#"{"alg":"HS256"}"#, r#"[1,2]"#, SECRET),
                SECRET,
                "malformed",
            ),
            (with(&|c| c.exp = exp - LEEWAY_SECS - 1), SECRET, "expired"),
            (
                with(&|c| c.nbf = Some(exp + LEEWAY_SECS + 1)),
                SECRET,
                "not-yet-valid",
            ),
            (with(&|c| c.page = "other".into()), SECRET, "wrong-page"),
            (
                with(&|c| c.segments = vec!["Enterprise".into()]),
                SECRET,
                "segment",
            ),
            (
                with(&|c| c.segments = (0..33).map(|i| format!("tenant:{i}")).collect()),
                SECRET,
                "too-many-segments",
            ),
        ];
        for (token, secret, want) in cases {
            let got = verify(&token, secret, "acme", NOW).unwrap_err();
            assert_eq!(got.kind(), want, "{token}: {got}");
        }
    }

    #[test]
    fn leeway_admits_small_clock_skew() {
        let exp = NOW.unix_timestamp();
        let cases = [(exp - LEEWAY_SECS, true), (exp - LEEWAY_SECS - 1, false)];
        for (e, ok) in cases {
            let t = sign(&AudienceClaims { exp: e, ..claims() }, SECRET);
            assert_eq!(verify(&t, SECRET, "acme", NOW).is_ok(), ok, "exp {e}");
        }
        let t = sign(
            &AudienceClaims {
                nbf: Some(exp + LEEWAY_SECS),
                ..claims()
            },
            SECRET,
        );
        assert!(verify(&t, SECRET, "acme", NOW).is_ok());
    }
}
