//! Notifications: every message sent for the page, newest first, each with its delivery counts in
//! all and channel by channel, read again every few seconds while deliveries progress; a
//! message's detail lists the failures with the provider's error, "retry now" and "send by ..."
//! their other channel, and, for notices that ask for it, who has not acknowledged, with
//! "escalate now".

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use gloo_timers::future::TimeoutFuture;
use herald_shared::subscriber::SubscriberChannel;
use herald_shared::wire::{
    DeliveryReport, Escalated, NotificationInfo, RetryDelivery, RetryStarted,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiError, Client};
use crate::ctx::Ctx;
use crate::decide;

/// The newest messages the screen follows.
const SHOWN: u32 = 20;

type Row = (NotificationInfo, DeliveryReport);

async fn read(client: &Client) -> Result<Vec<Row>, ApiError> {
    let list: Vec<NotificationInfo> = client
        .call("GET", &format!("notifications?limit={SHOWN}"), None::<&()>)
        .await?;
    let mut rows = Vec::with_capacity(list.len());
    for n in list {
        let report: DeliveryReport = client
            .call(
                "GET",
                &format!("notifications/{}/deliveries", n.id),
                None::<&()>,
            )
            .await?;
        rows.push((n, report));
    }
    Ok(rows)
}

/// "Escalate now": the message again on the fallback channel of those who have not acknowledged.
fn escalate(ctx: Ctx, id: String, busy: RwSignal<bool>) {
    let Some(client) = ctx.client() else { return };
    busy.set(true);
    spawn_local(async move {
        let r: Result<Escalated, ApiError> = client
            .call("POST", &format!("notifications/{id}/escalate"), None::<&()>)
            .await;
        busy.set(false);
        let note = match r {
            Ok(e) => format!(
                "Escalated: sent again to {} on their fallback channel.",
                e.escalated
            ),
            Err(e) => {
                ctx.check(&e);
                e.message()
            }
        };
        ctx.flash.set(Some(note));
    });
}

/// "Retry now" (`channel` None) or "send on another channel": the recipient is tried again.
fn retry(ctx: Ctx, id: String, subscriber: String, channel: Option<SubscriberChannel>) {
    let Some(client) = ctx.client() else { return };
    spawn_local(async move {
        let body = RetryDelivery { channel };
        let r: Result<RetryStarted, ApiError> = client
            .call(
                "POST",
                &format!("notifications/{id}/deliveries/{subscriber}/retry"),
                Some(&body),
            )
            .await;
        let note = match r {
            Ok(started) => format!(
                "Trying {} again by {}.",
                started.subscriber_id,
                decide::channel_name(started.channel)
            ),
            Err(e) => {
                ctx.check(&e);
                e.message()
            }
        };
        ctx.flash.set(Some(note));
    });
}

fn detail(ctx: Ctx, n: NotificationInfo, r: DeliveryReport, title: String) -> impl IntoView {
    let may_retry = decide::Abilities::of(ctx.role()).communicate;
    let failures = if r.failures.is_empty() {
        view! { <p class="empty">"No failure."</p> }.into_any()
    } else {
        let rows = r
            .failures
            .iter()
            .map(|f| {
                let offered = if may_retry { decide::retry_actions(f) } else { Vec::new() };
                let actions = offered
                    .into_iter()
                    .map(|(channel, label)| {
                        let (id, sub) = (n.id.clone(), f.subscriber_id.clone());
                        let class = if channel.is_some() { "action resend" } else { "action retry" };
                        let aria = format!("{label}: {sub}");
                        view! {
                            <button type="button" class=class aria-label=aria
                                data-channel=channel.map(|c| c.as_str())
                                on:click=move |_| retry(ctx, id.clone(), sub.clone(), channel)>{label}</button>
                        }
                    })
                    .collect_view();
                view! {
                    <tr data-subscriber=f.subscriber_id.clone()>
                        <th scope="row">{f.subscriber_id.clone()}</th>
                        <td>{f.channel.as_str()}</td>
                        <td>{f.attempts}</td>
                        <td class="provider-error">{f.error.clone().unwrap_or_else(|| "\u{2014}".into())}</td>
                        <td class="actions">{actions}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="failures">
                <caption class="visually-hidden">"Failures"</caption>
                <thead><tr><th scope="col">"Subscriber"</th><th scope="col">"Last channel"</th><th scope="col">"Attempts"</th><th scope="col">"Provider's error"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let unacked = (r.acknowledged.is_some()).then(|| {
        let list = if r.unacknowledged.is_empty() {
            view! { <p class="empty">"Everyone reached has acknowledged."</p> }.into_any()
        } else {
            let items = r
                .unacknowledged
                .iter()
                .map(|id| view! { <li>{id.clone()}</li> })
                .collect_view();
            view! { <ul class="unacknowledged">{items}</ul> }.into_any()
        };
        let offered = !r.unacknowledged.is_empty() && decide::Abilities::of(ctx.role()).communicate;
        let busy = RwSignal::new(false);
        let id = n.id.clone();
        let button = offered.then(|| {
            view! {
                <p><button type="button" id="escalate-now" disabled=move || busy.get()
                    on:click=move |_| escalate(ctx, id.clone(), busy)>"Escalate now"</button></p>
                <p class="hint">"Sends it again on the fallback channel of those who have not acknowledged."</p>
            }
        });
        view! { <h3>"Not acknowledged"</h3> {list} {button} }
    });
    let figures = decide::delivery_figures(&r)
        .into_iter()
        .map(|f| {
            view! {
                <div class="figure" data-figure=f.key><dt>{f.label}</dt><dd>{f.value}</dd></div>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="message-h" class="card" id="notification-detail" data-notification=n.id.clone()>
            <h2 id="message-h">{title}</h2>
            <p class="hint">{format!("Sent {}", n.created_at)}</p>
            <dl class="figures" id="delivery-figures">{figures}</dl>
            <h3>"Failures"</h3>
            {failures}
            {unacked}
        </section>
    }
}

pub fn notifications(ctx: Ctx) -> impl IntoView {
    let rows = RwSignal::new(None::<Result<Vec<Row>, ApiError>>);
    let chosen = RwSignal::new(None::<String>);
    // Follows the deliveries while this screen is shown (leaving it, or signing out, stops it).
    let epoch = ctx.epoch.get_untracked();
    let shown = Arc::new(AtomicBool::new(true));
    on_cleanup({
        let shown = shown.clone();
        move || shown.store(false, Ordering::Relaxed)
    });
    spawn_local(async move {
        let mut failures = 0;
        loop {
            let Some(client) = ctx.client() else { return };
            let r = read(&client).await;
            failures = match &r {
                Ok(_) => 0,
                Err(e) => {
                    ctx.check(e);
                    failures + 1
                }
            };
            rows.set(Some(r));
            TimeoutFuture::new(decide::poll_delay_ms(failures)).await;
            if ctx.epoch.get_untracked() != epoch || !shown.load(Ordering::Relaxed) {
                return;
            }
        }
    });
    let body = move || match rows.get() {
        None => view! { <p role="status">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="form-error" role="alert">{e.message()}</p> }.into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="empty">"No message has been sent yet."</p> }.into_any()
        }
        Some(Ok(list)) => {
            let titled: Vec<(NotificationInfo, DeliveryReport, String)> = ctx.state.with(|s| {
                list.iter()
                    .map(|(n, r)| {
                        let title = s
                            .as_ref()
                            .map(|s| decide::notification_title(n, s))
                            .unwrap_or_else(|| n.event.clone());
                        (n.clone(), r.clone(), title)
                    })
                    .collect()
            });
            let selected = chosen
                .get()
                .and_then(|id| titled.iter().find(|(n, _, _)| n.id == id).cloned());
            let rows = titled
                .into_iter()
                .map(|(n, r, title)| {
                    let id = n.id.clone();
                    let row_id = id.clone();
                    let label = format!("Details of {title}");
                    let ack = r.acknowledged.map_or_else(|| "\u{2014}".into(), |a| a.to_string());
                    let figures = decide::delivery_figures(&r);
                    let cell = |key: &str| {
                        figures
                            .iter()
                            .find(|f| f.key == key)
                            .map(|f| f.value.clone())
                            .unwrap_or_default()
                    };
                    let lines = decide::channel_lines(&r)
                        .into_iter()
                        .map(|(c, line)| view! { <li data-channel=c.as_str()>{line}</li> })
                        .collect_view();
                    view! {
                        <tr data-notification=row_id>
                            <th scope="row">{title}</th>
                            <td><ul class="by-channel">{lines}</ul></td>
                            <td>{n.created_at.clone()}</td>
                            <td data-figure="recipients">{cell("recipients")}</td>
                            <td data-figure="sent">{cell("sent")}</td>
                            <td data-figure="delivered">{cell("delivered")}</td>
                            <td data-figure="failed">{cell("failed")}</td>
                            <td data-figure="pending">{cell("pending")}</td>
                            <td data-figure="acknowledged">{ack}</td>
                            <td><button type="button" class="action details" aria-label=label
                                on:click=move |_| chosen.set(Some(id.clone()))>"Details"</button></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <section aria-labelledby="sent-h" class="card">
                    <h2 id="sent-h">"Messages sent"</h2>
                    <table id="notifications">
                        <caption class="visually-hidden">"Messages sent, newest first"</caption>
                        <thead><tr><th scope="col">"Message"</th><th scope="col">"By channel"</th><th scope="col">"Sent at"</th><th scope="col">"Recipients"</th><th scope="col">"Sent"</th><th scope="col">"Delivered"</th><th scope="col">"Failed"</th><th scope="col">"Pending"</th><th scope="col">"Acknowledged"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </section>
                {selected.map(|(n, r, t)| detail(ctx, n, r, t))}
            }
            .into_any()
        }
    };
    view! {
        <h1 id="screen-title" tabindex="-1">"Notifications"</h1>
        <p class="lede">"Every message sent for this page, newest first, and where its deliveries stand. It follows them as they progress."</p>
        {body}
    }
}
