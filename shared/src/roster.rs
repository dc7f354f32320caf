//! The subscribers as a manager sees them: counts by state, channel and component; the list a page
//! at a time in a stable order (newest first) with a cursor that survives deletions; and one
//! subscriber found by the exact address, normalised as subscribing normalises it, never by a part.

use crate::model::{Address, State, Subscriber, SubscriberChannel, SubscriptionState};
use crate::wire::{ChannelCount, ComponentCount, StateCount, SubscriberCounts};
use crate::Timestamp;

/// The most subscribers one page of the list carries, and the default.
pub const MAX_LIMIT: usize = 500;
pub const DEFAULT_LIMIT: usize = 100;

/// How many subscribers `state` has, by state, channel and component; no address is read.
pub fn counts(state: &State) -> SubscriberCounts {
    let subs = &state.subscribers;
    let live = |s: &&Subscriber| s.state != SubscriptionState::Unsubscribed;
    let confirmed: Vec<&Subscriber> = subs
        .iter()
        .filter(|s| s.state == SubscriptionState::Confirmed)
        .collect();
    SubscriberCounts {
        total: subs.len(),
        states: SubscriptionState::ALL
            .into_iter()
            .map(|st| StateCount {
                state: st,
                subscribers: subs.iter().filter(|s| s.state == st).count(),
            })
            .collect(),
        channels: SubscriberChannel::SUBSCRIBABLE
            .into_iter()
            .map(|ch| ChannelCount {
                channel: ch,
                subscribers: subs
                    .iter()
                    .filter(live)
                    .filter(|s| s.address.channel == ch)
                    .count(),
            })
            .collect(),
        components: state
            .page
            .components
            .iter()
            .map(|c| ComponentCount {
                id: c.id.clone(),
                name: c.name.clone(),
                subscribers: confirmed
                    .iter()
                    .filter(|s| s.components.is_empty() || s.components.contains(&c.id))
                    .count(),
            })
            .collect(),
        every_component: confirmed.iter().filter(|s| s.components.is_empty()).count(),
    }
}

/// A position in the list: the last subscriber of a page, by when it was made and its id. It stays
/// valid when that subscriber is erased meanwhile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: Timestamp,
    pub id: String,
}

impl Cursor {
    pub fn of(s: &Subscriber) -> Self {
        Cursor {
            created_at: s.created_at,
            id: s.id.clone(),
        }
    }

    /// As it travels in `?after=`: the time in Unix nanoseconds, a dot, the id.
    pub fn text(&self) -> String {
        format!("{}.{}", self.created_at.unix_timestamp_nanos(), self.id)
    }

    /// Reads `text`'s form back; `None` for anything else.
    pub fn parse(text: &str) -> Option<Cursor> {
        let (nanos, id) = text.split_once('.')?;
        let valid_id = !id.is_empty()
            && id.len() <= crate::event::MAX_ID_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid_id || !nanos.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return None;
        }
        let created_at = Timestamp::from_unix_timestamp_nanos(nanos.parse().ok()?).ok()?;
        Some(Cursor {
            created_at,
            id: id.to_owned(),
        })
    }

    fn key(&self) -> (Timestamp, &str) {
        (self.created_at, &self.id)
    }
}

/// Which subscribers a list asks for, and which page of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub channel: Option<SubscriberChannel>,
    pub state: Option<SubscriptionState>,
    /// Those told about this component (who chose it, or chose none).
    pub component: Option<String>,
    pub limit: usize,
    /// The page after this position (the previous page's last subscriber).
    pub after: Option<Cursor>,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            channel: None,
            state: None,
            component: None,
            limit: DEFAULT_LIMIT,
            after: None,
        }
    }
}

/// Why a list request was refused: the parameter, and what to send instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub field: &'static str,
    pub detail: String,
}

impl Query {
    /// Reads the list's parameters (`channel`, `state`, `component`, `limit`, `after`) from
    /// name-value pairs; others are left to the caller.
    pub fn read<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Query, QueryError> {
        let mut q = Query::default();
        let bad = |field: &'static str, detail: String| QueryError { field, detail };
        for (name, value) in pairs {
            match name {
                "channel" => {
                    q.channel = Some(SubscriberChannel::from_name(value).ok_or_else(|| {
                        let names: Vec<&str> = SubscriberChannel::SUBSCRIBABLE
                            .iter()
                            .map(|c| c.as_str())
                            .collect();
                        bad(
                            "channel",
                            format!("channel {value:?}: use one of {}", names.join(", ")),
                        )
                    })?);
                }
                "state" => {
                    q.state = Some(SubscriptionState::from_name(value).ok_or_else(|| {
                        bad(
                            "state",
                            format!("state {value:?}: use pending, confirmed or unsubscribed"),
                        )
                    })?);
                }
                "component" => {
                    if value.is_empty() || value.len() > crate::event::MAX_ID_LEN {
                        return Err(bad(
                            "component",
                            format!("component {value:?}: use a component id"),
                        ));
                    }
                    q.component = Some(value.to_owned());
                }
                "limit" => {
                    q.limit = value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            bad("limit", format!("limit {value:?}: use 1 to {MAX_LIMIT}"))
                        })?;
                }
                "after" => {
                    q.after = Some(Cursor::parse(value).ok_or_else(|| {
                        bad(
                            "after",
                            format!("after {value:?}: use the cursor a page gave"),
                        )
                    })?);
                }
                _ => {}
            }
        }
        Ok(q)
    }

    fn admits(&self, s: &Subscriber) -> bool {
        self.channel.is_none_or(|c| s.address.channel == c)
            && self.state.is_none_or(|st| s.state == st)
            && self
                .component
                .as_ref()
                .is_none_or(|c| s.components.is_empty() || s.components.contains(c))
    }
}

/// One page of the list, newest first (ties by id, so the order is total), and the cursor of the
/// next page when there is one.
pub fn page<'a>(state: &'a State, q: &Query) -> (Vec<&'a Subscriber>, Option<Cursor>) {
    let mut chosen: Vec<&Subscriber> = state
        .subscribers
        .iter()
        .filter(|s| q.admits(s))
        .filter(|s| {
            q.after
                .as_ref()
                .is_none_or(|a| (s.created_at, s.id.as_str()) < a.key())
        })
        .collect();
    chosen.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    let more = chosen.len() > q.limit;
    chosen.truncate(q.limit);
    let next = more.then(|| chosen.last().map(|s| Cursor::of(s))).flatten();
    (chosen, next)
}

/// Why an address cannot be looked up: it is no address on the channel asked (or on any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnAddress(pub String);

/// The subscribers (still subscribed) at exactly `raw`, normalised for `channel` as subscribing
/// normalises it; without a channel, on every channel `raw` reads as. An unsubscribed subscriber
/// keeps no address, so is never found.
pub fn find<'a>(
    state: &'a State,
    channel: Option<SubscriberChannel>,
    raw: &str,
    loopback: bool,
) -> Result<Vec<&'a Subscriber>, NotAnAddress> {
    let tried: Vec<SubscriberChannel> = match channel {
        Some(c) => vec![c],
        None => SubscriberChannel::SUBSCRIBABLE.to_vec(),
    };
    let mut first_error = None;
    let mut addresses: Vec<Address> = Vec::new();
    for c in tried {
        match Address::parse_for(c, raw, loopback) {
            Ok(a) => addresses.push(a),
            Err(e) => {
                if first_error.is_none() {
                    first_error = Some(e.to_string());
                }
            }
        }
    }
    if addresses.is_empty() {
        let why = match channel {
            Some(_) => first_error.unwrap_or_default(),
            None => "not an email address, an E.164 phone number (+...) or an https URL".into(),
        };
        return Err(NotAnAddress(why));
    }
    Ok(state
        .subscribers
        .iter()
        .filter(|s| s.state != SubscriptionState::Unsubscribed)
        .filter(|s| addresses.iter().any(|a| s.address.same_as(a)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{mins, state, NOW};

    fn sub(
        id: &str,
        channel: SubscriberChannel,
        value: &str,
        st: SubscriptionState,
        at: i64,
    ) -> Subscriber {
        Subscriber {
            id: id.into(),
            address: Address {
                channel,
                value: value.into(),
            },
            fallback: None,
            components: vec![],
            segments: vec![],
            locale: None,
            state: st,
            created_at: NOW + mins(at),
            confirmed_at: None,
            unsubscribed_at: None,
            replaces: None,
            format: Default::default(),
        }
    }

    fn people() -> State {
        use SubscriberChannel::*;
        use SubscriptionState::*;
        let mut s = state();
        s.subscribers = vec![
            sub("sub_a", Email, "Ann@example.com", Confirmed, 1),
            sub("sub_b", Email, "bob@example.com", Pending, 2),
            sub("sub_c", Sms, "+4915112345678", Confirmed, 3),
            sub(
                "sub_d",
                Webhook,
                "https://hooks.example.com/x",
                Confirmed,
                3,
            ),
            sub("sub_e", Email, "5b1c0ffee", Unsubscribed, 4),
        ];
        s.subscribers[2].components = vec!["api".into()];
        s.subscribers[3].components = vec!["billing".into()];
        s
    }

    #[test]
    fn counts_by_state_channel_and_component() {
        let c = counts(&people());
        let show = format!(
            "total {} | {} | {} | {} | every {}",
            c.total,
            c.states
                .iter()
                .map(|s| format!("{} {}", s.state.as_str(), s.subscribers))
                .collect::<Vec<_>>()
                .join(", "),
            c.channels
                .iter()
                .map(|s| format!("{} {}", s.channel.as_str(), s.subscribers))
                .collect::<Vec<_>>()
                .join(", "),
            c.components
                .iter()
                .map(|s| format!("{} {}", s.id, s.subscribers))
                .collect::<Vec<_>>()
                .join(", "),
            c.every_component,
        );
        assert_eq!(
            show,
            "total 5 | pending 1, confirmed 3, unsubscribed 1 \
             | email 2, sms 1, webhook 1, slack 0, push 0, teams 0 \
             | api 2, dashboard 1, eu-west 1, billing 2 | every 1"
        );
    }

    fn ids(list: &[&Subscriber]) -> Vec<String> {
        list.iter().map(|s| s.id.clone()).collect()
    }

    #[test]
    fn pages_newest_first_with_a_cursor_that_survives_an_erasure() {
        let mut s = people();
        let q = Query {
            limit: 2,
            ..Query::default()
        };
        let (first, next) = page(&s, &q);
        assert_eq!(ids(&first), ["sub_e", "sub_d"]);
        let next = next.expect("a second page");
        // The cursor's subscriber is erased before the next page is asked for.
        s.subscribers.retain(|x| x.id != "sub_d");
        let text = next.text();
        let after = Cursor::parse(&text).expect("the cursor reads back");
        assert_eq!(after, next);
        let (second, next) = page(
            &s,
            &Query {
                after: Some(after),
                ..q.clone()
            },
        );
        assert_eq!(ids(&second), ["sub_c", "sub_b"]);
        let (third, last) = page(
            &s,
            &Query {
                after: next,
                ..q.clone()
            },
        );
        assert_eq!(ids(&third), ["sub_a"]);
        assert_eq!(last, None);
        // Exactly full: no next page.
        let (all, none) = page(&s, &Query { limit: 4, ..q });
        assert_eq!(all.len(), 4);
        assert_eq!(none, None);
    }

    #[test]
    fn filters_and_bad_parameters() {
        let s = people();
        let read = |pairs: &[(&str, &str)]| Query::read(pairs.iter().copied());
        let q = read(&[("channel", "email"), ("state", "confirmed")]).unwrap();
        assert_eq!(ids(&page(&s, &q).0), ["sub_a"]);
        let q = read(&[("component", "api")]).unwrap();
        assert_eq!(ids(&page(&s, &q).0), ["sub_e", "sub_c", "sub_b", "sub_a"]);
        let cases = [
            (("limit", "0"), "limit"),
            (("limit", "501"), "limit"),
            (("limit", "ten"), "limit"),
            (("channel", "pigeon"), "channel"),
            (("state", "gone"), "state"),
            (("after", "sub_a"), "after"),
            (("after", "12.a b"), "after"),
            (("component", ""), "component"),
        ];
        for ((name, value), field) in cases {
            let e = read(&[(name, value)]).unwrap_err();
            assert_eq!(e.field, field, "{name}={value}");
            assert!(e.detail.contains(value), "{}", e.detail);
        }
        assert_eq!(
            read(&[("limit", "500"), ("format", "x")]).unwrap().limit,
            500
        );
    }

    #[test]
    fn finds_the_exact_address_only() {
        let s = people();
        let found = |channel, raw: &str| find(&s, channel, raw, false).map(|v| ids(&v));
        // Normalised as subscribing normalises: the domain's case, the local part's case (one inbox),
        // a phone number's spacing.
        assert_eq!(found(None, " ann@EXAMPLE.com").unwrap(), ["sub_a"]);
        assert_eq!(found(None, "ANN@example.com").unwrap(), ["sub_a"]);
        assert_eq!(
            found(Some(SubscriberChannel::Sms), "+49 151 1234-5678").unwrap(),
            ["sub_c"]
        );
        assert_eq!(
            found(None, "https://hooks.example.com/x").unwrap(),
            ["sub_d"]
        );
        // Near misses find nobody: never a part of an address.
        for near in [
            "ann@example.co",
            "nn@example.com",
            "ann@example.com.au",
            "+491511234567",
            "https://hooks.example.com/",
        ] {
            assert_eq!(found(None, near).unwrap(), Vec::<String>::new(), "{near}");
        }
        // On another channel the same text is not that subscriber.
        assert!(found(Some(SubscriberChannel::Sms), "ann@example.com").is_err());
        // An unsubscribed row keeps only a hash: looking the hash up finds nothing.
        assert!(found(None, "5b1c0ffee").is_err());
        let e = found(None, "example.com").unwrap_err();
        assert!(e.0.contains("not an email address"), "{}", e.0);
    }
}
