//! Browser push on the page object: the page's VAPID key (the deployment's secret, or one made
//! here on first use and kept with the page's secrets; only the public half ever leaves), a
//! browser subscribing (confirmed at once: the browser's permission prompt was the consent), the
//! subscription's keys kept beside its other secrets, and subscriptions a push service says are
//! gone ended.

use herald_shared::subscriber::SubscriberChannel;
use herald_shared::webpush::{PushError, PushKeys, VapidKey};
use herald_shared::wire::internal::{PushDue, PushSubscribeCall};
use herald_shared::wire::{AuditChange, PushKey, PushSubscribed};
use herald_shared::{Command, Event, Subscribe, Unsubscribe};
use sha2::{Digest, Sha256};
use worker::Response;

use super::store::AuditRecord;
use super::{json_response, new_id, now, random_bytes, stamp, unix_now, PageObject};
use crate::bindings;
use crate::error::{json, ApiError, ApiResult};
use crate::notify::token::{self, Purpose};

/// The page's own VAPID key among its secrets (when the deployment has none).
const VAPID: &str = "vapid";
/// A subscription's keys, followed by the subscriber id.
const KEYS: &str = "push:";

fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
    ApiError::client(422, "validation", "The request is not valid", detail).with_field(field)
}

/// Which field of the request a refused subscription names.
fn field_of(e: &PushError) -> &'static str {
    match e {
        PushError::Encoding(f) | PushError::Length { field: f, .. } => {
            if f.contains("auth") {
                "keys.auth"
            } else {
                "keys.p256dh"
            }
        }
        PushError::NotOnCurve => "keys.p256dh",
        _ => "endpoint",
    }
}

impl PageObject {
    /// The VAPID key: the deployment's (`HERALD_VAPID_KEY`), else the page's own, made now if it
    /// has none.
    pub(super) fn vapid_key(&self) -> ApiResult<VapidKey> {
        if let Some(stored) = crate::notify::var(&self.env, bindings::VAPID_KEY) {
            return VapidKey::from_stored(&stored)
                .map_err(|e| ApiError::Server(format!("{}: {e}", bindings::VAPID_KEY)));
        }
        if let Some(stored) = self.store.secret(VAPID)? {
            return VapidKey::from_stored(&stored)
                .map_err(|e| ApiError::Server(format!("the page's VAPID key: {e}")));
        }
        let key = loop {
            if let Some(k) = VapidKey::from_bytes(&random_bytes::<32>()?) {
                break k;
            }
        };
        self.store.set_secret(VAPID, &key.to_stored())?;
        Ok(key)
    }

    /// `GET /v1/pages/{page}/push/key`: the public half, for `pushManager.subscribe`.
    pub(super) fn push_key(&self, page: &str) -> ApiResult<Response> {
        self.require(page)?;
        json_response(
            200,
            json(&PushKey {
                public_key: self.vapid_key()?.public(),
            })?,
        )
    }

    /// What the consumer needs to send to push subscriber `id`: its keys and the VAPID key.
    pub(super) fn push_due(&self, id: &str) -> ApiResult<Option<PushDue>> {
        let Some(keys) = self.store.secret(&format!("{KEYS}{id}"))? else {
            return Ok(None);
        };
        Ok(Some(PushDue {
            keys,
            vapid: self.vapid_key()?.to_stored(),
        }))
    }

    /// A browser subscribing: checked at the boundary (an https endpoint, keys of the right
    /// length on the curve, known components), rate limited per requester like the subscription
    /// form, confirmed at once. Asked again from the same browser, it takes the new components
    /// and keys.
    pub(super) fn push_subscribe(&self, page: &str, c: PushSubscribeCall) -> ApiResult<Response> {
        let at = now();
        let at_ms = (at.unix_timestamp_nanos() / 1_000_000) as i64;
        let ip_key = hex::encode(&Sha256::digest(super::subscriptions::requester(&c.ip))[..12]);
        if self.store.count_request(&ip_key, at_ms)? > self.subscribe_per_minute {
            return Err(ApiError::client(
                429,
                "rate-limited",
                "Too many subscription requests",
                "too many subscription requests from this address; try again in a minute",
            ));
        }
        let r = &c.request;
        let keys = PushKeys::parse(&r.keys.p256dh, &r.keys.auth)
            .map_err(|e| invalid(field_of(&e), e.to_string()))?;
        let loaded = self.require(page)?;
        let locale = herald_shared::subscriber::offered_locale(&loaded.state.page, &r.locale)
            .map_err(|detail| invalid("locale", detail))?;
        let allowed = &loaded.state.page.policy.subscribe_origins;
        if let Some(origin) = c.origin.as_deref().filter(|o| *o != c.base) {
            if !allowed.is_empty() && !allowed.iter().any(|a| a == origin) {
                return Err(ApiError::client(
                    403,
                    "origin-not-allowed",
                    "This site may not subscribe people to this page",
                    format!("{origin} is not one of the page's subscribe_origins"),
                ));
            }
        }
        let command = Command::Subscribe(Subscribe {
            id: new_id("sub")?,
            channel: SubscriberChannel::Push,
            address: r.endpoint.clone(),
            fallback: None,
            components: r.components.clone(),
            segments: vec![],
            locale,
            loopback_hooks: self.development,
            replaces: None,
            suppression: Default::default(),
            format: Default::default(),
        });
        let (state, events) = self
            .apply(&loaded.state, command, at)
            .map_err(|e| match e {
                ApiError::Client {
                    status,
                    kind,
                    title,
                    detail,
                    field,
                } => ApiError::Client {
                    status,
                    kind,
                    title,
                    detail,
                    field: field.map(|f| if f == "address" { "endpoint".into() } else { f }),
                },
                other => other,
            })?;
        let id = match events.first() {
            Some(Event::SubscriptionConfirmed { subscriber_id })
            | Some(Event::SubscriptionChanged { subscriber_id }) => subscriber_id.clone(),
            other => return Err(ApiError::Server(format!("push subscribe: {other:?}"))),
        };
        let change = AuditChange {
            channel: Some(SubscriberChannel::Push.as_str().into()),
            components: Some(r.components.clone()),
            ..AuditChange::default()
        };
        // The audit names the subscriber, never the endpoint or its keys.
        self.commit_public(
            state.clone(),
            &AuditRecord {
                at: &stamp(at),
                actor: "public",
                action: "subscriber.subscribe",
                subject: Some(&id),
                change: &json(&change)?,
                events: &json(&events)?,
            },
            &events,
        )?;
        self.store
            .set_secret(&format!("{KEYS}{id}"), &keys.to_stored())?;
        let subscriber = state
            .subscriber(&id)
            .ok_or_else(|| ApiError::Server("the subscriber just made is missing".into()))?;
        let unsubscribe = token::sign(
            &self.link_secret()?,
            page,
            &id,
            Purpose::Unsubscribe,
            unix_now(),
        );
        json_response(
            201,
            json(&PushSubscribed {
                id: id.clone(),
                state: subscriber.state,
                components: subscriber.components.clone(),
                unsubscribe_url: crate::notify::unsubscribe_url(&c.base, &unsubscribe),
            })?,
        )
    }

    /// Ends the subscriptions whose push service answered 404 or 410: the browser dropped them
    /// (permission revoked, data cleared), so nothing sent there will ever arrive.
    pub(super) fn push_gone(&self, ids: &[String]) -> ApiResult<()> {
        for id in ids {
            let Some(loaded) = self.load()? else {
                return Ok(());
            };
            if loaded.subscriber(id).is_none() {
                continue;
            }
            let at = now();
            let command = Command::Unsubscribe(Unsubscribe {
                subscriber_id: id.clone(),
                ..Default::default()
            });
            let Ok((state, events)) = self.apply(&loaded.state, command, at) else {
                continue;
            };
            if events.is_empty() {
                continue;
            }
            let change = AuditChange {
                subscriber_id: Some(id.clone()),
                ..AuditChange::default()
            };
            self.commit_public(
                state,
                &AuditRecord {
                    at: &stamp(at),
                    actor: "push-service",
                    action: "subscriber.gone",
                    subject: Some(id),
                    change: &json(&change)?,
                    events: &json(&events)?,
                },
                &events,
            )?;
        }
        Ok(())
    }

    /// A subscriber that left, was erased or moved keeps no push keys.
    pub(super) fn settle_push_keys(&self, events: &[Event]) -> ApiResult<()> {
        for event in events {
            if let Event::Unsubscribed { subscriber_id }
            | Event::SubscriberDeleted { subscriber_id }
            | Event::SubscriptionMoved {
                from: subscriber_id,
                ..
            } = event
            {
                self.store
                    .delete_secret(&format!("{KEYS}{subscriber_id}"))?;
            }
        }
        Ok(())
    }
}
