//! Web Push, the browser notification channel: a subscription's keys as the browser hands them
//! over, the message encryption of RFC 8291 (`aes128gcm`, RFC 8188, one record) and the VAPID
//! authorization of RFC 8292 (an ES256 JWT). Pure: keys, salt and the clock come in as arguments.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hkdf::Hkdf;
use p256::ecdsa::signature::Signer;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use serde::Serialize;
use sha2::Sha256;

/// Length of an uncompressed P-256 public key (`0x04 || X || Y`), the subscription's `p256dh`.
pub const P256DH_LEN: usize = 65;
/// Length of the subscription's `auth` secret.
pub const AUTH_LEN: usize = 16;
/// The record size written in the header: one record holds the whole message.
const RECORD_SIZE: u32 = 4096;
/// Salt, record size, key id length and the sender's public key: RFC 8188's header for RFC 8291.
pub const HEADER_LEN: usize = 16 + 4 + 1 + P256DH_LEN;
/// AES-GCM's tag.
const TAG_LEN: usize = 16;
/// Push services must accept a body of 4096 bytes: the header, the tag and the padding
/// delimiter leave this much for the message itself.
pub const MAX_PLAINTEXT: usize = RECORD_SIZE as usize - HEADER_LEN - TAG_LEN - 1;
/// How long a VAPID token is valid: RFC 8292 allows at most 24 hours; half a day leaves room for
/// clock skew at the push service.
pub const VAPID_LIFETIME_SECS: i64 = 12 * 3600;

/// Why a subscription, key or message was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushError {
    /// Not base64url.
    Encoding(&'static str),
    /// The right encoding, the wrong length.
    Length {
        field: &'static str,
        want: usize,
        got: usize,
    },
    /// `p256dh` is not a point on P-256.
    NotOnCurve,
    /// The endpoint is not an https URL.
    Endpoint(String),
    /// The message is longer than one record holds.
    TooLong(usize),
    /// A key that does not make a P-256 private key.
    BadPrivateKey,
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Encoding(field) => write!(f, "{field} must be base64url"),
            Self::Length { field, want, got } => {
                write!(f, "{field} must be {want} bytes, not {got}")
            }
            Self::NotOnCurve => f.write_str("keys.p256dh is not a P-256 public key"),
            Self::Endpoint(why) => write!(f, "endpoint {why}"),
            Self::TooLong(n) => write!(
                f,
                "a push message holds at most {MAX_PLAINTEXT} bytes, not {n}"
            ),
            Self::BadPrivateKey => f.write_str("not a P-256 private key"),
        }
    }
}

impl std::error::Error for PushError {}

/// Base64url without padding, as Web Push writes every key.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Reads base64url with or without padding (browsers differ).
pub fn unb64(field: &'static str, s: &str) -> Result<Vec<u8>, PushError> {
    URL_SAFE_NO_PAD
        .decode(s.trim().trim_end_matches('='))
        .map_err(|_| PushError::Encoding(field))
}

/// A push endpoint: an https URL (or, with `loopback`, one on this machine over plain HTTP, for a
/// local push service in development). Returns it normalized.
pub fn endpoint(raw: &str, loopback: bool) -> Result<url::Url, PushError> {
    let url = url::Url::parse(raw.trim())
        .map_err(|e| PushError::Endpoint(format!("is not a valid URL ({e})")))?;
    let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if loopback && local && matches!(url.scheme(), "http" | "https") {
        return Ok(url);
    }
    if url.scheme() != "https" {
        return Err(PushError::Endpoint("must use https".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(PushError::Endpoint("must not carry credentials".into()));
    }
    match url.host() {
        Some(url::Host::Domain(d)) if d.contains('.') && !local => Ok(url),
        _ => Err(PushError::Endpoint("must name a public host".into())),
    }
}

/// The origin of a push endpoint: the audience (`aud`) of its VAPID token.
pub fn audience(endpoint: &url::Url) -> String {
    endpoint.origin().ascii_serialization()
}

/// A browser's subscription keys: its public key (`p256dh`) and its authentication secret.
#[derive(Clone, PartialEq, Eq)]
pub struct PushKeys {
    p256dh: [u8; P256DH_LEN],
    auth: [u8; AUTH_LEN],
}

impl fmt::Debug for PushKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PushKeys(..)")
    }
}

fn fixed<const N: usize>(field: &'static str, bytes: &[u8]) -> Result<[u8; N], PushError> {
    bytes.try_into().map_err(|_| PushError::Length {
        field,
        want: N,
        got: bytes.len(),
    })
}

impl PushKeys {
    /// Reads `keys.p256dh` and `keys.auth` as `PushSubscription.toJSON()` gives them.
    pub fn parse(p256dh: &str, auth: &str) -> Result<PushKeys, PushError> {
        let p256dh: [u8; P256DH_LEN] = fixed("keys.p256dh", &unb64("keys.p256dh", p256dh)?)?;
        let auth = fixed("keys.auth", &unb64("keys.auth", auth)?)?;
        if p256dh[0] != 4 || PublicKey::from_sec1_bytes(&p256dh).is_err() {
            return Err(PushError::NotOnCurve);
        }
        Ok(PushKeys { p256dh, auth })
    }

    /// The stored form, `p256dh.auth` in base64url; read back with `from_stored`.
    pub fn to_stored(&self) -> String {
        format!("{}.{}", b64(&self.p256dh), b64(&self.auth))
    }

    pub fn from_stored(s: &str) -> Result<PushKeys, PushError> {
        let (p, a) = s.split_once('.').ok_or(PushError::Encoding("keys"))?;
        Self::parse(p, a)
    }
}

/// A VAPID key pair (the application server's identity towards push services). The private half
/// never leaves through `Debug`.
#[derive(Clone)]
pub struct VapidKey(SecretKey);

impl fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VapidKey(..)")
    }
}

impl VapidKey {
    /// From 32 random bytes; `None` in the negligible case that they are no valid scalar (draw
    /// again).
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<VapidKey> {
        SecretKey::from_slice(bytes).ok().map(VapidKey)
    }

    /// From its stored form (the private scalar in base64url).
    pub fn from_stored(s: &str) -> Result<VapidKey, PushError> {
        let bytes = unb64("private key", s)?;
        SecretKey::from_slice(&bytes)
            .map(VapidKey)
            .map_err(|_| PushError::BadPrivateKey)
    }

    /// The stored form: secret, never logged or served.
    pub fn to_stored(&self) -> String {
        b64(&self.0.to_bytes())
    }

    /// The public key, uncompressed, in base64url: the browser's `applicationServerKey` and the
    /// `k=` of the authorization header.
    pub fn public(&self) -> String {
        b64(self.0.public_key().to_encoded_point(false).as_bytes())
    }

    /// The `Authorization` header for a request to `endpoint` (RFC 8292 section 3): a token for
    /// the endpoint's origin, valid for `VAPID_LIFETIME_SECS` from `now_unix`, naming `subject`
    /// (a `mailto:` or `https:` contact).
    pub fn authorization(&self, endpoint: &url::Url, subject: &str, now_unix: i64) -> String {
        let claims = VapidClaims {
            aud: audience(endpoint),
            exp: now_unix + VAPID_LIFETIME_SECS,
            sub: subject.to_owned(),
        };
        format!("vapid t={}, k={}", self.token(&claims), self.public())
    }

    fn token(&self, claims: &VapidClaims) -> String {
        let header = b64(br#"{"typ":"JWT","alg":"ES256"}"#);
        let body = b64(&serde_json::to_vec(claims).expect("claims serialize"));
        let input = format!("{header}.{body}");
        let signer = p256::ecdsa::SigningKey::from(&self.0);
        let signature: p256::ecdsa::Signature = signer.sign(input.as_bytes());
        format!("{input}.{}", b64(&signature.to_bytes()))
    }
}

/// The claims of a VAPID token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct VapidClaims {
    pub aud: String,
    pub exp: i64,
    pub sub: String,
}

/// Reads an `Authorization: vapid t=..., k=...` header, checks the ES256 signature with the key
/// it names, and returns that key (base64url) and the claims. What a push service does; here for
/// tests and for anyone checking a request.
pub fn verify_authorization(header: &str) -> Result<(String, VapidClaims), &'static str> {
    use p256::ecdsa::signature::Verifier;
    let rest = header.strip_prefix("vapid ").ok_or("not a vapid scheme")?;
    let mut token = None;
    let mut key = None;
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => token = Some(v),
            Some(("k", v)) => key = Some(v),
            _ => return Err("unknown parameter"),
        }
    }
    let (token, key) = (token.ok_or("no t=")?, key.ok_or("no k=")?);
    let (input, signature) = token.rsplit_once('.').ok_or("not a JWT")?;
    let (header, claims) = input.split_once('.').ok_or("not a JWT")?;
    let header: serde_json::Value =
        serde_json::from_slice(&unb64("header", header).map_err(|_| "header encoding")?)
            .map_err(|_| "header JSON")?;
    if header["alg"] != "ES256" {
        return Err("not ES256");
    }
    let verifying =
        p256::ecdsa::VerifyingKey::from_sec1_bytes(&unb64("k", key).map_err(|_| "key encoding")?)
            .map_err(|_| "not a P-256 key")?;
    let signature = p256::ecdsa::Signature::from_slice(
        &unb64("signature", signature).map_err(|_| "signature encoding")?,
    )
    .map_err(|_| "not an ES256 signature")?;
    verifying
        .verify(input.as_bytes(), &signature)
        .map_err(|_| "the signature does not verify")?;
    let claims = serde_json::from_slice(&unb64("claims", claims).map_err(|_| "claims encoding")?)
        .map_err(|_| "claims JSON")?;
    Ok((key.to_owned(), claims))
}

/// Encrypts `plaintext` for the browser holding `keys` (RFC 8291 section 3.4): ECDH between the
/// sender's one-time key (`sender`, 32 random bytes, used for this message only) and the
/// browser's, mixed with its auth secret into the input keying material; the content key and the
/// nonce from that and a random `salt` (RFC 8188); one record, padded with the last-record
/// delimiter only. The answer is the request body for `Content-Encoding: aes128gcm`.
pub fn encrypt(
    plaintext: &[u8],
    keys: &PushKeys,
    sender: &[u8; 32],
    salt: &[u8; 16],
) -> Result<Vec<u8>, PushError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(PushError::TooLong(plaintext.len()));
    }
    let sender = SecretKey::from_slice(sender).map_err(|_| PushError::BadPrivateKey)?;
    let sender_public = sender.public_key().to_encoded_point(false);
    let browser = PublicKey::from_sec1_bytes(&keys.p256dh).map_err(|_| PushError::NotOnCurve)?;
    let shared = p256::ecdh::diffie_hellman(sender.to_nonzero_scalar(), browser.as_affine());

    // IKM = HKDF(salt = auth, IKM = ECDH secret, info = "WebPush: info" 0 ua_public as_public).
    let mut key_info = Vec::with_capacity(14 + 2 * P256DH_LEN);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(&keys.p256dh);
    key_info.extend_from_slice(sender_public.as_bytes());
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&keys.auth), shared.raw_secret_bytes())
        .expand(&key_info, &mut ikm)
        .expect("32 bytes is a valid HKDF-SHA256 length");

    let content = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    content
        .expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .expect("16 bytes is a valid HKDF-SHA256 length");
    content
        .expand(b"Content-Encoding: nonce\0", &mut nonce)
        .expect("12 bytes is a valid HKDF-SHA256 length");

    let mut record = Vec::with_capacity(plaintext.len() + 1);
    record.extend_from_slice(plaintext);
    // The delimiter of the last (here the only) record, with no padding after it.
    record.push(2);
    let cipher = Aes128Gcm::new_from_slice(&cek).expect("16-byte key");
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), record.as_slice())
        .expect("AES-GCM seals any length up to the record size");

    let mut body = Vec::with_capacity(HEADER_LEN + sealed.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(P256DH_LEN as u8);
    body.extend_from_slice(sender_public.as_bytes());
    body.extend_from_slice(&sealed);
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Vec<u8> {
        unb64("test", s).unwrap()
    }

    // RFC 8291, Appendix A: the keys, salt and message of the worked example, and its result.
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const AS_PUBLIC: &str =
        "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const PLAINTEXT: &str = "V2hlbiBJIGdyb3cgdXAsIEkgd2FudCB0byBiZSBhIHdhdGVybWVsb24";
    const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    #[test]
    fn rfc8291_appendix_a() {
        let plaintext = d(PLAINTEXT);
        assert_eq!(plaintext, b"When I grow up, I want to be a watermelon");
        let keys = PushKeys::parse(UA_PUBLIC, AUTH).unwrap();
        let sender: [u8; 32] = d(AS_PRIVATE).try_into().unwrap();
        let salt: [u8; 16] = d(SALT).try_into().unwrap();
        let body = encrypt(&plaintext, &keys, &sender, &salt).unwrap();
        assert_eq!(b64(&body), BODY);
        // The sender's public key travels in the header as the key id.
        assert_eq!(b64(&body[21..HEADER_LEN]), AS_PUBLIC);
        assert_eq!(
            VapidKey::from_bytes(&sender).unwrap().public(),
            AS_PUBLIC,
            "the same derivation gives the public key the browser is handed"
        );
    }

    #[test]
    fn a_message_must_fit_one_record() {
        let keys = PushKeys::parse(UA_PUBLIC, AUTH).unwrap();
        let sender: [u8; 32] = d(AS_PRIVATE).try_into().unwrap();
        let salt = [7u8; 16];
        let body = encrypt(&[b'x'; MAX_PLAINTEXT], &keys, &sender, &salt).unwrap();
        assert_eq!(body.len(), RECORD_SIZE as usize);
        assert_eq!(
            encrypt(&[b'x'; MAX_PLAINTEXT + 1], &keys, &sender, &salt),
            Err(PushError::TooLong(MAX_PLAINTEXT + 1))
        );
    }

    #[test]
    fn keys_are_checked_at_the_boundary() {
        let cases: &[(&str, &str, Result<(), &str>)] = &[
            (UA_PUBLIC, AUTH, Ok(())),
            // Padded base64url, as some browsers write it.
            (UA_PUBLIC, "BTBZMqHH6r4Tts7J_aSIgg==", Ok(())),
            (
                UA_PUBLIC,
                "BTBZMqHH6r4Tts7J_aSI",
                Err("keys.auth must be 16 bytes, not 15"),
            ),
            (&UA_PUBLIC[..60], AUTH, Err("keys.p256dh must be 65 bytes")),
            (UA_PUBLIC, "not base64!", Err("keys.auth must be base64url")),
            // 65 bytes, but no point on the curve.
            (
                &format!("BA{}", "A".repeat(85)),
                AUTH,
                Err("not a P-256 public key"),
            ),
        ];
        for (p, a, want) in cases {
            match (PushKeys::parse(p, a), want) {
                (Ok(k), Ok(())) => {
                    assert_eq!(PushKeys::from_stored(&k.to_stored()), Ok(k.clone()));
                    assert_eq!(format!("{k:?}"), "PushKeys(..)");
                }
                (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{e} lacks {msg}"),
                (got, want) => panic!("{p} {a}: want {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn endpoints_table() {
        let cases: &[(&str, bool, Result<&str, &str>)] = &[
            (
                "https://fcm.googleapis.com/fcm/send/abc:def",
                false,
                Ok("https://fcm.googleapis.com"),
            ),
            (
                "https://updates.push.services.mozilla.com/wpush/v2/gAAA",
                false,
                Ok("https://updates.push.services.mozilla.com"),
            ),
            ("http://push.example.com/x", false, Err("must use https")),
            ("https://10.0.0.1/x", false, Err("public host")),
            ("https://localhost/x", false, Err("public host")),
            ("https://u:p@push.example.com/x", false, Err("credentials")),
            ("nope", false, Err("not a valid URL")),
            ("http://127.0.0.1:9/push/1", false, Err("must use https")),
            ("http://127.0.0.1:9/push/1", true, Ok("http://127.0.0.1:9")),
        ];
        for (raw, loopback, want) in cases {
            match (endpoint(raw, *loopback), want) {
                (Ok(u), Ok(aud)) => assert_eq!(audience(&u), *aud, "{raw}"),
                (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{raw}: {e}"),
                (got, want) => panic!("{raw}: want {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn the_vapid_token_verifies_with_the_public_key_and_names_the_origin() {
        let key = VapidKey::from_bytes(&[0x5a; 32]).unwrap();
        let url = endpoint("https://push.example.com:8443/send/abc?x=1", false).unwrap();
        let header = key.authorization(&url, "mailto:ops@example.com", 1_000);
        let (k, claims) = verify_authorization(&header).unwrap();
        assert_eq!(k, key.public());
        assert_eq!(
            claims,
            VapidClaims {
                aud: "https://push.example.com:8443".into(),
                exp: 1_000 + VAPID_LIFETIME_SECS,
                sub: "mailto:ops@example.com".into(),
            }
        );
        assert!(
            claims.exp - 1_000 <= 24 * 3600,
            "RFC 8292: at most 24 hours"
        );
        // Another key's name on the same token does not verify.
        let other = VapidKey::from_bytes(&[0x33; 32]).unwrap();
        let forged = header.replace(&key.public(), &other.public());
        assert_eq!(
            verify_authorization(&forged).unwrap_err(),
            "the signature does not verify"
        );
        // A claim changed after signing does not verify either.
        let t = header
            .split("t=")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap();
        let parts: Vec<&str> = t.split('.').collect();
        let tampered_claims = b64(br#"{"aud":"https://evil.example","exp":1,"sub":"x"}"#);
        let tampered = header.replace(parts[1], &tampered_claims);
        assert!(verify_authorization(&tampered).is_err());
        // The stored form comes back as the same key; Debug shows nothing of it.
        let again = VapidKey::from_stored(&key.to_stored()).unwrap();
        assert_eq!(again.public(), key.public());
        assert_eq!(format!("{key:?}"), "VapidKey(..)");
    }
}
