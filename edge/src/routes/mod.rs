//! Handlers, one file per resource. Each is thin: parse, authorize, call the page object, respond.

mod admin;
mod public;

use worker::{Env, Request, Response};

use crate::error::ApiResult;
use crate::route::Route;

pub async fn handle(route: Route, req: Request, env: &Env) -> ApiResult<Response> {
    match route {
        Route::Preflight => public::preflight(),
        Route::Banner { page } => public::banner(req, env, &page).await,
        Route::PutPage { page } => admin::put_page(req, env, &page).await,
        Route::OpenIncident { page } => admin::open_incident(req, env, &page).await,
        Route::PostUpdate { page, incident } => {
            admin::post_update(req, env, &page, &incident).await
        }
    }
}
