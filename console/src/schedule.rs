//! Advance notice: schedule maintenance or publish a notice (service, policy or pricing change).
//! The page's lead time is checked as the date is picked (`decide::Advance`, by `shared`'s own
//! `apply`); when it is too late the form asks for the override reason the API records.

use herald_shared::lint::{DraftField, Warning};
use herald_shared::model::NoticeKind;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::compose::{focus_first_error, lint_view};
use crate::ctx::{self, Ctx, Screen};
use crate::decide::{self, Advance};

const FIELDS: [&str; 7] = [
    "title",
    "body",
    "components",
    "scheduled_for",
    "scheduled_until",
    "effective_at",
    "override_reason",
];

fn kind_value(k: NoticeKind) -> &'static str {
    match k {
        NoticeKind::ServiceUpdate => "service_update",
        NoticeKind::PolicyChange => "policy_change",
        NoticeKind::PricingChange => "pricing_change",
        NoticeKind::Other => "other",
    }
}

/// `notice`: a notice form (its kind chosen in the form), else maintenance.
pub fn schedule(ctx: Ctx, notice: bool) -> impl IntoView {
    let Some(state) = ctx.state.get_untracked() else {
        return view! { <p>"Loading…"</p> }.into_any();
    };
    let page = state.page.clone();
    let kind = notice.then_some(NoticeKind::ServiceUpdate);
    let draft = RwSignal::new(Advance::new(kind, &page, ctx::now()));
    let error = RwSignal::new(None::<ApiError>);
    let attempted = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let warnings: Memo<Vec<Warning>> = {
        let page = page.clone();
        Memo::new(move |_| draft.with(|d| d.lint(&page)))
    };
    let check: Memo<Result<(), (Option<String>, String)>> = Memo::new(move |_| {
        let now = ctx::now();
        ctx.state.with(|s| match s {
            Some(s) => draft.with(|d| {
                d.check(s, now)
                    .map_err(|e| (e.field().map(str::to_owned), decide::reason(&e)))
            }),
            None => Err((None, "no page loaded".into())),
        })
    });
    // Who it will reach and whether it waits for review, asked of the API whenever what decides
    // it changes; an older answer is dropped.
    let reach = RwSignal::new(None::<String>);
    let asked = StoredValue::new(0u32);
    let audience_of = Memo::new(move |_| {
        draft.with(|d| (d.components.clone(), d.notify, d.kind, d.at.is_some()))
    });
    Effect::new(move |_| {
        audience_of.track();
        let Some(client) = ctx.client() else { return };
        let Some((path, body)) = draft.with_untracked(Advance::dry_run_request) else {
            reach.set(None);
            return;
        };
        asked.update_value(|n| *n += 1);
        let mine = asked.get_value();
        spawn_local(async move {
            let r: Result<herald_shared::wire::DryRun, ApiError> =
                client.call("POST", &path, Some(&body)).await;
            if asked.get_value() == mine {
                reach.set(r.ok().map(|d| decide::reach_text(&d)));
            }
        });
    });
    let lead = {
        let page = page.clone();
        move || {
            let now = ctx.now.get();
            draft.with(|d| d.lead(&page, now))
        }
    };
    let lead2 = lead.clone();
    // Only a change between "in time" and "too late" shows or hides the reason field.
    let late = {
        let lead = lead.clone();
        Memo::new(move |_| lead().is_some_and(|l| l.too_late()))
    };
    let field_error = move |field: &'static str| {
        move || {
            if let Some(e) = error.get() {
                return (api::placed(&e, &FIELDS) == Some(field)).then(|| e.message());
            }
            if !attempted.get() {
                return None;
            }
            check.with(|c| match c {
                Err((Some(f), msg)) if f == field => Some(msg.clone()),
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
    let submit = move |ev: leptos::ev::SubmitEvent| {
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
        let Some((path, body)) = draft.with_untracked(Advance::request) else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let r: Result<herald_shared::wire::Created, ApiError> =
                client.call("POST", path, Some(&body)).await;
            busy.set(false);
            match r {
                Ok(created) => {
                    let _ = ctx.refresh().await;
                    let done = if notice {
                        "Notice published."
                    } else {
                        "Maintenance scheduled."
                    };
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
    };
    let (heading, at_label, at_field, publish) = if notice {
        (
            "Publish a notice",
            "Takes effect (UTC)",
            "effective_at",
            "Publish notice",
        )
    } else {
        (
            "Schedule maintenance",
            "Starts (UTC)",
            "scheduled_for",
            "Schedule maintenance",
        )
    };
    let components = page
        .components
        .iter()
        .map(|c| {
            let id = c.id.clone();
            let input_id = format!("touches-{id}");
            let (a, b) = (id.clone(), id);
            view! {
                <li>
                    <input type="checkbox" id=input_id.clone()
                        prop:checked=move || draft.with(|d| d.components.contains(&a))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let id = b.clone();
                            draft.update(|d| {
                                d.components.retain(|c| *c != id);
                                if on { d.components.push(id); }
                            });
                        } />
                    <label for=input_id>{c.name.clone()}</label>
                </li>
            }
        })
        .collect_view();
    view! {
        <h1 id="screen-title" tabindex="-1">{heading}</h1>
        <form id="schedule" class="card narrow" on:submit=submit novalidate>
            <p class="form-error" role="alert" id="form-error">{form_error}</p>
            {notice.then(|| view! {
                <div class="field">
                    <label for="kind">"Kind"</label>
                    <select id="kind" aria-describedby="kind-hint"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if let Some(k) = NoticeKind::ALL.into_iter().find(|k| kind_value(*k) == v) {
                                draft.update(|d| d.kind = Some(k));
                            }
                        }>
                        {NoticeKind::ALL.into_iter().map(|k| view! {
                            <option value=kind_value(k)>{k.label()}</option>
                        }).collect_view()}
                    </select>
                    <p class="hint" id="kind-hint">"Each kind has its own lead time in the page's policy."</p>
                </div>
            })}
            <div class="field">
                <label for="title">"Title"</label>
                <input id="title" autocomplete="off" required
                    aria-describedby="title-error title-lint"
                    aria-invalid=move || field_error("title")().is_some().to_string()
                    prop:value=move || draft.with(|d| d.title.clone())
                    on:input=move |ev| draft.update(|d| d.title = event_target_value(&ev)) />
                <p class="error" id="title-error">{field_error("title")}</p>
                {lint_view(move || draft.with(|d| d.title.clone()), warnings, DraftField::Title, "title-lint")}
            </div>
            <div class="field">
                <label for="body">"Message"</label>
                <textarea id="body" rows="5" required
                    aria-describedby="body-error body-lint"
                    aria-invalid=move || field_error("body")().is_some().to_string()
                    prop:value=move || draft.with(|d| d.body.clone())
                    on:input=move |ev| draft.update(|d| d.body = event_target_value(&ev))></textarea>
                <p class="error" id="body-error">{field_error("body")}</p>
                {lint_view(move || draft.with(|d| d.body.clone()), warnings, DraftField::Body, "body-lint")}
            </div>
            <fieldset class="field">
                <legend>{if notice { "Components concerned" } else { "Components under maintenance" }}</legend>
                <ul class="choices">{components}</ul>
                <p class="error" id="components-error">{field_error("components")}</p>
            </fieldset>
            <div class="field">
                <label for="at">{at_label}</label>
                <input id="at" type="datetime-local" step="1"
                    aria-describedby="lead at-error"
                    aria-invalid=move || field_error(at_field)().is_some().to_string()
                    prop:value=move || draft.with(|d| d.at.map(decide::to_input).unwrap_or_default())
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        draft.update(|d| {
                            let before = d.at;
                            d.at = decide::from_input(&v);
                            // The window keeps its length when its start moves.
                            if let (Some(b), Some(a), Some(u)) = (before, d.at, d.until) {
                                d.until = Some(u + (a - b));
                            }
                        });
                    } />
                <p class="lead" id="lead" aria-live="polite"
                    data-too-late=move || lead().is_some_and(|l| l.too_late()).to_string()>
                    {move || lead2().map(|l| l.text())}
                </p>
                <p class="error" id="at-error">{field_error(at_field)}</p>
            </div>
            {(!notice).then(|| view! {
                <div class="field">
                    <label for="until">"Ends (UTC)"</label>
                    <input id="until" type="datetime-local" step="1"
                        aria-describedby="until-error"
                        aria-invalid=move || field_error("scheduled_until")().is_some().to_string()
                        prop:value=move || draft.with(|d| d.until.map(decide::to_input).unwrap_or_default())
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            draft.update(|d| d.until = decide::from_input(&v));
                        } />
                    <p class="error" id="until-error">{field_error("scheduled_until")}</p>
                </div>
            })}
            {move || {
                late.get().then(|| view! {
                    <div class="field">
                        <label for="override-reason">"Reason for publishing with less notice"</label>
                        <input id="override-reason" autocomplete="off"
                            aria-describedby="override-reason-hint override-reason-error"
                            aria-invalid=move || field_error("override_reason")().is_some().to_string()
                            prop:value=move || draft.with(|d| d.override_reason.clone())
                            on:input=move |ev| draft.update(|d| d.override_reason = event_target_value(&ev)) />
                        <p class="hint" id="override-reason-hint">"Recorded in the audit log with this change."</p>
                        <p class="error" id="override-reason-error">{field_error("override_reason")}</p>
                    </div>
                })
            }}
            {notice.then(|| view! {
                <div class="field check">
                    <input type="checkbox" id="requires-ack"
                        prop:checked=move || draft.with(|d| d.requires_ack)
                        on:change=move |ev| draft.update(|d| d.requires_ack = event_target_checked(&ev)) />
                    <label for="requires-ack">"Requires acknowledgement (each message carries a receipt link)"</label>
                </div>
            })}
            <div class="field check">
                <input type="checkbox" id="notify"
                    prop:checked=move || draft.with(|d| d.notify)
                    on:change=move |ev| draft.update(|d| d.notify = event_target_checked(&ev)) />
                <label for="notify">"Notify subscribers"</label>
            </div>
            <p class="reach" id="reach" role="status">{move || reach.get()}</p>
            <div class="buttons">
                <button type="submit" id="publish" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Publishing…" } else { publish }}
                </button>
                <button type="button" id="cancel" on:click=move |_| ctx.go(Screen::Overview)>"Cancel"</button>
            </div>
        </form>
    }
    .into_any()
}
