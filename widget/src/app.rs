//! The Leptos app: signals hold `shared` wire types; what to show and when to poll again are
//! decided by `herald_shared::poll`. The view only wires signals to markup.

use gloo_timers::future::TimeoutFuture;
use herald_shared::poll::{next_poll_ms, visible};
use herald_shared::view::is_urgent;
use herald_shared::wire::{Banner, BannerItem};
use herald_shared::Impact;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::{net, store, warn, Config};

/// The widget: shows the banner's item unless dismissed, and keeps it current by polling.
#[component]
pub fn App(config: Config, initial: Banner) -> impl IntoView {
    let status_url = format!(
        "{}{}",
        config.endpoint.trim_end_matches('/'),
        initial.page.url
    );
    let banner = RwSignal::new(initial);
    let dismissed = RwSignal::new(store::dismissed(&config.page));
    let now = RwSignal::new(js_sys::Date::now());
    leptos::task::spawn_local(poll(
        net::banner_url(&config.endpoint, &config.page),
        config.poll_floor.unwrap_or(0),
        banner,
        now,
    ));
    let page = config.page.clone();
    let on_dismiss = Callback::new(move |update_id: String| {
        store::remember_dismissal(&page, &update_id);
        emit("herald:dismiss", &update_id);
        dismissed.set(Some(update_id));
    });
    move || {
        let shown = banner.with(|b| visible(b, dismissed.get().as_deref()).cloned());
        shown.map(|item| {
            view! { <BannerView item=item status_url=status_url.clone() now=now on_dismiss=on_dismiss /> }
        })
    }
}

/// Polls forever (the app lives as long as the page): the server advises the interval, failures
/// back off, and a change is published as `herald:change` on `window`.
async fn poll(url: String, floor: u32, banner: RwSignal<Banner>, now: RwSignal<f64>) {
    let mut failures = 0;
    loop {
        let advised = banner.with_untracked(|b| b.poll_after);
        TimeoutFuture::new(next_poll_ms(
            advised,
            floor,
            failures,
            js_sys::Math::random(),
        ))
        .await;
        now.set(js_sys::Date::now());
        match net::fetch_banner(&url).await {
            Ok(next) => {
                failures = 0;
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
                    warn(&format!("status unavailable, retrying with back-off: {e}"));
                }
                failures += 1;
            }
        }
    }
}

/// Dispatches a public event on `window` with `detail` set to an update id.
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

fn impact_name(impact: Impact) -> &'static str {
    match impact {
        Impact::None => "none",
        Impact::Minor => "minor",
        Impact::Major => "major",
        Impact::Critical => "critical",
    }
}

fn icon(impact: Impact) -> &'static str {
    match impact {
        Impact::None | Impact::Minor => "i",
        Impact::Major | Impact::Critical => "!",
    }
}

/// "5 minutes ago", in the browser's language.
fn relative(elapsed_ms: f64) -> String {
    let secs = (elapsed_ms / 1000.0).max(0.0);
    let (value, unit) = if secs < 60.0 {
        (0.0, "minute")
    } else if secs < 3600.0 {
        ((secs / 60.0).floor(), "minute")
    } else if secs < 86_400.0 {
        ((secs / 3600.0).floor(), "hour")
    } else {
        ((secs / 86_400.0).floor(), "day")
    };
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"numeric".into(), &"auto".into());
    js_sys::Intl::RelativeTimeFormat::new(&js_sys::Array::new(), &options)
        .format(-value, unit)
        .into()
}

/// A time of day such as "14:30", in the browser's language and time zone.
fn clock(at: herald_shared::Timestamp) -> String {
    let ms = (at.unix_timestamp_nanos() / 1_000_000) as f64;
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
    let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
    js_sys::Date::new(&JsValue::from_f64(ms))
        .to_locale_time_string_with_options("default", &options)
        .into()
}

/// One banner: impact colour and icon, title, status, latest update, timing, link, dismiss.
#[component]
pub fn BannerView(
    item: BannerItem,
    #[prop(into)] status_url: String,
    #[prop(into)] now: Signal<f64>,
    on_dismiss: Callback<String>,
) -> impl IntoView {
    let role = if is_urgent(item.impact) {
        "alert"
    } else {
        "status"
    };
    let updated_ms = (item.updated_at.unix_timestamp_nanos() / 1_000_000) as f64;
    let next = item.next_update_at.map(clock);
    let update_id = item.update_id.clone();
    view! {
        <div class="banner" part="banner" role=role data-impact=impact_name(item.impact)>
            <span class="icon" aria-hidden="true">{icon(item.impact)}</span>
            <div class="text">
                <p class="headline">
                    <strong class="title">{item.title}</strong>
                    <span class="status">{item.status.label()}</span>
                </p>
                <p class="body">{item.body}</p>
                <p class="meta">
                    <span class="updated">"Updated " {move || relative(now.get() - updated_ms)}</span>
                    {next.map(|n| view! { <span class="next">" · Next update by " {n}</span> })}
                </p>
            </div>
            <a class="link" part="link" href=status_url target="_blank" rel="noopener">"Status page"</a>
            <button
                class="dismiss"
                part="dismiss"
                type="button"
                aria-label="Dismiss"
                on:click=move |_| on_dismiss.run(update_id.clone())
            >
                "×"
            </button>
        </div>
    }
}
