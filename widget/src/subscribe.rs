//! The subscribe form in the widget's shadow root: email or SMS, optional components, a honeypot,
//! posted as JSON to `POST {endpoint}/v1/pages/{page}/subscriptions`. What an answer means is
//! decided by the pure `read_answer`; the view only shows it.

use std::sync::atomic::{AtomicU32, Ordering};

use leptos::ev::{Event, KeyboardEvent, SubmitEvent};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, HtmlElement, HtmlInputElement, RequestCredentials, RequestInit, Response};

use crate::i18n::{self, Words};
use crate::warn;

/// How the subscriber wants to hear from the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Phone,
}

impl Channel {
    /// The request field that carries the address (also the problem's `field` that blames it).
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
async fn post(url: String, body: String) -> Answer {
    let sent = async {
        let err = |e: JsValue| e.as_string().unwrap_or_else(|| format!("{e:?}"));
        let window = web_sys::window().ok_or("no window")?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_credentials(RequestCredentials::Omit);
        init.set_body(&JsValue::from_str(&body));
        let headers = web_sys::Headers::new().map_err(err)?;
        headers
            .set("content-type", "application/json")
            .map_err(err)?;
        init.set_headers(&headers);
        let resp: Response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
            .await
            .map_err(err)?
            .unchecked_into();
        let ctype = resp
            .headers()
            .get("content-type")
            .ok()
            .flatten()
            .unwrap_or_default();
        let text = JsFuture::from(resp.text().map_err(err)?)
            .await
            .map_err(err)?
            .as_string()
            .unwrap_or_default();
        Ok::<_, String>(read_answer(resp.status(), &ctype, &text))
    };
    sent.await.unwrap_or_else(|e| {
        warn(&format!("subscription request failed: {e}"));
        Answer::Failed
    })
}

/// A prefix that keeps element ids unique when more than one form is on a document.
fn next_id() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("herald-sub{}", N.fetch_add(1, Ordering::Relaxed))
}

/// The subscribe panel: a non-modal dialog that closes on Escape or its close button (whoever
/// opens it moves focus into it: `focus_address`). `components` (id, name) become optional
/// checkboxes; none ticked means every component. `answer` holds the latest outcome (a test may
/// hand one in). The inputs keep their own values, read once on submit, so that typing costs
/// no signal updates.
#[component]
pub fn SubscribeForm(
    /// Where to post: the page's subscriptions URL.
    #[prop(into)]
    action: String,
    #[prop(optional)] components: Vec<(String, String)>,
    #[prop(optional)] words: Option<&'static Words>,
    #[prop(optional)] answer: Option<RwSignal<Option<Answer>>>,
    on_close: Callback<()>,
) -> impl IntoView {
    let words = words.unwrap_or(&i18n::LOCALES[0]);
    let w = &words.form;
    let answer = answer.unwrap_or_else(|| RwSignal::new(None));
    let channel = RwSignal::new(Channel::Email);
    let busy = RwSignal::new(false);
    let id = next_id();
    let (title_id, input_id, hint_id, error_id) = (
        format!("{id}-title"),
        format!("{id}-address"),
        format!("{id}-hint"),
        format!("{id}-error"),
    );
    let email = move || channel.get() == Channel::Email;
    let invalid = move || answer.with(|a| matches!(a, Some(Answer::Invalid(_))));
    let field_error = move || match answer.get() {
        Some(Answer::Invalid(detail)) => detail,
        _ => String::new(),
    };
    let note = move || match answer.get() {
        Some(Answer::Pending) if email() => w.check_email.to_owned(),
        Some(Answer::Pending) => w.check_phone.to_owned(),
        Some(Answer::Refused(detail)) => detail,
        Some(Answer::TooMany) => w.too_many.to_owned(),
        Some(Answer::Failed) => w.failed.to_owned(),
        Some(Answer::Invalid(_)) | None => String::new(),
    };
    // One listener for every radio and checkbox: only the channel is state; ticked components
    // are read on submit.
    let on_change = move |ev: Event| {
        let target: HtmlInputElement = event_target(&ev);
        if target.name() == "channel" {
            channel.set(if target.value() == "phone" {
                Channel::Phone
            } else {
                Channel::Email
            });
            answer.set(None);
        }
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let form: HtmlElement = event_target(&ev);
        let how = channel.get_untracked();
        let value = normalize(how, &input_value(&form, ".address"));
        if value.is_empty() {
            answer.set(Some(Answer::Invalid(w.required.to_owned())));
            focus(&form, ".address");
            return;
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
        let body = request_body(how, &value, &ticked, &input_value(&form, "[name=website]"));
        busy.set(true);
        let url = action.clone();
        leptos::task::spawn_local(async move {
            let got = post(url, body).await;
            busy.set(false);
            // Keep focus where the person can act: on the field to correct, or (once the form
            // is replaced by the confirmation) on the close button.
            match got {
                Answer::Invalid(_) => focus(&form, ".address"),
                Answer::Pending => {
                    if let Some(panel) = form.parent_element() {
                        focus(&panel, ".close");
                    }
                }
                _ => {}
            }
            answer.set(Some(got));
        });
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.stop_propagation();
            on_close.run(());
        }
    };
    let checkboxes = (!components.is_empty()).then(|| {
        view! {
            <fieldset class="choices comps">
                <legend>{w.components}</legend>
                {components
                    .into_iter()
                    .map(|(cid, name)| {
                        view! {
                            <label class="check">
                                <input type="checkbox" name="components" value=cid />
                                " " {name}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
        }
    });
    view! {
        <div class="panel" part="subscribe-form" role="dialog" aria-modal="false"
            aria-labelledby=title_id on:keydown=on_keydown>
            <div class="panel-head">
                <h2 class="panel-title" part="subscribe-title" id=title_id.clone()>{w.title}</h2>
                <button class="close" part="subscribe-close" type="button"
                    aria-label=w.close title=w.close on:click=move |_| on_close.run(())>
                    "×"
                </button>
            </div>
            <form class="sub" novalidate on:submit=on_submit on:change=on_change
                hidden=move || answer.with(|a| matches!(a, Some(Answer::Pending)))>
                <fieldset class="choices">
                    <legend>{w.by}</legend>
                    <label class="check">
                        <input type="radio" name="channel" value="email" checked />
                        " " {w.email}
                    </label>
                    <label class="check">
                        <input type="radio" name="channel" value="phone" />
                        " " {w.sms}
                    </label>
                </fieldset>
                <label class="field-label" for=input_id.clone()>
                    {move || if email() { w.email_label } else { w.phone_label }}
                </label>
                <input class="address" part="subscribe-input" id=input_id name="address"
                    type=move || if email() { "email" } else { "tel" }
                    autocomplete=move || if email() { "email" } else { "tel" }
                    required
                    aria-invalid=move || invalid().to_string()
                    aria-describedby=format!("{error_id} {hint_id}") />
                <p class="error" part="subscribe-error" id=error_id>{field_error}</p>
                <p class="hint" id=hint_id>{move || (!email()).then_some(w.phone_hint)}</p>
                {checkboxes}
                <input class="hp" type="text" name="website" tabindex="-1" autocomplete="off"
                    aria-hidden="true" />
                <button class="submit" part="subscribe-submit" type="submit"
                    aria-disabled=move || busy.get().to_string()>
                    {words.subscribe}
                </button>
            </form>
            <p class="note" part="subscribe-note" role="status">{note}</p>
        </div>
    }
}

/// The value of the input matching `selector` in `within` (empty when there is none).
fn input_value(within: &Element, selector: &str) -> String {
    within
        .query_selector(selector)
        .ok()
        .flatten()
        .map(|e| e.unchecked_into::<HtmlInputElement>().value())
        .unwrap_or_default()
}

fn focus(within: &Element, selector: &str) {
    if let Some(el) = within.query_selector(selector).ok().flatten() {
        let _ = el.unchecked_into::<HtmlElement>().focus();
    }
}

/// Moves focus to the address field of the form in `root` (once it is rendered).
pub fn focus_address(root: &Element) {
    focus(root, ".address");
}
