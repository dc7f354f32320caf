//! The wording lint: warnings over a draft before it is published (promised fix times and
//! next-update promises found by their shape in seven locales, impact, jargon, blame, shouting, slang,
//! the notice content rules, per-channel lengths), each pointing at a span and saying what to write.

mod lexicon;
mod shape;
mod text;

use std::collections::HashMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::model::{Channel, IncidentStatus, NoticeKind};
use crate::sms;
use crate::Timestamp;
use lexicon::matches;
use shape::Shape;

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
    /// BCP 47 tag of the language it is written in; `None` reads as English. The promise and
    /// next-update rules read and answer in en, de, fr, es, pt, ja and ar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// For notices, their kind: the content the SOP asks of each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<NoticeKind>,
    /// Where customers get support (`Policy::support_contact`); an unresolved incident should say it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_contact: Option<String>,
    /// Social networks it will be posted to, each with its own length limit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub social: Vec<Social>,
    /// The Mastodon server's limit per status, when it is not 500.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mastodon_limit: Option<usize>,
    /// The page's name, which a post starts with (`social::compose`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_name: Option<String>,
}

/// A social network and how it counts a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Social {
    /// 500 characters; a link counts as 23.
    Mastodon,
    /// 300 graphemes.
    Bluesky,
}

impl Social {
    pub fn limit(self) -> usize {
        match self {
            Self::Mastodon => 500,
            Self::Bluesky => 300,
        }
    }

    /// The limit a draft is held to: a Mastodon server's own when the draft names it.
    fn limit_for(self, draft: &Draft) -> usize {
        match self {
            Self::Mastodon => draft.mastodon_limit.unwrap_or(self.limit()),
            Self::Bluesky => self.limit(),
        }
    }

    /// The channel its posts are recorded on.
    pub fn channel(self) -> Channel {
        match self {
            Self::Mastodon => Channel::Mastodon,
            Self::Bluesky => Channel::Bluesky,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Mastodon => "Mastodon",
            Self::Bluesky => "Bluesky",
        }
    }

    /// How long `text` counts on this network.
    pub fn weight(self, text: &str) -> usize {
        self.units(text).iter().map(|(_, w)| w).sum()
    }

    /// Where `text` passes `limit` (a byte offset) and how long it counts, or `None` if it fits.
    fn overflow(self, text: &str, limit: usize) -> Option<(usize, usize)> {
        let mut count = 0;
        let mut cut = None;
        for (at, weight) in self.units(text) {
            count += weight;
            if count > limit && cut.is_none() {
                cut = Some(at);
            }
        }
        cut.map(|c| (c, count))
    }

    /// (byte offset, weight) of each counted unit of `text`.
    fn units(self, text: &str) -> Vec<(usize, usize)> {
        match self {
            Self::Mastodon => {
                let mut out = Vec::new();
                let mut i = 0;
                while let Some(c) = text[i..].chars().next() {
                    if text[i..].starts_with("http://") || text[i..].starts_with("https://") {
                        // A link counts as 23 characters however long it is.
                        out.push((i, 23));
                        i = text[i..]
                            .find(char::is_whitespace)
                            .map_or(text.len(), |e| i + e);
                    } else {
                        out.push((i, 1));
                        i += c.len_utf8();
                    }
                }
                out
            }
            Self::Bluesky => text.grapheme_indices(true).map(|(i, _)| (i, 1)).collect(),
        }
    }
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
    Slang,
    /// A notice leaves out what the SOP asks of its kind (the change, benefit, action, reason, options).
    NoticeContent,
    MissingSupportContact,
    SocialTooLong,
    /// The title, as an email subject, says nothing about what happened.
    EmptySubject,
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
    "human error",
    "user error",
    "negligence",
    "negligent",
    "careless",
    "carelessly",
    "incompetent",
    "incompetence",
];

/// "fault" blames when someone owns it ("our fault", "the vendor's fault"), not in "a network fault".
const FAULT_OWNERS: &[&str] = &["our", "their", "his", "her", "your", "its", "my"];

/// A person, then what they did by mistake: "an engineer accidentally deleted".
const PEOPLE: &[&str] = &[
    "engineer",
    "employee",
    "developer",
    "admin",
    "administrator",
    "intern",
    "contractor",
    "technician",
    "operator",
    "colleague",
    "someone",
];
const MISHAPS: &[&str] = &[
    "accidentally",
    "mistakenly",
    "forgot",
    "inadvertently",
    "wrongly",
];

const SLANG: &[&str] = &[
    "borked", "hosed", "nuked", "fubar", "snafu", "wonky", "janky", "busted", "kaput", "oops",
    "whoops", "lol", "lmao", "yikes", "tbh", "imo", "ngl", "gonna", "wanna", "kinda", "sorta",
    "my bad", "our bad", "ugh", "derp", "freaking", "crap",
];

/// What tells a reader who is affected or what they notice (patterns over words, `*` a stem).
const IMPACT_CUES: &[&[&str]] = &[
    &["affect*"],
    &["unable"],
    &["cannot"],
    &["can't"],
    &["fail"],
    &["fails"],
    &["failed"],
    &["failing"],
    &["failure*"],
    &["error*"],
    &["slow*"],
    &["delay*"],
    &["unavailable"],
    &["down"],
    &["outage*"],
    &["degrad*"],
    &["disrupt*"],
    &["interrupt*"],
    &["impact*"],
    &["latency"],
    &["lost"],
    &["missing"],
    &["timeout*"],
    &["timed", "out"],
    &["late"],
    &["later", "than", "usual"],
    &["up", "to"],
    &["incomplete"],
    &["dropping"],
    &["stuck"],
    &["incorrect"],
    &["wrong"],
    &["could", "not"],
    &["duplicate*"],
    &["inaccessible"],
    &["unreachable"],
    &["intermittent*"],
    &["old"],
    &["you", "may"],
    &["you", "might"],
    &["may", "see"],
    &["may", "notice"],
    &["experienc*"],
    &["not", "receiv*"],
    &["not", "being"],
    &["not", "load*"],
    &["not", "working"],
    &["not", "deliver*"],
];

/// Titles that, as an email subject, say nothing on their own.
const EMPTY_SUBJECT_WORDS: &[&str] = &[
    "update",
    "updates",
    "incident",
    "issue",
    "issues",
    "problem",
    "problems",
    "notice",
    "alert",
    "important",
    "urgent",
    "info",
    "information",
    "status",
    "fyi",
    "re",
    "fw",
    "fwd",
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "maintenance",
    "outage",
    "service",
    "news",
    "announcement",
    "attention",
    "please",
    "read",
    "action",
    "required",
    "a",
    "an",
    "the",
    "new",
    "our",
    "quick",
    "heads",
    "up",
    "ongoing",
    "current",
    "latest",
    "scheduled",
    "notification",
    "message",
    "for",
    "of",
];

/// The parts the SOP asks of a notice: (what is missing, the words that show it is there).
const CHANGE_CUES: &[&str] = &[
    "will",
    "change",
    "new ",
    "from ",
    "starting",
    "introduc",
    "replac",
    "remov",
    "upgrad",
    "retir",
    "no longer",
    "moving",
    "switch",
    "increase",
    "decrease",
    "update",
];
const BENEFIT_CUES: &[&str] = &[
    "so that",
    "so you",
    "faster",
    "better",
    "improv",
    "easier",
    "benefit",
    "more secure",
    "allow",
    "lets you",
    "let you",
    "enable",
    "you can",
    "you'll be able",
    "you will be able",
    "help",
    "simpler",
    "quicker",
    "reliab",
    "safer",
];
const ACTION_CUES: &[&str] = &[
    "no action",
    "action required",
    "you need to",
    "please",
    "you must",
    "you should",
    "nothing to do",
    "make sure",
    "need to do",
    "don't need",
    "do not need",
    "required to",
    "before ",
];
const REASON_CUES: &[&str] = &[
    "because",
    "due to",
    "reason",
    "to reflect",
    "as a result",
    "in order to",
    "so that",
    "since",
    "to cover",
    "to keep",
    "why",
    "rising",
    "to comply",
    "regulation",
    "costs",
];
const OPTIONS_CUES: &[&str] = &[
    "you can",
    "option",
    "choose",
    "cancel",
    "opt out",
    "opt-out",
    "switch",
    "keep your",
    "downgrade",
    "contact",
    "questions",
    "if you do not agree",
    "if you don't agree",
    "lock in",
    "alternatively",
    "you may",
    "refund",
];
const SUPPORT_CUES: &[&str] = &[
    "support",
    "contact",
    "help desk",
    "helpdesk",
    "reach us",
    "get in touch",
];

/// A field's words by where they occur, so each listed word is looked up, not searched for.
struct Words<'a> {
    tokens: &'a [text::Token],
    at: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Words<'a> {
    fn new(tokens: &'a [text::Token]) -> Self {
        let mut at: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, t) in tokens.iter().enumerate() {
            at.entry(t.text.as_str()).or_default().push(i);
        }
        Words { tokens, at }
    }

    /// Byte ranges where `needle` (one or more words) occurs, ignoring case.
    fn find(&self, needle: &str) -> Vec<Range<usize>> {
        let words: Vec<String> = text::tokens(needle).into_iter().map(|t| t.text).collect();
        let Some(first) = words.first() else {
            return Vec::new();
        };
        let n = words.len();
        self.at
            .get(first.as_str())
            .into_iter()
            .flatten()
            .filter(|&&i| {
                i + n <= self.tokens.len()
                    && words[1..]
                        .iter()
                        .zip(&self.tokens[i + 1..])
                        .all(|(w, t)| *w == t.text)
            })
            .map(|&i| self.tokens[i].span.start..self.tokens[i + n - 1].span.end)
            .collect()
    }
}

fn contains_any(text: &str, cues: &[&str]) -> bool {
    let hay = text.to_lowercase();
    cues.iter().any(|c| hay.contains(c))
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

/// Blame on someone: the listed words, "our fault", "an engineer accidentally ...".
fn blame(words: &Words) -> Vec<Range<usize>> {
    let tokens = words.tokens;
    let mut out: Vec<Range<usize>> = BLAME.iter().flat_map(|b| words.find(b)).collect();
    for (i, t) in tokens.iter().enumerate() {
        let owned = |k: usize| {
            tokens
                .get(k)
                .is_some_and(|o| FAULT_OWNERS.contains(&o.text.as_str()) || o.text.ends_with("'s"))
        };
        if t.text == "fault" && i > 0 && (owned(i - 1) || (i > 1 && owned(i - 2))) {
            out.push(t.span.clone());
        }
        if PEOPLE.contains(&t.text.trim_end_matches('s')) {
            if let Some(m) = tokens[i + 1..(i + 4).min(tokens.len())]
                .iter()
                .find(|m| MISHAPS.contains(&m.text.as_str()))
            {
                out.push(t.span.start..m.span.end);
            }
        }
    }
    out
}

fn phrase_hits(tokens: &[text::Token], phrases: &[&[&str]]) -> bool {
    (0..tokens.len()).any(|i| {
        phrases.iter().any(|p| {
            p.iter()
                .enumerate()
                .all(|(k, w)| tokens.get(i + k).is_some_and(|t| matches(w, &t.text)))
        })
    })
}

/// Whether `text` says who is affected or what they notice (English cues).
pub fn states_impact(text: &str) -> bool {
    let mut tokens = text::tokens(text);
    // "We cannot say yet", "we are unable to confirm": about us, not about customers.
    let ours = |t: &text::Token| matches!(t.text.as_str(), "cannot" | "can't" | "unable");
    let mut keep = vec![true; tokens.len()];
    for i in 1..tokens.len() {
        let subject = &tokens[i - 1].text;
        let we = subject == "we" || (i > 2 && tokens[i - 2].text == "we" && subject == "are");
        if we && ours(&tokens[i]) {
            keep[i] = false;
        }
    }
    let mut i = 0;
    tokens.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    phrase_hits(&tokens, IMPACT_CUES)
}

/// Byte ranges of promised fix times in `text`, written in `locale` (a BCP 47 tag).
pub fn promised_fix_times(text: &str, locale: &str) -> Vec<Range<usize>> {
    shaped(text, locale, Shape::PromisedFix)
}

/// Byte ranges of promises of the next update ("next update in 30 minutes") in `text`.
pub fn next_update_promises(text: &str, locale: &str) -> Vec<Range<usize>> {
    shaped(text, locale, Shape::NextUpdate)
}

fn shaped(text: &str, locale: &str, want: Shape) -> Vec<Range<usize>> {
    shape::find(text, locale)
        .into_iter()
        .filter(|(s, _)| *s == want)
        .map(|(_, r)| r)
        .collect()
}

/// The two localised messages (promised fix time, missing next update) for `locale`.
fn messages(locale: &str) -> (&'static str, &'static str) {
    match lexicon::for_tag(locale) {
        Some(l) => (l.promise_message, l.next_message),
        None if locale.to_ascii_lowercase().starts_with("ja") => {
            (lexicon::JA_PROMISE_MESSAGE, lexicon::JA_NEXT_MESSAGE)
        }
        None => (lexicon::EN.promise_message, lexicon::EN.next_message),
    }
}

impl Draft {
    /// A draft for `page`, carrying the page's own jargon list, language and support contact.
    pub fn for_page(page: &crate::model::Page, title: &str, body: &str) -> Draft {
        Draft {
            title: title.to_owned(),
            body: body.to_owned(),
            jargon: page.policy.jargon.clone(),
            locale: Some(page.default_locale().to_owned()),
            support_contact: page.policy.support_contact.clone(),
            social: page.social.networks(),
            mastodon_limit: page.social.mastodon.as_ref().map(|m| m.max_chars as usize),
            page_name: Some(page.name.clone()),
            ..Draft::default()
        }
    }

    fn goes_to(&self, channel: Channel) -> bool {
        self.channels.is_empty() || self.channels.contains(&channel)
    }
}

/// Room for the status word a post names (the longest, in any locale the widget speaks).
const STATUS_ROOM: &str = "xxxxxxxxxxxxxxxxxx";
/// Room for the link a post ends with: an incident's page on a status host.
const LINK_ROOM: &str = "https://status.example.com/page/incidents/inc_xxxxxxxxxxxx";

/// Lints `draft`. Warnings come in field order, then by position.
pub fn lint(draft: &Draft) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut promises_next = false;
    let locale = draft.locale.as_deref().unwrap_or("en");
    let (promise_message, next_message) = messages(locale);
    let fields = [
        (DraftField::Title, draft.title.as_str()),
        (DraftField::Body, draft.body.as_str()),
    ];
    let extra: Vec<String> = draft
        .jargon
        .iter()
        .map(|j| j.to_ascii_lowercase())
        .filter(|j| !j.trim().is_empty())
        .collect();
    for (field, text) in fields {
        let tokens = text::tokens(text);
        let words = Words::new(&tokens);
        let shapes = shape::find(text, locale);
        let mut push = |code, span: Range<usize>, message: String| {
            out.push(Warning {
                code,
                field,
                span,
                message,
            })
        };
        for (shape, span) in shapes {
            match shape {
                Shape::PromisedFix => push(LintCode::PromisedFixTime, span, promise_message.into()),
                Shape::NextUpdate if field == DraftField::Body => promises_next = true,
                Shape::NextUpdate => {}
            }
        }
        for j in DEFAULT_JARGON
            .iter()
            .copied()
            .chain(extra.iter().map(String::as_str))
        {
            for span in words.find(j) {
                push(
                    LintCode::Jargon,
                    span,
                    format!("{j:?} is internal jargon; say what customers experience"),
                );
            }
        }
        for span in blame(&words) {
            push(
                LintCode::Blame,
                span,
                "this assigns blame; own the problem and say what you are doing about it".into(),
            );
        }
        for s in SLANG {
            for span in words.find(s) {
                push(
                    LintCode::Slang,
                    span,
                    format!("{s:?} is slang; say it plainly (\"we made a mistake\", \"is not working\")"),
                );
            }
        }
        let min_words = if field == DraftField::Title { 2 } else { 3 };
        for span in shouting(text, min_words) {
            push(
                LintCode::AllCaps,
                span,
                "all capitals reads as shouting; write it in sentence case".into(),
            );
        }
    }
    let body_end = draft.body.len();
    let whole = format!("{}\n{}", draft.title, draft.body);
    let mut at_end = |code, message: String| {
        out.push(Warning {
            code,
            field: DraftField::Body,
            span: body_end..body_end,
            message,
        })
    };
    let unresolved = draft.status.is_some_and(|s| s != IncidentStatus::Resolved);
    if unresolved && !states_impact(&whole) {
        at_end(
            LintCode::MissingImpact,
            "say who is affected and what they will notice (\"Some customers cannot pay by card\")"
                .into(),
        );
    }
    if unresolved && draft.next_update_at.is_none() && !promises_next {
        at_end(LintCode::MissingNextUpdate, next_message.into());
    }
    if let (true, Some(contact)) = (unresolved, &draft.support_contact) {
        if !contact.trim().is_empty()
            && !whole.to_lowercase().contains(&contact.to_lowercase())
            && !contains_any(&whole, SUPPORT_CUES)
        {
            at_end(
                LintCode::MissingSupportContact,
                format!("say where to get help: {contact}"),
            );
        }
    }
    let needs: &[(&[&str], &str)] = match draft.notice {
        Some(NoticeKind::ServiceUpdate) => &[
            (CHANGE_CUES, "say what changes and when"),
            (
                BENEFIT_CUES,
                "say how customers benefit (\"so pages load faster\")",
            ),
            (
                ACTION_CUES,
                "say what customers need to do, or that they need to do nothing",
            ),
        ],
        Some(NoticeKind::PolicyChange | NoticeKind::PricingChange) => &[
            (CHANGE_CUES, "say what changes and when"),
            (REASON_CUES, "say why it changes (\"because ...\")"),
            (
                OPTIONS_CUES,
                "say what customers can do about it (their options, who to contact)",
            ),
        ],
        Some(NoticeKind::Other) | None => &[],
    };
    for (cues, message) in needs {
        if !contains_any(&whole, cues) {
            at_end(LintCode::NoticeContent, (*message).into());
        }
    }
    if draft.goes_to(Channel::Email) {
        let title = draft.title.trim();
        let empty = text::tokens(title)
            .iter()
            .filter(|t| t.kind != text::Kind::Punct)
            .all(|t| EMPTY_SUBJECT_WORDS.contains(&t.text.as_str()));
        if empty {
            out.push(Warning {
                code: LintCode::EmptySubject,
                field: DraftField::Title,
                span: 0..draft.title.len(),
                message: "as an email subject this says nothing; name what is affected (\"Card payments failing\")".into(),
            });
        }
    }
    if draft.goes_to(Channel::Sms) {
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
    for network in draft.social.iter().filter(|n| draft.goes_to(n.channel())) {
        // Measured as `social::compose` frames it: the page, the title and the status, the
        // body, then the link (room for the longest status word and a typical incident link).
        let page = draft.page_name.as_deref().unwrap_or("");
        let head = format!("{page}: {} ({STATUS_ROOM})\n\n", draft.title);
        let post = format!("{head}{}\n\n{LINK_ROOM}", draft.body);
        let limit = network.limit_for(draft);
        if let Some((cut, count)) = network.overflow(&post, limit) {
            let cut = cut.saturating_sub(head.len()).min(body_end);
            // Back to a character boundary of the body.
            let cut = (0..=cut)
                .rev()
                .find(|i| draft.body.is_char_boundary(*i))
                .unwrap_or(0);
            out.push(Warning {
                code: LintCode::SocialTooLong,
                field: DraftField::Body,
                span: cut..body_end,
                message: format!(
                    "on {} the post counts {count} of its {limit}, with the page's name, the status and the link; it will be cut from here",
                    network.name(),
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
            ..Draft::default()
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
                vec![(PromisedFixTime, "will be fixed by 5pm")],
            ),
            (
                draft(
                    "Sign-in failures",
                    "Users cannot log in; ETA unknown. Metadata is fine.",
                ),
                vec![],
            ),
            (
                draft(
                    "Sign-in failures",
                    "Users cannot log in. It will be fixed in 10 minutes.",
                ),
                vec![(PromisedFixTime, "will be fixed in 10 minutes")],
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
                draft(
                    "Uploads failing",
                    "Oops, uploads are borked; we're gonna fix it.",
                ),
                vec![(Slang, "Oops"), (Slang, "borked"), (Slang, "gonna")],
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
                draft("Sign-in", "We are looking into it."),
                vec![(MissingImpact, "")],
            ),
            (
                draft("Investigating", "Some customers cannot pay."),
                vec![(EmptySubject, "Investigating")],
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
                    ..draft("Card payments", "All good now.")
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

    fn codes(d: &Draft) -> Vec<LintCode> {
        lint(d).iter().map(|w| w.code).collect()
    }

    #[test]
    fn the_promise_rules_answer_in_the_pages_language() {
        let d = Draft {
            locale: Some("de-CH".into()),
            next_update_at: None,
            ..draft(
                "Störung beim Login",
                "Kunden können sich nicht anmelden. Der Fehler wird bis 14:00 Uhr behoben sein.",
            )
        };
        let w = lint(&d);
        let promise = w
            .iter()
            .find(|w| w.code == PromisedFixTime)
            .expect("a promise");
        assert_eq!(&d.body[promise.span.clone()], "wird bis 14:00 Uhr behoben");
        assert!(
            promise.message.contains("Nächstes Update"),
            "{}",
            promise.message
        );
        let next = w
            .iter()
            .find(|w| w.code == MissingNextUpdate)
            .expect("no next update");
        assert!(next.message.contains("nächste Update"), "{}", next.message);
        // A next-update promise in the body is enough.
        let d = Draft {
            body: "Kunden können sich nicht anmelden. Nächstes Update in 30 Minuten.".into(),
            ..d
        };
        assert!(!codes(&d).contains(&MissingNextUpdate), "{:?}", lint(&d));
    }

    #[test]
    fn notices_state_what_the_sop_asks_of_their_kind() {
        let notice = |kind, body: &str| Draft {
            status: None,
            notice: Some(kind),
            ..draft("New invoice layout", body)
        };
        assert_eq!(
            codes(&notice(
                NoticeKind::ServiceUpdate,
                "Invoices will have a new layout from 1 May."
            )),
            [NoticeContent, NoticeContent],
            "benefit and action are missing"
        );
        assert!(codes(&notice(
            NoticeKind::ServiceUpdate,
            "Invoices will have a new layout from 1 May, so totals are easier to read. No action is needed."
        ))
        .is_empty());
        let pricing = notice(
            NoticeKind::PricingChange,
            "The Team plan will cost 12 EUR from 1 July because hosting costs rose. You can switch to yearly billing to keep today's price.",
        );
        assert!(codes(&pricing).is_empty(), "{:?}", lint(&pricing));
        let w = lint(&notice(
            NoticeKind::PolicyChange,
            "Our terms will change on 1 July.",
        ));
        let messages: Vec<&str> = w.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].contains("why") && messages[1].contains("options"),
            "{messages:?}"
        );
    }

    #[test]
    fn an_unresolved_incident_names_the_pages_support_contact() {
        let d = Draft {
            support_contact: Some("help@acme.example".into()),
            ..draft(
                "Card payments failing",
                "Some customers cannot pay by card.",
            )
        };
        assert_eq!(codes(&d), [MissingSupportContact]);
        assert!(lint(&d)[0].message.contains("help@acme.example"));
        let named = Draft {
            body: "Some customers cannot pay by card. Questions: help@acme.example".into(),
            ..d.clone()
        };
        assert!(codes(&named).is_empty());
        let resolved = Draft {
            status: Some(IncidentStatus::Resolved),
            ..d
        };
        assert!(codes(&resolved).is_empty());
    }

    #[test]
    fn social_posts_are_measured_as_each_network_counts() {
        // Measured with the frame `social::compose` adds: "Acme: {title} ({status})\n\n",
        // then "\n\n{link}" (23 on Mastodon, the link's length on Bluesky).
        let accents = format!("Some customers cannot pay. {}", "é\u{301}".repeat(300));
        let long_link = format!(
            "Some customers cannot pay. Details: https://status.example/{}",
            "x".repeat(600)
        );
        let words = "Some customers cannot pay. ".repeat(17);
        // (networks, Mastodon's limit, channels, body, networks warned about)
        type Case<'a> = (
            Vec<Social>,
            Option<usize>,
            Vec<Channel>,
            &'a str,
            Vec<&'a str>,
        );
        let cases: Vec<Case> = vec![
            // Bluesky counts "é" + a combining accent as one grapheme (~300 > 300); Mastodon
            // counts characters (~500 > 500).
            (
                vec![Social::Bluesky, Social::Mastodon],
                None,
                vec![],
                &accents,
                vec!["Bluesky", "Mastodon"],
            ),
            // A long link counts 23 on Mastodon, every grapheme on Bluesky.
            (vec![Social::Mastodon], None, vec![], &long_link, vec![]),
            (
                vec![Social::Bluesky],
                None,
                vec![],
                &long_link,
                vec!["Bluesky"],
            ),
            // 459 characters: fits Mastodon's 500 with the frame only on a larger server.
            (
                vec![Social::Mastodon],
                None,
                vec![],
                &words,
                vec!["Mastodon"],
            ),
            (vec![Social::Mastodon], Some(1000), vec![], &words, vec![]),
            // Not posted when the update goes to other channels only.
            (
                vec![Social::Bluesky],
                None,
                vec![Channel::Email],
                &accents,
                vec![],
            ),
            (vec![], None, vec![], &accents, vec![]),
        ];
        for (social, mastodon_limit, channels, body, want) in cases {
            let d = Draft {
                social: social.clone(),
                mastodon_limit,
                channels,
                page_name: Some("Acme".into()),
                ..draft("Payments", body)
            };
            let w: Vec<Warning> = lint(&d)
                .into_iter()
                .filter(|w| w.code == SocialTooLong)
                .collect();
            let named: Vec<&str> = want
                .iter()
                .copied()
                .filter(|n| w.iter().any(|w| w.message.starts_with(&format!("on {n} "))))
                .collect();
            assert_eq!(
                (w.len(), named),
                (want.len(), want.clone()),
                "{social:?}: {w:?}"
            );
            for w in &w {
                assert!(d.body.is_char_boundary(w.span.start) && w.span.end == d.body.len());
                let limit = if w.message.contains("Bluesky") {
                    300
                } else {
                    mastodon_limit.unwrap_or(500)
                };
                assert!(
                    w.message.contains(&format!("of its {limit}")),
                    "{}",
                    w.message
                );
            }
        }
    }

    #[test]
    fn an_email_subject_must_say_something() {
        for (title, empty) in [
            ("Update", true),
            ("Incident: investigating", true),
            ("", true),
            ("Card payments failing", false),
        ] {
            let d = draft(title, "Some customers cannot pay.");
            assert_eq!(codes(&d).contains(&EmptySubject), empty, "{title:?}");
        }
        let sms_only = Draft {
            channels: vec![Channel::Sms],
            ..draft("Update", "Some customers cannot pay.")
        };
        assert!(!codes(&sms_only).contains(&EmptySubject));
    }
}
