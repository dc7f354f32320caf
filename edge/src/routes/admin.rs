//! The admin API: bearer keys (the root key is checked here, page keys by the page object),
//! size-limited bodies, `Idempotency-Key` and `If-Match` passed through to the page object; a 304
//! for the page's `GET` while its version ETag still matches `If-None-Match`, and for the other
//! reads the console polls while the ETag of their body does.

use worker::{Env, Request, Response};

use crate::auth;
use crate::client::{self, AdminCall};
use crate::error::{ApiError, ApiResult};
use crate::protocol::Caller;
use crate::route::AdminOp;

/// Largest admin request body accepted (a Statuspage import can be large).
const MAX_BODY_BYTES: usize = 1024 * 1024;

async fn body(req: &mut Request) -> ApiResult<String> {
    super::body::read(req, MAX_BODY_BYTES)
        .await?
        .map_err(|r| r.problem())
}

/// Writes that take no body (the path says everything). Anything but nothing (or `{}`) sent to
/// them is refused rather than ignored, so a garbled request never acts.
fn bodiless(op: &AdminOp) -> bool {
    matches!(
        op,
        AdminOp::RotateWidgetSecret
            | AdminOp::RevokeKey { .. }
            | AdminOp::DeleteSubscriber { .. }
            | AdminOp::DeleteTemplate { .. }
            | AdminOp::ApproveReview { .. }
    )
}

pub async fn handle(mut req: Request, env: &Env, page: &str, op: AdminOp) -> ApiResult<Response> {
    let presented = auth::bearer(&req)?.ok_or_else(ApiError::unauthorized)?;
    let caller = if auth::is_root(&presented, env)? {
        Caller::Root
    } else {
        Caller::Key(presented)
    };
    let body = body(&mut req).await?;
    if bodiless(&op) && !matches!(body.trim(), "" | "{}") {
        return Err(ApiError::client(
            400,
            "unexpected-body",
            "This endpoint takes no body",
            "send no body (or `{}`): the path names everything this request does",
        ));
    }
    let if_none_match = req.headers().get("if-none-match")?;
    let call = AdminCall {
        op: &op,
        caller,
        body,
        query: req.url()?.query().unwrap_or("").to_owned(),
        idempotency_key: req.headers().get("idempotency-key")?,
        if_match: req.headers().get("if-match")?,
        base: req.url()?.origin().ascii_serialization(),
    };
    let base = call.base.clone();
    let answer = client::admin(env, page, call).await;
    if op.writes() {
        super::public::refresh(page, &super::public::bases_of(page, &base, env)).await;
    }
    if matches!(op, AdminOp::PutPage | AdminOp::ImportStatuspage)
        && answer.as_ref().is_ok_and(|r| r.status_code() < 300)
    {
        // The cron trigger walks the directory; a page missing from it gets no reminders.
        if let Err(e) = client::register(env, page).await {
            worker::console_error!("page {page} not in the directory: {e:?}");
        }
    }
    match answer {
        Ok(resp)
            if resp.status_code() == 200 && (op == AdminOp::GetPage || tagged_by_body(&op)) =>
        {
            let resp = if tagged_by_body(&op) {
                with_body_tag(resp).await?
            } else {
                resp
            };
            match if_none_match {
                Some(tags) => not_modified(resp, &tags),
                None => Ok(resp),
            }
        }
        answer => answer,
    }
}

/// Reads whose answer gets a strong ETag of its body (the page's own `GET` has its version's):
/// what the console reads again and again. Writes, the lint (a `POST`) and the audited export
/// are not among them.
fn tagged_by_body(op: &AdminOp) -> bool {
    !op.writes()
        && !matches!(
            op,
            AdminOp::GetPage | AdminOp::Lint | AdminOp::ExportSubscribers
        )
}

/// `resp` with the ETag of its body.
async fn with_body_tag(mut resp: Response) -> ApiResult<Response> {
    let body = resp.text().await?;
    let headers = resp.headers().clone();
    headers.set("etag", &crate::page_object::etag_of(body.as_bytes()))?;
    Ok(Response::ok(body)?.with_status(200).with_headers(headers))
}

/// The answer unchanged since the one the caller holds: 304 and no body (the console polls).
fn not_modified(resp: Response, tags: &str) -> ApiResult<Response> {
    let etag = resp.headers().get("etag")?;
    match etag {
        Some(etag) if super::public::etag_matches(tags, &etag) => {
            let headers = worker::Headers::new();
            headers.set("etag", &etag)?;
            headers.set("cache-control", "no-store")?;
            // A list's next page is not in the body: the caller keeps it with the body.
            if let Some(link) = resp.headers().get("link")? {
                headers.set("link", &link)?;
            }
            Ok(Response::empty()?.with_status(304).with_headers(headers))
        }
        _ => Ok(resp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reads_the_console_polls_are_tagged_by_their_body() {
        let notification = || "ntf_1".to_owned();
        let cases = [
            (AdminOp::ListNotifications, true),
            (
                AdminOp::Deliveries {
                    notification: notification(),
                },
                true,
            ),
            (AdminOp::PeriodScorecard, true),
            (AdminOp::Audit, true),
            (AdminOp::ListKeys, true),
            // The page's version is its tag; the lint is a POST; an export is audited each time.
            (AdminOp::GetPage, false),
            (AdminOp::Lint, false),
            (AdminOp::ExportSubscribers, false),
            (AdminOp::OpenIncident, false),
            (
                AdminOp::Escalate {
                    notification: notification(),
                },
                false,
            ),
        ];
        for (op, want) in cases {
            assert_eq!(tagged_by_body(&op), want, "{op:?}");
        }
    }
}
