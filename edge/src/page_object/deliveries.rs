//! Deliveries: which recipients of a job are still due and on which address, the attempts the
//! consumer reports, and what they add up to (reports, failures, dead letters), as
//! `shared::delivery` decides.

use herald_shared::delivery::{self, Delivery, NextStep, NotificationKind, Outcome};
use herald_shared::subscriber::{SubscriberChannel, SubscriptionState};
use herald_shared::wire::internal::{Due, DueCall, MessageCall, RecordCall, SetAsideCall, Verdict};
use herald_shared::wire::{
    ChannelFigures, DeadLetter, DeliveryFailure, DeliveryReport, NotificationInfo,
};
use worker::Response;

use super::records::{DeliveryRow, Records};
use super::{json_response, now, parse_time, random_bytes, stamp, Loaded, PageObject};
use crate::error::{json, ApiError, ApiResult};

/// Wait before trying the fallback channel once the first is exhausted.
const FALLBACK_AFTER_SECS: u32 = 1;

/// `secs` spread by up to a fifth either way, so retries of many jobs do not arrive together.
fn jittered(secs: u32) -> u32 {
    let r = random_bytes::<2>().map(u16::from_le_bytes).unwrap_or(0);
    let spread = f64::from(r) / f64::from(u16::MAX) * 0.4 - 0.2;
    ((f64::from(secs) * (1.0 + spread)).round() as u32).max(1)
}

/// How one notification went: recipients reached, those given up on (with the time of their last
/// attempt), and attempts made.
pub(super) struct Outcomes {
    sent: u32,
    /// Of those, confirmed delivered by the provider.
    delivered: u32,
    /// Subscribers the notification reached.
    pub(super) reached: Vec<String>,
    failures: Vec<(DeliveryFailure, String)>,
    attempts: u32,
    channels: Vec<delivery::ChannelTally>,
}

impl PageObject {
    /// A stored attempt as `shared::delivery` reads it.
    pub(super) fn attempt(r: &DeliveryRow) -> Delivery {
        Delivery {
            notification_id: r.notification_id.clone(),
            subscriber_id: r.subscriber_id.clone(),
            channel: r.channel,
            attempt: u32::try_from(r.attempt).unwrap_or(0),
            outcome: r.outcome,
            provider_id: r.provider_id.clone(),
            error: r.error.clone(),
            at: parse_time(&r.at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
        }
    }

    pub(super) fn attempts_of<'a>(
        rows: impl IntoIterator<Item = &'a DeliveryRow>,
        subscriber_id: &str,
    ) -> Vec<Delivery> {
        rows.into_iter()
            .filter(|r| r.subscriber_id == subscriber_id)
            .map(Self::attempt)
            .collect()
    }

    pub(super) fn notification_kind(&self, id: &str) -> ApiResult<Option<NotificationKind>> {
        Ok(self.store.notification(id)?.map(|n| n.kind))
    }

    /// Who of `subscriber_ids` still needs `notification_id`, and with which attempt number: not
    /// those who got it, gave up, unsubscribed or were erased since the job was queued.
    pub(super) fn due(&self, c: DueCall) -> ApiResult<Response> {
        let Some(loaded) = self.load()? else {
            return json_response(200, "[]".into());
        };
        let kind = self.notification_kind(&c.notification_id)?;
        let rows = self
            .store
            .deliveries_of(&c.notification_id, &c.subscriber_ids)?;
        let mut due = Vec::new();
        for id in &c.subscriber_ids {
            let wanted = match (kind, loaded.subscriber(id)) {
                // A social post goes to the page's account while it is set.
                (Some(NotificationKind::Social), _) => true,
                (Some(NotificationKind::Confirmation), Some(s)) => {
                    s.state == SubscriptionState::Pending
                }
                (Some(_), Some(s)) => s.state == SubscriptionState::Confirmed,
                _ => false,
            };
            if !wanted {
                continue;
            }
            let attempts = Self::attempts_of(&rows, id);
            let Some((primary, fallback)) = loaded.targets(kind, id) else {
                continue;
            };
            let (address, attempt) =
                match delivery::next_step(&attempts, primary, fallback, &self.retry) {
                    NextStep::Send { address } | NextStep::Fallback { address } => {
                        let n = delivery::next_number(&attempts, address.channel);
                        (address, n)
                    }
                    NextStep::Retry {
                        address, attempt, ..
                    } => (address, attempt),
                    NextStep::Done | NextStep::GiveUp => continue,
                };
            let secret = if address.channel == SubscriberChannel::Webhook {
                self.signing_secret(id, kind == Some(NotificationKind::Confirmation))?
            } else {
                None
            };
            let push = if address.channel == SubscriberChannel::Push {
                self.push_due(id)?
            } else {
                None
            };
            let social = match address.channel {
                SubscriberChannel::Mastodon | SubscriberChannel::Bluesky => {
                    match self.social_due(&loaded.state.page.social, address.channel)? {
                        Some(s) => Some(s),
                        // The account's secrets are gone: nothing to post with.
                        None => continue,
                    }
                }
                _ => None,
            };
            due.push(Due {
                subscriber_id: id.clone(),
                attempt,
                address,
                secret,
                push,
                social,
            });
        }
        json_response(200, json(&due)?)
    }

    /// Records attempts; answers whether (and after how long) the job must be retried.
    pub(super) fn record(&self, c: RecordCall) -> ApiResult<Response> {
        let kind = self.notification_kind(&c.notification_id)?;
        let at = now();
        let stamped = stamp(at);
        let loaded = self.load()?;
        for a in &c.attempts {
            // An attempt in flight while its subscriber was erased keeps no provider text.
            let erased = loaded.as_ref().is_none_or(|l| !l.knows(&a.subscriber_id));
            if let Some(session) = &a.session {
                self.keep_session(session)?;
            }
            self.store.record_delivery(&DeliveryRow {
                notification_id: c.notification_id.clone(),
                subscriber_id: a.subscriber_id.clone(),
                channel: a.channel,
                attempt: i64::from(a.attempt),
                outcome: a.outcome,
                provider_id: a.provider_id.clone(),
                error: a.error.clone().filter(|_| !erased),
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
        // A push service that forgot the subscription: it ends here, nothing more is tried.
        let gone: Vec<String> = c
            .attempts
            .iter()
            .filter(|a| a.gone && a.channel == SubscriberChannel::Push)
            .map(|a| a.subscriber_id.clone())
            .collect();
        if !gone.is_empty() {
            self.push_gone(&gone)?;
        }
        let loaded = if gone.is_empty() {
            loaded
        } else {
            self.load()?
        };
        let mut wait: Option<u32> = None;
        for a in &c.attempts {
            let attempts = Self::attempts_of(&rows, &a.subscriber_id);
            let Some((primary, fallback)) = loaded
                .as_ref()
                .and_then(|l| l.targets(kind, &a.subscriber_id))
            else {
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

    /// Gives up on these recipients of `notification_id` with `reason` (the queue refused their
    /// job, or gave up on it): one more attempt, marked set aside, on the channel each was on, so
    /// they leave "pending" for the dead letters. Those already reached are left alone.
    pub(super) fn set_aside(
        &self,
        notification_id: &str,
        subscriber_ids: &[String],
        reason: &str,
    ) -> ApiResult<()> {
        let kind = self.notification_kind(notification_id)?;
        let loaded = self.load()?;
        let rows = self.store.deliveries_of(notification_id, subscriber_ids)?;
        let stamped = stamp(now());
        for id in subscriber_ids {
            let all = Self::attempts_of(&rows, id);
            let attempts = delivery::round(&all);
            if attempts
                .iter()
                .any(|a| a.outcome.succeeded() || a.outcome == Outcome::SetAside)
            {
                continue;
            }
            let channel = match attempts
                .iter()
                .max_by_key(|a| a.at)
                .map(|a| a.channel)
                .or_else(|| delivery::reopened_on(&all))
            {
                Some(channel) => channel,
                None => match loaded.as_ref().and_then(|l| l.targets(kind, id)) {
                    Some((primary, _)) => primary.channel,
                    None => continue,
                },
            };
            let attempt = delivery::next_number(&all, channel);
            self.store.record_delivery(&DeliveryRow {
                notification_id: notification_id.to_owned(),
                subscriber_id: id.clone(),
                channel,
                attempt: i64::from(attempt),
                outcome: Outcome::SetAside,
                provider_id: None,
                error: Some(reason.to_owned()),
                at: stamped.clone(),
            })?;
        }
        Ok(())
    }

    /// The dead-letter queue's report of a job it could not process.
    pub(super) fn set_aside_call(&self, c: SetAsideCall) -> ApiResult<Response> {
        self.set_aside(&c.notification_id, &c.subscriber_ids, &c.reason)?;
        json_response(200, "{}".into())
    }

    /// The message a notification's jobs were too small to carry.
    pub(super) fn stored_message(&self, c: MessageCall) -> ApiResult<Response> {
        match self.store.message(&c.notification_id)? {
            Some(m) => json_response(200, m),
            None => Err(ApiError::not_found(format!(
                "no stored message for {:?}",
                c.notification_id
            ))),
        }
    }

    pub(super) fn list_notifications(
        &self,
        subject: Option<&str>,
    ) -> ApiResult<Vec<NotificationInfo>> {
        self.store.notifications(subject)
    }

    /// Per-recipient outcome of one notification, as `shared::delivery::tally` sums it up.
    pub(super) fn outcomes(
        &self,
        state: Option<&Loaded>,
        info: &NotificationInfo,
    ) -> ApiResult<Outcomes> {
        let rows = self.store.deliveries(&info.id)?;
        let attempts: Vec<Delivery> = rows.iter().map(Self::attempt).collect();
        let targets = |id: &str| state.and_then(|st| st.targets(Some(info.kind), id));
        let t = delivery::tally(&attempts, targets, &self.retry);
        // Who can be tried again, and on which channels: those still subscribed.
        let retry_on = |id: &str| -> Vec<SubscriberChannel> {
            if info.kind == NotificationKind::Social {
                // An account still set can be tried again.
                return state
                    .and_then(|st| st.targets(Some(info.kind), id))
                    .map(|(a, _)| vec![a.channel])
                    .unwrap_or_default();
            }
            let still = state
                .and_then(|st| st.subscriber(id))
                .filter(|s| s.state == SubscriptionState::Confirmed);
            match still.and_then(|s| info.kind.targets(s)) {
                Some((primary, fallback)) => {
                    let mut on = vec![primary.channel];
                    on.extend(
                        fallback
                            .map(|f| f.channel)
                            .filter(|c| *c != primary.channel),
                    );
                    on
                }
                None => Vec::new(),
            }
        };
        Ok(Outcomes {
            channels: t.channels,
            sent: t.sent,
            delivered: t.delivered,
            reached: t.reached,
            failures: t
                .failures
                .into_iter()
                .map(|f| {
                    (
                        DeliveryFailure {
                            retry_on: retry_on(&f.subscriber_id),
                            subscriber_id: f.subscriber_id,
                            channel: f.channel,
                            attempts: f.attempts,
                            error: f.error,
                        },
                        stamp(f.at),
                    )
                })
                .collect(),
            attempts: t.attempts,
        })
    }

    pub(super) fn delivery_report(&self, notification_id: &str) -> ApiResult<DeliveryReport> {
        let info = self
            .store
            .notification(notification_id)?
            .ok_or_else(|| ApiError::not_found(format!("no notification {notification_id:?}")))?;
        let loaded = self.load()?;
        let Outcomes {
            sent,
            delivered,
            reached,
            failures,
            attempts,
            channels,
        } = self.outcomes(loaded.as_deref(), &info)?;
        let receipts = if self.store.requires_ack(notification_id)? {
            Some(self.store.receipts(notification_id)?)
        } else {
            None
        };
        let (acknowledged, unacknowledged) = match &receipts {
            Some(receipts) => (
                Some(receipts.len() as u32),
                delivery::unacknowledged(&reached, receipts),
            ),
            None => (None, Vec::new()),
        };
        let channels = channels
            .into_iter()
            .map(|c| ChannelFigures {
                channel: c.channel,
                sent: c.sent,
                delivered: c.delivered,
                failed: c.failed,
                pending: c.trying,
                acknowledged: receipts
                    .as_ref()
                    .map(|r| c.reached.iter().filter(|id| r.contains(id)).count() as u32),
            })
            .collect();
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
            channels,
        })
    }

    /// The dead letters of one page of notifications (newest first), and the cursor of the next.
    pub(super) fn dead_letters(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> ApiResult<(Vec<DeadLetter>, Option<i64>)> {
        let loaded = self.load()?;
        let state = loaded.as_deref();
        let mut out = Vec::new();
        let (notifications, next) = self.store.notifications_page(None, before, limit)?;
        for info in notifications {
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
        Ok((out, next))
    }
}
