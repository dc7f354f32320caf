//! Erasure: once a subscriber is deleted, nothing the page object stores reveals the address. The
//! state loses the subscriber (`shared`'s `DeleteSubscriber`); here the records follow: its signing
//! secrets (`signing`), the providers' error texts of its attempts and their early events, the
//! idempotency records of requests about it (their fingerprints hash the request, address
//! included), and its place in every job still waiting in the outbox. What remains is the evidence
//! that carries no address: which notification reached which subscriber id, when, on which channel.

use herald_shared::wire::internal::Job;
use herald_shared::Event;

use super::records::Records;
use super::PageObject;
use crate::error::{json, ApiError, ApiResult};

impl PageObject {
    /// Erases the records of the subscribers these committed events deleted.
    pub(super) fn erase_deleted(&self, events: &[Event]) -> ApiResult<()> {
        for event in events {
            if let Event::SubscriberDeleted { subscriber_id } = event {
                self.store.forget_subscriber(subscriber_id)?;
                self.leave_outbox(subscriber_id)?;
            }
        }
        Ok(())
    }

    /// Takes `subscriber_id` out of every job waiting in the outbox (a job left empty goes).
    fn leave_outbox(&self, subscriber_id: &str) -> ApiResult<()> {
        let mut after = 0;
        loop {
            let rows = self.store.outbox(after, 100)?;
            let Some((last, _)) = rows.last() else {
                return Ok(());
            };
            after = *last;
            for (seq, text) in rows {
                if !text.contains(subscriber_id) {
                    continue;
                }
                let mut job: Job =
                    serde_json::from_str(&text).map_err(|e| ApiError::Server(e.to_string()))?;
                job.recipients.retain(|r| r.subscriber_id != subscriber_id);
                if job.recipients.is_empty() {
                    self.store.drop_outbox(&[seq])?;
                } else {
                    self.store.replace_outbox(seq, &json(&job)?)?;
                }
            }
        }
    }
}
