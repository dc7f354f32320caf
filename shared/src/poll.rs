//! Widget decisions that do not need a browser: what to show after a dismissal and when to poll
//! next. The widget only wires these to signals and timers.

use crate::wire::{Banner, BannerItem};

/// Shortest interval between polls, whatever the server or the host page asks.
pub const MIN_POLL_SECS: u32 = 1;
/// Longest wait after repeated failures.
pub const MAX_BACKOFF_SECS: u32 = 600;

/// The item to show, unless the viewer dismissed exactly this update (a newer update shows again).
pub fn visible<'a>(banner: &'a Banner, dismissed_update: Option<&str>) -> Option<&'a BannerItem> {
    banner
        .item
        .as_ref()
        .filter(|item| dismissed_update != Some(item.update_id.as_str()))
}

/// Milliseconds until the next poll: the server's advice, never below the host's floor, doubled per
/// consecutive failure up to `MAX_BACKOFF_SECS`, spread by +-10% (`jitter` in `0.0..=1.0`) so that
/// many widgets do not poll in lockstep.
pub fn next_poll_ms(advised_secs: u32, floor_secs: u32, failures: u32, jitter: f64) -> u32 {
    let base = advised_secs.max(floor_secs).max(MIN_POLL_SECS);
    let backed_off = if failures == 0 {
        base
    } else {
        base.saturating_mul(1 << failures.min(10))
            .min(MAX_BACKOFF_SECS.max(base))
    };
    let spread = 0.9 + 0.2 * jitter.clamp(0.0, 1.0);
    (f64::from(backed_off) * 1000.0 * spread).round() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_delay_table() {
        let cases = [
            // advised, floor, failures, jitter, want ms
            (30, 0, 0, 0.5, 30_000),
            (30, 60, 0, 0.5, 60_000),
            (0, 0, 0, 0.5, 1_000),
            (30, 0, 1, 0.5, 60_000),
            (30, 0, 3, 0.5, 240_000),
            (30, 0, 9, 0.5, 600_000),
            (900, 0, 2, 0.5, 900_000),
            (30, 0, 0, 0.0, 27_000),
            (30, 0, 0, 1.0, 33_000),
            (30, 0, 0, 7.0, 33_000),
        ];
        for (advised, floor, failures, jitter, want) in cases {
            assert_eq!(
                next_poll_ms(advised, floor, failures, jitter),
                want,
                "{advised} {floor} {failures} {jitter}"
            );
        }
    }
}

#[cfg(test)]
mod visible_tests {
    use super::*;
    use crate::model::Impact;
    use crate::wire::{BannerKind, BannerPage, ItemStatus};
    use time::macros::datetime;

    #[test]
    fn a_dismissed_update_stays_hidden_and_a_newer_one_shows() {
        let item = |update: &str| BannerItem {
            kind: BannerKind::Incident,
            id: "i".into(),
            update_id: update.into(),
            title: "t".into(),
            impact: Impact::Minor,
            status: ItemStatus::Investigating,
            body: "b".into(),
            updated_at: datetime!(2026-01-01 0:00 UTC),
            next_update_at: None,
            components: vec![],
            scheduled_for: None,
            scheduled_until: None,
            effective_at: None,
        };
        let banner = |i: Option<BannerItem>| Banner {
            page: BannerPage {
                id: "p".into(),
                name: "P".into(),
                url: "/p".into(),
            },
            item: i,
            poll_after: 30,
        };
        assert!(visible(&banner(Some(item("u1"))), None).is_some());
        assert!(visible(&banner(Some(item("u1"))), Some("u1")).is_none());
        assert!(visible(&banner(Some(item("u2"))), Some("u1")).is_some());
        assert!(visible(&banner(None), None).is_none());
    }
}
