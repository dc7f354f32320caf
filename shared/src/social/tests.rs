//! Tests for `social`: what each network gets, fitted to its length, with the link's byte offsets.

use super::*;
use crate::command::*;
use crate::model::Impact;
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
