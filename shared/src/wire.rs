//! The JSON shapes Herald speaks. Only this module defines them; the edge writes them and the widget
//! reads them, so both always agree.

use serde::{Deserialize, Serialize};

use crate::model::{ComponentStatus, Impact, IncidentStatus};
use crate::Timestamp;

/// `GET /v1/pages/{page}/banner.json`: the one thing a viewer should see now, or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Banner {
    pub page: BannerPage,
    /// `None` on a quiet day: the widget shows nothing.
    pub item: Option<BannerItem>,
    /// Seconds the widget should wait before polling again.
    pub poll_after: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerPage {
    pub id: String,
    pub name: String,
    /// Path of the public status page, relative to the status host.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerItem {
    pub kind: BannerKind,
    pub id: String,
    /// Identifies the message: dismissal is remembered per update, so a newer one shows again.
    pub update_id: String,
    pub title: String,
    pub impact: Impact,
    pub status: IncidentStatus,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: Timestamp,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
    #[serde(default)]
    pub components: Vec<BannerComponent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BannerKind {
    Incident,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerComponent {
    pub id: String,
    pub name: String,
    pub status: ComponentStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;
    use time::macros::datetime;

    #[test]
    fn banner_wire_format_is_frozen() {
        let banner = Banner {
            page: BannerPage {
                id: "demo".into(),
                name: "Demo".into(),
                url: "/demo".into(),
            },
            item: Some(BannerItem {
                kind: BannerKind::Incident,
                id: "inc_1".into(),
                update_id: "upd_1".into(),
                title: "Elevated API errors".into(),
                impact: Impact::Major,
                status: IncidentStatus::Identified,
                body: "A bad deploy; rolling back.".into(),
                updated_at: datetime!(2026-03-01 12:00 UTC),
                next_update_at: Some(datetime!(2026-03-01 12:30 UTC)),
                components: vec![BannerComponent {
                    id: "api".into(),
                    name: "API".into(),
                    status: ComponentStatus::PartialOutage,
                }],
            }),
            poll_after: 30,
        };
        let json = serde_json::to_string_pretty(&banner).unwrap();
        expect![[r#"
            {
              "page": {
                "id": "demo",
                "name": "Demo",
                "url": "/demo"
              },
              "item": {
                "kind": "incident",
                "id": "inc_1",
                "update_id": "upd_1",
                "title": "Elevated API errors",
                "impact": "major",
                "status": "identified",
                "body": "A bad deploy; rolling back.",
                "updated_at": "2026-03-01T12:00:00Z",
                "next_update_at": "2026-03-01T12:30:00Z",
                "components": [
                  {
                    "id": "api",
                    "name": "API",
                    "status": "partial_outage"
                  }
                ]
              },
              "poll_after": 30
            }"#]]
        .assert_eq(&json);
        assert_eq!(serde_json::from_str::<Banner>(&json).unwrap(), banner);
    }
}

/// `PUT /v1/admin/pages/{page}`: creates the page or replaces its settings. Component statuses are kept
/// for ids that already exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageSettings {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default)]
    pub components: Vec<ComponentSettings>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentSettings {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// `POST /v1/admin/pages/{page}/incidents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenIncidentRequest {
    pub title: String,
    pub impact: Impact,
    pub body: String,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
}

/// `POST /v1/admin/pages/{page}/incidents/{id}/updates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostUpdateRequest {
    pub status: IncidentStatus,
    pub body: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
}

/// Answer to a write that created something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_id: Option<String>,
    /// Page state version after the write.
    pub version: u64,
}

/// An RFC 9457 problem document (`application/problem+json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request field the problem is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Media type of [`Problem`] documents.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
