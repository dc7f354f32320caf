//! An incident's own page (`/{page}/incidents/{id}`) and the monthly history against the worker in
//! workerd: their content and link-preview tags, 404 for unknown and audience-limited incidents,
//! and the links that point there (the Statuspage `shortlink`, every message's "read more").

use serde_json::json;

use crate::fixtures::{confirmed, eventually, wait_mail, Env, WAIT};

pub const TESTS: &[crate::Test] = crate::tests![
    an_incident_page_shows_every_update_and_the_postmortem,
    unknown_and_private_incidents_have_no_page,
    history_lists_public_incidents_of_a_month,
    shortlinks_and_message_links_point_at_the_incident_page,
];

/// Browser tier (`--browser`).
pub const BROWSER_TESTS: &[crate::Test] =
    crate::tests![incident_pages_have_no_serious_accessibility_violations];

fn incident_pages_have_no_serious_accessibility_violations(env: &Env) {
    let page = env.page("incident-a11y");
    let id = env.open_incident(&page, "Checkout is failing for some customers", "critical");
    env.post_update(
        &page,
        &id,
        "identified",
        "A faulty payment-provider configuration.",
    );
    let browser = env.browser();
    for path in [
        format!("/{page}/incidents/{id}"),
        format!("/{page}/history"),
    ] {
        browser.goto(&format!("{}{path}", env.base));
        let serious = crate::status_page::serious_violations(env);
        assert!(serious.is_empty(), "{path}: axe-core: {serious:#?}");
    }
}

#[track_caller]
fn html(env: &Env, path: &str) -> String {
    let r = env.get(path, &[]);
    assert_eq!(r.status, 200, "{path}: {r:?}");
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{r:?}"
    );
    assert!(
        r.header("content-security-policy")
            .is_some_and(|c| c.starts_with("default-src 'none'")),
        "no script but the host's own: {r:?}"
    );
    // The incident pages and the history run no script; the status page runs only its own push
    // button and live script, from this origin.
    let without_ours = r
        .body
        .replace(r#"<script src="/push.js" defer></script>"#, "")
        .replace(r#"<script src="/status-live.js""#, "");
    assert!(without_ours.matches("<script").count() == 0, "{}", r.body);
    r.body
}

fn an_incident_page_shows_every_update_and_the_postmortem(env: &Env) {
    let page = env.page("incident-page");
    let id = env.open_incident(&page, "Checkout errors", "major");
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents/{id}/updates"),
        &json!({"status": "identified", "body": "A faulty deploy; rolling back.",
                "next_update_at": "2099-01-01T12:00:00Z"})
        .to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let path = format!("/{page}/incidents/{id}");
    let open = html(env, &path);
    for text in [
        "Checkout errors",
        "Checkout errors: we are investigating.",
        "A faulty deploy; rolling back.",
        "Next update by",
        "2099-01-01 12:00 UTC",
        "API",
        "<meta property=\"og:title\" content=\"Checkout errors\">",
    ] {
        assert!(open.contains(text), "{text:?} missing: {open}");
    }
    assert!(
        open.contains(&format!(
            "<meta property=\"og:url\" content=\"{}{path}\">",
            env.base
        )),
        "{open}"
    );
    // An ETag, and a 304 for a reader who has this version.
    let etag = env.get(&path, &[]).header("etag").unwrap().to_owned();
    assert_eq!(env.get(&path, &[("if-none-match", &etag)]).status, 304);

    assert_eq!(
        env.post_update(&page, &id, "resolved", "Payments succeed again.")
            .status,
        201
    );
    let r = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}/incidents/{id}/postmortem"),
        &json!({"body": "A config flag flipped during the deploy."}).to_string(),
    );
    assert!(r.status == 200 || r.status == 201, "{r:?}");
    let done = html(env, &path);
    assert!(done.contains("Postmortem"), "{done}");
    assert!(done.contains("A config flag flipped"), "{done}");
    assert!(done.contains("Resolved"), "{done}");
    assert!(
        !done.contains("Next update by"),
        "no promise once resolved: {done}"
    );
}

fn unknown_and_private_incidents_have_no_page(env: &Env) {
    let page = env.page("incident-private");
    let r = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}"),
        &json!({"name": "Test page",
                "components": [{"id": "api", "name": "API"}, {"id": "web", "name": "Web app"}],
                "audiences": [{"segment": "plan:enterprise", "name": "Enterprise"}]})
        .to_string(),
    );
    assert!(r.status == 200 || r.status == 201, "{r:?}");
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &json!({"title": "Enterprise SSO trouble", "impact": "major",
                "body": "Enterprise single sign-on fails.", "components": ["web"],
                "visibility": {"segments": ["plan:enterprise"]}})
        .to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let private = r.json()["id"].as_str().unwrap().to_owned();
    let r = env.get(&format!("/{page}/incidents/{private}"), &[]);
    let problem = r.problem(404);
    assert!(!r.body.contains("Enterprise"), "{problem}");
    env.get(&format!("/{page}/incidents/inc_nope"), &[])
        .problem(404);
    env.get("/no-such-page-at-all/incidents/inc_1", &[])
        .problem(404);
    let history = html(env, &format!("/{page}/history"));
    assert!(!history.contains("Enterprise SSO"), "{history}");
}

fn history_lists_public_incidents_of_a_month(env: &Env) {
    let page = env.page("incident-history");
    let id = env.open_incident(&page, "Slow dashboards", "minor");
    let this_month = html(env, &format!("/{page}/history"));
    assert!(this_month.contains("Slow dashboards"), "{this_month}");
    assert!(
        this_month.contains(&format!("{}/{page}/incidents/{id}", env.base)),
        "a link to the incident's page: {this_month}"
    );
    // A month long past: nothing in it, and a link forward.
    let old = html(env, &format!("/{page}/history?month=2001-01"));
    assert!(!old.contains("Slow dashboards"), "{old}");
    assert!(old.contains("No incidents"), "{old}");
    assert!(old.contains("month=2001-02"), "{old}");
    let problem = env
        .get(&format!("/{page}/history?month=March"), &[])
        .problem(400);
    assert_eq!(problem["field"], "month", "{problem}");
    // The status page links to the history and to the incident.
    let status = html(env, &format!("/{page}"));
    assert!(
        status.contains(&format!("{}/{page}/history", env.base)),
        "{status}"
    );
    assert!(
        status.contains(&format!("/{page}/incidents/{id}")),
        "{status}"
    );
}

fn shortlinks_and_message_links_point_at_the_incident_page(env: &Env) {
    let page = env.page("incident-links");
    let email = crate::fixtures::address(env, "reader");
    confirmed(env, &page, &email, &[]);
    let id = env.open_incident(&page, "Login failures", "major");
    let want = format!("{}/{page}/incidents/{id}", env.base);

    let doc = eventually("the incident in incidents.json", WAIT, || {
        let r = env.get(&format!("/pages/{page}/api/v2/incidents.json"), &[]);
        assert_eq!(r.status, 200, "{r:?}");
        let doc = r.json();
        (doc["incidents"].as_array()?.len() == 1).then_some(doc)
    });
    assert_eq!(doc["incidents"][0]["shortlink"], want.as_str(), "{doc}");
    assert_eq!(env.get(&want[env.base.len()..], &[]).status, 200);

    let mail = wait_mail(env, &email, "Login failures", 1);
    let text = mail[0]["text"].as_str().unwrap();
    assert!(text.contains(&want), "the text part's link: {text}");
    let html = mail[0]["html"].as_str().unwrap();
    assert!(html.contains(&format!("href=\"{want}\"")), "{html}");
}
