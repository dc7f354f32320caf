//! The wording lint: warnings over a draft before it is published (promised fix times, jargon, blame,
//! shouting, a missing impact statement or next-update promise, SMS length), each pointing at a span.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::model::{Channel, IncidentStatus};
use crate::sms;
use crate::Timestamp;

/// What is about to be published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub title: String,
    pub body: String,
    /// For incident updates; `None` for maintenance and notices.
    #[serde(default)]
    pub status: Option<IncidentStatus>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_update_at: Option<Timestamp>,
    /// Channels it will go out on; empty means every channel.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// The page's own internal words (`Policy::jargon`).
    #[serde(default)]
    pub jargon: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LintCode {
    PromisedFixTime,
    Jargon,
    MissingImpact,
    MissingNextUpdate,
    Blame,
    AllCaps,
    SmsTooLong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftField {
    Title,
    Body,
}

/// One finding: which rule, where (byte range in `field`), and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub code: LintCode,
    pub field: DraftField,
    pub span: Range<usize>,
    pub message: String,
}

const PROMISES: &[&str] = &[
    "will be fixed by",
    "will be resolved by",
    "will be back by",
    "will be restored by",
    // "... in 10 minutes" promises a fix time as surely as "by 5pm".
    "will be fixed in",
    "will be resolved in",
    "will be back in",
    "will be restored in",
    "fixed within",
    "resolved within",
    "guarantee",
    "guaranteed",
    "we promise",
    "definitely",
    "in a few minutes",
    "eta",
];

/// Words customers should not need to know. Pages add their own (`Policy::jargon`).
pub const DEFAULT_JARGON: &[&str] = &[
    "k8s",
    "kubernetes",
    "pod",
    "pods",
    "sev0",
    "sev1",
    "sev2",
    "p0",
    "p1",
    "rca",
    "oom",
    "oomkilled",
    "shard",
    "replica",
    "failover",
    "cron",
    "5xx",
    "stack trace",
    "null pointer",
    "segfault",
    "hotfix",
    "rollback",
    "runbook",
    "on-call",
];

const BLAME: &[&str] = &[
    "blame",
    "blamed",
    "fault",
    "human error",
    "user error",
    "negligence",
    "careless",
    "incompetent",
];

const IMPACT_CUES: &[&str] = &[
    "affect",
    "unable",
    "cannot",
    "can't",
    "fail",
    "error",
    "slow",
    "delay",
    "unavailable",
    "down",
    "outage",
    "degraded",
    "you may",
    "customers",
    "users",
    "not working",
    "timeout",
    "timed out",
    "interrupt",
    "disrupt",
    "impact",
    "latency",
    "lost",
    "missing",
];

/// Byte ranges where `needle` (lowercase ASCII) occurs in `text` as whole words, ignoring ASCII case.
fn find_words(text: &str, needle: &str) -> Vec<Range<usize>> {
    let hay = text.to_ascii_lowercase();
    let bytes = hay.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let start = from + i;
        let end = start + needle.len();
        let before_ok = start == 0 || !is_word(bytes[start - 1]);
        let after_ok = end == bytes.len() || !is_word(bytes[end]);
        if before_ok && after_ok {
            out.push(start..end);
        }
        from = start + 1;
        while !hay.is_char_boundary(from) {
            from += 1;
        }
    }
    out
}

fn contains_stem(text: &str, stems: &[&str]) -> bool {
    let hay = text.to_ascii_lowercase();
    stems.iter().any(|s| hay.contains(s))
}

/// Runs of at least `min_words` consecutive shouted words (two or more letters, all capitals).
fn shouting(text: &str, min_words: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut run: Option<(usize, usize, usize)> = None; // (start, end, words)
    let mut flush = |run: &mut Option<(usize, usize, usize)>| {
        if let Some((s, e, n)) = run.take() {
            if n >= min_words {
                out.push(s..e);
            }
        }
    };
    let mut pos = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let trimmed = word.trim_end();
        let letters: Vec<char> = trimmed.chars().filter(|c| c.is_alphabetic()).collect();
        let start = pos;
        pos += word.len();
        if trimmed.is_empty() {
            continue;
        }
        let loud = letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase());
        if loud {
            let end = start + trimmed.len();
            run = Some(match run {
                Some((s, _, n)) => (s, end, n + 1),
                None => (start, end, 1),
            });
        } else {
            flush(&mut run);
        }
    }
    flush(&mut run);
    out
}

impl Draft {
    /// A draft for `page`, carrying the page's own jargon list.
    pub fn for_page(page: &crate::model::Page, title: &str, body: &str) -> Draft {
        Draft {
            title: title.to_owned(),
            body: body.to_owned(),
            jargon: page.policy.jargon.clone(),
            ..Draft::default()
        }
    }
}

/// Lints `draft`. Warnings come in field order, then by position.
pub fn lint(draft: &Draft) -> Vec<Warning> {
    let mut out = Vec::new();
    let fields = [
        (DraftField::Title, draft.title.as_str()),
        (DraftField::Body, draft.body.as_str()),
    ];
    for (field, text) in fields {
        let mut push = |code, span: Range<usize>, message: String| {
            out.push(Warning {
                code,
                field,
                span,
                message,
            })
        };
        for p in PROMISES {
            for span in find_words(text, p) {
                push(
                    LintCode::PromisedFixTime,
                    span,
                    format!(
                        "{:?} promises an outcome; promise the next update instead",
                        p
                    ),
                );
            }
        }
        let extra: Vec<String> = draft
            .jargon
            .iter()
            .map(|j| j.to_ascii_lowercase())
            .collect();
        for j in DEFAULT_JARGON
            .iter()
            .copied()
            .chain(extra.iter().map(String::as_str))
        {
            for span in find_words(text, j) {
                push(
                    LintCode::Jargon,
                    span,
                    format!("{j:?} is internal jargon; say what customers experience"),
                );
            }
        }
        for b in BLAME {
            for span in find_words(text, b) {
                push(
                    LintCode::Blame,
                    span,
                    format!("{b:?} assigns blame; own the problem and say what you are doing"),
                );
            }
        }
        let min_words = if field == DraftField::Title { 2 } else { 3 };
        for span in shouting(text, min_words) {
            push(
                LintCode::AllCaps,
                span,
                "all capitals reads as shouting".into(),
            );
        }
    }
    let body_end = draft.body.len();
    let unresolved = draft.status.is_some_and(|s| s != IncidentStatus::Resolved);
    if unresolved && !contains_stem(&draft.body, IMPACT_CUES) {
        out.push(Warning {
            code: LintCode::MissingImpact,
            field: DraftField::Body,
            span: 0..body_end,
            message: "say who is affected and what they will notice".into(),
        });
    }
    if unresolved && draft.next_update_at.is_none() && !contains_stem(&draft.body, &["next update"])
    {
        out.push(Warning {
            code: LintCode::MissingNextUpdate,
            field: DraftField::Body,
            span: body_end..body_end,
            message: "promise when the next update will come".into(),
        });
    }
    if draft.channels.is_empty() || draft.channels.contains(&Channel::Sms) {
        let head = format!("{}: ", draft.title);
        let text = format!("{head}{}", draft.body);
        let count = sms::count(&text);
        if count.segments > 1 {
            let cut = sms::first_segment_end(&text).saturating_sub(head.len());
            out.push(Warning {
                code: LintCode::SmsTooLong,
                field: DraftField::Body,
                span: cut.min(body_end)..body_end,
                message: format!(
                    "as an SMS this takes {} segments ({:?}); it will be shortened from here",
                    count.segments, count.encoding
                ),
            });
        }
    }
    out.sort_by_key(|w| (w.field == DraftField::Body, w.span.start, w.span.end));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::NOW;
    use LintCode::*;

    fn draft(title: &str, body: &str) -> Draft {
        Draft {
            title: title.into(),
            body: body.into(),
            status: Some(IncidentStatus::Identified),
            next_update_at: Some(NOW),
            channels: vec![Channel::Email],
            jargon: vec!["blue-green".into()],
        }
    }

    /// Each case: the draft, then every warning as (code, the text its span covers).
    #[test]
    fn lint_table() {
        let clean = "Some customers cannot sign in. We are rolling the change back.";
        let cases: Vec<(Draft, Vec<(LintCode, &str)>)> = vec![
            (draft("Sign-in failures", clean), vec![]),
            (
                draft(
                    "Sign-in failures",
                    "Users cannot log in. This will be fixed by 5pm, guaranteed.",
                ),
                vec![
                    (PromisedFixTime, "will be fixed by"),
                    (PromisedFixTime, "guaranteed"),
                ],
            ),
            (
                draft(
                    "Sign-in failures",
                    "Users cannot log in; ETA unknown. Metadata is fine.",
                ),
                vec![(PromisedFixTime, "ETA")],
            ),
            (
                draft(
                    "Sign-in failures",
                    "Users cannot log in. It will be fixed in 10 minutes.",
                ),
                vec![(PromisedFixTime, "will be fixed in")],
            ),
            (
                draft(
                    "Pods crashing",
                    "Users see errors: OOMKilled pods on k8s. Blue-green switch.",
                ),
                vec![
                    (Jargon, "Pods"),
                    (Jargon, "OOMKilled"),
                    (Jargon, "pods"),
                    (Jargon, "k8s"),
                    (Jargon, "Blue-green"),
                ],
            ),
            (
                draft(
                    "Errors",
                    "Users see errors because of human error at our vendor; not our fault.",
                ),
                vec![(Blame, "human error"), (Blame, "fault")],
            ),
            (
                draft("API DOWN", "Users see errors. WE ARE WORKING ON IT now."),
                vec![(AllCaps, "API DOWN"), (AllCaps, "WE ARE WORKING ON IT")],
            ),
            (
                draft("API errors", "The API and SSO are fine for EU users."),
                vec![],
            ),
            (
                draft("Investigating", "We are looking into it."),
                vec![(MissingImpact, "We are looking into it.")],
            ),
            (
                Draft {
                    next_update_at: None,
                    ..draft("Errors", "Users see errors.")
                },
                vec![(MissingNextUpdate, "")],
            ),
            (
                Draft {
                    next_update_at: None,
                    ..draft("Errors", "Users see errors. Next update in 30 minutes.")
                },
                vec![],
            ),
            (
                Draft {
                    status: Some(IncidentStatus::Resolved),
                    next_update_at: None,
                    ..draft("Resolved", "All good now.")
                },
                vec![],
            ),
        ];
        for (d, want) in cases {
            let got: Vec<(LintCode, &str)> = lint(&d)
                .iter()
                .map(|w| {
                    let text = match w.field {
                        DraftField::Title => &d.title,
                        DraftField::Body => &d.body,
                    };
                    (w.code, &text[w.span.clone()])
                })
                .collect();
            assert_eq!(got, want, "{d:?}");
        }
    }

    #[test]
    fn a_pages_own_jargon_is_flagged() {
        let mut page = crate::model::Page::new("p", "P");
        page.policy.jargon = vec!["Zeus".into(), "the mesh".into()];
        let mut d = Draft::for_page(&page, "Zeus outage", "Users see errors in the mesh.");
        d.channels = vec![Channel::Email];
        let got: Vec<&str> = lint(&d)
            .iter()
            .filter(|w| w.code == Jargon)
            .map(|w| match w.field {
                DraftField::Title => &d.title[w.span.clone()],
                DraftField::Body => &d.body[w.span.clone()],
            })
            .collect();
        assert_eq!(got, ["Zeus", "the mesh"]);
    }

    #[test]
    fn sms_length_points_where_the_first_segment_ends() {
        let body = "Customers cannot pay. ".repeat(10);
        let d = Draft {
            channels: vec![Channel::Sms],
            ..draft("Payments", &body)
        };
        let w = lint(&d);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].code, SmsTooLong);
        assert_eq!(w[0].span, (160 - "Payments: ".len())..body.len());
        assert!(w[0].message.contains("2 segments"), "{}", w[0].message);
        // An email-only draft is not measured as an SMS.
        assert!(lint(&Draft {
            channels: vec![Channel::Email],
            ..d
        })
        .is_empty());
    }

    #[test]
    fn spans_stay_on_char_boundaries_with_non_ascii_text() {
        let d = draft(
            "Störung",
            "Zürich: Kunden sehen Fehler (errors). ETA für die Lösung.",
        );
        for w in lint(&d) {
            assert!(d.body.is_char_boundary(w.span.start) && d.body.is_char_boundary(w.span.end));
        }
    }
}
