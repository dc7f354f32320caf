//! Statuspage API v2 compatibility: its JSON shapes (field names and enumerations as that API has them),
//! Herald's state rendered in them, and tolerant reading of any Statuspage-compatible page: unknown
//! fields are ignored, unknown enum values become `Unknown`, nulls are accepted everywhere.

use serde::{Deserialize, Deserializer, Serialize};

use crate::event::Event;
use crate::model::{
    Component, ComponentGroup, ComponentStatus, Impact, Incident, IncidentStatus, Maintenance,
    MaintenanceStatus, MessageKind, State,
};
use crate::view::{self, Viewer};
use crate::wire::Indicator;
use crate::Timestamp;

/// How many incidents `incidents.json` lists, newest first (as Statuspage does).
pub const INCIDENTS_LIMIT: usize = 50;

/// A null reads as the default, so one null from upstream never fails a whole document.
fn nd<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpComponentStatus {
    Operational,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
    UnderMaintenance,
    #[default]
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpImpact {
    None,
    Minor,
    Major,
    Critical,
    Maintenance,
    #[default]
    #[serde(other)]
    Unknown,
}

/// Incident and scheduled-maintenance statuses share one field in that API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpIncidentStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    Postmortem,
    Scheduled,
    InProgress,
    Verifying,
    Completed,
    #[default]
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpPage {
    #[serde(default, deserialize_with = "nd")]
    pub id: String,
    #[serde(default, deserialize_with = "nd")]
    pub name: String,
    #[serde(default, deserialize_with = "nd")]
    pub url: String,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpStatus {
    #[serde(default = "unknown_indicator", deserialize_with = "nd_indicator")]
    pub indicator: Indicator,
    #[serde(default, deserialize_with = "nd")]
    pub description: String,
}

impl Default for SpStatus {
    fn default() -> Self {
        Self {
            indicator: Indicator::Unknown,
            description: String::new(),
        }
    }
}

fn unknown_indicator() -> Indicator {
    Indicator::Unknown
}

fn nd_indicator<'de, D: Deserializer<'de>>(d: D) -> Result<Indicator, D::Error> {
    Option::<Indicator>::deserialize(d).map(|i| i.unwrap_or(Indicator::Unknown))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpComponent {
    #[serde(default, deserialize_with = "nd")]
    pub id: String,
    #[serde(default, deserialize_with = "nd")]
    pub name: String,
    #[serde(default, deserialize_with = "nd")]
    pub status: SpComponentStatus,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub position: Option<i64>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub showcase: Option<bool>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub page_id: Option<String>,
    #[serde(default)]
    pub group: Option<bool>,
    #[serde(default)]
    pub only_show_if_degraded: Option<bool>,
    /// Present on groups only: the ids of their members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpAffectedComponent {
    #[serde(default, deserialize_with = "nd")]
    pub code: String,
    #[serde(default, deserialize_with = "nd")]
    pub name: String,
    #[serde(default, deserialize_with = "nd")]
    pub old_status: SpComponentStatus,
    #[serde(default, deserialize_with = "nd")]
    pub new_status: SpComponentStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpIncidentUpdate {
    #[serde(default, deserialize_with = "nd")]
    pub id: String,
    #[serde(default, deserialize_with = "nd")]
    pub status: SpIncidentStatus,
    #[serde(default, deserialize_with = "nd")]
    pub body: String,
    #[serde(default)]
    pub incident_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub display_at: Option<String>,
    #[serde(default)]
    pub affected_components: Option<Vec<SpAffectedComponent>>,
    #[serde(default)]
    pub deliver_notifications: Option<bool>,
    #[serde(default)]
    pub custom_tweet: Option<String>,
    /// A number or a string upstream; kept as it came.
    #[serde(default)]
    pub tweet_id: Option<serde_json::Value>,
}

/// An incident, or (with `scheduled_for`/`scheduled_until`) a scheduled maintenance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpIncident {
    #[serde(default, deserialize_with = "nd")]
    pub id: String,
    #[serde(default, deserialize_with = "nd")]
    pub name: String,
    #[serde(default, deserialize_with = "nd")]
    pub status: SpIncidentStatus,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub monitoring_at: Option<String>,
    #[serde(default)]
    pub resolved_at: Option<String>,
    #[serde(default, deserialize_with = "nd")]
    pub impact: SpImpact,
    #[serde(default)]
    pub shortlink: Option<String>,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub page_id: Option<String>,
    #[serde(default, deserialize_with = "nd")]
    pub incident_updates: Vec<SpIncidentUpdate>,
    #[serde(default, deserialize_with = "nd")]
    pub components: Vec<SpComponent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_until: Option<String>,
}

/// `summary.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpSummary {
    #[serde(default, deserialize_with = "nd")]
    pub page: SpPage,
    #[serde(default, deserialize_with = "nd")]
    pub components: Vec<SpComponent>,
    #[serde(default, deserialize_with = "nd")]
    pub incidents: Vec<SpIncident>,
    #[serde(default, deserialize_with = "nd")]
    pub scheduled_maintenances: Vec<SpIncident>,
    #[serde(default, deserialize_with = "nd")]
    pub status: SpStatus,
}

/// `status.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpStatusDoc {
    #[serde(default, deserialize_with = "nd")]
    pub page: SpPage,
    #[serde(default, deserialize_with = "nd")]
    pub status: SpStatus,
}

/// `components.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpComponents {
    #[serde(default, deserialize_with = "nd")]
    pub page: SpPage,
    #[serde(default, deserialize_with = "nd")]
    pub components: Vec<SpComponent>,
}

/// `incidents.json` and `incidents/unresolved.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpIncidents {
    #[serde(default, deserialize_with = "nd")]
    pub page: SpPage,
    #[serde(default, deserialize_with = "nd")]
    pub incidents: Vec<SpIncident>,
}

/// `scheduled-maintenances.json`, `.../upcoming.json`, `.../active.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpScheduledMaintenances {
    #[serde(default, deserialize_with = "nd")]
    pub page: SpPage,
    #[serde(default, deserialize_with = "nd")]
    pub scheduled_maintenances: Vec<SpIncident>,
}

// ---- Herald -> Statuspage ----

fn ts(t: Timestamp) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl From<ComponentStatus> for SpComponentStatus {
    fn from(s: ComponentStatus) -> Self {
        match s {
            ComponentStatus::Operational => Self::Operational,
            ComponentStatus::UnderMaintenance => Self::UnderMaintenance,
            ComponentStatus::DegradedPerformance => Self::DegradedPerformance,
            ComponentStatus::PartialOutage => Self::PartialOutage,
            ComponentStatus::MajorOutage => Self::MajorOutage,
        }
    }
}

impl From<Impact> for SpImpact {
    fn from(i: Impact) -> Self {
        match i {
            Impact::None => Self::None,
            Impact::Minor => Self::Minor,
            Impact::Major => Self::Major,
            Impact::Critical => Self::Critical,
        }
    }
}

impl From<IncidentStatus> for SpIncidentStatus {
    fn from(s: IncidentStatus) -> Self {
        match s {
            IncidentStatus::Investigating => Self::Investigating,
            IncidentStatus::Identified => Self::Identified,
            IncidentStatus::Monitoring => Self::Monitoring,
            IncidentStatus::Resolved => Self::Resolved,
        }
    }
}

impl From<MaintenanceStatus> for SpIncidentStatus {
    fn from(s: MaintenanceStatus) -> Self {
        match s {
            MaintenanceStatus::Scheduled => Self::Scheduled,
            MaintenanceStatus::InProgress => Self::InProgress,
            MaintenanceStatus::Verifying => Self::Verifying,
            MaintenanceStatus::Completed => Self::Completed,
        }
    }
}

fn page_url(state: &State) -> String {
    state
        .page
        .url
        .clone()
        .unwrap_or_else(|| format!("/{}", state.page.id))
}

/// An item's address on the status host, relative to its origin (`/acme/incidents/inc-1`): the
/// shell knows the origin and makes it absolute with `absolute_shortlinks`.
fn shortlink(state: &State, kind: MessageKind, id: &str) -> String {
    crate::template::item_url(&format!("/{}", state.page.id), kind, id)
}

/// Makes the relative shortlinks of `items` absolute under `origin` (`https://status.acme.com`).
pub fn absolute_shortlinks(items: &mut [SpIncident], origin: &str) {
    let origin = origin.trim_end_matches('/');
    for link in items.iter_mut().filter_map(|i| i.shortlink.as_mut()) {
        if link.starts_with('/') {
            *link = format!("{origin}{link}");
        }
    }
}

pub fn page(state: &State, viewer: &Viewer) -> SpPage {
    SpPage {
        id: state.page.id.clone(),
        name: state.page.name.clone(),
        url: page_url(state),
        time_zone: Some(state.page.time_zone.clone()),
        updated_at: view::updated_at(state, viewer).map(ts),
    }
}

pub fn status(state: &State, viewer: &Viewer) -> SpStatusDoc {
    SpStatusDoc {
        page: page(state, viewer),
        status: sp_status(state, viewer),
    }
}

fn sp_status(state: &State, viewer: &Viewer) -> SpStatus {
    let indicator = view::indicator(state, viewer);
    SpStatus {
        indicator,
        description: indicator.description().into(),
    }
}

fn component(state: &State, viewer: &Viewer, c: &Component, position: i64) -> SpComponent {
    SpComponent {
        id: c.id.clone(),
        name: c.name.clone(),
        status: state.component_status(&c.id, &viewer.segments).into(),
        created_at: c.created_at.map(ts),
        updated_at: c.updated_at.or(c.created_at).map(ts),
        position: Some(position),
        description: c.description.clone(),
        showcase: Some(!c.only_show_if_degraded),
        start_date: c.created_at.map(|t| t.date().to_string()),
        group_id: c.group.clone(),
        page_id: Some(state.page.id.clone()),
        group: Some(false),
        only_show_if_degraded: Some(c.only_show_if_degraded),
        components: None,
    }
}

fn group(state: &State, viewer: &Viewer, g: &ComponentGroup, position: i64) -> SpComponent {
    let members: Vec<&Component> = state
        .page
        .components
        .iter()
        .filter(|c| c.group.as_deref() == Some(&g.id))
        .collect();
    let status = members
        .iter()
        .map(|c| state.component_status(&c.id, &viewer.segments))
        .max()
        .unwrap_or_default();
    let created = members.iter().filter_map(|c| c.created_at).min();
    let updated = members
        .iter()
        .filter_map(|c| c.updated_at.or(c.created_at))
        .max();
    SpComponent {
        id: g.id.clone(),
        name: g.name.clone(),
        status: status.into(),
        created_at: created.map(ts),
        updated_at: updated.map(ts),
        position: Some(position),
        description: g.description.clone(),
        showcase: Some(false),
        start_date: None,
        group_id: None,
        page_id: Some(state.page.id.clone()),
        group: Some(true),
        only_show_if_degraded: Some(false),
        components: Some(members.iter().map(|c| c.id.clone()).collect()),
    }
}

/// Components in display order, each group just before its first member.
pub fn components_list(state: &State, viewer: &Viewer) -> Vec<SpComponent> {
    let mut out = Vec::new();
    let mut emitted: Vec<&str> = Vec::new();
    for c in &state.page.components {
        if let Some(g) = c.group.as_deref().and_then(|g| state.page.group(g)) {
            if !emitted.contains(&g.id.as_str()) {
                emitted.push(&g.id);
                out.push(group(state, viewer, g, out.len() as i64 + 1));
            }
        }
        out.push(component(state, viewer, c, out.len() as i64 + 1));
    }
    out
}

pub fn components(state: &State, viewer: &Viewer) -> SpComponents {
    SpComponents {
        page: page(state, viewer),
        components: components_list(state, viewer),
    }
}

fn components_by_id(state: &State, viewer: &Viewer, ids: &[&String]) -> Vec<SpComponent> {
    let all = components_list(state, viewer);
    ids.iter()
        .filter_map(|id| all.iter().find(|c| &c.id == *id).cloned())
        .collect()
}

fn incident(state: &State, viewer: &Viewer, i: &Incident) -> SpIncident {
    let mut updates = Vec::new();
    let mut previous: Vec<(String, ComponentStatus)> = Vec::new();
    for u in crate::model::ordered(&i.updates, |u| u.created_at) {
        let mut changed = Vec::new();
        let now: Vec<(String, ComponentStatus)> = u
            .components
            .iter()
            .map(|a| (a.id.clone(), a.status))
            .collect();
        let resolved = u.status == IncidentStatus::Resolved;
        for (id, status) in &now {
            let old = previous
                .iter()
                .find(|(p, _)| p == id)
                .map_or(ComponentStatus::Operational, |(_, s)| *s);
            let new = if resolved {
                ComponentStatus::Operational
            } else {
                *status
            };
            if old != new {
                let name = state
                    .page
                    .component(id)
                    .map_or_else(|| id.clone(), |c| c.name.clone());
                changed.push(SpAffectedComponent {
                    code: id.clone(),
                    name,
                    old_status: old.into(),
                    new_status: new.into(),
                });
            }
        }
        previous = if resolved {
            now.into_iter()
                .map(|(id, _)| (id, ComponentStatus::Operational))
                .collect()
        } else {
            now
        };
        updates.push(SpIncidentUpdate {
            id: u.id.clone(),
            status: u.status.into(),
            body: u.body.clone(),
            incident_id: Some(i.id.clone()),
            created_at: Some(ts(u.created_at)),
            updated_at: Some(ts(u.created_at)),
            display_at: Some(ts(u.created_at)),
            affected_components: (!changed.is_empty()).then_some(changed),
            deliver_notifications: Some(u.notify),
            custom_tweet: None,
            tweet_id: None,
        });
    }
    updates.reverse();
    let status = match (i.status(), &i.postmortem) {
        (IncidentStatus::Resolved, Some(_)) => SpIncidentStatus::Postmortem,
        (s, _) => s.into(),
    };
    let ids: Vec<&String> = i.components().iter().map(|a| &a.id).collect();
    SpIncident {
        id: i.id.clone(),
        name: i.title.clone(),
        status,
        created_at: Some(ts(i.created_at)),
        updated_at: Some(ts(i.updated_at())),
        monitoring_at: i.first_at(IncidentStatus::Monitoring).map(ts),
        resolved_at: if i.is_active() {
            None
        } else {
            i.first_at(IncidentStatus::Resolved).map(ts)
        },
        impact: i.impact.into(),
        shortlink: Some(shortlink(state, MessageKind::Incident, &i.id)),
        started_at: Some(ts(i.created_at)),
        page_id: Some(state.page.id.clone()),
        incident_updates: updates,
        components: components_by_id(state, viewer, &ids),
        scheduled_for: None,
        scheduled_until: None,
    }
}

fn maintenance(state: &State, viewer: &Viewer, m: &Maintenance) -> SpIncident {
    let mut updates: Vec<SpIncidentUpdate> = crate::model::ordered(&m.updates, |u| u.created_at)
        .into_iter()
        .map(|u| SpIncidentUpdate {
            id: u.id.clone(),
            status: u.status.into(),
            body: u.body.clone(),
            incident_id: Some(m.id.clone()),
            created_at: Some(ts(u.created_at)),
            updated_at: Some(ts(u.created_at)),
            display_at: Some(ts(u.created_at)),
            affected_components: None,
            deliver_notifications: Some(u.notify),
            custom_tweet: None,
            tweet_id: None,
        })
        .collect();
    updates.reverse();
    let ids: Vec<&String> = m.components.iter().collect();
    let first = |s: MaintenanceStatus| {
        m.updates
            .iter()
            .filter(|u| u.status == s)
            .map(|u| u.created_at)
            .min()
    };
    SpIncident {
        id: m.id.clone(),
        name: m.title.clone(),
        status: m.status().into(),
        created_at: Some(ts(m.created_at)),
        updated_at: Some(ts(m.updated_at())),
        monitoring_at: first(MaintenanceStatus::Verifying).map(ts),
        resolved_at: first(MaintenanceStatus::Completed).map(ts),
        impact: SpImpact::Maintenance,
        shortlink: Some(shortlink(state, MessageKind::Maintenance, &m.id)),
        started_at: Some(ts(m.created_at)),
        page_id: Some(state.page.id.clone()),
        incident_updates: updates,
        components: components_by_id(state, viewer, &ids),
        scheduled_for: Some(ts(m.scheduled_for)),
        scheduled_until: Some(ts(m.scheduled_until)),
    }
}

fn visible_incidents<'a>(state: &'a State, viewer: &'a Viewer) -> Vec<&'a Incident> {
    view::history(state, viewer)
}

/// `incidents.json`: the 50 most recent incidents the viewer may see.
pub fn incidents(state: &State, viewer: &Viewer) -> SpIncidents {
    SpIncidents {
        page: page(state, viewer),
        incidents: visible_incidents(state, viewer)
            .into_iter()
            .take(INCIDENTS_LIMIT)
            .map(|i| incident(state, viewer, i))
            .collect(),
    }
}

/// `incidents/unresolved.json`.
pub fn unresolved(state: &State, viewer: &Viewer) -> SpIncidents {
    SpIncidents {
        page: page(state, viewer),
        incidents: unresolved_list(state, viewer),
    }
}

fn unresolved_list(state: &State, viewer: &Viewer) -> Vec<SpIncident> {
    visible_incidents(state, viewer)
        .into_iter()
        .filter(|i| i.is_active())
        .map(|i| incident(state, viewer, i))
        .collect()
}

/// Which scheduled maintenances a document lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaintenanceFilter {
    All,
    Upcoming,
    Active,
}

/// `scheduled-maintenances.json` (all, newest first), `upcoming.json`, `active.json`.
pub fn scheduled_maintenances(
    state: &State,
    viewer: &Viewer,
    filter: MaintenanceFilter,
) -> SpScheduledMaintenances {
    SpScheduledMaintenances {
        page: page(state, viewer),
        scheduled_maintenances: maintenance_list(state, viewer, filter),
    }
}

fn maintenance_list(state: &State, viewer: &Viewer, filter: MaintenanceFilter) -> Vec<SpIncident> {
    let mut ms: Vec<&Maintenance> = state
        .maintenances
        .iter()
        .filter(|m| m.visibility.admits(&viewer.segments))
        .filter(|m| match filter {
            MaintenanceFilter::All => true,
            MaintenanceFilter::Upcoming => m.status() == MaintenanceStatus::Scheduled,
            MaintenanceFilter::Active => m.status().is_active(),
        })
        .collect();
    ms.sort_by_key(|m| std::cmp::Reverse(m.scheduled_for));
    ms.into_iter()
        .map(|m| maintenance(state, viewer, m))
        .collect()
}

/// `summary.json`: components, unresolved incidents, maintenance not yet completed, and the status.
pub fn summary(state: &State, viewer: &Viewer) -> SpSummary {
    let mut scheduled = maintenance_list(state, viewer, MaintenanceFilter::Active);
    scheduled.extend(maintenance_list(state, viewer, MaintenanceFilter::Upcoming));
    SpSummary {
        page: page(state, viewer),
        components: components_list(state, viewer),
        incidents: unresolved_list(state, viewer),
        scheduled_maintenances: scheduled,
        status: sp_status(state, viewer),
    }
}

// ---- Statuspage -> Herald (reading another page) ----

impl SpComponentStatus {
    /// Herald's status; an unknown value reads as operational rather than alarming anyone.
    pub fn to_herald(self) -> ComponentStatus {
        match self {
            Self::Operational | Self::Unknown => ComponentStatus::Operational,
            Self::DegradedPerformance => ComponentStatus::DegradedPerformance,
            Self::PartialOutage => ComponentStatus::PartialOutage,
            Self::MajorOutage => ComponentStatus::MajorOutage,
            Self::UnderMaintenance => ComponentStatus::UnderMaintenance,
        }
    }
}

impl SpImpact {
    pub fn to_herald(self) -> Impact {
        match self {
            Self::None | Self::Maintenance => Impact::None,
            Self::Minor | Self::Unknown => Impact::Minor,
            Self::Major => Impact::Major,
            Self::Critical => Impact::Critical,
        }
    }
}

pub fn parse_time(s: &str) -> Option<Timestamp> {
    Timestamp::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// The page's components and groups from a Statuspage `components` list (for an import). Ids that
/// Herald would refuse are made slugs (lower case, dashes); group members keep their order.
/// The Herald component id for a Statuspage component id (a slug).
fn component_id(id: &str) -> String {
    let slug: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    slug.trim_start_matches('-').to_owned()
}

/// A component naming a group that the document does not have is imported ungrouped, and said so
/// in `notes`, rather than refusing the whole import.
pub fn import_components(
    list: &[SpComponent],
    notes: &mut Vec<String>,
) -> (Vec<ComponentGroup>, Vec<Component>) {
    let safe = component_id;
    let mut sorted: Vec<&SpComponent> = list.iter().filter(|c| !c.id.is_empty()).collect();
    sorted.sort_by_key(|c| c.position.unwrap_or(i64::MAX));
    let groups: Vec<ComponentGroup> = sorted
        .iter()
        .filter(|c| c.group == Some(true))
        .map(|g| ComponentGroup {
            id: safe(&g.id),
            name: g.name.clone(),
            description: g.description.clone(),
        })
        .collect();
    let known = |id: &str| groups.iter().any(|g| g.id == id);
    let components = sorted
        .iter()
        .filter(|c| c.group != Some(true))
        .map(|c| Component {
            id: safe(&c.id),
            name: c.name.clone(),
            group: c.group_id.as_deref().map(safe).filter(|g| {
                let ok = known(g);
                if !ok {
                    notes.push(format!(
                        "component {:?} names group {g:?}, which the document does not have: imported without a group",
                        c.name
                    ));
                }
                ok
            }),
            status: c.status.to_herald(),
            description: c.description.clone(),
            only_show_if_degraded: c.only_show_if_degraded.unwrap_or(false),
            created_at: c.created_at.as_deref().and_then(parse_time),
            updated_at: c.updated_at.as_deref().and_then(parse_time),
        })
        .collect();
    (groups, components)
}

/// The settings that recreate a Statuspage page's structure in Herald (name, URL, time zone, groups
/// and components in order), to apply with `Command::ConfigurePage`: an import goes through `apply`
/// like every other change.
pub fn page_settings(doc: &SpSummary, notes: &mut Vec<String>) -> crate::wire::PageSettings {
    let (groups, components) = import_components(&doc.components, notes);
    crate::wire::PageSettings {
        url: Some(doc.page.url.clone()).filter(|u| !u.is_empty()),
        time_zone: doc.page.time_zone.clone(),
        components: components
            .into_iter()
            .map(|c| crate::wire::ComponentSettings {
                id: c.id,
                name: c.name,
                group: c.group,
                description: c.description,
                only_show_if_degraded: c.only_show_if_degraded,
            })
            .collect(),
        groups,
        ..crate::wire::PageSettings::named(if doc.page.name.trim().is_empty() {
            doc.page.id.clone()
        } else {
            doc.page.name.clone()
        })
    }
}

/// The component statuses of a Statuspage document, as Herald's: applied after the structure, so an
/// import shows what the source shows (no incident need explain them).
pub fn component_statuses(doc: &SpSummary) -> Vec<(String, ComponentStatus)> {
    doc.components
        .iter()
        .filter(|c| !c.id.is_empty() && c.group != Some(true))
        .map(|c| (component_id(&c.id), c.status.to_herald()))
        .collect()
}

/// An import changes the page's structure only: the page's own configuration (policy, audiences,
/// locales, branding) stays as it is.
pub fn keep_configuration(settings: &mut crate::wire::PageSettings, current: &crate::model::Page) {
    settings.policy = Some(current.policy.clone());
    settings.audiences = current.audiences.clone();
    settings.locales = current.locales.clone();
    settings.branding = Some(current.branding.clone());
}

/// What the widget shows for a Statuspage-compatible page: the same rule as `view::banner` (worst
/// unresolved incident, else maintenance under way, else maintenance starting within a day), read
/// from that page's `summary.json`.
pub fn banner_from_summary(doc: &SpSummary, now: Timestamp) -> crate::wire::Banner {
    use crate::wire::{Banner, BannerComponent, BannerItem, BannerKind, BannerPage, ItemStatus};
    let status = |s: SpIncidentStatus| match s {
        SpIncidentStatus::Investigating => ItemStatus::Investigating,
        SpIncidentStatus::Identified => ItemStatus::Identified,
        SpIncidentStatus::Monitoring => ItemStatus::Monitoring,
        SpIncidentStatus::Resolved | SpIncidentStatus::Postmortem => ItemStatus::Resolved,
        SpIncidentStatus::Scheduled => ItemStatus::Scheduled,
        SpIncidentStatus::InProgress => ItemStatus::InProgress,
        SpIncidentStatus::Verifying => ItemStatus::Verifying,
        SpIncidentStatus::Completed => ItemStatus::Completed,
        SpIncidentStatus::Unknown => ItemStatus::Unknown,
    };
    let latest = |i: &SpIncident| {
        i.incident_updates
            .iter()
            .max_by_key(|u| u.created_at.as_deref().and_then(parse_time))
            .cloned()
            .unwrap_or_default()
    };
    let item = |i: &SpIncident, kind: BannerKind| {
        let u = latest(i);
        let at = |s: &Option<String>| s.as_deref().and_then(parse_time);
        BannerItem {
            kind,
            id: i.id.clone(),
            update_id: if u.id.is_empty() { i.id.clone() } else { u.id },
            title: i.name.clone(),
            impact: i.impact.to_herald(),
            status: status(i.status),
            body: u.body,
            updated_at: at(&u.created_at)
                .or(at(&i.updated_at))
                .unwrap_or(Timestamp::UNIX_EPOCH),
            next_update_at: None,
            components: i
                .components
                .iter()
                .map(|c| BannerComponent {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    status: c.status.to_herald(),
                })
                .collect(),
            scheduled_for: at(&i.scheduled_for),
            scheduled_until: at(&i.scheduled_until),
            effective_at: None,
        }
    };
    let active = |s: SpIncidentStatus| {
        !matches!(
            s,
            SpIncidentStatus::Resolved | SpIncidentStatus::Postmortem | SpIncidentStatus::Completed
        )
    };
    let incident = doc
        .incidents
        .iter()
        .filter(|i| active(i.status))
        .max_by_key(|i| {
            (
                i.impact.to_herald(),
                i.updated_at.as_deref().and_then(parse_time),
            )
        });
    let maintenance = doc
        .scheduled_maintenances
        .iter()
        .filter(|m| {
            matches!(
                m.status,
                SpIncidentStatus::InProgress | SpIncidentStatus::Verifying
            )
        })
        .chain(doc.scheduled_maintenances.iter().filter(|m| {
            m.status == SpIncidentStatus::Scheduled
                && m.scheduled_for
                    .as_deref()
                    .and_then(parse_time)
                    .is_some_and(|t| {
                        t - now <= view::BANNER_MAINTENANCE_AHEAD
                            && t + time::Duration::hours(12) > now
                    })
        }))
        .next();
    let item = incident
        .map(|i| item(i, BannerKind::Incident))
        .or_else(|| maintenance.map(|m| item(m, BannerKind::Maintenance)));
    Banner {
        page: BannerPage {
            id: doc.page.id.clone(),
            name: doc.page.name.clone(),
            url: doc.page.url.clone(),
            accent_color: None,
            on_accent_color: None,
        },
        poll_after: if item.is_some() {
            view::POLL_ACTIVE_SECS
        } else {
            view::POLL_QUIET_SECS
        },
        item,
        live: false,
    }
}

#[cfg(test)]
mod tests;

/// Incidents and maintenance of a Statuspage document (`summary.json`, `incidents.json` or
/// `scheduled-maintenances.json`) as Herald history, to apply with `Command::ImportHistory`: ids,
/// names, impacts, every update with its status, body and time, and the affected components.
/// Items without a readable time are left out rather than given an invented one.
pub fn import_history(doc: &SpSummary) -> crate::command::ImportHistory {
    use crate::model::{
        AffectedComponent, IncidentStatus, IncidentUpdate, Maintenance, MaintenanceUpdate,
        Visibility,
    };
    let affected = |i: &SpIncident| -> Vec<AffectedComponent> {
        i.components
            .iter()
            .map(|c| AffectedComponent {
                id: component_id(&c.id),
                status: c.status.to_herald(),
            })
            .collect()
    };
    let mut history = crate::command::ImportHistory::default();
    for i in doc.incidents.iter().chain(&doc.scheduled_maintenances) {
        let Some(created_at) = i.created_at.as_deref().and_then(parse_time) else {
            continue;
        };
        let when = |u: &SpIncidentUpdate| {
            u.created_at
                .as_deref()
                .or(u.display_at.as_deref())
                .and_then(parse_time)
        };
        if let (Some(from), Some(until)) = (
            i.scheduled_for.as_deref().and_then(parse_time),
            i.scheduled_until.as_deref().and_then(parse_time),
        ) {
            let status = |s: SpIncidentStatus| match s {
                SpIncidentStatus::InProgress => MaintenanceStatus::InProgress,
                SpIncidentStatus::Verifying => MaintenanceStatus::Verifying,
                SpIncidentStatus::Completed
                | SpIncidentStatus::Resolved
                | SpIncidentStatus::Postmortem => MaintenanceStatus::Completed,
                _ => MaintenanceStatus::Scheduled,
            };
            history.maintenances.push(Maintenance {
                id: i.id.clone(),
                title: i.name.clone(),
                scheduled_for: from,
                scheduled_until: until,
                components: i.components.iter().map(|c| component_id(&c.id)).collect(),
                visibility: Visibility::Public,
                reminders: Vec::new(),
                created_at,
                updates: i
                    .incident_updates
                    .iter()
                    .filter_map(|u| {
                        Some(MaintenanceUpdate {
                            id: u.id.clone(),
                            status: status(u.status),
                            body: u.body.clone(),
                            created_at: when(u)?,
                            notify: false,
                            no_social: false,
                        })
                    })
                    .collect(),
                override_reason: None,
            });
            continue;
        }
        let status = |s: SpIncidentStatus| match s {
            SpIncidentStatus::Identified => IncidentStatus::Identified,
            SpIncidentStatus::Monitoring => IncidentStatus::Monitoring,
            SpIncidentStatus::Resolved
            | SpIncidentStatus::Postmortem
            | SpIncidentStatus::Completed => IncidentStatus::Resolved,
            _ => IncidentStatus::Investigating,
        };
        let components = affected(i);
        history.incidents.push(Incident {
            id: i.id.clone(),
            title: i.name.clone(),
            impact: i.impact.to_herald(),
            visibility: Visibility::Public,
            created_at,
            // Statuspage's start, kept only when it is earlier than the incident itself.
            started_at: i
                .started_at
                .as_deref()
                .and_then(parse_time)
                .filter(|t| *t < created_at),
            updates: i
                .incident_updates
                .iter()
                .filter_map(|u| {
                    Some(IncidentUpdate {
                        id: u.id.clone(),
                        status: status(u.status),
                        body: u.body.clone(),
                        created_at: when(u)?,
                        next_update_at: None,
                        components: components.clone(),
                        notify: false,
                        no_social: false,
                        channels: Vec::new(),
                    })
                })
                .collect(),
            postmortem: None,
        });
    }
    history
}

// ---- Statuspage-format webhooks ----

/// Where Statuspage's webhook `meta` points for its documentation: Herald's API description.
pub const WEBHOOK_DOCUMENTATION: &str = "/v1/openapi.json";

/// `meta` of a Statuspage-format webhook: the recipient's unsubscribe link and the documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpWebhookMeta {
    pub unsubscribe: String,
    pub documentation: String,
}

/// `page` of a Statuspage-format webhook: the page's status as it stands after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpWebhookPage {
    pub id: String,
    pub status_indicator: Indicator,
    pub status_description: String,
}

/// `component_update` of a Statuspage-format webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpComponentUpdate {
    pub id: String,
    pub component_id: String,
    pub created_at: String,
    pub old_status: SpComponentStatus,
    pub new_status: SpComponentStatus,
}

/// The body Statuspage posts to a webhook subscriber: `meta`, `page`, and either an `incident`
/// (scheduled maintenance included, its updates newest first) or a `component` with its
/// `component_update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpWebhook {
    pub meta: SpWebhookMeta,
    pub page: SpWebhookPage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<SpIncident>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_update: Option<SpComponentUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<SpComponent>,
}

impl SpWebhook {
    /// The body for one recipient: its unsubscribe link, links made absolute under `origin`.
    pub fn for_recipient(&self, origin: &str, unsubscribe: &str) -> SpWebhook {
        let origin = origin.trim_end_matches('/');
        let mut w = self.clone();
        w.meta = SpWebhookMeta {
            unsubscribe: unsubscribe.to_owned(),
            documentation: format!("{origin}{WEBHOOK_DOCUMENTATION}"),
        };
        if let Some(i) = w.incident.as_mut() {
            absolute_shortlinks(std::slice::from_mut(i), origin);
        }
        w
    }
}

/// The Statuspage-format webhook body for `event` in `state` (the state after it), without its
/// per-recipient `meta`; `None` for events Statuspage has no webhook for (notices, bookkeeping).
/// The page's status is the one the item's audience sees.
pub fn webhook(state: &State, event: &Event) -> Option<SpWebhook> {
    let page_for = |viewer: &Viewer| {
        let indicator = view::indicator(state, viewer);
        SpWebhookPage {
            id: state.page.id.clone(),
            status_indicator: indicator,
            status_description: indicator.description().into(),
        }
    };
    let viewer_of = |v: &crate::model::Visibility| match v {
        crate::model::Visibility::Public => Viewer::public(),
        crate::model::Visibility::Segments(s) => Viewer::with_segments(s.clone()),
    };
    let body = |viewer: &Viewer, incident| SpWebhook {
        meta: SpWebhookMeta::default(),
        page: page_for(viewer),
        incident: Some(incident),
        component_update: None,
        component: None,
    };
    match event {
        Event::IncidentOpened { incident_id, .. }
        | Event::IncidentUpdated { incident_id, .. }
        | Event::IncidentResolved { incident_id, .. }
        | Event::IncidentReopened { incident_id, .. }
        | Event::PostmortemPublished { incident_id, .. } => {
            let i = state.incident(incident_id)?;
            let viewer = viewer_of(&i.visibility);
            Some(body(&viewer, incident(state, &viewer, i)))
        }
        Event::MaintenanceScheduled { maintenance_id, .. }
        | Event::MaintenanceUpdated { maintenance_id, .. } => {
            let m = state.maintenance(maintenance_id)?;
            let viewer = viewer_of(&m.visibility);
            Some(body(&viewer, maintenance(state, &viewer, m)))
        }
        Event::ComponentStatusChanged {
            component_id,
            from,
            to,
            ..
        } => {
            let viewer = Viewer::public();
            let c = state.page.component(component_id)?;
            let position = state
                .page
                .components
                .iter()
                .position(|x| x.id == c.id)
                .unwrap_or(0);
            let at = c.updated_at.map(ts).unwrap_or_default();
            Some(SpWebhook {
                meta: SpWebhookMeta::default(),
                page: page_for(&viewer),
                incident: None,
                component_update: Some(SpComponentUpdate {
                    id: format!(
                        "{}-{}",
                        c.id,
                        c.updated_at.map_or(0, |t| t.unix_timestamp())
                    ),
                    component_id: c.id.clone(),
                    created_at: at,
                    old_status: (*from).into(),
                    new_status: (*to).into(),
                }),
                component: Some(component(
                    state,
                    &viewer,
                    c,
                    i64::try_from(position + 1).unwrap_or(i64::MAX),
                )),
            })
        }
        _ => None,
    }
}
