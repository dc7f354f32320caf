//! Tests for `command`: every rule `apply` enforces, as tables of command -> outcome.

use super::*;
use crate::model::{Audience, NoticeKind};
use crate::subscriber::SubscriberChannel::{Email, Sms};
use crate::testkit::*;

fn open_cmd(id: &str, impact: Impact) -> Command {
    Command::OpenIncident(open(id, impact))
}

fn up(id: &str, uid: &str, status: IncidentStatus) -> Command {
    Command::PostUpdate(update(id, uid, status))
}

/// A state with incident `i1` open (major) and `r1` resolved.
fn base() -> State {
    run(
        &state(),
        vec![
            (open_cmd("i1", Impact::Major), NOW - hours(1)),
            (open_cmd("r1", Impact::Minor), NOW - hours(2)),
            (up("r1", "r1-u2", IncidentStatus::Resolved), NOW - hours(1)),
        ],
    )
    .0
}

#[test]
fn open_then_resolve() {
    let (s, ev) = apply(&state(), open_cmd("i1", Impact::Major), NOW).unwrap();
    assert_eq!(s.version, 1);
    assert!(s.incident("i1").unwrap().is_active());
    assert!(matches!(
        ev[..],
        [Event::IncidentOpened { notify: true, .. }]
    ));
    let resolve = Command::Resolve(Resolve {
        incident_id: "i1".into(),
        update_id: "i1-r".into(),
        body: "Fixed.".into(),
        silent: false,
        no_social: false,
    });
    let (s, ev) = apply(&s, resolve, NOW + mins(5)).unwrap();
    assert!(!s.incident("i1").unwrap().is_active());
    assert!(matches!(ev[..], [Event::IncidentResolved { .. }]));
    assert_eq!(s.incident("i1").unwrap().updates.len(), 2);
    assert_eq!(s.version, 2);
}

/// Every refusal: the message names the field, and the state is untouched (apply takes `&State`).
#[test]
fn refused_commands_name_the_field() {
    let s = base();
    let long = "x".repeat(MAX_TITLE_CHARS + 1);
    let with = |f: &dyn Fn(&mut OpenIncident)| {
        let mut c = open("i2", Impact::Major);
        f(&mut c);
        Command::OpenIncident(c)
    };
    let cases: Vec<(Command, &str)> = vec![
        (with(&|c| c.title = "  ".into()), "title: must not be empty"),
        (with(&|c| c.body = String::new()), "body: must not be empty"),
        (
            with(&|c| c.title = long.clone()),
            "title: must be at most 200 characters",
        ),
        (
            with(&|c| c.next_update_at = Some(NOW - mins(5))),
            "next_update_at: must be in the future",
        ),
        (
            with(&|c| c.components = vec!["nope".into()]),
            "components: unknown component \"nope\"",
        ),
        (
            with(&|c| c.components = vec!["api".into(), "api".into()]),
            "components: component \"api\" is listed twice",
        ),
        (
            with(&|c| c.id = "has space".into()),
            "id: may contain only letters, digits, '-' and '_'",
        ),
        (
            with(&|c| c.id = String::new()),
            "id: must be 1 to 64 characters",
        ),
        (
            with(&|c| c.update_id = "i1-u1".into()),
            "update \"i1-u1\" already exists",
        ),
        (
            with(&|c| c.status = IncidentStatus::Resolved),
            "status: an incident cannot open resolved",
        ),
        (
            with(&|c| c.visibility = Visibility::Segments(vec![])),
            "visibility: name at least one segment, or make it public",
        ),
        (
            with(&|c| c.visibility = Visibility::Segments(segs(&["plan:free"]))),
            "visibility: segment \"plan:free\" is not one of the page's audiences",
        ),
        (
            with(&|c| c.visibility = Visibility::Segments(segs(&["PLAN"]))),
            "visibility: \"PLAN\" is not a segment (kind:value)",
        ),
        (
            open_cmd("i1", Impact::Minor),
            "incident \"i1\" already exists",
        ),
        (
            up("zz", "zz-1", IncidentStatus::Identified),
            "no incident with id \"zz\"",
        ),
        (
            up("r1", "r1-u3", IncidentStatus::Monitoring),
            "incident \"r1\" is resolved; reopen it to post again",
        ),
        (
            up("i1", "i1-u1", IncidentStatus::Identified),
            "update \"i1-u1\" already exists",
        ),
        (
            Command::AttachPostmortem(AttachPostmortem {
                incident_id: "i1".into(),
                body: "What happened".into(),
                silent: false,
            }),
            "incident \"i1\" is not resolved; a postmortem comes after",
        ),
        (
            Command::Reopen(Reopen {
                incident_id: "i1".into(),
                update_id: "i1-x".into(),
                body: "again".into(),
                ..Reopen::default()
            }),
            "incident \"i1\" is not resolved",
        ),
        (
            Command::SetComponentStatus(SetComponentStatus {
                component_id: "nope".into(),
                status: ComponentStatus::MajorOutage,
                notify: false,
            }),
            "no component with id \"nope\"",
        ),
    ];
    for (cmd, want) in cases {
        let dbg = format!("{cmd:?}");
        let err = apply(&s, cmd, NOW).unwrap_err();
        assert_eq!(err.to_string(), want, "{dbg}");
    }
}

#[test]
fn incident_lifecycle_through_apply() {
    use IncidentStatus::*;
    // (statuses posted in order after opening, whether the last one is accepted)
    let cases: Vec<(Vec<IncidentStatus>, Result<IncidentStatus, &str>)> = vec![
        (vec![Identified, Monitoring, Resolved], Ok(Resolved)),
        (vec![Monitoring], Ok(Monitoring)),
        (vec![Resolved], Ok(Resolved)),
        (vec![Identified, Identified], Ok(Identified)),
        (vec![Monitoring, Identified], Ok(Identified)),
        (
            vec![Identified, Investigating],
            Err("a incident cannot go from Identified to Investigating"),
        ),
        (
            vec![Monitoring, Investigating],
            Err("a incident cannot go from Monitoring to Investigating"),
        ),
    ];
    for (steps, want) in cases {
        let mut s = apply(&state(), open_cmd("i", Impact::Minor), NOW)
            .unwrap()
            .0;
        let mut result = Ok(Investigating);
        for (n, st) in steps.iter().enumerate() {
            match apply(&s, up("i", &format!("u{n}"), *st), NOW + mins(n as i64 + 1)) {
                Ok((next, _)) => {
                    s = next;
                    result = Ok(s.incident("i").unwrap().status());
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        match (want, result) {
            (Ok(w), Ok(g)) => assert_eq!(w, g, "{steps:?}"),
            (Err(w), Err(e)) => {
                assert_eq!(e.to_string(), w, "{steps:?}");
                assert_eq!(e.kind(), "illegal-transition");
                assert_eq!(e.status(), 409);
            }
            (w, g) => panic!("{steps:?}: want {w:?}, got {g:?}"),
        }
    }
}

#[test]
fn reopen_and_postmortem() {
    let s = base();
    let reopen = Command::Reopen(Reopen {
        incident_id: "r1".into(),
        update_id: "r1-u3".into(),
        status: IncidentStatus::Identified,
        body: "Errors are back.".into(),
        ..Reopen::default()
    });
    let (s2, ev) = apply(&s, reopen, NOW).unwrap();
    assert_eq!(
        s2.incident("r1").unwrap().status(),
        IncidentStatus::Identified
    );
    assert!(matches!(
        ev[..],
        [Event::IncidentReopened { notify: true, .. }]
    ));
    // The reopened incident promises an update by the cadence (minor: 60 minutes).
    assert_eq!(
        s2.incident("r1").unwrap().latest().unwrap().next_update_at,
        Some(NOW + mins(60))
    );

    let pm = |body: &str| {
        Command::AttachPostmortem(AttachPostmortem {
            incident_id: "r1".into(),
            body: body.into(),
            silent: false,
        })
    };
    let (s3, ev) = apply(&s, pm("Root cause: an expired certificate."), NOW).unwrap();
    assert!(matches!(
        ev[..],
        [Event::PostmortemPublished {
            revised: false,
            notify: true,
            ..
        }]
    ));
    let (s4, ev) = apply(
        &s3,
        pm("Root cause: an expired certificate. Fixed."),
        NOW + mins(1),
    )
    .unwrap();
    assert!(matches!(
        ev[..],
        [Event::PostmortemPublished {
            revised: true,
            notify: false,
            ..
        }]
    ));
    let p = s4.incident("r1").unwrap().postmortem.clone().unwrap();
    assert_eq!((p.published_at, p.revised_at), (NOW, Some(NOW + mins(1))));
}

#[test]
fn next_update_rules() {
    use crate::policy::NextUpdateRule::*;
    let cases: Vec<(
        NextUpdateRule,
        Impact,
        Option<Timestamp>,
        Result<Option<Timestamp>, &str>,
    )> = vec![
        (Cadence, Impact::Critical, None, Ok(Some(NOW + mins(30)))),
        (Cadence, Impact::Major, None, Ok(Some(NOW + mins(30)))),
        (Cadence, Impact::Minor, None, Ok(Some(NOW + mins(60)))),
        (Cadence, Impact::None, None, Ok(Some(NOW + mins(120)))),
        (
            Cadence,
            Impact::Minor,
            Some(NOW + mins(10)),
            Ok(Some(NOW + mins(10))),
        ),
        (Optional, Impact::Major, None, Ok(None)),
        (
            Required,
            Impact::Major,
            None,
            Err("next_update_at: required while the incident is unresolved"),
        ),
        (
            Required,
            Impact::Major,
            Some(NOW + mins(5)),
            Ok(Some(NOW + mins(5))),
        ),
        (
            Required,
            Impact::Major,
            Some(NOW),
            Err("next_update_at: must be in the future"),
        ),
    ];
    for (rule, impact, given, want) in cases {
        let mut st = state();
        st.page.policy.next_update = rule;
        let cmd = Command::OpenIncident(OpenIncident {
            next_update_at: given,
            ..open("i", impact)
        });
        let got = apply(&st, cmd, NOW)
            .map(|(s, _)| s.incident("i").unwrap().latest().unwrap().next_update_at)
            .map_err(|e| e.to_string());
        assert_eq!(
            got,
            want.map_err(str::to_owned),
            "{rule:?} {impact:?} {given:?}"
        );
    }
    // Resolving clears the promise; re-rating the impact changes the cadence.
    let s = apply(&state(), open_cmd("i", Impact::Minor), NOW)
        .unwrap()
        .0;
    let escalate = Command::PostUpdate(PostUpdate {
        impact: Some(Impact::Critical),
        ..update("i", "u2", IncidentStatus::Identified)
    });
    let s = apply(&s, escalate, NOW + mins(1)).unwrap().0;
    let i = s.incident("i").unwrap();
    assert_eq!(i.impact, Impact::Critical);
    assert_eq!(i.latest().unwrap().next_update_at, Some(NOW + mins(31)));
    let s = apply(&s, up("i", "u3", IncidentStatus::Resolved), NOW + mins(2))
        .unwrap()
        .0;
    assert_eq!(
        s.incident("i").unwrap().latest().unwrap().next_update_at,
        None
    );
}

#[test]
fn affected_components_carry_forward_and_can_change() {
    let cmd = Command::OpenIncident(OpenIncident {
        components: vec![
            "api".into(),
            ComponentInput {
                id: "eu-west".into(),
                status: Some(ComponentStatus::MajorOutage),
            },
        ],
        ..open("i", Impact::Major)
    });
    let s = apply(&state(), cmd, NOW).unwrap().0;
    let got = |s: &State| {
        s.incident("i")
            .unwrap()
            .components()
            .iter()
            .map(|a| (a.id.clone(), a.status))
            .collect::<Vec<_>>()
    };
    let want = vec![
        ("api".to_string(), ComponentStatus::PartialOutage),
        ("eu-west".to_string(), ComponentStatus::MajorOutage),
    ];
    assert_eq!(got(&s), want);
    let s = apply(&s, up("i", "u2", IncidentStatus::Identified), NOW + mins(1))
        .unwrap()
        .0;
    assert_eq!(got(&s), want, "an update without components keeps them");
    let narrow = Command::PostUpdate(PostUpdate {
        components: Some(vec![ComponentInput {
            id: "api".into(),
            status: Some(ComponentStatus::DegradedPerformance),
        }]),
        ..update("i", "u3", IncidentStatus::Monitoring)
    });
    let s = apply(&s, narrow, NOW + mins(2)).unwrap().0;
    assert_eq!(
        got(&s),
        vec![("api".to_string(), ComponentStatus::DegradedPerformance)]
    );
    assert_eq!(s.incident("i").unwrap().updates.len(), 3);
}

#[test]
fn component_status_changes_are_quiet_unless_asked() {
    let set = |status, notify| {
        Command::SetComponentStatus(SetComponentStatus {
            component_id: "billing".into(),
            status,
            notify,
        })
    };
    let (s, ev) = apply(
        &state(),
        set(ComponentStatus::DegradedPerformance, false),
        NOW,
    )
    .unwrap();
    assert_eq!(
        ev,
        vec![Event::ComponentStatusChanged {
            component_id: "billing".into(),
            from: ComponentStatus::Operational,
            to: ComponentStatus::DegradedPerformance,
            notify: false
        }]
    );
    assert_eq!(s.page.component("billing").unwrap().updated_at, Some(NOW));
    let (_, ev) = apply(&s, set(ComponentStatus::DegradedPerformance, true), NOW).unwrap();
    assert!(ev.is_empty(), "no change, no event");
    let (_, ev) = apply(&s, set(ComponentStatus::Operational, true), NOW).unwrap();
    assert!(ev[0].notifies());
}

#[test]
fn lead_times_for_notices() {
    use NoticeKind::*;
    let day = hours(24);
    let cases: Vec<(NoticeKind, time::Duration, Option<&str>, Result<(), &str>)> = vec![
        (ServiceUpdate, hours(48), None, Ok(())),
        (
            ServiceUpdate,
            hours(47),
            None,
            Err("effective_at: the policy asks for 2 days of notice, this gives 47 h; give an override reason to publish anyway"),
        ),
        (ServiceUpdate, hours(1), Some("Security fix"), Ok(())),
        (
            ServiceUpdate,
            hours(1),
            Some("   "),
            Err("effective_at: the policy asks for 2 days of notice, this gives 1 h; give an override reason to publish anyway"),
        ),
        (PolicyChange, day * 14, None, Ok(())),
        (
            PolicyChange,
            day * 13,
            None,
            Err("effective_at: the policy asks for 14 days of notice, this gives 13 days; give an override reason to publish anyway"),
        ),
        (
            PricingChange,
            day * 7,
            None,
            Err("effective_at: the policy asks for 14 days of notice, this gives 7 days; give an override reason to publish anyway"),
        ),
        (PricingChange, day * 7, Some("Regulator order"), Ok(())),
        (Other, mins(1), None, Ok(())),
    ];
    for (kind, ahead, reason, want) in cases {
        let cmd = Command::PublishNotice(PublishNotice {
            override_reason: reason.map(str::to_owned),
            ..notice("n", kind, ahead)
        });
        let got = apply(&state(), cmd, NOW);
        match (want, got) {
            (Ok(()), Ok((s, ev))) => {
                let n = s.notice("n").unwrap();
                assert_eq!(
                    n.override_reason.as_deref(),
                    reason.map(str::trim).filter(|r| !r.is_empty())
                );
                assert!(
                    matches!(&ev[..], [Event::NoticePublished { override_reason, .. }] if override_reason.as_deref() == reason)
                );
            }
            (Err(w), Err(e)) => {
                assert_eq!(e.to_string(), w);
                assert_eq!((e.kind(), e.field()), ("lead-time", Some("effective_at")));
            }
            (w, g) => panic!("{kind:?} {ahead}: want {w:?}, got {g:?}"),
        }
    }
}

#[test]
fn maintenance_scheduling_rules() {
    let with = |f: &dyn Fn(&mut ScheduleMaintenance)| {
        let mut c = maintenance("m", hours(72));
        f(&mut c);
        Command::ScheduleMaintenance(c)
    };
    let cases: Vec<(Command, Result<(), &str>)> = vec![
        (with(&|_| {}), Ok(())),
        (
            with(&|c| {
                c.scheduled_for = NOW + hours(2);
                c.scheduled_until = NOW + hours(3);
            }),
            Err("scheduled_for: the policy asks for 3 days of notice, this gives 2 h; give an override reason to publish anyway"),
        ),
        (
            with(&|c| {
                c.scheduled_for = NOW + hours(2);
                c.scheduled_until = NOW + hours(3);
                c.override_reason = Some("Vendor security patch".into());
            }),
            Ok(()),
        ),
        (
            with(&|c| c.scheduled_until = c.scheduled_for),
            Err("scheduled_until: must be after scheduled_for"),
        ),
        (
            with(&|c| {
                c.scheduled_for = NOW - hours(1);
                c.override_reason = Some("x".into());
            }),
            Err("scheduled_for: must be in the future"),
        ),
        (
            with(&|c| c.reminders = Some(vec![0])),
            Err("reminders: 0 minutes is not between 1 minute and 30 days"),
        ),
        (
            with(&|c| c.components = vec!["nope".into()]),
            Err("components: unknown component \"nope\""),
        ),
    ];
    for (cmd, want) in cases {
        let dbg = format!("{cmd:?}");
        let got = apply(&state(), cmd, NOW)
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_owned), "{dbg}");
    }
    // Policy reminders by default, sorted furthest first and deduplicated when given.
    let s = apply(&state(), with(&|_| {}), NOW).unwrap().0;
    assert_eq!(s.maintenance("m").unwrap().reminders, vec![24 * 60, 60]);
    let s = apply(
        &state(),
        with(&|c| c.reminders = Some(vec![15, 120, 15])),
        NOW,
    )
    .unwrap()
    .0;
    assert_eq!(s.maintenance("m").unwrap().reminders, vec![120, 15]);
}

#[test]
fn maintenance_lifecycle_through_apply() {
    use MaintenanceStatus::*;
    let cases: Vec<(Vec<MaintenanceStatus>, Result<MaintenanceStatus, &str>)> = vec![
        (vec![InProgress, Verifying, Completed], Ok(Completed)),
        (vec![Completed], Ok(Completed)),
        (vec![InProgress, Verifying, InProgress], Ok(InProgress)),
        (
            vec![InProgress, Scheduled],
            Err("a maintenance cannot go from In progress to Scheduled"),
        ),
        (
            vec![Completed, InProgress],
            Err("a maintenance cannot go from Completed to In progress"),
        ),
    ];
    for (steps, want) in cases {
        let mut s = apply(
            &state(),
            Command::ScheduleMaintenance(maintenance("m", hours(72))),
            NOW,
        )
        .unwrap()
        .0;
        let mut result = Ok(Scheduled);
        for (n, st) in steps.iter().enumerate() {
            let cmd = Command::UpdateMaintenance(UpdateMaintenance {
                maintenance_id: "m".into(),
                update_id: format!("m-{n}"),
                status: *st,
                body: "Progress.".into(),
                silent: false,
            });
            match apply(&s, cmd, NOW + hours(72 + n as i64)) {
                Ok((next, ev)) => {
                    assert!(
                        matches!(&ev[..], [Event::MaintenanceUpdated { status, .. }] if status == st)
                    );
                    s = next;
                    result = Ok(s.maintenance("m").unwrap().status());
                }
                Err(e) => {
                    result = Err(e.to_string());
                    break;
                }
            }
        }
        assert_eq!(result, want.map_err(str::to_owned), "{steps:?}");
    }
}

#[test]
fn subscription_state_machine() {
    use SubscriptionState::*;
    let sub = |id: &str, addr: &str| Command::Subscribe(subscription(id, Email, addr));
    let confirm = |id: &str| {
        Command::Confirm(Confirm {
            subscriber_id: id.into(),
        })
    };
    let unsub = |id: &str| {
        Command::Unsubscribe(Unsubscribe {
            subscriber_id: id.into(),
            ..Default::default()
        })
    };
    // (steps, final state of s1, events of the last step)
    type Case = (
        Vec<Command>,
        Result<SubscriptionState, &'static str>,
        Vec<&'static str>,
    );
    let cases: Vec<Case> = vec![
        (
            vec![sub("s1", "a@example.com")],
            Ok(Pending),
            vec!["subscription_requested"],
        ),
        (
            vec![sub("s1", "a@example.com"), confirm("s1")],
            Ok(Confirmed),
            vec!["subscription_confirmed"],
        ),
        (
            vec![sub("s1", "a@example.com"), confirm("s1"), confirm("s1")],
            Ok(Confirmed),
            vec![],
        ),
        (
            vec![sub("s1", "a@example.com"), unsub("s1")],
            Ok(Unsubscribed),
            vec!["unsubscribed"],
        ),
        (
            vec![sub("s1", "a@example.com"), unsub("s1"), unsub("s1")],
            Ok(Unsubscribed),
            vec![],
        ),
        (
            vec![sub("s1", "a@example.com"), unsub("s1"), confirm("s1")],
            Err("a subscription cannot go from unsubscribed to confirmed"),
            vec![],
        ),
        // Subscribing again: pending re-sends the confirmation, confirmed gets a "manage" message,
        // unsubscribed starts over; the same record is reused, whatever id was proposed.
        (
            vec![sub("s1", "a@example.com"), sub("s2", "A@EXAMPLE.com")],
            Ok(Pending),
            vec!["subscription_requested"],
        ),
        (
            vec![
                sub("s1", "a@example.com"),
                confirm("s1"),
                sub("s2", "a@example.com"),
            ],
            Ok(Confirmed),
            vec!["subscription_exists"],
        ),
        (
            vec![
                sub("s1", "a@example.com"),
                unsub("s1"),
                sub("s2", "a@example.com"),
            ],
            Ok(Pending),
            vec!["subscription_requested"],
        ),
        (
            vec![sub("s1", "a@example.com"), sub("s1", "b@example.com")],
            Err("subscriber \"s1\" already exists"),
            vec![],
        ),
        (
            vec![confirm("s1")],
            Err("no subscriber with id \"s1\""),
            vec![],
        ),
        (
            vec![sub("s1", "not-an-address")],
            Err("address: not a valid email address (Missing separator character '@'.)"),
            vec![],
        ),
    ];
    for (steps, want, want_events) in cases {
        let mut s = state();
        let mut last = Vec::new();
        let mut result = Ok(());
        for (n, cmd) in steps.iter().cloned().enumerate() {
            match apply(&s, cmd, NOW + mins(n as i64)) {
                Ok((next, ev)) => {
                    s = next;
                    last = ev;
                }
                Err(e) => {
                    result = Err(e.to_string());
                    break;
                }
            }
        }
        let got = result.map(|()| s.subscriber("s1").unwrap().state);
        assert_eq!(got, want.map_err(str::to_owned), "{steps:?}");
        if got.is_ok() {
            let names: Vec<String> = last
                .iter()
                .map(|e| {
                    serde_json::to_value(e).unwrap()["type"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect();
            assert_eq!(names, want_events, "{steps:?}");
            assert_eq!(s.subscribers.len(), 1, "{steps:?}");
        }
    }
}

#[test]
fn subscribe_validates_fallback_components_segments_locale() {
    let with = |f: &dyn Fn(&mut Subscribe)| {
        let mut c = subscription("s", Email, "ops@example.com");
        f(&mut c);
        Command::Subscribe(c)
    };
    let cases: Vec<(Command, Result<(), &str>)> = vec![
        (
            with(&|c| c.fallback = Some((Sms, "+41 44 668 18 00".into()))),
            Ok(()),
        ),
        (
            with(&|c| c.fallback = Some((Email, "b@example.com".into()))),
            Err("fallback: must use another channel than the address"),
        ),
        (
            with(&|c| c.fallback = Some((Sms, "12345".into()))),
            Err("fallback: not an E.164 phone number: must start with + and the country code"),
        ),
        (with(&|c| c.components = vec!["api".into()]), Ok(())),
        (
            with(&|c| c.components = vec!["x".into()]),
            Err("components: unknown component \"x\""),
        ),
        (with(&|c| c.segments = segs(&["tenant:42"])), Ok(())),
        (
            with(&|c| c.segments = segs(&["tenant"])),
            Err("segments: \"tenant\" is not a segment (kind:value)"),
        ),
        (with(&|c| c.locale = Some("de".into())), Ok(())),
        (
            with(&|c| c.locale = Some("fr".into())),
            Err("locale: \"fr\" is not one of the page's locales"),
        ),
    ];
    for (cmd, want) in cases {
        let dbg = format!("{cmd:?}");
        let got = apply(&state(), cmd, NOW)
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_owned), "{dbg}");
    }
}

#[test]
fn delete_subscriber_erases_the_record() {
    let (s, _) = run(
        &state(),
        vec![(
            Command::Subscribe(subscription("s", Email, "a@example.com")),
            NOW,
        )],
    );
    let del = || {
        Command::DeleteSubscriber(DeleteSubscriber {
            subscriber_id: "s".into(),
        })
    };
    let (s, ev) = apply(&s, del(), NOW).unwrap();
    assert!(s.subscribers.is_empty());
    assert!(!ev[0].notifies());
    assert_eq!(apply(&s, del(), NOW).unwrap_err().kind(), "not-found");
}

/// The settings that produce `testkit::page()`.
fn settings() -> PageSettings {
    let p = page();
    PageSettings {
        url: p.url.clone(),
        components: p
            .components
            .iter()
            .map(|c| crate::wire::ComponentSettings {
                id: c.id.clone(),
                name: c.name.clone(),
                group: c.group.clone(),
                description: c.description.clone(),
                only_show_if_degraded: c.only_show_if_degraded,
            })
            .collect(),
        groups: p.groups.clone(),
        locales: p.locales.clone(),
        audiences: p.audiences.clone(),
        ..PageSettings::named(p.name.clone())
    }
}

#[test]
fn configure_page_rules() {
    let s = run(
        &state(),
        vec![
            (open_cmd("i", Impact::Major), NOW),
            (
                Command::SetComponentStatus(SetComponentStatus {
                    component_id: "billing".into(),
                    status: ComponentStatus::PartialOutage,
                    notify: false,
                }),
                NOW,
            ),
        ],
    )
    .0;
    let with = |f: &dyn Fn(&mut PageSettings)| {
        let mut p = settings();
        f(&mut p);
        Command::ConfigurePage(p)
    };
    let component = |id: &str, group: Option<&str>| crate::wire::ComponentSettings {
        id: id.into(),
        name: id.to_uppercase(),
        group: group.map(str::to_owned),
        description: None,
        only_show_if_degraded: false,
    };
    let cases: Vec<(Command, Result<(), &str>)> = vec![
        (with(&|p| p.name = "Acme Inc".into()), Ok(())),
        (
            with(&|p| p.name = " ".into()),
            Err("name: must not be empty"),
        ),
        (
            with(&|p| p.components.push(component("api", None))),
            Err("components: component id \"api\" appears twice"),
        ),
        (
            with(&|p| p.components.push(component("Search", None))),
            Err("components: component id \"Search\" must be a slug (a-z, 0-9, -)"),
        ),
        (
            with(&|p| p.components.push(component("x", Some("nope")))),
            Err("components: component \"x\" names unknown group \"nope\""),
        ),
        (
            with(&|p| p.components.retain(|c| c.id != "api")),
            Err("component \"api\" is still named by an open incident or maintenance"),
        ),
        (
            with(&|p| p.components.retain(|c| c.id != "dashboard")),
            Ok(()),
        ),
        (
            with(&|p| {
                p.audiences.push(Audience {
                    segment: "Bad Segment".into(),
                    name: String::new(),
                })
            }),
            Err("audiences: \"Bad Segment\" is not a segment (kind:value or kind:*)"),
        ),
        (
            with(&|p| {
                p.policy = Some(crate::policy::Policy {
                    support_contact: Some(" ".into()),
                    ..Default::default()
                })
            }),
            Err("policy.support_contact: must not be empty"),
        ),
        (
            with(&|p| {
                p.policy = Some(crate::policy::Policy {
                    support_contact: Some("help@acme.example".into()),
                    ..Default::default()
                })
            }),
            Ok(()),
        ),
    ];
    for (cmd, want) in cases {
        let dbg = format!("{cmd:?}");
        let got = apply(&s, cmd, NOW).map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_owned), "{dbg}");
    }
    // A loopback responder webhook only where the worker allows it (local development), and a
    // request can never ask for that.
    let loopback = |allowed: bool| {
        with(&|p| {
            p.policy = Some(crate::policy::Policy {
                responders: vec!["http://127.0.0.1:9000/slack/oncall".into()],
                ..Default::default()
            });
            p.loopback_hooks = allowed;
        })
    };
    assert!(apply(&s, loopback(false), NOW).is_err());
    assert!(apply(&s, loopback(true), NOW).is_ok());
    assert!(
        serde_json::from_str::<PageSettings>(r#"{"name":"A","loopback_hooks":true}"#).is_err(),
        "not a field a request may carry"
    );
    // Existing components keep their status; new ones get timestamps; omitted settings reset.
    let cmd = with(&|p| {
        p.components.push(component("search", None));
        p.locales.clear();
    });
    let s2 = apply(&s, cmd, NOW + mins(1)).unwrap().0;
    assert_eq!(
        s2.page.component("billing").unwrap().status,
        ComponentStatus::PartialOutage
    );
    assert_eq!(
        s2.page.component("search").unwrap().created_at,
        Some(NOW + mins(1))
    );
    assert_eq!(s2.page.locales, vec!["en".to_string()]);
    assert_eq!(
        s2.page.id, "acme",
        "the id comes from the state, never from the settings"
    );
    // Settings read from the JSON the edge receives; unknown fields are refused.
    let json = r#"{"name":"Acme","components":[{"id":"api","name":"API"}]}"#;
    let parsed: PageSettings = serde_json::from_str(json).unwrap();
    assert_eq!(parsed.components[0].id, "api");
    assert!(serde_json::from_str::<PageSettings>(r#"{"name":"A","nope":1}"#).is_err());
    let cmd: Command = serde_json::from_str(r#"{"type":"configure_page","name":"Acme"}"#).unwrap();
    assert_eq!(cmd, Command::ConfigurePage(PageSettings::named("Acme")));
}

#[test]
fn slugs() {
    let cases = [
        ("api", true),
        ("eu-west-1", true),
        ("", false),
        ("-api", false),
        ("API", false),
        ("a_b", false),
        (&"a".repeat(63), true),
        (&"a".repeat(64), false),
    ];
    for (s, want) in cases {
        assert_eq!(is_slug(s), want, "{s:?}");
    }
}

#[test]
fn templates_are_validated_then_saved_and_deleted() {
    let t = |title: &str| Template {
        id: "t1".into(),
        name: "Elevated errors".into(),
        locale: None,
        title: title.into(),
        body: "We see errors on {{components}}. Next update by {{next_update}}.".into(),
        impact: Some(Impact::Minor),
    };
    let s = apply(
        &state(),
        Command::SaveTemplate(t("Errors on {{components}}")),
        NOW,
    )
    .unwrap()
    .0;
    assert_eq!(s.templates.len(), 1);
    let err = apply(&s, Command::SaveTemplate(t("Errors on {{component}}")), NOW).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("title: unknown placeholder {{component}} at byte 10"),
        "{err}"
    );
    let err = apply(&s, Command::SaveTemplate(t("Errors on {{components")), NOW).unwrap_err();
    assert_eq!(
        err.to_string(),
        "title: placeholder opened at byte 10 is not closed"
    );
    let german = Template {
        locale: Some("de".into()),
        ..t("Fehler bei {{components}}")
    };
    let s = apply(&s, Command::SaveTemplate(german.clone()), NOW)
        .unwrap()
        .0;
    assert_eq!(
        s.templates.len(),
        2,
        "a translation sits beside the original"
    );
    let french = Template {
        locale: Some("fr".into()),
        ..german
    };
    let err = apply(&s, Command::SaveTemplate(french), NOW).unwrap_err();
    assert_eq!(
        err.to_string(),
        "locale: \"fr\" is not one of the page's locales"
    );
    let del = Command::DeleteTemplate(DeleteTemplate { id: "t1".into() });
    let s = apply(&s, del.clone(), NOW).unwrap().0;
    assert!(s.templates.is_empty());
    assert_eq!(apply(&s, del, NOW).unwrap_err().kind(), "not-found");
}

#[test]
fn error_kinds_statuses_and_fields_are_stable() {
    let cases = [
        (
            DomainError::invalid("title", "x"),
            "validation",
            422,
            Some("title"),
        ),
        (
            DomainError::not_found("incident", "i"),
            "not-found",
            404,
            None,
        ),
        (DomainError::conflict("x"), "conflict", 409, None),
        (
            illegal("incident", "Resolved", "Monitoring"),
            "illegal-transition",
            409,
            None,
        ),
        (
            DomainError::LeadTime {
                field: "effective_at",
                required_minutes: 60,
                given_minutes: 1,
            },
            "lead-time",
            422,
            Some("effective_at"),
        ),
    ];
    for (e, kind, status, field) in cases {
        assert_eq!(
            (e.kind(), e.status(), e.field()),
            (kind, status, field),
            "{e}"
        );
        assert!(!e.title().is_empty());
    }
}

#[test]
fn commands_read_from_json_with_defaults() {
    let cmd: Command = serde_json::from_str(
        r#"{"type":"open_incident","id":"i","update_id":"u","title":"API down","impact":"critical",
            "body":"All calls fail.","components":["api",{"id":"eu-west","status":"major_outage"}],
            "visibility":{"segments":["plan:enterprise"]}}"#,
    )
    .unwrap();
    let (s, ev) = apply(&state(), cmd, NOW).unwrap();
    let i = s.incident("i").unwrap();
    assert_eq!(
        i.visibility,
        Visibility::Segments(segs(&["plan:enterprise"]))
    );
    assert_eq!(i.components()[0].status, ComponentStatus::MajorOutage);
    assert!(ev[0].notifies());
}

#[test]
fn every_event_says_whether_it_notifies() {
    let e = |json: &str| serde_json::from_str::<Event>(json).unwrap().notifies();
    let cases = [
        (
            r#"{"type":"incident_opened","incident_id":"i","update_id":"u"}"#,
            true,
        ),
        (
            r#"{"type":"incident_updated","incident_id":"i","update_id":"u","notify":false}"#,
            false,
        ),
        (
            r#"{"type":"subscription_requested","subscriber_id":"s"}"#,
            true,
        ),
        (
            r#"{"type":"subscription_exists","subscriber_id":"s"}"#,
            true,
        ),
        (
            r#"{"type":"subscription_confirmed","subscriber_id":"s"}"#,
            false,
        ),
        (r#"{"type":"unsubscribed","subscriber_id":"s"}"#, false),
        (r#"{"type":"page_configured"}"#, false),
    ];
    for (json, want) in cases {
        assert_eq!(e(json), want, "{json}");
    }
}

#[test]
fn silent_commands_do_not_notify() {
    let cmd = Command::OpenIncident(OpenIncident {
        silent: true,
        ..open("i", Impact::Minor)
    });
    let (s, ev) = apply(&state(), cmd, NOW).unwrap();
    assert!(!ev[0].notifies());
    assert!(!s.incident("i").unwrap().updates[0].notify);
}

#[test]
fn subscriptions_never_confirmed_are_forgotten_after_a_week() {
    let sub = |id: &str, addr: &str| Command::Subscribe(subscription(id, Email, addr));
    let mut s = base();
    s = apply(&s, sub("old", "old@example.com"), NOW).unwrap().0;
    s = apply(&s, sub("kept", "kept@example.com"), NOW).unwrap().0;
    let confirm = Command::Confirm(Confirm {
        subscriber_id: "kept".into(),
    });
    s = apply(&s, confirm, NOW).unwrap().0;
    let day = time::Duration::days(1);
    s = apply(&s, sub("young", "young@example.com"), NOW + 6 * day)
        .unwrap()
        .0;
    let expire = || Command::ExpirePending(ExpirePending::default());
    let (_, events) = apply(&s, expire(), NOW + 6 * day).unwrap();
    assert!(events.is_empty(), "nothing is a week old yet: {events:?}");
    let (after, events) = apply(&s, expire(), NOW + 8 * day).unwrap();
    assert_eq!(
        events,
        vec![Event::SubscriberDeleted {
            subscriber_id: "old".into()
        }]
    );
    let ids: Vec<&str> = after.subscribers.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["kept", "young"], "confirmed and recent ones stay");
}

/// A page whose policy holds notices and incidents from major up for a second person.
fn reviewed() -> State {
    let mut s = base();
    s.page.policy.review = crate::model::ReviewPolicy {
        notices: true,
        incidents_from: Some(Impact::Major),
    };
    s
}

#[test]
fn the_policy_says_which_changes_wait_for_review() {
    let s = reviewed();
    let update_with = |impact: Option<Impact>, incident: &str| {
        Command::PostUpdate(PostUpdate {
            impact,
            ..update(incident, "u9", IncidentStatus::Identified)
        })
    };
    let cases = [
        (
            Command::PublishNotice(notice("n1", NoticeKind::Other, hours(1))),
            true,
        ),
        (open_cmd("i9", Impact::Minor), false),
        (open_cmd("i9", Impact::Major), true),
        (open_cmd("i9", Impact::Critical), true),
        // i1 is major: its updates wait; one that re-rates it to minor does not.
        (update_with(None, "i1"), true),
        (update_with(Some(Impact::Minor), "i1"), false),
        (update_with(None, "nope"), false),
        (
            Command::ScheduleMaintenance(maintenance("m1", hours(100))),
            false,
        ),
    ];
    for (command, want) in cases {
        assert_eq!(needs_review(&s, &command), want, "{command:?}");
        assert!(!needs_review(&base(), &command), "no policy: {command:?}");
    }
}

fn submit(id: &str, author: &str, change: Command) -> Command {
    Command::SubmitForReview(SubmitForReview {
        id: id.into(),
        author: author.into(),
        change: HeldChange::of(change).unwrap(),
    })
}

#[test]
fn a_held_notice_is_published_only_when_a_second_key_approves_it() {
    let s = reviewed();
    let held = submit(
        "rev1",
        "key:alice",
        Command::PublishNotice(notice("n1", NoticeKind::Other, hours(1))),
    );
    let (s, ev) = apply(&s, held, NOW).unwrap();
    assert!(s.notice("n1").is_none(), "held, not published");
    assert_eq!(
        ev,
        vec![Event::ReviewRequested {
            review_id: "rev1".into(),
            author: "key:alice".into(),
            subject: "n1".into(),
        }]
    );
    assert!(!ev.iter().any(Event::notifies), "nothing sent while held");
    let by = |reviewer: &str| {
        Command::Approve(Approve {
            review_id: "rev1".into(),
            reviewer: reviewer.into(),
        })
    };
    let same = apply(&s, by("key:alice"), NOW + mins(1)).unwrap_err();
    assert!(matches!(same, DomainError::Conflict { .. }), "{same}");
    let (after, ev) = apply(&s, by("key:bob"), NOW + mins(1)).unwrap();
    assert!(after.reviews.is_empty());
    let published = after.notice("n1").unwrap();
    assert_eq!(
        published.published_at,
        NOW + mins(1),
        "published at approval"
    );
    assert!(matches!(
        &ev[..],
        [
            Event::ReviewApproved { author, reviewer, .. },
            Event::NoticePublished { notify: true, .. },
        ] if author == "key:alice" && reviewer == "key:bob"
    ));
    let twice = apply(&after, by("key:bob"), NOW + mins(2)).unwrap_err();
    assert!(matches!(twice, DomainError::NotFound { .. }), "{twice}");
}

#[test]
fn a_held_draft_is_checked_when_submitted_and_again_when_approved() {
    let s = reviewed();
    let mut bad = notice("n1", NoticeKind::Other, hours(1));
    bad.title = " ".into();
    let e = apply(&s, submit("rev1", "root", Command::PublishNotice(bad)), NOW).unwrap_err();
    assert_eq!(e.to_string(), "title: must not be empty");
    // An update held while the incident is open, approved after it was resolved: refused, kept.
    let (s, _) = apply(
        &s,
        submit(
            "rev2",
            "root",
            up("i1", "i1-u9", IncidentStatus::Identified),
        ),
        NOW,
    )
    .unwrap();
    let (s, _) = apply(
        &s,
        up("i1", "i1-r", IncidentStatus::Resolved),
        NOW + mins(1),
    )
    .unwrap();
    let e = apply(
        &s,
        Command::Approve(Approve {
            review_id: "rev2".into(),
            reviewer: "key:bob".into(),
        }),
        NOW + mins(2),
    )
    .unwrap_err();
    assert!(matches!(e, DomainError::Conflict { .. }), "{e}");
    assert!(s.review("rev2").is_some_and(|r| r.is_waiting()));
}

#[test]
fn a_draft_sent_back_keeps_the_comment_and_cannot_be_approved() {
    let (s, _) = apply(
        &reviewed(),
        submit("rev1", "key:alice", open_cmd("i9", Impact::Critical)),
        NOW,
    )
    .unwrap();
    let back = |reviewer: &str, comment: &str| {
        Command::SendBack(SendBackReview {
            review_id: "rev1".into(),
            reviewer: reviewer.into(),
            comment: comment.into(),
        })
    };
    let e = apply(&s, back("key:bob", " "), NOW).unwrap_err();
    assert_eq!(e.field(), Some("comment"));
    assert!(apply(&s, back("key:alice", "mine"), NOW).is_err());
    let (s, ev) = apply(&s, back("key:bob", "Say which regions."), NOW + mins(1)).unwrap();
    assert!(s.incident("i9").is_none());
    let r = s.review("rev1").unwrap();
    assert_eq!(
        r.sent_back
            .as_ref()
            .map(|b| (b.by.as_str(), b.comment.as_str())),
        Some(("key:bob", "Say which regions."))
    );
    assert!(matches!(&ev[..], [Event::ReviewSentBack { .. }]));
    let approve = Command::Approve(Approve {
        review_id: "rev1".into(),
        reviewer: "key:carol".into(),
    });
    assert!(matches!(
        apply(&s, approve, NOW + mins(2)),
        Err(DomainError::NotFound { .. })
    ));
}

#[test]
fn a_page_cannot_take_a_path_the_worker_serves() {
    for id in ["console", "w", "v1", "api", "pages"] {
        let fresh = State::new(Page::new(id, ""));
        let e = apply(
            &fresh,
            Command::ConfigurePage(PageSettings::named("X")),
            NOW,
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("page"), "{id}");
    }
    let fresh = State::new(Page::new("consoles", ""));
    assert!(apply(
        &fresh,
        Command::ConfigurePage(PageSettings::named("X")),
        NOW
    )
    .is_ok());
}
