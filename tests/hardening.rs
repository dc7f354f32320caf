//! Hardening: nothing lost, nothing leaked, under faults, abuse and hostile receivers. Each test
//! is named after the hole it closes.

use serde_json::json;

use crate::fixtures::{add_subscriber, eventually, sent_to, subscriber_state, Env, WAIT};

pub const TESTS: &[crate::Test] =
    crate::tests![hardening_hostile_receivers_neither_redirect_nor_flood_the_sender,];

/// A receiver answering with a redirect used to have the call followed to wherever it pointed,
/// and one answering without end was read whole. Now a redirect is a refusal, never followed, and
/// only the first few KB of an answer are read.
fn hardening_hostile_receivers_neither_redirect_nor_flood_the_sender(env: &Env) {
    let page = env.page("hard-hostile");
    let subscribe = |kind: &str| {
        let url = format!("{}/hostile/{kind}/{}", env.sink.url(), env.page(kind));
        let r = add_subscriber(env, &page, json!({"channel": "slack", "address": url}));
        assert_eq!(r.status, 201, "{r:?}");
        r.json()["id"].as_str().unwrap().to_owned()
    };
    let redirecting = subscribe("redirect");
    let flooding = subscribe("huge");
    // The 8 MB answer is a 200: read up to the cap, and the channel counts as confirmed.
    eventually("the flooding receiver confirmed", WAIT, || {
        (subscriber_state(env, &page, &flooding) == "confirmed").then_some(())
    });
    // The redirect is a refusal: listed as undelivered with its status, never followed.
    let dead = eventually("the redirect refused", WAIT, || {
        let list = env
            .admin("GET", &format!("/v1/admin/pages/{page}/dead-letters"), "")
            .json();
        list.as_array()?
            .iter()
            .find(|d| d["subscriber_id"] == redirecting.as_str())
            .cloned()
    });
    assert!(
        dead["error"].as_str().unwrap_or("").contains("302"),
        "{dead}"
    );
    assert_eq!(dead["attempts"], 1, "a redirect is not retried: {dead}");
    assert_eq!(subscriber_state(env, &page, &redirecting), "pending");
    assert!(
        sent_to(env, "slack", "/slack/stolen").is_empty(),
        "the redirect was followed"
    );
}
