//! Table tests of the scorecard: scripted incidents with their promises, deliveries and reviews.

use super::*;
use crate::command::{Command, OpenIncident, PostUpdate};
use crate::delivery::Outcome;
use crate::model::{Impact, IncidentStatus::*};
use crate::testkit::*;
use SubscriberChannel::{Email, Sms};

/// An incident that began `began` minutes before NOW, opened at NOW with a promise `promise`
/// minutes ahead, then updates at (minutes after NOW, status, promise minutes ahead).
fn scripted(
    began: Option<i64>,
    promise: i64,
    then: &[(i64, IncidentStatus, Option<i64>)],
) -> State {
    let mut steps = vec![(
        Command::OpenIncident(OpenIncident {
            started_at: began.map(|m| NOW - mins(m)),
            next_update_at: Some(NOW + mins(promise)),
            ..open("inc", Impact::Major)
        }),
        NOW,
    )];
    for (n, (at, status, next)) in then.iter().enumerate() {
        steps.push((
            Command::PostUpdate(PostUpdate {
                next_update_at: next.map(|m| NOW + mins(at + m)),
                ..update("inc", &format!("u{n}"), *status)
            }),
            NOW + mins(*at),
        ));
    }
    run(&state(), steps).0
}

#[test]
fn promises_first_word_and_silence() {
    // (what, began, first promise, later updates, minutes after NOW it is looked at) ->
    // (first word secs, kept, broken, late by secs of each promise, longest silence secs, resolved)
    let table: Vec<(
        &str,
        Option<i64>,
        i64,
        Vec<(i64, IncidentStatus, Option<i64>)>,
        i64,
        (i64, u32, u32, Vec<i64>, i64, bool),
    )> = vec![
        (
            "started 17 minutes before the first word, one promise kept, one broken by 15",
            Some(17),
            10,
            vec![(8, Identified, Some(30)), (53, Resolved, None)],
            120,
            (1020, 1, 1, vec![0, 900], 2700, true),
        ),
        (
            "opened at once: no wait; the promise not due yet is open",
            None,
            30,
            vec![],
            10,
            (0, 0, 0, vec![0], 600, false),
        ),
        (
            "unresolved, the promise past and no update: broken so far, silent until now",
            Some(5),
            30,
            vec![],
            50,
            (300, 0, 1, vec![1200], 3000, false),
        ),
        (
            "a resolution late by 2 minutes breaks the promise it answers",
            Some(1),
            20,
            vec![(22, Resolved, None)],
            200,
            (60, 0, 1, vec![120], 1320, true),
        ),
    ];
    for (what, began, promise, then, looked, want) in table {
        let s = scripted(began, promise, &then);
        let c = incident(
            &s,
            "inc",
            &[],
            &[],
            &RetryPolicy::default(),
            NOW + mins(looked),
        )
        .unwrap_or_else(|| panic!("{what}: no scorecard"));
        let got = (
            c.time_to_first_word_secs.unwrap_or(-1),
            c.promises_kept,
            c.promises_broken,
            c.promises
                .iter()
                .map(|p| p.late_by_secs)
                .collect::<Vec<_>>(),
            c.longest_silence_secs,
            c.resolved_at.is_some(),
        );
        assert_eq!(got, want, "{what}");
    }
}

#[test]
fn a_promise_answered_in_time_is_kept_and_an_unanswered_future_one_open() {
    let s = scripted(Some(3), 10, &[(9, Identified, Some(30))]);
    let c = incident(&s, "inc", &[], &[], &RetryPolicy::default(), NOW + mins(20)).unwrap();
    let verdicts: Vec<_> = c.promises.iter().map(|p| (p.verdict, p.met_at)).collect();
    assert_eq!(
        verdicts,
        vec![
            (PromiseVerdict::Kept, Some(NOW + mins(9))),
            (PromiseVerdict::Open, None)
        ]
    );
    assert_eq!(c.audiences, vec!["public".to_owned()]);
    assert_eq!(c.updates, 2);
}

#[test]
fn an_unknown_incident_has_no_scorecard() {
    let s = scripted(None, 10, &[]);
    assert!(incident(&s, "nope", &[], &[], &RetryPolicy::default(), NOW).is_none());
}

fn attempt(sub: &str, channel: SubscriberChannel, n: u32, outcome: Outcome, secs: i64) -> Delivery {
    Delivery {
        notification_id: "ntf".into(),
        subscriber_id: sub.into(),
        channel,
        attempt: n,
        outcome,
        provider_id: None,
        error: None,
        at: NOW + time::Duration::seconds(secs),
    }
}

#[test]
fn deliveries_add_up_per_channel() {
    let mut s = scripted(None, 10, &[]);
    let subscribers = [
        ("a", Email, "a@example.com"),
        ("b", Email, "b@example.com"),
        ("c", Sms, "+41446681800"),
        ("d", Email, "d@example.com"),
    ];
    for (id, channel, address) in subscribers {
        s = run(
            &s,
            vec![
                (Command::Subscribe(subscription(id, channel, address)), NOW),
                (
                    Command::Confirm(crate::command::Confirm {
                        subscriber_id: id.into(),
                    }),
                    NOW,
                ),
            ],
        )
        .0;
    }
    let retry = RetryPolicy::with(60, 3);
    // (what, attempts, acknowledged, recipients) -> per channel (sent, delivered, failed, pending,
    // acknowledged), not yet tried, reached
    let table: Vec<(
        &str,
        Vec<Delivery>,
        Vec<String>,
        u32,
        Vec<(SubscriberChannel, [u32; 5])>,
        u32,
        u32,
    )> = vec![
        (
            "delivered, refused for good, still retrying, one not tried",
            vec![
                attempt("a", Email, 1, Outcome::Delivered, 1),
                attempt("b", Email, 1, Outcome::PermanentFailure, 1),
                attempt("c", Sms, 1, Outcome::TemporaryFailure, 1),
            ],
            vec![],
            4,
            vec![(Email, [1, 1, 1, 0, 0]), (Sms, [0, 0, 0, 1, 0])],
            1,
            1,
        ),
        (
            "accepted, then a receipt; retries exhausted fail",
            vec![
                attempt("a", Email, 1, Outcome::Sent, 1),
                attempt("d", Email, 1, Outcome::Sent, 1),
                attempt("c", Sms, 1, Outcome::TemporaryFailure, 1),
                attempt("c", Sms, 2, Outcome::TemporaryFailure, 70),
                attempt("c", Sms, 3, Outcome::TemporaryFailure, 200),
            ],
            segs(&["d"]),
            3,
            vec![(Email, [2, 0, 0, 0, 1]), (Sms, [0, 0, 1, 0, 0])],
            0,
            2,
        ),
    ];
    for (what, attempts, acks, recipients, want, untried, reached) in table {
        let m = Message {
            kind: NotificationKind::Notification,
            recipients,
            attempts: &attempts,
            acknowledged: &acks,
        };
        let c = incident(&s, "inc", &[m], &[], &retry, NOW + mins(5)).unwrap();
        let got: Vec<_> = c
            .channels
            .iter()
            .map(|c| {
                (
                    c.channel,
                    [c.sent, c.delivered, c.failed, c.pending, c.acknowledged],
                )
            })
            .collect();
        assert_eq!(got, want, "{what}");
        assert_eq!(c.not_yet_tried, untried, "{what}");
        assert_eq!(c.subscribers_reached, reached, "{what}");
        assert_eq!(c.messages, 1, "{what}");
    }
}

#[test]
fn review_turnaround_comes_from_the_audit() {
    let s = scripted(None, 10, &[]);
    let requested = |id: &str, subject: &str| Event::ReviewRequested {
        review_id: id.into(),
        author: "key:a".into(),
        subject: subject.into(),
    };
    let audit = vec![
        (NOW - mins(30), requested("r1", "inc")),
        (NOW - mins(29), requested("other", "elsewhere")),
        (
            NOW - mins(20),
            Event::ReviewSentBack {
                review_id: "r1".into(),
                author: "key:a".into(),
                reviewer: "key:b".into(),
                subject: "inc".into(),
                comment: "Say who is affected.".into(),
            },
        ),
        (NOW - mins(6), requested("r2", "inc")),
        (
            NOW,
            Event::ReviewApproved {
                review_id: "r2".into(),
                author: "key:a".into(),
                reviewer: "key:b".into(),
                subject: "inc".into(),
            },
        ),
        (NOW + mins(1), requested("r3", "inc")),
    ];
    let c = incident(
        &s,
        "inc",
        &[],
        &audit,
        &RetryPolicy::default(),
        NOW + mins(2),
    )
    .unwrap();
    let got: Vec<_> = c
        .reviews
        .iter()
        .map(|r| (r.review_id.as_str(), r.decision, r.turnaround_secs))
        .collect();
    assert_eq!(
        got,
        vec![
            ("r1", ReviewDecision::SentBack, Some(600)),
            ("r2", ReviewDecision::Approved, Some(360)),
            ("r3", ReviewDecision::Waiting, None),
        ]
    );
}

#[test]
fn the_period_sums_the_incidents_that_started_in_it() {
    let s = scripted(
        Some(17),
        10,
        &[(8, Identified, Some(30)), (53, Resolved, None)],
    );
    let card = |started: i64, first: i64| Scorecard {
        started_at: NOW + mins(started),
        time_to_first_word_secs: Some(first),
        ..incident(&s, "inc", &[], &[], &RetryPolicy::default(), NOW + hours(2)).unwrap()
    };
    let p = period(
        vec![card(-60, 600), card(-30, 1200), card(-600, 60)],
        NOW - hours(2),
        NOW,
    );
    assert_eq!(p.incidents, 2);
    assert_eq!(p.mean_time_to_first_word_secs, Some(900));
    assert_eq!(p.longest_time_to_first_word_secs, Some(1200));
    assert_eq!((p.promises_kept, p.promises_broken), (2, 2));
    assert_eq!(p.worst_late_by_secs, 900);
    assert_eq!(p.longest_silence_secs, 2700);
    assert_eq!(p.scorecards[0].started_at, NOW - mins(60));
    let empty = period(vec![], NOW - hours(1), NOW);
    assert_eq!(
        (empty.incidents, empty.mean_time_to_first_word_secs),
        (0, None)
    );
}

#[test]
fn an_incident_cannot_have_started_in_the_future() {
    let cmd = Command::OpenIncident(OpenIncident {
        started_at: Some(NOW + mins(1)),
        ..open("inc", Impact::Minor)
    });
    let e = crate::command::apply(&state(), cmd, NOW).unwrap_err();
    assert!(e.to_string().contains("started_at"), "{e}");
}
