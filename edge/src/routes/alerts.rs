//! Alerts in: `POST /v1/pages/{page}/integrations/{integration}/alerts`, a delivery from
//! Alertmanager, Grafana or the generic JSON form. The integration's own secret comes as
//! `Authorization: Bearer` (never a page key, never in the URL); the body is read up to its limit and
//! handed to the page object, which checks the secret and commits what the delivery causes.

use worker::{Env, Request, Response};

use crate::auth;
use crate::client;
use crate::error::{ApiError, ApiResult};

/// Largest delivery accepted: Alertmanager groups many alerts into one webhook.
const MAX_BODY_BYTES: usize = 256 * 1024;

pub async fn deliver(
    mut req: Request,
    env: &Env,
    page: &str,
    integration: &str,
) -> ApiResult<Response> {
    let secret = auth::bearer(&req)?.ok_or_else(ApiError::unauthorized)?;
    let body = super::body::read(&mut req, MAX_BODY_BYTES)
        .await?
        .map_err(|r| r.problem())?;
    let base = req.url()?.origin().ascii_serialization();
    let answer = client::alerts(env, page, integration, &secret, &base, body).await;
    if answer.as_ref().is_ok_and(|r| r.status_code() < 300) {
        super::public::refresh(page, &super::public::bases_of(page, &base, env)).await;
    }
    answer
}
