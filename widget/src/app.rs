//! The widget, without a UI framework: `Ui` holds `shared` wire types (the banner, the dismissed
//! update) and what is on screen, and redraws the item when what `herald_shared::poll::shown`
//! picks changes; when to poll again and when a body needs "more" are decided by
//! `herald_shared::poll` too. Clicks, keys, submits and changes are handled by one listener at the
//! widget's root, so drawing creates no listeners. The subscribe form (`subscribe::Form`) opens
//! below the banner, or alone on a quiet day.

use std::cell::RefCell;
use std::rc::Rc;

use herald_shared::poll::{next_poll_ms, preview, shown};
use herald_shared::view::is_urgent;
use herald_shared::wire::{Banner, BannerItem, BannerKind, ItemStatus};
use herald_shared::{Impact, Timestamp};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element, Event, HtmlElement, HtmlInputElement, KeyboardEvent};

use crate::dom::{self, E};
use crate::i18n::{self, Words};
use crate::subscribe::{self, Channel, Form};
use crate::{net, store, warn, Config};

/// How often relative times ("5 minutes ago") are refreshed.
const TICK_MS: u32 = 30_000;

thread_local! {
    /// The mounted widget, for `Herald.openSubscribe()` (`open_subscribe`).
    static CURRENT: RefCell<Option<Rc<Ui>>> = const { RefCell::new(None) };
}

/// Opens the subscribe form of the widget on the page, if there is one.
pub fn open_subscribe() {
    if let Some(ui) = CURRENT.with(|c| c.borrow().clone()) {
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

/// What is shown and what it came from.
struct State {
    banner: Banner,
    failed: bool,
    dismissed: Option<String>,
    now: f64,
    /// The item on screen and its element.
    drawn: Option<(BannerItem, Element)>,
    expanded: bool,
    form: Option<Form>,
    /// Where focus was when the form opened, to return it there when the form closes.
    opener: Option<HtmlElement>,
}

/// The widget's view over its root element.
pub struct Ui {
    root: HtmlElement,
    doc: Document,
    look: Look,
    state: RefCell<State>,
}

impl Ui {
    /// Draws `banner` into `root` and handles the widget's events there. Polling is `start`'s.
    pub fn new(root: HtmlElement, config: &Config, banner: Banner) -> Rc<Ui> {
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
        let look = Look {
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
        };
        let ui = Rc::new(Ui {
            doc: root.owner_document().unwrap_throw(),
            state: RefCell::new(State {
                banner,
                failed: false,
                dismissed: store::dismissed(&look.store_key),
                now: js_sys::Date::now(),
                drawn: None,
                expanded: false,
                form: None,
                opener: None,
            }),
            look,
            root,
        });
        let handler = {
            let ui = ui.clone();
            Closure::<dyn FnMut(Event)>::new(move |ev: Event| ui.handle(ev))
        };
        for kind in ["click", "keydown", "submit", "change"] {
            let _ = ui
                .root
                .add_event_listener_with_callback(kind, handler.as_ref().unchecked_ref());
        }
        // Lives as long as the page: the root goes with the widget, the listener with the root.
        handler.forget();
        ui.draw();
        ui
    }

    /// Redraws the item if what should be shown changed.
    fn draw(&self) {
        let mut s = self.state.borrow_mut();
        let want = if s.failed {
            None
        } else {
            shown(&s.banner, s.dismissed.as_deref(), &self.look.filter).cloned()
        };
        if s.drawn.as_ref().map(|(item, _)| item) == want.as_ref() {
            return;
        }
        if let Some((_, old)) = s.drawn.take() {
            old.remove();
        }
        s.expanded = false;
        if let Some(item) = want {
            let el = self.item_view(&item, s.now);
            let _ = self.root.prepend_with_node_1(&el);
            s.drawn = Some((item, el));
        }
    }

    pub fn set_banner(&self, banner: Banner) {
        {
            let mut s = self.state.borrow_mut();
            s.banner = banner;
            s.failed = false;
        }
        self.draw();
    }

    fn set_failed(&self, failed: bool) {
        self.state.borrow_mut().failed = failed;
        self.draw();
    }

    /// Refreshes the relative time.
    fn tick(&self, now: f64) {
        let mut s = self.state.borrow_mut();
        s.now = now;
        if let Some((item, el)) = &s.drawn {
            if let Some(span) = dom::find(el, ".updated") {
                dom::set_text(&span, &self.updated_text(item, now));
            }
        }
    }

    fn updated_text(&self, item: &BannerItem, now: f64) -> String {
        format!(
            "{} {}",
            self.look.words.updated,
            relative(&self.look.locale, now - ms(item.updated_at))
        )
    }

    /// Every event in the widget, by what it happened to.
    fn handle(self: &Rc<Ui>, ev: Event) {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        let within = |selector: &str| {
            target
                .closest(selector)
                .ok()
                .flatten()
                .filter(|e| self.root.contains(Some(e)))
        };
        match ev.type_().as_str() {
            "click" => {
                if within(".dismiss").is_some() {
                    self.dismiss();
                } else if let Some(more) = within(".more") {
                    self.toggle_more(&more);
                } else if within(".subscribe").is_some() {
                    self.open_form();
                } else if within(".close").is_some() {
                    self.close_form();
                }
            }
            "keydown" => {
                let escape = ev
                    .dyn_ref::<KeyboardEvent>()
                    .is_some_and(|k| k.key() == "Escape");
                if escape && within(".panel").is_some() {
                    ev.stop_propagation();
                    self.close_form();
                }
            }
            "submit" => {
                ev.prevent_default();
                self.submit();
            }
            "change" => {
                let Some(input) = target.dyn_ref::<HtmlInputElement>() else {
                    return;
                };
                if input.name() == "channel" {
                    let channel = if input.value() == "phone" {
                        Channel::Phone
                    } else {
                        Channel::Email
                    };
                    if let Some(form) = &mut self.state.borrow_mut().form {
                        form.set_channel(channel);
                    }
                }
            }
            _ => {}
        }
    }

    fn dismiss(&self) {
        let Some(update_id) = self
            .state
            .borrow()
            .drawn
            .as_ref()
            .map(|(item, _)| item.update_id.clone())
        else {
            return;
        };
        store::remember_dismissal(&self.look.store_key, &update_id);
        self.state.borrow_mut().dismissed = Some(update_id.clone());
        self.draw();
        emit("herald:dismiss", &update_id);
    }

    /// "More" shows the whole body, "Less" the preview again.
    fn toggle_more(&self, button: &Element) {
        let mut s = self.state.borrow_mut();
        s.expanded = !s.expanded;
        let Some((item, _)) = &s.drawn else { return };
        let words = self.look.words;
        let text = if s.expanded {
            item.body.clone()
        } else {
            preview(&item.body).unwrap_or_else(|| item.body.clone())
        };
        if let Some(node) = button.parent_element().and_then(|p| p.first_child()) {
            node.set_node_value(Some(&text));
        }
        let _ = button.set_attribute("aria-expanded", if s.expanded { "true" } else { "false" });
        dom::set_text(button, if s.expanded { words.less } else { words.more });
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
        {
            let mut s = self.state.borrow_mut();
            if s.form.is_none() {
                s.opener = focused(&self.root);
                // The shown item's components: ticking some narrows the subscription.
                let components: Vec<(String, String)> = s
                    .drawn
                    .iter()
                    .flat_map(|(item, _)| &item.components)
                    .map(|c| (c.id.clone(), c.name.clone()))
                    .collect();
                let form = Form::new(&self.doc, self.look.words, &components);
                let _ = self.root.append_with_node_1(&form.panel);
                s.form = Some(form);
            }
        }
        self.focus_form();
    }

    /// Focus where the form wants it (outside any borrow: focus events run host code).
    fn focus_form(&self) {
        let target = self
            .state
            .borrow()
            .form
            .as_ref()
            .and_then(Form::focus_target);
        if let Some(el) = target {
            let _ = el.focus();
        }
    }

    pub fn close_form(&self) {
        let (form, opener) = {
            let mut s = self.state.borrow_mut();
            (s.form.take(), s.opener.take())
        };
        if let Some(form) = form {
            form.panel.remove();
            if let Some(el) = opener.filter(|el| el.is_connected()) {
                let _ = el.focus();
            }
        }
    }

    /// Shows an outcome in the open form (also for tests).
    pub fn show_answer(&self, answer: subscribe::Answer) {
        if let Some(form) = &mut self.state.borrow_mut().form {
            form.set_busy(false);
            form.show(Some(answer));
        }
        self.focus_form();
    }

    fn submit(self: &Rc<Ui>) {
        let body = match &mut self.state.borrow_mut().form {
            Some(form) if !form.busy() => {
                let body = form.request();
                form.set_busy(body.is_some());
                body
            }
            _ => return,
        };
        let Some(body) = body else {
            // Empty: the form says so next to the field.
            return self.focus_form();
        };
        let (ui, action) = (self.clone(), self.look.action.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let got = subscribe::post(action, body).await;
            ui.show_answer(got);
        });
    }

    /// One item: impact colour and icon, title, status, latest update (with "more"), timing (a
    /// maintenance window ahead of time, when a notice takes effect, "next update by"), the status
    /// page link, subscribe and dismiss. In badge mode: a dot and the title, linking to the page.
    fn item_view(&self, item: &BannerItem, now: f64) -> Element {
        let (doc, look, words) = (&self.doc, &self.look, self.look.words);
        let locale = look.locale.as_str();
        let role = if is_urgent(item.impact) && item.kind != BannerKind::Maintenance {
            "alert"
        } else {
            "status"
        };
        let impact = impact_name(item);
        let status = words.status(item.status);
        let title = |tag: &str| E::new(doc, tag, "title").part("title").text(&item.title);
        let status_el = || E::new(doc, "span", "status").part("status").text(status);
        if look.badge {
            return E::new(doc, "a", "badge")
                .part("badge")
                .attr("role", role)
                .attr("data-impact", impact)
                .attr("href", &look.status_url)
                .attr("target", "_blank")
                .attr("rel", "noopener")
                .child(E::new(doc, "span", "dot").attr("aria-hidden", "true"))
                .child(title("span"))
                .child(status_el())
                .0;
        }
        let next = item
            .next_update_at
            .filter(|_| item.status != ItemStatus::Resolved)
            .map(|t| format!("{} {}", words.next_update, when(locale, t, false)));
        let window = match (item.kind, item.scheduled_for, item.scheduled_until) {
            (BannerKind::Maintenance, Some(from), until) => Some(format!(
                "{}: {}{}",
                words.scheduled,
                when(locale, from, true),
                until
                    .map(|u| format!(" – {}", when(locale, u, true)))
                    .unwrap_or_default()
            )),
            _ => item
                .effective_at
                .map(|t| format!("{} {}", words.effective, when(locale, t, true))),
        };
        let short = preview(&item.body);
        let more = short.is_some().then(|| {
            E::new(doc, "button", "more")
                .part("more")
                .attr("type", "button")
                .attr("aria-expanded", "false")
                .text(words.more)
        });
        let body = E::new(doc, "p", "body")
            .part("body")
            .text(short.as_deref().unwrap_or(&item.body));
        let body = match more {
            Some(button) => body.text(" ").child(button),
            None => body,
        };
        E::new(doc, "div", "banner")
            .part("banner")
            .attr("role", role)
            .attr("data-impact", impact)
            .attr("data-kind", kind_name(item.kind))
            .child(
                E::new(doc, "span", "icon")
                    .part("icon")
                    .attr("aria-hidden", "true")
                    .text(icon(item)),
            )
            .child(
                E::new(doc, "div", "text")
                    .child(
                        E::new(doc, "p", "headline")
                            .child(title("strong"))
                            .child(status_el()),
                    )
                    .maybe(window.map(|w| E::new(doc, "p", "window").part("window").text(&w)))
                    .child(body)
                    .child(
                        E::new(doc, "p", "meta")
                            .part("meta")
                            .child(
                                E::new(doc, "span", "updated").text(&self.updated_text(item, now)),
                            )
                            .maybe(next.map(|n| E::new(doc, "span", "next").text(" · ").text(&n))),
                    ),
            )
            .child(
                E::new(doc, "div", "actions")
                    .maybe(look.subscribe.then(|| {
                        E::new(doc, "button", "subscribe")
                            .part("subscribe")
                            .attr("type", "button")
                            .text(words.subscribe)
                    }))
                    .child(
                        E::new(doc, "a", "link")
                            .part("link")
                            .attr("href", &look.status_url)
                            .attr("target", "_blank")
                            .attr("rel", "noopener")
                            .text(words.status_page),
                    )
                    .child(dom::close_button(doc, "dismiss", "dismiss", words.dismiss)),
            )
            .0
    }
}

/// Starts the widget in `root`: draws `initial`, polls while `host` is on the page, keeps relative
/// times current, and opens the form if the host asked for it.
pub fn start(config: &Config, initial: Banner, host: HtmlElement, root: HtmlElement) {
    let ui = Ui::new(root, config, initial);
    CURRENT.with(|c| c.replace(Some(ui.clone())));
    if config.open_subscribe {
        ui.open_form();
    }
    wasm_bindgen_futures::spawn_local(poll(
        net::source_url(config),
        config.statuspage_src.is_some(),
        config.poll_floor,
        ui.clone(),
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
async fn wait(ms: u32) {
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

fn hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Polls while the widget is on the page: the server advises the interval, failures back off (and
/// hide the widget, with one warning), a hidden tab does not poll, and a change is published as
/// `herald:change` on `window`.
async fn poll(url: String, statuspage: bool, floor: u32, ui: Rc<Ui>, host: HtmlElement) {
    let mut failures = 0;
    loop {
        let advised = ui.state.borrow().banner.poll_after;
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
                let changed = ui.state.borrow().banner != next;
                let id = next
                    .item
                    .as_ref()
                    .map(|i| i.update_id.clone())
                    .unwrap_or_default();
                ui.set_banner(next);
                if changed {
                    emit("herald:change", &id);
                }
            }
            Err(e) => {
                if failures == 0 {
                    warn(&format!("status unavailable, hiding until it is back: {e}"));
                }
                ui.set_failed(true);
                failures += 1;
            }
        }
    }
}

/// Keeps relative times current while the widget is on the page.
async fn tick(ui: Rc<Ui>, host: HtmlElement) {
    while host.is_connected() {
        wait(TICK_MS).await;
        ui.tick(js_sys::Date::now());
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
