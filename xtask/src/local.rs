//! A local Herald: the built worker in workerd through `wrangler dev`, on a loopback port, with
//! persisted local storage. Stopped (with its workerd children) when dropped.

use std::fs::File;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::tools::node_bin;
use crate::{root, Result};

/// The development admin key, used when `HERALD_DEV_ADMIN_KEY` is not set. Never a production secret:
/// production reads `HERALD_ADMIN_KEY` from a wrangler secret.
pub const DEV_ADMIN_KEY: &str = "herald-dev-admin-key";

/// The admin key for local runs.
pub fn dev_admin_key() -> String {
    std::env::var("HERALD_DEV_ADMIN_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty())
        .unwrap_or_else(|| DEV_ADMIN_KEY.to_owned())
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub struct Options {
    pub port: u16,
    pub persist_to: PathBuf,
    pub admin_key: String,
    /// Advised widget poll interval; `None` keeps the model's default.
    pub poll_secs: Option<u32>,
    /// Where wrangler's output goes; `None` shows it on the terminal and lets Ctrl-C reach it.
    pub log: Option<PathBuf>,
    /// More variables for the worker (`--var NAME:VALUE`), such as the provider sink's URL.
    pub vars: Vec<(String, String)>,
}

pub struct LocalWorker {
    child: Child,
    stopped: bool,
    pub port: u16,
    pub admin_key: String,
    pub log: Option<PathBuf>,
}

impl LocalWorker {
    /// Starts Herald's worker (edge/wrangler.toml; build it first with `cargo xtask dist`).
    pub fn start(opts: Options) -> Result<LocalWorker> {
        Self::start_config(
            &root().join("edge/wrangler.toml"),
            opts,
            "/v1/pages/-/banner.json",
        )
    }

    /// Herald's worker on the same runtime, started through wrangler's programmatic API without
    /// the DevTools inspector proxy of `wrangler dev` (see `xtask/start-worker.mjs`): for long
    /// benchmarks, where that proxy's leaked connections would exhaust workerd's file descriptors.
    pub fn start_without_inspector(opts: Options) -> Result<LocalWorker> {
        let mut vars: serde_json::Map<String, serde_json::Value> = opts
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        vars.insert("HERALD_ADMIN_KEY".into(), opts.admin_key.clone().into());
        if let Some(secs) = opts.poll_secs {
            vars.insert("HERALD_POLL_SECS".into(), secs.to_string().into());
        }
        let spec = serde_json::json!({
            "config": root().join("edge/wrangler.toml"),
            "port": opts.port,
            "persist": opts.persist_to,
            "vars": vars,
        });
        let mut cmd = Command::new("node");
        cmd.arg(root().join("xtask/start-worker.mjs"))
            .arg(spec.to_string())
            .current_dir(root())
            .env("WRANGLER_SEND_METRICS", "false")
            .stdin(Stdio::null());
        Self::spawn(cmd, opts, "/v1/pages/-/banner.json")
    }

    /// Starts the worker described by `config`, ready once `probe_path` answers.
    pub fn start_config(config: &Path, opts: Options, probe_path: &str) -> Result<LocalWorker> {
        let mut cmd = Command::new(node_bin("wrangler"));
        cmd.args(["dev", "--ip", "127.0.0.1", "--local", "--config"])
            .arg(config)
            .arg("--port")
            .arg(opts.port.to_string())
            .arg("--persist-to")
            .arg(&opts.persist_to)
            // `/__scheduled` runs the cron trigger on demand (tests, and trying it by hand).
            .args([
                "--show-interactive-dev-session=false",
                "--test-scheduled",
                "--var",
            ])
            .arg(format!("HERALD_ADMIN_KEY:{}", opts.admin_key))
            .current_dir(root())
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_LOG_SANITIZE", "false")
            .stdin(Stdio::null());
        if let Some(secs) = opts.poll_secs {
            cmd.arg("--var").arg(format!("HERALD_POLL_SECS:{secs}"));
        }
        for (name, value) in &opts.vars {
            cmd.arg("--var").arg(format!("{name}:{value}"));
        }
        Self::spawn(cmd, opts, probe_path)
    }

    fn spawn(mut cmd: Command, opts: Options, probe_path: &str) -> Result<LocalWorker> {
        if let Some(log) = &opts.log {
            // Its own process group, so that stopping it takes its workerd children too.
            let file = File::create(log)?;
            cmd.stdout(file.try_clone()?).stderr(file).process_group(0);
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start wrangler: {e} (run `cargo xtask setup`)"))?;
        let mut worker = LocalWorker {
            child,
            stopped: false,
            port: opts.port,
            admin_key: opts.admin_key,
            log: opts.log,
        };
        worker.wait_ready(Duration::from_secs(90), probe_path)?;
        Ok(worker)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Process id of wrangler; with a log file it leads its own process group (workerd included).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_ready(&mut self, limit: Duration, probe_path: &str) -> Result<()> {
        let start = Instant::now();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(2)))
            .http_status_as_error(false)
            .build()
            .into();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(
                    format!("wrangler exited early ({status}); {}", self.log_tail()).into(),
                );
            }
            if agent
                .get(format!("{}{probe_path}", self.url()))
                .call()
                .is_ok()
            {
                return Ok(());
            }
            if start.elapsed() > limit {
                return Err(
                    format!("wrangler not ready after {limit:?}; {}", self.log_tail()).into(),
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn log_tail(&self) -> String {
        let Some(log) = &self.log else {
            return "see its output above".into();
        };
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        format!(
            "last lines of {}:\n{}",
            log.display(),
            lines[lines.len().saturating_sub(30)..].join("\n")
        )
    }

    /// Waits until wrangler exits by itself (the `dev` command: until Ctrl-C).
    pub fn wait(&mut self) -> Result<()> {
        self.child.wait()?;
        Ok(())
    }

    /// SIGTERM to wrangler itself (it stops workerd), then SIGKILL to whatever is left of its group.
    pub fn stop(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if self.log.is_some() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.wait();
    }
}

impl Drop for LocalWorker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Creates or updates a page from a settings document (the admin API's `PUT /v1/admin/pages/{page}`).
pub fn seed_page(base_url: &str, admin_key: &str, page: &str, settings_json: &str) -> Result<()> {
    let resp = ureq::put(format!("{base_url}/v1/admin/pages/{page}"))
        .header("authorization", format!("Bearer {admin_key}"))
        .header("content-type", "application/json")
        .config()
        .http_status_as_error(false)
        .build()
        .send(settings_json)?;
    let status = resp.status().as_u16();
    if status == 200 || status == 201 {
        Ok(())
    } else {
        let body = resp.into_body().read_to_string().unwrap_or_default();
        Err(format!("seeding page {page} failed: {status} {body}").into())
    }
}

/// Variables that point a local worker at a provider sink and turn on the development outbox.
pub fn sink_vars(sink_url: &str, retry_base_secs: u32) -> Vec<(String, String)> {
    [
        ("HERALD_EMAIL_API", sink_url.to_owned()),
        ("HERALD_EMAIL_KEY", "local-sink".to_owned()),
        (
            "HERALD_EMAIL_FROM",
            "Herald (local) <status@herald.localhost>".to_owned(),
        ),
        ("HERALD_SMS_API", sink_url.to_owned()),
        ("HERALD_SMS_ACCOUNT", "AClocalsink".to_owned()),
        ("HERALD_SMS_TOKEN", "local-sink".to_owned()),
        ("HERALD_SMS_FROM", "+15005550006".to_owned()),
        // The sink's Bluesky service; a Mastodon account names its server (the sink's
        // `/mastodon/{name}` locally).
        ("HERALD_BLUESKY_API", format!("{sink_url}/bsky")),
        ("HERALD_ENV", "development".to_owned()),
        ("HERALD_RETRY_BASE_SECS", retry_base_secs.to_string()),
        ("HERALD_PROVIDER_TIMEOUT_MS", "2000".to_owned()),
        // Development only: a fixed secret for the email provider's signed delivery events.
        ("HERALD_EMAIL_EVENTS_SECRET", LOCAL_EVENTS_SECRET.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The delivery-events signing secret of local runs (tests sign events with it).
pub const LOCAL_EVENTS_SECRET: &str = "whsec_bG9jYWwtc2luay1kZWxpdmVyeS1ldmVudHM=";

/// The demo page's settings.
pub const DEMO_PAGE: &str = include_str!("../seed/demo.json");

#[cfg(test)]
mod tests {
    /// `cargo xtask dev` and the benchmarks seed this page: it must stay a valid configuration.
    #[test]
    fn the_demo_page_is_a_valid_configuration() {
        let settings: herald_shared::wire::PageSettings =
            serde_json::from_str(super::DEMO_PAGE).expect("demo.json parses");
        let empty = herald_shared::State::new(herald_shared::Page::new("demo", ""));
        let (state, _) = herald_shared::apply(
            &empty,
            herald_shared::Command::ConfigurePage(settings),
            herald_shared::Timestamp::UNIX_EPOCH,
        )
        .expect("demo.json is accepted");
        assert_eq!(state.page.components.len(), 4);
    }
}
