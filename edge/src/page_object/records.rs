//! The page object's bookkeeping behind a small trait with no worker types: idempotency records,
//! the outbox of queue jobs, notifications and the per-recipient delivery records. `Store` keeps
//! them in the object's SQLite storage; `Memory` keeps them in memory, so the rules that use them
//! (`gate`, `outbox`) are tested natively, and again in workerd by the runtime tests.

#[cfg(test)]
use std::cell::RefCell;
#[cfg(test)]
use std::collections::BTreeMap;

use herald_shared::delivery::Outcome;
use herald_shared::subscriber::SubscriberChannel;
use herald_shared::wire::NotificationInfo;

use crate::error::ApiResult;

/// A stored answer to an idempotent request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

/// One stored delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub notification_id: String,
    pub subscriber_id: String,
    pub channel: SubscriberChannel,
    pub attempt: i64,
    pub outcome: Outcome,
    pub provider_id: Option<String>,
    pub error: Option<String>,
    pub at: String,
}

/// What a page object records besides its state.
pub trait Records {
    /// The answer given to the request with this `Idempotency-Key`, if it was given at `since` or
    /// later.
    fn recall(&self, key: &str, since: &str) -> ApiResult<Option<Remembered>>;
    /// Keeps an answer given at `at`, and forgets those given before `forget_before`.
    fn remember(
        &self,
        key: &str,
        answer: &Remembered,
        at: &str,
        forget_before: &str,
    ) -> ApiResult<()>;

    /// Queues a job (JSON) behind the others.
    fn push_outbox(&self, job: &str) -> ApiResult<()>;
    /// The oldest queued jobs after `after`, `(seq, job)`, at most `limit`.
    fn outbox(&self, after: i64, limit: u32) -> ApiResult<Vec<(i64, String)>>;
    /// Drops these jobs, once the queue took them (or they were set aside).
    fn drop_outbox(&self, seqs: &[i64]) -> ApiResult<()>;
    /// Rewrites a waiting job (a recipient erased from it).
    fn replace_outbox(&self, seq: i64, job: &str) -> ApiResult<()>;

    /// Keeps a notification's message (JSON) too large to travel in its queue jobs.
    fn keep_message(&self, notification_id: &str, message: &str) -> ApiResult<()>;
    /// The message kept for `notification_id`.
    fn message(&self, notification_id: &str) -> ApiResult<Option<String>>;

    fn insert_notification(&self, n: &NotificationInfo) -> ApiResult<()>;
    fn notification(&self, id: &str) -> ApiResult<Option<NotificationInfo>>;

    /// Records an attempt; an event its provider already sent about it is applied at once.
    fn record_delivery(&self, d: &DeliveryRow) -> ApiResult<()>;
    /// The attempts at `notification_id` for these subscribers, by subscriber and attempt.
    fn deliveries_of(
        &self,
        notification_id: &str,
        subscriber_ids: &[String],
    ) -> ApiResult<Vec<DeliveryRow>>;
    /// Applies a provider's event to the attempt with `provider_id`; when none is recorded yet, keeps
    /// the event for it (providers can report before the attempt is recorded). Answers whether an
    /// attempt matched.
    fn provider_event(
        &self,
        provider_id: &str,
        outcome: Outcome,
        error: Option<&str>,
        at: &str,
    ) -> ApiResult<bool>;
}

/// A delivery's (notification, subscriber, channel, attempt), as the table's key.
#[cfg(test)]
type DeliveryKey = (String, String, &'static str, i64);

/// Records in memory, for native tests of the rules that use them.
#[cfg(test)]
#[derive(Default)]
pub struct Memory {
    idempotency: RefCell<BTreeMap<String, (Remembered, String)>>,
    outbox: RefCell<BTreeMap<i64, String>>,
    next_seq: RefCell<i64>,
    messages: RefCell<BTreeMap<String, String>>,
    notifications: RefCell<BTreeMap<String, NotificationInfo>>,
    deliveries: RefCell<BTreeMap<DeliveryKey, DeliveryRow>>,
    early: RefCell<BTreeMap<String, (Outcome, Option<String>)>>,
}

#[cfg(test)]
impl Records for Memory {
    fn recall(&self, key: &str, since: &str) -> ApiResult<Option<Remembered>> {
        Ok(self
            .idempotency
            .borrow()
            .get(key)
            .filter(|(_, at)| at.as_str() >= since)
            .map(|(r, _)| r.clone()))
    }

    fn remember(
        &self,
        key: &str,
        answer: &Remembered,
        at: &str,
        forget_before: &str,
    ) -> ApiResult<()> {
        let mut kept = self.idempotency.borrow_mut();
        kept.retain(|_, (_, t)| t.as_str() >= forget_before);
        kept.insert(key.to_owned(), (answer.clone(), at.to_owned()));
        Ok(())
    }

    fn push_outbox(&self, job: &str) -> ApiResult<()> {
        let mut seq = self.next_seq.borrow_mut();
        *seq += 1;
        self.outbox.borrow_mut().insert(*seq, job.to_owned());
        Ok(())
    }

    fn outbox(&self, after: i64, limit: u32) -> ApiResult<Vec<(i64, String)>> {
        Ok(self
            .outbox
            .borrow()
            .range(after + 1..)
            .take(limit as usize)
            .map(|(s, j)| (*s, j.clone()))
            .collect())
    }

    fn drop_outbox(&self, seqs: &[i64]) -> ApiResult<()> {
        self.outbox
            .borrow_mut()
            .retain(|seq, _| !seqs.contains(seq));
        Ok(())
    }

    fn replace_outbox(&self, seq: i64, job: &str) -> ApiResult<()> {
        if let Some(j) = self.outbox.borrow_mut().get_mut(&seq) {
            *j = job.to_owned();
        }
        Ok(())
    }

    fn keep_message(&self, notification_id: &str, message: &str) -> ApiResult<()> {
        self.messages
            .borrow_mut()
            .insert(notification_id.to_owned(), message.to_owned());
        Ok(())
    }

    fn message(&self, notification_id: &str) -> ApiResult<Option<String>> {
        Ok(self.messages.borrow().get(notification_id).cloned())
    }

    fn insert_notification(&self, n: &NotificationInfo) -> ApiResult<()> {
        self.notifications
            .borrow_mut()
            .insert(n.id.clone(), n.clone());
        Ok(())
    }

    fn notification(&self, id: &str) -> ApiResult<Option<NotificationInfo>> {
        Ok(self.notifications.borrow().get(id).cloned())
    }

    fn record_delivery(&self, d: &DeliveryRow) -> ApiResult<()> {
        let mut d = d.clone();
        if let Some((outcome, error)) = d
            .provider_id
            .as_ref()
            .and_then(|id| self.early.borrow_mut().remove(id))
        {
            d.outcome = outcome;
            d.error = error.or(d.error.take());
        }
        let key = (
            d.notification_id.clone(),
            d.subscriber_id.clone(),
            d.channel.as_str(),
            d.attempt,
        );
        self.deliveries.borrow_mut().insert(key, d);
        Ok(())
    }

    fn deliveries_of(
        &self,
        notification_id: &str,
        subscriber_ids: &[String],
    ) -> ApiResult<Vec<DeliveryRow>> {
        let mut rows: Vec<DeliveryRow> = self
            .deliveries
            .borrow()
            .values()
            .filter(|d| d.notification_id == notification_id)
            .filter(|d| subscriber_ids.contains(&d.subscriber_id))
            .cloned()
            .collect();
        rows.sort_by(|a, b| (&a.subscriber_id, a.attempt).cmp(&(&b.subscriber_id, b.attempt)));
        Ok(rows)
    }

    fn provider_event(
        &self,
        provider_id: &str,
        outcome: Outcome,
        error: Option<&str>,
        _at: &str,
    ) -> ApiResult<bool> {
        let mut matched = false;
        for d in self.deliveries.borrow_mut().values_mut() {
            if d.provider_id.as_deref() == Some(provider_id) {
                d.outcome = outcome;
                if let Some(e) = error {
                    d.error = Some(e.to_owned());
                }
                matched = true;
            }
        }
        if !matched {
            self.early
                .borrow_mut()
                .insert(provider_id.to_owned(), (outcome, error.map(str::to_owned)));
        }
        Ok(matched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(sub: &str, n: i64, outcome: Outcome, provider: Option<&str>) -> DeliveryRow {
        DeliveryRow {
            notification_id: "ntf_1".into(),
            subscriber_id: sub.into(),
            channel: SubscriberChannel::Email,
            attempt: n,
            outcome,
            provider_id: provider.map(str::to_owned),
            error: None,
            at: format!("2026-03-01T12:00:0{n}.000Z"),
        }
    }

    #[test]
    fn the_outbox_drains_in_order_and_keeps_what_the_queue_did_not_take() {
        let r = Memory::default();
        for job in ["a", "b", "c"] {
            r.push_outbox(job).unwrap();
        }
        let first = r.outbox(0, 2).unwrap();
        assert_eq!(first, [(1, "a".into()), (2, "b".into())]);
        r.drop_outbox(&[1, 2]).unwrap();
        r.push_outbox("d").unwrap();
        assert_eq!(r.outbox(0, 10).unwrap(), [(3, "c".into()), (4, "d".into())]);
        // A job left behind (refused) does not hold up the ones after it.
        assert_eq!(r.outbox(3, 10).unwrap(), [(4, "d".into())]);
        r.drop_outbox(&[4]).unwrap();
        assert_eq!(r.outbox(0, 10).unwrap(), [(3, "c".into())]);
    }

    #[test]
    fn delivery_records_take_provider_events_before_and_after_the_attempt() {
        let r = Memory::default();
        // An event that beat its attempt is kept, then applied when the attempt is recorded.
        assert!(!r
            .provider_event("p1", Outcome::Delivered, None, "t")
            .unwrap());
        r.record_delivery(&attempt("s1", 1, Outcome::Sent, Some("p1")))
            .unwrap();
        // An event after its attempt updates it at once.
        r.record_delivery(&attempt("s2", 1, Outcome::Sent, Some("p2")))
            .unwrap();
        assert!(r
            .provider_event("p2", Outcome::PermanentFailure, Some("bounced"), "t")
            .unwrap());
        // A retry of the same attempt replaces it rather than adding a row.
        r.record_delivery(&attempt("s3", 1, Outcome::TemporaryFailure, None))
            .unwrap();
        r.record_delivery(&attempt("s3", 1, Outcome::TemporaryFailure, None))
            .unwrap();
        r.record_delivery(&attempt("s3", 2, Outcome::Sent, None))
            .unwrap();
        let ids = ["s1", "s2", "s3"].map(String::from);
        let got: Vec<(String, i64, Outcome, Option<String>)> = r
            .deliveries_of("ntf_1", &ids)
            .unwrap()
            .into_iter()
            .map(|d| (d.subscriber_id, d.attempt, d.outcome, d.error))
            .collect();
        let want = vec![
            ("s1".into(), 1, Outcome::Delivered, None),
            (
                "s2".into(),
                1,
                Outcome::PermanentFailure,
                Some("bounced".into()),
            ),
            ("s3".into(), 1, Outcome::TemporaryFailure, None),
            ("s3".into(), 2, Outcome::Sent, None),
        ];
        assert_eq!(got, want);
        // Only the subscribers asked for.
        assert_eq!(r.deliveries_of("ntf_1", &ids[..1]).unwrap().len(), 1);
        assert!(r.deliveries_of("ntf_2", &ids).unwrap().is_empty());
    }
}
