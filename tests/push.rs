//! Browser push against workerd and the sink standing in for a push service. A browser (its P-256
//! key pair and auth secret made here) subscribes; an incident reaches it encrypted, and the test
//! decrypts it with the browser's private key as a browser would (RFC 8291, written here
//! independently of the worker's code), reads the message, and checks the VAPID token's signature
//! against the page's public key. A 410 ends the subscription, a 503 is retried, the
//! notification's unsubscribe link works, and bad subscriptions are refused with the field named.

use aes_gcm::aead::{Aead, KeyInit};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use hkdf::Hkdf;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::fixtures::{
    configure, eventually, report, subscriber_state, unix_now, Env, Failing, Reply, WAIT,
};

pub const TESTS: &[crate::Test] = crate::tests![
    push_a_browser_gets_the_update_encrypted_and_signed_and_can_unsubscribe,
    push_a_gone_subscription_is_removed_and_a_failing_service_retried,
    push_subscriptions_are_checked_at_the_boundary,
    push_a_german_browser_reads_german_and_an_unoffered_language_the_default,
];

/// A browser's side of a push subscription.
struct Browser {
    secret: p256::SecretKey,
    auth: [u8; 16],
    /// The endpoint's path on the sink (its `to`).
    path: String,
    endpoint: String,
}

impl Browser {
    /// A browser of its own per page and name; `kind` is how the sink's push service answers
    /// (`ok`, `gone`, `missing`). Keys come from a hash of the name: no randomness needed.
    fn new(env: &Env, page: &str, kind: &str, name: &str) -> Browser {
        let seed = Sha256::digest(format!("{page}/{name}").as_bytes());
        let secret = p256::SecretKey::from_slice(&seed).expect("a hash is a valid scalar");
        let auth: [u8; 16] = Sha256::digest(seed).as_slice()[..16].try_into().unwrap();
        let path = format!("/push/{kind}/{page}-{name}");
        Browser {
            secret,
            auth,
            endpoint: format!("{}{path}", env.sink.url()),
            path,
        }
    }

    fn p256dh(&self) -> String {
        B64.encode(self.secret.public_key().to_encoded_point(false).as_bytes())
    }

    /// What `PushSubscription.toJSON()` gives, with the components chosen.
    fn subscription(&self, components: &[&str]) -> Value {
        json!({
            "endpoint": self.endpoint,
            "expirationTime": null,
            "keys": {"p256dh": self.p256dh(), "auth": B64.encode(self.auth)},
            "components": components,
        })
    }

    /// Decrypts an `aes128gcm` body as the browser does (RFC 8291 section 3.4, RFC 8188).
    fn decrypt(&self, body: &[u8]) -> Vec<u8> {
        let (salt, rest) = body.split_at(16);
        let record_size = u32::from_be_bytes(rest[..4].try_into().unwrap());
        let id_len = usize::from(rest[4]);
        assert_eq!(id_len, 65, "the key id is the sender's P-256 public key");
        let sender = &rest[5..5 + id_len];
        let sealed = &rest[5 + id_len..];
        assert!(body.len() <= record_size as usize, "one record");
        let sender_key = p256::PublicKey::from_sec1_bytes(sender).expect("a P-256 point");
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), sender_key.as_affine());
        let mut info = b"WebPush: info\0".to_vec();
        info.extend_from_slice(self.secret.public_key().to_encoded_point(false).as_bytes());
        info.extend_from_slice(sender);
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.auth), shared.raw_secret_bytes())
            .expand(&info, &mut ikm)
            .unwrap();
        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
            .unwrap();
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
            .unwrap();
        let plain = aes_gcm::Aes128Gcm::new_from_slice(&cek)
            .unwrap()
            .decrypt(aes_gcm::Nonce::from_slice(&nonce), sealed)
            .expect("the body decrypts with this browser's keys");
        let end = plain.iter().rposition(|b| *b != 0).expect("a delimiter");
        assert_eq!(plain[end], 2, "the last record's delimiter");
        plain[..end].to_vec()
    }
}

fn subscribe(env: &Env, page: &str, body: &Value) -> Reply {
    env.send(
        "POST",
        &format!("/v1/pages/{page}/push/subscriptions"),
        None,
        Some(&body.to_string()),
        &[("content-type", "application/json")],
    )
}

/// Subscribes `b`, expecting it confirmed at once; returns its id and answer.
#[track_caller]
fn subscribed(env: &Env, page: &str, b: &Browser, components: &[&str]) -> (String, Value) {
    let r = subscribe(env, page, &b.subscription(components));
    assert_eq!(r.status, 201, "{r:?}");
    let v = r.json();
    assert_eq!(v["state"], "confirmed", "no confirmation message: {v}");
    (v["id"].as_str().unwrap().to_owned(), v)
}

/// The push messages the sink took for `b`, decrypted.
fn received(env: &Env, b: &Browser, what: &str, n: usize) -> Vec<(Value, Value)> {
    let got = eventually(&format!("{n} push message(s) with {what:?}"), WAIT, || {
        let all: Vec<(Value, Value)> = crate::fixtures::sent_to(env, "push", &b.path)
            .into_iter()
            .map(|m| {
                let body = B64.decode(m["body_b64"].as_str().unwrap()).unwrap();
                let message: Value = serde_json::from_slice(&b.decrypt(&body)).unwrap();
                (m, message)
            })
            .filter(|(_, message)| message.to_string().contains(what))
            .collect();
        (all.len() >= n).then_some(all)
    });
    got
}

fn push_a_browser_gets_the_update_encrypted_and_signed_and_can_unsubscribe(env: &Env) {
    let page = env.page("push");
    let key = env.get(&format!("/v1/pages/{page}/push/key"), &[]);
    assert_eq!(key.status, 200, "{key:?}");
    let public_key = key.json()["public_key"].as_str().unwrap().to_owned();
    let raw = B64.decode(&public_key).unwrap();
    assert!(raw.len() == 65 && raw[0] == 4, "an uncompressed P-256 key");
    let again = env.get(&format!("/v1/pages/{page}/push/key"), &[]);
    assert_eq!(again.json()["public_key"], public_key.as_str(), "kept");

    let browser = Browser::new(env, &page, "ok", "one");
    let (id, answer) = subscribed(env, &page, &browser, &["api"]);
    assert_eq!(answer["components"], json!(["api"]), "{answer}");
    let incident = env.open_incident(&page, "Push drill", "major");
    let got = received(env, &browser, "Push drill", 1);
    let (request, message) = &got[0];
    assert_eq!(request["content_encoding"], "aes128gcm", "{request}");
    assert_eq!(request["content_type"], "application/octet-stream");
    assert_eq!(request["ttl"], "86400");
    assert_eq!(request["urgency"], "high", "a major incident");
    assert_eq!(message["title"], "Test page: Push drill", "{message}");
    let text = message["body"].as_str().unwrap();
    assert!(text.starts_with("Investigating: Push drill"), "{text}");
    assert!(text.contains("Next update by"), "{text}");
    let url = message["url"].as_str().unwrap();
    assert!(
        url.ends_with(&format!("/{page}/incidents/{incident}")),
        "{url}"
    );
    assert_eq!(message["tag"], format!("{page}-{incident}"));

    // The VAPID token: signed by the key the page serves, for the push service's origin, for at
    // most a day, naming a contact.
    let authorization = request["vapid"]
        .as_str()
        .unwrap_or_else(|| panic!("no authorization: {request}"));
    let (k, claims) = herald_shared::webpush::verify_authorization(authorization)
        .unwrap_or_else(|e| panic!("{e}: {authorization}"));
    assert_eq!(k, public_key);
    assert_eq!(claims.aud, env.sink.url());
    let left = claims.exp - unix_now();
    assert!(left > 0 && left <= 24 * 3600, "exp in {left} s");
    assert!(claims.sub.starts_with("http"), "{}", claims.sub);
    let forged = authorization.replace(&public_key, &Browser::new(env, &page, "ok", "x").p256dh());
    assert!(herald_shared::webpush::verify_authorization(&forged).is_err());

    // The delivery is recorded like any other channel's.
    let r = report(env, &page, &incident, |v| v["sent"] == 1);
    assert_eq!(r["failed"], 0, "{r}");

    // The notification's "Unsubscribe" action posts its link, as the service worker does.
    let unsubscribe = message["unsubscribe_url"].as_str().unwrap();
    let path = &unsubscribe[unsubscribe.find("/v1/").unwrap()..];
    let r = env.send("POST", path, None, None, &[]);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(subscriber_state(env, &page, &id), "unsubscribed");
    // The same browser may come back on its own: confirmed again, the same subscriber.
    let (back, _) = subscribed(env, &page, &browser, &[]);
    assert_eq!(back, id);

    // Public documents show nothing of it.
    let summary = env.get(&format!("/v1/pages/{page}/summary.json"), &[]);
    assert!(!summary.body.contains(&browser.path) && !summary.body.contains(&id));
    // The status page offers the button (hidden until its script finds push support) and may
    // run only its host's scripts; the service worker may take the page's scope.
    let html = env.get(&format!("/{page}"), &[]);
    assert!(html
        .body
        .contains(r#"<script src="/push.js" defer></script>"#));
    assert!(html.body.contains(&format!(r#"data-scope="/{page}/""#)));
    let csp = html.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("worker-src 'self'"),
        "{csp}"
    );
    let sw = env.get("/push-sw.js", &[]);
    assert_eq!(sw.status, 200);
    assert_eq!(
        sw.header("service-worker-allowed"),
        Some("/"),
        "{:?}",
        sw.headers
    );
    assert!(sw.body.contains("showNotification") && sw.body.contains("unsubscribe"));
}

fn push_a_gone_subscription_is_removed_and_a_failing_service_retried(env: &Env) {
    let page = env.page("push-gone");
    let gone = Browser::new(env, &page, "gone", "left");
    let alive = Browser::new(env, &page, "ok", "stays");
    let (gone_id, _) = subscribed(env, &page, &gone, &[]);
    let (alive_id, _) = subscribed(env, &page, &alive, &[]);
    assert!(env.stored_contains(&gone.p256dh()), "its keys are kept");
    let incident = env.open_incident(&page, "Gone drill", "minor");
    received(env, &alive, "Gone drill", 1);
    eventually("the 410 ends the subscription", WAIT, || {
        (subscriber_state(env, &page, &gone_id) == "unsubscribed").then_some(())
    });
    let r = report(env, &page, &incident, |v| {
        v["sent"] == 1 && v["failed"] == 1
    });
    let failure = &r["failures"][0];
    assert_eq!(failure["subscriber_id"], gone_id.as_str(), "{r}");
    assert_eq!(failure["attempts"], 1, "a 410 is not retried: {r}");
    assert!(failure["error"].as_str().unwrap().contains("410"), "{r}");
    assert_eq!(subscriber_state(env, &page, &alive_id), "confirmed");
    let audit = env.admin("GET", &format!("/v1/admin/pages/{page}/audit"), "");
    assert!(audit.body.contains("subscriber.gone"), "{}", audit.body);

    // A push service failing for a while (503): retried like any provider, one copy in the end.
    let failing = Failing::new(env, 100, 503);
    let second = env.open_incident(&page, "Retry drill", "minor");
    report(env, &page, &second, |v| v["attempts"].as_u64() >= Some(2));
    drop(failing);
    let r = report(env, &page, &second, |v| v["sent"] == 1);
    assert!(r["attempts"].as_u64().unwrap() >= 2, "{r}");
    assert_eq!(received(env, &alive, "Retry drill", 1).len(), 1);
}

fn push_subscriptions_are_checked_at_the_boundary(env: &Env) {
    let page = env.page("push-checks");
    let b = Browser::new(env, &page, "ok", "checks");
    let good = b.subscription(&[]);
    let with = |path: &[&str], value: Value| {
        let mut v = good.clone();
        let mut at = &mut v;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at[path[path.len() - 1]] = value;
        v
    };
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            with(&["endpoint"], json!("http://push.example.com/x")),
            422,
            "endpoint",
        ),
        (
            with(&["endpoint"], json!("https://10.0.0.1/x")),
            422,
            "endpoint",
        ),
        (
            with(&["keys", "p256dh"], json!(&b.p256dh()[..40])),
            422,
            "keys.p256dh",
        ),
        (
            with(&["keys", "p256dh"], json!(format!("BA{}", "A".repeat(85)))),
            422,
            "keys.p256dh",
        ),
        (with(&["keys", "auth"], json!("c2hvcnQ")), 422, "keys.auth"),
        (
            with(&["keys", "auth"], json!("not base64!")),
            422,
            "keys.auth",
        ),
        (with(&["components"], json!(["nope"])), 422, "components"),
        (with(&["extra"], json!(1)), 400, ""),
    ];
    for (body, status, field) in cases {
        let r = subscribe(env, &page, &body);
        let p = r.problem(status);
        if !field.is_empty() {
            assert_eq!(p["field"], field, "{body}: {p}");
        }
    }
    // Nothing was subscribed by any of them; the good one is.
    let list = env.admin("GET", &format!("/v1/admin/pages/{page}/subscribers"), "");
    assert_eq!(list.json().as_array().map(Vec::len), Some(0), "{list:?}");
    subscribed(env, &page, &b, &["web"]);
    // Push subscribers come from browsers only, never from the admin API.
    let r = env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/subscribers"),
        &json!({"channel": "push", "address": b.endpoint}).to_string(),
    );
    assert_eq!(r.problem(422)["field"], "channel", "{r:?}");
    let missing = env.get("/v1/pages/no-such-page-x/push/key", &[]);
    missing.problem(404);
}

/// A browser that says it reads German gets its notifications in German around the communicator's
/// words; one whose language the page does not offer gets the page's default; a tag that is no
/// language is refused, naming `locale`.
fn push_a_german_browser_reads_german_and_an_unoffered_language_the_default(env: &Env) {
    let page = env.page("push-de");
    configure(
        env,
        &page,
        &json!({"name": "Acme", "locales": ["en", "de"],
                "components": [{"id": "api", "name": "API"}]}),
    );
    let with_locale = |b: &Browser, locale: &str| {
        let mut body = b.subscription(&[]);
        body["locale"] = json!(locale);
        body
    };
    let german = Browser::new(env, &page, "ok", "german");
    let r = subscribe(env, &page, &with_locale(&german, "de-DE"));
    assert_eq!(r.status, 201, "{r:?}");
    let dutch = Browser::new(env, &page, "ok", "dutch");
    let r = subscribe(env, &page, &with_locale(&dutch, "nl"));
    assert_eq!(r.status, 201, "{r:?}");
    let wrong = Browser::new(env, &page, "ok", "wrong");
    let r = subscribe(env, &page, &with_locale(&wrong, "<script>"));
    assert_eq!(r.problem(422)["field"], "locale", "{r:?}");

    env.open_incident(&page, "Sprachprobe", "major");
    let (_, de) = &received(env, &german, "Sprachprobe", 1)[0];
    let text = de["body"].as_str().unwrap();
    let status = herald_shared::template::Locale::De.words().incident[0];
    assert!(text.starts_with(&format!("{status}: ")), "{text}");
    assert!(text.contains("Nächstes Update bis"), "{text}");
    let (_, en) = &received(env, &dutch, "Sprachprobe", 1)[0];
    let text = en["body"].as_str().unwrap();
    assert!(text.starts_with("Investigating: "), "{text}");
    assert!(text.contains("Next update by"), "{text}");
}
