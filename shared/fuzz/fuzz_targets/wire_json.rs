//! Any bytes as Herald JSON: the banner and summary a widget reads, the state a Durable Object stores,
//! and the commands an admin sends. Nothing panics; a command either applies or is refused, and the
//! views of whatever state results render.
#![no_main]

use herald_shared::view::{banner, summary, Viewer};
use herald_shared::wire::{Banner, Summary};
use herald_shared::{apply, Command, Component, Page, State};
use libfuzzer_sys::fuzz_target;

const NOW: herald_shared::Timestamp = time::macros::datetime!(2026-03-01 12:00 UTC);

fn state() -> State {
    let mut page = Page::new("fuzz", "Fuzz");
    page.components = vec![Component::new("api", "API"), Component::new("web", "Web")];
    State::new(page)
}

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = serde_json::from_slice::<Banner>(data) {
        let json = serde_json::to_vec(&b).expect("a banner that was read can be written");
        assert_eq!(serde_json::from_slice::<Banner>(&json).unwrap(), b);
    }
    let _ = serde_json::from_slice::<Summary>(data);
    if let Ok(s) = serde_json::from_slice::<State>(data) {
        let _ = banner(&s, &Viewer::default(), NOW);
        let _ = summary(&s, &Viewer::default(), NOW);
        let _ = herald_shared::overdue(&s, NOW);
    }
    if let Ok(cmd) = serde_json::from_slice::<Command>(data) {
        let before = state();
        if let Ok((after, events)) = apply(&before, cmd, NOW) {
            assert_eq!(after.version, before.version + 1);
            for e in &events {
                let _ = herald_shared::recipients(&after, e);
                let _ = herald_shared::template::Message::from_event(&after, e);
            }
            let _ = banner(&after, &Viewer::default(), NOW);
            let _ = herald_shared::statuspage::summary(&after, &Viewer::default());
        }
    }
});
