//! The JSON shapes Herald speaks. Only this module (and `statuspage`, for that API's shapes) defines
//! them; the edge writes them and the widget reads them, so both always agree. Enums read by older
//! widgets fall back to `Unknown` so a new value never breaks them.

use serde::{Deserialize, Serialize};

use crate::command::{ComponentInput, DomainError};
pub use crate::command::{ComponentSettings, PageSettings};
use crate::model::{
    AffectedComponent, Channel, ComponentStatus, Impact, IncidentStatus, MaintenanceStatus,
    MessageKind, NoticeKind, Visibility,
};
use crate::Timestamp;

pub mod integrations;
pub mod internal;
pub mod social;

/// `GET /v1/pages/{page}/banner.json`: the one thing a viewer should see now, or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Banner {
    pub page: BannerPage,
    /// `None` on a quiet day: the widget shows nothing.
    pub item: Option<BannerItem>,
    /// Seconds the widget should wait before polling again.
    pub poll_after: u32,
    /// Whether the page pushes changes down `GET /v1/pages/{page}/live`: the widget then keeps a
    /// socket open while it shows an item. Absent from other sources and older answers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub live: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerPage {
    pub id: String,
    pub name: String,
    /// Path of the public status page, relative to the status host.
    pub url: String,
    /// The page's brand colour (`#rrggbb`), the widget's default for its subscribe button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
    /// Black or white, whichever reads on `accent_color`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_accent_color: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerItem {
    pub kind: BannerKind,
    pub id: String,
    /// Identifies the message: dismissal is remembered per update, so a newer one shows again.
    pub update_id: String,
    pub title: String,
    pub impact: Impact,
    pub status: ItemStatus,
    pub body: String,
    #[serde(with = "banner_time")]
    pub updated_at: Timestamp,
    #[serde(default, with = "banner_time::option")]
    pub next_update_at: Option<Timestamp>,
    #[serde(default)]
    pub components: Vec<BannerComponent>,
    /// Maintenance window.
    #[serde(
        default,
        with = "banner_time::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_for: Option<Timestamp>,
    #[serde(
        default,
        with = "banner_time::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_until: Option<Timestamp>,
    /// When a notice takes effect.
    #[serde(
        default,
        with = "banner_time::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub effective_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BannerKind {
    Incident,
    Maintenance,
    Notice,
    #[serde(other)]
    Unknown,
}

/// The status of whatever a banner item is about: an incident's, a maintenance window's, or a
/// notice's (announced, then in effect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    Scheduled,
    InProgress,
    Verifying,
    Completed,
    Announced,
    InEffect,
    #[serde(other)]
    Unknown,
}

impl ItemStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Investigating => "Investigating",
            Self::Identified => "Identified",
            Self::Monitoring => "Monitoring",
            Self::Resolved => "Resolved",
            Self::Scheduled => "Scheduled",
            Self::InProgress => "In progress",
            Self::Verifying => "Verifying",
            Self::Completed => "Completed",
            Self::Announced => "Announced",
            Self::InEffect => "In effect",
            Self::Unknown => "",
        }
    }
}

impl From<IncidentStatus> for ItemStatus {
    fn from(s: IncidentStatus) -> Self {
        match s {
            IncidentStatus::Investigating => Self::Investigating,
            IncidentStatus::Identified => Self::Identified,
            IncidentStatus::Monitoring => Self::Monitoring,
            IncidentStatus::Resolved => Self::Resolved,
        }
    }
}

impl From<MaintenanceStatus> for ItemStatus {
    fn from(s: MaintenanceStatus) -> Self {
        match s {
            MaintenanceStatus::Scheduled => Self::Scheduled,
            MaintenanceStatus::InProgress => Self::InProgress,
            MaintenanceStatus::Verifying => Self::Verifying,
            MaintenanceStatus::Completed => Self::Completed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerComponent {
    pub id: String,
    pub name: String,
    pub status: ComponentStatus,
}

/// The page's overall state, worst first: an outage outranks maintenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    None,
    Minor,
    Major,
    Critical,
    Maintenance,
    #[serde(other)]
    Unknown,
}

impl Indicator {
    /// Statuspage's wording for each indicator.
    pub fn description(self) -> &'static str {
        match self {
            Self::None => "All Systems Operational",
            Self::Minor => "Minor Service Outage",
            Self::Major => "Partial System Outage",
            Self::Critical => "Major Service Outage",
            Self::Maintenance => "Service Under Maintenance",
            Self::Unknown => "Unknown",
        }
    }
}

/// `GET /v1/pages/{page}/summary.json`: everything public (or visible to the viewer's segments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub page: SummaryPage,
    pub status: SummaryStatus,
    pub groups: Vec<SummaryGroup>,
    pub components: Vec<SummaryComponent>,
    pub incidents: Vec<SummaryIncident>,
    pub maintenances: Vec<SummaryMaintenance>,
    pub notices: Vec<SummaryNotice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryPage {
    pub id: String,
    pub name: String,
    pub url: String,
    pub time_zone: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryStatus {
    pub indicator: Indicator,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryGroup {
    pub id: String,
    pub name: String,
    /// Worst status of its components.
    pub status: ComponentStatus,
    pub components: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryComponent {
    pub id: String,
    pub name: String,
    pub status: ComponentStatus,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The last 90 days' uptime, in the public `summary.json` (absent where not computed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime: Option<UptimeBrief>,
}

/// An uptime percentage with three decimals, kept as an integer (thousandths of a percent) so
/// documents compare exactly; written in JSON as a number (`99.953`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percentage(pub u32);

impl Percentage {
    pub const FULL: Percentage = Percentage(100_000);

    /// `99.953`, with the trailing zeros kept to the figure's precision for people (`100.000`
    /// reads as `100%`).
    pub fn text(self) -> String {
        let whole = self.0 / 1000;
        let frac = self.0 % 1000;
        if frac == 0 {
            format!("{whole}%")
        } else {
            let s = format!("{whole}.{frac:03}");
            format!("{}%", s.trim_end_matches('0'))
        }
    }
}

impl serde::Serialize for Percentage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(f64::from(self.0) / 1000.0)
    }
}

impl<'de> serde::Deserialize<'de> for Percentage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = <f64 as serde::Deserialize>::deserialize(d)?.clamp(0.0, 100.0);
        // In range after the clamp, so the cast neither wraps nor saturates.
        Ok(Percentage((v * 1000.0).round() as u32))
    }
}

/// A component's uptime over its last `days` days (from `since`, its first known day within them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UptimeBrief {
    pub days: u32,
    pub since: String,
    pub uptime_percentage: Percentage,
    /// Seconds in major outage and in partial outage (unweighted).
    pub major_outage: u64,
    pub partial_outage: u64,
}

/// `GET /v1/pages/{page}/components/{id}/uptime`: the shape of Statuspage's component uptime
/// answer (`range_start`/`range_end` are days, outages in seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentUptime {
    pub id: String,
    pub name: String,
    pub range_start: String,
    pub range_end: String,
    pub uptime_percentage: Percentage,
    pub major_outage: u64,
    pub partial_outage: u64,
    pub warnings: Option<String>,
    pub related_events: RelatedEvents,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedEvents {
    pub incidents: Vec<RelatedIncident>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedIncident {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryUpdate {
    pub id: String,
    pub status: ItemStatus,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryIncident {
    pub id: String,
    pub title: String,
    pub impact: Impact,
    pub status: ItemStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: Timestamp,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<Timestamp>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
    /// Whether the latest promise of an update has passed unkept.
    #[serde(default)]
    pub overdue: bool,
    pub components: Vec<AffectedComponent>,
    /// Newest first, as a status page shows them.
    pub updates: Vec<SummaryUpdate>,
    #[serde(default)]
    pub postmortem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryMaintenance {
    pub id: String,
    pub title: String,
    pub status: ItemStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub scheduled_for: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    pub scheduled_until: Timestamp,
    pub components: Vec<String>,
    pub updates: Vec<SummaryUpdate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryNotice {
    pub id: String,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub effective_at: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: Timestamp,
}

/// `POST /v1/admin/pages/{page}/incidents`. Components are ids, or `{"id", "status"}` objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenIncidentRequest {
    pub title: String,
    pub impact: Impact,
    pub body: String,
    #[serde(default)]
    pub components: Vec<ComponentInput>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
    #[serde(default)]
    pub status: IncidentStatus,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default)]
    pub silent: bool,
    /// `false`: not posted to the page's social accounts (Mastodon, Bluesky).
    #[serde(default = "posted", skip_serializing_if = "is_posted")]
    pub social: bool,
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// When the problem began, if before now (the scorecard measures the first word from it).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub started_at: Option<Timestamp>,
}

/// `POST /v1/admin/pages/{page}/incidents/{id}/updates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostUpdateRequest {
    pub status: IncidentStatus,
    pub body: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
    /// Replaces the affected components when given.
    #[serde(default)]
    pub components: Option<Vec<ComponentInput>>,
    #[serde(default)]
    pub impact: Option<Impact>,
    #[serde(default)]
    pub silent: bool,
    /// `false`: not posted to the page's social accounts (Mastodon, Bluesky).
    #[serde(default = "posted", skip_serializing_if = "is_posted")]
    pub social: bool,
    #[serde(default)]
    pub channels: Vec<Channel>,
}

/// Whether a request's `social` was left out: posted.
fn posted() -> bool {
    true
}

fn is_posted(social: &bool) -> bool {
    *social
}

/// Answer to a write that created something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_id: Option<String>,
    /// Page state version after the write.
    pub version: u64,
    /// What the write did differently from what was asked (an import's adjustments), for a person.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Set when the change waits for a second person (answered 202): the review to approve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_id: Option<String>,
}

/// `POST /v1/admin/pages/{page}/reviews/{review}/send-back`: why the draft goes back to its author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendBackRequest {
    pub comment: String,
}

/// `GET /v1/admin/pages/{page}/me`: the calling key's id and role (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `key:<id>` for a page key, `root` for the root key: as the audit log names it.
    pub id: String,
    pub role: Role,
}

/// Subscribers a change would notify on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelCount {
    pub channel: crate::model::SubscriberChannel,
    pub subscribers: usize,
}

/// Answer to a write sent with `?dry_run=true`: what it would do, with nothing written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRun {
    /// The change would wait for a second person before anything is published or sent.
    pub held_for_review: bool,
    /// Subscribers notified once published, per channel (every channel listed, zeros included).
    pub recipients: Vec<ChannelCount>,
}

/// Media type of [`Problem`] documents.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The offending input, when one is to blame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Base of every problem `type`.
pub const PROBLEM_BASE: &str = "https://herald.dev/problems/";

impl From<&DomainError> for Problem {
    fn from(e: &DomainError) -> Self {
        Problem {
            kind: format!("{PROBLEM_BASE}{}", e.kind()),
            title: e.title().into(),
            status: e.status(),
            detail: e.to_string(),
            field: e.field().map(str::to_owned),
        }
    }
}

/// The JSON posted to a subscriber's webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPayload {
    /// The event type, as in the audit log (`incident_updated`).
    pub event: String,
    pub page: WebhookPage,
    pub item: WebhookItem,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPage {
    pub id: String,
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookItem {
    pub kind: MessageKind,
    pub id: String,
    #[serde(default)]
    pub update_id: Option<String>,
    pub title: String,
    /// Human status label ("Identified", "In progress", "Policy change").
    pub status: String,
    #[serde(default)]
    pub impact: Option<Impact>,
    pub body: String,
    pub components: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_update_at: Option<Timestamp>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_for: Option<Timestamp>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub scheduled_until: Option<Timestamp>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub effective_at: Option<Timestamp>,
}

/// `202` to a subscription request: nothing tells whether the address was known. A webhook's
/// signing secret is shown in it once, to the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeAccepted {
    /// Always `pending`: nothing is sent but the confirmation until it is confirmed.
    pub status: String,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
}

impl SubscribeAccepted {
    pub fn pending(detail: &str, signing_secret: Option<String>) -> Self {
        Self {
            status: "pending".into(),
            detail: detail.into(),
            signing_secret,
        }
    }
}

/// `POST import/subscribers`: what was added and what was skipped, rows numbered as in the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub added: usize,
    pub duplicates: usize,
    pub suppressed: usize,
    pub invalid: Vec<crate::event::SkippedRow>,
    /// The signing secret made for each imported webhook, shown only in this answer: hand each
    /// to its receiver, which verifies what it gets with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signing_secrets: Vec<ImportedSecret>,
}

/// An imported webhook subscriber's new signing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedSecret {
    pub subscriber_id: String,
    pub webhook: String,
    pub signing_secret: String,
}

/// `DELETE keys/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    pub id: String,
    pub revoked: bool,
}

/// The `change` of an audit entry that is not a command: who did what to which subscriber, key or
/// export, never an address or a secret. Only the fields that apply are written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moving_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriber_id: Option<String>,
}

/// `GET /v1/admin/pages/{page}`: the whole state but its subscribers (they have their own, masked
/// listing). The page object also stores the state in this shape, subscribers in their own table.
#[derive(Debug, Serialize)]
pub struct PageCore<'a> {
    pub page: &'a crate::model::Page,
    pub incidents: &'a [crate::model::Incident],
    pub maintenances: &'a [crate::model::Maintenance],
    pub notices: &'a [crate::model::Notice],
    pub templates: &'a [crate::model::Template],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub reviews: &'a [crate::model::Review],
    pub version: u64,
}

impl<'a> PageCore<'a> {
    pub fn of(state: &'a crate::model::State) -> Self {
        PageCore {
            page: &state.page,
            incidents: &state.incidents,
            maintenances: &state.maintenances,
            notices: &state.notices,
            templates: &state.templates,
            reviews: &state.reviews,
            version: state.version,
        }
    }
}

/// One subscriber read from an import (`POST import/subscribers`, Herald's JSON form or a CSV row),
/// before validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    pub channel: crate::model::SubscriberChannel,
    pub address: String,
    #[serde(default)]
    pub components: Vec<String>,
    /// Where the row came from (CSV line, or position in the JSON array), for error reports.
    #[serde(skip)]
    pub line: usize,
}

/// A subscriber as exported: the real address, for moving to another tool. Unsubscribed people
/// are not exported (only their suppression hash is kept).
#[derive(Debug, Serialize)]
pub struct ExportedSubscriber<'a> {
    pub id: &'a str,
    pub channel: &'static str,
    pub address: &'a str,
    pub state: crate::model::SubscriptionState,
    pub components: String,
    pub created_at: String,
}

/// The answer fields that carry a secret shown only once: a new API key, a rotated widget secret,
/// a webhook's signing secret.
pub const SECRET_FIELDS: &[&str] = &["key", "secret", "signing_secret"];

/// What a kept answer says in place of a secret.
pub const SECRET_NOT_KEPT: &str = "(shown once, in the first answer; not kept)";

/// A JSON answer as it may be kept (for an idempotent replay): every `SECRET_FIELDS` value, at any
/// depth, replaced by `SECRET_NOT_KEPT`. Anything else is kept as it is.
pub fn without_secrets(answer: &str) -> String {
    fn scrub(v: &mut serde_json::Value) -> bool {
        match v {
            serde_json::Value::Object(fields) => {
                let mut changed = false;
                for (name, value) in fields.iter_mut() {
                    if SECRET_FIELDS.contains(&name.as_str()) && value.is_string() {
                        *value = serde_json::Value::String(SECRET_NOT_KEPT.into());
                        changed = true;
                    } else {
                        changed |= scrub(value);
                    }
                }
                changed
            }
            serde_json::Value::Array(items) => {
                // Every item, not just up to the first with a secret.
                let mut changed = false;
                for item in items {
                    changed |= scrub(item);
                }
                changed
            }
            _ => false,
        }
    }
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(answer) else {
        return answer.to_owned();
    };
    if scrub(&mut value) {
        value.to_string()
    } else {
        answer.to_owned()
    }
}

/// What `GET /v1/pages/{page}/live` pushes down an open socket when what its viewer sees changes
/// (and once when it opens): the viewer's banner when it is small enough to travel, and a tag of
/// the viewer's summary, so a status page knows to refresh. Never more than that viewer may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePush {
    /// Changes whenever the viewer's summary does (an opaque tag, like an ETag).
    pub summary: String,
    /// The viewer's `banner.json`; absent when too long for one message (fetch it instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<Banner>,
}

/// What a console's socket receives after it has presented a key: the page's version, on every
/// change, so the console fetches again what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveVersion {
    pub version: u64,
}

/// The widget's options as the loader hands them to the wasm (data attributes or `Herald.init`).
/// Every value is a string: data attributes are strings, and the loader stringifies
/// `Herald.init` values, so no number parsing beyond two small integers is compiled in.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct WidgetOptions {
    pub page: Option<String>,
    pub endpoint: Option<String>,
    pub mode: Option<String>,
    pub position: Option<String>,
    pub target: Option<String>,
    pub theme: Option<String>,
    pub locale: Option<String>,
    pub components: Option<String>,
    pub token: Option<String>,
    pub subscribe: Option<String>,
    #[serde(rename = "zIndex")]
    pub z_index: Option<String>,
    #[serde(rename = "pollFloor")]
    pub poll_floor: Option<String>,
    pub format: Option<String>,
    pub src: Option<String>,
    pub open: Option<String>,
}

#[cfg(test)]
mod tests;

/// The banner's RFC 3339 times: written by `time`'s formatter, read by a small reader of the one
/// shape RFC 3339 has (`2026-03-01T12:34:56.789Z`, `...+01:00`) built from `time`'s checked
/// constructors. The widget reads banners in the browser; `time`'s general parser and its error
/// messages would be carried into its wasm. Agrees with `time`'s parser (tested below), except that
/// a leap second (`:60`, which `time` never writes) is refused.
mod banner_time {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

    use crate::Timestamp;

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        time::serde::rfc3339::serialize(t, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        parse(&String::deserialize(d)?).ok_or_else(|| D::Error::custom("not an RFC 3339 time"))
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
            time::serde::rfc3339::option::serialize(t, s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|s| parse(&s).ok_or_else(|| D::Error::custom("not an RFC 3339 time")))
                .transpose()
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, `T` and `Z` in either case (or a space
    /// for `T`, as RFC 3339 allows).
    pub fn parse(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        let num = |from: usize, len: usize| -> Option<u32> {
            let digits = b.get(from..from + len)?;
            digits.iter().try_fold(0u32, |n, &d| {
                d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
            })
        };
        let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
        if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
            return None;
        }
        let date = Date::from_calendar_date(
            i32::try_from(num(0, 4)?).ok()?,
            Month::try_from(u8::try_from(num(5, 2)?).ok()?).ok()?,
            u8::try_from(num(8, 2)?).ok()?,
        )
        .ok()?;
        let mut i = 19;
        let mut nanos = 0;
        if at(i, b".") {
            let digits = b[i + 1..].iter().take_while(|d| d.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            // Nine digits are nanoseconds; more are read and dropped.
            let kept = digits.min(9);
            nanos = num(i + 1, kept)? * 10u32.pow(9 - kept as u32);
            i += 1 + digits;
        }
        let clock = Time::from_hms_nano(
            u8::try_from(num(11, 2)?).ok()?,
            u8::try_from(num(14, 2)?).ok()?,
            u8::try_from(num(17, 2)?).ok()?,
            nanos,
        )
        .ok()?;
        let offset = match b.get(i..)? {
            [b'Z' | b'z'] => UtcOffset::UTC,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
                if h > 23 || m > 59 {
                    return None;
                }
                let (h, m) = (h as i8, m as i8);
                let (h, m) = if *sign == b'-' { (-h, -m) } else { (h, m) };
                UtcOffset::from_hms(h, m, 0).ok()?
            }
            _ => return None,
        };
        Some(PrimitiveDateTime::new(date, clock).assume_offset(offset))
    }

    #[cfg(test)]
    mod tests {
        use time::format_description::well_known::Rfc3339;

        use super::parse;
        use crate::Timestamp;

        #[test]
        fn agrees_with_time_on_what_it_reads_and_refuses() {
            for s in [
                "2026-03-01T12:34:56Z",
                "2026-03-01T12:34:56.789Z",
                "2026-03-01t12:34:56.5z",
                "2026-03-01T12:34:56.123456789Z",
                "2026-03-01T12:34:56.1234567891Z",
                "2026-03-01T13:00:00+01:00",
                "2026-03-01T13:00:00-09:30",
                "2026-03-01T00:00:00+23:59",
                "2024-02-29T00:00:00Z",
                "0001-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999Z",
                "2025-02-29T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-04-31T00:00:00Z",
                "2026-03-01T24:00:00Z",
                "2026-03-01T12:60:00Z",
                "2026-03-01T12:00:00",
                "2026-03-01T12:00:00+0100",
                "2026-03-01T12:00:00+24:00",
                "2026-03-01T12:00:00+01:60",
                "2026-03-01T12:00:00.Z",
                "2026-03-01 12:00:00Z",
                "2026-03-01T12:00Z",
                "2026-3-01T12:00:00Z",
                "+2026-03-01T12:00:00Z",
                "2026-03-01T12:00:00ZZ",
                "tomorrow",
                "",
            ] {
                let theirs = Timestamp::parse(s, &Rfc3339).ok();
                assert_eq!(parse(s), theirs, "{s}");
            }
        }

        #[test]
        fn reads_what_time_writes() {
            for nanos in [0i128, 1, 999_999_999, 1_772_368_496_789_000_000] {
                let t = Timestamp::from_unix_timestamp_nanos(nanos).unwrap();
                assert_eq!(parse(&t.format(&Rfc3339).unwrap()), Some(t));
            }
        }
    }
}

/// `POST /v1/admin/pages/{page}/incidents/{id}/reopen`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReopenRequest {
    #[serde(default)]
    pub status: IncidentStatus,
    pub body: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
    #[serde(default)]
    pub silent: bool,
}

/// `PUT /v1/admin/pages/{page}/incidents/{id}/postmortem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostmortemRequest {
    pub body: String,
    #[serde(default)]
    pub silent: bool,
}

/// `PUT /v1/admin/pages/{page}/components/{id}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentStatusRequest {
    pub status: ComponentStatus,
    #[serde(default)]
    pub notify: bool,
}

/// `POST /v1/admin/pages/{page}/maintenances`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceRequest {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub scheduled_for: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    pub scheduled_until: Timestamp,
    #[serde(default)]
    pub reminders: Option<Vec<u32>>,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default)]
    pub override_reason: Option<String>,
    #[serde(default)]
    pub silent: bool,
    /// `false`: not posted to the page's social accounts (Mastodon, Bluesky).
    #[serde(default = "posted", skip_serializing_if = "is_posted")]
    pub social: bool,
}

/// `POST /v1/admin/pages/{page}/maintenances/{id}/updates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceUpdateRequest {
    pub status: MaintenanceStatus,
    pub body: String,
    #[serde(default)]
    pub silent: bool,
}

/// `POST /v1/admin/pages/{page}/notices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeRequest {
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub effective_at: Timestamp,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default)]
    pub requires_ack: bool,
    #[serde(default)]
    pub override_reason: Option<String>,
    #[serde(default)]
    pub silent: bool,
}

/// Roles of API keys, each including the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Responder,
    Communicator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Self::Viewer,
        Self::Responder,
        Self::Communicator,
        Self::Admin,
    ];

    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Responder => "responder",
            Self::Communicator => "communicator",
            Self::Admin => "admin",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// `POST /v1/admin/pages/{page}/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    pub name: String,
    pub role: Role,
}

/// An API key as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<Timestamp>,
}

/// Answer to key creation: the only time the key itself is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKey {
    pub id: String,
    pub key: String,
    pub role: Role,
}

/// Answer to a widget-secret rotation: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetSecret {
    pub secret: String,
}

/// One entry of the audit log export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub version: u64,
    #[serde(default)]
    pub subject: Option<String>,
    /// The change as submitted (the command), then what it caused.
    pub change: serde_json::Value,
    pub events: serde_json::Value,
}

/// Answer to `POST /v1/admin/pages/{page}/lint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LintReport {
    pub warnings: Vec<crate::lint::Warning>,
}

/// `POST /v1/pages/{page}/subscriptions` (JSON, or the same fields form-encoded).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscribeRequest {
    /// Exactly one of `email`, `phone` (E.164, for SMS) and `webhook` (an https URL); the others
    /// are left out of the JSON (the widget writes `{"email":...,"components":[],"website":""}`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub webhook: String,
    /// Empty means every component.
    #[serde(default)]
    pub components: Vec<String>,
    /// The honeypot: people never see it, so a value means a bot.
    #[serde(default)]
    pub website: String,
    /// The language the person reads (a BCP 47 tag, such as the widget's); kept when the page
    /// offers it (`subscriber::offered_locale`), else messages come in the page's default.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub locale: String,
    /// For a webhook: `statuspage` to receive Statuspage's payload instead of Herald's.
    #[serde(
        default,
        skip_serializing_if = "crate::model::WebhookFormat::is_herald"
    )]
    pub format: crate::model::WebhookFormat,
}

impl SubscribeRequest {
    /// The one address given, with its channel; `Err((field, detail))` when none or several are.
    pub fn address(
        &self,
    ) -> Result<(crate::subscriber::SubscriberChannel, &str), (&'static str, &'static str)> {
        use crate::subscriber::SubscriberChannel as C;
        let given: Vec<(C, &str, &'static str)> = [
            (C::Email, self.email.trim(), "email"),
            (C::Sms, self.phone.trim(), "phone"),
            (C::Webhook, self.webhook.trim(), "webhook"),
        ]
        .into_iter()
        .filter(|(_, v, _)| !v.is_empty())
        .collect();
        match given.as_slice() {
            [(channel, value, _)] => Ok((*channel, value)),
            [] => Err((
                "email",
                "give an email address, a phone number or a webhook URL",
            )),
            [_, (_, _, field), ..] => Err((field, "give only one of email, phone and webhook")),
        }
    }
}

/// `POST /v1/pages/{page}/push/subscriptions`: a browser's push subscription, as
/// `PushSubscription.toJSON()` gives it, with the components chosen on the status page (empty:
/// all). No confirmation message follows: the browser's permission prompt was the consent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushSubscribeRequest {
    pub endpoint: String,
    /// When the push service will end the subscription (milliseconds since the epoch), if it says.
    #[serde(default, rename = "expirationTime")]
    pub expiration_time: Option<f64>,
    pub keys: PushSubscriptionKeys,
    #[serde(default)]
    pub components: Vec<String>,
    /// The reader's language (the browser's); its notifications come in it when the page offers
    /// it, else in the page's default. Empty: the page's default.
    #[serde(default)]
    pub locale: String,
}

/// The keys of a push subscription, base64url: the browser's P-256 public key and its secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushSubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

/// Answer to `POST /v1/pages/{page}/push/subscriptions`: the subscriber, and its unsubscribe
/// link, which the service worker posts to when the person turns notifications off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSubscribed {
    pub id: String,
    pub state: crate::subscriber::SubscriptionState,
    pub components: Vec<String>,
    pub unsubscribe_url: String,
}

/// Answer to `GET /v1/pages/{page}/push/key`: the page's VAPID public key (uncompressed P-256,
/// base64url), the browser's `applicationServerKey`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushKey {
    pub public_key: String,
}

/// What a browser notification carries (encrypted, so only the subscribed browser reads it);
/// the service worker shows `title` and `body` and opens `url` on a click.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushMessage {
    pub title: String,
    pub body: String,
    /// The item's own page on the status host.
    pub url: String,
    /// Replaces an earlier notification about the same item rather than stacking.
    pub tag: String,
    /// The notification's "Unsubscribe" action posts here (one-click, RFC 8058 style).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe_url: Option<String>,
}

/// `POST /v1/admin/pages/{page}/subscribers`: a subscriber added by the page's team (webhooks and
/// Slack channels, key accounts with a fallback). It is verified like any other: a confirmation
/// link, or a challenge the webhook must answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSubscribeRequest {
    pub channel: crate::subscriber::SubscriberChannel,
    pub address: String,
    #[serde(default)]
    pub fallback: Option<FallbackAddress>,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub segments: Vec<String>,
    #[serde(default)]
    pub locale: Option<String>,
    /// For a webhook: `statuspage` to receive Statuspage's payload instead of Herald's.
    #[serde(default)]
    pub format: crate::model::WebhookFormat,
}

/// The second channel tried when every attempt on the first failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FallbackAddress {
    pub channel: crate::subscriber::SubscriberChannel,
    pub address: String,
}

/// Answer to `POST /v1/admin/pages/{page}/subscribers`. The webhook signing secret is shown this
/// once; Herald keeps it only to sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSubscribed {
    pub id: String,
    pub state: crate::subscriber::SubscriptionState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
}

/// A message that could not be delivered on any channel, for the page's team to follow up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub notification_id: String,
    pub event: String,
    pub subscriber_id: String,
    pub channel: crate::subscriber::SubscriberChannel,
    pub attempts: u32,
    pub error: Option<String>,
    pub last_attempt_at: String,
}

/// A subscriber as the admin API lists it: the address masked, nothing else personal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberInfo {
    pub id: String,
    pub channel: crate::subscriber::SubscriberChannel,
    pub address: String,
    pub state: crate::subscriber::SubscriptionState,
    pub components: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub confirmed_at: Option<Timestamp>,
}

impl SubscriberInfo {
    /// `s` as an admin list shows it: the address masked.
    pub fn of(s: &crate::model::Subscriber) -> Self {
        SubscriberInfo {
            id: s.id.clone(),
            channel: s.address.channel,
            address: s.address.masked(),
            state: s.state,
            components: s.components.clone(),
            created_at: s.created_at,
            confirmed_at: s.confirmed_at,
        }
    }
}

/// `GET subscribers/counts`: how many subscribers a page has, never who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberCounts {
    /// Every subscriber the page keeps, unsubscribed ones (kept as a suppression hash) included.
    pub total: usize,
    /// Subscribers per state, every state listed.
    pub states: Vec<StateCount>,
    /// Subscribers still subscribed (pending or confirmed) per channel, every channel listed.
    pub channels: Vec<ChannelCount>,
    /// Per component of the page, in the page's order: the confirmed subscribers told about it
    /// (those who chose it and those who chose none, which means every component).
    pub components: Vec<ComponentCount>,
    /// Confirmed subscribers who chose no component: told about every one.
    pub every_component: usize,
}

/// Subscribers in one state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCount {
    pub state: crate::model::SubscriptionState,
    pub subscribers: usize,
}

/// Confirmed subscribers told about one component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentCount {
    pub id: String,
    pub name: String,
    pub subscribers: usize,
}

/// `POST subscribers/lookup`: one address, found exactly as subscribing would store it (an email's
/// domain and case, a phone number's spaces and dashes do not matter; nothing else is loosened).
/// Without `channel`, every channel the address can be read as is tried. A POST, so the address
/// never lands in a URL or an access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriberLookup {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<crate::model::SubscriberChannel>,
    pub address: String,
}

/// The answer to a lookup: the subscribers at that exact address (none, or one per channel),
/// masked like the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberMatches {
    pub subscribers: Vec<SubscriberInfo>,
}

/// A notification the page sent (one per notifying event, or one confirmation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationInfo {
    pub id: String,
    pub kind: crate::delivery::NotificationKind,
    pub subject: Option<String>,
    pub event: String,
    pub created_at: String,
    pub recipients: u32,
}

/// Where one notification stands, per recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReport {
    pub notification_id: String,
    pub recipients: u32,
    pub sent: u32,
    /// Of `sent`, those the provider confirmed delivered (through its signed delivery events).
    #[serde(default)]
    pub delivered: u32,
    pub failed: u32,
    pub pending: u32,
    pub attempts: u32,
    pub failures: Vec<DeliveryFailure>,
    /// For a message that asks for acknowledgement: how many acknowledged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<u32>,
    /// For a message that asks for acknowledgement: who received it and has not acknowledged it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unacknowledged: Vec<String>,
    /// The same figures channel by channel: each recipient counted on the channel that reached
    /// them, or the last one tried. Recipients not tried yet are in `pending` only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<ChannelFigures>,
}

/// One channel's share of a delivery report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelFigures {
    pub channel: crate::subscriber::SubscriberChannel,
    pub sent: u32,
    pub delivered: u32,
    pub failed: u32,
    /// Tried on this channel and still being tried.
    pub pending: u32,
    /// For a message that asks for acknowledgement: those reached on this channel who acknowledged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<u32>,
}

/// A recipient the notification did not reach, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFailure {
    pub subscriber_id: String,
    pub channel: crate::subscriber::SubscriberChannel,
    pub attempts: u32,
    pub error: Option<String>,
    /// The channels a manager may try them on again ("retry now" starts on the first; any other
    /// is "send on another channel"); empty once they have unsubscribed or been erased.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retry_on: Vec<crate::subscriber::SubscriberChannel>,
}

/// Body of `POST /v1/admin/pages/{page}/notifications/{id}/deliveries/{subscriber}/retry`: which
/// channel to try (omitted: "retry now", from their first channel again).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryDelivery {
    #[serde(default)]
    pub channel: Option<crate::subscriber::SubscriberChannel>,
}

/// Answer to a retry: the recipient is being tried again, starting on `channel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryStarted {
    pub notification_id: String,
    pub subscriber_id: String,
    pub channel: crate::subscriber::SubscriberChannel,
}

/// Answer to `POST /v1/admin/pages/{page}/notifications/{id}/escalate`: how many recipients it was
/// re-sent to on their fallback channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalated {
    pub notification_id: String,
    pub escalated: u32,
}

/// `GET /v1/admin/pages/{page}/incidents/{id}/scorecard`: how the people concerned were kept
/// informed during one incident, as `scorecard::incident` measures it. Durations are whole seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scorecard {
    pub incident_id: String,
    pub title: String,
    pub impact: Impact,
    /// When the problem began (the incident's `started_at`, else when it was opened).
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: Timestamp,
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_word_at: Option<Timestamp>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<Timestamp>,
    /// From `started_at` to the first update published.
    pub time_to_first_word_secs: Option<i64>,
    pub updates: u32,
    /// Every "next update by" promise, oldest first.
    pub promises: Vec<PromiseScore>,
    pub promises_kept: u32,
    pub promises_broken: u32,
    /// The longest time without an update while the incident was unresolved (until now if it
    /// still is).
    pub longest_silence_secs: i64,
    /// Notifications sent about the incident.
    pub messages: u32,
    /// Per channel, recipients of those messages as they stand.
    pub channels: Vec<ChannelScore>,
    /// Recipients of those messages not tried yet.
    #[serde(default)]
    pub not_yet_tried: u32,
    /// Who could read it: `public`, or the audience segments it was shown to.
    pub audiences: Vec<String>,
    /// Distinct subscribers at least one message reached.
    pub subscribers_reached: u32,
    /// Drafts of this incident that waited for a second person.
    pub reviews: Vec<ReviewScore>,
}

/// Whether a "next update by" promise was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromiseVerdict {
    /// The next update came in time.
    Kept,
    /// It came late, or has not come and the time is past.
    Broken,
    /// Not due yet.
    Open,
}

/// One promise: made by `update_id`, due at `due_at`, met by the next update at `met_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseScore {
    pub update_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub made_at: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: Timestamp,
    #[serde(with = "time::serde::rfc3339::option")]
    pub met_at: Option<Timestamp>,
    pub verdict: PromiseVerdict,
    /// How late the next update came (or is, so far); 0 unless broken.
    pub late_by_secs: i64,
}

/// Recipients of an incident's messages on one channel: the channel that reached them, or the
/// last one tried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelScore {
    pub channel: crate::subscriber::SubscriberChannel,
    pub sent: u32,
    /// Of `sent`, confirmed delivered by the provider.
    pub delivered: u32,
    pub failed: u32,
    pub pending: u32,
    pub acknowledged: u32,
}

/// What became of a draft held for review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Approved,
    SentBack,
    Waiting,
}

/// One review of a draft of the incident: submitted, decided, and the time between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewScore {
    pub review_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: Timestamp,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<Timestamp>,
    pub decision: ReviewDecision,
    pub turnaround_secs: Option<i64>,
}

/// `GET /v1/admin/pages/{page}/scorecard?since=&until=`: the incidents that started in
/// [since, until), summed up, with each one's scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodScorecard {
    #[serde(with = "time::serde::rfc3339")]
    pub since: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    pub until: Timestamp,
    pub incidents: u32,
    pub mean_time_to_first_word_secs: Option<i64>,
    pub longest_time_to_first_word_secs: Option<i64>,
    pub promises_kept: u32,
    pub promises_broken: u32,
    /// The latest any promise was broken by.
    pub worst_late_by_secs: i64,
    pub longest_silence_secs: i64,
    pub messages: u32,
    pub channels: Vec<ChannelScore>,
    pub subscribers_reached: u32,
    pub reviews: u32,
    pub longest_review_secs: Option<i64>,
    pub scorecards: Vec<Scorecard>,
}

/// `PUT /v1/admin/pages/{page}/templates/{id}`: a message template with placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    pub name: String,
    #[serde(default)]
    pub locale: Option<String>,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub impact: Option<Impact>,
}
