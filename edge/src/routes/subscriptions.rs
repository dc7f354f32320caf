//! Subscribing and the links in subscription emails: `POST /v1/pages/{page}/subscriptions` (JSON from
//! scripts, or a plain HTML form from the status page, answered with a small HTML page), the confirm
//! link, and one-click unsubscribe (RFC 8058: GET from a person, POST from a mail client).

use herald_shared::subscriber::WebhookFormat;
use herald_shared::template::pages::{self as words, Notice};
use herald_shared::wire::{Problem, PushSubscribeRequest, SubscribeRequest};
use worker::{Env, Headers, Request, Response};

use herald_shared::wire::internal::{
    LinkOutcome, ManageSave, ManageView, ProviderEvent, PushSubscribeCall, SubscribeCall,
};

use super::body;
use super::pages::{self, Choice, ManageInput};
use crate::client;
use crate::error::{ApiError, ApiResult};
use crate::notify::token::{self, Purpose};

/// Largest subscription request body accepted.
const MAX_BODY_BYTES: usize = 8 * 1024;

/// A one-message page (`notice.html`) with `status`.
fn html_page(status: u16, notice: &Notice) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::ok(super::pages::notice(notice))?
        .with_status(status)
        .with_headers(headers))
}

/// The detail of a problem answer, or a general sentence when it has none.
fn detail_of(body: &str) -> String {
    serde_json::from_str::<Problem>(body)
        .map(|p| p.detail)
        .unwrap_or_else(|_| words::FALLBACK_DETAIL.into())
}

/// Reads a form body: `email`, `phone` or `webhook`, `components` (repeated or comma-separated),
/// `locale` and the honeypot.
fn parse_form(body: &str) -> ApiResult<SubscribeRequest> {
    let url = worker::Url::parse(&format!("https://form.invalid/?{body}"))
        .map_err(|e| ApiError::Server(e.to_string()))?;
    let mut r = SubscribeRequest::default();
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "email" => r.email = v.into_owned(),
            "phone" => r.phone = v.into_owned(),
            "webhook" => r.webhook = v.into_owned(),
            "components" | "components[]" => r.components.extend(
                v.split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
            ),
            "website" => r.website = v.into_owned(),
            "locale" => r.locale = v.into_owned(),
            "format" => {
                r.format = WebhookFormat::from_name(&v).ok_or_else(|| {
                    ApiError::client(
                        422,
                        "validation",
                        "The request is not valid",
                        "format must be herald or statuspage",
                    )
                    .with_field("format")
                })?
            }
            _ => {}
        }
    }
    Ok(r)
}

/// A subscription request as the page object takes it: who asked, from where.
fn subscribe_call(
    req: &Request,
    request: SubscribeRequest,
    moving: Option<String>,
) -> ApiResult<SubscribeCall> {
    let ip = req
        .headers()
        .get("cf-connecting-ip")?
        .or(req.headers().get("x-real-ip")?)
        .unwrap_or_else(|| "unknown".into());
    Ok(SubscribeCall {
        request,
        ip,
        base: req.url()?.origin().ascii_serialization(),
        origin: req.headers().get("origin")?,
        moving,
    })
}

pub async fn subscribe(mut req: Request, env: &Env, page: &str) -> ApiResult<Response> {
    let ctype = req
        .headers()
        .get("content-type")?
        .unwrap_or_default()
        .to_ascii_lowercase();
    let form = ctype.starts_with("application/x-www-form-urlencoded");
    let text = body::read(&mut req, MAX_BODY_BYTES)
        .await?
        .map_err(|r| r.problem())?;
    let request = if form {
        parse_form(&text)?
    } else {
        serde_json::from_str(&text).map_err(|e| ApiError::bad_json(&e))?
    };
    let call = subscribe_call(&req, request.clone(), None)?;
    let origin = call.origin.clone();
    let mut answer = client::subscribe(env, page, &call).await?;
    let status = answer.status_code();
    let body = answer.text().await?;
    if form {
        return if status == 202 {
            let notice = if !request.phone.trim().is_empty() {
                words::check_phone()
            } else if !request.webhook.trim().is_empty() {
                let secret = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["signing_secret"].as_str().map(str::to_owned));
                words::webhook_pending(secret.as_deref())
            } else {
                words::check_inbox()
            };
            html_page(202, &notice)
        } else {
            html_page(status, &words::not_accepted(&detail_of(&body)))
        };
    }
    let headers = Headers::new();
    let ctype = answer
        .headers()
        .get("content-type")?
        .unwrap_or_else(|| "application/json".into());
    headers.set("content-type", &ctype)?;
    headers.set("cache-control", "no-store")?;
    // The page object decided whether this origin may subscribe; the answer is readable by it.
    headers.set(
        "access-control-allow-origin",
        origin.as_deref().unwrap_or("*"),
    )?;
    headers.set("vary", "Origin")?;
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// `POST /v1/pages/{page}/push/subscriptions`: a browser's `PushSubscription` with its chosen
/// components, from the status page's script (or any script on an allowed origin).
pub async fn push_subscribe(mut req: Request, env: &Env, page: &str) -> ApiResult<Response> {
    let text = body::read(&mut req, MAX_BODY_BYTES)
        .await?
        .map_err(|r| r.problem())?;
    let request: PushSubscribeRequest =
        serde_json::from_str(&text).map_err(|e| ApiError::bad_json(&e))?;
    let call = subscribe_call(&req, SubscribeRequest::default(), None)?;
    let call = PushSubscribeCall {
        request,
        ip: call.ip,
        base: call.base,
        origin: call.origin,
    };
    let origin = call.origin.clone();
    let mut answer = client::push_subscribe(env, page, &call).await?;
    let status = answer.status_code();
    let body = answer.text().await?;
    let headers = Headers::new();
    let ctype = answer
        .headers()
        .get("content-type")?
        .unwrap_or_else(|| "application/json".into());
    headers.set("content-type", &ctype)?;
    headers.set("cache-control", "no-store")?;
    headers.set(
        "access-control-allow-origin",
        origin.as_deref().unwrap_or("*"),
    )?;
    headers.set("vary", "Origin")?;
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// `GET /v1/pages/{page}/push/key`: the page's VAPID public key, public and stable.
pub async fn push_key(env: &Env, page: &str) -> ApiResult<Response> {
    let mut answer = client::push_key(env, page).await?;
    let status = answer.status_code();
    let body = answer.text().await?;
    let headers = Headers::new();
    let ctype = answer
        .headers()
        .get("content-type")?
        .unwrap_or_else(|| "application/json; charset=utf-8".into());
    headers.set("content-type", &ctype)?;
    headers.set("access-control-allow-origin", "*")?;
    if status == 200 {
        headers.set("cache-control", "public, max-age=300")?;
    }
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// The `token` query parameter of a link (empty when absent).
fn query_token(req: &Request) -> ApiResult<String> {
    Ok(req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default())
}

/// The token of a link's POST: the form's `token` field (the button of the link's page), else the
/// query (a mail client's RFC 8058 one-click POST to the link itself).
async fn posted_token(req: &mut Request) -> ApiResult<String> {
    let body = body::read(req, MAX_BODY_BYTES).await?.unwrap_or_default();
    let field = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .filter(|t| !t.is_empty());
    match field {
        Some(t) => Ok(t),
        None => query_token(req),
    }
}

/// The page a link token names, when it is a valid page slug (checked again by the page object).
fn page_of(token: &str) -> Option<&str> {
    token::page_of(token).filter(|p| herald_shared::command::is_slug(p))
}

/// What opening a link shows: a page whose one button posts back to the link. Mail scanners open
/// every link in a message; only a person pressing the button (or a mail client's RFC 8058
/// one-click POST) changes anything.
fn prompt(req: &Request, a: &words::Action, token: &str) -> ApiResult<Response> {
    let action = req.url()?.path().to_owned();
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    headers.set("referrer-policy", "no-referrer")?;
    Ok(Response::ok(pages::action(a, &action, token))?.with_headers(headers))
}

fn is_post(req: &Request) -> bool {
    req.method() == worker::Method::Post
}

/// Follows a confirm or unsubscribe link (on POST) and shows the result as a page.
pub async fn follow(mut req: Request, env: &Env, purpose: Purpose) -> ApiResult<Response> {
    let invalid = || html_page(404, &words::link_not_valid());
    if !is_post(&req) {
        let token = query_token(&req)?;
        let kind = match purpose {
            Purpose::Confirm => "confirm",
            _ => "unsubscribe",
        };
        let Some(page) = page_of(&token) else {
            return invalid();
        };
        if !client::check_link(env, page, kind, &token).await? {
            return invalid();
        }
        return match purpose {
            Purpose::Confirm => prompt(&req, &words::confirm_prompt(), &token),
            Purpose::Unsubscribe => prompt(&req, &words::unsubscribe_prompt(), &token),
            Purpose::Manage => invalid(),
        };
    }
    let token = posted_token(&mut req).await?;
    let Some(page) = page_of(&token) else {
        return invalid();
    };
    let mut answer = client::follow(env, page, &token, purpose).await?;
    let text = answer.text().await?;
    if answer.status_code() != 200 {
        return invalid();
    }
    let outcome: LinkOutcome =
        serde_json::from_str(&text).map_err(|e| ApiError::Server(e.to_string()))?;
    match purpose {
        Purpose::Confirm => html_page(200, &words::confirmed(&outcome.page_name)),
        Purpose::Unsubscribe => html_page(200, &words::unsubscribed(&outcome.page_name)),
        // Manage links have their own page (`manage`).
        Purpose::Manage => invalid(),
    }
}

/// Records an acknowledgement from a receipt link (on POST) and thanks the person.
pub async fn receipt(mut req: Request, env: &Env) -> ApiResult<Response> {
    let invalid = || html_page(404, &words::receipt_not_valid());
    if !is_post(&req) {
        let token = query_token(&req)?;
        let Some(page) = page_of(&token) else {
            return invalid();
        };
        if !client::check_link(env, page, "receipt", &token).await? {
            return invalid();
        }
        return prompt(&req, &words::receipt_prompt(), &token);
    }
    let token = posted_token(&mut req).await?;
    let Some(page) = page_of(&token) else {
        return invalid();
    };
    let mut answer = client::receipt(env, page, &token).await?;
    let text = answer.text().await?;
    if answer.status_code() != 200 {
        return invalid();
    }
    let outcome: LinkOutcome =
        serde_json::from_str(&text).map_err(|e| ApiError::Server(e.to_string()))?;
    html_page(200, &words::receipt_recorded(&outcome.page_name))
}

/// The manage page: which components the subscriber hears about (a form that works without
/// JavaScript), and saving a new choice.
pub async fn manage(mut req: Request, env: &Env) -> ApiResult<Response> {
    let post = req.method() == worker::Method::Post;
    let (token, components) = if post {
        let Ok(body) = body::read(&mut req, MAX_BODY_BYTES).await? else {
            return html_page(413, &words::form_too_large());
        };
        let mut token = String::new();
        let mut components = Vec::new();
        let mut moving = false;
        for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
            match k.as_ref() {
                "token" => token = v.into_owned(),
                "components" => components.push(v.into_owned()),
                "action" => moving = v == "move",
                _ => {}
            }
        }
        if moving {
            return move_to(&req, env, token, &body).await;
        }
        (token, Some(components))
    } else {
        (query_token(&req)?, None)
    };
    let invalid = || html_page(404, &words::subscription_not_found());
    let Some(page) = page_of(&token) else {
        return invalid();
    };
    let saved = components.is_some();
    let body = match components {
        Some(components) => serde_json::to_string(&ManageSave {
            token: token.clone(),
            components,
        })
        .map_err(|e| ApiError::Server(e.to_string()))?,
        None => token.clone(),
    };
    let mut answer = client::manage(env, page, body, saved).await?;
    let text = answer.text().await?;
    match answer.status_code() {
        200 => {}
        404 => return invalid(),
        status => return html_page(status, &words::not_saved(&detail_of(&text))),
    }
    let view: ManageView =
        serde_json::from_str(&text).map_err(|e| ApiError::Server(e.to_string()))?;
    manage_form(&view, &token, saved)
}

/// The manage page's second form: the same subscription, moved to another email address or phone
/// number once that one confirms; until then messages keep going where they went.
async fn move_to(req: &Request, env: &Env, token: String, body: &str) -> ApiResult<Response> {
    let Some(page) = page_of(&token).map(str::to_owned) else {
        return html_page(404, &words::subscription_not_found());
    };
    let mut request = parse_form(body)?;
    request.components.clear();
    if !request.webhook.trim().is_empty() {
        return html_page(422, &words::webhooks_do_not_move());
    }
    let by_text = !request.phone.trim().is_empty();
    let call = subscribe_call(req, request, Some(token))?;
    let mut answer = client::subscribe(env, &page, &call).await?;
    let status = answer.status_code();
    let text = answer.text().await?;
    if status == 202 {
        return html_page(202, &words::move_pending(by_text));
    }
    html_page(status, &words::not_changed(&detail_of(&text)))
}

fn manage_form(view: &ManageView, token: &str, saved: bool) -> ApiResult<Response> {
    let body = super::pages::manage(&ManageInput {
        page_name: &view.page_name,
        address: &view.address,
        channel: view.channel.as_str(),
        choices: view
            .components
            .iter()
            .map(|c| Choice {
                id: &c.id,
                name: &c.name,
                checked: c.checked,
            })
            .collect(),
        token,
        saved,
    });
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    headers.set("referrer-policy", "no-referrer")?;
    Ok(Response::ok(body)?.with_headers(headers))
}

/// The email provider's delivery events (Resend's webhook: signed like Standard Webhooks, with
/// `svix-*` or `webhook-*` headers): `email.delivered` marks the attempt delivered; a bounce or
/// complaint marks it failed. Configure `{origin}/v1/providers/{page}/email-events` at the provider
/// and its signing secret as `HERALD_EMAIL_EVENTS_SECRET`.
pub async fn email_events(mut req: Request, env: &Env, page: &str) -> ApiResult<Response> {
    let refused = |detail: &str| {
        ApiError::client(
            401,
            "bad-signature",
            "Event not signed by the provider",
            detail,
        )
    };
    let secret = crate::notify::var(env, crate::bindings::EMAIL_EVENTS_SECRET)
        .ok_or_else(|| refused("no HERALD_EMAIL_EVENTS_SECRET is configured"))?;
    let header = |a: &str, b: &str| -> ApiResult<Option<String>> {
        Ok(req.headers().get(a)?.or(req.headers().get(b)?))
    };
    let (Some(id), Some(ts), Some(sig)) = (
        header("webhook-id", "svix-id")?,
        header("webhook-timestamp", "svix-timestamp")?,
        header("webhook-signature", "svix-signature")?,
    ) else {
        return Err(refused("missing signature headers"));
    };
    let Ok(body) = body::read(&mut req, MAX_BODY_BYTES).await? else {
        return Err(refused("event too large"));
    };
    let ts: i64 = ts.trim().parse().map_err(|_| refused("bad timestamp"))?;
    let now = (worker::Date::now().as_millis() / 1000) as i64;
    herald_shared::webhook::verify(&secret, &id, ts, &body, &sig, now)
        .map_err(|e| refused(&format!("{e:?}")))?;
    let event: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| ApiError::bad_json(&e))?;
    let outcome = match event["type"].as_str().unwrap_or("") {
        "email.delivered" => herald_shared::delivery::Outcome::Delivered,
        "email.bounced" | "email.complained" | "email.failed" => {
            herald_shared::delivery::Outcome::PermanentFailure
        }
        // Other events (sent, opened, clicked, delayed) change nothing here.
        _ => return empty_ok(),
    };
    let Some(provider_id) = event["data"]["email_id"].as_str() else {
        return Err(ApiError::client(
            422,
            "validation",
            "The request is not valid",
            "data.email_id is missing",
        )
        .with_field("data.email_id"));
    };
    let e = ProviderEvent {
        provider_id: provider_id.to_owned(),
        outcome,
        error: (outcome != herald_shared::delivery::Outcome::Delivered)
            .then(|| format!("provider event {}", event["type"].as_str().unwrap_or(""))),
    };
    client::provider_event(env, page, &e).await?;
    empty_ok()
}

/// The SMS provider's status callbacks (Twilio's `StatusCallback`, which every message Herald sends
/// names): form-encoded `MessageSid` and `MessageStatus`, signed in `X-Twilio-Signature` with the
/// account's auth token (`HERALD_SMS_TOKEN`) over this exact URL. `delivered` marks the attempt
/// delivered; `undelivered` and `failed` mark it failed, with the provider's error code.
pub async fn sms_events(mut req: Request, env: &Env, page: &str) -> ApiResult<Response> {
    let refused = |detail: &str| {
        ApiError::client(
            401,
            "bad-signature",
            "Callback not signed by the provider",
            detail,
        )
    };
    let token = crate::notify::var(env, crate::bindings::SMS_TOKEN)
        .ok_or_else(|| refused("no HERALD_SMS_TOKEN is configured"))?;
    let signature = req
        .headers()
        .get("x-twilio-signature")?
        .ok_or_else(|| refused("missing X-Twilio-Signature"))?;
    let url = req.url()?.to_string();
    let Ok(body) = body::read(&mut req, MAX_BODY_BYTES).await? else {
        return Err(refused("callback too large"));
    };
    let params: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !herald_shared::twilio::verify(&token, &url, &params, &signature) {
        return Err(refused(
            "the signature does not match this URL and these parameters",
        ));
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let status = param("MessageStatus").unwrap_or("");
    let outcome = match status {
        "delivered" => herald_shared::delivery::Outcome::Delivered,
        "undelivered" | "failed" => herald_shared::delivery::Outcome::PermanentFailure,
        // queued, sending, sent: the message is still on its way.
        _ => return empty_ok(),
    };
    let Some(sid) = param("MessageSid").filter(|s| !s.is_empty()) else {
        return Err(ApiError::client(
            422,
            "validation",
            "The request is not valid",
            "MessageSid is missing",
        )
        .with_field("MessageSid"));
    };
    let e = ProviderEvent {
        provider_id: sid.to_owned(),
        outcome,
        error: (outcome != herald_shared::delivery::Outcome::Delivered).then(|| {
            match param("ErrorCode").filter(|c| !c.is_empty()) {
                Some(code) => format!("SMS {status} (provider error {code})"),
                None => format!("SMS {status}"),
            }
        }),
    };
    client::provider_event(env, page, &e).await?;
    empty_ok()
}

fn empty_ok() -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    Ok(Response::ok("{}")?.with_headers(headers))
}
