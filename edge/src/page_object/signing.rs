//! Webhook signing secrets (Standard Webhooks `whsec_`). Each request for a webhook mints a new
//! secret, shown once to whoever asked; it waits beside the current one and signs only the
//! challenge until the receiver echoes it, then replaces it. So a second request for the same URL
//! never hands out the secret in use, and the one in use keeps working until the new one is proven.
//! Unsubscribing, erasure and a move delete the subscriber's secrets.

use herald_shared::subscriber::{Subscriber, SubscriberChannel};
use herald_shared::{Event, State as PageState};

use super::{random_bytes, PageObject};
use crate::error::ApiResult;

/// The secret in use, in the `secrets` table.
const CURRENT: &str = "webhook:";
/// A secret waiting for its challenge to be echoed.
const NEXT: &str = "webhook-next:";

fn has_webhook(s: &Subscriber) -> bool {
    s.address.channel == SubscriberChannel::Webhook
        || s.fallback
            .as_ref()
            .is_some_and(|f| f.channel == SubscriberChannel::Webhook)
}

/// A secret in the `whsec_` form.
pub(super) fn fresh() -> ApiResult<String> {
    Ok(herald_shared::webhook::secret_from(&random_bytes::<24>()?))
}

impl PageObject {
    /// Mints the secret a new request for a webhook subscriber gets; `None` for other channels.
    pub(super) fn mint_signing_secret(
        &self,
        state: &PageState,
        subscriber_id: &str,
    ) -> ApiResult<Option<String>> {
        if !state.subscriber(subscriber_id).is_some_and(has_webhook) {
            return Ok(None);
        }
        let secret = fresh()?;
        self.store
            .set_secret(&format!("{NEXT}{subscriber_id}"), &secret)?;
        Ok(Some(secret))
    }

    /// The secret in use, made at once for a confirmed webhook subscriber that has none (one
    /// imported from another provider): it signs everything but challenges.
    pub(super) fn ensure_signing_secret(&self, subscriber_id: &str) -> ApiResult<String> {
        let name = format!("{CURRENT}{subscriber_id}");
        if let Some(s) = self.store.secret(&name)? {
            return Ok(s);
        }
        let secret = fresh()?;
        self.store.set_secret(&name, &secret)?;
        Ok(secret)
    }

    /// The secret that signs a message to `subscriber_id`: for a challenge, the one waiting to be
    /// proven (else the one in use); for anything else, the one in use.
    pub(super) fn signing_secret(
        &self,
        subscriber_id: &str,
        challenge: bool,
    ) -> ApiResult<Option<String>> {
        if challenge {
            if let Some(s) = self.store.secret(&format!("{NEXT}{subscriber_id}"))? {
                return Ok(Some(s));
            }
        }
        self.store.secret(&format!("{CURRENT}{subscriber_id}"))
    }

    /// What committed events mean for the secrets: a confirmation puts the proven secret in use;
    /// leaving, erasure and a move forget the subscriber's secrets.
    pub(super) fn settle_signing_secrets(&self, events: &[Event]) -> ApiResult<()> {
        for event in events {
            match event {
                Event::SubscriptionConfirmed { subscriber_id } => {
                    if let Some(s) = self.store.secret(&format!("{NEXT}{subscriber_id}"))? {
                        self.store
                            .set_secret(&format!("{CURRENT}{subscriber_id}"), &s)?;
                        self.store
                            .delete_secret(&format!("{NEXT}{subscriber_id}"))?;
                    }
                }
                Event::Unsubscribed { subscriber_id }
                | Event::SubscriberDeleted { subscriber_id }
                | Event::SubscriptionMoved {
                    from: subscriber_id,
                    ..
                } => {
                    self.store
                        .delete_secret(&format!("{CURRENT}{subscriber_id}"))?;
                    self.store
                        .delete_secret(&format!("{NEXT}{subscriber_id}"))?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}
