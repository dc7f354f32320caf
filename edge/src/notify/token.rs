//! Signed links in subscription messages (confirm, unsubscribe, manage, and the receipt link of a
//! message that must be acknowledged): `{page}.{subscriber}.{purpose}.{expires}.{mac}`, an
//! HMAC-SHA256 under the page's own link secret, so a link works without any stored token and
//! forging one needs the page object's secret. Each purpose has a lifetime (`expires` is Unix
//! seconds), so an old link cannot act years later.

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
    /// How long a link of this purpose works: a confirmation for a week; manage and unsubscribe
    /// links for a year (every later message carries fresh ones).
    pub fn lifetime_secs(self) -> i64 {
        match self {
            Purpose::Confirm => 7 * DAY,
            Purpose::Unsubscribe | Purpose::Manage => 365 * DAY,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Purpose::Confirm => "c",
            Purpose::Unsubscribe => "u",
            Purpose::Manage => "m",
        }
    }
}

const DAY: i64 = 24 * 60 * 60;

/// How long a receipt link works: a notice that asks for acknowledgement is answered within
/// weeks, or escalated long before.
pub const RECEIPT_LIFETIME_SECS: i64 = 90 * DAY;

/// Bytes of the MAC kept in a link: 128 bits is plenty against guessing and keeps links short.
const MAC_BYTES: usize = 16;

fn mac(secret: &[u8], payload: &str) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    m.update(payload.as_bytes());
    m.finalize().into_bytes()[..MAC_BYTES].to_vec()
}

/// A `purpose` link for `subscriber`, made at `now` (Unix seconds).
pub fn sign(secret: &[u8], page: &str, subscriber: &str, purpose: Purpose, now: i64) -> String {
    let expires = now + purpose.lifetime_secs();
    let payload = format!("{page}.{subscriber}.{}.{expires}", purpose.code());
    format!("{payload}.{}", hex::encode(mac(secret, &payload)))
}

/// The parts of a token whose MAC is right and which has not expired at `now`:
/// (page, subscriber, purpose code).
fn open<'a>(secret: &[u8], token: &'a str, now: i64) -> Option<(&'a str, &'a str, &'a str)> {
    let parts: Vec<&str> = token.split('.').collect();
    let [p, subscriber, code, expires, sig] = parts.as_slice() else {
        return None;
    };
    let presented = hex::decode(sig).ok()?;
    let expected = mac(secret, &format!("{p}.{subscriber}.{code}.{expires}"));
    if !bool::from(presented.ct_eq(&expected)) {
        return None;
    }
    (expires.parse::<i64>().ok()? > now).then_some((p, subscriber, code))
}

/// The page a token names, before it is verified (to route it to that page's object).
pub fn page_of(token: &str) -> Option<&str> {
    token.split('.').next().filter(|p| !p.is_empty())
}

/// The subscriber id, when `token` is a `purpose` link of `page` that works at `now`.
pub fn verify(
    secret: &[u8],
    page: &str,
    token: &str,
    purpose: Purpose,
    now: i64,
) -> Option<String> {
    let (p, subscriber, code) = open(secret, token, now)?;
    (p == page && code == purpose.code()).then(|| subscriber.to_string())
}

/// The receipt link token of `notification` for `subscriber`, made at `now`: purpose
/// `r-{notification}`.
pub fn sign_receipt(
    secret: &[u8],
    page: &str,
    subscriber: &str,
    notification: &str,
    now: i64,
) -> String {
    let expires = now + RECEIPT_LIFETIME_SECS;
    let payload = format!("{page}.{subscriber}.r-{notification}.{expires}");
    format!("{payload}.{}", hex::encode(mac(secret, &payload)))
}

/// `(subscriber, notification)` when `token` is a receipt link of `page` that works at `now`.
pub fn verify_receipt(
    secret: &[u8],
    page: &str,
    token: &str,
    now: i64,
) -> Option<(String, String)> {
    let (p, subscriber, code) = open(secret, token, now)?;
    let notification = code.strip_prefix("r-").filter(|n| !n.is_empty())?;
    (p == page).then(|| (subscriber.to_string(), notification.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000;

    #[test]
    fn receipts_name_their_notification_and_are_not_other_links() {
        let t = sign_receipt(b"k1", "demo", "sub_1", "ntf_9", NOW);
        assert_eq!(
            verify_receipt(b"k1", "demo", &t, NOW),
            Some(("sub_1".into(), "ntf_9".into()))
        );
        assert_eq!(verify_receipt(b"k2", "demo", &t, NOW), None);
        assert_eq!(verify(b"k1", "demo", &t, Purpose::Confirm, NOW), None);
        let other = t.replace("ntf_9", "ntf_8");
        assert_eq!(verify_receipt(b"k1", "demo", &other, NOW), None);
        let confirm = sign(b"k1", "demo", "sub_1", Purpose::Confirm, NOW);
        assert_eq!(verify_receipt(b"k1", "demo", &confirm, NOW), None);
    }

    #[test]
    fn links_work_for_their_lifetime_only() {
        let day = 24 * 60 * 60;
        let cases = [
            (Purpose::Confirm, 6 * day, true),
            (Purpose::Confirm, 8 * day, false),
            (Purpose::Unsubscribe, 300 * day, true),
            (Purpose::Unsubscribe, 400 * day, false),
            (Purpose::Manage, 364 * day, true),
            (Purpose::Manage, 366 * day, false),
        ];
        for (purpose, later, works) in cases {
            let t = sign(b"k1", "demo", "sub_1", purpose, NOW);
            let got = verify(b"k1", "demo", &t, purpose, NOW + later);
            assert_eq!(
                got.is_some(),
                works,
                "{purpose:?} after {} days",
                later / day
            );
        }
        let r = sign_receipt(b"k1", "demo", "sub_1", "ntf_1", NOW);
        assert!(verify_receipt(b"k1", "demo", &r, NOW + 89 * day).is_some());
        assert!(verify_receipt(b"k1", "demo", &r, NOW + 91 * day).is_none());
        // The expiry is signed: pushing it out breaks the MAC.
        let t = sign(b"k1", "demo", "sub_1", Purpose::Confirm, NOW);
        let parts: Vec<&str> = t.split('.').collect();
        let later = format!(
            "{}.{}.{}.{}.{}",
            parts[0],
            parts[1],
            parts[2],
            NOW + 100 * day,
            parts[4]
        );
        assert_eq!(
            verify(b"k1", "demo", &later, Purpose::Confirm, NOW + 8 * day),
            None
        );
    }

    #[test]
    fn links_verify_only_for_their_page_purpose_and_secret() {
        let t = sign(b"k1", "demo", "sub_1", Purpose::Confirm, NOW);
        assert_eq!(page_of(&t), Some("demo"));
        assert_eq!(
            verify(b"k1", "demo", &t, Purpose::Confirm, NOW).as_deref(),
            Some("sub_1")
        );
        assert_eq!(verify(b"k2", "demo", &t, Purpose::Confirm, NOW), None);
        assert_eq!(verify(b"k1", "other", &t, Purpose::Confirm, NOW), None);
        assert_eq!(verify(b"k1", "demo", &t, Purpose::Unsubscribe, NOW), None);
        let forged = t.replace("sub_1", "sub_2");
        assert_eq!(verify(b"k1", "demo", &forged, Purpose::Confirm, NOW), None);
        for junk in ["demo.sub_1.c", "demo.sub_1.c.zz", "demo.sub_1.c.1.zz"] {
            assert_eq!(verify(b"k1", "demo", junk, Purpose::Confirm, NOW), None);
        }
    }
}
