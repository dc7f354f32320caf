//! Promised fix times and next-update promises found by their shape, not a phrase list: a time or
//! duration ("in 10 minutes", "by 14:00 UTC", "within the hour", "ETA 30 minutes") belongs to the
//! nearest predicate in its clause; with a fix predicate (fixed, restored, back, over, working
//! again) in a future or hedged frame it is a promised fix time, with an update predicate (update,
//! more information, check back) a next-update promise, with anything else (began, was, delayed
//! by) neither.

use std::ops::Range;

use super::lexicon::{self, Lexicon, Phrase};
use super::text::{self, Kind, Token};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    PromisedFix,
    NextUpdate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Fix,
    Update,
    Other,
}

#[derive(Debug, Clone)]
struct Anchor {
    at: Range<usize>,
    role: Role,
}

/// Both shapes in `text`, as byte ranges, for a page in `locale` (English is always read too:
/// drafts mix languages).
pub fn find(text: &str, locale: &str) -> Vec<(Shape, Range<usize>)> {
    let tokens = text::tokens(text);
    let mut out = find_spaced(&tokens, &lexicon::EN);
    match lexicon::for_tag(locale) {
        Some(lex) if lex.tag != "en" => out.extend(find_spaced(&tokens, lex)),
        Some(_) => {}
        None if primary(locale) == "ja" => out.extend(find_japanese(text)),
        None => {}
    }
    out.sort_by_key(|(s, r)| (r.start, r.end, *s == Shape::NextUpdate));
    // One finding per place: the same words found by two lexicons, or twice, count once.
    let mut kept: Vec<(Shape, Range<usize>)> = Vec::new();
    for (shape, r) in out {
        if kept
            .iter()
            .any(|(s, k)| *s == shape && k.start < r.end && r.start < k.end)
        {
            continue;
        }
        kept.push((shape, r));
    }
    kept
}

fn primary(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn phrase_at(tokens: &[Token], i: usize, phrase: Phrase, lex: &Lexicon) -> bool {
    phrase.iter().enumerate().all(|(k, p)| {
        tokens
            .get(i + k)
            .is_some_and(|t| t.kind == Kind::Word && lex.hit(&[p], &t.text))
    })
}

fn anchors(tokens: &[Token], lex: &Lexicon) -> Vec<Anchor> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let mut best: Option<(usize, Role)> = None;
        for (role, list) in [
            (Role::Fix, lex.fix),
            (Role::Update, lex.update),
            (Role::Other, lex.other),
        ] {
            for phrase in list {
                if phrase.len() > best.map_or(0, |b| b.0) && phrase_at(tokens, i, phrase, lex) {
                    best = Some((phrase.len(), role));
                }
            }
        }
        match best {
            Some((len, role)) => {
                out.push(Anchor {
                    at: i..i + len,
                    role,
                });
                i += len;
            }
            None => i += 1,
        }
    }
    out
}

/// Splits a number token into its digits and what is joined to them ("10min" -> "10", "min").
fn split_number(t: &str) -> (&str, &str) {
    let cut = t
        .char_indices()
        .find(|(_, c)| c.is_alphabetic())
        .map_or(t.len(), |(i, _)| i);
    t.split_at(cut)
}

fn is_clock(t: &str) -> bool {
    let (digits, suffix) = split_number(t);
    let hour_h = suffix
        .strip_prefix('h')
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()));
    digits.contains([':', '.']) || matches!(suffix, "am" | "pm" | "uhr") || hour_h
}

fn is_duration_number(t: &str, lex: &Lexicon) -> bool {
    let (_, suffix) = split_number(t);
    !suffix.is_empty() && lex.hit(lex.units, suffix)
}

/// A time or duration starting at `j` (after any fillers): the token range it covers.
fn time_at(tokens: &[Token], mut j: usize, lex: &Lexicon) -> Option<Range<usize>> {
    let start = j;
    let word = |k: usize| tokens.get(k).map(|t| t.text.as_str());
    let is_unit = |k: usize| {
        tokens
            .get(k)
            .is_some_and(|t| t.kind == Kind::Word && lex.hit(lex.units, &t.text))
    };
    while j < tokens.len() && j - start < 5 && lex.hit(lex.fillers, &tokens[j].text) && !is_unit(j)
    {
        j += 1;
    }
    let t = tokens.get(j)?;
    let mut end = match t.kind {
        Kind::Number if is_clock(&t.text) || is_duration_number(&t.text, lex) => j + 1,
        Kind::Number if is_unit(j + 1) => j + 2,
        Kind::Number if word(j + 1).is_some_and(|w| lex.hit(lex.after_time, w) && w != "of") => {
            j + 2
        }
        // "20-30 minutes", "20 to 30 minutes"
        Kind::Number
            if word(j + 1)
                .is_some_and(|w| matches!(w, "-" | "to" | "or" | "bis" | "à" | "a" | "–"))
                && tokens.get(j + 2).is_some_and(|t| t.kind == Kind::Number)
                && is_unit(j + 3) =>
        {
            j + 4
        }
        Kind::Word if lex.hit(lex.numbers, &t.text) && is_unit(j + 1) => j + 2,
        Kind::Word if is_unit(j) => j + 1,
        Kind::Word if lex.hit(lex.time_words, &t.text) => {
            if matches!(t.text.as_str(), "end" | "close" | "ce")
                && !matches!(word(j + 1), Some("of" | "soir"))
            {
                return None;
            }
            j + 1
        }
        _ => return None,
    };
    while tokens
        .get(end)
        .is_some_and(|t| t.kind == Kind::Word && lex.hit(lex.after_time, &t.text))
    {
        end += 1;
    }
    Some(j..end)
}

fn byte_span(tokens: &[Token], r: Range<usize>) -> Range<usize> {
    tokens[r.start].span.start..tokens[r.end - 1].span.end
}

fn find_spaced(all: &[Token], lex: &Lexicon) -> Vec<(Shape, Range<usize>)> {
    let mut out = Vec::new();
    for clause in text::clauses(all, lex.buts) {
        let tokens = &all[clause];
        let anchors = anchors(tokens, lex);
        let anchor_at = |k: usize| anchors.iter().find(|a| a.at.contains(&k));
        // A time after a preposition belongs to the nearest predicate.
        for p in 0..tokens.len() {
            if tokens[p].kind != Kind::Word || !lex.hit(lex.preps, &tokens[p].text) {
                continue;
            }
            if anchor_at(p).is_some() {
                continue;
            }
            let Some(time) = time_at(tokens, p + 1, lex) else {
                continue;
            };
            let time = p..time.end;
            let nearest = anchors
                .iter()
                .filter(|a| a.at.end <= time.start || a.at.start >= time.end)
                .map(|a| {
                    let d = if a.at.end <= time.start {
                        (time.start - a.at.end, 0)
                    } else {
                        (a.at.start - time.end, 1)
                    };
                    (d, a)
                })
                .filter(|(d, _)| d.0 <= 10)
                .min_by_key(|(d, _)| *d)
                .map(|(_, a)| a);
            let Some(a) = nearest else { continue };
            match a.role {
                Role::Fix if framed(tokens, lex, a, &time) => {
                    let from = frame_before(tokens, lex, a.at.start.min(time.start));
                    let r = from..a.at.end.max(time.end);
                    out.push((Shape::PromisedFix, byte_span(tokens, r)));
                }
                Role::Update => {
                    let r = a.at.start.min(time.start)..a.at.end.max(time.end);
                    out.push((Shape::NextUpdate, byte_span(tokens, r)));
                }
                _ => {}
            }
        }
        // An estimate followed by a time: "ETA: 30 minutes", "Estimated fix time: 17:00".
        for i in 0..tokens.len() {
            if !lex.hit(lex.eta, &tokens[i].text) || negated(tokens, lex, i) {
                continue;
            }
            let found = (i + 1..(i + 9).min(tokens.len()))
                .find_map(|j| time_at(tokens, j, lex).filter(|t| t.start == j || j == i + 1));
            if let Some(time) = found {
                let about_update = anchors
                    .iter()
                    .any(|a| a.role == Role::Update && a.at.start > i && a.at.end <= time.start);
                let shape = if about_update {
                    Shape::NextUpdate
                } else {
                    Shape::PromisedFix
                };
                out.push((shape, byte_span(tokens, i..time.end)));
            }
        }
        // "Next update: 14:30 UTC", "Nächstes Update 15 Uhr".
        for a in anchors.iter().filter(|a| a.role == Role::Update) {
            for j in a.at.end..(a.at.end + 4).min(tokens.len()) {
                if j > a.at.end && anchor_at(j - 1).is_some_and(|b| b.at != a.at) {
                    break;
                }
                if let Some(time) = time_at(tokens, j, lex).filter(|t| t.start == j) {
                    out.push((Shape::NextUpdate, byte_span(tokens, a.at.start..time.end)));
                    break;
                }
            }
        }
    }
    out
}

/// Whether the clause up to the predicate and its time speaks of the future or hedges.
fn framed(tokens: &[Token], lex: &Lexicon, a: &Anchor, time: &Range<usize>) -> bool {
    let end = a.at.end.max(time.end);
    tokens[..end].iter().enumerate().any(|(k, t)| {
        lex.is_frame(&t.text)
            || (lex.hit(lex.to, &t.text)
                && tokens
                    .get(k + 1)
                    .is_some_and(|n| lex.hit(lex.to_verbs, &n.text)))
    }) && !tokens[..end]
        .iter()
        .enumerate()
        .any(|(k, _)| lex.hit(lex.eta, &tokens[k].text) && negated(tokens, lex, k))
}

/// The start of a promise's span: its frame word when one is close before it ("will be fixed").
fn frame_before(tokens: &[Token], lex: &Lexicon, start: usize) -> usize {
    (start.saturating_sub(3)..start)
        .find(|&k| lex.is_frame(&tokens[k].text))
        .unwrap_or(start)
}

fn negated(tokens: &[Token], lex: &Lexicon, i: usize) -> bool {
    let before = tokens[i.saturating_sub(3)..i].iter();
    let after = tokens[i + 1..(i + 3).min(tokens.len())].iter();
    before
        .chain(after)
        .any(|t| lex.hit(lex.negations, &t.text) || t.text.ends_with("n't"))
}

// ---- Japanese, written without spaces: the same shape over characters.

const JA_FIX: &[&str] = &[
    "復旧", "修正", "解消", "解決", "回復", "再開", "正常", "直る", "改善",
];
const JA_UPDATE: &[&str] = &["更新", "続報", "報告", "お知らせ", "案内", "連絡", "情報"];
const JA_OTHER: &[&str] = &["発生", "遅れ", "遅延", "開始", "利用でき", "停止"];
const JA_FRAME: &[&str] = &[
    "見込み",
    "予定",
    "見通し",
    "目指",
    "予想",
    "目途",
    "めど",
    "でしょう",
    "見込",
];
const JA_PAST: &[&str] = &["ました", "でした"];
const JA_UNITS: &[&str] = &["時間", "分", "時", "日", "秒"];
const JA_AFTER: &[&str] = &[
    "以内",
    "までに",
    "まで",
    "頃",
    "ごろ",
    "後",
    "ほど",
    "程度",
    "半",
    "前後",
];

fn is_ja_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Times and durations in a Japanese sentence: "10分以内", "14時までに", "16:30頃", "約30分".
fn ja_times(s: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i..].chars().next().unwrap_or(' ');
        if !is_ja_digit(c) {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let mut end = i;
        let mut timed = false;
        loop {
            while let Some(c) = s[end..]
                .chars()
                .next()
                .filter(|&c| is_ja_digit(c) || c == ':' || c == '：')
            {
                timed |= c == ':' || c == '：';
                end += c.len_utf8();
            }
            match JA_UNITS.iter().find(|u| s[end..].starts_with(*u)) {
                Some(u) => {
                    end += u.len();
                    timed = true;
                }
                None => break,
            }
            if !s[end..].chars().next().is_some_and(is_ja_digit) {
                break;
            }
        }
        while let Some(a) = JA_AFTER.iter().find(|a| s[end..].starts_with(*a)) {
            end += a.len();
        }
        if timed {
            out.push(start..end);
        }
        i = end.max(start + 1);
    }
    out
}

fn find_japanese(text: &str) -> Vec<(Shape, Range<usize>)> {
    let mut out = Vec::new();
    for sentence in text::sentences(text) {
        let s = &text[sentence.clone()];
        let mut anchors: Vec<(Range<usize>, Role)> = Vec::new();
        for (list, role) in [
            (JA_FIX, Role::Fix),
            (JA_UPDATE, Role::Update),
            (JA_OTHER, Role::Other),
        ] {
            for w in list {
                anchors.extend(s.match_indices(w).map(|(i, _)| (i..i + w.len(), role)));
            }
        }
        let future = JA_FRAME.iter().any(|f| s.contains(f));
        let past = JA_PAST.iter().any(|p| s.contains(p));
        for time in ja_times(s) {
            let nearest = anchors
                .iter()
                .filter(|(a, _)| a.end <= time.start || a.start >= time.end)
                .min_by_key(|(a, _)| {
                    if a.end <= time.start {
                        time.start - a.end
                    } else {
                        a.start - time.end
                    }
                });
            let Some((a, role)) = nearest else { continue };
            let r = sentence.start + a.start.min(time.start)..sentence.start + a.end.max(time.end);
            match role {
                Role::Fix if future && !past => out.push((Shape::PromisedFix, r)),
                Role::Update if !past => out.push((Shape::NextUpdate, r)),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes(text: &str, locale: &str) -> Vec<(Shape, &'static str)> {
        // Leaked for the test's convenience: the table compares the words each span covers.
        let text: &'static str = Box::leak(text.to_owned().into_boxed_str());
        find(text, locale)
            .into_iter()
            .map(|(s, r)| (s, &text[r]))
            .collect()
    }

    #[test]
    fn spans_cover_the_promise_and_its_time() {
        use Shape::*;
        assert_eq!(
            shapes("It will be fixed by 10:30 after the rollback.", "en"),
            [(PromisedFix, "will be fixed by 10:30")]
        );
        assert_eq!(
            shapes(
                "ETA for the fix is 30 minutes. Next update at 14:00 UTC.",
                "en"
            ),
            [
                (PromisedFix, "ETA for the fix is 30 minutes"),
                (NextUpdate, "update at 14:00 UTC")
            ]
        );
        assert_eq!(
            shapes("10分以内に復旧する見込みです。", "ja"),
            [(PromisedFix, "10分以内に復旧")]
        );
        assert_eq!(shapes("The issue began at 14:05.", "en"), []);
    }
}
