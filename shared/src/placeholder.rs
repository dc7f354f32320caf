//! Placeholders in templates (`{{name}}`): the names a template may use, filling them in, and the
//! check a template passes before it is saved. Below `command`, which validates templates, and
//! `template`, which renders messages with them.

use std::fmt;

use crate::event::{check_id, DomainError, MAX_BODY_CHARS, MAX_TITLE_CHARS};
use crate::model::Template;

/// Placeholders a template or layout may use.
pub const PLACEHOLDERS: &[&str] = &[
    "page",
    "title",
    "status",
    "impact",
    "body",
    "components",
    "next_update",
    "window",
    "effective_at",
    "url",
    "unsubscribe_url",
    "receipt_url",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    Unclosed { at: usize },
    Unknown { name: String, at: usize },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unclosed { at } => write!(f, "placeholder opened at byte {at} is not closed"),
            Self::Unknown { name, at } => write!(
                f,
                "unknown placeholder {{{{{name}}}}} at byte {at}; known: {}",
                PLACEHOLDERS.join(", ")
            ),
        }
    }
}

impl std::error::Error for TemplateError {}

/// Validates a template before it is saved.
pub(crate) fn validate(mut t: Template) -> Result<Template, DomainError> {
    check_id("id", &t.id)?;
    for (field, value, max) in [
        ("name", &mut t.name, MAX_TITLE_CHARS),
        ("title", &mut t.title, MAX_TITLE_CHARS),
        ("body", &mut t.body, MAX_BODY_CHARS),
    ] {
        let trimmed = value.trim();
        if trimmed.is_empty() || trimmed.chars().count() > max {
            return Err(DomainError::invalid(
                field,
                format!("must be 1 to {max} characters"),
            ));
        }
        render(trimmed, |_| Some(String::new()), Escape::None)
            .map_err(|e| DomainError::invalid(field, e.to_string()))?;
        *value = trimmed.to_owned();
    }
    Ok(t)
}

/// How values are written into the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    None,
    Html,
}

/// Replaces every `{{name}}` in `text` with `value(name)`; an unknown name or an unclosed `{{` is an
/// error. Values are escaped for HTML when asked; the template text itself is trusted.
pub fn render(
    text: &str,
    value: impl Fn(&str) -> Option<String>,
    escape: Escape,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let at = offset + start;
        let end = after.find("}}").ok_or(TemplateError::Unclosed { at })?;
        let name = after[..end].trim();
        if !PLACEHOLDERS.contains(&name) {
            return Err(TemplateError::Unknown {
                name: name.to_owned(),
                at,
            });
        }
        let v = value(name).unwrap_or_default();
        match escape {
            Escape::None => out.push_str(&v),
            Escape::Html => out.push_str(&html_escape::encode_text(&v)),
        }
        offset = at + 2 + end + 2;
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}
