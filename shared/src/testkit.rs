//! Fixtures shared by the unit tests: one realistic page and short builders for commands. Other crates'
//! tests get them through the `testkit` feature.

use time::macros::datetime;

use crate::command::*;
use crate::model::*;
use crate::Timestamp;

pub const NOW: Timestamp = datetime!(2026-03-01 12:00 UTC);

pub fn mins(n: i64) -> time::Duration {
    time::Duration::minutes(n)
}

pub fn hours(n: i64) -> time::Duration {
    time::Duration::hours(n)
}

pub fn page() -> Page {
    let mut p = Page::new("acme", "Acme");
    p.url = Some("https://status.acme.com".into());
    p.groups = vec![
        ComponentGroup {
            id: "core".into(),
            name: "Core".into(),
            description: None,
        },
        ComponentGroup {
            id: "europe".into(),
            name: "Europe".into(),
            description: Some("Frankfurt and Dublin".into()),
        },
    ];
    p.components = vec![
        Component::new("api", "API").in_group("core"),
        Component::new("dashboard", "Dashboard").in_group("core"),
        Component::new("eu-west", "EU West").in_group("europe"),
        Component::new("billing", "Billing"),
    ];
    p.audiences = ["plan:enterprise", "region:eu", "tenant:*"]
        .iter()
        .map(|s| Audience {
            segment: s.to_string(),
            name: s.to_string(),
        })
        .collect();
    p.locales = vec!["en".into(), "de".into()];
    p
}

pub fn state() -> State {
    State::new(page())
}

pub fn open(id: &str, impact: Impact) -> OpenIncident {
    OpenIncident {
        id: id.into(),
        update_id: format!("{id}-u1"),
        title: format!("Elevated errors {id}"),
        impact,
        body: "Some API calls fail for some customers.".into(),
        components: vec!["api".into()],
        ..OpenIncident::default()
    }
}

pub fn update(id: &str, update_id: &str, status: IncidentStatus) -> PostUpdate {
    PostUpdate {
        incident_id: id.into(),
        update_id: update_id.into(),
        status,
        body: "We are on it.".into(),
        ..PostUpdate::default()
    }
}

pub fn maintenance(id: &str, starts_in: time::Duration) -> ScheduleMaintenance {
    ScheduleMaintenance {
        id: id.into(),
        update_id: format!("{id}-u1"),
        title: "Database upgrade".into(),
        body: "Writes pause for up to 5 minutes.".into(),
        components: vec!["api".into()],
        scheduled_for: NOW + starts_in,
        scheduled_until: NOW + starts_in + hours(2),
        reminders: None,
        visibility: Visibility::Public,
        override_reason: None,
        silent: false,
        no_social: false,
    }
}

pub fn notice(id: &str, kind: NoticeKind, effective_in: time::Duration) -> PublishNotice {
    PublishNotice {
        id: id.into(),
        kind,
        title: "New API rate limits".into(),
        body: "From then on, the API allows 100 requests per second per key.".into(),
        effective_at: NOW + effective_in,
        components: vec![],
        visibility: Visibility::Public,
        requires_ack: false,
        override_reason: None,
        silent: false,
    }
}

pub fn subscription(
    id: &str,
    channel: crate::subscriber::SubscriberChannel,
    address: &str,
) -> Subscribe {
    Subscribe {
        id: id.into(),
        channel,
        address: address.into(),
        fallback: None,
        components: vec![],
        segments: vec![],
        locale: None,
        loopback_hooks: false,
        replaces: None,
        suppression: Default::default(),
        format: Default::default(),
    }
}

pub fn segs(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

/// Applies commands in order, each at its own time; panics on the first refusal.
pub fn run(state: &State, steps: Vec<(Command, Timestamp)>) -> (State, Vec<Event>) {
    let mut s = state.clone();
    let mut all = Vec::new();
    for (cmd, at) in steps {
        let dbg = format!("{cmd:?}");
        let (next, events) = apply(&s, cmd, at).unwrap_or_else(|e| panic!("{dbg}: {e}"));
        s = next;
        all.extend(events);
    }
    (s, all)
}

/// A page mid-incident: an identified major incident, a maintenance window in progress, a notice, and
/// an enterprise-only incident.
pub fn busy() -> State {
    run(
        &state(),
        vec![
            (
                Command::ScheduleMaintenance(maintenance("db-upgrade", -hours(1))),
                NOW - hours(73),
            ),
            (
                Command::UpdateMaintenance(UpdateMaintenance {
                    maintenance_id: "db-upgrade".into(),
                    update_id: "db-upgrade-u2".into(),
                    status: MaintenanceStatus::InProgress,
                    body: "The upgrade has started.".into(),
                    silent: false,
                }),
                NOW - hours(1),
            ),
            (
                Command::PublishNotice(notice("rate-limits", NoticeKind::ServiceUpdate, hours(72))),
                NOW - hours(24),
            ),
            (
                Command::OpenIncident(OpenIncident {
                    components: vec!["api".into(), "eu-west".into()],
                    ..open("inc-1", Impact::Major)
                }),
                NOW - mins(20),
            ),
            (
                Command::PostUpdate(PostUpdate {
                    body: "A bad deploy; rolling back.".into(),
                    next_update_at: Some(NOW + mins(30)),
                    ..update("inc-1", "inc-1-u2", IncidentStatus::Identified)
                }),
                NOW - mins(5),
            ),
            (
                Command::OpenIncident(OpenIncident {
                    visibility: Visibility::Segments(segs(&["plan:enterprise"])),
                    components: vec!["dashboard".into()],
                    ..open("ent-1", Impact::Minor)
                }),
                NOW - mins(2),
            ),
        ],
    )
    .0
}
