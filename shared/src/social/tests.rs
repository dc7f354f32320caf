//! Tests for `social`: what each network gets, fitted to its length, with the link's byte offsets.

use super::*;
use crate::command::*;
use crate::model::{Impact, IncidentStatus};
use crate::testkit::*;

fn message(body: &str) -> Message {
    let (s, ev) = run(
        &state(),
        vec![(
            Command::OpenIncident(OpenIncident {
                title: "Payments fail".into(),
                body: body.into(),
                ..open("inc-1", Impact::Major)
            }),
            NOW,
        )],
    );
    Message::from_event(&s, &ev[0]).unwrap()
}

const URL: &str = "https://status.acme.com/acme/incidents/inc-1";

#[test]
fn a_short_update_goes_out_whole_with_its_link_last() {
    for network in [Social::Mastodon, Social::Bluesky] {
        let p = compose(
            network,
            &message("We are looking into it."),
            URL,
            Locale::En,
        );
        assert_eq!(
            p.text,
            format!("Acme: Payments fail (Investigating)\n\nWe are looking into it.\n\n{URL}")
        );
        assert!(!p.cut);
        assert_eq!(&p.text[p.link.byte_start..p.link.byte_end], URL);
        assert_eq!(p.link.uri, URL);
    }
    let de = compose(Social::Bluesky, &message("Wir prüfen es."), URL, Locale::De);
    assert!(
        de.text.starts_with("Acme: Payments fail (Wird untersucht)"),
        "{}",
        de.text
    );
}

#[test]
fn a_long_update_is_cut_to_each_networks_limit_keeping_title_and_link() {
    // (network, body, how it counts)
    let long_latin = "Customers cannot pay. ".repeat(40);
    let long_emoji = "Zahlungen schlagen fehl 👩‍👩‍👧‍👦 ü ".repeat(30);
    let long_link = "See https://example.com/ for details. ".repeat(60);
    let cases = [
        (Social::Mastodon, long_latin.as_str()),
        (Social::Bluesky, long_latin.as_str()),
        (Social::Bluesky, long_emoji.as_str()),
        (Social::Mastodon, long_emoji.as_str()),
        (Social::Mastodon, long_link.as_str()),
    ];
    for (network, body) in cases {
        let p = compose(network, &message(body), URL, Locale::En);
        assert!(p.cut, "{network:?}");
        let weight = network.weight(&p.text);
        assert!(
            weight <= network.limit(),
            "{network:?}: {weight} > {}",
            network.limit()
        );
        // Close to the limit: only the last grapheme or word was dropped.
        assert!(weight + 30 >= network.limit(), "{network:?}: {weight}");
        assert!(p
            .text
            .starts_with("Acme: Payments fail (Investigating)\n\n"));
        assert!(p.text.ends_with(&format!("…\n\n{URL}")), "{}", p.text);
        assert_eq!(&p.text[p.link.byte_start..p.link.byte_end], URL);
    }
}

#[test]
fn link_offsets_are_utf8_bytes_not_characters() {
    let p = compose(
        Social::Bluesky,
        &message("Störung – wir prüfen 🔧"),
        URL,
        Locale::En,
    );
    let chars_before = p.text[..p.link.byte_start].chars().count();
    assert!(
        p.link.byte_start > chars_before,
        "multi-byte text before the link"
    );
    assert_eq!(p.link.byte_end, p.text.len());
}

#[test]
fn mastodon_counts_a_link_as_23() {
    let text = format!("x {URL}");
    assert_eq!(Social::Mastodon.weight(&text), 2 + 23);
    assert_eq!(Social::Bluesky.weight(&text), 2 + URL.len());
    assert_eq!(Social::Bluesky.weight("👩‍👩‍👧‍👦é"), 2);
}

#[test]
fn a_mastodon_servers_own_limit_is_kept() {
    let body = "Customers cannot pay. ".repeat(40);
    // (limit, cut)
    for (limit, cut) in [(500, true), (1000, false), (200, true), (10, true)] {
        let p = compose_within(Social::Mastodon, limit, &message(&body), URL, Locale::En);
        assert_eq!(p.cut, cut, "{limit}");
        // Never below the smallest limit a post is fitted to.
        let limit = limit.max(MIN_LIMIT);
        assert!(Social::Mastodon.weight(&p.text) <= limit, "{limit}");
        assert!(p.text.ends_with(URL));
    }
}

/// The Bluesky record as `createRecord` reads it: the link facet's offsets are UTF-8 byte
/// positions, which differ from character positions once the text has non-ASCII letters.
#[test]
fn the_bluesky_record_carries_a_link_facet_over_the_links_bytes() {
    // (body, language)
    let cases = [
        ("We are looking into it.", "en"),
        ("Störung – wir prüfen 🔧", "de"),
        ("障害を調査しています。", "ja"),
    ];
    for (body, lang) in cases {
        let p = compose(Social::Bluesky, &message(body), URL, Locale::En);
        let r = crate::wire::social::CreateRecord::post(
            "did:plc:abc",
            &p,
            "2026-03-01T12:00:00Z",
            lang,
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["repo"], "did:plc:abc");
        assert_eq!(v["collection"], "app.bsky.feed.post");
        let record = &v["record"];
        assert_eq!(record["$type"], "app.bsky.feed.post");
        assert_eq!(record["createdAt"], "2026-03-01T12:00:00Z");
        assert_eq!(record["langs"][0], lang);
        let text = record["text"].as_str().unwrap();
        let facet = &record["facets"][0];
        let (start, end) = (
            facet["index"]["byteStart"].as_u64().unwrap() as usize,
            facet["index"]["byteEnd"].as_u64().unwrap() as usize,
        );
        assert_eq!(&text.as_bytes()[start..end], URL.as_bytes(), "{body}");
        assert_eq!(end, text.len());
        assert_eq!(
            facet["features"][0],
            serde_json::json!({"$type": "app.bsky.richtext.facet#link", "uri": URL})
        );
    }
}

#[test]
fn which_events_are_posted() {
    use crate::model::{BlueskyAccount, MastodonAccount, SocialAccounts, SocialEvent, Visibility};
    let accounts = |events: &[SocialEvent]| SocialAccounts {
        mastodon: Some(MastodonAccount {
            server: "https://mastodon.example".into(),
            max_chars: 500,
            access_token: "set".into(),
        }),
        bluesky: Some(BlueskyAccount {
            handle: "a***.bsky.social".into(),
            app_password: "set".into(),
        }),
        events: events.to_vec(),
    };
    let all = SocialEvent::ALL;
    let with = |social: SocialAccounts| {
        let mut s = state();
        s.page.social = social;
        s
    };
    // (accounts, commands, the event of the last command posted as)
    let opened = Command::OpenIncident(open("i", Impact::Major));
    let quiet = Command::OpenIncident(OpenIncident {
        no_social: true,
        ..open("i", Impact::Major)
    });
    let silent = Command::OpenIncident(OpenIncident {
        silent: true,
        ..open("i", Impact::Major)
    });
    let private = Command::OpenIncident(OpenIncident {
        visibility: Visibility::Segments(vec!["plan:enterprise".into()]),
        ..open("i", Impact::Major)
    });
    let updated = Command::PostUpdate(update("i", "u2", IncidentStatus::Identified));
    let resolved = Command::PostUpdate(update("i", "u3", IncidentStatus::Resolved));
    let scheduled = Command::ScheduleMaintenance(maintenance("m", time::Duration::days(3)));
    let cases: Vec<(SocialAccounts, Vec<Command>, Option<SocialEvent>)> = vec![
        (
            accounts(&all),
            vec![opened.clone()],
            Some(SocialEvent::IncidentOpened),
        ),
        (accounts(&all), vec![quiet], None),
        (accounts(&all), vec![silent], None),
        (accounts(&all), vec![private], None),
        (SocialAccounts::default(), vec![opened.clone()], None),
        (
            accounts(&[SocialEvent::IncidentResolved]),
            vec![opened.clone()],
            None,
        ),
        (
            accounts(&all),
            vec![opened.clone(), updated.clone()],
            Some(SocialEvent::IncidentUpdated),
        ),
        (
            accounts(&[SocialEvent::IncidentResolved]),
            vec![opened.clone(), updated, resolved],
            Some(SocialEvent::IncidentResolved),
        ),
        (
            accounts(&all),
            vec![scheduled],
            Some(SocialEvent::MaintenanceScheduled),
        ),
    ];
    for (social, commands, want) in cases {
        let n = commands.len();
        let (s, events) = run(
            &with(social),
            commands.into_iter().map(|c| (c, NOW)).collect(),
        );
        let last = events.last().unwrap();
        assert_eq!(posted(&s, last), want, "after {n} command(s): {last:?}");
    }
}

#[test]
fn secrets_are_masked() {
    // (token, hint)
    for (token, hint) in [("short", "set"), ("0123456789abcdefXYZ9", "set (…XYZ9)")] {
        assert_eq!(mask_token(token), hint);
    }
    for (handle, hint) in [
        ("acme.bsky.social", "a***.bsky.social"),
        ("@acme.com", "a***.com"),
        ("did:plc:abc", "***"),
    ] {
        assert_eq!(mask_handle(handle), hint);
    }
}
