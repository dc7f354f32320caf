//! Native tests of the console's decisions: tables over roles, promises and drafts, and previews
//! checked against `shared`'s own rules.

use super::*;
use herald_shared::model::Component;
use time::macros::datetime;

const NOW: Timestamp = datetime!(2026-03-01 12:00:00 UTC);

fn state() -> State {
    let mut page = Page::new("demo", "Acme Cloud");
    page.components = vec![
        Component::new("api", "API"),
        Component::new("web", "Web app"),
    ];
    State::new(page)
}

fn opened(state: &State, body: &str, next: Option<Timestamp>) -> State {
    let mut d = Draft::new(Mode::Open, state, NOW);
    d.title = "Elevated API error rates".into();
    d.body = body.into();
    d.components = vec![("api".into(), ComponentStatus::PartialOutage)];
    d.next_update_at = next;
    apply(state, d.command("inc-1", "upd-1"), NOW)
        .expect("opens")
        .0
}

#[test]
fn each_role_is_offered_what_the_api_allows_it() {
    let cases = [
        (Role::Viewer, false, false, false),
        (Role::Responder, true, true, false),
        (Role::Communicator, true, true, true),
        (Role::Admin, true, true, true),
    ];
    for (role, compose, set_components, communicate) in cases {
        assert_eq!(
            Abilities::of(role),
            Abilities {
                compose,
                set_components,
                communicate
            },
            "{role:?}"
        );
    }
}

#[test]
fn the_countdown_runs_down_then_turns_overdue_and_stops_when_resolved() {
    let s = opened(
        &state(),
        "Some API requests fail.",
        Some(NOW + Duration::minutes(30)),
    );
    let i = s.incident("inc-1").unwrap();
    let cases = [
        (
            NOW,
            Promise::Due(Duration::minutes(30)),
            "Next update due in 30 min 00 s",
        ),
        (
            NOW + Duration::seconds(29 * 60 + 50),
            Promise::Due(Duration::seconds(10)),
            "Next update due in 10 s",
        ),
        (
            NOW + Duration::minutes(30),
            Promise::Due(Duration::ZERO),
            "Next update due in 0 s",
        ),
        (
            NOW + Duration::seconds(30 * 60 + 65),
            Promise::Overdue(Duration::seconds(65)),
            "Update overdue by 1 min 05 s",
        ),
        (
            NOW + Duration::minutes(30 + 125),
            Promise::Overdue(Duration::minutes(125)),
            "Update overdue by 2 h 05 min",
        ),
    ];
    for (at, want, text) in cases {
        let p = promise(i, at);
        assert_eq!(p, want, "{at}");
        assert_eq!(promise_text(p), text);
        assert_eq!(
            matches!(p, Promise::Overdue(_)),
            view::is_overdue(i, at),
            "agrees with shared at {at}"
        );
    }
    let mut d = Draft::new(Mode::Resolve("inc-1".into()), &s, NOW);
    d.body = "Fixed.".into();
    let resolved = apply(&s, d.command("", "upd-2"), NOW).unwrap().0;
    assert_eq!(
        promise(
            resolved.incident("inc-1").unwrap(),
            NOW + Duration::hours(3)
        ),
        Promise::None
    );
}

#[test]
fn spans_read_in_the_two_largest_units() {
    let cases = [
        (Duration::seconds(-5), "0 s"),
        (Duration::seconds(59), "59 s"),
        (Duration::seconds(61), "1 min 01 s"),
        (Duration::minutes(65), "1 h 05 min"),
        (Duration::hours(47), "47 h 00 min"),
        (Duration::hours(48), "2 days"),
        (Duration::hours(14 * 24 + 5), "14 days 5 h"),
    ];
    for (d, want) in cases {
        assert_eq!(span_text(d), want, "{d}");
    }
}

#[test]
fn a_new_draft_promises_the_next_update_at_the_page_cadence() {
    let s = state();
    let now = datetime!(2026-03-01 12:00:20.5 UTC);
    let d = Draft::new(Mode::Open, &s, now);
    assert_eq!(d.impact, Impact::Minor);
    assert_eq!(d.next_update_at, Some(datetime!(2026-03-01 13:01:00 UTC)));
    assert_eq!(
        default_next_update(&s.page, Impact::Critical, NOW),
        datetime!(2026-03-01 12:30:00 UTC)
    );
    assert!(d.notify, "notifying is the default");
}

#[test]
fn times_round_trip_through_the_datetime_field_in_utc() {
    let t = datetime!(2026-03-01 09:05:07 UTC);
    assert_eq!(to_input(t), "2026-03-01T09:05:07");
    assert_eq!(from_input("2026-03-01T09:05:07"), Some(t));
    assert_eq!(
        from_input("2026-03-01T09:05"),
        Some(datetime!(2026-03-01 09:05:00 UTC))
    );
    assert_eq!(from_input("tomorrow"), None);
}

#[test]
fn actions_follow_the_incident_and_the_role() {
    let s = opened(&state(), "Some API requests fail.", None);
    let i = s.incident("inc-1").unwrap();
    let id = || "inc-1".to_owned();
    assert_eq!(actions(i, Role::Viewer), vec![]);
    assert_eq!(
        actions(i, Role::Responder),
        vec![Mode::Update(id()), Mode::Resolve(id())]
    );
    let mut d = Draft::new(Mode::Resolve(id()), &s, NOW);
    d.body = "Fixed.".into();
    let resolved = apply(&s, d.command("", "u2"), NOW).unwrap().0;
    let r = resolved.incident("inc-1").unwrap();
    assert_eq!(actions(r, Role::Responder), vec![Mode::Reopen(id())]);
    assert_eq!(
        actions(r, Role::Communicator),
        vec![Mode::Reopen(id()), Mode::Postmortem(id())]
    );
}

#[test]
fn an_update_offers_only_the_statuses_the_incident_may_become() {
    let s = opened(&state(), "Some API requests fail.", None);
    let mut d = Draft::new(Mode::Update("inc-1".into()), &s, NOW);
    d.status = IncidentStatus::Monitoring;
    d.body = "A fix is rolling out; we are watching error rates.".into();
    let s = apply(&s, d.command("", "u2"), NOW).unwrap().0;
    assert_eq!(
        statuses(&Mode::Update("inc-1".into()), &s),
        vec![IncidentStatus::Identified, IncidentStatus::Monitoring]
    );
    assert_eq!(statuses(&Mode::Open, &s).len(), 3);
}

#[test]
fn the_lint_marks_the_words_it_objects_to() {
    let s = state();
    let mut d = Draft::new(Mode::Open, &s, NOW);
    d.title = "API errors".into();
    d.body = "Some customers see errors. It will be fixed by 10:30 after the k8s rollback.".into();
    let warnings = d.lint(&s.page);
    let pieces = marked(&d.body, &warnings, DraftField::Body);
    let marks: Vec<&str> = pieces
        .iter()
        .filter(|p| p.mark.is_some())
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(marks, ["will be fixed by 10:30", "k8s", "rollback"]);
    let joined: String = pieces.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(joined, d.body, "pieces cover the text exactly once");
    assert!(marked(&d.title, &warnings, DraftField::Title)
        .iter()
        .all(|p| p.mark.is_none()));
}

#[test]
fn overlapping_marks_merge_and_whole_text_warnings_are_not_marked() {
    let w = |code, span: Range<usize>, m: &str| Warning {
        code,
        field: DraftField::Body,
        span,
        message: m.into(),
    };
    let text = "ALL DOWN NOW guaranteed";
    let warnings = [
        w(LintCode::AllCaps, 0..12, "shouting"),
        w(LintCode::Jargon, 4..8, "jargon"),
        w(LintCode::MissingImpact, 0..23, "impact"),
        w(LintCode::PromisedFixTime, 13..23, "promise"),
    ];
    let pieces = marked(text, &warnings, DraftField::Body);
    assert_eq!(
        pieces,
        vec![
            Piece {
                text: "ALL DOWN NOW".into(),
                mark: Some("shouting; jargon".into())
            },
            Piece {
                text: " ".into(),
                mark: None
            },
            Piece {
                text: "guaranteed".into(),
                mark: Some("promise".into())
            },
        ]
    );
}

#[test]
fn the_preview_renders_every_channel_from_the_applied_draft() {
    let s = state();
    let mut d = Draft::new(Mode::Open, &s, NOW);
    d.title = "Elevated API error rates".into();
    d.impact = Impact::Major;
    d.body = "Some API requests fail. We are investigating.".into();
    d.components = vec![("api".into(), ComponentStatus::PartialOutage)];
    d.next_update_at = Some(datetime!(2026-03-01 12:30:00 UTC));
    let links = sample_links("https://status.example", "demo");
    let p = preview(&s, &d, NOW, &links).expect("a valid draft");
    let banner = p.banner.expect("the banner shows a new public incident");
    assert_eq!(banner.title, "Elevated API error rates");
    assert_eq!(banner.next_update_at, d.next_update_at);
    assert_eq!(
        p.email_subject,
        "[Acme Cloud] Elevated API error rates: Investigating"
    );
    assert!(p.email_text.contains("Affected: API"), "{}", p.email_text);
    assert!(p.email_text.contains("Next update by 2026-03-01 12:30 UTC"));
    assert!(p
        .sms
        .starts_with("Acme Cloud: Elevated API error rates (Investigating). "));
    assert_eq!(p.sms_count, herald_shared::sms::count(&p.sms));
    assert_eq!(p.sms_count.segments, 2, "the unsubscribe link makes it two");
    assert_eq!(sms_summary(p.sms_count).split(' ').next(), Some("2"));
    assert!(p
        .slack
        .starts_with("*Acme Cloud*: Elevated API error rates"));
    assert!(p.status_page.contains("Some API requests fail."));
    assert!(p.notify);

    d.notify = false;
    d.segments = vec!["plan:enterprise".into()];
    let mut s2 = s.clone();
    s2.page.audiences = vec![herald_shared::model::Audience {
        segment: "plan:enterprise".into(),
        name: "Enterprise".into(),
    }];
    let p = preview(&s2, &d, NOW, &links).expect("valid");
    assert!(!p.notify, "silent");
    assert!(p.banner.is_some(), "the segment's viewers see it");
}

#[test]
fn an_invalid_draft_fails_on_the_field_the_server_would_name() {
    let s = state();
    let links = sample_links("https://status.example", "demo");
    let mut d = Draft::new(Mode::Open, &s, NOW);
    d.body = "Some API requests fail.".into();
    let e = preview(&s, &d, NOW, &links).expect_err("no title");
    assert_eq!(e.field(), Some("title"));
    d.title = "API errors".into();
    d.next_update_at = Some(NOW - Duration::minutes(1));
    let e = preview(&s, &d, NOW, &links).expect_err("a promise in the past");
    assert_eq!(e.field(), Some("next_update_at"));
}

#[test]
fn a_template_fills_title_and_body_from_the_draft() {
    let s = state();
    let mut d = Draft::new(Mode::Open, &s, NOW);
    d.components = vec![("api".into(), ComponentStatus::PartialOutage)];
    let t = Template {
        id: "errors".into(),
        name: "Elevated errors".into(),
        locale: None,
        title: "Elevated errors on {{components}}".into(),
        body: "Some requests to {{components}} fail. Next update by {{next_update}}.".into(),
        impact: Some(Impact::Major),
    };
    d.fill(&t, &s, &sample_links("https://s.example", "demo"), NOW);
    assert_eq!(d.title, "Elevated errors on API");
    assert_eq!(d.impact, Impact::Major);
    assert_eq!(
        d.body,
        "Some requests to API fail. Next update by 2026-03-01 12:30 UTC."
    );
}

#[test]
fn requests_are_the_wire_shapes_the_api_reads() {
    let s = opened(&state(), "Some API requests fail.", None);
    let mut d = Draft::new(Mode::Resolve("inc-1".into()), &s, NOW);
    d.body = "Fixed.".into();
    let (method, path, body) = d.request();
    assert_eq!((method, path.as_str()), ("POST", "incidents/inc-1/updates"));
    let json = serde_json::to_value(&body).unwrap();
    assert_eq!(json["status"], "resolved");
    assert_eq!(json["next_update_at"], serde_json::Value::Null);
    let back: PostUpdateRequest = serde_json::from_value(json).unwrap();
    assert_eq!(back.body, "Fixed.");
    let (method, path, _) = Draft::new(Mode::Postmortem("inc-1".into()), &s, NOW).request();
    assert_eq!(
        (method, path.as_str()),
        ("PUT", "incidents/inc-1/postmortem")
    );
}

#[test]
fn polling_backs_off_on_errors_up_to_a_minute() {
    let delays: Vec<u32> = (0..7).map(poll_delay_ms).collect();
    assert_eq!(
        delays,
        [5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]
    );
}

#[test]
fn from_millis_reads_the_browser_clock() {
    assert_eq!(from_millis(1_772_366_400_000.0), NOW);
}

#[test]
fn the_overview_lists_what_needs_attention_soonest_first() {
    let s = opened(&state(), "Some API requests fail.", None);
    let mut d = Draft::new(Mode::Resolve("inc-1".into()), &s, NOW);
    d.body = "Fixed.".into();
    let s = apply(&s, d.command("", "u2"), NOW).unwrap().0;
    let mut o = Draft::new(Mode::Open, &s, NOW);
    o.title = "Web app is slow".into();
    o.body = "Pages load slowly for some customers.".into();
    let s = apply(&s, o.command("inc-2", "u3"), NOW + Duration::minutes(1))
        .unwrap()
        .0;
    let l = lists(&s, NOW);
    let ids = |v: &[&Incident]| v.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&l.active), ["inc-2"]);
    assert_eq!(ids(&l.resolved), ["inc-1"]);
    assert!(l.maintenance.is_empty() && l.notices.is_empty());
}

#[test]
fn re_rating_moves_the_promise_and_the_default_component_statuses() {
    let s = state();
    let mut d = Draft::new(Mode::Open, &s, NOW);
    d.components = vec![
        ("api".into(), ComponentStatus::DegradedPerformance),
        ("web".into(), ComponentStatus::UnderMaintenance),
    ];
    d.set_impact(Impact::Critical, &s.page, NOW);
    assert_eq!(
        d.components,
        vec![
            ("api".into(), ComponentStatus::MajorOutage),
            ("web".into(), ComponentStatus::UnderMaintenance),
        ],
        "a status chosen by hand stays"
    );
    assert_eq!(d.next_update_at, Some(NOW + Duration::minutes(30)));
}

#[test]
fn lead_time_is_checked_as_the_date_is_picked_and_a_reason_lets_it_through() {
    let s = state();
    let mut m = Advance::new(None, &s.page, NOW);
    assert_eq!(
        m.at,
        Some(datetime!(2026-03-04 13:00:00 UTC)),
        "3 days and a bit"
    );
    assert_eq!(m.until, Some(datetime!(2026-03-04 14:00:00 UTC)));
    m.title = "Database upgrade".into();
    m.body = "The dashboard will be read-only for up to an hour.".into();
    assert_eq!(m.check(&s, NOW), Ok(()));
    let lead = m.lead(&s.page, NOW).unwrap();
    assert!(!lead.too_late());
    assert_eq!(
        lead.text(),
        "Notice given: 3 days 1 h (this page asks for 3 days)."
    );

    m.at = Some(NOW + Duration::hours(2));
    m.until = Some(NOW + Duration::hours(3));
    let lead = m.lead(&s.page, NOW).unwrap();
    assert!(lead.too_late());
    assert!(lead.text().starts_with("Too late"), "{}", lead.text());
    let e = m.check(&s, NOW).expect_err("too late without a reason");
    assert_eq!(e.field(), Some("scheduled_for"));
    assert!(
        reason(&e).starts_with("the policy asks for 3 days"),
        "{}",
        reason(&e)
    );
    m.override_reason = "Security fix that cannot wait".into();
    assert_eq!(m.check(&s, NOW), Ok(()));

    let mut n = Advance::new(Some(NoticeKind::PricingChange), &s.page, NOW);
    n.title = "New prices".into();
    n.body = "Prices change for new plans.".into();
    n.requires_ack = true;
    assert_eq!(n.until, None);
    assert_eq!(n.check(&s, NOW), Ok(()));
    n.at = Some(NOW + Duration::days(2));
    assert_eq!(n.check(&s, NOW).unwrap_err().field(), Some("effective_at"));
    let (path, body) = n.request().unwrap();
    assert_eq!(path, "notices");
    let json = serde_json::to_value(&body).unwrap();
    assert_eq!(
        (&json["kind"], &json["requires_ack"]),
        (
            &serde_json::json!("pricing_change"),
            &serde_json::json!(true)
        )
    );
}

#[test]
fn a_dry_run_is_told_in_words() {
    use herald_shared::wire::{ChannelCount, DryRun};
    let counts = |e: usize, s: usize| {
        vec![
            ChannelCount {
                channel: herald_shared::subscriber::SubscriberChannel::Email,
                subscribers: e,
            },
            ChannelCount {
                channel: herald_shared::subscriber::SubscriberChannel::Sms,
                subscribers: s,
            },
        ]
    };
    let cases = [
        (false, 0, 0, "Publishing notifies no subscribers."),
        (false, 1, 0, "Publishing notifies 1 subscriber: 1 by email."),
        (
            true,
            2,
            1,
            "Waits for review by a second person; once approved, it notifies 3 subscribers: 2 by email, 1 by SMS.",
        ),
    ];
    for (held, e, s, want) in cases {
        let d = DryRun {
            held_for_review: held,
            recipients: counts(e, s),
        };
        assert_eq!(reach_text(&d), want);
    }
}

#[test]
fn a_dry_run_fills_the_words_and_keeps_the_rest() {
    let mut d = Draft::new(Mode::Open, &state(), NOW);
    d.components = vec![("api".into(), ComponentStatus::MajorOutage)];
    let (method, rest, body) = d.dry_run_request();
    assert_eq!((method, rest.as_str()), ("POST", "incidents?dry_run=true"));
    match body {
        Request::Open(r) => {
            assert_eq!((r.title.as_str(), r.body.as_str()), ("Draft", "Draft"));
            assert_eq!(r.components.len(), 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn reviews_list_waiting_drafts_first_and_only_another_reviewer_may_decide() {
    use herald_shared::command::{Command, SendBackReview, SubmitForReview};
    use herald_shared::model::HeldChange;
    let mut s = state();
    s.page.policy.review.notices = true;
    let submit = |id: &str, author: &str, title: &str| {
        let mut d = Draft::new(Mode::Open, &s, NOW);
        d.title = title.into();
        d.body = "Payments fail.".into();
        Command::SubmitForReview(SubmitForReview {
            id: id.into(),
            author: author.into(),
            change: HeldChange::of(d.command(&format!("inc-{id}"), &format!("upd-{id}"))).unwrap(),
        })
    };
    let s = apply(&s, submit("r1", "key:alice", "First"), NOW)
        .unwrap()
        .0;
    let s = apply(
        &s,
        submit("r2", "key:bob", "Second"),
        NOW + Duration::minutes(1),
    )
    .unwrap()
    .0;
    let s = apply(
        &s,
        Command::SendBack(SendBackReview {
            review_id: "r1".into(),
            reviewer: "key:bob".into(),
            comment: "Which regions?".into(),
        }),
        NOW + Duration::minutes(2),
    )
    .unwrap()
    .0;
    let rows = reviews(&s, "key:alice", Role::Communicator);
    let seen: Vec<(&str, &str, bool, bool)> = rows
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.title.as_str(),
                r.sent_back.is_some(),
                r.may_decide,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [("r2", "Second", false, true), ("r1", "First", true, false)]
    );
    assert!(
        !reviews(&s, "key:bob", Role::Communicator)[0].may_decide,
        "own draft"
    );
    assert!(
        !reviews(&s, "key:carol", Role::Responder)[0].may_decide,
        "role"
    );
}

#[test]
fn a_template_is_checked_like_the_server_and_previewed_per_channel() {
    let mut t = TemplateDraft::new();
    t.id = "errors".into();
    t.name = "Elevated error rates".into();
    t.impact = Some(Impact::Major);
    t.title = "Elevated error rates on {{components}}".into();
    t.body = "Some requests to {{components}} fail. {{nope}}".into();
    let e = t.preview(&state(), NOW, &sample_links("https://s.example", "demo"));
    assert_eq!(
        e.as_ref().err().and_then(DomainError::field),
        Some("body"),
        "{e:?}"
    );
    t.body = "Some requests to {{components}} fail.".into();
    let p = t
        .preview(&state(), NOW, &sample_links("https://s.example", "demo"))
        .unwrap();
    assert!(
        p.email_subject.contains("Elevated error rates on API"),
        "{}",
        p.email_subject
    );
    assert!(p.sms.contains("Some requests to API fail."), "{}", p.sms);
}

#[test]
fn a_notice_dry_run_fills_the_words() {
    let mut a = Advance::new(Some(NoticeKind::Other), &state().page, NOW);
    let (path, body) = a.dry_run_request().unwrap();
    assert_eq!(path, "notices?dry_run=true");
    match body {
        AdvanceRequest::Notice(n) => {
            assert_eq!((n.title.as_str(), n.body.as_str()), ("Draft", "Draft"))
        }
        other => panic!("{other:?}"),
    }
    a.at = None;
    assert!(a.dry_run_request().is_none());
}

#[test]
fn scorecard_figures_read_as_the_manager_says_them() {
    use herald_shared::delivery::RetryPolicy;
    use herald_shared::scorecard;
    // Began 17 minutes before it was opened; the 10-minute promise answered 25 minutes later;
    // resolved 25 minutes after that, in time.
    let mut d = Draft::new(Mode::Open, &state(), NOW);
    d.title = "Checkout errors".into();
    d.body = "Some payments fail.".into();
    d.components = vec![("api".into(), ComponentStatus::PartialOutage)];
    d.next_update_at = Some(NOW + Duration::minutes(10));
    d.started_at = Some(NOW - Duration::minutes(17));
    let (s, _) = apply(&state(), d.command("inc", "u1"), NOW).unwrap();
    let update = |s: &State, id: &str, status, at: i64, next: Option<i64>| {
        let mut d = Draft::new(Mode::Update("inc".into()), s, NOW + Duration::minutes(at));
        d.status = status;
        d.body = "News.".into();
        d.next_update_at = next.map(|m| NOW + Duration::minutes(m));
        apply(s, d.command("inc", id), NOW + Duration::minutes(at))
            .unwrap()
            .0
    };
    let s = update(&s, "u2", IncidentStatus::Identified, 25, Some(55));
    let s = update(&s, "u3", IncidentStatus::Resolved, 50, None);
    let card = scorecard::incident(&s, "inc", &[], &[], &RetryPolicy::default(), NOW).unwrap();
    let got: Vec<(&str, String)> = scorecard_figures(&card)
        .into_iter()
        .map(|f| (f.key, f.value))
        .collect();
    let want: Vec<(&str, String)> = vec![
        ("first-word", "17 min 00 s".into()),
        ("promises", "1 kept, 1 broken".into()),
        ("silence", "25 min 00 s".into()),
        ("updates", "3".into()),
        ("messages", "0".into()),
        ("audiences", "Public".into()),
        ("reached", "0".into()),
        ("review", "No review".into()),
    ];
    assert_eq!(got, want);
    let verdicts: Vec<String> = card.promises.iter().map(promise_verdict).collect();
    assert_eq!(verdicts, vec!["Broken by 15 min 00 s", "Kept"]);
    let p = scorecard::period(vec![card], NOW - Duration::hours(1), NOW);
    let got: Vec<(&str, String)> = period_figures(&p)
        .into_iter()
        .map(|f| (f.key, f.value))
        .collect();
    assert_eq!(got[0], ("incidents", "1".into()));
    assert_eq!(got[4], ("worst-late", "15 min 00 s".into()));
    assert_eq!(utc_text(NOW + Duration::minutes(5)), "2026-03-01 12:05 UTC");
}

#[test]
fn notifications_read_as_words_and_counts() {
    use herald_shared::delivery::NotificationKind;
    use herald_shared::wire::{DeliveryReport, NotificationInfo};
    let s = opened(&state(), "Some payments fail.", None);
    let id = s.incidents[0].id.clone();
    let title = s.incidents[0].title.clone();
    let info = |kind, event: &str, subject: Option<&str>| NotificationInfo {
        id: "ntf_1".into(),
        kind,
        subject: subject.map(str::to_owned),
        event: event.into(),
        created_at: "2026-03-01T12:00:00.000Z".into(),
        recipients: 3,
    };
    let table = [
        (
            info(NotificationKind::Notification, "incident_opened", Some(&id)),
            format!("Incident opened: {title}"),
        ),
        (
            info(
                NotificationKind::Escalation,
                "notice_published",
                Some("gone"),
            ),
            "Escalation".to_owned(),
        ),
        (
            info(NotificationKind::Notification, "something_new", None),
            "something_new".to_owned(),
        ),
    ];
    for (n, want) in table {
        assert_eq!(notification_title(&n, &s), want);
    }
    let report = DeliveryReport {
        notification_id: "ntf_1".into(),
        recipients: 3,
        sent: 2,
        delivered: 2,
        failed: 1,
        pending: 0,
        attempts: 3,
        failures: vec![],
        acknowledged: None,
        unacknowledged: vec![],
        channels: vec![],
    };
    let got: Vec<(&str, String)> = delivery_figures(&report)
        .into_iter()
        .map(|f| (f.key, f.value))
        .collect();
    assert_eq!(
        got,
        vec![
            ("recipients", "3".into()),
            ("sent", "2".into()),
            ("delivered", "2".into()),
            ("failed", "1".into()),
            ("pending", "0".into()),
        ]
    );
    let acked = DeliveryReport {
        acknowledged: Some(1),
        ..report
    };
    assert_eq!(delivery_figures(&acked).len(), 6);
}

#[test]
fn a_report_reads_channel_by_channel_and_a_dead_letter_offers_its_channels() {
    use herald_shared::wire::{ChannelFigures, DeliveryFailure};
    let on = |channel, sent, delivered, failed, pending, acknowledged| ChannelFigures {
        channel,
        sent,
        delivered,
        failed,
        pending,
        acknowledged,
    };
    let report = DeliveryReport {
        notification_id: "ntf_1".into(),
        recipients: 4,
        sent: 3,
        delivered: 2,
        failed: 1,
        pending: 0,
        attempts: 5,
        failures: vec![],
        acknowledged: Some(1),
        unacknowledged: vec![],
        channels: vec![
            on(SubscriberChannel::Email, 2, 1, 1, 0, Some(1)),
            on(SubscriberChannel::Sms, 1, 1, 0, 0, Some(0)),
        ],
    };
    assert_eq!(
        channel_lines(&report),
        vec![
            (
                SubscriberChannel::Email,
                "Email: 2 sent, 1 delivered, 1 failed, 0 pending, 1 acknowledged".to_owned()
            ),
            (
                SubscriberChannel::Sms,
                "SMS: 1 sent, 1 delivered, 0 failed, 0 pending, 0 acknowledged".to_owned()
            ),
        ]
    );
    let failure = |retry_on: Vec<SubscriberChannel>| DeliveryFailure {
        subscriber_id: "sub_1".into(),
        channel: SubscriberChannel::Sms,
        attempts: 3,
        error: None,
        retry_on,
    };
    assert_eq!(
        retry_actions(&failure(vec![
            SubscriberChannel::Email,
            SubscriberChannel::Sms
        ])),
        vec![
            (None, "Retry now".to_owned()),
            (Some(SubscriberChannel::Sms), "Send by SMS".to_owned()),
        ]
    );
    assert_eq!(
        retry_actions(&failure(vec![SubscriberChannel::Email])),
        vec![(None, "Retry now".to_owned())]
    );
    assert!(retry_actions(&failure(vec![])).is_empty());
}

#[test]
fn the_token_example_names_the_page_and_never_holds_a_secret() {
    let example = token_example("acme");
    assert!(example.contains(r#"page: "acme""#), "{example}");
    assert!(example.contains(r#""page": "acme""#), "{example}");
    assert_eq!(example.matches("HS256").count(), 2, "{example}");
    assert_eq!(example.matches("HERALD_WIDGET_SECRET").count(), 2);
    for role in Role::ALL {
        assert!(role_text(role).starts_with(&{
            let mut name = role.as_str().to_owned();
            name[..1].make_ascii_uppercase();
            name
        }));
    }
}

#[test]
fn evidence_filters_become_the_audit_query_or_name_the_wrong_field() {
    let f = |subject: &str, kind: &str, actor: &str, since: &str, until: &str| EvidenceFilter {
        subject: subject.into(),
        kind: kind.into(),
        actor: actor.into(),
        since: since.into(),
        until: until.into(),
    };
    assert_eq!(f("", "", "", "", "").params(), Ok(vec![]));
    assert_eq!(
        f(" inc_1 ", "incident", "key:abc", "2026-11-01", "2026-11-30").params(),
        Ok(vec![
            ("subject", "inc_1".to_owned()),
            ("action", "incident".to_owned()),
            ("actor", "key:abc".to_owned()),
            ("since", "2026-11-01T00:00:00Z".to_owned()),
            // The last day is included: the query's end is the next midnight.
            ("until", "2026-12-01T00:00:00Z".to_owned()),
        ])
    );
    assert_eq!(f("", "", "", "1 Nov", "").params().unwrap_err().0, "since");
    assert_eq!(
        f("", "", "", "2026-11-02", "2026-11-01")
            .params()
            .unwrap_err()
            .0,
        "until"
    );
    assert!(EVIDENCE_KINDS.iter().any(|(k, _)| *k == "notification"));
}

#[test]
fn an_audit_entry_reads_as_one_line() {
    use serde_json::json;
    assert_eq!(
        audit_summary(
            "notification.deliveries",
            &json!({"recipients": 3, "sent": 2, "delivered": 2, "failed": 1, "pending": 0})
        ),
        "3 recipients: 2 sent, 2 delivered, 1 failed, 0 pending"
    );
    assert_eq!(
        audit_summary(
            "notification.deliveries",
            &json!({"recipients": 1, "sent": 1})
        ),
        "1 recipient: 1 sent, 0 delivered, 0 failed, 0 pending"
    );
    assert_eq!(
        audit_summary(
            "keys.create",
            &json!({"id": "k1", "name": "CI", "role": "viewer"})
        ),
        "name: CI, role: viewer, id: k1"
    );
    assert_eq!(
        audit_summary(
            "incident.scorecard",
            &json!({"time_to_first_word_secs": 1020})
        ),
        "Scorecard: first public word after 17 min 00 s"
    );
    let long = "x".repeat(400);
    assert_eq!(
        audit_summary("incident.open", &json!({"title": long}))
            .chars()
            .count(),
        160
    );
}

#[test]
fn started_at_is_now_unless_given_and_never_in_the_future() {
    assert!(started_text(None, NOW).contains("now"));
    assert_eq!(
        started_text(Some(NOW - Duration::minutes(17)), NOW),
        "17 min 00 s ago."
    );
    assert!(started_text(Some(NOW + Duration::minutes(1)), NOW).contains("future"));
    assert!(Mode::Open.shows(FormField::StartedAt));
    assert!(!Mode::Update("i".into()).shows(FormField::StartedAt));
    // The API's rule, applied to the draft as the preview does: a future start is refused by
    // the field's name.
    let mut d = Draft::new(Mode::Open, &state(), NOW);
    d.title = "Slow API".into();
    d.body = "We are looking into slow answers from the API.".into();
    d.started_at = Some(NOW + Duration::minutes(5));
    let err = apply(&state(), d.command("i", "u"), NOW).expect_err("future start");
    assert_eq!(err.field(), Some("started_at"));
}
