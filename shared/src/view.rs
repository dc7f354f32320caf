//! Views: what each viewer and each channel is shown, decided here from the state and `now`.

use crate::model::{Impact, Incident, State};
use crate::wire::{Banner, BannerComponent, BannerItem, BannerKind, BannerPage};
use crate::Timestamp;

/// Who is looking. Anonymous viewers see public incidents only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewer {
    pub segments: Vec<String>,
}

/// Seconds between widget polls: quicker while something is happening, relaxed on quiet days.
pub const POLL_ACTIVE_SECS: u32 = 30;
pub const POLL_QUIET_SECS: u32 = 60;

/// The one most important item for `viewer`: the active incident with the highest impact, the most
/// recently updated one among equals.
pub fn banner(state: &State, _viewer: &Viewer, _now: Timestamp) -> Banner {
    let top = state
        .incidents
        .iter()
        .filter(|i| i.is_active())
        .max_by_key(|i| (i.impact, i.latest().map(|u| u.created_at)));
    Banner {
        page: BannerPage {
            id: state.page.id.clone(),
            name: state.page.name.clone(),
            url: format!("/{}", state.page.id),
        },
        item: top.map(|i| item(state, i)),
        poll_after: if top.is_some() {
            POLL_ACTIVE_SECS
        } else {
            POLL_QUIET_SECS
        },
    }
}

fn item(state: &State, incident: &Incident) -> BannerItem {
    let latest = incident
        .latest()
        .expect("an incident always has its first update");
    BannerItem {
        kind: BannerKind::Incident,
        id: incident.id.clone(),
        update_id: latest.id.clone(),
        title: incident.title.clone(),
        impact: incident.impact,
        status: latest.status,
        body: latest.body.clone(),
        updated_at: latest.created_at,
        next_update_at: latest.next_update_at,
        components: incident
            .components
            .iter()
            .filter_map(|id| state.page.components.iter().find(|c| &c.id == id))
            .map(|c| BannerComponent {
                id: c.id.clone(),
                name: c.name.clone(),
                status: c.status,
            })
            .collect(),
    }
}

/// Whether an impact warrants interrupting assistive technology (`role="alert"`).
pub fn is_urgent(impact: Impact) -> bool {
    impact >= Impact::Major
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{apply, Command, OpenIncident, PostUpdate};
    use crate::model::{Component, ComponentStatus, IncidentStatus, Page};
    use time::macros::datetime;

    const NOW: Timestamp = datetime!(2026-03-01 12:00 UTC);

    fn state() -> State {
        State::new(Page {
            id: "demo".into(),
            name: "Demo".into(),
            url: None,
            components: vec![Component {
                id: "api".into(),
                name: "API".into(),
                group: None,
                status: ComponentStatus::Operational,
            }],
        })
    }

    fn open(s: &State, id: &str, impact: Impact, at: Timestamp) -> State {
        let cmd = Command::OpenIncident(OpenIncident {
            id: id.into(),
            update_id: format!("{id}-u"),
            title: format!("title {id}"),
            impact,
            body: "body".into(),
            components: vec!["api".into()],
            next_update_at: None,
        });
        apply(s, cmd, at).unwrap().0
    }

    #[test]
    fn picks_the_most_important_active_incident() {
        let minute = time::Duration::minutes(1);
        type Case = (Vec<(&'static str, Impact)>, Option<&'static str>);
        let cases: Vec<Case> = vec![
            (vec![], None),
            (vec![("a", Impact::Minor)], Some("a")),
            (
                vec![("a", Impact::Critical), ("b", Impact::Minor)],
                Some("a"),
            ),
            (vec![("a", Impact::Major), ("b", Impact::Major)], Some("b")),
        ];
        for (incidents, want) in cases {
            let mut s = state();
            for (n, (id, impact)) in incidents.iter().enumerate() {
                s = open(&s, id, *impact, NOW + minute * n as i32);
            }
            let got = banner(&s, &Viewer::default(), NOW).item.map(|i| i.id);
            assert_eq!(got.as_deref(), want, "{incidents:?}");
        }
    }

    #[test]
    fn resolved_incidents_leave_the_banner_and_polling_relaxes() {
        let s = open(&state(), "a", Impact::Major, NOW);
        let b = banner(&s, &Viewer::default(), NOW);
        assert_eq!(b.poll_after, POLL_ACTIVE_SECS);
        assert_eq!(b.item.unwrap().components[0].name, "API");
        let cmd = Command::PostUpdate(PostUpdate {
            incident_id: "a".into(),
            update_id: "a-r".into(),
            status: IncidentStatus::Resolved,
            body: "Fixed.".into(),
            next_update_at: None,
        });
        let s = apply(&s, cmd, NOW).unwrap().0;
        let b = banner(&s, &Viewer::default(), NOW);
        assert_eq!(b.item, None);
        assert_eq!(b.poll_after, POLL_QUIET_SECS);
    }
}
