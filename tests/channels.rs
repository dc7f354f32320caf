//! Every channel against workerd, its queue and the local provider sink: SMS in the Twilio format,
//! webhooks signed per Standard Webhooks and verified by a challenge, Slack, the fallback channel
//! after a 400, timeouts that never produce a second copy, and the dead-letter list.

use std::time::Duration;

use serde_json::{json, Value};

use crate::fixtures::{
    add_subscriber, address, configure, confirmed, eventually, link, press, report, sent_to,
    subjects, subscriber_state, unix_now, wait_mail, wait_sent, Env, Failing, WAIT,
};

pub const TESTS: &[crate::Test] = crate::tests![
    channels_sms_subscriber_confirms_by_link_and_gets_one_text,
    channels_webhook_is_verified_by_challenge_and_signed,
    channels_slack_channel_gets_the_update,
    channels_webhook_answering_400_falls_back_to_email_without_retry,
    channels_provider_timeouts_never_send_a_second_copy,
    channels_undeliverable_messages_are_listed_as_dead_letters,
    channels_import_export_and_suppression,
    channels_subscribe_origins_and_per_address_limit,
    channels_manage_link_changes_components,
    channels_manage_link_moves_to_another_channel,
    channels_status_page_webhook_form_and_audit_with_deliveries,
    channels_a_large_fan_out_reaches_everyone_once,
    channels_signed_provider_events_mark_delivered_and_bounced,
    channels_sms_status_callbacks_confirm_delivery,
    channels_a_german_subscriber_reads_german,
    channels_statuspage_format_webhook_is_parsed_field_by_field,
    channels_teams_channel_gets_an_adaptive_card_and_a_refusal_is_retried,
];

/// A phone number unique to this run and `n`.
fn phone(env: &Env, n: u32) -> String {
    let digits: String = env
        .page("p")
        .bytes()
        .map(|b| char::from(b'0' + b % 10))
        .take(6)
        .collect();
    format!("+4915{digits}{n:03}")
}

/// A webhook receiver path on the sink, unique to this run.
fn hook(env: &Env, kind: &str, name: &str) -> (String, String) {
    let path = format!("/hooks/{kind}/{}", env.page(name));
    (format!("{}{path}", env.sink.url()), path)
}

#[track_caller]
fn wait_confirmed(env: &Env, page: &str, id: &str) {
    eventually(&format!("{id} confirmed"), WAIT, || {
        (subscriber_state(env, page, id) == "confirmed").then_some(())
    });
}

/// Adds a webhook subscriber through the admin API and waits for its challenge to confirm it.
fn confirmed_webhook(env: &Env, page: &str, url: &str, fallback: Option<&str>) -> (String, String) {
    let mut body = json!({"channel": "webhook", "address": url});
    if let Some(email) = fallback {
        body["fallback"] = json!({"channel": "email", "address": email});
    }
    let r = add_subscriber(env, page, body);
    assert_eq!(r.status, 201, "{r:?}");
    let v = r.json();
    let id = v["id"].as_str().unwrap().to_owned();
    let secret = v["signing_secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{v}");
    wait_confirmed(env, page, &id);
    (id, secret)
}

fn channels_sms_subscriber_confirms_by_link_and_gets_one_text(env: &Env) {
    let page = env.page("ch-sms");
    let number = phone(env, 1);
    let r = env.send(
        "POST",
        &format!("/v1/pages/{page}/subscriptions"),
        None,
        Some(&json!({"phone": number}).to_string()),
        &[("content-type", "application/json")],
    );
    assert_eq!(r.status, 202, "{r:?}");
    let confirm = wait_sent(env, "sms", &number, "text", "/v1/subscriptions/confirm", 1);
    assert_eq!(confirm[0]["from"], "+15005550006", "{}", confirm[0]);
    assert_eq!(confirm[0]["authorization"], true, "Basic auth sent");
    let path = link(
        env,
        confirm[0]["text"].as_str().unwrap(),
        "/v1/subscriptions/confirm",
    );
    assert_eq!(press(env, &path).status, 200);
    env.open_incident(&page, "Texts drill", "major");
    let texts = wait_sent(env, "sms", &number, "text", "Texts drill", 1);
    let text = texts[0]["text"].as_str().unwrap();
    assert!(text.contains("/v1/subscriptions/unsubscribe"), "{text}");
    assert!(
        herald_shared::sms::count(text).segments <= 2,
        "at most two segments: {text}"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(sent_to(env, "sms", &number).len(), 2, "confirmation + one");
    // A malformed number is refused with the field named, and nothing is sent.
    let bad = env.send(
        "POST",
        &format!("/v1/pages/{page}/subscriptions"),
        None,
        Some(&json!({"phone": "0151 123"}).to_string()),
        &[("content-type", "application/json")],
    );
    assert_eq!(bad.problem(422)["field"], "phone", "{bad:?}");
    let both = env.send(
        "POST",
        &format!("/v1/pages/{page}/subscriptions"),
        None,
        Some(&json!({"phone": number, "email": "x@example.com"}).to_string()),
        &[("content-type", "application/json")],
    );
    assert_eq!(both.status, 422, "{both:?}");
}

fn channels_webhook_is_verified_by_challenge_and_signed(env: &Env) {
    let page = env.page("ch-hook");
    let (url, path) = hook(env, "ok", "hook");
    // A viewer may not add subscribers.
    let (_, viewer) = crate::admin::create_key(env, &page, "viewer");
    let denied = env.send(
        "POST",
        &format!("/v1/admin/pages/{page}/subscribers"),
        Some(&viewer),
        Some(&json!({"channel": "webhook", "address": url}).to_string()),
        &[],
    );
    assert_eq!(denied.status, 403, "{denied:?}");
    let (id, secret) = confirmed_webhook(env, &page, &url, None);
    let challenge = sent_to(env, "webhook", &path);
    assert_eq!(challenge[0]["payload"]["type"], "subscription.verify");
    // A receiver that does not echo the challenge stays pending and gets nothing.
    let (silent_url, silent_path) = hook(env, "silent", "quiet");
    let r = add_subscriber(
        env,
        &page,
        json!({"channel": "webhook", "address": silent_url}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let silent_id = r.json()["id"].as_str().unwrap().to_owned();
    eventually("the silent receiver saw its challenge", WAIT, || {
        (!sent_to(env, "webhook", &silent_path).is_empty()).then_some(())
    });

    env.open_incident(&page, "Webhook drill", "major");
    let got = wait_sent(env, "webhook", &path, "text", "Webhook drill", 1);
    let m = &got[0];
    assert_eq!(m["payload"]["event"], "incident_opened", "{m}");
    assert_eq!(m["payload"]["item"]["title"], "Webhook drill", "{m}");
    let msg_id = m["webhook_id"].as_str().unwrap();
    let ts: i64 = m["webhook_timestamp"].as_str().unwrap().parse().unwrap();
    let now = unix_now();
    herald_shared::webhook::verify(
        &secret,
        msg_id,
        ts,
        m["text"].as_str().unwrap(),
        m["webhook_signature"].as_str().unwrap(),
        now,
    )
    .expect("the signature verifies with the secret shown at creation");
    assert_eq!(subscriber_state(env, &page, &silent_id), "pending");
    assert_eq!(
        sent_to(env, "webhook", &silent_path).len(),
        1,
        "only the challenge"
    );
    // The audit knows a webhook was added, never where it points.
    let audit = env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "");
    assert!(audit.body.contains("subscriber.add"), "{}", audit.body);
    assert!(
        !audit.body.contains(&path),
        "the audit must not hold the URL"
    );
    assert!(!audit.body.contains(&secret), "nor the secret");
    let listed = env.admin("GET", &format!("/v1/admin/pages/{page}/subscribers"), "");
    assert!(!listed.body.contains(&secret), "{}", listed.body);
    assert!(listed.body.contains(&id));
}

fn channels_slack_channel_gets_the_update(env: &Env) {
    let page = env.page("ch-slack");
    let path = format!("/slack/{}", env.page("room"));
    let url = format!("{}{path}", env.sink.url());
    let r = add_subscriber(env, &page, json!({"channel": "slack", "address": url}));
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert!(r.json().get("signing_secret").is_none(), "{r:?}");
    wait_confirmed(env, &page, &id);
    env.open_incident(&page, "Slack <drill> & co", "minor");
    let got = wait_sent(
        env,
        "slack",
        &path,
        "text",
        "Slack &lt;drill&gt; &amp; co",
        1,
    );
    assert!(
        got[0]["text"].as_str().unwrap().contains("|Status page>"),
        "{}",
        got[0]
    );
}

fn channels_webhook_answering_400_falls_back_to_email_without_retry(env: &Env) {
    let page = env.page("ch-fallback");
    let email = address(env, "fallback");
    let (url, path) = hook(env, "ok", "fb");
    let (id, _) = confirmed_webhook(env, &page, &url, Some(&email));
    env.sink.reject(&path);
    let incident = env.open_incident(&page, "Fallback drill", "major");
    let mail = wait_mail(env, &email, "Fallback drill", 1);
    assert!(
        mail[0]["text"]
            .as_str()
            .unwrap()
            .contains("/v1/subscriptions/unsubscribe"),
        "{}",
        mail[0]
    );
    let r = report(env, &page, &incident, |v| v["sent"] == 1);
    assert_eq!(r["failed"], 0, "{r}");
    assert_eq!(
        r["attempts"], 2,
        "one refused webhook, no retry, one email: {r}"
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(wait_mail(env, &email, "Fallback drill", 1).len(), 1);
    let notifications = env
        .admin(
            "GET",
            &format!("/v1/admin/pages/{page}/notifications?subject={incident}"),
            "",
        )
        .json();
    assert_eq!(notifications[0]["recipients"], 1, "{notifications}");
    assert_eq!(subscriber_state(env, &page, &id), "confirmed");
}

fn channels_provider_timeouts_never_send_a_second_copy(env: &Env) {
    let page = env.page("ch-timeout");
    let people: Vec<String> = (0..5).map(|i| address(env, &format!("slow{i}"))).collect();
    for p in &people {
        confirmed(env, &page, p, &[]);
    }
    // A third of the requests are accepted but answered after the worker gave up (2 s), the way
    // a lost answer looks; the retry carries the same idempotency key.
    env.sink.delay(3000);
    let failing = Failing::new(env, 34, 0);
    let incident = env.open_incident(&page, "Slow provider drill", "major");
    let r = report(env, &page, &incident, |v| v["sent"] == 5);
    drop(failing);
    assert!(
        r["attempts"].as_u64().unwrap() > 5,
        "some attempts timed out and were retried: {r}"
    );
    std::thread::sleep(Duration::from_secs(4));
    for p in &people {
        assert_eq!(
            wait_mail(env, p, "Slow provider drill", 1).len(),
            1,
            "{p} got exactly one copy"
        );
    }
}

fn channels_undeliverable_messages_are_listed_as_dead_letters(env: &Env) {
    let page = env.page("ch-dead");
    let (url, path) = hook(env, "ok", "dead");
    let (id, _) = confirmed_webhook(env, &page, &url, None);
    env.sink.reject(&path);
    let incident = env.open_incident(&page, "Dead letter drill", "minor");
    report(env, &page, &incident, |v| v["failed"] == 1);
    let dead = env.admin("GET", &format!("/v1/admin/pages/{page}/dead-letters"), "");
    assert_eq!(dead.status, 200, "{dead:?}");
    let list = dead.json();
    let entry = list
        .as_array()
        .and_then(|l| l.iter().find(|d| d["subscriber_id"] == id.as_str()))
        .unwrap_or_else(|| panic!("{id} in {list}"));
    assert_eq!(entry["channel"], "webhook", "{entry}");
    assert_eq!(entry["event"], "incident_opened", "{entry}");
    assert_eq!(entry["attempts"], 1, "a 400 is not retried: {entry}");
    assert!(
        entry["error"].as_str().unwrap_or("").contains("400"),
        "{entry}"
    );
    let public = env.get(&format!("/v1/pages/{page}/summary.json"), &[]);
    assert!(!public.body.contains(&id), "dead letters are not public");
}

fn channels_import_export_and_suppression(env: &Env) {
    let page = env.page("ch-import");
    let left = address(env, "left");
    confirmed(env, &page, &left, &[]);
    env.open_incident(&page, "Before leaving", "minor");
    let news = wait_mail(env, &left, "Before leaving", 1);
    let unsubscribe = link(
        env,
        news[0]["text"].as_str().unwrap(),
        "/v1/subscriptions/unsubscribe",
    );
    let r = env.send(
        "POST",
        &unsubscribe,
        None,
        Some("List-Unsubscribe=One-Click"),
        &[],
    );
    assert_eq!(r.status, 200, "{r:?}");

    let newcomer = address(env, "imported");
    let csv = format!(
        "type,identifier,country\nemail,{left}\nemail,{newcomer},no,API\nemail,{}\nsms,015112345678,DE\nemail,not-an-address\n",
        newcomer.to_uppercase()
    );
    let r = env.send(
        "POST",
        &format!("/v1/admin/pages/{page}/import/subscribers"),
        Some(&env.key),
        Some(&csv),
        &[("content-type", "text/csv")],
    );
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    assert_eq!(
        (&v["added"], &v["duplicates"], &v["suppressed"]),
        (&json!(2), &json!(1), &json!(1)),
        "{v}"
    );
    assert_eq!(v["invalid"][0]["row"], 6, "{v}");

    // Export: admins only; the people who left are not in it.
    let (_, communicator) = crate::admin::create_key(env, &page, "communicator");
    let denied = env.send(
        "GET",
        &format!("/v1/admin/pages/{page}/subscribers/export?format=csv"),
        Some(&communicator),
        None,
        &[],
    );
    assert_eq!(denied.status, 403, "{denied:?}");
    let export = env.admin(
        "GET",
        &format!("/v1/admin/pages/{page}/subscribers/export?format=csv"),
        "",
    );
    assert_eq!(export.status, 200, "{export:?}");
    assert!(export.body.contains(&newcomer), "{}", export.body);
    assert!(export.body.contains("+4915112345678"), "{}", export.body);
    assert!(!export.body.contains(&left), "{}", export.body);

    env.open_incident(&page, "After the import", "minor");
    wait_mail(env, &newcomer, "After the import", 1);
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        subjects(env, &left)
            .iter()
            .all(|s| !s.contains("After the import")),
        "the unsubscribed address gets nothing"
    );
    let audit = env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "");
    assert!(audit.body.contains("subscribers.export"), "{}", audit.body);
    assert!(audit.body.contains("subscribers.import"), "{}", audit.body);
    assert!(!audit.body.contains(&newcomer), "no addresses in the audit");
    assert!(!audit.body.contains(&left), "no addresses in the audit");
    let state = env.admin("GET", &format!("/v1/admin/pages/{page}"), "");
    assert!(
        !state.body.contains(&left),
        "only a suppression hash is kept of who left"
    );
}

fn channels_subscribe_origins_and_per_address_limit(env: &Env) {
    let page = env.page("ch-origins");
    let settings = json!({"name": "Test page",
        "components": [{"id": "api", "name": "API"}],
        "policy": {"subscribe_origins": ["https://app.example.com"]}});
    let r = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}"),
        &settings.to_string(),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let post = |email: &str, origin: Option<&str>| {
        let mut headers = vec![("content-type", "application/json")];
        if let Some(o) = origin {
            headers.push(("origin", o));
        }
        env.send(
            "POST",
            &format!("/v1/pages/{page}/subscriptions"),
            None,
            Some(&json!({"email": email}).to_string()),
            &headers,
        )
    };
    let stranger = post(&address(env, "o1"), Some("https://evil.example.net"));
    assert_eq!(
        stranger.problem(403)["type"]
            .as_str()
            .map(|t| t.ends_with("origin-not-allowed")),
        Some(true),
        "{stranger:?}"
    );
    let product = post(&address(env, "o2"), Some("https://app.example.com"));
    assert_eq!(product.status, 202, "{product:?}");
    assert_eq!(
        product.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    // Without an Origin (a server, or the status page's own form) it is accepted.
    assert_eq!(post(&address(env, "o3"), None).status, 202);
    // A bad origin in the settings is refused with the field named.
    let bad = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}"),
        &json!({"name": "Test page", "policy": {"subscribe_origins": ["https://app.example.com/path"]}})
            .to_string(),
    );
    assert_eq!(
        bad.problem(422)["field"],
        "policy.subscribe_origins",
        "{bad:?}"
    );

    // One address, many requests: at most three a minute are taken.
    let target = address(env, "o4");
    let answers: Vec<u16> = (0..5).map(|_| post(&target, None).status).collect();
    assert_eq!(&answers[..3], &[202, 202, 202], "{answers:?}");
    assert_eq!(answers[3], 429, "{answers:?}");
    let confirmations = wait_mail(env, &target, "Confirm", 1);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(confirmations.len(), 1);
    assert_eq!(
        subjects(env, &target).len(),
        1,
        "one confirmation, whatever the number of requests"
    );
}

fn channels_manage_link_changes_components(env: &Env) {
    let page = env.page("ch-manage");
    let email = address(env, "manage");
    confirmed(env, &page, &email, &[]);
    env.open_incident(&page, "First news", "minor");
    let mail = wait_mail(env, &email, "First news", 1);
    let text = mail[0]["text"].as_str().unwrap();
    let manage = link(env, text, "/v1/subscriptions/manage");
    assert!(
        mail[0]["html"]
            .as_str()
            .unwrap()
            .contains("/v1/subscriptions/manage?token="),
        "the HTML part links it too"
    );
    let form = env.get(&manage, &[]);
    assert_eq!(form.status, 200, "{form:?}");
    assert!(
        form.body.contains("name=\"components\" value=\"web\""),
        "{}",
        form.body
    );
    assert!(
        !form.body.contains(&email),
        "the page shows the address masked"
    );
    let token = manage.split("token=").nth(1).unwrap().to_owned();
    let saved = env.send(
        "POST",
        "/v1/subscriptions/manage",
        None,
        Some(&format!("token={token}&components=web")),
        &[("content-type", "application/x-www-form-urlencoded")],
    );
    assert_eq!(saved.status, 200, "{saved:?}");
    assert!(saved.body.contains("Saved"), "{}", saved.body);
    assert!(
        saved.body.contains("value=\"web\" checked"),
        "{}",
        saved.body
    );
    // An API incident no longer reaches them; a web one does.
    env.open_incident(&page, "API only news", "minor");
    let web = json!({"title": "Web app news", "impact": "minor", "body": "The web app is slow.",
        "components": ["web"]});
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &web.to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    wait_mail(env, &email, "Web app news", 1);
    std::thread::sleep(Duration::from_secs(1));
    assert!(subjects(env, &email)
        .iter()
        .all(|s| !s.contains("API only news")));
    // A forged token or an unknown component changes nothing.
    let forged = env.send(
        "POST",
        "/v1/subscriptions/manage",
        None,
        Some(&format!("token={token}0&components=api")),
        &[("content-type", "application/x-www-form-urlencoded")],
    );
    assert_eq!(forged.status, 404, "{forged:?}");
    let unknown = env.send(
        "POST",
        "/v1/subscriptions/manage",
        None,
        Some(&format!("token={token}&components=nope")),
        &[("content-type", "application/x-www-form-urlencoded")],
    );
    assert_eq!(unknown.status, 422, "{unknown:?}");
    let audit = env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "");
    assert!(audit.body.contains("subscriber.change"), "{}", audit.body);
}

fn channels_status_page_webhook_form_and_audit_with_deliveries(env: &Env) {
    let page = env.page("ch-form");
    let html = env.get(&format!("/{page}"), &[]);
    assert!(
        html.body.contains("name=\"webhook\""),
        "the status page offers webhooks"
    );
    assert!(html.body.contains("name=\"phone\""), "and text messages");
    let (url, path) = hook(env, "ok", "form");
    let r = env.send(
        "POST",
        &format!("/v1/pages/{page}/subscriptions"),
        None,
        Some(&format!(
            "webhook={}",
            url::form_urlencoded::byte_serialize(url.as_bytes()).collect::<String>()
        )),
        &[("content-type", "application/x-www-form-urlencoded")],
    );
    assert_eq!(r.status, 202, "{r:?}");
    assert!(
        r.body.contains("whsec_"),
        "the signing secret is shown once: {}",
        r.body
    );
    eventually("the challenge", WAIT, || {
        (!sent_to(env, "webhook", &path).is_empty()).then_some(())
    });
    let incident = env.open_incident(&page, "Form webhook drill", "minor");
    wait_sent(env, "webhook", &path, "text", "Form webhook drill", 1);
    // The consumer records the attempt once the receiver has answered: shortly after the sink has it.
    eventually(
        "the audit's delivery report counting the webhook",
        WAIT,
        || {
            let audit = env.admin(
                "GET",
                &format!("/v1/admin/pages/{page}/audit?include=deliveries&subject={incident}"),
                "",
            );
            assert_eq!(audit.status, 200, "{audit:?}");
            let entries = audit.json();
            let report = entries
                .as_array()
                .and_then(|l| l.iter().find(|e| e["action"] == "notification.deliveries"))
                .unwrap_or_else(|| panic!("no delivery report in {entries}"))
                .clone();
            (report["change"]["sent"] == 1).then_some(())
        },
    );
    let csv = env.admin(
        "GET",
        &format!("/v1/admin/pages/{page}/audit?include=deliveries&format=csv"),
        "",
    );
    assert!(csv.body.contains("notification.deliveries"), "{}", csv.body);
}

/// 3,000 recipients make 60 queue jobs, more than one queue batch can carry: every one of them
/// must still get exactly one message.
fn channels_a_large_fan_out_reaches_everyone_once(env: &Env) {
    const N: usize = 3000;
    let page = env.page("ch-large");
    let tag = env.page("bulk");
    let rows: Vec<Value> = (0..N)
        .map(|i| json!({"channel": "email", "address": format!("bulk{i}-{tag}@example.com")}))
        .collect();
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/import/subscribers"),
        &Value::Array(rows).to_string(),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["added"], N, "{r:?}");
    env.open_incident(&page, "Bulk drill", "major");
    let suffix = format!("-{tag}@example.com");
    let count = || {
        let mut seen = std::collections::HashSet::new();
        let mut copies = 0;
        for m in env.sink.messages() {
            let to = m["to"][0].as_str().unwrap_or("").to_owned();
            if to.ends_with(&suffix)
                && m["subject"].as_str().unwrap_or("").contains("Bulk drill")
                && !seen.insert(to)
            {
                copies += 1;
            }
        }
        (seen.len(), copies)
    };
    eventually("every bulk recipient", Duration::from_secs(120), || {
        (count().0 == N).then_some(())
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(count(), (N, 0), "each recipient exactly once");
}

fn channels_signed_provider_events_mark_delivered_and_bounced(env: &Env) {
    let page = env.page("ch-events");
    let (ok, bounce) = (address(env, "delivered"), address(env, "bounced"));
    confirmed(env, &page, &ok, &[]);
    confirmed(env, &page, &bounce, &[]);
    let incident = env.open_incident(&page, "Events drill", "minor");
    let id_of = |email: &str| {
        wait_mail(env, email, "Events drill", 1)[0]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let post = |event: Value, secret: &str| {
        let body = event.to_string();
        let now = unix_now();
        let msg = format!("msg_{}", env.page("evt"));
        let sig = herald_shared::webhook::sign(secret, &msg, now, &body).unwrap();
        let ts = now.to_string();
        env.send(
            "POST",
            &format!("/v1/providers/{page}/email-events"),
            None,
            Some(&body),
            &[
                ("content-type", "application/json"),
                ("svix-id", &msg),
                ("svix-timestamp", &ts),
                ("svix-signature", &sig),
            ],
        )
    };
    let secret = xtask::local::LOCAL_EVENTS_SECRET;
    let forged = post(
        json!({"type": "email.delivered", "data": {"email_id": id_of(&ok)}}),
        "whsec_b3RoZXItc2VjcmV0",
    );
    assert_eq!(forged.status, 401, "{forged:?}");
    let r = post(
        json!({"type": "email.delivered", "data": {"email_id": id_of(&ok)}}),
        secret,
    );
    assert_eq!(r.status, 200, "{r:?}");
    let r = post(
        json!({"type": "email.bounced", "data": {"email_id": id_of(&bounce)}}),
        secret,
    );
    assert_eq!(r.status, 200, "{r:?}");
    let v = report(env, &page, &incident, |v| {
        v["delivered"] == 1 && v["failed"] == 1
    });
    assert_eq!(v["sent"], 1, "{v}");
    assert!(
        v["failures"][0]["error"]
            .as_str()
            .unwrap_or("")
            .contains("email.bounced"),
        "{v}"
    );
}

/// The SMS provider (the sink, as Twilio would) reports each text's fate to the status callback
/// the message named; only callbacks signed with the account's token count.
fn channels_sms_status_callbacks_confirm_delivery(env: &Env) {
    let page = env.page("ch-smsev");
    // The sink reports numbers ending in 99 as undelivered (error 30003).
    let (ok, lost) = (phone(env, 11), phone(env, 99));
    let r = env.send(
        "POST",
        &format!("/v1/admin/pages/{page}/import/subscribers"),
        Some(&env.key),
        Some(&format!(
            "type,identifier,country\nsms,{ok},DE\nsms,{lost},DE\n"
        )),
        &[("content-type", "text/csv")],
    );
    assert_eq!(r.json()["added"], 2, "{r:?}");
    let incident = env.open_incident(&page, "Callbacks drill", "minor");
    let text = wait_sent(env, "sms", &ok, "text", "Callbacks drill", 1);
    wait_sent(env, "sms", &lost, "text", "Callbacks drill", 1);
    let v = report(env, &page, &incident, |v| {
        v["delivered"] == 1 && v["failed"] == 1
    });
    assert_eq!(
        (&v["recipients"], &v["sent"]),
        (&json!(2), &json!(1)),
        "{v}"
    );
    let error = v["failures"][0]["error"].as_str().unwrap_or("");
    assert!(
        error.contains("undelivered") && error.contains("30003"),
        "{v}"
    );

    // A callback not signed with the account's token changes nothing.
    let sid = format!("SM{}", text[0]["id"].as_str().unwrap());
    let url = format!("{}/v1/providers/{page}/sms-events", env.base);
    let params: Vec<(String, String)> = [("MessageSid", sid.as_str()), ("MessageStatus", "failed")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let form = format!("MessageSid={sid}&MessageStatus=failed");
    let path = format!("/v1/providers/{page}/sms-events");
    let forged = herald_shared::twilio::signature("not-the-token", &url, &params);
    for headers in [
        vec![("content-type", "application/x-www-form-urlencoded")],
        vec![
            ("content-type", "application/x-www-form-urlencoded"),
            ("x-twilio-signature", forged.as_str()),
        ],
    ] {
        let r = env.send("POST", &path, None, Some(&form), &headers);
        assert_eq!(
            r.problem(401)["type"],
            "https://herald.dev/problems/bad-signature",
            "{r:?}"
        );
    }
    let after = report(env, &page, &incident, |_| true);
    assert_eq!(
        (&after["delivered"], &after["failed"]),
        (&json!(1), &json!(1)),
        "{after}"
    );
}

/// The manage page moves a subscription to a phone: the choices come along, email keeps coming
/// until the number is confirmed, then only texts, and nothing of the old address is left.
fn channels_manage_link_moves_to_another_channel(env: &Env) {
    let page = env.page("ch-move");
    let email = address(env, "mover");
    let number = phone(env, 7);
    confirmed(env, &page, &email, &["web"]);
    let web_incident = |title: &str| {
        let body = json!({"title": title, "impact": "minor", "body": "The web app is slow.",
            "components": ["web"]});
        let r = env.admin(
            "POST",
            &format!("/v1/admin/pages/{page}/incidents"),
            &body.to_string(),
        );
        assert_eq!(r.status, 201, "{r:?}");
    };
    web_incident("Before moving");
    let mail = wait_mail(env, &email, "Before moving", 1);
    let manage = link(
        env,
        mail[0]["text"].as_str().unwrap(),
        "/v1/subscriptions/manage",
    );
    let form = env.get(&manage, &[]);
    assert!(
        form.body.contains("name=\"action\" value=\"move\""),
        "{}",
        form.body
    );
    let token = manage.split("token=").nth(1).unwrap().to_owned();
    let post = |fields: &str| {
        env.send(
            "POST",
            "/v1/subscriptions/manage",
            None,
            Some(&format!("token={token}&action=move&{fields}")),
            &[("content-type", "application/x-www-form-urlencoded")],
        )
    };
    let bad = post("phone=0151%20123");
    assert_eq!(bad.status, 422, "{bad:?}");
    assert!(bad.body.contains("Not changed"), "{}", bad.body);
    let moved = post(&format!(
        "phone={}",
        url::form_urlencoded::byte_serialize(number.as_bytes()).collect::<String>()
    ));
    assert_eq!(moved.status, 202, "{moved:?}");
    assert!(moved.body.contains("Check your phone"), "{}", moved.body);

    // Until the number is confirmed, email it is.
    web_incident("While moving");
    wait_mail(env, &email, "While moving", 1);
    let confirm = wait_sent(env, "sms", &number, "text", "/v1/subscriptions/confirm", 1);
    assert_eq!(
        sent_to(env, "sms", &number).len(),
        1,
        "only the confirmation"
    );
    let path = link(
        env,
        confirm[0]["text"].as_str().unwrap(),
        "/v1/subscriptions/confirm",
    );
    assert_eq!(press(env, &path).status, 200);

    web_incident("After moving");
    env.open_incident(&page, "API only, after moving", "minor");
    wait_sent(env, "sms", &number, "text", "After moving", 1);
    std::thread::sleep(Duration::from_secs(1));
    let subjects = subjects(env, &email);
    assert!(
        subjects.iter().all(|s| !s.contains("After moving")),
        "no more email: {subjects:?}"
    );
    assert!(
        sent_to(env, "sms", &number)
            .iter()
            .all(|m| !m["text"].as_str().unwrap_or("").contains("API only")),
        "the component choice came along"
    );
    let list = env
        .admin("GET", &format!("/v1/admin/pages/{page}/subscribers"), "")
        .json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        (&list[0]["channel"], &list[0]["state"]),
        (&json!("sms"), &json!("confirmed"))
    );
    assert_eq!(list[0]["components"], json!(["web"]), "{list:?}");
    assert_eq!(
        env.get(&manage, &[]).status,
        404,
        "the old manage link is gone"
    );
}

/// Every message in the reader's language: a subscriber who asked in German (from the widget,
/// `de-DE`) gets the confirmation and the incident in German around the communicator's words, one
/// who asked nothing gets the page's default (English), an SMS subscriber added in German gets a
/// German text, and a tag that is no language is refused.
fn channels_a_german_subscriber_reads_german(env: &Env) {
    let page = env.page("ch-de");
    configure(
        env,
        &page,
        &json!({"name": "Acme", "locales": ["en", "de"],
                "components": [{"id": "api", "name": "API"}, {"id": "web", "name": "Web app"}]}),
    );
    let subscribe = |body: Value| {
        env.send(
            "POST",
            &format!("/v1/pages/{page}/subscriptions"),
            None,
            Some(&body.to_string()),
            &[("content-type", "application/json")],
        )
    };
    let german = address(env, "german");
    let english = address(env, "english");
    assert_eq!(
        subscribe(json!({"email": german, "locale": "de-DE"})).status,
        202
    );
    assert_eq!(subscribe(json!({"email": english})).status, 202);
    let mail = wait_mail(env, &german, "Bestätigen Sie Ihr Abonnement", 1);
    assert_eq!(
        mail[0]["subject"],
        "Bestätigen Sie Ihr Abonnement der Statusmeldungen von Acme"
    );
    let text = mail[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Jemand (hoffentlich Sie) möchte Statusmeldungen von Acme erhalten."),
        "{text}"
    );
    assert!(
        mail[0]["html"].as_str().unwrap().contains("lang=\"de\""),
        "{}",
        mail[0]["html"]
    );
    assert_eq!(
        press(env, &link(env, text, "/v1/subscriptions/confirm")).status,
        200
    );
    let mail = wait_mail(env, &english, "Confirm your subscription", 1);
    let text = mail[0]["text"].as_str().unwrap();
    assert_eq!(
        press(env, &link(env, text, "/v1/subscriptions/confirm")).status,
        200
    );
    let number = phone(env, 7);
    let r = add_subscriber(
        env,
        &page,
        json!({"channel": "sms", "address": number, "locale": "de"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let texts = wait_sent(
        env,
        "sms",
        &number,
        "text",
        "Bestätigen Sie Ihre Statusmeldungen per SMS",
        1,
    );
    assert!(
        texts[0]["text"].as_str().unwrap().starts_with("Acme: "),
        "{}",
        texts[0]
    );

    env.open_incident(&page, "Locale drill", "major");
    let de = wait_mail(env, &german, "Locale drill", 1);
    assert_eq!(de[0]["subject"], "[Acme] Locale drill: Wird untersucht");
    let text = de[0]["text"].as_str().unwrap();
    for want in [
        "Wird untersucht: Locale drill: we are investigating.",
        "Betroffen: API",
        "Nächstes Update bis ",
        "Wählen Sie, worüber Sie informiert werden: ",
        "Abbestellen: ",
    ] {
        assert!(text.contains(want), "{want:?} in {text}");
    }
    assert!(!text.contains("Unsubscribe"), "{text}");
    assert!(de[0]["html"]
        .as_str()
        .unwrap()
        .contains(">Auf der Statusseite ansehen</a>"));
    let en = wait_mail(env, &english, "Locale drill", 1);
    assert_eq!(en[0]["subject"], "[Acme] Locale drill: Investigating");
    let text = en[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Affected: API") && text.contains("Unsubscribe: "),
        "{text}"
    );

    // A tag that is no language is refused, the field named, and nothing is sent.
    let bad = subscribe(json!({"email": address(env, "bad-locale"), "locale": "deutsch!"}));
    assert_eq!(bad.problem(422)["field"], "locale", "{bad:?}");
}

/// A webhook that asked for Statuspage's format gets Statuspage's body, signed per Standard
/// Webhooks like Herald's own: `meta` with its own unsubscribe link, `page` with the status the
/// public Statuspage API shows, the incident with its updates newest first, and for a component
/// change the component with its `component_update`.
fn channels_statuspage_format_webhook_is_parsed_field_by_field(env: &Env) {
    let page = env.page("ch-sp");
    let (url, path) = hook(env, "ok", "sp");
    let r = add_subscriber(
        env,
        &page,
        json!({"channel": "webhook", "address": url, "format": "statuspage"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let secret = r.json()["signing_secret"].as_str().unwrap().to_owned();
    wait_confirmed(env, &page, &id);
    // Only a webhook takes that format.
    let bad = add_subscriber(
        env,
        &page,
        json!({"channel": "email", "address": address(env, "sp"), "format": "statuspage"}),
    );
    assert_eq!(bad.problem(422)["field"], "format", "{bad:?}");

    let incident = env.open_incident(&page, "SP drill", "major");
    let r = env.post_update(&page, &incident, "identified", "The cause is a bad deploy.");
    assert_eq!(r.status, 201, "{r:?}");
    let got = wait_sent(
        env,
        "webhook",
        &path,
        "text",
        "The cause is a bad deploy.",
        1,
    );
    let m = &got[0];
    herald_shared::webhook::verify(
        &secret,
        m["webhook_id"].as_str().unwrap(),
        m["webhook_timestamp"].as_str().unwrap().parse().unwrap(),
        m["text"].as_str().unwrap(),
        m["webhook_signature"].as_str().unwrap(),
        unix_now(),
    )
    .expect("signed like Herald's own payload");
    let v = &m["payload"];
    assert!(
        v.get("event").is_none() && v.get("item").is_none(),
        "not Herald's: {v}"
    );
    let unsubscribe = v["meta"]["unsubscribe"].as_str().unwrap();
    assert!(
        unsubscribe.starts_with(&format!("{}/v1/subscriptions/unsubscribe?token=", env.base)),
        "{unsubscribe}"
    );
    assert_eq!(
        v["meta"]["documentation"],
        format!("{}/v1/openapi.json", env.base)
    );
    let status = env
        .get(&format!("/pages/{page}/api/v2/status.json"), &[])
        .json();
    assert_eq!(v["page"]["id"], page.as_str());
    assert_eq!(v["page"]["status_indicator"], status["status"]["indicator"]);
    assert_eq!(
        v["page"]["status_description"],
        status["status"]["description"]
    );
    assert_eq!(v["page"]["status_indicator"], "major", "{v}");
    let i = &v["incident"];
    assert_eq!(i["id"], incident.as_str());
    assert_eq!(i["name"], "SP drill");
    assert_eq!(i["status"], "identified");
    assert_eq!(i["impact"], "major");
    assert_eq!(i["page_id"], page.as_str());
    assert_eq!(
        i["shortlink"],
        format!("{}/{page}/incidents/{incident}", env.base)
    );
    let updates = i["incident_updates"].as_array().unwrap();
    assert_eq!(updates.len(), 2, "{i}");
    assert_eq!(updates[0]["status"], "identified");
    assert_eq!(updates[0]["body"], "The cause is a bad deploy.");
    assert_eq!(updates[1]["status"], "investigating");
    assert_eq!(updates[1]["body"], "SP drill: we are investigating.");
    assert!(
        updates[0]["created_at"].as_str() >= updates[1]["created_at"].as_str(),
        "newest first: {i}"
    );
    let affected = &updates[1]["affected_components"][0];
    assert_eq!(affected["code"], "api");
    assert_eq!(affected["name"], "API");
    assert_eq!(affected["old_status"], "operational");
    assert_eq!(affected["new_status"], "partial_outage");
    assert_eq!(i["components"][0]["id"], "api");
    // The same body through the shared Statuspage types, whole.
    let typed: herald_shared::statuspage::SpWebhook = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(typed.incident.unwrap().incident_updates.len(), 2);

    let r = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}/components/web/status"),
        &json!({"status": "degraded_performance", "notify": true}).to_string(),
    );
    assert!(r.status == 200 || r.status == 201, "{r:?}");
    let got = eventually("the component update", WAIT, || {
        sent_to(env, "webhook", &path)
            .into_iter()
            .find(|m| m["payload"].get("component_update").is_some())
    });
    let v = &got["payload"];
    assert!(v.get("incident").is_none(), "{v}");
    assert_eq!(v["component"]["id"], "web");
    assert_eq!(v["component"]["name"], "Web app");
    assert_eq!(v["component"]["status"], "degraded_performance");
    assert_eq!(v["component_update"]["component_id"], "web");
    assert_eq!(v["component_update"]["old_status"], "operational");
    assert_eq!(v["component_update"]["new_status"], "degraded_performance");
    assert!(
        v["component_update"]["created_at"]
            .as_str()
            .is_some_and(|t| t.len() >= 20),
        "{v}"
    );
    assert!(v["meta"]["unsubscribe"]
        .as_str()
        .unwrap()
        .contains("token="));
}

/// A Teams channel (a Workflows webhook) is confirmed by accepting a first card, then gets each
/// update as one Adaptive Card; a refusal (503) is retried and the delivery recorded once sent.
fn channels_teams_channel_gets_an_adaptive_card_and_a_refusal_is_retried(env: &Env) {
    let page = env.page("ch-teams");
    let path = format!("/teams/{}", env.page("room"));
    let url = format!("{}{path}", env.sink.url());
    let r = add_subscriber(env, &page, json!({"channel": "teams", "address": url}));
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert!(r.json().get("signing_secret").is_none(), "{r:?}");
    wait_confirmed(env, &page, &id);
    let hello = sent_to(env, "teams", &path);
    assert_eq!(
        hello[0]["subject"],
        "This channel will now receive status updates from Test page."
    );
    // Not a Workflows URL: refused, the field named.
    let bad = add_subscriber(
        env,
        &page,
        json!({"channel": "teams", "address": "https://example.com/hook"}),
    );
    assert_eq!(bad.problem(422)["field"], "address", "{bad:?}");

    let (_, refused_before) = env.sink.counts();
    let failing = Failing::new(env, 100, 503);
    let incident = env.open_incident(&page, "Teams drill", "minor");
    eventually("a refused attempt", WAIT, || {
        (env.sink.counts().1 > refused_before).then_some(())
    });
    drop(failing);
    let got = wait_sent(env, "teams", &path, "subject", "Teams drill", 1);
    let card = &got[0]["payload"]["attachments"][0]["content"];
    assert_eq!(got[0]["payload"]["type"], "message");
    assert_eq!(
        got[0]["payload"]["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert_eq!(card["body"][1]["text"], "Test page · Investigating");
    assert_eq!(
        card["body"][2]["text"],
        "Teams drill: we are investigating."
    );
    assert_eq!(card["body"][3]["text"], "Affected: API");
    assert_eq!(card["actions"][0]["type"], "Action.OpenUrl");
    assert_eq!(
        card["actions"][0]["url"],
        format!("{}/{page}/incidents/{incident}", env.base)
    );
    let r = report(env, &page, &incident, |v| v["sent"] == 1);
    assert!(r["attempts"].as_u64().unwrap() >= 2, "retried: {r}");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        wait_sent(env, "teams", &path, "subject", "Teams drill", 1).len(),
        1,
        "one card"
    );
}
