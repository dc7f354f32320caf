//! herald-shared: Herald's functional core. Every rule about a page and every view of it lives here,
//! with no I/O, no clock and no randomness: `now` and ids are arguments.

pub mod command;
pub mod model;
pub mod poll;
pub mod view;
pub mod wire;

pub use command::{apply, Command, DomainError, Event, OpenIncident, PostUpdate};
pub use model::{
    Component, ComponentStatus, Impact, Incident, IncidentStatus, IncidentUpdate, Page, State,
};
pub use view::{banner, Viewer};

/// A point in time, always UTC on the wire (RFC 3339).
pub type Timestamp = time::OffsetDateTime;
