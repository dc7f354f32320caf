//! Live updates' decisions, free of sockets: which view an open socket carries, when its audience
//! token has run out, how long a widget waits before trying its socket again. The page object and
//! the widget only wire these to the runtime's sockets and timers.

use crate::token::LEEWAY_SECS;
use crate::wire::internal::LiveTicket;
use crate::Viewer;

/// Close code for a socket whose audience token expired: open a new one with a fresh token.
pub const CLOSE_EXPIRED: u16 = 4001;
/// Close code for a console socket whose key was refused or revoked.
pub const CLOSE_UNAUTHORIZED: u16 = 4003;
/// Close code when the page object stops a socket for a reason of its own (tests, restarts).
pub const CLOSE_GOING_AWAY: u16 = 1001;

/// Longest banner message sent whole; a longer one is announced by its summary tag only and the
/// reader fetches `banner.json` (the runtime's messages are limited, and most banners are < 2 KB).
pub const INLINE_BANNER_MAX: usize = 16 * 1024;

/// The key under which sockets sharing one view are grouped: their segments, sorted, deduplicated.
/// The public view is the empty key.
pub fn audience_key(segments: &[String]) -> String {
    let mut s: Vec<&str> = segments.iter().map(String::as_str).collect();
    s.sort_unstable();
    s.dedup();
    s.join("\n")
}

/// The viewer a reader's socket renders for: the public, or its token's segments.
pub fn viewer(ticket: &LiveTicket) -> Viewer {
    if ticket.segments.is_empty() {
        Viewer::public()
    } else {
        Viewer::with_segments(ticket.segments.clone())
    }
}

/// Whether the socket's token has expired at `now_unix` (a socket without a token never does),
/// with the same leeway for clock skew as `token::verify`: a socket lasts as long as its token
/// would be accepted.
pub fn expired(ticket: &LiveTicket, now_unix: i64) -> bool {
    ticket
        .exp
        .is_some_and(|exp| now_unix > exp.saturating_add(LEEWAY_SECS))
}

/// The earliest time (seconds since the epoch) at which one of `tickets` has expired, when the
/// object should wake to close its socket.
pub fn next_expiry<'a>(tickets: impl IntoIterator<Item = &'a LiveTicket>) -> Option<i64> {
    tickets
        .into_iter()
        .filter_map(|t| t.exp)
        .min()
        .map(|exp| exp.saturating_add(LEEWAY_SECS + 1))
}

/// First wait before the widget tries its socket again after it failed or dropped.
pub const RETRY_FIRST_SECS: u32 = 2;
/// Longest wait between tries; the widget polls meanwhile.
pub const RETRY_MAX_SECS: u32 = 300;

/// Milliseconds before the next attempt to open the socket after `failures` consecutive failures
/// (at least one): doubling from `RETRY_FIRST_SECS` up to `RETRY_MAX_SECS`, spread by +-20%
/// (`jitter` in `0.0..=1.0`) so that a restart does not bring every widget back at once.
pub fn retry_ms(failures: u32, jitter: f64) -> u32 {
    let secs = RETRY_FIRST_SECS
        .saturating_mul(1 << failures.saturating_sub(1).min(16))
        .min(RETRY_MAX_SECS);
    let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    (f64::from(secs) * 1000.0 * spread).round() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(segments: &[&str], exp: Option<i64>) -> LiveTicket {
        LiveTicket {
            segments: segments.iter().map(|s| s.to_string()).collect(),
            exp,
            ..LiveTicket::default()
        }
    }

    #[test]
    fn sockets_with_the_same_segments_share_a_view_whatever_their_order() {
        let k = |s: &[&str]| audience_key(&ticket(s, None).segments);
        assert_eq!(
            k(&["plan:pro", "region:eu"]),
            k(&["region:eu", "plan:pro", "plan:pro"])
        );
        assert_ne!(k(&["plan:pro"]), k(&["region:eu"]));
        assert_eq!(k(&[]), "");
        assert!(viewer(&ticket(&[], None)).segments.is_empty());
        assert_eq!(
            viewer(&ticket(&["a"], Some(1))).segments,
            vec!["a".to_string()]
        );
    }

    #[test]
    fn a_token_expires_at_its_exp_and_the_earliest_one_wakes_the_object() {
        let t = ticket(&["a"], Some(100));
        assert!(!expired(&t, 100 + LEEWAY_SECS));
        assert!(expired(&t, 101 + LEEWAY_SECS));
        assert!(!expired(&ticket(&[], None), i64::MAX));
        let all = [t, ticket(&[], None), ticket(&["b"], Some(50))];
        let wake = next_expiry(&all).expect("a token expires");
        assert_eq!(wake, 51 + LEEWAY_SECS);
        assert!(expired(&all[2], wake) && !expired(&all[0], wake));
        assert_eq!(next_expiry(&all[1..2]), None);
    }

    #[test]
    fn socket_retries_back_off_to_a_ceiling() {
        let table = [
            (1, 0.5, 2_000),
            (2, 0.5, 4_000),
            (3, 0.5, 8_000),
            (8, 0.5, 256_000),
        ];
        for (failures, jitter, ms) in table {
            assert_eq!(retry_ms(failures, jitter), ms, "{failures}");
        }
        assert_eq!(retry_ms(40, 0.5), RETRY_MAX_SECS * 1000);
        assert_eq!(retry_ms(1, 0.0), 1_600);
        assert_eq!(retry_ms(1, 1.0), 2_400);
    }
}
