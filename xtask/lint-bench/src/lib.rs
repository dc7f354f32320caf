//! The wording lint on a fixed 2,000-character draft, and a reference in the same run: lowercasing
//! the draft and counting 40 phrases in it, what a phrase-list lint costs. `src/main.rs` times both
//! natively; `cargo xtask bench lint` times the wasm build of the same functions in node.

use std::hint::black_box;

use herald_shared::lint::{self, Draft};
use herald_shared::model::{Channel, IncidentStatus};
use wasm_bindgen::prelude::wasm_bindgen;

/// The draft's body: the first 2,000 characters of `draft.txt`.
pub fn body() -> String {
    include_str!("draft.txt").chars().take(2000).collect()
}

pub fn draft() -> Draft {
    Draft {
        title: "Card payments failing in Europe".into(),
        body: body(),
        status: Some(IncidentStatus::Identified),
        channels: vec![Channel::Email, Channel::Sms],
        jargon: vec!["payment-gateway".into()],
        locale: Some("en".into()),
        support_contact: Some("support@acme.example".into()),
        ..Draft::default()
    }
}

const PHRASES: [&str; 40] = [
    "will be fixed by",
    "will be resolved by",
    "will be back by",
    "will be restored by",
    "will be fixed in",
    "will be resolved in",
    "will be back in",
    "will be restored in",
    "fixed within",
    "resolved within",
    "guarantee",
    "we promise",
    "definitely",
    "in a few minutes",
    "eta",
    "next update",
    "k8s",
    "kubernetes",
    "pod",
    "sev1",
    "rca",
    "oom",
    "shard",
    "replica",
    "failover",
    "cron",
    "5xx",
    "hotfix",
    "rollback",
    "runbook",
    "on-call",
    "blame",
    "fault",
    "human error",
    "user error",
    "careless",
    "unable",
    "cannot",
    "delay",
    "outage",
];

/// Lints the draft `times` times; answers the number of warnings (so nothing is optimised away).
#[wasm_bindgen]
pub fn lint_runs(times: u32) -> u32 {
    let d = draft();
    (0..times)
        .map(|_| lint::lint(black_box(&d)).len() as u32)
        .sum()
}

/// The reference: lowercases the draft and counts the 40 phrases, `times` times.
#[wasm_bindgen]
pub fn scan_runs(times: u32) -> u32 {
    let d = draft();
    (0..times)
        .map(|_| {
            let hay = black_box(&d.body).to_lowercase();
            PHRASES
                .iter()
                .map(|p| hay.matches(p).count() as u32)
                .sum::<u32>()
        })
        .sum()
}

/// The draft's length in characters (the bench checks it is 2,000).
#[wasm_bindgen]
pub fn draft_chars() -> u32 {
    body().chars().count() as u32
}
