//! Evidence: the audit log filtered by subject, kind, who acted and period, read a page at a time;
//! one incident's whole communication timeline (every update, message, delivery report, approval and
//! its scorecard) on one screen; and the export for auditors, CSV or JSON exactly as the API gives
//! it, saved as a file.

use herald_shared::wire::AuditEntry;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api::{ApiError, Client};
use crate::ctx::Ctx;
use crate::decide::{self, EvidenceFilter, EVIDENCE_KINDS};

/// Entries per page of the log.
const PAGE: u32 = 50;

fn query(params: &[(&'static str, String)], extra: &[(&str, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| (*k, v.clone()))
        .chain(extra.iter().map(|(k, v)| (*k, v.clone())))
        .map(|(k, v)| format!("{k}={}", String::from(js_sys::encode_uri_component(&v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// Saves `text` as a file named `name` through a link to a blob of it, and answers the link's URL.
fn save(text: &str, kind: &str, name: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(kind);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let link: web_sys::HtmlAnchorElement = web_sys::window()?
        .document()?
        .get_element_by_id("export-link")?
        .dyn_into()
        .ok()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    Some(url)
}

fn entries_table(entries: Vec<AuditEntry>, id: &'static str) -> impl IntoView {
    let rows = entries
        .into_iter()
        .map(|e| {
            let summary = decide::audit_summary(&e.action, &e.change);
            view! {
                <tr data-action=e.action.clone() data-seq=e.seq.to_string()>
                    <td class="mono">{e.at.clone()}</td>
                    <th scope="row">{e.action.clone()}</th>
                    <td class="mono">{e.actor.clone()}</td>
                    <td class="mono">{e.subject.clone().unwrap_or_default()}</td>
                    <td>{summary}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id=id class="audit">
            <caption class="visually-hidden">"Audit entries, oldest first"</caption>
            <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"What"</th><th scope="col">"Who"</th><th scope="col">"Subject"</th><th scope="col">"Details"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

async fn read(client: &Client, q: &str) -> Result<Vec<AuditEntry>, ApiError> {
    client.call("GET", &format!("audit?{q}"), None::<&()>).await
}

pub fn evidence(ctx: Ctx) -> impl IntoView {
    let filter = RwSignal::new(EvidenceFilter::default());
    let field_error = RwSignal::new(None::<(&'static str, String)>);
    let log = RwSignal::new(None::<Result<Vec<AuditEntry>, ApiError>>);
    // The cursor of the next page (the last entry's `seq`), when the page was full.
    let next = RwSignal::new(None::<u64>);
    let search = move |after: Option<u64>| {
        let params = match filter.with_untracked(EvidenceFilter::params) {
            Ok(p) => p,
            Err(e) => {
                field_error.set(Some(e));
                return;
            }
        };
        field_error.set(None);
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            let mut extra = vec![("limit", PAGE.to_string())];
            if let Some(a) = after {
                extra.push(("after", a.to_string()));
            }
            let r = read(&client, &query(&params, &extra)).await;
            match &r {
                Ok(list) => next.set(
                    (list.len() == PAGE as usize)
                        .then(|| list.last().map(|e| e.seq))
                        .flatten(),
                ),
                Err(e) => ctx.check(e),
            }
            log.set(Some(r));
        });
    };
    search(None);

    let export = move |format: &'static str| {
        let params = match filter.with_untracked(EvidenceFilter::params) {
            Ok(p) => p,
            Err(e) => {
                field_error.set(Some(e));
                return;
            }
        };
        let Some(client) = ctx.client() else { return };
        let page = client.page.clone();
        spawn_local(async move {
            let q = query(
                &params,
                &[("format", format.to_owned()), ("limit", "500".into())],
            );
            let note = match client.text(&format!("audit?{q}")).await {
                Ok(text) => {
                    let kind = if format == "csv" {
                        "text/csv"
                    } else {
                        "application/json"
                    };
                    let name = format!("herald-audit-{page}.{format}");
                    match save(&text, kind, &name) {
                        Some(_) => format!("Exported {name} ({} bytes).", text.len()),
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

    // One incident's timeline: everything about it, deliveries and the scorecard included.
    let chosen = RwSignal::new(String::new());
    let timeline = RwSignal::new(None::<Result<Vec<AuditEntry>, ApiError>>);
    let show_timeline = move |id: String| {
        chosen.set(id.clone());
        if id.is_empty() {
            timeline.set(None);
            return;
        }
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            let q = query(
                &[("subject", id)],
                &[
                    ("include", "deliveries,scorecard".into()),
                    ("limit", "500".into()),
                ],
            );
            let r = read(&client, &q).await;
            if let Err(e) = &r {
                ctx.check(e);
            }
            timeline.set(Some(r));
        });
    };
    let incidents = ctx.state.with_untracked(|s| {
        s.as_ref()
            .map(|s| {
                let mut list: Vec<(String, String)> = s
                    .incidents
                    .iter()
                    .map(|i| (i.id.clone(), i.title.clone()))
                    .collect();
                list.reverse();
                list
            })
            .unwrap_or_default()
    });
    let options = incidents
        .into_iter()
        .map(|(id, title)| view! { <option value=id.clone()>{format!("{title} ({id})")}</option> })
        .collect_view();

    let error_of = move |field: &'static str| {
        move || {
            field_error
                .get()
                .filter(|(f, _)| *f == field)
                .map(|(_, m)| m)
        }
    };
    let text_field = move |id: &'static str,
                           label: &'static str,
                           hint: &'static str,
                           get: fn(&EvidenceFilter) -> String,
                           set: fn(&mut EvidenceFilter, String)| {
        let error_id = format!("ev-{id}-error");
        view! {
            <div class="field">
                <label for=format!("ev-{id}")>{label}</label>
                <input id=format!("ev-{id}") autocomplete="off" placeholder=hint
                    aria-describedby=error_id.clone()
                    aria-invalid=move || error_of(id)().is_some().to_string()
                    prop:value=move || filter.with(get)
                    on:input=move |ev| filter.update(|f| set(f, event_target_value(&ev))) />
                <p class="error" id=error_id>{error_of(id)}</p>
            </div>
        }
    };
    let kinds = EVIDENCE_KINDS
        .iter()
        .map(|(value, label)| view! { <option value=*value>{*label}</option> })
        .collect_view();
    let log_view = move || match log.get() {
        None => view! { <p role="status">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="empty" id="audit-empty">"Nothing in the audit log matches."</p> }
                .into_any()
        }
        Some(Ok(list)) => entries_table(list, "audit-log").into_any(),
    };
    let timeline_view = move || match timeline.get() {
        None => {
            view! { <p class="hint">"Choose an incident to see everything about it in order."</p> }
                .into_any()
        }
        Some(Err(e)) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
        Some(Ok(list)) => entries_table(list, "timeline").into_any(),
    };
    view! {
        <h1 id="screen-title" tabindex="-1">"Evidence"</h1>
        <p class="lede">"What was said, sent, delivered and approved, by whom and when: the audit log, an incident's whole timeline, and the export an auditor can read without Herald."</p>
        <section aria-labelledby="log-h" class="card">
            <h2 id="log-h">"Audit log"</h2>
            <form id="evidence-filter" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                search(None);
            }>
                <div class="fields">
                    {text_field("subject", "Subject", "inc_…, ntc_…, ntf_…", |f| f.subject.clone(), |f, v| f.subject = v)}
                    <div class="field">
                        <label for="ev-kind">"Kind"</label>
                        <select id="ev-kind" on:change=move |ev| filter.update(|f| f.kind = event_target_value(&ev))>{kinds}</select>
                    </div>
                    {text_field("actor", "Who", "key:…, root, herald", |f| f.actor.clone(), |f, v| f.actor = v)}
                    {text_field("since", "From (UTC day)", "YYYY-MM-DD", |f| f.since.clone(), |f, v| f.since = v)}
                    {text_field("until", "To (UTC day, included)", "YYYY-MM-DD", |f| f.until.clone(), |f, v| f.until = v)}
                </div>
                <button type="submit" id="evidence-search">"Show"</button>
                " "
                <button type="button" id="export-csv" on:click=move |_| export("csv")>"Export CSV"</button>
                " "
                <button type="button" id="export-json" on:click=move |_| export("json")>"Export JSON"</button>
                <a id="export-link" class="visually-hidden" href="#">"Exported file"</a>
            </form>
            {log_view}
            <Show when=move || next.get().is_some()>
                <button type="button" id="evidence-next" on:click=move |_| search(next.get_untracked())>"Next entries"</button>
            </Show>
        </section>
        <section aria-labelledby="timeline-h" class="card">
            <h2 id="timeline-h">"An incident's timeline"</h2>
            <div class="field">
                <label for="timeline-incident">"Incident"</label>
                <select id="timeline-incident" prop:value=move || chosen.get()
                    on:change=move |ev| show_timeline(event_target_value(&ev))>
                    <option value="">"Choose an incident"</option>
                    {options}
                </select>
            </div>
            {timeline_view}
        </section>
    }
}
