//! The admin operations a page object runs: each turns one request into one `Outcome` (the answer,
//! and the change to commit with it, if any). Nothing here writes state: `mod`'s `admin` commits
//! the outcome with its audit entry and idempotency record in one synchronous stretch.

use std::rc::Rc;

use herald_shared::command::SkippedRow;
use herald_shared::command::{needs_review, SubmitForReview};
use herald_shared::model::HeldChange;
use herald_shared::policy::redact_policy_json;
use herald_shared::roster;
use herald_shared::subscriber::SubscriberChannel;
use herald_shared::wire::{
    AdminSubscribeRequest, AdminSubscribed, AuditChange, ChannelCount, CreateKeyRequest, Created,
    CreatedKey, DryRun, Identity, ImportReport, LintReport, Revoked, WidgetSecret,
};
use herald_shared::wire::{ImportedSecret, PageCore, Role};
use herald_shared::wire::{SubscriberInfo, SubscriberLookup, SubscriberMatches};
use herald_shared::{lint, Page, State as PageState, Timestamp};
use sha2::{Digest, Sha256};

use super::records::Records;
use super::{
    admin, audit_csv, new_id, parse_stamp, query_param, random_bytes, store, subscribers, Commit,
    Loaded, PageObject, WIDGET_SECRET,
};
use crate::error::{json, ApiError, ApiResult};
use crate::route::AdminOp;

/// One admin request as the object runs it.
pub(super) struct Call<'a> {
    pub page: &'a str,
    pub op: &'a AdminOp,
    pub body: &'a str,
    pub query: &'a str,
    pub loaded: Option<Rc<Loaded>>,
    pub at: Timestamp,
    pub stamped: &'a str,
    pub actor: &'a str,
    /// The caller's role: what it may read of secrets depends on it.
    pub role: Role,
}

impl Call<'_> {
    /// The page, which every operation but creating it needs.
    pub(super) fn require(&self) -> ApiResult<Rc<Loaded>> {
        self.loaded
            .clone()
            .ok_or_else(|| ApiError::not_found(format!("no page {:?}", self.page)))
    }
}

/// What an operation answers, and the change to commit with the answer.
pub(super) struct Outcome {
    pub status: u16,
    pub body: String,
    pub commit: Option<Commit>,
    /// For a list with more after it: the query of the next page (`Link: <?query>; rel="next"`).
    pub next: Option<String>,
}

/// The most items one page of a list carries, and the default.
const MAX_PAGE: u32 = 500;
const DEFAULT_PAGE: u32 = 100;

/// `limit` and the cursor `before` of a list request.
fn paging(query: &str, cursor: &'static str) -> ApiResult<(u32, Option<i64>)> {
    let invalid = |field: &'static str, detail: String| {
        ApiError::client(400, "invalid-parameter", "Invalid paging parameter", detail)
            .with_field(field)
    };
    let limit = match query_param(query, "limit") {
        None => DEFAULT_PAGE,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| invalid("limit", format!("limit {l:?}: use 1 to {MAX_PAGE}")))?,
    };
    let position = query_param(query, cursor)
        .map(|b| {
            b.parse::<i64>().map_err(|_| {
                invalid(
                    cursor,
                    format!("{cursor} {b:?}: use the cursor a page gave"),
                )
            })
        })
        .transpose()?;
    Ok((limit, position))
}

/// The query of the page after `cursor`, keeping the request's other parameters.
fn next_query(query: &str, cursor: (&str, i64), limit: u32) -> String {
    let (name, position) = cursor;
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if k != name && k != "limit" {
            q.append_pair(&k, &v);
        }
    }
    q.append_pair("limit", &limit.to_string());
    q.append_pair(name, &position.to_string());
    q.finish()
}

/// An export asked for in a format there is none of.
fn unknown_format(other: &str) -> ApiError {
    ApiError::client(
        400,
        "invalid-parameter",
        "Unknown export format",
        format!("format {other:?}: use json or csv"),
    )
    .with_field("format")
}

/// Whether the request asks for a dry run (`?dry_run=true`): the answer says what the write would
/// do, and nothing is written.
pub(super) fn dry_run(query: &str) -> ApiResult<bool> {
    match query_param(query, "dry_run").as_deref() {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") | Some("") => Ok(true),
        Some(other) => Err(ApiError::client(
            400,
            "invalid-parameter",
            "Invalid dry_run",
            format!("dry_run {other:?}: use true or false"),
        )
        .with_field("dry_run")),
    }
}

/// Whether `op` changes the page through a `shared` command (`PageObject::command`), the writes a
/// dry run can answer for.
fn is_command(op: &AdminOp) -> bool {
    use AdminOp::*;
    !matches!(
        op,
        GetPage
            | WhoAmI
            | Lint
            | Audit
            | ListSubscribers
            | SubscriberCounts
            | FindSubscriber
            | ExportSubscribers
            | ImportSubscribers
            | DeadLetters
            | AddSubscriber
            | ListNotifications
            | Deliveries { .. }
            | Scorecard { .. }
            | PeriodScorecard
            | Escalate { .. }
            | RetryDelivery { .. }
            | ListKeys
            | CreateKey
            | RevokeKey { .. }
            | RotateWidgetSecret
            | ListIntegrations
            | CreateIntegration
            | RevokeIntegration { .. }
            | GetSocial
            | PutSocial
    )
}

/// An operation's status, body and change, as its arm computes them.
pub(super) type Answer = (u16, String, Option<Commit>);

impl From<Answer> for Outcome {
    fn from((status, body, commit): Answer) -> Self {
        Outcome {
            status,
            body,
            commit,
            next: None,
        }
    }
}

impl PageObject {
    /// Carries out `c.op`. A change is returned, not written: the caller commits it with its records.
    pub(super) fn run(&self, c: &Call<'_>) -> ApiResult<Outcome> {
        let require = || c.require();
        if dry_run(c.query)? && !is_command(c.op) {
            return Err(ApiError::client(
                400,
                "invalid-parameter",
                "No dry run for this operation",
                format!("{} has no dry run", c.op.action()),
            )
            .with_field("dry_run"));
        }
        let answer: ApiResult<Answer> = match c.op {
            AdminOp::WhoAmI => {
                require()?;
                Ok((
                    200,
                    json(&Identity {
                        id: c.actor.to_owned(),
                        role: c.role,
                    })?,
                    None,
                ))
            }
            AdminOp::GetPage => {
                // Everything but the subscribers: they have their own, masked, listing. Responder
                // webhook URLs are bearer secrets: only an admin reads them.
                let l = require()?;
                let body = if c.role < Role::Admin {
                    let page = Page {
                        policy: l.state.page.policy.redacted(),
                        ..l.state.page.clone()
                    };
                    json(&PageCore {
                        page: &page,
                        ..PageCore::of(&l.state)
                    })?
                } else {
                    store::core_json(&l.state)?
                };
                Ok((200, body, None))
            }
            AdminOp::Lint => self.lint(c),
            AdminOp::Scorecard { incident } => {
                let l = require()?;
                let card = self.scorecard(&l.state, incident, &self.review_events()?, c.at)?;
                Ok((200, json(&card)?, None))
            }
            AdminOp::Escalate { notification } => self.escalate_now(c, notification),
            AdminOp::RetryDelivery {
                notification,
                subscriber,
            } => self.retry_delivery(c, notification, subscriber),
            AdminOp::PeriodScorecard => {
                let l = require()?;
                Ok((
                    200,
                    json(&self.period_scorecard(&l.state, c.query, c.at)?)?,
                    None,
                ))
            }
            AdminOp::Audit => return self.audit(c),
            AdminOp::ListSubscribers => return self.list_subscribers(c),
            AdminOp::SubscriberCounts => {
                let l = require()?;
                Ok((200, json(&roster::counts(&l.state))?, None))
            }
            AdminOp::FindSubscriber => self.find_subscriber(c),
            AdminOp::ExportSubscribers => self.export_subscribers(c),
            AdminOp::ImportSubscribers => self.import_subscribers(c),
            AdminOp::DeadLetters => {
                require()?;
                let (limit, before) = paging(c.query, "before")?;
                let (list, next) = self.dead_letters(before, limit)?;
                return Ok(Outcome {
                    next: next.map(|n| next_query(c.query, ("before", n), limit)),
                    ..Outcome::from((200, json(&list)?, None))
                });
            }
            AdminOp::AddSubscriber => self.add_subscriber(c),
            AdminOp::ListNotifications => return self.list_notifications_op(c),
            AdminOp::Deliveries { notification } => {
                require()?;
                Ok((200, json(&self.delivery_report(notification)?)?, None))
            }
            AdminOp::ListKeys => {
                require()?;
                Ok((200, json(&self.store.list_keys()?)?, None))
            }
            AdminOp::CreateKey => self.create_key(c),
            AdminOp::RevokeKey { key } => self.revoke_key(c, key),
            AdminOp::RotateWidgetSecret => self.rotate_widget_secret(c),
            AdminOp::ListIntegrations => self.list_integrations(c),
            AdminOp::CreateIntegration => self.create_integration(c),
            AdminOp::RevokeIntegration { integration } => self.revoke_integration(c, integration),
            AdminOp::GetSocial => {
                let l = require()?;
                Ok((200, json(&l.state.page.social)?, None))
            }
            AdminOp::PutSocial => self.put_social(c),
            writing => self.command(c, writing),
        };
        answer.map(Outcome::from)
    }

    fn lint(&self, c: &Call<'_>) -> ApiResult<Answer> {
        let body = c.body;
        let require = || c.require();
        let l = require()?;
        let mut draft: lint::Draft = admin::parse(body)?;
        let page = &l.state.page;
        draft.jargon.extend(page.policy.jargon.iter().cloned());
        draft
            .locale
            .get_or_insert_with(|| page.default_locale().to_owned());
        if draft.support_contact.is_none() {
            draft
                .support_contact
                .clone_from(&page.policy.support_contact);
        }
        // Posts on the page's social accounts are measured as they will be composed.
        if draft.social.is_empty() {
            let page_draft = lint::Draft::for_page(page, "", "");
            draft.social = page_draft.social;
            draft.mastodon_limit = draft.mastodon_limit.or(page_draft.mastodon_limit);
        }
        draft.page_name.get_or_insert_with(|| page.name.clone());
        Ok((
            200,
            json(&LintReport {
                warnings: lint::lint(&draft),
            })?,
            None,
        ))
    }

    /// The audit in order, a page at a time (`limit`, and `after`: the cursor the previous page's
    /// `Link` gave); with `include=deliveries`, each notification's delivery report as an entry,
    /// on the page whose period holds its creation.
    fn audit(&self, c: &Call<'_>) -> ApiResult<Outcome> {
        let query = c.query;
        let l = c.require()?;
        let subject = query_param(query, "subject");
        let since = query_param(query, "since")
            .map(|s| parse_stamp("since", &s))
            .transpose()?;
        let until = query_param(query, "until")
            .map(|s| parse_stamp("until", &s))
            .transpose()?;
        let action = query_param(query, "action");
        if let Some(a) = &action {
            let valid = !a.is_empty()
                && a.len() <= 60
                && a.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_');
            if !valid {
                return Err(ApiError::client(
                    400,
                    "invalid-parameter",
                    "Invalid parameter",
                    format!("action: {a:?} is not an action (`incident.open`) or a kind of actions (`incident`)"),
                )
                .with_field("action"));
            }
        }
        let actor = query_param(query, "actor");
        if actor
            .as_ref()
            .is_some_and(|a| a.is_empty() || a.len() > 100)
        {
            return Err(ApiError::client(
                400,
                "invalid-parameter",
                "Invalid parameter",
                "actor: 1 to 100 characters, such as `key:<id>` or `root`",
            )
            .with_field("actor"));
        }
        let (limit, after) = paging(query, "after")?;
        let (mut entries, next) = self.store.audit(
            &store::AuditFilter {
                subject: subject.as_deref(),
                since: since.as_deref(),
                until: until.as_deref(),
                action: action.as_deref(),
                actor: actor.as_deref(),
            },
            after,
            limit,
        )?;
        let include = query_param(query, "include").unwrap_or_default();
        let includes = |what: &str| include.split(',').any(|w| w == what);
        if includes("deliveries") {
            // This page's period: after the previous page's last entry (or from `since`), up to
            // this page's last entry when another page follows (or until `until`).
            let from = match after {
                Some(seq) => self.store.audit_time(seq)?.map(|t| (t, false)),
                None => since.clone().map(|t| (t, true)),
            };
            let to = match (next, entries.last()) {
                (Some(_), Some(last)) => Some((last.at.clone(), true)),
                _ => until.clone().map(|t| (t, false)),
            };
            // Each notification's delivery report, as an entry at its creation time.
            for n in self.list_notifications(subject.as_deref())? {
                let at = n.created_at.as_str();
                let in_period = from.as_ref().is_none_or(|(f, incl)| {
                    if *incl {
                        at >= f.as_str()
                    } else {
                        at > f.as_str()
                    }
                }) && to.as_ref().is_none_or(|(t, incl)| {
                    if *incl {
                        at <= t.as_str()
                    } else {
                        at < t.as_str()
                    }
                });
                if !in_period {
                    continue;
                }
                let report = self.delivery_report(&n.id)?;
                entries.push(herald_shared::wire::AuditEntry {
                    seq: 0,
                    at: n.created_at.clone(),
                    actor: "herald".into(),
                    action: "notification.deliveries".into(),
                    version: 0,
                    subject: n.subject.clone(),
                    change: serde_json::to_value(&report)
                        .map_err(|e| ApiError::Server(e.to_string()))?,
                    events: serde_json::Value::Array(Vec::new()),
                });
            }
            // A message sent in the same instant as the change that caused it comes after it.
            entries.sort_by(|a, b| {
                a.at.cmp(&b.at)
                    .then((a.seq == 0).cmp(&(b.seq == 0)))
                    .then(a.seq.cmp(&b.seq))
            });
        }
        // An incident's scorecard as of now closes the last page of its evidence.
        let incident = subject.as_deref().filter(|s| l.state.incident(s).is_some());
        if let (true, None, Some(id)) = (includes("scorecard"), next, incident) {
            let card = self.scorecard(&l.state, id, &self.review_events()?, c.at)?;
            entries.push(herald_shared::wire::AuditEntry {
                seq: 0,
                at: c.stamped.to_owned(),
                actor: "herald".into(),
                action: "incident.scorecard".into(),
                version: l.state.version,
                subject: Some(id.to_owned()),
                change: serde_json::to_value(&card).map_err(|e| ApiError::Server(e.to_string()))?,
                events: serde_json::Value::Array(Vec::new()),
            });
        }
        if c.role < Role::Admin {
            // The policy in a page's configuration names responder URLs, which are secrets.
            for e in &mut entries {
                redact_policy_json(&mut e.change);
            }
        }
        let answer = match query_param(query, "format").as_deref() {
            None | Some("json") => (200, json(&entries)?, None),
            Some("csv") => (200, audit_csv(&entries)?, None),
            Some(other) => return Err(unknown_format(other)),
        };
        Ok(Outcome {
            next: next.map(|n| next_query(query, ("after", n), limit)),
            ..Outcome::from(answer)
        })
    }

    /// The subscribers a page at a time, newest first, masked (`limit`, `after`: the cursor the
    /// previous page's `Link` gave; `channel`, `state`, `component` narrow the list).
    fn list_subscribers(&self, c: &Call<'_>) -> ApiResult<Outcome> {
        let l = c.require()?;
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(c.query.as_bytes())
            .into_owned()
            .collect();
        let q = roster::Query::read(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(
            |e| {
                ApiError::client(400, "invalid-parameter", "Invalid parameter", e.detail)
                    .with_field(e.field)
            },
        )?;
        let (list, next) = roster::page(&l.state, &q);
        let list: Vec<SubscriberInfo> = list.into_iter().map(SubscriberInfo::of).collect();
        let next = next.map(|cursor| {
            let mut out = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &pairs {
                if k != "after" && k != "limit" {
                    out.append_pair(k, v);
                }
            }
            out.append_pair("limit", &q.limit.to_string());
            out.append_pair("after", &cursor.text());
            out.finish()
        });
        Ok(Outcome {
            next,
            ..Outcome::from((200, json(&list)?, None))
        })
    }

    /// The subscribers at exactly the address in the body. A read, so nothing is audited; the
    /// address is in no URL, log or answer (the answer masks it like the list).
    fn find_subscriber(&self, c: &Call<'_>) -> ApiResult<Answer> {
        let l = c.require()?;
        let b: SubscriberLookup = admin::parse(c.body)?;
        let found =
            roster::find(&l.state, b.channel, &b.address, self.development).map_err(|e| {
                ApiError::client(422, "validation", "The request is not valid", e.0)
                    .with_field("address")
            })?;
        Ok((
            200,
            json(&SubscriberMatches {
                subscribers: found.into_iter().map(SubscriberInfo::of).collect(),
            })?,
            None,
        ))
    }

    fn export_subscribers(&self, c: &Call<'_>) -> ApiResult<Answer> {
        let op = c.op;
        let query = c.query;
        let stamped = c.stamped;
        let actor = c.actor;
        let loaded = &c.loaded;
        let require = || c.require();
        let l = require()?;
        let format = query_param(query, "format");
        let body = match format.as_deref() {
            None | Some("json") => json(&subscribers::export(&l.state))?,
            Some("csv") => subscribers::export_csv(&l.state)?,
            Some(other) => return Err(unknown_format(other)),
        };
        // Who took the addresses, and when; never the addresses themselves.
        self.audit_only(
            actor,
            op.action(),
            None,
            &AuditChange {
                format: Some(format.unwrap_or_else(|| "json".into())),
                ..AuditChange::default()
            },
            stamped,
            loaded,
        )?;
        Ok((200, body, None))
    }

    fn import_subscribers(&self, c: &Call<'_>) -> ApiResult<Answer> {
        let body = c.body;
        let at = c.at;
        let require = || c.require();
        let l = require()?;
        let rows = subscribers::parse(body)?;
        if rows.is_empty() {
            // Nothing read is not an import: an empty or garbled body changes nothing.
            return Err(ApiError::client(
                422,
                "validation",
                "The request is not valid",
                "no subscribers found: send a JSON array of {\"channel\", \"address\"} or CSV lines \
                 such as `email,ann@example.com`",
            )
            .with_field("body"));
        }
        let n = rows.len();
        let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
        let rows = rows
            .into_iter()
            .map(|r| {
                Ok(herald_shared::command::ImportedSubscriber {
                    id: new_id("sub")?,
                    channel: r.channel,
                    address: r.address,
                    components: r.components,
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let command =
            herald_shared::Command::ImportSubscribers(herald_shared::command::ImportSubscribers {
                rows,
                loopback_hooks: self.development,
                suppression: Default::default(),
            });
        let (state, raw_events) = self.apply(&l.state, command, at)?;
        let answer = match raw_events.first() {
            Some(herald_shared::Event::SubscribersImported {
                added,
                duplicates,
                suppressed,
                invalid,
            }) => ImportReport {
                added: *added,
                duplicates: *duplicates,
                suppressed: *suppressed,
                // Rows as the source numbers them (CSV lines, array positions).
                invalid: invalid
                    .iter()
                    .map(|r| SkippedRow {
                        row: lines.get(r.row.saturating_sub(1)).copied().unwrap_or(r.row),
                        reason: r.reason.clone(),
                    })
                    .collect(),
                signing_secrets: Vec::new(),
            },
            _ => ImportReport {
                added: 0,
                duplicates: 0,
                suppressed: 0,
                invalid: Vec::new(),
                signing_secrets: Vec::new(),
            },
        };
        // Imported webhooks arrive confirmed: each needs a secret to sign with, shown this once.
        let mut answer = answer;
        for id in &ids {
            let Some(s) = state.subscriber(id) else {
                continue;
            };
            if s.address.channel == SubscriberChannel::Webhook {
                answer.signing_secrets.push(ImportedSecret {
                    subscriber_id: id.clone(),
                    webhook: s.address.value.clone(),
                    signing_secret: self.ensure_signing_secret(id)?,
                });
            }
        }
        let answer = json(&answer)?;
        let events = json(&raw_events)?;
        Ok((
            200,
            answer,
            Some(Commit {
                state,
                subject: None,
                change: json(&AuditChange {
                    rows: Some(n),
                    ..AuditChange::default()
                })?,
                events,
                raw_events,
            }),
        ))
    }

    fn add_subscriber(&self, c: &Call<'_>) -> ApiResult<Answer> {
        let body = c.body;
        let at = c.at;
        let require = || c.require();
        let l = require()?;
        let b: AdminSubscribeRequest = admin::parse(body)?;
        if b.channel == herald_shared::SubscriberChannel::Push {
            // Only the browser holds a subscription's keys; it subscribes itself.
            return Err(ApiError::client(
                422,
                "validation",
                "The request is not valid",
                "a browser subscribes itself to push (POST /v1/pages/{page}/push/subscriptions)",
            )
            .with_field("channel"));
        }
        let id = new_id("sub")?;
        let command = herald_shared::Command::Subscribe(herald_shared::Subscribe {
            id: id.clone(),
            channel: b.channel,
            address: b.address,
            fallback: b.fallback.map(|f| (f.channel, f.address)),
            components: b.components.clone(),
            segments: b.segments.clone(),
            locale: b.locale,
            loopback_hooks: self.development,
            replaces: None,
            suppression: Default::default(),
            format: b.format,
        });
        let (state, raw_events) = self.apply(&l.state, command, at)?;
        let (status, subscriber_id) = match raw_events.first() {
            Some(herald_shared::Event::SubscriptionExists { subscriber_id }) => {
                (200, subscriber_id.clone())
            }
            _ => (201, id),
        };
        // Made now so the answer can show it; the audit records only that it exists.
        let signing_secret = if status == 201 {
            self.mint_signing_secret(&state, &subscriber_id)?
        } else {
            None
        };
        let answer = json(&AdminSubscribed {
            id: subscriber_id.clone(),
            state: state
                .subscriber(&subscriber_id)
                .map_or(herald_shared::SubscriptionState::Pending, |s| s.state),
            signing_secret,
        })?;
        // Never the address in the audit: erasure must leave nothing behind.
        let change = json(&AuditChange {
            channel: Some(b.channel.as_str().into()),
            components: Some(b.components.clone()),
            segments: Some(b.segments.clone()),
            ..AuditChange::default()
        })?;
        let events = json(&raw_events)?;
        Ok((
            status,
            answer,
            Some(Commit {
                state,
                subject: Some(subscriber_id),
                change,
                events,
                raw_events,
            }),
        ))
    }

    fn list_notifications_op(&self, c: &Call<'_>) -> ApiResult<Outcome> {
        c.require()?;
        let subject = query_param(c.query, "subject");
        let (limit, before) = paging(c.query, "before")?;
        let (list, next) = self
            .store
            .notifications_page(subject.as_deref(), before, limit)?;
        Ok(Outcome {
            next: next.map(|n| next_query(c.query, ("before", n), limit)),
            ..Outcome::from((200, json(&list)?, None))
        })
    }

    /// "Escalate now": the cron's escalation of one message, without waiting; once per message.
    fn escalate_now(&self, c: &Call<'_>, notification: &str) -> ApiResult<Answer> {
        let l = c.require()?;
        if self.store.notification(notification)?.is_none() {
            return Err(ApiError::not_found(format!(
                "no notification {notification:?}"
            )));
        }
        if !self.store.requires_ack(notification)? {
            return Err(ApiError::client(
                409,
                "conflict",
                "Nothing to escalate",
                format!("{notification:?} is not a message that asks for acknowledgement"),
            ));
        }
        if !self
            .store
            .acks_to_escalate("9999")?
            .iter()
            .any(|n| n == notification)
        {
            return Err(ApiError::client(
                409,
                "conflict",
                "Already escalated",
                format!("{notification:?} was escalated already"),
            ));
        }
        let base = self
            .store
            .meta(super::scheduled::META_BASE)?
            .unwrap_or_default();
        let n = self.escalate(c.page, &l, notification, &base, c.stamped)?;
        self.audit_only(
            c.actor,
            c.op.action(),
            Some(notification),
            &AuditChange {
                id: Some(notification.to_owned()),
                rows: Some(n),
                ..AuditChange::default()
            },
            c.stamped,
            &c.loaded,
        )?;
        let answer = herald_shared::wire::Escalated {
            notification_id: notification.to_owned(),
            escalated: u32::try_from(n).unwrap_or(u32::MAX),
        };
        Ok((200, json(&answer)?, None))
    }

    /// "Retry now" and "send on another channel": a recipient Herald gave up on is tried again,
    /// with a new round of attempts on the message it kept, and the request is audited.
    fn retry_delivery(
        &self,
        c: &Call<'_>,
        notification: &str,
        subscriber: &str,
    ) -> ApiResult<Answer> {
        use herald_shared::delivery::{self, Outcome, Reopen};
        use herald_shared::wire::{RetryDelivery, RetryStarted};
        let l = c.require()?;
        let Some(info) = self.store.notification(notification)? else {
            return Err(ApiError::not_found(format!(
                "no notification {notification:?}"
            )));
        };
        let req: RetryDelivery = if c.body.trim().is_empty() {
            RetryDelivery::default()
        } else {
            admin::parse(c.body)?
        };
        let conflict =
            |title: &'static str, detail: String| ApiError::client(409, "conflict", title, detail);
        // Where the new round goes: a subscriber's addresses in their language, or for a social
        // post the page's account while it is set.
        let (primary, fallback, reader, format) = if info.kind == delivery::NotificationKind::Social
        {
            let Some((primary, fallback)) = l.targets(Some(info.kind), subscriber) else {
                return Err(ApiError::not_found(format!(
                    "no social account {subscriber:?} on this page"
                )));
            };
            (
                primary,
                fallback,
                None,
                herald_shared::subscriber::WebhookFormat::Herald,
            )
        } else {
            let Some(s) = l.state.subscriber(subscriber) else {
                return Err(ApiError::not_found(format!("no subscriber {subscriber:?}")));
            };
            let wanted = match info.kind {
                delivery::NotificationKind::Confirmation => {
                    s.state == herald_shared::subscriber::SubscriptionState::Pending
                }
                _ => s.state == herald_shared::subscriber::SubscriptionState::Confirmed,
            };
            if !wanted {
                return Err(conflict(
                    "Not subscribed",
                    format!("{subscriber:?} is no longer subscribed: nothing is sent to them"),
                ));
            }
            let Some((primary, fallback)) = info.kind.targets(s) else {
                return Err(conflict(
                    "No channel to try",
                    format!("{subscriber:?} has no fallback channel for this escalation"),
                ));
            };
            (primary, fallback, s.locale.as_deref(), s.format)
        };
        let rows = self
            .store
            .deliveries_of(notification, &[subscriber.to_owned()])?;
        let attempts = PageObject::attempts_of(&rows, subscriber);
        if attempts.is_empty() {
            return Err(conflict(
                "Not given up on",
                format!("{notification:?} has not been tried on {subscriber:?}: it is still queued, or they were not among its recipients"),
            ));
        }
        let address = match delivery::reopen(&attempts, primary, fallback, req.channel, &self.retry)
        {
            Ok(address) => address.clone(),
            Err(Reopen::Reached) => {
                return Err(conflict(
                    "Already reached",
                    format!("{notification:?} reached {subscriber:?} already"),
                ))
            }
            Err(Reopen::StillTrying) => {
                return Err(conflict(
                    "Still being tried",
                    format!("Herald is still trying {subscriber:?}: wait until it gives up, or for the next attempt"),
                ))
            }
            Err(Reopen::NotTheirs) => {
                let theirs: Vec<&str> = std::iter::once(primary)
                    .chain(fallback)
                    .map(|a| a.channel.as_str())
                    .collect();
                return Err(ApiError::client(
                    422,
                    "validation",
                    "The request is not valid",
                    format!(
                        "channel: {} is not one of this subscriber's channels for this message (theirs: {})",
                        req.channel.map_or("", |c| c.as_str()),
                        theirs.join(", ")
                    ),
                )
                .with_field("channel"));
            }
        };
        let Some(kept) = self.store.message(notification)? else {
            return Err(conflict(
                "Message not kept",
                format!("{notification:?} was sent before Herald kept what it sent, so it cannot be sent again"),
            ));
        };
        let message = serde_json::from_str(&kept).map_err(|e| ApiError::Server(e.to_string()))?;
        self.store.record_delivery(&super::records::DeliveryRow {
            notification_id: notification.to_owned(),
            subscriber_id: subscriber.to_owned(),
            channel: address.channel,
            attempt: i64::from(delivery::next_number(&attempts, address.channel)),
            outcome: Outcome::Reopened,
            provider_id: None,
            error: None,
            at: c.stamped.to_owned(),
        })?;
        let acknowledged = match info.kind {
            delivery::NotificationKind::Escalation => info.subject.clone(),
            _ if self.store.requires_ack(notification)? => Some(notification.to_owned()),
            _ => None,
        };
        let base = self
            .store
            .meta(super::scheduled::META_BASE)?
            .unwrap_or_default();
        self.queue_jobs(
            c.page,
            notification,
            &message,
            &[super::outbox::To {
                id: subscriber.to_owned(),
                address: address.clone(),
                locale: herald_shared::template::Locale::for_reader(&l.state.page, reader),
                format,
            }],
            acknowledged.as_deref(),
            &base,
        )?;
        self.audit_only(
            c.actor,
            c.op.action(),
            Some(notification),
            &AuditChange {
                id: Some(notification.to_owned()),
                subscriber_id: Some(subscriber.to_owned()),
                channel: Some(address.channel.as_str().to_owned()),
                ..AuditChange::default()
            },
            c.stamped,
            &c.loaded,
        )?;
        let answer = RetryStarted {
            notification_id: notification.to_owned(),
            subscriber_id: subscriber.to_owned(),
            channel: address.channel,
        };
        Ok((202, json(&answer)?, None))
    }

    fn create_key(&self, c: &Call<'_>) -> ApiResult<Answer> {
        let op = c.op;
        let body = c.body;
        let stamped = c.stamped;
        let actor = c.actor;
        let loaded = &c.loaded;
        let require = || c.require();
        require()?;
        let req: CreateKeyRequest = admin::parse(body)?;
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::client(
                422,
                "validation",
                "The request is not valid",
                "name: must be 1 to 100 characters",
            )
            .with_field("name"));
        }
        let id = new_id("key")?.replace('_', "");
        let key = format!("hk_{id}_{}", hex::encode(random_bytes::<24>()?));
        let hash = hex::encode(Sha256::digest(key.as_bytes()));
        self.store.insert_key(&id, name, req.role, &hash, stamped)?;
        self.audit_only(
            actor,
            op.action(),
            Some(&id),
            &AuditChange {
                name: Some(name.to_owned()),
                role: Some(req.role),
                ..AuditChange::default()
            },
            stamped,
            loaded,
        )?;
        Ok((
            201,
            json(&CreatedKey {
                id,
                key,
                role: req.role,
            })?,
            None,
        ))
    }

    fn revoke_key(&self, c: &Call<'_>, key: &str) -> ApiResult<Answer> {
        let op = c.op;
        let stamped = c.stamped;
        let actor = c.actor;
        let loaded = &c.loaded;
        let require = || c.require();
        require()?;
        if !self.store.revoke_key(key, stamped)? {
            return Err(ApiError::not_found(format!("no active key {key:?}")));
        }
        self.audit_only(
            actor,
            op.action(),
            Some(key),
            &AuditChange {
                id: Some(key.to_owned()),
                ..AuditChange::default()
            },
            stamped,
            loaded,
        )?;
        Ok((
            200,
            json(&Revoked {
                id: key.to_owned(),
                revoked: true,
            })?,
            None,
        ))
    }

    fn rotate_widget_secret(&self, c: &Call<'_>) -> ApiResult<Answer> {
        let op = c.op;
        let stamped = c.stamped;
        let actor = c.actor;
        let loaded = &c.loaded;
        let require = || c.require();
        require()?;
        let secret = hex::encode(random_bytes::<32>()?);
        self.store.set_secret(WIDGET_SECRET, &secret)?;
        self.audit_only(
            actor,
            op.action(),
            None,
            &AuditChange::default(),
            stamped,
            loaded,
        )?;
        Ok((200, json(&WidgetSecret { secret })?, None))
    }

    fn command(&self, c: &Call<'_>, writing: &AdminOp) -> ApiResult<Answer> {
        let page = c.page;
        let body = c.body;
        let at = c.at;
        let loaded = &c.loaded;
        let base = match (writing, &loaded) {
            (_, Some(l)) => l.state.clone(),
            (AdminOp::PutPage | AdminOp::ImportStatuspage, None) => {
                PageState::new(Page::new(page, ""))
            }
            (_, None) => return Err(ApiError::not_found(format!("no page {page:?}"))),
        };
        let admin::Planned {
            mut command,
            then,
            mut subject,
            mut id,
            update_id,
            notes,
        } = admin::plan(writing, page, body, &mut |p| new_id(p))?;
        let mut review_id = None;
        match &mut command {
            herald_shared::Command::ConfigurePage(settings) => {
                settings.loopback_hooks = self.development;
                if *writing == AdminOp::ImportStatuspage && loaded.is_some() {
                    herald_shared::statuspage::keep_configuration(settings, &base.page);
                }
            }
            // A review is decided by the caller, about the held change's incident or notice.
            herald_shared::Command::Approve(herald_shared::command::Approve {
                review_id: r,
                reviewer,
            })
            | herald_shared::Command::SendBack(herald_shared::command::SendBackReview {
                review_id: r,
                reviewer,
                ..
            }) => {
                *reviewer = c.actor.to_owned();
                subject = base.review(r).map(|h| h.change.subject().to_owned());
                review_id = Some(r.clone());
                id = subject.clone().unwrap_or_else(|| r.clone());
            }
            _ => {}
        }
        let held = needs_review(&base, &command);
        if dry_run(c.query)? {
            return dry_run_answer(&base, command, then, held, at);
        }
        if held {
            // The policy asks for a second person: the change is checked and kept, not published.
            let rid = new_id("rev")?;
            let change = HeldChange::of(command)
                .ok_or_else(|| ApiError::Server("a held change that cannot be held".into()))?;
            command = herald_shared::Command::SubmitForReview(SubmitForReview {
                id: rid.clone(),
                author: c.actor.to_owned(),
                change,
            });
            review_id = Some(rid);
        }
        let change =
            serde_json::to_string(&command).map_err(|e| ApiError::Server(e.to_string()))?;
        let (mut state, mut events) = self.apply(&base, command, at)?;
        for next in then {
            let (after, more) = self.apply(&state, next, at)?;
            state = after;
            events.extend(more);
        }
        let status = if held {
            202
        } else if (matches!(writing, AdminOp::PutPage | AdminOp::ImportStatuspage)
            && loaded.is_some())
            || matches!(
                writing,
                AdminOp::DeleteSubscriber { .. }
                    | AdminOp::SaveTemplate { .. }
                    | AdminOp::DeleteTemplate { .. }
                    | AdminOp::ApproveReview { .. }
                    | AdminOp::SendBackReview { .. }
            )
        {
            200
        } else {
            201
        };
        let answer = json(&Created {
            id,
            update_id,
            version: state.version,
            notes,
            review_id,
        })?;
        let raw_events = events;
        let events =
            serde_json::to_string(&raw_events).map_err(|e| ApiError::Server(e.to_string()))?;
        Ok((
            status,
            answer,
            Some(Commit {
                state,
                subject,
                change,
                events,
                raw_events,
            }),
        ))
    }
}

/// What a write would do: whether it waits for review, and whom it notifies once published.
fn dry_run_answer(
    base: &PageState,
    command: herald_shared::Command,
    then: Vec<herald_shared::Command>,
    held: bool,
    at: Timestamp,
) -> ApiResult<Answer> {
    let (mut state, mut events) = herald_shared::apply(base, command, at)?;
    for next in then {
        let (after, more) = herald_shared::apply(&state, next, at)?;
        state = after;
        events.extend(more);
    }
    let recipients = herald_shared::subscriber::fan_out(&state, &events)
        .into_iter()
        .map(|(channel, subscribers)| ChannelCount {
            channel,
            subscribers,
        })
        .collect();
    Ok((
        200,
        json(&DryRun {
            held_for_review: held,
            recipients,
        })?,
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dry_run_reads_true_or_false_and_names_its_field_otherwise() {
        assert_eq!(dry_run("").ok(), Some(false));
        assert_eq!(dry_run("dry_run=true").ok(), Some(true));
        assert_eq!(dry_run("a=1&dry_run=0").ok(), Some(false));
        match dry_run("dry_run=maybe") {
            Err(ApiError::Client { status, field, .. }) => {
                assert_eq!((status, field.as_deref()), (400, Some("dry_run")))
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
        assert!(is_command(&AdminOp::PublishNotice) && !is_command(&AdminOp::CreateKey));
    }

    #[test]
    fn paging_parameters() {
        let ok = |q: &str| paging(q, "before").ok();
        assert_eq!(ok(""), Some((DEFAULT_PAGE, None)));
        assert_eq!(ok("limit=2&before=17"), Some((2, Some(17))));
        assert_eq!(ok(&format!("limit={MAX_PAGE}")), Some((MAX_PAGE, None)));
        for bad in ["limit=0", "limit=-1", "limit=501", "limit=x", "before=x"] {
            let field = match paging(bad, "before") {
                Err(ApiError::Client {
                    status: 400, field, ..
                }) => field,
                other => panic!("{bad}: {:?}", other.map(|_| ())),
            };
            assert_eq!(
                field.as_deref(),
                Some(bad.split('=').next().unwrap()),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_next_page_keeps_the_other_parameters() {
        assert_eq!(
            next_query("subject=inc_1&limit=2&before=9", ("before", 5), 2),
            "subject=inc_1&limit=2&before=5"
        );
        assert_eq!(next_query("", ("before", 3), 100), "limit=100&before=3");
        assert_eq!(
            next_query("include=deliveries&after=4", ("after", 9), 50),
            "include=deliveries&limit=50&after=9"
        );
        assert_eq!(
            paging("after=12", "after").ok(),
            Some((DEFAULT_PAGE, Some(12)))
        );
    }
}
