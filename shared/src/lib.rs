//! herald-shared: Herald's functional core. Every rule about a page and every view of it lives here,
//! with no I/O, no clock and no randomness: `now` and ids are arguments.

// Test tables are vectors of tuples; naming each tuple type would hide the table.
#![cfg_attr(test, allow(clippy::type_complexity))]

pub mod command;
pub mod lint;
pub mod model;
pub mod policy;
pub mod sms;
pub mod statuspage;
pub mod subscriber;
pub mod template;
pub mod token;
pub mod view;
pub mod wire;

#[cfg(test)]
mod testkit;

pub use command::{
    apply, AttachPostmortem, Command, ComponentInput, ConfigurePage, Confirm, DeleteSubscriber,
    DeleteTemplate, DomainError, Event, OpenIncident, PostUpdate, PublishNotice, Reopen, Resolve,
    ScheduleMaintenance, SetComponentStatus, Subscribe, Unsubscribe, UpdateMaintenance,
};
pub use model::{
    AffectedComponent, Audience, Channel, Component, ComponentGroup, ComponentStatus, Impact,
    Incident, IncidentStatus, IncidentUpdate, Maintenance, MaintenanceStatus, MaintenanceUpdate,
    Notice, NoticeKind, Page, Postmortem, State, Visibility,
};
pub use policy::{NextUpdateRule, Policy};
pub use subscriber::{
    recipients, Address, Recipient, Subscriber, SubscriberChannel, SubscriptionState,
};
pub use view::{banner, indicator, overdue, reminders_due, summary, Viewer};

/// A point in time, always UTC on the wire (RFC 3339).
pub type Timestamp = time::OffsetDateTime;
