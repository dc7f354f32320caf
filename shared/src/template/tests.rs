//! Tests for `template`: placeholders, escaping, and every channel's rendering of one message.

use super::*;
use crate::command::*;
use crate::model::{Channel, ComponentStatus, IncidentStatus, NoticeKind};
use crate::testkit::*;
use expect_test::expect;

fn links() -> Links {
    Links {
        url: "https://status.acme.com/incidents/inc-1".into(),
        unsubscribe_url: Some("https://status.acme.com/u?t=abc&x=1".into()),
        receipt_url: None,
        manage_url: Some("https://status.acme.com/m?t=abc".into()),
    }
}

/// An incident whose title and body carry markup, to prove every HTML output escapes.
fn message() -> Message {
    let (s, ev) = run(
        &state(),
        vec![(
            Command::OpenIncident(OpenIncident {
                title: "Errors on <script>alert(1)</script> & more".into(),
                body: "Customers see \"500\" errors.\nWe are rolling back.".into(),
                components: vec![
                    "api".into(),
                    ComponentInput {
                        id: "eu-west".into(),
                        status: Some(ComponentStatus::MajorOutage),
                    },
                ],
                channels: vec![Channel::Email, Channel::Sms],
                ..open("inc-1", Impact::Major)
            }),
            NOW,
        )],
    );
    Message::from_event(&s, &ev[0]).unwrap()
}

#[test]
fn render_table() {
    let v = |n: &str| match n {
        "title" => Some("A < B".to_string()),
        "page" => Some("Acme".to_string()),
        _ => None,
    };
    let cases: Vec<(&str, Escape, Result<&str, &str>)> = vec![
        ("plain", Escape::None, Ok("plain")),
        ("[{{page}}] {{title}}", Escape::None, Ok("[Acme] A < B")),
        (
            "[{{ page }}] {{title}}",
            Escape::Html,
            Ok("[Acme] A &lt; B"),
        ),
        ("{{body}}!", Escape::None, Ok("!")),
        (
            "{{nope}}",
            Escape::None,
            Err("unknown placeholder {{nope}} at byte 0"),
        ),
        (
            "ab {{title",
            Escape::None,
            Err("placeholder opened at byte 3 is not closed"),
        ),
        (
            "{{title}} {{oops}}",
            Escape::None,
            Err("unknown placeholder {{oops}} at byte 10"),
        ),
        ("single { braces }", Escape::None, Ok("single { braces }")),
    ];
    for (text, escape, want) in cases {
        let got = render(text, v, escape).map_err(|e| e.to_string());
        match (want, got) {
            (Ok(w), Ok(g)) => assert_eq!(g, w, "{text}"),
            (Err(w), Err(g)) => assert!(g.starts_with(w), "{text}: {g}"),
            (w, g) => panic!("{text}: want {w:?}, got {g:?}"),
        }
    }
}

#[test]
fn email_is_frozen_and_escaped() {
    let e = email(&message(), &links());
    expect![[r#"[Acme] Errors on <script>alert(1)</script> & more: Investigating"#]]
        .assert_eq(&e.subject);
    expect![[r#"
        Errors on <script>alert(1)</script> & more

        Investigating: Customers see "500" errors.
        We are rolling back.

        Affected: API, EU West
        Next update by 2026-03-01 12:30 UTC

        https://status.acme.com/incidents/inc-1

        Choose what you hear about: https://status.acme.com/m?t=abc

        Unsubscribe: https://status.acme.com/u?t=abc&x=1
    "#]]
    .assert_eq(&e.text);
    expect![[r#"<!doctype html><html><body><h1>Errors on &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</h1><p><strong>Investigating</strong>: Customers see "500" errors.<br>We are rolling back.</p><ul><li>Affected: API, EU West</li><li>Next update by 2026-03-01 12:30 UTC</li></ul><p><a href="https://status.acme.com/incidents/inc-1">View on the status page</a></p><p><small><a href="https://status.acme.com/m?t=abc">Choose what you hear about</a></small></p><p><small><a href="https://status.acme.com/u?t=abc&amp;x=1">Unsubscribe</a></small></p></body></html>"#]]
    .assert_eq(&e.html);
    assert!(!e.html.contains("<script>"));
}

#[test]
fn sms_fits_two_segments_and_keeps_the_links() {
    let mut m = message();
    let s = sms(&m, &links());
    expect![[r#"
        Acme: Errors on <script>alert(1)</script> & more (Investigating). Customers see "500" errors.
        We are rolling back. Next update by 2026-03-01 12:30 UTC. https://status.acme.com/incidents/inc-1 Stop: https://status.acme.com/u?t=abc&x=1"#]]
    .assert_eq(&s.text);
    assert_eq!(s.count.segments, 2, "{}", s.count.units);
    m.title = "API errors".into();
    m.body = "Customers see errors on every call to the payments API while we roll back a change. "
        .repeat(3);
    let s = sms(&m, &links());
    assert!(s.count.segments <= MAX_SMS_SEGMENTS, "{}", s.text);
    assert!(
        s.text.ends_with(
            "https://status.acme.com/incidents/inc-1 Stop: https://status.acme.com/u?t=abc&x=1"
        ),
        "{}",
        s.text
    );
    assert!(s.text.contains("..."));
}

#[test]
fn webhook_payload_is_frozen() {
    let p = webhook(&message(), &links());
    let json = serde_json::to_string_pretty(&p).unwrap();
    expect![[r#"
        {
          "event": "incident_opened",
          "page": {
            "id": "acme",
            "name": "Acme",
            "url": "https://status.acme.com/incidents/inc-1"
          },
          "item": {
            "kind": "incident",
            "id": "inc-1",
            "update_id": "inc-1-u1",
            "title": "Errors on <script>alert(1)</script> & more",
            "status": "Investigating",
            "impact": "major",
            "body": "Customers see \"500\" errors.\nWe are rolling back.",
            "components": [
              "API",
              "EU West"
            ],
            "created_at": "2026-03-01T12:00:00Z",
            "next_update_at": "2026-03-01T12:30:00Z"
          }
        }"#]]
    .assert_eq(&json);
    assert_eq!(
        serde_json::from_str::<crate::wire::WebhookPayload>(&json).unwrap(),
        p
    );
}

#[test]
fn slack_and_status_page_escape_their_own_way() {
    let s = slack(&message(), &links());
    expect![[r#"
        {
          "text": "*Acme*: Errors on &lt;script&gt;alert(1)&lt;/script&gt; &amp; more (Investigating)\nCustomers see \"500\" errors.\nWe are rolling back.\nAffected: API, EU West\nNext update by 2026-03-01 12:30 UTC\n<https://status.acme.com/incidents/inc-1|Status page>"
        }"#]].assert_eq(&serde_json::to_string_pretty(&s).unwrap());
    let html = status_page(&message());
    expect![[r#"<article class="update"><h3>Investigating</h3><p>Customers see "500" errors.<br>We are rolling back.</p><p class="fact">Affected: API, EU West</p><p class="fact">Next update by 2026-03-01 12:30 UTC</p><time datetime="2026-03-01T12:00:00Z">2026-03-01 12:00 UTC</time></article>"#]].assert_eq(&html);
}

#[test]
fn messages_for_maintenance_notice_component_and_postmortem() {
    let (s, events) = run(
        &state(),
        vec![
            (
                Command::ScheduleMaintenance(maintenance("m", hours(72))),
                NOW,
            ),
            (
                Command::PublishNotice(PublishNotice {
                    requires_ack: true,
                    ..notice("n", NoticeKind::PricingChange, hours(24 * 15))
                }),
                NOW,
            ),
            (
                Command::SetComponentStatus(SetComponentStatus {
                    component_id: "billing".into(),
                    status: ComponentStatus::PartialOutage,
                    notify: true,
                }),
                NOW,
            ),
            (Command::OpenIncident(open("i", Impact::Minor)), NOW),
            (
                Command::PostUpdate(update("i", "i-r", IncidentStatus::Resolved)),
                NOW + mins(5),
            ),
            (
                Command::AttachPostmortem(AttachPostmortem {
                    incident_id: "i".into(),
                    body: "A certificate expired.".into(),
                    silent: false,
                }),
                NOW + hours(24),
            ),
        ],
    );
    let got: Vec<String> = events
        .iter()
        .filter_map(|e| Message::from_event(&s, e))
        .map(|m| {
            let facts = m.facts().join(" | ");
            format!(
                "{:?} {} [{}] {} / {facts}",
                m.kind, m.event, m.status, m.title
            )
        })
        .collect();
    expect![[r#"
        [
            "Maintenance maintenance_scheduled [Scheduled] Database upgrade / Affected: API | Window: 2026-03-04 12:00 UTC to 2026-03-04 14:00 UTC",
            "Notice notice_published [Pricing change] New API rate limits / Takes effect: 2026-03-16 12:00 UTC",
            "Component component_status_changed [Partial outage] Billing / Affected: Billing",
            "Incident incident_opened [Investigating] Elevated errors i / Affected: API | Next update by 2026-03-01 13:00 UTC",
            "Incident incident_resolved [Resolved] Elevated errors i / Affected: API",
            "Postmortem postmortem_published [Postmortem] Elevated errors i / Affected: API",
        ]
    "#]].assert_debug_eq(&got);
    let sub = Event::SubscriptionRequested {
        subscriber_id: "s".into(),
    };
    assert_eq!(Message::from_event(&s, &sub), None);
}

#[test]
fn filling_a_saved_template() {
    let t = Template {
        id: "t".into(),
        name: "Errors".into(),
        locale: None,
        title: "Errors on {{components}}".into(),
        body: "We see errors on {{components}}. Next update by {{next_update}}.".into(),
        impact: None,
    };
    let (title, body) = fill(&t, &message(), &links()).unwrap();
    assert_eq!(title, "Errors on API, EU West");
    assert_eq!(
        body,
        "We see errors on API, EU West. Next update by 2026-03-01 12:30 UTC."
    );
}

#[test]
fn confirmation_email_escapes_the_page_name() {
    let e = confirmation_email("A&B <Status>", "https://s.example.com/c?t=1&u=2");
    assert!(e.html.contains("A&amp;B &lt;Status&gt;"), "{}", e.html);
    assert!(
        e.html
            .contains("href=\"https://s.example.com/c?t=1&amp;u=2\""),
        "{}",
        e.html
    );
    assert!(e.text.contains("https://s.example.com/c?t=1&u=2"));
}

#[test]
fn read_more_links_go_to_the_item_on_the_status_host() {
    let page = "https://status.acme.com/acme";
    for (kind, want) in [
        (
            MessageKind::Incident,
            "https://status.acme.com/acme/incidents/x1",
        ),
        (
            MessageKind::Postmortem,
            "https://status.acme.com/acme/incidents/x1",
        ),
        (
            MessageKind::Maintenance,
            "https://status.acme.com/acme#maintenance-x1",
        ),
        (
            MessageKind::Notice,
            "https://status.acme.com/acme#notice-x1",
        ),
        (MessageKind::Component, "https://status.acme.com/acme"),
    ] {
        assert_eq!(item_url(page, kind, "x1"), want, "{kind:?}");
    }
}

#[test]
fn push_payload_is_frozen_and_fits_one_record() {
    let p = push(&message(), &links());
    let json = serde_json::to_string_pretty(&p).unwrap();
    expect![[r#"
        {
          "title": "Acme: Errors on <script>alert(1)</script> & more",
          "body": "Investigating: Customers see \"500\" errors.\nWe are rolling back.\nNext update by 2026-03-01 12:30 UTC.",
          "url": "https://status.acme.com/incidents/inc-1",
          "tag": "acme-inc-1",
          "unsubscribe_url": "https://status.acme.com/u?t=abc&x=1"
        }"#]].assert_eq(&json);
    // A long body is cut, and the whole payload still fits one Web Push record.
    let long = Message {
        title: "t".repeat(200),
        body: "é".repeat(5_000),
        ..message()
    };
    let p = push(&long, &links());
    assert!(p.body.chars().count() <= PUSH_BODY_CHARS + 40, "{}", p.body);
    assert!(p.body.contains('\u{2026}'));
    let bytes = serde_json::to_vec(&p).unwrap();
    assert!(
        bytes.len() <= crate::webpush::MAX_PLAINTEXT,
        "{}",
        bytes.len()
    );
}
