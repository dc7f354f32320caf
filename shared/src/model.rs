//! The page state: components, incidents, maintenance, notices and subscribers. Derived facts (an
//! incident's status, a component's effective status, the page indicator) are computed from the stored
//! facts, never stored beside them.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Status of one component. `Ord` follows severity, so the worst of several is `max()`;
/// maintenance ranks above "operational" and below every kind of outage.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    #[default]
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl ComponentStatus {
    pub const ALL: [ComponentStatus; 5] = [
        Self::Operational,
        Self::UnderMaintenance,
        Self::DegradedPerformance,
        Self::PartialOutage,
        Self::MajorOutage,
    ];

    /// Human label, as shown on the status page and in the banner.
    pub fn label(self) -> &'static str {
        match self {
            Self::Operational => "Operational",
            Self::UnderMaintenance => "Under maintenance",
            Self::DegradedPerformance => "Degraded performance",
            Self::PartialOutage => "Partial outage",
            Self::MajorOutage => "Major outage",
        }
    }

    /// The status an incident of `impact` gives its components unless told otherwise.
    pub fn for_impact(impact: Impact) -> Self {
        match impact {
            Impact::None | Impact::Minor => Self::DegradedPerformance,
            Impact::Major => Self::PartialOutage,
            Impact::Critical => Self::MajorOutage,
        }
    }
}

/// How much an incident hurts the people it concerns. Ordered by severity.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    None,
    #[default]
    Minor,
    Major,
    Critical,
}

impl Impact {
    pub const ALL: [Impact; 4] = [Self::None, Self::Minor, Self::Major, Self::Critical];

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Minor => "Minor",
            Self::Major => "Major",
            Self::Critical => "Critical",
        }
    }
}

/// Lifecycle of an incident; the current one is the status of its latest update.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    #[default]
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl IncidentStatus {
    pub const ALL: [IncidentStatus; 4] = [
        Self::Investigating,
        Self::Identified,
        Self::Monitoring,
        Self::Resolved,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Investigating => "Investigating",
            Self::Identified => "Identified",
            Self::Monitoring => "Monitoring",
            Self::Resolved => "Resolved",
        }
    }

    /// Whether an update with status `next` may follow one with status `self`. Progress may skip steps;
    /// the only way back is monitoring -> identified (the fix did not hold). A resolved incident takes
    /// no update at all: it is reopened explicitly.
    pub fn may_become(self, next: IncidentStatus) -> bool {
        use IncidentStatus::*;
        match self {
            Investigating => true,
            Identified => next != Investigating,
            Monitoring => matches!(next, Identified | Monitoring | Resolved),
            Resolved => false,
        }
    }
}

/// A named group of components, such as "Europe".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentGroup {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A component of a page, such as "API" or "Dashboard". `status` is the one set by hand; what a viewer
/// sees also counts active incidents and maintenance (`State::component_status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub id: String,
    pub name: String,
    /// Id of the `ComponentGroup` this component belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub status: ComponentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Hidden on the status page while operational.
    #[serde(default)]
    pub only_show_if_degraded: bool,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<Timestamp>,
    /// When `status` last changed.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<Timestamp>,
}

impl Component {
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            group: None,
            status: ComponentStatus::Operational,
            description: None,
            only_show_if_degraded: false,
            created_at: None,
            updated_at: None,
        }
    }

    pub fn in_group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }
}

/// A declared audience segment (`plan:enterprise`). A trailing `*` (`tenant:*`) admits every segment
/// with that prefix, so a page need not list each tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    pub segment: String,
    #[serde(default)]
    pub name: String,
}

impl Audience {
    pub fn admits(&self, segment: &str) -> bool {
        match self.segment.strip_suffix('*') {
            Some(prefix) => segment.starts_with(prefix) && segment.len() > prefix.len(),
            None => self.segment == segment,
        }
    }
}

/// Whether `s` is a well-formed segment: `kind:value`, lowercase kind, no spaces, at most 64 bytes.
pub fn is_valid_segment(s: &str) -> bool {
    let Some((kind, value)) = s.split_once(':') else {
        return false;
    };
    s.len() <= 64
        && !kind.is_empty()
        && !value.is_empty()
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
}

/// Colours and logo of the status page and widget.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
}

/// A status page: what it is called and which components it reports on (in display order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub components: Vec<Component>,
    /// IANA time zone name, for display only; all stored times are UTC.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// BCP 47 tags; the first is the default.
    #[serde(default = "default_locales")]
    pub locales: Vec<String>,
    #[serde(default)]
    pub groups: Vec<ComponentGroup>,
    #[serde(default)]
    pub audiences: Vec<Audience>,
    #[serde(default)]
    pub policy: Policy,
    #[serde(default)]
    pub branding: Branding,
    /// The page's social accounts (Mastodon, Bluesky): what is posted, never their secrets.
    #[serde(default, skip_serializing_if = "SocialAccounts::is_empty")]
    pub social: SocialAccounts,
}

/// A page's social accounts and which events they post. Their secrets (Mastodon's access token,
/// Bluesky's handle and app password, its session) are kept by the page object, never in the
/// state: only a masked hint of each is here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialAccounts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mastodon: Option<MastodonAccount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bluesky: Option<BlueskyAccount>,
    /// What is posted; every kind when the accounts are first set.
    #[serde(default)]
    pub events: Vec<SocialEvent>,
}

/// A Mastodon account: its server, the server's character limit and a hint of its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MastodonAccount {
    /// The server's base URL (`https://mastodon.social`).
    pub server: String,
    /// The server's limit per status (500 unless the server says otherwise).
    pub max_chars: u32,
    /// The access token's last characters (`…k2Q9`): enough to recognise it, never to use it.
    pub access_token: String,
}

/// A Bluesky account: hints of its handle and app password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlueskyAccount {
    /// The handle, masked (`a***.bsky.social`).
    pub handle: String,
    /// `set`: the app password is never shown.
    pub app_password: String,
}

/// The events a page's social accounts post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SocialEvent {
    IncidentOpened,
    IncidentUpdated,
    IncidentResolved,
    MaintenanceScheduled,
}

impl SocialEvent {
    pub const ALL: [SocialEvent; 4] = [
        Self::IncidentOpened,
        Self::IncidentUpdated,
        Self::IncidentResolved,
        Self::MaintenanceScheduled,
    ];
}

impl SocialAccounts {
    /// The id a social account's deliveries are recorded under (it is no subscriber).
    pub const MASTODON_ID: &'static str = "social_mastodon";
    pub const BLUESKY_ID: &'static str = "social_bluesky";

    pub fn is_empty(&self) -> bool {
        self.mastodon.is_none() && self.bluesky.is_none() && self.events.is_empty()
    }

    /// The accounts set, as (recipient id, where their posts go): Mastodon's server, and
    /// Bluesky's masked handle (its service is the deployment's).
    pub fn recipients(&self) -> Vec<(&'static str, Address)> {
        let mut out = Vec::new();
        if let Some(m) = &self.mastodon {
            out.push((
                Self::MASTODON_ID,
                Address {
                    channel: SubscriberChannel::Mastodon,
                    value: m.server.clone(),
                },
            ));
        }
        if let Some(b) = &self.bluesky {
            out.push((
                Self::BLUESKY_ID,
                Address {
                    channel: SubscriberChannel::Bluesky,
                    value: b.handle.clone(),
                },
            ));
        }
        out
    }

    /// The networks an account is set for, as the lint measures posts.
    pub fn networks(&self) -> Vec<crate::lint::Social> {
        let mut out = Vec::new();
        if self.mastodon.is_some() {
            out.push(crate::lint::Social::Mastodon);
        }
        if self.bluesky.is_some() {
            out.push(crate::lint::Social::Bluesky);
        }
        out
    }

    /// Whether `event` is one the accounts post.
    pub fn posts(&self, event: SocialEvent) -> bool {
        self.events.contains(&event)
    }
}

fn default_time_zone() -> String {
    "Etc/UTC".into()
}

fn default_locales() -> Vec<String> {
    vec!["en".into()]
}

impl Page {
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            url: None,
            components: Vec::new(),
            time_zone: default_time_zone(),
            locales: default_locales(),
            groups: Vec::new(),
            audiences: Vec::new(),
            policy: Policy::default(),
            branding: Branding::default(),
            social: SocialAccounts::default(),
        }
    }

    pub fn component(&self, id: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.id == id)
    }

    pub fn group(&self, id: &str) -> Option<&ComponentGroup> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// Whether `segment` is declared by one of the page's audiences.
    pub fn admits_segment(&self, segment: &str) -> bool {
        self.audiences.iter().any(|a| a.admits(segment))
    }

    pub fn default_locale(&self) -> &str {
        self.locales.first().map_or("en", String::as_str)
    }
}

/// Who may see an incident, maintenance or notice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Public,
    /// Only viewers holding at least one of these segments.
    Segments(Vec<String>),
}

impl Visibility {
    pub fn is_public(&self) -> bool {
        matches!(self, Self::Public)
    }

    /// Whether someone holding `segments` may see it.
    pub fn admits(&self, segments: &[String]) -> bool {
        match self {
            Self::Public => true,
            Self::Segments(allowed) => allowed.iter().any(|a| segments.contains(a)),
        }
    }
}

/// A component an incident affects, with the status it gives that component.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "AffectedRepr")]
pub struct AffectedComponent {
    pub id: String,
    pub status: ComponentStatus,
}

/// Accepts a bare component id too (the first slice stored ids only).
#[derive(Deserialize)]
#[serde(untagged)]
enum AffectedRepr {
    Id(String),
    Full { id: String, status: ComponentStatus },
}

impl From<AffectedRepr> for AffectedComponent {
    fn from(r: AffectedRepr) -> Self {
        match r {
            AffectedRepr::Id(id) => Self {
                id,
                status: ComponentStatus::PartialOutage,
            },
            AffectedRepr::Full { id, status } => Self { id, status },
        }
    }
}

/// Channels one message is published to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Banner,
    StatusPage,
    Email,
    Sms,
    Webhook,
    Slack,
    /// Browser notifications (Web Push).
    Push,
    /// Microsoft Teams (a Workflows incoming webhook).
    Teams,
    /// The page's Mastodon account.
    Mastodon,
    /// The page's Bluesky account.
    Bluesky,
}

impl Channel {
    pub const ALL: [Channel; 10] = [
        Self::Banner,
        Self::StatusPage,
        Self::Email,
        Self::Sms,
        Self::Webhook,
        Self::Slack,
        Self::Push,
        Self::Teams,
        Self::Mastodon,
        Self::Bluesky,
    ];
}

fn yes() -> bool {
    true
}

/// One message posted on an incident. Updates are append-only. `components` is the full set of affected
/// components as of this update, so the incident's current set is its latest update's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentUpdate {
    pub id: String,
    pub status: IncidentStatus,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
    #[serde(default)]
    pub components: Vec<AffectedComponent>,
    /// Whether subscribers were notified of this update.
    #[serde(default = "yes")]
    pub notify: bool,
    /// Kept off the page's social accounts (the request's `"social": false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_social: bool,
    /// Channels it was published to; empty means every channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
}

/// The retrospective attached to a resolved incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Postmortem {
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: Timestamp,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub revised_at: Option<Timestamp>,
}

/// An incident and its updates, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub impact: Impact,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    /// When the problem began, if before the incident was opened (known from monitoring): what
    /// the scorecard's time to the first public word is measured from.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub started_at: Option<Timestamp>,
    pub updates: Vec<IncidentUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postmortem: Option<Postmortem>,
}

impl Incident {
    /// The latest update: the one created last, ties broken by position (later wins).
    pub fn latest(&self) -> Option<&IncidentUpdate> {
        latest_by(&self.updates, |u| u.created_at)
    }

    /// Current status, derived from the latest update.
    pub fn status(&self) -> IncidentStatus {
        self.latest()
            .map_or(IncidentStatus::Investigating, |u| u.status)
    }

    pub fn is_active(&self) -> bool {
        self.status() != IncidentStatus::Resolved
    }

    /// Affected components as of the latest update.
    pub fn components(&self) -> &[AffectedComponent] {
        self.latest().map_or(&[], |u| u.components.as_slice())
    }

    /// When the latest update's status was first reached in the current run (for Statuspage's
    /// `monitoring_at`/`resolved_at`): the earliest update since the last one with another status.
    pub fn first_at(&self, status: IncidentStatus) -> Option<Timestamp> {
        let mut at = None;
        for u in ordered(&self.updates, |u| u.created_at) {
            if u.status == status {
                at.get_or_insert(u.created_at);
            } else if status == IncidentStatus::Resolved {
                at = None;
            }
        }
        at
    }

    pub fn updated_at(&self) -> Timestamp {
        let last = self.latest().map_or(self.created_at, |u| u.created_at);
        match &self.postmortem {
            Some(p) => last.max(p.revised_at.unwrap_or(p.published_at)),
            None => last,
        }
    }
}

/// Lifecycle of a maintenance window; the current one is its latest update's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceStatus {
    #[default]
    Scheduled,
    InProgress,
    Verifying,
    Completed,
}

impl MaintenanceStatus {
    pub const ALL: [MaintenanceStatus; 4] = [
        Self::Scheduled,
        Self::InProgress,
        Self::Verifying,
        Self::Completed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Scheduled => "Scheduled",
            Self::InProgress => "In progress",
            Self::Verifying => "Verifying",
            Self::Completed => "Completed",
        }
    }

    /// Forward only, steps may be skipped (a cancelled window goes straight to completed); verifying may
    /// go back to in progress.
    pub fn may_become(self, next: MaintenanceStatus) -> bool {
        use MaintenanceStatus::*;
        match self {
            Scheduled => true,
            InProgress => next != Scheduled,
            Verifying => matches!(next, InProgress | Verifying | Completed),
            Completed => false,
        }
    }

    /// Whether the work is under way (components show "under maintenance").
    pub fn is_active(self) -> bool {
        matches!(self, Self::InProgress | Self::Verifying)
    }
}

/// One message posted on a maintenance window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceUpdate {
    pub id: String,
    pub status: MaintenanceStatus,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    #[serde(default = "yes")]
    pub notify: bool,
    /// Kept off the page's social accounts (the request's `"social": false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_social: bool,
}

/// Planned work: a window, the components it touches and reminders sent before it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    pub id: String,
    pub title: String,
    #[serde(with = "time::serde::rfc3339")]
    pub scheduled_for: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    pub scheduled_until: Timestamp,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub visibility: Visibility,
    /// Minutes before `scheduled_for` at which subscribers are reminded.
    #[serde(default)]
    pub reminders: Vec<u32>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    pub updates: Vec<MaintenanceUpdate>,
    /// Why it was scheduled with less notice than the policy asks, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
}

impl Maintenance {
    pub fn latest(&self) -> Option<&MaintenanceUpdate> {
        latest_by(&self.updates, |u| u.created_at)
    }

    pub fn status(&self) -> MaintenanceStatus {
        self.latest()
            .map_or(MaintenanceStatus::Scheduled, |u| u.status)
    }

    pub fn updated_at(&self) -> Timestamp {
        self.latest().map_or(self.created_at, |u| u.created_at)
    }
}

/// Kinds of advance notice, each with its own lead time in the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    ServiceUpdate,
    PolicyChange,
    PricingChange,
    Other,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 4] = [
        Self::ServiceUpdate,
        Self::PolicyChange,
        Self::PricingChange,
        Self::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::ServiceUpdate => "Service update",
            Self::PolicyChange => "Policy change",
            Self::PricingChange => "Pricing change",
            Self::Other => "Notice",
        }
    }
}

/// An announcement of a change that takes effect later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub id: String,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub effective_at: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: Timestamp,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub visibility: Visibility,
    /// Each message carries a receipt link; unacknowledged ones escalate.
    #[serde(default)]
    pub requires_ack: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
}

/// Everything a page's Durable Object holds. `version` grows by one per applied command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub page: Page,
    #[serde(default)]
    pub incidents: Vec<Incident>,
    #[serde(default)]
    pub maintenances: Vec<Maintenance>,
    #[serde(default)]
    pub notices: Vec<Notice>,
    #[serde(default)]
    pub subscribers: Vec<Subscriber>,
    #[serde(default)]
    pub templates: Vec<Template>,
    /// Drafts submitted for review, oldest first.
    #[serde(default)]
    pub reviews: Vec<Review>,
    #[serde(default)]
    pub version: u64,
}

impl State {
    pub fn new(page: Page) -> Self {
        Self {
            page,
            incidents: Vec::new(),
            maintenances: Vec::new(),
            notices: Vec::new(),
            subscribers: Vec::new(),
            templates: Vec::new(),
            reviews: Vec::new(),
            version: 0,
        }
    }

    pub fn incident(&self, id: &str) -> Option<&Incident> {
        self.incidents.iter().find(|i| i.id == id)
    }

    pub fn maintenance(&self, id: &str) -> Option<&Maintenance> {
        self.maintenances.iter().find(|m| m.id == id)
    }

    pub fn notice(&self, id: &str) -> Option<&Notice> {
        self.notices.iter().find(|n| n.id == id)
    }

    pub fn review(&self, id: &str) -> Option<&Review> {
        self.reviews.iter().find(|r| r.id == id)
    }

    pub fn subscriber(&self, id: &str) -> Option<&Subscriber> {
        self.subscribers.iter().find(|s| s.id == id)
    }

    /// Worst status set by hand on any component.
    pub fn worst_component(&self) -> ComponentStatus {
        self.page
            .components
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(ComponentStatus::Operational)
    }

    /// What `segments` see for component `id`: the worst of its own status, the status given by every
    /// active incident they may see, and "under maintenance" during visible maintenance.
    pub fn component_status(&self, id: &str, segments: &[String]) -> ComponentStatus {
        let own = self
            .page
            .component(id)
            .map_or(ComponentStatus::Operational, |c| c.status);
        let incidents = self
            .incidents
            .iter()
            .filter(|i| i.is_active() && i.visibility.admits(segments))
            .flat_map(|i| i.components())
            .filter(|a| a.id == id)
            .map(|a| a.status);
        let maintenance = self
            .maintenances
            .iter()
            .filter(|m| m.status().is_active() && m.visibility.admits(segments))
            .filter(|m| m.components.iter().any(|c| c == id))
            .map(|_| ComponentStatus::UnderMaintenance);
        incidents.chain(maintenance).fold(own, Ord::max)
    }
}

/// Items ordered by time, ties kept in insertion order.
pub(crate) fn ordered<T>(items: &[T], at: impl Fn(&T) -> Timestamp) -> Vec<&T> {
    let mut v: Vec<&T> = items.iter().collect();
    v.sort_by_key(|x| at(x));
    v
}

fn latest_by<T>(items: &[T], at: impl Fn(&T) -> Timestamp) -> Option<&T> {
    items
        .iter()
        .enumerate()
        .max_by_key(|(i, u)| (at(u), *i))
        .map(|(_, u)| u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn update(id: &str, status: IncidentStatus, at: Timestamp) -> IncidentUpdate {
        IncidentUpdate {
            id: id.into(),
            status,
            body: String::new(),
            created_at: at,
            next_update_at: None,
            components: vec![],
            notify: true,
            no_social: false,
            channels: vec![],
        }
    }

    #[test]
    fn status_is_the_latest_updates_status_ties_go_to_the_later_one() {
        let t = datetime!(2026-01-01 10:00 UTC);
        let mut inc = Incident {
            id: "i".into(),
            title: "t".into(),
            impact: Impact::Major,
            visibility: Visibility::Public,
            created_at: t,
            started_at: None,
            updates: vec![update("a", IncidentStatus::Investigating, t)],
            postmortem: None,
        };
        assert_eq!(inc.status(), IncidentStatus::Investigating);
        inc.updates.push(update("b", IncidentStatus::Identified, t));
        assert_eq!(inc.status(), IncidentStatus::Identified);
        inc.updates.push(update(
            "c",
            IncidentStatus::Resolved,
            t - time::Duration::minutes(1),
        ));
        assert_eq!(
            inc.status(),
            IncidentStatus::Identified,
            "older update does not win"
        );
    }

    #[test]
    fn worst_component_is_the_max_by_severity() {
        use ComponentStatus::*;
        let cases = [
            (vec![], Operational),
            (vec![Operational, UnderMaintenance], UnderMaintenance),
            (
                vec![UnderMaintenance, DegradedPerformance],
                DegradedPerformance,
            ),
            (vec![MajorOutage, PartialOutage], MajorOutage),
        ];
        for (statuses, want) in cases {
            let mut page = Page::new("p", "P");
            page.components = statuses
                .iter()
                .enumerate()
                .map(|(i, s)| Component {
                    status: *s,
                    ..Component::new(format!("c{i}"), format!("C{i}"))
                })
                .collect();
            assert_eq!(State::new(page).worst_component(), want, "{statuses:?}");
        }
    }

    #[test]
    fn incident_transitions_table() {
        use IncidentStatus::*;
        // Rows: from; columns: to, in the order Investigating, Identified, Monitoring, Resolved.
        let table = [
            (Investigating, [true, true, true, true]),
            (Identified, [false, true, true, true]),
            (Monitoring, [false, true, true, true]),
            (Resolved, [false, false, false, false]),
        ];
        for (from, row) in table {
            for (to, want) in IncidentStatus::ALL.iter().zip(row) {
                assert_eq!(from.may_become(*to), want, "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn maintenance_transitions_table() {
        use MaintenanceStatus::*;
        let table = [
            (Scheduled, [true, true, true, true]),
            (InProgress, [false, true, true, true]),
            (Verifying, [false, true, true, true]),
            (Completed, [false, false, false, false]),
        ];
        for (from, row) in table {
            for (to, want) in MaintenanceStatus::ALL.iter().zip(row) {
                assert_eq!(from.may_become(*to), want, "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn audiences_admit_exact_and_prefix_segments() {
        let cases = [
            ("plan:enterprise", "plan:enterprise", true),
            ("plan:enterprise", "plan:free", false),
            ("tenant:*", "tenant:42", true),
            ("tenant:*", "tenant:", false),
            ("tenant:*", "region:eu", false),
        ];
        for (declared, segment, want) in cases {
            let a = Audience {
                segment: declared.into(),
                name: String::new(),
            };
            assert_eq!(a.admits(segment), want, "{declared} admits {segment}");
        }
    }

    #[test]
    fn visibility_admits_viewers_sharing_a_segment() {
        let seg = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let limited = Visibility::Segments(seg(&["plan:enterprise", "region:eu"]));
        let cases = [
            (Visibility::Public, seg(&[]), true),
            (limited.clone(), seg(&[]), false),
            (limited.clone(), seg(&["region:us"]), false),
            (limited.clone(), seg(&["region:us", "region:eu"]), true),
        ];
        for (v, s, want) in cases {
            assert_eq!(v.admits(&s), want, "{v:?} {s:?}");
        }
    }

    #[test]
    fn affected_components_read_bare_ids_from_the_first_slice() {
        let a: Vec<AffectedComponent> =
            serde_json::from_str(r#"["api", {"id": "db", "status": "major_outage"}]"#).unwrap();
        assert_eq!(a[0].status, ComponentStatus::PartialOutage);
        assert_eq!(a[1].status, ComponentStatus::MajorOutage);
    }

    #[test]
    fn first_at_restarts_after_a_reopen() {
        use IncidentStatus::*;
        let t = datetime!(2026-01-01 10:00 UTC);
        let m = time::Duration::minutes(1);
        let inc = Incident {
            id: "i".into(),
            title: "t".into(),
            impact: Impact::Minor,
            visibility: Visibility::Public,
            created_at: t,
            started_at: None,
            updates: vec![
                update("a", Investigating, t),
                update("b", Monitoring, t + m),
                update("c", Monitoring, t + m * 2),
                update("d", Resolved, t + m * 3),
                update("e", Investigating, t + m * 4),
                update("f", Resolved, t + m * 5),
            ],
            postmortem: None,
        };
        assert_eq!(inc.first_at(Monitoring), Some(t + m));
        assert_eq!(inc.first_at(Resolved), Some(t + m * 5));
        assert_eq!(inc.first_at(Identified), None);
    }
}

// ---- Policy data (the rules that read it are in `policy`).

/// How a missing `next_update_at` on an unresolved incident is treated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextUpdateRule {
    /// A missing promise is filled in from the cadence for the incident's impact.
    #[default]
    Cadence,
    /// A missing promise is refused.
    Required,
    /// Promises are optional.
    Optional,
}

/// Lead times are in minutes; cadences too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    pub service_update_lead_minutes: u32,
    pub policy_change_lead_minutes: u32,
    pub pricing_change_lead_minutes: u32,
    pub other_notice_lead_minutes: u32,
    pub maintenance_lead_minutes: u32,
    /// Default reminders before a maintenance window, in minutes before it starts.
    pub maintenance_reminders: Vec<u32>,
    pub cadence_critical_minutes: u32,
    pub cadence_major_minutes: u32,
    pub cadence_minor_minutes: u32,
    pub cadence_none_minutes: u32,
    pub next_update: NextUpdateRule,
    /// Extra internal words the wording lint flags on this page.
    pub jargon: Vec<String>,
    /// Where customers get support (an address, a URL or a phone number); the wording lint asks an
    /// unresolved incident's updates to name it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support_contact: Option<String>,
    /// Who is reminded when a "next update" promise is broken: email addresses, or https URLs
    /// that take Slack's incoming-webhook JSON.
    pub responders: Vec<String>,
    /// Minutes after which a message that asks for acknowledgement is re-sent on the fallback
    /// channel of everyone who has not acknowledged it.
    pub ack_escalate_minutes: u32,
    /// Origins whose pages may post the subscribe form from the browser (the widget inside a
    /// product): `https://app.acme.com`. Empty allows any; the status page itself is always allowed.
    pub subscribe_origins: Vec<String>,
    /// Confirmation messages the page may send per hour by email, and by SMS (texts cost money and
    /// are what SMS pumping abuses, so theirs is far lower). Over it, subscribing is refused.
    pub email_confirmations_per_hour: u32,
    pub sms_confirmations_per_hour: u32,
    /// What a second person must approve before it is published.
    pub review: ReviewPolicy,
    /// How much of the time in partial outage counts as down in uptime figures, in percent (major
    /// outage counts in full, degraded performance and maintenance not at all). 30, as Statuspage.
    pub partial_outage_weight_percent: u8,
}

/// Minutes in an hour and a day, for the policy defaults.
pub(crate) mod policy_defaults {
    pub const HOUR: u32 = 60;
    pub const DAY: u32 = 24 * HOUR;
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            service_update_lead_minutes: 2 * policy_defaults::DAY,
            policy_change_lead_minutes: 14 * policy_defaults::DAY,
            pricing_change_lead_minutes: 14 * policy_defaults::DAY,
            other_notice_lead_minutes: 0,
            maintenance_lead_minutes: 3 * policy_defaults::DAY,
            maintenance_reminders: vec![policy_defaults::DAY, policy_defaults::HOUR],
            cadence_critical_minutes: 30,
            cadence_major_minutes: 30,
            cadence_minor_minutes: 60,
            cadence_none_minutes: 120,
            next_update: NextUpdateRule::Cadence,
            jargon: Vec::new(),
            support_contact: None,
            responders: Vec::new(),
            ack_escalate_minutes: policy_defaults::HOUR,
            subscribe_origins: Vec::new(),
            email_confirmations_per_hour: 500,
            sms_confirmations_per_hour: 30,
            review: ReviewPolicy::default(),
            partial_outage_weight_percent: 30,
        }
    }
}

// ---- Subscriber data (addresses are validated and matched in `subscriber`).

/// How a subscriber is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriberChannel {
    Email,
    Sms,
    Webhook,
    Slack,
    /// A browser's push subscription (Web Push): the address is its endpoint; its keys are kept
    /// with the page's secrets.
    Push,
    /// A Microsoft Teams channel, through a Workflows incoming webhook (Adaptive Cards).
    Teams,
    /// The page's own Mastodon account (no subscriber uses it): a status per post.
    Mastodon,
    /// The page's own Bluesky account (no subscriber uses it): a post per post.
    Bluesky,
}

impl SubscriberChannel {
    pub const ALL: [SubscriberChannel; 8] = [
        Self::Email,
        Self::Sms,
        Self::Webhook,
        Self::Slack,
        Self::Push,
        Self::Teams,
        Self::Mastodon,
        Self::Bluesky,
    ];

    /// The channels a subscriber can use (the others are the page's own social accounts).
    pub const SUBSCRIBABLE: [SubscriberChannel; 6] = [
        Self::Email,
        Self::Sms,
        Self::Webhook,
        Self::Slack,
        Self::Push,
        Self::Teams,
    ];

    /// The wire name (`email`, `sms`, `webhook`, `slack`, `push`, `teams`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
            Self::Webhook => "webhook",
            Self::Slack => "slack",
            Self::Push => "push",
            Self::Teams => "teams",
            Self::Mastodon => "mastodon",
            Self::Bluesky => "bluesky",
        }
    }

    pub fn from_name(name: &str) -> Option<SubscriberChannel> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    pub fn channel(self) -> Channel {
        match self {
            Self::Email => Channel::Email,
            Self::Sms => Channel::Sms,
            Self::Webhook => Channel::Webhook,
            Self::Slack => Channel::Slack,
            Self::Push => Channel::Push,
            Self::Teams => Channel::Teams,
            Self::Mastodon => Channel::Mastodon,
            Self::Bluesky => Channel::Bluesky,
        }
    }
}

/// A validated, normalized address on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    pub channel: SubscriberChannel,
    pub value: String,
}

/// Double opt-in: pending until confirmed; unsubscribed is final until the person subscribes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionState {
    Pending,
    Confirmed,
    Unsubscribed,
}

impl SubscriptionState {
    pub const ALL: [SubscriptionState; 3] = [Self::Pending, Self::Confirmed, Self::Unsubscribed];

    /// The wire name (`pending`, `confirmed`, `unsubscribed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Unsubscribed => "unsubscribed",
        }
    }

    pub fn from_name(name: &str) -> Option<SubscriptionState> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// Someone who asked to be told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriber {
    pub id: String,
    pub address: Address,
    /// Tried when every attempt on `address` failed.
    #[serde(default)]
    pub fallback: Option<Address>,
    /// Empty means every component.
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub segments: Vec<String>,
    #[serde(default)]
    pub locale: Option<String>,
    pub state: SubscriptionState,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub confirmed_at: Option<Timestamp>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub unsubscribed_at: Option<Timestamp>,
    /// While pending: the subscriber this one replaces once confirmed (a move to a new address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// The body a webhook receives: Herald's own, or Statuspage's.
    #[serde(default, skip_serializing_if = "WebhookFormat::is_herald")]
    pub format: WebhookFormat,
}

/// What a webhook subscriber receives: Herald's payload, or the one Statuspage sends (`meta`,
/// `page`, `incident` or `component` with `component_update`), for receivers written for it.
/// Both are signed the same way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    #[default]
    Herald,
    Statuspage,
}

impl WebhookFormat {
    pub fn is_herald(&self) -> bool {
        *self == WebhookFormat::Herald
    }

    /// The format named `herald` or `statuspage`.
    pub fn from_name(name: &str) -> Option<WebhookFormat> {
        match name {
            "herald" => Some(Self::Herald),
            "statuspage" => Some(Self::Statuspage),
            _ => None,
        }
    }
}

// ---- Template data (rendering is in `template`).

/// A saved draft for a recurring situation ("Elevated error rates on {{components}}").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub id: String,
    pub name: String,
    /// BCP 47 tag; `None` for the page's default locale.
    #[serde(default)]
    pub locale: Option<String>,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub impact: Option<Impact>,
}

/// What kind of thing a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Incident,
    Postmortem,
    Maintenance,
    Notice,
    Component,
}

// ---- Drafts of changes: the inputs of the commands that publish (applied in `command`), here so a
// change held for review can be kept in the state.

/// A component named in a command, optionally with the status it should show. Without one, an
/// incident gives it the status its impact implies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ComponentInputRepr")]
pub struct ComponentInput {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ComponentStatus>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ComponentInputRepr {
    Id(String),
    Full {
        id: String,
        #[serde(default)]
        status: Option<ComponentStatus>,
    },
}

impl From<ComponentInputRepr> for ComponentInput {
    fn from(r: ComponentInputRepr) -> Self {
        match r {
            ComponentInputRepr::Id(id) => id.into(),
            ComponentInputRepr::Full { id, status } => Self { id, status },
        }
    }
}

impl From<String> for ComponentInput {
    fn from(id: String) -> Self {
        Self { id, status: None }
    }
}

impl From<&str> for ComponentInput {
    fn from(id: &str) -> Self {
        id.to_owned().into()
    }
}

/// Opens an incident with its first update (status `investigating` unless given).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenIncident {
    pub id: String,
    pub update_id: String,
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
    /// Publish without notifying subscribers.
    #[serde(default)]
    pub silent: bool,
    /// Not posted to the page's social accounts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_social: bool,
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// When the problem began, if before now.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub started_at: Option<Timestamp>,
}

/// Appends an update to an open incident; status `resolved` resolves it. `components`, when given,
/// replaces the affected set; `impact`, when given, re-rates the incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostUpdate {
    pub incident_id: String,
    pub update_id: String,
    pub status: IncidentStatus,
    pub body: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
    #[serde(default)]
    pub components: Option<Vec<ComponentInput>>,
    #[serde(default)]
    pub impact: Option<Impact>,
    #[serde(default)]
    pub silent: bool,
    /// Not posted to the page's social accounts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_social: bool,
    #[serde(default)]
    pub channels: Vec<Channel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishNotice {
    pub id: String,
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
    /// Required when `effective_at` is sooner than the policy's lead time; kept for the audit.
    #[serde(default)]
    pub override_reason: Option<String>,
    #[serde(default)]
    pub silent: bool,
}

// ---- Review by a second person (the commands that hold, approve and send back are in `command`).

/// Which changes wait for a second person before they are published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewPolicy {
    /// Every notice.
    pub notices: bool,
    /// Incidents (opening them and their updates) at or above this impact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents_from: Option<Impact>,
}

/// A change that publishes, held until it is approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HeldChange {
    OpenIncident(OpenIncident),
    PostUpdate(PostUpdate),
    PublishNotice(PublishNotice),
}

impl HeldChange {
    /// The incident or notice it is about.
    pub fn subject(&self) -> &str {
        match self {
            Self::OpenIncident(c) => &c.id,
            Self::PostUpdate(c) => &c.incident_id,
            Self::PublishNotice(c) => &c.id,
        }
    }

    /// What a reviewer reads first: the title (an update's is its incident's).
    pub fn title<'a>(&'a self, state: &'a State) -> &'a str {
        match self {
            Self::OpenIncident(c) => &c.title,
            Self::PostUpdate(c) => state.incident(&c.incident_id).map_or("", |i| &i.title),
            Self::PublishNotice(c) => &c.title,
        }
    }

    pub fn body(&self) -> &str {
        match self {
            Self::OpenIncident(c) => &c.body,
            Self::PostUpdate(c) => &c.body,
            Self::PublishNotice(c) => &c.body,
        }
    }
}

/// Why a reviewer sent a draft back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentBack {
    /// The reviewer (`key:<id>` or `root`).
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: Timestamp,
    pub comment: String,
}

/// A draft submitted for review: waiting until a second key approves it (it is then published and
/// leaves this list) or sends it back (it stays, with the comment, for its author to read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: String,
    pub change: HeldChange,
    /// Who submitted it (`key:<id>` or `root`): never a secret.
    pub author: String,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_back: Option<SentBack>,
}

impl Review {
    pub fn is_waiting(&self) -> bool {
        self.sent_back.is_none()
    }
}
