//! Social posts: one update as a Mastodon status or a Bluesky post, fitted to each network's
//! length (Mastodon's 500 characters with every link counted as 23, Bluesky's 300 graphemes) by
//! shortening the communicator's body, never the title or the link to the item's page; for
//! Bluesky the link is a facet whose offsets are UTF-8 byte positions in the text.

use unicode_segmentation::UnicodeSegmentation;

pub use crate::lint::Social;
use crate::template::{Locale, Message};

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
    let w = locale.words();
    let head = format!("{}: {} ({})\n\n", m.page_name, m.title, m.status_in(w));
    let tail = format!("\n\n{url}");
    let body = m.body_in(w);
    let body = body.trim();
    let whole = format!("{head}{body}{tail}");
    let (text, cut) = if network.weight(&whole) <= network.limit() {
        (whole, false)
    } else {
        // The longest prefix of the body (whole graphemes) that fits with the ellipsis.
        let room =
            |b: &str| network.weight(&format!("{head}{b}{ELLIPSIS}{tail}")) <= network.limit();
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
        if network.weight(&text) > network.limit() {
            // Even the title is too long: it is shortened too, the link stays.
            let title_room = network.limit().saturating_sub(network.weight(&tail) + 1);
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

#[cfg(test)]
mod tests;
