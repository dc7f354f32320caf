//! The HTML pages other than the status page: the answers a subscriber reads after a form or a link,
//! the manage page and the development outbox. askama templates in `edge/templates/`, escaped by
//! default; the words come from `shared::template::pages`. Pure, so tested natively.

use askama::Template;
use herald_shared::template::pages::{self, Notice};

/// A page with one message (`notice.html`).
#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage<'a> {
    title: &'a str,
    text: &'a str,
}

/// The page a link opens: one button that POSTs back to the link (`action.html`).
#[derive(Template)]
#[template(path = "action.html")]
struct ActionPage<'a> {
    title: &'a str,
    text: &'a str,
    button: &'a str,
    action: &'a str,
    token: &'a str,
}

/// One component of the manage page's form: ticked when the subscriber hears about it.
pub struct Choice<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub checked: bool,
}

/// What the manage page shows for one subscription.
pub struct ManageInput<'a> {
    pub page_name: &'a str,
    /// The address, already masked.
    pub address: &'a str,
    pub channel: &'a str,
    pub choices: Vec<Choice<'a>>,
    /// The manage token, sent back by both forms.
    pub token: &'a str,
    /// Whether this page answers a save.
    pub saved: bool,
}

#[derive(Template)]
#[template(path = "manage.html")]
struct ManagePage<'a> {
    title: &'a str,
    words: &'a pages::Manage,
    token: &'a str,
    saved: bool,
    choices: &'a [Choice<'a>],
}

/// A piece of an outbox message's text: links become clickable, the rest stays text.
enum Part {
    Text(String),
    Link(String),
}

struct OutboxMessage {
    subject: String,
    to: String,
    received_at: String,
    id: String,
    text: Vec<Part>,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    messages: Vec<OutboxMessage>,
}

/// Renders a template; rendering into a String fails only if a Display impl fails, and ours are
/// plain strings.
fn render(t: &impl Template) -> String {
    t.render()
        .unwrap_or_else(|e| format!("<!doctype html><title>Error</title><p>{e}"))
}

pub fn notice(n: &Notice) -> String {
    render(&NoticePage {
        title: &n.title,
        text: &n.text,
    })
}

/// The page behind a link: `a` with its button posting `token` to `action` (the link's path), in
/// the body, so the request that acts carries no token in its URL (nor in logs of URLs).
pub fn action(a: &pages::Action, action: &str, token: &str) -> String {
    render(&ActionPage {
        title: &a.title,
        text: &a.text,
        button: &a.button,
        action,
        token,
    })
}

pub fn manage(m: &ManageInput) -> String {
    let words = pages::manage(m.page_name, m.address, m.channel);
    render(&ManagePage {
        title: &words.title,
        words: &words,
        token: m.token,
        saved: m.saved,
        choices: &m.choices,
    })
}

/// The development outbox: the sink's list of messages (`GET /messages`), newest first.
pub fn outbox(list: &serde_json::Value) -> String {
    let items = list.as_array().map(Vec::as_slice).unwrap_or_default();
    let messages = items
        .iter()
        .rev()
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap_or("").to_owned();
            let to = m["to"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            OutboxMessage {
                subject: s("subject"),
                to,
                received_at: s("received_at"),
                id: s("id"),
                text: parts(&s("text")),
            }
        })
        .collect();
    render(&OutboxPage { messages })
}

/// Splits `text` at whitespace into links (words starting with `http://` or `https://`) and text.
fn parts(text: &str) -> Vec<Part> {
    let mut out = Vec::new();
    for w in text.split_inclusive(char::is_whitespace) {
        let t = w.trim_end();
        if t.starts_with("http://") || t.starts_with("https://") {
            out.push(Part::Link(t.to_owned()));
            out.push(Part::Text(w[t.len()..].to_owned()));
        } else if let Some(Part::Text(last)) = out.last_mut() {
            last.push_str(w);
        } else {
            out.push(Part::Text(w.to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests;
