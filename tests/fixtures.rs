//! The test environment: the built worker in workerd on a free port with fresh storage, an HTTP
//! client for it, fresh pages per test, (for the browser tier) chromedriver with Chromium, and the
//! helpers every module shares: what the sink received, waiting for it, subscribing, reports.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::{json, Value};
use xtask::local::{free_port, LocalWorker, Options};
use xtask::sink::Sink;

use xtask::webdriver::Browser;

/// Seconds between widget polls in tests: short, so that changes show quickly.
pub const POLL_SECS: u32 = 1;
/// Seconds before the first delivery retry in tests (doubling after): short, so retries finish.
pub const RETRY_BASE_SECS: u32 = 1;

pub struct Env {
    /// The local email provider the worker sends to.
    pub sink: Sink,
    pub base: String,
    pub key: String,
    pub browser: Option<Browser>,
    worker: LocalWorker,
    dir: PathBuf,
    agent: ureq::Agent,
}

/// A response reduced to what tests look at.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// Asserts an RFC 9457 problem document with this status and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "status of {:?}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        assert!(
            p["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("https://")),
            "{p}"
        );
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
        assert!(p["detail"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
        p
    }
}

static PAGES: AtomicU32 = AtomicU32::new(0);

impl Env {
    pub fn start(browser: bool) -> xtask::Result<Env> {
        Self::start_in(String::new(), browser, &[])
    }

    /// A second worker beside the shared one, with its own sink, storage and `extra` variables:
    /// for a test whose settings the other tests must not see (a short retry window). Stopped when
    /// dropped.
    pub fn start_beside(label: &str, extra: &[(&str, &str)]) -> xtask::Result<Env> {
        Self::start_in(format!("-{label}"), false, extra)
    }

    fn start_in(label: String, browser: bool, extra: &[(&str, &str)]) -> xtask::Result<Env> {
        if xtask::dist::widget_files("herald_widget").is_none()
            || !xtask::root().join("edge/build/worker/shim.mjs").exists()
        {
            return Err("the worker and widget are not built: run `cargo xtask test` (or `cargo xtask dist` first)".into());
        }
        let dir = xtask::root()
            .join("target/herald-tests")
            .join(format!("{}{label}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let sink = Sink::start(0)?;
        let mut vars = xtask::local::sink_vars(&sink.url(), RETRY_BASE_SECS);
        for (k, v) in extra {
            vars.retain(|(name, _)| name != k);
            vars.push(((*k).to_owned(), (*v).to_owned()));
        }
        let opts = Options {
            port: free_port(),
            persist_to: dir.join("state"),
            admin_key: format!("test-key-{}", std::process::id()),
            poll_secs: Some(POLL_SECS),
            log: Some(dir.join("wrangler.log")),
            vars,
        };
        // The one beside the shared worker skips wrangler's DevTools proxy (and its port).
        let worker = if label.is_empty() {
            LocalWorker::start(opts)?
        } else {
            LocalWorker::start_without_inspector(opts)?
        };
        let browser = if browser {
            Some(Browser::start(&dir)?)
        } else {
            None
        };
        Ok(Env {
            sink,
            base: worker.url(),
            key: worker.admin_key.clone(),
            browser,
            worker,
            dir,
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(20)))
                .build()
                .into(),
        })
    }

    pub fn worker_log(&self) -> String {
        self.worker
            .log
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }

    /// Whether any file of the worker's local storage (every object's SQLite database and its
    /// write-ahead log) holds `needle`: what a leak test greps.
    pub fn stored_contains(&self, needle: &str) -> bool {
        !self.stored_where(needle).is_empty()
    }

    /// The files of the worker's local storage that hold `needle`, with where in them.
    pub fn stored_where(&self, needle: &str) -> Vec<(std::path::PathBuf, usize)> {
        self.stored_files()
            .into_keys()
            .filter_map(|path| {
                let bytes = std::fs::read(&path).ok()?;
                let at = bytes
                    .windows(needle.len())
                    .position(|w| w == needle.as_bytes())?;
                Some((path, at))
            })
            .collect()
    }

    /// Every non-empty file of the worker's local storage, with its size: the objects that hold
    /// something (an object that only read keeps an empty file, or none).
    pub fn stored_files(&self) -> std::collections::BTreeMap<std::path::PathBuf, u64> {
        fn walk(
            dir: &std::path::Path,
            out: &mut std::collections::BTreeMap<std::path::PathBuf, u64>,
        ) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if let Ok(m) = e.metadata() {
                    if m.len() > 0 {
                        out.insert(path, m.len());
                    }
                }
            }
        }
        let mut out = std::collections::BTreeMap::new();
        walk(&self.dir.join("state"), &mut out);
        out
    }

    pub fn browser(&self) -> &Browser {
        self.browser.as_ref().expect("browser tier not started")
    }

    /// A new page with two components, unique to the calling test.
    pub fn page(&self, name: &str) -> String {
        let n = PAGES.fetch_add(1, Ordering::Relaxed);
        let id = format!("{name}-{n}");
        self.seed(&id);
        id
    }

    /// Creates (or resets the settings of) page `id` with two components.
    pub fn seed(&self, id: &str) {
        let settings = r#"{"name":"Test page","components":[{"id":"api","name":"API"},{"id":"web","name":"Web app"}]}"#;
        let r = self.send(
            "PUT",
            &format!("/v1/admin/pages/{id}"),
            Some(&self.key),
            Some(settings),
            &[],
        );
        assert!(r.status == 201 || r.status == 200, "{r:?}");
    }

    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send("GET", path, None, None, headers)
    }

    /// An admin request with the test admin key.
    pub fn admin(&self, method: &str, path: &str, body: &str) -> Reply {
        self.send(method, path, Some(&self.key), Some(body), &[])
    }

    pub fn send(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(key) = key {
            req = req.header("authorization", format!("Bearer {key}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(body.unwrap_or("").to_owned()).expect("request");
        let again = req.clone();
        let idempotent = matches!(method, "GET" | "PUT" | "DELETE");
        // A kept-alive connection the runtime closed while idle fails before the request reaches
        // it ("Peer disconnected"); a request that changes nothing or says everything goes again.
        let mut resp = match self.agent.run(req) {
            Ok(resp) => resp,
            Err(ureq::Error::Io(e)) if idempotent => {
                eprintln!("{method} {url}: {e}; sent again");
                self.agent
                    .run(again.clone())
                    .unwrap_or_else(|e| panic!("{method} {url}: {e}"))
            }
            // Twice in full runs on this machine the local runtime never answered one read (no
            // line in its log: it never reached the worker); a read is asked once more, and one
            // that hangs again fails the test.
            Err(e @ ureq::Error::Timeout(_)) if method == "GET" => {
                eprintln!("{method} {url}: {e}; sent again");
                self.agent
                    .run(again.clone())
                    .unwrap_or_else(|e| panic!("{method} {url}: {e}"))
            }
            Err(e) => panic!("{method} {url}: {e}"),
        };
        // The local runtime occasionally restarts its isolate under load and says so; a request
        // that changes nothing or says everything (GET, PUT, DELETE) is sent again, once.
        if resp.status() == 503 && resp.headers().contains_key("retry-after") && idempotent {
            eprintln!("{method} {url}: the local runtime restarted mid-request; sent again");
            resp = self
                .agent
                .run(again)
                .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        }
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let body = resp.into_body().read_to_string().unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Opens an incident and returns its id.
    pub fn open_incident(&self, page: &str, title: &str, impact: &str) -> String {
        let body = serde_json::json!({"title": title, "impact": impact, "body": format!("{title}: we are investigating."), "components": ["api"]});
        let r = self.admin(
            "POST",
            &format!("/v1/admin/pages/{page}/incidents"),
            &body.to_string(),
        );
        assert_eq!(r.status, 201, "{r:?}");
        r.json()["id"].as_str().expect("incident id").to_owned()
    }

    /// Rotates the widget secret of `page` and returns the new one (shown only this once).
    pub fn widget_secret(&self, page: &str) -> String {
        let r = self.admin("POST", &format!("/v1/admin/pages/{page}/widget-secret"), "");
        r.json()["secret"]
            .as_str()
            .expect("a widget secret")
            .to_owned()
    }

    pub fn post_update(&self, page: &str, incident: &str, status: &str, body: &str) -> Reply {
        let json = serde_json::json!({"status": status, "body": body});
        self.admin(
            "POST",
            &format!("/v1/admin/pages/{page}/incidents/{incident}/updates"),
            &json.to_string(),
        )
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.browser.take();
        self.worker.stop();
        let _ = std::fs::remove_dir_all(self.dir.join("state"));
    }
}

pub use xtask::eventually;

// Messages, subscribers and delivery reports: the helpers every module that sends something shares.

/// How long a test waits for what happens after an answer: queue jobs, provider calls, challenges.
pub const WAIT: Duration = Duration::from_secs(30);

/// Everything the sink accepted on `channel` (`email`, `sms`, `webhook`, `slack`) for `to`.
pub fn sent_to(env: &Env, channel: &str, to: &str) -> Vec<Value> {
    env.sink
        .messages()
        .into_iter()
        .filter(|m| m["channel"] == channel && m["to"][0].as_str() == Some(to))
        .collect()
}

/// Waits for `n` messages on `channel` to `to` whose `part` (`subject`, `text`) contains `what`.
#[track_caller]
pub fn wait_sent(
    env: &Env,
    channel: &str,
    to: &str,
    part: &str,
    what: &str,
    n: usize,
) -> Vec<Value> {
    eventually(
        &format!("{n} {channel} message(s) to {to} with {what:?} in the {part}"),
        WAIT,
        || {
            let got: Vec<Value> = sent_to(env, channel, to)
                .into_iter()
                .filter(|m| m[part].as_str().unwrap_or("").contains(what))
                .collect();
            (got.len() >= n).then_some(got)
        },
    )
}

/// Seconds since the Unix epoch, for signatures and tokens made by the tests.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A unique address per call, so tests sharing the sink never see each other's mail.
pub fn address(env: &Env, name: &str) -> String {
    format!("{name}-{}@example.com", env.page("addr"))
}

pub fn subscribe(env: &Env, page: &str, email: &str, components: &[&str]) -> Reply {
    let body = serde_json::json!({"email": email, "components": components});
    env.send(
        "POST",
        &format!("/v1/pages/{page}/subscriptions"),
        None,
        Some(&body.to_string()),
        &[("content-type", "application/json")],
    )
}

/// Every email the sink accepted for `email`.
pub fn mail_to(env: &Env, email: &str) -> Vec<Value> {
    sent_to(env, "email", email)
}

pub fn subjects(env: &Env, email: &str) -> Vec<String> {
    mail_to(env, email)
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// The path (for `env`) of the first link in `text` that contains `marker`.
/// Presses the button of the page a link opens: a POST to the link, the only way it changes
/// anything (opening it, as mail scanners do, changes nothing).
pub fn press(env: &Env, path: &str) -> Reply {
    env.send(
        "POST",
        path,
        None,
        Some(""),
        &[("content-type", "application/x-www-form-urlencoded")],
    )
}

pub fn link(env: &Env, text: &str, marker: &str) -> String {
    let url = text
        .split_whitespace()
        .find(|w| w.contains(marker))
        .unwrap_or_else(|| panic!("no {marker} link in {text:?}"))
        .trim_matches(|c| c == '<' || c == '>');
    url.strip_prefix(&env.base)
        .unwrap_or_else(|| panic!("{url} is not on {}", env.base))
        .to_owned()
}

/// Waits for `n` emails to `email` whose subject contains `what`.
#[track_caller]
pub fn wait_mail(env: &Env, email: &str, what: &str, n: usize) -> Vec<Value> {
    wait_sent(env, "email", email, "subject", what, n)
}

/// Subscribes `email` and follows the confirmation link.
pub fn confirmed(env: &Env, page: &str, email: &str, components: &[&str]) {
    let r = subscribe(env, page, email, components);
    assert_eq!(r.status, 202, "{r:?}");
    let mail = wait_mail(env, email, "Confirm", 1);
    let path = link(
        env,
        mail[0]["text"].as_str().unwrap(),
        "/v1/subscriptions/confirm",
    );
    let r = press(env, &path);
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.contains("Subscription confirmed"), "{}", r.body);
}

/// Adds `email` with `phone` as its SMS fallback through the admin API and confirms it from the
/// confirmation mail; answers the subscriber's id.
pub fn confirmed_with_fallback(env: &Env, page: &str, email: &str, phone: &str) -> String {
    let r = add_subscriber(
        env,
        page,
        json!({"channel": "email", "address": email,
               "fallback": {"channel": "sms", "address": phone}}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let mail = wait_mail(env, email, "Confirm", 1);
    let path = link(
        env,
        mail[0]["text"].as_str().unwrap(),
        "/v1/subscriptions/confirm",
    );
    assert_eq!(press(env, &path).status, 200);
    id
}

/// Adds `phone` as an SMS subscriber through the admin API and confirms it from the confirmation
/// text; answers the subscriber's id.
pub fn confirmed_sms(env: &Env, page: &str, phone: &str) -> String {
    let r = add_subscriber(env, page, json!({"channel": "sms", "address": phone}));
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let text = wait_sent(env, "sms", phone, "text", "/v1/subscriptions/confirm", 1);
    let path = link(
        env,
        text[0]["text"].as_str().unwrap(),
        "/v1/subscriptions/confirm",
    );
    assert_eq!(press(env, &path).status, 200);
    id
}

/// The delivery report of the notification about `subject`, once `done` accepts it.
pub fn report(env: &Env, page: &str, subject: &str, done: impl Fn(&Value) -> bool) -> Value {
    eventually(&format!("delivery report for {subject}"), WAIT, || {
        let list = env.admin(
            "GET",
            &format!("/v1/admin/pages/{page}/notifications?subject={subject}"),
            "",
        );
        assert_eq!(list.status, 200, "{list:?}");
        let id = list.json()[0]["id"].as_str()?.to_owned();
        let r = env.admin(
            "GET",
            &format!("/v1/admin/pages/{page}/notifications/{id}/deliveries"),
            "",
        );
        assert_eq!(r.status, 200, "{r:?}");
        let v = r.json();
        done(&v).then_some(v)
    })
}

/// Sets the sink's failure mode for the rest of a test and resets it afterwards, also on panic.
pub struct Failing<'a>(&'a Env);

impl<'a> Failing<'a> {
    pub fn new(env: &'a Env, percent: u64, status: u16) -> Self {
        env.sink.fail(percent, status);
        Failing(env)
    }
}

impl Drop for Failing<'_> {
    fn drop(&mut self) {
        self.0.sink.fail(0, 500);
    }
}

/// Configures existing page `page` with `settings` (name, components, policy...).
#[track_caller]
pub fn configure(env: &Env, page: &str, settings: &Value) {
    let r = env.admin(
        "PUT",
        &format!("/v1/admin/pages/{page}"),
        &settings.to_string(),
    );
    assert_eq!(r.status, 200, "{r:?}");
}

/// Adds a subscriber through the admin API.
pub fn add_subscriber(env: &Env, page: &str, body: Value) -> Reply {
    env.admin(
        "POST",
        &format!("/v1/admin/pages/{page}/subscribers"),
        &body.to_string(),
    )
}

/// A subscriber's state as the admin listing shows it (`missing` when it is not listed).
pub fn subscriber_state(env: &Env, page: &str, id: &str) -> String {
    let list = env
        .admin("GET", &format!("/v1/admin/pages/{page}/subscribers"), "")
        .json();
    list.as_array()
        .and_then(|l| l.iter().find(|s| s["id"] == id))
        .and_then(|s| s["state"].as_str())
        .unwrap_or("missing")
        .to_owned()
}
