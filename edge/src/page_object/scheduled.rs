//! The page's scheduled work, run by the cron trigger: maintenance reminders at their times,
//! reminders to responders when a "next update by" promise is broken (once each), and
//! acknowledgement escalation. Every message it causes goes through the outbox.

use herald_shared::command::ExpirePending;
use herald_shared::delivery::{self, NotificationKind};
use herald_shared::subscriber::{recipients, Address, SubscriberChannel, SubscriptionState};
use herald_shared::template::{self, Locale, Message};
use herald_shared::wire::internal::{Content, Job, JobRecipient, TickReport};
use herald_shared::wire::AuditChange;
use herald_shared::wire::NotificationInfo;
use herald_shared::{Command, Event};
use worker::Response;

use super::outbox::{Fanout, To};
use super::records::Records;
use super::store::AuditRecord;
use super::{json_response, now, parse_time, stamp, PageObject};
use crate::error::{json, ApiError, ApiResult};

/// `meta` keys: the public origin for links in scheduled messages, and the last scheduled run.
pub(super) const META_BASE: &str = "base";
const META_TICK: &str = "tick";

impl PageObject {
    /// Scheduled work, run by the cron trigger: maintenance reminders to subscribers, reminders
    /// to the page's responders about broken "next update" promises, and re-sending messages that
    /// were not acknowledged in time on the recipients' fallback channel.
    pub(super) fn tick(&self, page: &str) -> ApiResult<Response> {
        let Some(mut loaded) = self.load()? else {
            return json_response(200, "{}".into());
        };
        let at = now();
        let stamped = stamp(at);
        // Subscriptions never confirmed within a week are forgotten.
        let expire = Command::ExpirePending(ExpirePending::default());
        let (expired, events) = self.apply(&loaded.state, expire, at)?;
        if !events.is_empty() {
            self.commit_public(
                expired,
                &AuditRecord {
                    at: &stamped,
                    actor: "herald",
                    action: "subscribers.expire",
                    subject: None,
                    change: &json(&AuditChange {
                        rows: Some(events.len()),
                        ..AuditChange::default()
                    })?,
                    events: &json(&events)?,
                },
                &events,
            )?;
            loaded = self.require(page)?;
        }
        let state = &loaded.state;
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
            message.reminder_minutes = Some(r.minutes_before);
            let to: Vec<To> = recipients(state, &event)
                .into_iter()
                .map(|x| To {
                    locale: Locale::for_reader(&state.page, x.locale.as_deref()),
                    format: x.format,
                    id: x.subscriber_id,
                    address: x.address,
                })
                .collect();
            message.statuspage = super::outbox::statuspage_body(state, &event, &to);
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
                        locale: Locale::for_reader(&state.page, None),
                        format: Default::default(),
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
            escalated += self.escalate(page, &loaded, &n, &base, &stamped)?;
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

    /// Re-sends notification `n` (one that asks for acknowledgement) on the fallback channel of
    /// everyone it reached who has not acknowledged it, and marks it escalated: the cron's step
    /// once the page's wait is over, and "escalate now". Answers how many it went to.
    pub(super) fn escalate(
        &self,
        page: &str,
        loaded: &super::Loaded,
        n: &str,
        base: &str,
        stamped: &str,
    ) -> ApiResult<usize> {
        let state = &loaded.state;
        let Some(message) = self.store.ack_message(n)? else {
            return Ok(0);
        };
        let message: Message =
            serde_json::from_str(&message).map_err(|e| ApiError::Server(e.to_string()))?;
        let receipts = self.store.receipts(n)?;
        let info = NotificationInfo {
            id: n.to_owned(),
            kind: NotificationKind::Notification,
            subject: None,
            event: message.event.clone(),
            created_at: String::new(),
            recipients: 0,
        };
        let reached = self.outcomes(Some(loaded), &info)?.reached;
        let to: Vec<To> = delivery::unacknowledged(&reached, &receipts)
            .iter()
            .filter_map(|id| {
                let s = state.subscriber(id)?;
                let fallback = s.fallback.clone()?;
                (s.state == SubscriptionState::Confirmed).then(|| To {
                    id: id.clone(),
                    address: fallback,
                    locale: Locale::for_reader(&state.page, s.locale.as_deref()),
                    format: s.format,
                })
            })
            .collect();
        let how = Fanout {
            kind: NotificationKind::Escalation,
            subject: n.to_owned(),
            receipts_for: Some(n.to_owned()),
        };
        if !to.is_empty() {
            self.fan_out(page, &message, &to, how, base, stamped)?;
        }
        self.store.mark_escalated(n, stamped)?;
        Ok(to.len())
    }
}
