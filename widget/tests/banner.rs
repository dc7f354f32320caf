//! Widget components in headless Chrome (wasm-bindgen-test): the Leptos banner renders the item it
//! is given with the right role, and its dismiss button reports the update id; the subscribe form
//! is labelled, reads the server's answers and shows a problem's detail next to the field. Leptos
//! updates the DOM asynchronously, so each action is followed by `tick().await`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

use herald_shared::wire::{
    Banner, BannerComponent, BannerItem, BannerKind, BannerPage, ItemStatus,
};
use herald_shared::{ComponentStatus, Impact};
use herald_widget::{
    normalize, parse_banner, read_answer, request_body, Answer, Channel, Config, Ui, LOCALES,
};
use leptos::task::tick;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn item(impact: Impact) -> BannerItem {
    BannerItem {
        kind: BannerKind::Incident,
        id: "inc_1".into(),
        update_id: "upd_7".into(),
        title: "Payments are delayed".into(),
        impact,
        status: ItemStatus::Identified,
        body: "Card payments take up to ten minutes to confirm.".into(),
        updated_at: time::OffsetDateTime::now_utc() - time::Duration::minutes(5),
        next_update_at: None,
        components: vec![BannerComponent {
            id: "payments".into(),
            name: "Payments".into(),
            status: ComponentStatus::DegradedPerformance,
        }],
        scheduled_for: None,
        scheduled_until: None,
        effective_at: None,
    }
}

/// Page ids unique to each mount, so that dismissals remembered in localStorage stay apart.
fn page_id() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("acme{}", N.fetch_add(1, Ordering::Relaxed))
}

/// A widget over a fresh element showing `item` (or nothing), with options as the loader sends
/// them (`extra` is more JSON members).
fn mount(item: Option<BannerItem>, extra: &str) -> (web_sys::HtmlElement, Ui) {
    let document = web_sys::window().unwrap().document().unwrap();
    let parent: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&parent).unwrap();
    let page = page_id();
    let config = Config::from_json(&format!(
        r#"{{"page":"{page}","endpoint":"https://status.example"{extra}}}"#
    ))
    .unwrap();
    let banner = Banner {
        page: BannerPage {
            id: page,
            name: "Acme".into(),
            url: "/acme".into(),
            accent_color: None,
            on_accent_color: None,
        },
        item,
        poll_after: 30,
        live: false,
    };
    let ui = Ui::new(parent.clone(), &config, banner);
    (parent, ui)
}

fn banner(parent: &web_sys::HtmlElement) -> web_sys::HtmlElement {
    find(parent, ".banner")
}

fn find(parent: &web_sys::HtmlElement, selector: &str) -> web_sys::HtmlElement {
    parent
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .unchecked_into()
}

fn attr(el: &web_sys::Element, name: &str) -> String {
    el.get_attribute(name).unwrap_or_default()
}

/// The text of what `aria-describedby` of `el` points at.
fn description(parent: &web_sys::HtmlElement, el: &web_sys::Element) -> String {
    attr(el, "aria-describedby")
        .split_whitespace()
        .map(|id| {
            parent
                .query_selector(&format!("#{id}"))
                .unwrap()
                .unwrap_or_else(|| panic!("no element {id} describes the field"))
                .text_content()
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_owned()
}

/// Resolves in a later task (a zero timeout), after what the widget deferred to its next task.
async fn next_task() {
    let later = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback(&resolve)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(later).await.unwrap();
}

/// Collects the `detail` of every `name` event on `window` from now on.
fn events(name: &str) -> Rc<RefCell<Vec<String>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let push = seen.clone();
    let listener =
        Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
            push.borrow_mut()
                .push(e.detail().as_string().unwrap_or_default())
        });
    web_sys::window()
        .unwrap()
        .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
        .unwrap();
    listener.forget();
    seen
}

#[wasm_bindgen_test]
async fn shows_title_status_body_age_and_link() {
    let (parent, _ui) = mount(Some(item(Impact::Minor)), "");
    let b = banner(&parent);
    let text = b.text_content().unwrap();
    assert!(text.contains("Payments are delayed"), "{text}");
    assert!(text.contains("Identified"), "{text}");
    assert!(
        text.contains("Card payments take up to ten minutes"),
        "{text}"
    );
    // The first render formats no date (the browser's first formatter is slow to start); the
    // age follows in the next task.
    assert!(!text.contains("ago"), "{text}");
    next_task().await;
    let text = b.text_content().unwrap();
    assert!(text.contains("5 minutes ago"), "{text}");
    let link = b.query_selector("a").unwrap().unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://status.example/acme")
    );
    assert_eq!(b.get_attribute("data-impact").as_deref(), Some("minor"));
    assert!(
        b.query_selector(".subscribe").unwrap().is_none(),
        "no subscribe button unless asked for"
    );
}

#[wasm_bindgen_test]
fn role_follows_impact() {
    for (impact, role) in [
        (Impact::None, "status"),
        (Impact::Minor, "status"),
        (Impact::Major, "alert"),
        (Impact::Critical, "alert"),
    ] {
        let (parent, _ui) = mount(Some(item(impact)), "");
        assert_eq!(
            banner(&parent).get_attribute("role").as_deref(),
            Some(role),
            "{impact:?}"
        );
    }
}

#[wasm_bindgen_test]
async fn dismiss_reports_the_update_id() {
    let dismissed = events("herald:dismiss");
    let (parent, _ui) = mount(Some(item(Impact::Major)), "");
    let button = find(&parent, "button.dismiss");
    assert_eq!(
        button.get_attribute("aria-label").as_deref(),
        Some("Dismiss")
    );
    button.click();
    tick().await;
    assert_eq!(*dismissed.borrow(), vec!["upd_7".to_string()]);
    assert!(parent.query_selector(".banner").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn subscribe_form_is_a_labelled_dialog_with_a_honeypot() {
    let opened = events("herald:subscribe");
    let mut with_two = item(Impact::Minor);
    with_two.components.push(BannerComponent {
        id: "web".into(),
        name: "Web app".into(),
        status: ComponentStatus::Operational,
    });
    let (parent, _ui) = mount(Some(with_two), r#","subscribe":"true""#);
    find(&parent, ".banner .subscribe").click();
    tick().await;
    assert_eq!(opened.borrow().len(), 1, "herald:subscribe on opening");
    let panel = find(&parent, "[part=subscribe-form]");
    assert_eq!(attr(&panel, "role"), "dialog");
    let title = parent
        .query_selector(&format!("#{}", attr(&panel, "aria-labelledby")))
        .unwrap()
        .expect("the dialog's label");
    assert_eq!(title.text_content().unwrap(), "Get status updates");
    // The address field has a label naming it, and the channel choice is email or SMS.
    let input = find(&parent, "input.address");
    let label = find(&parent, &format!("label[for='{}']", input.id()));
    assert_eq!(label.text_content().unwrap().trim(), "Email address");
    assert_eq!(attr(&input, "type"), "email");
    assert_eq!(attr(&input, "autocomplete"), "email");
    assert_eq!(description(&parent, &input), "", "nothing to say yet");
    let radios = parent
        .query_selector_all("input[type=radio][name=channel]")
        .unwrap();
    assert_eq!(radios.length(), 2);
    let channels = parent.query_selector("fieldset").unwrap().unwrap();
    let text = channels.text_content().unwrap();
    assert!(
        text.contains("Notify me by") && text.contains("Email") && text.contains("SMS"),
        "{text}"
    );
    // The item's components are optional checkboxes, each inside its label.
    let boxes = parent
        .query_selector_all("label input[type=checkbox][name=components]")
        .unwrap();
    assert_eq!(boxes.length(), 2);
    // The honeypot: named `website`, out of the tab order and of autofill, hidden from people.
    let hp = find(&parent, "input[name=website]");
    assert_eq!(attr(&hp, "tabindex"), "-1");
    assert_eq!(attr(&hp, "autocomplete"), "off");
    assert_eq!(attr(&hp, "aria-hidden"), "true");
    let submit = find(&parent, "button[type=submit]");
    assert_eq!(submit.text_content().unwrap(), "Subscribe");
    let close = find(&parent, "[part=subscribe-close]");
    assert_eq!(attr(&close, "aria-label"), "Close");
}

#[wasm_bindgen_test]
async fn subscribe_form_without_components_has_no_checkboxes_and_sms_asks_for_a_phone() {
    let (parent, ui) = mount(None, "");
    ui.open_form();
    tick().await;
    assert!(parent.query_selector(".banner").unwrap().is_none());
    assert!(parent
        .query_selector("input[type=checkbox]")
        .unwrap()
        .is_none());
    find(&parent, "input[type=radio][value=phone]").click();
    tick().await;
    let input = find(&parent, "input.address");
    assert_eq!(attr(&input, "type"), "tel");
    assert_eq!(attr(&input, "autocomplete"), "tel");
    let label = find(&parent, &format!("label[for='{}']", input.id()));
    assert_eq!(label.text_content().unwrap().trim(), "Mobile number");
    assert!(
        description(&parent, &input).contains("country code"),
        "the phone hint describes the field"
    );
}

#[wasm_bindgen_test]
async fn a_problem_is_shown_next_to_the_field_and_the_input_is_kept() {
    let (parent, ui) = mount(None, "");
    ui.open_form();
    tick().await;
    let input: web_sys::HtmlInputElement = find(&parent, "input.address").unchecked_into();
    input.set_value("not-an-address");
    assert_eq!(attr(&input, "aria-invalid"), "false");
    ui.show_answer(read_answer(422, "application/problem+json", INVALID_EMAIL));
    tick().await;
    assert_eq!(attr(&input, "aria-invalid"), "true");
    assert_eq!(
        description(&parent, &input),
        "address: not a valid email address"
    );
    assert_eq!(input.value(), "not-an-address", "the input is kept");
    // Rate limited: a message in the panel, the field no longer blamed.
    ui.show_answer(Answer::TooMany);
    tick().await;
    assert_eq!(attr(&input, "aria-invalid"), "false");
    assert_eq!(
        find(&parent, "[part=subscribe-note]")
            .text_content()
            .unwrap(),
        "Too many requests. Please try again in a minute."
    );
    // Accepted: the form gives way to the confirmation message.
    ui.show_answer(Answer::Pending);
    tick().await;
    assert!(find(&parent, "form").hidden());
    let note = find(&parent, "[part=subscribe-note]");
    assert_eq!(attr(&note, "role"), "status");
    assert!(
        note.text_content().unwrap().starts_with("Check your inbox"),
        "{:?}",
        note.text_content()
    );
}

#[wasm_bindgen_test]
async fn an_empty_address_is_refused_in_the_locale_and_escape_closes() {
    let (parent, ui) = mount(None, r#","locale":"de""#);
    ui.open_form();
    tick().await;
    find(&parent, "button[type=submit]").click();
    tick().await;
    assert_eq!(
        find(&parent, "[part=subscribe-error]")
            .text_content()
            .unwrap(),
        "Bitte füllen Sie dieses Feld aus."
    );
    assert_eq!(
        attr(&find(&parent, "input.address"), "aria-invalid"),
        "true"
    );
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let escape =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    find(&parent, "input.address")
        .dispatch_event(&escape)
        .unwrap();
    tick().await;
    assert!(
        parent.query_selector(".panel").unwrap().is_none(),
        "Escape closes the form"
    );
}

/// As the server answers a malformed email address.
const INVALID_EMAIL: &str = r#"{"type":"https://herald.dev/problems/invalid","title":"Invalid input","status":422,"detail":"address: not a valid email address","field":"address"}"#;

#[wasm_bindgen_test]
fn answers_are_read_from_status_and_problem_documents() {
    let problem = "application/problem+json";
    let cases = [
        (
            202,
            "application/json",
            r#"{"status":"pending","detail":"x"}"#,
            Answer::Pending,
        ),
        (
            422,
            problem,
            INVALID_EMAIL,
            Answer::Invalid("address: not a valid email address".into()),
        ),
        (
            400,
            problem,
            r#"{"type":"t","title":"t","status":400,"detail":"bad email","field":"email"}"#,
            Answer::Invalid("bad email".into()),
        ),
        (
            422,
            problem,
            r#"{"type":"t","title":"t","status":422,"detail":"bad phone","field":"phone"}"#,
            Answer::Invalid("bad phone".into()),
        ),
        (
            422,
            problem,
            r#"{"type":"t","title":"t","status":422,"detail":"unknown component nope","field":"components"}"#,
            Answer::Refused("unknown component nope".into()),
        ),
        (
            404,
            problem,
            r#"{"type":"t","title":"t","status":404,"detail":"no such page"}"#,
            Answer::Refused("no such page".into()),
        ),
        (
            429,
            problem,
            r#"{"type":"t","title":"t","status":429,"detail":"slow down"}"#,
            Answer::TooMany,
        ),
        (400, "text/html", "<h1>Bad</h1>", Answer::Failed),
        (422, problem, "{ not json", Answer::Failed),
        (500, problem, INVALID_EMAIL, Answer::Failed),
    ];
    for (status, ctype, body, want) in cases {
        assert_eq!(read_answer(status, ctype, body), want, "{status} {body}");
    }
}

#[wasm_bindgen_test]
fn request_bodies_and_phone_numbers() {
    assert_eq!(
        request_body(Channel::Email, "a@b.c", &[], "", ""),
        r#"{"email":"a@b.c","components":[],"website":""}"#
    );
    assert_eq!(
        request_body(
            Channel::Phone,
            "+4915112345678",
            &["api".to_string()],
            "x\"y",
            "de"
        ),
        r#"{"phone":"+4915112345678","components":["api"],"website":"x\"y","locale":"de"}"#
    );
    assert_eq!(
        normalize(Channel::Phone, " +49 (151) 123-456.78 "),
        "+4915112345678"
    );
    assert_eq!(normalize(Channel::Email, "  a@b.c "), "a@b.c");
}

#[wasm_bindgen_test]
fn every_locale_has_the_form_words() {
    for w in &LOCALES {
        let f = &w.form;
        for s in [
            f.title,
            f.by,
            f.email,
            f.sms,
            f.email_label,
            f.phone_label,
            f.phone_hint,
            f.components,
            f.close,
            f.required,
            f.check_email,
            f.check_phone,
            f.too_many,
            f.failed,
        ] {
            assert!(!s.trim().is_empty(), "{}", w.tag);
        }
        if w.tag != "en" {
            assert_ne!(f.check_email, LOCALES[0].form.check_email, "{}", w.tag);
        }
    }
}

/// The widget reads banner JSON with `JSON.parse` and serde-wasm-bindgen, not serde_json: it must
/// agree with serde_json on what the edge writes (to the millisecond) and on what it refuses.
#[wasm_bindgen_test]
fn the_banner_reader_agrees_with_serde() {
    let at = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
    };
    let mut full = item(Impact::Critical);
    full.updated_at = at("2026-03-01T12:34:56.789Z");
    full.next_update_at = Some(at("2026-03-01T13:00:00+01:00"));
    full.kind = BannerKind::Maintenance;
    full.status = ItemStatus::InProgress;
    full.scheduled_for = Some(at("2026-03-01T12:00:00Z"));
    full.scheduled_until = Some(at("2026-03-01T14:00:00Z"));
    full.effective_at = Some(at("2026-03-02T00:00:00Z"));
    let mut bare = item(Impact::None);
    bare.updated_at = at("2026-03-01T12:00:00Z");
    bare.components.clear();
    let page = BannerPage {
        id: "acme".into(),
        name: "Acme".into(),
        url: "/acme".into(),
        accent_color: Some("#0b5fff".into()),
        on_accent_color: Some("#ffffff".into()),
    };
    for item in [Some(full), Some(bare), None] {
        let banner = Banner {
            page: page.clone(),
            item,
            poll_after: 30,
            live: false,
        };
        let text = serde_json::to_string(&banner).unwrap();
        assert_eq!(parse_banner(&text), Ok(banner), "{text}");
    }
    let ok = r#"{"page":{"id":"a","name":"A","url":"/a"},"item":{"kind":"webinar","id":"i","update_id":"u","title":"t","impact":"minor","status":"rebooting","body":"b","updated_at":"2026-01-01T00:00:00Z","next_update_at":null,"extra":1},"poll_after":5,"new":true}"#;
    let want: Banner = serde_json::from_str(ok).unwrap();
    assert_eq!(parse_banner(ok), Ok(want), "unknown values and fields");
    let item_with = |field: &str| {
        format!(
            r#"{{"page":{{"id":"a","name":"A","url":"/a"}},"item":{{"kind":"incident","id":"i","update_id":"u","title":"t","impact":"minor","status":"identified","body":"b","updated_at":"2026-01-01T00:00:00Z",{field}}},"poll_after":5}}"#
        )
    };
    for bad in [
        "not json".to_string(),
        r#"{"page":{"id":"a","name":"A","url":"/a"},"item":null}"#.into(),
        r#"{"page":{"id":"a","name":"A","url":"/a"},"item":null,"poll_after":-1}"#.into(),
        r#"{"page":{"id":"a","name":"A","url":"/a"},"item":null,"poll_after":1.5}"#.into(),
        r#"{"page":{"id":"a","url":"/a"},"item":null,"poll_after":1}"#.into(),
        item_with(r#""impact":"huge""#).replacen(r#""impact":"minor","#, "", 1),
        item_with(r#""next_update_at":"tomorrow""#),
        item_with(r#""next_update_at":"2026-01-01T00:00:00""#),
        item_with(r#""components":[{"id":"api","name":"API","status":"on_fire"}]"#),
        item_with(r#""components":{}"#),
        item_with(r#""x":1"#).replace(r#""title":"t","#, ""),
    ] {
        assert!(
            serde_json::from_str::<Banner>(&bad).is_err(),
            "serde: {bad}"
        );
        assert!(parse_banner(&bad).is_err(), "widget: {bad}");
    }
}
