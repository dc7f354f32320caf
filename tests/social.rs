//! The page's social accounts against workerd and the sink's Mastodon server and Bluesky service:
//! each request as the API documents it (headers, body fields, the link facet's byte offsets),
//! every post a delivery recorded with the provider's id, a refusal retried, a Bluesky session
//! kept and refreshed when it expires, the secrets never in an answer, and the lint warning when a
//! text will be cut.

use serde_json::{json, Value};

use crate::fixtures::{eventually, sent_to, wait_sent, Env, Failing, WAIT};

pub const TESTS: &[crate::Test] = crate::tests![
    social_mastodon_status_as_documented_with_opt_out_and_maintenance,
    social_bluesky_post_with_link_facet_and_session_refresh,
    social_refused_post_is_retried_and_recorded_once,
    social_post_given_up_on_is_tried_again_on_request,
    social_secrets_never_leave_the_page_object,
    social_lint_warns_when_a_post_will_be_cut,
];

const TOKEN: &str = "mastodon-token-0123456789-SECRET";
const APP_PASSWORD: &str = "abcd-efgh-ijkl-SECR";

/// The sink's Mastodon server for `page`.
fn server(env: &Env, page: &str) -> (String, String) {
    let path = format!("/mastodon/{page}");
    (format!("{}{path}", env.sink.url()), path)
}

#[track_caller]
fn put_social(env: &Env, page: &str, body: &Value) -> Value {
    let r = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}/social"),
        &body.to_string(),
    );
    assert_eq!(r.status, 200, "{r:?}");
    r.json()
}

/// The social notification about `subject`, once every account has a sent delivery.
fn social_report(env: &Env, page: &str, subject: &str, accounts: u64) -> (String, Value) {
    eventually(&format!("social posts about {subject}"), WAIT, || {
        let list = env
            .admin(
                "GET",
                &format!("/v1/admin/pages/{page}/notifications?subject={subject}"),
                "",
            )
            .json();
        let id = list.as_array()?.iter().find(|n| n["kind"] == "social")?["id"]
            .as_str()?
            .to_owned();
        let r = env
            .admin(
                "GET",
                &format!("/v1/admin/pages/{page}/notifications/{id}/deliveries"),
                "",
            )
            .json();
        (r["sent"] == accounts).then_some((id, r))
    })
}

/// The stored delivery rows of `notification` (development storage dump), one per attempt.
fn delivery_rows(env: &Env, page: &str, notification: &str) -> Vec<String> {
    env.get(&format!("/_dev/storage/{page}"), &[])
        .body
        .lines()
        .filter(|l| l.starts_with(&format!("deliveries\t{notification}\t")))
        .map(str::to_owned)
        .collect()
}

/// A status's length as Mastodon counts it: characters, a URL as 23.
fn mastodon_length(text: &str) -> usize {
    text.split(' ')
        .map(|w| {
            let url_at = w.find("https://").or_else(|| w.find("http://"));
            match url_at {
                Some(i) => w[..i].chars().count() + 23,
                None => w.chars().count(),
            }
        })
        .sum::<usize>()
        + text.matches(' ').count()
}

/// Mastodon: `POST /api/v1/statuses` with the bearer token, a JSON `status` and `visibility`,
/// an `Idempotency-Key` per post; the text fits 500 with its link; an update sent with
/// `"social": false` is not posted; scheduled maintenance is.
fn social_mastodon_status_as_documented_with_opt_out_and_maintenance(env: &Env) {
    let page = env.page("soc-mastodon");
    let (url, path) = server(env, &page);
    let answer = put_social(
        env,
        &page,
        &json!({"mastodon": {"server": url, "access_token": TOKEN}}),
    );
    assert_eq!(answer["mastodon"]["max_chars"], 500, "{answer}");
    assert_eq!(
        answer["events"],
        json!([
            "incident_opened",
            "incident_updated",
            "incident_resolved",
            "maintenance_scheduled"
        ])
    );
    let long = "Card payments fail for some customers in Europe. ".repeat(14);
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &json!({"title": "Payments failing", "impact": "major", "body": long, "components": ["api"]})
            .to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let incident = r.json()["id"].as_str().unwrap().to_owned();
    let link = format!("{}/{page}/incidents/{incident}", env.base);
    let got = wait_sent(env, "mastodon", &path, "subject", "Payments failing", 1);
    let status = &got[0];
    assert_eq!(status["bearer"], TOKEN, "Authorization: Bearer <token>");
    assert_eq!(status["content_type"], "application/json");
    assert_eq!(status["visibility"], "public");
    assert_eq!(status["language"], "en");
    let text = status["text"].as_str().unwrap();
    assert!(
        text.starts_with("Test page: Payments failing (Investigating)\n\nCard payments"),
        "{text}"
    );
    assert!(
        text.ends_with(&format!("…\n\n{link}")),
        "cut, link last: {text}"
    );
    let length = mastodon_length(text);
    assert!((450..=500).contains(&length), "{length}: {text}");

    let (notification, report) = social_report(env, &page, &incident, 1);
    assert_eq!(report["channels"][0]["channel"], "mastodon", "{report}");
    assert_eq!(
        status["idempotency_key"],
        format!("{notification}/social_mastodon/mastodon")
    );
    // The status's id, as the server answered it, is the delivery's provider id.
    let sink_id = status["id"].as_str().unwrap().trim_start_matches("sink-");
    let provider_id = (109_000_000_000_000_000u64 + sink_id.parse::<u64>().unwrap()).to_string();
    let rows = delivery_rows(env, &page, &notification);
    assert!(
        rows.iter()
            .any(|r| r.contains("\tsocial_mastodon\tmastodon\t") && r.contains(&provider_id)),
        "{rows:?}"
    );

    // Kept off social by the update itself; the resolution is posted.
    let quiet = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents/{incident}/updates"),
        &json!({"status": "identified", "body": "A certificate expired.", "social": false})
            .to_string(),
    );
    assert_eq!(quiet.status, 201, "{quiet:?}");
    let r = env.post_update(&page, &incident, "resolved", "Payments work again.");
    assert_eq!(r.status, 201, "{r:?}");
    wait_sent(env, "mastodon", &path, "text", "(Resolved)", 1);
    let all = sent_to(env, "mastodon", &path);
    assert_eq!(all.len(), 2, "opened and resolved only: {all:?}");
    assert!(!all
        .iter()
        .any(|s| s["text"].as_str().unwrap().contains("certificate")));

    // Scheduled maintenance, linked to its place on the status page.
    let start = time::OffsetDateTime::now_utc() + time::Duration::days(20);
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/maintenances"),
        &json!({"title": "Database upgrade", "body": "Ten minutes of read-only mode.",
                "components": ["api"], "scheduled_for": fmt(start),
                "scheduled_until": fmt(start + time::Duration::hours(1))})
        .to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let m = r.json()["id"].as_str().unwrap().to_owned();
    let got = wait_sent(env, "mastodon", &path, "subject", "Database upgrade", 1);
    assert!(
        got[0]["text"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{}/{page}#maintenance-{m}", env.base)),
        "{}",
        got[0]["text"]
    );
}

/// Bluesky: a session from `createSession` with the handle and app password, kept by the page
/// (the second post makes none), `createRecord` of an `app.bsky.feed.post` whose link facet
/// spans the link's UTF-8 bytes; an expired access token is refreshed with `refreshSession`.
fn social_bluesky_post_with_link_facet_and_session_refresh(env: &Env) {
    let page = env.page("soc-bsky");
    let handle = format!("{page}.bsky.social");
    let answer = put_social(
        env,
        &page,
        &json!({"bluesky": {"handle": handle, "app_password": APP_PASSWORD},
                "events": ["incident_opened", "incident_updated"]}),
    );
    assert_eq!(answer["bluesky"]["app_password"], "set", "{answer}");
    assert!(
        !answer.to_string().contains(&page),
        "handle masked: {answer}"
    );
    let calls_before = env.sink.bluesky_calls().len();
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/incidents"),
        &json!({"title": "Zahlungen gestört", "impact": "minor",
                "body": "Kartenzahlungen schlagen fehl – wir prüfen es 🔧. ".repeat(8),
                "components": ["api"]})
        .to_string(),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let incident = r.json()["id"].as_str().unwrap().to_owned();
    let link = format!("{}/{page}/incidents/{incident}", env.base);
    let did = format!("did:plc:sink{}", handle.len());
    let got = wait_sent(env, "bluesky", &did, "subject", "Zahlungen gestört", 1);
    let body = &got[0]["payload"];
    assert_eq!(body["repo"], did.as_str());
    assert_eq!(body["collection"], "app.bsky.feed.post");
    let record = &body["record"];
    assert_eq!(record["$type"], "app.bsky.feed.post");
    assert_eq!(record["langs"], json!(["en"]));
    let created = record["createdAt"].as_str().unwrap();
    time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("createdAt {created:?}: {e}"));
    let text = record["text"].as_str().unwrap();
    let graphemes = unicode_segmentation::UnicodeSegmentation::graphemes(text, true).count();
    assert!(graphemes <= 300 && graphemes > 250, "{graphemes}: {text}");
    assert!(text.contains('…'), "cut: {text}");
    let facet = &record["facets"][0];
    let (start, end) = (
        facet["index"]["byteStart"].as_u64().unwrap() as usize,
        facet["index"]["byteEnd"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        &text.as_bytes()[start..end],
        link.as_bytes(),
        "byte offsets"
    );
    assert!(
        start > text[..start].chars().count(),
        "bytes, not characters"
    );
    assert_eq!(
        facet["features"],
        json!([{"$type": "app.bsky.richtext.facet#link", "uri": link}])
    );
    let (notification, _) = social_report(env, &page, &incident, 1);
    let rows = delivery_rows(env, &page, &notification);
    assert!(
        rows.iter()
            .any(|r| r.contains("\tsocial_bluesky\tbluesky\t")
                && r.contains(&format!("at://{did}/app.bsky.feed.post/"))),
        "the record's uri is the provider id: {rows:?}"
    );
    let calls: Vec<Value> = env.sink.bluesky_calls()[calls_before..].to_vec();
    let sessions: Vec<&Value> = calls
        .iter()
        .filter(|c| c["method"] == "createSession")
        .collect();
    assert_eq!(sessions.len(), 1, "{calls:?}");
    assert_eq!(sessions[0]["identifier"], handle.as_str());
    assert_eq!(sessions[0]["password_length"], APP_PASSWORD.len());

    // The access token expires: refreshed, the post goes through, no new session is made.
    env.sink.expire_bluesky();
    let marker = env.sink.bluesky_calls().len();
    let r = env.post_update(&page, &incident, "identified", "A card processor is down.");
    assert_eq!(r.status, 201, "{r:?}");
    wait_sent(env, "bluesky", &did, "text", "processor is down", 1);
    let calls: Vec<String> = env.sink.bluesky_calls()[marker..]
        .iter()
        .map(|c| format!("{} {}", c["method"].as_str().unwrap(), c["status"]))
        .collect();
    assert_eq!(
        calls,
        ["createRecord 400", "refreshSession 200", "createRecord 200"],
        "expired, refreshed, posted"
    );
    // The refreshed session is kept: the next post uses it as it is.
    let marker = env.sink.bluesky_calls().len();
    env.post_update(&page, &incident, "monitoring", "Payments recover.");
    wait_sent(env, "bluesky", &did, "text", "Payments recover", 1);
    let calls: Vec<String> = env.sink.bluesky_calls()[marker..]
        .iter()
        .map(|c| format!("{} {}", c["method"].as_str().unwrap(), c["status"]))
        .collect();
    assert_eq!(calls, ["createRecord 200"]);
}

/// A server answering 503 is tried again after the back-off; the status is posted once, with
/// the same idempotency key on every attempt, and the delivery counts every attempt.
fn social_refused_post_is_retried_and_recorded_once(env: &Env) {
    let page = env.page("soc-retry");
    let (url, path) = server(env, &page);
    put_social(
        env,
        &page,
        &json!({"mastodon": {"server": url, "access_token": TOKEN}}),
    );
    let (_, refused_before) = env.sink.counts();
    let failing = Failing::new(env, 100, 503);
    let incident = env.open_incident(&page, "Social drill", "minor");
    eventually("a refused status", WAIT, || {
        (env.sink.counts().1 > refused_before).then_some(())
    });
    drop(failing);
    wait_sent(env, "mastodon", &path, "subject", "Social drill", 1);
    let (notification, report) = social_report(env, &page, &incident, 1);
    assert!(
        report["attempts"].as_u64().unwrap() >= 2,
        "retried: {report}"
    );
    assert_eq!(report["failed"], 0, "{report}");
    let rows = delivery_rows(env, &page, &notification);
    assert!(
        rows.iter().any(|r| r.contains("temporary_failure")),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r.contains("\tsent\t")), "{rows:?}");
    assert_eq!(sent_to(env, "mastodon", &path).len(), 1, "one status");
}

/// A server that refuses a status for good (400) is not retried; the post is listed as failed
/// with its channel to try again on, and a manager's "retry now" posts it once the server takes it.
fn social_post_given_up_on_is_tried_again_on_request(env: &Env) {
    let page = env.page("soc-again");
    let (url, path) = server(env, &page);
    put_social(
        env,
        &page,
        &json!({"mastodon": {"server": url, "access_token": TOKEN}}),
    );
    let statuses = format!("{path}/api/v1/statuses");
    env.sink.reject(&statuses);
    let incident = env.open_incident(&page, "Refused drill", "minor");
    let (notification, report) = eventually("the post given up on", WAIT, || {
        let list = env
            .admin(
                "GET",
                &format!("/v1/admin/pages/{page}/notifications?subject={incident}"),
                "",
            )
            .json();
        let id = list.as_array()?.iter().find(|n| n["kind"] == "social")?["id"]
            .as_str()?
            .to_owned();
        let r = env
            .admin(
                "GET",
                &format!("/v1/admin/pages/{page}/notifications/{id}/deliveries"),
                "",
            )
            .json();
        (r["failed"] == 1).then_some((id, r))
    });
    assert_eq!(report["attempts"], 1, "a 400 is not retried: {report}");
    let failure = &report["failures"][0];
    assert_eq!(failure["subscriber_id"], "social_mastodon", "{report}");
    assert_eq!(failure["retry_on"], json!(["mastodon"]), "{report}");
    env.sink.accept(&statuses);
    let r = env.admin(
        "POST",
        &format!(
            "/v1/admin/pages/{page}/notifications/{notification}/deliveries/social_mastodon/retry"
        ),
        "",
    );
    assert!((200..300).contains(&r.status), "{r:?}");
    wait_sent(env, "mastodon", &path, "subject", "Refused drill", 1);
    social_report(env, &page, &incident, 1);
}

/// The token, the handle and the app password go in and never come out: not in the answers,
/// the page's settings, the audit (JSON or CSV), the public documents or the status page.
/// Updating the settings without them keeps them; a key below admin cannot read the settings.
fn social_secrets_never_leave_the_page_object(env: &Env) {
    let page = env.page("soc-secret");
    let (url, path) = server(env, &page);
    let handle = format!("{page}.bsky.social");
    let first = put_social(
        env,
        &page,
        &json!({"mastodon": {"server": url, "access_token": TOKEN, "max_chars": 1000},
                "bluesky": {"handle": handle, "app_password": APP_PASSWORD},
                "events": ["incident_opened"]}),
    );
    // Settings changed without the secrets: the stored ones stay.
    let second = put_social(
        env,
        &page,
        &json!({"mastodon": {"server": url, "max_chars": 1000}, "bluesky": {},
                "events": ["incident_opened"]}),
    );
    assert_eq!(first, second);
    assert_eq!(
        second["mastodon"]["access_token"], "set (…CRET)",
        "{second}"
    );
    let incident = env.open_incident(&page, "Secret drill", "minor");
    let got = wait_sent(env, "mastodon", &path, "subject", "Secret drill", 1);
    assert_eq!(got[0]["bearer"], TOKEN);
    social_report(env, &page, &incident, 2);
    let answers = [
        first.to_string(),
        env.admin("GET", &format!("/v1/admin/pages/{page}/social"), "")
            .body,
        env.admin("GET", &format!("/v1/admin/pages/{page}"), "")
            .body,
        env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "")
            .body,
        env.admin(
            "GET",
            &format!("/v1/admin/pages/{page}/audit?format=csv"),
            "",
        )
        .body,
        env.admin(
            "GET",
            &format!("/v1/admin/pages/{page}/notifications?subject={incident}"),
            "",
        )
        .body,
        env.get(&format!("/v1/pages/{page}/summary.json"), &[]).body,
        env.get(&format!("/pages/{page}/api/v2/summary.json"), &[])
            .body,
        env.get(&format!("/{page}"), &[]).body,
        env.get(&format!("/{page}/incidents/{incident}"), &[]).body,
    ];
    for (i, a) in answers.iter().enumerate() {
        for secret in [TOKEN, APP_PASSWORD, handle.as_str()] {
            assert!(!a.contains(secret), "answer {i} shows {secret}: {a}");
        }
    }
    assert!(answers[2].contains("\"social\""), "{}", answers[2]);
    assert!(!env.worker_log().contains(TOKEN), "the worker's log");
    // A responder's key may not read them.
    let key = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/keys"),
        &json!({"name": "resp", "role": "responder"}).to_string(),
    );
    assert_eq!(key.status, 201, "{key:?}");
    let key = key.json()["key"].as_str().unwrap().to_owned();
    let r = env.send(
        "GET",
        &format!("/v1/admin/pages/{page}/social"),
        Some(&key),
        None,
        &[],
    );
    assert_eq!(r.status, 403, "{r:?}");
    // Bad input is refused with the field named, and changes nothing.
    for (body, field) in [
        (
            json!({"mastodon": {"server": "ftp://x", "access_token": TOKEN}}),
            "mastodon.server",
        ),
        (
            json!({"mastodon": {"server": url, "access_token": "has space"}}),
            "mastodon.access_token",
        ),
        (
            json!({"mastodon": {"server": url, "access_token": TOKEN, "max_chars": 5}}),
            "mastodon.max_chars",
        ),
        (json!({"twitter": {}}), ""),
    ] {
        let r = env.admin(
            "PUT",
            &format!("/v1/admin/pages/{page}/social"),
            &body.to_string(),
        );
        assert!(r.status == 422 || r.status == 400, "{body}: {r:?}");
        if !field.is_empty() {
            assert_eq!(r.json()["field"], field, "{r:?}");
        }
    }
    let now = env
        .admin("GET", &format!("/v1/admin/pages/{page}/social"), "")
        .json();
    assert_eq!(now, second, "unchanged");
}

/// The composer's lint, on a page with accounts, warns when the post will be cut, naming the
/// network and its limit (Mastodon's as the page set it).
fn social_lint_warns_when_a_post_will_be_cut(env: &Env) {
    let page = env.page("soc-lint");
    let (url, _) = server(env, &page);
    put_social(
        env,
        &page,
        &json!({"mastodon": {"server": url, "access_token": TOKEN, "max_chars": 800},
                "bluesky": {"handle": "lint.bsky.social", "app_password": APP_PASSWORD}}),
    );
    let lint = |body: &str| -> Vec<String> {
        let r = env.admin(
            "POST",
            &format!("/v1/admin/pages/{page}/lint"),
            &json!({"title": "Payments failing", "body": body, "status": "identified",
                    "next_update_at": "2030-01-01T00:00:00Z"})
            .to_string(),
        );
        assert_eq!(r.status, 200, "{r:?}");
        r.json()["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["code"] == "social_too_long")
            .map(|w| w["message"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(lint("Some customers cannot pay by card.").is_empty());
    // About 400 characters: over Bluesky's 300, within this server's 800.
    let w = lint(&"Some customers cannot pay by card. ".repeat(12));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("on Bluesky") && w[0].contains("of its 300"),
        "{w:?}"
    );
    let w = lint(&"Some customers cannot pay by card. ".repeat(30));
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w.iter()
            .any(|m| m.starts_with("on Mastodon") && m.contains("of its 800")),
        "{w:?}"
    );
}
