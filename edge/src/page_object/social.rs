//! The page's social accounts: an admin sets them (the settings and masked hints through
//! `shared`'s `ConfigureSocial`, the secrets kept with the page's secrets and never answered,
//! logged or audited), the consumer is handed what a post needs, and a Bluesky session it made
//! or refreshed is kept for the next post.

use herald_shared::command::Command;
use herald_shared::model::{
    BlueskyAccount, MastodonAccount, SocialAccounts, SocialEvent, SubscriberChannel,
};
use herald_shared::social::{mask_handle, mask_token};
use herald_shared::subscriber::social_server;
use herald_shared::wire::social::{
    BlueskySecret, BlueskySession, MastodonSecret, SocialDue, SocialRequest,
};

use super::operations::{Answer, Call};
use super::{Commit, PageObject};
use crate::error::{json, ApiError, ApiResult};

/// Where the secrets are kept among the page's secrets.
const MASTODON: &str = "social:mastodon";
const BLUESKY: &str = "social:bluesky";
const BLUESKY_SESSION: &str = "social:bluesky:session";

/// Mastodon's limit per status unless the server's is given.
const DEFAULT_MASTODON_CHARS: u32 = 500;

fn invalid(field: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::client(422, "validation", "The request is not valid", detail).with_field(field)
}

/// A secret as typed: trimmed, not empty, within `max` characters, without spaces inside.
fn secret(field: &'static str, raw: &str, max: usize) -> ApiResult<String> {
    let v = raw.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_whitespace) {
        return Err(invalid(
            field,
            format!("{field}: 1 to {max} characters without spaces"),
        ));
    }
    Ok(v.to_owned())
}

impl PageObject {
    /// `PUT /v1/admin/pages/{page}/social`.
    pub(super) fn put_social(&self, c: &Call<'_>) -> ApiResult<Answer> {
        let l = c.require()?;
        let req: SocialRequest = super::admin::parse(c.body)?;
        let stored_mastodon: Option<MastodonSecret> = self.social_secret(MASTODON)?;
        let stored_bluesky: Option<BlueskySecret> = self.social_secret(BLUESKY)?;
        let mastodon = match &req.mastodon {
            None => None,
            Some(m) => {
                let server = social_server(&m.server, self.development)
                    .map_err(|e| invalid("mastodon.server", format!("mastodon.server: {e}")))?;
                let token = match (&m.access_token, &stored_mastodon) {
                    (Some(t), _) => secret("mastodon.access_token", t, 512)?,
                    (None, Some(s)) => s.access_token.clone(),
                    (None, None) => {
                        return Err(invalid(
                            "mastodon.access_token",
                            "mastodon.access_token: required the first time (a token with the write:statuses scope)",
                        ))
                    }
                };
                let account = MastodonAccount {
                    server,
                    max_chars: m.max_chars.unwrap_or(DEFAULT_MASTODON_CHARS),
                    access_token: mask_token(&token),
                };
                Some((
                    account,
                    MastodonSecret {
                        access_token: token,
                    },
                ))
            }
        };
        let bluesky = match &req.bluesky {
            None => None,
            Some(b) => {
                let kept = stored_bluesky.as_ref();
                let identifier = match (&b.handle, kept) {
                    (Some(h), _) => secret("bluesky.handle", h.trim_start_matches('@'), 253)?,
                    (None, Some(s)) => s.identifier.clone(),
                    (None, None) => {
                        return Err(invalid(
                            "bluesky.handle",
                            "bluesky.handle: required the first time (acme.bsky.social)",
                        ))
                    }
                };
                let app_password = match (&b.app_password, kept) {
                    (Some(p), _) => secret("bluesky.app_password", p, 64)?,
                    (None, Some(s)) => s.app_password.clone(),
                    (None, None) => {
                        return Err(invalid(
                            "bluesky.app_password",
                            "bluesky.app_password: required the first time (an app password, never the account's own)",
                        ))
                    }
                };
                let account = BlueskyAccount {
                    handle: mask_handle(&identifier),
                    app_password: "set".into(),
                };
                Some((
                    account,
                    BlueskySecret {
                        identifier,
                        app_password,
                    },
                ))
            }
        };
        let social = SocialAccounts {
            mastodon: mastodon.as_ref().map(|(a, _)| a.clone()),
            bluesky: bluesky.as_ref().map(|(a, _)| a.clone()),
            events: req
                .events
                .clone()
                .unwrap_or_else(|| SocialEvent::ALL.to_vec()),
        };
        let command = Command::ConfigureSocial(social);
        // The command holds hints only: it is what the audit keeps.
        let change = json(&command)?;
        let (state, events) = self.apply(&l.state, command, c.at)?;
        // Written in the same synchronous stretch as the state the caller commits.
        match mastodon {
            Some((_, s)) => self.store.set_secret(MASTODON, &json(&s)?)?,
            None => self.store.delete_secret(MASTODON)?,
        }
        match bluesky {
            Some((_, s)) => {
                if stored_bluesky.as_ref() != Some(&s) {
                    // Other credentials: the old session is not theirs.
                    self.store.delete_secret(BLUESKY_SESSION)?;
                }
                self.store.set_secret(BLUESKY, &json(&s)?)?;
            }
            None => {
                self.store.delete_secret(BLUESKY)?;
                self.store.delete_secret(BLUESKY_SESSION)?;
            }
        }
        let answer = json(&state.page.social)?;
        Ok((
            200,
            answer,
            Some(Commit {
                events: json(&events)?,
                raw_events: events,
                state,
                subject: None,
                change,
            }),
        ))
    }

    fn social_secret<T: serde::de::DeserializeOwned>(&self, name: &str) -> ApiResult<Option<T>> {
        self.store
            .secret(name)?
            .map(|v| {
                serde_json::from_str(&v)
                    .map_err(|e| ApiError::Server(format!("stored {name} unreadable: {e}")))
            })
            .transpose()
    }

    /// What posting on `channel` needs: the account's secrets (and Bluesky's session), or `None`
    /// when the account is gone.
    pub(super) fn social_due(
        &self,
        social: &SocialAccounts,
        channel: SubscriberChannel,
    ) -> ApiResult<Option<SocialDue>> {
        Ok(match channel {
            SubscriberChannel::Mastodon => {
                let (Some(m), Some(s)) = (
                    &social.mastodon,
                    self.social_secret::<MastodonSecret>(MASTODON)?,
                ) else {
                    return Ok(None);
                };
                Some(SocialDue::Mastodon {
                    server: m.server.clone(),
                    access_token: s.access_token,
                    max_chars: m.max_chars,
                })
            }
            SubscriberChannel::Bluesky => {
                let (Some(_), Some(s)) = (
                    &social.bluesky,
                    self.social_secret::<BlueskySecret>(BLUESKY)?,
                ) else {
                    return Ok(None);
                };
                Some(SocialDue::Bluesky {
                    identifier: s.identifier,
                    app_password: s.app_password,
                    session: self.social_secret(BLUESKY_SESSION)?,
                })
            }
            _ => None,
        })
    }

    /// Keeps the Bluesky session the consumer made or refreshed.
    pub(super) fn keep_session(&self, session: &BlueskySession) -> ApiResult<()> {
        if self.store.secret(BLUESKY)?.is_none() {
            // The account was removed while the post was on its way.
            return Ok(());
        }
        self.store.set_secret(BLUESKY_SESSION, &json(session)?)
    }
}
