//! A page's settings checked at the boundary (`ConfigurePage`): its URL, time zone, locales,
//! branding and the policy's numbers, each refusal naming its field; and the text colour that
//! reads on the page's brand colour, for the status page and the widget.

use crate::event::DomainError;
use crate::model::{Branding, Policy};

/// Longest URL accepted for the page or its logo.
pub const MAX_URL_LEN: usize = 2048;
/// Most locales a page offers.
pub const MAX_LOCALES: usize = 20;
/// Longest cadence: a week between updates of an open incident.
pub const MAX_CADENCE_MINUTES: u32 = 7 * 24 * 60;
/// Longest lead time: a year.
pub const MAX_LEAD_MINUTES: u32 = 366 * 24 * 60;

/// The page's own site (`https://acme.com`): an http or https URL with a host.
pub fn url(value: Option<String>) -> Result<Option<String>, DomainError> {
    let Some(v) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    web_url("url", &v, &["https", "http"])?;
    Ok(Some(v))
}

fn web_url(field: &'static str, v: &str, schemes: &[&str]) -> Result<(), DomainError> {
    if v.len() > MAX_URL_LEN {
        return Err(DomainError::invalid(
            field,
            format!("at most {MAX_URL_LEN} characters"),
        ));
    }
    let parsed = url::Url::parse(v).map_err(|e| {
        DomainError::invalid(field, format!("{v:?} is not a URL ({e}); give https://…"))
    })?;
    if !schemes.contains(&parsed.scheme()) || parsed.host_str().is_none_or(str::is_empty) {
        return Err(DomainError::invalid(
            field,
            format!(
                "{v:?}: give an {} URL with a host, such as https://example.com/",
                schemes.join(" or ")
            ),
        ));
    }
    Ok(())
}

/// An IANA time zone name by its shape (`Europe/Paris`, `America/Argentina/Buenos_Aires`,
/// `Etc/GMT+5`, `UTC`); an empty one is `Etc/UTC`. The shape is all that is checked: the zone
/// is only shown, never computed with, and the browser knows the current list.
pub fn time_zone(value: Option<String>) -> Result<String, DomainError> {
    let Some(v) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
        return Ok("Etc/UTC".into());
    };
    let part_ok = |p: &str| {
        p.starts_with(|c: char| c.is_ascii_alphabetic())
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
    };
    if v.len() > 64 || !v.split('/').all(part_ok) {
        return Err(DomainError::invalid(
            "time_zone",
            format!("{v:?} is not a time zone name; use one such as Europe/Paris or Etc/UTC"),
        ));
    }
    Ok(v)
}

/// BCP 47 tags by their shape (`en`, `pt-BR`, `zh-Hant`), each once; the first is the page's
/// default; none is `["en"]`.
pub fn locales(value: Vec<String>) -> Result<Vec<String>, DomainError> {
    let tags: Vec<String> = value
        .into_iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if tags.is_empty() {
        return Ok(vec!["en".into()]);
    }
    if tags.len() > MAX_LOCALES {
        return Err(DomainError::invalid(
            "locales",
            format!("at most {MAX_LOCALES} locales"),
        ));
    }
    for (i, t) in tags.iter().enumerate() {
        let mut parts = t.split('-');
        let primary = parts.next().unwrap_or_default();
        let shaped = (2..=3).contains(&primary.len())
            && primary.bytes().all(|b| b.is_ascii_alphabetic())
            && parts.all(|p| {
                (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric())
            });
        if !shaped {
            return Err(DomainError::invalid(
                "locales",
                format!("{t:?} is not a language tag; use one such as en, fr or pt-BR"),
            ));
        }
        if tags[..i].iter().any(|o| o.eq_ignore_ascii_case(t)) {
            return Err(DomainError::invalid(
                "locales",
                format!("{t:?} appears twice"),
            ));
        }
    }
    Ok(tags)
}

/// The brand colour as `#rrggbb` in lowercase (`#RGB` is widened) and the logo as an https URL.
pub fn branding(value: Option<Branding>) -> Result<Branding, DomainError> {
    let b = value.unwrap_or_default();
    let accent_color = match b.accent_color.map(|c| c.trim().to_owned()) {
        None => None,
        Some(c) if c.is_empty() => None,
        Some(c) => Some(color(&c).ok_or_else(|| {
            DomainError::invalid(
                "branding.accent_color",
                format!("{c:?} is not a colour; use #rrggbb such as #0b5fff"),
            )
        })?),
    };
    let logo_url = match b.logo_url.map(|u| u.trim().to_owned()) {
        None => None,
        Some(u) if u.is_empty() => None,
        Some(u) => {
            web_url("branding.logo_url", &u, &["https"])?;
            Some(u)
        }
    };
    Ok(Branding {
        accent_color,
        logo_url,
    })
}

/// `#rrggbb` or `#rgb` as lowercase `#rrggbb`.
fn color(c: &str) -> Option<String> {
    let hex = c.strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match hex.len() {
        6 => Some(format!("#{}", hex.to_ascii_lowercase())),
        3 => Some(
            std::iter::once('#')
                .chain(hex.chars().flat_map(|c| [c, c]))
                .collect::<String>()
                .to_ascii_lowercase(),
        ),
        _ => None,
    }
}

/// The text colour that reads on `accent` (a checked `#rrggbb`): black or white, whichever has
/// the higher WCAG contrast ratio against it.
pub fn on_color(accent: &str) -> &'static str {
    let channel = |i: usize| {
        let v = accent
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
        let s = f64::from(v) / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    // Contrast with black is (l + 0.05) / 0.05, with white 1.05 / (l + 0.05).
    if (l + 0.05) * (l + 0.05) > 0.05 * 1.05 {
        "#000000"
    } else {
        "#ffffff"
    }
}

/// The policy's numbers in range: cadences 1 minute to a week, lead times and reminders up to a
/// year, escalation after at most a week (0: at the scheduler's next run), a percentage for the
/// partial-outage weight.
pub fn policy(p: &Policy) -> Result<(), DomainError> {
    let cadences = [
        (
            "policy.cadence_critical_minutes",
            p.cadence_critical_minutes,
        ),
        ("policy.cadence_major_minutes", p.cadence_major_minutes),
        ("policy.cadence_minor_minutes", p.cadence_minor_minutes),
        ("policy.cadence_none_minutes", p.cadence_none_minutes),
    ];
    for (field, v) in cadences {
        if !(1..=MAX_CADENCE_MINUTES).contains(&v) {
            return Err(DomainError::invalid(
                field,
                format!("minutes from 1 to {MAX_CADENCE_MINUTES} (a week); {v} given"),
            ));
        }
    }
    // 0 escalates at the scheduler's next run.
    if p.ack_escalate_minutes > MAX_CADENCE_MINUTES {
        return Err(DomainError::invalid(
            "policy.ack_escalate_minutes",
            format!(
                "minutes from 0 to {MAX_CADENCE_MINUTES} (a week); {} given",
                p.ack_escalate_minutes
            ),
        ));
    }
    let leads = [
        (
            "policy.service_update_lead_minutes",
            p.service_update_lead_minutes,
        ),
        (
            "policy.policy_change_lead_minutes",
            p.policy_change_lead_minutes,
        ),
        (
            "policy.pricing_change_lead_minutes",
            p.pricing_change_lead_minutes,
        ),
        (
            "policy.other_notice_lead_minutes",
            p.other_notice_lead_minutes,
        ),
        (
            "policy.maintenance_lead_minutes",
            p.maintenance_lead_minutes,
        ),
    ]
    .into_iter()
    .chain(
        p.maintenance_reminders
            .iter()
            .map(|r| ("policy.maintenance_reminders", *r)),
    );
    for (field, v) in leads {
        if v > MAX_LEAD_MINUTES {
            return Err(DomainError::invalid(
                field,
                format!("at most {MAX_LEAD_MINUTES} minutes (a year); {v} given"),
            ));
        }
    }
    if p.partial_outage_weight_percent > 100 {
        return Err(DomainError::invalid(
            "policy.partial_outage_weight_percent",
            "a percentage: 0 to 100 (30 counts 30% of partial-outage time as down)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(r: Result<impl Sized, DomainError>) -> Option<&'static str> {
        r.err().and_then(|e| e.field())
    }

    #[test]
    fn page_identity_table() {
        assert_eq!(url(None).unwrap(), None);
        assert_eq!(url(Some(" ".into())).unwrap(), None);
        assert_eq!(
            url(Some(" https://acme.com ".into())).unwrap().as_deref(),
            Some("https://acme.com")
        );
        for bad in [
            "acme.com",
            "ftp://acme.com",
            "javascript:alert(1)",
            "https://",
        ] {
            assert_eq!(field(url(Some(bad.into()))), Some("url"), "{bad}");
        }
        for (zone, ok) in [
            ("Europe/Paris", true),
            ("America/Argentina/Buenos_Aires", true),
            ("Etc/GMT+5", true),
            ("UTC", true),
            ("Europe/", false),
            ("Paris time", false),
            ("/etc/passwd", false),
            ("5/Europe", false),
        ] {
            assert_eq!(time_zone(Some(zone.into())).is_ok(), ok, "{zone}");
        }
        assert_eq!(time_zone(None).unwrap(), "Etc/UTC");
        assert_eq!(
            locales(vec![" fr ".into(), "pt-BR".into(), "zh-Hant".into()]).unwrap(),
            ["fr", "pt-BR", "zh-Hant"]
        );
        assert_eq!(locales(Vec::new()).unwrap(), ["en"]);
        for bad in [
            vec!["english".to_owned()],
            vec!["en".into(), "EN".into()],
            vec!["en_US".into()],
            vec!["e".into()],
        ] {
            assert_eq!(field(locales(bad.clone())), Some("locales"), "{bad:?}");
        }
    }

    #[test]
    fn branding_is_normalized_or_refused_by_field() {
        let b = |c: &str, l: &str| Branding {
            accent_color: Some(c.into()),
            logo_url: Some(l.into()),
        };
        let ok = branding(Some(b(" #0B5FFF ", "https://acme.com/logo.svg"))).unwrap();
        assert_eq!(ok.accent_color.as_deref(), Some("#0b5fff"));
        assert_eq!(ok.logo_url.as_deref(), Some("https://acme.com/logo.svg"));
        assert_eq!(
            branding(Some(b("#F0a", ""))).unwrap(),
            Branding {
                accent_color: Some("#ff00aa".into()),
                logo_url: None
            }
        );
        assert_eq!(branding(None).unwrap(), Branding::default());
        let cases = [
            (b("blue", ""), "branding.accent_color"),
            (b("#12345", ""), "branding.accent_color"),
            (b("#12345g", ""), "branding.accent_color"),
            (b("red;}body{", ""), "branding.accent_color"),
            (b("", "http://acme.com/logo.png"), "branding.logo_url"),
            (b("", "logo.png"), "branding.logo_url"),
            (b("", "data:image/png;base64,AAAA"), "branding.logo_url"),
        ];
        for (input, want) in cases {
            assert_eq!(
                field(branding(Some(input.clone()))),
                Some(want),
                "{input:?}"
            );
        }
    }

    #[test]
    fn text_on_a_brand_colour_is_the_more_readable_of_black_and_white() {
        for (accent, want) in [
            ("#000000", "#ffffff"),
            ("#ffffff", "#000000"),
            ("#0b5fff", "#ffffff"),
            ("#ffd33d", "#000000"),
            ("#1a7f37", "#ffffff"),
            ("#77bbff", "#000000"),
        ] {
            assert_eq!(on_color(accent), want, "{accent}");
        }
    }

    #[test]
    fn policy_numbers_out_of_range_name_their_field() {
        assert_eq!(policy(&Policy::default()), Ok(()));
        let cases: [(fn(&mut Policy), &str); 5] = [
            (
                |p| p.cadence_major_minutes = 0,
                "policy.cadence_major_minutes",
            ),
            (
                |p| p.ack_escalate_minutes = MAX_CADENCE_MINUTES + 1,
                "policy.ack_escalate_minutes",
            ),
            (
                |p| p.maintenance_lead_minutes = MAX_LEAD_MINUTES + 1,
                "policy.maintenance_lead_minutes",
            ),
            (
                |p| p.maintenance_reminders = vec![60, MAX_LEAD_MINUTES + 1],
                "policy.maintenance_reminders",
            ),
            (
                |p| p.partial_outage_weight_percent = 101,
                "policy.partial_outage_weight_percent",
            ),
        ];
        for (change, want) in cases {
            let mut p = Policy::default();
            change(&mut p);
            assert_eq!(field(policy(&p)), Some(want));
        }
    }
}
