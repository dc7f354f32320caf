//! Alert integrations: an admin creates (the secret answered once, stored as its SHA-256), lists
//! and revokes them; a delivery is checked against the integration's secret in constant time, read
//! by `shared::alert` as its kind says, planned with the integration's rules and committed with
//! the state and an audit entry naming the integration. Which incident each alert group opened is
//! kept in its own table, written in the same synchronous stretch as the state.

use std::rc::Rc;

use herald_shared::alert::{self, Group};
use herald_shared::wire::integrations::{
    AlertsReceived, CreateIntegration, CreatedIntegration, Integration, Kind, RulesInput,
};
use herald_shared::wire::AuditChange;
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

/// A stored integration.
struct Row {
    id: String,
    name: String,
    kind: String,
    rules: String,
    hash: String,
    created_at: String,
    revoked_at: Option<String>,
}

/// Text cells of a raw row, in order; `None` for NULL.
fn texts(row: Vec<V>) -> ApiResult<Vec<Option<String>>> {
    row.into_iter()
        .map(|v| match v {
            V::String(s) => Ok(Some(s)),
            V::Null => Ok(None),
            other => Err(server(format!("unexpected stored value {other:?}"))),
        })
        .collect()
}

impl Row {
    fn read(row: Vec<V>) -> ApiResult<Row> {
        let mut cells = texts(row)?.into_iter();
        let mut text = || {
            cells
                .next()
                .flatten()
                .ok_or_else(|| server("an integration row lacks a cell"))
        };
        Ok(Row {
            id: text()?,
            name: text()?,
            kind: text()?,
            rules: text()?,
            hash: text()?,
            created_at: text()?,
            revoked_at: cells.next().flatten(),
        })
    }
}

fn server(e: impl std::fmt::Display) -> ApiError {
    ApiError::Server(e.to_string())
}

fn validation(field: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::client(422, "validation", "The request is not valid", detail).with_field(field)
}

fn kind_of(r: &Row) -> ApiResult<Kind> {
    Kind::from_name(&r.kind).ok_or_else(|| server(format!("stored kind {:?} is unknown", r.kind)))
}

fn info(page: &str, r: &Row) -> ApiResult<Integration> {
    Ok(Integration {
        id: r.id.clone(),
        name: r.name.clone(),
        kind: kind_of(r)?,
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
        cursor.raw().map(|row| Row::read(row?)).collect()
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
        let req: CreateIntegration = super::admin::parse(c.body)?;
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
            kind: req.kind.as_str().to_owned(),
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
                integration: info(c.page, &row)?,
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
        let kind = kind_of(&row)?;
        let rules: RulesInput = serde_json::from_str(&row.rules).map_err(server)?;
        let delivery = alert::read(kind.source(), body)?;
        let cursor = self.store.sql().exec(
            "SELECT incident, resolution_proposed FROM alert_groups WHERE integration = ? AND group_key = ?",
            vec![V::String(id.into()), V::String(delivery.group_key.clone())],
        )?;
        let group = match cursor.raw().next() {
            None => Group::default(),
            Some(row) => {
                let mut cells = texts(row?)?.into_iter();
                Group {
                    incident: cells.next().flatten(),
                    resolution_proposed: cells.next().flatten().as_deref() == Some("1"),
                }
            }
        };
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
            self.install(state);
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
            json(&AlertsReceived {
                integration: id.to_owned(),
                group_key: delivery.group_key,
                incident: next.incident,
                changed,
                version,
            })?,
        )
    }
}
