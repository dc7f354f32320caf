//! Templates: the page's saved drafts listed, one edited at a time with its placeholders checked as
//! the server checks them and a live preview of every channel for an incident opened from it
//! (`decide::TemplateDraft`).

use herald_shared::model::Impact;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::compose::{focus_first_error, previews, Check};
use crate::ctx::{self, Ctx};
use crate::decide::{self, TemplateDraft};

const FIELDS: [&str; 4] = ["id", "name", "title", "body"];

fn impact_value(i: Option<Impact>) -> &'static str {
    match i {
        None => "",
        Some(Impact::None) => "none",
        Some(Impact::Minor) => "minor",
        Some(Impact::Major) => "major",
        Some(Impact::Critical) => "critical",
    }
}

pub fn templates(ctx: Ctx) -> impl IntoView {
    let Some(state) = ctx.state.get_untracked() else {
        return view! { <p>"Loading…"</p> }.into_any();
    };
    let links = ctx::sample_links(&state.page.id);
    let draft = RwSignal::new(TemplateDraft::new());
    // Whether the draft is a saved template (its id is then fixed).
    let editing = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let check: Memo<Check> = Memo::new(move |_| {
        let now = ctx::now();
        ctx.state.with(|s| -> Check {
            let s = s.as_ref().ok_or((None, "no page loaded".to_owned()))?;
            draft.with(|d| {
                d.preview(s, now, &links)
                    .map_err(|e| (e.field().map(str::to_owned), decide::reason(&e)))
            })
        })
    });
    // Placeholders are checked as they are typed; the server's answer replaces that once sent.
    let field_error = move |field: &'static str| {
        move || {
            if let Some(e) = error.get() {
                return (api::placed(&e, &FIELDS) == Some(field)).then(|| e.message());
            }
            let typed = draft.with(|d| match field {
                "id" => !d.id.is_empty(),
                "name" => !d.name.is_empty(),
                "title" => !d.title.is_empty(),
                _ => !d.body.is_empty(),
            });
            check.with(|c| match c {
                Err((Some(f), msg)) if f == field && typed => Some(msg.clone()),
                _ => None,
            })
        }
    };
    let form_error = move || {
        error
            .get()
            .filter(|e| api::placed(e, &FIELDS).is_none())
            .map(|e| e.message())
    };
    let list = move || {
        let items = ctx
            .state
            .with(|s| s.as_ref().map(|s| s.templates.clone()).unwrap_or_default());
        if items.is_empty() {
            return view! { <p class="empty">"No templates yet."</p> }.into_any();
        }
        let items = items
            .into_iter()
            .map(|t| {
                let label = format!("Edit {}", t.name);
                let name = t.name.clone();
                let title = t.title.clone();
                let id = t.id.clone();
                view! {
                    <li class="template" data-id=id>
                        <strong>{name}</strong>" — "<span class="hint">{title}</span>
                        <button type="button" class="action edit" aria-label=label
                            on:click=move |_| {
                                error.set(None);
                                editing.set(true);
                                draft.set(TemplateDraft::of(&t));
                            }>"Edit"</button>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="plain">{items}</ul> }.into_any()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        if check.with_untracked(Result::is_err) {
            focus_first_error();
            return;
        }
        let Some(client) = ctx.client() else { return };
        let (id, body) = draft.with_untracked(|d| (d.id.trim().to_owned(), d.request()));
        busy.set(true);
        spawn_local(async move {
            let r: Result<herald_shared::wire::Created, ApiError> = client
                .call("PUT", &format!("templates/{id}"), Some(&body))
                .await;
            busy.set(false);
            match r {
                Ok(_) => {
                    let _ = ctx.refresh().await;
                    editing.set(true);
                    ctx.flash.set(Some("Template saved.".into()));
                }
                Err(e) => {
                    ctx.check(&e);
                    error.set(Some(e));
                    focus_first_error();
                }
            }
        });
    };
    let text_field = move |id: &'static str,
                           label: &'static str,
                           get: fn(&TemplateDraft) -> String,
                           set: fn(&mut TemplateDraft, String)| {
        let error_id = format!("t-{id}-error");
        view! {
            <div class="field">
                <label for=format!("t-{id}")>{label}</label>
                <input id=format!("t-{id}") autocomplete="off" aria-describedby=error_id.clone()
                    aria-invalid=move || field_error(id)().is_some().to_string()
                    prop:value=move || draft.with(get)
                    on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev))) />
                <p class="error" id=error_id>{field_error(id)}</p>
            </div>
        }
    };
    let placeholders = herald_shared::placeholder::PLACEHOLDERS
        .iter()
        .map(|p| format!("{{{{{p}}}}}"))
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <h1 id="screen-title" tabindex="-1">"Templates"</h1>
        <p class="lede">"Saved drafts for recurring situations; pick one when opening an incident."</p>
        <section class="card" aria-labelledby="templates-h">
            <h2 id="templates-h">"Saved templates"</h2>
            {list}
            <button type="button" id="new-template" on:click=move |_| {
                error.set(None);
                editing.set(false);
                draft.set(TemplateDraft::new());
            }>"New template"</button>
        </section>
        <div class="compose">
            <form id="template-form" class="card" on:submit=submit novalidate>
                <p class="form-error" role="alert" id="form-error">{form_error}</p>
                <Show when=move || !editing.get()>
                    {text_field("id", "Id (a-z, 0-9, -)", |d| d.id.clone(), |d, v| d.id = v)}
                </Show>
                {text_field("name", "Name", |d| d.name.clone(), |d, v| d.name = v)}
                <div class="field">
                    <label for="t-impact">"Impact it sets"</label>
                    <select id="t-impact" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        let i = Impact::ALL.into_iter().find(|i| impact_value(Some(*i)) == v);
                        draft.update(|d| d.impact = i);
                    }>
                        <option value="" selected=move || draft.with(|d| d.impact.is_none())>"Keep the draft's"</option>
                        {Impact::ALL.into_iter().map(|i| view! {
                            <option value=impact_value(Some(i)) selected=move || draft.with(|d| d.impact == Some(i))>{i.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                {text_field("title", "Title", |d| d.title.clone(), |d, v| d.title = v)}
                <div class="field">
                    <label for="t-body">"Message"</label>
                    <textarea id="t-body" rows="6" aria-describedby="t-body-error t-placeholders"
                        aria-invalid=move || field_error("body")().is_some().to_string()
                        prop:value=move || draft.with(|d| d.body.clone())
                        on:input=move |ev| draft.update(|d| d.body = event_target_value(&ev))></textarea>
                    <p class="error" id="t-body-error">{field_error("body")}</p>
                    <p class="hint" id="t-placeholders">"Placeholders: "{placeholders}</p>
                </div>
                <div class="buttons">
                    <button type="submit" id="save-template" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Saving…" } else { "Save template" }}
                    </button>
                </div>
            </form>
            {previews(check)}
        </div>
    }
    .into_any()
}
