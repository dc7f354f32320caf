//! `cargo xtask bench`: measures the worker against references run in the same session, so figures
//! are ratios, not absolute numbers tied to this machine. Results also go to target/bench/results.json.
//!
//! - banner.json and summary.json from Herald's worker in workerd (an active incident, served from
//!   the rendered snapshots) vs. a minimal worker returning the same bytes on the same runtime (its
//!   floor) vs. nginx serving the same bytes as a static file (the machine's ceiling), all loaded by
//!   wrk; then banner.json again while an update is posted every second.
//! - bytes over the wire: loader, glue and wasm of the widget, the console's glue and wasm, and the
//!   worker's wasm; the console's time to interactive in headless Chromium.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use serde_json::json;
use xtask::local::{self, free_port, LocalWorker, Options};
use xtask::{dist, output, root, tools, Result};

struct Settings {
    duration: u32,
    connections: u32,
    rounds: u32,
    widget_runs: usize,
}

fn settings(args: &[String]) -> Settings {
    let get = |name: &str, default: u32| xtask::option(args, name).unwrap_or(default);
    Settings {
        duration: get("--duration", 10),
        connections: get("--connections", 16),
        rounds: get("--rounds", 2),
        widget_runs: get("--widget-runs", 20) as usize,
    }
}

pub fn run(args: &[String]) -> Result<()> {
    let s = settings(args);
    tools::setup()?;
    dist::all()?;
    crate::bench_widget::write_reference()?;
    let dir = root().join("target/bench");
    fs::create_dir_all(&dir)?;

    let sizes = sizes()?;
    println!("\n## Bytes over the wire\n\n| file | raw | gzip | brotli |\n|---|---:|---:|---:|");
    for (name, raw, gz, br) in &sizes {
        println!("| {name} | {raw} | {gz} | {br} |");
    }

    // Herald's worker with an active incident.
    let key = "bench-key".to_owned();
    let herald = LocalWorker::start(Options {
        port: free_port(),
        persist_to: dir.join("state"),
        admin_key: key.clone(),
        poll_secs: None,
        log: Some(dir.join("herald.log")),
        vars: vec![],
    })?;
    local::seed_page(&herald.url(), &key, "bench", local::DEMO_PAGE)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let open = json!({"title": "Elevated API error rates", "impact": "major",
        "body": "Some API requests fail with 502. We have identified a faulty load balancer and are replacing it.",
        "components": ["api", "dashboard"]});
    let incident = post_json(
        &agent,
        &format!("{}/v1/admin/pages/bench/incidents", herald.url()),
        &key,
        &open,
    )?;
    let incident_id = incident["id"].as_str().unwrap_or_default().to_owned();

    let docs = [
        ("banner.json", "/v1/pages/bench/banner.json"),
        ("summary.json", "/v1/pages/bench/summary.json"),
    ];
    let mut bodies: Vec<(&str, String)> = Vec::new();
    println!("\n## Response sizes with an active incident\n\n| document | bytes | gzip | brotli |\n|---|---:|---:|---:|");
    for (name, path) in docs {
        let body = agent
            .get(format!("{}{path}", herald.url()))
            .call()?
            .body_mut()
            .read_to_string()?;
        println!(
            "| {name} | {} | {} | {} |",
            body.len(),
            gzip_len(body.as_bytes())?,
            brotli_len(body.as_bytes())?
        );
        bodies.push((name, body));
    }
    println!(
        "\nbanner.json budget: <= 1024 bytes gzip; measured {}",
        gzip_len(bodies[0].1.as_bytes())?
    );

    // The same bytes from a minimal worker on the same runtime, and from nginx.
    let served: Vec<(&str, String)> = docs
        .iter()
        .zip(&bodies)
        .map(|((_, path), (_, body))| (*path, body.clone()))
        .collect();
    let minimal = minimal_worker(&dir, &served)?;
    let nginx = Nginx::start(&dir, &bodies)?;

    let mut rows: Vec<(String, Load)> = Vec::new();
    let mut report_rows = Vec::new();
    for (name, path) in docs {
        let targets = [
            (
                "herald worker (workerd)",
                format!("{}{path}", herald.url()),
                Some(herald.pid()),
            ),
            (
                "minimal worker, same bytes (workerd)",
                format!("{}{path}", minimal.url()),
                Some(minimal.pid()),
            ),
            (
                "nginx, same bytes (static file)",
                format!("{}/{name}", nginx.url()),
                Some(nginx.pid()),
            ),
        ];
        let mut best: Vec<Load> = vec![Load::default(); targets.len()];
        for round in 0..s.rounds {
            for (i, (label, url, pgid)) in targets.iter().enumerate() {
                eprintln!("{name}, round {}: {label}", round + 1);
                let load = wrk(url, &s, *pgid)?;
                if load.rps > best[i].rps {
                    best[i] = load;
                }
            }
        }
        for (i, (label, _, _)) in targets.iter().enumerate() {
            rows.push((format!("{name}: {label}"), best[i].clone()));
            report_rows.push(json!({"document": name, "server": label, "rps": best[i].rps,
                "p50_ms": best[i].p50_ms, "p99_ms": best[i].p99_ms, "cpu_ms_per_req": best[i].cpu_ms_per_req,
                "ratio_vs_minimal_worker": best[i].rps / best[1].rps, "ratio_vs_nginx": best[i].rps / best[2].rps}));
        }
    }

    // Herald's banner.json again while an update is posted every second.
    let stop = AtomicBool::new(false);
    let writes = AtomicU32::new(0);
    let under_writes = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let url = format!("{}/v1/admin/pages/bench/incidents/{incident_id}/updates", herald.url());
            while !stop.load(Ordering::Relaxed) {
                let n = writes.load(Ordering::Relaxed);
                let body = json!({"status": "identified", "body": format!("Replacing the load balancer, step {n}.")});
                if post_json(&agent, &url, &key, &body).is_ok() {
                    writes.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        });
        let load = wrk(
            &format!("{}{}", herald.url(), docs[0].1),
            &s,
            Some(herald.pid()),
        );
        stop.store(true, Ordering::Relaxed);
        let _ = writer.join();
        load
    })?;
    let quiet = rows[0].1.clone();
    rows.push((
        "banner.json: herald worker, one write per second".into(),
        under_writes.clone(),
    ));

    println!(
        "\n## Cached documents on loopback (wrk, {} connections, {} s, best of {} rounds)\n\n| server | req/s | p50 ms | p99 ms | server CPU ms/req |\n|---|---:|---:|---:|---:|",
        s.connections, s.duration, s.rounds
    );
    for (name, l) in &rows {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.3} |",
            l.rps, l.p50_ms, l.p99_ms, l.cpu_ms_per_req
        );
    }
    println!("\n## Ratios (same run)\n");
    for r in report_rows.iter().filter(|r| {
        r["server"]
            .as_str()
            .is_some_and(|s| s.starts_with("herald"))
    }) {
        println!(
            "- {}: herald / minimal worker = {:.2} (goal >= 0.90); herald / nginx = {:.3}",
            r["document"].as_str().unwrap_or(""),
            r["ratio_vs_minimal_worker"].as_f64().unwrap_or(0.0),
            r["ratio_vs_nginx"].as_f64().unwrap_or(0.0)
        );
    }
    println!(
        "- banner.json with one write per second ({} writes): {:.2} of the quiet-time throughput",
        writes.load(Ordering::Relaxed),
        under_writes.rps / quiet.rps
    );
    let report = json!({
        "sizes": sizes.iter().map(|(n, r, g, b)| json!({"file": n, "raw": r, "gzip": g, "brotli": b})).collect::<Vec<_>>(),
        "documents": bodies.iter().map(|(n, b)| json!({"document": n, "bytes": b.len(),
            "gzip": gzip_len(b.as_bytes()).unwrap_or(0), "brotli": brotli_len(b.as_bytes()).unwrap_or(0)})).collect::<Vec<_>>(),
        "load": report_rows,
        "banner_under_writes": {"writes": writes.load(Ordering::Relaxed), "rps": under_writes.rps,
            "p50_ms": under_writes.p50_ms, "p99_ms": under_writes.p99_ms, "ratio_vs_quiet": under_writes.rps / quiet.rps},
        "settings": {"duration_s": s.duration, "connections": s.connections, "rounds": s.rounds},
    });
    // The widget in headless Chromium against the same worker.
    let w = crate::bench_widget::run(&herald.url(), &key, &dir, s.widget_runs);
    crate::bench_widget::remove_reference();
    let w = w?;
    println!(
        "\n## Widget in headless Chromium (demo page on localhost, {} repeat loads after a first one)\n\n\
         - cold (browser cache cleared before each load), navigation to banner rendered: Herald median \
         {:.0} ms, plain-JS reference widget median {:.0} ms (same run, alternating); \
         Herald / reference = {:.2} (budgets: median <= 150 ms, ratio <= 1.3)\n\
         - navigation to banner rendered (`herald:render` mark): median {:.0} ms (first load {:.0} ms); \
         the page's own load event: median {:.0} ms; ratio render / load = {:.2}\n\
         - main-thread long tasks over Herald's loads (cold and warm): {} (longest {:.0} ms; budget: none \
         over 50 ms); over the reference's cold loads: {} (longest {:.0} ms)\n\
         - quiet day, after the loader: {} banner.json request(s), {} wasm request(s)",
        w.runs,
        w.cold_median_ms,
        w.reference_cold_median_ms,
        w.cold_median_ms / w.reference_cold_median_ms,
        w.render_median_ms,
        w.render_first_ms,
        w.load_median_ms,
        w.render_median_ms / w.load_median_ms,
        w.long_tasks.count,
        w.long_tasks.longest_ms,
        w.reference_long_tasks.count,
        w.reference_long_tasks.longest_ms,
        w.quiet_banner_requests,
        w.quiet_wasm_requests
    );
    let (console_cold, console_warm) =
        crate::bench_widget::console_interactive(&herald.url(), &dir, s.widget_runs)?;
    println!(
        "\n## Console in headless Chromium (localhost)\n\n\
         - navigation to interactive (`herald:console-interactive` mark): first load, nothing cached, \
         {console_cold:.0} ms (goal under 1 s); repeat loads: median {console_warm:.0} ms"
    );
    let mut report = report;
    report["widget"] = json!({"runs": w.runs, "cold_median_ms": w.cold_median_ms,
        "reference_cold_median_ms": w.reference_cold_median_ms,
        "ratio_cold_to_reference": w.cold_median_ms / w.reference_cold_median_ms,
        "render_median_ms": w.render_median_ms,
        "render_first_ms": w.render_first_ms, "load_median_ms": w.load_median_ms,
        "ratio_render_to_load": w.render_median_ms / w.load_median_ms,
        "long_tasks": w.long_tasks.count, "longest_task_ms": w.long_tasks.longest_ms,
        "reference_long_tasks": w.reference_long_tasks.count,
        "reference_longest_task_ms": w.reference_long_tasks.longest_ms,
        "quiet_banner_requests": w.quiet_banner_requests, "quiet_wasm_requests": w.quiet_wasm_requests});
    report["console"] =
        json!({"interactive_first_ms": console_cold, "interactive_median_ms": console_warm});
    fs::write(
        dir.join("results.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    println!("\nwritten to {}", dir.join("results.json").display());
    drop(nginx);
    drop(minimal);
    drop(herald);
    Ok(())
}

fn post_json(
    agent: &ureq::Agent,
    url: &str,
    key: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value> {
    let mut resp = agent
        .post(url)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .send(body.to_string())?;
    let status = resp.status().as_u16();
    let value: serde_json::Value = resp.body_mut().read_json()?;
    if status >= 300 {
        return Err(format!("POST {url}: {status} {value}").into());
    }
    Ok(value)
}

#[derive(Default, Clone)]
struct Load {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    cpu_ms_per_req: f64,
}

/// Runs wrk against `url`, with the server's CPU time (its whole process group) read from /proc.
fn wrk(url: &str, s: &Settings, pgid: Option<u32>) -> Result<Load> {
    let cpu_before = pgid.map(group_cpu_ms);
    let out = output(
        Command::new("wrk")
            .args(["-t2", "--latency"])
            .arg(format!("-c{}", s.connections))
            .arg(format!("-d{}s", s.duration))
            .arg(url),
    )
    .ok_or("wrk failed (is it installed? `cargo xtask setup`)")?;
    let cpu_after = pgid.map(group_cpu_ms);
    let mut load = Load::default();
    let mut requests = 0.0;
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => load.rps = v.parse()?,
            ["50%", v] => load.p50_ms = ms(v),
            ["99%", v] => load.p99_ms = ms(v),
            [n, "requests", "in", ..] => requests = n.parse()?,
            ["Non-2xx", ..] => return Err(format!("wrk saw errors from {url}:\n{out}").into()),
            _ => {}
        }
    }
    if let (Some(a), Some(b)) = (cpu_before, cpu_after) {
        if requests > 0.0 {
            load.cpu_ms_per_req = (b - a) / requests;
        }
    }
    Ok(load)
}

/// wrk prints latencies as "1.23ms", "850.00us" or "1.02s".
fn ms(v: &str) -> f64 {
    let (num, factor) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (v, 1.0)
    };
    num.parse::<f64>().unwrap_or(f64::NAN) * factor
}

/// CPU time (user + system) of every process in group `pgid`, in milliseconds.
fn group_cpu_ms(pgid: u32) -> f64 {
    let ticks_per_sec = output(Command::new("getconf").arg("CLK_TCK"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(100.0);
    // utime and stime
    let ticks = group_stat_sum(pgid, 11) + group_stat_sum(pgid, 12);
    ticks as f64 * 1000.0 / ticks_per_sec
}

/// The sum of one numeric `/proc/PID/stat` field over every process in group `pgid`. Fields are
/// counted after the command name (which may contain spaces): 0 = state, 2 = pgrp, 11 = utime,
/// 12 = stime, 21 = rss in pages.
pub(crate) fn group_stat_sum(pgid: u32, field: usize) -> u64 {
    let mut sum = 0;
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > field && f[2].parse::<u32>() == Ok(pgid) {
            sum += f[field].parse::<u64>().unwrap_or(0);
        }
    }
    sum
}

/// Bytes `cmd` writes for `data` on stdin. The input is written from its own thread so that a
/// compressor blocked on a full output pipe cannot deadlock us.
fn compressed_len(cmd: &mut Command, data: &[u8]) -> Result<usize> {
    use std::io::Write;
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    let mut stdin = child.stdin.take().ok_or("stdin")?;
    let input = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output()?;
    writer.join().map_err(|_| "writer thread panicked")??;
    Ok(out.stdout.len())
}

pub(crate) fn gzip_len(data: &[u8]) -> Result<usize> {
    compressed_len(Command::new("gzip").args(["-9", "-c"]), data)
}

pub(crate) fn brotli_len(data: &[u8]) -> Result<usize> {
    compressed_len(Command::new("brotli").args(["-q", "11", "-c"]), data)
}

fn sizes() -> Result<Vec<(String, usize, usize, usize)>> {
    let www = dist::www_dir();
    let (glue, wasm) = dist::widget_files("herald_widget").ok_or("the widget is not built")?;
    let console = dist::console_dir();
    let files: [(&str, PathBuf); 6] = [
        ("widget loader (widget.js)", www.join("widget.js")),
        ("widget glue (w/herald_widget.<hash>.js)", glue),
        ("widget wasm (w/herald_widget.<hash>.wasm)", wasm),
        (
            "console glue (console/herald_console.js)",
            console.join("herald_console.js"),
        ),
        (
            "console wasm (console/herald_console_bg.wasm)",
            console.join("herald_console_bg.wasm"),
        ),
        (
            "worker wasm (edge/build/index_bg.wasm)",
            root().join("edge/build/index_bg.wasm"),
        ),
    ];
    files
        .iter()
        .map(|(name, path)| {
            let data = fs::read(path)?;
            Ok((
                name.to_string(),
                data.len(),
                gzip_len(&data)?,
                brotli_len(&data)?,
            ))
        })
        .collect()
}

/// A JavaScript worker that answers Herald's paths with the same bytes and headers Herald sends,
/// deployed the same way: the same static assets in front, with the same paths routed straight to
/// the worker (the asset router is part of every request's cost on this runtime).
fn minimal_worker(dir: &Path, bodies: &[(&str, String)]) -> Result<LocalWorker> {
    let wdir = dir.join("minimal-worker");
    fs::create_dir_all(&wdir)?;
    let table: serde_json::Map<String, serde_json::Value> = bodies
        .iter()
        .map(|(path, body)| (path.to_string(), serde_json::Value::String(body.clone())))
        .collect();
    let script = format!(
        "const BODIES = {};
const HEADERS = {{
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'public, max-age=5, stale-while-revalidate=30, stale-if-error=86400',
  'access-control-allow-origin': '*',
  'etag': '\"0123456789abcdef01234567\"',
}};
export default {{
  fetch(req) {{
    const body = BODIES[new URL(req.url).pathname];
    return body === undefined ? new Response('not found', {{ status: 404 }}) : new Response(body, {{ headers: HEADERS }});
  }},
}};
",
        serde_json::Value::Object(table)
    );
    fs::write(wdir.join("worker.js"), script)?;
    fs::write(
        wdir.join("wrangler.toml"),
        format!(
            "name = \"herald-bench-minimal\"\nmain = \"worker.js\"\ncompatibility_date = \"2026-04-01\"\n\n{}",
            assets_section()?
        ),
    )?;
    LocalWorker::start_config(
        &wdir.join("wrangler.toml"),
        Options {
            port: free_port(),
            persist_to: wdir.join("state"),
            admin_key: "unused".into(),
            poll_secs: None,
            log: Some(wdir.join("wrangler.log")),
            vars: vec![],
        },
        bodies.first().map_or("/", |(path, _)| path),
    )
}

/// Herald's `[assets]` section, with its directory made absolute for a worker elsewhere.
fn assets_section() -> Result<String> {
    let config = fs::read_to_string(root().join("edge/wrangler.toml"))?;
    let start = config
        .find("[assets]")
        .ok_or("edge/wrangler.toml has no [assets] section")?;
    let section = &config[start..];
    let end = section[1..].find("\n[").map_or(section.len(), |i| i + 1);
    let relative = "directory = \"../dist/www\"";
    if !section[..end].contains(relative) {
        return Err(format!("edge/wrangler.toml's [assets] no longer says {relative}").into());
    }
    let www = root().join("dist/www");
    Ok(section[..end].replace(
        relative,
        &format!("directory = {:?}", www.display().to_string()),
    ))
}

struct Nginx {
    child: Child,
    port: u16,
}

impl Nginx {
    fn start(dir: &Path, bodies: &[(&str, String)]) -> Result<Nginx> {
        let ndir = dir.join("nginx");
        fs::create_dir_all(ndir.join("www"))?;
        for (name, body) in bodies {
            fs::write(ndir.join("www").join(name), body)?;
        }
        let port = free_port();
        let conf = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{ worker_connections 1024; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}/tmp;\n  proxy_temp_path {d}/tmp;\n  fastcgi_temp_path {d}/tmp;\n  uwsgi_temp_path {d}/tmp;\n  scgi_temp_path {d}/tmp;\n  server {{\n    listen 127.0.0.1:{port};\n    root {d}/www;\n    location / {{\n      default_type application/json;\n      add_header cache-control \"public, max-age=5, stale-while-revalidate=30, stale-if-error=86400\";\n      add_header access-control-allow-origin *;\n    }}\n  }}\n}}\n",
            d = ndir.display()
        );
        fs::write(ndir.join("nginx.conf"), conf)?;
        let child = Command::new("nginx")
            .arg("-c")
            .arg(ndir.join("nginx.conf"))
            .arg("-p")
            .arg(&ndir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start nginx: {e} (`cargo xtask setup` installs it)"))?;
        let n = Nginx { child, port };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(1)))
            .build()
            .into();
        for _ in 0..100 {
            if agent.get(format!("{}/banner.json", n.url())).call().is_ok() {
                return Ok(n);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("nginx did not start".into())
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-QUIT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
