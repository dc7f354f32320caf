//! The public status page: one server-rendered HTML document per change, built from the public view of
//! the state (`view::summary` and `view::history` for an anonymous viewer) and the components' 90-day
//! uptime bars (`uptime::bars`), escaped by askama. Pure:
//! no worker types, no clock, so it is tested natively.

use askama::Template;
use herald_shared::model::{ComponentStatus, Impact, Incident, IncidentStatus, State};
use herald_shared::view::{self, Viewer};
use herald_shared::wire::{Indicator, ItemStatus, Summary, SummaryIncident, SummaryMaintenance};
use herald_shared::{uptime, Timestamp};

/// Resolved incidents stay in the page's history this long.
pub const HISTORY: time::Duration = time::Duration::days(14);

pub mod incident;

/// The status page of `state` as seen by the public at `now`. `base_url` is the public origin without a
/// trailing slash (`https://status.acme.com`); the page lives at `{base_url}/{page_id}`.
/// `history` gives the components' 90-day uptime bars.
pub fn render(state: &State, now: Timestamp, base_url: &str, history: &uptime::History) -> String {
    let doc = StatusPage::new(state, now, base_url, history);
    // Rendering into a String fails only if a Display impl fails; ours are plain strings.
    doc.render()
        .unwrap_or_else(|e| format!("<!doctype html><title>Status</title><p>{e}"))
}

/// A time as the page shows it: machine-readable in `datetime`, human-readable in UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
struct When {
    iso: String,
    text: String,
}

impl When {
    fn new(t: Timestamp) -> Self {
        let t = t.to_offset(time::UtcOffset::UTC);
        Self {
            iso: t
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            text: herald_shared::template::human_time(t),
        }
    }
}

/// A status with its text label and the CSS class that colours it (colour is never the only cue).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Badge {
    class: &'static str,
    label: &'static str,
}

fn component_badge(s: ComponentStatus) -> Badge {
    let class = match s {
        ComponentStatus::Operational => "ok",
        ComponentStatus::UnderMaintenance => "maintenance",
        ComponentStatus::DegradedPerformance => "minor",
        ComponentStatus::PartialOutage => "major",
        ComponentStatus::MajorOutage => "critical",
    };
    Badge {
        class,
        label: s.label(),
    }
}

fn indicator_badge(i: Indicator) -> Badge {
    let class = match i {
        Indicator::None => "ok",
        Indicator::Minor => "minor",
        Indicator::Major => "major",
        Indicator::Critical => "critical",
        Indicator::Maintenance => "maintenance",
        Indicator::Unknown => "unknown",
    };
    Badge {
        class,
        label: i.description(),
    }
}

fn impact_badge(i: Impact) -> Badge {
    let class = match i {
        Impact::None => "ok",
        Impact::Minor => "minor",
        Impact::Major => "major",
        Impact::Critical => "critical",
    };
    Badge {
        class,
        label: i.label(),
    }
}

struct ComponentView {
    name: String,
    description: Option<String>,
    status: Badge,
    uptime: Option<UptimeView>,
}

/// A component's 90 days as bars: each day's class and its words (the day, its figure, its
/// incidents), and the figure over them.
struct UptimeView {
    label: String,
    figure: String,
    bars: Vec<BarView>,
}

struct BarView {
    class: &'static str,
    text: String,
}

fn uptime_view(
    state: &State,
    history: &uptime::History,
    id: &str,
    name: &str,
    now: Timestamp,
) -> Option<UptimeView> {
    let (bars, total) = uptime::bars(state, history, id, now)?;
    let bars = bars
        .into_iter()
        .map(|b| {
            let Some(f) = b.figure else {
                return BarView {
                    class: "none",
                    text: format!("{}: no data", b.day),
                };
            };
            let class = match f.percentage.0 {
                100_000 => "ok",
                99_000.. => "minor",
                90_000.. => "major",
                _ => "critical",
            };
            let mut text = format!("{}: {} uptime", b.day, f.percentage.text());
            let minutes = |s: u64| s.div_ceil(60);
            if f.major_outage > 0 {
                text.push_str(&format!(", major outage {} min", minutes(f.major_outage)));
            }
            if f.partial_outage > 0 {
                text.push_str(&format!(
                    ", partial outage {} min",
                    minutes(f.partial_outage)
                ));
            }
            if b.incidents.is_empty() {
                text.push_str("; no incidents");
            } else {
                text.push_str(&format!("; incidents: {}", b.incidents.join("; ")));
            }
            BarView { class, text }
        })
        .collect();
    Some(UptimeView {
        label: format!("{name}: uptime over the last {} days", uptime::BAR_DAYS),
        figure: total.percentage.text(),
        bars,
    })
}

/// One entry of the component list: a component on its own, or a group with its members.
enum Entry {
    Component(ComponentView),
    Group {
        name: String,
        description: Option<String>,
        status: Badge,
        components: Vec<ComponentView>,
    },
}

struct UpdateView {
    status: &'static str,
    body: String,
    at: When,
}

impl UpdateView {
    /// An incident's update as the public pages show it.
    fn of(u: &herald_shared::model::IncidentUpdate) -> Self {
        UpdateView {
            status: u.status.label(),
            body: u.body.clone(),
            at: When::new(u.created_at),
        }
    }
}

struct IncidentView {
    anchor: String,
    /// The incident's own page.
    url: String,
    title: String,
    impact: Badge,
    status: &'static str,
    components: Vec<String>,
    next_update: Option<When>,
    overdue: bool,
    resolved: Option<When>,
    updates: Vec<UpdateView>,
    postmortem: Option<String>,
}

struct MaintenanceView {
    anchor: String,
    title: String,
    status: &'static str,
    in_progress: bool,
    from: When,
    until: When,
    components: Vec<String>,
    updates: Vec<UpdateView>,
}

struct NoticeView {
    anchor: String,
    kind: &'static str,
    title: String,
    body: String,
    effective: When,
    in_effect: bool,
}

/// The head every public HTML page shares (`public_head.html`): its title, description and
/// canonical address, and the link-preview tags (Open Graph, Twitter) made from them.
struct Head {
    lang: String,
    title: String,
    /// The title a shared link shows.
    share_title: String,
    site_name: String,
    description: String,
    canonical: String,
    /// Open Graph's `og:type`: `website`, or `article` for an incident.
    kind: &'static str,
    /// The page's brand colour and the text colour that reads on it (checked `#rrggbb`).
    accent: Option<(String, &'static str)>,
    /// The page's logo (an https URL) and the page's own site, which it links to.
    logo: Option<String>,
    site_url: Option<String>,
}

impl Head {
    fn new(page: &herald_shared::model::Page, title: String, share_title: String) -> Self {
        Head {
            lang: page.default_locale().to_owned(),
            title,
            share_title,
            site_name: format!("{} status", page.name),
            description: String::new(),
            canonical: String::new(),
            kind: "website",
            accent: page.branding.accent_color.clone().map(|c| {
                let on = herald_shared::settings::on_color(&c);
                (c, on)
            }),
            logo: page.branding.logo_url.clone(),
            site_url: page.url.clone(),
        }
    }
}

/// The "notify me in this browser" form: hidden until `/push.js` finds the browser able to
/// receive push, so the page is complete without script.
struct PushBox {
    /// The service worker's scope, under the page's own path (`/acme/`).
    scope: String,
    key_url: String,
    action: String,
    /// Components to choose from (id, name); none chosen means all of them.
    choices: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "status_page.html")]
struct StatusPage {
    head: Head,
    name: String,
    feed: String,
    calendar: String,
    subscribe_page: String,
    subscribe_action: String,
    /// The page's live socket, which `www/status-live.js` follows to swap the `data-live`
    /// sections in place (the page is complete without it).
    live: String,
    push: PushBox,
    overall: Badge,
    as_of: When,
    time_zone: String,
    components: Vec<Entry>,
    incidents: Vec<IncidentView>,
    maintenances: Vec<MaintenanceView>,
    notices: Vec<NoticeView>,
    history: Vec<IncidentView>,
    history_days: i64,
    history_url: String,
}

/// A path segment with everything but unreserved characters percent-encoded. Page ids are slugs, so
/// this changes nothing in practice; it keeps a hand-edited id from breaking out of its URL.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An id usable in an `id` attribute and a `#fragment`: the same slug rules.
fn anchor(prefix: &str, id: &str) -> String {
    format!("{prefix}-{}", segment(id))
}

fn item_status(s: ItemStatus) -> &'static str {
    s.label()
}

impl StatusPage {
    fn new(state: &State, now: Timestamp, base_url: &str, days: &uptime::History) -> Self {
        let viewer = Viewer::public();
        let summary = view::summary(state, &viewer, now);
        let page = &state.page;
        let base = base_url.trim_end_matches('/');
        let id = segment(&page.id);
        let canonical = format!("{base}/{id}");
        let overall = indicator_badge(summary.status.indicator);
        let incidents = active_incidents(state, &summary, base);
        let description = match incidents.len() {
            0 => format!(
                "{}: {}. Live status of {}'s services, incidents and scheduled maintenance.",
                page.name, overall.label, page.name
            ),
            n => format!(
                "{}: {}, {n} active incident{}. Live status of {}'s services, incidents and scheduled maintenance.",
                page.name,
                overall.label,
                if n == 1 { "" } else { "s" },
                page.name
            ),
        };
        Self {
            head: Head {
                description,
                canonical: canonical.clone(),
                ..Head::new(
                    page,
                    format!("{} status", page.name),
                    format!("{} status: {}", page.name, overall.label),
                )
            },
            name: page.name.clone(),
            feed: format!("{canonical}/feed.atom"),
            calendar: format!("{canonical}/maintenance.ics"),
            subscribe_page: format!("{canonical}#subscribe"),
            subscribe_action: format!("{base}/v1/pages/{id}/subscriptions"),
            live: format!("/v1/pages/{id}/live"),
            push: PushBox {
                scope: format!("/{id}/"),
                key_url: format!("{base}/v1/pages/{id}/push/key"),
                action: format!("{base}/v1/pages/{id}/push/subscriptions"),
                choices: page
                    .components
                    .iter()
                    .filter(|c| !c.only_show_if_degraded)
                    .map(|c| (c.id.clone(), c.name.clone()))
                    .collect(),
            },
            overall,
            as_of: When::new(now),
            time_zone: page.time_zone.clone(),
            components: entries(state, &summary, days, now),
            incidents,
            maintenances: maintenances(state, &summary, now),
            notices: summary
                .notices
                .iter()
                .map(|n| NoticeView {
                    anchor: anchor("notice", &n.id),
                    kind: n.kind.label(),
                    title: n.title.clone(),
                    body: n.body.clone(),
                    effective: When::new(n.effective_at),
                    in_effect: n.effective_at <= now,
                })
                .collect(),
            history: history(state, &viewer, now, base),
            history_days: HISTORY.whole_days(),
            history_url: format!("{canonical}/history"),
        }
    }
}

fn component_names(state: &State, ids: &mut dyn Iterator<Item = &String>) -> Vec<String> {
    ids.filter_map(|id| state.page.component(id))
        .map(|c| c.name.clone())
        .collect()
}

/// Components in page order; a group appears where its first shown member is, with all its shown
/// members. Components hidden while operational are left out while they are.
fn entries(
    state: &State,
    summary: &Summary,
    history: &uptime::History,
    now: Timestamp,
) -> Vec<Entry> {
    let page = &state.page;
    let shown: Vec<_> = summary
        .components
        .iter()
        .filter(|c| {
            let hidden = page
                .component(&c.id)
                .is_some_and(|p| p.only_show_if_degraded);
            !(hidden && c.status == ComponentStatus::Operational)
        })
        .collect();
    let view = |c: &herald_shared::wire::SummaryComponent| ComponentView {
        name: c.name.clone(),
        description: c.description.clone(),
        status: component_badge(c.status),
        uptime: uptime_view(state, history, &c.id, &c.name, now),
    };
    let mut out = Vec::new();
    let mut groups_done: Vec<&str> = Vec::new();
    for c in &shown {
        match c.group.as_deref().and_then(|g| page.group(g)) {
            None => out.push(Entry::Component(view(c))),
            Some(g) if groups_done.contains(&g.id.as_str()) => {}
            Some(g) => {
                groups_done.push(&g.id);
                let members: Vec<_> = shown
                    .iter()
                    .filter(|m| m.group.as_deref() == Some(g.id.as_str()))
                    .collect();
                out.push(Entry::Group {
                    name: g.name.clone(),
                    description: g.description.clone(),
                    status: component_badge(
                        members.iter().map(|m| m.status).max().unwrap_or_default(),
                    ),
                    components: members.into_iter().map(|m| view(m)).collect(),
                });
            }
        }
    }
    out
}

fn update_views(updates: &[herald_shared::wire::SummaryUpdate]) -> Vec<UpdateView> {
    // `summary` already orders updates newest first.
    updates
        .iter()
        .map(|u| UpdateView {
            status: item_status(u.status),
            body: u.body.clone(),
            at: When::new(u.created_at),
        })
        .collect()
}

/// Unresolved public incidents, the most severe first, then the most recently updated.
fn active_incidents(state: &State, summary: &Summary, base: &str) -> Vec<IncidentView> {
    let mut active: Vec<&SummaryIncident> = summary
        .incidents
        .iter()
        .filter(|i| i.status != ItemStatus::Resolved)
        .collect();
    active.sort_by_key(|i| (std::cmp::Reverse(i.impact), std::cmp::Reverse(i.updated_at)));
    active
        .into_iter()
        .map(|i| IncidentView {
            anchor: anchor("incident", &i.id),
            url: incident::incident_url(base, &state.page.id, &i.id),
            title: i.title.clone(),
            impact: impact_badge(i.impact),
            status: item_status(i.status),
            components: component_names(state, &mut i.components.iter().map(|a| &a.id)),
            next_update: i.next_update_at.map(When::new),
            overdue: i.overdue,
            resolved: None,
            updates: update_views(&i.updates),
            postmortem: None,
        })
        .collect()
}

/// Maintenance under way, then windows still to come, each by start time. A window still "scheduled"
/// after its end was forgotten, not upcoming: it is left out.
fn maintenances(state: &State, summary: &Summary, now: Timestamp) -> Vec<MaintenanceView> {
    let view = |m: &SummaryMaintenance, in_progress: bool| MaintenanceView {
        anchor: anchor("maintenance", &m.id),
        title: m.title.clone(),
        status: item_status(m.status),
        in_progress,
        from: When::new(m.scheduled_for),
        until: When::new(m.scheduled_until),
        components: component_names(state, &mut m.components.iter()),
        updates: update_views(&m.updates),
    };
    let active = summary
        .maintenances
        .iter()
        .filter(|m| matches!(m.status, ItemStatus::InProgress | ItemStatus::Verifying))
        .map(|m| view(m, true));
    let upcoming = summary
        .maintenances
        .iter()
        .filter(|m| m.status == ItemStatus::Scheduled && m.scheduled_until > now)
        .map(|m| view(m, false));
    active.chain(upcoming).collect()
}

/// Public incidents resolved within `HISTORY` before `now`, the most recently resolved first.
fn history(state: &State, viewer: &Viewer, now: Timestamp, base: &str) -> Vec<IncidentView> {
    let mut resolved: Vec<(&Incident, Timestamp)> = view::history(state, viewer)
        .into_iter()
        .filter(|i| i.visibility.is_public() && !i.is_active())
        .filter_map(|i| Some((i, i.first_at(IncidentStatus::Resolved)?)))
        .filter(|(_, at)| *at <= now && now - *at <= HISTORY)
        .collect();
    resolved.sort_by_key(|(_, at)| std::cmp::Reverse(*at));
    resolved
        .into_iter()
        .map(|(i, at)| {
            // Newest first; among equal times the later-posted first, as `summary` orders them.
            let mut updates: Vec<_> = i.updates.iter().rev().collect();
            updates.sort_by_key(|u| std::cmp::Reverse(u.created_at));
            IncidentView {
                anchor: anchor("incident", &i.id),
                url: incident::incident_url(base, &state.page.id, &i.id),
                title: i.title.clone(),
                impact: impact_badge(i.impact),
                status: i.status().label(),
                components: component_names(state, &mut i.components().iter().map(|a| &a.id)),
                next_update: None,
                overdue: false,
                resolved: Some(When::new(at)),
                updates: updates.into_iter().map(UpdateView::of).collect(),
                postmortem: i.postmortem.as_ref().map(|p| p.body.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
