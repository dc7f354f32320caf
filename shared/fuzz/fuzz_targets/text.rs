//! Any text through the template renderer, the wording lint and the SMS counter: no panics, spans on
//! character boundaries, fitted SMS within one segment.
#![no_main]

use herald_shared::lint::{lint, Draft, DraftField};
use herald_shared::sms;
use herald_shared::template::{render, Escape};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (title, body) = text.split_once('\u{0}').unwrap_or(("", text));
    let _ = render(body, |n| Some(n.to_owned()), Escape::Html);
    let d = Draft {
        title: title.into(),
        body: body.into(),
        status: Some(herald_shared::IncidentStatus::Investigating),
        ..Draft::default()
    };
    for w in lint(&d) {
        let t = match w.field {
            DraftField::Title => title,
            DraftField::Body => body,
        };
        assert!(t.is_char_boundary(w.span.start) && t.is_char_boundary(w.span.end));
    }
    let fitted = sms::fit("Acme: ", body, " https://s.example/i/1", 1);
    assert_eq!(sms::count(&fitted).segments, 1);
});
