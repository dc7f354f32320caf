//! Tests for `wire`: every Herald JSON shape frozen by a snapshot, and tolerant reading by old widgets.

use super::*;
use crate::command::*;
use crate::model::State;
use crate::testkit::*;
use crate::view::{banner, summary, Viewer};
use expect_test::{expect, Expect};
use time::macros::datetime;

fn check<T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
    value: &T,
    want: Expect,
) {
    let json = serde_json::to_string_pretty(value).unwrap();
    want.assert_eq(&json);
    assert_eq!(
        &serde_json::from_str::<T>(&json).unwrap(),
        value,
        "round trip"
    );
}

#[test]
fn banner_wire_format_is_frozen() {
    let banner = Banner {
        page: BannerPage {
            id: "demo".into(),
            name: "Demo".into(),
            url: "/demo".into(),
            accent_color: None,
            on_accent_color: None,
        },
        item: Some(BannerItem {
            kind: BannerKind::Incident,
            id: "inc_1".into(),
            update_id: "upd_1".into(),
            title: "Elevated API errors".into(),
            impact: Impact::Major,
            status: ItemStatus::Identified,
            body: "A bad deploy; rolling back.".into(),
            updated_at: datetime!(2026-03-01 12:00 UTC),
            next_update_at: Some(datetime!(2026-03-01 12:30 UTC)),
            components: vec![BannerComponent {
                id: "api".into(),
                name: "API".into(),
                status: ComponentStatus::PartialOutage,
            }],
            scheduled_for: None,
            scheduled_until: None,
            effective_at: None,
        }),
        poll_after: 30,
        live: false,
    };
    check(
        &banner,
        expect![[r#"
            {
              "page": {
                "id": "demo",
                "name": "Demo",
                "url": "/demo"
              },
              "item": {
                "kind": "incident",
                "id": "inc_1",
                "update_id": "upd_1",
                "title": "Elevated API errors",
                "impact": "major",
                "status": "identified",
                "body": "A bad deploy; rolling back.",
                "updated_at": "2026-03-01T12:00:00Z",
                "next_update_at": "2026-03-01T12:30:00Z",
                "components": [
                  {
                    "id": "api",
                    "name": "API",
                    "status": "partial_outage"
                  }
                ]
              },
              "poll_after": 30
            }"#]],
    );
}

#[test]
fn banner_for_maintenance_and_quiet_days_is_frozen() {
    let mut s = busy();
    s.incidents.clear();
    s.notices.clear();
    check(
        &banner(&s, &Viewer::default(), NOW),
        expect![[r#"
            {
              "page": {
                "id": "acme",
                "name": "Acme",
                "url": "/acme"
              },
              "item": {
                "kind": "maintenance",
                "id": "db-upgrade",
                "update_id": "db-upgrade-u2",
                "title": "Database upgrade",
                "impact": "none",
                "status": "in_progress",
                "body": "The upgrade has started.",
                "updated_at": "2026-03-01T11:00:00Z",
                "next_update_at": null,
                "components": [
                  {
                    "id": "api",
                    "name": "API",
                    "status": "under_maintenance"
                  }
                ],
                "scheduled_for": "2026-03-01T11:00:00Z",
                "scheduled_until": "2026-03-01T13:00:00Z"
              },
              "poll_after": 30
            }"#]],
    );
    s.maintenances.clear();
    check(
        &banner(&s, &Viewer::default(), NOW),
        expect![[r#"
            {
              "page": {
                "id": "acme",
                "name": "Acme",
                "url": "/acme"
              },
              "item": null,
              "poll_after": 60
            }"#]],
    );
}

#[test]
fn banner_for_a_notice_is_frozen() {
    let mut s = busy();
    s.incidents.clear();
    s.maintenances.clear();
    check(
        &banner(&s, &Viewer::default(), NOW).item.unwrap(),
        expect![[r#"
            {
              "kind": "notice",
              "id": "rate-limits",
              "update_id": "rate-limits",
              "title": "New API rate limits",
              "impact": "none",
              "status": "announced",
              "body": "From then on, the API allows 100 requests per second per key.",
              "updated_at": "2026-02-28T12:00:00Z",
              "next_update_at": null,
              "components": [],
              "effective_at": "2026-03-04T12:00:00Z"
            }"#]],
    );
}

#[test]
fn summary_wire_format_is_frozen() {
    check(
        &summary(&busy(), &Viewer::default(), NOW),
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
          },
          "groups": [
            {
              "id": "core",
              "name": "Core",
              "status": "partial_outage",
              "components": [
                "api",
                "dashboard"
              ]
            },
            {
              "id": "europe",
              "name": "Europe",
              "status": "partial_outage",
              "components": [
                "eu-west"
              ]
            }
          ],
          "components": [
            {
              "id": "api",
              "name": "API",
              "status": "partial_outage",
              "group": "core",
              "description": null
            },
            {
              "id": "dashboard",
              "name": "Dashboard",
              "status": "operational",
              "group": "core",
              "description": null
            },
            {
              "id": "eu-west",
              "name": "EU West",
              "status": "partial_outage",
              "group": "europe",
              "description": null
            },
            {
              "id": "billing",
              "name": "Billing",
              "status": "operational",
              "group": null,
              "description": null
            }
          ],
          "incidents": [
            {
              "id": "inc-1",
              "title": "Elevated errors inc-1",
              "impact": "major",
              "status": "identified",
              "created_at": "2026-03-01T11:40:00Z",
              "updated_at": "2026-03-01T11:55:00Z",
              "resolved_at": null,
              "next_update_at": "2026-03-01T12:30:00Z",
              "overdue": false,
              "components": [
                {
                  "id": "api",
                  "status": "partial_outage"
                },
                {
                  "id": "eu-west",
                  "status": "partial_outage"
                }
              ],
              "updates": [
                {
                  "id": "inc-1-u2",
                  "status": "identified",
                  "body": "A bad deploy; rolling back.",
                  "created_at": "2026-03-01T11:55:00Z",
                  "next_update_at": "2026-03-01T12:30:00Z"
                },
                {
                  "id": "inc-1-u1",
                  "status": "investigating",
                  "body": "Some API calls fail for some customers.",
                  "created_at": "2026-03-01T11:40:00Z",
                  "next_update_at": "2026-03-01T12:10:00Z"
                }
              ],
              "postmortem": null
            }
          ],
          "maintenances": [
            {
              "id": "db-upgrade",
              "title": "Database upgrade",
              "status": "in_progress",
              "scheduled_for": "2026-03-01T11:00:00Z",
              "scheduled_until": "2026-03-01T13:00:00Z",
              "components": [
                "api"
              ],
              "updates": [
                {
                  "id": "db-upgrade-u2",
                  "status": "in_progress",
                  "body": "The upgrade has started.",
                  "created_at": "2026-03-01T11:00:00Z",
                  "next_update_at": null
                },
                {
                  "id": "db-upgrade-u1",
                  "status": "scheduled",
                  "body": "Writes pause for up to 5 minutes.",
                  "created_at": "2026-02-26T11:00:00Z",
                  "next_update_at": null
                }
              ]
            }
          ],
          "notices": [
            {
              "id": "rate-limits",
              "kind": "service_update",
              "title": "New API rate limits",
              "body": "From then on, the API allows 100 requests per second per key.",
              "effective_at": "2026-03-04T12:00:00Z",
              "published_at": "2026-02-28T12:00:00Z"
            }
          ]
        }"#]],
    );
}

#[test]
fn problem_wire_format_is_frozen() {
    let e = DomainError::LeadTime {
        field: "effective_at",
        required_minutes: 14 * 24 * 60,
        given_minutes: 3 * 24 * 60,
    };
    check(
        &Problem::from(&e),
        expect![[r#"
        {
          "type": "https://herald.dev/problems/lead-time",
          "title": "Too little advance notice",
          "status": 422,
          "detail": "effective_at: the policy asks for 14 days of notice, this gives 3 days; give an override reason to publish anyway",
          "field": "effective_at"
        }"#]],
    );
    assert_eq!(PROBLEM_CONTENT_TYPE, "application/problem+json");
}

#[test]
fn events_wire_format_is_frozen() {
    let (_, events) = apply(
        &busy(),
        Command::Resolve(Resolve {
            incident_id: "inc-1".into(),
            update_id: "inc-1-u3".into(),
            body: "Fixed.".into(),
            silent: false,
            no_social: false,
        }),
        NOW,
    )
    .unwrap();
    check(
        &events,
        expect![[r#"
        [
          {
            "type": "incident_resolved",
            "incident_id": "inc-1",
            "update_id": "inc-1-u3",
            "notify": true
          }
        ]"#]],
    );
}

#[test]
fn stored_state_format_is_frozen() {
    let s = run(&State::new(crate::model::Page::new("p", "P")), vec![]).0;
    check(
        &s,
        expect![[r#"
            {
              "page": {
                "id": "p",
                "name": "P",
                "components": [],
                "time_zone": "Etc/UTC",
                "locales": [
                  "en"
                ],
                "groups": [],
                "audiences": [],
                "policy": {
                  "service_update_lead_minutes": 2880,
                  "policy_change_lead_minutes": 20160,
                  "pricing_change_lead_minutes": 20160,
                  "other_notice_lead_minutes": 0,
                  "maintenance_lead_minutes": 4320,
                  "maintenance_reminders": [
                    1440,
                    60
                  ],
                  "cadence_critical_minutes": 30,
                  "cadence_major_minutes": 30,
                  "cadence_minor_minutes": 60,
                  "cadence_none_minutes": 120,
                  "next_update": "cadence",
                  "jargon": [],
                  "responders": [],
                  "ack_escalate_minutes": 60,
                  "subscribe_origins": [],
                  "email_confirmations_per_hour": 500,
                  "sms_confirmations_per_hour": 30,
                  "review": {
                    "notices": false
                  },
                  "partial_outage_weight_percent": 30
                },
                "branding": {}
              },
              "incidents": [],
              "maintenances": [],
              "notices": [],
              "subscribers": [],
              "templates": [],
              "reviews": [],
              "version": 0
            }"#]],
    );
    // The state the Durable Object stores reads back whole.
    let busy = busy();
    let json = serde_json::to_string(&busy).unwrap();
    assert_eq!(serde_json::from_str::<State>(&json).unwrap(), busy);
}

#[test]
fn old_widgets_read_new_values_as_unknown() {
    let json = r#"{"page":{"id":"p","name":"P","url":"/p"},"item":{"kind":"survey","id":"x",
        "update_id":"u","title":"t","impact":"minor","status":"sleeping","body":"b",
        "updated_at":"2026-03-01T12:00:00Z","extra":1},"poll_after":30,"new_field":true}"#;
    let b: Banner = serde_json::from_str(json).unwrap();
    let item = b.item.unwrap();
    assert_eq!(
        (item.kind, item.status, item.next_update_at),
        (BannerKind::Unknown, ItemStatus::Unknown, None)
    );
    let ind: Indicator = serde_json::from_str(r#""catastrophic""#).unwrap();
    assert_eq!(ind, Indicator::Unknown);
}

#[test]
fn kept_answers_lose_their_secrets_and_keep_the_rest() {
    let cases = [
        (
            r#"{"id":"k1","key":"hk_k1_s3cr3t","role":"admin"}"#,
            Some("hk_k1_s3cr3t"),
        ),
        (r#"{"secret":"abcdef"}"#, Some("abcdef")),
        (
            r#"{"id":"sub_1","state":"pending","signing_secret":"whsec_x"}"#,
            Some("whsec_x"),
        ),
        (r#"{"id":"inc_1","version":3}"#, None),
        (
            r#"{"added":1,"signing_secrets":[{"subscriber_id":"s","webhook":"https://x","signing_secret":"whsec_deep"}]}"#,
            Some("whsec_deep"),
        ),
        ("not json", None),
    ];
    for (answer, secret) in cases {
        let kept = without_secrets(answer);
        match secret {
            Some(s) => {
                assert!(!kept.contains(s), "{kept}");
                assert!(kept.contains(SECRET_NOT_KEPT), "{kept}");
                let before: serde_json::Value = serde_json::from_str(answer).unwrap();
                let after: serde_json::Value = serde_json::from_str(&kept).unwrap();
                assert_eq!(
                    before.as_object().unwrap().len(),
                    after.as_object().unwrap().len()
                );
            }
            None => assert_eq!(kept, answer),
        }
    }
}
