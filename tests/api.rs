//! The HTTP API against the worker in workerd: banner JSON, ETags and 304s, admin writes, and the
//! problem+json answers to bad requests, which change nothing.

use crate::fixtures::Env;
use crate::Test;

pub const TESTS: &[Test] = &[
    (
        "api::open_incident_shows_in_banner_and_changes_the_etag",
        open_incident_shows_in_banner_and_changes_the_etag,
    ),
    (
        "api::bad_requests_get_problems_and_change_nothing",
        bad_requests_get_problems_and_change_nothing,
    ),
    (
        "api::unknown_pages_and_incidents_are_404",
        unknown_pages_and_incidents_are_404,
    ),
    (
        "api::resolved_incident_refuses_more_updates",
        resolved_incident_refuses_more_updates,
    ),
];

fn banner_path(page: &str) -> String {
    format!("/v1/pages/{page}/banner.json")
}

fn open_incident_shows_in_banner_and_changes_the_etag(env: &Env) {
    let page = env.page("etag");
    let quiet = env.get(&banner_path(&page), &[]);
    assert_eq!(quiet.status, 200);
    assert_eq!(quiet.json()["item"], serde_json::Value::Null);
    assert_eq!(quiet.header("access-control-allow-origin"), Some("*"));
    assert!(quiet
        .header("cache-control")
        .is_some_and(|c| c.contains("stale-while-revalidate") && c.contains("stale-if-error")));
    let quiet_tag = quiet.header("etag").expect("etag").to_owned();
    assert!(quiet_tag.starts_with('"'), "strong etag: {quiet_tag}");

    let not_modified = env.get(&banner_path(&page), &[("if-none-match", &quiet_tag)]);
    assert_eq!(not_modified.status, 304);
    assert_eq!(not_modified.body, "");
    assert_eq!(not_modified.header("etag"), Some(quiet_tag.as_str()));

    let id = env.open_incident(&page, "Elevated API errors", "major");
    let active = env.get(&banner_path(&page), &[("if-none-match", &quiet_tag)]);
    assert_eq!(active.status, 200, "the old ETag no longer matches");
    let item = &active.json()["item"];
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["title"], "Elevated API errors");
    assert_eq!(item["impact"], "major");
    assert_eq!(item["status"], "investigating");
    assert_eq!(item["components"][0]["name"], "API");
    let active_tag = active.header("etag").expect("etag").to_owned();
    assert_ne!(active_tag, quiet_tag);
    assert_eq!(
        env.get(&banner_path(&page), &[("if-none-match", &active_tag)])
            .status,
        304
    );

    let r = env.post_update(&page, &id, "identified", "A bad deploy; rolling back.");
    assert_eq!(r.status, 201, "{r:?}");
    let identified = env.get(&banner_path(&page), &[]).json();
    assert_eq!(identified["item"]["status"], "identified");
    assert_eq!(identified["item"]["body"], "A bad deploy; rolling back.");
    assert_ne!(identified["item"]["update_id"], item["update_id"]);

    assert_eq!(
        env.post_update(&page, &id, "resolved", "All requests succeed again.")
            .status,
        201
    );
    assert_eq!(
        env.get(&banner_path(&page), &[]).json()["item"],
        serde_json::Value::Null
    );
}

fn bad_requests_get_problems_and_change_nothing(env: &Env) {
    let page = env.page("bad");
    let incidents = format!("/v1/admin/pages/{page}/incidents");
    let before = env.get(&banner_path(&page), &[]);
    let good = r#"{"title":"t","impact":"minor","body":"b"}"#;

    let p = env
        .send("POST", &incidents, None, Some(good), &[])
        .problem(401);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer"),
        "{p}"
    );
    env.send("POST", &incidents, Some("wrong-key"), Some(good), &[])
        .problem(401);
    let p = env.admin("POST", &incidents, "{not json").problem(400);
    assert!(
        p["type"].as_str().unwrap().ends_with("/invalid-json"),
        "{p}"
    );
    env.admin(
        "POST",
        &incidents,
        r#"{"title":"t","impact":"apocalyptic","body":"b"}"#,
    )
    .problem(400);
    env.admin(
        "POST",
        &incidents,
        r#"{"title":"t","impact":"minor","body":"b","colour":"red"}"#,
    )
    .problem(400);
    let p = env
        .admin(
            "POST",
            &incidents,
            r#"{"title":"  ","impact":"minor","body":"b"}"#,
        )
        .problem(422);
    assert_eq!(p["field"], "title");
    let p = env
        .admin(
            "POST",
            &incidents,
            r#"{"title":"t","impact":"minor","body":"b","components":["nope"]}"#,
        )
        .problem(422);
    assert_eq!(p["field"], "components");
    let huge = format!(
        r#"{{"title":"t","impact":"minor","body":"{}"}}"#,
        "x".repeat(70_000)
    );
    env.admin("POST", &incidents, &huge).problem(413);

    let after = env.get(&banner_path(&page), &[]);
    assert_eq!(
        after.header("etag"),
        before.header("etag"),
        "nothing changed"
    );
    assert_eq!(after.body, before.body);
}

fn unknown_pages_and_incidents_are_404(env: &Env) {
    let p = env
        .get("/v1/pages/no-such-page/banner.json", &[])
        .problem(404);
    assert!(
        p["detail"].as_str().unwrap().contains("no-such-page"),
        "{p}"
    );
    let page = env.page("missing");
    env.post_update(&page, "inc_nope", "resolved", "x")
        .problem(404);
    env.get("/v1/nothing-here", &[]).problem(404);
    env.send("DELETE", &banner_path(&page), None, None, &[])
        .problem(405);
}

fn resolved_incident_refuses_more_updates(env: &Env) {
    let page = env.page("resolved");
    let id = env.open_incident(&page, "Webhook delays", "minor");
    assert_eq!(
        env.post_update(&page, &id, "resolved", "Delivered.").status,
        201
    );
    env.post_update(&page, &id, "monitoring", "Watching.")
        .problem(409);
}
