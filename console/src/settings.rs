//! Page settings (admin): name, URL, time zone, locales; components and groups added, renamed,
//! moved and removed; audiences; the policy (cadences, lead times, reminders, responders,
//! escalation, subscribe origins, review); branding. The form is a `decide::settings::SettingsForm`;
//! saving sends it with `If-Match` of the version it was read at, so a concurrent change is
//! refused (412), never overwritten, and the API's problem is shown next to the field it names.

use herald_shared::model::Audience;
use herald_shared::wire::Created;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::compose::focus_first_error;
use crate::ctx::Ctx;
use crate::decide::settings::{
    self as form_rules, error_id, input_id, shift, SettingsForm, MINUTES,
};

/// Moves focus to `selector` once the list has been drawn again.
fn refocus(selector: String) {
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .query_selector(&selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

pub fn settings(ctx: Ctx) -> impl IntoView {
    let Some(state) = ctx.state.get_untracked() else {
        return view! { <p role="status">"Loading…"</p> }.into_any();
    };
    let form = RwSignal::new(SettingsForm::of(&state.page));
    // The version the form was read at: a save is refused if the page has moved on since.
    let base = RwSignal::new(ctx.etag.get_untracked().unwrap_or_default());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let fields = form_rules::fields();

    let placed = {
        let fields = fields.clone();
        move |e: &ApiError| api::placed(e, &fields)
    };
    let error_at = {
        let placed = placed.clone();
        move |field: &'static str| {
            let placed = placed.clone();
            move || {
                error
                    .get()
                    .filter(|e| placed(e) == Some(field))
                    .map(|e| e.message())
            }
        }
    };
    let form_error = {
        let placed = placed.clone();
        move || {
            error
                .get()
                .filter(|e| placed(e).is_none())
                .map(|e| e.message())
        }
    };
    // Someone saved (or published) since the form was read: saving now would be refused.
    let stale = move || ctx.etag.get().is_some_and(|t| t != base.get());
    let reload = move |_| {
        spawn_local(async move {
            let _ = ctx.refresh().await;
            if let Some(s) = ctx.state.get_untracked() {
                form.set(SettingsForm::of(&s.page));
                base.set(ctx.etag.get_untracked().unwrap_or_default());
                error.set(None);
            }
        });
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        // An earlier "Settings saved." says nothing about this attempt.
        ctx.flash.set(None);
        let body = match form.with_untracked(SettingsForm::settings) {
            Ok(b) => b,
            Err((field, detail)) => {
                error.set(Some(ApiError::Invalid {
                    field: Some(field.to_owned()),
                    detail,
                }));
                focus_first_error();
                return;
            }
        };
        let Some(client) = ctx.client() else { return };
        let tag = base.get_untracked();
        busy.set(true);
        spawn_local(async move {
            let r: Result<Created, ApiError> = client.call_if_match("PUT", "", &body, &tag).await;
            busy.set(false);
            match r {
                Ok(_) => {
                    let _ = ctx.refresh().await;
                    if let Some(s) = ctx.state.get_untracked() {
                        form.set(SettingsForm::of(&s.page));
                        base.set(ctx.etag.get_untracked().unwrap_or_default());
                    }
                    ctx.flash.set(Some("Settings saved.".into()));
                }
                Err(e) => {
                    ctx.check(&e);
                    let stale_version = matches!(e, ApiError::Conflict(_));
                    error.set(Some(e));
                    focus_first_error();
                    if stale_version {
                        // Read the page now, so the form offers to read it again at once.
                        let _ = ctx.refresh().await;
                    }
                }
            }
        });
    };

    // A field bound to one string of the form: one line, or several (a list, one entry per line).
    let field = {
        let error_at = error_at.clone();
        move |field: &'static str,
              label: &'static str,
              hint: &'static str,
              lines: bool,
              get: fn(&SettingsForm) -> String,
              set: fn(&mut SettingsForm, String)| {
            let id = input_id(field);
            let err_id = error_id(field);
            let hint_id = format!("{id}-hint");
            let described = format!("{hint_id} {err_id}");
            let err = error_at(field);
            let err2 = err.clone();
            let invalid = move || err2().is_some().to_string();
            let value = move || form.with(get);
            let input = move |ev| form.update(|f| set(f, event_target_value(&ev)));
            let control = if lines {
                view! {
                    <textarea id=id.clone() rows="3" spellcheck="false" aria-describedby=described
                        aria-invalid=invalid prop:value=value on:input=input></textarea>
                }
                .into_any()
            } else {
                view! {
                    <input id=id.clone() autocomplete="off" spellcheck="false" aria-describedby=described
                        aria-invalid=invalid prop:value=value on:input=input />
                }
                .into_any()
            };
            view! {
                <div class="field">
                    <label for=id>{label}</label>
                    {control}
                    <p class="hint" id=hint_id>{hint}</p>
                    <p class="error" id=err_id>{err}</p>
                </div>
            }
        }
    };

    // Groups: redrawn only when one is added, moved or removed, so typing keeps focus.
    let group_ids = Memo::new(move |_| {
        form.with(|f| f.groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>())
    });
    let group_rows = move || {
        let ids = group_ids.get();
        let last = ids.len().saturating_sub(1);
        ids.into_iter()
            .enumerate()
            .map(|(i, id)| {
                let name_id = format!("group-name-{id}");
                let (a, b, c, d) = (id.clone(), id.clone(), id.clone(), id.clone());
                let label = move || {
                    form.with(|f| f.groups.iter().find(|g| g.id == a).map(|g| g.name.clone()))
                        .unwrap_or_default()
                };
                let up_label = format!("Move group {id} up");
                let down_label = format!("Move group {id} down");
                let remove_label = format!("Remove group {id}");
                let gone = id.clone();
                let pos = move |f: &SettingsForm, id: &str| f.groups.iter().position(|g| g.id == id);
                view! {
                    <li data-group=id.clone()>
                        <label class="visually-hidden" for=name_id.clone()>{format!("Name of group {id}")}</label>
                        <input id=name_id autocomplete="off" prop:value=label
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                form.update(|f| if let Some(g) = f.groups.iter_mut().find(|g| g.id == b) { g.name = v; });
                            } />
                        <span class="mono id">{id.clone()}</span>
                        <button type="button" class="action up" aria-label=up_label disabled={i == 0}
                            on:click=move |_| {
                                form.update(|f| if let Some(p) = pos(f, &c) { shift(&mut f.groups, p, true) });
                                refocus(format!("[data-group='{c}'] .up"));
                            }>"↑"</button>
                        <button type="button" class="action down" aria-label=down_label disabled={i == last}
                            on:click=move |_| {
                                form.update(|f| if let Some(p) = pos(f, &d) { shift(&mut f.groups, p, false) });
                                refocus(format!("[data-group='{d}'] .down"));
                            }>"↓"</button>
                        <button type="button" class="action remove" aria-label=remove_label
                            on:click=move |_| form.update(|f| if let Some(p) = pos(f, &gone) { f.remove_group(p) })>"Remove"</button>
                    </li>
                }
            })
            .collect_view()
    };
    let new_group = RwSignal::new(String::new());
    let add_group = move |_| {
        let name = new_group.get_untracked();
        if name.trim().is_empty() {
            return;
        }
        form.update(|f| f.add_group(&name));
        new_group.set(String::new());
    };

    // Components, the same way; each names its group from the groups above.
    let component_ids = Memo::new(move |_| {
        form.with(|f| {
            f.components
                .iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>()
        })
    });
    let group_choices = Memo::new(move |_| {
        form.with(|f| {
            f.groups
                .iter()
                .map(|g| (g.id.clone(), g.name.clone()))
                .collect::<Vec<_>>()
        })
    });
    let component_rows = move || {
        let ids = component_ids.get();
        let last = ids.len().saturating_sub(1);
        ids.into_iter()
            .enumerate()
            .map(|(i, id)| {
                let name_id = format!("component-name-{id}");
                let group_id = format!("component-group-{id}");
                let (a, b, c, d, e, g) = (id.clone(), id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
                let name = move || {
                    form.with(|f| f.components.iter().find(|c| c.id == a).map(|c| c.name.clone()))
                        .unwrap_or_default()
                };
                let current_group = move || {
                    form.with(|f| f.components.iter().find(|c| c.id == g).map(|c| c.group.clone()))
                        .unwrap_or_default()
                };
                let options = move || {
                    let current = current_group();
                    let none_selected = current.is_empty();
                    let mut v = vec![view! { <option value="" selected=none_selected>"No group"</option> }.into_any()];
                    v.extend(group_choices.get().into_iter().map(|(gid, gname)| {
                        let selected = gid == current;
                        view! { <option value=gid selected=selected>{gname}</option> }.into_any()
                    }));
                    v
                };
                let pos = move |f: &SettingsForm, id: &str| f.components.iter().position(|c| c.id == id);
                let gone = id.clone();
                view! {
                    <li data-component=id.clone()>
                        <label class="visually-hidden" for=name_id.clone()>{format!("Name of component {id}")}</label>
                        <input id=name_id autocomplete="off" prop:value=name
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                form.update(|f| if let Some(c) = f.components.iter_mut().find(|c| c.id == b) { c.name = v; });
                            } />
                        <span class="mono id">{id.clone()}</span>
                        <label class="visually-hidden" for=group_id.clone()>{format!("Group of component {id}")}</label>
                        <select id=group_id on:change=move |ev| {
                            let v = event_target_value(&ev);
                            form.update(|f| if let Some(x) = f.components.iter_mut().find(|x| x.id == e) { x.group = v; });
                        }>{options}</select>
                        <button type="button" class="action up" aria-label={format!("Move component {id} up")} disabled={i == 0}
                            on:click=move |_| {
                                form.update(|f| if let Some(p) = pos(f, &c) { shift(&mut f.components, p, true) });
                                refocus(format!("[data-component='{c}'] .up"));
                            }>"↑"</button>
                        <button type="button" class="action down" aria-label={format!("Move component {id} down")} disabled={i == last}
                            on:click=move |_| {
                                form.update(|f| if let Some(p) = pos(f, &d) { shift(&mut f.components, p, false) });
                                refocus(format!("[data-component='{d}'] .down"));
                            }>"↓"</button>
                        <button type="button" class="action remove" aria-label={format!("Remove component {id}")}
                            on:click=move |_| form.update(|f| f.components.retain(|c| c.id != gone))>"Remove"</button>
                    </li>
                }
            })
            .collect_view()
    };
    let new_component = RwSignal::new(String::new());
    let add_component = move |_| {
        let name = new_component.get_untracked();
        if name.trim().is_empty() {
            return;
        }
        form.update(|f| f.add_component(&name));
        new_component.set(String::new());
    };

    // Audiences: rows by position, redrawn when one is added or removed.
    let audience_count = Memo::new(move |_| form.with(|f| f.audiences.len()));
    let audience_rows = move || {
        (0..audience_count.get())
            .map(|i| {
                let seg_id = format!("audience-segment-{i}");
                let name_id = format!("audience-name-{i}");
                view! {
                    <li data-audience=i.to_string()>
                        <label for=seg_id.clone()>"Segment"</label>
                        <input id=seg_id class="mono" autocomplete="off" spellcheck="false" placeholder="plan:enterprise"
                            prop:value=move || form.with(|f| f.audiences.get(i).map(|a| a.segment.clone()).unwrap_or_default())
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                form.update(|f| if let Some(a) = f.audiences.get_mut(i) { a.segment = v; });
                            } />
                        <label for=name_id.clone()>"Name"</label>
                        <input id=name_id autocomplete="off" placeholder="Enterprise customers"
                            prop:value=move || form.with(|f| f.audiences.get(i).map(|a| a.name.clone()).unwrap_or_default())
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                form.update(|f| if let Some(a) = f.audiences.get_mut(i) { a.name = v; });
                            } />
                        <button type="button" class="action remove" aria-label={format!("Remove audience {}", i + 1)}
                            on:click=move |_| form.update(|f| if i < f.audiences.len() { f.audiences.remove(i); })>"Remove"</button>
                    </li>
                }
            })
            .collect_view()
    };
    let add_audience = move |_| {
        form.update(|f| {
            f.audiences.push(Audience {
                segment: String::new(),
                name: String::new(),
            })
        });
        let n = form.with_untracked(|f| f.audiences.len()) - 1;
        refocus(format!("#audience-segment-{n}"));
    };

    let minutes = MINUTES
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let error_at = error_at.clone();
            let id = input_id(m.field);
            let err_id = error_id(m.field);
            let err = error_at(m.field);
            let err2 = err.clone();
            view! {
                <div class="field minutes">
                    <label for=id.clone()>{m.label}</label>
                    <input id=id type="number" min="0" step="1" inputmode="numeric" aria-describedby=err_id.clone()
                        aria-invalid=move || err2().is_some().to_string()
                        prop:value=move || form.with(|f| f.minutes.get(i).cloned().unwrap_or_default())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            form.update(|f| if let Some(s) = f.minutes.get_mut(i) { *s = v; });
                        } />
                    <p class="error" id=err_id>{err}</p>
                </div>
            }
        })
        .collect_view();
    let review_options = ["off", "none", "minor", "major", "critical"]
        .into_iter()
        .map(|v| {
            let text = match v {
                "off" => "No incident waits for review",
                "none" => "Every incident",
                "minor" => "Minor impact and above",
                "major" => "Major impact and above",
                _ => "Critical impact only",
            };
            view! {
                <option value=v selected=move || form.with(|f| form_rules::review_value(f.policy.review.incidents_from) == v)>{text}</option>
            }
        })
        .collect_view();

    let groups_err = error_at("groups");
    let components_err = error_at("components");
    let audiences_err = error_at("audiences");
    let review_err = error_at("policy.review");
    let accent_id = input_id("branding.accent_color");
    let accent_err = error_at("branding.accent_color");
    let accent_err2 = accent_err.clone();
    let accent_err_id = error_id("branding.accent_color");

    view! {
        <h1 id="screen-title" tabindex="-1">"Page settings"</h1>
        <p class="lede">"What the status page, the widget and every message say about this page, and the rules its communication follows. Saving replaces the settings as a whole; if someone else saved since you opened this screen, nothing is overwritten."</p>
        <form id="settings" on:submit=submit novalidate>
            <p class="form-error" role="alert" id="form-error">{form_error}</p>
            <Show when=stale>
                <p class="hint" id="settings-stale">
                    "The page has changed since this form was read. "
                    <button type="button" id="settings-reload" class="action" on:click=reload>"Reload the settings"</button>
                    " (your changes here are dropped)"
                </p>
            </Show>
            <section aria-labelledby="settings-page-h" class="card">
                <h2 id="settings-page-h">"The page"</h2>
                {field("name", "Name", "Shown on the status page, in the widget and in every message.", false, |f| f.name.clone(), |f, v| f.name = v)}
                {field("url", "Your site", "Where the status page's logo links to, such as https://acme.com (optional).", false, |f| f.url.clone(), |f, v| f.url = v)}
                {field("time_zone", "Time zone", "An IANA name such as Europe/Paris; times are still sent in UTC.", false, |f| f.time_zone.clone(), |f, v| f.time_zone = v)}
                {field("locales", "Languages", "Language tags, the default first, separated by commas: en, fr, de.", false, |f| f.locales.clone(), |f, v| f.locales = v)}
            </section>
            <section aria-labelledby="settings-components-h" class="card">
                <h2 id="settings-components-h">"Components and groups"</h2>
                <p class="hint">"In the order the status page lists them. An id is fixed once made: subscribers and incidents refer to it."</p>
                <h3>"Groups"</h3>
                <ul class="choices rows" id="settings-groups">{group_rows}</ul>
                <div class="add">
                    <label for="new-group">"New group"</label>
                    <input id="new-group" autocomplete="off" placeholder="Europe"
                        prop:value=move || new_group.get()
                        on:input=move |ev| new_group.set(event_target_value(&ev)) />
                    <button type="button" id="add-group" class="action" on:click=add_group>"Add group"</button>
                </div>
                <p class="error" id={error_id("groups")}>{groups_err}</p>
                <h3>"Components"</h3>
                <ul class="choices rows" id="settings-components">{component_rows}</ul>
                <div class="add">
                    <label for="new-component">"New component"</label>
                    <input id="new-component" autocomplete="off" placeholder="Billing"
                        prop:value=move || new_component.get()
                        on:input=move |ev| new_component.set(event_target_value(&ev)) />
                    <button type="button" id="add-component" class="action" on:click=add_component>"Add component"</button>
                </div>
                <p class="error" id={error_id("components")}>{components_err}</p>
            </section>
            <section aria-labelledby="settings-audiences-h" class="card">
                <h2 id="settings-audiences-h">"Audiences"</h2>
                <p class="hint">"Segments an incident or notice can be limited to (kind:value, or kind:* for every value); your backend names them in the widget's audience token."</p>
                <ul class="choices rows" id="settings-audiences">{audience_rows}</ul>
                <button type="button" id="add-audience" class="action" on:click=add_audience>"Add audience"</button>
                <p class="error" id={error_id("audiences")}>{audiences_err}</p>
            </section>
            <section aria-labelledby="settings-policy-h" class="card">
                <h2 id="settings-policy-h">"Policy"</h2>
                <div class="grid">{minutes}</div>
                {field("policy.maintenance_reminders", "Maintenance reminders", "Minutes before a window starts, separated by commas: 1440, 60.", false, |f| f.reminders.clone(), |f, v| f.reminders = v)}
                {field("policy.responders", "Responders", "Told when a \"next update by\" promise is broken: one email address or Slack incoming-webhook URL per line.", true, |f| f.responders.clone(), |f, v| f.responders = v)}
                {field("policy.subscribe_origins", "Sites allowed to subscribe from the browser", "Origins of your product whose pages may post the widget's subscribe form, one per line (https://app.acme.com); none allows any.", true, |f| f.subscribe_origins.clone(), |f, v| f.subscribe_origins = v)}
                <fieldset class="field" aria-describedby="settings-policy-review-error">
                    <legend>"Review by a second person"</legend>
                    <div class="field check">
                        <input type="checkbox" id="settings-review-notices"
                            prop:checked=move || form.with(|f| f.policy.review.notices)
                            on:change=move |ev| { let on = event_target_checked(&ev); form.update(|f| f.policy.review.notices = on) } />
                        <label for="settings-review-notices">"Every notice waits for approval"</label>
                    </div>
                    <label for="settings-review-incidents">"Incidents that wait for approval"</label>
                    <select id="settings-review-incidents" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        form.update(|f| f.policy.review.incidents_from = form_rules::review_from(&v));
                    }>{review_options}</select>
                    <p class="error" id="settings-policy-review-error">{review_err}</p>
                </fieldset>
            </section>
            <section aria-labelledby="settings-branding-h" class="card">
                <h2 id="settings-branding-h">"Branding"</h2>
                <p class="hint">"The status page's colour and logo, and the widget's subscribe button unless your site sets its own (--herald-brand)."</p>
                <div class="field">
                    <label for=accent_id.clone()>"Brand colour"</label>
                    <div class="colour">
                        <input id=accent_id class="mono" autocomplete="off" spellcheck="false" placeholder="#0b5fff"
                            aria-describedby={format!("{accent_err_id} settings-accent-hint")}
                            aria-invalid=move || accent_err2().is_some().to_string()
                            prop:value=move || form.with(|f| f.accent_color.clone())
                            on:input=move |ev| form.update(|f| f.accent_color = event_target_value(&ev)) />
                        <label class="visually-hidden" for="settings-accent-picker">"Pick the brand colour"</label>
                        <input id="settings-accent-picker" type="color"
                            prop:value=move || form.with(|f| if f.accent_color.len() == 7 { f.accent_color.clone() } else { "#000000".into() })
                            on:input=move |ev| form.update(|f| f.accent_color = event_target_value(&ev)) />
                    </div>
                    <p class="hint" id="settings-accent-hint">"#rrggbb; text on it is black or white, whichever reads better."</p>
                    <p class="error" id=accent_err_id>{accent_err}</p>
                </div>
                {field("branding.logo_url", "Logo", "An https address of the logo image, shown at the top of the status page.", false, |f| f.logo_url.clone(), |f, v| f.logo_url = v)}
            </section>
            <div class="buttons">
                <button type="submit" id="save-settings" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save settings" }}
                </button>
            </div>
        </form>
    }
    .into_any()
}
