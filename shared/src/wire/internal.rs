//! Messages between the worker and its Durable Objects, and the queue jobs: not public API, but
//! JSON all the same, so they are defined here with every other shape. The worker's client and the
//! object's server both use these types, so the two sides cannot drift.

use serde::{Deserialize, Serialize};

use crate::delivery::Outcome;
use crate::model::{Address, SubscriberChannel, SubscriptionState};
use crate::template::{Locale, Message};
use crate::wire::{Role, SubscribeRequest};

/// A subscription request as the router forwards it.
#[derive(Serialize, Deserialize)]
pub struct SubscribeCall {
    pub request: SubscribeRequest,
    pub ip: String,
    pub base: String,
    /// The browser's `Origin`, when the request came from a page on another origin.
    #[serde(default)]
    pub origin: Option<String>,
    /// A subscriber moving to this address: the token of its manage link. Its choices come along;
    /// it keeps getting updates where it is until the new address is confirmed.
    #[serde(default)]
    pub moving: Option<String>,
}

/// The outcome of following a link, for the router to show.
#[derive(Serialize, Deserialize)]
pub struct LinkOutcome {
    pub page_name: String,
    pub state: SubscriptionState,
}

/// Which recipients of a job still need the notification.
#[derive(Serialize, Deserialize)]
pub struct DueCall {
    pub notification_id: String,
    pub subscriber_ids: Vec<String>,
}

/// Recipients of a job that will not be processed (the queue refused it or gave up on it): they
/// are given up on with `reason`, and listed among the dead letters.
#[derive(Serialize, Deserialize)]
pub struct SetAsideCall {
    pub notification_id: String,
    pub subscriber_ids: Vec<String>,
    pub reason: String,
}

/// A stored notification's message, asked for by id.
#[derive(Serialize, Deserialize)]
pub struct MessageCall {
    pub notification_id: String,
}

/// The attempts a job made, reported back.
#[derive(Serialize, Deserialize)]
pub struct RecordCall {
    pub notification_id: String,
    pub attempts: Vec<Attempt>,
}

/// What the manage page shows.
#[derive(Serialize, Deserialize)]
pub struct ManageView {
    pub page_name: String,
    pub channel: SubscriberChannel,
    /// The address, masked.
    pub address: String,
    pub components: Vec<ManageComponent>,
}

/// A component on the manage page, ticked when the subscriber hears about it.
#[derive(Serialize, Deserialize)]
pub struct ManageComponent {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

/// A subscriber's new choice of components (none: all).
#[derive(Serialize, Deserialize)]
pub struct ManageSave {
    pub token: String,
    pub components: Vec<String>,
}

/// What a provider's signed event says about a message it accepted earlier.
#[derive(Serialize, Deserialize)]
pub struct ProviderEvent {
    pub provider_id: String,
    pub outcome: Outcome,
    pub error: Option<String>,
}

/// What a job sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Content {
    /// News to confirmed subscribers.
    Notification { message: Box<Message> },
    /// News too large to travel in a queue message (a long postmortem): the page object keeps it
    /// under the job's notification id and the consumer asks for it.
    Stored,
    /// The double opt-in message to a pending subscriber.
    Confirmation { page_name: String },
    /// A reminder to the page's responders (emails, or URLs taking Slack's JSON) that a "next
    /// update by" promise is broken. Best effort and once: recorded by the page, not per recipient.
    Responders { text: String },
}

/// One recipient of a job, with the links minted for them by the page object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobRecipient {
    pub subscriber_id: String,
    pub address: Address,
    /// Signed link token: confirm for a confirmation, unsubscribe otherwise.
    pub token: String,
    /// Signed receipt token, when the message must be acknowledged.
    #[serde(default)]
    pub receipt: Option<String>,
    /// Signed token of the subscriber's manage page.
    #[serde(default)]
    pub manage: Option<String>,
    /// The language the recipient reads (`Locale::for_reader`).
    #[serde(default)]
    pub locale: Locale,
    /// For a webhook: the payload it reads.
    #[serde(
        default,
        skip_serializing_if = "crate::model::WebhookFormat::is_herald"
    )]
    pub format: crate::model::WebhookFormat,
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
    pub channel: SubscriberChannel,
    pub attempt: u32,
    pub outcome: Outcome,
    pub provider_id: Option<String>,
    pub error: Option<String>,
    /// The address is gone for good (a push service's 404 or 410): the subscription ends.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gone: bool,
    /// A Bluesky session made or refreshed for this attempt, for the page object to keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<crate::wire::social::BlueskySession>,
}

/// A recipient the page object says is still due, with the attempt number to use.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Due {
    pub subscriber_id: String,
    pub attempt: u32,
    /// The address to use now: the subscriber's own, or its fallback once that is exhausted.
    pub address: Address,
    /// The Standard Webhooks signing secret, for webhook addresses.
    #[serde(default)]
    pub secret: Option<String>,
    /// What a push address needs to be sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<PushDue>,
    /// What posting to one of the page's social accounts needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social: Option<crate::wire::social::SocialDue>,
}

/// The secrets of a push delivery: the browser's keys (`webpush::PushKeys` stored form) and the
/// page's VAPID key (stored form). Only between the page object and the queue consumer.
#[derive(Clone, Serialize, Deserialize)]
pub struct PushDue {
    pub keys: String,
    pub vapid: String,
}

impl std::fmt::Debug for PushDue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PushDue(..)")
    }
}

/// A browser's push subscription as the router forwards it: who asked, from where.
#[derive(Serialize, Deserialize)]
pub struct PushSubscribeCall {
    pub request: crate::wire::PushSubscribeRequest,
    pub ip: String,
    pub base: String,
    #[serde(default)]
    pub origin: Option<String>,
}

/// The page object's answer to reported attempts: retry the job after this many seconds, or not.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Verdict {
    pub retry_after_secs: Option<u32>,
}

/// The page object's answer to a provider event: whether an attempt carried that provider id.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Matched {
    pub matched: bool,
}

/// What one run of a page's scheduled work did.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct TickReport {
    pub maintenance_reminders: usize,
    pub overdue_reminders: usize,
    pub escalated: usize,
}

/// The email provider's send request (Resend's `POST /emails`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailRequest {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub html: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<OneClickHeaders>,
}

/// RFC 8058 one-click unsubscribe: the POST goes to the same URL.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OneClickHeaders {
    #[serde(rename = "List-Unsubscribe")]
    pub list_unsubscribe: String,
    #[serde(rename = "List-Unsubscribe-Post")]
    pub list_unsubscribe_post: String,
}

impl OneClickHeaders {
    pub fn for_url(url: &str) -> Self {
        Self {
            list_unsubscribe: format!("<{url}>"),
            list_unsubscribe_post: "List-Unsubscribe=One-Click".into(),
        }
    }
}

/// The email provider's answer: the message id its delivery events name.
#[derive(Debug, Clone, Deserialize)]
pub struct EmailAccepted {
    pub id: String,
}

/// The SMS provider's answer: the message SID its status callbacks name.
#[derive(Debug, Clone, Deserialize)]
pub struct SmsAccepted {
    pub sid: String,
}

/// Admin operations: the router names one for each admin request, the page object carries it out.
/// Which role each needs is decided here, so the console offers what the API allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AdminOp {
    GetPage,
    PutPage,
    OpenIncident,
    PostUpdate {
        incident: String,
    },
    Reopen {
        incident: String,
    },
    Postmortem {
        incident: String,
    },
    SetComponentStatus {
        component: String,
    },
    ScheduleMaintenance,
    UpdateMaintenance {
        maintenance: String,
    },
    PublishNotice,
    Lint,
    Audit,
    ImportStatuspage,
    ListKeys,
    CreateKey,
    RevokeKey {
        key: String,
    },
    RotateWidgetSecret,
    ListSubscribers,
    /// How many subscribers, by state, channel and component: never who.
    SubscriberCounts,
    /// The subscribers at one exact address (in the body, so never in a URL).
    FindSubscriber,
    AddSubscriber,
    ImportSubscribers,
    ExportSubscribers,
    DeadLetters,
    DeleteSubscriber {
        subscriber: String,
    },
    SaveTemplate {
        template: String,
    },
    DeleteTemplate {
        template: String,
    },
    ListNotifications,
    Deliveries {
        notification: String,
    },
    /// The calling key's id and role.
    WhoAmI,
    ApproveReview {
        review: String,
    },
    SendBackReview {
        review: String,
    },
    /// How an incident was communicated.
    Scorecard {
        incident: String,
    },
    /// The scorecards of a period, summed up.
    PeriodScorecard,
    /// Re-sends a message that asks for acknowledgement on the fallback channel of those who have
    /// not acknowledged it, without waiting for the page's escalation time.
    Escalate {
        notification: String,
    },
    /// Tries a recipient Herald gave up on again: "retry now", or "send on another channel".
    RetryDelivery {
        notification: String,
        subscriber: String,
    },
    /// Alert integrations (Alertmanager, Grafana, generic JSON): never their secrets.
    ListIntegrations,
    /// A new integration; its secret is in the answer, once.
    CreateIntegration,
    RevokeIntegration {
        integration: String,
    },
    /// The page's social accounts: their settings and masked hints, never their secrets.
    GetSocial,
    /// Sets the page's social accounts; their secrets go in and never come out.
    PutSocial,
}

impl AdminOp {
    /// The least role allowed to perform the operation.
    pub fn role(&self) -> Role {
        use AdminOp::*;
        match self {
            GetPage
            | WhoAmI
            | Lint
            | Audit
            | ListNotifications
            | Deliveries { .. }
            | Scorecard { .. }
            | PeriodScorecard
            | SubscriberCounts => Role::Viewer,
            ListSubscribers | FindSubscriber | AddSubscriber | DeadLetters => Role::Communicator,
            OpenIncident | PostUpdate { .. } | Reopen { .. } | SetComponentStatus { .. } => {
                Role::Responder
            }
            Postmortem { .. }
            | ScheduleMaintenance
            | UpdateMaintenance { .. }
            | PublishNotice
            | SaveTemplate { .. }
            | DeleteTemplate { .. }
            | Escalate { .. }
            | RetryDelivery { .. }
            | ApproveReview { .. }
            | SendBackReview { .. } => Role::Communicator,
            PutPage
            | ImportStatuspage
            | ListKeys
            | CreateKey
            | RevokeKey { .. }
            | RotateWidgetSecret
            | ImportSubscribers
            | ExportSubscribers
            | DeleteSubscriber { .. }
            | ListIntegrations
            | CreateIntegration
            | RevokeIntegration { .. }
            | GetSocial
            | PutSocial => Role::Admin,
        }
    }

    /// Whether the operation changes the page (and so takes `Idempotency-Key` and `If-Match`).
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            AdminOp::GetPage
                | AdminOp::WhoAmI
                | AdminOp::Lint
                | AdminOp::Audit
                | AdminOp::ListKeys
                | AdminOp::ListSubscribers
                | AdminOp::SubscriberCounts
                | AdminOp::FindSubscriber
                | AdminOp::DeadLetters
                | AdminOp::ExportSubscribers
                | AdminOp::ListNotifications
                | AdminOp::Deliveries { .. }
                | AdminOp::Scorecard { .. }
                | AdminOp::PeriodScorecard
                | AdminOp::ListIntegrations
                | AdminOp::GetSocial
        )
    }

    /// Name in the audit log.
    pub fn action(&self) -> &'static str {
        use AdminOp::*;
        match self {
            GetPage => "page.get",
            PutPage => "page.configure",
            OpenIncident => "incident.open",
            PostUpdate { .. } => "incident.update",
            Reopen { .. } => "incident.reopen",
            Postmortem { .. } => "incident.postmortem",
            SetComponentStatus { .. } => "component.status",
            ScheduleMaintenance => "maintenance.schedule",
            UpdateMaintenance { .. } => "maintenance.update",
            PublishNotice => "notice.publish",
            Lint => "lint",
            Audit => "audit.export",
            ImportStatuspage => "page.import",
            ListKeys => "keys.list",
            CreateKey => "keys.create",
            RevokeKey { .. } => "keys.revoke",
            RotateWidgetSecret => "widget_secret.rotate",
            ListSubscribers => "subscribers.list",
            SubscriberCounts => "subscribers.counts",
            FindSubscriber => "subscribers.find",
            AddSubscriber => "subscriber.add",
            ImportSubscribers => "subscribers.import",
            ExportSubscribers => "subscribers.export",
            DeadLetters => "dead_letters.list",
            DeleteSubscriber { .. } => "subscriber.delete",
            SaveTemplate { .. } => "template.save",
            DeleteTemplate { .. } => "template.delete",
            ListNotifications => "notifications.list",
            Deliveries { .. } => "notification.deliveries",
            WhoAmI => "me",
            ApproveReview { .. } => "review.approve",
            SendBackReview { .. } => "review.send_back",
            Scorecard { .. } => "incident.scorecard",
            PeriodScorecard => "scorecard",
            Escalate { .. } => "notification.escalate",
            RetryDelivery { .. } => "notification.retry",
            ListIntegrations => "integrations.list",
            CreateIntegration => "integration.create",
            RevokeIntegration { .. } => "integration.revoke",
            GetSocial => "social.get",
            PutSocial => "social.configure",
        }
    }
}

/// Faults armed in local development (`POST /_dev/faults`): the next `crash` consumer runs die
/// after their first provider calls; every job of `fail_page` fails.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    #[serde(default)]
    pub crash: u32,
    #[serde(default)]
    pub fail_page: Option<String>,
}

/// What a page object remembers about an open live socket across hibernation (the socket's
/// attachment): whose view it carries and until when.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LiveTicket {
    /// The audience token's segments; empty for the public view.
    #[serde(default)]
    pub segments: Vec<String>,
    /// The audience token's expiry (seconds since the epoch).
    #[serde(default)]
    pub exp: Option<i64>,
    /// A console socket: the id of the page key it presented (`root` for the root key); until
    /// then it receives nothing.
    #[serde(default)]
    pub key: Option<String>,
    /// Whether this socket waits for a key (a console's) rather than carrying a reader's view.
    #[serde(default)]
    pub console: bool,
}
