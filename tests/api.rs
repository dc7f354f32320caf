//! The HTTP API against the worker in workerd: banner JSON, ETags and 304s, admin writes, and the
//! problem+json answers to bad requests, which change nothing.

use crate::fixtures::Env;
use crate::{tests, Test};

pub const TESTS: &[Test] = tests![
    open_incident_shows_in_banner_and_changes_the_etag,
    reads_come_from_the_nearest_copy_and_writes_refresh_it,
    bad_requests_get_problems_and_change_nothing,
    unknown_pages_and_incidents_are_404,
    resolved_incident_refuses_more_updates,
    statuspage_endpoints_have_the_documented_shapes,
    private_incidents_only_reach_their_audience,
    feeds_and_status_page_are_served,
    openapi_document_is_served,
];

/// Asserts that the object `v` (named `what` in failures) has every field in `keys`.
#[track_caller]
fn has_keys(v: &serde_json::Value, what: &str, keys: &[&str]) {
    for key in keys {
        assert!(v.get(key).is_some(), "{what}.{key} in {v}");
    }
}

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

/// Isolate memory for a second, then the location's Workers Cache, then the page object; a write
/// drops the location's copy so the next read here is fresh.
fn reads_come_from_the_nearest_copy_and_writes_refresh_it(env: &Env) {
    let page = env.page("layers");
    let path = banner_path(&page);
    let read = || {
        let r = env.get(&path, &[]);
        assert_eq!(r.status, 200, "{r:?}");
        let source = r.header("x-herald-cache").unwrap_or("none").to_owned();
        let etag = r.header("etag").expect("etag").to_owned();
        (source, etag, r.json())
    };
    let after_isolate_copy_expires = || std::thread::sleep(std::time::Duration::from_millis(1_200));

    let (source, quiet_tag, _) = read();
    assert_eq!(source, "origin", "nothing cached yet");
    let (source, tag, _) = read();
    assert_eq!(
        (source.as_str(), tag.as_str()),
        ("isolate", quiet_tag.as_str())
    );
    after_isolate_copy_expires();
    let (source, tag, _) = read();
    assert_eq!(
        (source.as_str(), tag.as_str()),
        ("location", quiet_tag.as_str()),
        "the location's cache answers once this isolate's copy is older than a second"
    );

    let id = env.open_incident(&page, "Slow logins", "minor");
    after_isolate_copy_expires();
    let (source, active_tag, body) = read();
    assert_eq!(source, "origin", "the write dropped the location's copy");
    assert_ne!(active_tag, quiet_tag);
    assert_eq!(body["item"]["id"], id.as_str());
    after_isolate_copy_expires();
    let (source, tag, _) = read();
    assert_eq!(
        (source.as_str(), tag.as_str()),
        ("location", active_tag.as_str())
    );

    // Per-viewer answers never come from, or go into, the shared copies.
    let private = env.get(&format!("{path}?token=not-a-valid-token"), &[]);
    assert_eq!(private.header("x-herald-cache"), None, "{private:?}");
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
        "x".repeat(1_100_000)
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

fn statuspage_endpoints_have_the_documented_shapes(env: &Env) {
    let page = env.page("sp");
    let id = env.open_incident(&page, "Elevated API latency", "major");
    env.post_update(
        &page,
        &id,
        "identified",
        "A slow database replica; failing over.",
    );
    let base = format!("/pages/{page}/api/v2");
    let summary = env.get(&format!("{base}/summary.json"), &[]);
    assert_eq!(summary.status, 200);
    assert_eq!(summary.header("access-control-allow-origin"), Some("*"));
    let s = summary.json();
    has_keys(
        &s["page"],
        "page",
        &["id", "name", "url", "time_zone", "updated_at"],
    );
    assert_eq!(s["status"]["indicator"], "major");
    assert!(s["status"]["description"].as_str().is_some());
    let c = &s["components"][0];
    has_keys(
        c,
        "component",
        &[
            "id",
            "name",
            "status",
            "created_at",
            "updated_at",
            "position",
            "description",
            "showcase",
            "start_date",
            "group_id",
            "page_id",
            "group",
            "only_show_if_degraded",
        ],
    );
    let i = &s["incidents"][0];
    has_keys(
        i,
        "incident",
        &[
            "id",
            "name",
            "status",
            "created_at",
            "updated_at",
            "monitoring_at",
            "resolved_at",
            "impact",
            "shortlink",
            "started_at",
            "page_id",
            "incident_updates",
            "components",
        ],
    );
    assert_eq!(i["status"], "identified");
    assert_eq!(i["impact"], "major");
    let u = &i["incident_updates"][0];
    has_keys(
        u,
        "incident_update",
        &[
            "id",
            "status",
            "body",
            "incident_id",
            "created_at",
            "updated_at",
            "display_at",
            "affected_components",
            "deliver_notifications",
        ],
    );
    assert_eq!(
        u["body"], "A slow database replica; failing over.",
        "newest update first"
    );
    assert!(s["scheduled_maintenances"].is_array());
    let status = env.get(&format!("{base}/status.json"), &[]).json();
    assert_eq!(status["status"]["indicator"], "major");
    assert_eq!(
        env.get(&format!("{base}/components.json"), &[]).json()["components"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        env.get(&format!("{base}/incidents/unresolved.json"), &[])
            .json()["incidents"][0]["id"],
        id.as_str()
    );
    env.post_update(&page, &id, "resolved", "Failover complete.");
    assert_eq!(
        env.get(&format!("{base}/incidents/unresolved.json"), &[])
            .json()["incidents"],
        serde_json::json!([])
    );
    assert_eq!(
        env.get(&format!("{base}/incidents.json"), &[]).json()["incidents"][0]["status"],
        "resolved"
    );
    let etag = env
        .get(&format!("{base}/status.json"), &[])
        .header("etag")
        .unwrap()
        .to_owned();
    assert_eq!(
        env.get(&format!("{base}/status.json"), &[("if-none-match", &etag)])
            .status,
        304
    );
    // no page is bound to 127.0.0.1, so the host-routed form is a 404 problem
    env.get("/api/v2/summary.json", &[]).problem(404);
}

fn private_incidents_only_reach_their_audience(env: &Env) {
    let page = env.page("private");
    let settings = r#"{"name":"Private test","components":[{"id":"api","name":"API"}],"audiences":[{"segment":"plan:enterprise","name":"Enterprise"}]}"#;
    assert_eq!(
        env.admin("PUT", &format!("/v1/admin/pages/{page}"), settings)
            .status,
        200
    );
    let body = serde_json::json!({"title": "Enterprise SSO outage", "impact": "critical", "body": "SAML sign-in fails.",
        "visibility": {"segments": ["plan:enterprise"]}});
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    for path in [
        format!("/v1/pages/{page}/banner.json"),
        format!("/v1/pages/{page}/summary.json"),
        format!("/pages/{page}/api/v2/summary.json"),
        format!("/pages/{page}/api/v2/incidents.json"),
        format!("/{page}"),
        format!("/{page}/feed.atom"),
    ] {
        let public = env.get(&path, &[]);
        assert_eq!(public.status, 200, "{path}");
        assert!(
            !public.body.contains("Enterprise SSO outage"),
            "{path} leaks a private incident"
        );
    }
    let secret = env.widget_secret(&page);
    let now = crate::fixtures::unix_now();
    let claims =
        |segments: Vec<String>, exp: i64, for_page: &str| herald_shared::token::AudienceClaims {
            page: for_page.to_owned(),
            segments,
            exp,
            nbf: None,
            iat: Some(now),
            sub: None,
        };
    let token = herald_shared::token::sign(
        &claims(vec!["plan:enterprise".into()], now + 600, &page),
        secret.as_bytes(),
    );
    let seen = env.get(&format!("/v1/pages/{page}/banner.json?token={token}"), &[]);
    assert_eq!(seen.status, 200, "{seen:?}");
    assert_eq!(seen.json()["item"]["title"], "Enterprise SSO outage");
    assert_eq!(seen.header("cache-control"), Some("private, no-store"));
    let by_header = env.get(
        &format!("/v1/pages/{page}/summary.json"),
        &[("authorization", &format!("Bearer {token}"))],
    );
    assert!(by_header.body.contains("Enterprise SSO outage"));
    // the public answer afterwards is still the public one
    assert!(!env
        .get(&format!("/v1/pages/{page}/banner.json"), &[])
        .body
        .contains("Enterprise SSO outage"));
    let free = herald_shared::token::sign(
        &claims(vec!["plan:free".into()], now + 600, &page),
        secret.as_bytes(),
    );
    assert!(!env
        .get(&format!("/v1/pages/{page}/banner.json?token={free}"), &[])
        .body
        .contains("Enterprise SSO outage"));
    let expired = herald_shared::token::sign(
        &claims(vec!["plan:enterprise".into()], now - 3600, &page),
        secret.as_bytes(),
    );
    env.get(
        &format!("/v1/pages/{page}/banner.json?token={expired}"),
        &[],
    )
    .problem(401);
    let forged = herald_shared::token::sign(
        &claims(vec!["plan:enterprise".into()], now + 600, &page),
        b"not-the-secret",
    );
    env.get(&format!("/v1/pages/{page}/banner.json?token={forged}"), &[])
        .problem(401);
    let other_page = herald_shared::token::sign(
        &claims(vec!["plan:enterprise".into()], now + 600, "elsewhere"),
        secret.as_bytes(),
    );
    env.get(
        &format!("/v1/pages/{page}/banner.json?token={other_page}"),
        &[],
    )
    .problem(401);
}

fn feeds_and_status_page_are_served(env: &Env) {
    let page = env.page("feeds");
    env.open_incident(&page, "Webhooks delayed", "minor");
    let m = serde_json::json!({"title": "Network maintenance", "body": "Brief reconnects.", "components": ["api"],
        "scheduled_for": "2031-02-01T01:00:00Z", "scheduled_until": "2031-02-01T03:00:00Z"});
    assert_eq!(
        env.admin(
            "POST",
            &format!("/v1/admin/pages/{page}/maintenances"),
            &m.to_string()
        )
        .status,
        201
    );
    let html = env.get(&format!("/{page}"), &[]);
    assert_eq!(html.status, 200);
    assert!(html
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(html
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'none'"));
    assert!(html.body.contains("Test page"), "{}", html.body);
    // Regression: the status page linked to a subscription page that did not exist. Every link it
    // has into this host must resolve.
    for href in html
        .body
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
    {
        if let Some(path) = href.strip_prefix(&env.base) {
            let path = path.split('#').next().unwrap_or("");
            let path = if path.is_empty() { "/" } else { path };
            assert_eq!(env.get(path, &[]).status, 200, "link {href}");
        }
    }

    // Atom: well-formed XML in the Atom namespace with the elements RFC 4287 requires.
    let atom = env.get(&format!("/{page}/feed.atom"), &[]);
    assert!(atom
        .header("content-type")
        .unwrap()
        .starts_with("application/atom+xml"));
    let doc = roxmltree::Document::parse(&atom.body)
        .unwrap_or_else(|e| panic!("Atom is not XML: {e}\n{}", atom.body));
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(
        feed.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    let child = |n: roxmltree::Node, name: &str| {
        n.children()
            .find(|c| c.tag_name().name() == name)
            .map(|c| c.text().unwrap_or("").to_owned())
    };
    for required in ["id", "title", "updated"] {
        assert!(child(feed, required).is_some(), "feed/{required}");
    }
    let entries: Vec<_> = feed
        .children()
        .filter(|c| c.tag_name().name() == "entry")
        .collect();
    assert!(!entries.is_empty());
    for e in &entries {
        for required in ["id", "title", "updated"] {
            assert!(child(*e, required).is_some(), "entry/{required}");
        }
    }
    assert!(entries
        .iter()
        .any(|e| child(*e, "title").is_some_and(|t| t.contains("Webhooks delayed"))));

    // iCalendar: parsed by an RFC 5545 parser, one event for the window.
    let ics = env.get(&format!("/{page}/maintenance.ics"), &[]);
    assert!(ics
        .header("content-type")
        .unwrap()
        .starts_with("text/calendar"));
    let mut calendars = ical::IcalParser::new(ics.body.as_bytes());
    let calendar = calendars
        .next()
        .expect("a calendar")
        .unwrap_or_else(|e| panic!("iCalendar does not parse: {e}\n{}", ics.body));
    assert_eq!(calendar.events.len(), 1, "{}", ics.body);
    let prop = |name: &str| {
        calendar.events[0]
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
    };
    assert!(prop("SUMMARY").is_some_and(|s| s.contains("Network maintenance")));
    assert_eq!(prop("DTSTART").as_deref(), Some("20310201T010000Z"));
    assert_eq!(prop("DTEND").as_deref(), Some("20310201T030000Z"));
    assert!(prop("UID").is_some());
    env.get("/no-such-page", &[]).problem(404);
}

fn openapi_document_is_served(env: &Env) {
    let doc = env.get("/v1/openapi.json", &[]).json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/v1/admin/pages/{page}/incidents"]["post"].is_object());
}
