//! `cargo xtask bench`: measures the worker against references run in the same session, so figures
//! are ratios, not absolute numbers tied to this machine. Results also go to target/bench/results.json.
//!
//! - banner.json from Herald's worker in workerd (an active incident, served from the page object's
//!   rendered snapshot) vs. a minimal worker returning the same bytes on the same runtime (its floor)
//!   vs. nginx serving the same bytes as a static file (the machine's ceiling), all loaded by wrk.
//! - bytes over the wire: loader, glue and wasm of the widget, and the worker's wasm.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use xtask::local::{self, free_port, LocalWorker, Options};
use xtask::{dist, output, root, tools, Result};

struct Settings {
    duration: u32,
    connections: u32,
    rounds: u32,
}

fn settings(args: &[String]) -> Settings {
    let get = |name: &str, default: u32| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Settings {
        duration: get("--duration", 10),
        connections: get("--connections", 16),
        rounds: get("--rounds", 2),
    }
}

pub fn run(args: &[String]) -> Result<()> {
    let s = settings(args);
    tools::setup()?;
    dist::all()?;
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
    })?;
    local::seed_page(&herald.url(), &key, "bench", local::DEMO_PAGE)?;
    let open = json!({"title": "Elevated API error rates", "impact": "major",
        "body": "Some API requests fail with 502. We have identified a faulty load balancer and are replacing it.",
        "components": ["api", "dashboard"]});
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    agent
        .post(format!("{}/v1/admin/pages/bench/incidents", herald.url()))
        .header("authorization", format!("Bearer {key}"))
        .send(open.to_string())?;
    let banner_url = format!("{}/v1/pages/bench/banner.json", herald.url());
    let mut resp = agent.get(&banner_url).call()?;
    let body = resp.body_mut().read_to_string()?;
    let banner_gzip = gzip_len(body.as_bytes())?;
    println!(
        "\nbanner.json with an active incident: {} bytes, {} gzip (budget 1024)",
        body.len(),
        banner_gzip
    );

    // The same bytes from a minimal worker on the same runtime, and from nginx.
    let minimal = minimal_worker(&dir, &body)?;
    let nginx = Nginx::start(&dir, &body)?;

    let targets = [
        (
            "herald worker (workerd)",
            banner_url.clone(),
            herald_pgid(&herald),
        ),
        (
            "minimal worker, same bytes (workerd)",
            format!("{}/banner.json", minimal.url()),
            herald_pgid(&minimal),
        ),
        (
            "nginx, same bytes (static file)",
            format!("{}/banner.json", nginx.url()),
            nginx.pgid(),
        ),
    ];
    let mut results: Vec<(String, Load)> = targets
        .iter()
        .map(|(n, _, _)| (n.to_string(), Load::default()))
        .collect();
    for round in 0..s.rounds {
        for (i, (name, url, pgid)) in targets.iter().enumerate() {
            eprintln!("round {}: {name}", round + 1);
            let load = wrk(url, &s, *pgid)?;
            if load.rps > results[i].1.rps {
                results[i].1 = load;
            }
        }
    }
    println!(
        "\n## banner.json on loopback (wrk, {} connections, {} s, best of {} rounds)\n\n| server | req/s | p50 ms | p99 ms | CPU ms/req | throughput vs minimal worker | vs nginx |\n|---|---:|---:|---:|---:|---:|---:|",
        s.connections, s.duration, s.rounds
    );
    let floor = results[1].1.rps;
    let ceiling = results[2].1.rps;
    for (name, l) in &results {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {:.3} | {:.2} | {:.3} |",
            l.rps,
            l.p50_ms,
            l.p99_ms,
            l.cpu_ms_per_req,
            l.rps / floor,
            l.rps / ceiling
        );
    }
    let report = json!({
        "sizes": sizes.iter().map(|(n, r, g, b)| json!({"file": n, "raw": r, "gzip": g, "brotli": b})).collect::<Vec<_>>(),
        "banner_json": {"bytes": body.len(), "gzip": banner_gzip},
        "banner_load": results.iter().map(|(n, l)| json!({"server": n, "rps": l.rps, "p50_ms": l.p50_ms, "p99_ms": l.p99_ms, "cpu_ms_per_req": l.cpu_ms_per_req})).collect::<Vec<_>>(),
        "ratio_vs_minimal_worker": results[0].1.rps / floor,
        "ratio_vs_nginx": results[0].1.rps / ceiling,
        "settings": {"duration_s": s.duration, "connections": s.connections, "rounds": s.rounds},
    });
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

fn herald_pgid(w: &LocalWorker) -> Option<u32> {
    Some(w.pid())
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
    let mut ticks = 0u64;
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the command name (which may contain spaces) start after the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        // f[0]=state f[1]=ppid f[2]=pgrp ... f[11]=utime f[12]=stime
        if f.len() > 12 && f[2].parse::<u32>() == Ok(pgid) {
            ticks += f[11].parse::<u64>().unwrap_or(0) + f[12].parse::<u64>().unwrap_or(0);
        }
    }
    ticks as f64 * 1000.0 / ticks_per_sec
}

fn compressed_len(cmd: &mut Command, data: &[u8]) -> Result<usize> {
    use std::io::Write;
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    child.stdin.take().ok_or("stdin")?.write_all(data)?;
    let out = child.wait_with_output()?;
    Ok(out.stdout.len())
}

fn gzip_len(data: &[u8]) -> Result<usize> {
    compressed_len(Command::new("gzip").args(["-9", "-c"]), data)
}

fn brotli_len(data: &[u8]) -> Result<usize> {
    compressed_len(Command::new("brotli").args(["-q", "11", "-c"]), data)
}

fn sizes() -> Result<Vec<(String, usize, usize, usize)>> {
    let www = dist::www_dir();
    let files: [(&str, PathBuf); 4] = [
        ("widget loader (widget.js)", www.join("widget.js")),
        (
            "widget glue (herald_widget.js)",
            www.join("herald_widget.js"),
        ),
        (
            "widget wasm (herald_widget_bg.wasm)",
            www.join("herald_widget_bg.wasm"),
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

/// A JavaScript worker that answers every request with `body` and the same headers Herald sends.
fn minimal_worker(dir: &Path, body: &str) -> Result<LocalWorker> {
    let wdir = dir.join("minimal-worker");
    fs::create_dir_all(&wdir)?;
    fs::write(
        wdir.join("worker.js"),
        format!(
            "const BODY = {};\nconst HEADERS = {{\n  'content-type': 'application/json; charset=utf-8',\n  'cache-control': 'public, max-age=5, stale-while-revalidate=30, stale-if-error=86400',\n  'access-control-allow-origin': '*',\n  'etag': '\"0123456789abcdef01234567\"',\n}};\nexport default {{ fetch() {{ return new Response(BODY, {{ headers: HEADERS }}); }} }};\n",
            serde_json::to_string(body)?
        ),
    )?;
    fs::write(
        wdir.join("wrangler.toml"),
        "name = \"herald-bench-minimal\"\nmain = \"worker.js\"\ncompatibility_date = \"2026-04-01\"\n",
    )?;
    LocalWorker::start_config(
        &wdir.join("wrangler.toml"),
        Options {
            port: free_port(),
            persist_to: wdir.join("state"),
            admin_key: "unused".into(),
            poll_secs: None,
            log: Some(wdir.join("wrangler.log")),
        },
        "/banner.json",
    )
}

struct Nginx {
    child: Child,
    port: u16,
}

impl Nginx {
    fn start(dir: &Path, body: &str) -> Result<Nginx> {
        let ndir = dir.join("nginx");
        fs::create_dir_all(ndir.join("www"))?;
        fs::write(ndir.join("www/banner.json"), body)?;
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

    fn pgid(&self) -> Option<u32> {
        Some(self.child.id())
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
