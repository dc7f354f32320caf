//! The communication scorecard: the incidents of the last 30 days summed up (`GET scorecard`), and
//! one incident's figures, promises and messages per channel; the words come from `decide`.

use herald_shared::wire::{PeriodScorecard, Scorecard};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;
use crate::ctx::Ctx;
use crate::decide::{self, Figure};

fn figures(id: &'static str, list: Vec<Figure>) -> impl IntoView {
    let items = list
        .into_iter()
        .map(|f| {
            view! {
                <div class="figure" data-figure=f.key>
                    <dt>{f.label}</dt>
                    <dd>{f.value}</dd>
                </div>
            }
        })
        .collect_view();
    view! { <dl class="figures" id=id>{items}</dl> }
}

fn detail(card: Scorecard) -> impl IntoView {
    let promises = if card.promises.is_empty() {
        view! { <p class="empty">"No \u{201c}next update by\u{201d} promise was made."</p> }
            .into_any()
    } else {
        let rows = card
            .promises
            .iter()
            .map(|p| {
                let verdict = format!("{:?}", p.verdict).to_lowercase();
                view! {
                    <tr data-verdict=verdict>
                        <td>{decide::utc_text(p.made_at)}</td>
                        <td>{decide::utc_text(p.due_at)}</td>
                        <td>{p.met_at.map(decide::utc_text).unwrap_or_else(|| "\u{2014}".into())}</td>
                        <td class="verdict">{decide::promise_verdict(p)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="promises">
                <caption class="visually-hidden">"Promises"</caption>
                <thead><tr><th scope="col">"Made"</th><th scope="col">"Due"</th><th scope="col">"Next update"</th><th scope="col">"Verdict"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let channels = if card.channels.is_empty() {
        view! { <p class="empty">"No recipient of its messages has been tried yet."</p> }.into_any()
    } else {
        let rows = card
            .channels
            .iter()
            .map(|c| {
                view! {
                    <tr data-channel=c.channel.as_str()>
                        <th scope="row">{c.channel.as_str()}</th>
                        <td>{c.sent}</td><td>{c.delivered}</td><td>{c.failed}</td>
                        <td>{c.pending}</td><td>{c.acknowledged}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="channels">
                <caption class="visually-hidden">"Recipients per channel"</caption>
                <thead><tr><th scope="col">"Channel"</th><th scope="col">"Sent"</th><th scope="col">"Delivered"</th><th scope="col">"Failed"</th><th scope="col">"Pending"</th><th scope="col">"Acknowledged"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let started = format!(
        "Started {}{}",
        decide::utc_text(card.started_at),
        card.resolved_at
            .map(|t| format!(", resolved {}", decide::utc_text(t)))
            .unwrap_or_default()
    );
    view! {
        <section aria-labelledby="detail-h" class="card" id="scorecard-detail" data-incident=card.incident_id.clone()>
            <h2 id="detail-h">{card.title.clone()}</h2>
            <p class="hint">{started}</p>
            {figures("incident-figures", decide::scorecard_figures(&card))}
            <h3>"\u{201c}Next update by\u{201d} promises"</h3>
            {promises}
            <h3>"Messages per channel"</h3>
            {channels}
        </section>
    }
}

pub fn scorecard(ctx: Ctx) -> impl IntoView {
    let period = RwSignal::new(None::<Result<PeriodScorecard, ApiError>>);
    let chosen = RwSignal::new(None::<String>);
    let load = move || {
        let Some(client) = ctx.client() else { return };
        spawn_local(async move {
            let r = client.call("GET", "scorecard", None::<&()>).await;
            if let Err(e) = &r {
                ctx.check(e);
            }
            period.set(Some(r));
        });
    };
    load();
    let body = move || match period.get() {
        None => view! { <p role="status">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
        Some(Ok(p)) => {
            let list = if p.scorecards.is_empty() {
                view! { <p class="empty">"No incident started in these 30 days."</p> }.into_any()
            } else {
                let rows = p
                    .scorecards
                    .iter()
                    .rev()
                    .map(|c| {
                        let id = c.incident_id.clone();
                        let row_id = id.clone();
                        let label = format!("Details of {}", c.title);
                        let first = c
                            .time_to_first_word_secs
                            .map(|s| decide::span_text(time::Duration::seconds(s)))
                            .unwrap_or_else(|| "\u{2014}".into());
                        view! {
                            <tr data-incident=row_id>
                                <th scope="row">{c.title.clone()}</th>
                                <td>{decide::utc_text(c.started_at)}</td>
                                <td>{first}</td>
                                <td>{format!("{} kept, {} broken", c.promises_kept, c.promises_broken)}</td>
                                <td>{decide::span_text(time::Duration::seconds(c.longest_silence_secs))}</td>
                                <td><button type="button" class="action details" aria-label=label
                                    on:click=move |_| chosen.set(Some(id.clone()))>"Details"</button></td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <table id="scorecards">
                        <caption class="visually-hidden">"Incidents of the period"</caption>
                        <thead><tr><th scope="col">"Incident"</th><th scope="col">"Started"</th><th scope="col">"First word after"</th><th scope="col">"Promises"</th><th scope="col">"Longest silence"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any()
            };
            let selected = chosen
                .get()
                .and_then(|id| p.scorecards.iter().find(|c| c.incident_id == id).cloned());
            view! {
                <section aria-labelledby="period-h" class="card">
                    <h2 id="period-h">"Last 30 days"</h2>
                    {figures("period-figures", decide::period_figures(&p))}
                </section>
                <section aria-labelledby="scorecards-h" class="card">
                    <h2 id="scorecards-h">"Incidents"</h2>
                    {list}
                </section>
                {selected.map(detail)}
            }
            .into_any()
        }
    };
    view! {
        <h1 id="screen-title" tabindex="-1">"Communication scorecard"</h1>
        <p class="lede">"How the people each incident concerned were kept informed: the first public word, the promises of a next update, silences, deliveries and reviews."</p>
        <p><button type="button" id="scorecard-refresh" on:click=move |_| load()>"Refresh"</button></p>
        {body}
    }
}
