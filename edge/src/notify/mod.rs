//! Notifications: the jobs the page object puts on the NOTIFY queue, and the queue consumer that
//! renders each message from `shared` templates, sends it through the email provider and reports
//! every attempt back to the page object (which decides retries with `shared::delivery`).

pub mod email;
pub mod token;

use herald_shared::delivery::Outcome;
use herald_shared::subscriber::Address;
use herald_shared::template::{self, Links, Message};
use serde::{Deserialize, Serialize};
use worker::{Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

use crate::bindings;
use crate::page_object;

/// Recipients per queue message: small enough for the 128 KB message limit and one consumer run.
pub const RECIPIENTS_PER_JOB: usize = 50;

/// What a job sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Content {
    /// News to confirmed subscribers.
    Notification { message: Box<Message> },
    /// The double opt-in message to a pending subscriber.
    Confirmation { page_name: String },
}

/// One recipient of a job, with the links minted for them by the page object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobRecipient {
    pub subscriber_id: String,
    pub address: Address,
    /// Signed link token: confirm for a confirmation, unsubscribe otherwise.
    pub token: String,
}

/// A queue message: one notification to up to `RECIPIENTS_PER_JOB` recipients.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub page: String,
    pub notification_id: String,
    /// Public origin for links (`https://status.example.com`).
    pub base: String,
    pub content: Content,
    pub recipients: Vec<JobRecipient>,
}

/// One attempt, as reported to the page object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attempt {
    pub subscriber_id: String,
    pub attempt: u32,
    pub outcome: Outcome,
    pub provider_id: Option<String>,
    pub error: Option<String>,
}

/// A recipient the page object says is still due, with the attempt number to use.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Due {
    pub subscriber_id: String,
    pub attempt: u32,
}

/// The page object's answer to reported attempts: retry the job after this many seconds, or not.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Verdict {
    pub retry_after_secs: Option<u32>,
}

pub fn confirm_url(base: &str, token: &str) -> String {
    format!("{base}/v1/subscriptions/confirm?token={token}")
}

pub fn unsubscribe_url(base: &str, token: &str) -> String {
    format!("{base}/v1/subscriptions/unsubscribe?token={token}")
}

/// The email for one recipient of `job`, and its unsubscribe URL for the `List-Unsubscribe` header.
pub fn render(job: &Job, r: &JobRecipient) -> (template::Email, Option<String>) {
    match &job.content {
        Content::Confirmation { page_name } => (
            template::confirmation_email(page_name, &confirm_url(&job.base, &r.token)),
            None,
        ),
        Content::Notification { message } => {
            let unsubscribe = unsubscribe_url(&job.base, &r.token);
            let links = Links {
                url: format!("{}/{}", job.base, job.page),
                unsubscribe_url: Some(unsubscribe.clone()),
                receipt_url: None,
            };
            (template::email(message, &links), Some(unsubscribe))
        }
    }
}

/// The queue consumer: each job is sent to whoever is still due; a job with temporary failures is
/// retried with the back-off the page object decided, others are acknowledged.
pub async fn consume(batch: MessageBatch<Job>, env: Env) -> worker::Result<()> {
    let provider = email::Provider::from_env(&env);
    for message in batch.messages()? {
        let job = message.body();
        match run(job, &env, provider.as_ref()).await {
            Ok(Verdict {
                retry_after_secs: Some(secs),
            }) => message.retry_with_options(
                &QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(secs)
                    .build(),
            ),
            Ok(_) => message.ack(),
            Err(e) => {
                worker::console_error!("notification {} failed: {e:?}", job.notification_id);
                message.retry_with_options(
                    &QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(5)
                        .build(),
                );
            }
        }
    }
    Ok(())
}

async fn run(
    job: &Job,
    env: &Env,
    provider: Option<&email::Provider>,
) -> crate::error::ApiResult<Verdict> {
    let ids: Vec<String> = job
        .recipients
        .iter()
        .map(|r| r.subscriber_id.clone())
        .collect();
    let due = page_object::deliveries_due(env, &job.page, &job.notification_id, &ids).await?;
    if due.is_empty() {
        return Ok(Verdict::default());
    }
    let mut attempts = Vec::new();
    for d in &due {
        let Some(r) = job
            .recipients
            .iter()
            .find(|r| r.subscriber_id == d.subscriber_id)
        else {
            continue;
        };
        let (mail, unsubscribe) = render(job, r);
        let key = format!("{}/{}", job.notification_id, r.subscriber_id);
        let sent = match provider {
            Some(p) => {
                p.send(&r.address.value, &mail, unsubscribe.as_deref(), &key)
                    .await
            }
            None => email::Sent::permanent("no email provider configured (HERALD_EMAIL_API)"),
        };
        attempts.push(Attempt {
            subscriber_id: r.subscriber_id.clone(),
            attempt: d.attempt,
            outcome: sent.outcome,
            provider_id: sent.provider_id,
            error: sent.error,
        });
    }
    page_object::record_deliveries(env, &job.page, &job.notification_id, &attempts).await
}

/// Name of the queue binding, for the page object.
pub fn queue(env: &Env) -> worker::Result<worker::Queue> {
    env.queue(bindings::NOTIFY)
}
