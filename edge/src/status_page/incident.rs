//! The pages an incident's links point to: `/{page}/incidents/{id}` (the incident with every update,
//! its components, postmortem and "next update by" while open) and `/{page}/history` (public incidents
//! by month). Pure, like the status page: the public view of the state in, escaped HTML out.

use askama::Template;
use herald_shared::model::{Incident, IncidentStatus, State};
use herald_shared::view::{self, Viewer};
use herald_shared::Timestamp;
use time::{Date, Month};

use super::{component_names, impact_badge, segment, Badge, Head, UpdateView, When};

#[derive(Template)]
#[template(path = "incident.html")]
struct IncidentPage {
    head: Head,
    page_name: String,
    page_url: String,
    history_url: String,
    title: String,
    impact: Badge,
    status: &'static str,
    active: bool,
    components: Vec<String>,
    started: When,
    resolved: Option<When>,
    next_update: Option<When>,
    overdue: bool,
    updates: Vec<UpdateView>,
    postmortem: Option<String>,
    postmortem_at: Option<When>,
}

/// The canonical URL of an incident's page: `{base}/{page}/incidents/{id}` (the Statuspage
/// `shortlink` and every message's link).
pub fn incident_url(base: &str, page: &str, id: &str) -> String {
    format!(
        "{}/{}/incidents/{}",
        base.trim_end_matches('/'),
        segment(page),
        segment(id)
    )
}

/// The public incident `id` of `state`; `None` when there is none or the public may not see it.
fn public_incident<'a>(state: &'a State, id: &str) -> Option<&'a Incident> {
    state
        .incidents
        .iter()
        .find(|i| i.id == id)
        .filter(|i| i.visibility.is_public())
}

/// The page of incident `id` as the public sees it at `now`; `None` for an unknown or
/// audience-limited incident (the answer is then a 404 that does not say which).
pub fn render_incident(state: &State, id: &str, now: Timestamp, base: &str) -> Option<String> {
    let i = public_incident(state, id)?;
    let page = &state.page;
    let base = base.trim_end_matches('/');
    let page_url = format!("{base}/{}", segment(&page.id));
    let latest = i.latest();
    let active = i.is_active();
    let components = component_names(state, &mut i.components().iter().map(|a| &a.id));
    let status = i.status().label();
    let impact = impact_badge(i.impact);
    // A preview's text: where it stands and the latest words, cut short for cards.
    let latest_body = latest.map(|u| u.body.as_str()).unwrap_or("");
    let mut description = format!("{status} ({}). {latest_body}", impact.label);
    if description.chars().count() > 200 {
        description = description.chars().take(199).collect::<String>() + "…";
    }
    // Newest first; among equal times the later-posted first, as the status page orders them.
    let mut updates: Vec<_> = i.updates.iter().rev().collect();
    updates.sort_by_key(|u| std::cmp::Reverse(u.created_at));
    let doc = IncidentPage {
        head: Head {
            description,
            canonical: incident_url(base, &page.id, &i.id),
            kind: "article",
            ..Head::new(
                page,
                format!("{} · {} status", i.title, page.name),
                i.title.clone(),
            )
        },
        page_name: page.name.clone(),
        history_url: format!("{page_url}/history"),
        page_url,
        title: i.title.clone(),
        impact,
        status,
        active,
        components,
        started: When::new(i.created_at),
        resolved: if active {
            None
        } else {
            i.first_at(IncidentStatus::Resolved).map(When::new)
        },
        next_update: if active {
            latest.and_then(|u| u.next_update_at).map(When::new)
        } else {
            None
        },
        overdue: view::is_overdue(i, now),
        updates: updates.into_iter().map(UpdateView::of).collect(),
        postmortem: i.postmortem.as_ref().map(|p| p.body.clone()),
        postmortem_at: i
            .postmortem
            .as_ref()
            .map(|p| When::new(p.revised_at.unwrap_or(p.published_at))),
    };
    Some(
        doc.render()
            .unwrap_or_else(|e| format!("<!doctype html><title>Incident</title><p>{e}")),
    )
}

/// A calendar month, the unit the history is paged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    pub month: Month,
}

impl YearMonth {
    pub fn of(t: Timestamp) -> Self {
        let t = t.to_offset(time::UtcOffset::UTC);
        Self {
            year: t.year(),
            month: t.month(),
        }
    }

    /// `2026-03`; anything else (or a year outside 2000..=9999) is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
        (2000..=9999)
            .contains(&year)
            .then_some(Self { year, month })
    }

    fn key(self) -> String {
        format!("{:04}-{:02}", self.year, u8::from(self.month))
    }

    fn label(self) -> String {
        format!("{} {}", self.month, self.year)
    }

    fn previous(self) -> Self {
        match self.month {
            Month::January => Self {
                year: self.year - 1,
                month: Month::December,
            },
            m => Self {
                year: self.year,
                month: m.previous(),
            },
        }
    }

    fn next(self) -> Self {
        match self.month {
            Month::December => Self {
                year: self.year + 1,
                month: Month::January,
            },
            m => Self {
                year: self.year,
                month: m.next(),
            },
        }
    }

    /// Whether `t` falls in this month (UTC).
    fn contains(self, t: Timestamp) -> bool {
        Self::of(t) == self
    }

    fn first_day(self) -> Option<Date> {
        Date::from_calendar_date(self.year, self.month, 1).ok()
    }
}

struct PastIncident {
    url: String,
    title: String,
    impact: Badge,
    status: &'static str,
    started: When,
    resolved: Option<When>,
    components: Vec<String>,
    latest: Option<String>,
}

struct MonthLink {
    url: String,
    label: String,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    head: Head,
    page_name: String,
    page_url: String,
    month: String,
    incidents: Vec<PastIncident>,
    older: Option<MonthLink>,
    newer: Option<MonthLink>,
}

/// The page's public incidents that started in `month` (the current month when `None`), newest
/// first, with links to the months before and after (none into the future).
pub fn render_history(
    state: &State,
    month: Option<YearMonth>,
    now: Timestamp,
    base: &str,
) -> String {
    let page = &state.page;
    let base = base.trim_end_matches('/');
    let page_url = format!("{base}/{}", segment(&page.id));
    let current = YearMonth::of(now);
    let month = month.unwrap_or(current);
    let history_url = format!("{page_url}/history");
    let link = |m: YearMonth| MonthLink {
        url: format!("{history_url}?month={}", m.key()),
        label: m.label(),
    };
    let public = Viewer::public();
    let visible: Vec<&Incident> = view::history(state, &public)
        .into_iter()
        .filter(|i| i.visibility.is_public())
        .collect();
    let earliest = visible.iter().map(|i| YearMonth::of(i.created_at)).min();
    let incidents: Vec<PastIncident> = visible
        .iter()
        .filter(|i| month.contains(i.created_at))
        .map(|i| PastIncident {
            url: incident_url(base, &page.id, &i.id),
            title: i.title.clone(),
            impact: impact_badge(i.impact),
            status: i.status().label(),
            started: When::new(i.created_at),
            resolved: if i.is_active() {
                None
            } else {
                i.first_at(IncidentStatus::Resolved).map(When::new)
            },
            components: component_names(state, &mut i.components().iter().map(|a| &a.id)),
            latest: i.latest().map(|u| u.body.clone()),
        })
        .collect();
    let description = match incidents.len() {
        0 => format!("No incidents on {} in {}.", page.name, month.label()),
        1 => format!("1 incident on {} in {}.", page.name, month.label()),
        n => format!("{n} incidents on {} in {}.", page.name, month.label()),
    };
    let doc = HistoryPage {
        head: Head {
            description,
            canonical: format!("{history_url}?month={}", month.key()),
            ..Head::new(
                page,
                format!("Incident history, {} · {} status", month.label(), page.name),
                format!("{} incident history: {}", page.name, month.label()),
            )
        },
        page_name: page.name.clone(),
        page_url,
        month: month.label(),
        incidents,
        older: earliest
            .filter(|e| *e < month && month.first_day().is_some())
            .map(|_| link(month.previous())),
        newer: (month < current).then(|| link(month.next())),
    };
    doc.render()
        .unwrap_or_else(|e| format!("<!doctype html><title>History</title><p>{e}"))
}

#[cfg(test)]
mod tests {
    use herald_shared::command::Command;
    use herald_shared::testkit::{busy, hours, run, NOW};
    use scraper::{Html, Selector};

    use super::*;

    const BASE: &str = "https://status.acme.com";

    fn texts(html: &str, selector: &str) -> Vec<String> {
        let doc = Html::parse_document(html);
        assert!(doc.errors.is_empty(), "parse errors: {:?}", doc.errors);
        let sel = Selector::parse(selector).unwrap();
        doc.select(&sel)
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }

    fn meta(html: &str, property: &str) -> Option<String> {
        let doc = Html::parse_document(html);
        let sel = Selector::parse(&format!("meta[property=\"{property}\"]")).unwrap();
        doc.select(&sel)
            .next()
            .and_then(|e| e.value().attr("content").map(str::to_owned))
    }

    #[test]
    fn an_open_incident_shows_its_updates_components_and_next_update() {
        let html = render_incident(&busy(), "inc-1", NOW, BASE).expect("public incident");
        assert!(!html.contains("<script"), "no JavaScript");
        assert_eq!(texts(&html, "h1"), vec!["Incident".to_owned()]);
        let updates = texts(&html, "ol.updates li .body");
        assert_eq!(updates.len(), 2, "{html}");
        assert_eq!(updates[0], "A bad deploy; rolling back.", "newest first");
        let facts = texts(&html, "dl.facts dd").join(" | ");
        assert!(facts.contains("Identified"), "{facts}");
        assert!(
            facts.contains("2026-03-01 12:30 UTC"),
            "next update by: {facts}"
        );
        assert!(facts.contains("API"), "affected components: {facts}");
        assert_eq!(
            meta(&html, "og:url").as_deref(),
            Some("https://status.acme.com/acme/incidents/inc-1")
        );
        let title = busy().incident("inc-1").unwrap().title.clone();
        assert_eq!(meta(&html, "og:title"), Some(title));
        assert!(meta(&html, "og:description").is_some_and(|d| d.contains("rolling back")));
    }

    #[test]
    fn a_private_or_unknown_incident_has_no_page() {
        assert!(render_incident(&busy(), "ent-1", NOW, BASE).is_none());
        assert!(render_incident(&busy(), "nope", NOW, BASE).is_none());
    }

    #[test]
    fn a_resolved_incident_shows_its_postmortem_and_no_promise() {
        let state = run(
            &busy(),
            vec![
                (
                    Command::Resolve(herald_shared::command::Resolve {
                        incident_id: "inc-1".into(),
                        update_id: "inc-1-r".into(),
                        body: "Rolled back; all good.".into(),
                        silent: false,
                        no_social: false,
                    }),
                    NOW + hours(1),
                ),
                (
                    Command::AttachPostmortem(herald_shared::command::AttachPostmortem {
                        incident_id: "inc-1".into(),
                        body: "A config <flag> flipped.".into(),
                        silent: true,
                    }),
                    NOW + hours(2),
                ),
            ],
        )
        .0;
        let html = render_incident(&state, "inc-1", NOW + hours(3), BASE).unwrap();
        assert!(!html.contains("Next update by"), "{html}");
        assert_eq!(
            texts(&html, "section.postmortem .body"),
            vec!["A config <flag> flipped."]
        );
        assert!(!html.contains("<flag>"), "escaped");
    }

    #[test]
    fn history_is_paged_by_month_and_leaves_out_private_incidents() {
        let html = render_history(&busy(), None, NOW, BASE);
        let titles = texts(&html, "article h2");
        assert_eq!(
            titles.len(),
            1,
            "inc-1 only, not the enterprise one: {html}"
        );
        assert!(texts(&html, "h1")[0].contains("March 2026"));
        assert!(html.contains("href=\"https://status.acme.com/acme/incidents/inc-1\""));
        assert!(!html.contains("ent-1"));
        // Nothing older than March, nothing newer than now.
        assert!(
            !html.contains("rel=\"prev\"") && !html.contains("rel=\"next\""),
            "{html}"
        );
        let feb = YearMonth::parse("2026-02").unwrap();
        let html = render_history(&busy(), Some(feb), NOW, BASE);
        assert!(html.contains("No incidents"), "{html}");
        assert!(
            html.contains("?month=2026-03"),
            "a link to the newer month: {html}"
        );
    }

    #[test]
    fn months_parse_strictly() {
        for (s, ok) in [
            ("2026-03", true),
            ("2026-3", false),
            ("2026-13", false),
            ("26-03", false),
            ("1999-12", false),
            ("", false),
        ] {
            assert_eq!(YearMonth::parse(s).is_some(), ok, "{s}");
        }
        let m = YearMonth::parse("2026-01").unwrap();
        assert_eq!(m.previous().key(), "2025-12");
        assert_eq!(m.previous().next(), m);
    }
}
