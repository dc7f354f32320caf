//! Social posts: one update as a Mastodon status or a Bluesky post, fitted to each network's
//! length (Mastodon's 500 characters with every link counted as 23, Bluesky's 300 graphemes) by
//! shortening the communicator's body, never the title or the link to the item's page; for
//! Bluesky the link is a facet whose offsets are UTF-8 byte positions in the text.

use unicode_segmentation::UnicodeSegmentation;

use crate::event::Event;
pub use crate::lint::Social;
use crate::model::{SocialEvent, Visibility};
use crate::template::{Locale, Message};
use crate::State;

/// What a shortened body ends with.
const ELLIPSIS: &str = "…";

/// A post ready for its network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub text: String,
    /// Where the link to the item's page sits in `text`.
    pub link: Link,
    /// Whether the body had to be shortened to fit.
    pub cut: bool,
}

/// A link inside a post: `text[byte_start..byte_end]` is `uri`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub byte_start: usize,
    pub byte_end: usize,
    pub uri: String,
}

/// The post for `m` on `network` in `locale`'s words, linking to `url`: the page and title with
/// the status, the body (shortened with "…" when the whole would not fit), then the link.
pub fn compose(network: Social, m: &Message, url: &str, locale: Locale) -> Post {
    compose_within(network, network.limit(), m, url, locale)
}

/// As `compose`, within `limit` (a Mastodon server's own limit; Bluesky's is fixed).
pub fn compose_within(
    network: Social,
    limit: usize,
    m: &Message,
    url: &str,
    locale: Locale,
) -> Post {
    let limit = limit.max(MIN_LIMIT);
    let w = locale.words();
    let head = format!("{}: {} ({})\n\n", m.page_name, m.title, m.status_in(w));
    let tail = format!("\n\n{url}");
    let body = m.body_in(w);
    let body = body.trim();
    let whole = format!("{head}{body}{tail}");
    let (text, cut) = if network.weight(&whole) <= limit {
        (whole, false)
    } else {
        // The longest prefix of the body (whole graphemes) that fits with the ellipsis.
        let room = |b: &str| network.weight(&format!("{head}{b}{ELLIPSIS}{tail}")) <= limit;
        let ends: Vec<usize> = body
            .grapheme_indices(true)
            .map(|(i, _)| i)
            .chain(std::iter::once(body.len()))
            .collect();
        let (mut lo, mut hi) = (0usize, ends.len() - 1);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if room(&body[..ends[mid]]) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let kept = body[..ends[lo]].trim_end();
        let mut text = format!("{head}{kept}{ELLIPSIS}{tail}");
        if network.weight(&text) > limit {
            // Even the title is too long: it is shortened too, the link stays.
            let title_room = limit.saturating_sub(network.weight(&tail) + 1);
            let short: String = head.graphemes(true).take(title_room).collect();
            text = format!("{}{ELLIPSIS}{tail}", short.trim_end());
        }
        (text, true)
    };
    let byte_end = text.len();
    Post {
        link: Link {
            byte_start: byte_end - url.len(),
            byte_end,
            uri: url.to_owned(),
        },
        text,
        cut,
    }
}

/// The smallest limit a post is fitted to: room for a link and a few words.
pub const MIN_LIMIT: usize = 100;

/// Which of the page's social events `event` is, if its accounts post it: a public incident
/// opened, updated or resolved, or public maintenance scheduled, notifying, not kept off social
/// by its update (`no_social`), and chosen in the page's settings. `state` is the state after it.
pub fn posted(state: &State, event: &Event) -> Option<SocialEvent> {
    if !event.notifies() {
        return None;
    }
    let social = &state.page.social;
    if social.mastodon.is_none() && social.bluesky.is_none() {
        return None;
    }
    let incident_update = |incident_id: &str, update_id: &str| {
        let i = state.incident(incident_id)?;
        let u = i.updates.iter().find(|u| u.id == update_id)?;
        (i.visibility == Visibility::Public && !u.no_social).then_some(())
    };
    let which = match event {
        Event::IncidentOpened {
            incident_id,
            update_id,
            ..
        } => incident_update(incident_id, update_id).map(|()| SocialEvent::IncidentOpened),
        Event::IncidentUpdated {
            incident_id,
            update_id,
            ..
        } => incident_update(incident_id, update_id).map(|()| SocialEvent::IncidentUpdated),
        Event::IncidentResolved {
            incident_id,
            update_id,
            ..
        } => incident_update(incident_id, update_id).map(|()| SocialEvent::IncidentResolved),
        Event::MaintenanceScheduled {
            maintenance_id,
            update_id,
            ..
        } => {
            let m = state
                .maintenances
                .iter()
                .find(|m| &m.id == maintenance_id)?;
            let u = m.updates.iter().find(|u| &u.id == update_id)?;
            (m.visibility == Visibility::Public && !u.no_social)
                .then_some(SocialEvent::MaintenanceScheduled)
        }
        _ => None,
    }?;
    social.posts(which).then_some(which)
}

/// A handle as the settings show it: its first character and its domain (`a***.bsky.social`).
pub fn mask_handle(handle: &str) -> String {
    let handle = handle.trim().trim_start_matches('@');
    match handle.split_once('.') {
        Some((name, domain)) => {
            let first: String = name.chars().take(1).collect();
            format!("{first}***.{domain}")
        }
        None => "***".into(),
    }
}

/// A token as the settings show it: its last four characters only, and only when it is long
/// enough that they give nothing away.
pub fn mask_token(token: &str) -> String {
    let chars: Vec<char> = token.trim().chars().collect();
    if chars.len() < 16 {
        return "set".into();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("set (…{tail})")
}

#[cfg(test)]
mod tests;
