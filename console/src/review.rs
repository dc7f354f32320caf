//! The drafts waiting for a second person (the page's review policy): each with approve and send
//! back (a comment for the author) when this key may review it, and those sent back with their
//! comment. Which may be decided, and by whom, is `decide::reviews`.

use herald_shared::template::human_time;
use herald_shared::wire::{Created, SendBackRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;
use crate::ctx::Ctx;
use crate::decide::{self, ReviewRow};

/// The "Waiting for review" card, or nothing when no draft is held.
pub fn reviews(ctx: Ctx) -> impl IntoView {
    let me = ctx.me();
    let role = ctx.role();
    let rows: Vec<ReviewRow> = ctx.state.with(|s| {
        s.as_ref()
            .map(|s| decide::reviews(s, &me, role))
            .unwrap_or_default()
    });
    if rows.is_empty() {
        return ().into_any();
    }
    let items = rows
        .into_iter()
        .map(|r| untrack(|| row(ctx, r)))
        .collect_view();
    view! {
        <section aria-labelledby="reviews-h" class="card reviews">
            <h2 id="reviews-h">"Waiting for review"</h2>
            <ul class="reviews">{items}</ul>
        </section>
    }
    .into_any()
}

fn row(ctx: Ctx, r: ReviewRow) -> impl IntoView {
    let title_id = format!("review-{}", r.id);
    let comment_id = format!("comment-{}", r.id);
    let error_id = format!("{comment_id}-error");
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let decide_it = {
        let id = r.id.clone();
        move |approve: bool| {
            let Some(client) = ctx.client() else { return };
            let id = id.clone();
            busy.set(true);
            error.set(None);
            spawn_local(async move {
                let r: Result<Created, ApiError> = if approve {
                    client
                        .call("POST", &format!("reviews/{id}/approve"), None::<&()>)
                        .await
                } else {
                    let body = SendBackRequest {
                        comment: comment.get_untracked(),
                    };
                    client
                        .call("POST", &format!("reviews/{id}/send-back"), Some(&body))
                        .await
                };
                busy.set(false);
                match r {
                    Ok(_) => {
                        let _ = ctx.refresh().await;
                        ctx.flash.set(Some(
                            if approve {
                                "Approved and published."
                            } else {
                                "Sent back to its author."
                            }
                            .into(),
                        ));
                    }
                    Err(e) => {
                        ctx.check(&e);
                        error.set(Some(e));
                    }
                }
            });
        }
    };
    let approve = {
        let d = decide_it.clone();
        move |_| d(true)
    };
    let send_back = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        decide_it(false)
    };
    let state = if r.sent_back.is_some() {
        "sent-back"
    } else {
        "waiting"
    };
    let controls = if r.may_decide {
        view! {
            <div class="actions">
                <button type="button" class="primary approve" aria-describedby=title_id.clone()
                    disabled=move || busy.get() on:click=approve>"Approve and publish"</button>
            </div>
            <form class="send-back" on:submit=send_back novalidate>
                <div class="field">
                    <label for=comment_id.clone()>"Comment for the author"</label>
                    <textarea id=comment_id.clone() rows="2" aria-describedby=error_id.clone()
                        aria-invalid=move || error.with(|e| e.as_ref().and_then(ApiError::field) == Some("comment")).to_string()
                        prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                    <p class="error" id=error_id.clone()>{move || error.get().map(|e| e.message())}</p>
                </div>
                <button type="submit" class="send-back-button" aria-describedby=title_id.clone()
                    disabled=move || busy.get()>"Send back"</button>
            </form>
        }
        .into_any()
    } else if r.sent_back.is_none() {
        view! { <p class="hint">"Waiting for another key to review it."</p> }.into_any()
    } else {
        ().into_any()
    };
    view! {
        <li class="review" data-id=r.id.clone() data-state=state>
            <h3 id=title_id.clone()>{r.title.clone()}</h3>
            <p class="meta">
                <span class="badge">{r.kind}</span>
                " submitted by "<span class="author">{r.author.clone()}</span>
                " at "{human_time(r.submitted_at)}
            </p>
            <p class="latest">{r.body.clone()}</p>
            {r.sent_back.clone().map(|(by, c)| view! {
                <p class="sent-back">"Sent back by "{by}": "<q>{c}</q></p>
            })}
            {controls}
        </li>
    }
}
