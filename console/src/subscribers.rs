//! Subscribers: counts by state, channel and component (every role); the list a page at a time with
//! addresses masked, and one subscriber found by the exact address (communicators); import with
//! the per-row report, export saved as a file, and erasure after a second click (admins).

use herald_shared::subscriber::{SubscriberChannel, SubscriptionState};
use herald_shared::wire::{
    Created, ImportReport, SubscriberCounts, SubscriberInfo, SubscriberMatches,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

use crate::api::{self, ApiError};
use crate::compose::focus_first_error;
use crate::ctx::Ctx;
use crate::decide;
use crate::decide::subscribers::{self as rules, Pager, SubscriberAbilities};

/// Saves `text` as a file named `name` through the screen's hidden link to a blob of it.
fn save(text: &str, kind: &str, name: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(kind);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let link: web_sys::HtmlAnchorElement = document()
        .get_element_by_id("subscribers-export-link")?
        .dyn_into()
        .ok()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    Some(url)
}

/// The first file chosen in a file input, as a blob to read.
fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::Blob> {
    let input = ev.target()?;
    let files = js_sys::Reflect::get(&input, &"files".into()).ok()?;
    let first = js_sys::Reflect::get_u32(&files, 0).ok()?;
    (!first.is_undefined() && !first.is_null()).then(|| first.unchecked_into())
}

fn counts_tables(c: SubscriberCounts) -> impl IntoView {
    let states = c
        .states
        .into_iter()
        .map(|s| {
            view! {
                <tr data-state=s.state.as_str()>
                    <th scope="row">{rules::state_label(s.state)}</th>
                    <td class="num">{s.subscribers}</td>
                </tr>
            }
        })
        .collect_view();
    let channels = c
        .channels
        .into_iter()
        .map(|s| {
            view! {
                <tr data-channel=s.channel.as_str()>
                    <th scope="row">{rules::channel_label(s.channel)}</th>
                    <td class="num">{s.subscribers}</td>
                </tr>
            }
        })
        .collect_view();
    let components = c
        .components
        .into_iter()
        .map(|s| {
            view! {
                <tr data-component=s.id.clone()>
                    <th scope="row">{s.name.clone()}</th>
                    <td class="num">{s.subscribers}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p id="subscriber-total">{format!("{} subscribers in all, {} of them told about every component.", c.total, c.every_component)}</p>
        <div class="fields">
            <table id="counts-states">
                <caption>"By state"</caption>
                <tbody>{states}</tbody>
            </table>
            <table id="counts-channels">
                <caption>"By channel (still subscribed)"</caption>
                <tbody>{channels}</tbody>
            </table>
            <table id="counts-components">
                <caption>"By component (confirmed, told about it)"</caption>
                <tbody>{components}</tbody>
            </table>
        </div>
    }
}

pub fn subscribers(ctx: Ctx) -> impl IntoView {
    let may = SubscriberAbilities::of(ctx.role());
    let page_id = ctx
        .state
        .with_untracked(|s| s.as_ref().map(|s| s.page.id.clone()))
        .unwrap_or_default();

    // Counts, for every role.
    let counts = RwSignal::new(None::<Result<SubscriberCounts, ApiError>>);
    let load_counts = move || {
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            let r = client.call("GET", "subscribers/counts", None::<&()>).await;
            if let Err(e) = &r {
                ctx.check(e);
            }
            counts.set(Some(r));
        });
    };
    load_counts();

    // The list, a page at a time.
    let channel_filter = RwSignal::new(String::new());
    let state_filter = RwSignal::new(String::new());
    let pager = RwSignal::new(Pager::default());
    let list = RwSignal::new(None::<Result<Vec<SubscriberInfo>, ApiError>>);
    let load_list = move || {
        if !may.list {
            return;
        }
        let Some(client) = ctx.client() else { return };
        let q = pager.with_untracked(|p| {
            p.query(&[
                ("channel", channel_filter.get_untracked()),
                ("state", state_filter.get_untracked()),
            ])
        });
        spawn_local(async move {
            let r = client
                .list::<Vec<SubscriberInfo>>(&format!("subscribers?{q}"))
                .await;
            let r = match r {
                Ok((items, link)) => {
                    pager.update(|p| p.next = rules::next_cursor(link.as_deref()));
                    Ok(items)
                }
                Err(e) => {
                    ctx.check(&e);
                    Err(e)
                }
            };
            list.set(Some(r));
        });
    };
    pager.update_untracked(Pager::first);
    load_list();
    let refilter = move || {
        pager.update(Pager::first);
        load_list();
    };

    // Erasure asks twice: the first click arms the row's button.
    let armed = RwSignal::new(None::<String>);
    let found = RwSignal::new(None::<Result<Vec<SubscriberInfo>, ApiError>>);
    let erase = move |id: String| {
        if !crate::ctx::second_click(armed, &id) {
            return;
        }
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            let r: Result<Created, ApiError> = client
                .call("DELETE", &format!("subscribers/{id}"), None::<&()>)
                .await;
            let note = match r {
                Ok(_) => {
                    found.update(|f| {
                        if let Some(Ok(list)) = f {
                            list.retain(|s| s.id != id);
                        }
                    });
                    format!("Subscriber {id} erased: nothing of their address is kept.")
                }
                Err(e) => {
                    ctx.check(&e);
                    e.message()
                }
            };
            ctx.flash.set(Some(note));
            load_counts();
            load_list();
        });
    };
    let rows = move |items: Vec<SubscriberInfo>, table: &'static str| {
        let rows = items
            .into_iter()
            .map(|s| {
                let action = may.erase.then(|| {
                    let armed_id = s.id.clone();
                    let click_id = s.id.clone();
                    let label = format!("Erase {} ({})", s.address, s.id);
                    view! {
                        <button type="button" class="action erase" aria-label=label
                            on:click=move |_| erase(click_id.clone())>
                            {move || if armed.get().as_deref() == Some(armed_id.as_str()) {
                                "Confirm: erase"
                            } else {
                                "Erase"
                            }}
                        </button>
                    }
                });
                let components = if s.components.is_empty() {
                    "every component".to_owned()
                } else {
                    s.components.join(", ")
                };
                view! {
                    <tr data-subscriber=s.id.clone() data-state=s.state.as_str()>
                        <th scope="row" class="mono">{s.address.clone()}</th>
                        <td>{rules::channel_label(s.channel)}</td>
                        <td>{rules::state_label(s.state)}</td>
                        <td>{components}</td>
                        <td>{decide::utc_text(s.created_at)}</td>
                        <td>{action}</td>
                    </tr>
                }
            })
            .collect_view();
        // Scrolls sideways on a narrow screen rather than widening the page; focusable, so a
        // keyboard can scroll it too.
        view! {
            <div class="table-scroll" tabindex="0" role="region" aria-label="Subscribers, addresses masked">
                <table id=table>
                    <caption class="visually-hidden">"Subscribers, newest first, addresses masked"</caption>
                    <thead><tr><th scope="col">"Address (masked)"</th><th scope="col">"Channel"</th><th scope="col">"State"</th><th scope="col">"Components"</th><th scope="col">"Subscribed (UTC)"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    };

    // Finding one subscriber by the exact address.
    let lookup_channel = RwSignal::new(String::new());
    let lookup_address = RwSignal::new(String::new());
    let lookup_error = RwSignal::new(None::<(&'static str, String)>);
    let lookup = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = match rules::lookup(
            &lookup_channel.get_untracked(),
            &lookup_address.get_untracked(),
        ) {
            Ok(b) => b,
            Err(e) => {
                lookup_error.set(Some(e));
                found.set(None);
                focus_first_error();
                return;
            }
        };
        lookup_error.set(None);
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            let r: Result<SubscriberMatches, ApiError> =
                client.call("POST", "subscribers/lookup", Some(&body)).await;
            match r {
                Ok(m) => found.set(Some(Ok(m.subscribers))),
                Err(e) => {
                    ctx.check(&e);
                    match api::placed(&e, &["address", "channel"]) {
                        Some(f) => {
                            lookup_error.set(Some((f, e.message())));
                            found.set(None);
                            focus_first_error();
                        }
                        None => found.set(Some(Err(e))),
                    }
                }
            }
        });
    };
    let lookup_error_of = move |field: &'static str| {
        move || {
            lookup_error
                .get()
                .filter(|(f, _)| *f == field)
                .map(|(_, m)| m)
        }
    };

    // Import: a file or pasted text, Statuspage CSV or Herald JSON.
    let import_text = RwSignal::new(String::new());
    let import_error = RwSignal::new(None::<ApiError>);
    let report = RwSignal::new(None::<ImportReport>);
    let importing = RwSignal::new(false);
    let pick = move |ev: leptos::ev::Event| {
        let Some(file) = chosen_file(&ev) else { return };
        spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(t) => import_text.set(t.as_string().unwrap_or_default()),
                Err(_) => import_error.set(Some(ApiError::Invalid {
                    field: Some("body".into()),
                    detail: "The browser could not read that file.".into(),
                })),
            }
        });
    };
    let import = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if importing.get_untracked() {
            return;
        }
        let text = import_text.get_untracked();
        let Some(client) = ctx.client() else { return };
        let json = text.trim_start().starts_with('[');
        let kind = if json { "application/json" } else { "text/csv" };
        import_error.set(None);
        report.set(None);
        importing.set(true);
        spawn_local(async move {
            let r = client
                .send_as("POST", "import/subscribers", Some(text), kind, None)
                .await;
            importing.set(false);
            let r: Result<ImportReport, ApiError> = r.and_then(|a| {
                if (200..300).contains(&a.status) {
                    serde_wasm_bindgen::from_value(a.body)
                        .map_err(|e| ApiError::Server(format!("unreadable answer: {e}")))
                } else {
                    let problem = serde_wasm_bindgen::from_value(a.body).ok();
                    Err(ApiError::from_answer(a.status, problem))
                }
            });
            match r {
                Ok(rep) => {
                    report.set(Some(rep));
                    load_counts();
                    pager.update(Pager::first);
                    load_list();
                }
                Err(e) => {
                    ctx.check(&e);
                    import_error.set(Some(e));
                    focus_first_error();
                }
            }
        });
    };

    // Export: every address, so admin only, and audited by the API.
    let export = move |format: &'static str| {
        let Some(client) = ctx.client() else { return };
        let page = page_id.clone();
        spawn_local(async move {
            let note = match client
                .text(&format!("subscribers/export?format={format}"))
                .await
            {
                Ok(text) => {
                    let kind = if format == "csv" {
                        "text/csv"
                    } else {
                        "application/json"
                    };
                    let name = rules::export_name(&page, format);
                    match save(&text, kind, &name) {
                        Some(_) => format!(
                            "Exported {name} ({} bytes). The export is in the audit log.",
                            text.len()
                        ),
                        None => "The browser refused to save the file.".to_owned(),
                    }
                }
                Err(e) => {
                    ctx.check(&e);
                    e.message()
                }
            };
            ctx.flash.set(Some(note));
        });
    };

    let counts_view = move || match counts.get() {
        None => view! { <p role="status">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
        Some(Ok(c)) => counts_tables(c).into_any(),
    };
    let list_view = move || match list.get() {
        None => view! { <p role="status">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
        Some(Ok(items)) if items.is_empty() => {
            view! { <p class="empty" id="subscribers-empty">"No subscriber matches."</p> }
                .into_any()
        }
        Some(Ok(items)) => rows(items, "subscriber-list").into_any(),
    };
    let found_view = move || match found.get() {
        None => None,
        Some(Err(e)) => {
            Some(view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any())
        }
        Some(Ok(items)) => {
            let text = rules::found_text(items.len());
            Some(
                view! {
                    <div id="lookup-result" role="status">
                        <p id="lookup-found" data-found=items.len().to_string()>{text}</p>
                        {(!items.is_empty()).then(|| rows(items, "lookup-list"))}
                    </div>
                }
                .into_any(),
            )
        }
    };
    let report_view = move || {
        report.get().map(|r| {
            let rows = rules::import_rows(&r)
                .into_iter()
                .map(|line| view! { <li>{line}</li> })
                .collect_view();
            let secrets = r
                .signing_secrets
                .iter()
                .map(|s| {
                    view! { <li><span class="mono">{s.webhook.clone()}</span>": "<span class="mono">{s.signing_secret.clone()}</span></li> }
                })
                .collect_view();
            let has_secrets = !r.signing_secrets.is_empty();
            view! {
                <div id="import-report" role="status">
                    <p id="import-summary">{rules::import_summary(&r)}</p>
                    <ul id="import-rows">{rows}</ul>
                    {has_secrets.then(|| view! {
                        <p class="hint">"Each imported webhook's signing secret, shown this once: hand each to its receiver."</p>
                        <ul id="import-secrets">{secrets}</ul>
                    })}
                </div>
            }
        })
    };
    let channel_options = || {
        SubscriberChannel::SUBSCRIBABLE
            .into_iter()
            .map(|c| view! { <option value=c.as_str()>{rules::channel_label(c)}</option> })
            .collect_view()
    };
    let state_options = || {
        SubscriptionState::ALL
            .into_iter()
            .map(|s| view! { <option value=s.as_str()>{rules::state_label(s)}</option> })
            .collect_view()
    };
    let page_text = move || format!("Page {}", pager.with(Pager::number));
    let import_error_text = move || import_error.get().map(|e| e.message());

    view! {
        <h1 id="screen-title" tabindex="-1">"Subscribers"</h1>
        <p class="lede">"Who hears about this page, by channel, state and component. Addresses are masked here; finding someone takes their whole address, never a part of it."</p>
        <section aria-labelledby="counts-h" class="card" id="subscriber-counts">
            <h2 id="counts-h">"Counts"</h2>
            {counts_view}
        </section>
        {(!may.list).then(|| view! {
            <p class="hint" id="subscribers-role-note">"Listing and finding subscribers needs a communicator or admin key."</p>
        })}
        <Show when=move || may.list>
            <section aria-labelledby="list-h" class="card">
                <h2 id="list-h">"Subscribers, newest first"</h2>
                <form id="subscriber-filter" class="fields" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    refilter();
                }>
                    <div class="field">
                        <label for="filter-channel">"Channel"</label>
                        <select id="filter-channel" on:change=move |ev| { channel_filter.set(event_target_value(&ev)); refilter(); }>
                            <option value="">"Any channel"</option>
                            {channel_options()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="filter-state">"State"</label>
                        <select id="filter-state" on:change=move |ev| { state_filter.set(event_target_value(&ev)); refilter(); }>
                            <option value="">"Any state"</option>
                            {state_options()}
                        </select>
                    </div>
                </form>
                {list_view}
                <nav aria-label="Pages of subscribers" class="pager">
                    <button type="button" id="subscribers-prev" disabled=move || !pager.with(Pager::has_previous)
                        on:click=move |_| { pager.update(|p| { p.back(); }); load_list(); }>"Previous"</button>
                    " "
                    <span id="subscribers-page">{page_text}</span>
                    " "
                    <button type="button" id="subscribers-next" disabled=move || pager.with(|p| p.next.is_none())
                        on:click=move |_| { pager.update(|p| { p.forward(); }); load_list(); }>"Next"</button>
                </nav>
            </section>
            <section aria-labelledby="lookup-h" class="card">
                <h2 id="lookup-h">"Find a subscriber"</h2>
                <form id="subscriber-lookup" novalidate on:submit=lookup>
                    <div class="fields">
                        <div class="field">
                            <label for="lookup-channel">"Channel"</label>
                            <select id="lookup-channel" aria-describedby="lookup-channel-error"
                                aria-invalid=move || lookup_error_of("channel")().is_some().to_string()
                                on:change=move |ev| lookup_channel.set(event_target_value(&ev))>
                                <option value="">"Any channel"</option>
                                {channel_options()}
                            </select>
                            <p class="error" id="lookup-channel-error">{lookup_error_of("channel")}</p>
                        </div>
                        <div class="field">
                            <label for="lookup-address">"The whole address"</label>
                            <input id="lookup-address" autocomplete="off" autocapitalize="none" spellcheck="false"
                                placeholder="ann@example.com, +4915…, https://…"
                                aria-describedby="lookup-address-error"
                                aria-invalid=move || lookup_error_of("address")().is_some().to_string()
                                prop:value=move || lookup_address.get()
                                on:input=move |ev| lookup_address.set(event_target_value(&ev)) />
                            <p class="error" id="lookup-address-error">{lookup_error_of("address")}</p>
                        </div>
                    </div>
                    <button type="submit" id="lookup-submit">"Find"</button>
                </form>
                {found_view}
            </section>
        </Show>
        <Show when=move || may.import>
            <section aria-labelledby="import-h" class="card">
                <h2 id="import-h">"Import"</h2>
                <p>"A Statuspage subscriber CSV (" <code>"email,ann@example.com"</code> ", " <code>"sms,01512345678,DE"</code> ", " <code>"webhook,https://…"</code> ", then component names) or Herald's JSON (" <code>"[{\"channel\": \"email\", \"address\": \"…\"}]"</code> "). Imported people count as confirmed; addresses already here and people who unsubscribed are skipped."</p>
                <form id="subscriber-import" novalidate on:submit=import>
                    <div class="field">
                        <label for="import-file">"File"</label>
                        <input id="import-file" type="file" accept=".csv,.json,text/csv,application/json" on:change=pick />
                    </div>
                    <div class="field">
                        <label for="import-text">"Or paste it"</label>
                        <textarea id="import-text" rows="6" class="mono" aria-describedby="import-error"
                            aria-invalid=move || import_error.with(Option::is_some).to_string()
                            prop:value=move || import_text.get()
                            on:input=move |ev| import_text.set(event_target_value(&ev))></textarea>
                        <p class="error" id="import-error">{import_error_text}</p>
                    </div>
                    <button type="submit" id="import-submit" disabled=move || importing.get()>"Import"</button>
                </form>
                {report_view}
            </section>
        </Show>
        <Show when=move || may.export>
            <section aria-labelledby="export-h" class="card">
                <h2 id="export-h">"Export"</h2>
                <p>"Every subscriber with their real address, to move to another tool. Who exported, and when, is recorded in the audit log; the addresses are not."</p>
                <button type="button" id="export-subscribers-csv" on:click={let export = export.clone(); move |_| export("csv")}>"Export CSV"</button>
                " "
                <button type="button" id="export-subscribers-json" on:click={let export = export.clone(); move |_| export("json")}>"Export JSON"</button>
                <a id="subscribers-export-link" class="visually-hidden" href="#">"Exported file"</a>
            </section>
        </Show>
    }
}
