//! A small W3C WebDriver client over HTTP for chromedriver and Debian's headless Chromium: sessions,
//! navigation, script execution and the browser console log.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::local::free_port;
use crate::tools;
use base64::Engine;
use serde_json::{json, Value};

use crate::eventually;

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

impl Browser {
    pub fn start(dir: &Path) -> crate::Result<Browser> {
        let port = free_port();
        let driver = Command::new(tools::chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start chromedriver: {e} (run `cargo xtask setup`)"))?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            agent,
        };
        eventually("chromedriver", Duration::from_secs(20), || {
            browser
                .agent
                .get(format!("{}/status", browser.base))
                .call()
                .ok()
        });
        let profile = dir.join("chromium-profile");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": tools::chromium(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--no-first-run", "--window-size=1280,800",
                         format!("--user-data-dir={}", profile.display())]
            },
            "goog:loggingPrefs": {"browser": "ALL"}
        }}});
        let created = browser.call("POST", "/session", Some(caps))?;
        browser.session = created["sessionId"]
            .as_str()
            .ok_or("no session id")?
            .to_owned();
        Ok(browser)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> crate::Result<Value> {
        let url = format!("{}{path}", self.base);
        let req = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("content-type", "application/json")
            .body(body.map(|b| b.to_string()).unwrap_or_default())?;
        let resp = self.agent.run(req)?;
        let status = resp.status().as_u16();
        let v: Value = serde_json::from_str(&resp.into_body().read_to_string()?)?;
        if status >= 400 {
            return Err(format!("webdriver {method} {path}: {status} {}", v["value"]).into());
        }
        Ok(v["value"].clone())
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.call(method, &path, body)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({ "url": url })));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    /// Runs a Chrome DevTools Protocol command through chromedriver.
    pub fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.session_call(
            "POST",
            "/goog/cdp/execute",
            Some(json!({ "cmd": cmd, "params": params })),
        )
    }

    pub fn eval(&self, script: &str, args: Vec<Value>) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Text of the widget's banner inside its shadow root, if one is shown.
    pub fn banner_text(&self) -> Option<String> {
        self.eval(
            "const h = document.querySelector('herald-widget');
             const b = h && h.shadowRoot && h.shadowRoot.querySelector('.banner');
             return b ? b.textContent : null;",
            vec![],
        )
        .as_str()
        .map(str::to_owned)
    }

    /// Saves a PNG screenshot of the viewport to `path`.
    pub fn screenshot(&self, path: &Path) {
        let v = self.session_call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or(""))
            .unwrap_or_else(|e| panic!("screenshot is not base64: {e}"));
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// Saves a PNG screenshot of the whole page, beyond the viewport, to `path` (through CDP).
    pub fn screenshot_full_page(&self, path: &Path) {
        let size = self.eval(
            "return [window.innerWidth, document.documentElement.scrollHeight]",
            vec![],
        );
        let v = self.cdp(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}}),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(v["data"].as_str().unwrap_or(""))
            .unwrap_or_else(|e| panic!("screenshot is not base64: {e}"));
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// Presses keys (WebDriver key codes, e.g. `\u{E004}` for Tab) on the focused element.
    pub fn keys(&self, keys: &str) {
        let mut actions = Vec::new();
        for k in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": k.to_string()}));
            actions.push(json!({"type": "keyUp", "value": k.to_string()}));
        }
        self.session_call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        );
    }

    /// Text of the element matching `selector` in the widget's shadow root, if there is one.
    pub fn shadow_text(&self, selector: &str) -> Option<String> {
        self.eval(
            "const h = document.querySelector('herald-widget');
             const b = h && h.shadowRoot && h.shadowRoot.querySelector(arguments[0]);
             return b ? b.textContent : null;",
            vec![json!(selector)],
        )
        .as_str()
        .map(str::to_owned)
    }

    /// Console entries since the last call, as (level, message).
    pub fn console(&self) -> Vec<(String, String)> {
        let v = self.session_call("POST", "/se/log", Some(json!({"type": "browser"})));
        v.as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["level"].as_str().unwrap_or("").to_owned(),
                    e["message"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
