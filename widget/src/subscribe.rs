//! The subscribe form in the widget's shadow root: email or SMS, optional components, a honeypot,
//! posted as JSON to `POST {endpoint}/v1/pages/{page}/subscriptions`. What an answer means is
//! decided by the pure `read_answer`; `Form` only shows it.

use std::sync::atomic::{AtomicU32, Ordering};

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, HtmlInputElement, RequestInit};

use crate::dom::{self, E};
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
        400..=499 if content_type.contains("json") => match crate::json::problem(body) {
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

/// The JSON request body, e.g. `{"email":"a@b.c","components":[],"website":""}`.
pub fn request_body(
    channel: Channel,
    address: &str,
    components: &[String],
    website: &str,
) -> String {
    let body = js_sys::Object::new();
    let list: js_sys::Array = components.iter().map(|c| JsValue::from_str(c)).collect();
    for (k, v) in [
        (channel.field(), JsValue::from_str(address)),
        ("components", list.into()),
        ("website", JsValue::from_str(website)),
    ] {
        let _ = js_sys::Reflect::set(&body, &JsValue::from_str(k), &v);
    }
    js_sys::JSON::stringify(&body)
        .ok()
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

/// The subscribe panel: a non-modal dialog (`role=dialog`, labelled by its title) with the channel
/// choice, the address field (its error and hint describe it), optional component checkboxes
/// (`components` as id and name; none ticked means every component), the honeypot and the submit
/// button; and a status line for the outcome. The widget wires its events (`app`); the inputs
/// keep their own values, read once on submit.
pub struct Form {
    pub panel: Element,
    words: &'static Words,
    form: HtmlElement,
    label: Element,
    input: HtmlInputElement,
    error: Element,
    hint: Element,
    submit: Element,
    note: Element,
    channel: Channel,
    busy: bool,
    answer: Option<Answer>,
}

impl Form {
    pub fn new(doc: &Document, words: &'static Words, components: &[(String, String)]) -> Form {
        let w = &words.form;
        let id = next_id();
        let (title_id, input_id, hint_id, error_id) = (
            format!("{id}-title"),
            format!("{id}-address"),
            format!("{id}-hint"),
            format!("{id}-error"),
        );
        let radio = |value: &str, text: &str, checked: bool| {
            let input = E::new(doc, "input", "")
                .attr("type", "radio")
                .attr("name", "channel")
                .attr("value", value);
            let input = if checked {
                input.attr("checked", "")
            } else {
                input
            };
            E::new(doc, "label", "check")
                .child(input)
                .text(" ")
                .text(text)
        };
        let label = E::new(doc, "label", "field-label").attr("for", &input_id);
        let input = E::new(doc, "input", "address")
            .part("subscribe-input")
            .attr("id", &input_id)
            .attr("name", "address")
            .attr("required", "")
            .attr("aria-describedby", &format!("{error_id} {hint_id}"));
        let error = E::new(doc, "p", "error")
            .part("subscribe-error")
            .attr("id", &error_id);
        let hint = E::new(doc, "p", "hint").attr("id", &hint_id);
        let submit = E::new(doc, "button", "submit")
            .part("subscribe-submit")
            .attr("type", "submit")
            .text(words.subscribe);
        let note = E::new(doc, "p", "note")
            .part("subscribe-note")
            .attr("role", "status");
        let checkboxes = (!components.is_empty()).then(|| {
            components.iter().fold(
                E::new(doc, "fieldset", "choices comps")
                    .child(E::new(doc, "legend", "").text(w.components)),
                |set, (cid, name)| {
                    set.child(
                        E::new(doc, "label", "check")
                            .child(
                                E::new(doc, "input", "")
                                    .attr("type", "checkbox")
                                    .attr("name", "components")
                                    .attr("value", cid),
                            )
                            .text(" ")
                            .text(name),
                    )
                },
            )
        });
        let form = E::new(doc, "form", "sub")
            .attr("novalidate", "")
            .child(
                E::new(doc, "fieldset", "choices")
                    .child(E::new(doc, "legend", "").text(w.by))
                    .child(radio("email", w.email, true))
                    .child(radio("phone", w.sms, false)),
            )
            .child_el(&label.0)
            .child_el(&input.0)
            .child_el(&error.0)
            .child_el(&hint.0)
            .maybe(checkboxes)
            .child(
                E::new(doc, "input", "hp")
                    .attr("type", "text")
                    .attr("name", "website")
                    .attr("tabindex", "-1")
                    .attr("autocomplete", "off")
                    .attr("aria-hidden", "true"),
            )
            .child_el(&submit.0);
        let panel = E::new(doc, "div", "panel")
            .part("subscribe-form")
            .attr("role", "dialog")
            .attr("aria-modal", "false")
            .attr("aria-labelledby", &title_id)
            .child(
                E::new(doc, "div", "panel-head")
                    .child(
                        E::new(doc, "h2", "panel-title")
                            .part("subscribe-title")
                            .attr("id", &title_id)
                            .text(w.title),
                    )
                    .child(dom::close_button(doc, "close", "subscribe-close", w.close)),
            )
            .child_el(&form.0)
            .child_el(&note.0);
        let mut f = Form {
            panel: panel.0,
            words,
            form: form.0.unchecked_into(),
            label: label.0,
            input: input.0.unchecked_into(),
            error: error.0,
            hint: hint.0,
            submit: submit.0,
            note: note.0,
            channel: Channel::Email,
            busy: false,
            answer: None,
        };
        f.set_channel(Channel::Email);
        f.set_busy(false);
        f.show(None);
        f
    }

    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// Email or SMS: the field's label, type, autofill and hint follow; an old outcome goes.
    pub fn set_channel(&mut self, channel: Channel) {
        let w = &self.words.form;
        self.channel = channel;
        let email = channel == Channel::Email;
        dom::set_text(
            &self.label,
            if email { w.email_label } else { w.phone_label },
        );
        let kind = if email { "email" } else { "tel" };
        let _ = self.input.set_attribute("type", kind);
        let _ = self.input.set_attribute("autocomplete", kind);
        dom::set_text(&self.hint, if email { "" } else { w.phone_hint });
        self.show(None);
    }

    /// While a request is out, the button says so and a second submit is ignored.
    pub fn set_busy(&mut self, busy: bool) {
        self.busy = busy;
        let _ = self
            .submit
            .set_attribute("aria-disabled", if busy { "true" } else { "false" });
    }

    pub fn busy(&self) -> bool {
        self.busy
    }

    /// Shows an outcome: a problem with the address next to the field (which is kept), anything
    /// else in the status line; once accepted, the form gives way to the confirmation message.
    pub fn show(&mut self, answer: Option<Answer>) {
        let w = &self.words.form;
        let email = self.channel == Channel::Email;
        let (field, note) = match &answer {
            Some(Answer::Invalid(detail)) => (detail.as_str(), ""),
            Some(Answer::Pending) if email => ("", w.check_email),
            Some(Answer::Pending) => ("", w.check_phone),
            Some(Answer::Refused(detail)) => ("", detail.as_str()),
            Some(Answer::TooMany) => ("", w.too_many),
            Some(Answer::Failed) => ("", w.failed),
            None => ("", ""),
        };
        dom::set_text(&self.error, field);
        let _ = self.input.set_attribute(
            "aria-invalid",
            if field.is_empty() { "false" } else { "true" },
        );
        dom::set_text(&self.note, note);
        self.form.set_hidden(answer == Some(Answer::Pending));
        self.answer = answer;
    }

    pub fn answer(&self) -> Option<&Answer> {
        self.answer.as_ref()
    }

    /// The request body from what was entered, or `None` (and the field marked) when the address
    /// is empty.
    pub fn request(&mut self) -> Option<String> {
        let address = normalize(self.channel, &self.input.value());
        if address.is_empty() {
            self.show(Some(Answer::Invalid(self.words.form.required.to_owned())));
            return None;
        }
        let ticked = self
            .form
            .query_selector_all("[name=components]:checked")
            .map(|list| {
                (0..list.length())
                    .filter_map(|i| list.item(i))
                    .map(|n| n.unchecked_into::<HtmlInputElement>().value())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let website = dom::find(&self.form, "[name=website]")
            .map(|e| e.unchecked_into::<HtmlInputElement>().value())
            .unwrap_or_default();
        Some(request_body(self.channel, &address, &ticked, &website))
    }

    /// Where focus belongs now: the field to fill in or correct, or (once accepted) the close
    /// button.
    pub fn focus_target(&self) -> Option<HtmlElement> {
        if self.answer == Some(Answer::Pending) {
            dom::find(&self.panel, ".close").map(JsCast::unchecked_into)
        } else {
            Some(self.input.clone().unchecked_into())
        }
    }
}
