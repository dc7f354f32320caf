//! Handlers, one file per kind of resource. Each is thin: parse, authorize, call the page object,
//! respond.

mod admin;
mod alerts;
mod body;
pub mod dev;
mod pages;
mod public;
mod subscriptions;

use worker::{Env, Request, Response};

use crate::error::ApiResult;
use crate::notify::token::Purpose;
use crate::route::Route;

pub async fn handle(route: Route, req: Request, env: &Env) -> ApiResult<Response> {
    match route {
        Route::Preflight => public::preflight(),
        Route::OpenApi => public::openapi(),
        Route::Public { page, doc } => public::doc(req, env, page, doc).await,
        Route::Html { page, view } => public::html(req, env, &page, &view).await,
        Route::Live { page, console } => public::live(req, env, &page, console).await,
        Route::Uptime { page, component } => public::uptime(req, env, &page, &component).await,
        Route::Alerts { page, integration } => alerts::deliver(req, env, &page, &integration).await,
        Route::Admin { page, op } => admin::handle(req, env, &page, op).await,
        Route::Subscribe { page } => subscriptions::subscribe(req, env, &page).await,
        Route::PushSubscribe { page } => subscriptions::push_subscribe(req, env, &page).await,
        Route::PushKey { page } => subscriptions::push_key(env, &page).await,
        Route::Confirm => subscriptions::follow(req, env, Purpose::Confirm).await,
        Route::Unsubscribe => subscriptions::follow(req, env, Purpose::Unsubscribe).await,
        Route::Receipt => subscriptions::receipt(req, env).await,
        Route::Manage => subscriptions::manage(req, env).await,
        Route::EmailEvents { page } => subscriptions::email_events(req, env, &page).await,
        Route::SmsEvents { page } => subscriptions::sms_events(req, env, &page).await,
    }
}
