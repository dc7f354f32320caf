//! The page object's side of subscriptions and notifications: subscribing (honeypot, per-IP rate
//! limit, double opt-in), signed confirm and unsubscribe links, turning notifying events into queue
//! jobs through an outbox written with the change, and the per-recipient delivery record that makes
//! a retried job skip whoever already got the message.

use std::rc::Rc;

use herald_shared::delivery::{self, Delivery, NextStep, NotificationKind, Outcome};
use herald_shared::subscriber::{
    recipients, Address, Subscriber, SubscriberChannel, SubscriptionState,
};
use herald_shared::template::{self, Message};
use herald_shared::wire::internal::{
    Content, Due, DueCall, Job, JobRecipient, LinkOutcome, ManageComponent, ManageSave, ManageView,
    Matched, ProviderEvent, RecordCall, SubscribeCall, TickReport, Verdict,
};
use herald_shared::wire::{
    AuditChange, DeadLetter, DeliveryFailure, DeliveryReport, NotificationInfo, SubscribeAccepted,
    SubscriberInfo,
};
use herald_shared::{apply, Command, Confirm, Event, State as PageState, Subscribe, Unsubscribe};
use sha2::{Digest, Sha256};
use worker::{Headers, Response};

use super::records::{DeliveryRow, Records};
use super::store::AuditRecord;
use super::{new_id, now, random_bytes, stamp, Loaded, PageObject};
use crate::error::{json, ApiError, ApiResult};
use crate::notify::token::{self, Purpose};
use crate::notify::RECIPIENTS_PER_JOB;
use crate::protocol::path;

/// Name of the link-signing secret in the `secrets` table.
const LINK_SECRET: &str = "links";
/// Prefix of a webhook subscriber's signing secret in the `secrets` table.
const WEBHOOK_SECRET: &str = "webhook:";
/// Wait before trying the fallback channel once the first is exhausted.
const FALLBACK_AFTER_SECS: u32 = 1;
/// `meta` keys: the public origin for links in scheduled messages, and the last scheduled run.
pub(super) const META_BASE: &str = "base";
const META_TICK: &str = "tick";

/// Subscription requests for one address allowed per minute, whoever sends them.
const PER_ADDRESS_PER_MINUTE: u32 = 3;

/// Queue limits for one `sendBatch`: 100 messages and 256 KB in all; kept well inside.
const MAX_BATCH_MESSAGES: u32 = 100;
const MAX_BATCH_BYTES: usize = 160 * 1024;

/// Seconds before the alarm retries an outbox the queue refused.
const OUTBOX_RETRY_SECS: u64 = 5;
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

fn json_response(status: u16, body: String) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// `secs` spread by up to a fifth either way, so retries of many jobs do not arrive together.
fn jittered(secs: u32) -> u32 {
    let r = random_bytes::<2>().map(u16::from_le_bytes).unwrap_or(0);
    let spread = f64::from(r) / f64::from(u16::MAX) * 0.4 - 0.2;
    ((f64::from(secs) * (1.0 + spread)).round() as u32).max(1)
}

fn parse_time(s: &str) -> Option<herald_shared::Timestamp> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// What kind of notification a fan-out records.
pub(super) struct Fanout {
    kind: NotificationKind,
    /// The item it is about (incident, maintenance, notice), or the escalated notification.
    subject: String,
    /// For an escalation: the notification whose receipt the new message asks for.
    receipts_for: Option<String>,
}

impl Fanout {
    pub(super) fn notification(m: &Message) -> Fanout {
        Fanout {
            kind: NotificationKind::Notification,
            subject: m.item_id.clone(),
            receipts_for: None,
        }
    }
}

/// How one notification went: recipients reached, those given up on (with the time of their last
/// attempt), and attempts made.
struct Outcomes {
    sent: u32,
    /// Of those, confirmed delivered by the provider.
    delivered: u32,
    /// Subscribers the notification reached.
    reached: Vec<String>,
    failures: Vec<(DeliveryFailure, String)>,
    attempts: u32,
}

impl PageObject {
    /// Runs an internal notification endpoint; `None` when `path` is not one.
    pub(super) fn notify_endpoint(
        &self,
        page: &str,
        path: &str,
        body: &str,
    ) -> Option<ApiResult<Response>> {
        Some(match path {
            path::SUBSCRIBE => serde_json::from_str(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|c| self.subscribe_here(page, c)),
            path::CONFIRM => self.follow_here(page, body, Purpose::Confirm),
            path::UNSUBSCRIBE => self.follow_here(page, body, Purpose::Unsubscribe),
            path::RECEIPT => self.receipt_here(page, body),
            path::PROVIDER_EVENT => serde_json::from_str::<ProviderEvent>(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|e| {
                    let found = self.store.provider_event(
                        &e.provider_id,
                        e.outcome,
                        e.error.as_deref(),
                        &stamp(now()),
                    )?;
                    json_response(200, json(&Matched { matched: found })?)
                }),
            path::MANAGE => self.manage_here(page, body, None),
            path::MANAGE_SAVE => serde_json::from_str::<ManageSave>(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|m| self.manage_here(page, &m.token, Some(m.components))),
            path::DELIVERIES_DUE => serde_json::from_str(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|c| self.due_here(c)),
            path::DELIVERIES_RECORD => serde_json::from_str(body)
                .map_err(|e| ApiError::Server(e.to_string()))
                .and_then(|c| self.record_here(c)),
            _ => return None,
        })
    }

    fn link_secret(&self) -> ApiResult<Vec<u8>> {
        if let Some(s) = self.store.secret(LINK_SECRET)? {
            return Ok(s.into_bytes());
        }
        let s = hex::encode(random_bytes::<32>()?);
        self.store.set_secret(LINK_SECRET, &s)?;
        Ok(s.into_bytes())
    }

    /// Writes a change made outside the admin API (public subscription endpoints).
    #[allow(clippy::too_many_arguments)]
    fn commit_public(
        &self,
        state: PageState,
        actor: &str,
        action: &str,
        subject: &str,
        change: &AuditChange,
        events: &[Event],
        stamped: &str,
    ) -> ApiResult<()> {
        let prior = self.loaded.borrow().clone();
        self.store.commit(
            &state,
            prior.as_ref().map(|l| &l.state),
            &AuditRecord {
                at: stamped,
                actor,
                action,
                subject: Some(subject),
                change: &json(change)?,
                events: &json(&events)?,
            },
            None,
        )?;
        *self.loaded.borrow_mut() = Some(Rc::new(Loaded::new(state)));
        Ok(())
    }

    fn subscribe_here(&self, page: &str, c: SubscribeCall) -> ApiResult<Response> {
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
        let ip_key = hex::encode(&Sha256::digest(c.ip.as_bytes())[..12]);
        let count = self
            .store
            .count_request(&ip_key, (at.unix_timestamp_nanos() / 1_000_000) as i64)?;
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
            locale: None,
            loopback_hooks: self.development,
            replaces: None,
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
        let (state, events) = apply(&loaded.state, command, at).map_err(|e| {
            let e: ApiError = e.into();
            match e {
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
            }
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
            "public",
            if moving.is_some() {
                "subscriber.move"
            } else {
                "subscriber.subscribe"
            },
            &subscriber_id,
            &change,
            &events,
            &stamped,
        )?;
        let mut secret = None;
        if let Some(Event::SubscriptionRequested { .. }) = events.first() {
            secret = self.webhook_secret(&state, &subscriber_id)?;
            self.confirmation_job(page, &state, &subscriber_id, &c.base, &stamped)?;
        }
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
        let id =
            token::verify(&secret, page, token.trim(), Purpose::Manage).ok_or_else(invalid_link)?;
        match loaded.subscriber(&id) {
            Some(s) if s.state != SubscriptionState::Unsubscribed => Ok(s),
            _ => Err(invalid_link()),
        }
    }

    /// Shows, or with `save` changes, which components a subscriber hears about.
    fn manage_here(
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
            let (next, events) = apply(
                &loaded.state,
                Command::ChangeSubscription(herald_shared::command::ChangeSubscription {
                    subscriber_id: id.clone(),
                    components: components.clone(),
                }),
                at,
            )?;
            if !events.is_empty() {
                self.commit_public(
                    next.clone(),
                    "link",
                    "subscriber.change",
                    &id,
                    &AuditChange {
                        components: Some(components.clone()),
                        ..AuditChange::default()
                    },
                    &events,
                    &stamp(at),
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

    fn receipt_here(&self, page: &str, token: &str) -> ApiResult<Response> {
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
            token::verify_receipt(&secret, page, token.trim()).ok_or_else(invalid)?;
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

    /// Scheduled work, run by the cron trigger: maintenance reminders to subscribers, reminders
    /// to the page's responders about broken "next update" promises, and re-sending messages that
    /// were not acknowledged in time on the recipients' fallback channel.
    pub(super) fn tick_here(&self, page: &str) -> ApiResult<Response> {
        let Some(loaded) = self.load()? else {
            return json_response(200, "{}".into());
        };
        let state = &loaded.state;
        let at = now();
        let stamped = stamp(at);
        let base = self.store.meta(META_BASE)?.unwrap_or_default();
        self.store
            .forget_early_events_before(&stamp(at - time::Duration::days(1)))?;
        // Maintenance reminders due since the last run (at most a day back).
        let after = self
            .store
            .meta(META_TICK)?
            .and_then(|t| parse_time(&t))
            .unwrap_or(at - time::Duration::minutes(10))
            .max(at - time::Duration::days(1));
        let mut reminders = 0;
        for r in herald_shared::reminders_due(state, after, at) {
            let Some(m) = state.maintenance(&r.maintenance_id) else {
                continue;
            };
            let Some(u) = m.updates.first() else { continue };
            let event = Event::MaintenanceScheduled {
                maintenance_id: m.id.clone(),
                update_id: u.id.clone(),
                notify: true,
                override_reason: None,
            };
            let Some(mut message) = Message::from_event(state, &event) else {
                continue;
            };
            message.event = "maintenance_reminder".into();
            message.status = format!(
                "Reminder: starts in {}",
                template::minutes_text(r.minutes_before)
            );
            let to: Vec<(String, Address)> = recipients(state, &event)
                .into_iter()
                .map(|x| (x.subscriber_id, x.address))
                .collect();
            let how = Fanout {
                kind: NotificationKind::Reminder,
                subject: m.id.clone(),
                receipts_for: None,
            };
            self.fan_out(page, &message, &to, how, &base, &stamped)?;
            reminders += 1;
        }
        self.store.set_meta(META_TICK, &stamped)?;
        // Broken promises: each reminds the responders once.
        let mut overdue = 0;
        let responders = &state.page.policy.responders;
        for o in herald_shared::overdue(state, at) {
            let key = format!("overdue:{}:{}", o.incident_id, o.update_id);
            if responders.is_empty() || self.store.meta(&key)?.is_some() {
                continue;
            }
            self.store.set_meta(&key, &stamped)?;
            let title = state
                .incident(&o.incident_id)
                .map(|i| i.title.clone())
                .unwrap_or_default();
            let text = template::overdue_reminder(
                &state.page.name,
                &title,
                o.promised_at,
                u32::try_from(o.late_by_secs / 60).unwrap_or(0),
                &format!("{base}/{page}"),
            );
            // Through the outbox like every other message: nothing is sent from inside the object.
            let job = Job {
                page: page.to_owned(),
                notification_id: key,
                base: base.clone(),
                content: Content::Responders { text },
                recipients: responders
                    .iter()
                    .enumerate()
                    .map(|(i, r)| JobRecipient {
                        subscriber_id: format!("responder-{i}"),
                        address: Address {
                            channel: if r.contains("://") {
                                SubscriberChannel::Slack
                            } else {
                                SubscriberChannel::Email
                            },
                            value: r.clone(),
                        },
                        token: String::new(),
                        receipt: None,
                        manage: None,
                    })
                    .collect(),
            };
            self.store.push_outbox(&json(&job)?)?;
            overdue += 1;
        }
        // Acknowledgement escalation.
        let before =
            stamp(at - time::Duration::minutes(i64::from(state.page.policy.ack_escalate_minutes)));
        let mut escalated = 0;
        for n in self.store.acks_to_escalate(&before)? {
            let Some(message) = self.store.ack_message(&n)? else {
                continue;
            };
            let message: Message =
                serde_json::from_str(&message).map_err(|e| ApiError::Server(e.to_string()))?;
            let receipts = self.store.receipts(&n)?;
            let info = NotificationInfo {
                id: n.clone(),
                kind: NotificationKind::Notification,
                subject: None,
                event: message.event.clone(),
                created_at: String::new(),
                recipients: 0,
            };
            let reached = self.outcomes(Some(&loaded), &info)?.reached;
            let to: Vec<(String, Address)> = reached
                .iter()
                .filter(|id| !receipts.contains(id))
                .filter_map(|id| {
                    let s = state.subscriber(id)?;
                    (s.state == SubscriptionState::Confirmed)
                        .then(|| s.fallback.clone().map(|f| (id.clone(), f)))
                        .flatten()
                })
                .collect();
            let how = Fanout {
                kind: NotificationKind::Escalation,
                subject: n.clone(),
                receipts_for: Some(n.clone()),
            };
            if !to.is_empty() {
                self.fan_out(page, &message, &to, how, &base, &stamped)?;
                escalated += to.len();
            }
            self.store.mark_escalated(&n, &stamped)?;
        }
        json_response(
            200,
            json(&TickReport {
                maintenance_reminders: reminders,
                overdue_reminders: overdue,
                escalated,
            })?,
        )
    }

    /// The signing secret of a webhook subscriber, made on first use; `None` for other channels.
    pub(super) fn webhook_secret(
        &self,
        state: &PageState,
        subscriber_id: &str,
    ) -> ApiResult<Option<String>> {
        let Some(s) = state.subscriber(subscriber_id) else {
            return Ok(None);
        };
        let webhook = |s: &Subscriber| {
            s.address.channel == SubscriberChannel::Webhook
                || s.fallback
                    .as_ref()
                    .is_some_and(|f| f.channel == SubscriberChannel::Webhook)
        };
        if !webhook(s) {
            return Ok(None);
        }
        let name = format!("{WEBHOOK_SECRET}{subscriber_id}");
        if let Some(v) = self.store.secret(&name)? {
            return Ok(Some(v));
        }
        let v = herald_shared::webhook::secret_from(&random_bytes::<24>()?);
        self.store.set_secret(&name, &v)?;
        Ok(Some(v))
    }

    /// Queues the double opt-in message (an email or SMS link, or a webhook challenge) for a
    /// pending subscriber, unless one went out within `CONFIRMATION_QUIET`.
    pub(super) fn confirmation_job(
        &self,
        page: &str,
        state: &PageState,
        subscriber_id: &str,
        base: &str,
        stamped: &str,
    ) -> ApiResult<()> {
        let quiet_since = stamp(now() - CONFIRMATION_QUIET);
        let recent = self
            .store
            .notifications(Some(subscriber_id))?
            .iter()
            .any(|n| n.kind == NotificationKind::Confirmation && n.created_at >= quiet_since);
        if recent {
            return Ok(());
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
                token: token::sign(&secret, page, &s.id, Purpose::Confirm),
                receipt: None,
                manage: None,
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
        self.store.push_outbox(&json(&job)?)
    }

    fn follow_here(&self, page: &str, token: &str, purpose: Purpose) -> ApiResult<Response> {
        let secret = self.link_secret()?;
        let id = token::verify(&secret, page, token.trim(), purpose).ok_or_else(invalid_link)?;
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
                }),
                "subscriber.unsubscribe",
            ),
            Purpose::Manage => return Err(invalid_link()),
        };
        let at = now();
        let (state, events) = apply(&loaded.state, command, at)?;
        if !events.is_empty() {
            self.commit_public(
                state.clone(),
                "link",
                action,
                &id,
                &AuditChange {
                    subscriber_id: Some(id.clone()),
                    ..AuditChange::default()
                },
                &events,
                &stamp(at),
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

    /// Turns the notifying events of a committed change into queue jobs in the outbox. Called in
    /// the same synchronous stretch as the commit, so a change never loses its notifications.
    pub(super) fn enqueue_events(
        &self,
        page: &str,
        state: &PageState,
        events: &[Event],
        base: &str,
        stamped: &str,
    ) -> ApiResult<()> {
        for event in events {
            if let Event::SubscriptionRequested { subscriber_id } = event {
                self.webhook_secret(state, subscriber_id)?;
                self.confirmation_job(page, state, subscriber_id, base, stamped)?;
                continue;
            }
            if !event.notifies() {
                continue;
            }
            let Some(message) = Message::from_event(state, event) else {
                continue;
            };
            let to: Vec<(String, Address)> = recipients(state, event)
                .into_iter()
                .map(|r| (r.subscriber_id, r.address))
                .collect();
            self.fan_out(
                page,
                &message,
                &to,
                Fanout::notification(&message),
                base,
                stamped,
            )?;
        }
        Ok(())
    }

    /// Records a notification and queues it in jobs of `RECIPIENTS_PER_JOB`; a message that must
    /// be acknowledged carries a receipt link per recipient.
    pub(super) fn fan_out(
        &self,
        page: &str,
        message: &Message,
        to: &[(String, Address)],
        how: Fanout,
        base: &str,
        stamped: &str,
    ) -> ApiResult<String> {
        let notification_id = new_id(how.kind.id_prefix())?;
        self.store.insert_notification(&NotificationInfo {
            id: notification_id.clone(),
            kind: how.kind,
            subject: Some(how.subject.clone()),
            event: message.event.clone(),
            created_at: stamped.to_owned(),
            recipients: u32::try_from(to.len()).unwrap_or(u32::MAX),
        })?;
        // Receipts name the notification the person is asked to acknowledge.
        let acknowledged = how
            .receipts_for
            .clone()
            .or_else(|| message.requires_ack.then(|| notification_id.clone()));
        if message.requires_ack && how.receipts_for.is_none() {
            self.store
                .require_ack(&notification_id, stamped, &json(message)?)?;
        }
        if to.is_empty() {
            return Ok(notification_id);
        }
        let secret = self.link_secret()?;
        for chunk in to.chunks(RECIPIENTS_PER_JOB) {
            let job = Job {
                page: page.to_owned(),
                notification_id: notification_id.clone(),
                base: base.to_owned(),
                content: Content::Notification {
                    message: Box::new(message.clone()),
                },
                recipients: chunk
                    .iter()
                    .map(|(id, address)| JobRecipient {
                        subscriber_id: id.clone(),
                        address: address.clone(),
                        token: token::sign(&secret, page, id, Purpose::Unsubscribe),
                        receipt: acknowledged
                            .as_deref()
                            .map(|n| token::sign_receipt(&secret, page, id, n)),
                        manage: Some(token::sign(&secret, page, id, Purpose::Manage)),
                    })
                    .collect(),
            };
            self.store.push_outbox(&json(&job)?)?;
        }
        Ok(notification_id)
    }

    /// Sends what the outbox holds to the queue; what fails stays for the next request.
    pub(super) async fn flush_outbox(&self) {
        if self.flushing.replace(true) {
            return;
        }
        loop {
            let mut rows = match self.store.outbox(MAX_BATCH_MESSAGES) {
                Ok(r) if !r.is_empty() => r,
                Ok(_) => break,
                Err(e) => {
                    worker::console_error!("outbox unreadable: {e:?}");
                    break;
                }
            };
            // A batch stays under the queue's size limit (the first job always goes).
            let mut bytes = 0;
            let fit = rows
                .iter()
                .take_while(|(_, j)| {
                    bytes += j.len();
                    bytes <= MAX_BATCH_BYTES
                })
                .count()
                .max(1);
            rows.truncate(fit);
            let last = rows.last().map(|r| r.0).unwrap_or(0);
            let jobs: Vec<Job> = rows
                .iter()
                .filter_map(|(_, j)| serde_json::from_str(j).ok())
                .collect();
            let sent = match crate::notify::queue(&self.env) {
                Ok(q) => q.send_batch(jobs).await,
                Err(e) => Err(e),
            };
            match sent {
                Ok(()) => {
                    if let Err(e) = self.store.drop_outbox(last) {
                        worker::console_error!("outbox not cleared: {e:?}");
                        break;
                    }
                }
                Err(e) => {
                    worker::console_error!("queue send failed, kept in the outbox: {e}");
                    // Retried by the alarm even if no other request comes.
                    let retry = std::time::Duration::from_secs(OUTBOX_RETRY_SECS);
                    if let Err(e) = self.storage.set_alarm(retry).await {
                        worker::console_error!("outbox alarm not set: {e}");
                    }
                    break;
                }
            }
        }
        self.flushing.set(false);
    }

    fn attempts_of<'a>(
        rows: impl IntoIterator<Item = &'a DeliveryRow>,
        subscriber_id: &str,
    ) -> Vec<Delivery> {
        rows.into_iter()
            .filter(|r| r.subscriber_id == subscriber_id)
            .map(|r| Delivery {
                notification_id: r.notification_id.clone(),
                subscriber_id: r.subscriber_id.clone(),
                channel: r.channel,
                attempt: u32::try_from(r.attempt).unwrap_or(0),
                outcome: r.outcome,
                provider_id: r.provider_id.clone(),
                at: parse_time(&r.at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            })
            .collect()
    }

    fn notification_kind(&self, id: &str) -> ApiResult<Option<NotificationKind>> {
        Ok(self.store.notification(id)?.map(|n| n.kind))
    }

    /// Who of `subscriber_ids` still needs `notification_id`, and with which attempt number: not
    /// those who got it, gave up, unsubscribed or were erased since the job was queued.
    fn due_here(&self, c: DueCall) -> ApiResult<Response> {
        let Some(loaded) = self.load()? else {
            return json_response(200, "[]".into());
        };
        let kind = self.notification_kind(&c.notification_id)?;
        let rows = self
            .store
            .deliveries_of(&c.notification_id, &c.subscriber_ids)?;
        let mut due = Vec::new();
        for id in &c.subscriber_ids {
            let Some(s) = loaded.subscriber(id) else {
                continue;
            };
            let wanted = match kind {
                Some(NotificationKind::Confirmation) => s.state == SubscriptionState::Pending,
                Some(_) => s.state == SubscriptionState::Confirmed,
                None => false,
            };
            if !wanted {
                continue;
            }
            let attempts = Self::attempts_of(&rows, id);
            let Some((primary, fallback)) = kind.and_then(|k| k.targets(s)) else {
                continue;
            };
            let (address, attempt) =
                match delivery::next_step(&attempts, primary, fallback, &self.retry) {
                    NextStep::Send { address } | NextStep::Fallback { address } => (address, 1),
                    NextStep::Retry {
                        address, attempt, ..
                    } => (address, attempt),
                    NextStep::Done | NextStep::GiveUp => continue,
                };
            let secret = if address.channel == SubscriberChannel::Webhook {
                self.store.secret(&format!("{WEBHOOK_SECRET}{id}"))?
            } else {
                None
            };
            due.push(Due {
                subscriber_id: id.clone(),
                attempt,
                address,
                secret,
            });
        }
        json_response(200, json(&due)?)
    }

    /// Records attempts; answers whether (and after how long) the job must be retried.
    fn record_here(&self, c: RecordCall) -> ApiResult<Response> {
        let kind = self.notification_kind(&c.notification_id)?;
        let at = now();
        let stamped = stamp(at);
        for a in &c.attempts {
            self.store.record_delivery(&DeliveryRow {
                notification_id: c.notification_id.clone(),
                subscriber_id: a.subscriber_id.clone(),
                channel: a.channel,
                attempt: i64::from(a.attempt),
                outcome: a.outcome,
                provider_id: a.provider_id.clone(),
                error: a.error.clone(),
                at: stamped.clone(),
            })?;
        }
        let rows = self.store.deliveries_of(
            &c.notification_id,
            &c.attempts
                .iter()
                .map(|a| a.subscriber_id.clone())
                .collect::<Vec<_>>(),
        )?;
        let loaded = self.load()?;
        let mut wait: Option<u32> = None;
        for a in &c.attempts {
            let Some(s) = loaded.as_ref().and_then(|l| l.subscriber(&a.subscriber_id)) else {
                continue;
            };
            let attempts = Self::attempts_of(&rows, &a.subscriber_id);
            let Some((primary, fallback)) = kind.and_then(|k| k.targets(s)) else {
                continue;
            };
            let secs = match delivery::next_step(&attempts, primary, fallback, &self.retry) {
                NextStep::Retry { at: when, .. } => {
                    jittered(u32::try_from((when - at).whole_seconds().max(1)).unwrap_or(1))
                }
                NextStep::Fallback { .. } => FALLBACK_AFTER_SECS,
                _ => continue,
            };
            // The job waits for its slowest recipient; the others are not due before then anyway.
            wait = Some(wait.map_or(secs, |w| w.max(secs)));
        }
        json_response(
            200,
            json(&Verdict {
                retry_after_secs: wait,
            })?,
        )
    }

    pub(super) fn list_subscribers(&self, state: &PageState) -> Vec<SubscriberInfo> {
        state
            .subscribers
            .iter()
            .map(|s| SubscriberInfo {
                id: s.id.clone(),
                channel: s.address.channel,
                address: s.address.masked(),
                state: s.state,
                components: s.components.clone(),
                created_at: s.created_at,
                confirmed_at: s.confirmed_at,
            })
            .collect()
    }

    pub(super) fn list_notifications(
        &self,
        subject: Option<&str>,
    ) -> ApiResult<Vec<NotificationInfo>> {
        self.store.notifications(subject)
    }

    /// Whether a subscriber with only failed attempts `mine` is beyond every channel.
    fn gave_up(
        &self,
        state: Option<&Loaded>,
        id: &str,
        mine: &[&DeliveryRow],
        kind: NotificationKind,
    ) -> bool {
        let subscriber = state.and_then(|st| st.subscriber(id));
        match subscriber.and_then(|s| kind.targets(s)) {
            Some((primary, fallback)) => {
                let attempts: Vec<Delivery> = Self::attempts_of(mine.iter().copied(), id);
                delivery::next_step(&attempts, primary, fallback, &self.retry) == NextStep::GiveUp
            }
            // Erased since: whatever was tried is all there will be.
            None => true,
        }
    }

    /// Per-recipient outcome of one notification.
    fn outcomes(&self, state: Option<&Loaded>, info: &NotificationInfo) -> ApiResult<Outcomes> {
        let rows = self.store.deliveries(&info.id)?;
        let mut ids: Vec<&str> = rows.iter().map(|r| r.subscriber_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut sent = 0u32;
        let mut delivered = 0u32;
        let mut reached = Vec::new();
        let mut failures = Vec::new();
        for id in ids {
            let mine: Vec<&DeliveryRow> = rows.iter().filter(|r| r.subscriber_id == id).collect();
            if mine.iter().any(|r| r.outcome.succeeded()) {
                sent += 1;
                if mine.iter().any(|r| r.outcome == Outcome::Delivered) {
                    delivered += 1;
                }
                reached.push(id.to_owned());
            } else if self.gave_up(state, id, &mine, info.kind) {
                let last = mine.iter().max_by(|a, b| a.at.cmp(&b.at));
                failures.push((
                    DeliveryFailure {
                        subscriber_id: id.to_owned(),
                        channel: last.map_or(SubscriberChannel::Email, |r| r.channel),
                        attempts: mine.len() as u32,
                        error: last.and_then(|r| r.error.clone()),
                    },
                    last.map(|r| r.at.clone()).unwrap_or_default(),
                ));
            }
        }
        Ok(Outcomes {
            sent,
            delivered,
            reached,
            failures,
            attempts: rows.len() as u32,
        })
    }

    pub(super) fn delivery_report(&self, notification_id: &str) -> ApiResult<DeliveryReport> {
        let info = self
            .store
            .notifications(None)?
            .into_iter()
            .find(|n| n.id == notification_id)
            .ok_or_else(|| ApiError::not_found(format!("no notification {notification_id:?}")))?;
        let loaded = self.load()?;
        let Outcomes {
            sent,
            delivered,
            reached,
            failures,
            attempts,
        } = self.outcomes(loaded.as_deref(), &info)?;
        let (acknowledged, unacknowledged) = if self.store.requires_ack(notification_id)? {
            let receipts = self.store.receipts(notification_id)?;
            let unacked: Vec<String> = reached
                .into_iter()
                .filter(|id| !receipts.contains(id))
                .collect();
            (Some(receipts.len() as u32), unacked)
        } else {
            (None, Vec::new())
        };
        let failed = failures.len() as u32;
        Ok(DeliveryReport {
            notification_id: notification_id.to_owned(),
            recipients: info.recipients,
            sent,
            delivered,
            failed,
            pending: info.recipients.saturating_sub(sent + failed),
            attempts,
            failures: failures.into_iter().map(|(f, _)| f).collect(),
            acknowledged,
            unacknowledged,
        })
    }

    /// Every message that could not be delivered on any channel, newest first.
    pub(super) fn dead_letters(&self) -> ApiResult<Vec<DeadLetter>> {
        let loaded = self.load()?;
        let state = loaded.as_deref();
        let mut out = Vec::new();
        for info in self.store.notifications(None)? {
            let failures = self.outcomes(state, &info)?.failures;
            out.extend(failures.into_iter().map(|(f, at)| DeadLetter {
                notification_id: info.id.clone(),
                event: info.event.clone(),
                subscriber_id: f.subscriber_id,
                channel: f.channel,
                attempts: f.attempts,
                error: f.error,
                last_attempt_at: at,
            }));
        }
        out.sort_by(|a, b| b.last_attempt_at.cmp(&a.last_attempt_at));
        Ok(out)
    }
}
