//! The outbox: notifying events become queue jobs written in the same synchronous stretch as the
//! change that caused them, then sent to the queue in batches that fit its limits; what the queue
//! refuses stays and is retried by the alarm.

use herald_shared::delivery::NotificationKind;
use herald_shared::subscriber::{recipients, Address};
use herald_shared::template::Message;
use herald_shared::wire::internal::{Content, Job, JobRecipient};
use herald_shared::wire::NotificationInfo;
use herald_shared::{Event, State as PageState};

use super::records::Records;
use super::{new_id, unix_now, PageObject};
use crate::error::{json, ApiResult};
use crate::notify::token::{self, Purpose};
use crate::notify::RECIPIENTS_PER_JOB;

/// Queue limits for one `sendBatch`: 100 messages and 256 KB in all; kept well inside.
const MAX_BATCH_MESSAGES: u32 = 100;
const MAX_BATCH_BYTES: usize = 160 * 1024;

/// Seconds before the alarm retries an outbox the queue refused.
const OUTBOX_RETRY_SECS: u64 = 5;

/// What kind of notification a fan-out records.
pub(super) struct Fanout {
    pub(super) kind: NotificationKind,
    /// The item it is about (incident, maintenance, notice), or the escalated notification.
    pub(super) subject: String,
    /// For an escalation: the notification whose receipt the new message asks for.
    pub(super) receipts_for: Option<String>,
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

impl PageObject {
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
                if self.confirmation_job(page, state, subscriber_id, base, stamped)? {
                    // An admin-added webhook got its secret in the answer; one asked for
                    // otherwise (a move) gets one now.
                    if self.signing_secret(subscriber_id, true)?.is_none() {
                        self.mint_signing_secret(state, subscriber_id)?;
                    }
                }
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
                        token: token::sign(&secret, page, id, Purpose::Unsubscribe, unix_now()),
                        receipt: acknowledged
                            .as_deref()
                            .map(|n| token::sign_receipt(&secret, page, id, n, unix_now())),
                        manage: Some(token::sign(&secret, page, id, Purpose::Manage, unix_now())),
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
}
