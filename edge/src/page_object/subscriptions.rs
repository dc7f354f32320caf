//! The page object's side of subscriptions: subscribing (honeypot, per-IP and per-address rate
//! limits, double opt-in), the signed confirm, unsubscribe, manage and receipt links, and the
//! secrets they are signed with.

use herald_shared::delivery::NotificationKind;
use herald_shared::subscriber::SuppressionKey;
use herald_shared::subscriber::{SubscriberChannel, SubscriptionState};
use herald_shared::template::Locale;
use herald_shared::wire::internal::{
    Content, Job, JobRecipient, LinkOutcome, ManageComponent, ManageView, SubscribeCall,
};
use herald_shared::wire::{AuditChange, NotificationInfo, SubscribeAccepted};
use herald_shared::{Command, Confirm, Event, State as PageState, Subscribe, Unsubscribe};
use sha2::{Digest, Sha256};
use worker::Response;

use super::records::Records;
use super::store::AuditRecord;
use super::{json_response, new_id, now, random_bytes, stamp, unix_now, Loaded, PageObject};
use crate::error::{json, ApiError, ApiResult};
use crate::notify::token::{self, Purpose};

/// Name of the link-signing secret in the `secrets` table.
const LINK_SECRET: &str = "links";
/// Name of the page's suppression-hash key among its secrets.
const SUPPRESSION_KEY: &str = "suppression";

/// Subscription requests for one address allowed per minute, whoever sends them.
const PER_ADDRESS_PER_MINUTE: u32 = 3;

/// A pending subscriber asking again within this time gets no second confirmation.
const CONFIRMATION_QUIET: time::Duration = time::Duration::minutes(10);

/// A confirm, unsubscribe or manage link that does not (or no longer) lead anywhere.
fn invalid_link() -> ApiError {
    ApiError::client(
        404,
        "invalid-link",
        "This link is not valid",
        "the link is not valid, or the subscription no longer exists",
    )
}

impl PageObject {
    pub(super) fn link_secret(&self) -> ApiResult<Vec<u8>> {
        if let Some(s) = self.store.secret(LINK_SECRET)? {
            return Ok(s.into_bytes());
        }
        let s = hex::encode(random_bytes::<32>()?);
        self.store.set_secret(LINK_SECRET, &s)?;
        Ok(s.into_bytes())
    }

    /// The page's key for suppression hashes (made on first use, kept with the other secrets).
    fn suppression_key(&self) -> ApiResult<SuppressionKey> {
        if let Some(s) = self.store.secret(SUPPRESSION_KEY)? {
            return Ok(SuppressionKey::new(s.into_bytes()));
        }
        let s = hex::encode(random_bytes::<32>()?);
        self.store.set_secret(SUPPRESSION_KEY, &s)?;
        Ok(SuppressionKey::new(s.into_bytes()))
    }

    /// `shared::apply`, with the page's suppression key on the commands that hash addresses: every
    /// change the object makes goes through here.
    pub(super) fn apply(
        &self,
        state: &PageState,
        command: Command,
        at: herald_shared::Timestamp,
    ) -> ApiResult<(PageState, Vec<Event>)> {
        let command = command.keyed(&self.suppression_key()?);
        Ok(herald_shared::apply(state, command, at)?)
    }

    /// Writes a change made outside the admin API (public subscription endpoints) with its audit.
    pub(super) fn commit_public(
        &self,
        state: PageState,
        audit: &AuditRecord<'_>,
        events: &[Event],
    ) -> ApiResult<()> {
        let prior = self.loaded.borrow().clone();
        self.store
            .commit(&state, prior.as_ref().map(|l| &l.state), audit, None)?;
        self.settle_signing_secrets(events)?;
        self.settle_push_keys(events)?;
        self.erase_deleted(events)?;
        self.install(state);
        Ok(())
    }

    pub(super) fn subscribe(&self, page: &str, c: SubscribeCall) -> ApiResult<Response> {
        let accepted = || {
            json_response(
                202,
                json(&SubscribeAccepted::pending(
                    "If the address can receive mail, a confirmation link is on its way.",
                    None,
                ))?,
            )
        };
        if !c.request.website.is_empty() {
            // A bot filled the honeypot: answer as if it worked, do nothing.
            return accepted();
        }
        let at = now();
        let at_ms = (at.unix_timestamp_nanos() / 1_000_000) as i64;
        let ip_key = hex::encode(&Sha256::digest(requester(&c.ip).as_bytes())[..12]);
        let count = self.store.count_request(&ip_key, at_ms)?;
        if count > self.subscribe_per_minute {
            return Err(ApiError::client(
                429,
                "rate-limited",
                "Too many subscription requests",
                "too many subscription requests from this address; try again in a minute",
            ));
        }
        let (channel, address) = c.request.address().map_err(|(field, detail)| {
            ApiError::client(422, "validation", "The request is not valid", detail)
                .with_field(field)
        })?;
        let field_name = match channel {
            SubscriberChannel::Sms => "phone",
            SubscriberChannel::Webhook => "webhook",
            _ => "email",
        };
        let loaded = self.require(page)?;
        let locale =
            herald_shared::subscriber::offered_locale(&loaded.state.page, &c.request.locale)
                .map_err(|detail| {
                    ApiError::client(422, "validation", "The request is not valid", detail)
                        .with_field("locale")
                })?;
        // The page's budget of confirmations: no flood of mail, no SMS pumping through this form.
        let policy = &loaded.state.page.policy;
        let (budget_key, budget) = match channel {
            SubscriberChannel::Sms => ("confirm:sms", policy.sms_confirmations_per_hour),
            _ => ("confirm:email", policy.email_confirmations_per_hour),
        };
        if self.store.events_since(budget_key, at_ms - 3_600_000)? >= budget {
            return Err(ApiError::client(
                429,
                "confirmation-budget",
                "Too many confirmations from this page",
                format!(
                    "this page has sent its {budget} {} confirmations for this hour; try again later",
                    if channel == SubscriberChannel::Sms { "SMS" } else { "email" }
                ),
            )
            .with_field(field_name));
        }
        let allowed = &loaded.state.page.policy.subscribe_origins;
        if let Some(origin) = c.origin.as_deref().filter(|o| *o != c.base) {
            if !allowed.is_empty() && !allowed.iter().any(|a| a == origin) {
                return Err(ApiError::client(
                    403,
                    "origin-not-allowed",
                    "This site may not subscribe people to this page",
                    format!("{origin} is not one of the page's subscribe_origins"),
                ));
            }
        }
        // The same address at most a few times a minute, from anywhere.
        let address_key = hex::encode(
            &Sha256::digest(format!("{}:{}", channel.as_str(), address.to_lowercase()).as_bytes())
                [..12],
        );
        let at_ms = (at.unix_timestamp_nanos() / 1_000_000) as i64;
        if self.store.count_request(&address_key, at_ms)? > PER_ADDRESS_PER_MINUTE {
            return Err(ApiError::client(
                429,
                "rate-limited",
                "Too many subscription requests",
                "too many subscription requests for this address; try again in a minute",
            ));
        }
        let id = new_id("sub")?;
        let mut subscribe = Subscribe {
            id,
            channel,
            address: address.to_owned(),
            fallback: None,
            components: c.request.components.clone(),
            segments: vec![],
            locale,
            loopback_hooks: self.development,
            replaces: None,
            suppression: Default::default(),
            format: c.request.format,
        };
        if let Some(token) = &c.moving {
            let old = self.managed_subscriber(page, &loaded, token)?;
            subscribe.components = old.components.clone();
            subscribe.segments = old.segments.clone();
            subscribe.locale = old.locale.clone();
            subscribe.fallback = old
                .fallback
                .as_ref()
                .filter(|f| f.channel != channel)
                .map(|f| (f.channel, f.value.clone()));
            subscribe.replaces = Some(old.id.clone());
        }
        let moving = subscribe.replaces.clone();
        let command = Command::Subscribe(subscribe);
        let (state, events) = self
            .apply(&loaded.state, command, at)
            .map_err(|e| match e {
                ApiError::Client {
                    status,
                    kind,
                    title,
                    detail,
                    field,
                } => ApiError::Client {
                    status,
                    kind,
                    title,
                    detail,
                    field: field.map(|f| if f == "address" { field_name.into() } else { f }),
                },
                other => other,
            })?;
        let stamped = stamp(at);
        let subscriber_id = match events.first() {
            Some(Event::SubscriptionRequested { subscriber_id })
            | Some(Event::SubscriptionExists { subscriber_id }) => subscriber_id.clone(),
            _ => return accepted(),
        };
        // The audit names the subscriber, never the address (erasure must leave nothing behind).
        let change = AuditChange {
            channel: Some(channel.as_str().into()),
            components: moving.is_none().then(|| c.request.components.clone()),
            moving_from: moving.clone(),
            ..AuditChange::default()
        };
        self.commit_public(
            state.clone(),
            &AuditRecord {
                at: &stamped,
                actor: "public",
                action: if moving.is_some() {
                    "subscriber.move"
                } else {
                    "subscriber.subscribe"
                },
                subject: Some(&subscriber_id),
                change: &json(&change)?,
                events: &json(&events)?,
            },
            &events,
        )?;
        let queued = match events.first() {
            Some(Event::SubscriptionRequested { .. }) => {
                self.confirmation_job(page, &state, &subscriber_id, &c.base, &stamped)?
            }
            _ => false,
        };
        if queued {
            self.store.log_event(budget_key, at_ms)?;
        }
        // A new challenge goes out with a new secret. A webhook already subscribed, or asked for
        // again while its challenge is recent, gets the same answer with a secret that signs
        // nothing: neither the one in use nor one waiting is handed to this requester.
        let secret = if queued {
            self.mint_signing_secret(&state, &subscriber_id)?
        } else {
            Some(super::signing::fresh()?)
        };
        if let Some(secret) = secret.filter(|_| channel == SubscriberChannel::Webhook) {
            // The person who asked for a webhook needs its signing secret, shown this once.
            return json_response(
                202,
                json(&SubscribeAccepted::pending(
                    "The webhook will receive a challenge to echo; it is confirmed when it does.",
                    Some(secret),
                ))?,
            );
        }
        accepted()
    }

    /// The subscriber whose manage link `token` is, while subscribed: the one the manage page
    /// changes or moves.
    fn managed_subscriber<'a>(
        &self,
        page: &str,
        loaded: &'a Loaded,
        token: &str,
    ) -> ApiResult<&'a herald_shared::Subscriber> {
        let secret = self.link_secret()?;
        let id = token::verify(&secret, page, token.trim(), Purpose::Manage, unix_now())
            .ok_or_else(invalid_link)?;
        match loaded.subscriber(&id) {
            Some(s) if s.state != SubscriptionState::Unsubscribed => Ok(s),
            _ => Err(invalid_link()),
        }
    }

    /// Shows, or with `save` changes, which components a subscriber hears about.
    pub(super) fn manage(
        &self,
        page: &str,
        token: &str,
        save: Option<Vec<String>>,
    ) -> ApiResult<Response> {
        let loaded = self.require(page)?;
        let id = self.managed_subscriber(page, &loaded, token)?.id.clone();
        let mut state = loaded.state.clone();
        if let Some(components) = save {
            let at = now();
            let (next, events) = self.apply(
                &loaded.state,
                Command::ChangeSubscription(herald_shared::command::ChangeSubscription {
                    subscriber_id: id.clone(),
                    components: components.clone(),
                }),
                at,
            )?;
            if !events.is_empty() {
                let change = AuditChange {
                    components: Some(components.clone()),
                    ..AuditChange::default()
                };
                self.commit_public(
                    next.clone(),
                    &AuditRecord {
                        at: &stamp(at),
                        actor: "link",
                        action: "subscriber.change",
                        subject: Some(&id),
                        change: &json(&change)?,
                        events: &json(&events)?,
                    },
                    &events,
                )?;
            }
            state = next;
        }
        let s = state
            .subscriber(&id)
            .ok_or_else(|| ApiError::Server("subscriber vanished".into()))?;
        let view = ManageView {
            page_name: state.page.name.clone(),
            channel: s.address.channel,
            address: s.address.masked(),
            components: state
                .page
                .components
                .iter()
                .map(|c| ManageComponent {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    checked: s.components.contains(&c.id),
                })
                .collect(),
        };
        json_response(200, json(&view)?)
    }

    pub(super) fn receipt(&self, page: &str, token: &str) -> ApiResult<Response> {
        let secret = self.link_secret()?;
        let invalid = || {
            ApiError::client(
                404,
                "invalid-link",
                "This link is not valid",
                "the receipt link is not valid",
            )
        };
        let (subscriber_id, notification_id) =
            token::verify_receipt(&secret, page, token.trim(), unix_now()).ok_or_else(invalid)?;
        let loaded = self.require(page)?;
        if loaded.state.subscriber(&subscriber_id).is_none()
            || !self.store.requires_ack(&notification_id)?
        {
            return Err(invalid());
        }
        let at = stamp(now());
        if self
            .store
            .record_receipt(&notification_id, &subscriber_id, &at)?
        {
            self.audit_only(
                "link",
                "notification.acknowledge",
                Some(&notification_id),
                &AuditChange {
                    subscriber_id: Some(subscriber_id.clone()),
                    ..AuditChange::default()
                },
                &at,
                &Some(loaded.clone()),
            )?;
        }
        let outcome = LinkOutcome {
            page_name: loaded.state.page.name.clone(),
            state: SubscriptionState::Confirmed,
        };
        json_response(200, json(&outcome)?)
    }

    pub(super) fn follow(&self, page: &str, token: &str, purpose: Purpose) -> ApiResult<Response> {
        let secret = self.link_secret()?;
        let id = token::verify(&secret, page, token.trim(), purpose, unix_now())
            .ok_or_else(invalid_link)?;
        let loaded = self.require(page)?;
        if loaded.state.subscriber(&id).is_none() {
            return Err(invalid_link());
        }
        let (command, action) = match purpose {
            Purpose::Confirm => (
                Command::Confirm(Confirm {
                    subscriber_id: id.clone(),
                }),
                "subscriber.confirm",
            ),
            Purpose::Unsubscribe => (
                Command::Unsubscribe(Unsubscribe {
                    subscriber_id: id.clone(),
                    ..Default::default()
                }),
                "subscriber.unsubscribe",
            ),
            Purpose::Manage => return Err(invalid_link()),
        };
        let at = now();
        let (state, events) = self.apply(&loaded.state, command, at)?;
        if !events.is_empty() {
            let change = AuditChange {
                subscriber_id: Some(id.clone()),
                ..AuditChange::default()
            };
            self.commit_public(
                state.clone(),
                &AuditRecord {
                    at: &stamp(at),
                    actor: "link",
                    action,
                    subject: Some(&id),
                    change: &json(&change)?,
                    events: &json(&events)?,
                },
                &events,
            )?;
        }
        let outcome = LinkOutcome {
            page_name: state.page.name.clone(),
            state: state
                .subscriber(&id)
                .map(|s| s.state)
                .unwrap_or(SubscriptionState::Unsubscribed),
        };
        json_response(200, json(&outcome)?)
    }

    /// Whether a link (`kind`: confirm, unsubscribe, receipt) works now, for its subscriber and, for a
    /// receipt, its message: what opening it shows. Nothing changes.
    pub(super) fn check_link(&self, page: &str, kind: &str, token: &str) -> ApiResult<Response> {
        let secret = self.link_secret()?;
        let loaded = self.require(page)?;
        let token = token.trim();
        let now = unix_now();
        let subscriber = match kind {
            "confirm" => token::verify(&secret, page, token, Purpose::Confirm, now),
            "unsubscribe" => token::verify(&secret, page, token, Purpose::Unsubscribe, now),
            "receipt" => token::verify_receipt(&secret, page, token, now)
                .filter(|(_, n)| self.store.requires_ack(n).unwrap_or(false))
                .map(|(s, _)| s),
            _ => None,
        };
        match subscriber.filter(|id| loaded.state.subscriber(id).is_some()) {
            Some(_) => json_response(200, "{}".into()),
            None => Err(invalid_link()),
        }
    }

    /// Queues the double opt-in message (an email or SMS link, or a webhook challenge) for a
    /// pending subscriber, unless one went out within `CONFIRMATION_QUIET`; says whether it did.
    pub(super) fn confirmation_job(
        &self,
        page: &str,
        state: &PageState,
        subscriber_id: &str,
        base: &str,
        stamped: &str,
    ) -> ApiResult<bool> {
        let quiet_since = stamp(now() - CONFIRMATION_QUIET);
        let recent = self
            .store
            .notifications(Some(subscriber_id))?
            .iter()
            .any(|n| n.kind == NotificationKind::Confirmation && n.created_at >= quiet_since);
        if recent {
            return Ok(false);
        }
        let s = state
            .subscriber(subscriber_id)
            .ok_or_else(|| ApiError::Server("subscriber vanished".into()))?;
        let notification_id = new_id(NotificationKind::Confirmation.id_prefix())?;
        let secret = self.link_secret()?;
        let job = Job {
            page: page.to_owned(),
            notification_id: notification_id.clone(),
            base: base.to_owned(),
            content: Content::Confirmation {
                page_name: state.page.name.clone(),
            },
            recipients: vec![JobRecipient {
                subscriber_id: s.id.clone(),
                address: s.address.clone(),
                token: token::sign(&secret, page, &s.id, Purpose::Confirm, unix_now()),
                receipt: None,
                manage: None,
                locale: Locale::for_reader(&state.page, s.locale.as_deref()),
                format: s.format,
            }],
        };
        self.store.insert_notification(&NotificationInfo {
            id: notification_id,
            kind: NotificationKind::Confirmation,
            subject: Some(s.id.clone()),
            event: "subscription_requested".into(),
            created_at: stamped.to_owned(),
            recipients: 1,
        })?;
        self.store.push_outbox(&json(&job)?)?;
        Ok(true)
    }
}

/// Who a rate limit counts: the IPv4 address, or the IPv6 /64 (one customer's whole allocation, which
/// holds more addresses than anyone could exhaust).
pub(super) fn requester(ip: &str) -> String {
    match ip.trim().parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or_else(String::new, |v4| v4.to_string()),
        Ok(v4) => v4.to_string(),
        Err(_) => ip.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::requester;

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        let cases = [
            ("203.0.113.7", "203.0.113.7"),
            ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
            ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
            ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
            ("::ffff:203.0.113.7", "203.0.113.7"),
            ("unknown", "unknown"),
        ];
        for (ip, want) in cases {
            assert_eq!(requester(ip), want, "{ip}");
        }
    }
}
