//! Views: what each viewer and each channel is shown, decided here from the state and `now`. Also the
//! promises and reminders a cron must act on (`overdue`, `reminders_due`).

use serde::{Deserialize, Serialize};

use crate::model::{
    ordered, Impact, Incident, IncidentStatus, Maintenance, MaintenanceStatus, Notice, State,
};
use crate::wire::{
    Banner, BannerComponent, BannerItem, BannerKind, BannerPage, Indicator, ItemStatus, Summary,
    SummaryComponent, SummaryGroup, SummaryIncident, SummaryMaintenance, SummaryNotice,
    SummaryPage, SummaryStatus, SummaryUpdate,
};
use crate::Timestamp;

/// Who is looking. Anonymous viewers see public items only; segments come from a verified audience
/// token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewer {
    pub segments: Vec<String>,
}

impl Viewer {
    pub fn public() -> Self {
        Self::default()
    }

    pub fn with_segments(segments: Vec<String>) -> Self {
        Self { segments }
    }
}

/// Seconds between widget polls: quicker while something is happening, relaxed on quiet days.
pub const POLL_ACTIVE_SECS: u32 = 30;
pub const POLL_QUIET_SECS: u32 = 60;
/// Never poll faster than this, whatever is about to start.
pub const POLL_FLOOR_SECS: u32 = 10;
/// How far ahead a scheduled maintenance window shows in the banner.
pub const BANNER_MAINTENANCE_AHEAD: time::Duration = time::Duration::hours(24);
/// How long after taking effect a notice stays in the banner.
pub const BANNER_NOTICE_AFTER: time::Duration = time::Duration::hours(24);
/// Resolved incidents and completed maintenance stay in the summary this long.
pub const RECENT: time::Duration = time::Duration::days(7);

/// Whether an impact warrants interrupting assistive technology (`role="alert"`).
pub fn is_urgent(impact: Impact) -> bool {
    impact >= Impact::Major
}

fn visible_incidents<'a>(
    state: &'a State,
    viewer: &'a Viewer,
) -> impl Iterator<Item = &'a Incident> + 'a {
    state
        .incidents
        .iter()
        .filter(|i| i.visibility.admits(&viewer.segments))
}

fn visible_maintenances<'a>(
    state: &'a State,
    viewer: &'a Viewer,
) -> impl Iterator<Item = &'a Maintenance> + 'a {
    state
        .maintenances
        .iter()
        .filter(|m| m.visibility.admits(&viewer.segments))
}

fn visible_notices<'a>(
    state: &'a State,
    viewer: &'a Viewer,
) -> impl Iterator<Item = &'a Notice> + 'a {
    state
        .notices
        .iter()
        .filter(|n| n.visibility.admits(&viewer.segments))
}

/// The page indicator for `viewer`: the worst of its components' statuses and its active incidents'
/// impacts; "maintenance" only when nothing is worse and a window is under way.
pub fn indicator(state: &State, viewer: &Viewer) -> Indicator {
    use crate::model::ComponentStatus as C;
    let worst_component = state
        .page
        .components
        .iter()
        .map(|c| state.component_status(&c.id, &viewer.segments))
        .max()
        .unwrap_or(C::Operational);
    let from_components = match worst_component {
        C::MajorOutage => 3,
        C::PartialOutage => 2,
        C::DegradedPerformance => 1,
        C::Operational | C::UnderMaintenance => 0,
    };
    let from_incidents = visible_incidents(state, viewer)
        .filter(|i| i.is_active())
        .map(|i| match i.impact {
            Impact::Critical => 3,
            Impact::Major => 2,
            Impact::Minor => 1,
            Impact::None => 0,
        })
        .max()
        .unwrap_or(0);
    let maintenance = worst_component == C::UnderMaintenance
        || visible_maintenances(state, viewer).any(|m| m.status().is_active());
    match from_components.max(from_incidents) {
        3 => Indicator::Critical,
        2 => Indicator::Major,
        1 => Indicator::Minor,
        _ if maintenance => Indicator::Maintenance,
        _ => Indicator::None,
    }
}

fn banner_components(state: &State, viewer: &Viewer, ids: &[&String]) -> Vec<BannerComponent> {
    ids.iter()
        .filter_map(|id| state.page.component(id))
        .map(|c| BannerComponent {
            id: c.id.clone(),
            name: c.name.clone(),
            status: state.component_status(&c.id, &viewer.segments),
        })
        .collect()
}

/// The one most important item for `viewer`: the active incident with the highest impact (the most
/// recently updated among equals); else maintenance under way; else maintenance starting within a
/// day; else a notice until a day after it takes effect. Nothing on a quiet day.
pub fn banner(state: &State, viewer: &Viewer, now: Timestamp) -> Banner {
    banner_for_components(state, viewer, &[], now)
}

/// `banner`, limited to items touching `components` (empty: all) for hosts that embed the widget for
/// one part of their product. Items that name no component concern everyone.
pub fn banner_for_components(
    state: &State,
    viewer: &Viewer,
    components: &[String],
    now: Timestamp,
) -> Banner {
    let concerns = |ids: &mut dyn Iterator<Item = &String>| {
        let ids: Vec<&String> = ids.collect();
        components.is_empty() || ids.is_empty() || ids.iter().any(|c| components.contains(c))
    };
    let incident = visible_incidents(state, viewer)
        .filter(|i| i.is_active() && concerns(&mut i.components().iter().map(|a| &a.id)))
        .max_by_key(|i| (i.impact, i.latest().map(|u| u.created_at)));
    let maintenances: Vec<&Maintenance> = visible_maintenances(state, viewer)
        .filter(|m| concerns(&mut m.components.iter()))
        .collect();
    let under_way = maintenances
        .iter()
        .filter(|m| m.status().is_active())
        .min_by_key(|m| m.scheduled_for);
    let upcoming = maintenances
        .iter()
        .filter(|m| {
            m.status() == MaintenanceStatus::Scheduled
                && m.scheduled_until > now
                && m.scheduled_for - now <= BANNER_MAINTENANCE_AHEAD
        })
        .min_by_key(|m| m.scheduled_for);
    let notice = visible_notices(state, viewer)
        .filter(|n| {
            n.published_at <= now
                && now < n.effective_at + BANNER_NOTICE_AFTER
                && concerns(&mut n.components.iter())
        })
        .min_by_key(|n| n.effective_at);

    let item = incident
        .and_then(|i| incident_item(state, viewer, i))
        .or_else(|| {
            under_way
                .or(upcoming)
                .and_then(|m| maintenance_item(state, viewer, m))
        })
        .or_else(|| notice.map(|n| notice_item(state, viewer, n, now)));
    // Poll sooner when a scheduled window is about to start, so it shows in time.
    let next_start = maintenances
        .iter()
        .filter(|m| m.status() == MaintenanceStatus::Scheduled && m.scheduled_for > now)
        .map(|m| m.scheduled_for - BANNER_MAINTENANCE_AHEAD)
        .filter(|t| *t > now)
        .min()
        .map(|t| (t - now).whole_seconds().clamp(0, i64::from(u32::MAX)) as u32);
    let base = if incident.is_some() || under_way.is_some() {
        POLL_ACTIVE_SECS
    } else {
        POLL_QUIET_SECS
    };
    let poll_after = next_start
        .map_or(base, |s| base.min(s))
        .max(POLL_FLOOR_SECS);
    Banner {
        page: BannerPage {
            id: state.page.id.clone(),
            name: state.page.name.clone(),
            url: format!("/{}", state.page.id),
            accent_color: state.page.branding.accent_color.clone(),
            on_accent_color: state
                .page
                .branding
                .accent_color
                .as_deref()
                .map(|c| crate::settings::on_color(c).to_owned()),
        },
        item,
        poll_after,
        live: false,
    }
}

fn incident_item(state: &State, viewer: &Viewer, incident: &Incident) -> Option<BannerItem> {
    // `apply` never leaves an incident without an update; a hand-edited stored state might.
    let latest = incident.latest()?;
    let ids: Vec<&String> = incident.components().iter().map(|a| &a.id).collect();
    Some(BannerItem {
        kind: BannerKind::Incident,
        id: incident.id.clone(),
        update_id: latest.id.clone(),
        title: incident.title.clone(),
        impact: incident.impact,
        status: latest.status.into(),
        body: latest.body.clone(),
        updated_at: latest.created_at,
        next_update_at: latest.next_update_at,
        components: banner_components(state, viewer, &ids),
        scheduled_for: None,
        scheduled_until: None,
        effective_at: None,
    })
}

fn maintenance_item(state: &State, viewer: &Viewer, m: &Maintenance) -> Option<BannerItem> {
    let latest = m.latest()?;
    let ids: Vec<&String> = m.components.iter().collect();
    Some(BannerItem {
        kind: BannerKind::Maintenance,
        id: m.id.clone(),
        update_id: latest.id.clone(),
        title: m.title.clone(),
        impact: Impact::None,
        status: latest.status.into(),
        body: latest.body.clone(),
        updated_at: latest.created_at,
        next_update_at: None,
        components: banner_components(state, viewer, &ids),
        scheduled_for: Some(m.scheduled_for),
        scheduled_until: Some(m.scheduled_until),
        effective_at: None,
    })
}

fn notice_item(state: &State, viewer: &Viewer, n: &Notice, now: Timestamp) -> BannerItem {
    let ids: Vec<&String> = n.components.iter().collect();
    BannerItem {
        kind: BannerKind::Notice,
        id: n.id.clone(),
        update_id: n.id.clone(),
        title: n.title.clone(),
        impact: Impact::None,
        status: if now < n.effective_at {
            ItemStatus::Announced
        } else {
            ItemStatus::InEffect
        },
        body: n.body.clone(),
        updated_at: n.published_at,
        next_update_at: None,
        components: banner_components(state, viewer, &ids),
        scheduled_for: None,
        scheduled_until: None,
        effective_at: Some(n.effective_at),
    }
}

/// Whether an active incident's latest promise of an update has passed.
pub fn is_overdue(incident: &Incident, now: Timestamp) -> bool {
    incident.is_active()
        && incident
            .latest()
            .and_then(|u| u.next_update_at)
            .is_some_and(|t| t < now)
}

fn summary_updates<'a>(
    updates: impl Iterator<Item = (&'a str, ItemStatus, &'a str, Timestamp, Option<Timestamp>)>,
) -> Vec<SummaryUpdate> {
    let mut v: Vec<SummaryUpdate> = updates
        .map(|(id, status, body, created_at, next)| SummaryUpdate {
            id: id.to_owned(),
            status,
            body: body.to_owned(),
            created_at,
            next_update_at: next,
        })
        .collect();
    // Newest first; among equal times the later-posted first (stable sort on reversed input).
    v.reverse();
    v.sort_by_key(|u| std::cmp::Reverse(u.created_at));
    v
}

/// The whole state `viewer` may see: components with their effective status, active and recent
/// incidents, maintenance not yet completed (or recently so) and current notices.
pub fn summary(state: &State, viewer: &Viewer, now: Timestamp) -> Summary {
    let page = &state.page;
    let components: Vec<SummaryComponent> = page
        .components
        .iter()
        .map(|c| SummaryComponent {
            id: c.id.clone(),
            name: c.name.clone(),
            status: state.component_status(&c.id, &viewer.segments),
            group: c.group.clone(),
            description: c.description.clone(),
            uptime: None,
        })
        .collect();
    let groups = page
        .groups
        .iter()
        .map(|g| {
            let members: Vec<&SummaryComponent> = components
                .iter()
                .filter(|c| c.group.as_deref() == Some(&g.id))
                .collect();
            SummaryGroup {
                id: g.id.clone(),
                name: g.name.clone(),
                status: members.iter().map(|c| c.status).max().unwrap_or_default(),
                components: members.iter().map(|c| c.id.clone()).collect(),
            }
        })
        .collect();
    let mut incidents: Vec<&Incident> = visible_incidents(state, viewer)
        .filter(|i| i.is_active() || now - i.updated_at() <= RECENT)
        .collect();
    incidents.sort_by_key(|i| std::cmp::Reverse(i.updated_at()));
    let incidents = incidents
        .into_iter()
        .map(|i| SummaryIncident {
            id: i.id.clone(),
            title: i.title.clone(),
            impact: i.impact,
            status: i.status().into(),
            created_at: i.created_at,
            updated_at: i.updated_at(),
            resolved_at: if i.is_active() {
                None
            } else {
                i.first_at(IncidentStatus::Resolved)
            },
            next_update_at: i
                .latest()
                .and_then(|u| u.next_update_at)
                .filter(|_| i.is_active()),
            overdue: is_overdue(i, now),
            components: i.components().to_vec(),
            updates: summary_updates(i.updates.iter().map(|u| {
                (
                    u.id.as_str(),
                    u.status.into(),
                    u.body.as_str(),
                    u.created_at,
                    u.next_update_at,
                )
            })),
            postmortem: i.postmortem.as_ref().map(|p| p.body.clone()),
        })
        .collect();
    let mut maintenances: Vec<&Maintenance> = visible_maintenances(state, viewer)
        .filter(|m| m.status() != MaintenanceStatus::Completed || now - m.updated_at() <= RECENT)
        .collect();
    maintenances.sort_by_key(|m| m.scheduled_for);
    let maintenances = maintenances
        .into_iter()
        .map(|m| SummaryMaintenance {
            id: m.id.clone(),
            title: m.title.clone(),
            status: m.status().into(),
            scheduled_for: m.scheduled_for,
            scheduled_until: m.scheduled_until,
            components: m.components.clone(),
            updates: summary_updates(m.updates.iter().map(|u| {
                (
                    u.id.as_str(),
                    u.status.into(),
                    u.body.as_str(),
                    u.created_at,
                    None,
                )
            })),
        })
        .collect();
    let mut notices: Vec<&Notice> = visible_notices(state, viewer)
        .filter(|n| n.published_at <= now && now - n.effective_at <= RECENT)
        .collect();
    notices.sort_by_key(|n| n.effective_at);
    let notices = notices
        .into_iter()
        .map(|n| SummaryNotice {
            id: n.id.clone(),
            kind: n.kind,
            title: n.title.clone(),
            body: n.body.clone(),
            effective_at: n.effective_at,
            published_at: n.published_at,
        })
        .collect();
    let ind = indicator(state, viewer);
    Summary {
        page: SummaryPage {
            id: page.id.clone(),
            name: page.name.clone(),
            url: page.url.clone().unwrap_or_else(|| format!("/{}", page.id)),
            time_zone: page.time_zone.clone(),
            updated_at: updated_at(state, viewer),
        },
        status: SummaryStatus {
            indicator: ind,
            description: ind.description().into(),
        },
        groups,
        components,
        incidents,
        maintenances,
        notices,
    }
}

/// When anything `viewer` can see last changed.
pub fn updated_at(state: &State, viewer: &Viewer) -> Option<Timestamp> {
    let incidents = visible_incidents(state, viewer).map(Incident::updated_at);
    let maintenances = visible_maintenances(state, viewer).map(Maintenance::updated_at);
    let notices = visible_notices(state, viewer).map(|n| n.published_at);
    let components = state.page.components.iter().filter_map(|c| c.updated_at);
    incidents
        .chain(maintenances)
        .chain(notices)
        .chain(components)
        .max()
}

/// A promise of an update that was not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    pub incident_id: String,
    pub update_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub promised_at: Timestamp,
    pub late_by_secs: i64,
}

/// Active incidents whose latest update promised a next one before `now` (any visibility: this list
/// is for the page's responders), most late first.
pub fn overdue(state: &State, now: Timestamp) -> Vec<Overdue> {
    let mut v: Vec<Overdue> = state
        .incidents
        .iter()
        .filter(|i| is_overdue(i, now))
        .filter_map(|i| {
            let u = i.latest()?;
            let promised_at = u.next_update_at?;
            Some(Overdue {
                incident_id: i.id.clone(),
                update_id: u.id.clone(),
                promised_at,
                late_by_secs: (now - promised_at).whole_seconds(),
            })
        })
        .collect();
    v.sort_by_key(|o| std::cmp::Reverse(o.late_by_secs));
    v
}

/// A reminder to send before a maintenance window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    pub maintenance_id: String,
    pub minutes_before: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub at: Timestamp,
}

/// Reminders falling in `(after, until]`: a cron passes the time of its previous run and now, so every
/// reminder is due exactly once. Windows no longer scheduled are skipped.
pub fn reminders_due(state: &State, after: Timestamp, until: Timestamp) -> Vec<Reminder> {
    let mut v: Vec<Reminder> = state
        .maintenances
        .iter()
        .filter(|m| m.status() == MaintenanceStatus::Scheduled)
        .flat_map(|m| {
            m.reminders.iter().filter_map(move |r| {
                let at = m.scheduled_for - time::Duration::minutes(i64::from(*r));
                // A reminder due before the window was even scheduled is pointless.
                (at > after && at <= until && at >= m.created_at).then(|| Reminder {
                    maintenance_id: m.id.clone(),
                    minutes_before: *r,
                    at,
                })
            })
        })
        .collect();
    v.sort_by_key(|r| r.at);
    v
}

/// Incidents `viewer` may see, newest first (for feeds and history pages).
pub fn history<'a>(state: &'a State, viewer: &'a Viewer) -> Vec<&'a Incident> {
    let mut v: Vec<&Incident> = ordered(&state.incidents, |i| i.created_at)
        .into_iter()
        .filter(|i| i.visibility.admits(&viewer.segments))
        .collect();
    v.reverse();
    v
}

#[cfg(test)]
mod tests;
