//! The server-rendered status page (`GET /{page}`) against the worker in workerd: HTML with the page's
//! components and public incidents only, 404 for unknown pages, and axe-core in headless Chromium.

use std::time::Duration;

use serde_json::{json, Value};

use crate::fixtures::{eventually, Env};
use crate::Test;

pub const TESTS: &[Test] = &[
    (
        "status_page::shows_the_page_components_and_an_open_incident",
        shows_the_page_components_and_an_open_incident,
    ),
    (
        "status_page::never_shows_an_audience_limited_incident",
        never_shows_an_audience_limited_incident,
    ),
    ("status_page::unknown_page_is_404", unknown_page_is_404),
];

/// Browser tier (`--browser`).
pub const BROWSER_TESTS: &[Test] = &[(
    "status_page::has_no_serious_accessibility_violations",
    has_no_serious_accessibility_violations,
)];

#[track_caller]
fn get_html(env: &Env, page: &str) -> String {
    let r = env.get(&format!("/{page}"), &[]);
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "content type: {:?}",
        r.header("content-type")
    );
    assert!(r.body.starts_with("<!DOCTYPE html>"), "{}", r.body);
    r.body
}

fn shows_the_page_components_and_an_open_incident(env: &Env) {
    let page = env.page("status-page");
    let quiet = get_html(env, &page);
    for text in [
        "Test page status",
        "API",
        "Web app",
        "All Systems Operational",
    ] {
        assert!(quiet.contains(text), "{text} missing from {quiet}");
    }

    let title = "Checkout fails for <some> customers & \"partners\"";
    env.open_incident(&page, title, "critical");
    // The page object renders on publish; the edge cache may serve the old page for a moment.
    let html = eventually(
        "the incident on the status page",
        Duration::from_secs(20),
        || {
            let html = get_html(env, &page);
            html.contains("Active incidents").then_some(html)
        },
    );
    assert!(unescape(&html).contains(title), "the title: {html}");
    assert!(!html.contains("<some>"), "unescaped user text");
    assert!(html.contains("Major Service Outage"), "{html}");
    assert!(html.contains("Major outage"), "the API component's status");
    assert!(html.contains("Next update by"), "{html}");
    assert!(
        html.contains(&format!(
            "<link rel=\"canonical\" href=\"{}/{page}\">",
            env.base
        )),
        "canonical URL on the worker's origin: {html}"
    );
}

/// The text of markup using the five entities an escaper produces (named or numeric), so tests do not
/// depend on which spelling the template engine picks.
fn unescape(html: &str) -> String {
    [
        ("&lt;", "<"),
        ("&#60;", "<"),
        ("&gt;", ">"),
        ("&#62;", ">"),
        ("&quot;", "\""),
        ("&#34;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&amp;", "&"),
        ("&#38;", "&"),
    ]
    .iter()
    .fold(html.to_owned(), |s, (entity, c)| s.replace(entity, c))
}

fn never_shows_an_audience_limited_incident(env: &Env) {
    let page = env.page("status-private");
    let settings = json!({
        "name": "Test page",
        "components": [{"id": "api", "name": "API"}, {"id": "web", "name": "Web app"}],
        "audiences": [{"segment": "plan:enterprise", "name": "Enterprise"}],
    });
    let r = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}"),
        &settings.to_string(),
    );
    assert!(r.status == 200 || r.status == 201, "{r:?}");
    let private = json!({
        "title": "Enterprise SSO private trouble", "impact": "major",
        "body": "Enterprise single sign-on fails.", "components": ["web"],
        "visibility": {"segments": ["plan:enterprise"]},
    });
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &private.to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let private_id = r.json()["id"].as_str().expect("incident id").to_owned();
    env.open_incident(&page, "Public API slowness", "minor");
    let html = eventually("the public incident", Duration::from_secs(20), || {
        let html = get_html(env, &page);
        html.contains("Public API slowness").then_some(html)
    });
    assert!(!html.contains("Enterprise SSO"), "private incident shown");
    assert!(!html.contains(&private_id), "private incident id shown");
    assert!(
        !html.contains("Partial outage"),
        "the private incident's component status leaked"
    );
}

fn unknown_page_is_404(env: &Env) {
    let r = env.get("/no-such-status-page", &[]);
    r.problem(404);
}

fn has_no_serious_accessibility_violations(env: &Env) {
    let page = env.page("status-a11y");
    let id = env.open_incident(&page, "Checkout is failing for some customers", "critical");
    env.post_update(
        &page,
        &id,
        "identified",
        "We found a faulty payment-provider configuration.",
    );
    eventually(
        "the update on the status page",
        Duration::from_secs(20),
        || {
            get_html(env, &page)
                .contains("faulty payment-provider")
                .then_some(())
        },
    );
    let browser = env.browser();
    browser.goto(&format!("{}/{page}", env.base));
    let serious = serious_violations(env);
    assert!(
        serious.is_empty(),
        "axe-core: serious or critical violations: {serious:#?}"
    );
}

/// axe-core's serious and critical violations on the page the browser shows.
pub(crate) fn serious_violations(env: &Env) -> Vec<Value> {
    run_axe(env)
        .into_iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect()
}

/// Runs axe-core (from node_modules, pinned in package.json) on the current document and returns its
/// violations reduced to id, impact, help and the offending elements. WebDriver's "execute script"
/// awaits a promise the script returns (W3C WebDriver, execute a function body), so the script returns
/// `axe.run(...)`'s promise and gets its value; the function body is not async, so no `await`.
pub(crate) fn run_axe(env: &Env) -> Vec<Value> {
    let path = xtask::root().join("node_modules/axe-core/axe.min.js");
    let axe = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `npm ci`)", path.display()));
    let script = format!(
        "{axe}\n;return axe.run(document, {{resultTypes: ['violations']}}).then(r => r.violations.map(v => ({{
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' '))
        }})));"
    );
    let result = env.browser().eval(&script, vec![]);
    result
        .as_array()
        .unwrap_or_else(|| panic!("axe-core returned {result}"))
        .clone()
}
