//! Notifications: the jobs the page object puts on the NOTIFY queue, and the queue consumer that
//! renders each message from `shared` templates, sends it on the recipient's channel (email, SMS,
//! Standard Webhooks, Slack, Microsoft Teams, browser push) and reports every attempt back to the page object (which decides
//! retries and fallback with `shared::delivery`).

pub mod email;
pub mod fault;
pub mod http;
pub mod push;
pub mod sms;
pub mod social;
pub mod token;
pub mod webhook;

use herald_shared::subscriber::{SubscriberChannel, WebhookFormat};
use herald_shared::template::{self, Links};
use herald_shared::webhook::Challenge;
use herald_shared::wire::internal::{Attempt, Content, Due, Job, JobRecipient, Verdict};
use herald_shared::wire::social::SocialDue;
use worker::{Env, MessageBatch, MessageExt, QueueRetryOptionsBuilder};

use crate::bindings;
use crate::client;

/// Provider calls in flight at once for one job.
const PARALLEL_SENDS: usize = 6;

/// Recipients per queue message: small enough for the 128 KB message limit and one consumer run.
pub const RECIPIENTS_PER_JOB: usize = 50;

pub fn confirm_url(base: &str, token: &str) -> String {
    format!("{base}/v1/subscriptions/confirm?token={token}")
}

pub fn unsubscribe_url(base: &str, token: &str) -> String {
    format!("{base}/v1/subscriptions/unsubscribe?token={token}")
}

pub fn manage_url(base: &str, token: &str) -> String {
    format!("{base}/v1/subscriptions/manage?token={token}")
}

pub fn receipt_url(base: &str, token: &str) -> String {
    format!("{base}/v1/receipts?token={token}")
}

/// The links in a notification for one recipient; "read more" goes to the item on the status host
/// (an incident's own page).
fn links(job: &Job, r: &JobRecipient) -> Links {
    let page_url = format!("{}/{}", job.base, job.page);
    let url = match &job.content {
        Content::Notification { message } => {
            template::item_url(&page_url, message.kind, &message.item_id)
        }
        _ => page_url,
    };
    Links {
        url,
        unsubscribe_url: Some(unsubscribe_url(&job.base, &r.token)),
        receipt_url: r.receipt.as_deref().map(|t| receipt_url(&job.base, t)),
        manage_url: r.manage.as_deref().map(|t| manage_url(&job.base, t)),
        locale: r.locale,
    }
}

/// What a provider is told when a job's stored message was not fetched (a bug, never expected).
const NOT_FETCHED: &str = "the message kept by the page was not fetched";

/// The email for one recipient of `job`, and its unsubscribe URL for the `List-Unsubscribe` header;
/// none for a stored message not fetched yet.
pub fn render(job: &Job, r: &JobRecipient) -> Option<(template::Email, Option<String>)> {
    Some(match &job.content {
        Content::Confirmation { page_name } => (
            template::confirmation_email(page_name, &confirm_url(&job.base, &r.token), r.locale),
            None,
        ),
        Content::Notification { message } => {
            let links = links(job, r);
            let unsubscribe = links.unsubscribe_url.clone();
            (template::email(message, &links), unsubscribe)
        }
        Content::Responders { text } => (template::responder_email(text), None),
        Content::Stored => return None,
    })
}

/// The SMS text for one recipient of `job`; none for a stored message not fetched yet.
pub fn render_sms(job: &Job, r: &JobRecipient) -> Option<String> {
    Some(match &job.content {
        Content::Confirmation { page_name } => {
            template::confirmation_sms(page_name, &confirm_url(&job.base, &r.token), r.locale)
        }
        Content::Notification { message } => template::sms(message, &links(job, r)).text,
        Content::Responders { text } => text.clone(),
        Content::Stored => return None,
    })
}

/// Provider settings read once per batch.
pub struct Providers {
    email: Option<email::Provider>,
    sms: Option<sms::Provider>,
    /// Bluesky's service (`HERALD_BLUESKY_API`).
    bluesky: String,
    timeout_ms: u64,
}

/// A variable or secret, if set and not blank.
pub fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .map(|v| v.to_string())
        .or_else(|_| env.secret(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.trim().is_empty())
}

impl Providers {
    pub fn from_env(env: &Env) -> Providers {
        Providers {
            email: email::Provider::from_env(env),
            sms: sms::Provider::from_env(env),
            bluesky: var(env, bindings::BLUESKY_API)
                .unwrap_or_else(|| social::DEFAULT_BLUESKY_API.to_owned()),
            timeout_ms: var(env, bindings::PROVIDER_TIMEOUT_MS)
                .and_then(|v| v.parse().ok())
                .unwrap_or(http::DEFAULT_TIMEOUT_MS),
        }
    }
}

/// The queue consumer: each job is sent to whoever is still due; a job with temporary failures is
/// retried with the back-off the page object decided, others are acknowledged. A job that fails as
/// a whole is retried until the queue's `max_retries`, then comes back here from the dead-letter
/// queue and its recipients are given up on (dead letters with the reason), never left pending.
pub async fn consume(batch: MessageBatch<Job>, env: Env) -> worker::Result<()> {
    let dead_letters = batch.queue() == bindings::NOTIFY_DEAD_LETTERS;
    let providers = Providers::from_env(&env);
    let again_after = var(&env, bindings::RETRY_BASE_SECS)
        .and_then(|v| v.parse().ok())
        .unwrap_or(5u32)
        .clamp(1, 60);
    let again = QueueRetryOptionsBuilder::new()
        .with_delay_seconds(again_after)
        .build();
    for message in batch.iter() {
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                // Only the page object writes jobs; one that does not read is dropped, said once.
                worker::console_error!("a queue message that is not a job was dropped: {e}");
                continue;
            }
        };
        let job = message.body();
        if dead_letters {
            match set_aside(job, &env).await {
                Ok(()) => message.ack(),
                Err(e) => {
                    worker::console_error!(
                        "dead letter {} not recorded: {e:?}",
                        job.notification_id
                    );
                    message.retry_with_options(&again);
                }
            }
            continue;
        }
        match run(job, &env, &providers).await {
            Ok(Verdict {
                retry_after_secs: Some(secs),
            }) => message.retry_with_options(
                &QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(secs)
                    .build(),
            ),
            Ok(_) => message.ack(),
            Err(Failure::Crash) => {
                return Err(worker::Error::RustError(
                    "consumer crashed mid-job (a development fault)".into(),
                ))
            }
            Err(Failure::Api(e)) => {
                worker::console_error!("notification {} failed: {e:?}", job.notification_id);
                message.retry_with_options(&again);
            }
        }
    }
    Ok(())
}

/// Why a job's run did not finish.
enum Failure {
    /// A development fault: the whole invocation dies, as an isolate out of memory would.
    Crash,
    Api(crate::error::ApiError),
}

impl From<crate::error::ApiError> for Failure {
    fn from(e: crate::error::ApiError) -> Self {
        Failure::Api(e)
    }
}

/// A job from the dead-letter queue: the consumer failed it on every delivery.
async fn set_aside(job: &Job, env: &Env) -> crate::error::ApiResult<()> {
    if let Content::Responders { .. } = job.content {
        worker::console_error!("responder reminder {} not sent", job.notification_id);
        return Ok(());
    }
    let ids: Vec<String> = job
        .recipients
        .iter()
        .map(|r| r.subscriber_id.clone())
        .collect();
    let reason = "the job could not be processed: it failed on every delivery the queue allows";
    client::set_aside(env, &job.page, &job.notification_id, &ids, reason).await
}

/// Sends one message to one recipient at `due.address`.
async fn deliver(job: &Job, r: &JobRecipient, due: &Due, env: &Env, p: &Providers) -> http::Sent {
    // The same key for every attempt at the same (notification, recipient, channel).
    let key = format!(
        "{}/{}/{}",
        job.notification_id,
        r.subscriber_id,
        due.address.channel.as_str()
    );
    let to = due.address.value.as_str();
    let confirmation = matches!(job.content, Content::Confirmation { .. });
    let sent = match due.address.channel {
        SubscriberChannel::Email => {
            let Some(provider) = &p.email else {
                return http::Sent::permanent("no email provider configured (HERALD_EMAIL_API)");
            };
            let Some((mail, unsubscribe)) = render(job, r) else {
                return http::Sent::permanent(NOT_FETCHED);
            };
            provider
                .send(to, &mail, unsubscribe.as_deref(), &key, p.timeout_ms)
                .await
        }
        SubscriberChannel::Sms => {
            let Some(provider) = &p.sms else {
                return http::Sent::permanent("no SMS provider configured (HERALD_SMS_API)");
            };
            let callback = format!("{}/v1/providers/{}/sms-events", job.base, job.page);
            let Some(text) = render_sms(job, r) else {
                return http::Sent::permanent(NOT_FETCHED);
            };
            provider
                .send(to, &text, &callback, &key, p.timeout_ms)
                .await
        }
        SubscriberChannel::Webhook => {
            let Some(secret) = due.secret.as_deref() else {
                return http::Sent::permanent("the webhook has no signing secret");
            };
            let id = format!("msg_{}", key.replace('/', "_"));
            match &job.content {
                Content::Confirmation { .. } => {
                    let c = Challenge::new(&job.page, &r.token);
                    webhook::challenge(to, secret, &id, &c, p.timeout_ms).await
                }
                Content::Notification { message } => {
                    let links = links(job, r);
                    let body = match (r.format, &message.statuspage) {
                        (WebhookFormat::Statuspage, Some(sp)) => {
                            serde_json::to_string(&sp.for_recipient(
                                &job.base,
                                links.unsubscribe_url.as_deref().unwrap_or_default(),
                            ))
                        }
                        (WebhookFormat::Statuspage, None) => {
                            return http::Sent::permanent(
                                "Statuspage has no webhook for this kind of message",
                            )
                        }
                        (WebhookFormat::Herald, _) => {
                            serde_json::to_string(&template::webhook(message, &links))
                        }
                    }
                    .unwrap_or_default();
                    webhook::send(to, secret, &id, &body, p.timeout_ms).await
                }
                Content::Responders { .. } => {
                    http::Sent::permanent("responders are reached by email or Slack")
                }
                Content::Stored => http::Sent::permanent(NOT_FETCHED),
            }
        }
        SubscriberChannel::Slack => {
            let payload = match &job.content {
                Content::Confirmation { page_name } => {
                    template::slack_confirmation(page_name, r.locale)
                }
                Content::Notification { message } => template::slack(message, &links(job, r)),
                Content::Responders { text } => template::slack_text(text),
                Content::Stored => return http::Sent::permanent(NOT_FETCHED),
            };
            webhook::chat(to, &payload, p.timeout_ms).await
        }
        SubscriberChannel::Teams => {
            let payload = match &job.content {
                Content::Confirmation { page_name } => template::teams_text(
                    &template::channel_confirmation(page_name, r.locale),
                    r.locale,
                ),
                Content::Notification { message } => template::teams(message, &links(job, r)),
                Content::Responders { text } => template::teams_text(text, r.locale),
                Content::Stored => return http::Sent::permanent(NOT_FETCHED),
            };
            webhook::chat(to, &payload, p.timeout_ms).await
        }
        SubscriberChannel::Push => {
            let Some(keys) = &due.push else {
                return http::Sent::permanent("the push subscription's keys are missing");
            };
            match &job.content {
                Content::Notification { message } => {
                    let payload = template::push(message, &links(job, r));
                    let urgency = template::push_urgency(message);
                    let subject = var(env, bindings::VAPID_SUBJECT)
                        .unwrap_or_else(|| format!("{}/{}", job.base, job.page));
                    push::send(to, keys, &payload, urgency, &subject, p.timeout_ms).await
                }
                Content::Confirmation { .. } => {
                    http::Sent::permanent("a browser is confirmed by subscribing, not by a message")
                }
                Content::Responders { .. } => {
                    http::Sent::permanent("responders are reached by email or Slack")
                }
                Content::Stored => http::Sent::permanent(NOT_FETCHED),
            }
        }
        SubscriberChannel::Mastodon | SubscriberChannel::Bluesky => {
            let Content::Notification { message } = &job.content else {
                return http::Sent::permanent("only news is posted on social accounts");
            };
            let link = social::item_link(&job.base, &job.page, message);
            match &due.social {
                Some(SocialDue::Mastodon {
                    server,
                    access_token,
                    max_chars,
                }) => {
                    let account = social::Mastodon {
                        server,
                        token: access_token,
                        max_chars: *max_chars,
                    };
                    social::mastodon(account, message, &link, r.locale, &key, p.timeout_ms).await
                }
                Some(SocialDue::Bluesky {
                    identifier,
                    app_password,
                    session,
                }) => {
                    let account = social::Bluesky {
                        service: &p.bluesky,
                        identifier,
                        app_password,
                        session: session.clone(),
                    };
                    social::bluesky(account, message, &link, r.locale, p.timeout_ms).await
                }
                None => http::Sent::permanent("the social account is no longer set"),
            }
        }
    };
    // A webhook or Slack channel that proved it listens is confirmed at once: the token is the
    // same signed confirm link an email would carry.
    if confirmation
        && sent.outcome.succeeded()
        && matches!(
            due.address.channel,
            SubscriberChannel::Webhook | SubscriberChannel::Slack | SubscriberChannel::Teams
        )
    {
        if let Err(e) = client::follow(env, &job.page, &r.token, token::Purpose::Confirm).await {
            worker::console_error!("webhook verified but not confirmed: {e:?}");
        }
    }
    sent
}

async fn run(job: &Job, env: &Env, providers: &Providers) -> Result<Verdict, Failure> {
    if let Content::Responders { .. } = job.content {
        remind_responders(job, env, providers).await;
        return Ok(Verdict::default());
    }
    if fault::failing(&job.page) {
        return Err(crate::error::ApiError::Server(
            "a development fault: this page's jobs fail".into(),
        )
        .into());
    }
    let ids: Vec<String> = job
        .recipients
        .iter()
        .map(|r| r.subscriber_id.clone())
        .collect();
    let due = client::deliveries_due(env, &job.page, &job.notification_id, &ids).await?;
    if due.is_empty() {
        return Ok(Verdict::default());
    }
    // A message too long to travel with its recipients is fetched once per run.
    let fetched;
    let job = if let Content::Stored = job.content {
        let message = client::stored_message(env, &job.page, &job.notification_id).await?;
        fetched = Job {
            content: Content::Notification {
                message: Box::new(message),
            },
            ..job.clone()
        };
        &fetched
    } else {
        job
    };
    let mut attempts = Vec::new();
    // A few provider calls at a time: faster than one by one, within the runtime's limit of six
    // simultaneous connections per invocation.
    for group in due.chunks(PARALLEL_SENDS) {
        let sends = group.iter().filter_map(|d| {
            let r = job
                .recipients
                .iter()
                .find(|r| r.subscriber_id == d.subscriber_id)?;
            Some(async move {
                let sent = deliver(job, r, d, env, providers).await;
                Attempt {
                    subscriber_id: r.subscriber_id.clone(),
                    channel: d.address.channel,
                    attempt: d.attempt,
                    outcome: sent.outcome,
                    provider_id: sent.provider_id,
                    error: sent.error,
                    gone: sent.gone,
                    session: sent.session.map(|s| *s),
                }
            })
        });
        attempts.extend(futures_util::future::join_all(sends).await);
        if fault::crash_now() {
            return Err(Failure::Crash);
        }
    }
    Ok(client::record_deliveries(env, &job.page, &job.notification_id, &attempts).await?)
}

/// Tells the page's responders about a broken promise: one attempt each, best effort (a responder
/// who misses it still sees the overdue incident in the admin API). Not recorded per recipient:
/// responders are not subscribers.
async fn remind_responders(job: &Job, env: &Env, providers: &Providers) {
    for r in &job.recipients {
        let due = Due {
            subscriber_id: r.subscriber_id.clone(),
            attempt: 1,
            address: r.address.clone(),
            secret: None,
            push: None,
            social: None,
        };
        let sent = deliver(job, r, &due, env, providers).await;
        if !sent.outcome.succeeded() {
            worker::console_error!("responder reminder not sent: {:?}", sent.error);
        }
    }
}

/// Name of the queue binding, for the page object.
pub fn queue(env: &Env) -> worker::Result<worker::Queue> {
    env.queue(bindings::NOTIFY)
}
