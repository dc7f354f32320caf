//! The subscriber's pages and the outbox as an HTML5 parser (html5ever) sees them: they parse, have
//! their forms and fields, and hostile text stays text, also inside attributes.

use herald_shared::template::pages as words;
use scraper::{Html, Selector};
use serde_json::json;

use super::*;

const EVIL: &str = r#"<script>alert("x")</script> & 'quotes'"#;

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| panic!("selector {s}: {e:?}"))
}

/// Parses `html`, failing on any parse error, and checks what every page has.
#[track_caller]
fn parse(html: &str) -> Html {
    let doc = Html::parse_document(html);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    assert!(html.starts_with("<!doctype html>"), "standards mode");
    assert_eq!(doc.select(&sel("h1")).count(), 1, "a single h1");
    assert_eq!(doc.select(&sel("script")).count(), 0, "no script");
    doc
}

fn texts(doc: &Html, s: &str) -> Vec<String> {
    doc.select(&sel(s))
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn attrs(doc: &Html, s: &str, name: &str) -> Vec<String> {
    doc.select(&sel(s))
        .filter_map(|e| e.value().attr(name).map(str::to_owned))
        .collect()
}

#[test]
fn a_notice_shows_its_title_and_sentence_and_is_not_indexed() {
    let doc = parse(&notice(&words::confirmed("Acme")));
    assert_eq!(texts(&doc, "title"), ["Subscription confirmed"]);
    assert_eq!(texts(&doc, "h1"), ["Subscription confirmed"]);
    assert_eq!(
        texts(&doc, "p"),
        ["You will now receive status updates from Acme. Every message has a link to unsubscribe."]
    );
    assert_eq!(attrs(&doc, "meta[name=robots]", "content"), ["noindex"]);
    assert_eq!(attrs(&doc, "html", "lang"), ["en"]);
}

#[test]
fn a_notice_escapes_hostile_text() {
    let html = notice(&words::not_accepted(EVIL));
    assert!(!html.contains("<script>"), "{html}");
    let doc = parse(&html);
    assert_eq!(texts(&doc, "p"), [EVIL]);
}

fn input<'a>(token: &'a str, choices: Vec<Choice<'a>>, saved: bool) -> ManageInput<'a> {
    ManageInput {
        page_name: "Acme",
        address: "a•••@example.com",
        channel: "email",
        choices,
        token,
        saved,
    }
}

#[test]
fn the_manage_page_has_both_forms_and_its_choices() {
    let choices = vec![
        Choice {
            id: "api",
            name: "API",
            checked: true,
        },
        Choice {
            id: "web",
            name: "Web app",
            checked: false,
        },
    ];
    let html = manage(&input("tok-1", choices, false));
    let doc = parse(&html);
    assert_eq!(texts(&doc, "h1"), ["Your Acme updates"]);
    assert!(texts(&doc, "p").contains(&"Messages go to a•••@example.com (email).".to_owned()));
    assert_eq!(doc.select(&sel("form[method=post]")).count(), 2);
    assert_eq!(
        attrs(&doc, "form input[type=hidden][name=token]", "value"),
        ["tok-1", "tok-1"],
        "both forms send the token back"
    );
    assert_eq!(
        attrs(&doc, "input[type=checkbox][name=components]", "value"),
        ["api", "web"]
    );
    assert_eq!(
        attrs(&doc, "input[type=checkbox][checked]", "value"),
        ["api"]
    );
    assert_eq!(texts(&doc, "fieldset label"), ["API", "Web app"]);
    assert_eq!(
        attrs(&doc, "input[name=action]", "value"),
        ["move"],
        "the second form moves"
    );
    for (id, kind) in [("move-email", "email"), ("move-phone", "tel")] {
        assert_eq!(attrs(&doc, &format!("label[for={id}]"), "for"), [id]);
        assert_eq!(attrs(&doc, &format!("input#{id}"), "type"), [kind]);
    }
    assert!(texts(&doc, "[role=status]").is_empty(), "nothing saved yet");
    // What the runtime tests look for in the raw document.
    assert!(
        html.contains("name=\"components\" value=\"api\" checked"),
        "{html}"
    );
    assert!(html.contains("name=\"action\" value=\"move\""), "{html}");
}

#[test]
fn the_manage_page_says_when_it_saved() {
    let doc = parse(&manage(&input("t", vec![], true)));
    assert_eq!(texts(&doc, "[role=status]"), ["Saved."]);
}

#[test]
fn the_manage_page_escapes_hostile_names_and_tokens() {
    let choices = vec![Choice {
        id: EVIL,
        name: EVIL,
        checked: false,
    }];
    let mut m = input(EVIL, choices, false);
    m.page_name = EVIL;
    m.address = EVIL;
    let html = manage(&m);
    assert!(!html.contains("<script>"), "{html}");
    let doc = parse(&html);
    assert_eq!(texts(&doc, "h1"), [format!("Your {EVIL} updates")]);
    assert_eq!(
        attrs(&doc, "input[name=token]", "value"),
        [EVIL, EVIL],
        "the token survives escaping unchanged"
    );
    assert_eq!(attrs(&doc, "input[name=components]", "value"), [EVIL]);
    assert_eq!(texts(&doc, "fieldset label"), [EVIL]);
}

#[test]
fn the_outbox_lists_newest_first_with_clickable_links() {
    let list = json!([
        {"id": "m1", "to": ["a@example.com"], "subject": "First", "received_at": "2026-03-01T12:00:00Z",
         "text": "Confirm: https://h.example/v1/subscriptions/confirm?token=a&b=1\nThanks"},
        {"id": "m2", "to": ["b@example.com", "c@example.com"], "subject": "Second", "received_at": "2026-03-01T12:01:00Z",
         "text": "No links, only ftp://x and http:/broken"},
    ]);
    let html = outbox(&list);
    let doc = parse(&html);
    assert_eq!(texts(&doc, "article h2"), ["Second", "First"]);
    assert_eq!(
        texts(&doc, "article small"),
        [
            "to b@example.com, c@example.com · 2026-03-01T12:01:00Z · m2",
            "to a@example.com · 2026-03-01T12:00:00Z · m1"
        ]
    );
    assert_eq!(
        attrs(&doc, "pre a", "href"),
        ["https://h.example/v1/subscriptions/confirm?token=a&b=1"]
    );
    assert_eq!(
        texts(&doc, "pre"),
        [
            "No links, only ftp://x and http:/broken",
            "Confirm: https://h.example/v1/subscriptions/confirm?token=a&b=1\nThanks"
        ],
        "the text is kept as it was"
    );
    assert!(texts(&doc, "p").iter().all(|p| p != "Nothing sent yet."));
}

#[test]
fn an_empty_outbox_says_so() {
    for list in [json!([]), json!({"unexpected": true})] {
        let doc = parse(&outbox(&list));
        assert!(texts(&doc, "p").contains(&"Nothing sent yet.".to_owned()));
        assert_eq!(doc.select(&sel("article")).count(), 0);
    }
}

#[test]
fn the_outbox_escapes_hostile_messages() {
    let list = json!([{"id": EVIL, "to": [EVIL], "subject": EVIL, "received_at": EVIL,
        "text": format!("{EVIL} https://x.example/\"><script>alert(1)</script> end")}]);
    let html = outbox(&list);
    assert!(!html.contains("<script>"), "{html}");
    let doc = parse(&html);
    assert_eq!(texts(&doc, "article h2"), [EVIL]);
    assert_eq!(
        attrs(&doc, "pre a", "href"),
        ["https://x.example/\"><script>alert(1)</script>"],
        "a hostile link stays inside its attribute"
    );
}
