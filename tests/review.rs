//! Review by a second person, against workerd: a held notice is neither public nor sent until
//! another key approves it; a held incident sent back keeps its comment; the key's identity; a dry
//! run's fan-out; the page's `GET` answers 304 while unchanged; no page takes the console's path.

use serde_json::{json, Value};

use crate::admin::create_key;
use crate::fixtures::{address, confirmed, wait_mail, Env};
use crate::{tests, Test};

pub const TESTS: &[Test] = tests![
    a_held_notice_is_published_and_sent_only_when_a_second_key_approves_it,
    a_held_incident_sent_back_keeps_the_comment_and_a_dry_run_counts_recipients,
    the_key_knows_who_it_is_and_an_unchanged_page_answers_304,
    no_page_takes_a_path_the_worker_serves,
];

/// A page whose policy holds notices and incidents from major up for review.
fn reviewed_page(env: &Env, name: &str) -> String {
    let page = env.page(name);
    let settings = json!({"name": "Reviewed", "components": [{"id": "api", "name": "API"}],
        "policy": {"review": {"notices": true, "incidents_from": "major"}}});
    crate::fixtures::configure(env, &page, &settings);
    page
}

fn audit(env: &Env, page: &str) -> Vec<Value> {
    env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "")
        .json()
        .as_array()
        .unwrap()
        .clone()
}

fn a_held_notice_is_published_and_sent_only_when_a_second_key_approves_it(env: &Env) {
    let page = reviewed_page(env, "review-notice");
    let email = address(env, "reader");
    confirmed(env, &page, &email, &[]);
    let (alice_id, alice) = create_key(env, &page, "communicator");
    let (bob_id, bob) = create_key(env, &page, "communicator");
    let notice = json!({"kind": "other", "title": "Invoices move to a new portal",
        "body": "From next month invoices are in the billing portal.",
        "effective_at": "2031-01-01T00:00:00Z"})
    .to_string();
    let r = env.send(
        "POST",
        &format!("/v1/admin/pages/{page}/notices"),
        Some(&alice),
        Some(&notice),
        &[],
    );
    assert_eq!(r.status, 202, "{r:?}");
    let (notice_id, review) = (
        r.json()["id"].as_str().unwrap().to_owned(),
        r.json()["review_id"].as_str().unwrap().to_owned(),
    );
    // Held: not public, no notification recorded (the outbox is written with the change, so none
    // recorded means none will be sent).
    let summary = env.get(&format!("/v1/pages/{page}/summary.json"), &[]);
    assert!(!summary.body.contains("Invoices move"), "{}", summary.body);
    let sent = env.admin(
        "GET",
        &format!("/v1/admin/pages/{page}/notifications?subject={notice_id}"),
        "",
    );
    assert_eq!(sent.json(), json!([]), "{sent:?}");
    let state = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    assert_eq!(state["reviews"][0]["id"], review.as_str());
    assert_eq!(state["reviews"][0]["author"], format!("key:{alice_id}"));

    // Not by its author; a viewer may not review at all.
    let approve = format!("/v1/admin/pages/{page}/reviews/{review}/approve");
    let p = env
        .send("POST", &approve, Some(&alice), Some(""), &[])
        .problem(409);
    assert!(
        p["detail"].as_str().unwrap().contains("second person"),
        "{p}"
    );
    let (_, viewer) = create_key(env, &page, "viewer");
    env.send("POST", &approve, Some(&viewer), Some(""), &[])
        .problem(403);

    let r = env.send("POST", &approve, Some(&bob), Some(""), &[]);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["id"], notice_id.as_str());
    let summary = env.get(&format!("/v1/pages/{page}/summary.json"), &[]);
    assert!(summary.body.contains("Invoices move"), "{}", summary.body);
    wait_mail(env, &email, "Invoices move", 1);
    env.send("POST", &approve, Some(&bob), Some(""), &[])
        .problem(404);

    // The audit: the draft under its author, the approval under the reviewer, both ids named.
    let entries = audit(env, &page);
    let held = entries
        .iter()
        .find(|e| e["action"] == "notice.publish")
        .expect("the submission");
    assert_eq!(held["actor"], format!("key:{alice_id}"));
    assert_eq!(held["change"]["type"], "submit_for_review");
    assert_eq!(
        held["change"]["change"]["title"],
        "Invoices move to a new portal"
    );
    assert_eq!(held["events"][0]["type"], "review_requested");
    let approved = entries
        .iter()
        .find(|e| e["action"] == "review.approve")
        .expect("the approval");
    assert_eq!(approved["actor"], format!("key:{bob_id}"));
    assert_eq!(approved["subject"], notice_id.as_str());
    assert_eq!(approved["events"][0]["author"], format!("key:{alice_id}"));
    assert_eq!(approved["events"][0]["reviewer"], format!("key:{bob_id}"));
    assert_eq!(approved["events"][1]["type"], "notice_published");
}

fn a_held_incident_sent_back_keeps_the_comment_and_a_dry_run_counts_recipients(env: &Env) {
    let page = reviewed_page(env, "review-incident");
    let email = address(env, "dry");
    confirmed(env, &page, &email, &["api"]);
    let incidents = format!("/v1/admin/pages/{page}/incidents");
    let open = |impact: &str| {
        json!({"title": "Checkout fails", "impact": impact, "body": "Payments are refused.",
            "components": ["api"]})
        .to_string()
    };
    // A dry run: who would hear of it, and whether it would wait; nothing written.
    let version = |env: &Env| {
        env.admin("GET", &format!("/v1/admin/pages/{page}"), "")
            .json()["version"]
            .clone()
    };
    let before = version(env);
    let dry = env.admin("POST", &format!("{incidents}?dry_run=true"), &open("minor"));
    assert_eq!(dry.status, 200, "{dry:?}");
    assert_eq!(dry.json()["held_for_review"], false);
    assert_eq!(
        dry.json()["recipients"][0],
        json!({"channel": "email", "subscribers": 1})
    );
    let dry = env.admin(
        "POST",
        &format!("{incidents}?dry_run=true"),
        &open("critical"),
    );
    assert_eq!(dry.json()["held_for_review"], true, "{dry:?}");
    env.admin("POST", &format!("{incidents}?dry_run=true"), &open("nope"))
        .problem(400);
    assert_eq!(version(env), before, "a dry run writes nothing");

    let r = env.admin("POST", &incidents, &open("critical"));
    assert_eq!(r.status, 202, "{r:?}");
    let review = r.json()["review_id"].as_str().unwrap().to_owned();
    let (_, bob) = create_key(env, &page, "communicator");
    let back = format!("/v1/admin/pages/{page}/reviews/{review}/send-back");
    let p = env
        .send("POST", &back, Some(&bob), Some(r#"{"comment":" "}"#), &[])
        .problem(422);
    assert_eq!(p["field"], "comment");
    let r = env.send(
        "POST",
        &back,
        Some(&bob),
        Some(r#"{"comment":"Say which payment methods."}"#),
        &[],
    );
    assert_eq!(r.status, 200, "{r:?}");
    let state = env
        .admin("GET", &format!("/v1/admin/pages/{page}"), "")
        .json();
    assert_eq!(
        state["reviews"][0]["sent_back"]["comment"],
        "Say which payment methods."
    );
    assert_eq!(state["incidents"], json!([]));
    env.send(
        "POST",
        &format!("/v1/admin/pages/{page}/reviews/{review}/approve"),
        Some(&bob),
        Some(""),
        &[],
    )
    .problem(404);
}

fn the_key_knows_who_it_is_and_an_unchanged_page_answers_304(env: &Env) {
    let page = env.page("whoami");
    let (id, key) = create_key(env, &page, "responder");
    let me = format!("/v1/admin/pages/{page}/me");
    let r = env.send("GET", &me, Some(&key), None, &[]);
    assert_eq!(
        r.json(),
        json!({"id": format!("key:{id}"), "role": "responder"})
    );
    assert!(!r.body.contains(&key));
    assert_eq!(
        env.admin("GET", &me, "").json(),
        json!({"id": "root", "role": "admin"})
    );
    let path = format!("/v1/admin/pages/{page}");
    let first = env.send("GET", &path, Some(&key), None, &[]);
    let etag = first.header("etag").unwrap().to_owned();
    let again = env.send("GET", &path, Some(&key), None, &[("if-none-match", &etag)]);
    assert_eq!(again.status, 304, "{again:?}");
    assert!(again.body.is_empty());
    env.open_incident(&page, "Changed", "minor");
    let changed = env.send("GET", &path, Some(&key), None, &[("if-none-match", &etag)]);
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
}

fn no_page_takes_a_path_the_worker_serves(env: &Env) {
    let p = env
        .admin("PUT", "/v1/admin/pages/console", r#"{"name":"Console"}"#)
        .problem(422);
    assert_eq!(p["field"], "page", "{p}");
    let console = env.get("/console/", &[]);
    assert_eq!(console.status, 200);
    assert!(
        console.body.contains("<html"),
        "the console, not a status page"
    );
}
