//! Widget components in headless Chrome (wasm-bindgen-test): the banner renders the item it is
//! given with the right role, and its dismiss button reports the update id.

use std::sync::{Arc, Mutex};

use herald_shared::wire::{BannerComponent, BannerItem, BannerKind, ItemStatus};
use herald_shared::{ComponentStatus, Impact};
use herald_widget::BannerView;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
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

/// Mounts a banner for `item` into a fresh element and returns it.
fn render(item: BannerItem, dismissed: Arc<Mutex<Vec<String>>>) -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let parent: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&parent).unwrap();
    let now = Signal::derive(js_sys::Date::now);
    let on_dismiss = Callback::new(move |id: String| dismissed.lock().unwrap().push(id));
    leptos::mount::mount_to(parent.clone(), move || {
        view! { <BannerView item=item status_url="https://status.example/acme" now=now on_dismiss=on_dismiss /> }
    })
    .forget();
    parent
}

fn banner(parent: &web_sys::HtmlElement) -> web_sys::HtmlElement {
    parent
        .query_selector(".banner")
        .unwrap()
        .expect("a banner")
        .unchecked_into()
}

#[wasm_bindgen_test]
fn shows_title_status_body_age_and_link() {
    let parent = render(item(Impact::Minor), Arc::default());
    let b = banner(&parent);
    let text = b.text_content().unwrap();
    assert!(text.contains("Payments are delayed"), "{text}");
    assert!(text.contains("Identified"), "{text}");
    assert!(
        text.contains("Card payments take up to ten minutes"),
        "{text}"
    );
    assert!(text.contains("5 minutes ago"), "{text}");
    let link = b.query_selector("a").unwrap().unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://status.example/acme")
    );
    assert_eq!(b.get_attribute("data-impact").as_deref(), Some("minor"));
}

#[wasm_bindgen_test]
fn role_follows_impact() {
    for (impact, role) in [
        (Impact::None, "status"),
        (Impact::Minor, "status"),
        (Impact::Major, "alert"),
        (Impact::Critical, "alert"),
    ] {
        let parent = render(item(impact), Arc::default());
        assert_eq!(
            banner(&parent).get_attribute("role").as_deref(),
            Some(role),
            "{impact:?}"
        );
    }
}

#[wasm_bindgen_test]
fn dismiss_reports_the_update_id() {
    let dismissed = Arc::new(Mutex::new(Vec::new()));
    let parent = render(item(Impact::Major), dismissed.clone());
    let button: web_sys::HtmlElement = parent
        .query_selector("button.dismiss")
        .unwrap()
        .expect("a dismiss button")
        .unchecked_into();
    assert_eq!(
        button.get_attribute("aria-label").as_deref(),
        Some("Dismiss")
    );
    button.click();
    assert_eq!(*dismissed.lock().unwrap(), vec!["upd_7".to_string()]);
}
