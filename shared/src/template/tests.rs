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
        locale: Locale::En,
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
    expect![[r#"<!doctype html><html lang="en"><body><h1>Errors on &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</h1><p><strong>Investigating</strong>: Customers see "500" errors.<br>We are rolling back.</p><ul><li>Affected: API, EU West</li><li>Next update by 2026-03-01 12:30 UTC</li></ul><p><a href="https://status.acme.com/incidents/inc-1">View on the status page</a></p><p><small><a href="https://status.acme.com/m?t=abc">Choose what you hear about</a></small></p><p><small><a href="https://status.acme.com/u?t=abc&amp;x=1">Unsubscribe</a></small></p></body></html>"#]]
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
    let html = status_page(&message(), Locale::En);
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
            let facts = m.facts(&words::EN).join(" | ");
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
    let e = confirmation_email(
        "A&B <Status>",
        "https://s.example.com/c?t=1&u=2",
        Locale::En,
    );
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

#[test]
fn a_browser_notification_speaks_its_readers_language() {
    let de = Links {
        locale: Locale::De,
        ..links()
    };
    let p = push(&message(), &de);
    let german = Locale::De.words().incident[0];
    assert!(p.body.starts_with(&format!("{german}: ")), "{}", p.body);
    assert!(
        p.body.contains("Nächstes Update bis 2026-03-01 12:30 UTC."),
        "{}",
        p.body
    );
    assert!(!p.body.contains("Next update"), "{}", p.body);
    // The reader's words, not the author's: the title and the body stay as written.
    assert!(p
        .title
        .ends_with("Errors on <script>alert(1)</script> & more"));
}

#[test]
fn a_reader_gets_their_language_else_the_page_default_else_english() {
    let mut page = state().page;
    // (page locales, the reader's tag, the locale)
    let cases: &[(&[&str], Option<&str>, Locale)] = &[
        (&["en", "de"], Some("de"), Locale::De),
        (&["en", "de"], Some("de-AT"), Locale::De),
        (&["en", "pt-BR"], Some("pt_BR"), Locale::Pt),
        (&["en"], Some("JA"), Locale::Ja),
        (&["en", "de"], None, Locale::En),
        (&["fr", "en"], None, Locale::Fr),
        (&["fr", "en"], Some("nl"), Locale::Fr),
        (&["nl"], Some("sv"), Locale::En),
        (&["ar"], None, Locale::Ar),
        (&["es"], Some(""), Locale::Es),
    ];
    for (locales, wanted, want) in cases {
        page.locales = locales.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            Locale::for_reader(&page, *wanted),
            *want,
            "{locales:?} {wanted:?}"
        );
    }
}

#[test]
fn every_locale_has_every_word_and_its_own_statuses() {
    for l in Locale::ALL {
        let w = l.words();
        assert_eq!(Locale::from_tag(w.tag), Some(l));
        let patterns: &[(&str, &[&str])] = &[
            (w.affected, &["{list}"]),
            (w.window, &["{from}", "{until}"]),
            (w.takes_effect, &["{at}"]),
            (w.next_update, &["{at}"]),
            (w.confirm_read_text, &["{url}"]),
            (w.is_now, &["{component}", "{status}"]),
            (w.reminder, &["{duration}"]),
            (w.minutes.1, &["{n}"]),
            (w.hours.1, &["{n}"]),
            (w.days.1, &["{n}"]),
            (w.confirm_subject, &["{page}"]),
            (w.confirm_asked, &["{page}"]),
            (w.confirm_sms, &["{page}", "{url}"]),
            (w.channel_confirmed, &["{page}"]),
        ];
        for (pattern, names) in patterns {
            for n in *names {
                assert!(pattern.contains(n), "{}: {pattern:?} lacks {n}", w.tag);
            }
        }
        let plain = [
            w.postmortem,
            w.view,
            w.status_page,
            w.confirm_read,
            w.choose,
            w.unsubscribe,
            w.stop,
            w.confirm_link,
            w.confirm,
            w.confirm_ignore,
        ];
        assert!(plain.iter().all(|s| !s.trim().is_empty()), "{}", w.tag);
        // Statuses of one kind are told apart in every language.
        for set in [
            &w.incident[..],
            &w.maintenance[..],
            &w.notice[..],
            &w.component[..],
        ] {
            let mut seen: Vec<&str> = set.to_vec();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), set.len(), "{}: {set:?}", w.tag);
        }
        if l != Locale::En {
            assert_ne!(w.incident, words::EN.incident, "{} copies English", w.tag);
            assert_ne!(w.unsubscribe, words::EN.unsubscribe, "{}", w.tag);
        }
    }
}

#[test]
fn durations_and_fills_per_locale() {
    let cases = [
        (Locale::En, 1, "1 minute"),
        (Locale::En, 90, "90 minutes"),
        (Locale::En, 120, "2 hours"),
        (Locale::En, 1440, "1 day"),
        (Locale::De, 60, "1 Stunde"),
        (Locale::De, 2880, "2 Tagen"),
        (Locale::Fr, 30, "30 minutes"),
        (Locale::Ja, 180, "3時間"),
        (Locale::Es, 1440, "1 día"),
    ];
    for (l, m, want) in cases {
        assert_eq!(l.words().duration(m), want, "{l:?} {m}");
    }
    assert_eq!(
        Words::fill("{a} and {b} {c} {", &[("a", "x"), ("b", "{a}")]),
        "x and {a} {c} {"
    );
}

#[test]
fn a_german_reader_reads_german_around_the_communicators_words() {
    let de = Links {
        locale: Locale::De,
        receipt_url: Some("https://status.acme.com/r?t=1".into()),
        ..links()
    };
    let e = email(&message(), &de);
    assert_eq!(
        e.subject,
        "[Acme] Errors on <script>alert(1)</script> & more: Wird untersucht"
    );
    expect![[r#"
        Errors on <script>alert(1)</script> & more

        Wird untersucht: Customers see "500" errors.
        We are rolling back.

        Betroffen: API, EU West
        Nächstes Update bis 2026-03-01 12:30 UTC

        https://status.acme.com/incidents/inc-1

        Bitte bestätigen Sie, dass Sie dies gelesen haben: https://status.acme.com/r?t=1

        Wählen Sie, worüber Sie informiert werden: https://status.acme.com/m?t=abc

        Abbestellen: https://status.acme.com/u?t=abc&x=1
    "#]]
    .assert_eq(&e.text);
    assert!(e
        .html
        .starts_with("<!doctype html><html lang=\"de\"><body>"));
    assert!(
        e.html.contains(">Auf der Statusseite ansehen</a>"),
        "{}",
        e.html
    );
    let s = sms(&message(), &de);
    assert!(s.text.contains("(Wird untersucht)"), "{}", s.text);
    assert!(
        s.text.contains("Nächstes Update bis 2026-03-01 12:30 UTC."),
        "{}",
        s.text
    );
    // The receipt link stands in for the page link; the stop word is German.
    assert!(
        s.text.ends_with(
            "https://status.acme.com/r?t=1 Abmelden: https://status.acme.com/u?t=abc&x=1"
        ),
        "{}",
        s.text
    );
    let slack = slack(&message(), &de)["text"].as_str().unwrap().to_owned();
    assert!(slack.ends_with("|Statusseite>"), "{slack}");
    let c = confirmation_email("Acme", "https://s.example.com/c?t=1", Locale::De);
    assert_eq!(
        c.subject,
        "Bestätigen Sie Ihr Abonnement der Statusmeldungen von Acme"
    );
    assert!(
        c.text.contains("Bestätigen: https://s.example.com/c?t=1"),
        "{}",
        c.text
    );
    assert_eq!(
        confirmation_sms("Acme", "https://s/c", Locale::De),
        "Acme: Bestätigen Sie Ihre Statusmeldungen per SMS: https://s/c (ignorieren, falls Sie das nicht waren)"
    );
    // The webhook is for machines: its status stays the English label.
    assert_eq!(webhook(&message(), &de).item.status, "Investigating");
}

#[test]
fn every_kind_of_message_names_its_status_in_the_readers_words() {
    let (s, events) = run(
        &state(),
        vec![
            (
                Command::ScheduleMaintenance(maintenance("m", hours(72))),
                NOW,
            ),
            (
                Command::PublishNotice(notice("n", NoticeKind::PricingChange, hours(24 * 15))),
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
        ],
    );
    let mut messages: Vec<Message> = events
        .iter()
        .filter_map(|e| Message::from_event(&s, e))
        .collect();
    let mut reminder = messages[0].clone();
    reminder.reminder_minutes = Some(60);
    messages.push(reminder);
    // (locale, statuses in order, the component's sentence)
    let cases = [
        (
            Locale::En,
            "Scheduled | Pricing change | Partial outage | Investigating | Reminder: starts in 1 hour",
            "Billing is now: partial outage.",
        ),
        (
            Locale::De,
            "Geplant | Preisänderung | Teilweiser Ausfall | Wird untersucht | Erinnerung: beginnt in 1 Stunde",
            "Billing: Teilweiser Ausfall.",
        ),
        (
            Locale::Fr,
            "Planifiée | Changement de tarif | Panne partielle | Analyse en cours | Rappel : commence dans 1 heure",
            "Billing : panne partielle.",
        ),
        (
            Locale::Ja,
            "予定 | 料金の変更 | 一部停止 | 調査中 | リマインダー: 1時間後に開始",
            "Billing: 一部停止。",
        ),
    ];
    for (l, statuses, sentence) in cases {
        let w = l.words();
        let got: Vec<String> = messages.iter().map(|m| m.status_in(w)).collect();
        assert_eq!(got.join(" | "), statuses, "{l:?}");
        assert_eq!(messages[2].body_in(w), sentence, "{l:?}");
    }
    // A message from before stages were kept reads as it was written.
    let mut old = messages[3].clone();
    old.stage = None;
    assert_eq!(old.status_in(&words::DE), "Investigating");
}

#[test]
fn teams_gets_one_adaptive_card_in_the_readers_language() {
    let de = Links {
        locale: Locale::De,
        ..links()
    };
    let t = teams(&message(), &de);
    assert_eq!(t["type"], "message");
    let a = &t["attachments"][0];
    assert_eq!(t["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(a["contentType"], "application/vnd.microsoft.card.adaptive");
    let card = &a["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert_eq!(card["lang"], "de");
    let texts: Vec<&str> = card["body"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "Errors on <script>alert(1)</script> & more",
            "Acme · Wird untersucht",
            "Customers see \"500\" errors.\nWe are rolling back.",
            "Betroffen: API, EU West",
            "Nächstes Update bis 2026-03-01 12:30 UTC",
        ]
    );
    assert_eq!(card["actions"][0]["type"], "Action.OpenUrl");
    assert_eq!(card["actions"][0]["title"], "Statusseite");
    assert_eq!(
        card["actions"][0]["url"],
        "https://status.acme.com/incidents/inc-1"
    );
    let ar = teams_text("x", Locale::Ar);
    assert_eq!(ar["attachments"][0]["content"]["rtl"], true);
    assert!(ar["attachments"][0]["content"].get("actions").is_none());
}
