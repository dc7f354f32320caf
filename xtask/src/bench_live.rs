//! `cargo xtask bench live [--sockets N]`: N readers of one page (2,000 by default) hold live
//! sockets; one update is published and the time from the publish's answer to each socket's
//! message is reported (p50, p99, max), with the workerd memory each open socket costs. In the
//! same run, the same N readers poll `banner.json` at the interval the banner advises by default,
//! and the same figures are reported for them. The readers are `xtask/live-bench.mjs` in node.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use xtask::local::{self, free_port, LocalWorker, Options};
use xtask::{root, Result};

pub fn run(args: &[String]) -> Result<()> {
    let n: usize = xtask::option(args, "--sockets").unwrap_or(2_000);
    let dir = root().join("target/bench/live");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir)?;
    let key = "bench-key".to_owned();
    let mut vars = vec![("HERALD_LIVE_MAX_SOCKETS".to_owned(), (n + 10).to_string())];
    vars.push(("HERALD_ENV".to_owned(), "development".to_owned()));
    let worker = LocalWorker::start_without_inspector(Options {
        port: free_port(),
        persist_to: dir.join("state"),
        admin_key: key.clone(),
        // The interval the banner advises by default (an active incident's).
        poll_secs: None,
        log: Some(dir.join("worker.log")),
        vars,
    })?;
    let base = worker.url();
    local::seed_page(&base, &key, "live", local::DEMO_PAGE)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let incident = admin(
        &agent,
        &base,
        &key,
        "incidents",
        json!({"title": "Live drill", "impact": "major", "body": "Benchmark incident.", "components": ["api"]}),
    )?["id"]
        .as_str()
        .ok_or("no incident id")?
        .to_owned();
    let banner: Value = serde_json::from_str(
        &agent
            .get(format!("{base}/v1/pages/live/banner.json"))
            .call()?
            .body_mut()
            .read_to_string()?,
    )?;
    let poll_secs = banner["poll_after"].as_u64().unwrap_or(30);

    let mut results = Vec::new();
    for (mode, round) in [("live", 1), ("poll", 2)] {
        // The runtime answers again once the previous phase's readers are gone.
        wait_until_answering(&agent, &format!("{base}/v1/pages/live/banner.json"))?;
        let rss_before = workerd_rss_kb(worker.pid());
        let spec = json!({"mode": mode, "base": base, "page": "live", "n": n,
            "pollSecs": poll_secs, "timeoutSecs": poll_secs * 2 + 120});
        let mut client = Command::new("node")
            .arg("--experimental-websocket")
            .arg(root().join("xtask/live-bench.mjs"))
            .arg(spec.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut out = BufReader::new(client.stdout.take().ok_or("no stdout")?);
        let mut line = String::new();
        out.read_line(&mut line)?;
        if !line.starts_with("ready") {
            let _ = client.kill();
            return Err(format!("{mode} readers: {line:?}").into());
        }
        let rss_after = workerd_rss_kb(worker.pid());
        let started = epoch_ms()?;
        admin(
            &agent,
            &base,
            &key,
            &format!("incidents/{incident}/updates"),
            json!({"status": "identified", "body": format!("Update {round} of the drill.")}),
        )?;
        let published = epoch_ms()?;
        let mut stdin = client.stdin.take().ok_or("no stdin")?;
        writeln!(stdin, "{started} {published}")?;
        line.clear();
        out.read_line(&mut line)?;
        let _ = client.wait();
        let answer: Value = serde_json::from_str(&line)?;
        let sorted = |key: &str| -> Vec<f64> {
            let mut d: Vec<f64> = answer[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_f64)
                .collect();
            d.sort_by(f64::total_cmp);
            d
        };
        let delays = sorted("delays");
        let from_start = sorted("fromStart");
        let at = |d: &[f64], q: f64| {
            d.get(((d.len() as f64 * q).ceil() as usize).saturating_sub(1))
                .copied()
                .unwrap_or(f64::NAN)
        };
        let ahead = delays.iter().filter(|d| **d <= 0.0).count();
        let received = answer["received"].as_u64().unwrap_or(0);
        let per_reader = rss_after.saturating_sub(rss_before) as f64 * 1024.0 / n as f64;
        eprintln!("{mode}: {received}/{n} readers saw the update");
        results.push(json!({
            "mode": mode, "readers": n, "received": received,
            "p50_ms": at(&delays, 0.5), "p99_ms": at(&delays, 0.99),
            "max_ms": delays.last().copied().unwrap_or(f64::NAN),
            "before_the_answer": ahead,
            "from_request_p50_ms": at(&from_start, 0.5), "from_request_p99_ms": at(&from_start, 0.99),
            "from_request_max_ms": from_start.last().copied().unwrap_or(f64::NAN),
            "publish_ms": published - started,
            "memory_bytes_per_reader": per_reader,
        }));
    }
    println!("\n## One update to {n} open readers of one page\n");
    println!("Time from the publish's answer to each reader seeing the change (0 when it saw it before the answer arrived), and from the publish's request; workerd's memory (RSS of its processes) per reader while they wait. Polling at the interval the banner advises ({poll_secs} s), from random phases.\n");
    println!("| readers | saw it | after the answer: p50 | p99 | max | before the answer | from the request: p50 | p99 | max | publish took | memory per reader |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &results {
        let ms = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
        println!(
            "| {} | {}/{n} | {:.0} ms | {:.0} ms | {:.0} ms | {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} B |",
            if r["mode"] == "live" {
                "live sockets"
            } else {
                "polling banner.json"
            },
            r["received"],
            ms("p50_ms"),
            ms("p99_ms"),
            ms("max_ms"),
            r["before_the_answer"],
            ms("from_request_p50_ms"),
            ms("from_request_p99_ms"),
            ms("from_request_max_ms"),
            ms("publish_ms"),
            ms("memory_bytes_per_reader"),
        );
    }
    fs::write(
        root().join("target/bench/live.json"),
        serde_json::to_string_pretty(
            &json!({"readers": n, "poll_secs": poll_secs, "results": results}),
        )?,
    )?;
    drop(worker);
    Ok(())
}

/// Waits (up to two minutes) until `url` answers 200.
fn wait_until_answering(agent: &ureq::Agent, url: &str) -> Result<()> {
    for _ in 0..120 {
        if let Ok(resp) = agent
            .get(url)
            .config()
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .call()
        {
            if resp.status().as_u16() == 200 {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    Err(format!("{url} does not answer").into())
}

fn epoch_ms() -> Result<f64> {
    Ok(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs_f64() * 1000.0)
}

/// Resident memory of the `workerd` processes in group `pgid`, in KiB (not wrangler's node).
fn workerd_rss_kb(pgid: u32) -> u64 {
    let mut sum = 0;
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let path = entry.path();
        let comm = fs::read_to_string(path.join("comm")).unwrap_or_default();
        if comm.trim() != "workerd" {
            continue;
        }
        let Ok(stat) = fs::read_to_string(path.join("stat")) else {
            continue;
        };
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 21 && f[2].parse::<u32>() == Ok(pgid) {
            sum += f[21].parse::<u64>().unwrap_or(0) * 4;
        }
    }
    sum
}

/// POSTs `body` to the admin API of the bench page at `rest`; the answer, which must be a success.
fn admin(agent: &ureq::Agent, base: &str, key: &str, rest: &str, body: Value) -> Result<Value> {
    let mut resp = agent
        .post(format!("{base}/v1/admin/pages/live/{rest}"))
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .send(body.to_string())?;
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string()?;
    if !(200..300).contains(&status) {
        return Err(format!("{rest}: {status} {text}").into());
    }
    Ok(serde_json::from_str(&text)?)
}
