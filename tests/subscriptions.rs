//! Subscriptions and notifications against workerd, its queue and the local email sink: double
//! opt-in, exactly one copy per recipient (also when the provider fails), component targeting,
//! unsubscribe, no subscriber data in public documents.

use std::time::Duration;

use crate::fixtures::{
    address, confirmed, link, mail_to, report, subjects, subscribe, wait_mail, Env, Failing,
};

pub const TESTS: &[crate::Test] = crate::tests![
    subscriptions_confirmed_subscriber_gets_exactly_one_email,
    subscriptions_unconfirmed_subscribers_get_nothing,
    subscriptions_unsubscribe_stops_messages,
    subscriptions_duplicate_is_one_subscriber_and_one_confirmation,
    subscriptions_component_targeting,
    subscriptions_html_form_honeypot_and_rate_limit,
    subscriptions_public_json_never_contains_the_address,
    subscriptions_sink_failing_30_percent_every_recipient_once,
    subscriptions_sink_answering_400_is_not_retried,
    subscriptions_dev_outbox_shows_the_confirmation_link,
];

fn subscriptions_confirmed_subscriber_gets_exactly_one_email(env: &Env) {
    let page = env.page("sub-one");
    let email = address(env, "one");
    confirmed(env, &page, &email, &[]);
    let incident = env.open_incident(&page, "Elevated API error rates", "major");
    let mail = wait_mail(env, &email, "Elevated API error rates", 1);
    let m = &mail[0];
    assert_eq!(
        m["idempotency_key"].as_str().map(|k| k.contains("/sub_")),
        Some(true),
        "{m}"
    );
    let unsubscribe = m["headers"]["List-Unsubscribe"].as_str().unwrap_or("");
    assert!(
        unsubscribe.starts_with('<')
            && unsubscribe.contains("/v1/subscriptions/unsubscribe?token="),
        "{m}"
    );
    assert_eq!(
        m["headers"]["List-Unsubscribe-Post"],
        "List-Unsubscribe=One-Click"
    );
    let r = report(env, &page, &incident, |v| v["sent"] == 1);
    assert_eq!(
        (r["recipients"].as_u64(), r["failed"].as_u64()),
        (Some(1), Some(0)),
        "{r}"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        subjects(env, &email).len(),
        2,
        "confirmation + one incident email"
    );
}

fn subscriptions_unconfirmed_subscribers_get_nothing(env: &Env) {
    let page = env.page("sub-pending");
    let pending = address(env, "pending");
    let sentinel = address(env, "sentinel");
    assert_eq!(subscribe(env, &page, &pending, &[]).status, 202);
    wait_mail(env, &pending, "Confirm", 1);
    confirmed(env, &page, &sentinel, &[]);
    env.open_incident(&page, "Login failures", "minor");
    wait_mail(env, &sentinel, "Login failures", 1);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        subjects(env, &pending).len(),
        1,
        "only the confirmation: {:?}",
        subjects(env, &pending)
    );
}

fn subscriptions_unsubscribe_stops_messages(env: &Env) {
    let page = env.page("sub-unsub");
    let leaving = address(env, "leaving");
    let staying = address(env, "staying");
    confirmed(env, &page, &leaving, &[]);
    confirmed(env, &page, &staying, &[]);
    let incident = env.open_incident(&page, "Slow dashboard", "minor");
    let mail = wait_mail(env, &leaving, "Slow dashboard", 1);
    let header = mail[0]["headers"]["List-Unsubscribe"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = link(env, &header, "/v1/subscriptions/unsubscribe");
    // RFC 8058 one-click: a POST with this body, from the mail client.
    let r = env.send(
        "POST",
        &path,
        None,
        Some("List-Unsubscribe=One-Click"),
        &[("content-type", "application/x-www-form-urlencoded")],
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.contains("Unsubscribed"), "{}", r.body);
    let r = env.post_update(&page, &incident, "resolved", "The dashboard is fast again.");
    assert_eq!(r.status, 201, "{r:?}");
    wait_mail(env, &staying, "Resolved", 1);
    std::thread::sleep(Duration::from_secs(1));
    let got = subjects(env, &leaving);
    assert_eq!(
        got.len(),
        2,
        "confirmation + the first update only: {got:?}"
    );
    // A forged or foreign token does nothing.
    let r = env.get(
        &path.replace("unsubscribe?token=", "unsubscribe?token=x"),
        &[],
    );
    assert_eq!(r.status, 404, "{r:?}");
}

fn subscriptions_duplicate_is_one_subscriber_and_one_confirmation(env: &Env) {
    let page = env.page("sub-dup");
    let email = address(env, "dup");
    assert_eq!(subscribe(env, &page, &email, &[]).status, 202);
    let upper = email.replace("example.com", "EXAMPLE.com");
    assert_eq!(subscribe(env, &page, &upper, &["api"]).status, 202);
    wait_mail(env, &email, "Confirm", 1);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(subjects(env, &email).len(), 1, "one confirmation");
    let list = env.admin("GET", &format!("/v1/admin/pages/{page}/subscribers"), "");
    assert_eq!(list.status, 200, "{list:?}");
    let subs = list.json();
    assert_eq!(subs.as_array().map(Vec::len), Some(1), "{subs}");
    assert_eq!(subs[0]["state"], "pending");
    assert!(
        !list.body.contains(&email),
        "the list masks addresses: {}",
        list.body
    );
}

fn subscriptions_component_targeting(env: &Env) {
    let page = env.page("sub-target");
    let web = address(env, "web");
    let all = address(env, "all");
    confirmed(env, &page, &web, &["web"]);
    confirmed(env, &page, &all, &[]);
    env.open_incident(&page, "API timeouts", "major");
    wait_mail(env, &all, "API timeouts", 1);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        subjects(env, &web).len(),
        1,
        "only the confirmation: {:?}",
        subjects(env, &web)
    );
    // Unknown components are refused before anything is stored.
    let r = subscribe(env, &page, &address(env, "bad"), &["nope"]);
    r.problem(422);
}

fn subscriptions_html_form_honeypot_and_rate_limit(env: &Env) {
    let page = env.page("sub-form");
    let email = address(env, "form");
    let form = |body: String| {
        env.send(
            "POST",
            &format!("/v1/pages/{page}/subscriptions"),
            None,
            Some(&body),
            &[("content-type", "application/x-www-form-urlencoded")],
        )
    };
    let r = form(format!(
        "email={}&components=api&website=",
        email.replace('@', "%40")
    ));
    assert_eq!(r.status, 202, "{r:?}");
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/html"));
    assert!(r.body.contains("Check your inbox"), "{}", r.body);
    wait_mail(env, &email, "Confirm", 1);
    // The honeypot: answered like a success, nothing stored or sent.
    let bot = address(env, "bot");
    let r = form(format!(
        "email={}&website=http%3A%2F%2Fspam",
        bot.replace('@', "%40")
    ));
    assert_eq!(r.status, 202, "{r:?}");
    let r = form("email=not-an-address".into());
    assert_eq!(r.status, 422, "{r:?}");
    assert!(r.body.contains("not a valid email address"), "{}", r.body);
    // Per IP and minute: ten requests pass (two counted above), then 429.
    let statuses: Vec<u16> = (0..10)
        .map(|i| subscribe(env, &page, &format!("r{i}-{email}"), &[]).status)
        .collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 202).count(),
        8,
        "{statuses:?}"
    );
    std::thread::sleep(Duration::from_secs(1));
    assert!(mail_to(env, &bot).is_empty());
}

fn subscriptions_public_json_never_contains_the_address(env: &Env) {
    let page = env.page("sub-private");
    let email = address(env, "private");
    confirmed(env, &page, &email, &["api"]);
    env.open_incident(&page, "Private check", "minor");
    wait_mail(env, &email, "Private check", 1);
    let local = email.split('@').next().unwrap();
    for path in [
        format!("/v1/pages/{page}/summary.json"),
        format!("/v1/pages/{page}/banner.json"),
        format!("/pages/{page}/api/v2/summary.json"),
        format!("/{page}"),
        format!("/{page}/feed.atom"),
    ] {
        let r = env.get(&path, &[]);
        assert_eq!(r.status, 200, "{path}: {r:?}");
        assert!(!r.body.contains(local), "{path} leaks the subscriber");
    }
    // Erasure: gone from the list, and the audit never had the address.
    let list = env
        .admin("GET", &format!("/v1/admin/pages/{page}/subscribers"), "")
        .json();
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let r = env.admin(
        "DELETE",
        &format!("/v1/admin/pages/{page}/subscribers/{id}"),
        "",
    );
    assert_eq!(r.status, 200, "{r:?}");
    let list = env
        .admin("GET", &format!("/v1/admin/pages/{page}/subscribers"), "")
        .json();
    assert_eq!(list, serde_json::json!([]));
    let audit = env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "");
    assert!(audit.body.contains("subscriber.delete"), "{}", audit.body);
    assert!(
        !audit.body.contains(local),
        "the audit must not hold the address"
    );
}

fn subscriptions_sink_failing_30_percent_every_recipient_once(env: &Env) {
    let page = env.page("sub-flaky");
    let people: Vec<String> = (0..6).map(|i| address(env, &format!("flaky{i}"))).collect();
    for p in &people {
        confirmed(env, &page, p, &[]);
    }
    let failing = Failing::new(env, 30, 500);
    let incident = env.open_incident(&page, "Flaky provider drill", "major");
    let r = report(env, &page, &incident, |v| v["sent"] == 6);
    assert_eq!(r["failed"], 0, "{r}");
    drop(failing);
    std::thread::sleep(Duration::from_secs(2));
    for p in &people {
        let got: Vec<String> = subjects(env, p)
            .into_iter()
            .filter(|s| s.contains("Flaky provider drill"))
            .collect();
        assert_eq!(got.len(), 1, "{p}: {got:?}");
    }
    let (_, refused) = env.sink.counts();
    assert!(refused > 0, "the sink refused some requests");
}

fn subscriptions_sink_answering_400_is_not_retried(env: &Env) {
    let page = env.page("sub-400");
    let email = address(env, "bounce");
    confirmed(env, &page, &email, &[]);
    let failing = Failing::new(env, 100, 400);
    let incident = env.open_incident(&page, "Bounce drill", "minor");
    let r = report(env, &page, &incident, |v| v["failed"] == 1);
    std::thread::sleep(Duration::from_secs(3));
    drop(failing);
    let again = report(env, &page, &incident, |_| true);
    assert_eq!(again["attempts"], 1, "no retry after a 400: {again}");
    assert_eq!(again["sent"], 0, "{again}");
    let failure = &r["failures"][0];
    assert_eq!(failure["attempts"], 1, "{r}");
    assert!(
        failure["error"].as_str().unwrap_or("").contains("400"),
        "{r}"
    );
    assert_eq!(subjects(env, &email).len(), 1, "only the confirmation");
}

fn subscriptions_dev_outbox_shows_the_confirmation_link(env: &Env) {
    let page = env.page("sub-outbox");
    let email = address(env, "outbox");
    assert_eq!(subscribe(env, &page, &email, &[]).status, 202);
    wait_mail(env, &email, "Confirm", 1);
    let json = env.get("/_dev/outbox.json", &[]);
    assert_eq!(json.status, 200, "{json:?}");
    assert!(json.body.contains(&email));
    let html = env.get("/_dev/outbox", &[]);
    assert_eq!(html.status, 200, "{html:?}");
    assert!(html.body.contains("<a href=\"http"), "clickable links");
    assert!(html.body.contains("/v1/subscriptions/confirm?token="));
}
