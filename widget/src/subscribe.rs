//! The subscribe form in the widget's shadow root, a Leptos view over `FormState`'s signals:
//! email or SMS, optional components, a honeypot, posted as `shared::wire::SubscribeRequest` JSON
//! to `POST {endpoint}/v1/pages/{page}/subscriptions`. What an answer means is decided by the pure
//! `read_answer`; the view only shows it.

use std::sync::atomic::{AtomicU32, Ordering};

use herald_shared::wire::{Problem, SubscribeRequest};
use leptos::ev;
use leptos::html::{button, div, fieldset, form, h2, input, label, legend, p};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlElement, HtmlInputElement, RequestInit};

use crate::i18n::Words;
use crate::{net, warn};

/// How the subscriber wants to hear from the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Phone,
}

impl Channel {
    /// The request field that carries the address.
    pub fn field(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Phone => "phone",
        }
    }
}

/// What an answer to a subscription request means for the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Accepted (202): a confirmation is on its way.
    Pending,
    /// The address is to blame: `detail` is shown next to it.
    Invalid(String),
    /// Refused for another reason: `detail` is shown in the panel.
    Refused(String),
    /// Rate limited (429).
    TooMany,
    /// The network failed, or the server could not say why.
    Failed,
}

/// Reads an answer to `POST .../subscriptions`: a 2xx is pending confirmation, 429 is the rate
/// limit, and other client errors are RFC 9457 problem documents whose `field` says whether the
/// address is to blame (the domain calls it `address`; the request field, `email` or `phone`).
pub fn read_answer(status: u16, content_type: &str, body: &str) -> Answer {
    match status {
        200..=299 => Answer::Pending,
        429 => Answer::TooMany,
        400..=499 if content_type.contains("json") => match crate::from_json::<Problem>(body) {
            Ok(p) if matches!(p.field.as_deref(), Some("address" | "email" | "phone")) => {
                Answer::Invalid(p.detail)
            }
            Ok(p) => Answer::Refused(p.detail),
            Err(_) => Answer::Failed,
        },
        _ => Answer::Failed,
    }
}

/// The address as it is sent: trimmed; a phone number also loses the spaces, dashes, dots and
/// brackets people type, so `+49 (151) 123-45` becomes E.164's `+4915112345`.
pub fn normalize(channel: Channel, address: &str) -> String {
    match channel {
        Channel::Email => address.trim().to_owned(),
        Channel::Phone => address
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')' | '/'))
            .collect(),
    }
}

/// The JSON request body, e.g. `{"email":"a@b.c","components":[],"website":"","locale":"de"}`:
/// a `shared::wire::SubscribeRequest` through serde-wasm-bindgen and the browser's
/// `JSON.stringify`. `locale` is the language the widget speaks, so messages come in it too.
pub fn request_body(
    channel: Channel,
    address: &str,
    components: &[String],
    website: &str,
    locale: &str,
) -> String {
    let mut request = SubscribeRequest {
        components: components.to_vec(),
        website: website.to_owned(),
        locale: locale.to_owned(),
        ..SubscribeRequest::default()
    };
    match channel {
        Channel::Email => request.email = address.to_owned(),
        Channel::Phone => request.phone = address.to_owned(),
    }
    serde_wasm_bindgen::to_value(&request)
        .ok()
        .and_then(|v| js_sys::JSON::stringify(&v).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// Posts a subscription request and reads the answer; a network failure is one console warning.
pub async fn post(url: String, body: String) -> Answer {
    let sent = async {
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(&body));
        let headers = web_sys::Headers::new().map_err(|_| "no headers")?;
        headers
            .set("content-type", "application/json")
            .map_err(|_| "no headers")?;
        init.set_headers(&headers);
        net::send(&url, &init).await
    };
    match sent.await {
        Ok((status, ctype, text)) => read_answer(status, &ctype, &text),
        Err(e) => {
            warn(&format!("subscription request failed: {e}"));
            Answer::Failed
        }
    }
}

/// A prefix that keeps element ids unique when more than one form is on a document.
fn next_id() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("herald-sub{}", N.fetch_add(1, Ordering::Relaxed))
}

/// The form's state: open or not, the channel chosen, a request out, the last outcome. The
/// inputs keep their own values, read once on submit.
#[derive(Clone, Copy)]
pub struct FormState {
    pub open: RwSignal<bool>,
    pub channel: RwSignal<Channel>,
    pub busy: RwSignal<bool>,
    pub answer: RwSignal<Option<Answer>>,
}

impl FormState {
    pub fn new() -> FormState {
        FormState {
            open: RwSignal::new(false),
            channel: RwSignal::new(Channel::Email),
            busy: RwSignal::new(false),
            answer: RwSignal::new(None),
        }
    }

    /// A fresh form: email, nothing sent, nothing to say.
    pub fn reset(&self) {
        self.channel.set(Channel::Email);
        self.busy.set(false);
        self.answer.set(None);
    }

    /// What the address field and the status line say for the current outcome.
    fn texts(&self, words: &'static Words) -> (String, String) {
        let w = &words.form;
        let email = self.channel.get() == Channel::Email;
        self.answer.with(|answer| {
            let (field, note) = match answer {
                Some(Answer::Invalid(detail)) => (detail.as_str(), ""),
                Some(Answer::Pending) if email => ("", w.check_email),
                Some(Answer::Pending) => ("", w.check_phone),
                Some(Answer::Refused(detail)) => ("", detail.as_str()),
                Some(Answer::TooMany) => ("", w.too_many),
                Some(Answer::Failed) => ("", w.failed),
                None => ("", ""),
            };
            (field.to_owned(), note.to_owned())
        })
    }
}

/// The request body from what was entered in `form`, or the answer to show when the address is
/// empty.
pub fn read_form(form: &HtmlElement, channel: Channel, words: &Words) -> Result<String, Answer> {
    let value = |selector: &str| {
        form.query_selector(selector)
            .ok()
            .flatten()
            .map(|e| e.unchecked_into::<HtmlInputElement>().value())
            .unwrap_or_default()
    };
    let address = normalize(channel, &value("[name=address]"));
    if address.is_empty() {
        return Err(Answer::Invalid(words.form.required.to_owned()));
    }
    let ticked = form
        .query_selector_all("[name=components]:checked")
        .map(|list| {
            (0..list.length())
                .filter_map(|i| list.item(i))
                .map(|n| n.unchecked_into::<HtmlInputElement>().value())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Ok(request_body(
        channel,
        &address,
        &ticked,
        &value("[name=website]"),
        words.tag,
    ))
}

/// A "×" button named `label` (dismissing the banner, closing the form).
pub fn close_button(
    class: &'static str,
    part: &'static str,
    label: &'static str,
    on_click: impl Fn() + 'static,
) -> impl IntoView {
    button()
        .class(class)
        .on(ev::click, move |_| on_click())
        .attr("part", part)
        .attr("type", "button")
        .attr("aria-label", label)
        .attr("title", label)
        .child("×")
}

/// The subscribe panel: a non-modal dialog (`role=dialog`, labelled by its title) with the channel
/// choice, the address field (its error and hint describe it), optional component checkboxes
/// (`components` as id and name; none ticked means every component), the honeypot and the submit
/// button; and a status line for the outcome.
/// `submit` posts the form and `close` closes it (the widget's `Ui` does both, so this view needs
/// nothing of it).
pub fn panel(
    words: &'static Words,
    state: FormState,
    submit: impl Fn(&HtmlElement) + Clone + 'static,
    close: impl Fn() + Clone + Send + Sync + 'static,
    components: Vec<(String, String)>,
) -> impl IntoView {
    let w = &words.form;
    let id = next_id();
    let (title_id, input_id, hint_id, error_id) = (
        format!("{id}-title"),
        format!("{id}-address"),
        format!("{id}-hint"),
        format!("{id}-error"),
    );
    let email = move || state.channel.get() == Channel::Email;
    let radio = move |channel: Channel, text: &'static str| {
        label().class("check").child((
            input()
                .attr("type", "radio")
                .attr("name", "channel")
                .attr("value", channel.field())
                .attr("checked", channel == Channel::Email)
                .on(ev::change, move |_| {
                    state.channel.set(channel);
                    state.answer.set(None);
                }),
            " ",
            text,
        ))
    };
    let checkboxes = (!components.is_empty()).then(|| {
        fieldset().class("choices comps").child((
            legend().child(w.components),
            components
                .into_iter()
                .map(|(cid, name)| {
                    label().class("check").child((
                        input()
                            .attr("type", "checkbox")
                            .attr("name", "components")
                            .attr("value", cid),
                        " ",
                        name,
                    ))
                })
                .collect::<Vec<_>>(),
        ))
    });
    let the_form = form()
        .class("sub")
        .attr("novalidate", true)
        .attr("hidden", move || {
            state.answer.get() == Some(Answer::Pending)
        })
        .on(ev::submit, move |e| {
            e.prevent_default();
            if let Some(form) = e.current_target().and_then(|t| t.dyn_into().ok()) {
                submit(&form);
            }
        })
        .child((
            fieldset().class("choices").child((
                legend().child(w.by),
                radio(Channel::Email, w.email),
                radio(Channel::Phone, w.sms),
            )),
            label()
                .class("field-label")
                .attr("for", input_id.clone())
                .child(move || {
                    if email() {
                        w.email_label
                    } else {
                        w.phone_label
                    }
                }),
            input()
                .class("address")
                .attr("part", "subscribe-input")
                .attr("id", input_id)
                .attr("name", "address")
                .attr("required", true)
                .attr("aria-describedby", format!("{error_id} {hint_id}"))
                .attr("type", move || if email() { "email" } else { "tel" })
                .attr(
                    "autocomplete",
                    move || if email() { "email" } else { "tel" },
                )
                .attr("aria-invalid", move || {
                    if state.texts(words).0.is_empty() {
                        "false"
                    } else {
                        "true"
                    }
                }),
            p().class("error")
                .attr("part", "subscribe-error")
                .attr("id", error_id)
                .child(move || state.texts(words).0),
            p().class("hint")
                .attr("id", hint_id)
                .child(move || if email() { "" } else { w.phone_hint }),
            checkboxes,
            input()
                .class("hp")
                .attr("type", "text")
                .attr("name", "website")
                .attr("tabindex", "-1")
                .attr("autocomplete", "off")
                .attr("aria-hidden", "true"),
            button()
                .class("submit")
                .attr("part", "subscribe-submit")
                .attr("type", "submit")
                .attr("aria-disabled", move || {
                    if state.busy.get() {
                        "true"
                    } else {
                        "false"
                    }
                })
                .child(words.subscribe),
        ));
    div()
        .class("panel")
        .attr("part", "subscribe-form")
        .attr("role", "dialog")
        .attr("aria-modal", "false")
        .attr("aria-labelledby", title_id.clone())
        .on(ev::keydown, {
            let close = close.clone();
            move |e| {
                if e.key() == "Escape" {
                    e.stop_propagation();
                    close();
                }
            }
        })
        .child((
            div().class("panel-head").child((
                h2().class("panel-title")
                    .attr("part", "subscribe-title")
                    .attr("id", title_id)
                    .child(w.title),
                close_button("close", "subscribe-close", w.close, {
                    let close = close.clone();
                    move || close()
                }),
            )),
            the_form,
            p().class("note")
                .attr("part", "subscribe-note")
                .attr("role", "status")
                .child(move || state.texts(words).1),
        ))
}
