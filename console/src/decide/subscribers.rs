//! The subscribers screen's decisions, tested natively: what a role is offered (the thresholds are
//! `AdminOp::role`), the pages of the list (the API's cursor, and the cursors already passed for
//! "previous"), the lookup request checked before it is sent, and the words for counts and for an
//! import's report.

use herald_shared::subscriber::{SubscriberChannel, SubscriptionState};
use herald_shared::wire::internal::AdminOp;
use herald_shared::wire::{ImportReport, Role, SubscriberLookup};

/// Subscribers per page of the console's list.
pub const PAGE: u32 = 20;

/// What a role is offered on the subscribers screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriberAbilities {
    /// See the list (addresses masked) and look one up by address.
    pub list: bool,
    /// Import, export (every address) and erase.
    pub import: bool,
    pub export: bool,
    pub erase: bool,
}

impl SubscriberAbilities {
    pub fn of(role: Role) -> Self {
        let may = |op: AdminOp| role >= op.role();
        SubscriberAbilities {
            list: may(AdminOp::ListSubscribers) && may(AdminOp::FindSubscriber),
            import: may(AdminOp::ImportSubscribers),
            export: may(AdminOp::ExportSubscribers),
            erase: may(AdminOp::DeleteSubscriber {
                subscriber: String::new(),
            }),
        }
    }
}

/// The `after` cursor in a `Link: <?...>; rel="next"` header, if the list has a next page.
pub fn next_cursor(link: Option<&str>) -> Option<String> {
    let link = link?;
    let next = link.split(',').find(|part| part.contains("rel=\"next\""))?;
    let target = next.split_once('<')?.1.split_once('>')?.0;
    let query = target.split_once('?').map_or(target, |(_, q)| q);
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("after="))
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}

/// Where the list stands: the cursors of the pages passed (for "previous") and of the next one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pager {
    /// The `after` of each page from the first to the current one (the first page has none).
    passed: Vec<Option<String>>,
    /// The `after` of the next page, when the API said there is one.
    pub next: Option<String>,
}

impl Pager {
    /// The `after` of the page shown.
    pub fn current(&self) -> Option<String> {
        self.passed.last().cloned().flatten()
    }

    /// 1 for the first page.
    pub fn number(&self) -> usize {
        self.passed.len().max(1)
    }

    pub fn has_previous(&self) -> bool {
        self.passed.len() > 1
    }

    /// Back to the first page (a new filter, after an import or an erasure).
    pub fn first(&mut self) {
        self.passed = vec![None];
        self.next = None;
    }

    /// Onwards to the next page; `false` when there is none.
    pub fn forward(&mut self) -> bool {
        match self.next.take() {
            Some(cursor) => {
                if self.passed.is_empty() {
                    self.passed.push(None);
                }
                self.passed.push(Some(cursor));
                true
            }
            None => false,
        }
    }

    /// Back to the page before; `false` on the first.
    pub fn back(&mut self) -> bool {
        if self.has_previous() {
            self.passed.pop();
            self.next = None;
            true
        } else {
            false
        }
    }

    /// The query of the page shown: its size, its cursor and the filter's own parameters.
    pub fn query(&self, filter: &[(&str, String)]) -> String {
        let mut q: Vec<String> = filter
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        q.push(format!("limit={PAGE}"));
        if let Some(c) = self.current() {
            q.push(format!("after={c}"));
        }
        q.join("&")
    }
}

/// A lookup as the form holds it (`channel` empty: any), checked before it is sent; an error names
/// the field it belongs next to.
pub fn lookup(channel: &str, address: &str) -> Result<SubscriberLookup, (&'static str, String)> {
    let address = address.trim();
    if address.is_empty() {
        return Err((
            "address",
            "Enter the whole address: an email, a phone number (+...) or a webhook URL.".into(),
        ));
    }
    let channel = match channel {
        "" => None,
        name => Some(
            SubscriberChannel::from_name(name)
                .ok_or_else(|| ("channel", format!("{name:?} is not a channel")))?,
        ),
    };
    Ok(SubscriberLookup {
        channel,
        address: address.to_owned(),
    })
}

pub fn channel_label(c: SubscriberChannel) -> &'static str {
    match c {
        SubscriberChannel::Email => "Email",
        SubscriberChannel::Sms => "SMS",
        SubscriberChannel::Webhook => "Webhook",
        SubscriberChannel::Slack => "Slack",
        SubscriberChannel::Push => "Browser push",
        SubscriberChannel::Teams => "Microsoft Teams",
        SubscriberChannel::Mastodon => "Mastodon (the page's account)",
        SubscriberChannel::Bluesky => "Bluesky (the page's account)",
    }
}

pub fn state_label(s: SubscriptionState) -> &'static str {
    match s {
        SubscriptionState::Pending => "Pending (not yet confirmed)",
        SubscriptionState::Confirmed => "Confirmed",
        SubscriptionState::Unsubscribed => "Unsubscribed (kept as a suppression hash)",
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// One line for an import: what was added and what was skipped.
pub fn import_summary(r: &ImportReport) -> String {
    format!(
        "Imported: {} added, {} already subscribed, {} unsubscribed before (not re-added), {} invalid.",
        r.added,
        r.duplicates,
        r.suppressed,
        r.invalid.len()
    )
}

/// Each refused row of an import, as the source numbers it, with why.
pub fn import_rows(r: &ImportReport) -> Vec<String> {
    r.invalid
        .iter()
        .map(|row| format!("Row {}: {}", row.row, row.reason))
        .collect()
}

/// What a lookup found, in words.
pub fn found_text(n: usize) -> String {
    match n {
        0 => "No subscriber has exactly this address.".into(),
        n => format!(
            "Found {} at exactly this address.",
            plural(n, "subscriber", "subscribers")
        ),
    }
}

/// The name an export is saved under.
pub fn export_name(page: &str, format: &str) -> String {
    format!("herald-subscribers-{page}.{format}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_shared::event::SkippedRow;

    #[test]
    fn roles_are_offered_what_the_api_allows() {
        let show = |r: Role| {
            let a = SubscriberAbilities::of(r);
            (a.list, a.import, a.export, a.erase)
        };
        assert_eq!(show(Role::Viewer), (false, false, false, false));
        assert_eq!(show(Role::Responder), (false, false, false, false));
        assert_eq!(show(Role::Communicator), (true, false, false, false));
        assert_eq!(show(Role::Admin), (true, true, true, true));
    }

    #[test]
    fn the_next_cursor_comes_from_the_link_header() {
        let cases = [
            (
                Some("<?limit=20&after=1764763200000000000.sub_x>; rel=\"next\""),
                Some("1764763200000000000.sub_x"),
            ),
            (
                Some("<?channel=email&after=12.sub_a&limit=20>; rel=\"next\""),
                Some("12.sub_a"),
            ),
            (Some("<?limit=20&after=12.sub_a>; rel=\"prev\""), None),
            (Some("<?limit=20>; rel=\"next\""), None),
            (None, None),
        ];
        for (link, want) in cases {
            assert_eq!(next_cursor(link).as_deref(), want, "{link:?}");
        }
    }

    #[test]
    fn pages_go_forward_and_back() {
        let mut p = Pager::default();
        p.first();
        assert_eq!((p.number(), p.has_previous()), (1, false));
        assert_eq!(
            p.query(&[("channel", "email".into()), ("state", String::new())]),
            "channel=email&limit=20"
        );
        assert!(!p.forward(), "no next page yet");
        p.next = Some("2.sub_b".into());
        assert!(p.forward());
        p.next = Some("1.sub_c".into());
        assert!(p.forward());
        assert_eq!(p.number(), 3);
        assert_eq!(p.query(&[]), "limit=20&after=1.sub_c");
        assert!(p.back());
        assert_eq!(p.current().as_deref(), Some("2.sub_b"));
        assert!(p.back());
        assert_eq!((p.number(), p.current()), (1, None));
        assert!(!p.back());
    }

    #[test]
    fn a_lookup_needs_an_address_and_a_known_channel() {
        assert_eq!(lookup("", "  ").unwrap_err().0, "address");
        assert_eq!(lookup("pigeon", "a@b.co").unwrap_err().0, "channel");
        let l = lookup("email", " Ann@Example.com ").unwrap();
        assert_eq!(
            (l.channel, l.address.as_str()),
            (Some(SubscriberChannel::Email), "Ann@Example.com")
        );
        assert_eq!(lookup("", "+4915112345678").unwrap().channel, None);
    }

    #[test]
    fn words_for_reports_and_finds() {
        let r = ImportReport {
            added: 2,
            duplicates: 1,
            suppressed: 0,
            invalid: vec![SkippedRow {
                row: 4,
                reason: "address: not a valid email address".into(),
            }],
            signing_secrets: vec![],
        };
        assert_eq!(
            import_summary(&r),
            "Imported: 2 added, 1 already subscribed, 0 unsubscribed before (not re-added), 1 invalid."
        );
        assert_eq!(
            import_rows(&r),
            ["Row 4: address: not a valid email address"]
        );
        assert_eq!(found_text(0), "No subscriber has exactly this address.");
        assert_eq!(found_text(1), "Found 1 subscriber at exactly this address.");
        assert_eq!(export_name("acme", "csv"), "herald-subscribers-acme.csv");
        assert_eq!(channel_label(SubscriberChannel::Push), "Browser push");
        assert!(state_label(SubscriptionState::Unsubscribed).starts_with("Unsubscribed"));
    }
}
