//! Signed links in subscription messages (confirm, unsubscribe, and the receipt link of a message
//! that must be acknowledged): `{page}.{subscriber}.{purpose}.{mac}`,
//! an HMAC-SHA256 under the page's own link secret, so a link works without any stored token and
//! forging one needs the page object's secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// What a link does when followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Confirm,
    Unsubscribe,
    /// The page where a subscriber chooses components.
    Manage,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::Confirm => "c",
            Purpose::Unsubscribe => "u",
            Purpose::Manage => "m",
        }
    }
}

/// Bytes of the MAC kept in a link: 128 bits is plenty against guessing and keeps links short.
const MAC_BYTES: usize = 16;

fn mac(secret: &[u8], payload: &str) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    m.update(payload.as_bytes());
    m.finalize().into_bytes()[..MAC_BYTES].to_vec()
}

pub fn sign(secret: &[u8], page: &str, subscriber: &str, purpose: Purpose) -> String {
    let payload = format!("{page}.{subscriber}.{}", purpose.code());
    format!("{payload}.{}", hex::encode(mac(secret, &payload)))
}

/// The page a token names, before it is verified (to route it to that page's object).
pub fn page_of(token: &str) -> Option<&str> {
    token.split('.').next().filter(|p| !p.is_empty())
}

/// The subscriber id, when `token` is a valid `purpose` link of `page`.
pub fn verify(secret: &[u8], page: &str, token: &str, purpose: Purpose) -> Option<String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [p, subscriber, code, sig] = parts.as_slice() else {
        return None;
    };
    if *p != page || *code != purpose.code() {
        return None;
    }
    let presented = hex::decode(sig).ok()?;
    let expected = mac(secret, &format!("{p}.{subscriber}.{code}"));
    bool::from(presented.ct_eq(&expected)).then(|| subscriber.to_string())
}

/// The receipt link token of `notification` for `subscriber`: purpose `r-{notification}`.
pub fn sign_receipt(secret: &[u8], page: &str, subscriber: &str, notification: &str) -> String {
    let payload = format!("{page}.{subscriber}.r-{notification}");
    format!("{payload}.{}", hex::encode(mac(secret, &payload)))
}

/// `(subscriber, notification)` when `token` is a valid receipt link of `page`.
pub fn verify_receipt(secret: &[u8], page: &str, token: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = token.split('.').collect();
    let [p, subscriber, code, sig] = parts.as_slice() else {
        return None;
    };
    let notification = code.strip_prefix("r-")?;
    if *p != page || notification.is_empty() {
        return None;
    }
    let presented = hex::decode(sig).ok()?;
    let expected = mac(secret, &format!("{p}.{subscriber}.{code}"));
    bool::from(presented.ct_eq(&expected))
        .then(|| (subscriber.to_string(), notification.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_name_their_notification_and_are_not_other_links() {
        let t = sign_receipt(b"k1", "demo", "sub_1", "ntf_9");
        assert_eq!(
            verify_receipt(b"k1", "demo", &t),
            Some(("sub_1".into(), "ntf_9".into()))
        );
        assert_eq!(verify_receipt(b"k2", "demo", &t), None);
        assert_eq!(verify(b"k1", "demo", &t, Purpose::Confirm), None);
        let other = t.replace("ntf_9", "ntf_8");
        assert_eq!(verify_receipt(b"k1", "demo", &other), None);
        let confirm = sign(b"k1", "demo", "sub_1", Purpose::Confirm);
        assert_eq!(verify_receipt(b"k1", "demo", &confirm), None);
    }

    #[test]
    fn links_verify_only_for_their_page_purpose_and_secret() {
        let t = sign(b"k1", "demo", "sub_1", Purpose::Confirm);
        assert_eq!(page_of(&t), Some("demo"));
        assert_eq!(
            verify(b"k1", "demo", &t, Purpose::Confirm).as_deref(),
            Some("sub_1")
        );
        assert_eq!(verify(b"k2", "demo", &t, Purpose::Confirm), None);
        assert_eq!(verify(b"k1", "other", &t, Purpose::Confirm), None);
        assert_eq!(verify(b"k1", "demo", &t, Purpose::Unsubscribe), None);
        let forged = t.replace("sub_1", "sub_2");
        assert_eq!(verify(b"k1", "demo", &forged, Purpose::Confirm), None);
        assert_eq!(
            verify(b"k1", "demo", "demo.sub_1.c", Purpose::Confirm),
            None
        );
        assert_eq!(
            verify(b"k1", "demo", "demo.sub_1.c.zz", Purpose::Confirm),
            None
        );
    }
}
