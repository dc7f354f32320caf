//! Tests for `statuspage`: Herald's state in that API's shapes, frozen, and read back whole.

use super::*;
use crate::command::*;
use crate::testkit::*;
use expect_test::{expect, Expect};
use serde::de::DeserializeOwned;

fn check<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T, want: Expect) {
    let json = serde_json::to_string_pretty(value).unwrap();
    want.assert_eq(&json);
    assert_eq!(
        &serde_json::from_str::<T>(&json).unwrap(),
        value,
        "reads back whole"
    );
}

/// `busy()` plus a resolved incident with a postmortem and a reopened one.
fn history() -> State {
    run(
        &busy(),
        vec![
            (
                Command::OpenIncident(OpenIncident {
                    components: vec!["billing".into()],
                    ..open("old", Impact::Critical)
                }),
                NOW - hours(30),
            ),
            (
                Command::PostUpdate(update("old", "old-2", IncidentStatus::Monitoring)),
                NOW - hours(29),
            ),
            (
                Command::PostUpdate(update("old", "old-3", IncidentStatus::Resolved)),
                NOW - hours(28),
            ),
            (
                Command::AttachPostmortem(AttachPostmortem {
                    incident_id: "old".into(),
                    body: "A certificate expired.".into(),
                    silent: false,
                }),
                NOW - hours(4),
            ),
        ],
    )
    .0
}

#[test]
fn summary_is_frozen() {
    check(
        &summary(&busy(), &Viewer::default()),
        expect![[r#"
        {
          "page": {
            "id": "acme",
            "name": "Acme",
            "url": "https://status.acme.com",
            "time_zone": "Etc/UTC",
            "updated_at": "2026-03-01T11:55:00Z"
          },
          "components": [
            {
              "id": "core",
              "name": "Core",
              "status": "partial_outage",
              "created_at": null,
              "updated_at": null,
              "position": 1,
              "description": null,
              "showcase": false,
              "start_date": null,
              "group_id": null,
              "page_id": "acme",
              "group": true,
              "only_show_if_degraded": false,
              "components": [
                "api",
                "dashboard"
              ]
            },
            {
              "id": "api",
              "name": "API",
              "status": "partial_outage",
              "created_at": null,
              "updated_at": null,
              "position": 2,
              "description": null,
              "showcase": true,
              "start_date": null,
              "group_id": "core",
              "page_id": "acme",
              "group": false,
              "only_show_if_degraded": false
            },
            {
              "id": "dashboard",
              "name": "Dashboard",
              "status": "operational",
              "created_at": null,
              "updated_at": null,
              "position": 3,
              "description": null,
              "showcase": true,
              "start_date": null,
              "group_id": "core",
              "page_id": "acme",
              "group": false,
              "only_show_if_degraded": false
            },
            {
              "id": "europe",
              "name": "Europe",
              "status": "partial_outage",
              "created_at": null,
              "updated_at": null,
              "position": 4,
              "description": "Frankfurt and Dublin",
              "showcase": false,
              "start_date": null,
              "group_id": null,
              "page_id": "acme",
              "group": true,
              "only_show_if_degraded": false,
              "components": [
                "eu-west"
              ]
            },
            {
              "id": "eu-west",
              "name": "EU West",
              "status": "partial_outage",
              "created_at": null,
              "updated_at": null,
              "position": 5,
              "description": null,
              "showcase": true,
              "start_date": null,
              "group_id": "europe",
              "page_id": "acme",
              "group": false,
              "only_show_if_degraded": false
            },
            {
              "id": "billing",
              "name": "Billing",
              "status": "operational",
              "created_at": null,
              "updated_at": null,
              "position": 6,
              "description": null,
              "showcase": true,
              "start_date": null,
              "group_id": null,
              "page_id": "acme",
              "group": false,
              "only_show_if_degraded": false
            }
          ],
          "incidents": [
            {
              "id": "inc-1",
              "name": "Elevated errors inc-1",
              "status": "identified",
              "created_at": "2026-03-01T11:40:00Z",
              "updated_at": "2026-03-01T11:55:00Z",
              "monitoring_at": null,
              "resolved_at": null,
              "impact": "major",
              "shortlink": "/acme/incidents/inc-1",
              "started_at": "2026-03-01T11:40:00Z",
              "page_id": "acme",
              "incident_updates": [
                {
                  "id": "inc-1-u2",
                  "status": "identified",
                  "body": "A bad deploy; rolling back.",
                  "incident_id": "inc-1",
                  "created_at": "2026-03-01T11:55:00Z",
                  "updated_at": "2026-03-01T11:55:00Z",
                  "display_at": "2026-03-01T11:55:00Z",
                  "affected_components": null,
                  "deliver_notifications": true,
                  "custom_tweet": null,
                  "tweet_id": null
                },
                {
                  "id": "inc-1-u1",
                  "status": "investigating",
                  "body": "Some API calls fail for some customers.",
                  "incident_id": "inc-1",
                  "created_at": "2026-03-01T11:40:00Z",
                  "updated_at": "2026-03-01T11:40:00Z",
                  "display_at": "2026-03-01T11:40:00Z",
                  "affected_components": [
                    {
                      "code": "api",
                      "name": "API",
                      "old_status": "operational",
                      "new_status": "partial_outage"
                    },
                    {
                      "code": "eu-west",
                      "name": "EU West",
                      "old_status": "operational",
                      "new_status": "partial_outage"
                    }
                  ],
                  "deliver_notifications": true,
                  "custom_tweet": null,
                  "tweet_id": null
                }
              ],
              "components": [
                {
                  "id": "api",
                  "name": "API",
                  "status": "partial_outage",
                  "created_at": null,
                  "updated_at": null,
                  "position": 2,
                  "description": null,
                  "showcase": true,
                  "start_date": null,
                  "group_id": "core",
                  "page_id": "acme",
                  "group": false,
                  "only_show_if_degraded": false
                },
                {
                  "id": "eu-west",
                  "name": "EU West",
                  "status": "partial_outage",
                  "created_at": null,
                  "updated_at": null,
                  "position": 5,
                  "description": null,
                  "showcase": true,
                  "start_date": null,
                  "group_id": "europe",
                  "page_id": "acme",
                  "group": false,
                  "only_show_if_degraded": false
                }
              ]
            }
          ],
          "scheduled_maintenances": [
            {
              "id": "db-upgrade",
              "name": "Database upgrade",
              "status": "in_progress",
              "created_at": "2026-02-26T11:00:00Z",
              "updated_at": "2026-03-01T11:00:00Z",
              "monitoring_at": null,
              "resolved_at": null,
              "impact": "maintenance",
              "shortlink": "/acme#maintenance-db-upgrade",
              "started_at": "2026-02-26T11:00:00Z",
              "page_id": "acme",
              "incident_updates": [
                {
                  "id": "db-upgrade-u2",
                  "status": "in_progress",
                  "body": "The upgrade has started.",
                  "incident_id": "db-upgrade",
                  "created_at": "2026-03-01T11:00:00Z",
                  "updated_at": "2026-03-01T11:00:00Z",
                  "display_at": "2026-03-01T11:00:00Z",
                  "affected_components": null,
                  "deliver_notifications": true,
                  "custom_tweet": null,
                  "tweet_id": null
                },
                {
                  "id": "db-upgrade-u1",
                  "status": "scheduled",
                  "body": "Writes pause for up to 5 minutes.",
                  "incident_id": "db-upgrade",
                  "created_at": "2026-02-26T11:00:00Z",
                  "updated_at": "2026-02-26T11:00:00Z",
                  "display_at": "2026-02-26T11:00:00Z",
                  "affected_components": null,
                  "deliver_notifications": true,
                  "custom_tweet": null,
                  "tweet_id": null
                }
              ],
              "components": [
                {
                  "id": "api",
                  "name": "API",
                  "status": "partial_outage",
                  "created_at": null,
                  "updated_at": null,
                  "position": 2,
                  "description": null,
                  "showcase": true,
                  "start_date": null,
                  "group_id": "core",
                  "page_id": "acme",
                  "group": false,
                  "only_show_if_degraded": false
                }
              ],
              "scheduled_for": "2026-03-01T11:00:00Z",
              "scheduled_until": "2026-03-01T13:00:00Z"
            }
          ],
          "status": {
            "indicator": "major",
            "description": "Partial System Outage"
          }
        }"#]],
    );
}

#[test]
fn incidents_with_postmortem_and_affected_components_are_frozen() {
    let doc = incidents(&history(), &Viewer::default());
    let old = doc.incidents.iter().find(|i| i.id == "old").unwrap();
    check(
        old,
        expect![[r#"
        {
          "id": "old",
          "name": "Elevated errors old",
          "status": "postmortem",
          "created_at": "2026-02-28T06:00:00Z",
          "updated_at": "2026-03-01T08:00:00Z",
          "monitoring_at": "2026-02-28T07:00:00Z",
          "resolved_at": "2026-02-28T08:00:00Z",
          "impact": "critical",
          "shortlink": "/acme/incidents/old",
          "started_at": "2026-02-28T06:00:00Z",
          "page_id": "acme",
          "incident_updates": [
            {
              "id": "old-3",
              "status": "resolved",
              "body": "We are on it.",
              "incident_id": "old",
              "created_at": "2026-02-28T08:00:00Z",
              "updated_at": "2026-02-28T08:00:00Z",
              "display_at": "2026-02-28T08:00:00Z",
              "affected_components": [
                {
                  "code": "billing",
                  "name": "Billing",
                  "old_status": "major_outage",
                  "new_status": "operational"
                }
              ],
              "deliver_notifications": true,
              "custom_tweet": null,
              "tweet_id": null
            },
            {
              "id": "old-2",
              "status": "monitoring",
              "body": "We are on it.",
              "incident_id": "old",
              "created_at": "2026-02-28T07:00:00Z",
              "updated_at": "2026-02-28T07:00:00Z",
              "display_at": "2026-02-28T07:00:00Z",
              "affected_components": null,
              "deliver_notifications": true,
              "custom_tweet": null,
              "tweet_id": null
            },
            {
              "id": "old-u1",
              "status": "investigating",
              "body": "Some API calls fail for some customers.",
              "incident_id": "old",
              "created_at": "2026-02-28T06:00:00Z",
              "updated_at": "2026-02-28T06:00:00Z",
              "display_at": "2026-02-28T06:00:00Z",
              "affected_components": [
                {
                  "code": "billing",
                  "name": "Billing",
                  "old_status": "operational",
                  "new_status": "major_outage"
                }
              ],
              "deliver_notifications": true,
              "custom_tweet": null,
              "tweet_id": null
            }
          ],
          "components": [
            {
              "id": "billing",
              "name": "Billing",
              "status": "operational",
              "created_at": null,
              "updated_at": null,
              "position": 6,
              "description": null,
              "showcase": true,
              "start_date": null,
              "group_id": null,
              "page_id": "acme",
              "group": false,
              "only_show_if_degraded": false
            }
          ]
        }"#]],
    );
}

#[test]
fn status_components_unresolved_and_maintenances() {
    let s = history();
    let v = Viewer::default();
    check(
        &status(&s, &v),
        expect![[r#"
        {
          "page": {
            "id": "acme",
            "name": "Acme",
            "url": "https://status.acme.com",
            "time_zone": "Etc/UTC",
            "updated_at": "2026-03-01T11:55:00Z"
          },
          "status": {
            "indicator": "major",
            "description": "Partial System Outage"
          }
        }"#]],
    );
    let ids = |d: &SpIncidents| d.incidents.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&incidents(&s, &v)), ["inc-1", "old"]);
    assert_eq!(ids(&unresolved(&s, &v)), ["inc-1"]);
    let ent = Viewer::with_segments(segs(&["plan:enterprise"]));
    assert_eq!(ids(&incidents(&s, &ent)), ["ent-1", "inc-1", "old"]);
    let comps: Vec<(String, Option<bool>, Option<i64>)> = components(&s, &v)
        .components
        .into_iter()
        .map(|c| (c.id, c.group, c.position))
        .collect();
    assert_eq!(
        comps,
        [
            ("core".to_string(), Some(true), Some(1)),
            ("api".into(), Some(false), Some(2)),
            ("dashboard".into(), Some(false), Some(3)),
            ("europe".into(), Some(true), Some(4)),
            ("eu-west".into(), Some(false), Some(5)),
            ("billing".into(), Some(false), Some(6)),
        ]
    );
    let m = |f| {
        scheduled_maintenances(&s, &v, f)
            .scheduled_maintenances
            .into_iter()
            .map(|m| (m.id, m.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        m(MaintenanceFilter::All),
        [("db-upgrade".to_string(), SpIncidentStatus::InProgress)]
    );
    assert_eq!(m(MaintenanceFilter::Active).len(), 1);
    assert!(m(MaintenanceFilter::Upcoming).is_empty());
}

#[test]
fn banner_from_a_statuspage_summary_matches_our_own_rule() {
    let s = busy();
    let doc = summary(&s, &Viewer::default());
    let json = serde_json::to_string(&doc).unwrap();
    let read: SpSummary = serde_json::from_str(&json).unwrap();
    let theirs = banner_from_summary(&read, NOW);
    let ours = crate::view::banner(&s, &Viewer::default(), NOW);
    let key = |b: &crate::wire::Banner| {
        b.item.as_ref().map(|i| {
            (
                i.kind,
                i.id.clone(),
                i.update_id.clone(),
                i.status,
                i.impact,
            )
        })
    };
    assert_eq!(key(&theirs), key(&ours));
    let mut quiet = read.clone();
    quiet.incidents.clear();
    quiet.scheduled_maintenances.clear();
    assert_eq!(banner_from_summary(&quiet, NOW).item, None);
}

#[test]
fn importing_history_keeps_ids_updates_and_times_and_is_repeatable() {
    let summary: SpSummary =
        serde_json::from_str(include_str!("../../tests/fixtures/statuspage/summary.json")).unwrap();
    let incidents: SpSummary = serde_json::from_str(include_str!(
        "../../tests/fixtures/statuspage/incidents.json"
    ))
    .unwrap();
    let empty = State::new(crate::model::Page::new("imported", ""));
    let (state, _) = apply(
        &empty,
        Command::ConfigurePage(page_settings(&summary, &mut Vec::new())),
        NOW,
    )
    .unwrap();
    let history = import_history(&incidents);
    let (state, events) = apply(&state, Command::ImportHistory(history.clone()), NOW).unwrap();
    assert!(
        events.iter().all(|e| !e.notifies()),
        "history is never re-announced"
    );
    assert_eq!(state.incidents.len(), incidents.incidents.len());
    for theirs in &incidents.incidents {
        let ours = state
            .incident(&theirs.id)
            .expect("imported under its own id");
        assert_eq!(ours.title, theirs.name);
        assert_eq!(ours.updates.len(), theirs.incident_updates.len());
        for u in &theirs.incident_updates {
            let mine = ours
                .updates
                .iter()
                .find(|m| m.id == u.id)
                .expect("update kept");
            assert_eq!(mine.body, u.body);
            assert_eq!(
                Some(mine.created_at),
                u.created_at.as_deref().and_then(parse_time)
            );
        }
        for u in &ours.updates {
            assert!(u.components.iter().all(|c| state
                .page
                .components
                .iter()
                .any(|k| k.id == c.id)));
        }
    }
    let (again, events) = apply(&state, Command::ImportHistory(history), NOW).unwrap();
    assert_eq!(
        again.incidents, state.incidents,
        "a repeated import adds nothing"
    );
    assert!(matches!(
        events[..],
        [Event::HistoryImported {
            incidents: 0,
            maintenances: 0
        }]
    ));
}

#[test]
fn an_import_keeps_the_sources_statuses_and_dangling_groups_and_the_pages_configuration() {
    let doc: SpSummary = serde_json::from_value(serde_json::json!({
        "page": {"id": "src", "name": "Source", "url": "https://status.source.com"},
        "components": [
            {"id": "core", "name": "Core", "status": "operational", "group": true},
            {"id": "api", "name": "API", "status": "partial_outage", "group_id": "core"},
            {"id": "db", "name": "Database", "status": "major_outage", "group_id": "ghost"},
            {"id": "web", "name": "Web", "status": "operational"}
        ]
    }))
    .unwrap();
    let mut notes = Vec::new();
    let mut settings = page_settings(&doc, &mut notes);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("Database") && notes[0].contains("ghost"),
        "{notes:?}"
    );
    let group = |id: &str| {
        settings
            .components
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.group.clone())
    };
    assert_eq!(group("api").as_deref(), Some("core"));
    assert_eq!(group("db"), None, "imported ungrouped, not refused");

    // The page's own configuration survives the import.
    let mut current = crate::model::Page::new("src", "Source");
    current.policy.responders = vec!["oncall@example.com".into()];
    current.policy.subscribe_origins = vec!["https://app.example.com".into()];
    current.policy.ack_escalate_minutes = 15;
    current.locales = vec!["en".into(), "de".into()];
    keep_configuration(&mut settings, &current);
    let mut state = State::new(current.clone());
    state = apply(&state, Command::ConfigurePage(settings), NOW)
        .unwrap()
        .0;
    for (component_id, status) in component_statuses(&doc) {
        let set = Command::SetComponentStatus(SetComponentStatus {
            component_id,
            status,
            notify: false,
        });
        state = apply(&state, set, NOW).unwrap().0;
    }
    assert_eq!(state.page.policy, current.policy);
    assert_eq!(state.page.locales, current.locales);
    let status = |id: &str| {
        state
            .page
            .components
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.status)
    };
    assert_eq!(status("api"), Some(ComponentStatus::PartialOutage));
    assert_eq!(status("db"), Some(ComponentStatus::MajorOutage));
    assert_eq!(status("web"), Some(ComponentStatus::Operational));
}

#[test]
fn statuspage_webhooks_carry_meta_page_and_the_incident_newest_update_first() {
    let (s, events) = run(
        &state(),
        vec![
            (Command::OpenIncident(open("i", Impact::Major)), NOW),
            (
                Command::PostUpdate(update("i", "i-2", IncidentStatus::Identified)),
                NOW + mins(10),
            ),
        ],
    );
    let w = webhook(&s, &events[1])
        .unwrap()
        .for_recipient("https://status.acme.com/", "https://status.acme.com/u?t=1");
    assert_eq!(w.meta.unsubscribe, "https://status.acme.com/u?t=1");
    assert_eq!(
        w.meta.documentation,
        "https://status.acme.com/v1/openapi.json"
    );
    assert_eq!(w.page.id, "acme");
    assert_eq!(w.page.status_indicator, Indicator::Major);
    assert_eq!(w.page.status_description, "Partial System Outage");
    let i = w.incident.as_ref().unwrap();
    assert_eq!(i.status, SpIncidentStatus::Identified);
    assert_eq!(
        i.shortlink.as_deref(),
        Some("https://status.acme.com/acme/incidents/i")
    );
    let ids: Vec<&str> = i.incident_updates.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["i-2", "i-u1"], "newest first");
    let first = i.incident_updates.last().unwrap();
    let affected = first.affected_components.as_ref().unwrap();
    assert_eq!(affected[0].code, "api");
    assert_eq!(affected[0].old_status, SpComponentStatus::Operational);
    assert_eq!(affected[0].new_status, SpComponentStatus::PartialOutage);
    assert!(w.component.is_none() && w.component_update.is_none());
    // Statuspage's field names, read back whole.
    let json = serde_json::to_value(&w).unwrap();
    for key in ["meta", "page", "incident"] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
    assert_eq!(serde_json::from_value::<SpWebhook>(json).unwrap(), w);
}

#[test]
fn statuspage_webhooks_for_components_maintenance_and_nothing_for_notices() {
    let (s, events) = run(
        &state(),
        vec![
            (
                Command::SetComponentStatus(SetComponentStatus {
                    component_id: "billing".into(),
                    status: ComponentStatus::MajorOutage,
                    notify: true,
                }),
                NOW,
            ),
            (
                Command::ScheduleMaintenance(crate::testkit::maintenance("m", hours(72))),
                NOW,
            ),
            (
                Command::PublishNotice(notice(
                    "n",
                    crate::model::NoticeKind::PricingChange,
                    hours(24 * 15),
                )),
                NOW,
            ),
        ],
    );
    let c = webhook(&s, &events[0]).unwrap();
    let update = c.component_update.as_ref().unwrap();
    assert_eq!(update.component_id, "billing");
    assert_eq!(update.old_status, SpComponentStatus::Operational);
    assert_eq!(update.new_status, SpComponentStatus::MajorOutage);
    let component = c.component.as_ref().unwrap();
    assert_eq!(
        (component.id.as_str(), component.status),
        ("billing", SpComponentStatus::MajorOutage)
    );
    assert_eq!(c.page.status_indicator, Indicator::Critical);
    assert!(c.incident.is_none());
    let m = webhook(&s, &events[1]).unwrap();
    let i = m.incident.unwrap();
    assert_eq!(i.status, SpIncidentStatus::Scheduled);
    assert!(i.scheduled_for.is_some() && i.scheduled_until.is_some());
    assert_eq!(webhook(&s, &events[2]), None);
}
