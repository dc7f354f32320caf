//! The test environment: the built worker in workerd on a free port with fresh storage, an HTTP
//! client for it, fresh pages per test, and (for the browser tier) chromedriver with Chromium.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::Value;
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
        if xtask::dist::widget_files("herald_widget").is_none()
            || !xtask::root().join("edge/build/worker/shim.mjs").exists()
        {
            return Err("the worker and widget are not built: run `cargo xtask test` (or `cargo xtask dist` first)".into());
        }
        let dir = xtask::root()
            .join("target/herald-tests")
            .join(std::process::id().to_string());
        std::fs::create_dir_all(&dir)?;
        let sink = Sink::start(0)?;
        let worker = LocalWorker::start(Options {
            port: free_port(),
            persist_to: dir.join("state"),
            admin_key: format!("test-key-{}", std::process::id()),
            poll_secs: Some(POLL_SECS),
            log: Some(dir.join("wrangler.log")),
            vars: xtask::local::sink_vars(&sink.url(), RETRY_BASE_SECS),
        })?;
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
        let resp = self
            .agent
            .run(req)
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
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
