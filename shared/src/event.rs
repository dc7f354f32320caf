//! What a command did (`Event`, for the audit log and notifications) and why one was refused
//! (`DomainError`), with the limits every input is checked against. Above the data, below the rules.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{ComponentStatus, MaintenanceStatus};

/// Longest title and body accepted; longer drafts are refused rather than truncated.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 5_000;
pub const MAX_POSTMORTEM_CHARS: usize = 50_000;
pub const MAX_ID_LEN: usize = 64;
/// Longest component or page name accepted.
pub const MAX_NAME_CHARS: usize = 100;
/// Reminders further ahead than this are refused (they would be forgotten, not helpful).
pub const MAX_REMINDER_MINUTES: u32 = 30 * 24 * 60;

fn yes() -> bool {
    true
}

/// What happened, for the audit log and for notifications. `notify` says whether subscribers hear
/// about it; `notifies()` answers for every variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    IncidentOpened {
        incident_id: String,
        update_id: String,
        #[serde(default = "yes")]
        notify: bool,
    },
    IncidentUpdated {
        incident_id: String,
        update_id: String,
        #[serde(default = "yes")]
        notify: bool,
    },
    IncidentResolved {
        incident_id: String,
        update_id: String,
        #[serde(default = "yes")]
        notify: bool,
    },
    IncidentReopened {
        incident_id: String,
        update_id: String,
        #[serde(default = "yes")]
        notify: bool,
    },
    PostmortemPublished {
        incident_id: String,
        revised: bool,
        notify: bool,
    },
    ComponentStatusChanged {
        component_id: String,
        from: ComponentStatus,
        to: ComponentStatus,
        notify: bool,
    },
    MaintenanceScheduled {
        maintenance_id: String,
        update_id: String,
        notify: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
    },
    MaintenanceUpdated {
        maintenance_id: String,
        update_id: String,
        status: MaintenanceStatus,
        notify: bool,
    },
    NoticePublished {
        notice_id: String,
        notify: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
    },
    /// A confirmation message goes to the (pending) subscriber.
    SubscriptionRequested {
        subscriber_id: String,
    },
    /// Someone asked to subscribe an address that already is: nothing is sent to it, and the
    /// requester gets the same answer as for a new address (no address enumeration).
    SubscriptionExists {
        subscriber_id: String,
    },
    SubscriptionConfirmed {
        subscriber_id: String,
    },
    /// A subscriber confirmed a new address from its manage page; the old one is gone.
    SubscriptionMoved {
        from: String,
        to: String,
    },
    Unsubscribed {
        subscriber_id: String,
    },
    SubscriberDeleted {
        subscriber_id: String,
    },
    SubscriptionChanged {
        subscriber_id: String,
    },
    SubscribersImported {
        added: usize,
        duplicates: usize,
        suppressed: usize,
        invalid: Vec<SkippedRow>,
    },
    PageConfigured,
    /// The page's social accounts were set (their secrets are in no event).
    SocialConfigured,
    HistoryImported {
        incidents: usize,
        maintenances: usize,
    },
    TemplateSaved {
        template_id: String,
    },
    TemplateDeleted {
        template_id: String,
    },
    /// A change held for a second person; `author` is the submitting key's id (never a secret).
    ReviewRequested {
        review_id: String,
        author: String,
        subject: String,
    },
    /// The held change was published by `reviewer` (its events follow this one).
    ReviewApproved {
        review_id: String,
        author: String,
        reviewer: String,
        subject: String,
    },
    ReviewSentBack {
        review_id: String,
        author: String,
        reviewer: String,
        subject: String,
        comment: String,
    },
}

impl Event {
    /// Whether someone should get a message about this event.
    pub fn notifies(&self) -> bool {
        match self {
            Self::IncidentOpened { notify, .. }
            | Self::IncidentUpdated { notify, .. }
            | Self::IncidentResolved { notify, .. }
            | Self::IncidentReopened { notify, .. }
            | Self::PostmortemPublished { notify, .. }
            | Self::ComponentStatusChanged { notify, .. }
            | Self::MaintenanceScheduled { notify, .. }
            | Self::MaintenanceUpdated { notify, .. }
            | Self::NoticePublished { notify, .. } => *notify,
            Self::SubscriptionRequested { .. } | Self::SubscriptionExists { .. } => true,
            Self::SubscriptionConfirmed { .. }
            | Self::SubscriptionMoved { .. }
            | Self::Unsubscribed { .. }
            | Self::SubscriberDeleted { .. }
            | Self::SubscriptionChanged { .. }
            | Self::SubscribersImported { .. }
            | Self::PageConfigured
            | Self::SocialConfigured
            | Self::HistoryImported { .. }
            | Self::TemplateSaved { .. }
            | Self::TemplateDeleted { .. }
            | Self::ReviewRequested { .. }
            | Self::ReviewApproved { .. }
            | Self::ReviewSentBack { .. } => false,
        }
    }
}

/// One row an import skipped, and why (1-based row number of the source).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRow {
    pub row: usize,
    pub reason: String,
}

/// Why a command was refused. `field` names the offending input for problem+json responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    Invalid {
        field: &'static str,
        reason: String,
    },
    NotFound {
        what: &'static str,
        id: String,
    },
    Conflict {
        reason: String,
    },
    /// A lifecycle step the rules do not allow (`resolved -> monitoring` without a reopen).
    IllegalTransition {
        what: &'static str,
        from: &'static str,
        to: &'static str,
    },
    /// Too little advance notice and no override reason.
    LeadTime {
        field: &'static str,
        required_minutes: i64,
        given_minutes: i64,
    },
}

impl DomainError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn conflict(reason: impl Into<String>) -> Self {
        Self::Conflict {
            reason: reason.into(),
        }
    }

    pub(crate) fn not_found(what: &'static str, id: &str) -> Self {
        Self::NotFound {
            what,
            id: id.to_owned(),
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } | Self::LeadTime { field, .. } => Some(field),
            _ => None,
        }
    }

    /// Stable slug for the problem+json `type` (`https://herald.dev/problems/{kind}`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "validation",
            Self::NotFound { .. } => "not-found",
            Self::Conflict { .. } => "conflict",
            Self::IllegalTransition { .. } => "illegal-transition",
            Self::LeadTime { .. } => "lead-time",
        }
    }

    /// HTTP status the shell answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid { .. } | Self::LeadTime { .. } => 422,
            Self::NotFound { .. } => 404,
            Self::Conflict { .. } | Self::IllegalTransition { .. } => 409,
        }
    }

    /// Short human title for the problem document.
    pub fn title(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "The request is not valid",
            Self::NotFound { .. } => "Not found",
            Self::Conflict { .. } => "The request conflicts with the current state",
            Self::IllegalTransition { .. } => "That status change is not allowed",
            Self::LeadTime { .. } => "Too little advance notice",
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid { field, reason } => write!(f, "{field}: {reason}"),
            Self::NotFound { what, id } => write!(f, "no {what} with id {id:?}"),
            Self::Conflict { reason } => f.write_str(reason),
            Self::IllegalTransition { what, from, to } => {
                write!(f, "a {what} cannot go from {from} to {to}")
            }
            Self::LeadTime {
                field,
                required_minutes,
                given_minutes,
            } => write!(
                f,
                "{field}: the policy asks for {} of notice, this gives {}; give an override reason to publish anyway",
                minutes_label(*required_minutes),
                minutes_label(*given_minutes)
            ),
        }
    }
}

fn minutes_label(m: i64) -> String {
    if m >= 24 * 60 && m % (24 * 60) == 0 {
        format!("{} days", m / (24 * 60))
    } else if m >= 60 && m % 60 == 0 {
        format!("{} h", m / 60)
    } else {
        format!("{m} min")
    }
}

impl std::error::Error for DomainError {}

/// A slug: lower-case ASCII letters, digits and dashes, 1 to 63 long, not starting with a dash. Page,
/// component and group ids are slugs, so they are safe in URLs, HTML ids and storage keys.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// First path segments the worker serves itself (the console, the widget's files, the APIs): a
/// page with one of these ids could never show its status page, so none is created.
pub const RESERVED_SLUGS: &[&str] = &["console", "w", "v1", "api", "pages"];

/// Ids are chosen by the shell; they must stay safe in URLs, HTML and JSON without escaping tricks.
pub(crate) fn check_id(field: &'static str, id: &str) -> Result<(), DomainError> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(DomainError::invalid(
            field,
            format!("must be 1 to {MAX_ID_LEN} characters"),
        ));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(DomainError::invalid(
            field,
            "may contain only letters, digits, '-' and '_'",
        ));
    }
    Ok(())
}
