//! The communication scorecard in the runtime: a scripted incident (its minutes driven by the
//! development clock, `POST /_dev/clock/{page}`), measured per incident, over a period and in the
//! evidence export.

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::fixtures::{address, confirmed, eventually, Env, WAIT};

pub const TESTS: &[crate::Test] = crate::tests![
    scorecard_of_a_scripted_incident_shows_its_exact_figures,
    scorecard_refuses_an_incident_started_in_the_future,
];

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

/// Sets the time page objects read for the rest of a test; the clock runs again when dropped,
/// also on panic.
pub struct Clock<'a> {
    env: &'a Env,
    page: String,
}

impl<'a> Clock<'a> {
    pub fn new(env: &'a Env, page: &str) -> Self {
        Clock {
            env,
            page: page.to_owned(),
        }
    }

    pub fn set(&self, at: OffsetDateTime) {
        let r = self.send(&rfc3339(at));
        assert_eq!(r.status, 200, "{r:?}");
    }

    fn send(&self, body: &str) -> crate::fixtures::Reply {
        self.env.send(
            "POST",
            &format!("/_dev/clock/{}", self.page),
            None,
            Some(body),
            &[],
        )
    }
}

impl Drop for Clock<'_> {
    fn drop(&mut self) {
        self.send("");
    }
}

/// Opens an incident that began 17 minutes before its first public word, promising an update
/// within 10 minutes; posts it 25 minutes later (15 late), promising the next within 30; resolves
/// it 25 minutes after that (in time). Returns the page, the incident and the first word's time.
pub fn scripted(env: &Env) -> (String, String, OffsetDateTime) {
    let page = env.page("score");
    let reader = address(env, "score-reader");
    confirmed(env, &page, &reader, &[]);
    let t0 = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let clock = Clock::new(env, &page);
    clock.set(t0);
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &json!({"title": "Checkout errors", "impact": "major", "components": ["api"],
            "body": "Some payments fail.", "started_at": rfc3339(t0 - Duration::minutes(17)),
            "next_update_at": rfc3339(t0 + Duration::minutes(10))})
        .to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let updates = format!("/v1/admin/pages/{page}/incidents/{id}/updates");
    clock.set(t0 + Duration::minutes(25));
    let r = env.admin(
        "POST",
        &updates,
        &json!({"status": "identified", "body": "A faulty release; rolling back.",
            "next_update_at": rfc3339(t0 + Duration::minutes(55))})
        .to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    clock.set(t0 + Duration::minutes(50));
    let r = env.admin(
        "POST",
        &updates,
        &json!({"status": "resolved", "body": "Payments work again."}).to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    (page, id, t0)
}

/// The figures a test compares: what the scripted incident must show.
fn figures(card: &Value) -> Value {
    json!({
        "time_to_first_word_secs": card["time_to_first_word_secs"],
        "promises": card["promises"].as_array().unwrap().iter()
            .map(|p| json!([p["verdict"], p["late_by_secs"]])).collect::<Vec<_>>(),
        "kept": card["promises_kept"],
        "broken": card["promises_broken"],
        "longest_silence_secs": card["longest_silence_secs"],
        "updates": card["updates"],
        "messages": card["messages"],
        "audiences": card["audiences"],
    })
}

fn scorecard_of_a_scripted_incident_shows_its_exact_figures(env: &Env) {
    let (page, id, t0) = scripted(env);
    let want = json!({
        "time_to_first_word_secs": 17 * 60,
        "promises": [["broken", 15 * 60], ["kept", 0]],
        "kept": 1,
        "broken": 1,
        "longest_silence_secs": 25 * 60,
        "updates": 3,
        "messages": 3,
        "audiences": ["public"],
    });
    let path = format!("/v1/admin/pages/{page}/incidents/{id}/scorecard");
    let card = env.admin("GET", &path, "").json();
    assert_eq!(figures(&card), want, "{card}");
    assert_eq!(card["started_at"], rfc3339(t0 - Duration::minutes(17)));
    // Every message reaches the one subscriber.
    let card = eventually("three messages reached the subscriber", WAIT, || {
        let c = env.admin("GET", &path, "").json();
        (c["channels"][0]["sent"] == 3).then_some(c)
    });
    assert_eq!(card["channels"][0]["channel"], "email", "{card}");
    assert_eq!(card["subscribers_reached"], 1, "{card}");

    // The page-level view over a period that holds it, and one that does not.
    let period = |since: OffsetDateTime, until: OffsetDateTime| {
        env.admin(
            "GET",
            &format!(
                "/v1/admin/pages/{page}/scorecard?since={}&until={}",
                rfc3339(since),
                rfc3339(until)
            ),
            "",
        )
    };
    let p = period(t0 - Duration::hours(1), t0 + Duration::hours(1)).json();
    assert_eq!(p["incidents"], 1, "{p}");
    assert_eq!(
        (&p["promises_kept"], &p["promises_broken"]),
        (&json!(1), &json!(1)),
        "{p}"
    );
    assert_eq!(p["worst_late_by_secs"], 15 * 60, "{p}");
    assert_eq!(p["mean_time_to_first_word_secs"], 17 * 60, "{p}");
    let none = period(t0 + Duration::hours(1), t0 + Duration::hours(2)).json();
    assert_eq!(none["incidents"], 0, "{none}");
    let bad = period(t0, t0 - Duration::hours(1));
    assert_eq!(bad.problem(400)["field"], "since", "{bad:?}");

    // The evidence export of the incident ends with its scorecard.
    let audit = env
        .admin(
            "GET",
            &format!("/v1/admin/pages/{page}/audit?subject={id}&include=deliveries,scorecard"),
            "",
        )
        .json();
    let last = audit.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "incident.scorecard", "{audit}");
    assert_eq!(figures(&last["change"]), want, "{last}");
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "notification.deliveries"),
        "{audit}"
    );
}

fn scorecard_refuses_an_incident_started_in_the_future(env: &Env) {
    let page = env.page("score-future");
    let later = OffsetDateTime::now_utc() + Duration::hours(1);
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &json!({"title": "Soon", "impact": "minor", "body": "Not yet.",
            "started_at": rfc3339(later)})
        .to_string(),
    );
    assert_eq!(r.problem(422)["field"], "started_at", "{r:?}");
    let missing = env.admin(
        "GET",
        &format!("/v1/admin/pages/{page}/incidents/inc_nope/scorecard"),
        "",
    );
    assert_eq!(missing.status, 404, "{missing:?}");
}
