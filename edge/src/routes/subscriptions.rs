//! Subscribing and the links in subscription emails: `POST /v1/pages/{page}/subscriptions` (JSON from
//! scripts, or a plain HTML form from the status page, answered with a small HTML page), the confirm
//! link, and one-click unsubscribe (RFC 8058: GET from a person, POST from a mail client).

use herald_shared::wire::{Problem, SubscribeRequest};
use worker::{Env, Headers, Request, Response};

use crate::client;
use crate::error::{ApiError, ApiResult};
use crate::notify::token::{self, Purpose};
use herald_shared::wire::internal::{
    LinkOutcome, ManageSave, ManageView, ProviderEvent, SubscribeCall,
};

/// Largest subscription request body accepted.
const MAX_BODY_BYTES: usize = 8 * 1024;

fn html_page(status: u16, title: &str, text: &str) -> ApiResult<Response> {
    let e = |s: &str| html_escape::encode_text(s).into_owned();
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>{t}</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}}</style></head><body><h1>{t}</h1><p>{x}</p></body></html>",
        t = e(title),
        x = e(text)
    );
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// Reads a form body: `email`, `phone` or `webhook`, `components` (repeated or comma-separated) and the honeypot.
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
    let text = req.text().await?;
    if text.len() > MAX_BODY_BYTES {
        return Err(ApiError::client(
            413,
            "body-too-large",
            "Request body too large",
            format!("subscription requests are limited to {MAX_BODY_BYTES} bytes"),
        ));
    }
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
            let (title, text) = if !request.phone.trim().is_empty() {
                ("Check your phone", "We sent you a text message with a link to confirm your subscription. Nothing else will be sent until you confirm.")
            } else if !request.webhook.trim().is_empty() {
                let secret = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["signing_secret"].as_str().map(str::to_owned));
                let text = match secret {
                    Some(s) => format!("Your webhook will receive a challenge; it is confirmed when it answers with the challenge value. Its signing secret, shown only this once: {s}"),
                    None => "Your webhook will receive a challenge; it is confirmed when it answers with the challenge value.".to_owned(),
                };
                return html_page(202, "Webhook pending", &text);
            } else {
                ("Check your inbox", "We sent you an email with a link to confirm your subscription. Nothing else will be sent until you confirm.")
            };
            html_page(202, title, text)
        } else {
            let detail = serde_json::from_str::<Problem>(&body)
                .map(|p| p.detail)
                .unwrap_or_else(|_| "Something went wrong; please try again later.".into());
            html_page(status, "Subscription not accepted", &detail)
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

/// The `token` query parameter of a link (empty when absent).
fn query_token(req: &Request) -> ApiResult<String> {
    Ok(req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default())
}

/// The page a link token names, when it is a valid page slug (checked again by the page object).
fn page_of(token: &str) -> Option<&str> {
    token::page_of(token).filter(|p| herald_shared::command::is_slug(p))
}

/// Follows a confirm or unsubscribe link and shows the result as a page.
pub async fn follow(req: Request, env: &Env, purpose: Purpose) -> ApiResult<Response> {
    let token = query_token(&req)?;
    let invalid = || {
        html_page(
            404,
            "Link not valid",
            "This link is not valid or has expired.",
        )
    };
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
        Purpose::Confirm => html_page(
            200,
            "Subscription confirmed",
            &format!(
                "You will now receive status updates from {}. Every message has a link to unsubscribe.",
                outcome.page_name
            ),
        ),
        Purpose::Unsubscribe => html_page(
            200,
            "Unsubscribed",
            &format!(
                "You will receive no more status updates from {}.",
                outcome.page_name
            ),
        ),
        // Manage links have their own page (`manage`).
        Purpose::Manage => invalid(),
    }
}

/// Records an acknowledgement from a receipt link and thanks the person.
pub async fn receipt(req: Request, env: &Env) -> ApiResult<Response> {
    let token = query_token(&req)?;
    let invalid = || {
        html_page(
            404,
            "Link not valid",
            "This receipt link is not valid, or the message no longer needs acknowledging.",
        )
    };
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
    html_page(
        200,
        "Thank you",
        &format!(
            "Your acknowledgement of this message from {} is recorded. You can close this page.",
            outcome.page_name
        ),
    )
}

/// The manage page: which components the subscriber hears about (a form that works without
/// JavaScript), and saving a new choice.
pub async fn manage(mut req: Request, env: &Env) -> ApiResult<Response> {
    let post = req.method() == worker::Method::Post;
    let (token, components) = if post {
        let body = req.text().await?;
        if body.len() > MAX_BODY_BYTES {
            return html_page(413, "Too large", "The form was too large.");
        }
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
    let invalid = || {
        html_page(
            404,
            "Link not valid",
            "This link is not valid, or the subscription no longer exists.",
        )
    };
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
        status => {
            let detail = serde_json::from_str::<Problem>(&text)
                .map(|p| p.detail)
                .unwrap_or_else(|_| "Something went wrong; please try again later.".into());
            return html_page(status, "Not saved", &detail);
        }
    }
    let view: ManageView =
        serde_json::from_str(&text).map_err(|e| ApiError::Server(e.to_string()))?;
    manage_form(&view, &token, saved)
}

/// The manage page's second form: the same subscription, moved to another email address or phone
/// number once that one confirms; until then messages keep going where they went.
async fn move_to(req: &Request, env: &Env, token: String, body: &str) -> ApiResult<Response> {
    let Some(page) = page_of(&token).map(str::to_owned) else {
        return html_page(
            404,
            "Link not valid",
            "This link is not valid, or the subscription no longer exists.",
        );
    };
    let mut request = parse_form(body)?;
    request.components.clear();
    if !request.webhook.trim().is_empty() {
        return html_page(
            422,
            "Not changed",
            "Subscriptions move to an email address or a phone number; webhooks are added by the page's team.",
        );
    }
    let by_text = !request.phone.trim().is_empty();
    let call = subscribe_call(req, request, Some(token))?;
    let mut answer = client::subscribe(env, &page, &call).await?;
    let status = answer.status_code();
    let text = answer.text().await?;
    if status == 202 {
        let (title, what) = if by_text {
            ("Check your phone", "a text message")
        } else {
            ("Check your inbox", "an email")
        };
        return html_page(
            202,
            title,
            &format!("We sent {what} with a link to confirm the new address. Until you confirm it, updates keep going where they go now."),
        );
    }
    let detail = serde_json::from_str::<Problem>(&text)
        .map(|p| p.detail)
        .unwrap_or_else(|_| "Something went wrong; please try again later.".into());
    html_page(status, "Not changed", &detail)
}

fn manage_form(view: &ManageView, token: &str, saved: bool) -> ApiResult<Response> {
    let e = |s: &str| html_escape::encode_text(s).into_owned();
    let a = |s: &str| html_escape::encode_double_quoted_attribute(s).into_owned();
    let mut boxes = String::new();
    for c in &view.components {
        boxes.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"components\" value=\"{}\"{}> {}</label>",
            a(&c.id),
            if c.checked { " checked" } else { "" },
            e(&c.name)
        ));
    }
    let note = if saved {
        "<p role=\"status\"><strong>Saved.</strong></p>"
    } else {
        ""
    };
    let title = format!("Your {} updates", view.page_name);
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>{t}</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}}fieldset{{border:1px solid #ccc;border-radius:6px}}label{{display:block;margin:.25rem 0}}input[type=email],input[type=tel]{{display:block;width:100%;box-sizing:border-box;font:inherit;padding:.3rem;margin-bottom:.5rem}}h2{{margin-top:2rem;font-size:1.2rem}}button{{margin-top:1rem;font:inherit;padding:.4rem 1rem}}</style></head><body><main><h1>{t}</h1>{note}<p>Messages go to {addr} ({channel}).</p><form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{tok}\"><fieldset><legend>Tell me about (none ticked: everything)</legend>{boxes}</fieldset><button type=\"submit\">Save</button></form><h2>Move these updates</h2><form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{tok}\"><input type=\"hidden\" name=\"action\" value=\"move\"><label for=\"move-email\">A new email address</label><input id=\"move-email\" type=\"email\" name=\"email\" autocomplete=\"email\"><label for=\"move-phone\">or a mobile number, in international format (+44…)</label><input id=\"move-phone\" type=\"tel\" name=\"phone\" autocomplete=\"tel\"><button type=\"submit\">Send a confirmation there</button></form><p>Your choices come along; until the new address is confirmed, messages keep going to this one. To stop everything, use the unsubscribe link in any message.</p></main></body></html>",
        t = e(&title),
        addr = e(&view.address),
        channel = e(view.channel.as_str()),
        tok = a(token),
    );
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
    let body = req.text().await?;
    if body.len() > MAX_BODY_BYTES {
        return Err(refused("event too large"));
    }
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
    let body = req.text().await?;
    if body.len() > MAX_BODY_BYTES {
        return Err(refused("callback too large"));
    }
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
