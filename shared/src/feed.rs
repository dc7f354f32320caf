//! Feeds: an Atom feed of incident updates and an iCalendar of maintenance windows, rendered from the
//! same state as every other view (public items only: feeds are cached and shared).

use crate::model::{ordered, State};
use crate::view::Viewer;
use crate::Timestamp;

/// Entries in the Atom feed, newest first.
pub const FEED_ENTRIES: usize = 50;

fn rfc3339(t: Timestamp) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn xml(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

fn attr(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(s).into_owned()
}

/// The Atom feed of public incident updates and maintenance announcements. `base_url` is the absolute
/// URL of the status page (`https://status.example.com/acme`).
pub fn atom(state: &State, base_url: &str, now: Timestamp) -> String {
    let viewer = Viewer::public();
    let mut entries: Vec<(Timestamp, String)> = Vec::new();
    for i in crate::view::history(state, &viewer) {
        for u in &i.updates {
            let title = format!("{}: {}", i.title, u.status.label());
            let link = format!("{base_url}#incident-{}", i.id);
            entries.push((
                u.created_at,
                entry(&u.id, &title, &link, &u.body, u.created_at),
            ));
        }
    }
    for m in state
        .maintenances
        .iter()
        .filter(|m| m.visibility.is_public())
    {
        for u in &m.updates {
            let title = format!("{}: {}", m.title, u.status.label());
            let link = format!("{base_url}/maintenance/{}", m.id);
            let body = format!(
                "{}\n\nWindow: {} to {}",
                u.body,
                crate::template::human_time(m.scheduled_for),
                crate::template::human_time(m.scheduled_until)
            );
            entries.push((
                u.created_at,
                entry(&u.id, &title, &link, &body, u.created_at),
            ));
        }
    }
    entries.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    entries.truncate(FEED_ENTRIES);
    let updated = entries.first().map_or(now, |(at, _)| *at);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!("  <id>{}</id>\n", xml(base_url)));
    out.push_str(&format!(
        "  <title>{} status</title>\n",
        xml(&state.page.name)
    ));
    out.push_str(&format!("  <updated>{}</updated>\n", rfc3339(updated)));
    out.push_str(&format!(
        "  <link rel=\"alternate\" href=\"{}\"/>\n",
        attr(base_url)
    ));
    out.push_str(&format!(
        "  <link rel=\"self\" href=\"{}/feed.atom\"/>\n",
        attr(base_url)
    ));
    for (_, e) in entries {
        out.push_str(&e);
    }
    out.push_str("</feed>\n");
    out
}

fn entry(id: &str, title: &str, link: &str, body: &str, at: Timestamp) -> String {
    format!(
        "  <entry>\n    <id>{}#{}</id>\n    <title>{}</title>\n    <updated>{}</updated>\n    <link href=\"{}\"/>\n    <content type=\"text\">{}</content>\n  </entry>\n",
        xml(link),
        xml(id),
        xml(title),
        rfc3339(at),
        attr(link),
        xml(body)
    )
}

/// RFC 5545 text escaping: backslash, semicolon, comma and newlines.
fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (never inside a character), CRLF then a space, as RFC 5545 asks.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

fn ics_time(t: Timestamp) -> String {
    let f = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(f)
        .unwrap_or_default()
}

/// The iCalendar of public maintenance windows; a completed window stays (so calendars keep it) and
/// `SEQUENCE` counts its updates, so calendar clients pick up changes.
pub fn ical(state: &State, host: &str, now: Timestamp) -> String {
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Herald//Status//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        out.push_str(&fold(line));
    }
    out.push_str(&fold(&format!(
        "X-WR-CALNAME:{} maintenance",
        ics_text(&state.page.name)
    )));
    let public: Vec<_> = state
        .maintenances
        .iter()
        .filter(|m| m.visibility.is_public())
        .collect();
    for m in ordered(&public, |m| m.scheduled_for) {
        let latest = m.latest();
        let description = latest.map(|u| u.body.as_str()).unwrap_or_default();
        let lines = [
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}@{}", m.id, ics_text(host)),
            format!("DTSTAMP:{}", ics_time(now)),
            format!("DTSTART:{}", ics_time(m.scheduled_for)),
            format!("DTEND:{}", ics_time(m.scheduled_until)),
            format!("LAST-MODIFIED:{}", ics_time(m.updated_at())),
            format!("SEQUENCE:{}", m.updates.len().saturating_sub(1)),
            format!("SUMMARY:{}", ics_text(&m.title)),
            format!("DESCRIPTION:{}", ics_text(description)),
            format!("STATUS:{}", "CONFIRMED"),
            "END:VEVENT".to_string(),
        ];
        for l in lines {
            out.push_str(&fold(&l));
        }
    }
    out.push_str(&fold("END:VCALENDAR"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::*;
    use crate::model::Visibility;
    use crate::testkit::*;
    use expect_test::expect;

    fn state() -> State {
        run(
            &busy(),
            vec![(
                Command::ScheduleMaintenance(ScheduleMaintenance {
                    title: "Private, for enterprise".into(),
                    visibility: Visibility::Segments(segs(&["plan:enterprise"])),
                    ..maintenance("private", hours(80))
                }),
                NOW,
            )],
        )
        .0
    }

    #[test]
    fn atom_is_frozen_and_public_only() {
        let feed = atom(&state(), "https://status.acme.com", NOW);
        assert!(!feed.contains("ent-1") && !feed.contains("Private"));
        expect![[r#"
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
              <id>https://status.acme.com</id>
              <title>Acme status</title>
              <updated>2026-03-01T11:55:00Z</updated>
              <link rel="alternate" href="https://status.acme.com"/>
              <link rel="self" href="https://status.acme.com/feed.atom"/>
              <entry>
                <id>https://status.acme.com#incident-inc-1#inc-1-u2</id>
                <title>Elevated errors inc-1: Identified</title>
                <updated>2026-03-01T11:55:00Z</updated>
                <link href="https://status.acme.com#incident-inc-1"/>
                <content type="text">A bad deploy; rolling back.</content>
              </entry>
              <entry>
                <id>https://status.acme.com#incident-inc-1#inc-1-u1</id>
                <title>Elevated errors inc-1: Investigating</title>
                <updated>2026-03-01T11:40:00Z</updated>
                <link href="https://status.acme.com#incident-inc-1"/>
                <content type="text">Some API calls fail for some customers.</content>
              </entry>
              <entry>
                <id>https://status.acme.com/maintenance/db-upgrade#db-upgrade-u2</id>
                <title>Database upgrade: In progress</title>
                <updated>2026-03-01T11:00:00Z</updated>
                <link href="https://status.acme.com/maintenance/db-upgrade"/>
                <content type="text">The upgrade has started.

            Window: 2026-03-01 11:00 UTC to 2026-03-01 13:00 UTC</content>
              </entry>
              <entry>
                <id>https://status.acme.com/maintenance/db-upgrade#db-upgrade-u1</id>
                <title>Database upgrade: Scheduled</title>
                <updated>2026-02-26T11:00:00Z</updated>
                <link href="https://status.acme.com/maintenance/db-upgrade"/>
                <content type="text">Writes pause for up to 5 minutes.

            Window: 2026-03-01 11:00 UTC to 2026-03-01 13:00 UTC</content>
              </entry>
            </feed>
        "#]]
        .assert_eq(&feed);
    }

    #[test]
    fn ical_is_frozen_escaped_and_folded() {
        let mut s = state();
        s.maintenances[0].title =
            "Upgrade; part 1, with \\ and a very long title that goes on and on to be folded"
                .into();
        let cal = ical(&s, "status.acme.com", NOW);
        assert!(cal.lines().all(|l| l.len() <= 76), "{cal}");
        assert!(!cal.contains("Private"));
        expect![[r#"
            BEGIN:VCALENDAR
            VERSION:2.0
            PRODID:-//Herald//Status//EN
            CALSCALE:GREGORIAN
            METHOD:PUBLISH
            X-WR-CALNAME:Acme maintenance
            BEGIN:VEVENT
            UID:db-upgrade@status.acme.com
            DTSTAMP:20260301T120000Z
            DTSTART:20260301T110000Z
            DTEND:20260301T130000Z
            LAST-MODIFIED:20260301T110000Z
            SEQUENCE:1
            SUMMARY:Upgrade\; part 1\, with \\ and a very long title that goes on and o
             n to be folded
            DESCRIPTION:The upgrade has started.
            STATUS:CONFIRMED
            END:VEVENT
            END:VCALENDAR
        "#]]
        .assert_eq(&cal.replace("\r\n", "\n"));
    }

    #[test]
    fn fold_never_splits_a_character() {
        let line = format!("SUMMARY:{}", "ü".repeat(80));
        let folded = fold(&line);
        for l in folded.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        assert_eq!(folded.replace("\r\n ", ""), format!("{line}\r\n"));
    }
}
