//! Compose: open an incident (saying when it started, if before now), post an update, resolve,
//! reopen or attach a postmortem. The form holds a `decide::Draft`; the wording lint marks words
//! as they are typed, and the previews show what each channel will carry, rendered by `shared`
//! from the draft applied to a copy of the page.

use herald_shared::lint::{DraftField, Warning};
use herald_shared::model::{ComponentStatus, Impact, State};
use herald_shared::template::human_time;
use herald_shared::wire::{Created, DryRun};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::ctx::{self, Ctx, Screen};
use crate::decide::{self, Draft, FormField, Mode, Preview};
use crate::overview::{parse_status, status_options};

/// Inputs an error can be placed next to (the API's and `shared`'s field names).
const FIELDS: [&str; 9] = [
    "title",
    "impact",
    "components",
    "visibility",
    "status",
    "body",
    "next_update_at",
    "template",
    "started_at",
];

fn impact_value(i: Impact) -> &'static str {
    match i {
        Impact::None => "none",
        Impact::Minor => "minor",
        Impact::Major => "major",
        Impact::Critical => "critical",
    }
}

/// The result of checking the draft locally: its previews, or the field and reason `shared`
/// refuses it for.
pub(crate) type Check = Result<Preview, (Option<String>, String)>;

pub fn compose(ctx: Ctx, mode: Mode) -> impl IntoView {
    let Some(state) = ctx.state.get_untracked() else {
        return view! { <p>"Loading…"</p> }.into_any();
    };
    let links = ctx::sample_links(&state.page.id);
    let draft = RwSignal::new(Draft::new(mode.clone(), &state, ctx::now()));
    let error = RwSignal::new(None::<ApiError>);
    let attempted = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let page = state.page.clone();

    let warnings: Memo<Vec<Warning>> = {
        let page = page.clone();
        Memo::new(move |_| draft.with(|d| d.lint(&page)))
    };
    let check: Memo<Check> = {
        let links = links.clone();
        Memo::new(move |_| {
            let now = ctx::now();
            ctx.state.with(|s| -> Check {
                let s = s.as_ref().ok_or((None, "no page loaded".to_owned()))?;
                draft.with(|d| {
                    decide::preview(s, d, now, &links)
                        .map_err(|e| (e.field().map(str::to_owned), decide::reason(&e)))
                })
            })
        })
    };
    // An error shown next to `field`: the server's answer, or after a first publish attempt, why
    // `shared` refuses the draft.
    let field_error = move |field: &'static str| {
        move || {
            if let Some(e) = error.get() {
                return (api::placed(&e, &FIELDS) == Some(field)).then(|| e.message());
            }
            if !attempted.get() {
                return None;
            }
            check.with(|c| match c {
                Err((Some(f), msg)) if f == field || f.starts_with(&format!("{field}[")) => {
                    Some(msg.clone())
                }
                _ => None,
            })
        }
    };
    let form_error = move || {
        if let Some(e) = error.get() {
            return api::placed(&e, &FIELDS).is_none().then(|| e.message());
        }
        if !attempted.get() {
            return None;
        }
        check.with(|c| match c {
            Err((f, msg)) if f.as_deref().is_none_or(|f| !FIELDS.contains(&f)) => Some(msg.clone()),
            _ => None,
        })
    };

    let submit = {
        let mode = mode.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            attempted.set(true);
            error.set(None);
            if check.with_untracked(Result::is_err) {
                focus_first_error();
                return;
            }
            let Some(client) = ctx.client() else { return };
            let (method, rest, body) = draft.with_untracked(Draft::request);
            let done = match &mode {
                Mode::Open => "Incident published.",
                Mode::Update(_) => "Update published.",
                Mode::Resolve(_) => "Incident resolved.",
                Mode::Reopen(_) => "Incident reopened.",
                Mode::Postmortem(_) => "Postmortem published.",
            };
            busy.set(true);
            spawn_local(async move {
                let r: Result<Created, ApiError> = client.call(method, &rest, Some(&body)).await;
                busy.set(false);
                match r {
                    Ok(created) => {
                        let _ = ctx.refresh().await;
                        ctx.flash.set(Some(decide::done_text(&created, done)));
                        ctx.go(Screen::Overview);
                    }
                    Err(e) => {
                        ctx.check(&e);
                        error.set(Some(e));
                        focus_first_error();
                    }
                }
            });
        }
    };

    // Who the draft will reach, asked of the API (only it knows the subscribers) whenever what
    // decides it changes: components, audience, impact, "notify". An older answer is dropped.
    let reach = RwSignal::new(None::<String>);
    let asked = StoredValue::new(0u32);
    let audience_of = Memo::new(move |_| {
        draft.with(|d| {
            (
                d.components.clone(),
                d.segments.clone(),
                d.impact,
                d.notify,
                d.status,
            )
        })
    });
    Effect::new(move |_| {
        audience_of.track();
        let Some(client) = ctx.client() else { return };
        let (method, rest, body) = draft.with_untracked(Draft::dry_run_request);
        asked.update_value(|n| *n += 1);
        let mine = asked.get_value();
        spawn_local(async move {
            let r: Result<DryRun, ApiError> = client.call(method, &rest, Some(&body)).await;
            if asked.get_value() != mine {
                return;
            }
            reach.set(r.ok().map(|d| decide::reach_text(&d)));
        });
    });

    let incident_title = mode
        .incident()
        .and_then(|id| state.incident(id))
        .map(|i| i.title.clone());
    let shows = {
        let mode = mode.clone();
        move |f: FormField| mode.shows(f)
    };
    let heading = mode.heading();
    let publish_label = mode.publish_label();

    view! {
        <h1 id="screen-title" tabindex="-1">{heading}</h1>
        {incident_title.map(|t| view! { <p class="lede">"Incident: "<strong>{t}</strong></p> })}
        <div class="compose">
            <form id="compose" class="card" on:submit=submit novalidate>
                <p class="form-error" role="alert" id="form-error">{form_error}</p>
                {shows(FormField::Template).then(|| template_picker(ctx, &state, draft, links.clone()))}
                {shows(FormField::Title).then(|| view! {
                    <div class="field">
                        <label for="title">"Title"</label>
                        <input id="title" name="title" autocomplete="off" required
                            aria-describedby="title-error title-lint"
                            aria-invalid=move || field_error("title")().is_some().to_string()
                            prop:value=move || draft.with(|d| d.title.clone())
                            on:input=move |ev| draft.update(|d| d.title = event_target_value(&ev)) />
                        <p class="error" id="title-error">{field_error("title")}</p>
                        {lint_view(move || draft.with(|d| d.title.clone()), warnings, DraftField::Title, "title-lint")}
                    </div>
                })}
                {shows(FormField::Impact).then(|| view! {
                    <div class="field">
                        <label for="impact">"Impact"</label>
                        <select id="impact" aria-describedby="impact-error"
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                if let Some(i) = Impact::ALL.into_iter().find(|i| impact_value(*i) == v) {
                                    let now = ctx::now();
                                    ctx.state.with_untracked(|s| if let Some(s) = s {
                                        draft.update(|d| d.set_impact(i, &s.page, now));
                                    });
                                }
                            }>
                            {Impact::ALL.into_iter().map(|i| view! {
                                <option value=impact_value(i) selected=move || draft.with(|d| d.impact == i)>{i.label()}</option>
                            }).collect_view()}
                        </select>
                        <p class="error" id="impact-error">{field_error("impact")}</p>
                    </div>
                })}
                {shows(FormField::StartedAt).then(|| started_field(ctx, draft, field_error("started_at")))}
                {shows(FormField::Components).then(|| components_field(&state, draft, field_error("components")))}
                {(shows(FormField::Audience) && !state.page.audiences.is_empty()).then(|| audience_field(&state, draft))}
                {shows(FormField::Status).then(|| {
                    let options = decide::statuses(&mode, &state);
                    view! {
                        <div class="field">
                            <label for="status">"Status"</label>
                            <select id="status" aria-describedby="status-error"
                                on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    if let Some(s) = herald_shared::model::IncidentStatus::ALL.into_iter().find(|s| s.label() == v) {
                                        draft.update(|d| d.status = s);
                                    }
                                }>
                                {options.into_iter().map(|s| view! {
                                    <option value=s.label() selected=move || draft.with(|d| d.status == s)>{s.label()}</option>
                                }).collect_view()}
                            </select>
                            <p class="error" id="status-error">{field_error("status")}</p>
                        </div>
                    }
                })}
                {shows(FormField::Body).then(|| view! {
                    <div class="field">
                        <label for="body">{if matches!(mode, Mode::Postmortem(_)) { "Postmortem" } else { "Message" }}</label>
                        <textarea id="body" name="body" rows="6" required
                            aria-describedby="body-error body-lint"
                            aria-invalid=move || field_error("body")().is_some().to_string()
                            prop:value=move || draft.with(|d| d.body.clone())
                            on:input=move |ev| draft.update(|d| d.body = event_target_value(&ev))></textarea>
                        <p class="error" id="body-error">{field_error("body")}</p>
                        {lint_view(move || draft.with(|d| d.body.clone()), warnings, DraftField::Body, "body-lint")}
                    </div>
                })}
                {shows(FormField::NextUpdate).then(|| next_update_field(ctx, draft, field_error("next_update_at")))}
                {shows(FormField::Notify).then(|| view! {
                    <div class="field check">
                        <input type="checkbox" id="notify"
                            prop:checked=move || draft.with(|d| d.notify)
                            on:change=move |ev| draft.update(|d| d.notify = event_target_checked(&ev)) />
                        <label for="notify">"Notify subscribers (email, SMS, webhooks, Slack)"</label>
                    </div>
                })}
                <p class="reach" id="reach" role="status">{move || reach.get()}</p>
                <div class="buttons">
                    <button type="submit" id="publish" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Publishing…" } else { publish_label }}
                    </button>
                    <button type="button" id="cancel" on:click=move |_| ctx.go(Screen::Overview)>"Cancel"</button>
                </div>
            </form>
            {previews(check)}
        </div>
    }
    .into_any()
}

/// Moves focus to the first field marked invalid, or the form's error.
pub fn focus_first_error() {
    request_animation_frame(|| {
        use wasm_bindgen::JsCast;
        let doc = document();
        let target = doc
            .query_selector("form [aria-invalid=true]")
            .ok()
            .flatten()
            .or_else(|| doc.get_element_by_id("form-error"));
        if let Some(el) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    });
}

fn template_picker(
    ctx: Ctx,
    state: &State,
    draft: RwSignal<Draft>,
    links: herald_shared::template::Links,
) -> impl IntoView {
    let templates = state.templates.clone();
    if templates.is_empty() {
        return view! { <p class="hint">"No templates on this page yet."</p> }.into_any();
    }
    let options = templates
        .iter()
        .map(|t| view! { <option value=t.id.clone()>{t.name.clone()}</option> })
        .collect_view();
    view! {
        <div class="field">
            <label for="template">"Start from a template"</label>
            <select id="template" aria-describedby="template-hint"
                on:change=move |ev| {
                    let id = event_target_value(&ev);
                    let Some(t) = templates.iter().find(|t| t.id == id) else { return };
                    let now = ctx::now();
                    ctx.state.with_untracked(|s| if let Some(s) = s {
                        draft.update(|d| d.fill(t, s, &links, now));
                    });
                }>
                <option value="">"No template"</option>
                {options}
            </select>
            <p class="hint" id="template-hint">"Fills the title and message; placeholders take this draft's values."</p>
        </div>
    }
    .into_any()
}

fn components_field(
    state: &State,
    draft: RwSignal<Draft>,
    error: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> impl IntoView {
    let rows = state
        .page
        .components
        .iter()
        .map(|c| {
            let id = c.id.clone();
            let check_id = format!("affects-{id}");
            let select_id = format!("affects-{id}-status");
            let (id1, id2, id3) = (id.clone(), id.clone(), id.clone());
            let status_label = format!("Status of {} during the incident", c.name);
            let on = move || draft.with(|d| d.components.iter().any(|(c, _)| *c == id1));
            let on2 = on.clone();
            let current = move || {
                draft.with(|d| {
                    d.components
                        .iter()
                        .find(|(c, _)| *c == id2)
                        .map(|(_, s)| *s)
                })
            };
            view! {
                <li>
                    <input type="checkbox" id=check_id.clone()
                        prop:checked=on
                        on:change=move |ev| {
                            let checked = event_target_checked(&ev);
                            let id = id3.clone();
                            draft.update(|d| {
                                d.components.retain(|(c, _)| *c != id);
                                if checked {
                                    d.components.push((id, ComponentStatus::for_impact(d.impact)));
                                }
                            });
                        } />
                    <label for=check_id>{c.name.clone()}</label>
                    {move || on2().then(|| {
                        let id = id.clone();
                        let selected = current().unwrap_or_default();
                        view! {
                            <label class="visually-hidden" for=select_id.clone()>{status_label.clone()}</label>
                            <select id=select_id.clone()
                                on:change=move |ev| {
                                    if let Some(s) = parse_status(&event_target_value(&ev)) {
                                        let id = id.clone();
                                        draft.update(|d| {
                                            for (c, st) in d.components.iter_mut() {
                                                if *c == id { *st = s; }
                                            }
                                        });
                                    }
                                }>
                                {status_options(selected)}
                            </select>
                        }
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <fieldset class="field" aria-describedby="components-error">
            <legend>"Affected components"</legend>
            <ul class="choices">{rows}</ul>
            <p class="error" id="components-error">{error}</p>
        </fieldset>
    }
}

fn audience_field(state: &State, draft: RwSignal<Draft>) -> impl IntoView {
    let rows = state
        .page
        .audiences
        .iter()
        .map(|a| {
            let seg = a.segment.clone();
            let (s1, s2) = (seg.clone(), seg.clone());
            let id = format!("segment-{}", seg.replace([':', '*'], "-"));
            let name = if a.name.is_empty() {
                seg.clone()
            } else {
                format!("{} ({seg})", a.name)
            };
            view! {
                <li>
                    <input type="checkbox" id=id.clone()
                        prop:checked=move || draft.with(|d| d.segments.contains(&s1))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let s = s2.clone();
                            draft.update(|d| {
                                d.segments.retain(|x| *x != s);
                                if on { d.segments.push(s); }
                            });
                        } />
                    <label for=id>{name}</label>
                </li>
            }
        })
        .collect_view();
    view! {
        <fieldset class="field" aria-describedby="audience-hint">
            <legend>"Audience"</legend>
            <p class="hint" id="audience-hint">
                {move || if draft.with(|d| d.segments.is_empty()) { "Public: everyone sees it. Choose segments to limit it." } else { "Only viewers in the chosen segments see it." }}
            </p>
            <ul class="choices">{rows}</ul>
        </fieldset>
    }
}

fn next_update_field(
    ctx: Ctx,
    draft: RwSignal<Draft>,
    error: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> impl IntoView {
    let relative = move || {
        let now = ctx.now.get();
        draft.with(|d| match d.next_update_at {
            Some(t) if t > now => format!("in {}", decide::span_text(t - now)),
            Some(_) => "this time has passed".to_owned(),
            None => "no promise: the page's cadence applies".to_owned(),
        })
    };
    view! {
        <div class="field">
            <label for="next-update">"Next update by (UTC)"</label>
            <input id="next-update" type="datetime-local" step="1"
                aria-describedby="next-update-hint next-update-error"
                prop:value=move || draft.with(|d| d.next_update_at.map(decide::to_input).unwrap_or_default())
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    draft.update(|d| d.next_update_at = decide::from_input(&v));
                } />
            <p class="hint" id="next-update-hint">{relative}</p>
            <p class="error" id="next-update-error">{error}</p>
        </div>
    }
}

/// When the problem began, if before now: the scorecard counts the time to the first public word
/// from it. Empty means now (when published); a time still to come is refused.
fn started_field(
    ctx: Ctx,
    draft: RwSignal<Draft>,
    error: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> impl IntoView {
    let said = move || {
        let now = ctx.now.get();
        draft.with(|d| decide::started_text(d.started_at, now))
    };
    view! {
        <div class="field">
            <label for="started-at">"Started at (UTC)"</label>
            <input id="started-at" type="datetime-local" step="1"
                aria-describedby="started-at-hint started-at-error"
                prop:value=move || draft.with(|d| d.started_at.map(decide::to_input).unwrap_or_default())
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    draft.update(|d| d.started_at = decide::from_input(&v));
                } />
            <p class="hint" id="started-at-hint">{said}</p>
            <p class="error" id="started-at-error">{error}</p>
        </div>
    }
}

/// The wording lint under a field: the text with the words it objects to marked, and its messages.
pub fn lint_view(
    text: impl Fn() -> String + Send + Sync + 'static,
    warnings: Memo<Vec<Warning>>,
    field: DraftField,
    id: &'static str,
) -> impl IntoView {
    let content = move || {
        let list: Vec<Warning> =
            warnings.with(|w| w.iter().filter(|w| w.field == field).cloned().collect());
        if list.is_empty() {
            return None;
        }
        let pieces = decide::marked(&text(), &list, field)
            .into_iter()
            .map(|p| match p.mark {
                Some(m) => view! { <mark title=m>{p.text}</mark> }.into_any(),
                None => view! { <span>{p.text}</span> }.into_any(),
            })
            .collect_view();
        let messages = list
            .iter()
            .map(|w| view! { <li data-code=format!("{:?}", w.code)>{w.message.clone()}</li> })
            .collect_view();
        Some(view! {
            <p class="marked" aria-hidden="true">{pieces}</p>
            <ul class="warnings">{messages}</ul>
        })
    };
    view! { <div class="lint" id=id aria-live="polite">{content}</div> }
}

pub(crate) fn previews(check: Memo<Check>) -> impl IntoView {
    let body = move || {
        check.with(|c| match c {
            Ok(p) => {
                let p = p.clone();
                let banner = match &p.banner {
                    Some(b) => view! {
                        <div class="banner-preview" data-impact=format!("{:?}", b.impact).to_lowercase()>
                            <strong>{b.title.clone()}</strong>" "<span class="badge">{b.status.label()}</span>
                            <p>{b.body.clone()}</p>
                            {b.next_update_at.map(|t| view! { <p class="meta">"Next update by "{human_time(t)}</p> })}
                        </div>
                    }
                    .into_any(),
                    None => view! { <p class="empty">"The banner shows nothing for this (it goes away when resolved)."</p> }.into_any(),
                };
                let segments = decide::sms_summary(p.sms_count);
                let notify = if p.notify {
                    "Subscribers of the affected components will be notified."
                } else {
                    "Silent: subscribers will not be notified; the banner and status page still change."
                };
                view! {
                    <p class="hint" id="notify-note">{notify}</p>
                    <div class="previews">
                        <article class="preview" data-channel="banner"><h3>"In-app banner"</h3>{banner}</article>
                        <article class="preview" data-channel="status_page"><h3>"Status page"</h3>
                            <div class="status-entry" inner_html=p.status_page></div></article>
                        <article class="preview" data-channel="email"><h3>"Email"</h3>
                            <p class="subject"><span class="label">"Subject: "</span>{p.email_subject}</p>
                            <pre>{p.email_text}</pre></article>
                        <article class="preview" data-channel="sms"><h3>"SMS"</h3>
                            <pre>{p.sms}</pre>
                            <p class="sms-count" id="sms-count">{segments}</p></article>
                        <article class="preview" data-channel="slack"><h3>"Slack"</h3><pre>{p.slack}</pre></article>
                    </div>
                }
                .into_any()
            }
            Err((_, msg)) => view! {
                <p class="empty">"The previews appear once the draft is complete: "{msg.clone()}</p>
            }
            .into_any(),
        })
    };
    view! {
        <section class="card preview-panel" aria-labelledby="preview-h">
            <h2 id="preview-h">"What each channel will carry"</h2>
            <p class="hint">"Example links; the unsubscribe link is each subscriber's own."</p>
            {body}
        </section>
    }
}
