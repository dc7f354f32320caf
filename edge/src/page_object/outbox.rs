//! The outbox: notifying events become queue jobs written in the same synchronous stretch as the
//! change that caused them, each job small enough for a queue message (recipients split by
//! encoded size, a message too long to carry kept here and fetched by the consumer), then sent to
//! the queue in batches that fit its limits. While the queue takes nothing, everything stays and the
//! alarm tries again; a job the queue refuses while it takes others is set aside as dead letters,
//! never retried in place, so one bad job cannot hold up the page's later ones.

use herald_shared::delivery::NotificationKind;
use herald_shared::subscriber::{recipients, Address, WebhookFormat};
use herald_shared::template::{Locale, Message};
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

/// The queue's limit for one message (128 KB).
const QUEUE_MESSAGE_BYTES: usize = 128 * 1024;
/// What a job may weigh, as JSON: the queue measures its own encoding, which is never larger than
/// the UTF-8 JSON for these shapes (non-ASCII text takes 2 bytes a character there, up to 4 here).
const MAX_JOB_BYTES: usize = 96 * 1024;
/// A message longer than this (as JSON) is kept by the page object instead of travelling in its
/// jobs, so each job has room for its recipients.
const MAX_INLINE_MESSAGE_BYTES: usize = 24 * 1024;

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

/// One recipient of a fan-out: who, where, and in which language.
pub(super) struct To {
    pub(super) id: String,
    pub(super) address: Address,
    pub(super) locale: Locale,
    pub(super) format: WebhookFormat,
}

/// The Statuspage-format body of `event`, made only when one of `to` reads it.
pub(super) fn statuspage_body(
    state: &PageState,
    event: &Event,
    to: &[To],
) -> Option<Box<herald_shared::statuspage::SpWebhook>> {
    to.iter()
        .any(|t| t.format == WebhookFormat::Statuspage)
        .then(|| herald_shared::statuspage::webhook(state, event))
        .flatten()
        .map(Box::new)
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
            let Some(mut message) = Message::from_event(state, event) else {
                continue;
            };
            let to: Vec<To> = recipients(state, event)
                .into_iter()
                .map(|r| To {
                    locale: Locale::for_reader(&state.page, r.locale.as_deref()),
                    format: r.format,
                    id: r.subscriber_id,
                    address: r.address,
                })
                .collect();
            if herald_shared::social::posted(state, event).is_some() {
                self.post_social(page, state, &message, base, stamped)?;
            }
            message.statuspage = statuspage_body(state, event, &to);
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

    /// Queues `message` as a post on each of the page's social accounts: a notification of its
    /// own whose recipients are the accounts, in the page's language, retried like any other.
    fn post_social(
        &self,
        page: &str,
        state: &PageState,
        message: &Message,
        base: &str,
        stamped: &str,
    ) -> ApiResult<()> {
        let locale = Locale::for_reader(&state.page, None);
        let to: Vec<To> = state
            .page
            .social
            .recipients()
            .into_iter()
            .map(|(id, address)| To {
                id: id.to_owned(),
                address,
                locale,
                format: WebhookFormat::Herald,
            })
            .collect();
        let how = Fanout {
            kind: NotificationKind::Social,
            subject: message.item_id.clone(),
            receipts_for: None,
        };
        let mut message = message.clone();
        message.requires_ack = false;
        self.fan_out(page, &message, &to, how, base, stamped)?;
        Ok(())
    }

    /// Records a notification and queues it in jobs of `RECIPIENTS_PER_JOB`; a message that must
    /// be acknowledged carries a receipt link per recipient.
    pub(super) fn fan_out(
        &self,
        page: &str,
        message: &Message,
        to: &[To],
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
        // Kept whole, so a manager can try a recipient again later ("retry now").
        let encoded = json(message)?;
        self.store.keep_message(&notification_id, &encoded)?;
        self.queue_jobs(
            page,
            &notification_id,
            message,
            to,
            acknowledged.as_deref(),
            base,
        )?;
        Ok(notification_id)
    }

    /// Queues jobs of `RECIPIENTS_PER_JOB` carrying `message` of `notification_id` to `to`, each
    /// recipient with their links (and a receipt link for `acknowledged`, the message it confirms).
    pub(super) fn queue_jobs(
        &self,
        page: &str,
        notification_id: &str,
        message: &Message,
        to: &[To],
        acknowledged: Option<&str>,
        base: &str,
    ) -> ApiResult<()> {
        if to.is_empty() {
            return Ok(());
        }
        let secret = self.link_secret()?;
        let recipients: Vec<JobRecipient> = to
            .iter()
            .map(|t| JobRecipient {
                subscriber_id: t.id.clone(),
                address: t.address.clone(),
                token: token::sign(&secret, page, &t.id, Purpose::Unsubscribe, unix_now()),
                receipt: acknowledged
                    .map(|n| token::sign_receipt(&secret, page, &t.id, n, unix_now())),
                manage: Some(token::sign(
                    &secret,
                    page,
                    &t.id,
                    Purpose::Manage,
                    unix_now(),
                )),
                locale: t.locale,
                format: t.format,
            })
            .collect();
        let content = if json(message)?.len() > MAX_INLINE_MESSAGE_BYTES {
            Content::Stored
        } else {
            Content::Notification {
                message: Box::new(message.clone()),
            }
        };
        let mut job = Job {
            page: page.to_owned(),
            notification_id: notification_id.to_owned(),
            base: base.to_owned(),
            content,
            recipients: Vec::new(),
        };
        let room = MAX_JOB_BYTES.saturating_sub(json(&job)?.len());
        let sizes = recipients
            .iter()
            .map(|r| json(r).map(|j| j.len() + 1))
            .collect::<ApiResult<Vec<_>>>()?;
        for (from, to) in split(&sizes, room, RECIPIENTS_PER_JOB) {
            job.recipients = recipients[from..to].to_vec();
            self.store.push_outbox(&json(&job)?)?;
        }
        Ok(())
    }

    /// Sends what the outbox holds to the queue. A batch the queue refuses is sent again job by
    /// job: what goes is dropped from the outbox; when the queue took nothing at all it is taken to
    /// be down, everything stays and the alarm tries again; when it took other jobs, the ones it
    /// refused are set aside (their recipients become dead letters with the queue's reason).
    pub(super) async fn flush_outbox(&self) {
        if self.flushing.replace(true) {
            return;
        }
        let mut after = 0;
        let mut any_sent = false;
        // (seq, job, reason, whether it can never fit a queue message)
        let mut refused: Vec<(i64, Job, String, bool)> = Vec::new();
        loop {
            let rows = match self.store.outbox(after, MAX_BATCH_MESSAGES) {
                Ok(r) if !r.is_empty() => r,
                Ok(_) => break,
                Err(e) => {
                    worker::console_error!("outbox unreadable: {e:?}");
                    break;
                }
            };
            let mut batch: Vec<(i64, Job)> = Vec::new();
            let mut bytes = 0;
            for (seq, text) in rows {
                if !batch.is_empty() && bytes + text.len() > MAX_BATCH_BYTES {
                    break;
                }
                after = seq;
                bytes += text.len();
                match serde_json::from_str::<Job>(&text) {
                    Ok(job) if text.len() > QUEUE_MESSAGE_BYTES => refused.push((
                        seq,
                        job,
                        format!(
                            "the job ({} bytes) is larger than a queue message",
                            text.len()
                        ),
                        true,
                    )),
                    Ok(job) => batch.push((seq, job)),
                    Err(e) => {
                        worker::console_error!("outbox job {seq} unreadable, dropped: {e}");
                        self.drop_jobs(&[seq]);
                    }
                }
            }
            if batch.is_empty() {
                continue;
            }
            let jobs: Vec<Job> = batch.iter().map(|(_, j)| j.clone()).collect();
            if let Err(e) = self.send_jobs(jobs).await {
                worker::console_error!("queue refused a batch, sending its jobs one by one: {e}");
                for (seq, job) in batch {
                    match self.send_jobs(vec![job.clone()]).await {
                        Ok(()) => {
                            any_sent = true;
                            self.drop_jobs(&[seq]);
                        }
                        Err(e) => refused.push((
                            seq,
                            job,
                            format!("the queue refused the job: {e}"),
                            false,
                        )),
                    }
                }
                continue;
            }
            any_sent = true;
            self.drop_jobs(&batch.iter().map(|(s, _)| *s).collect::<Vec<_>>());
        }
        let (set_aside, kept): (Vec<_>, Vec<_>) = refused
            .into_iter()
            .partition(|(.., never_fits)| any_sent || *never_fits);
        for (seq, job, reason, _) in set_aside {
            self.set_aside_job(&job, &reason);
            self.drop_jobs(&[seq]);
        }
        if !kept.is_empty() {
            worker::console_error!(
                "queue unavailable: {} job(s) kept in the outbox",
                kept.len()
            );
            // Retried by the alarm even if no other request comes.
            let retry = std::time::Duration::from_secs(OUTBOX_RETRY_SECS);
            if let Err(e) = self.storage.set_alarm(retry).await {
                worker::console_error!("outbox alarm not set: {e}");
            }
        }
        self.flushing.set(false);
    }

    async fn send_jobs(&self, jobs: Vec<Job>) -> worker::Result<()> {
        crate::notify::queue(&self.env)?.send_batch(jobs).await
    }

    fn drop_jobs(&self, seqs: &[i64]) {
        if let Err(e) = self.store.drop_outbox(seqs) {
            worker::console_error!("outbox not cleared: {e:?}");
        }
    }

    /// Gives up on a job's recipients, who become dead letters with `reason`.
    fn set_aside_job(&self, job: &Job, reason: &str) {
        worker::console_error!(
            "notification {} set aside for {} recipient(s): {reason}",
            job.notification_id,
            job.recipients.len()
        );
        if let Content::Responders { .. } = job.content {
            return;
        }
        let ids: Vec<String> = job
            .recipients
            .iter()
            .map(|r| r.subscriber_id.clone())
            .collect();
        if let Err(e) = self.set_aside(&job.notification_id, &ids, reason) {
            worker::console_error!("set-aside not recorded: {e:?}");
        }
    }
}

/// Consecutive parts `(from, to)` of recipients whose encoded `sizes` fit `room`, at most
/// `per_job` each; a recipient too large for any job still gets one of its own (the outbox sets
/// such a job aside).
fn split(sizes: &[usize], room: usize, per_job: usize) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, size) in sizes.iter().enumerate() {
        if i > start && (bytes + size > room || i - start == per_job) {
            parts.push((start, i));
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < sizes.len() {
        parts.push((start, sizes.len()));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn recipients_are_split_by_count_and_by_encoded_size() {
        // (sizes, room, per job, parts)
        type Case = (&'static [usize], usize, usize, &'static [(usize, usize)]);
        let cases: &[Case] = &[
            (&[], 100, 50, &[]),
            (&[10, 10, 10], 100, 50, &[(0, 3)]),
            (&[10, 10, 10], 100, 2, &[(0, 2), (2, 3)]),
            (&[60, 30, 20, 90], 100, 50, &[(0, 2), (2, 3), (3, 4)]),
            // A recipient larger than a job's room travels alone.
            (&[10, 500, 10], 100, 50, &[(0, 1), (1, 2), (2, 3)]),
            (&[100, 1], 100, 50, &[(0, 1), (1, 2)]),
        ];
        for (sizes, room, per_job, want) in cases {
            assert_eq!(split(sizes, *room, *per_job), *want, "{sizes:?} in {room}");
        }
    }

    #[test]
    fn fifty_long_webhook_urls_with_a_long_message_stay_under_a_queue_message() {
        // 50 recipients of ~2.3 KB each (a 2,000-character URL and three signed tokens) cannot
        // share one job of 96 KB: they go in two.
        let sizes = vec![2_300; 50];
        let parts = split(
            &sizes,
            super::MAX_JOB_BYTES - 300,
            super::RECIPIENTS_PER_JOB,
        );
        assert_eq!(parts.len(), 2);
        assert!(parts
            .iter()
            .all(|(from, to)| (to - from) * 2_300 <= super::MAX_JOB_BYTES - 300));
    }
}
