//! Herald's runtime tests: one binary, one worker in workerd for all of them, headless Chromium for
//! the browser tier (the widget and the console; `-- --browser`, which `cargo xtask test` passes).
//! `-- NAME` runs the tests whose names contain NAME.

mod admin;
mod alerts;
mod api;
mod channels;
mod console;
mod console_settings;
mod fixtures;
mod hardening;
mod host;
mod incident_pages;
mod live;
mod push;
mod review;
mod scheduled;
mod scorecard;
mod social;
mod status_page;
mod subscribers;
mod subscriptions;
mod uptime;
mod widget;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use fixtures::Env;

pub type Test = (&'static str, fn(&Env));

/// A module's test list: each function with its name, as `module::function`.
#[macro_export]
macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        &[$((concat!(module_path!(), "::", stringify!($name)), $name as fn(&$crate::fixtures::Env))),*]
    };
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let browser =
        args.iter().any(|a| a == "--browser") || std::env::var_os("HERALD_BROWSER").is_some();
    let filter = args.iter().find(|a| !a.starts_with("--")).cloned();
    let mut tests: Vec<Test> = api::TESTS.to_vec();
    tests.extend_from_slice(admin::TESTS);
    tests.extend_from_slice(status_page::TESTS);
    tests.extend_from_slice(incident_pages::TESTS);
    tests.extend_from_slice(uptime::TESTS);
    tests.extend_from_slice(subscriptions::TESTS);
    tests.extend_from_slice(subscribers::TESTS);
    tests.extend_from_slice(channels::TESTS);
    tests.extend_from_slice(push::TESTS);
    tests.extend_from_slice(scheduled::TESTS);
    tests.extend_from_slice(hardening::TESTS);
    tests.extend_from_slice(review::TESTS);
    tests.extend_from_slice(scorecard::TESTS);
    tests.extend_from_slice(social::TESTS);
    tests.extend_from_slice(alerts::TESTS);
    tests.extend_from_slice(live::TESTS);
    tests.extend_from_slice(console_settings::TESTS);
    if browser {
        tests.extend_from_slice(widget::TESTS);
        tests.extend_from_slice(widget::EMBED_TESTS);
        tests.extend_from_slice(status_page::BROWSER_TESTS);
        tests.extend_from_slice(incident_pages::BROWSER_TESTS);
        tests.extend_from_slice(console::TESTS);
        tests.extend_from_slice(console::subscribers::TESTS);
        tests.extend_from_slice(console_settings::BROWSER_TESTS);
        tests.extend_from_slice(live::BROWSER_TESTS);
    }
    tests.retain(|(name, _)| filter.as_ref().is_none_or(|f| name.contains(f.as_str())));
    let env = match Env::start(browser) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("cannot start the test environment: {e}");
            std::process::exit(1);
        }
    };
    println!("running {} tests against {}", tests.len(), env.base);
    let mut failed = Vec::new();
    for (name, test) in &tests {
        let start = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| test(&env)));
        let took = start.elapsed().as_secs_f32();
        match outcome {
            Ok(()) => println!("test {name} ... ok ({took:.1}s)"),
            Err(_) => {
                println!("test {name} ... FAILED ({took:.1}s)");
                failed.push(*name);
            }
        }
    }
    let log = env.worker_log();
    drop(env);
    if failed.is_empty() {
        println!("\ntest result: ok. {} passed", tests.len());
    } else {
        println!(
            "\nfailures:\n  {}\nworker log: {log}\ntest result: FAILED. {} passed; {} failed",
            failed.join("\n  "),
            tests.len() - failed.len(),
            failed.len()
        );
        std::process::exit(1);
    }
}
