//! herald-edge: the Cloudflare Worker. An imperative shell around `herald-shared`: it parses requests,
//! authorizes them, hands them to the page's Durable Object and turns the answer into HTTP.

mod auth;
mod bindings;
mod client;
mod error;
mod notify;
mod page_object;
mod protocol;
mod route;
mod routes;
mod status_page;

pub use page_object::PageObject;

use worker::{
    event, Context, Env, MessageBatch, Request, Response, Result, ScheduleContext, ScheduledEvent,
};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    if (path == "/_dev/outbox" || path == "/_dev/outbox.json") && routes::dev::enabled(&env) {
        return routes::dev::outbox(&env, path.ends_with(".json"))
            .await
            .or_else(|err| err.into_response());
    }
    if path == "/_dev/faults" && req.method() == worker::Method::Post && routes::dev::enabled(&env)
    {
        return routes::dev::faults(req)
            .await
            .or_else(|err| err.into_response());
    }
    if let Some(page) = path.strip_prefix("/_dev/clock/") {
        if routes::dev::enabled(&env)
            && herald_shared::command::is_slug(page)
            && req.method() == worker::Method::Post
        {
            let mut req = req;
            let at = req.text().await?;
            return client::dev_clock(&env, page, at)
                .await
                .or_else(|err| err.into_response());
        }
    }
    if let Some(page) = path.strip_prefix("/_dev/live/") {
        // GET counts a page's live sockets, POST closes them all (tests see readers fall back).
        if routes::dev::enabled(&env) && herald_shared::command::is_slug(page) {
            let close = req.method() == worker::Method::Post;
            return client::dev_live(&env, page, close)
                .await
                .or_else(|err| err.into_response());
        }
    }
    if let Some(page) = path.strip_prefix("/_dev/storage/") {
        if routes::dev::enabled(&env) && herald_shared::command::is_slug(page) {
            return client::dev_dump(&env, page)
                .await
                .or_else(|err| err.into_response());
        }
    }
    let answer = match route::Route::parse(req.method(), &path) {
        Ok(route) => routes::handle(route, req, &env).await,
        Err(problem) => Err(problem),
    };
    answer.or_else(|err| err.into_response())
}

/// The NOTIFY queue's consumer: sends notification jobs, and gives up on those that come back from
/// its dead-letter queue (see `notify`).
#[event(queue)]
async fn queue(
    batch: MessageBatch<herald_shared::wire::internal::Job>,
    env: Env,
    _ctx: Context,
) -> Result<()> {
    notify::consume(batch, env).await
}

/// The cron trigger: each page's scheduled work (reminders, overdue promises, acknowledgement
/// escalation), page by page; one failing page does not stop the others.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let pages = match client::pages(&env).await {
        Ok(p) => p,
        Err(e) => {
            worker::console_error!("scheduled: no page list: {e:?}");
            return;
        }
    };
    for page in pages {
        match client::tick(&env, &page).await {
            Ok(r) if r.status_code() == 200 => {}
            Ok(r) => worker::console_error!("scheduled: {page}: {}", r.status_code()),
            Err(e) => worker::console_error!("scheduled: {page}: {e:?}"),
        }
    }
}
