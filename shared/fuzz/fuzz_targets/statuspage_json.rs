//! Any bytes as a Statuspage v2 document: reading never panics, and what was read writes back to a
//! document that reads as the same value (so an import or a proxy never drifts).
#![no_main]

use herald_shared::statuspage::*;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn stable<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(data: &[u8]) -> Option<T> {
    let first: T = serde_json::from_slice(data).ok()?;
    let json = serde_json::to_vec(&first).expect("what was read can be written");
    let second: T = serde_json::from_slice(&json).expect("what was written reads back");
    assert_eq!(first, second);
    Some(first)
}

fuzz_target!(|data: &[u8]| {
    if let Some(summary) = stable::<SpSummary>(data) {
        let _ = banner_from_summary(&summary, time::macros::datetime!(2026-03-01 12:00 UTC));
        let _ = import_components(&summary.components, &mut Vec::new());
    }
    let _ = stable::<SpStatusDoc>(data);
    let _ = stable::<SpComponents>(data);
    let _ = stable::<SpIncidents>(data);
    let _ = stable::<SpScheduledMaintenances>(data);
});
