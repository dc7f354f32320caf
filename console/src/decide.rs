//! The console's decisions as plain functions over `shared` types, tested natively: what a role may
//! do, the "next update by" countdown, the draft a form holds and the command it becomes, the
//! wording marks, and the per-channel previews (rendered by `shared`'s own renderers after applying
//! the draft to a copy of the page with `shared::command::apply`, exactly as the server will), and
//! the scorecard's figures as the console words them.

use std::ops::Range;

use herald_shared::command::{
    apply, AttachPostmortem, Command, ComponentInput, DomainError, Event, OpenIncident, PostUpdate,
    PublishNotice, Reopen, ScheduleMaintenance,
};
use herald_shared::delivery::NotificationKind;
use herald_shared::lint::{self, DraftField, LintCode, Warning};
use herald_shared::model::HeldChange;
use herald_shared::model::{
    ComponentStatus, Impact, Incident, IncidentStatus, NoticeKind, Page, State, Visibility,
};
use herald_shared::sms::SmsCount;
use herald_shared::subscriber::SubscriberChannel;
use herald_shared::template::{self, Links, Message, Template};
use herald_shared::view::{self, Viewer};
use herald_shared::wire::{
    BannerItem, Created, DeliveryFailure, DeliveryReport, DryRun, MaintenanceRequest,
    NoticeRequest, NotificationInfo, OpenIncidentRequest, PeriodScorecard, PostUpdateRequest,
    PostmortemRequest, PromiseScore, PromiseVerdict, ReopenRequest, Role, Scorecard,
};
use time::{Duration, OffsetDateTime};

pub type Timestamp = OffsetDateTime;

pub mod subscribers;

/// A point in time from the browser's `Date.now()` (milliseconds since the epoch).
pub fn from_millis(ms: f64) -> Timestamp {
    let nanos = (ms as i128) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// What a key's role is offered. The API still refuses whatever the role may not do; this only keeps
/// the console from offering it (the thresholds are the edge's `AdminOp::role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abilities {
    /// Open incidents, post updates, resolve, reopen.
    pub compose: bool,
    /// Set a component's status by hand.
    pub set_components: bool,
    /// Attach a postmortem, schedule maintenance, publish notices, edit templates, and approve or
    /// send back another key's draft.
    pub communicate: bool,
}

impl Abilities {
    pub fn of(role: Role) -> Self {
        Self {
            compose: role >= Role::Responder,
            set_components: role >= Role::Responder,
            communicate: role >= Role::Communicator,
        }
    }
}

/// Where an incident's latest "next update by" promise stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Promise {
    /// Resolved, or no promise was made.
    None,
    Due(Duration),
    Overdue(Duration),
}

/// The promise of `incident` at `now`; overdue exactly when `shared::view::is_overdue` says so.
pub fn promise(incident: &Incident, now: Timestamp) -> Promise {
    let Some(at) = incident
        .latest()
        .and_then(|u| u.next_update_at)
        .filter(|_| incident.is_active())
    else {
        return Promise::None;
    };
    if view::is_overdue(incident, now) {
        Promise::Overdue(now - at)
    } else {
        Promise::Due(at - now)
    }
}

/// "3 days 1 h", "1 h 05 min", "4 min 09 s", "12 s": whole seconds, the two largest units (days
/// from two days on, where hours stop being easy to read).
pub fn span_text(d: Duration) -> String {
    let s = d.whole_seconds().max(0);
    let (days, h, m, sec) = (s / 86_400, s / 3600, (s % 3600) / 60, s % 60);
    if days >= 2 {
        match h % 24 {
            0 => format!("{days} days"),
            hours => format!("{days} days {hours} h"),
        }
    } else if h > 0 {
        format!("{h} h {m:02} min")
    } else if m > 0 {
        format!("{m} min {sec:02} s")
    } else {
        format!("{sec} s")
    }
}

/// The countdown's words.
pub fn promise_text(p: Promise) -> String {
    match p {
        Promise::None => "No update promised".into(),
        Promise::Due(d) => format!("Next update due in {}", span_text(d)),
        Promise::Overdue(d) => format!("Update overdue by {}", span_text(d)),
    }
}

/// The "next update by" a new draft starts with: the page's cadence for the impact, rounded up to
/// the minute.
pub fn default_next_update(page: &Page, impact: Impact, now: Timestamp) -> Timestamp {
    let t = now + page.policy.cadence(impact);
    let rounded = t.replace_nanosecond(0).unwrap_or(t);
    match rounded.second() {
        0 => rounded,
        s => rounded + Duration::seconds(60 - i64::from(s)),
    }
}

/// A time as a `datetime-local` value, in UTC (the console labels its time fields UTC, like every
/// message Herald sends).
pub fn to_input(t: Timestamp) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    t.to_offset(time::UtcOffset::UTC)
        .format(f)
        .unwrap_or_default()
}

/// A `datetime-local` value (with or without seconds), read as UTC.
pub fn from_input(s: &str) -> Option<Timestamp> {
    let with = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let without = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let s = s.trim();
    time::PrimitiveDateTime::parse(s, with)
        .or_else(|_| time::PrimitiveDateTime::parse(s, without))
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// What the "started at" field says of its value: empty is now (when published); a time is how
/// long before now, or refused if it is still to come (the API refuses it too).
pub fn started_text(started_at: Option<Timestamp>, now: Timestamp) -> String {
    match started_at {
        None => "Empty: it started now, when you publish.".to_owned(),
        Some(t) if t > now => {
            "This is in the future: an incident cannot start later than now.".to_owned()
        }
        Some(t) if now - t < Duration::minutes(1) => "Just now.".to_owned(),
        Some(t) => format!("{} ago.", span_text(now - t)),
    }
}

/// What the overview lists: active incidents (newest first), the last few resolved ones (to reopen
/// or attach a postmortem), maintenance not yet completed (soonest first) and notices not yet in
/// effect (soonest first).
pub struct Lists<'a> {
    pub active: Vec<&'a Incident>,
    pub resolved: Vec<&'a Incident>,
    pub maintenance: Vec<&'a herald_shared::model::Maintenance>,
    pub notices: Vec<&'a herald_shared::model::Notice>,
}

/// How many resolved incidents the overview keeps in view.
pub const RECENT_RESOLVED: usize = 5;

pub fn lists(state: &State, now: Timestamp) -> Lists<'_> {
    let mut active: Vec<&Incident> = state.incidents.iter().filter(|i| i.is_active()).collect();
    active.sort_by_key(|i| std::cmp::Reverse(i.created_at));
    let mut resolved: Vec<&Incident> = state.incidents.iter().filter(|i| !i.is_active()).collect();
    resolved.sort_by_key(|i| std::cmp::Reverse(i.updated_at()));
    resolved.truncate(RECENT_RESOLVED);
    let mut maintenance: Vec<_> = state
        .maintenances
        .iter()
        .filter(|m| m.status() != herald_shared::model::MaintenanceStatus::Completed)
        .collect();
    maintenance.sort_by_key(|m| m.scheduled_for);
    let mut notices: Vec<_> = state
        .notices
        .iter()
        .filter(|n| n.effective_at > now)
        .collect();
    notices.sort_by_key(|n| n.effective_at);
    Lists {
        active,
        resolved,
        maintenance,
        notices,
    }
}

/// What a compose form does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Open,
    Update(String),
    Resolve(String),
    Reopen(String),
    Postmortem(String),
}

impl Mode {
    pub fn incident(&self) -> Option<&str> {
        match self {
            Mode::Open => None,
            Mode::Update(i) | Mode::Resolve(i) | Mode::Reopen(i) | Mode::Postmortem(i) => Some(i),
        }
    }

    pub fn heading(&self) -> &'static str {
        match self {
            Mode::Open => "Open an incident",
            Mode::Update(_) => "Post an update",
            Mode::Resolve(_) => "Resolve the incident",
            Mode::Reopen(_) => "Reopen the incident",
            Mode::Postmortem(_) => "Attach a postmortem",
        }
    }

    pub fn publish_label(&self) -> &'static str {
        match self {
            Mode::Open => "Publish incident",
            Mode::Update(_) => "Publish update",
            Mode::Resolve(_) => "Publish resolution",
            Mode::Reopen(_) => "Reopen and publish",
            Mode::Postmortem(_) => "Publish postmortem",
        }
    }

    /// Which fields the form shows.
    pub fn shows(&self, field: FormField) -> bool {
        use FormField::*;
        match self {
            Mode::Open => true,
            Mode::Update(_) => matches!(field, Components | Status | Body | NextUpdate | Notify),
            Mode::Resolve(_) | Mode::Postmortem(_) => matches!(field, Body | Notify),
            Mode::Reopen(_) => matches!(field, Status | Body | NextUpdate | Notify),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Template,
    Title,
    Impact,
    Components,
    Audience,
    Status,
    Body,
    NextUpdate,
    Notify,
    /// When the problem began (a new incident only).
    StartedAt,
}

/// What may be done with `incident` by `role`, in the order offered.
pub fn actions(incident: &Incident, role: Role) -> Vec<Mode> {
    let a = Abilities::of(role);
    let id = incident.id.clone();
    let mut v = Vec::new();
    if !a.compose {
        return v;
    }
    if incident.is_active() {
        v.push(Mode::Update(id.clone()));
        v.push(Mode::Resolve(id));
    } else {
        v.push(Mode::Reopen(id.clone()));
        if a.communicate {
            v.push(Mode::Postmortem(id));
        }
    }
    v
}

/// The statuses a draft may choose: progress for an open incident (resolving is its own action),
/// any unresolved status for a new or reopened one.
pub fn statuses(mode: &Mode, state: &State) -> Vec<IncidentStatus> {
    let unresolved = IncidentStatus::ALL
        .into_iter()
        .filter(|s| *s != IncidentStatus::Resolved);
    match mode {
        Mode::Update(id) => {
            let current = state
                .incident(id)
                .map_or(IncidentStatus::Investigating, Incident::status);
            unresolved.filter(|s| current.may_become(*s)).collect()
        }
        _ => unresolved.collect(),
    }
}

/// What the compose form holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub mode: Mode,
    pub title: String,
    pub impact: Impact,
    /// Affected components and the status each shows.
    pub components: Vec<(String, ComponentStatus)>,
    /// Empty: public. Otherwise the audience segments that may see it.
    pub segments: Vec<String>,
    pub status: IncidentStatus,
    pub body: String,
    pub next_update_at: Option<Timestamp>,
    pub notify: bool,
    /// For a new incident: when the problem began, if before now (the scorecard's start).
    pub started_at: Option<Timestamp>,
}

impl Draft {
    /// A fresh draft for `mode` on `state`: an update starts from the incident's components and
    /// status, every draft from the page's cadence for its promise.
    pub fn new(mode: Mode, state: &State, now: Timestamp) -> Draft {
        let incident = mode.incident().and_then(|id| state.incident(id));
        let impact = incident.map_or(Impact::Minor, |i| i.impact);
        let components = incident.map_or_else(Vec::new, |i| {
            i.components()
                .iter()
                .map(|a| (a.id.clone(), a.status))
                .collect()
        });
        let status = match &mode {
            Mode::Resolve(_) => IncidentStatus::Resolved,
            Mode::Update(_) => incident.map_or(IncidentStatus::Investigating, Incident::status),
            _ => IncidentStatus::Investigating,
        };
        Draft {
            title: incident.map(|i| i.title.clone()).unwrap_or_default(),
            impact,
            components,
            segments: Vec::new(),
            status,
            body: String::new(),
            next_update_at: Some(default_next_update(&state.page, impact, now)),
            notify: true,
            started_at: None,
            mode,
        }
    }

    /// Re-rates the draft: the promise moves to the new impact's cadence, and components still
    /// showing the old impact's default status take the new one's (a status chosen by hand stays).
    pub fn set_impact(&mut self, impact: Impact, page: &Page, now: Timestamp) {
        let (old, new) = (
            ComponentStatus::for_impact(self.impact),
            ComponentStatus::for_impact(impact),
        );
        for (_, status) in self.components.iter_mut() {
            if *status == old {
                *status = new;
            }
        }
        self.impact = impact;
        self.next_update_at = Some(default_next_update(page, impact, now));
    }

    fn visibility(&self) -> Visibility {
        if self.segments.is_empty() {
            Visibility::Public
        } else {
            Visibility::Segments(self.segments.clone())
        }
    }

    fn inputs(&self) -> Vec<ComponentInput> {
        self.components
            .iter()
            .map(|(id, status)| ComponentInput {
                id: id.clone(),
                status: Some(*status),
            })
            .collect()
    }

    fn promise(&self) -> Option<Timestamp> {
        match self.mode {
            Mode::Resolve(_) | Mode::Postmortem(_) => None,
            _ => self.next_update_at,
        }
    }

    /// The command the server will apply for this draft (ids are the server's to choose; a
    /// preview uses placeholders).
    pub fn command(&self, id: &str, update_id: &str) -> Command {
        let silent = !self.notify;
        match &self.mode {
            Mode::Open => Command::OpenIncident(OpenIncident {
                id: id.into(),
                update_id: update_id.into(),
                title: self.title.clone(),
                impact: self.impact,
                body: self.body.clone(),
                components: self.inputs(),
                next_update_at: self.promise(),
                status: self.status,
                visibility: self.visibility(),
                silent,
                no_social: false,
                channels: Vec::new(),
                started_at: self.started_at,
            }),
            Mode::Update(i) | Mode::Resolve(i) => Command::PostUpdate(PostUpdate {
                incident_id: i.clone(),
                update_id: update_id.into(),
                status: self.status,
                body: self.body.clone(),
                next_update_at: self.promise(),
                components: matches!(self.mode, Mode::Update(_)).then(|| self.inputs()),
                impact: None,
                silent,
                no_social: false,
                channels: Vec::new(),
            }),
            Mode::Reopen(i) => Command::Reopen(Reopen {
                incident_id: i.clone(),
                update_id: update_id.into(),
                status: self.status,
                body: self.body.clone(),
                next_update_at: self.promise(),
                silent,
            }),
            Mode::Postmortem(i) => Command::AttachPostmortem(AttachPostmortem {
                incident_id: i.clone(),
                body: self.body.clone(),
                silent,
            }),
        }
    }

    /// The request to send: method, path under the page, and the `shared::wire` body.
    pub fn request(&self) -> (&'static str, String, Request) {
        let silent = !self.notify;
        match &self.mode {
            Mode::Open => (
                "POST",
                "incidents".into(),
                Request::Open(OpenIncidentRequest {
                    title: self.title.clone(),
                    impact: self.impact,
                    body: self.body.clone(),
                    components: self.inputs(),
                    next_update_at: self.promise(),
                    status: self.status,
                    visibility: self.visibility(),
                    silent,
                    social: true,
                    channels: Vec::new(),
                    started_at: self.started_at,
                }),
            ),
            Mode::Update(i) | Mode::Resolve(i) => (
                "POST",
                format!("incidents/{i}/updates"),
                Request::Update(PostUpdateRequest {
                    status: self.status,
                    body: self.body.clone(),
                    next_update_at: self.promise(),
                    components: matches!(self.mode, Mode::Update(_)).then(|| self.inputs()),
                    impact: None,
                    silent,
                    social: true,
                    channels: Vec::new(),
                }),
            ),
            Mode::Reopen(i) => (
                "POST",
                format!("incidents/{i}/reopen"),
                Request::Reopen(ReopenRequest {
                    status: self.status,
                    body: self.body.clone(),
                    next_update_at: self.promise(),
                    silent,
                }),
            ),
            Mode::Postmortem(i) => (
                "PUT",
                format!("incidents/{i}/postmortem"),
                Request::Postmortem(PostmortemRequest {
                    body: self.body.clone(),
                    silent,
                }),
            ),
        }
    }

    /// The request for a dry run of this draft: who it would notify depends on its components,
    /// audience, impact and "notify", not its words, so empty texts are filled to let it be checked.
    pub fn dry_run_request(&self) -> (&'static str, String, Request) {
        let mut d = self.clone();
        for text in [&mut d.title, &mut d.body] {
            if text.trim().is_empty() {
                *text = "Draft".into();
            }
        }
        let (method, rest, body) = d.request();
        (method, format!("{rest}?dry_run=true"), body)
    }

    /// The wording lint's view of the draft, with the page's own jargon.
    pub fn lint(&self, page: &Page) -> Vec<Warning> {
        let mut d = lint::Draft::for_page(page, &self.title, &self.body);
        d.status = match self.mode {
            Mode::Postmortem(_) => None,
            _ => Some(self.status),
        };
        d.next_update_at = self.promise();
        lint::lint(&d)
    }

    /// Fills the title and body from a saved template, its placeholders from this draft.
    pub fn fill(&mut self, t: &Template, state: &State, links: &Links, now: Timestamp) {
        if let Some(impact) = t.impact {
            self.set_impact(impact, &state.page, now);
        }
        let names: Vec<String> = self
            .components
            .iter()
            .filter_map(|(id, _)| state.page.component(id).map(|c| c.name.clone()))
            .collect();
        let m = Message {
            kind: template::MessageKind::Incident,
            event: "incident_opened".into(),
            page_id: state.page.id.clone(),
            page_name: state.page.name.clone(),
            item_id: String::new(),
            update_id: None,
            title: self.title.clone(),
            status: self.status.label().into(),
            impact: Some(self.impact),
            body: self.body.clone(),
            components: names,
            next_update_at: self.next_update_at,
            window: None,
            effective_at: None,
            created_at: now,
            requires_ack: false,
            stage: Some(template::Stage::Incident(self.status)),
            reminder_minutes: None,
            statuspage: None,
        };
        // The template's own language fills its placeholders.
        let links = Links {
            locale: template::Locale::for_reader(&state.page, t.locale.as_deref()),
            ..links.clone()
        };
        if let Ok((title, body)) = template::fill(t, &m, &links) {
            self.title = title;
            self.body = body;
        }
    }
}

/// A maintenance window (`kind: None`) or a notice of `kind` being scheduled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advance {
    pub kind: Option<NoticeKind>,
    pub title: String,
    pub body: String,
    pub components: Vec<String>,
    /// The window's start, or when the notice takes effect.
    pub at: Option<Timestamp>,
    /// The window's end (maintenance only).
    pub until: Option<Timestamp>,
    pub requires_ack: bool,
    pub override_reason: String,
    pub notify: bool,
}

/// Where a date stands against the page's lead time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lead {
    pub required: Duration,
    pub given: Duration,
}

impl Lead {
    pub fn too_late(&self) -> bool {
        self.given < self.required
    }

    /// The sentence shown beside the date as it is picked.
    pub fn text(&self) -> String {
        let required = span_text(self.required);
        if self.given <= Duration::ZERO {
            format!("This date has passed; this page asks for {required} of notice.")
        } else if self.too_late() {
            format!(
                "Too late: this page asks for {required} of notice, this gives {}. Give the reason to publish anyway.",
                span_text(self.given)
            )
        } else {
            format!(
                "Notice given: {} (this page asks for {required}).",
                span_text(self.given)
            )
        }
    }
}

impl Advance {
    /// A fresh draft: its date is the page's lead time from now (rounded up to the hour), a
    /// maintenance window lasts an hour.
    pub fn new(kind: Option<NoticeKind>, page: &Page, now: Timestamp) -> Advance {
        let lead = Self::required(kind, page);
        let t = now + lead + Duration::hours(1);
        let at = t
            .replace_minute(0)
            .and_then(|t| t.replace_second(0))
            .and_then(|t| t.replace_nanosecond(0))
            .unwrap_or(t);
        Advance {
            kind,
            title: String::new(),
            body: String::new(),
            components: Vec::new(),
            at: Some(at),
            until: kind.is_none().then(|| at + Duration::hours(1)),
            requires_ack: false,
            override_reason: String::new(),
            notify: true,
        }
    }

    fn required(kind: Option<NoticeKind>, page: &Page) -> Duration {
        match kind {
            None => page.policy.maintenance_lead_time(),
            Some(k) => page.policy.lead_time(k),
        }
    }

    /// The lead time given by the chosen date, against the page's policy.
    pub fn lead(&self, page: &Page, now: Timestamp) -> Option<Lead> {
        self.at.map(|at| Lead {
            required: Self::required(self.kind, page),
            given: at - now,
        })
    }

    fn reason(&self) -> Option<String> {
        let r = self.override_reason.trim();
        (!r.is_empty()).then(|| r.to_owned())
    }

    /// The command the server will apply, once the dates are given.
    pub fn command(&self, id: &str) -> Option<Command> {
        let at = self.at?;
        Some(match self.kind {
            None => Command::ScheduleMaintenance(ScheduleMaintenance {
                id: id.into(),
                update_id: format!("{id}-u"),
                title: self.title.clone(),
                body: self.body.clone(),
                components: self.components.clone(),
                scheduled_for: at,
                scheduled_until: self.until?,
                reminders: None,
                visibility: Visibility::Public,
                override_reason: self.reason(),
                silent: !self.notify,
                no_social: false,
            }),
            Some(kind) => Command::PublishNotice(PublishNotice {
                id: id.into(),
                kind,
                title: self.title.clone(),
                body: self.body.clone(),
                effective_at: at,
                components: self.components.clone(),
                visibility: Visibility::Public,
                requires_ack: self.requires_ack,
                override_reason: self.reason(),
                silent: !self.notify,
            }),
        })
    }

    /// The request to send: path under the page and the `shared::wire` body.
    pub fn request(&self) -> Option<(&'static str, AdvanceRequest)> {
        let at = self.at?;
        Some(match self.kind {
            None => (
                "maintenances",
                AdvanceRequest::Maintenance(MaintenanceRequest {
                    title: self.title.clone(),
                    body: self.body.clone(),
                    components: self.components.clone(),
                    scheduled_for: at,
                    scheduled_until: self.until?,
                    reminders: None,
                    visibility: Visibility::Public,
                    override_reason: self.reason(),
                    silent: !self.notify,
                    social: true,
                }),
            ),
            Some(kind) => (
                "notices",
                AdvanceRequest::Notice(NoticeRequest {
                    kind,
                    title: self.title.clone(),
                    body: self.body.clone(),
                    effective_at: at,
                    components: self.components.clone(),
                    visibility: Visibility::Public,
                    requires_ack: self.requires_ack,
                    override_reason: self.reason(),
                    silent: !self.notify,
                }),
            ),
        })
    }

    /// The request for a dry run: who it would notify depends on its components and "notify",
    /// not its words, so empty texts are filled to let it be checked; `None` without a date.
    pub fn dry_run_request(&self) -> Option<(String, AdvanceRequest)> {
        let mut d = self.clone();
        for text in [&mut d.title, &mut d.body] {
            if text.trim().is_empty() {
                *text = "Draft".into();
            }
        }
        d.request()
            .map(|(path, body)| (format!("{path}?dry_run=true"), body))
    }

    /// Checks the draft as the server will (`apply` on a copy of the page): lead time, window,
    /// components, lengths.
    pub fn check(&self, state: &State, now: Timestamp) -> Result<(), DomainError> {
        let field = if self.kind.is_some() {
            "effective_at"
        } else {
            "scheduled_for"
        };
        let command = self.command("preview").ok_or(DomainError::Invalid {
            field,
            reason: "choose a date".into(),
        })?;
        apply(state, command, now).map(|_| ())
    }

    pub fn lint(&self, page: &Page) -> Vec<Warning> {
        let mut d = lint::Draft::for_page(page, &self.title, &self.body);
        d.notice = self.kind;
        lint::lint(&d)
    }
}

/// A wire request body for maintenance or a notice: one of `shared::wire`'s, sent as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdvanceRequest {
    Maintenance(MaintenanceRequest),
    Notice(NoticeRequest),
}

/// Serializes as the `shared::wire` request it holds (no shape of its own).
impl serde::Serialize for AdvanceRequest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            AdvanceRequest::Maintenance(r) => r.serialize(s),
            AdvanceRequest::Notice(r) => r.serialize(s),
        }
    }
}

/// Why `shared` refuses a draft, without the field name its message starts with (the message is
/// shown next to that field).
pub fn reason(e: &DomainError) -> String {
    let text = e.to_string();
    match e.field() {
        Some(f) => text
            .strip_prefix(&format!("{f}: "))
            .map_or_else(|| text.clone(), str::to_owned),
        None => text,
    }
}

/// A wire request body, one per compose mode: one of `shared::wire`'s, sent as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Open(OpenIncidentRequest),
    Update(PostUpdateRequest),
    Reopen(ReopenRequest),
    Postmortem(PostmortemRequest),
}

/// Serializes as the `shared::wire` request it holds (no shape of its own).
impl serde::Serialize for Request {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Request::Open(r) => r.serialize(s),
            Request::Update(r) => r.serialize(s),
            Request::Reopen(r) => r.serialize(s),
            Request::Postmortem(r) => r.serialize(s),
        }
    }
}

/// A piece of a linted text: plain, or marked with the lint's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub mark: Option<String>,
}

/// Whether a warning points at words (marked in place) rather than at the whole text (listed only).
fn marks_words(w: &Warning) -> bool {
    !w.span.is_empty()
        && !matches!(
            w.code,
            LintCode::MissingImpact | LintCode::SmsTooLong | LintCode::SocialTooLong
        )
}

/// `text` cut into pieces at the spans the lint objects to in `field`; overlapping spans merge.
pub fn marked(text: &str, warnings: &[Warning], field: DraftField) -> Vec<Piece> {
    let mut spans: Vec<(Range<usize>, String)> = warnings
        .iter()
        .filter(|w| w.field == field && marks_words(w))
        .filter(|w| w.span.end <= text.len())
        .filter(|w| text.is_char_boundary(w.span.start) && text.is_char_boundary(w.span.end))
        .map(|w| (w.span.clone(), w.message.clone()))
        .collect();
    spans.sort_by_key(|(r, _)| (r.start, r.end));
    let mut merged: Vec<(Range<usize>, String)> = Vec::new();
    for (r, msg) in spans {
        match merged.last_mut() {
            Some((last, m)) if r.start < last.end => {
                last.end = last.end.max(r.end);
                m.push_str("; ");
                m.push_str(&msg);
            }
            _ => merged.push((r, msg)),
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (r, msg) in merged {
        if r.start > at {
            out.push(Piece {
                text: text[at..r.start].into(),
                mark: None,
            });
        }
        out.push(Piece {
            text: text[r.clone()].into(),
            mark: Some(msg),
        });
        at = r.end;
    }
    if at < text.len() {
        out.push(Piece {
            text: text[at..].into(),
            mark: None,
        });
    }
    out
}

/// Links as a real message carries them, with signed tokens of the real shape and length
/// (`{page}.{subscriber id}.{purpose}.{128-bit MAC in hex}`, the edge's `notify::token`), so the
/// SMS preview counts the same length as what a subscriber receives.
pub fn sample_links(origin: &str, page: &str) -> Links {
    let token = |purpose: &str| format!("{page}.sub_000000000000.{purpose}.{}", "0".repeat(32));
    Links {
        url: format!("{origin}/{page}"),
        unsubscribe_url: Some(format!(
            "{origin}/v1/subscriptions/unsubscribe?token={}",
            token("u")
        )),
        receipt_url: None,
        manage_url: Some(format!(
            "{origin}/v1/subscriptions/manage?token={}",
            token("m")
        )),
        locale: Default::default(),
    }
}

/// What each channel will carry for a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// What the in-app banner shows (`shared::view::banner` of the page after the draft), for the
    /// draft's audience; `None` when the banner shows nothing for it (a resolved incident).
    pub banner: Option<BannerItem>,
    /// The status page's entry (HTML escaped by `shared`).
    pub status_page: String,
    pub email_subject: String,
    pub email_text: String,
    pub sms: String,
    pub sms_count: SmsCount,
    pub slack: String,
    /// Whether subscribers are notified at all.
    pub notify: bool,
}

/// Applies the draft to a copy of `state` as the server will, then renders every channel from
/// the resulting message. An invalid draft answers the same `DomainError` the server would.
pub fn preview(
    state: &State,
    draft: &Draft,
    now: Timestamp,
    links: &Links,
) -> Result<Preview, DomainError> {
    let (after, events) = apply(state, draft.command("preview", "preview-update"), now)?;
    let message = events
        .iter()
        .find_map(|e| Message::from_event(&after, e))
        .ok_or_else(|| DomainError::Conflict {
            reason: "this draft publishes nothing".into(),
        })?;
    let notify = events.iter().any(|e| match e {
        Event::IncidentOpened { notify, .. }
        | Event::IncidentUpdated { notify, .. }
        | Event::IncidentResolved { notify, .. }
        | Event::IncidentReopened { notify, .. }
        | Event::PostmortemPublished { notify, .. } => *notify,
        _ => false,
    });
    let viewer = if draft.segments.is_empty() {
        Viewer::public()
    } else {
        Viewer::with_segments(draft.segments.clone())
    };
    let item_id = draft.mode.incident().unwrap_or("preview");
    let banner = view::banner(&after, &viewer, now)
        .item
        .filter(|b| b.id == item_id);
    // Previews read as the page's default language does.
    let locale = template::Locale::for_reader(&state.page, None);
    let links = &Links {
        locale,
        ..links.clone()
    };
    let email = template::email(&message, links);
    let sms = template::sms(&message, links);
    let slack = template::slack(&message, links)["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    Ok(Preview {
        banner,
        status_page: template::status_page(&message, locale),
        email_subject: email.subject,
        email_text: email.text,
        sms: sms.text,
        sms_count: sms.count,
        slack,
        notify,
    })
}

/// "1 segment (GSM-7, 98 characters)".
pub fn sms_summary(c: SmsCount) -> String {
    let encoding = match c.encoding {
        herald_shared::sms::SmsEncoding::Gsm7 => "GSM-7",
        herald_shared::sms::SmsEncoding::Ucs2 => "UCS-2",
    };
    let plural = if c.segments == 1 { "" } else { "s" };
    format!(
        "{} segment{plural} ({encoding}, {} units)",
        c.segments, c.units
    )
}

/// The note after a write: what was published, or that it waits for a second person.
pub fn done_text(created: &Created, published: &str) -> String {
    match created.review_id {
        Some(_) => {
            "Submitted for review: another key must approve it before it is published or sent."
                .into()
        }
        None => published.into(),
    }
}

/// A dry run's answer in words: who will be notified, on which channel, and whether a second
/// person must approve first.
pub fn reach_text(d: &DryRun) -> String {
    let name = channel_name;
    let parts: Vec<String> = d
        .recipients
        .iter()
        .filter(|c| c.subscribers > 0)
        .map(|c| format!("{} by {}", c.subscribers, name(c.channel)))
        .collect();
    let total: usize = d.recipients.iter().map(|c| c.subscribers).sum();
    let reach = match total {
        0 => "notifies no subscribers".to_owned(),
        1 => format!("notifies 1 subscriber: {}", parts.join(", ")),
        n => format!("notifies {n} subscribers: {}", parts.join(", ")),
    };
    if d.held_for_review {
        format!("Waits for review by a second person; once approved, it {reach}.")
    } else {
        format!("Publishing {reach}.")
    }
}

/// A draft submitted for review, as the overview lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub id: String,
    /// "New incident", "Incident update", "Notice".
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub author: String,
    pub submitted_at: Timestamp,
    /// The reviewer and the comment, when it was sent back.
    pub sent_back: Option<(String, String)>,
    /// Whether this key may approve or send it back: a reviewing role, and not its author.
    pub may_decide: bool,
}

/// How many drafts sent back stay listed (newest first) after the waiting ones (oldest first).
pub const RECENT_SENT_BACK: usize = 5;

/// The drafts waiting for review, then the latest sent back, as key `me` with `role` sees them.
pub fn reviews(state: &State, me: &str, role: Role) -> Vec<ReviewRow> {
    let row = |r: &herald_shared::model::Review| ReviewRow {
        id: r.id.clone(),
        kind: match r.change {
            HeldChange::OpenIncident(_) => "New incident",
            HeldChange::PostUpdate(_) => "Incident update",
            HeldChange::PublishNotice(_) => "Notice",
        },
        title: r.change.title(state).to_owned(),
        body: r.change.body().to_owned(),
        author: r.author.clone(),
        submitted_at: r.submitted_at,
        sent_back: r
            .sent_back
            .as_ref()
            .map(|b| (b.by.clone(), b.comment.clone())),
        may_decide: r.is_waiting() && Abilities::of(role).communicate && r.author != me,
    };
    let mut waiting: Vec<ReviewRow> = state
        .reviews
        .iter()
        .filter(|r| r.is_waiting())
        .map(row)
        .collect();
    waiting.sort_by_key(|r| r.submitted_at);
    let mut back: Vec<&herald_shared::model::Review> =
        state.reviews.iter().filter(|r| !r.is_waiting()).collect();
    back.sort_by_key(|r| std::cmp::Reverse(r.sent_back.as_ref().map(|b| b.at)));
    waiting.extend(back.into_iter().take(RECENT_SENT_BACK).map(row));
    waiting
}

/// A template being edited on the templates screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateDraft {
    /// Chosen when the template is new, fixed after.
    pub id: String,
    pub name: String,
    pub impact: Option<Impact>,
    pub title: String,
    pub body: String,
}

impl TemplateDraft {
    pub fn new() -> TemplateDraft {
        TemplateDraft {
            id: String::new(),
            name: String::new(),
            impact: None,
            title: String::new(),
            body: String::new(),
        }
    }

    pub fn of(t: &Template) -> TemplateDraft {
        TemplateDraft {
            id: t.id.clone(),
            name: t.name.clone(),
            impact: t.impact,
            title: t.title.clone(),
            body: t.body.clone(),
        }
    }

    pub fn template(&self) -> Template {
        Template {
            id: self.id.trim().to_owned(),
            name: self.name.clone(),
            locale: None,
            title: self.title.clone(),
            body: self.body.clone(),
            impact: self.impact,
        }
    }

    /// The `shared::wire` body of `PUT templates/{id}`.
    pub fn request(&self) -> herald_shared::wire::TemplateRequest {
        herald_shared::wire::TemplateRequest {
            name: self.name.clone(),
            locale: None,
            title: self.title.clone(),
            body: self.body.clone(),
            impact: self.impact,
        }
    }

    /// Checks the template as the server will (`apply` of `SaveTemplate`: lengths, id, placeholders),
    /// then previews every channel for an incident opened from it on the page's first component.
    pub fn preview(
        &self,
        state: &State,
        now: Timestamp,
        links: &Links,
    ) -> Result<Preview, DomainError> {
        let t = self.template();
        apply(state, Command::SaveTemplate(t.clone()), now)?;
        let mut d = Draft::new(Mode::Open, state, now);
        d.components = state
            .page
            .components
            .iter()
            .take(1)
            .map(|c| (c.id.clone(), ComponentStatus::for_impact(d.impact)))
            .collect();
        d.fill(&t, state, links, now);
        preview(state, &d, now, links)
    }
}

impl Default for TemplateDraft {
    fn default() -> Self {
        Self::new()
    }
}

/// Milliseconds before the next poll of the page: every 5 s, backing off to a minute on errors.
pub fn poll_delay_ms(failures: u32) -> u32 {
    5_000u32.saturating_mul(1 << failures.min(4)).min(60_000)
}

/// One figure of a scorecard as the console lists it: a label, its value, and a stable key the
/// tests and styles find it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
}

fn figure(key: &'static str, label: &'static str, value: String) -> Figure {
    Figure { key, label, value }
}

fn secs_text(secs: i64) -> String {
    span_text(Duration::seconds(secs))
}

fn promises_text(kept: u32, broken: u32) -> String {
    match (kept, broken) {
        (0, 0) => "None made".into(),
        (k, b) => format!("{k} kept, {b} broken"),
    }
}

/// An incident's scorecard, figure by figure.
pub fn scorecard_figures(c: &Scorecard) -> Vec<Figure> {
    let longest_review = c.reviews.iter().filter_map(|r| r.turnaround_secs).max();
    vec![
        figure(
            "first-word",
            "Time to the first public word",
            c.time_to_first_word_secs
                .map_or_else(|| "Nothing published yet".into(), secs_text),
        ),
        figure(
            "promises",
            "\u{201c}Next update by\u{201d} promises",
            promises_text(c.promises_kept, c.promises_broken),
        ),
        figure(
            "silence",
            "Longest silence while unresolved",
            secs_text(c.longest_silence_secs),
        ),
        figure("updates", "Updates published", c.updates.to_string()),
        figure("messages", "Messages sent", c.messages.to_string()),
        figure(
            "audiences",
            "Audiences",
            c.audiences
                .iter()
                .map(|a| if a == "public" { "Public" } else { a.as_str() })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        figure(
            "reached",
            "Subscribers reached",
            c.subscribers_reached.to_string(),
        ),
        figure(
            "review",
            "Longest review turnaround",
            longest_review.map_or_else(|| "No review".into(), secs_text),
        ),
    ]
}

/// A period's sums, figure by figure.
pub fn period_figures(p: &PeriodScorecard) -> Vec<Figure> {
    let or_none = |v: Option<i64>| v.map_or_else(|| "\u{2014}".into(), secs_text);
    vec![
        figure("incidents", "Incidents", p.incidents.to_string()),
        figure(
            "mean-first-word",
            "Mean time to the first public word",
            or_none(p.mean_time_to_first_word_secs),
        ),
        figure(
            "longest-first-word",
            "Longest time to the first public word",
            or_none(p.longest_time_to_first_word_secs),
        ),
        figure(
            "promises",
            "\u{201c}Next update by\u{201d} promises",
            promises_text(p.promises_kept, p.promises_broken),
        ),
        figure(
            "worst-late",
            "Latest a promise was broken by",
            secs_text(p.worst_late_by_secs),
        ),
        figure(
            "silence",
            "Longest silence while unresolved",
            secs_text(p.longest_silence_secs),
        ),
        figure("messages", "Messages sent", p.messages.to_string()),
        figure(
            "review",
            "Longest review turnaround",
            or_none(p.longest_review_secs),
        ),
    ]
}

/// What became of one promise: "Kept", "Broken by 15 min 00 s", "Not due yet".
pub fn promise_verdict(p: &PromiseScore) -> String {
    match p.verdict {
        PromiseVerdict::Kept => "Kept".into(),
        PromiseVerdict::Broken => format!("Broken by {}", secs_text(p.late_by_secs)),
        PromiseVerdict::Open => "Not due yet".into(),
    }
}

/// "2026-03-01 12:00 UTC", for the scorecard's times.
pub fn utc_text(t: Timestamp) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

/// What a notification was about, in words: "Incident opened: Checkout errors".
pub fn notification_title(n: &NotificationInfo, state: &State) -> String {
    let what = match n.event.as_str() {
        "incident_opened" => "Incident opened",
        "incident_updated" => "Incident updated",
        "incident_resolved" => "Incident resolved",
        "incident_reopened" => "Incident reopened",
        "postmortem_published" => "Postmortem",
        "maintenance_scheduled" => "Maintenance scheduled",
        "maintenance_updated" => "Maintenance updated",
        "notice_published" => "Notice",
        "component_status_changed" => "Component status",
        other => other,
    };
    let what = match n.kind {
        NotificationKind::Reminder => "Reminder",
        NotificationKind::Escalation => "Escalation",
        NotificationKind::Confirmation => "Confirmation",
        NotificationKind::Social => "Social post",
        NotificationKind::Notification => what,
    };
    let subject = n.subject.as_deref().and_then(|id| {
        state
            .incident(id)
            .map(|i| i.title.as_str())
            .or_else(|| state.maintenance(id).map(|m| m.title.as_str()))
            .or_else(|| state.notice(id).map(|m| m.title.as_str()))
    });
    match subject {
        Some(t) => format!("{what}: {t}"),
        None => what.to_owned(),
    }
}

/// The kinds of audit entries the evidence screen filters by: an `action` prefix and its label.
pub const EVIDENCE_KINDS: [(&str, &str); 14] = [
    ("", "Every kind"),
    ("incident", "Incidents"),
    ("component", "Component status"),
    ("maintenance", "Maintenance"),
    ("notice", "Notices"),
    ("notification", "Notifications, retries and escalations"),
    ("review", "Reviews"),
    ("template", "Templates"),
    ("subscriber", "Subscribers added, changed or erased"),
    ("subscribers", "Subscriber imports and exports"),
    ("keys", "API keys"),
    ("widget_secret", "Widget secret"),
    ("page", "Page settings and imports"),
    ("integration", "Alert integrations"),
];

/// The evidence screen's filters as typed: a subject (an incident, notice or notification id), a
/// kind (`EVIDENCE_KINDS`), who acted, and a period of whole UTC days (`YYYY-MM-DD`, both
/// included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvidenceFilter {
    pub subject: String,
    pub kind: String,
    pub actor: String,
    pub since: String,
    pub until: String,
}

impl EvidenceFilter {
    /// The audit query's parameters (not yet encoded), or the field that is wrong and why.
    pub fn params(&self) -> Result<Vec<(&'static str, String)>, (&'static str, String)> {
        let day = |field: &'static str,
                   text: &str|
         -> Result<Option<time::Date>, (&'static str, String)> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            let f = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(text, &f).map(Some).map_err(|_| {
                (
                    field,
                    format!("{text:?} is not a date: write it as YYYY-MM-DD"),
                )
            })
        };
        let since = day("since", &self.since)?;
        let until = day("until", &self.until)?;
        if let (Some(a), Some(b)) = (since, until) {
            if b < a {
                return Err(("until", "The period ends before it starts.".into()));
            }
        }
        let mut out = Vec::new();
        let subject = self.subject.trim();
        if !subject.is_empty() {
            out.push(("subject", subject.to_owned()));
        }
        if !self.kind.is_empty() {
            out.push(("action", self.kind.clone()));
        }
        let actor = self.actor.trim();
        if !actor.is_empty() {
            out.push(("actor", actor.to_owned()));
        }
        let midnight = |d: time::Date| format!("{d}T00:00:00Z");
        if let Some(d) = since {
            out.push(("since", midnight(d)));
        }
        if let Some(d) = until.and_then(|d| d.next_day()) {
            out.push(("until", midnight(d)));
        }
        Ok(out)
    }
}

/// One audit entry in a sentence: what the change held that a reader needs (a title, a status, a
/// key's name and role, a delivery report's counts), never more than a line.
pub fn audit_summary(action: &str, change: &serde_json::Value) -> String {
    let field = |k: &str| change.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let count = |k: &str| {
        change
            .get(k)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    };
    match action {
        "notification.deliveries" => format!(
            "{} recipient{}: {} sent, {} delivered, {} failed, {} pending",
            count("recipients"),
            if count("recipients") == 1 { "" } else { "s" },
            count("sent"),
            count("delivered"),
            count("failed"),
            count("pending")
        ),
        "incident.scorecard" => {
            let first = change
                .get("time_to_first_word_secs")
                .and_then(serde_json::Value::as_i64);
            match first {
                Some(secs) => format!(
                    "Scorecard: first public word after {}",
                    span_text(time::Duration::seconds(secs))
                ),
                None => "Scorecard".to_owned(),
            }
        }
        _ => {
            let mut parts: Vec<String> = Vec::new();
            for k in [
                "title",
                "status",
                "impact",
                "name",
                "role",
                "channel",
                "subscriber_id",
                "id",
            ] {
                if let Some(v) = field(k) {
                    parts.push(format!("{k}: {v}"));
                }
            }
            if let Some(rows) = change.get("rows").and_then(serde_json::Value::as_u64) {
                parts.push(format!("rows: {rows}"));
            }
            let mut line = parts.join(", ");
            if line.chars().count() > 160 {
                line = line.chars().take(159).collect::<String>() + "\u{2026}";
            }
            line
        }
    }
}

/// What a key of each role may do, as the key screen explains it.
pub fn role_text(role: Role) -> &'static str {
    match role {
        Role::Viewer => "Viewer: reads the page, the notifications, the scorecard and the audit log.",
        Role::Responder => "Responder: a viewer who also opens, updates and resolves incidents and sets component status.",
        Role::Communicator => "Communicator: a responder who also schedules maintenance, publishes notices, edits templates, reviews drafts and retries or escalates messages.",
        Role::Admin => "Admin: everything, including keys, the widget secret, page settings and subscriber export and erasure.",
    }
}

/// How a customer's backend signs an audience token for the widget (an HS256 JWT with `page`,
/// `segments` and `exp`), in Node.js and in Python. It reads the secret from the environment: a
/// secret pasted into code ends up in a repository.
pub fn token_example(page: &str) -> String {
    format!(
        "// Node.js (npm package jsonwebtoken), on your server, never in the browser:\n\
         const jwt = require(\"jsonwebtoken\");\n\
         const token = jwt.sign(\n  {{ page: \"{page}\", segments: [\"enterprise\"] }},\n  \
         process.env.HERALD_WIDGET_SECRET,\n  {{ algorithm: \"HS256\", expiresIn: \"1h\" }}\n);\n\
         // then: <script src=\".../widget.js\" data-page=\"{page}\" data-token=\"${{token}}\"></script>\n\n\
         # Python (PyJWT):\n\
         import jwt, os, time\n\
         token = jwt.encode(\n    {{\"page\": \"{page}\", \"segments\": [\"enterprise\"], \"exp\": int(time.time()) + 3600}},\n    \
         os.environ[\"HERALD_WIDGET_SECRET\"], algorithm=\"HS256\")\n"
    )
}

/// A channel's name inside a sentence ("by email", "by SMS").
pub fn channel_name(c: SubscriberChannel) -> &'static str {
    match c {
        SubscriberChannel::Email => "email",
        SubscriberChannel::Sms => "SMS",
        SubscriberChannel::Webhook => "webhook",
        SubscriberChannel::Slack => "Slack",
        SubscriberChannel::Push => "browser push",
        SubscriberChannel::Teams => "Teams",
        SubscriberChannel::Mastodon => "Mastodon",
        SubscriberChannel::Bluesky => "Bluesky",
    }
}

/// A delivery report channel by channel, one line each: "Email: 2 sent, 1 delivered, 1 failed,
/// 0 pending" (and how many acknowledged, for messages that ask for it).
pub fn channel_lines(r: &DeliveryReport) -> Vec<(SubscriberChannel, String)> {
    r.channels
        .iter()
        .map(|c| {
            let name = channel_name(c.channel);
            let mut title = name.to_owned();
            if let Some(first) = title.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            let acked = c
                .acknowledged
                .map(|a| format!(", {a} acknowledged"))
                .unwrap_or_default();
            (
                c.channel,
                format!(
                    "{title}: {} sent, {} delivered, {} failed, {} pending{acked}",
                    c.sent, c.delivered, c.failed, c.pending
                ),
            )
        })
        .collect()
}

/// What a dead letter offers: "Retry now" (from the recipient's first channel again), then "Send
/// by ..." for each of their other channels. Nothing once they are no longer subscribed.
pub fn retry_actions(f: &DeliveryFailure) -> Vec<(Option<SubscriberChannel>, String)> {
    let mut out = Vec::new();
    if let Some((_, others)) = f.retry_on.split_first() {
        out.push((None, "Retry now".to_owned()));
        out.extend(
            others
                .iter()
                .map(|c| (Some(*c), format!("Send by {}", channel_name(*c)))),
        );
    }
    out
}

/// A delivery report's counts, figure by figure (acknowledged only for messages that ask for it).
pub fn delivery_figures(r: &DeliveryReport) -> Vec<Figure> {
    let mut out = vec![
        figure("recipients", "Recipients", r.recipients.to_string()),
        figure("sent", "Sent", r.sent.to_string()),
        figure("delivered", "Delivered", r.delivered.to_string()),
        figure("failed", "Failed", r.failed.to_string()),
        figure("pending", "Pending", r.pending.to_string()),
    ];
    if let Some(a) = r.acknowledged {
        out.push(figure("acknowledged", "Acknowledged", a.to_string()));
    }
    out
}

pub mod settings;

#[cfg(test)]
mod tests;
