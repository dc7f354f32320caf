//! The widget as Leptos components: `Ui` holds signals of `shared` wire types (the banner, the
//! dismissed update, the clock) and the subscribe form's state; the item shown is a memo of
//! `herald_shared::poll::shown`, and when to poll again and when a body needs "more" are decided
//! by `herald_shared::poll` too. The view only wires those signals to the DOM. The subscribe form
//! (`subscribe::panel`) opens below the banner, or alone on a quiet day.

use std::cell::RefCell;

use herald_shared::poll::{next_poll_ms, preview, shown};
use herald_shared::view::is_urgent;
use herald_shared::wire::{Banner, BannerItem, BannerKind, ItemStatus};
use herald_shared::{Impact, Timestamp};
use leptos::ev;
use leptos::html::{a, button, div, p, span, strong};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlElement;

use crate::i18n::{self, Words};
use crate::subscribe::{self, close_button, Answer, FormState};
use crate::{net, store, warn, Config};

/// How often relative times ("5 minutes ago") are refreshed.
const TICK_MS: u32 = 30_000;

thread_local! {
    /// The mounted widget, for `Herald.openSubscribe()` (`open_subscribe`).
    static CURRENT: RefCell<Option<Ui>> = const { RefCell::new(None) };
    /// Where focus was when the form opened, to return it there when the form closes.
    static OPENER: RefCell<Option<HtmlElement>> = const { RefCell::new(None) };
}

/// Opens the subscribe form of the widget on the page, if there is one.
pub fn open_subscribe() {
    if let Some(ui) = CURRENT.with(|c| *c.borrow()) {
        ui.open_form();
    }
}

/// What the host configured, fixed for the widget's life.
struct Look {
    page: String,
    status_url: String,
    /// The page's subscriptions URL.
    action: String,
    words: &'static Words,
    locale: String,
    badge: bool,
    subscribe: bool,
    /// A Statuspage source has no Herald subscription API: its own page's subscribe section.
    external_subscribe: Option<String>,
    store_key: String,
    filter: Vec<String>,
}

/// The widget's state as signals, and its root element. `Copy`, so that every view closure and
/// event handler holds its own handle.
#[derive(Clone, Copy)]
pub struct Ui {
    /// One per mount, kept for the page's life like the mounted view itself.
    look: &'static Look,
    banner: RwSignal<Banner>,
    failed: RwSignal<bool>,
    dismissed: RwSignal<Option<String>>,
    /// The clock the times are written against; `NaN` until the first task after mounting, so that
    /// the first render (title, status, text) does not wait for the browser's first date formatter,
    /// which loads its locale data (15 to 60 ms of main thread in a fresh document).
    now: RwSignal<f64>,
    /// What `shown` picks from the above; the item view is rebuilt only when it changes.
    item: Memo<Option<BannerItem>>,
    pub(crate) form: FormState,
    root: StoredValue<HtmlElement, LocalStorage>,
}

impl Ui {
    /// Mounts the widget into `root` (Leptos' `mount_to`) showing `banner`. Polling is `start`'s.
    pub fn new(root: HtmlElement, config: &Config, banner: Banner) -> Ui {
        let page_url = &banner.page.url;
        let endpoint = config.endpoint.trim_end_matches('/');
        let status_url = if page_url.starts_with("http") {
            page_url.clone()
        } else {
            format!("{endpoint}{page_url}")
        };
        let (locale, words) = i18n::resolve(config.locale.as_deref());
        let store_key = config
            .statuspage_src
            .clone()
            .unwrap_or_else(|| config.page.clone());
        let look: &'static Look = Box::leak(Box::new(Look {
            page: config.page.clone(),
            action: format!(
                "{endpoint}/v1/pages/{}/subscriptions",
                js_sys::encode_uri_component(&config.page)
            ),
            external_subscribe: config
                .statuspage_src
                .is_some()
                .then(|| format!("{status_url}#subscribe")),
            status_url,
            words,
            locale,
            badge: config.mode == "badge",
            subscribe: config.subscribe,
            filter: config.components.clone(),
            store_key,
        }));
        brand(&root, &banner.page);
        let made = std::rc::Rc::new(std::cell::Cell::new(None));
        let out = made.clone();
        let parent = root.clone();
        leptos::mount::mount_to(parent, move || {
            let (banner, failed) = (RwSignal::new(banner), RwSignal::new(false));
            let dismissed = RwSignal::new(store::dismissed(&look.store_key));
            let item = Memo::new(move |_| {
                if failed.get() {
                    return None;
                }
                let dismissed = dismissed.read();
                banner.with(|b| shown(b, dismissed.as_deref(), &look.filter).cloned())
            });
            let ui = Ui {
                look,
                banner,
                failed,
                dismissed,
                now: RwSignal::new(f64::NAN),
                item,
                form: FormState::new(),
                root: StoredValue::new_local(root),
            };
            out.set(Some(ui));
            ui.view()
        })
        // The view lives as long as the page: the root goes with the host element.
        .forget();
        let ui = made.get().expect_throw("mounted");
        // The times, in the task after the first render (see `Ui::now`).
        gloo_timers::callback::Timeout::new(0, move || ui.now.set(js_sys::Date::now())).forget();
        ui
    }

    pub(crate) fn words(&self) -> &'static Words {
        self.look.words
    }

    /// The item (or nothing) and, below it, the subscribe form when it is open.
    fn view(self) -> impl IntoView {
        (
            move || self.item.get().map(|item| self.item_view(item)),
            move || {
                self.form.open.get().then(|| {
                    // The shown item's components: ticking some narrows the subscription.
                    let components = self
                        .item
                        .get_untracked()
                        .iter()
                        .flat_map(|item| &item.components)
                        .map(|c| (c.id.clone(), c.name.clone()))
                        .collect();
                    let ui = self;
                    subscribe::panel(
                        self.words(),
                        self.form,
                        move |f| ui.submit(f),
                        move || ui.close_form(),
                        components,
                    )
                })
            },
        )
    }

    pub fn set_banner(&self, banner: Banner) {
        self.root.with_value(|r| brand(r, &banner.page));
        self.banner.set(banner);
        self.failed.set(false);
    }

    /// Shows a banner that came from a poll or the live socket, and tells the host page when it
    /// changed (`herald:change`).
    pub(crate) fn receive(&self, next: Banner) {
        let changed = self.banner.with_untracked(|b| *b != next);
        let id = next
            .item
            .as_ref()
            .map(|i| i.update_id.clone())
            .unwrap_or_default();
        self.set_banner(next);
        if changed {
            emit("herald:change", &id);
        }
    }

    /// Whether the banner has an item (shown, or dismissed but still current): the widget follows
    /// the live socket only then.
    pub(crate) fn shows_something(&self) -> bool {
        self.banner.with_untracked(|b| b.item.is_some())
    }

    fn updated_text(&self, item: &BannerItem, now: f64) -> String {
        format!(
            "{} {}",
            self.look.words.updated,
            relative(&self.look.locale, now - ms(item.updated_at))
        )
    }

    fn dismiss(&self) {
        let Some(update_id) = self
            .item
            .with_untracked(|i| i.as_ref().map(|i| i.update_id.clone()))
        else {
            return;
        };
        store::remember_dismissal(&self.look.store_key, &update_id);
        self.dismissed.set(Some(update_id.clone()));
        emit("herald:dismiss", &update_id);
    }

    /// Opens the subscribe form (again: focuses it), and tells the host page.
    pub fn open_form(&self) {
        emit("herald:subscribe", &self.look.page);
        if let Some(url) = &self.look.external_subscribe {
            if let Some(w) = web_sys::window() {
                let _ = w.open_with_url_and_target(url, "_blank");
            }
            return;
        }
        if !self.form.open.get_untracked() {
            let opener = self.root.with_value(focused);
            OPENER.with(|o| o.replace(opener));
            self.form.reset();
            self.form.open.set(true);
        }
        self.focus_form();
    }

    /// Focus where the form wants it, once the view has caught up: the field to fill in or
    /// correct, or (once accepted) the close button.
    fn focus_form(&self) {
        let ui = *self;
        leptos::task::spawn_local(async move {
            leptos::task::tick().await;
            let selector = if ui.form.answer.get_untracked() == Some(Answer::Pending) {
                ".panel .close"
            } else {
                ".panel .address"
            };
            let target = ui
                .root
                .with_value(|r| r.query_selector(selector).ok().flatten());
            if let Some(el) = target.and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
                let _ = el.focus();
            }
        });
    }

    pub fn close_form(&self) {
        if !self.form.open.get_untracked() {
            return;
        }
        self.form.open.set(false);
        if let Some(el) = OPENER.with(|o| o.take()).filter(|el| el.is_connected()) {
            let _ = el.focus();
        }
    }

    /// Shows an outcome in the open form (also for tests).
    pub fn show_answer(&self, answer: Answer) {
        self.form.busy.set(false);
        self.form.answer.set(Some(answer));
        self.focus_form();
    }

    /// Sends what `form` holds, unless a request is already out; an empty address is refused in
    /// the form.
    pub(crate) fn submit(&self, form: &HtmlElement) {
        if self.form.busy.get_untracked() {
            return;
        }
        let body = match subscribe::read_form(form, self.form.channel.get_untracked(), self.words())
        {
            Ok(body) => body,
            Err(answer) => return self.show_answer(answer),
        };
        self.form.busy.set(true);
        let (ui, action) = (*self, self.look.action.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let got = subscribe::post(action, body).await;
            ui.show_answer(got);
        });
    }

    /// One item: impact colour and icon, title, status, latest update (with "more"), timing (a
    /// maintenance window ahead of time, when a notice takes effect, "next update by"), the status
    /// page link, subscribe and dismiss. In badge mode: a dot and the title, linking to the page.
    fn item_view(self, item: BannerItem) -> AnyView {
        let (look, words) = (self.look, self.look.words);
        let locale = look.locale.as_str();
        let role = if is_urgent(item.impact) && item.kind != BannerKind::Maintenance {
            "alert"
        } else {
            "status"
        };
        let impact = impact_name(&item);
        let status = words.status(item.status);
        let status_el = || span().class("status").attr("part", "status").child(status);
        if look.badge {
            return a()
                .class("badge")
                .attr("part", "badge")
                .attr("role", role)
                .attr("data-impact", impact)
                .attr("href", look.status_url.as_str())
                .attr("target", "_blank")
                .attr("rel", "noopener")
                .child((
                    span().class("dot").attr("aria-hidden", "true"),
                    span()
                        .class("title")
                        .attr("part", "title")
                        .child(item.title),
                    status_el(),
                ))
                .into_any();
        }
        // Times are written once the clock is set (see `now`); until then a no-break space keeps
        // their line's height, so nothing moves when they appear.
        let now = self.now;
        let timed = move |text: &dyn Fn() -> String| {
            if now.get().is_nan() {
                "\u{a0}".to_owned()
            } else {
                text()
            }
        };
        let next = item
            .next_update_at
            .filter(|_| item.status != ItemStatus::Resolved)
            .map(|t| {
                move || timed(&|| format!("{} {}", words.next_update, when(locale, t, false)))
            });
        let window = match (item.kind, item.scheduled_for, item.scheduled_until) {
            (BannerKind::Maintenance, Some(from), until) => Some((true, from, until)),
            _ => item.effective_at.map(|t| (false, t, None)),
        }
        .map(|(scheduled, from, until)| {
            move || {
                timed(&|| {
                    if scheduled {
                        format!(
                            "{}: {}{}",
                            words.scheduled,
                            when(locale, from, true),
                            until
                                .map(|u| format!(" – {}", when(locale, u, true)))
                                .unwrap_or_default()
                        )
                    } else {
                        format!("{} {}", words.effective, when(locale, from, true))
                    }
                })
            }
        });
        // "More" shows the whole body, "Less" the preview again.
        let expanded = RwSignal::new(false);
        let short = preview(&item.body);
        let more = short.is_some().then(|| {
            (
                " ",
                button()
                    .class("more")
                    .attr("part", "more")
                    .attr("type", "button")
                    .attr("aria-expanded", move || {
                        if expanded.get() {
                            "true"
                        } else {
                            "false"
                        }
                    })
                    .on(ev::click, move |_| expanded.update(|e| *e = !*e))
                    .child(move || {
                        if expanded.get() {
                            words.less
                        } else {
                            words.more
                        }
                    }),
            )
        });
        let body = item.body.clone();
        let body_text = move || match (&short, expanded.get()) {
            (Some(short), false) => short.clone(),
            _ => body.clone(),
        };
        let updated = {
            let item = item.clone();
            move || timed(&|| self.updated_text(&item, now.get()))
        };
        div()
            .class("banner")
            .attr("part", "banner")
            .attr("role", role)
            .attr("data-impact", impact)
            .attr("data-kind", kind_name(item.kind))
            .child((
                span()
                    .class("icon")
                    .attr("part", "icon")
                    .attr("aria-hidden", "true")
                    .child(icon(&item)),
                div().class("text").child((
                    p().class("headline").child((
                        strong()
                            .class("title")
                            .attr("part", "title")
                            .child(item.title),
                        status_el(),
                    )),
                    window.map(|w| p().class("window").attr("part", "window").child(w)),
                    p().class("body")
                        .attr("part", "body")
                        .child((body_text, more)),
                    p().class("meta").attr("part", "meta").child((
                        span().class("updated").child(updated),
                        next.map(|n| span().class("next").child((" · ", n))),
                    )),
                )),
                div().class("actions").child((
                    look.subscribe.then(|| {
                        button()
                            .class("subscribe")
                            .attr("part", "subscribe")
                            .attr("type", "button")
                            .on(ev::click, move |_| self.open_form())
                            .child(words.subscribe)
                    }),
                    a().class("link")
                        .attr("part", "link")
                        .attr("href", look.status_url.as_str())
                        .attr("target", "_blank")
                        .attr("rel", "noopener")
                        .child(words.status_page),
                    close_button("dismiss", "dismiss", words.dismiss, move || self.dismiss()),
                )),
            ))
            .into_any()
    }
}

/// The page's brand colour as the default of the subscribe button (`--herald-brand` on the host
/// page still wins), with the text colour that reads on it.
fn brand(root: &HtmlElement, page: &herald_shared::wire::BannerPage) {
    let style = root.style();
    for (name, value) in [
        ("--_page-brand", &page.accent_color),
        ("--_page-on-brand", &page.on_accent_color),
    ] {
        let _ = match value {
            Some(v) => style.set_property(name, v),
            None => style.remove_property(name).map(drop),
        };
    }
}

/// Starts the widget in `root`: draws `initial`, polls while `host` is on the page, keeps relative
/// times current, and opens the form if the host asked for it.
pub fn start(config: &Config, initial: Banner, host: HtmlElement, root: HtmlElement) {
    let ui = Ui::new(root, config, initial);
    CURRENT.with(|c| c.replace(Some(ui)));
    if config.open_subscribe {
        ui.open_form();
    }
    wasm_bindgen_futures::spawn_local(poll(
        net::source_url(config),
        net::live_url(config),
        config.poll_floor,
        ui,
        host.clone(),
    ));
    wasm_bindgen_futures::spawn_local(tick(ui, host));
}

/// The element that has focus now: inside `root`'s shadow root if focus is there, else in the
/// document.
fn focused(root: &HtmlElement) -> Option<HtmlElement> {
    let tree = root.get_root_node();
    tree.dyn_ref::<web_sys::ShadowRoot>()
        .and_then(|s| s.active_element())
        .or_else(|| web_sys::window()?.document()?.active_element())
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
}

/// Resolves after `ms`, or earlier when the tab's visibility changes or the browser comes back
/// online, so a hidden tab pauses and a visible or reconnected one refreshes at once.
pub(crate) async fn wait(ms: u32) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let mut slot = None;
    let promise = js_sys::Promise::new(&mut |resolve, _| slot = Some(resolve));
    let Some(resolve) = slot else { return };
    let wake = resolve.clone();
    // gloo-timers' Timeout: dropping it below cancels it when an event woke us first.
    let timer = gloo_timers::callback::Timeout::new(ms, move || {
        let _ = wake.call0(&wasm_bindgen::JsValue::NULL);
    });
    let document = window.document();
    let _ = window.add_event_listener_with_callback("online", &resolve);
    if let Some(d) = &document {
        let _ = d.add_event_listener_with_callback("visibilitychange", &resolve);
    }
    let _ = JsFuture::from(promise).await;
    drop(timer);
    let _ = window.remove_event_listener_with_callback("online", &resolve);
    if let Some(d) = &document {
        let _ = d.remove_event_listener_with_callback("visibilitychange", &resolve);
    }
}

pub(crate) fn hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Polls while the widget is on the page: the server advises the interval, failures back off (and
/// hide the widget, with one warning), a hidden tab does not poll, and a change is published as
/// `herald:change` on `window`. While something is shown and the banner says the page is live,
/// the live socket (`live`, at `live_url`) carries the changes and polls wait.
async fn poll(url: String, live_url: Option<String>, floor: u32, ui: Ui, host: HtmlElement) {
    let statuspage = live_url.is_none();
    let mut failures = 0;
    loop {
        if let Some(live_url) = &live_url {
            if ui.shows_something() && ui.banner.with_untracked(|b| b.live) {
                crate::live::follow(live_url, &url, ui, &host);
            }
        }
        let advised = ui.banner.with_untracked(|b| b.poll_after);
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
        if crate::live::open() {
            continue;
        }
        match net::fetch(&url, statuspage).await {
            Ok(next) => {
                failures = 0;
                ui.receive(next);
            }
            Err(e) => {
                if failures == 0 {
                    warn(&format!("status unavailable, hiding until it is back: {e}"));
                }
                ui.failed.set(true);
                failures += 1;
            }
        }
    }
}

/// Keeps relative times current while the widget is on the page.
async fn tick(ui: Ui, host: HtmlElement) {
    while host.is_connected() {
        wait(TICK_MS).await;
        ui.now.set(js_sys::Date::now());
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

fn kind_name(kind: BannerKind) -> &'static str {
    match kind {
        BannerKind::Incident => "incident",
        BannerKind::Maintenance => "maintenance",
        BannerKind::Notice => "notice",
        BannerKind::Unknown => "unknown",
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
