//! herald-shared: Herald's functional core. Every rule about a page and every view of it lives here,
//! with no I/O, no clock and no randomness: `now` and ids are arguments.
//!
//! Map, from the bottom layer up: `model` (the state, plain data, and what is derived from it), `event`
//! (events and errors), `policy` (lead times, cadence), `placeholder` (template placeholders), `command`
//! (`apply`, the one way to change a state), `view` (banner, summary, indicator, overdue, reminders),
//! `poll` (widget timing), `live` (live sockets: views, expiry, retries), `scorecard` (how an incident was communicated), `wire` (Herald's JSON), `statuspage` (Statuspage v2 JSON, both ways),
//! `token` (audience tokens), `subscriber` (addresses, subscriptions, recipients), `delivery`
//! (retries, fallback, receipts), `template` (per-channel rendering), `sms` (segment counting),
//! `webhook` (Standard Webhooks signatures), `webpush` (browser push: RFC 8291 encryption, VAPID),
//! `lint` (wording lint), `feed` (Atom, iCalendar).

// Test tables are vectors of tuples; naming each tuple type would hide the table.
#![cfg_attr(test, allow(clippy::type_complexity))]

pub mod alert;
pub mod command;
pub mod delivery;
pub mod event;
pub mod feed;
pub mod lint;
pub mod live;
pub mod model;
pub mod placeholder;
pub mod policy;
pub mod poll;
pub mod roster;
pub mod scorecard;
pub mod sms;
pub mod social;
pub mod statuspage;
pub mod subscriber;
pub mod template;
pub mod token;
pub mod twilio;
pub mod uptime;
pub mod view;
pub mod webhook;
pub mod webpush;
pub mod wire;

// Fixtures for unit tests; the `testkit` feature lends them to the edge's tests.
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

pub use command::{
    apply, AttachPostmortem, Command, ComponentInput, Confirm, DeleteSubscriber, DeleteTemplate,
    DomainError, Event, OpenIncident, PostUpdate, PublishNotice, Reopen, Resolve,
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
pub use token::{verify as verify_audience_token, AudienceClaims, TokenError};
pub use view::{banner, indicator, overdue, reminders_due, summary, Viewer};

/// A point in time, always UTC on the wire (RFC 3339).
pub type Timestamp = time::OffsetDateTime;
