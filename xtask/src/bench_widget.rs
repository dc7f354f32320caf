//! Widget timing in headless Chromium, against the same worker as the other benchmarks: time from
//! navigation to the widget's `herald:render` mark on the demo page during an incident (median of
//! many loads), against the page's own `load` event measured in the same loads; main-thread long
//! tasks; and the requests a quiet day costs. Also the console's time to interactive.

use std::time::Duration;

use serde_json::{json, Value};

use xtask::webdriver::Browser;
use xtask::{eventually, local, Result};

pub struct WidgetTiming {
    pub runs: usize,
    pub render_median_ms: f64,
    pub render_first_ms: f64,
    pub load_median_ms: f64,
    pub long_tasks: usize,
    pub longest_task_ms: f64,
    pub quiet_banner_requests: u64,
    pub quiet_wasm_requests: u64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Records long tasks from the very start of every document.
const LONG_TASK_PROBE: &str = "window.__heraldLongTasks = []; try { new PerformanceObserver(function (l) { l.getEntries().forEach(function (e) { window.__heraldLongTasks.push(e.duration); }); }).observe({ type: 'longtask', buffered: true }); } catch (e) {}";

pub fn run(base: &str, key: &str, dir: &std::path::Path, runs: usize) -> Result<WidgetTiming> {
    local::seed_page(base, key, "demo", local::DEMO_PAGE)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let open = json!({"title": "Checkout errors for some cards", "impact": "major",
        "body": "Some card payments fail at checkout. Retrying usually works; we are rolling back a change.",
        "components": ["payments"]});
    let mut resp = agent
        .post(format!("{base}/v1/admin/pages/demo/incidents"))
        .header("authorization", format!("Bearer {key}"))
        .send(open.to_string())?;
    let id = resp.body_mut().read_json::<Value>()?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let browser = Browser::start(dir)?;
    browser.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": LONG_TASK_PROBE }),
    );
    let (mut render, mut load) = (Vec::new(), Vec::new());
    let (mut long_tasks, mut longest) = (0usize, 0f64);
    for i in 0..=runs {
        browser.goto(&format!("{base}/?run={i}"));
        let t = eventually("the widget's render mark", Duration::from_secs(20), || {
            browser
                .eval("const m = performance.getEntriesByName('herald:render')[0]; return m ? m.startTime : null;", vec![])
                .as_f64()
        });
        let l = eventually("the load event", Duration::from_secs(20), || {
            browser
                .eval("const n = performance.getEntriesByType('navigation')[0]; return n && n.loadEventEnd > 0 ? n.loadEventEnd : null;", vec![])
                .as_f64()
        });
        let tasks = browser.eval("return window.__heraldLongTasks || [];", vec![]);
        for d in tasks
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
        {
            long_tasks += 1;
            longest = longest.max(d);
        }
        render.push(t);
        load.push(l);
    }
    let render_first_ms = render[0];
    // The first load fills the HTTP cache; the median is over the repeat visits.
    let timing_render = median(render[1..].to_vec());
    let timing_load = median(load[1..].to_vec());

    // A quiet day: resolve, reload, and count what the page asked for after the loader.
    agent
        .post(format!("{base}/v1/admin/pages/demo/incidents/{id}/updates"))
        .header("authorization", format!("Bearer {key}"))
        .send(json!({"status": "resolved", "body": "Checkout works again."}).to_string())?;
    std::thread::sleep(Duration::from_millis(1500));
    browser.goto(&format!("{base}/?quiet=1"));
    std::thread::sleep(Duration::from_millis(1500));
    let count = |needle: &str| {
        browser
            .eval("return performance.getEntriesByType('resource').filter(e => e.name.includes(arguments[0])).length;", vec![json!(needle)])
            .as_u64()
            .unwrap_or(0)
    };
    Ok(WidgetTiming {
        runs,
        render_median_ms: timing_render,
        render_first_ms,
        load_median_ms: timing_load,
        long_tasks,
        longest_task_ms: longest,
        quiet_banner_requests: count("banner.json"),
        quiet_wasm_requests: count(".wasm"),
    })
}

/// The console's time from navigation to interactive (its `herald:console-interactive` mark, set
/// once the sign-in screen is mounted): the first load in a fresh browser profile (nothing cached),
/// then the median of `runs` repeat loads.
pub fn console_interactive(base: &str, dir: &std::path::Path, runs: usize) -> Result<(f64, f64)> {
    let profile = dir.join("console");
    let _ = std::fs::remove_dir_all(&profile);
    let browser = Browser::start(&profile)?;
    let mut times = Vec::new();
    for i in 0..=runs {
        browser.goto(&format!("{base}/console/?run={i}"));
        let t = eventually(
            "the console's interactive mark",
            Duration::from_secs(20),
            || {
                browser
                .eval("const m = performance.getEntriesByName('herald:console-interactive')[0]; return m ? m.startTime : null;", vec![])
                .as_f64()
            },
        );
        times.push(t);
    }
    Ok((times[0], median(times[1..].to_vec())))
}
