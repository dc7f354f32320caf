//! Keys and roles (admin): the page's API keys listed, never their secrets; a new key created
//! with a role and shown once; a key revoked after a second click; the widget secret rotated,
//! shown once, with an example of signing an audience token on the customer's backend.

use herald_shared::wire::{ApiKeyInfo, CreateKeyRequest, CreatedKey, Revoked, Role, WidgetSecret};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::compose::focus_first_error;
use crate::ctx::Ctx;
use crate::decide;

/// A secret shown once: read-only, selected on focus, with a copy button.
fn shown_once(id: &'static str, label: &'static str, value: String) -> impl IntoView {
    let copy_value = value.clone();
    let copied = RwSignal::new(false);
    view! {
        <div class="field once" role="status">
            <label for=id>{label}</label>
            <input id=id readonly value=value class="mono"
                on:focus=move |ev| {
                    use wasm_bindgen::JsCast;
                    if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                        input.select();
                    }
                } />
            <button type="button" class="action copy" on:click=move |_| {
                if let Some(w) = web_sys::window() {
                    let _ = w.navigator().clipboard().write_text(&copy_value);
                    copied.set(true);
                }
            }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            <p class="hint">"Shown this once: Herald keeps only a hash. Store it in your secret manager now."</p>
        </div>
    }
}

pub fn keys(ctx: Ctx) -> impl IntoView {
    let list = RwSignal::new(None::<Result<Vec<ApiKeyInfo>, ApiError>>);
    let load = move || {
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            let r = client.call("GET", "keys", None::<&()>).await;
            if let Err(e) = &r {
                ctx.check(e);
            }
            list.set(Some(r));
        });
    };
    load();
    let me = ctx.me();

    // A new key.
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer);
    let error = RwSignal::new(None::<ApiError>);
    let created = RwSignal::new(None::<CreatedKey>);
    let busy = RwSignal::new(false);
    let name_error = move || {
        error
            .get()
            .filter(|e| api::placed(e, &["name", "role"]).is_some())
            .map(|e| e.message())
    };
    let form_error = move || {
        error
            .get()
            .filter(|e| api::placed(e, &["name", "role"]).is_none())
            .map(|e| e.message())
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(client) = ctx.client() else { return };
        let body = CreateKeyRequest {
            name: name.get_untracked().trim().to_owned(),
            role: role.get_untracked(),
        };
        error.set(None);
        created.set(None);
        busy.set(true);
        spawn_local(async move {
            let r: Result<CreatedKey, ApiError> = client.call("POST", "keys", Some(&body)).await;
            busy.set(false);
            match r {
                Ok(k) => {
                    name.set(String::new());
                    created.set(Some(k));
                    load();
                }
                Err(e) => {
                    ctx.check(&e);
                    error.set(Some(e));
                    focus_first_error();
                }
            }
        });
    };

    // Revoking asks twice: the first click arms the row's button.
    let armed = RwSignal::new(None::<String>);
    let revoke = move |id: String| {
        if !crate::ctx::second_click(armed, &id) {
            return;
        }
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            let r: Result<Revoked, ApiError> = client
                .call("DELETE", &format!("keys/{id}"), None::<&()>)
                .await;
            let note = match r {
                Ok(_) => format!("Key {id} revoked: it no longer signs in."),
                Err(e) => {
                    ctx.check(&e);
                    e.message()
                }
            };
            ctx.flash.set(Some(note));
            load();
        });
    };

    // The widget secret.
    let rotate_armed = RwSignal::new(false);
    let secret = RwSignal::new(None::<String>);
    let rotate = move |_| {
        if !rotate_armed.get_untracked() {
            rotate_armed.set(true);
            return;
        }
        rotate_armed.set(false);
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            let r: Result<WidgetSecret, ApiError> =
                client.call("POST", "widget-secret", None::<&()>).await;
            match r {
                Ok(s) => secret.set(Some(s.secret)),
                Err(e) => {
                    ctx.check(&e);
                    ctx.flash.set(Some(e.message()));
                }
            }
        });
    };
    let page = ctx
        .state
        .with_untracked(|s| s.as_ref().map(|s| s.page.id.clone()))
        .unwrap_or_default();
    let example = decide::token_example(&page);

    let rows = move || {
        match list.get() {
        None => view! { <p role="status">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
        Some(Ok(keys)) if keys.is_empty() => {
            view! { <p class="empty">"No page key yet: only the deployment's admin key signs in."</p> }
                .into_any()
        }
        Some(Ok(keys)) => {
            let rows = keys
                .into_iter()
                .map(|k| {
                    let id = k.id.clone();
                    // The audit's name for a page key is `key:<id>`.
                    let yours = me.strip_prefix("key:") == Some(k.id.as_str());
                    let state = match k.revoked_at {
                        Some(at) => format!("Revoked {}", decide::utc_text(at)),
                        None if yours => "Active (the key you signed in with)".to_owned(),
                        None => "Active".to_owned(),
                    };
                    let action = (k.revoked_at.is_none() && !yours).then(|| {
                        let armed_id = id.clone();
                        let click_id = id.clone();
                        let label = format!("Revoke {}", k.name);
                        view! {
                            <button type="button" class="action revoke" aria-label=label
                                on:click=move |_| revoke(click_id.clone())>
                                {move || if armed.get().as_deref() == Some(armed_id.as_str()) {
                                    "Confirm: revoke"
                                } else {
                                    "Revoke"
                                }}
                            </button>
                        }
                    });
                    view! {
                        <tr data-key=k.id.clone()>
                            <th scope="row">{k.name.clone()}</th>
                            <td class="mono">{k.id.clone()}</td>
                            <td>{k.role.as_str()}</td>
                            <td>{decide::utc_text(k.created_at)}</td>
                            <td>{state}</td>
                            <td>{action}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table id="keys">
                    <caption class="visually-hidden">"API keys"</caption>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Id"</th><th scope="col">"Role"</th><th scope="col">"Created"</th><th scope="col">"State"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    }
    };
    let roles = Role::ALL
        .into_iter()
        .map(|r| view! { <option value=r.as_str() selected=move || role.get() == r>{r.as_str()}</option> })
        .collect_view();
    let role_help = Role::ALL
        .into_iter()
        .map(|r| view! { <li>{decide::role_text(r)}</li> })
        .collect_view();

    view! {
        <h1 id="screen-title" tabindex="-1">"Keys and roles"</h1>
        <p class="lede">"Who can sign in to this page and what each key may do. A key is shown once, when it is made; revoke one the moment it may have leaked."</p>
        <section aria-labelledby="keys-h" class="card">
            <h2 id="keys-h">"API keys"</h2>
            {rows}
        </section>
        <section aria-labelledby="new-key-h" class="card">
            <h2 id="new-key-h">"New key"</h2>
            <form id="new-key" on:submit=create novalidate>
                <div class="field">
                    <label for="key-name">"Name"</label>
                    <input id="key-name" autocomplete="off" aria-describedby="key-name-error"
                        placeholder="On-call responder, CI, status bot"
                        aria-invalid=move || name_error().is_some().to_string()
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                    <p class="error" id="key-name-error">{name_error}</p>
                </div>
                <div class="field">
                    <label for="key-role">"Role"</label>
                    <select id="key-role" on:change=move |ev| {
                        if let Some(r) = Role::from_name(&event_target_value(&ev)) {
                            role.set(r);
                        }
                    }>{roles}</select>
                    <ul class="hint roles">{role_help}</ul>
                </div>
                <p class="form-error" role="alert">{form_error}</p>
                <button type="submit" id="create-key" disabled=move || busy.get()>"Create key"</button>
            </form>
            {move || created.get().map(|k| shown_once("new-key-value", "The new key", k.key))}
        </section>
        <section aria-labelledby="widget-secret-h" class="card">
            <h2 id="widget-secret-h">"Widget secret"</h2>
            <p>"Your backend signs audience tokens with this secret, so the widget shows your customers the incidents limited to their segments. Rotating it makes every token signed with the old one invalid at once."</p>
            <button type="button" id="rotate-secret" on:click=rotate>
                {move || if rotate_armed.get() { "Confirm: rotate the widget secret" } else { "Rotate the widget secret" }}
            </button>
            {move || secret.get().map(|s| shown_once("widget-secret-value", "The new widget secret", s))}
            <h3>"Signing an audience token"</h3>
            <pre id="token-example" class="mono">{example}</pre>
        </section>
    }
}
