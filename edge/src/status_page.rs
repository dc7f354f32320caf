//! Placeholder until the server-rendered status page lands: a minimal escaped page.

use herald_shared::{State, Timestamp};

pub fn render(state: &State, _now: Timestamp, _base: &str) -> String {
    let name = html_escape::encode_text(&state.page.name);
    format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name} status</title></head><body><main><h1>{name} status</h1></main></body></html>")
}
