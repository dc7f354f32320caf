//! Alerts in: the payloads of Prometheus Alertmanager (webhook version 4), Grafana Alerting (the
//! webhook contact point) and Herald's generic JSON, read into one shape, and an integration's rules
//! that turn a delivery into commands: a firing group sets its components' status and opens a draft
//! incident held for review (or publishes it when the rule says so); a resolved group sets them back
//! and proposes a "resolved" update as a draft. Never publishes a resolution by itself. Pure: the
//! shell keeps each group's incident and passes ids in.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::command::{Command, SetComponentStatus, SubmitForReview};
use crate::event::DomainError;
use crate::model::{
    ComponentInput, ComponentStatus, HeldChange, Impact, IncidentStatus, OpenIncident, PostUpdate,
    State,
};

/// Which tool sent a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Alertmanager,
    Grafana,
    Generic,
}

/// Firing or resolved, for a whole delivery and for each alert in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    Firing,
    Resolved,
}

/// One alert as every source is read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub status: AlertStatus,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// A delivery: alerts grouped under one key (Alertmanager's and Grafana's `groupKey`, the generic
/// form's `key`); one group is one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub group_key: String,
    pub status: AlertStatus,
    pub alerts: Vec<Alert>,
    pub common_labels: BTreeMap<String, String>,
    pub common_annotations: BTreeMap<String, String>,
}

/// Alertmanager's webhook (version 4); Grafana's contact point sends the same fields and more
/// (`orgId`, `title`, `state`, `message`, per alert `values`, `dashboardURL`...), ignored here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Webhook {
    #[serde(default)]
    version: Option<String>,
    group_key: String,
    status: AlertStatus,
    #[serde(default)]
    alerts: Vec<Alert>,
    #[serde(default)]
    common_labels: BTreeMap<String, String>,
    #[serde(default)]
    common_annotations: BTreeMap<String, String>,
}

/// Herald's generic form: `{"key", "status": "firing"|"resolved", "labels", "annotations"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Generic {
    key: String,
    status: AlertStatus,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

/// Reads a delivery from `source`; a body that is not its shape is refused with the reason.
pub fn read(source: Source, body: &str) -> Result<Delivery, DomainError> {
    let bad = |e: serde_json::Error| DomainError::invalid("body", e.to_string());
    match source {
        Source::Alertmanager | Source::Grafana => {
            let w: Webhook = serde_json::from_str(body).map_err(bad)?;
            if source == Source::Alertmanager && w.version.as_deref() != Some("4") {
                return Err(DomainError::invalid(
                    "version",
                    "Alertmanager webhooks of version 4 are read",
                ));
            }
            if w.group_key.trim().is_empty() {
                return Err(DomainError::invalid("groupKey", "empty"));
            }
            Ok(Delivery {
                group_key: w.group_key,
                status: w.status,
                alerts: w.alerts,
                common_labels: w.common_labels,
                common_annotations: w.common_annotations,
            })
        }
        Source::Generic => {
            let g: Generic = serde_json::from_str(body).map_err(bad)?;
            if g.key.trim().is_empty() {
                return Err(DomainError::invalid("key", "empty"));
            }
            Ok(Delivery {
                group_key: g.key,
                status: g.status,
                alerts: vec![Alert {
                    status: g.status,
                    labels: g.labels.clone(),
                    annotations: g.annotations.clone(),
                    fingerprint: None,
                }],
                common_labels: g.labels,
                common_annotations: g.annotations,
            })
        }
    }
}

/// An integration's mapping: which label names a component (its value an id of the page, or mapped
/// through `components`), which severity sets which status, and whether a firing group is published
/// at once instead of waiting as a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub component_label: String,
    pub components: BTreeMap<String, String>,
    pub severity_label: String,
    pub severities: BTreeMap<String, ComponentStatus>,
    pub publish: bool,
    /// `{{label:NAME}}` and `{{annotation:NAME}}` are replaced by the group's common values.
    pub title: String,
    pub body: String,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            component_label: "component".into(),
            components: BTreeMap::new(),
            severity_label: "severity".into(),
            severities: BTreeMap::from([
                ("critical".into(), ComponentStatus::MajorOutage),
                ("error".into(), ComponentStatus::PartialOutage),
                ("major".into(), ComponentStatus::PartialOutage),
                ("warning".into(), ComponentStatus::DegradedPerformance),
            ]),
            publish: false,
            title: "{{annotation:summary}}".into(),
            body: "We are investigating: {{annotation:description}}".into(),
        }
    }
}

fn fill(text: &str, labels: &BTreeMap<String, String>, notes: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let name = rest[start + 2..start + end].trim();
        let value = match name.split_once(':') {
            Some(("label", n)) => labels.get(n.trim()),
            Some(("annotation", n)) => notes.get(n.trim()),
            _ => None,
        };
        out.push_str(value.map_or("", String::as_str));
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out.trim().to_owned()
}

/// What the shell remembers of a group: the incident (or the draft of one) it opened, and whether
/// a resolution was proposed since it last fired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    pub incident: Option<String>,
    pub resolution_proposed: bool,
}

/// The commands a delivery causes and the group as it is then. `ids` makes fresh ids (incident,
/// update, review); `integration` names the author of drafts (`integration:<name>`).
pub fn plan(
    state: &State,
    rules: &Rules,
    integration: &str,
    delivery: &Delivery,
    group: &Group,
    ids: &mut dyn FnMut(&str) -> String,
) -> (Vec<Command>, Group) {
    // Each firing alert's component and the status its severity gives; the worst per component.
    let mut wanted: BTreeMap<String, ComponentStatus> = BTreeMap::new();
    for a in &delivery.alerts {
        let Some(value) = a.labels.get(&rules.component_label) else {
            continue;
        };
        let id = rules.components.get(value).unwrap_or(value);
        if state.page.component(id).is_none() {
            continue;
        }
        let status = match a.status {
            AlertStatus::Resolved => ComponentStatus::Operational,
            AlertStatus::Firing => a
                .labels
                .get(&rules.severity_label)
                .and_then(|s| rules.severities.get(&s.to_lowercase()))
                .copied()
                .unwrap_or(ComponentStatus::PartialOutage),
        };
        let e = wanted.entry(id.clone()).or_insert(status);
        *e = (*e).max(status);
    }
    let mut commands: Vec<Command> = wanted
        .iter()
        .filter(|(id, status)| {
            state
                .page
                .component(id)
                .is_some_and(|c| c.status != **status)
        })
        .map(|(id, status)| {
            Command::SetComponentStatus(SetComponentStatus {
                component_id: id.clone(),
                status: *status,
                notify: false,
            })
        })
        .collect();
    let author = format!("integration:{integration}");
    let mut next = group.clone();
    match delivery.status {
        AlertStatus::Firing => {
            next.resolution_proposed = false;
            if group.incident.is_none() {
                let worst = wanted.values().copied().max().unwrap_or_default();
                let impact = match worst {
                    ComponentStatus::MajorOutage => Impact::Critical,
                    ComponentStatus::PartialOutage => Impact::Major,
                    ComponentStatus::DegradedPerformance => Impact::Minor,
                    _ => Impact::None,
                };
                let labels = &delivery.common_labels;
                let notes = &delivery.common_annotations;
                let mut title = fill(&rules.title, labels, notes);
                if title.is_empty() {
                    title = labels
                        .get("alertname")
                        .cloned()
                        .unwrap_or_else(|| "Service disruption".into());
                }
                let mut body = fill(&rules.body, labels, notes);
                if body.is_empty() || body.ends_with(':') {
                    body = "We are investigating reports of a problem.".into();
                }
                let incident = ids("inc");
                let open = OpenIncident {
                    id: incident.clone(),
                    update_id: ids("upd"),
                    title,
                    impact,
                    body,
                    components: wanted
                        .iter()
                        .map(|(id, status)| ComponentInput {
                            id: id.clone(),
                            status: Some(*status),
                        })
                        .collect(),
                    ..OpenIncident::default()
                };
                commands.push(if rules.publish {
                    Command::OpenIncident(open)
                } else {
                    Command::SubmitForReview(SubmitForReview {
                        id: ids("rev"),
                        author,
                        change: HeldChange::OpenIncident(open),
                    })
                });
                next.incident = Some(incident);
            }
        }
        AlertStatus::Resolved => {
            // Proposed once, for an incident that was published and is still open; a draft never
            // published waits in the console to be published or discarded.
            let open = group
                .incident
                .as_deref()
                .filter(|id| state.incident(id).is_some_and(|i| i.is_active()));
            if let (Some(incident), false) = (open, group.resolution_proposed) {
                commands.push(Command::SubmitForReview(SubmitForReview {
                    id: ids("rev"),
                    author,
                    change: HeldChange::PostUpdate(PostUpdate {
                        incident_id: incident.to_owned(),
                        update_id: ids("upd"),
                        status: IncidentStatus::Resolved,
                        body: "The alerts that opened this incident have cleared; the service is working normally again.".into(),
                        ..PostUpdate::default()
                    }),
                }));
                next.resolution_proposed = true;
            }
        }
    }
    (commands, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::state;

    /// Alertmanager's webhook (version 4) as its documentation shows it, with `alerts` given.
    fn alertmanager(status: &str, alerts: &str) -> String {
        format!(
            r#"{{
  "version": "4",
  "groupKey": "{{}}:{{alertname=\"ApiDown\"}}",
  "truncatedAlerts": 0,
  "status": "{status}",
  "receiver": "herald",
  "groupLabels": {{"alertname": "ApiDown"}},
  "commonLabels": {{"alertname": "ApiDown", "component": "api", "severity": "critical"}},
  "commonAnnotations": {{"summary": "API requests are failing", "description": "5xx above 20%"}},
  "externalURL": "http://alertmanager.example.com:9093",
  "alerts": [{alerts}]
}}"#
        )
    }

    fn am_alert(status: &str, component: &str, fingerprint: &str) -> String {
        format!(
            r#"{{
    "status": "{status}",
    "labels": {{"alertname": "ApiDown", "component": "{component}", "severity": "critical", "instance": "{fingerprint}"}},
    "annotations": {{"summary": "API requests are failing"}},
    "startsAt": "2026-03-01T11:50:00Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://prometheus.example.com/graph?g0.expr=up",
    "fingerprint": "{fingerprint}"
  }}"#
        )
    }

    /// Grafana's webhook contact point as its documentation shows it.
    fn grafana(status: &str) -> String {
        format!(
            r#"{{
  "receiver": "herald",
  "status": "{status}",
  "orgId": 1,
  "alerts": [{{
    "status": "{status}",
    "labels": {{"alertname": "High latency", "component": "eu-west", "severity": "warning"}},
    "annotations": {{"summary": "p99 latency above 2 s"}},
    "startsAt": "2026-03-01T11:50:00Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://grafana.example.com/alerting/grafana/abc/view",
    "fingerprint": "c6eadffa33fcdf37",
    "silenceURL": "http://grafana.example.com/alerting/silence/new",
    "dashboardURL": "",
    "panelURL": "",
    "values": {{"B": 2.4}},
    "valueString": "[ var='B' labels={{}} value=2.4 ]"
  }}],
  "groupLabels": {{"alertname": "High latency"}},
  "commonLabels": {{"alertname": "High latency", "component": "eu-west", "severity": "warning"}},
  "commonAnnotations": {{"summary": "p99 latency above 2 s"}},
  "externalURL": "http://grafana.example.com/",
  "version": "1",
  "groupKey": "{{}}:{{alertname=\"High latency\"}}",
  "truncatedAlerts": 0,
  "title": "[FIRING:1] High latency",
  "state": "alerting",
  "message": "**Firing**"
}}"#
        )
    }

    fn counter() -> impl FnMut(&str) -> String {
        let mut n = 0;
        move |prefix: &str| {
            n += 1;
            format!("{prefix}_{n}")
        }
    }

    /// `state` after `commands`, each applied now.
    fn applied(state: &State, commands: Vec<Command>) -> State {
        crate::testkit::run(
            state,
            commands
                .into_iter()
                .map(|c| (c, crate::testkit::NOW))
                .collect(),
        )
        .0
    }

    fn names(commands: &[Command]) -> Vec<String> {
        commands
            .iter()
            .map(|c| match c {
                Command::SetComponentStatus(s) => {
                    format!("status {} {:?}", s.component_id, s.status)
                }
                Command::SubmitForReview(r) => match &r.change {
                    HeldChange::OpenIncident(o) => {
                        format!("draft open {:?} {:?}", o.title, o.impact)
                    }
                    HeldChange::PostUpdate(u) => format!("draft {:?} {}", u.status, u.incident_id),
                    HeldChange::PublishNotice(_) => "draft notice".into(),
                },
                Command::OpenIncident(o) => format!("open {:?}", o.title),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_firing_group_sets_its_components_and_drafts_one_incident() {
        let body = alertmanager(
            "firing",
            &[
                am_alert("firing", "api", "a1"),
                am_alert("firing", "eu-west", "a2"),
            ]
            .join(","),
        );
        let d = read(Source::Alertmanager, &body).unwrap();
        assert_eq!(d.alerts.len(), 2);
        let mut ids = counter();
        let (commands, group) = plan(
            &state(),
            &Rules::default(),
            "prom",
            &d,
            &Group::default(),
            &mut ids,
        );
        assert_eq!(
            names(&commands),
            vec![
                "status api MajorOutage",
                "status eu-west MajorOutage",
                "draft open \"API requests are failing\" Critical",
            ]
        );
        let Command::SubmitForReview(r) = &commands[2] else {
            unreachable!()
        };
        assert_eq!(r.author, "integration:prom");
        assert_eq!(group.incident.as_deref(), Some("inc_1"));

        // The same delivery again, once applied: nothing new.
        let after = applied(&state(), commands);
        let (again, same) = plan(&after, &Rules::default(), "prom", &d, &group, &mut ids);
        assert!(again.is_empty(), "{:?}", names(&again));
        assert_eq!(same, group);
    }

    #[test]
    fn a_rule_may_publish_directly() {
        let d = read(Source::Grafana, &grafana("firing")).unwrap();
        let rules = Rules {
            publish: true,
            ..Rules::default()
        };
        let (commands, _) = plan(
            &state(),
            &rules,
            "grafana",
            &d,
            &Group::default(),
            &mut counter(),
        );
        assert_eq!(
            names(&commands),
            vec![
                "status eu-west DegradedPerformance",
                "open \"p99 latency above 2 s\""
            ]
        );
    }

    #[test]
    fn a_resolved_group_sets_back_and_proposes_a_resolution_once() {
        let mut ids = counter();
        let firing = read(Source::Grafana, &grafana("firing")).unwrap();
        let publish = Rules {
            publish: true,
            ..Rules::default()
        };
        let (commands, group) = plan(
            &state(),
            &publish,
            "grafana",
            &firing,
            &Group::default(),
            &mut ids,
        );
        let after = applied(&state(), commands);
        let resolved = read(Source::Grafana, &grafana("resolved")).unwrap();
        let (commands, group) = plan(
            &after,
            &Rules::default(),
            "grafana",
            &resolved,
            &group,
            &mut ids,
        );
        assert_eq!(
            names(&commands),
            vec!["status eu-west Operational", "draft Resolved inc_1"]
        );
        assert!(group.resolution_proposed);
        let after = applied(&after, commands);
        let (again, _) = plan(
            &after,
            &Rules::default(),
            "grafana",
            &resolved,
            &group,
            &mut ids,
        );
        assert!(
            again.is_empty(),
            "a repeated resolution: {:?}",
            names(&again)
        );
    }

    #[test]
    fn a_draft_never_published_gets_no_resolution_update() {
        let mut ids = counter();
        let firing = read(Source::Grafana, &grafana("firing")).unwrap();
        let (commands, group) = plan(
            &state(),
            &Rules::default(),
            "grafana",
            &firing,
            &Group::default(),
            &mut ids,
        );
        let after = applied(&state(), commands);
        let resolved = read(Source::Grafana, &grafana("resolved")).unwrap();
        let (commands, _) = plan(
            &after,
            &Rules::default(),
            "grafana",
            &resolved,
            &group,
            &mut ids,
        );
        assert_eq!(names(&commands), vec!["status eu-west Operational"]);
    }

    #[test]
    fn the_generic_form_and_mapped_labels() {
        let body = r#"{"key": "db-primary", "status": "firing",
            "labels": {"service": "database", "severity": "major"},
            "annotations": {"summary": "Primary database unreachable"}}"#;
        let d = read(Source::Generic, body).unwrap();
        let rules = Rules {
            component_label: "service".into(),
            components: BTreeMap::from([("database".into(), "api".into())]),
            ..Rules::default()
        };
        let (commands, _) = plan(
            &state(),
            &rules,
            "generic",
            &d,
            &Group::default(),
            &mut counter(),
        );
        assert_eq!(
            names(&commands),
            vec![
                "status api PartialOutage",
                "draft open \"Primary database unreachable\" Major"
            ]
        );
    }

    #[test]
    fn bodies_not_in_a_tools_shape_are_refused() {
        for (source, body) in [
            (
                Source::Alertmanager,
                alertmanager("firing", "").replace("\"4\"", "\"3\""),
            ),
            (Source::Alertmanager, "{}".to_owned()),
            (Source::Grafana, "[]".to_owned()),
            (
                Source::Generic,
                r#"{"key": "", "status": "firing"}"#.to_owned(),
            ),
            (
                Source::Generic,
                r#"{"key": "k", "status": "burning"}"#.to_owned(),
            ),
            (
                Source::Generic,
                r#"{"key": "k", "status": "firing", "extra": 1}"#.to_owned(),
            ),
        ] {
            assert!(read(source, &body).is_err(), "{source:?}: {body}");
        }
    }
}
