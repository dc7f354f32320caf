//! Widget decisions that do not need a browser: what to show after a dismissal or a component
//! filter, when to poll next, when a body needs "more". The widget only wires these to signals
//! and timers.

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

/// Whether `item` concerns one of the components the host page cares about (by id or name,
/// ignoring case). An empty filter, or an item naming no components, always matches.
pub fn matches_components(item: &BannerItem, filter: &[String]) -> bool {
    filter.is_empty()
        || item.components.is_empty()
        || item.components.iter().any(|c| {
            filter
                .iter()
                .any(|f| f.eq_ignore_ascii_case(&c.id) || f.eq_ignore_ascii_case(&c.name))
        })
}

/// What the widget shows: `visible`, narrowed by the host's component filter.
pub fn shown<'a>(
    banner: &'a Banner,
    dismissed_update: Option<&str>,
    filter: &[String],
) -> Option<&'a BannerItem> {
    visible(banner, dismissed_update).filter(|item| matches_components(item, filter))
}

/// Characters of an update body shown before "more".
pub const BODY_PREVIEW_CHARS: usize = 160;

/// The body cut at a word boundary near `BODY_PREVIEW_CHARS`, with an ellipsis, or `None` when it
/// is short enough to show whole.
pub fn preview(body: &str) -> Option<String> {
    if body.chars().count() <= BODY_PREVIEW_CHARS + 20 {
        return None;
    }
    let cut: String = body.chars().take(BODY_PREVIEW_CHARS).collect();
    let head = match cut.rfind(char::is_whitespace) {
        Some(at) if at > BODY_PREVIEW_CHARS / 2 => &cut[..at],
        _ => cut.as_str(),
    };
    Some(format!(
        "{}…",
        head.trim_end_matches(|c: char| c.is_whitespace() || c == ',')
    ))
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
                accent_color: None,
                on_accent_color: None,
            },
            item: i,
            poll_after: 30,
            live: false,
        };
        assert!(visible(&banner(Some(item("u1"))), None).is_some());
        assert!(visible(&banner(Some(item("u1"))), Some("u1")).is_none());
        assert!(visible(&banner(Some(item("u2"))), Some("u1")).is_some());
        assert!(visible(&banner(None), None).is_none());
    }

    #[test]
    fn the_component_filter_matches_ids_and_names_and_lets_unscoped_items_through() {
        use crate::model::ComponentStatus;
        let mut item = BannerItem {
            kind: BannerKind::Incident,
            id: "i".into(),
            update_id: "u".into(),
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
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches_components(&item, &f(&["api"])));
        item.components.push(crate::wire::BannerComponent {
            id: "api".into(),
            name: "Public API".into(),
            status: ComponentStatus::MajorOutage,
        });
        let table = [
            (vec![], true),
            (vec!["api"], true),
            (vec!["API"], true),
            (vec!["public api"], true),
            (vec!["web", "api"], true),
            (vec!["web"], false),
        ];
        for (filter, want) in table {
            assert_eq!(matches_components(&item, &f(&filter)), want, "{filter:?}");
        }
    }

    #[test]
    fn long_bodies_get_a_preview_cut_at_a_word() {
        assert_eq!(preview("short"), None);
        assert_eq!(preview(&"x".repeat(180)), None);
        let long = "word ".repeat(60);
        let p = preview(&long).expect("a preview");
        assert!(p.ends_with("word…"), "{p}");
        assert!(p.chars().count() <= BODY_PREVIEW_CHARS + 1, "{p}");
        let unbroken = "é".repeat(400);
        assert_eq!(
            preview(&unbroken).unwrap().chars().count(),
            BODY_PREVIEW_CHARS + 1
        );
    }
}
