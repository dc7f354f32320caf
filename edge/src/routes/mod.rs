//! Handlers, one file per kind of resource. Each is thin: parse, authorize, call the page object,
//! respond.

mod admin;
mod public;

use worker::{Env, Request, Response};

use crate::error::ApiResult;
use crate::route::Route;

pub async fn handle(route: Route, req: Request, env: &Env) -> ApiResult<Response> {
    match route {
        Route::Preflight => public::preflight(),
        Route::OpenApi => public::openapi(),
        Route::Public { page, doc } => public::doc(req, env, page, doc).await,
        Route::Admin { page, op } => admin::handle(req, env, &page, op).await,
    }
}
