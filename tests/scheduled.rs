//! The cron trigger, run on demand through wrangler's scheduled-event hook (`/__scheduled`):
//! acknowledgement receipts and escalation to the fallback channel, reminders to responders about
//! broken "next update" promises (once each), and maintenance reminders at their time.

use std::time::Duration;

use serde_json::{json, Value};

use crate::fixtures::{
    address, confirmed, confirmed_with_fallback, eventually, link, mail_to, press, sent_to,
    wait_mail, Env, WAIT,
};

pub const TESTS: &[crate::Test] = crate::tests![
    scheduled_unacknowledged_messages_escalate_to_the_fallback_channel,
    scheduled_broken_promises_remind_responders_once,
    scheduled_maintenance_reminders_go_out_at_their_time,
];

/// Creates page `name` with a policy on top of the usual two components.
fn page_with_policy(env: &Env, name: &str, policy: Value) -> String {
    let page = env.page(name);
    let settings = json!({
        "name": "Test page",
        "components": [{"id": "api", "name": "API"}, {"id": "web", "name": "Web app"}],
        "policy": policy,
    });
    crate::fixtures::configure(env, &page, &settings);
    page
}

/// Runs the cron trigger once, as the scheduler would.
fn run_cron(env: &Env) {
    let r = env.get("/__scheduled?cron=*+*+*+*+*", &[]);
    assert_eq!(r.status, 200, "{r:?}");
}

fn rfc3339_in(secs: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(secs);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn scheduled_unacknowledged_messages_escalate_to_the_fallback_channel(env: &Env) {
    let page = page_with_policy(env, "ack", json!({"ack_escalate_minutes": 0}));
    // A key account with an SMS fallback, added by the team, and an ordinary subscriber.
    let key_account = address(env, "keyacct");
    let number = format!("+4917{:07}", env.page("n").len() * 7919 % 10_000_000);
    let id = confirmed_with_fallback(env, &page, &key_account, &number);
    let reader = address(env, "reader");
    confirmed(env, &page, &reader, &[]);

    let notice = json!({"kind": "other", "title": "New data processing terms",
        "body": "Please read the new terms.", "effective_at": rfc3339_in(3600),
        "requires_ack": true});
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/notices"),
        &notice.to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let notice_id = r.json()["id"].as_str().unwrap().to_owned();
    let mine = wait_mail(env, &reader, "New data processing terms", 1);
    wait_mail(env, &key_account, "New data processing terms", 1);
    let receipt = link(env, mine[0]["text"].as_str().unwrap(), "/v1/receipts");
    let thanks = press(env, &receipt);
    assert_eq!(thanks.status, 200, "{thanks:?}");
    assert!(thanks.body.contains("recorded"), "{}", thanks.body);
    // A tampered receipt is refused.
    let forged = press(env, &format!("{receipt}0"));
    assert_eq!(forged.status, 404, "{forged:?}");

    let notifications = env
        .admin(
            "GET",
            &format!("/v1/admin/pages/{page}/notifications?subject={notice_id}"),
            "",
        )
        .json();
    let ntf = notifications[0]["id"].as_str().unwrap().to_owned();
    let deliveries = format!("/v1/admin/pages/{page}/notifications/{ntf}/deliveries");
    let report = eventually("both reached", WAIT, || {
        let v = env.admin("GET", &deliveries, "").json();
        (v["sent"] == 2).then_some(v)
    });
    assert_eq!(report["acknowledged"], 1, "{report}");
    assert_eq!(report["unacknowledged"], json!([id]), "{report}");

    run_cron(env);
    let texts = eventually("the escalation SMS", WAIT, || {
        let t = sent_to(env, "sms", &number);
        (!t.is_empty()).then_some(t)
    });
    let text = texts[0]["text"].as_str().unwrap();
    assert!(text.contains("New data processing terms"), "{text}");
    assert!(text.contains("/v1/receipts?token="), "{text}");
    // The SMS receipt acknowledges the original notification.
    let sms_receipt = link(env, text, "/v1/receipts");
    assert_eq!(press(env, &sms_receipt).status, 200);
    let after = env.admin("GET", &deliveries, "").json();
    assert_eq!(after["acknowledged"], 2, "{after}");
    assert!(
        after["unacknowledged"].as_array().is_none_or(Vec::is_empty),
        "{after}"
    );
    // Escalation happens once; the reader who acknowledged got nothing more.
    run_cron(env);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(sent_to(env, "sms", &number).len(), 1);
    assert_eq!(
        mail_to(env, &reader)
            .iter()
            .filter(|m| m["subject"].as_str().unwrap_or("").contains("terms"))
            .count(),
        1
    );
    let audit = env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "");
    assert!(
        audit.body.contains("notification.acknowledge"),
        "{}",
        audit.body
    );
}

fn scheduled_broken_promises_remind_responders_once(env: &Env) {
    let responder = address(env, "oncall");
    // A chat channel too: responders' webhooks get Slack's incoming-webhook format.
    let chat_path = format!("/slack/{}", env.page("oncall-chat"));
    let chat = format!("{}{chat_path}", env.sink.url());
    let page = page_with_policy(env, "overdue", json!({"responders": [responder, chat]}));
    let body = json!({"title": "Checkout latency", "impact": "major",
        "body": "Investigating slow checkouts.", "components": ["api"],
        "next_update_at": rfc3339_in(2)});
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    // Not overdue yet: nothing.
    run_cron(env);
    std::thread::sleep(Duration::from_secs(3));
    assert!(mail_to(env, &responder).is_empty());
    run_cron(env);
    let mail = wait_mail(env, &responder, "Update overdue", 1);
    assert!(
        mail[0]["text"]
            .as_str()
            .unwrap()
            .contains("Checkout latency"),
        "{}",
        mail[0]
    );
    let posted = |env: &Env| -> Vec<Value> {
        env.sink
            .messages()
            .into_iter()
            .filter(|m| m["channel"] == "slack" && m["to"][0].as_str() == Some(chat_path.as_str()))
            .collect()
    };
    let chat_posts = eventually("the chat reminder", WAIT, || {
        Some(posted(env)).filter(|p| !p.is_empty())
    });
    assert!(
        chat_posts[0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("Checkout latency"),
        "{}",
        chat_posts[0]
    );
    run_cron(env);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        mail_to(env, &responder).len(),
        1,
        "one reminder per promise"
    );
    assert_eq!(posted(env).len(), 1, "one chat reminder per promise");
}

fn scheduled_maintenance_reminders_go_out_at_their_time(env: &Env) {
    let page = env.page("remind");
    let email = address(env, "remind");
    confirmed(env, &page, &email, &[]);
    let body = json!({"title": "Database upgrade", "body": "Read-only for ten minutes.",
        "components": ["api"], "scheduled_for": rfc3339_in(63),
        "scheduled_until": rfc3339_in(663), "reminders": [1],
        "override_reason": "Security patch"});
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/maintenances"),
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    wait_mail(env, &email, "Database upgrade", 1);
    // The reminder is due a minute before the start, three seconds from now.
    run_cron(env);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        mail_to(env, &email).len(),
        2,
        "confirmation and announcement only"
    );
    std::thread::sleep(Duration::from_secs(2));
    run_cron(env);
    let reminder = wait_mail(env, &email, "Reminder: starts in 1 minute", 1);
    assert!(
        reminder[0]["text"]
            .as_str()
            .unwrap()
            .contains("/v1/subscriptions/unsubscribe"),
        "{}",
        reminder[0]
    );
    run_cron(env);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        wait_mail(env, &email, "Reminder", 1).len(),
        1,
        "each reminder goes out once"
    );
}
