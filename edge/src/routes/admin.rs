//! The admin write path: authenticated, size-limited, forwarded to the page's Durable Object.

use worker::{Env, Request, Response};

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::page_object;

/// Largest admin request body accepted.
const MAX_BODY_BYTES: usize = 64 * 1024;

async fn body(req: &mut Request) -> ApiResult<String> {
    let declared = req
        .headers()
        .get("content-length")?
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let text = req.text().await?;
    if text.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(text)
}

fn too_large() -> ApiError {
    ApiError::client(
        413,
        "body-too-large",
        "Request body too large",
        format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
    )
}

async fn forward(
    mut req: Request,
    env: &Env,
    page: &str,
    method: &str,
    path: &str,
) -> ApiResult<Response> {
    let actor = auth::admin(&req, env)?;
    let body = body(&mut req).await?;
    let answer = page_object::call(env, page, method, path, Some((&actor.key_id, body))).await;
    super::public::invalidate(page);
    answer
}

pub async fn put_page(req: Request, env: &Env, page: &str) -> ApiResult<Response> {
    forward(req, env, page, "PUT", "/page").await
}

pub async fn open_incident(req: Request, env: &Env, page: &str) -> ApiResult<Response> {
    forward(req, env, page, "POST", "/incidents").await
}

pub async fn post_update(
    req: Request,
    env: &Env,
    page: &str,
    incident: &str,
) -> ApiResult<Response> {
    forward(
        req,
        env,
        page,
        "POST",
        &format!("/incidents/{incident}/updates"),
    )
    .await
}
