//! Subscribers: validated addresses, the double opt-in state machine, and who must hear about an
//! event (`recipients`). Subscriber data never leaves through a public view.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::event::Event;
pub use crate::model::{Address, Subscriber, SubscriberChannel, SubscriptionState, WebhookFormat};
use crate::model::{Channel, State, Visibility};

/// Longest language tag accepted.
pub const MAX_LOCALE_LEN: usize = 35;

/// The page's own tag for the language `tag` asks for (exactly, else by primary subtag: `de-AT`
/// is the page's `de`), or `None` when the page does not offer it (the reader then gets the
/// page's default). A blank tag asks for nothing; one that is not a language tag is refused.
pub fn offered_locale(page: &crate::model::Page, tag: &str) -> Result<Option<String>, String> {
    let tag = tag.trim();
    if tag.is_empty() {
        return Ok(None);
    }
    let shaped = tag.len() <= MAX_LOCALE_LEN
        && tag
            .split(['-', '_'])
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && tag.split(['-', '_']).next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic())
        });
    if !shaped {
        return Err(format!(
            "{tag:?} is not a language tag (such as \"de\" or \"pt-BR\")"
        ));
    }
    let primary = |t: &str| {
        t.split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let normal = tag.replace('_', "-");
    Ok(page
        .locales
        .iter()
        .find(|l| l.eq_ignore_ascii_case(&normal))
        .or_else(|| page.locales.iter().find(|l| primary(l) == primary(tag)))
        .cloned())
}

/// Longest address accepted on any channel.
pub const MAX_ADDRESS_LEN: usize = 2048;

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    Empty,
    TooLong,
    Email(String),
    Phone(&'static str),
    Url(String),
    NotHttps,
    PrivateHost,
    NotSlack,
    Push(crate::webpush::PushError),
    NotTeams,
    /// Mastodon and Bluesky are the page's own accounts, not a subscriber's channel.
    NotSubscribable,
}

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("must not be empty"),
            Self::TooLong => write!(f, "must be at most {MAX_ADDRESS_LEN} characters"),
            Self::Email(e) => write!(f, "not a valid email address ({e})"),
            Self::Phone(why) => write!(f, "not an E.164 phone number: {why}"),
            Self::Url(e) => write!(f, "not a valid URL ({e})"),
            Self::NotHttps => f.write_str("webhooks must use https"),
            Self::PrivateHost => f.write_str("webhooks must point at a public host name"),
            Self::NotSlack => {
                f.write_str("not a Slack incoming webhook (https://hooks.slack.com/services/...)")
            }
            Self::Push(e) => e.fmt(f),
            Self::NotTeams => f.write_str(
                "not a Teams Workflows webhook (https://....logic.azure.com/workflows/... or https://....api.powerplatform.com/.../workflows/...)",
            ),
            Self::NotSubscribable => f.write_str(
                "Mastodon and Bluesky are the page's own accounts (set under /social), not a subscriber's channel",
            ),
        }
    }
}

impl std::error::Error for AddressError {}

impl Address {
    /// Validates and normalizes `raw` for `channel`: email syntax (domain lowercased), E.164 phone
    /// (`+` and 8 to 15 digits; spaces, dashes, dots and parentheses are dropped), https webhook URL on
    /// a public host name, Slack incoming webhook, a browser's https push endpoint.
    pub fn parse(channel: SubscriberChannel, raw: &str) -> Result<Address, AddressError> {
        Self::parse_for(channel, raw, false)
    }

    /// As `parse`; with `loopback`, webhook and Slack URLs may also point at this machine over
    /// plain HTTP (`http://127.0.0.1:8788/...`), for local development against a provider sink.
    /// Production never sets it.
    pub fn parse_for(
        channel: SubscriberChannel,
        raw: &str,
        loopback: bool,
    ) -> Result<Address, AddressError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(AddressError::Empty);
        }
        if raw.len() > MAX_ADDRESS_LEN {
            return Err(AddressError::TooLong);
        }
        let value = match channel {
            SubscriberChannel::Email => email(raw)?,
            SubscriberChannel::Sms => phone(raw)?,
            SubscriberChannel::Webhook => match local(raw, loopback) {
                Some(url) => url.to_string(),
                None => webhook(raw)?.to_string(),
            },
            SubscriberChannel::Slack => {
                if let Some(url) = local(raw, loopback) {
                    return Ok(Address {
                        channel,
                        value: url.to_string(),
                    });
                }
                let url = webhook(raw)?;
                if url.host_str() != Some("hooks.slack.com")
                    || !url.path().starts_with("/services/")
                {
                    return Err(AddressError::NotSlack);
                }
                url.to_string()
            }
            SubscriberChannel::Push => crate::webpush::endpoint(raw, loopback)
                .map_err(AddressError::Push)?
                .to_string(),
            SubscriberChannel::Teams => {
                if let Some(url) = local(raw, loopback) {
                    return Ok(Address {
                        channel,
                        value: url.to_string(),
                    });
                }
                let url = webhook(raw)?;
                let host = url.host_str().unwrap_or_default();
                let workflows =
                    host.ends_with(".logic.azure.com") || host.ends_with(".api.powerplatform.com");
                if !workflows || !url.path().contains("/workflows/") {
                    return Err(AddressError::NotTeams);
                }
                url.to_string()
            }
            SubscriberChannel::Mastodon | SubscriberChannel::Bluesky => {
                return Err(AddressError::NotSubscribable)
            }
        };
        // Normalizing can lengthen a value (a URL's percent-encoding): the stored form must fit too,
        // or a stored address would fail its own validation.
        if value.len() > MAX_ADDRESS_LEN {
            return Err(AddressError::TooLong);
        }
        Ok(Address { channel, value })
    }
}

/// A Mastodon server's base URL, checked as a webhook's is (https on a public host name; plain
/// HTTP on the loopback only with `loopback`, for a local sink), without its trailing slash.
pub fn social_server(raw: &str, loopback: bool) -> Result<String, AddressError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(AddressError::Empty);
    }
    if raw.len() > MAX_ADDRESS_LEN {
        return Err(AddressError::TooLong);
    }
    let url = match local(raw, loopback) {
        Some(url) => url,
        None => webhook(raw)?,
    };
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl Address {
    /// Whether two addresses reach the same inbox or endpoint. Email local parts are compared without
    /// case: providers treat them so, and one person must not end up subscribed twice.
    pub fn same_as(&self, other: &Address) -> bool {
        self.channel == other.channel
            && match self.channel {
                SubscriberChannel::Email => self.value.eq_ignore_ascii_case(&other.value),
                _ => self.value == other.value,
            }
    }
}

impl Address {
    /// The address as an admin list shows it: enough to recognise, not enough to copy
    /// (`j***@example.com`, `+41******800`, a webhook's host only).
    pub fn masked(&self) -> String {
        match self.channel {
            SubscriberChannel::Email => match self.value.split_once('@') {
                Some((local, domain)) => {
                    let first: String = local.chars().take(1).collect();
                    format!("{first}***@{domain}")
                }
                None => "***".into(),
            },
            SubscriberChannel::Sms => {
                let n = self.value.len();
                let head: String = self.value.chars().take(3).collect();
                let tail: String = self.value.chars().skip(n.saturating_sub(3)).collect();
                format!("{head}{}{tail}", "*".repeat(n.saturating_sub(6)))
            }
            // A social account's address is its server, or its handle already masked.
            SubscriberChannel::Mastodon | SubscriberChannel::Bluesky => self.value.clone(),
            SubscriberChannel::Webhook
            | SubscriberChannel::Slack
            | SubscriberChannel::Push
            | SubscriberChannel::Teams => url::Url::parse(&self.value)
                .ok()
                .and_then(|u| u.host_str().map(|h| format!("https://{h}/***")))
                .unwrap_or_else(|| "***".into()),
        }
    }
}

fn email(raw: &str) -> Result<String, AddressError> {
    use email_address::{EmailAddress, Options};
    let options = Options::default()
        .without_display_text()
        .without_domain_literal()
        .with_required_tld();
    let parsed = EmailAddress::parse_with_options(raw, options)
        .map_err(|e| AddressError::Email(e.to_string()))?;
    if parsed.as_str().len() > 254 {
        return Err(AddressError::Email("longer than 254 characters".into()));
    }
    Ok(format!(
        "{}@{}",
        parsed.local_part(),
        parsed.domain().to_ascii_lowercase()
    ))
}

/// E.164: a `+`, a country code that does not start with 0, at most 15 digits in all. Fewer than 8
/// digits is no real subscriber number.
fn phone(raw: &str) -> Result<String, AddressError> {
    let rest = raw.strip_prefix('+').ok_or(AddressError::Phone(
        "must start with + and the country code",
    ))?;
    let mut digits = String::from("+");
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(AddressError::Phone("only digits may follow the +")),
        }
    }
    let n = digits.len() - 1;
    if digits.as_bytes().get(1) == Some(&b'0') {
        return Err(AddressError::Phone("a country code never starts with 0"));
    }
    if !(8..=15).contains(&n) {
        return Err(AddressError::Phone("must have 8 to 15 digits"));
    }
    Ok(digits)
}

/// A loopback URL, when `allowed` (local development only).
fn local(raw: &str, allowed: bool) -> Option<url::Url> {
    if !allowed {
        return None;
    }
    let url = url::Url::parse(raw).ok()?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    (loopback && matches!(url.scheme(), "http" | "https")).then_some(url)
}

fn webhook(raw: &str) -> Result<url::Url, AddressError> {
    let url = url::Url::parse(raw).map_err(|e| AddressError::Url(e.to_string()))?;
    if url.scheme() != "https" {
        return Err(AddressError::NotHttps);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AddressError::Url("credentials in the URL".into()));
    }
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.');
            let private = !d.contains('.')
                || [".localhost", ".local", ".internal", ".lan", ".home.arpa"]
                    .iter()
                    .any(|s| d.ends_with(s));
            if private {
                return Err(AddressError::PrivateHost);
            }
        }
        // IP literals are refused: a webhook must name a host, and this keeps private ranges out.
        _ => return Err(AddressError::PrivateHost),
    }
    Ok(url)
}

/// The page's key for suppression hashes (an HMAC-SHA256 key): random, kept by the page object
/// with its other secrets, set on the commands that hash addresses (`Command::keyed`) and never
/// serialized with them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SuppressionKey(Vec<u8>);

impl SuppressionKey {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for SuppressionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SuppressionKey(..)")
    }
}

/// What an unsubscribed address is kept as: an HMAC of the channel and address under the page's
/// key, enough to recognise the address again (so an import cannot re-add someone who left) and
/// nothing more. Keyed, so that a phone number cannot be found by hashing every possible one.
pub fn suppression_hash(key: &SuppressionKey, a: &Address) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(&key.0).expect("HMAC takes a key of any length");
    mac.update(format!("{}\n{}", a.channel.as_str(), a.value.to_lowercase()).as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{SUPPRESSED_PREFIX}{hex}")
}

/// Prefix of an unsubscribed subscriber's address value.
pub const SUPPRESSED_PREFIX: &str = "hmac:";

/// What suppression hashes were before they were keyed: a plain SHA-256 of the page, channel and
/// address. Still recognised; replaced by the keyed hash when the address is seen again.
pub fn legacy_suppression_hash(page_id: &str, a: &Address) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(
        format!(
            "{page_id}\n{}\n{}",
            a.channel.as_str(),
            a.value.to_lowercase()
        )
        .as_bytes(),
    );
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Whether the stored `value` of an unsubscribed subscriber of page `page_id` is address `a`.
pub fn suppresses(value: &str, key: &SuppressionKey, page_id: &str, a: &Address) -> bool {
    value == suppression_hash(key, a) || value == legacy_suppression_hash(page_id, a)
}

impl Subscriber {
    /// Whether a message about `components` with `visibility`, sent on `channels` (empty: all), is
    /// for this subscriber.
    pub fn wants(
        &self,
        components: &[String],
        visibility: &Visibility,
        channels: &[Channel],
    ) -> bool {
        self.state == SubscriptionState::Confirmed
            && visibility.admits(&self.segments)
            && (channels.is_empty() || channels.contains(&self.address.channel.channel()))
            && (self.components.is_empty()
                || components.is_empty()
                || self.components.iter().any(|c| components.contains(c)))
    }
}

/// Why a message goes to a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// News about an incident, maintenance, notice or component.
    Notification,
    /// "Please confirm your subscription."
    Confirmation,
    /// "You are already subscribed; manage your subscription here."
    Manage,
}

/// One message to send: to whom, where, and where to fall back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub subscriber_id: String,
    pub address: Address,
    pub fallback: Option<Address>,
    pub locale: Option<String>,
    pub purpose: Purpose,
    pub format: crate::model::WebhookFormat,
}

fn recipient(s: &Subscriber, purpose: Purpose) -> Recipient {
    Recipient {
        subscriber_id: s.id.clone(),
        address: s.address.clone(),
        fallback: s.fallback.clone(),
        locale: s.locale.clone(),
        purpose,
        format: s.format,
    }
}

/// How many subscribers `events` notify on each channel, in `SubscriberChannel::SUBSCRIBABLE` order (zeros
/// included): what a dry run answers before a change is published. `state` is the state after them.
pub fn fan_out(state: &State, events: &[Event]) -> Vec<(SubscriberChannel, usize)> {
    let mut reached: std::collections::BTreeSet<(SubscriberChannel, String)> = Default::default();
    for e in events {
        for r in recipients(state, e) {
            reached.insert((r.address.channel, r.subscriber_id));
        }
    }
    SubscriberChannel::SUBSCRIBABLE
        .into_iter()
        .map(|c| (c, reached.iter().filter(|(rc, _)| *rc == c).count()))
        .collect()
}

/// Who must be told about `event` in `state` (the state after the event): confirmed subscribers whose
/// components, segments and channel match. Events that do not notify have no recipients.
pub fn recipients(state: &State, event: &Event) -> Vec<Recipient> {
    if !event.notifies() {
        return Vec::new();
    }
    let one = |id: &str, purpose| {
        state
            .subscriber(id)
            .map(|s| vec![recipient(s, purpose)])
            .unwrap_or_default()
    };
    let (components, visibility, channels): (Vec<String>, Visibility, Vec<Channel>) = match event {
        Event::SubscriptionRequested { subscriber_id } => {
            return one(subscriber_id, Purpose::Confirmation)
        }
        Event::SubscriptionExists { subscriber_id } => return one(subscriber_id, Purpose::Manage),
        Event::IncidentOpened {
            incident_id,
            update_id,
            ..
        }
        | Event::IncidentUpdated {
            incident_id,
            update_id,
            ..
        }
        | Event::IncidentResolved {
            incident_id,
            update_id,
            ..
        }
        | Event::IncidentReopened {
            incident_id,
            update_id,
            ..
        } => {
            let Some(i) = state.incident(incident_id) else {
                return Vec::new();
            };
            let u = i.updates.iter().find(|u| &u.id == update_id);
            // Everyone who heard about the incident hears that a component left it, so use the
            // union of this update's components and the previous ones.
            let mut ids: Vec<String> = Vec::new();
            for upd in &i.updates {
                for a in &upd.components {
                    if !ids.contains(&a.id) {
                        ids.push(a.id.clone());
                    }
                }
            }
            let channels = u.map(|u| u.channels.clone()).unwrap_or_default();
            (ids, i.visibility.clone(), channels)
        }
        Event::PostmortemPublished { incident_id, .. } => {
            let Some(i) = state.incident(incident_id) else {
                return Vec::new();
            };
            let ids = i.components().iter().map(|a| a.id.clone()).collect();
            (ids, i.visibility.clone(), vec![])
        }
        Event::ComponentStatusChanged { component_id, .. } => {
            (vec![component_id.clone()], Visibility::Public, vec![])
        }
        Event::MaintenanceScheduled { maintenance_id, .. }
        | Event::MaintenanceUpdated { maintenance_id, .. } => {
            let Some(m) = state.maintenance(maintenance_id) else {
                return Vec::new();
            };
            (m.components.clone(), m.visibility.clone(), vec![])
        }
        Event::NoticePublished { notice_id, .. } => {
            let Some(n) = state.notice(notice_id) else {
                return Vec::new();
            };
            (n.components.clone(), n.visibility.clone(), vec![])
        }
        _ => return Vec::new(),
    };
    // Statuspage has no notices: a webhook that reads its format is not sent them.
    let statuspage_lacks = matches!(event, Event::NoticePublished { .. });
    state
        .subscribers
        .iter()
        .filter(|s| s.wants(&components, &visibility, &channels))
        .filter(|s| {
            !(statuspage_lacks
                && s.format == crate::model::WebhookFormat::Statuspage
                && s.address.channel == SubscriberChannel::Webhook)
        })
        .map(|s| recipient(s, Purpose::Notification))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    mod suppression {
        use crate::command::{ImportSubscribers, ImportedSubscriber};
        use crate::testkit::{run, state, subscription, NOW};
        use crate::{
            apply, Command, Confirm, Event, SubscriberChannel, SubscriptionState, Unsubscribe,
        };

        use super::super::{
            legacy_suppression_hash, suppresses, suppression_hash, Address, SuppressionKey,
        };

        #[test]
        fn the_hash_is_keyed_per_page_and_the_old_plain_one_still_recognised() {
            let phone = Address::parse(SubscriberChannel::Sms, "+4915112345678").unwrap();
            let (k1, k2) = (
                SuppressionKey::new(b"page one key".to_vec()),
                SuppressionKey::new(b"page two key".to_vec()),
            );
            let h = suppression_hash(&k1, &phone);
            assert!(h.starts_with("hmac:") && h.len() == 5 + 64, "{h}");
            // Without the page's key, hashing every phone number finds nothing.
            assert_ne!(h, suppression_hash(&k2, &phone));
            assert_ne!(h, legacy_suppression_hash("p", &phone));
            assert!(suppresses(&h, &k1, "p", &phone));
            assert!(!suppresses(&h, &k2, "p", &phone));
            let other = Address::parse(SubscriberChannel::Sms, "+4915112345679").unwrap();
            assert!(!suppresses(&h, &k1, "p", &other));
            // Stored before keys: still recognised.
            assert!(suppresses(
                &legacy_suppression_hash("p", &phone),
                &k1,
                "p",
                &phone
            ));
            assert_eq!(format!("{k1:?}"), "SuppressionKey(..)");
        }

        fn row(id: &str, channel: SubscriberChannel, address: &str) -> ImportedSubscriber {
            ImportedSubscriber {
                id: id.into(),
                channel,
                address: address.into(),
                components: vec!["API".into(), "nope".into()],
            }
        }

        #[test]
        fn a_move_replaces_the_old_address_only_once_confirmed() {
            let (s, _) = run(
                &state(),
                vec![
                    (
                        Command::Subscribe(subscription(
                            "old",
                            SubscriberChannel::Email,
                            "ann@example.com",
                        )),
                        NOW,
                    ),
                    (
                        Command::Confirm(Confirm {
                            subscriber_id: "old".into(),
                        }),
                        NOW,
                    ),
                ],
            );
            let moving = |id: &str, replaces: &str| {
                Command::Subscribe(crate::command::Subscribe {
                    replaces: Some(replaces.into()),
                    ..subscription(id, SubscriberChannel::Sms, "+4915112345678")
                })
            };
            let (pending, ev) = apply(&s, moving("new", "old"), NOW).unwrap();
            assert_eq!(
                ev,
                vec![Event::SubscriptionRequested {
                    subscriber_id: "new".into()
                }]
            );
            assert_eq!(
                pending.subscriber("old").unwrap().state,
                SubscriptionState::Confirmed,
                "the old address keeps getting updates until the new one is confirmed"
            );
            let (moved, ev) = apply(
                &pending,
                Command::Confirm(Confirm {
                    subscriber_id: "new".into(),
                }),
                NOW,
            )
            .unwrap();
            assert_eq!(
                ev,
                vec![
                    Event::SubscriptionConfirmed {
                        subscriber_id: "new".into()
                    },
                    Event::SubscriptionMoved {
                        from: "old".into(),
                        to: "new".into()
                    }
                ]
            );
            assert!(moved.subscriber("old").is_none(), "nothing of it is kept");
            let new = moved.subscriber("new").unwrap();
            assert_eq!(new.state, SubscriptionState::Confirmed);
            assert_eq!(new.replaces, None);
            assert!(
                apply(&moved, moving("newer", "old"), NOW).is_err(),
                "a subscriber that is gone cannot move"
            );
        }

        #[test]
        fn unsubscribing_keeps_only_a_hash_and_imports_respect_it() {
            let (s, _) = run(
                &state(),
                vec![
                    (
                        Command::Subscribe(subscription(
                            "a",
                            SubscriberChannel::Email,
                            "Ann@Example.com",
                        )),
                        NOW,
                    ),
                    (
                        Command::Confirm(Confirm {
                            subscriber_id: "a".into(),
                        }),
                        NOW,
                    ),
                    (
                        Command::Unsubscribe(Unsubscribe {
                            subscriber_id: "a".into(),
                            ..Default::default()
                        }),
                        NOW,
                    ),
                ],
            );
            let a = s.subscriber("a").unwrap();
            assert_eq!(a.state, SubscriptionState::Unsubscribed);
            assert!(a.address.value.starts_with(super::super::SUPPRESSED_PREFIX));
            let stored = serde_json::to_string(&s).unwrap();
            assert!(
                !stored.to_lowercase().contains("ann@example.com"),
                "{stored}"
            );

            let import = ImportSubscribers {
                rows: vec![
                    row("i1", SubscriberChannel::Email, "ann@example.com"),
                    row("i2", SubscriberChannel::Email, "bob@example.com"),
                    row("i3", SubscriberChannel::Email, "BOB@example.com"),
                    row("i4", SubscriberChannel::Email, "not an address"),
                    row("i5", SubscriberChannel::Sms, "+4915112345678"),
                ],
                loopback_hooks: false,
                suppression: Default::default(),
            };
            let (after, events) = apply(&s, Command::ImportSubscribers(import), NOW).unwrap();
            match &events[0] {
                Event::SubscribersImported {
                    added,
                    duplicates,
                    suppressed,
                    invalid,
                } => {
                    assert_eq!((*added, *duplicates, *suppressed), (2, 1, 1));
                    assert_eq!(invalid.len(), 1);
                    assert_eq!(invalid[0].row, 4);
                }
                other => panic!("{other:?}"),
            }
            let bob = after.subscriber("i2").unwrap();
            assert_eq!(bob.state, SubscriptionState::Confirmed);
            assert_eq!(bob.components, vec!["api".to_string()]);
            assert!(
                after.subscriber("i1").is_none(),
                "the suppressed address stays out"
            );

            // The person may come back on their own: the same record, pending again.
            let (back, ev) = apply(
                &after,
                Command::Subscribe(subscription(
                    "z",
                    SubscriberChannel::Email,
                    "ann@example.com",
                )),
                NOW,
            )
            .unwrap();
            assert_eq!(
                ev,
                vec![Event::SubscriptionRequested {
                    subscriber_id: "a".into()
                }]
            );
            assert_eq!(
                back.subscriber("a").unwrap().address.value,
                "ann@example.com"
            );
        }
    }

    /// Browser push: confirmed by subscribing (the permission prompt was the consent), asked
    /// again it takes the new components, after leaving it comes back confirmed; never a fallback.
    #[test]
    fn a_browser_is_subscribed_without_a_confirmation_message() {
        use crate::command::{Subscribe, Unsubscribe};
        use crate::testkit::{state, subscription, NOW};
        use crate::{apply, Command, Event};
        let endpoint = "https://push.example.net/send/abc";
        let (s, ev) = apply(
            &state(),
            Command::Subscribe(Subscribe {
                components: vec!["api".into()],
                ..subscription("b", Push, endpoint)
            }),
            NOW,
        )
        .unwrap();
        assert_eq!(
            ev,
            vec![Event::SubscriptionConfirmed {
                subscriber_id: "b".into()
            }]
        );
        assert!(
            ev.iter().all(|e| recipients(&s, e).is_empty()),
            "no message"
        );
        let b = s.subscriber("b").unwrap();
        assert_eq!(b.state, SubscriptionState::Confirmed);
        assert_eq!(b.confirmed_at, Some(NOW));
        assert_eq!(b.address.masked(), "https://push.example.net/***");
        let again = Command::Subscribe(Subscribe {
            components: vec!["billing".into()],
            ..subscription("b2", Push, endpoint)
        });
        let (s2, ev) = apply(&s, again.clone(), NOW).unwrap();
        assert_eq!(
            ev,
            vec![Event::SubscriptionChanged {
                subscriber_id: "b".into()
            }]
        );
        assert_eq!(s2.subscriber("b").unwrap().components, vec!["billing"]);
        let (gone, _) = apply(
            &s2,
            Command::Unsubscribe(Unsubscribe {
                subscriber_id: "b".into(),
                ..Default::default()
            }),
            NOW,
        )
        .unwrap();
        assert_eq!(
            gone.subscriber("b").unwrap().state,
            SubscriptionState::Unsubscribed
        );
        let (back, ev) = apply(&gone, again, NOW).unwrap();
        assert_eq!(
            ev,
            vec![Event::SubscriptionConfirmed {
                subscriber_id: "b".into()
            }]
        );
        assert_eq!(back.subscriber("b").unwrap().address.value, endpoint);
        for (channel, address, field, why) in [
            (
                Push,
                "http://push.example.net/x",
                "address",
                "must use https",
            ),
            (Email, "a@example.com", "fallback", "cannot be a fallback"),
        ] {
            let cmd = Subscribe {
                fallback: (channel == Email).then(|| (Push, endpoint.to_owned())),
                ..subscription("c", channel, address)
            };
            let e = apply(&state(), Command::Subscribe(cmd), NOW).unwrap_err();
            let text = format!("{e:?}");
            assert!(text.contains(field) && text.contains(why), "{text}");
        }
    }

    #[test]
    fn loopback_hooks_only_when_allowed() {
        let local = "http://127.0.0.1:9000/hooks/ok/x";
        for ch in [SubscriberChannel::Webhook, SubscriberChannel::Slack] {
            assert!(
                Address::parse(ch, local).is_err(),
                "{ch:?} refuses loopback"
            );
            let a = Address::parse_for(ch, local, true).expect("allowed in development");
            assert_eq!(a.value, local);
        }
        // The flag opens loopback only, never other plain-HTTP or private hosts.
        assert!(
            Address::parse_for(SubscriberChannel::Webhook, "http://example.com/h", true).is_err()
        );
        assert!(
            Address::parse_for(SubscriberChannel::Webhook, "https://10.0.0.1/h", true).is_err()
        );
    }

    #[test]
    fn channel_names_match_the_wire() {
        for c in SubscriberChannel::ALL {
            let wire = serde_json::to_value(c).unwrap();
            assert_eq!(wire.as_str(), Some(c.as_str()));
            assert_eq!(SubscriberChannel::from_name(c.as_str()), Some(c));
        }
        assert_eq!(SubscriberChannel::from_name("fax"), None);
    }
    use SubscriberChannel::*;

    #[test]
    fn addresses_table() {
        let cases: &[(SubscriberChannel, &str, Result<&str, &str>)] = &[
            (Email, "ops@Example.COM", Ok("ops@example.com")),
            (
                Email,
                " first.last+tag@sub.example.org ",
                Ok("first.last+tag@sub.example.org"),
            ),
            (
                Email,
                "no-at-sign.example.com",
                Err("not a valid email address"),
            ),
            (Email, "someone@localhost", Err("not a valid email address")),
            (
                Email,
                "Name <n@example.com>",
                Err("not a valid email address"),
            ),
            (Email, "a@[127.0.0.1]", Err("not a valid email address")),
            (Email, "", Err("must not be empty")),
            (Sms, "+41 44 668 18 00", Ok("+41446681800")),
            (Sms, "+1 (415) 555-0100", Ok("+14155550100")),
            (Sms, "0044 20 7946 0000", Err("must start with +")),
            (Sms, "+0123456789", Err("never starts with 0")),
            (Sms, "+1234567", Err("8 to 15 digits")),
            (Sms, "+1234567890123456", Err("8 to 15 digits")),
            (Sms, "+44 20 7946 000x", Err("only digits")),
            (
                Webhook,
                "https://hooks.example.com/herald",
                Ok("https://hooks.example.com/herald"),
            ),
            (Webhook, "http://hooks.example.com/herald", Err("https")),
            (Webhook, "https://10.0.0.1/hook", Err("public host")),
            (Webhook, "https://[::1]/hook", Err("public host")),
            (Webhook, "https://localhost/hook", Err("public host")),
            (Webhook, "https://db.internal/hook", Err("public host")),
            (
                Webhook,
                "https://user:pw@example.com/hook",
                Err("credentials"),
            ),
            (Webhook, "not a url", Err("not a valid URL")),
            (
                Slack,
                "https://hooks.slack.com/services/T0/B0/XYZ",
                Ok("https://hooks.slack.com/services/T0/B0/XYZ"),
            ),
            (Slack, "https://example.com/services/T0", Err("Slack")),
        ];
        for (channel, raw, want) in cases {
            let got = Address::parse(*channel, raw);
            match (want, got) {
                (Ok(v), Ok(a)) => assert_eq!(&a.value, v, "{raw}"),
                (Err(msg), Err(e)) => {
                    assert!(e.to_string().contains(msg), "{raw}: {e} lacks {msg:?}")
                }
                (want, got) => panic!("{raw}: want {want:?}, got {got:?}"),
            }
        }
    }

    /// Regression (found by the `addresses` fuzz target): a webhook URL just under the limit grew past
    /// it when percent-encoded, so the stored address no longer parsed.
    #[test]
    fn a_url_that_grows_past_the_limit_when_normalized_is_refused() {
        let raw = format!(
            "https://hooks.example.com/{}",
            "\"".repeat(MAX_ADDRESS_LEN - 40)
        );
        assert!(raw.len() <= MAX_ADDRESS_LEN);
        assert_eq!(Address::parse(Webhook, &raw), Err(AddressError::TooLong));
        let ok = format!(
            "https://hooks.example.com/{}",
            "a".repeat(MAX_ADDRESS_LEN - 40)
        );
        let a = Address::parse(Webhook, &ok).unwrap();
        assert_eq!(Address::parse(Webhook, &a.value), Ok(a));
    }

    #[test]
    fn masked_addresses() {
        let cases = [
            (Email, "jane.doe@example.com", "j***@example.com"),
            (Sms, "+41446681800", "+41******800"),
            (
                Webhook,
                "https://hooks.example.com/x/secret",
                "https://hooks.example.com/***",
            ),
        ];
        for (ch, raw, want) in cases {
            assert_eq!(Address::parse(ch, raw).unwrap().masked(), want);
        }
    }

    /// Who hears about what: each subscriber's setup, then for each event the ids notified.
    #[test]
    fn recipients_table() {
        use crate::command::*;
        use crate::model::{Impact, IncidentStatus, NoticeKind};
        use crate::testkit::*;
        let subs = [
            ("all", Email, "all@example.com", vec![], vec![]),
            ("api-only", Email, "api@example.com", vec!["api"], vec![]),
            ("billing-sms", Sms, "+41446681800", vec!["billing"], vec![]),
            (
                "ent",
                Email,
                "ent@example.com",
                vec![],
                vec!["plan:enterprise"],
            ),
            ("pending", Email, "p@example.com", vec![], vec![]),
            // Confirmed by subscribing: the browser's permission was the consent.
            (
                "browser",
                Push,
                "https://push.example.net/send/abc",
                vec!["billing"],
                vec![],
            ),
        ];
        let mut steps = Vec::new();
        for (id, ch, addr, comps, seg) in &subs {
            steps.push((
                Command::Subscribe(Subscribe {
                    components: comps.iter().map(|c| c.to_string()).collect(),
                    segments: segs(seg),
                    ..subscription(id, *ch, addr)
                }),
                NOW,
            ));
            if *id != "pending" && *ch != Push {
                steps.push((
                    Command::Confirm(Confirm {
                        subscriber_id: id.to_string(),
                    }),
                    NOW,
                ));
            }
        }
        let (s, _) = run(&state(), steps);
        let on = |cmd: Command| {
            let (s2, ev) = apply(&s, cmd, NOW + mins(1)).unwrap();
            let mut ids: Vec<String> = recipients(&s2, &ev[0])
                .into_iter()
                .map(|r| r.subscriber_id)
                .collect();
            ids.sort();
            ids
        };
        let cases: Vec<(Command, Vec<&str>)> = vec![
            (
                Command::OpenIncident(open("i", Impact::Major)),
                vec!["all", "api-only", "ent"],
            ),
            (
                Command::OpenIncident(OpenIncident {
                    components: vec!["billing".into()],
                    ..open("i", Impact::Major)
                }),
                vec!["all", "billing-sms", "browser", "ent"],
            ),
            (
                Command::OpenIncident(OpenIncident {
                    components: vec!["billing".into()],
                    channels: vec![Channel::Email],
                    ..open("i", Impact::Major)
                }),
                vec!["all", "ent"],
            ),
            (
                Command::OpenIncident(OpenIncident {
                    visibility: Visibility::Segments(segs(&["plan:enterprise"])),
                    ..open("i", Impact::Major)
                }),
                vec!["ent"],
            ),
            (
                Command::OpenIncident(OpenIncident {
                    components: vec![],
                    ..open("i", Impact::Major)
                }),
                vec!["all", "api-only", "billing-sms", "browser", "ent"],
            ),
            (
                Command::OpenIncident(OpenIncident {
                    silent: true,
                    ..open("i", Impact::Major)
                }),
                vec![],
            ),
            (
                Command::PublishNotice(notice("n", NoticeKind::Other, hours(1))),
                vec!["all", "api-only", "billing-sms", "browser", "ent"],
            ),
            (
                Command::SetComponentStatus(SetComponentStatus {
                    component_id: "billing".into(),
                    status: crate::model::ComponentStatus::MajorOutage,
                    notify: true,
                }),
                vec!["all", "billing-sms", "browser", "ent"],
            ),
            (
                Command::Subscribe(subscription("new", Email, "new@example.com")),
                vec!["new"],
            ),
            (
                Command::Subscribe(subscription("again", Email, "ALL@example.com")),
                vec!["all"],
            ),
            (
                Command::Unsubscribe(Unsubscribe {
                    subscriber_id: "all".into(),
                    ..Default::default()
                }),
                vec![],
            ),
        ];
        for (cmd, want) in cases {
            let dbg = format!("{cmd:?}");
            assert_eq!(on(cmd), want, "{dbg}");
        }
        // The dry run's count: the same recipients, by channel.
        let count = |cmd: Command| {
            let (s2, ev) = apply(&s, cmd, NOW + mins(1)).unwrap();
            fan_out(&s2, &ev)
        };
        let billing = OpenIncident {
            components: vec!["billing".into()],
            ..open("i", Impact::Major)
        };
        assert_eq!(
            count(Command::OpenIncident(billing.clone())),
            vec![
                (Email, 2),
                (Sms, 1),
                (Webhook, 0),
                (Slack, 0),
                (Push, 1),
                (Teams, 0)
            ]
        );
        assert_eq!(
            count(Command::OpenIncident(OpenIncident {
                silent: true,
                ..billing
            })),
            vec![
                (Email, 0),
                (Sms, 0),
                (Webhook, 0),
                (Slack, 0),
                (Push, 0),
                (Teams, 0)
            ]
        );
        // Someone who followed the incident hears that it is resolved, even after the components change.
        let (s2, _) = apply(&s, Command::OpenIncident(open("i", Impact::Major)), NOW).unwrap();
        let narrowed = Command::PostUpdate(PostUpdate {
            components: Some(vec!["billing".into()]),
            ..update("i", "i-2", IncidentStatus::Resolved)
        });
        let (s3, ev) = apply(&s2, narrowed, NOW).unwrap();
        let ids: Vec<String> = recipients(&s3, &ev[0])
            .into_iter()
            .map(|r| r.subscriber_id)
            .collect();
        assert!(ids.contains(&"api-only".to_string()), "{ids:?}");
        assert!(ids.contains(&"billing-sms".to_string()), "{ids:?}");
    }

    #[test]
    fn the_language_asked_for_is_kept_when_the_page_offers_it() {
        let mut page = crate::model::Page::new("acme", "Acme");
        page.locales = vec!["en".into(), "de".into(), "pt-BR".into()];
        // (asked, answer)
        let cases: &[(&str, Result<Option<&str>, &str>)] = &[
            ("", Ok(None)),
            ("  ", Ok(None)),
            ("de", Ok(Some("de"))),
            ("de-AT", Ok(Some("de"))),
            ("DE", Ok(Some("de"))),
            ("pt_BR", Ok(Some("pt-BR"))),
            ("pt-PT", Ok(Some("pt-BR"))),
            ("fr", Ok(None)),
            ("zh-Hant-TW", Ok(None)),
            ("german!", Err("not a language tag")),
            ("d", Err("not a language tag")),
            ("de--AT", Err("not a language tag")),
            ("1e", Err("not a language tag")),
            ("de-abcdefghi", Err("not a language tag")),
        ];
        for (asked, want) in cases {
            let got = offered_locale(&page, asked);
            match (want, &got) {
                (Ok(w), Ok(g)) => assert_eq!(g.as_deref(), *w, "{asked:?}"),
                (Err(w), Err(g)) => assert!(g.contains(w), "{asked:?}: {g}"),
                _ => panic!("{asked:?}: want {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn the_statuspage_format_is_for_webhooks_which_hear_no_notices() {
        use crate::command::{Confirm, PublishNotice};
        use crate::testkit::{hours, notice, run, state, subscription, NOW};
        use crate::{apply, Command};
        let sp = |id: &str, channel, address: &str| {
            Command::Subscribe(crate::command::Subscribe {
                format: WebhookFormat::Statuspage,
                loopback_hooks: true,
                ..subscription(id, channel, address)
            })
        };
        let err = apply(
            &state(),
            sp("e", SubscriberChannel::Email, "a@example.com"),
            NOW,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("format") && err.contains("only a webhook"),
            "{err}"
        );
        let confirm = |id: &str| {
            Command::Confirm(Confirm {
                subscriber_id: id.into(),
            })
        };
        let (s, _) = run(
            &state(),
            vec![
                (
                    sp(
                        "sp",
                        SubscriberChannel::Webhook,
                        "https://hooks.example.com/sp",
                    ),
                    NOW,
                ),
                (confirm("sp"), NOW),
                (
                    Command::Subscribe(subscription(
                        "own",
                        SubscriberChannel::Webhook,
                        "https://hooks.example.com/own",
                    )),
                    NOW,
                ),
                (confirm("own"), NOW),
            ],
        );
        assert_eq!(
            s.subscriber("sp").unwrap().format,
            WebhookFormat::Statuspage
        );
        let (s, ev) = run(
            &s,
            vec![(
                Command::PublishNotice(PublishNotice {
                    ..notice("n", crate::model::NoticeKind::PolicyChange, hours(24 * 15))
                }),
                NOW,
            )],
        );
        let to: Vec<String> = recipients(&s, &ev[0])
            .into_iter()
            .map(|r| r.subscriber_id)
            .collect();
        assert_eq!(to, ["own"]);
    }

    #[test]
    fn teams_addresses_are_workflows_webhooks() {
        let parse = |raw: &str, loopback| {
            Address::parse_for(SubscriberChannel::Teams, raw, loopback).map(|a| a.value)
        };
        let flow = "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=x";
        // The default port is dropped; nothing else changes.
        assert_eq!(
            parse(flow, false).as_deref(),
            Ok(flow.replace(":443", "").as_str())
        );
        let pp = "https://default1.ab.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?sig=x";
        assert!(parse(pp, false).is_ok());
        for bad in [
            "https://hooks.slack.com/services/T/B/x",
            "https://evil.example.com/workflows/abc",
            "https://prod-1.westeurope.logic.azure.com/other",
        ] {
            assert_eq!(parse(bad, false), Err(AddressError::NotTeams), "{bad}");
        }
        assert_eq!(
            parse("http://prod.logic.azure.com/workflows/x", false),
            Err(AddressError::NotHttps)
        );
        assert!(parse("http://127.0.0.1:9/teams/x", true).is_ok());
        assert!(parse("http://127.0.0.1:9/teams/x", false).is_err());
    }
}
