//! herald-edge: the Cloudflare Worker. An imperative shell around `herald-shared`: it parses requests,
//! authorizes them, hands them to the page's Durable Object and turns the answer into HTTP.

mod auth;
mod bindings;
mod error;
mod page_object;
mod route;
mod routes;
pub mod status_page;

pub use page_object::PageObject;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let route = route::Route::parse(req.method(), &req.path());
    let answer = match route {
        Ok(route) => routes::handle(route, req, &env).await,
        Err(problem) => Err(problem),
    };
    match answer {
        Ok(resp) => Ok(resp),
        Err(err) => err.into_response(),
    }
}
