//! Uptime against the worker in workerd: a Statuspage import brings its incidents' times into the
//! history (time is driven by the imported documents' own times, never by waiting), the figures
//! follow the page's partial-outage weight, and they show in the uptime endpoint, `summary.json` and
//! the status page's bars.

use serde_json::{json, Value};

use crate::fixtures::{configure, Env};

pub const TESTS: &[crate::Test] = crate::tests![
    uptime_imported_incidents_count_and_the_weight_is_the_pages,
    uptime_asks_are_checked_and_recording_starts_with_the_page,
];

fn day_ago(days: i64) -> time::Date {
    (time::OffsetDateTime::now_utc() - time::Duration::days(days)).date()
}

/// A resolved Statuspage incident of `impact` on component `component`, from 10:00 to 12:24 UTC
/// (8,640 s: a tenth of the day) on `day`.
fn incident(id: &str, title: &str, impact: &str, component: &str, day: time::Date) -> Value {
    let at = |hm: &str| format!("{day}T{hm}:00Z");
    json!({
        "id": id, "name": title, "status": "resolved", "impact": impact,
        "created_at": at("10:00"), "updated_at": at("12:24"), "resolved_at": at("12:24"),
        "incident_updates": [
            {"id": format!("{id}-2"), "status": "resolved", "body": "Recovered.", "created_at": at("12:24")},
            {"id": format!("{id}-1"), "status": "investigating", "body": "Looking into it.", "created_at": at("10:00")}
        ],
        // As Statuspage lists them: the components' status today.
        "components": [{"id": component, "name": component, "status": "operational"}]
    })
}

fn uptime(env: &Env, page: &str, component: &str, query: &str) -> Value {
    let r = env.get(
        &format!("/v1/pages/{page}/components/{component}/uptime?{query}"),
        &[],
    );
    assert_eq!(r.status, 200, "{r:?}");
    r.json()
}

fn uptime_imported_incidents_count_and_the_weight_is_the_pages(env: &Env) {
    let page = env.page("uptime");
    let day = day_ago(10);
    let doc = json!({
        "page": {"id": "src", "name": "Test page"},
        "incidents": [
            incident("dbfail", "Database failover", "critical", "api", day),
            incident("slowweb", "Slow web pages", "major", "web", day),
        ],
        "scheduled_maintenances": []
    });
    // Imported twice: the second import changes nothing.
    for round in 0..2 {
        let r = env.admin(
            "POST",
            &format!("/v1/admin/pages/{page}/import/statuspage"),
            &doc.to_string(),
        );
        assert!(r.status == 200 || r.status == 201, "round {round}: {r:?}");
        let api = uptime(env, &page, "api", &format!("start={day}&end={day}"));
        assert_eq!(
            api["uptime_percentage"],
            json!(90.0),
            "round {round}: {api}"
        );
        assert_eq!(api["major_outage"], 8640, "{api}");
        assert_eq!(api["partial_outage"], 0, "{api}");
        assert_eq!(api["range_start"], day.to_string(), "{api}");
        assert_eq!(api["name"], "API", "{api}");
        assert_eq!(
            api["related_events"]["incidents"],
            json!([{"id": "dbfail", "name": "Database failover"}]),
            "{api}"
        );
    }
    // A major incident is a partial outage: 30% of its time counts as down.
    let web = uptime(env, &page, "web", &format!("start={day}&end={day}"));
    assert_eq!(web["uptime_percentage"], json!(97.0), "{web}");
    assert_eq!(web["partial_outage"], 8640, "{web}");
    // Over the ten days from it to yesterday, a tenth of one day is a hundredth.
    let yesterday = day_ago(1);
    let ten = uptime(env, &page, "api", &format!("start={day}&end={yesterday}"));
    assert_eq!(ten["uptime_percentage"], json!(99.0), "{ten}");

    // summary.json carries the 90 days' figure of each component.
    let summary = env
        .get(&format!("/v1/pages/{page}/summary.json"), &[])
        .json();
    let api = summary["components"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["id"] == "api"))
        .cloned()
        .unwrap_or_else(|| panic!("{summary}"));
    assert_eq!(api["uptime"]["days"], 90, "{api}");
    assert_eq!(api["uptime"]["major_outage"], 8640, "{api}");

    // The status page: a bar per day with its words.
    let html = env.get(&format!("/{page}"), &[]).body;
    assert!(
        html.contains(&format!(
            "{day}: 90% uptime, major outage 144 min; incidents: Database failover"
        )),
        "{html}"
    );
    assert!(
        html.contains("uptime over the last 90 days"),
        "the bars' label: {html}"
    );
    // The bars need no script: the page's only ones are its push button and live script.
    let without_push = html.replace(r#"<script src="/push.js" defer></script>"#, "");
    assert_eq!(without_push.matches("<script").count(), 1, "{html}");
    assert!(html.contains("<script src=\"/status-live.js\""), "{html}");

    // The page counts partial outage in full now.
    configure(
        env,
        &page,
        &json!({"name": "Test page",
                "components": [{"id": "api", "name": "API"}, {"id": "web", "name": "Web app"}],
                "policy": {"partial_outage_weight_percent": 100}}),
    );
    let web = uptime(env, &page, "web", &format!("start={day}&end={day}"));
    assert_eq!(web["uptime_percentage"], json!(90.0), "{web}");
}

fn uptime_asks_are_checked_and_recording_starts_with_the_page(env: &Env) {
    let page = env.page("uptime-asks");
    // A new page: nothing before today, said in warnings; no downtime today.
    let fresh = uptime(env, &page, "api", "");
    assert_eq!(fresh["range_start"], day_ago(0).to_string(), "{fresh}");
    assert!(fresh["warnings"].as_str().is_some(), "{fresh}");
    assert_eq!(fresh["uptime_percentage"], json!(100.0), "{fresh}");
    for (query, field) in [
        ("start=yesterday", "start"),
        ("end=2026-13-01", "end"),
        (
            &format!("start={}&end={}", day_ago(1), day_ago(3)) as &str,
            "start",
        ),
        (&format!("start={}", day_ago(400)) as &str, "start"),
    ] {
        let r = env.get(
            &format!("/v1/pages/{page}/components/api/uptime?{query}"),
            &[],
        );
        let problem = r.problem(400);
        assert_eq!(problem["field"], field, "{query}: {problem}");
    }
    env.get(&format!("/v1/pages/{page}/components/nope/uptime"), &[])
        .problem(404);
    let r = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}"),
        &json!({"name": "Test page", "components": [{"id": "api", "name": "API"}],
                "policy": {"partial_outage_weight_percent": 101}})
        .to_string(),
    );
    let problem = r.problem(422);
    assert_eq!(
        problem["field"], "policy.partial_outage_weight_percent",
        "{problem}"
    );
}
