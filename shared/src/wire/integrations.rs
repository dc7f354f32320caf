//! The shapes of alert integrations: what an admin sends to make one (its kind and mapping rules),
//! how one is listed (never its secret) and answered once with its secret, and what a delivery's
//! answer says. The rules as sent turn into `alert::Rules`, anything left out keeping its default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::alert::{Rules, Source};
use crate::model::ComponentStatus;

/// Which reader a delivery goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Alertmanager,
    Grafana,
    Generic,
}

impl Kind {
    pub fn source(self) -> Source {
        match self {
            Kind::Alertmanager => Source::Alertmanager,
            Kind::Grafana => Source::Grafana,
            Kind::Generic => Source::Generic,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Alertmanager => "alertmanager",
            Kind::Grafana => "grafana",
            Kind::Generic => "generic",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        [Kind::Alertmanager, Kind::Grafana, Kind::Generic]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

/// An integration's mapping as the API takes and shows it; anything left out keeps
/// `alert::Rules::default()`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_label: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub components: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severities: Option<BTreeMap<String, ComponentStatus>>,
    #[serde(default)]
    pub publish: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// Longest title or body template.
pub const MAX_TEMPLATE_CHARS: usize = 2000;

impl RulesInput {
    pub fn rules(&self) -> Rules {
        let d = Rules::default();
        Rules {
            component_label: self.component_label.clone().unwrap_or(d.component_label),
            components: self.components.clone(),
            severity_label: self.severity_label.clone().unwrap_or(d.severity_label),
            severities: self
                .severities
                .as_ref()
                .map(|s| s.iter().map(|(k, v)| (k.to_lowercase(), *v)).collect())
                .unwrap_or(d.severities),
            publish: self.publish,
            title: self.title.clone().unwrap_or(d.title),
            body: self.body.clone().unwrap_or(d.body),
        }
    }

    /// The first field that is not valid (as its path in the request), with why.
    pub fn invalid(&self) -> Option<(&'static str, String)> {
        let blank = |v: &Option<String>| v.as_ref().is_some_and(|l| l.trim().is_empty());
        if blank(&self.component_label) {
            return Some(("rules.component_label", "must not be empty".into()));
        }
        if blank(&self.severity_label) {
            return Some(("rules.severity_label", "must not be empty".into()));
        }
        for (field, text) in [("rules.title", &self.title), ("rules.body", &self.body)] {
            if text
                .as_ref()
                .is_some_and(|t| t.chars().count() > MAX_TEMPLATE_CHARS)
            {
                return Some((
                    field,
                    format!("must be at most {MAX_TEMPLATE_CHARS} characters"),
                ));
            }
        }
        None
    }
}

/// `POST /v1/admin/pages/{page}/integrations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateIntegration {
    pub name: String,
    pub kind: Kind,
    #[serde(default)]
    pub rules: RulesInput,
}

/// An integration as listed: never its secret.
#[derive(Debug, Clone, Serialize)]
pub struct Integration {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub rules: RulesInput,
    /// The path the tool posts to.
    pub endpoint: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// The answer to making one: the secret appears here only.
#[derive(Debug, Serialize)]
pub struct CreatedIntegration {
    #[serde(flatten)]
    pub integration: Integration,
    /// The tool sends it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// What a delivery did.
#[derive(Debug, Serialize)]
pub struct AlertsReceived {
    pub integration: String,
    pub group_key: String,
    pub incident: Option<String>,
    /// Whether the page changed (a repeated delivery changes nothing).
    pub changed: bool,
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_left_out_keep_their_defaults_and_blank_labels_are_refused() {
        let r: RulesInput = serde_json::from_str(
            r#"{"component_label": "zone", "severities": {"Page": "major_outage"}}"#,
        )
        .unwrap();
        let rules = r.rules();
        assert_eq!(rules.component_label, "zone");
        assert_eq!(rules.severity_label, Rules::default().severity_label);
        assert_eq!(
            rules.severities,
            BTreeMap::from([("page".to_owned(), ComponentStatus::MajorOutage)])
        );
        assert!(!rules.publish);
        assert_eq!(r.invalid(), None);
        let blank: RulesInput = serde_json::from_str(r#"{"severity_label": " "}"#).unwrap();
        assert_eq!(
            blank.invalid().map(|(f, _)| f),
            Some("rules.severity_label")
        );
        assert!(serde_json::from_str::<RulesInput>(r#"{"labels": "x"}"#).is_err());
        assert_eq!(Kind::from_name("grafana"), Some(Kind::Grafana));
        assert_eq!(Kind::from_name("nagios"), None);
    }
}
