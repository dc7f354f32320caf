//! Alert integrations: an admin creates (the secret answered once, stored as its SHA-256), lists
//! and revokes them; a delivery is checked against the integration's secret in constant time, read
//! by `shared::alert` as its kind says, planned with the integration's rules and committed with
//! the state and an audit entry naming the integration. Which incident each alert group opened is
//! kept in its own table, written in the same synchronous stretch as the state.

use std::collections::BTreeMap;
use std::rc::Rc;

use herald_shared::alert::{self, Group, Rules, Source};
use herald_shared::model::ComponentStatus;
use herald_shared::wire::AuditChange;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use worker::{Response, SqlStorageValue as V};

use super::operations::{Answer, Call};
use super::store::AuditRecord;
use super::{json_response, new_id, now, random_bytes, stamp, Loaded, PageObject};
use crate::error::{json, ApiError, ApiResult};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS integrations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    rules TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS alert_groups (
    integration TEXT NOT NULL,
    group_key TEXT NOT NULL,
    incident TEXT,
    resolution_proposed TEXT NOT NULL,
    PRIMARY KEY (integration, group_key)
);
";

/// Which reader a delivery goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Alertmanager,
    Grafana,
    Generic,
}

impl Kind {
    fn source(self) -> Source {
        match self {
            Kind::Alertmanager => Source::Alertmanager,
            Kind::Grafana => Source::Grafana,
            Kind::Generic => Source::Generic,
        }
    }
}

/// An integration's mapping as the API takes and shows it; anything left out keeps
/// `alert::Rules::default()`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

impl RulesInput {
    fn rules(&self) -> Rules {
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

    /// The first field that is not valid, with why.
    fn invalid(&self) -> Option<(&'static str, String)> {
        let label = |v: &Option<String>| v.as_ref().is_some_and(|l| l.trim().is_empty());
        if label(&self.component_label) {
            return Some(("rules.component_label", "must not be empty".into()));
        }
        if label(&self.severity_label) {
            return Some(("rules.severity_label", "must not be empty".into()));
        }
        for (field, text) in [("rules.title", &self.title), ("rules.body", &self.body)] {
            if text.as_ref().is_some_and(|t| t.chars().count() > 2000) {
                return Some((field, "must be at most 2000 characters".into()));
            }
        }
        None
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    name: String,
    kind: Kind,
    #[serde(default)]
    rules: RulesInput,
}

/// An integration as listed: never its secret.
#[derive(Serialize)]
struct IntegrationInfo {
    id: String,
    name: String,
    kind: Kind,
    rules: RulesInput,
    /// The path the tool posts to.
    endpoint: String,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_at: Option<String>,
}

#[derive(Serialize)]
struct CreatedIntegration {
    #[serde(flatten)]
    info: IntegrationInfo,
    /// Shown this once: the tool sends it as `Authorization: Bearer <secret>`.
    secret: String,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    name: String,
    kind: String,
    rules: String,
    hash: String,
    created_at: String,
    revoked_at: Option<String>,
}

#[derive(Deserialize)]
struct GroupRow {
    incident: Option<String>,
    resolution_proposed: String,
}

/// What a delivery did.
#[derive(Serialize)]
struct Received {
    integration: String,
    group_key: String,
    incident: Option<String>,
    /// Whether the page changed (a repeated delivery changes nothing).
    changed: bool,
    version: u64,
}

fn server(e: impl std::fmt::Display) -> ApiError {
    ApiError::Server(e.to_string())
}

fn validation(field: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::client(422, "validation", "The request is not valid", detail).with_field(field)
}

fn info(page: &str, r: &Row) -> ApiResult<IntegrationInfo> {
    Ok(IntegrationInfo {
        id: r.id.clone(),
        name: r.name.clone(),
        kind: serde_json::from_value(serde_json::Value::String(r.kind.clone())).map_err(server)?,
        rules: serde_json::from_str(&r.rules).map_err(server)?,
        endpoint: format!("/v1/pages/{page}/integrations/{}/alerts", r.id),
        created_at: r.created_at.clone(),
        revoked_at: r.revoked_at.clone(),
    })
}

fn hash_of(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl PageObject {
    fn integration_tables(&self) -> ApiResult<()> {
        self.store.sql().exec(SCHEMA, None)?;
        Ok(())
    }

    fn integration_rows(&self, id: Option<&str>) -> ApiResult<Vec<Row>> {
        self.integration_tables()?;
        let cols = "SELECT id, name, kind, rules, hash, created_at, revoked_at FROM integrations";
        let cursor = match id {
            Some(id) => self
                .store
                .sql()
                .exec(&format!("{cols} WHERE id = ?"), vec![V::String(id.into())])?,
            None => self
                .store
                .sql()
                .exec(&format!("{cols} ORDER BY created_at, id"), None)?,
        };
        Ok(cursor.to_array()?)
    }

    pub(super) fn list_integrations(&self, c: &Call<'_>) -> ApiResult<Answer> {
        c.require()?;
        let list = self
            .integration_rows(None)?
            .iter()
            .map(|r| info(c.page, r))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok((200, json(&list)?, None))
    }

    pub(super) fn create_integration(&self, c: &Call<'_>) -> ApiResult<Answer> {
        c.require()?;
        let req: CreateRequest = super::admin::parse(c.body)?;
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(validation("name", "name: must be 1 to 100 characters"));
        }
        if !name
            .chars()
            .all(|ch| ch.is_alphanumeric() || matches!(ch, '-' | '_' | '.' | ' '))
        {
            return Err(validation(
                "name",
                "name: letters, digits, spaces, '-', '_' and '.' only",
            ));
        }
        if let Some((field, why)) = req.rules.invalid() {
            return Err(validation(field, format!("{field}: {why}")));
        }
        let id = new_id("int")?;
        let secret = format!("hi_{}", hex::encode(random_bytes::<24>()?));
        let row = Row {
            id: id.clone(),
            name: name.to_owned(),
            kind: json(&req.kind)?.trim_matches('"').to_owned(),
            rules: json(&req.rules)?,
            hash: hash_of(&secret),
            created_at: c.stamped.to_owned(),
            revoked_at: None,
        };
        self.integration_tables()?;
        self.store.sql().exec(
            "INSERT INTO integrations (id, name, kind, rules, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                V::String(row.id.clone()),
                V::String(row.name.clone()),
                V::String(row.kind.clone()),
                V::String(row.rules.clone()),
                V::String(row.hash.clone()),
                V::String(row.created_at.clone()),
            ],
        )?;
        self.audit_only(
            c.actor,
            c.op.action(),
            Some(&id),
            &AuditChange {
                name: Some(row.name.clone()),
                format: Some(row.kind.clone()),
                ..AuditChange::default()
            },
            c.stamped,
            &c.loaded,
        )?;
        Ok((
            201,
            json(&CreatedIntegration {
                info: info(c.page, &row)?,
                secret,
            })?,
            None,
        ))
    }

    pub(super) fn revoke_integration(&self, c: &Call<'_>, id: &str) -> ApiResult<Answer> {
        c.require()?;
        let Some(row) = self
            .integration_rows(Some(id))?
            .into_iter()
            .find(|r| r.revoked_at.is_none())
        else {
            return Err(ApiError::not_found(format!(
                "no active integration {id:?} on this page"
            )));
        };
        self.store.sql().exec(
            "UPDATE integrations SET revoked_at = ? WHERE id = ?",
            vec![V::String(c.stamped.into()), V::String(id.into())],
        )?;
        self.audit_only(
            c.actor,
            c.op.action(),
            Some(id),
            &AuditChange {
                name: Some(row.name.clone()),
                ..AuditChange::default()
            },
            c.stamped,
            &c.loaded,
        )?;
        let mut row = row;
        row.revoked_at = Some(c.stamped.to_owned());
        Ok((200, json(&info(c.page, &row)?)?, None))
    }

    /// A delivery to integration `id`, presented with `secret`: what it causes is committed with
    /// the state and an audit entry whose actor is `integration:<name>`; a repeat changes nothing.
    pub(super) fn receive_alerts(
        &self,
        page: &str,
        id: &str,
        secret: Option<&str>,
        base: &str,
        body: &str,
    ) -> ApiResult<Response> {
        let unauthorized = || {
            ApiError::client(
                401,
                "unauthorized",
                "Missing or invalid integration secret",
                "send the integration's secret as `Authorization: Bearer <secret>`",
            )
        };
        let secret = secret.ok_or_else(unauthorized)?;
        // An unknown and a revoked integration answer alike: the caller learns nothing of ids.
        let row = self
            .integration_rows(Some(id))?
            .into_iter()
            .find(|r| r.revoked_at.is_none())
            .ok_or_else(unauthorized)?;
        if !bool::from(hash_of(secret).as_bytes().ct_eq(row.hash.as_bytes())) {
            return Err(unauthorized());
        }
        let loaded: Rc<Loaded> = self
            .load()?
            .ok_or_else(|| ApiError::not_found(format!("no page {page:?}")))?;
        let kind: Kind =
            serde_json::from_value(serde_json::Value::String(row.kind.clone())).map_err(server)?;
        let rules: RulesInput = serde_json::from_str(&row.rules).map_err(server)?;
        let delivery = alert::read(kind.source(), body)?;
        let groups: Vec<GroupRow> = self
            .store
            .sql()
            .exec(
                "SELECT incident, resolution_proposed FROM alert_groups WHERE integration = ? AND group_key = ?",
                vec![V::String(id.into()), V::String(delivery.group_key.clone())],
            )?
            .to_array()?;
        let group = groups
            .into_iter()
            .next()
            .map(|g| Group {
                incident: g.incident,
                resolution_proposed: g.resolution_proposed == "1",
            })
            .unwrap_or_default();
        let mut failed = None;
        let (commands, next) = alert::plan(
            &loaded.state,
            &rules.rules(),
            &row.name,
            &delivery,
            &group,
            &mut |prefix| {
                new_id(prefix).unwrap_or_else(|e| {
                    failed = Some(e);
                    String::new()
                })
            },
        );
        if let Some(e) = failed {
            return Err(e);
        }
        let at = now();
        let stamped = stamp(at);
        let changed = !commands.is_empty();
        let mut version = loaded.state.version;
        if changed {
            let change = json(&commands)?;
            let mut state = loaded.state.clone();
            let mut events = Vec::new();
            for command in commands {
                let (after, more) = self.apply(&state, command, at)?;
                state = after;
                events.extend(more);
            }
            let actor = format!("integration:{}", row.name);
            let action = match delivery.status {
                alert::AlertStatus::Firing => "alerts.firing",
                alert::AlertStatus::Resolved => "alerts.resolved",
            };
            self.store.commit(
                &state,
                Some(&loaded.state),
                &AuditRecord {
                    at: &stamped,
                    actor: &actor,
                    action,
                    subject: next.incident.as_deref(),
                    change: &change,
                    events: &json(&events)?,
                },
                None,
            )?;
            self.enqueue_events(page, &state, &events, base, &stamped)?;
            version = state.version;
            *self.loaded.borrow_mut() = Some(Rc::new(Loaded::new(state)));
        }
        if next != group {
            self.store.sql().exec(
                "INSERT INTO alert_groups (integration, group_key, incident, resolution_proposed) VALUES (?, ?, ?, ?)
                 ON CONFLICT (integration, group_key) DO UPDATE SET incident = excluded.incident, resolution_proposed = excluded.resolution_proposed",
                vec![
                    V::String(id.into()),
                    V::String(delivery.group_key.clone()),
                    next.incident.clone().map_or(V::Null, V::String),
                    V::String(if next.resolution_proposed { "1" } else { "0" }.into()),
                ],
            )?;
        }
        json_response(
            200,
            json(&Received {
                integration: id.to_owned(),
                group_key: delivery.group_key,
                incident: next.incident,
                changed,
                version,
            })?,
        )
    }
}
