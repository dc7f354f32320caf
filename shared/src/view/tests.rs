//! Tests for `view`: what the banner shows, the indicator, the summary, overdue promises, reminders.

use super::*;
use crate::command::*;
use crate::model::{ComponentStatus, NoticeKind, Visibility};
use crate::testkit::*;

fn open_cmd(id: &str, impact: Impact) -> Command {
    Command::OpenIncident(open(id, impact))
}

fn private(id: &str, impact: Impact, seg: &[&str]) -> Command {
    Command::OpenIncident(OpenIncident {
        visibility: Visibility::Segments(segs(seg)),
        ..open(id, impact)
    })
}

fn maint_status(id: &str, uid: &str, status: MaintenanceStatus) -> Command {
    Command::UpdateMaintenance(UpdateMaintenance {
        maintenance_id: id.into(),
        update_id: uid.into(),
        status,
        body: "Work is under way.".into(),
        silent: false,
    })
}

#[test]
fn picks_the_most_important_active_incident() {
    let cases: Vec<(Vec<(&str, Impact)>, Option<&str>)> = vec![
        (vec![], None),
        (vec![("a", Impact::Minor)], Some("a")),
        (
            vec![("a", Impact::Critical), ("b", Impact::Minor)],
            Some("a"),
        ),
        (vec![("a", Impact::Major), ("b", Impact::Major)], Some("b")),
    ];
    for (incidents, want) in cases {
        let steps = incidents
            .iter()
            .enumerate()
            .map(|(n, (id, impact))| (open_cmd(id, *impact), NOW + mins(n as i64)))
            .collect();
        let s = run(&state(), steps).0;
        let got = banner(&s, &Viewer::default(), NOW + mins(5))
            .item
            .map(|i| i.id);
        assert_eq!(got.as_deref(), want, "{incidents:?}");
    }
}

#[test]
fn resolved_incidents_leave_the_banner_and_polling_relaxes() {
    let s = run(&state(), vec![(open_cmd("a", Impact::Major), NOW)]).0;
    let b = banner(&s, &Viewer::default(), NOW);
    assert_eq!(b.poll_after, POLL_ACTIVE_SECS);
    let item = b.item.unwrap();
    assert_eq!(item.components[0].name, "API");
    assert_eq!(item.components[0].status, ComponentStatus::PartialOutage);
    let cmd = Command::PostUpdate(update("a", "a-r", IncidentStatus::Resolved));
    let s = apply(&s, cmd, NOW).unwrap().0;
    let b = banner(&s, &Viewer::default(), NOW);
    assert_eq!(b.item, None);
    assert_eq!(b.poll_after, POLL_QUIET_SECS);
}

/// What each viewer sees in the banner, given private and public incidents.
#[test]
fn banner_respects_segments() {
    let s = run(
        &state(),
        vec![
            (open_cmd("public-minor", Impact::Minor), NOW),
            (
                private("ent-critical", Impact::Critical, &["plan:enterprise"]),
                NOW,
            ),
            (private("t42-major", Impact::Major, &["tenant:42"]), NOW),
        ],
    )
    .0;
    let cases: Vec<(Vec<String>, &str)> = vec![
        (segs(&[]), "public-minor"),
        (segs(&["plan:free"]), "public-minor"),
        (segs(&["tenant:42"]), "t42-major"),
        (segs(&["tenant:42", "plan:enterprise"]), "ent-critical"),
    ];
    for (segments, want) in cases {
        let v = Viewer::with_segments(segments.clone());
        assert_eq!(banner(&s, &v, NOW).item.unwrap().id, want, "{segments:?}");
    }
    // Component statuses follow the same rule: a private critical incident is not visible publicly.
    assert_eq!(
        s.component_status("api", &[]),
        ComponentStatus::DegradedPerformance
    );
    assert_eq!(
        s.component_status("api", &segs(&["plan:enterprise"])),
        ComponentStatus::MajorOutage
    );
}

#[test]
fn banner_falls_back_to_maintenance_then_notices() {
    let sched = Command::ScheduleMaintenance(maintenance("m", hours(72)));
    let note = Command::PublishNotice(notice("n", NoticeKind::ServiceUpdate, hours(96)));
    let s = run(&state(), vec![(sched, NOW), (note, NOW)]).0;
    let at = |t: Timestamp, s: &State| {
        banner(s, &Viewer::default(), t)
            .item
            .map(|i| (i.kind, i.id, i.status))
    };
    use crate::wire::BannerKind as K;
    use crate::wire::ItemStatus as St;
    let cases = [
        (NOW, Some((K::Notice, "n".to_string(), St::Announced))),
        (
            NOW + hours(48) + mins(1),
            Some((K::Maintenance, "m".into(), St::Scheduled)),
        ),
        (
            NOW + hours(97),
            Some((K::Notice, "n".to_string(), St::InEffect)),
        ),
        (NOW + hours(96 + 25), None),
    ];
    for (t, want) in cases {
        assert_eq!(at(t, &s), want, "{t}");
    }
    // Under way, the window wins over the notice and outranks nothing but incidents.
    let s = apply(
        &s,
        maint_status("m", "m-2", MaintenanceStatus::InProgress),
        NOW + hours(72),
    )
    .unwrap()
    .0;
    let b = banner(&s, &Viewer::default(), NOW + hours(72));
    let item = b.item.clone().unwrap();
    assert_eq!((item.kind, item.status), (K::Maintenance, St::InProgress));
    assert_eq!(item.scheduled_for, Some(NOW + hours(72)));
    assert_eq!(item.components[0].status, ComponentStatus::UnderMaintenance);
    assert_eq!(b.poll_after, POLL_ACTIVE_SECS);
    let s = apply(&s, open_cmd("i", Impact::Minor), NOW + hours(72))
        .unwrap()
        .0;
    assert_eq!(
        banner(&s, &Viewer::default(), NOW + hours(72))
            .item
            .unwrap()
            .kind,
        K::Incident
    );
}

#[test]
fn polling_speeds_up_before_a_window_shows() {
    let s = run(
        &state(),
        vec![(
            Command::ScheduleMaintenance(maintenance("m", hours(72))),
            NOW,
        )],
    )
    .0;
    let cases = [
        (NOW, POLL_QUIET_SECS),
        (NOW + hours(48) - time::Duration::seconds(40), 40),
        (
            NOW + hours(48) - time::Duration::seconds(3),
            POLL_FLOOR_SECS,
        ),
    ];
    for (t, want) in cases {
        assert_eq!(banner(&s, &Viewer::default(), t).poll_after, want, "{t}");
    }
}

#[test]
fn banner_for_components_filters_by_component() {
    let s = run(
        &state(),
        vec![
            (open_cmd("api-major", Impact::Major), NOW),
            (
                Command::OpenIncident(OpenIncident {
                    components: vec!["billing".into()],
                    ..open("billing-minor", Impact::Minor)
                }),
                NOW,
            ),
        ],
    )
    .0;
    let cases = [
        (segs(&[]), Some("api-major")),
        (segs(&["billing"]), Some("billing-minor")),
        (segs(&["dashboard"]), None),
    ];
    for (filter, want) in cases {
        let got = banner_for_components(&s, &Viewer::default(), &filter, NOW)
            .item
            .map(|i| i.id);
        assert_eq!(got.as_deref(), want, "{filter:?}");
    }
}

#[test]
fn indicator_table() {
    let set = |id: &str, status| {
        Command::SetComponentStatus(SetComponentStatus {
            component_id: id.into(),
            status,
            notify: false,
        })
    };
    let in_progress = vec![
        (
            Command::ScheduleMaintenance(maintenance("m", hours(72))),
            NOW,
        ),
        (
            maint_status("m", "m2", MaintenanceStatus::InProgress),
            NOW + hours(72),
        ),
    ];
    let cases: Vec<(Vec<(Command, Timestamp)>, Indicator)> = vec![
        (vec![], Indicator::None),
        (
            vec![(set("billing", ComponentStatus::DegradedPerformance), NOW)],
            Indicator::Minor,
        ),
        (
            vec![(set("billing", ComponentStatus::PartialOutage), NOW)],
            Indicator::Major,
        ),
        (
            vec![(set("billing", ComponentStatus::MajorOutage), NOW)],
            Indicator::Critical,
        ),
        (
            vec![(set("billing", ComponentStatus::UnderMaintenance), NOW)],
            Indicator::Maintenance,
        ),
        (in_progress.clone(), Indicator::Maintenance),
        (
            in_progress
                .into_iter()
                .chain([(open_cmd("i", Impact::Minor), NOW + hours(73))])
                .collect(),
            Indicator::Minor,
        ),
        (
            vec![(
                Command::OpenIncident(OpenIncident {
                    components: vec![],
                    ..open("i", Impact::Critical)
                }),
                NOW,
            )],
            Indicator::Critical,
        ),
        (
            vec![(
                Command::OpenIncident(OpenIncident {
                    components: vec![],
                    ..open("i", Impact::None)
                }),
                NOW,
            )],
            Indicator::None,
        ),
        (
            vec![(private("i", Impact::Critical, &["region:eu"]), NOW)],
            Indicator::None,
        ),
    ];
    for (steps, want) in cases {
        let dbg = format!("{steps:?}");
        let s = run(&state(), steps).0;
        assert_eq!(indicator(&s, &Viewer::default()), want, "{dbg}");
    }
}

#[test]
fn overdue_lists_broken_promises_only() {
    let s = run(
        &state(),
        vec![
            (open_cmd("late", Impact::Major), NOW), // promise: NOW + 30 min
            (open_cmd("later", Impact::Critical), NOW - mins(20)), // promise: NOW + 10 min
            (open_cmd("fine", Impact::Minor), NOW), // promise: NOW + 60 min
            (open_cmd("done", Impact::Major), NOW - hours(2)),
            (
                Command::PostUpdate(update("done", "done-r", IncidentStatus::Resolved)),
                NOW - hours(1),
            ),
            (
                private("hidden", Impact::Major, &["tenant:1"]),
                NOW - mins(40),
            ),
        ],
    )
    .0;
    let got: Vec<(String, i64)> = overdue(&s, NOW + mins(45))
        .into_iter()
        .map(|o| (o.incident_id, o.late_by_secs / 60))
        .collect();
    assert_eq!(
        got,
        vec![
            ("hidden".to_string(), 55),
            ("later".to_string(), 35),
            ("late".to_string(), 15)
        ]
    );
    let at_now: Vec<String> = overdue(&s, NOW)
        .into_iter()
        .map(|o| o.incident_id)
        .collect();
    assert_eq!(at_now, vec!["hidden"]);
}

#[test]
fn reminders_fire_once_in_their_window() {
    let s = run(
        &state(),
        vec![(
            Command::ScheduleMaintenance(ScheduleMaintenance {
                reminders: Some(vec![24 * 60, 60, 30 * 24 * 60]),
                ..maintenance("m", hours(72))
            }),
            NOW,
        )],
    )
    .0;
    let start = NOW + hours(72);
    let due = |a, b| {
        reminders_due(&s, a, b)
            .into_iter()
            .map(|r| r.minutes_before)
            .collect::<Vec<_>>()
    };
    let cases: Vec<(Timestamp, Timestamp, Vec<u32>)> = vec![
        (NOW, NOW + hours(47), vec![]),
        (NOW + hours(47), start - hours(24), vec![24 * 60]),
        (start - hours(24), start - hours(1), vec![60]),
        (NOW, start, vec![24 * 60, 60]),
        (start, start + hours(1), vec![]),
    ];
    for (a, b, want) in cases {
        assert_eq!(due(a, b), want, "({a}, {b}]");
    }
}

#[test]
fn summary_lists_what_the_viewer_may_see() {
    let s = run(
        &state(),
        vec![
            (open_cmd("old", Impact::Minor), NOW - hours(24 * 10)),
            (
                Command::PostUpdate(update("old", "old-r", IncidentStatus::Resolved)),
                NOW - hours(24 * 9),
            ),
            (open_cmd("recent", Impact::Minor), NOW - hours(30)),
            (
                Command::PostUpdate(update("recent", "recent-r", IncidentStatus::Resolved)),
                NOW - hours(29),
            ),
            (open_cmd("now", Impact::Major), NOW - mins(10)),
            (private("ent", Impact::Critical, &["plan:enterprise"]), NOW),
        ],
    )
    .0;
    let ids = |v: &Viewer| {
        summary(&s, v, NOW)
            .incidents
            .into_iter()
            .map(|i| i.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&Viewer::default()), vec!["now", "recent"]);
    assert_eq!(
        ids(&Viewer::with_segments(segs(&["plan:enterprise"]))),
        vec!["ent", "now", "recent"]
    );
    let sum = summary(&s, &Viewer::default(), NOW);
    assert_eq!(sum.status.indicator, Indicator::Major);
    assert_eq!(sum.groups[0].components, vec!["api", "dashboard"]);
    assert_eq!(sum.groups[0].status, ComponentStatus::PartialOutage);
    let recent = &sum.incidents[1];
    assert_eq!(recent.resolved_at, Some(NOW - hours(29)));
    assert_eq!(recent.updates[0].id, "recent-r", "newest first");
}

/// Regression: a stored state edited by hand (an incident or a window without updates) made the
/// banner panic; it now skips such items.
#[test]
fn banner_survives_a_stored_incident_without_updates() {
    let mut s = busy();
    for i in &mut s.incidents {
        i.updates.clear();
    }
    let item = banner(&s, &Viewer::default(), NOW).item.unwrap();
    assert_eq!(item.kind, crate::wire::BannerKind::Maintenance);
    for m in &mut s.maintenances {
        m.updates.clear();
    }
    let item = banner(&s, &Viewer::default(), NOW).item.unwrap();
    assert_eq!(item.kind, crate::wire::BannerKind::Notice);
    let _ = summary(&s, &Viewer::default(), NOW);
    let _ = crate::statuspage::summary(&s, &Viewer::default());
}
