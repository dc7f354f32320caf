//! The one entry point for change: `apply(state, command, now)` validates a command against the state
//! and returns the new state with the events it caused, or a `DomainError` and no change at all.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{
    Component, ComponentStatus, Impact, Incident, IncidentStatus, IncidentUpdate, State,
};
use crate::wire::PageSettings;
use crate::Timestamp;

/// Longest title and body accepted; longer drafts are refused rather than truncated.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 5_000;

/// A request to change a page. Ids are chosen by the caller (the shell owns randomness).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    ConfigurePage(PageSettings),
    OpenIncident(OpenIncident),
    PostUpdate(PostUpdate),
}

/// Opens an incident with its first update (status `investigating`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenIncident {
    pub id: String,
    pub update_id: String,
    pub title: String,
    pub impact: Impact,
    pub body: String,
    pub components: Vec<String>,
    pub next_update_at: Option<Timestamp>,
}

/// Appends an update to an open incident; status `resolved` resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostUpdate {
    pub incident_id: String,
    pub update_id: String,
    pub status: IncidentStatus,
    pub body: String,
    pub next_update_at: Option<Timestamp>,
}

/// What happened, for the audit log and for notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    PageConfigured,
    IncidentOpened {
        incident_id: String,
        update_id: String,
    },
    IncidentUpdated {
        incident_id: String,
        update_id: String,
    },
    IncidentResolved {
        incident_id: String,
        update_id: String,
    },
}

impl Event {
    /// Whether subscribers should hear about this event.
    pub fn notifies(&self) -> bool {
        !matches!(self, Event::PageConfigured)
    }
}

/// Why a command was refused. `field` names the offending input for problem+json responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    Invalid { field: &'static str, reason: String },
    NotFound { what: &'static str, id: String },
    Conflict { reason: String },
}

impl DomainError {
    fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid { field, reason } => write!(f, "{field}: {reason}"),
            Self::NotFound { what, id } => write!(f, "no {what} with id {id:?}"),
            Self::Conflict { reason } => f.write_str(reason),
        }
    }
}

impl std::error::Error for DomainError {}

fn text(field: &'static str, value: &str, max: usize) -> Result<String, DomainError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

fn next_update(
    field: &'static str,
    at: Option<Timestamp>,
    now: Timestamp,
) -> Result<Option<Timestamp>, DomainError> {
    match at {
        Some(t) if t <= now => Err(DomainError::invalid(field, "must be in the future")),
        other => Ok(other),
    }
}

/// Longest component or page name accepted.
pub const MAX_NAME_CHARS: usize = 100;

/// A slug: lower-case ASCII letters, digits and dashes, 1 to 63 long, not starting with a dash. Page
/// and component ids are slugs, so they are safe in URLs, HTML ids and storage keys.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn configure(state: &mut State, settings: PageSettings) -> Result<(), DomainError> {
    state.page.name = text("name", &settings.name, MAX_NAME_CHARS)?;
    state.page.url = settings.url.filter(|u| !u.trim().is_empty());
    let mut components = Vec::with_capacity(settings.components.len());
    for c in settings.components {
        if !is_slug(&c.id) {
            return Err(DomainError::invalid(
                "components",
                format!("component id {:?} must be a slug (a-z, 0-9, -)", c.id),
            ));
        }
        if components.iter().any(|k: &Component| k.id == c.id) {
            return Err(DomainError::invalid(
                "components",
                format!("component id {:?} appears twice", c.id),
            ));
        }
        let status = state
            .page
            .components
            .iter()
            .find(|k| k.id == c.id)
            .map_or(ComponentStatus::Operational, |k| k.status);
        components.push(Component {
            name: text("components", &c.name, MAX_NAME_CHARS)?,
            id: c.id,
            group: c.group.filter(|g| !g.trim().is_empty()),
            status,
        });
    }
    state.page.components = components;
    Ok(())
}

/// Applies `command` to `state` at time `now`.
pub fn apply(
    state: &State,
    command: Command,
    now: Timestamp,
) -> Result<(State, Vec<Event>), DomainError> {
    let mut next = state.clone();
    let events = match command {
        Command::ConfigurePage(settings) => {
            configure(&mut next, settings)?;
            vec![Event::PageConfigured]
        }
        Command::OpenIncident(OpenIncident {
            id,
            update_id,
            title,
            impact,
            body,
            components,
            next_update_at,
        }) => {
            let title = text("title", &title, MAX_TITLE_CHARS)?;
            let body = text("body", &body, MAX_BODY_CHARS)?;
            let next_update_at = next_update("next_update_at", next_update_at, now)?;
            if state.incident(&id).is_some() {
                return Err(DomainError::Conflict {
                    reason: format!("incident {id:?} already exists"),
                });
            }
            if let Some(unknown) = components
                .iter()
                .find(|c| !state.page.components.iter().any(|pc| &pc.id == *c))
            {
                return Err(DomainError::invalid(
                    "components",
                    format!("unknown component {unknown:?}"),
                ));
            }
            next.incidents.push(Incident {
                id: id.clone(),
                title,
                impact,
                components,
                created_at: now,
                updates: vec![IncidentUpdate {
                    id: update_id.clone(),
                    status: IncidentStatus::Investigating,
                    body,
                    created_at: now,
                    next_update_at,
                }],
            });
            vec![Event::IncidentOpened {
                incident_id: id,
                update_id,
            }]
        }
        Command::PostUpdate(PostUpdate {
            incident_id,
            update_id,
            status,
            body,
            next_update_at,
        }) => {
            let body = text("body", &body, MAX_BODY_CHARS)?;
            let next_update_at = next_update("next_update_at", next_update_at, now)?;
            let incident = next
                .incidents
                .iter_mut()
                .find(|i| i.id == incident_id)
                .ok_or_else(|| DomainError::NotFound {
                    what: "incident",
                    id: incident_id.clone(),
                })?;
            if incident.status() == IncidentStatus::Resolved {
                return Err(DomainError::Conflict {
                    reason: format!("incident {incident_id:?} is resolved"),
                });
            }
            let resolved = status == IncidentStatus::Resolved;
            incident.updates.push(IncidentUpdate {
                id: update_id.clone(),
                status,
                body,
                created_at: now,
                next_update_at: if resolved { None } else { next_update_at },
            });
            if resolved {
                vec![Event::IncidentResolved {
                    incident_id,
                    update_id,
                }]
            } else {
                vec![Event::IncidentUpdated {
                    incident_id,
                    update_id,
                }]
            }
        }
    };
    next.version += 1;
    Ok((next, events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Component, ComponentStatus, Page};
    use time::macros::datetime;

    const NOW: Timestamp = datetime!(2026-03-01 12:00 UTC);

    fn state() -> State {
        State::new(Page {
            id: "demo".into(),
            name: "Demo".into(),
            url: None,
            components: vec![Component {
                id: "api".into(),
                name: "API".into(),
                group: None,
                status: ComponentStatus::Operational,
            }],
        })
    }

    fn opening(id: &str, title: &str, body: &str) -> OpenIncident {
        OpenIncident {
            id: id.into(),
            update_id: format!("{id}-u1"),
            title: title.into(),
            impact: Impact::Major,
            body: body.into(),
            components: vec!["api".into()],
            next_update_at: None,
        }
    }

    fn open(id: &str, title: &str, body: &str) -> Command {
        Command::OpenIncident(opening(id, title, body))
    }

    fn update(id: &str, status: IncidentStatus) -> Command {
        Command::PostUpdate(PostUpdate {
            incident_id: id.into(),
            update_id: format!("{id}-u{status:?}"),
            status,
            body: "We are on it.".into(),
            next_update_at: None,
        })
    }

    #[test]
    fn open_then_resolve() {
        let (s, ev) = apply(&state(), open("i1", "API errors", "Some calls fail."), NOW).unwrap();
        assert_eq!(s.version, 1);
        assert!(s.incident("i1").unwrap().is_active());
        assert!(matches!(ev[..], [Event::IncidentOpened { .. }]));
        let (s, ev) = apply(&s, update("i1", IncidentStatus::Resolved), NOW).unwrap();
        assert!(!s.incident("i1").unwrap().is_active());
        assert!(matches!(ev[..], [Event::IncidentResolved { .. }]));
        assert_eq!(s.incident("i1").unwrap().updates.len(), 2);
    }

    #[test]
    fn refused_commands_name_the_field_and_change_nothing() {
        let base = apply(&state(), open("i1", "API errors", "Some calls fail."), NOW)
            .unwrap()
            .0;
        let past = Command::OpenIncident(OpenIncident {
            next_update_at: Some(NOW - time::Duration::minutes(5)),
            ..opening("i2", "t", "b")
        });
        let unknown = Command::OpenIncident(OpenIncident {
            components: vec!["nope".into()],
            ..opening("i2", "t", "b")
        });
        let long = "x".repeat(MAX_TITLE_CHARS + 1);
        let cases: Vec<(Command, &str)> = vec![
            (open("i2", "  ", "b"), "title: must not be empty"),
            (open("i2", "t", ""), "body: must not be empty"),
            (
                open("i2", &long, "b"),
                "title: must be at most 200 characters",
            ),
            (past, "next_update_at: must be in the future"),
            (unknown, "components: unknown component \"nope\""),
            (open("i1", "t", "b"), "incident \"i1\" already exists"),
            (
                update("zz", IncidentStatus::Identified),
                "no incident with id \"zz\"",
            ),
        ];
        for (cmd, want) in cases {
            let err = apply(&base, cmd, NOW).unwrap_err();
            assert_eq!(err.to_string(), want);
        }
    }

    #[test]
    fn a_resolved_incident_takes_no_more_updates() {
        let s = apply(&state(), open("i1", "t", "b"), NOW).unwrap().0;
        let s = apply(&s, update("i1", IncidentStatus::Resolved), NOW)
            .unwrap()
            .0;
        let err = apply(&s, update("i1", IncidentStatus::Monitoring), NOW).unwrap_err();
        assert!(matches!(err, DomainError::Conflict { .. }));
    }
}
