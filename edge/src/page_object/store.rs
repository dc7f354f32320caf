//! The page object's SQLite storage: state, audit log, idempotency records, API keys, secrets, and
//! for notifications the sent notifications, every delivery attempt, the queue outbox and the
//! subscription rate counters. Every method is synchronous, so a sequence of calls with no `await` between them is
//! committed by the runtime as one unit.

use std::collections::{BTreeMap, HashMap};

use herald_shared::delivery::{NotificationKind, Outcome};
use herald_shared::model::ComponentStatus;
use herald_shared::subscriber::SubscriberChannel;
use herald_shared::uptime::{self, DayTotals, Open};
use herald_shared::wire::{ApiKeyInfo, AuditEntry, NotificationInfo, PageCore, Role};
use herald_shared::State as PageState;
use worker::{SqlStorage, SqlStorageValue as V};

use super::records::{DeliveryRow, Records, Remembered};
use crate::error::{ApiError, ApiResult};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS page_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    version INTEGER NOT NULL,
    events TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notifications (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT,
    event TEXT NOT NULL,
    created_at TEXT NOT NULL,
    recipients INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    notification_id TEXT NOT NULL,
    subscriber_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    provider_id TEXT,
    error TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (notification_id, subscriber_id, channel, attempt)
);
CREATE TABLE IF NOT EXISTS messages (
    notification_id TEXT PRIMARY KEY,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_log (
    key TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_log_key ON rate_log (key, at_ms);
CREATE TABLE IF NOT EXISTS subscribers (
    id TEXT PRIMARY KEY,
    subscriber TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS receipts (
    notification_id TEXT NOT NULL,
    subscriber_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (notification_id, subscriber_id)
);
CREATE TABLE IF NOT EXISTS ack_required (
    notification_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    message TEXT NOT NULL,
    escalated_at TEXT
);
CREATE TABLE IF NOT EXISTS early_events (
    provider_id TEXT PRIMARY KEY,
    outcome TEXT NOT NULL,
    error TEXT,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_subject ON notifications (subject);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS uptime_days (
    component TEXT NOT NULL,
    day TEXT NOT NULL,
    source TEXT NOT NULL,
    major INTEGER NOT NULL,
    partial INTEGER NOT NULL,
    degraded INTEGER NOT NULL,
    maintenance INTEGER NOT NULL,
    PRIMARY KEY (component, day, source)
);
CREATE INDEX IF NOT EXISTS uptime_days_day ON uptime_days (day);
CREATE TABLE IF NOT EXISTS uptime_open (
    component TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    since TEXT NOT NULL
);";

/// Columns added after the first schema; adding one that exists fails harmlessly.
const MIGRATIONS: &[&str] = &[
    "ALTER TABLE audit ADD COLUMN subject TEXT",
    "ALTER TABLE audit ADD COLUMN change TEXT NOT NULL DEFAULT 'null'",
];

fn server(e: impl std::fmt::Display) -> ApiError {
    ApiError::Server(e.to_string())
}

fn int(n: u64) -> ApiResult<V> {
    i64::try_from(n).map(V::Integer).map_err(server)
}

/// One audit record: who did what, and the change with what it caused.
pub struct AuditRecord<'a> {
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: Option<&'a str>,
    pub change: &'a str,
    pub events: &'a str,
}

/// Which audit entries to read: each filter narrows, none reads them all.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditFilter<'a> {
    pub subject: Option<&'a str>,
    pub since: Option<&'a str>,
    pub until: Option<&'a str>,
    /// An action (`incident.open`) or a kind of actions (`incident`).
    pub action: Option<&'a str>,
    /// Who acted: `key:<id>`, `root`, `herald` or an integration.
    pub actor: Option<&'a str>,
}

pub struct Store {
    sql: SqlStorage,
    /// Whether the tables are known to exist (checked or made once per object instance).
    ready: std::cell::Cell<bool>,
}

struct StateRow {
    state: String,
}

struct IdemRow {
    fingerprint: String,
    status: i64,
    body: String,
}

struct KeyRow {
    id: String,
    name: String,
    role: Role,
    hash: String,
    created_at: String,
    revoked_at: Option<String>,
}

struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    version: i64,
    subject: Option<String>,
    change: String,
    events: String,
}

struct ValueRow {
    value: String,
}

struct UptimeRow {
    component: String,
    day: String,
    totals: DayTotals,
}

struct OpenRow {
    component: String,
    status: ComponentStatus,
    since: String,
}

/// Where a day's uptime came from: the page's own changes, or an imported incident (replaced
/// when it is imported again).
const LIVE: &str = "live";

fn day_text(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn parse_day(s: &str) -> Option<time::Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &f).ok()
}

fn status_name(s: ComponentStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn status_from_name(s: &str) -> Option<ComponentStatus> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

fn time(s: &str) -> Option<herald_shared::Timestamp> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

impl Store {
    /// Opens the object's storage without writing to it: an object that holds no page stays empty.
    pub fn open(sql: SqlStorage) -> Store {
        Store {
            sql,
            ready: std::cell::Cell::new(false),
        }
    }

    /// The storage itself, for a concern that keeps its own tables (`integrations`).
    pub fn sql(&self) -> &SqlStorage {
        &self.sql
    }

    /// Whether this object holds a page (or the page directory), read without writing; an existing
    /// schema is brought up to date on the way.
    pub fn exists(&self) -> ApiResult<bool> {
        if self.ready.get() {
            return Ok(true);
        }
        let rows: Vec<ValueRow> = self
            .sql
            .exec(
                "SELECT name AS value FROM sqlite_master WHERE type = 'table' AND name = 'page_state'",
                None,
            )?
            .rows()?;
        if rows.is_empty() {
            return Ok(false);
        }
        self.create()?;
        Ok(true)
    }

    /// Makes the tables (a new page, or the directory) and adds columns newer than a stored schema.
    pub fn create(&self) -> ApiResult<()> {
        self.sql.exec(SCHEMA, None)?;
        for m in MIGRATIONS {
            // Adding a column that exists fails, harmlessly.
            let _ = self.sql.exec(m, None);
        }
        self.ready.set(true);
        Ok(())
    }

    /// The page state: the stored core plus every subscriber row. Subscribers live in their own
    /// table so a page with many of them stays within the storage's 2 MB value limit and a write
    /// touches only the subscribers it changed.
    pub fn load_state(&self) -> ApiResult<Option<PageState>> {
        let rows: Vec<StateRow> = self
            .sql
            .exec("SELECT state FROM page_state WHERE id = 1", None)?
            .rows()?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        let mut state: PageState = serde_json::from_str(&row.state)
            .map_err(|e| server(format!("stored state unreadable: {e}")))?;
        if !state.subscribers.is_empty() {
            // Stored before subscribers had their own table: move them there once.
            for sub in &state.subscribers {
                self.put_subscriber(sub)?;
            }
            self.sql.exec(
                "UPDATE page_state SET state = ? WHERE id = 1",
                vec![V::String(core_json(&state)?)],
            )?;
        }
        let subs: Vec<SubscriberRow> = self
            .sql
            .exec("SELECT subscriber FROM subscribers ORDER BY rowid", None)?
            .rows()?;
        state.subscribers = subs
            .into_iter()
            .map(|r| serde_json::from_str(&r.subscriber))
            .collect::<Result<_, _>>()
            .map_err(|e| server(format!("stored subscriber unreadable: {e}")))?;
        Ok(Some(state))
    }

    fn put_subscriber(&self, sub: &herald_shared::Subscriber) -> ApiResult<()> {
        self.sql.exec(
            "INSERT INTO subscribers (id, subscriber) VALUES (?, ?) \
             ON CONFLICT(id) DO UPDATE SET subscriber = excluded.subscriber",
            vec![
                V::String(sub.id.clone()),
                V::String(serde_json::to_string(sub).map_err(server)?),
            ],
        )?;
        Ok(())
    }

    /// Writes the new state with its audit record (and the idempotent answer, when there is one).
    /// `prior` is the state it replaces: only subscribers that differ from it are written.
    pub fn commit(
        &self,
        state: &PageState,
        prior: Option<&PageState>,
        audit: &AuditRecord<'_>,
        remember: Option<(&str, &Remembered, &str)>,
    ) -> ApiResult<()> {
        let version = int(state.version)?;
        self.sql.exec(
            "INSERT INTO audit (at, actor, action, version, events, subject, change) VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![
                V::String(audit.at.into()),
                V::String(audit.actor.into()),
                V::String(audit.action.into()),
                version.clone(),
                V::String(audit.events.into()),
                audit.subject.map_or(V::Null, |s| V::String(s.into())),
                V::String(audit.change.into()),
            ],
        )?;
        self.sql.exec(
            "INSERT INTO page_state (id, version, state) VALUES (1, ?, ?) \
             ON CONFLICT(id) DO UPDATE SET version = excluded.version, state = excluded.state",
            vec![version, V::String(core_json(state)?)],
        )?;
        let before: HashMap<&str, &herald_shared::Subscriber> = prior
            .map(|p| p.subscribers.iter().map(|s| (s.id.as_str(), s)).collect())
            .unwrap_or_default();
        for sub in &state.subscribers {
            if before.get(sub.id.as_str()) != Some(&sub) {
                self.put_subscriber(sub)?;
            }
        }
        if before.len() + state.subscribers.len() > 0 {
            let now: std::collections::HashSet<&str> =
                state.subscribers.iter().map(|s| s.id.as_str()).collect();
            for gone in before.keys().filter(|id| !now.contains(*id)) {
                self.sql.exec(
                    "DELETE FROM subscribers WHERE id = ?",
                    vec![V::String((*gone).into())],
                )?;
            }
        }
        if let Some((key, answer, forget_before)) = remember {
            self.remember(key, answer, audit.at, forget_before)?;
        }
        // Every change of a component's public status is timed here, in the same stretch.
        let at = time(audit.at).ok_or_else(|| server(format!("audit time {:?}", audit.at)))?;
        self.record_uptime(state, at)
    }

    /// Records the components' public statuses after a change at `at`: intervals that ended are
    /// added to their days, the open ones replaced; days older than `uptime::RETENTION_DAYS` go.
    pub fn record_uptime(&self, state: &PageState, at: herald_shared::Timestamp) -> ApiResult<()> {
        let open = self.uptime_open()?;
        let (closed, next) = uptime::advance(&open, &uptime::statuses(state), at);
        if closed.is_empty() && next == open {
            return Ok(());
        }
        for c in closed {
            let mut t = DayTotals::default();
            t.add(c.status, c.seconds);
            self.add_uptime(&c.component, c.day, LIVE, t)?;
        }
        self.sql.exec("DELETE FROM uptime_open", None)?;
        for o in &next {
            self.sql.exec(
                "INSERT INTO uptime_open (component, status, since) VALUES (?, ?, ?)",
                vec![
                    V::String(o.component.clone()),
                    V::String(status_name(o.status)),
                    V::String(super::stamp(o.since)),
                ],
            )?;
        }
        let cutoff = uptime::day_of(at) - time::Duration::days(uptime::RETENTION_DAYS);
        self.sql.exec(
            "DELETE FROM uptime_days WHERE day < ?",
            vec![V::String(day_text(cutoff))],
        )?;
        Ok(())
    }

    fn add_uptime(
        &self,
        component: &str,
        day: time::Date,
        source: &str,
        t: DayTotals,
    ) -> ApiResult<()> {
        let cap = i64::from(uptime::DAY_SECONDS);
        self.sql.exec(
            "INSERT INTO uptime_days (component, day, source, major, partial, degraded, maintenance) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(component, day, source) DO UPDATE SET \
             major = min(?8, major + excluded.major), partial = min(?8, partial + excluded.partial), \
             degraded = min(?8, degraded + excluded.degraded), \
             maintenance = min(?8, maintenance + excluded.maintenance)",
            vec![
                V::String(component.into()),
                V::String(day_text(day)),
                V::String(source.into()),
                V::Integer(i64::from(t.major)),
                V::Integer(i64::from(t.partial)),
                V::Integer(i64::from(t.degraded)),
                V::Integer(i64::from(t.maintenance)),
                V::Integer(cap),
            ],
        )?;
        Ok(())
    }

    /// Replaces the days an imported incident accounts for (importing again changes nothing).
    pub fn import_uptime(
        &self,
        incident: &str,
        days: &BTreeMap<String, BTreeMap<time::Date, DayTotals>>,
    ) -> ApiResult<()> {
        let source = format!("import:{incident}");
        self.sql.exec(
            "DELETE FROM uptime_days WHERE source = ?",
            vec![V::String(source.clone())],
        )?;
        for (component, by_day) in days {
            for (day, t) in by_day {
                self.add_uptime(component, *day, &source, *t)?;
            }
        }
        Ok(())
    }

    fn uptime_open(&self) -> ApiResult<Vec<Open>> {
        let rows: Vec<OpenRow> = self
            .sql
            .exec("SELECT component, status, since FROM uptime_open", None)?
            .rows()?;
        rows.into_iter()
            .map(|r| {
                Ok(Open {
                    component: r.component,
                    status: r.status,
                    since: time(&r.since)
                        .ok_or_else(|| server(format!("stored time {:?} unreadable", r.since)))?,
                })
            })
            .collect()
    }

    /// The stored uptime from `from` on.
    pub fn uptime(&self, from: time::Date) -> ApiResult<uptime::History> {
        let rows: Vec<UptimeRow> = self
            .sql
            .exec(
                "SELECT component, day, major, partial, degraded, maintenance FROM uptime_days WHERE day >= ?",
                vec![V::String(day_text(from))],
            )?
            .rows()?;
        let mut days: HashMap<String, BTreeMap<time::Date, DayTotals>> = HashMap::new();
        for r in rows {
            let day = parse_day(&r.day)
                .ok_or_else(|| server(format!("stored day {:?} unreadable", r.day)))?;
            days.entry(r.component)
                .or_default()
                .entry(day)
                .or_default()
                .merge(r.totals);
        }
        Ok(uptime::History {
            days,
            open: self.uptime_open()?,
        })
    }

    pub fn insert_key(
        &self,
        id: &str,
        name: &str,
        role: Role,
        hash: &str,
        at: &str,
    ) -> ApiResult<()> {
        self.sql.exec(
            "INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)",
            vec![
                V::String(id.into()),
                V::String(name.into()),
                V::String(role.as_str().into()),
                V::String(hash.into()),
                V::String(at.into()),
            ],
        )?;
        Ok(())
    }

    /// The key's stored hash and role, unless it is unknown or revoked.
    pub fn active_key(&self, id: &str) -> ApiResult<Option<(String, Role)>> {
        let rows: Vec<KeyRow> = self
            .sql
            .exec(
                "SELECT id, name, role, hash, created_at, revoked_at FROM api_keys WHERE id = ? AND revoked_at IS NULL",
                vec![V::String(id.into())],
            )?
            .rows()?;
        Ok(rows.into_iter().next().map(|r| (r.hash, r.role)))
    }

    pub fn list_keys(&self) -> ApiResult<Vec<ApiKeyInfo>> {
        let rows: Vec<KeyRow> = self
            .sql
            .exec("SELECT id, name, role, hash, created_at, revoked_at FROM api_keys ORDER BY created_at, id", None)?
            .rows()?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(ApiKeyInfo {
                    role: r.role,
                    created_at: time(&r.created_at)?,
                    revoked_at: r.revoked_at.as_deref().and_then(time),
                    id: r.id,
                    name: r.name,
                })
            })
            .collect())
    }

    /// Revokes a key; false when there is no such active key.
    pub fn revoke_key(&self, id: &str, at: &str) -> ApiResult<bool> {
        let cursor = self.sql.exec(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            vec![V::String(at.into()), V::String(id.into())],
        )?;
        Ok(cursor.rows_written() > 0)
    }

    pub fn secret(&self, name: &str) -> ApiResult<Option<String>> {
        let rows: Vec<ValueRow> = self
            .sql
            .exec(
                "SELECT value FROM secrets WHERE name = ?",
                vec![V::String(name.into())],
            )?
            .rows()?;
        Ok(rows.into_iter().next().map(|r| r.value))
    }

    /// Every row of every table as text, a line a row (local development: what the erasure test
    /// greps, the rows as the object reads them rather than the files' pages).
    pub fn dump(&self) -> ApiResult<String> {
        let tables: Vec<ValueRow> = self
            .sql
            .exec(
                "SELECT name AS value FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
                None,
            )?
            .rows()?;
        let mut out = String::new();
        for t in tables {
            let cursor = self
                .sql
                .exec(&format!("SELECT * FROM \"{}\"", t.value), None)?;
            for row in cursor.raw() {
                let cells: Vec<String> = row?
                    .into_iter()
                    .map(|v| match v {
                        V::Null => String::new(),
                        V::Boolean(b) => b.to_string(),
                        V::Integer(n) => n.to_string(),
                        V::Float(f) => f.to_string(),
                        V::String(s) => s,
                        V::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
                    })
                    .collect();
                out.push_str(&t.value);
                out.push('\t');
                out.push_str(&cells.join("\t"));
                out.push('\n');
            }
        }
        Ok(out)
    }

    /// Erasure: the providers' error texts of a deleted subscriber's attempts (they can quote the
    /// address) and the early events about them, and the idempotency records of requests about it.
    pub fn forget_subscriber(&self, id: &str) -> ApiResult<()> {
        self.sql.exec(
            "DELETE FROM early_events WHERE provider_id IN \
             (SELECT provider_id FROM deliveries WHERE subscriber_id = ? AND provider_id IS NOT NULL)",
            vec![V::String(id.into())],
        )?;
        self.sql.exec(
            "UPDATE deliveries SET error = NULL WHERE subscriber_id = ?",
            vec![V::String(id.into())],
        )?;
        self.sql.exec(
            "DELETE FROM idempotency WHERE instr(body, ?) > 0",
            vec![V::String(id.into())],
        )?;
        Ok(())
    }

    pub fn delete_secret(&self, name: &str) -> ApiResult<()> {
        self.sql.exec(
            "DELETE FROM secrets WHERE name = ?",
            vec![V::String(name.into())],
        )?;
        Ok(())
    }

    pub fn set_secret(&self, name: &str, value: &str) -> ApiResult<()> {
        self.sql.exec(
            "INSERT OR REPLACE INTO secrets (name, value) VALUES (?, ?)",
            vec![V::String(name.into()), V::String(value.into())],
        )?;
        Ok(())
    }

    /// Audit entries, oldest first, optionally about one subject and within [since, until).
    /// Audit entries in order, at most `limit` after the cursor `after`; with the cursor of the next
    /// page when there is one.
    pub fn audit(
        &self,
        filter: &AuditFilter<'_>,
        after: Option<i64>,
        limit: u32,
    ) -> ApiResult<(Vec<AuditEntry>, Option<i64>)> {
        let AuditFilter {
            subject,
            since,
            until,
            action,
            actor,
        } = *filter;
        let mut query = String::from("SELECT seq, at, actor, action, version, subject, change, events FROM audit WHERE 1 = 1");
        let mut args = Vec::new();
        if let Some(a) = action {
            // A kind (`incident`) covers its actions (`incident.open`, `incident.update`).
            query.push_str(" AND (action = ? OR substr(action, 1, ?) = ?)");
            args.push(V::String(a.into()));
            args.push(V::Integer(i64::try_from(a.len() + 1).unwrap_or(0)));
            args.push(V::String(format!("{a}.")));
        }
        if let Some(a) = actor {
            query.push_str(" AND actor = ?");
            args.push(V::String(a.into()));
        }
        if let Some(s) = subject {
            query.push_str(" AND subject = ?");
            args.push(V::String(s.into()));
        }
        if let Some(s) = since {
            query.push_str(" AND at >= ?");
            args.push(V::String(s.into()));
        }
        if let Some(u) = until {
            query.push_str(" AND at < ?");
            args.push(V::String(u.into()));
        }
        if let Some(a) = after {
            query.push_str(" AND seq > ?");
            args.push(V::Integer(a));
        }
        query.push_str(" ORDER BY seq LIMIT ?");
        args.push(V::Integer(i64::from(limit) + 1));
        let mut rows: Vec<AuditRow> = self.sql.exec(&query, args)?.rows()?;
        let next = (rows.len() > limit as usize).then(|| {
            rows.truncate(limit as usize);
            rows.last().map_or(0, |r| r.seq)
        });
        let entries = rows
            .into_iter()
            .map(|r| AuditEntry {
                seq: u64::try_from(r.seq).unwrap_or(0),
                at: r.at,
                actor: r.actor,
                action: r.action,
                version: u64::try_from(r.version).unwrap_or(0),
                subject: r.subject,
                change: serde_json::from_str(&r.change).unwrap_or(serde_json::Value::Null),
                events: serde_json::from_str(&r.events).unwrap_or(serde_json::Value::Null),
            })
            .collect();
        Ok((entries, next))
    }

    /// When audit entry `seq` was written.
    pub fn audit_time(&self, seq: i64) -> ApiResult<Option<String>> {
        let rows: Vec<ValueRow> = self
            .sql
            .exec(
                "SELECT at AS value FROM audit WHERE seq = ?",
                vec![V::Integer(seq)],
            )?
            .rows()?;
        Ok(rows.into_iter().next().map(|r| r.value))
    }

    /// Notifications newest first, at most `limit`, starting after the cursor `before` (a position
    /// an earlier page ended at); with the cursor of the next page when there is one.
    pub fn notifications_page(
        &self,
        subject: Option<&str>,
        before: Option<i64>,
        limit: u32,
    ) -> ApiResult<(Vec<NotificationInfo>, Option<i64>)> {
        let mut query = String::from(
            "SELECT id, kind, subject, event, created_at, recipients, rowid FROM notifications WHERE 1 = 1",
        );
        let mut args = Vec::new();
        if let Some(s) = subject {
            query.push_str(" AND subject = ?");
            args.push(V::String(s.into()));
        }
        if let Some(b) = before {
            query.push_str(" AND rowid < ?");
            args.push(V::Integer(b));
        }
        query.push_str(" ORDER BY rowid DESC LIMIT ?");
        args.push(V::Integer(i64::from(limit) + 1));
        let mut rows: Vec<PagedNotification> = self.sql.exec(&query, args)?.rows()?;
        let next = (rows.len() > limit as usize).then(|| {
            rows.truncate(limit as usize);
            rows.last().map_or(0, |r| r.position)
        });
        Ok((rows.into_iter().map(|r| r.row.info()).collect(), next))
    }

    pub fn notifications(&self, subject: Option<&str>) -> ApiResult<Vec<NotificationInfo>> {
        let rows: Vec<NotificationRow> = match subject {
            Some(s) => self.sql.exec(
                "SELECT id, kind, subject, event, created_at, recipients FROM notifications WHERE subject = ? ORDER BY created_at DESC, id",
                vec![V::String(s.into())],
            )?,
            None => self.sql.exec(
                "SELECT id, kind, subject, event, created_at, recipients FROM notifications ORDER BY created_at DESC, id",
                None,
            )?,
        }
        .rows()?;
        Ok(rows.into_iter().map(NotificationRow::info).collect())
    }

    /// Every attempt at `notification_id`, by subscriber and attempt.
    pub fn deliveries(&self, notification_id: &str) -> ApiResult<Vec<DeliveryRow>> {
        Ok(self
            .sql
            .exec(
                "SELECT notification_id, subscriber_id, channel, attempt, outcome, provider_id, error, at FROM deliveries WHERE notification_id = ? ORDER BY subscriber_id, attempt",
                vec![V::String(notification_id.into())],
            )?
            .rows::<StoredDelivery>()?
            .into_iter()
            .map(DeliveryRow::from)
            .collect())
    }

    /// Drops provider events that never met their attempt.
    pub fn forget_early_events_before(&self, at: &str) -> ApiResult<()> {
        self.sql.exec(
            "DELETE FROM early_events WHERE at < ?",
            vec![V::String(at.into())],
        )?;
        Ok(())
    }

    /// Records an acknowledgement; false when it was already recorded.
    pub fn record_receipt(
        &self,
        notification_id: &str,
        subscriber_id: &str,
        at: &str,
    ) -> ApiResult<bool> {
        let cursor = self.sql.exec(
            "INSERT OR IGNORE INTO receipts (notification_id, subscriber_id, at) VALUES (?, ?, ?)",
            vec![
                V::String(notification_id.into()),
                V::String(subscriber_id.into()),
                V::String(at.into()),
            ],
        )?;
        Ok(cursor.rows_written() > 0)
    }

    /// Subscriber ids that acknowledged `notification_id`.
    pub fn receipts(&self, notification_id: &str) -> ApiResult<Vec<String>> {
        let rows: Vec<ValueRow> = self
            .sql
            .exec(
                "SELECT subscriber_id AS value FROM receipts WHERE notification_id = ? ORDER BY subscriber_id",
                vec![V::String(notification_id.into())],
            )?
            .rows()?;
        Ok(rows.into_iter().map(|r| r.value).collect())
    }

    /// Marks a notification as one that must be acknowledged.
    pub fn require_ack(
        &self,
        notification_id: &str,
        created_at: &str,
        message: &str,
    ) -> ApiResult<()> {
        self.sql.exec(
            "INSERT OR IGNORE INTO ack_required (notification_id, created_at, message) VALUES (?, ?, ?)",
            vec![
                V::String(notification_id.into()),
                V::String(created_at.into()),
                V::String(message.into()),
            ],
        )?;
        Ok(())
    }

    /// The stored message of a notification that needs acknowledgement.
    pub fn ack_message(&self, notification_id: &str) -> ApiResult<Option<String>> {
        let rows: Vec<ValueRow> = self
            .sql
            .exec(
                "SELECT message AS value FROM ack_required WHERE notification_id = ?",
                vec![V::String(notification_id.into())],
            )?
            .rows()?;
        Ok(rows.into_iter().next().map(|r| r.value))
    }

    pub fn requires_ack(&self, notification_id: &str) -> ApiResult<bool> {
        let rows: Vec<ValueRow> = self
            .sql
            .exec(
                "SELECT notification_id AS value FROM ack_required WHERE notification_id = ?",
                vec![V::String(notification_id.into())],
            )?
            .rows()?;
        Ok(!rows.is_empty())
    }

    /// Notifications needing acknowledgement, created before `before`, not escalated yet.
    pub fn acks_to_escalate(&self, before: &str) -> ApiResult<Vec<String>> {
        let rows: Vec<ValueRow> = self
            .sql
            .exec(
                "SELECT notification_id AS value FROM ack_required WHERE escalated_at IS NULL AND created_at < ? ORDER BY created_at",
                vec![V::String(before.into())],
            )?
            .rows()?;
        Ok(rows.into_iter().map(|r| r.value).collect())
    }

    pub fn mark_escalated(&self, notification_id: &str, at: &str) -> ApiResult<()> {
        self.sql.exec(
            "UPDATE ack_required SET escalated_at = ? WHERE notification_id = ?",
            vec![V::String(at.into()), V::String(notification_id.into())],
        )?;
        Ok(())
    }

    /// `meta` values whose names start with `prefix`, names without the prefix.
    pub fn meta_names(&self, prefix: &str) -> ApiResult<Vec<String>> {
        let rows: Vec<ValueRow> = self
            .sql
            .exec(
                "SELECT substr(name, ?) AS value FROM meta WHERE substr(name, 1, ?) = ? ORDER BY name",
                vec![
                    V::Integer(prefix.len() as i64 + 1),
                    V::Integer(prefix.len() as i64),
                    V::String(prefix.into()),
                ],
            )?
            .rows()?;
        Ok(rows.into_iter().map(|r| r.value).collect())
    }

    pub fn meta(&self, name: &str) -> ApiResult<Option<String>> {
        let rows: Vec<ValueRow> = self
            .sql
            .exec(
                "SELECT value FROM meta WHERE name = ?",
                vec![V::String(name.into())],
            )?
            .rows()?;
        Ok(rows.into_iter().next().map(|r| r.value))
    }

    pub fn set_meta(&self, name: &str, value: &str) -> ApiResult<()> {
        self.sql.exec(
            "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
            vec![V::String(name.into()), V::String(value.into())],
        )?;
        Ok(())
    }

    /// Records one request for `key` at `at_ms` and returns how many it made in the sliding minute
    /// before (this one included). A log, not fixed windows: no burst of twice the limit across a
    /// minute boundary.
    pub fn count_request(&self, key: &str, at_ms: i64) -> ApiResult<u32> {
        self.log_event(key, at_ms)?;
        self.events_since(key, at_ms - 60_000)
    }

    /// Logs one event for `key` at `at_ms`; the log keeps an hour (the longest window counted).
    pub fn log_event(&self, key: &str, at_ms: i64) -> ApiResult<()> {
        self.sql.exec(
            "DELETE FROM rate_log WHERE at_ms <= ?",
            vec![V::Integer(at_ms - 3_600_000)],
        )?;
        self.sql.exec(
            "INSERT INTO rate_log (key, at_ms) VALUES (?, ?)",
            vec![V::String(key.into()), V::Integer(at_ms)],
        )?;
        Ok(())
    }

    /// Events logged for `key` after `since_ms`.
    pub fn events_since(&self, key: &str, since_ms: i64) -> ApiResult<u32> {
        let rows: Vec<CountRow> = self
            .sql
            .exec(
                "SELECT COUNT(*) AS count FROM rate_log WHERE key = ? AND at_ms > ?",
                vec![V::String(key.into()), V::Integer(since_ms)],
            )?
            .rows()?;
        Ok(rows
            .first()
            .map_or(0, |r| u32::try_from(r.count).unwrap_or(u32::MAX)))
    }
}

impl Records for Store {
    fn recall(&self, key: &str, since: &str) -> ApiResult<Option<Remembered>> {
        let rows: Vec<IdemRow> = self
            .sql
            .exec(
                "SELECT fingerprint, status, body FROM idempotency WHERE key = ? AND at >= ?",
                vec![V::String(key.into()), V::String(since.into())],
            )?
            .rows()?;
        Ok(rows.into_iter().next().map(|r| Remembered {
            fingerprint: r.fingerprint,
            status: u16::try_from(r.status).unwrap_or(500),
            body: r.body,
        }))
    }

    fn remember(
        &self,
        key: &str,
        answer: &Remembered,
        at: &str,
        forget_before: &str,
    ) -> ApiResult<()> {
        self.sql.exec(
            "DELETE FROM idempotency WHERE at < ?",
            vec![V::String(forget_before.into())],
        )?;
        self.sql.exec(
            "INSERT OR REPLACE INTO idempotency (key, fingerprint, status, body, at) VALUES (?, ?, ?, ?, ?)",
            vec![
                V::String(key.into()),
                V::String(answer.fingerprint.clone()),
                V::Integer(i64::from(answer.status)),
                V::String(answer.body.clone()),
                V::String(at.into()),
            ],
        )?;
        Ok(())
    }

    fn push_outbox(&self, job: &str) -> ApiResult<()> {
        self.sql.exec(
            "INSERT INTO outbox (job) VALUES (?)",
            vec![V::String(job.into())],
        )?;
        Ok(())
    }

    /// The oldest queued jobs after `after`: (seq, job).
    fn outbox(&self, after: i64, limit: u32) -> ApiResult<Vec<(i64, String)>> {
        let rows: Vec<OutboxRow> = self
            .sql
            .exec(
                "SELECT seq, job FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                vec![V::Integer(after), V::Integer(i64::from(limit))],
            )?
            .rows()?;
        Ok(rows.into_iter().map(|r| (r.seq, r.job)).collect())
    }

    fn drop_outbox(&self, seqs: &[i64]) -> ApiResult<()> {
        for seq in seqs {
            self.sql
                .exec("DELETE FROM outbox WHERE seq = ?", vec![V::Integer(*seq)])?;
        }
        Ok(())
    }

    fn replace_outbox(&self, seq: i64, job: &str) -> ApiResult<()> {
        self.sql.exec(
            "UPDATE outbox SET job = ? WHERE seq = ?",
            vec![V::String(job.into()), V::Integer(seq)],
        )?;
        Ok(())
    }

    fn keep_message(&self, notification_id: &str, message: &str) -> ApiResult<()> {
        self.sql.exec(
            "INSERT OR REPLACE INTO messages (notification_id, message) VALUES (?, ?)",
            vec![V::String(notification_id.into()), V::String(message.into())],
        )?;
        Ok(())
    }

    fn message(&self, notification_id: &str) -> ApiResult<Option<String>> {
        let rows: Vec<ValueRow> = self
            .sql
            .exec(
                "SELECT message AS value FROM messages WHERE notification_id = ?",
                vec![V::String(notification_id.into())],
            )?
            .rows()?;
        Ok(rows.into_iter().next().map(|r| r.value))
    }

    fn insert_notification(&self, n: &NotificationInfo) -> ApiResult<()> {
        self.sql.exec(
            "INSERT OR REPLACE INTO notifications (id, kind, subject, event, created_at, recipients) VALUES (?, ?, ?, ?, ?, ?)",
            vec![
                V::String(n.id.clone()),
                V::String(n.kind.as_str().into()),
                n.subject.clone().map_or(V::Null, V::String),
                V::String(n.event.clone()),
                V::String(n.created_at.clone()),
                V::Integer(i64::from(n.recipients)),
            ],
        )?;
        Ok(())
    }

    /// Notifications, newest first; only those about `subject` when given.
    /// One notification, by its id (the table's key).
    fn notification(&self, id: &str) -> ApiResult<Option<NotificationInfo>> {
        let rows: Vec<NotificationRow> = self
            .sql
            .exec(
                "SELECT id, kind, subject, event, created_at, recipients FROM notifications WHERE id = ?",
                vec![V::String(id.into())],
            )?
            .rows()?;
        Ok(rows.into_iter().next().map(NotificationRow::info))
    }

    /// Records an attempt; an event its provider already sent about it is applied at once.
    fn record_delivery(&self, d: &DeliveryRow) -> ApiResult<()> {
        let mut d = std::borrow::Cow::Borrowed(d);
        if let Some(id) = &d.provider_id {
            let early: Vec<EarlyEvent> = self
                .sql
                .exec(
                    "DELETE FROM early_events WHERE provider_id = ? RETURNING outcome, error",
                    vec![V::String(id.clone())],
                )?
                .rows()?;
            if let Some(e) = early.into_iter().next() {
                let row = d.to_mut();
                row.outcome = e.outcome;
                row.error = e.error.or(row.error.take());
            }
        }
        self.sql.exec(
            "INSERT OR REPLACE INTO deliveries (notification_id, subscriber_id, channel, attempt, outcome, provider_id, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                V::String(d.notification_id.clone()),
                V::String(d.subscriber_id.clone()),
                V::String(d.channel.as_str().into()),
                V::Integer(d.attempt),
                V::String(d.outcome.as_str().into()),
                d.provider_id.clone().map_or(V::Null, V::String),
                d.error.clone().map_or(V::Null, V::String),
                V::String(d.at.clone()),
            ],
        )?;
        Ok(())
    }

    /// The attempts at `notification_id` for these subscribers only (a job's recipients), so a
    /// large fan-out does not read every earlier row for each job.
    fn deliveries_of(
        &self,
        notification_id: &str,
        subscriber_ids: &[String],
    ) -> ApiResult<Vec<DeliveryRow>> {
        if subscriber_ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; subscriber_ids.len()].join(", ");
        let mut params = vec![V::String(notification_id.into())];
        params.extend(subscriber_ids.iter().map(|id| V::String(id.clone())));
        Ok(self
            .sql
            .exec(
                &format!(
                    "SELECT notification_id, subscriber_id, channel, attempt, outcome, provider_id, error, at FROM deliveries WHERE notification_id = ? AND subscriber_id IN ({marks}) ORDER BY subscriber_id, attempt"
                ),
                params,
            )?
            .rows::<StoredDelivery>()?
            .into_iter()
            .map(DeliveryRow::from)
            .collect())
    }

    /// What the provider later said about a message it accepted (`delivered`, or a bounce as
    /// `permanent_failure`). False when no attempt has that provider id yet: a provider can report
    /// before the consumer has recorded its attempt, so the event is kept (a day) and applied
    /// when the attempt is recorded.
    fn provider_event(
        &self,
        provider_id: &str,
        outcome: Outcome,
        error: Option<&str>,
        at: &str,
    ) -> ApiResult<bool> {
        let cursor = self.sql.exec(
            "UPDATE deliveries SET outcome = ?, error = COALESCE(?, error) WHERE provider_id = ?",
            vec![
                V::String(outcome.as_str().into()),
                error.map_or(V::Null, |e| V::String(e.into())),
                V::String(provider_id.into()),
            ],
        )?;
        if cursor.rows_written() > 0 {
            return Ok(true);
        }
        self.sql.exec(
            "INSERT OR REPLACE INTO early_events (provider_id, outcome, error, at) VALUES (?, ?, ?, ?)",
            vec![
                V::String(provider_id.into()),
                V::String(outcome.as_str().into()),
                error.map_or(V::Null, |e| V::String(e.into())),
                V::String(at.into()),
            ],
        )?;
        Ok(false)
    }
}

struct NotificationRow {
    id: String,
    /// An unknown kind fails the read: it is never guessed.
    kind: NotificationKind,
    subject: Option<String>,
    event: String,
    created_at: String,
    recipients: i64,
}

/// A notification row with its position, for paging.
struct PagedNotification {
    row: NotificationRow,
    position: i64,
}

impl FromRow for PagedNotification {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(PagedNotification {
            row: NotificationRow::from_row(c)?,
            position: c.int()?,
        })
    }
}

impl NotificationRow {
    fn info(self) -> NotificationInfo {
        NotificationInfo {
            id: self.id,
            kind: self.kind,
            subject: self.subject,
            event: self.event,
            created_at: self.created_at,
            recipients: u32::try_from(self.recipients).unwrap_or(0),
        }
    }
}

struct SubscriberRow {
    subscriber: String,
}

/// The state without its subscribers, as stored in `page_state` (and shown by `GET` on the page).
pub fn core_json(state: &PageState) -> ApiResult<String> {
    serde_json::to_string(&PageCore::of(state)).map_err(server)
}

/// A `deliveries` row as stored; channel and outcome are read strictly (an unknown value is an
/// error, never a guess).
struct StoredDelivery {
    notification_id: String,
    subscriber_id: String,
    channel: SubscriberChannel,
    attempt: i64,
    outcome: Outcome,
    provider_id: Option<String>,
    error: Option<String>,
    at: String,
}

impl From<StoredDelivery> for DeliveryRow {
    fn from(d: StoredDelivery) -> Self {
        DeliveryRow {
            notification_id: d.notification_id,
            subscriber_id: d.subscriber_id,
            channel: d.channel,
            attempt: d.attempt,
            outcome: d.outcome,
            provider_id: d.provider_id,
            error: d.error,
            at: d.at,
        }
    }
}

struct EarlyEvent {
    outcome: Outcome,
    error: Option<String>,
}

struct OutboxRow {
    seq: i64,
    job: String,
}

struct CountRow {
    count: i64,
}

/// A row read by position, in the order its `SELECT` names the columns. Typed columns (roles,
/// channels, outcomes, kinds) are read strictly: an unknown stored value fails the read.
trait FromRow: Sized {
    fn from_row(c: &mut Cells) -> ApiResult<Self>;
}

/// The cells of one row, taken in order.
struct Cells(std::vec::IntoIter<V>);

impl Cells {
    fn cell(&mut self) -> ApiResult<V> {
        self.0
            .next()
            .ok_or_else(|| server("stored row has fewer columns than read"))
    }

    fn text(&mut self) -> ApiResult<String> {
        match self.cell()? {
            V::String(s) => Ok(s),
            other => Err(server(format!("stored text expected, found {other:?}"))),
        }
    }

    fn opt_text(&mut self) -> ApiResult<Option<String>> {
        match self.cell()? {
            V::String(s) => Ok(Some(s)),
            V::Null => Ok(None),
            other => Err(server(format!(
                "stored text or null expected, found {other:?}"
            ))),
        }
    }

    fn int(&mut self) -> ApiResult<i64> {
        match self.cell()? {
            V::Integer(n) => Ok(n),
            other => Err(server(format!("stored integer expected, found {other:?}"))),
        }
    }

    /// A stored name read back as its type.
    fn named<T>(&mut self, what: &str, parse: fn(&str) -> Option<T>) -> ApiResult<T> {
        let name = self.text()?;
        parse(&name).ok_or_else(|| server(format!("stored {what} {name:?} is unknown")))
    }
}

/// Reading a cursor's rows as `FromRow` values.
trait Rows {
    fn rows<T: FromRow>(&self) -> ApiResult<Vec<T>>;
}

impl Rows for worker::SqlCursor {
    fn rows<T: FromRow>(&self) -> ApiResult<Vec<T>> {
        self.raw()
            .map(|row| T::from_row(&mut Cells(row?.into_iter())))
            .collect()
    }
}

impl FromRow for UptimeRow {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        let component = c.text()?;
        let day = c.text()?;
        let mut n = || -> ApiResult<u32> { u32::try_from(c.int()?).map_err(server) };
        Ok(UptimeRow {
            component,
            day,
            totals: DayTotals {
                major: n()?,
                partial: n()?,
                degraded: n()?,
                maintenance: n()?,
            },
        })
    }
}

impl FromRow for OpenRow {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(OpenRow {
            component: c.text()?,
            status: c.named("component status", status_from_name)?,
            since: c.text()?,
        })
    }
}

impl FromRow for StateRow {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(StateRow { state: c.text()? })
    }
}

impl FromRow for IdemRow {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(IdemRow {
            fingerprint: c.text()?,
            status: c.int()?,
            body: c.text()?,
        })
    }
}

impl FromRow for KeyRow {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(KeyRow {
            id: c.text()?,
            name: c.text()?,
            role: c.named("role", Role::from_name)?,
            hash: c.text()?,
            created_at: c.text()?,
            revoked_at: c.opt_text()?,
        })
    }
}

impl FromRow for AuditRow {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(AuditRow {
            seq: c.int()?,
            at: c.text()?,
            actor: c.text()?,
            action: c.text()?,
            version: c.int()?,
            subject: c.opt_text()?,
            change: c.text()?,
            events: c.text()?,
        })
    }
}

impl FromRow for ValueRow {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(ValueRow { value: c.text()? })
    }
}

impl FromRow for NotificationRow {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(NotificationRow {
            id: c.text()?,
            kind: c.named("notification kind", NotificationKind::from_name)?,
            subject: c.opt_text()?,
            event: c.text()?,
            created_at: c.text()?,
            recipients: c.int()?,
        })
    }
}

impl FromRow for SubscriberRow {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(SubscriberRow {
            subscriber: c.text()?,
        })
    }
}

impl FromRow for StoredDelivery {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(StoredDelivery {
            notification_id: c.text()?,
            subscriber_id: c.text()?,
            channel: c.named("channel", SubscriberChannel::from_name)?,
            attempt: c.int()?,
            outcome: c.named("outcome", Outcome::from_name)?,
            provider_id: c.opt_text()?,
            error: c.opt_text()?,
            at: c.text()?,
        })
    }
}

impl FromRow for EarlyEvent {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(EarlyEvent {
            outcome: c.named("outcome", Outcome::from_name)?,
            error: c.opt_text()?,
        })
    }
}

impl FromRow for OutboxRow {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(OutboxRow {
            seq: c.int()?,
            job: c.text()?,
        })
    }
}

impl FromRow for CountRow {
    fn from_row(c: &mut Cells) -> ApiResult<Self> {
        Ok(CountRow { count: c.int()? })
    }
}
