//! The Leptos app: signals hold `shared` wire types; what to show, when to poll again and when a
//! body needs "more" are decided by `herald_shared::poll`. The view only wires signals to markup.
//! The subscribe form (`subscribe`) opens below the banner, or alone on a quiet day.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use herald_shared::poll::{next_poll_ms, preview, shown};
use herald_shared::view::is_urgent;
use herald_shared::wire::{Banner, BannerItem, BannerKind, ItemStatus};
use herald_shared::{Impact, Timestamp};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlElement;

use crate::i18n::{self, Words};
use crate::subscribe::{focus_address, SubscribeForm};
use crate::{net, store, warn, Config};

/// How often relative times ("5 minutes ago") are refreshed.
const TICK_MS: u32 = 30_000;

thread_local! {
    /// Opens the subscribe form of the mounted app (`Herald.openSubscribe()` through `open_subscribe`).
    static OPEN: Cell<Option<Callback<()>>> = const { Cell::new(None) };
    /// Where focus was when the form opened, to return it there when the form closes.
    static OPENER: RefCell<Option<HtmlElement>> = const { RefCell::new(None) };
}

/// Opens the subscribe form of the widget on the page, if there is one.
pub fn open_subscribe() {
    if let Some(open) = OPEN.with(Cell::get) {
        open.run(());
    }
}

/// The widget: shows the banner's item unless dismissed or filtered out, and keeps it current by
/// polling; opens the subscribe form on request. It stops once its host element leaves the page
/// (`Herald.destroy()`).
#[component]
pub fn App(config: Config, initial: Banner, host: HtmlElement) -> impl IntoView {
    let page_url = initial.page.url.clone();
    let status_url = if page_url.starts_with("http") {
        page_url
    } else {
        format!("{}{}", config.endpoint.trim_end_matches('/'), page_url)
    };
    let (locale, words) = i18n::resolve(config.locale.as_deref());
    let banner = RwSignal::new(initial);
    let failed = RwSignal::new(false);
    let store_key = config
        .statuspage_src
        .clone()
        .unwrap_or_else(|| config.page.clone());
    let dismissed = RwSignal::new(store::dismissed(&store_key));
    let now = RwSignal::new(js_sys::Date::now());
    leptos::task::spawn_local(poll(
        net::source_url(&config),
        config.statuspage_src.is_some(),
        config.poll_floor,
        banner,
        failed,
        host.clone(),
    ));
    leptos::task::spawn_local(tick(now, host));
    let on_dismiss = Callback::new(move |update_id: String| {
        store::remember_dismissal(&store_key, &update_id);
        emit("herald:dismiss", &update_id);
        dismissed.set(Some(update_id));
    });
    let filter = config.components;
    let form_open = RwSignal::new(false);
    let page = config.page.clone();
    // A Statuspage source has no Herald subscription API: its own page's subscribe section opens.
    let external = config
        .statuspage_src
        .is_some()
        .then(|| format!("{status_url}#subscribe"));
    let open = Callback::new(move |()| {
        emit("herald:subscribe", &page);
        if let Some(url) = &external {
            if let Some(w) = web_sys::window() {
                let _ = w.open_with_url_and_target(url, "_blank");
            }
            return;
        }
        if !form_open.get_untracked() {
            OPENER.with(|o| o.replace(focused()));
        }
        form_open.set(true);
        // Once the form is rendered (Leptos renders after this task): focus its address field.
        set_timeout(
            || {
                if let Some(root) = shadow().and_then(|s| s.query_selector(".root").ok().flatten())
                {
                    focus_address(&root);
                }
            },
            Duration::ZERO,
        );
    });
    let on_close = Callback::new(move |()| {
        form_open.set(false);
        if let Some(el) = OPENER.with(|o| o.take()).filter(|el| el.is_connected()) {
            let _ = el.focus();
        }
    });
    OPEN.with(|o| o.set(Some(open)));
    if config.open_subscribe {
        open.run(());
    }
    let on_subscribe = config.subscribe.then_some(open);
    let action = format!(
        "{}/v1/pages/{}/subscriptions",
        config.endpoint.trim_end_matches('/'),
        js_sys::encode_uri_component(&config.page)
    );
    let badge = config.mode == "badge";
    let filter = std::sync::Arc::new(filter);
    let shown_item = move |filter: &[String]| {
        if failed.get() {
            return None;
        }
        banner.with(|b| shown(b, dismissed.get().as_deref(), filter).cloned())
    };
    let item_view = {
        let status_url = status_url.clone();
        let filter = filter.clone();
        move || {
            let item = shown_item(&filter)?;
            Some(view! {
                <BannerView
                    item=item
                    status_url=status_url.clone()
                    now=now
                    on_dismiss=on_dismiss
                    words=words
                    locale=locale.clone()
                    badge=badge
                    on_subscribe=on_subscribe
                />
            })
        }
    };
    let form_view = move || {
        form_open.get().then(|| {
            // The item's components, as the form opens: ticking some narrows the subscription.
            let components = untrack(|| shown_item(&filter))
                .map(|i| {
                    i.components
                        .into_iter()
                        .map(|c| (c.id, c.name))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            view! {
                <SubscribeForm action=action.clone() components=components words=words on_close=on_close />
            }
        })
    };
    view! { {item_view} {form_view} }
}

/// The widget's shadow root, if the widget is on the page.
fn shadow() -> Option<web_sys::ShadowRoot> {
    web_sys::window()?
        .document()?
        .get_element_by_id(crate::host::HOST_ID)?
        .shadow_root()
}

/// The element that has focus now: inside the widget's shadow root if focus is there, else in the
/// document.
fn focused() -> Option<HtmlElement> {
    shadow()
        .and_then(|s| s.active_element())
        .or_else(|| web_sys::window()?.document()?.active_element())
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
}

/// Resolves after `ms`, or earlier when the tab's visibility changes or the browser comes back
/// online, so a hidden tab pauses and a visible or reconnected one refreshes at once.
async fn wait(ms: u32) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let mut slot = None;
    let promise = js_sys::Promise::new(&mut |resolve, _| slot = Some(resolve));
    let Some(resolve) = slot else { return };
    let timer = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32)
        .unwrap_or(0);
    let document = window.document();
    let _ = window.add_event_listener_with_callback("online", &resolve);
    if let Some(d) = &document {
        let _ = d.add_event_listener_with_callback("visibilitychange", &resolve);
    }
    let _ = JsFuture::from(promise).await;
    window.clear_timeout_with_handle(timer);
    let _ = window.remove_event_listener_with_callback("online", &resolve);
    if let Some(d) = &document {
        let _ = d.remove_event_listener_with_callback("visibilitychange", &resolve);
    }
}

fn hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Polls while the widget is on the page: the server advises the interval, failures back off (and
/// hide the widget, with one warning), a hidden tab does not poll, and a change is published as
/// `herald:change` on `window`.
async fn poll(
    url: String,
    statuspage: bool,
    floor: u32,
    banner: RwSignal<Banner>,
    failed: RwSignal<bool>,
    host: HtmlElement,
) {
    let mut failures = 0;
    loop {
        let advised = banner.with_untracked(|b| b.poll_after);
        wait(next_poll_ms(
            advised,
            floor,
            failures,
            js_sys::Math::random(),
        ))
        .await;
        while hidden() && host.is_connected() {
            wait(herald_shared::poll::MAX_BACKOFF_SECS * 1000).await;
        }
        if !host.is_connected() {
            return;
        }
        match net::fetch(&url, statuspage).await {
            Ok(next) => {
                failures = 0;
                failed.set(false);
                if banner.with_untracked(|b| *b != next) {
                    let id = next
                        .item
                        .as_ref()
                        .map(|i| i.update_id.clone())
                        .unwrap_or_default();
                    banner.set(next);
                    emit("herald:change", &id);
                }
            }
            Err(e) => {
                if failures == 0 {
                    warn(&format!("status unavailable, hiding until it is back: {e}"));
                }
                failed.set(true);
                failures += 1;
            }
        }
    }
}

/// Keeps relative times current while the widget is on the page.
async fn tick(now: RwSignal<f64>, host: HtmlElement) {
    while host.is_connected() {
        wait(TICK_MS).await;
        now.set(js_sys::Date::now());
    }
}

/// Dispatches a public event on `window` with `detail` set to an id.
fn emit(name: &str, detail: &str) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&JsValue::from_str(detail));
    if let (Some(window), Ok(event)) = (
        web_sys::window(),
        web_sys::CustomEvent::new_with_event_init_dict(name, &init),
    ) {
        let _ = window.dispatch_event(&event);
    }
}

fn impact_name(item: &BannerItem) -> &'static str {
    if item.kind == BannerKind::Maintenance {
        return "maintenance";
    }
    match item.impact {
        Impact::None => "none",
        Impact::Minor => "minor",
        Impact::Major => "major",
        Impact::Critical => "critical",
    }
}

fn icon(item: &BannerItem) -> &'static str {
    match (item.kind, item.impact) {
        (BannerKind::Maintenance, _) => "⚙",
        (_, Impact::None | Impact::Minor) => "i",
        (_, Impact::Major | Impact::Critical) => "!",
    }
}

fn ms(at: Timestamp) -> f64 {
    (at.unix_timestamp_nanos() / 1_000_000) as f64
}

fn options(pairs: &[(&str, &str)]) -> js_sys::Object {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    o
}

fn locales(locale: &str) -> js_sys::Array {
    js_sys::Array::of1(&JsValue::from_str(locale))
}

/// "5 minutes ago" (or "in 2 hours"), in the widget's locale.
fn relative(locale: &str, delta_ms: f64) -> String {
    let secs = (delta_ms / 1000.0).abs();
    let (value, unit) = if secs < 60.0 {
        (0.0, "minute")
    } else if secs < 3600.0 {
        ((secs / 60.0).floor(), "minute")
    } else if secs < 86_400.0 {
        ((secs / 3600.0).floor(), "hour")
    } else {
        ((secs / 86_400.0).floor(), "day")
    };
    let signed = if delta_ms > 0.0 { -value } else { value };
    js_sys::Intl::RelativeTimeFormat::new(&locales(locale), &options(&[("numeric", "auto")]))
        .format(signed, unit)
        .into()
}

/// A date and time such as "12 Mar, 14:30", or only the time, in the widget's locale and the
/// viewer's time zone.
fn when(locale: &str, at: Timestamp, with_date: bool) -> String {
    let opts = if with_date {
        options(&[
            ("month", "short"),
            ("day", "numeric"),
            ("hour", "2-digit"),
            ("minute", "2-digit"),
        ])
    } else {
        options(&[("hour", "2-digit"), ("minute", "2-digit")])
    };
    js_sys::Intl::DateTimeFormat::new(&locales(locale), &opts)
        .format()
        .call1(&JsValue::NULL, &JsValue::from_f64(ms(at)))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// One item: impact colour and icon, title, status, latest update (with "more"), timing (a
/// maintenance window ahead of time, when a notice takes effect, "next update by"), the status
/// page link, subscribe and dismiss. In badge mode: a dot and the title, linking to the page.
#[component]
pub fn BannerView(
    item: BannerItem,
    #[prop(into)] status_url: String,
    #[prop(into)] now: Signal<f64>,
    on_dismiss: Callback<String>,
    #[prop(optional)] words: Option<&'static Words>,
    #[prop(optional, into)] locale: Option<String>,
    #[prop(optional)] badge: bool,
    #[prop(default = None)] on_subscribe: Option<Callback<()>>,
) -> impl IntoView {
    let words = words.unwrap_or(&i18n::LOCALES[0]);
    let locale = locale.unwrap_or_else(|| words.tag.to_owned());
    let role = if is_urgent(item.impact) && item.kind != BannerKind::Maintenance {
        "alert"
    } else {
        "status"
    };
    let impact = impact_name(&item);
    let status = words.status(item.status);
    if badge {
        return view! {
            <a class="badge" part="badge" role=role data-impact=impact href=status_url target="_blank" rel="noopener">
                <span class="dot" aria-hidden="true"></span>
                <span class="title" part="title">{item.title}</span>
                <span class="status" part="status">{status}</span>
            </a>
        }
        .into_any();
    }
    let updated_ms = ms(item.updated_at);
    let next = item
        .next_update_at
        .filter(|_| item.status != ItemStatus::Resolved)
        .map(|t| format!("{} {}", words.next_update, when(&locale, t, false)));
    let window = match (item.kind, item.scheduled_for, item.scheduled_until) {
        (BannerKind::Maintenance, Some(from), until) => Some(format!(
            "{}: {}{}",
            words.scheduled,
            when(&locale, from, true),
            until
                .map(|u| format!(" – {}", when(&locale, u, true)))
                .unwrap_or_default()
        )),
        _ => item
            .effective_at
            .map(|t| format!("{} {}", words.effective, when(&locale, t, true))),
    };
    let short = preview(&item.body);
    let has_more = short.is_some();
    let expanded = RwSignal::new(false);
    let body = item.body.clone();
    let body_text = move || {
        if expanded.get() {
            body.clone()
        } else {
            short.clone().unwrap_or_else(|| body.clone())
        }
    };
    let update_id = item.update_id.clone();
    let rel_locale = locale.clone();
    view! {
        <div class="banner" part="banner" role=role data-impact=impact data-kind=kind_name(item.kind)>
            <span class="icon" part="icon" aria-hidden="true">{icon(&item)}</span>
            <div class="text">
                <p class="headline">
                    <strong class="title" part="title">{item.title}</strong>
                    <span class="status" part="status">{status}</span>
                </p>
                {window.map(|w| view! { <p class="window" part="window">{w}</p> })}
                <p class="body" part="body">
                    {body_text}
                    {has_more.then(|| view! {
                        " "
                        <button class="more" part="more" type="button"
                            aria-expanded=move || expanded.get().to_string()
                            on:click=move |_| expanded.update(|e| *e = !*e)>
                            {move || if expanded.get() { words.less } else { words.more }}
                        </button>
                    })}
                </p>
                <p class="meta" part="meta">
                    <span class="updated">{words.updated} " " {move || relative(&rel_locale, now.get() - updated_ms)}</span>
                    {next.map(|n| view! { <span class="next">" · " {n}</span> })}
                </p>
            </div>
            <div class="actions">
                {on_subscribe.map(|cb| view! {
                    <button class="subscribe" part="subscribe" type="button" on:click=move |_| cb.run(())>{words.subscribe}</button>
                })}
                <a class="link" part="link" href=status_url target="_blank" rel="noopener">{words.status_page}</a>
                <button
                    class="dismiss"
                    part="dismiss"
                    type="button"
                    aria-label=words.dismiss
                    title=words.dismiss
                    on:click=move |_| on_dismiss.run(update_id.clone())
                >
                    "×"
                </button>
            </div>
        </div>
    }
    .into_any()
}

fn kind_name(kind: BannerKind) -> &'static str {
    match kind {
        BannerKind::Incident => "incident",
        BannerKind::Maintenance => "maintenance",
        BannerKind::Notice => "notice",
        BannerKind::Unknown => "unknown",
    }
}
