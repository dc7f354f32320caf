//! The one entry point for change: `apply(state, command, now)` validates a command against the state
//! and returns the new state with the events it caused, or a `DomainError` and no change at all.

use serde::{Deserialize, Serialize};

use crate::model::{
    is_valid_segment, AffectedComponent, Component, ComponentStatus, Impact, Incident,
    IncidentStatus, IncidentUpdate, Maintenance, MaintenanceStatus, MaintenanceUpdate, Notice,
    Page, Postmortem, State, Visibility,
};
use crate::model::{
    Address, Audience, Branding, ComponentGroup, HeldChange, NextUpdateRule, Policy, Review,
    SentBack, Subscriber, SubscriberChannel, SubscriptionState, Template,
};
pub use crate::model::{ComponentInput, OpenIncident, PostUpdate, PublishNotice};
use crate::subscriber::{suppresses, suppression_hash, SuppressionKey};
use crate::Timestamp;

use crate::event::check_id;
pub use crate::event::{
    is_slug, DomainError, Event, SkippedRow, MAX_BODY_CHARS, MAX_ID_LEN, MAX_NAME_CHARS,
    MAX_POSTMORTEM_CHARS, MAX_REMINDER_MINUTES, MAX_TITLE_CHARS,
};

/// A request to change a page. Ids are chosen by the caller (the shell owns randomness).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    OpenIncident(OpenIncident),
    PostUpdate(PostUpdate),
    Resolve(Resolve),
    Reopen(Reopen),
    AttachPostmortem(AttachPostmortem),
    SetComponentStatus(SetComponentStatus),
    ScheduleMaintenance(ScheduleMaintenance),
    UpdateMaintenance(UpdateMaintenance),
    PublishNotice(PublishNotice),
    Subscribe(Subscribe),
    Confirm(Confirm),
    Unsubscribe(Unsubscribe),
    /// The subscriber's own change of components, through the manage link.
    ChangeSubscription(ChangeSubscription),
    DeleteSubscriber(DeleteSubscriber),
    /// Forgets subscriptions never confirmed within `PENDING_LIFETIME`: addresses someone typed in
    /// are not kept for ever.
    ExpirePending(ExpirePending),
    /// Creates the page's settings or replaces them (`PUT /v1/admin/pages/{page}`).
    ConfigurePage(PageSettings),
    /// Sets the page's social accounts (`PUT /v1/admin/pages/{page}/social`): hints only, the
    /// secrets are kept by the shell.
    ConfigureSocial(crate::model::SocialAccounts),
    /// History from another provider, with its original ids, times and updates (see `ImportHistory`).
    ImportHistory(ImportHistory),
    /// Subscribers moved from another provider, already confirmed there (see `ImportSubscribers`).
    ImportSubscribers(ImportSubscribers),
    SaveTemplate(Template),
    DeleteTemplate(DeleteTemplate),
    /// Holds a change that the page's policy has a second person review (`needs_review`).
    SubmitForReview(SubmitForReview),
    /// A second key publishes a held change.
    Approve(Approve),
    /// A second key returns a held change to its author with a comment.
    SendBack(SendBackReview),
}

impl Command {
    /// The command with the page's suppression key set where it hashes addresses (subscribing,
    /// leaving, importing); the page object keys every command it applies.
    pub fn keyed(mut self, key: &SuppressionKey) -> Self {
        match &mut self {
            Command::Subscribe(c) => c.suppression = key.clone(),
            Command::Unsubscribe(c) => c.suppression = key.clone(),
            Command::ImportSubscribers(c) => c.suppression = key.clone(),
            _ => {}
        }
        self
    }
}

/// A change checked as if published now, then held as review `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitForReview {
    pub id: String,
    /// The submitting key (`key:<id>` or `root`), filled in by the shell.
    pub author: String,
    pub change: HeldChange,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approve {
    pub review_id: String,
    /// The approving key, filled in by the shell; it must not be the author.
    pub reviewer: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendBackReview {
    pub review_id: String,
    pub reviewer: String,
    pub comment: String,
}

/// Whether the page's policy holds `command` for review by a second person: notices when the
/// policy says so, and opening or updating an incident whose impact (after the change) is at or
/// above the policy's threshold.
pub fn needs_review(state: &State, command: &Command) -> bool {
    let policy = &state.page.policy.review;
    let at_least = |impact: Impact| policy.incidents_from.is_some_and(|from| impact >= from);
    match command {
        Command::PublishNotice(_) => policy.notices,
        Command::OpenIncident(c) => at_least(c.impact),
        Command::PostUpdate(c) => state
            .incident(&c.incident_id)
            .is_some_and(|i| at_least(c.impact.unwrap_or(i.impact))),
        _ => false,
    }
}

impl From<HeldChange> for Command {
    fn from(h: HeldChange) -> Self {
        match h {
            HeldChange::OpenIncident(c) => Command::OpenIncident(c),
            HeldChange::PostUpdate(c) => Command::PostUpdate(c),
            HeldChange::PublishNotice(c) => Command::PublishNotice(c),
        }
    }
}

impl HeldChange {
    /// The change `command` would make, when it is one that can be held.
    pub fn of(command: Command) -> Option<HeldChange> {
        match command {
            Command::OpenIncident(c) => Some(HeldChange::OpenIncident(c)),
            Command::PostUpdate(c) => Some(HeldChange::PostUpdate(c)),
            Command::PublishNotice(c) => Some(HeldChange::PublishNotice(c)),
            _ => None,
        }
    }
}

/// Shorthand for a `resolved` update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolve {
    pub incident_id: String,
    pub update_id: String,
    pub body: String,
    #[serde(default)]
    pub silent: bool,
    /// Not posted to the page's social accounts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_social: bool,
}

/// The only way back from `resolved`: an explicit reopen with an update saying why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reopen {
    pub incident_id: String,
    pub update_id: String,
    #[serde(default)]
    pub status: IncidentStatus,
    pub body: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
    #[serde(default)]
    pub silent: bool,
}

/// Attaches (or revises) the postmortem of a resolved incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachPostmortem {
    pub incident_id: String,
    pub body: String,
    #[serde(default)]
    pub silent: bool,
}

/// Sets a component's own status by hand (incidents and maintenance add theirs on top).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetComponentStatus {
    pub component_id: String,
    pub status: ComponentStatus,
    /// Component changes are quiet unless asked.
    #[serde(default)]
    pub notify: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleMaintenance {
    pub id: String,
    pub update_id: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub scheduled_for: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    pub scheduled_until: Timestamp,
    /// Minutes before the start; `None` takes the policy's default reminders.
    #[serde(default)]
    pub reminders: Option<Vec<u32>>,
    #[serde(default)]
    pub visibility: Visibility,
    /// Required when the window starts sooner than the policy's lead time; kept for the audit.
    #[serde(default)]
    pub override_reason: Option<String>,
    #[serde(default)]
    pub silent: bool,
    /// Not posted to the page's social accounts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_social: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateMaintenance {
    pub maintenance_id: String,
    pub update_id: String,
    pub status: MaintenanceStatus,
    pub body: String,
    #[serde(default)]
    pub silent: bool,
}

/// A subscription request; it stays pending until confirmed (double opt-in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscribe {
    pub id: String,
    pub channel: SubscriberChannel,
    pub address: String,
    #[serde(default)]
    pub fallback: Option<(SubscriberChannel, String)>,
    /// Empty means every component.
    #[serde(default)]
    pub components: Vec<String>,
    /// Segments proven by the subscriber's audience token, if any.
    #[serde(default)]
    pub segments: Vec<String>,
    #[serde(default)]
    pub locale: Option<String>,
    /// Accept loopback webhook URLs (local development against a sink; never in production).
    #[serde(default)]
    pub loopback_hooks: bool,
    /// A subscriber moving to this address: confirming it replaces that one (see `Confirm`).
    #[serde(default)]
    pub replaces: Option<String>,
    /// The page's key for suppression hashes: set by the page object, never in JSON.
    #[serde(skip)]
    pub suppression: SuppressionKey,
    /// A webhook's payload: Herald's own or Statuspage's.
    #[serde(default)]
    pub format: crate::model::WebhookFormat,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirm {
    pub subscriber_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsubscribe {
    pub subscriber_id: String,
    /// The page's key for suppression hashes: set by the page object, never in JSON.
    #[serde(skip)]
    pub suppression: SuppressionKey,
}

/// Which components a subscriber hears about (empty: all of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeSubscription {
    pub subscriber_id: String,
    #[serde(default)]
    pub components: Vec<String>,
}

/// Erases a subscriber entirely (a deletion request), unlike `Unsubscribe` which keeps the record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteSubscriber {
    pub subscriber_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteTemplate {
    pub id: String,
}

/// Subscribers who opted in with another provider. They arrive confirmed (their consent was
/// collected there); addresses already subscribed or unsubscribed here (by suppression hash) are
/// skipped, and invalid rows are reported, not fatal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSubscribers {
    pub rows: Vec<ImportedSubscriber>,
    /// Accept loopback webhook URLs: set by the worker in local development only, never read from
    /// a request.
    #[serde(skip)]
    pub loopback_hooks: bool,
    /// The page's key for suppression hashes: set by the page object, never in JSON.
    #[serde(skip)]
    pub suppression: SuppressionKey,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedSubscriber {
    /// Fresh id chosen by the shell.
    pub id: String,
    pub channel: SubscriberChannel,
    pub address: String,
    /// Component ids or names; unknown ones are dropped.
    #[serde(default)]
    pub components: Vec<String>,
}

/// Incidents and maintenance imported from another provider as they were there: original ids, times
/// and every update. History is recorded, never re-announced; items whose id exists are skipped, so an
/// import can be repeated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportHistory {
    #[serde(default)]
    pub incidents: Vec<Incident>,
    #[serde(default)]
    pub maintenances: Vec<Maintenance>,
}

fn text(field: &'static str, value: &str, max: usize) -> Result<String, DomainError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

fn future(field: &'static str, at: Timestamp, now: Timestamp) -> Result<(), DomainError> {
    if at <= now {
        return Err(DomainError::invalid(field, "must be in the future"));
    }
    Ok(())
}

/// Applies the page's next-update rule to an unresolved incident's update.
fn next_update(
    state: &State,
    impact: Impact,
    at: Option<Timestamp>,
    now: Timestamp,
) -> Result<Option<Timestamp>, DomainError> {
    const FIELD: &str = "next_update_at";
    match (at, state.page.policy.next_update) {
        (Some(t), _) => future(FIELD, t, now).map(|()| Some(t)),
        (None, NextUpdateRule::Cadence) => Ok(Some(now + state.page.policy.cadence(impact))),
        (None, NextUpdateRule::Required) => Err(DomainError::invalid(
            FIELD,
            "required while the incident is unresolved",
        )),
        (None, NextUpdateRule::Optional) => Ok(None),
    }
}

fn lead_time(
    field: &'static str,
    required: time::Duration,
    at: Timestamp,
    now: Timestamp,
    override_reason: &Option<String>,
) -> Result<Option<String>, DomainError> {
    let reason = override_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if at - now >= required {
        return Ok(reason.map(str::to_owned));
    }
    match reason {
        Some(r) => text("override_reason", r, MAX_TITLE_CHARS).map(Some),
        None => Err(DomainError::LeadTime {
            field,
            required_minutes: required.whole_minutes(),
            given_minutes: (at - now).whole_minutes(),
        }),
    }
}

fn known_components<'a>(
    page: &Page,
    ids: impl IntoIterator<Item = &'a String>,
) -> Result<(), DomainError> {
    let mut seen: Vec<&str> = Vec::new();
    for id in ids {
        if page.component(id).is_none() {
            return Err(DomainError::invalid(
                "components",
                format!("unknown component {id:?}"),
            ));
        }
        if seen.contains(&id.as_str()) {
            return Err(DomainError::invalid(
                "components",
                format!("component {id:?} is listed twice"),
            ));
        }
        seen.push(id);
    }
    Ok(())
}

fn affected(
    page: &Page,
    inputs: &[ComponentInput],
    impact: Impact,
) -> Result<Vec<AffectedComponent>, DomainError> {
    known_components(page, inputs.iter().map(|c| &c.id))?;
    Ok(inputs
        .iter()
        .map(|c| AffectedComponent {
            id: c.id.clone(),
            status: c
                .status
                .unwrap_or_else(|| ComponentStatus::for_impact(impact)),
        })
        .collect())
}

fn segments(page: &Page, field: &'static str, segs: &[String]) -> Result<(), DomainError> {
    for s in segs {
        if !is_valid_segment(s) {
            return Err(DomainError::invalid(
                field,
                format!("{s:?} is not a segment (kind:value)"),
            ));
        }
        if !page.admits_segment(s) {
            return Err(DomainError::invalid(
                field,
                format!("segment {s:?} is not one of the page's audiences"),
            ));
        }
    }
    Ok(())
}

fn visibility(page: &Page, v: &Visibility) -> Result<(), DomainError> {
    match v {
        Visibility::Public => Ok(()),
        Visibility::Segments(s) if s.is_empty() => Err(DomainError::invalid(
            "visibility",
            "name at least one segment, or make it public",
        )),
        Visibility::Segments(s) => segments(page, "visibility", s),
    }
}

/// Update ids are unique across the page so a dismissal or a receipt never points at two messages.
fn fresh_update_id(state: &State, id: &str) -> Result<(), DomainError> {
    check_id("update_id", id)?;
    let taken = state
        .incidents
        .iter()
        .flat_map(|i| i.updates.iter().map(|u| &u.id))
        .chain(
            state
                .maintenances
                .iter()
                .flat_map(|m| m.updates.iter().map(|u| &u.id)),
        )
        .any(|u| u == id);
    if taken {
        return Err(DomainError::conflict(format!(
            "update {id:?} already exists"
        )));
    }
    Ok(())
}

fn incident_mut<'a>(state: &'a mut State, id: &str) -> Result<&'a mut Incident, DomainError> {
    state
        .incidents
        .iter_mut()
        .find(|i| i.id == id)
        .ok_or_else(|| DomainError::not_found("incident", id))
}

fn subscriber_mut<'a>(state: &'a mut State, id: &str) -> Result<&'a mut Subscriber, DomainError> {
    state
        .subscribers
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| DomainError::not_found("subscriber", id))
}

fn illegal(what: &'static str, from: &'static str, to: &'static str) -> DomainError {
    DomainError::IllegalTransition { what, from, to }
}

/// Applies `command` to `state` at time `now`.
pub fn apply(
    state: &State,
    command: Command,
    now: Timestamp,
) -> Result<(State, Vec<Event>), DomainError> {
    let mut next = state.clone();
    let events = change(&mut next, command, now)?;
    next.version += 1;
    Ok((next, events))
}

/// Applies `command` to `next` in place; on an error `next` is to be thrown away.
fn change(next: &mut State, command: Command, now: Timestamp) -> Result<Vec<Event>, DomainError> {
    Ok(match command {
        Command::OpenIncident(c) => open_incident(next, c, now)?,
        Command::PostUpdate(c) => post_update(next, c, now)?,
        Command::Resolve(c) => post_update(
            next,
            PostUpdate {
                incident_id: c.incident_id,
                update_id: c.update_id,
                status: IncidentStatus::Resolved,
                body: c.body,
                silent: c.silent,
                no_social: c.no_social,
                ..PostUpdate::default()
            },
            now,
        )?,
        Command::Reopen(c) => reopen(next, c, now)?,
        Command::AttachPostmortem(c) => attach_postmortem(next, c, now)?,
        Command::SetComponentStatus(c) => set_component_status(next, c, now)?,
        Command::ScheduleMaintenance(c) => schedule_maintenance(next, c, now)?,
        Command::UpdateMaintenance(c) => update_maintenance(next, c, now)?,
        Command::PublishNotice(c) => publish_notice(next, c, now)?,
        Command::Subscribe(c) => subscribe(next, c, now)?,
        Command::Confirm(c) => confirm(next, c, now)?,
        Command::Unsubscribe(c) => unsubscribe(next, c, now)?,
        Command::ChangeSubscription(c) => change_subscription(next, c)?,
        Command::DeleteSubscriber(c) => delete_subscriber(next, c)?,
        Command::ExpirePending(_) => expire_pending(next, now),
        Command::ConfigurePage(settings) => {
            next.page = configure_page(next, settings, now)?;
            vec![Event::PageConfigured]
        }
        Command::ConfigureSocial(social) => {
            next.page.social = configure_social(social)?;
            vec![Event::SocialConfigured]
        }
        Command::ImportHistory(history) => import_history(next, history)?,
        Command::ImportSubscribers(import) => import_subscribers(next, import, now)?,
        Command::SaveTemplate(t) => save_template(next, t)?,
        Command::DeleteTemplate(c) => delete_template(next, c)?,
        Command::SubmitForReview(c) => submit_for_review(next, c, now)?,
        Command::Approve(c) => approve(next, c, now)?,
        Command::SendBack(c) => send_back(next, c, now)?,
    })
}

fn submit_for_review(
    next: &mut State,
    c: SubmitForReview,
    now: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    check_id("id", &c.id)?;
    if next.review(&c.id).is_some() {
        return Err(DomainError::conflict(format!(
            "review {:?} already exists",
            c.id
        )));
    }
    // Checked as if published now, so the author hears of a mistake at once; checked again when
    // approved, against the page as it is then.
    change(&mut next.clone(), c.change.clone().into(), now)?;
    let subject = c.change.subject().to_owned();
    next.reviews.push(Review {
        id: c.id.clone(),
        change: c.change,
        author: c.author.clone(),
        submitted_at: now,
        sent_back: None,
    });
    Ok(vec![Event::ReviewRequested {
        review_id: c.id,
        author: c.author,
        subject,
    }])
}

/// The waiting review `id`, refused to its own author.
fn waiting_review(next: &State, id: &str, reviewer: &str) -> Result<usize, DomainError> {
    let i = next
        .reviews
        .iter()
        .position(|r| r.id == id && r.is_waiting())
        .ok_or_else(|| DomainError::not_found("review", id))?;
    if next.reviews[i].author == reviewer {
        return Err(DomainError::conflict(
            "a second person must review this draft: it was submitted with this key",
        ));
    }
    Ok(i)
}

fn approve(next: &mut State, c: Approve, now: Timestamp) -> Result<Vec<Event>, DomainError> {
    let i = waiting_review(next, &c.review_id, &c.reviewer)?;
    let review = next.reviews.remove(i);
    let subject = review.change.subject().to_owned();
    let mut events = vec![Event::ReviewApproved {
        review_id: review.id,
        author: review.author,
        reviewer: c.reviewer,
        subject,
    }];
    events.extend(change(next, review.change.into(), now)?);
    Ok(events)
}

fn send_back(
    next: &mut State,
    c: SendBackReview,
    now: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    let comment = text("comment", &c.comment, MAX_BODY_CHARS)?;
    let i = waiting_review(next, &c.review_id, &c.reviewer)?;
    let review = &mut next.reviews[i];
    review.sent_back = Some(SentBack {
        by: c.reviewer.clone(),
        at: now,
        comment: comment.clone(),
    });
    Ok(vec![Event::ReviewSentBack {
        review_id: c.review_id,
        author: review.author.clone(),
        reviewer: c.reviewer,
        subject: review.change.subject().to_owned(),
        comment,
    }])
}

fn attach_postmortem(
    next: &mut State,
    c: AttachPostmortem,
    now: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    let body = text("body", &c.body, MAX_POSTMORTEM_CHARS)?;
    let incident = incident_mut(next, &c.incident_id)?;
    if incident.is_active() {
        return Err(DomainError::conflict(format!(
            "incident {:?} is not resolved; a postmortem comes after",
            c.incident_id
        )));
    }
    let revised = incident.postmortem.is_some();
    incident.postmortem = Some(match incident.postmortem.take() {
        Some(p) => Postmortem {
            body,
            published_at: p.published_at,
            revised_at: Some(now),
        },
        None => Postmortem {
            body,
            published_at: now,
            revised_at: None,
        },
    });
    Ok(vec![Event::PostmortemPublished {
        incident_id: c.incident_id,
        revised,
        notify: !c.silent && !revised,
    }])
}

fn set_component_status(
    next: &mut State,
    c: SetComponentStatus,
    now: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    let component = next
        .page
        .components
        .iter_mut()
        .find(|x| x.id == c.component_id)
        .ok_or_else(|| DomainError::not_found("component", &c.component_id))?;
    let from = component.status;
    Ok(if from == c.status {
        vec![]
    } else {
        component.status = c.status;
        component.updated_at = Some(now);
        vec![Event::ComponentStatusChanged {
            component_id: c.component_id,
            from,
            to: c.status,
            notify: c.notify,
        }]
    })
}

fn update_maintenance(
    next: &mut State,
    c: UpdateMaintenance,
    now: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    let body = text("body", &c.body, MAX_BODY_CHARS)?;
    fresh_update_id(next, &c.update_id)?;
    let m = next
        .maintenances
        .iter_mut()
        .find(|m| m.id == c.maintenance_id)
        .ok_or_else(|| DomainError::not_found("maintenance", &c.maintenance_id))?;
    let from = m.status();
    if !from.may_become(c.status) {
        return Err(illegal("maintenance", from.label(), c.status.label()));
    }
    m.updates.push(MaintenanceUpdate {
        id: c.update_id.clone(),
        status: c.status,
        body,
        created_at: now,
        notify: !c.silent,
        no_social: false,
    });
    Ok(vec![Event::MaintenanceUpdated {
        maintenance_id: c.maintenance_id,
        update_id: c.update_id,
        status: c.status,
        notify: !c.silent,
    }])
}

fn confirm(next: &mut State, c: Confirm, now: Timestamp) -> Result<Vec<Event>, DomainError> {
    let s = subscriber_mut(next, &c.subscriber_id)?;
    Ok(match s.state {
        SubscriptionState::Pending => {
            s.state = SubscriptionState::Confirmed;
            s.confirmed_at = Some(now);
            let replaced = s.replaces.take();
            let mut events = vec![Event::SubscriptionConfirmed {
                subscriber_id: c.subscriber_id.clone(),
            }];
            // A move: the address it replaces stops getting anything; it was not an
            // opt-out, so nothing of it is kept.
            if let Some(old) = replaced.filter(|old| *old != c.subscriber_id) {
                let before = next.subscribers.len();
                next.subscribers
                    .retain(|s| s.id != old || s.state == SubscriptionState::Unsubscribed);
                if next.subscribers.len() < before {
                    events.push(Event::SubscriptionMoved {
                        from: old,
                        to: c.subscriber_id,
                    });
                }
            }
            events
        }
        // A confirmation link clicked twice is not an error.
        SubscriptionState::Confirmed => vec![],
        SubscriptionState::Unsubscribed => {
            return Err(illegal("subscription", "unsubscribed", "confirmed"))
        }
    })
}

fn unsubscribe(
    next: &mut State,
    c: Unsubscribe,
    now: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    let s = subscriber_mut(next, &c.subscriber_id)?;
    Ok(if s.state == SubscriptionState::Unsubscribed {
        vec![]
    } else {
        s.state = SubscriptionState::Unsubscribed;
        s.unsubscribed_at = Some(now);
        // Kept only as a suppression hash: no address, no fallback, no locale.
        s.address.value = suppression_hash(&c.suppression, &s.address);
        s.fallback = None;
        s.locale = None;
        vec![Event::Unsubscribed {
            subscriber_id: c.subscriber_id,
        }]
    })
}

fn change_subscription(next: &mut State, c: ChangeSubscription) -> Result<Vec<Event>, DomainError> {
    known_components(&next.page, &c.components)?;
    let s = subscriber_mut(next, &c.subscriber_id)?;
    if s.state == SubscriptionState::Unsubscribed {
        return Err(illegal("subscription", "unsubscribed", "changed"));
    }
    let mut components = c.components;
    components.sort();
    components.dedup();
    Ok(if s.components == components {
        vec![]
    } else {
        s.components = components;
        vec![Event::SubscriptionChanged {
            subscriber_id: c.subscriber_id,
        }]
    })
}

/// How long a subscription may wait for its confirmation before it is forgotten.
pub const PENDING_LIFETIME: time::Duration = time::Duration::days(7);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpirePending {}

fn expire_pending(next: &mut State, now: Timestamp) -> Vec<Event> {
    let cutoff = now - PENDING_LIFETIME;
    let expired: Vec<String> = next
        .subscribers
        .iter()
        .filter(|s| s.state == SubscriptionState::Pending && s.created_at < cutoff)
        .map(|s| s.id.clone())
        .collect();
    next.subscribers.retain(|s| !expired.contains(&s.id));
    expired
        .into_iter()
        .map(|subscriber_id| Event::SubscriberDeleted { subscriber_id })
        .collect()
}

fn delete_subscriber(next: &mut State, c: DeleteSubscriber) -> Result<Vec<Event>, DomainError> {
    let before = next.subscribers.len();
    next.subscribers.retain(|s| s.id != c.subscriber_id);
    if next.subscribers.len() == before {
        return Err(DomainError::not_found("subscriber", &c.subscriber_id));
    }
    Ok(vec![Event::SubscriberDeleted {
        subscriber_id: c.subscriber_id,
    }])
}

fn save_template(next: &mut State, t: Template) -> Result<Vec<Event>, DomainError> {
    let t = crate::placeholder::validate(t)?;
    if let Some(l) = &t.locale {
        if !next.page.locales.contains(l) {
            return Err(DomainError::invalid(
                "locale",
                format!("{l:?} is not one of the page's locales"),
            ));
        }
    }
    let template_id = t.id.clone();
    // One template per id and locale: a translation sits beside the original.
    match next
        .templates
        .iter_mut()
        .find(|x| x.id == t.id && x.locale == t.locale)
    {
        Some(existing) => *existing = t,
        None => next.templates.push(t),
    }
    Ok(vec![Event::TemplateSaved { template_id }])
}

fn delete_template(next: &mut State, c: DeleteTemplate) -> Result<Vec<Event>, DomainError> {
    let before = next.templates.len();
    next.templates.retain(|t| t.id != c.id);
    if next.templates.len() == before {
        return Err(DomainError::not_found("template", &c.id));
    }
    Ok(vec![Event::TemplateDeleted { template_id: c.id }])
}

fn open_incident(
    next: &mut State,
    c: OpenIncident,
    now: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    check_id("id", &c.id)?;
    let title = text("title", &c.title, MAX_TITLE_CHARS)?;
    let body = text("body", &c.body, MAX_BODY_CHARS)?;
    if c.status == IncidentStatus::Resolved {
        return Err(DomainError::invalid(
            "status",
            "an incident cannot open resolved",
        ));
    }
    let next_update_at = next_update(next, c.impact, c.next_update_at, now)?;
    if c.started_at.is_some_and(|t| t > now) {
        return Err(DomainError::invalid(
            "started_at",
            "must not be in the future: it is when the problem began",
        ));
    }
    if next.incident(&c.id).is_some() {
        return Err(DomainError::conflict(format!(
            "incident {:?} already exists",
            c.id
        )));
    }
    let components = affected(&next.page, &c.components, c.impact)?;
    visibility(&next.page, &c.visibility)?;
    fresh_update_id(next, &c.update_id)?;
    next.incidents.push(Incident {
        id: c.id.clone(),
        title,
        impact: c.impact,
        visibility: c.visibility,
        created_at: now,
        started_at: c.started_at,
        updates: vec![IncidentUpdate {
            id: c.update_id.clone(),
            status: c.status,
            body,
            created_at: now,
            next_update_at,
            components,
            notify: !c.silent,
            no_social: c.no_social,
            channels: c.channels,
        }],
        postmortem: None,
    });
    Ok(vec![Event::IncidentOpened {
        incident_id: c.id,
        update_id: c.update_id,
        notify: !c.silent,
    }])
}

fn post_update(next: &mut State, c: PostUpdate, now: Timestamp) -> Result<Vec<Event>, DomainError> {
    let body = text("body", &c.body, MAX_BODY_CHARS)?;
    let current = next
        .incident(&c.incident_id)
        .ok_or_else(|| DomainError::not_found("incident", &c.incident_id))?;
    let from = current.status();
    if from == IncidentStatus::Resolved {
        return Err(DomainError::conflict(format!(
            "incident {:?} is resolved; reopen it to post again",
            c.incident_id
        )));
    }
    if !from.may_become(c.status) {
        return Err(illegal("incident", from.label(), c.status.label()));
    }
    let impact = c.impact.unwrap_or(current.impact);
    let resolved = c.status == IncidentStatus::Resolved;
    let next_update_at = if resolved {
        None
    } else {
        next_update(next, impact, c.next_update_at, now)?
    };
    let components = match &c.components {
        Some(inputs) => affected(&next.page, inputs, impact)?,
        None => current.components().to_vec(),
    };
    fresh_update_id(next, &c.update_id)?;
    let incident = incident_mut(next, &c.incident_id)?;
    incident.impact = impact;
    incident.updates.push(IncidentUpdate {
        id: c.update_id.clone(),
        status: c.status,
        body,
        created_at: now,
        next_update_at,
        components,
        notify: !c.silent,
        no_social: c.no_social,
        channels: c.channels,
    });
    let (incident_id, update_id, notify) = (c.incident_id, c.update_id, !c.silent);
    Ok(vec![if resolved {
        Event::IncidentResolved {
            incident_id,
            update_id,
            notify,
        }
    } else {
        Event::IncidentUpdated {
            incident_id,
            update_id,
            notify,
        }
    }])
}

fn reopen(next: &mut State, c: Reopen, now: Timestamp) -> Result<Vec<Event>, DomainError> {
    let body = text("body", &c.body, MAX_BODY_CHARS)?;
    let current = next
        .incident(&c.incident_id)
        .ok_or_else(|| DomainError::not_found("incident", &c.incident_id))?;
    if current.is_active() {
        return Err(DomainError::conflict(format!(
            "incident {:?} is not resolved",
            c.incident_id
        )));
    }
    if c.status == IncidentStatus::Resolved {
        return Err(DomainError::invalid(
            "status",
            "a reopened incident cannot be resolved",
        ));
    }
    let next_update_at = next_update(next, current.impact, c.next_update_at, now)?;
    let components = current.components().to_vec();
    fresh_update_id(next, &c.update_id)?;
    let incident = incident_mut(next, &c.incident_id)?;
    incident.updates.push(IncidentUpdate {
        id: c.update_id.clone(),
        status: c.status,
        body,
        created_at: now,
        next_update_at,
        components,
        notify: !c.silent,
        no_social: false,
        channels: vec![],
    });
    Ok(vec![Event::IncidentReopened {
        incident_id: c.incident_id,
        update_id: c.update_id,
        notify: !c.silent,
    }])
}

fn schedule_maintenance(
    next: &mut State,
    c: ScheduleMaintenance,
    now: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    check_id("id", &c.id)?;
    let title = text("title", &c.title, MAX_TITLE_CHARS)?;
    let body = text("body", &c.body, MAX_BODY_CHARS)?;
    future("scheduled_for", c.scheduled_for, now)?;
    if c.scheduled_until <= c.scheduled_for {
        return Err(DomainError::invalid(
            "scheduled_until",
            "must be after scheduled_for",
        ));
    }
    if next.maintenance(&c.id).is_some() {
        return Err(DomainError::conflict(format!(
            "maintenance {:?} already exists",
            c.id
        )));
    }
    known_components(&next.page, &c.components)?;
    visibility(&next.page, &c.visibility)?;
    let mut reminders = c
        .reminders
        .unwrap_or_else(|| next.page.policy.maintenance_reminders.clone());
    if let Some(r) = reminders
        .iter()
        .find(|r| **r == 0 || **r > MAX_REMINDER_MINUTES)
    {
        return Err(DomainError::invalid(
            "reminders",
            format!("{r} minutes is not between 1 minute and 30 days"),
        ));
    }
    reminders.sort_unstable_by(|a, b| b.cmp(a));
    reminders.dedup();
    let override_reason = lead_time(
        "scheduled_for",
        next.page.policy.maintenance_lead_time(),
        c.scheduled_for,
        now,
        &c.override_reason,
    )?;
    fresh_update_id(next, &c.update_id)?;
    next.maintenances.push(Maintenance {
        id: c.id.clone(),
        title,
        scheduled_for: c.scheduled_for,
        scheduled_until: c.scheduled_until,
        components: c.components,
        visibility: c.visibility,
        reminders,
        created_at: now,
        updates: vec![MaintenanceUpdate {
            id: c.update_id.clone(),
            status: MaintenanceStatus::Scheduled,
            body,
            created_at: now,
            notify: !c.silent,
            no_social: c.no_social,
        }],
        override_reason: override_reason.clone(),
    });
    Ok(vec![Event::MaintenanceScheduled {
        maintenance_id: c.id,
        update_id: c.update_id,
        notify: !c.silent,
        override_reason,
    }])
}

fn publish_notice(
    next: &mut State,
    c: PublishNotice,
    now: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    check_id("id", &c.id)?;
    let title = text("title", &c.title, MAX_TITLE_CHARS)?;
    let body = text("body", &c.body, MAX_BODY_CHARS)?;
    if next.notice(&c.id).is_some() {
        return Err(DomainError::conflict(format!(
            "notice {:?} already exists",
            c.id
        )));
    }
    known_components(&next.page, &c.components)?;
    visibility(&next.page, &c.visibility)?;
    let override_reason = lead_time(
        "effective_at",
        next.page.policy.lead_time(c.kind),
        c.effective_at,
        now,
        &c.override_reason,
    )?;
    next.notices.push(Notice {
        id: c.id.clone(),
        kind: c.kind,
        title,
        body,
        effective_at: c.effective_at,
        published_at: now,
        components: c.components,
        visibility: c.visibility,
        requires_ack: c.requires_ack,
        override_reason: override_reason.clone(),
    });
    Ok(vec![Event::NoticePublished {
        notice_id: c.id,
        notify: !c.silent,
        override_reason,
    }])
}

fn subscribe(next: &mut State, c: Subscribe, now: Timestamp) -> Result<Vec<Event>, DomainError> {
    check_id("id", &c.id)?;
    let address = Address::parse_for(c.channel, &c.address, c.loopback_hooks)
        .map_err(|e| DomainError::invalid("address", e.to_string()))?;
    let fallback = match &c.fallback {
        Some((channel, raw)) => {
            let f = Address::parse_for(*channel, raw, c.loopback_hooks)
                .map_err(|e| DomainError::invalid("fallback", e.to_string()))?;
            if f.channel == SubscriberChannel::Push {
                return Err(DomainError::invalid(
                    "fallback",
                    "a browser subscribes itself to push notifications; it cannot be a fallback",
                ));
            }
            if f.channel == address.channel {
                return Err(DomainError::invalid(
                    "fallback",
                    "must use another channel than the address",
                ));
            }
            Some(f)
        }
        None => None,
    };
    known_components(&next.page, &c.components)?;
    segments(&next.page, "segments", &c.segments)?;
    if let Some(l) = &c.locale {
        if !next.page.locales.contains(l) {
            return Err(DomainError::invalid(
                "locale",
                format!("{l:?} is not one of the page's locales"),
            ));
        }
    }
    if c.format == crate::model::WebhookFormat::Statuspage
        && address.channel != SubscriberChannel::Webhook
    {
        return Err(DomainError::invalid(
            "format",
            "only a webhook takes the Statuspage format",
        ));
    }
    if let Some(old) = &c.replaces {
        match next.subscriber(old) {
            Some(s) if s.state != SubscriptionState::Unsubscribed => {}
            _ => return Err(DomainError::not_found("subscriber", old)),
        }
    }
    let page_id = next.page.id.clone();
    if let Some(existing) = next.subscribers.iter_mut().find(|s| {
        s.address.same_as(&address)
            || (s.state == SubscriptionState::Unsubscribed
                && s.address.channel == address.channel
                && suppresses(&s.address.value, &c.suppression, &page_id, &address))
    }) {
        let subscriber_id = existing.id.clone();
        let push = address.channel == SubscriberChannel::Push;
        return Ok(match existing.state {
            // A browser asking again chose its components anew (its own page made the request).
            SubscriptionState::Confirmed if push => {
                existing.components = c.components;
                vec![Event::SubscriptionChanged { subscriber_id }]
            }
            SubscriptionState::Pending | SubscriptionState::Unsubscribed if push => {
                existing.address = address;
                existing.state = SubscriptionState::Confirmed;
                existing.confirmed_at = Some(now);
                existing.components = c.components;
                existing.unsubscribed_at = None;
                vec![Event::SubscriptionConfirmed { subscriber_id }]
            }
            SubscriptionState::Confirmed => vec![Event::SubscriptionExists { subscriber_id }],
            SubscriptionState::Pending | SubscriptionState::Unsubscribed => {
                // The person asked again: the address comes back, pending a new confirmation.
                existing.address = address;
                existing.state = SubscriptionState::Pending;
                existing.fallback = fallback;
                existing.components = c.components;
                existing.segments = c.segments;
                existing.locale = c.locale;
                existing.unsubscribed_at = None;
                existing.replaces = c.replaces;
                existing.format = c.format;
                vec![Event::SubscriptionRequested { subscriber_id }]
            }
        });
    }
    if next.subscriber(&c.id).is_some() {
        return Err(DomainError::conflict(format!(
            "subscriber {:?} already exists",
            c.id
        )));
    }
    // Browser push needs no confirmation message: the browser's own permission prompt, answered
    // on the page, is the consent, and only that browser holds the keys to read what is sent.
    let push = address.channel == SubscriberChannel::Push;
    next.subscribers.push(Subscriber {
        id: c.id.clone(),
        address,
        fallback,
        components: c.components,
        segments: c.segments,
        locale: c.locale,
        state: if push {
            SubscriptionState::Confirmed
        } else {
            SubscriptionState::Pending
        },
        created_at: now,
        confirmed_at: push.then_some(now),
        unsubscribed_at: None,
        replaces: c.replaces,
        format: c.format,
    });
    let subscriber_id = c.id;
    Ok(vec![if push {
        Event::SubscriptionConfirmed { subscriber_id }
    } else {
        Event::SubscriptionRequested { subscriber_id }
    }])
}

/// The most characters a Mastodon server's limit is taken to be (servers raise it, rarely past
/// a few thousand).
pub const MAX_MASTODON_CHARS: u32 = 100_000;

fn configure_social(
    mut social: crate::model::SocialAccounts,
) -> Result<crate::model::SocialAccounts, DomainError> {
    if let Some(m) = &social.mastodon {
        let min = crate::social::MIN_LIMIT as u32;
        if !(min..=MAX_MASTODON_CHARS).contains(&m.max_chars) {
            return Err(DomainError::invalid(
                "mastodon.max_chars",
                format!(
                    "the server's limit per status: {min} to {MAX_MASTODON_CHARS} (most servers: 500)"
                ),
            ));
        }
        if m.server.trim().is_empty() {
            return Err(DomainError::invalid(
                "mastodon.server",
                "the server's address, such as https://mastodon.social",
            ));
        }
    }
    social.events.sort_unstable();
    social.events.dedup();
    Ok(social)
}

fn configure_page(
    state: &State,
    settings: PageSettings,
    now: Timestamp,
) -> Result<Page, DomainError> {
    let mut page = state.page.clone();
    if state.version == 0 && crate::event::RESERVED_SLUGS.contains(&page.id.as_str()) {
        return Err(DomainError::invalid(
            "page",
            format!(
                "{:?} is a path Herald serves itself; choose another id",
                page.id
            ),
        ));
    }
    page.name = text("name", &settings.name, MAX_NAME_CHARS)?;
    page.url = crate::settings::url(settings.url)?;
    page.time_zone = crate::settings::time_zone(settings.time_zone)?;
    page.locales = crate::settings::locales(settings.locales)?;
    page.policy = settings.policy.unwrap_or_default();
    crate::settings::policy(&page.policy)?;
    for (i, o) in page.policy.subscribe_origins.iter_mut().enumerate() {
        let url = url::Url::parse(o.trim()).map_err(|e| {
            DomainError::invalid("policy.subscribe_origins", format!("entry {i}: {e}"))
        })?;
        let origin = url.origin().ascii_serialization();
        if !matches!(url.scheme(), "https" | "http") || url.path() != "/" || origin == "null" {
            return Err(DomainError::invalid(
                "policy.subscribe_origins",
                format!(
                    "entry {i}: give an origin such as https://app.example.com, without a path"
                ),
            ));
        }
        *o = origin;
    }
    for (i, r) in page.policy.responders.iter_mut().enumerate() {
        let channel = if r.contains('@') && !r.contains("://") {
            SubscriberChannel::Email
        } else {
            SubscriberChannel::Webhook
        };
        *r = Address::parse_for(channel, r, settings.loopback_hooks)
            .map_err(|e| DomainError::invalid("policy.responders", format!("entry {i}: {e}")))?
            .value;
    }
    if let Some(contact) = &page.policy.support_contact {
        page.policy.support_contact =
            Some(text("policy.support_contact", contact, MAX_NAME_CHARS)?);
    }
    page.branding = crate::settings::branding(settings.branding)?;
    let mut group_ids: Vec<&str> = Vec::new();
    for g in &settings.groups {
        if !is_slug(&g.id) {
            return Err(DomainError::invalid(
                "groups",
                format!("group id {:?} must be a slug (a-z, 0-9, -)", g.id),
            ));
        }
        text("groups", &g.name, MAX_NAME_CHARS)?;
        if group_ids.contains(&g.id.as_str()) {
            return Err(DomainError::invalid(
                "groups",
                format!("group id {:?} appears twice", g.id),
            ));
        }
        group_ids.push(&g.id);
    }
    let mut components: Vec<Component> = Vec::with_capacity(settings.components.len());
    for c in settings.components {
        if !is_slug(&c.id) {
            return Err(DomainError::invalid(
                "components",
                format!("component id {:?} must be a slug (a-z, 0-9, -)", c.id),
            ));
        }
        if components.iter().any(|k| k.id == c.id) {
            return Err(DomainError::invalid(
                "components",
                format!("component id {:?} appears twice", c.id),
            ));
        }
        let group = c.group.filter(|g| !g.trim().is_empty());
        if let Some(g) = &group {
            if !group_ids.contains(&g.as_str()) {
                return Err(DomainError::invalid(
                    "components",
                    format!("component {:?} names unknown group {g:?}", c.id),
                ));
            }
        }
        let old = state.page.component(&c.id);
        components.push(Component {
            name: text("components", &c.name, MAX_NAME_CHARS)?,
            group,
            status: old.map_or(ComponentStatus::Operational, |o| o.status),
            description: c.description.filter(|d| !d.trim().is_empty()),
            only_show_if_degraded: c.only_show_if_degraded,
            created_at: old.and_then(|o| o.created_at).or(Some(now)),
            updated_at: old.and_then(|o| o.updated_at).or(Some(now)),
            id: c.id,
        });
    }
    page.components = components;
    page.groups = settings.groups;
    for a in &settings.audiences {
        let bare = a.segment.strip_suffix('*').unwrap_or(&a.segment);
        let probe = if bare.ends_with(':') {
            format!("{bare}x")
        } else {
            bare.to_owned()
        };
        if !is_valid_segment(&probe) {
            return Err(DomainError::invalid(
                "audiences",
                format!("{:?} is not a segment (kind:value or kind:*)", a.segment),
            ));
        }
    }
    page.audiences = settings.audiences;
    let ids: Vec<&String> = page.components.iter().map(|c| &c.id).collect();
    let in_use = state
        .incidents
        .iter()
        .filter(|i| i.is_active())
        .flat_map(|i| i.components().iter().map(|a| &a.id))
        .chain(
            state
                .maintenances
                .iter()
                .filter(|m| m.status() != MaintenanceStatus::Completed)
                .flat_map(|m| m.components.iter()),
        )
        .find(|id| !ids.contains(id));
    if let Some(id) = in_use {
        return Err(DomainError::conflict(format!(
            "component {id:?} is still named by an open incident or maintenance"
        )));
    }
    Ok(page)
}

#[cfg(test)]
mod tests;

fn import_subscribers(
    next: &mut State,
    import: ImportSubscribers,
    now: Timestamp,
) -> Result<Vec<Event>, DomainError> {
    const MAX_ROWS: usize = 50_000;
    if import.rows.len() > MAX_ROWS {
        return Err(DomainError::invalid(
            "rows",
            format!("at most {MAX_ROWS} subscribers per import; split the file"),
        ));
    }
    use std::collections::HashSet;
    let mut known: HashSet<(SubscriberChannel, String)> = next
        .subscribers
        .iter()
        .map(|s| (s.address.channel, s.address.value.to_lowercase()))
        .collect();
    let ids: HashSet<String> = next.subscribers.iter().map(|s| s.id.clone()).collect();
    let (mut duplicates, mut suppressed) = (0, 0);
    let mut invalid = Vec::new();
    let mut added = 0;
    for (i, row) in import.rows.into_iter().enumerate() {
        if row.channel == SubscriberChannel::Push {
            // Only the browser holds a push subscription's keys: it subscribes itself.
            invalid.push(SkippedRow {
                row: i + 1,
                reason: "a browser subscribes itself to push notifications".into(),
            });
            continue;
        }
        let address = match Address::parse_for(row.channel, &row.address, import.loopback_hooks) {
            Ok(a) => a,
            Err(e) => {
                invalid.push(SkippedRow {
                    row: i + 1,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        if check_id("id", &row.id).is_err() || ids.contains(&row.id) {
            return Err(DomainError::invalid("id", format!("row {}: bad id", i + 1)));
        }
        let page_id = next.page.id.clone();
        if let Some(left) = next.subscribers.iter_mut().find(|s| {
            s.state == SubscriptionState::Unsubscribed
                && s.address.channel == address.channel
                && suppresses(&s.address.value, &import.suppression, &page_id, &address)
        }) {
            // Kept suppressed, under the keyed hash from now on.
            left.address.value = suppression_hash(&import.suppression, &address);
            suppressed += 1;
            continue;
        }
        if !known.insert((address.channel, address.value.to_lowercase())) {
            duplicates += 1;
            continue;
        }
        let components = row
            .components
            .iter()
            .filter_map(|c| {
                next.page
                    .components
                    .iter()
                    .find(|k| &k.id == c || k.name.eq_ignore_ascii_case(c))
                    .map(|k| k.id.clone())
            })
            .collect();
        next.subscribers.push(Subscriber {
            id: row.id,
            address,
            fallback: None,
            components,
            segments: Vec::new(),
            locale: None,
            state: SubscriptionState::Confirmed,
            created_at: now,
            confirmed_at: Some(now),
            unsubscribed_at: None,
            replaces: None,
            format: Default::default(),
        });
        added += 1;
    }
    Ok(vec![Event::SubscribersImported {
        added,
        duplicates,
        suppressed,
        invalid,
    }])
}

fn import_history(next: &mut State, history: ImportHistory) -> Result<Vec<Event>, DomainError> {
    let known = |next: &State, id: &str| next.page.components.iter().any(|c| c.id == id);
    let (mut incidents, mut maintenances) = (0, 0);
    for mut incident in history.incidents {
        check_id("incidents", &incident.id)?;
        if next.incident(&incident.id).is_some() {
            continue;
        }
        incident.title = text("incidents", &incident.title, MAX_TITLE_CHARS)?;
        if incident.updates.is_empty() {
            return Err(DomainError::invalid(
                "incidents",
                format!("incident {:?} has no updates", incident.id),
            ));
        }
        incident.updates.sort_by_key(|u| u.created_at);
        for u in &mut incident.updates {
            check_id("incidents", &u.id)?;
            fresh_update_id(next, &u.id)?;
            u.body = text("incidents", &u.body, MAX_BODY_CHARS)?;
            u.components.retain(|c| known(next, &c.id));
            u.notify = false;
        }
        incident.visibility = Visibility::Public;
        next.incidents.push(incident);
        incidents += 1;
    }
    for mut m in history.maintenances {
        check_id("maintenances", &m.id)?;
        if next.maintenance(&m.id).is_some() {
            continue;
        }
        m.title = text("maintenances", &m.title, MAX_TITLE_CHARS)?;
        if m.scheduled_until < m.scheduled_for {
            return Err(DomainError::invalid(
                "maintenances",
                format!("maintenance {:?} ends before it starts", m.id),
            ));
        }
        m.updates.sort_by_key(|u| u.created_at);
        for u in &mut m.updates {
            check_id("maintenances", &u.id)?;
            u.body = text("maintenances", &u.body, MAX_BODY_CHARS)?;
            u.notify = false;
        }
        m.components.retain(|c| known(next, c));
        m.visibility = Visibility::Public;
        next.maintenances.push(m);
        maintenances += 1;
    }
    Ok(vec![Event::HistoryImported {
        incidents,
        maintenances,
    }])
}

/// `PUT /v1/admin/pages/{page}`: creates the page or replaces its settings (omitted fields take their
/// defaults). Component statuses are kept for ids that already exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageSettings {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default)]
    pub components: Vec<ComponentSettings>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<ComponentGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// BCP 47 tags, the default first; empty keeps `["en"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locales: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<Audience>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding: Option<Branding>,
    /// Accept loopback webhook URLs among the responders: set by the worker in local development
    /// only, never read from a request.
    #[serde(skip)]
    pub loopback_hooks: bool,
}

impl PageSettings {
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            url: None,
            components: Vec::new(),
            groups: Vec::new(),
            time_zone: None,
            locales: Vec::new(),
            audiences: Vec::new(),
            policy: None,
            branding: None,
            loopback_hooks: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentSettings {
    pub id: String,
    pub name: String,
    /// Id of one of the page's `groups`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub only_show_if_degraded: bool,
}
