//! Templates and per-channel rendering. One publish becomes one `Message`; each channel renders that
//! same message (email subject/text/HTML, SMS, webhook JSON, Slack, browser push, status page HTML), so channels
//! never disagree. Placeholders are `{{name}}`; in HTML every value is escaped.

use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::model::{ComponentStatus, Impact, IncidentStatus, MaintenanceStatus, NoticeKind, State};
pub use crate::model::{MessageKind, Template};
pub use crate::placeholder::{render, Escape, TemplateError, PLACEHOLDERS};
use crate::sms::{self, SmsCount};
use crate::wire::{PushMessage, WebhookItem, WebhookPayload};
use crate::Timestamp;
pub use words::{Locale, Words};

/// The one rendering source of a publish: every channel is rendered from it. Serializable so the
/// shell can hand it to a queue consumer that renders it later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub kind: MessageKind,
    /// The event type, as in the audit log (`incident_opened`).
    pub event: String,
    pub page_id: String,
    pub page_name: String,
    pub item_id: String,
    pub update_id: Option<String>,
    pub title: String,
    pub status: String,
    pub impact: Option<Impact>,
    pub body: String,
    pub components: Vec<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
    #[serde(default, with = "window_serde")]
    pub window: Option<(Timestamp, Timestamp)>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub effective_at: Option<Timestamp>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    pub requires_ack: bool,
    /// The status as a value, so each locale names it in its own words (`status` is its English
    /// label, which the webhook payload carries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    /// For a maintenance reminder: how many minutes before its window starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_minutes: Option<u32>,
    /// The Statuspage-format webhook body, when a recipient asked for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statuspage: Option<Box<crate::statuspage::SpWebhook>>,
}

/// Where the item a message is about stands, as a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "of", content = "status", rename_all = "snake_case")]
pub enum Stage {
    Incident(IncidentStatus),
    Postmortem,
    Maintenance(MaintenanceStatus),
    Notice(NoticeKind),
    Component(ComponentStatus),
}

/// A maintenance window as two RFC 3339 strings.
mod window_serde {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::Timestamp;

    #[derive(Serialize, Deserialize)]
    struct Window {
        #[serde(with = "time::serde::rfc3339")]
        from: Timestamp,
        #[serde(with = "time::serde::rfc3339")]
        until: Timestamp,
    }

    pub fn serialize<S: Serializer>(
        w: &Option<(Timestamp, Timestamp)>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        w.map(|(from, until)| Window { from, until }).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<(Timestamp, Timestamp)>, D::Error> {
        Ok(Option::<Window>::deserialize(d)?.map(|w| (w.from, w.until)))
    }
}

/// Links the shell mints (it owns the signing keys): the public page, and per recipient the
/// unsubscribe and receipt links, with the language the recipient reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    pub locale: Locale,
    pub url: String,
    pub unsubscribe_url: Option<String>,
    pub receipt_url: Option<String>,
    /// Where the subscriber changes what they hear about.
    pub manage_url: Option<String>,
}

/// Where a message about `kind` `item_id` is read in full, under the page's address on the status
/// host (`page_url`, such as `https://status.acme.com/acme`): an incident's (or its postmortem's)
/// own page, the status page's entry for maintenance and notices, the status page itself for a
/// component. The Statuspage `shortlink` is the same address.
pub fn item_url(page_url: &str, kind: MessageKind, item_id: &str) -> String {
    match kind {
        MessageKind::Incident | MessageKind::Postmortem => {
            format!("{page_url}/incidents/{item_id}")
        }
        MessageKind::Maintenance => format!("{page_url}#maintenance-{item_id}"),
        MessageKind::Notice => format!("{page_url}#notice-{item_id}"),
        MessageKind::Component => page_url.to_owned(),
    }
}

/// "2026-03-01 12:30 UTC": times in messages are UTC, unambiguous in every locale.
pub fn human_time(t: Timestamp) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(f)
        .unwrap_or_default()
}

fn event_name(e: &Event) -> String {
    serde_json::to_value(e)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

impl Message {
    /// The message for `event` in `state` (the state after it), or `None` for events that carry no
    /// news (subscription bookkeeping, configuration).
    pub fn from_event(state: &State, event: &Event) -> Option<Message> {
        let page = &state.page;
        let names = |ids: &mut dyn Iterator<Item = &String>| -> Vec<String> {
            ids.filter_map(|id| page.component(id).map(|c| c.name.clone()))
                .collect()
        };
        let base = |kind, item_id: &str, title: &str, created_at| Message {
            kind,
            event: event_name(event),
            page_id: page.id.clone(),
            page_name: page.name.clone(),
            item_id: item_id.to_owned(),
            update_id: None,
            title: title.to_owned(),
            status: String::new(),
            impact: None,
            body: String::new(),
            components: vec![],
            next_update_at: None,
            window: None,
            effective_at: None,
            created_at,
            requires_ack: false,
            stage: None,
            reminder_minutes: None,
            statuspage: None,
        };
        match event {
            Event::IncidentOpened {
                incident_id,
                update_id,
                ..
            }
            | Event::IncidentUpdated {
                incident_id,
                update_id,
                ..
            }
            | Event::IncidentResolved {
                incident_id,
                update_id,
                ..
            }
            | Event::IncidentReopened {
                incident_id,
                update_id,
                ..
            } => {
                let i = state.incident(incident_id)?;
                let u = i.updates.iter().find(|u| &u.id == update_id)?;
                Some(Message {
                    update_id: Some(u.id.clone()),
                    status: u.status.label().into(),
                    stage: Some(Stage::Incident(u.status)),
                    impact: Some(i.impact),
                    body: u.body.clone(),
                    components: names(&mut u.components.iter().map(|a| &a.id)),
                    next_update_at: u.next_update_at,
                    ..base(MessageKind::Incident, &i.id, &i.title, u.created_at)
                })
            }
            Event::PostmortemPublished { incident_id, .. } => {
                let i = state.incident(incident_id)?;
                let p = i.postmortem.as_ref()?;
                Some(Message {
                    status: "Postmortem".into(),
                    stage: Some(Stage::Postmortem),
                    impact: Some(i.impact),
                    body: p.body.clone(),
                    components: names(&mut i.components().iter().map(|a| &a.id)),
                    ..base(
                        MessageKind::Postmortem,
                        &i.id,
                        &i.title,
                        p.revised_at.unwrap_or(p.published_at),
                    )
                })
            }
            Event::MaintenanceScheduled {
                maintenance_id,
                update_id,
                ..
            }
            | Event::MaintenanceUpdated {
                maintenance_id,
                update_id,
                ..
            } => {
                let m = state.maintenance(maintenance_id)?;
                let u = m.updates.iter().find(|u| &u.id == update_id)?;
                Some(Message {
                    update_id: Some(u.id.clone()),
                    status: u.status.label().into(),
                    stage: Some(Stage::Maintenance(u.status)),
                    body: u.body.clone(),
                    components: names(&mut m.components.iter()),
                    window: Some((m.scheduled_for, m.scheduled_until)),
                    ..base(MessageKind::Maintenance, &m.id, &m.title, u.created_at)
                })
            }
            Event::NoticePublished { notice_id, .. } => {
                let n = state.notice(notice_id)?;
                Some(Message {
                    status: n.kind.label().into(),
                    stage: Some(Stage::Notice(n.kind)),
                    body: n.body.clone(),
                    components: names(&mut n.components.iter()),
                    effective_at: Some(n.effective_at),
                    requires_ack: n.requires_ack,
                    ..base(MessageKind::Notice, &n.id, &n.title, n.published_at)
                })
            }
            Event::ComponentStatusChanged {
                component_id, to, ..
            } => {
                let c = page.component(component_id)?;
                Some(Message {
                    status: to.label().into(),
                    stage: Some(Stage::Component(*to)),
                    body: words::EN.component_now(&c.name, *to),
                    components: vec![c.name.clone()],
                    ..base(
                        MessageKind::Component,
                        &c.id,
                        &c.name,
                        c.updated_at.unwrap_or(state_time(state)),
                    )
                })
            }
            _ => None,
        }
    }

    /// The status in `w`'s words (a reminder says when the window starts).
    pub fn status_in(&self, w: &Words) -> String {
        if let Some(m) = self.reminder_minutes {
            return Words::fill(w.reminder, &[("duration", &w.duration(m))]);
        }
        match self.stage {
            Some(Stage::Incident(s)) => w.incident_status(s).to_owned(),
            Some(Stage::Postmortem) => w.postmortem.to_owned(),
            Some(Stage::Maintenance(s)) => w.maintenance_status(s).to_owned(),
            Some(Stage::Notice(k)) => w.notice_kind(k).to_owned(),
            Some(Stage::Component(s)) => w.component_status(s).to_owned(),
            None => self.status.clone(),
        }
    }

    /// The body in `w`'s words where Herald wrote it (a component's change); the communicator's
    /// own words otherwise.
    pub fn body_in(&self, w: &Words) -> String {
        match (self.kind, self.stage) {
            (MessageKind::Component, Some(Stage::Component(s))) => w.component_now(&self.title, s),
            _ => self.body.clone(),
        }
    }

    fn value(&self, links: &Links, name: &str) -> Option<String> {
        let w = links.locale.words();
        Some(match name {
            "page" => self.page_name.clone(),
            "title" => self.title.clone(),
            "status" => self.status_in(w),
            "impact" => self
                .impact
                .map(|i| i.label().to_owned())
                .unwrap_or_default(),
            "body" => self.body_in(w),
            "components" => self.components.join(", "),
            "next_update" => self.next_update_at.map(human_time).unwrap_or_default(),
            "window" => self
                .window
                .map(|(a, b)| format!("{} to {}", human_time(a), human_time(b)))
                .unwrap_or_default(),
            "effective_at" => self.effective_at.map(human_time).unwrap_or_default(),
            "url" => links.url.clone(),
            "unsubscribe_url" => links.unsubscribe_url.clone().unwrap_or_default(),
            "receipt_url" => links.receipt_url.clone().unwrap_or_default(),
            _ => return None,
        })
    }

    /// Plain-text lines after the body: affected components, the next-update promise, the window.
    fn facts(&self, w: &Words) -> Vec<String> {
        let mut v = Vec::new();
        if !self.components.is_empty() {
            v.push(Words::fill(
                w.affected,
                &[("list", &self.components.join(", "))],
            ));
        }
        if let Some((a, b)) = self.window {
            v.push(Words::fill(
                w.window,
                &[("from", &human_time(a)), ("until", &human_time(b))],
            ));
        }
        if let Some(t) = self.effective_at {
            v.push(Words::fill(w.takes_effect, &[("at", &human_time(t))]));
        }
        if let Some(t) = self.next_update_at {
            v.push(Words::fill(w.next_update, &[("at", &human_time(t))]));
        }
        v
    }
}

fn state_time(state: &State) -> Timestamp {
    state
        .incidents
        .iter()
        .map(|i| i.updated_at())
        .max()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// An email ready for the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// An SMS ready for the provider, with its measured length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sms {
    pub text: String,
    pub count: SmsCount,
}

/// SMS notifications are kept to two segments (room for the page and unsubscribe links); the body
/// is shortened, never a link.
pub const MAX_SMS_SEGMENTS: usize = 2;

const SUBJECT: &str = "[{{page}}] {{title}}: {{status}}";

pub fn email(m: &Message, links: &Links) -> Email {
    let w = links.locale.words();
    let v = |n: &str| m.value(links, n);
    let subject = render(SUBJECT, v, Escape::None).unwrap_or_default();
    let (status, body) = (m.status_in(w), m.body_in(w));
    let facts = m.facts(w);
    let mut text = format!("{}\n\n{status}: {body}\n\n", m.title);
    for f in &facts {
        text.push_str(f);
        text.push('\n');
    }
    text.push_str(&format!("\n{}\n", links.url));
    if let Some(r) = &links.receipt_url {
        text.push('\n');
        text.push_str(&Words::fill(w.confirm_read_text, &[("url", r)]));
        text.push('\n');
    }
    if let Some(m) = &links.manage_url {
        text.push_str(&format!("\n{}: {m}\n", w.choose));
    }
    if let Some(u) = &links.unsubscribe_url {
        text.push_str(&format!("\n{}: {u}\n", w.unsubscribe));
    }
    let e = |s: &str| html_escape::encode_text(s).into_owned();
    let a = |s: &str| html_escape::encode_double_quoted_attribute(s).into_owned();
    let mut html = format!(
        "<!doctype html><html lang=\"{}\"{}><body><h1>{}</h1><p><strong>{}</strong>: {}</p>",
        w.tag,
        if links.locale == Locale::Ar {
            " dir=\"rtl\""
        } else {
            ""
        },
        e(&m.title),
        e(&status),
        e(&body).replace('\n', "<br>")
    );
    if !facts.is_empty() {
        html.push_str("<ul>");
        for f in facts {
            html.push_str(&format!("<li>{}</li>", e(&f)));
        }
        html.push_str("</ul>");
    }
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p>",
        a(&links.url),
        e(w.view)
    ));
    if let Some(r) = &links.receipt_url {
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            a(r),
            e(w.confirm_read)
        ));
    }
    if let Some(m) = &links.manage_url {
        html.push_str(&format!(
            "<p><small><a href=\"{}\">{}</a></small></p>",
            a(m),
            e(w.choose)
        ));
    }
    if let Some(u) = &links.unsubscribe_url {
        html.push_str(&format!(
            "<p><small><a href=\"{}\">{}</a></small></p>",
            a(u),
            e(w.unsubscribe)
        ));
    }
    html.push_str("</body></html>");
    Email {
        subject,
        text,
        html,
    }
}

pub fn sms(m: &Message, links: &Links) -> Sms {
    let w = links.locale.words();
    let head = format!("{}: {} ({}). ", m.page_name, m.title, m.status_in(w));
    let mut tail = String::new();
    if let Some(t) = m.next_update_at {
        tail.push(' ');
        tail.push_str(&Words::fill(w.next_update, &[("at", &human_time(t))]));
        tail.push('.');
    }
    tail.push(' ');
    tail.push_str(links.receipt_url.as_deref().unwrap_or(&links.url));
    if let Some(u) = &links.unsubscribe_url {
        tail.push_str(&format!(" {}: ", w.stop));
        tail.push_str(u);
    }
    let text = sms::fit(&head, &m.body_in(w), &tail, MAX_SMS_SEGMENTS);
    Sms {
        count: sms::count(&text),
        text,
    }
}

pub fn webhook(m: &Message, links: &Links) -> WebhookPayload {
    WebhookPayload {
        event: m.event.clone(),
        page: crate::wire::WebhookPage {
            id: m.page_id.clone(),
            name: m.page_name.clone(),
            url: links.url.clone(),
        },
        item: WebhookItem {
            kind: m.kind,
            id: m.item_id.clone(),
            update_id: m.update_id.clone(),
            title: m.title.clone(),
            status: m.status.clone(),
            impact: m.impact,
            body: m.body.clone(),
            components: m.components.clone(),
            created_at: m.created_at,
            next_update_at: m.next_update_at,
            scheduled_for: m.window.map(|w| w.0),
            scheduled_until: m.window.map(|w| w.1),
            effective_at: m.effective_at,
        },
        receipt_url: links.receipt_url.clone(),
    }
}

/// Longest body of a browser notification: browsers show a few lines at most, and the whole
/// payload must fit one Web Push record (`webpush::MAX_PLAINTEXT`), links included.
pub const PUSH_BODY_CHARS: usize = 240;

/// A browser notification in the reader's language: "Page: title" over the status and the body
/// cut to `PUSH_BODY_CHARS`, with the next promised update; a click opens the item's own page.
pub fn push(m: &Message, links: &Links) -> PushMessage {
    let w = links.locale.words();
    let mut body = format!("{}: {}", m.status_in(w), m.body_in(w).trim());
    if body.chars().count() > PUSH_BODY_CHARS {
        body = body.chars().take(PUSH_BODY_CHARS - 1).collect::<String>();
        body = body.trim_end().to_owned() + "\u{2026}";
    }
    if let Some(t) = m.next_update_at {
        body.push('\n');
        body.push_str(&Words::fill(w.next_update, &[("at", &human_time(t))]));
        body.push('.');
    }
    PushMessage {
        title: format!("{}: {}", m.page_name, m.title),
        body,
        url: links.url.clone(),
        tag: format!("{}-{}", m.page_id, m.item_id),
        unsubscribe_url: links.unsubscribe_url.clone(),
    }
}

/// The `Urgency` of a browser notification (RFC 8030): `high` for a major or critical incident, so
/// a phone on battery saving still wakes for it; `normal` otherwise.
pub fn push_urgency(m: &Message) -> &'static str {
    match m.impact {
        Some(Impact::Major | Impact::Critical) => "high",
        _ => "normal",
    }
}

/// Slack incoming-webhook JSON: `text` in Slack's mrkdwn, with `&`, `<` and `>` escaped as Slack asks.
pub fn slack(m: &Message, links: &Links) -> serde_json::Value {
    let w = links.locale.words();
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut text = format!(
        "*{}*: {} ({})\n{}",
        esc(&m.page_name),
        esc(&m.title),
        esc(&m.status_in(w)),
        esc(&m.body_in(w))
    );
    for f in m.facts(w) {
        text.push('\n');
        text.push_str(&esc(&f));
    }
    text.push_str(&format!("\n<{}|{}>", links.url, esc(w.status_page)));
    slack_text(&text)
}

/// A plain Slack message (`text` already in mrkdwn).
pub fn slack_text(text: &str) -> serde_json::Value {
    serde_json::json!({ "text": text })
}

/// A Microsoft Teams Workflows webhook message: one Adaptive Card (1.4) with the title, the page
/// and status, the body, the facts, and a button to the item on the status page.
pub fn teams(m: &Message, links: &Links) -> serde_json::Value {
    let w = links.locale.words();
    let mut body = vec![
        serde_json::json!({"type": "TextBlock", "text": m.title, "size": "Medium",
            "weight": "Bolder", "wrap": true}),
        serde_json::json!({"type": "TextBlock", "text": format!("{} · {}", m.page_name, m.status_in(w)),
            "isSubtle": true, "spacing": "None", "wrap": true}),
        serde_json::json!({"type": "TextBlock", "text": m.body_in(w), "wrap": true}),
    ];
    body.extend(m.facts(w).into_iter().map(
        |f| serde_json::json!({"type": "TextBlock", "text": f, "isSubtle": true, "wrap": true}),
    ));
    teams_card(
        body,
        vec![
            serde_json::json!({"type": "Action.OpenUrl", "title": w.status_page, "url": links.url}),
        ],
        links.locale,
    )
}

/// A plain Teams message: one text block.
pub fn teams_text(text: &str, locale: Locale) -> serde_json::Value {
    teams_card(
        vec![serde_json::json!({"type": "TextBlock", "text": text, "wrap": true})],
        vec![],
        locale,
    )
}

/// The Workflows webhook envelope around one Adaptive Card.
fn teams_card(
    body: Vec<serde_json::Value>,
    actions: Vec<serde_json::Value>,
    locale: Locale,
) -> serde_json::Value {
    let mut card = serde_json::json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "lang": locale.tag(),
        "body": body,
    });
    if locale == Locale::Ar {
        card["rtl"] = serde_json::json!(true);
    }
    if !actions.is_empty() {
        card["actions"] = serde_json::Value::Array(actions);
    }
    serde_json::json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

/// The first message to a chat channel that was added as a subscriber: it confirms the channel.
pub fn channel_confirmation(page_name: &str, locale: Locale) -> String {
    Words::fill(locale.words().channel_confirmed, &[("page", page_name)])
}

/// The first message to a Slack channel that was added as a subscriber: it confirms the channel.
pub fn slack_confirmation(page_name: &str, locale: Locale) -> serde_json::Value {
    slack_text(&channel_confirmation(page_name, locale))
}

/// The HTML fragment of one update on the status page, in `locale`'s words.
pub fn status_page(m: &Message, locale: Locale) -> String {
    let w = locale.words();
    let e = |s: &str| html_escape::encode_text(s).into_owned();
    let mut html = format!(
        "<article class=\"update\"><h3>{}</h3><p>{}</p>",
        e(&m.status_in(w)),
        e(&m.body_in(w)).replace('\n', "<br>")
    );
    for f in m.facts(w) {
        html.push_str(&format!("<p class=\"fact\">{}</p>", e(&f)));
    }
    html.push_str(&format!(
        "<time datetime=\"{}\">{}</time></article>",
        m.created_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        e(&human_time(m.created_at))
    ));
    html
}

/// Fills a saved template for a draft: the placeholders the communicator has not filled by hand.
pub fn fill(t: &Template, m: &Message, links: &Links) -> Result<(String, String), TemplateError> {
    let v = |n: &str| m.value(links, n);
    Ok((
        render(&t.title, v, Escape::None)?,
        render(&t.body, v, Escape::None)?,
    ))
}

/// The double opt-in message, in the subscriber's language.
pub fn confirmation_email(page_name: &str, confirm_url: &str, locale: Locale) -> Email {
    let w = locale.words();
    let e = |s: &str| html_escape::encode_text(s).into_owned();
    let a = |s: &str| html_escape::encode_double_quoted_attribute(s).into_owned();
    let asked = Words::fill(w.confirm_asked, &[("page", page_name)]);
    Email {
        subject: Words::fill(w.confirm_subject, &[("page", page_name)]),
        text: format!(
            "{asked}\n\n{}: {confirm_url}\n\n{}\n",
            w.confirm, w.confirm_ignore
        ),
        html: format!(
            "<!doctype html><html lang=\"{}\"{}><body><p>{}</p><p><a href=\"{}\">{}</a></p><p>{}</p></body></html>",
            w.tag,
            if locale == Locale::Ar { " dir=\"rtl\"" } else { "" },
            e(&asked),
            a(confirm_url),
            e(w.confirm_link),
            e(w.confirm_ignore),
        ),
    }
}

/// The double opt-in text message, in the subscriber's language.
pub fn confirmation_sms(page_name: &str, confirm_url: &str, locale: Locale) -> String {
    Words::fill(
        locale.words().confirm_sms,
        &[("page", page_name), ("url", confirm_url)],
    )
}

pub mod pages;
pub mod words;

#[cfg(test)]
mod tests;

/// The reminder to a page's responders that an incident's "next update by" promise is broken.
pub fn overdue_reminder(
    page_name: &str,
    title: &str,
    promised_at: Timestamp,
    late_minutes: u32,
    url: &str,
) -> String {
    format!(
        "Update overdue on {page_name}: \"{title}\" promised its next update by {}; it is {} late. {url}",
        human_time(promised_at),
        minutes_text(late_minutes.max(1)),
    )
}

/// The email form of a responder reminder: its first clause is the subject.
pub fn responder_email(text: &str) -> Email {
    Email {
        subject: text
            .split(':')
            .next()
            .unwrap_or("Update overdue")
            .to_owned(),
        text: format!("{text}\n"),
        html: format!("<p>{}</p>", html_escape::encode_text(text)),
    }
}

/// "90 minutes", "2 hours", "1 day".
pub fn minutes_text(m: u32) -> String {
    words::EN.duration(m)
}
