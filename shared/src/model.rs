//! The page state: components, incidents and their updates. Derived facts (an incident's status, the
//! page indicator) are computed from the stored facts, never stored beside them.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Status of one component. `Ord` follows severity, so the worst of several is `max()`;
/// maintenance ranks above "operational" and below every kind of outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl ComponentStatus {
    pub const ALL: [ComponentStatus; 5] = [
        Self::Operational,
        Self::UnderMaintenance,
        Self::DegradedPerformance,
        Self::PartialOutage,
        Self::MajorOutage,
    ];

    /// Human label, as shown on the status page and in the banner.
    pub fn label(self) -> &'static str {
        match self {
            Self::Operational => "Operational",
            Self::UnderMaintenance => "Under maintenance",
            Self::DegradedPerformance => "Degraded performance",
            Self::PartialOutage => "Partial outage",
            Self::MajorOutage => "Major outage",
        }
    }
}

/// How much an incident hurts the people it concerns. Ordered by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    None,
    Minor,
    Major,
    Critical,
}

/// Lifecycle of an incident; the current one is the status of its latest update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl IncidentStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Investigating => "Investigating",
            Self::Identified => "Identified",
            Self::Monitoring => "Monitoring",
            Self::Resolved => "Resolved",
        }
    }
}

/// A component of a page, such as "API" or "Dashboard".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub status: ComponentStatus,
}

/// A status page: what it is called and which components it reports on (in display order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub components: Vec<Component>,
}

/// One message posted on an incident. Updates are append-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentUpdate {
    pub id: String,
    pub status: IncidentStatus,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
}

/// An incident and its updates, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub impact: Impact,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    pub updates: Vec<IncidentUpdate>,
}

impl Incident {
    /// The latest update: the one created last, ties broken by position (later wins).
    pub fn latest(&self) -> Option<&IncidentUpdate> {
        self.updates
            .iter()
            .enumerate()
            .max_by_key(|(i, u)| (u.created_at, *i))
            .map(|(_, u)| u)
    }

    /// Current status, derived from the latest update.
    pub fn status(&self) -> IncidentStatus {
        self.latest()
            .map_or(IncidentStatus::Investigating, |u| u.status)
    }

    pub fn is_active(&self) -> bool {
        self.status() != IncidentStatus::Resolved
    }
}

/// Everything a page's Durable Object holds. `version` grows by one per applied command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub page: Page,
    #[serde(default)]
    pub incidents: Vec<Incident>,
    #[serde(default)]
    pub version: u64,
}

impl State {
    pub fn new(page: Page) -> Self {
        Self {
            page,
            incidents: Vec::new(),
            version: 0,
        }
    }

    pub fn incident(&self, id: &str) -> Option<&Incident> {
        self.incidents.iter().find(|i| i.id == id)
    }

    /// Worst component status on the page.
    pub fn worst_component(&self) -> ComponentStatus {
        self.page
            .components
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(ComponentStatus::Operational)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn update(id: &str, status: IncidentStatus, at: Timestamp) -> IncidentUpdate {
        IncidentUpdate {
            id: id.into(),
            status,
            body: String::new(),
            created_at: at,
            next_update_at: None,
        }
    }

    #[test]
    fn status_is_the_latest_updates_status_ties_go_to_the_later_one() {
        let t = datetime!(2026-01-01 10:00 UTC);
        let mut inc = Incident {
            id: "i".into(),
            title: "t".into(),
            impact: Impact::Major,
            components: vec![],
            created_at: t,
            updates: vec![update("a", IncidentStatus::Investigating, t)],
        };
        assert_eq!(inc.status(), IncidentStatus::Investigating);
        inc.updates.push(update("b", IncidentStatus::Identified, t));
        assert_eq!(inc.status(), IncidentStatus::Identified);
        inc.updates.push(update(
            "c",
            IncidentStatus::Resolved,
            t - time::Duration::minutes(1),
        ));
        assert_eq!(
            inc.status(),
            IncidentStatus::Identified,
            "older update does not win"
        );
    }

    #[test]
    fn worst_component_is_the_max_by_severity() {
        let cases = [
            (vec![], ComponentStatus::Operational),
            (
                vec![
                    ComponentStatus::Operational,
                    ComponentStatus::UnderMaintenance,
                ],
                ComponentStatus::UnderMaintenance,
            ),
            (
                vec![
                    ComponentStatus::UnderMaintenance,
                    ComponentStatus::DegradedPerformance,
                ],
                ComponentStatus::DegradedPerformance,
            ),
            (
                vec![ComponentStatus::MajorOutage, ComponentStatus::PartialOutage],
                ComponentStatus::MajorOutage,
            ),
        ];
        for (statuses, want) in cases {
            let page = Page {
                id: "p".into(),
                name: "P".into(),
                url: None,
                components: statuses
                    .iter()
                    .enumerate()
                    .map(|(i, s)| Component {
                        id: format!("c{i}"),
                        name: format!("C{i}"),
                        group: None,
                        status: *s,
                    })
                    .collect(),
            };
            assert_eq!(State::new(page).worst_component(), want, "{statuses:?}");
        }
    }
}
