//! `cargo xtask bench fanout [--subscribers N]`: one incident fanned out to N confirmed subscribers
//! (100,000 by default) through the page object, the queue and the consumer to the local provider
//! sink, with the sink healthy and then refusing 30% of requests with 500. Reports messages per
//! second end to end, time to the last delivery, extra copies (must be 0), and memory and storage
//! per subscriber. The reference in the same run: the sink taking the same kind of requests
//! straight from this process, as fast as six connections allow (the consumer's parallelism).
//! The worker runs on workerd without `wrangler dev`'s DevTools inspector proxy, which costs a
//! loopback connection per runtime event and leaks them (see `LocalWorker::start_without_inspector`).

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use xtask::local::{self, free_port, LocalWorker, Options};
use xtask::sink::Sink;
use xtask::{root, Result};

/// Subscribers per import request (well under the admin API's 1 MB body limit).
const IMPORT_CHUNK: usize = 10_000;

pub fn run(args: &[String]) -> Result<()> {
    let n: usize = xtask::option(args, "--subscribers").unwrap_or(100_000);
    let healthy_only = args.iter().any(|a| a == "--healthy-only");
    let dir = root().join("target/bench/fanout");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir)?;
    let sink = Sink::start(0)?;
    sink.lean();
    let key = "bench-key".to_owned();
    let worker = LocalWorker::start_without_inspector(Options {
        port: free_port(),
        persist_to: dir.join("state"),
        admin_key: key.clone(),
        poll_secs: None,
        log: Some(dir.join("worker.log")),
        vars: local::sink_vars(&sink.url(), 2),
    })?;
    local::seed_page(&worker.url(), &key, "fanout", local::DEMO_PAGE)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();

    let storage_before = dir_bytes(&dir.join("state"));
    let rss_before = group_rss_kb(worker.pid());
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(IMPORT_CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|i| json!({"channel": "email", "address": format!("reader{i}@example.com")}))
            .collect();
        let mut resp = agent
            .post(format!(
                "{}/v1/admin/pages/fanout/import/subscribers",
                worker.url()
            ))
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/json")
            .send(serde_json::Value::Array(rows).to_string())?;
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string()?;
        if status != 200 {
            return Err(format!("import: {status} {body}").into());
        }
    }
    let import_secs = started.elapsed().as_secs_f64();
    // The object keeps the state in memory; make sure it is loaded so the figure includes it.
    get(
        &agent,
        &format!("{}/v1/admin/pages/fanout/notifications", worker.url()),
        &key,
    )?;
    let rss_after = group_rss_kb(worker.pid());
    let storage_after = dir_bytes(&dir.join("state"));
    let mem_per = (rss_after.saturating_sub(rss_before)) as f64 * 1024.0 / n as f64;
    let disk_per = storage_after.saturating_sub(storage_before) as f64 / n as f64;
    eprintln!("imported {n} subscribers in {import_secs:.1} s");

    let reference = direct_rate(&sink, 5_000)?;
    sink.clear();
    let mut results = Vec::new();
    let failing_only = args.iter().any(|a| a == "--failing-only");
    let scenarios: &[(&str, u64)] = match (healthy_only, failing_only) {
        (true, _) => &[("sink healthy", 0)],
        (false, true) => &[("sink failing 30% with 500", 30)],
        (false, false) => &[("sink healthy", 0), ("sink failing 30% with 500", 30)],
    };
    for &(label, percent) in scenarios {
        sink.clear();
        sink.fail(percent, 500);
        let title = format!("Fan-out drill ({label})");
        let t0 = Instant::now();
        let mut resp = agent
            .post(format!("{}/v1/admin/pages/fanout/incidents", worker.url()))
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/json")
            .send(
                json!({"title": title, "impact": "major", "body": "Benchmark incident.",
                    "components": ["api"]})
                .to_string(),
            )?;
        if resp.status().as_u16() != 201 {
            return Err(format!("open: {}", resp.body_mut().read_to_string()?).into());
        }
        let accepted = t0.elapsed().as_secs_f64();
        let deadline = Instant::now() + Duration::from_secs(45 * 60);
        let mut last_seen = 0;
        let mut p99: Option<f64> = None;
        let mut last_change = Instant::now();
        loop {
            let (distinct, _) = sink.distinct();
            if p99.is_none() && distinct * 100 >= n * 99 {
                p99 = Some(t0.elapsed().as_secs_f64());
            }
            if distinct >= n {
                break;
            }
            if distinct != last_seen {
                last_seen = distinct;
                last_change = Instant::now();
                eprintln!(
                    "{label}: {distinct}/{n} after {:.0} s",
                    t0.elapsed().as_secs_f64()
                );
            }
            if Instant::now() > deadline || last_change.elapsed() > Duration::from_secs(300) {
                return Err(format!("{label}: stalled at {distinct}/{n}").into());
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let secs = t0.elapsed().as_secs_f64();
        std::thread::sleep(Duration::from_secs(5));
        let (distinct, copies) = sink.distinct();
        let (requests, refused) = sink.counts();
        sink.fail(0, 500);
        let rate = n as f64 / secs;
        eprintln!(
            "{label}: all {n} delivered in {secs:.1} s ({rate:.0}/s), 99% in {:.1} s, {copies} extra copies, {requests} provider requests ({refused} refused)",
            p99.unwrap_or(secs)
        );
        results.push(json!({
            "scenario": label, "subscribers": n, "accepted_in_s": accepted,
            "last_delivery_s": secs, "p99_delivery_s": p99.unwrap_or(secs), "messages_per_s": rate,
            "messages_per_s_to_99": n as f64 * 0.99 / p99.unwrap_or(secs),
            "ratio_to_direct_sink": rate / reference, "distinct_recipients": distinct,
            "extra_copies": copies, "provider_requests": requests, "refused": refused,
        }));
    }

    println!("\n## Fan-out of one incident to {n} subscribers (queue -> consumer -> sink)\n");
    println!("Reference, same run: the sink taking requests directly from six connections: {reference:.0} messages/s.\n");
    println!("| scenario | API answered | 99% delivered | last delivery | messages/s (to 99%) | vs. direct | extra copies | provider requests (refused) |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &results {
        println!(
            "| {} | {:.1} s | {:.1} s | {:.1} s | {:.0} ({:.0}) | {:.2}x | {} | {} ({}) |",
            r["scenario"].as_str().unwrap_or(""),
            r["accepted_in_s"].as_f64().unwrap_or(0.0),
            r["p99_delivery_s"].as_f64().unwrap_or(0.0),
            r["last_delivery_s"].as_f64().unwrap_or(0.0),
            r["messages_per_s"].as_f64().unwrap_or(0.0),
            r["messages_per_s_to_99"].as_f64().unwrap_or(0.0),
            r["ratio_to_direct_sink"].as_f64().unwrap_or(0.0),
            r["extra_copies"],
            r["provider_requests"],
            r["refused"],
        );
    }
    println!(
        "\nPer subscriber: {mem_per:.0} bytes of workerd memory, {disk_per:.0} bytes of storage (import of {n}: {import_secs:.1} s)."
    );
    let report = json!({
        "subscribers": n, "direct_sink_messages_per_s": reference, "scenarios": results,
        "memory_bytes_per_subscriber": mem_per, "storage_bytes_per_subscriber": disk_per,
        "import_s": import_secs,
    });
    fs::write(
        root().join("target/bench/fanout.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    drop(worker);
    Ok(())
}

fn get(agent: &ureq::Agent, url: &str, key: &str) -> Result<String> {
    let mut resp = agent
        .get(url)
        .header("authorization", format!("Bearer {key}"))
        .call()?;
    Ok(resp.body_mut().read_to_string()?)
}

/// Messages per second the sink takes straight from six client threads (email requests of the
/// size Herald sends).
fn direct_rate(sink: &Sink, total: usize) -> Result<f64> {
    let url = format!("{}/emails", sink.url());
    let body = json!({"from": "bench@example.com", "to": ["x@example.com"], "subject": "s",
        "text": "t".repeat(600), "html": "h".repeat(1200)})
    .to_string();
    let t0 = Instant::now();
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let (url, body) = (url.clone(), body.clone());
            std::thread::spawn(move || -> std::result::Result<(), String> {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                for i in (t..total).step_by(6) {
                    agent
                        .post(&url)
                        .header("content-type", "application/json")
                        .header("idempotency-key", format!("direct-{i}"))
                        .send(body.as_str())
                        .map_err(|e| e.to_string())?;
                }
                Ok(())
            })
        })
        .collect();
    for t in threads {
        t.join().map_err(|_| "direct thread panicked")??;
    }
    Ok(total as f64 / t0.elapsed().as_secs_f64())
}

/// Bytes of every file under `dir`.
fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            total += dir_bytes(&p);
        } else if let Ok(m) = e.metadata() {
            total += m.len();
        }
    }
    total
}

/// Resident memory of every process in group `pgid`, in KiB (4 KiB pages).
fn group_rss_kb(pgid: u32) -> u64 {
    crate::bench::group_stat_sum(pgid, 21) * 4
}
