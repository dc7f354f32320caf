//! The wording lint against its labelled corpus (`shared/tests/lint_corpus.txt`): every sentence must
//! get exactly its labels (or its listed known error), and precision and recall per rule are printed
//! (`cargo test -p herald-shared --test it corpus -- --nocapture`).

use std::collections::BTreeSet;

use herald_shared::lint::{self, Draft, LintCode};
use herald_shared::model::Channel;

const CORPUS: &str = include_str!("../lint_corpus.txt");
/// Written after the detector, scored before any change to it: the figures to trust.
const HOLDOUT: &str = include_str!("../lint_holdout.txt");

/// Labels scored in every locale; the others only in English.
const EVERY_LOCALE: &[&str] = &["promise", "next"];
const LABELS: &[&str] = &[
    "promise", "next", "impact", "jargon", "blame", "shout", "slang",
];

struct Line {
    number: usize,
    locale: &'static str,
    /// The true labels.
    want: BTreeSet<&'static str>,
    /// Labels the lint is known to get wrong here (it adds or misses them).
    known: BTreeSet<&'static str>,
    text: &'static str,
}

fn label_set(labels: &'static str, number: usize) -> BTreeSet<&'static str> {
    let set: BTreeSet<&str> = labels
        .split(',')
        .map(str::trim)
        .filter(|l| *l != "-")
        .collect();
    for l in &set {
        assert!(LABELS.contains(l), "line {number}: unknown label {l}");
    }
    set
}

fn corpus(text: &'static str) -> Vec<Line> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let mut parts = l.split(" | ");
            let (Some(locale), Some(labels), Some(text)) =
                (parts.next(), parts.next(), parts.next())
            else {
                panic!("line {}: want `locale | labels | sentence`: {l}", i + 1);
            };
            let known = match parts.next() {
                Some(k) => label_set(
                    k.strip_prefix("known: ")
                        .unwrap_or_else(|| panic!("line {}: want `known: labels`", i + 1)),
                    i + 1,
                ),
                None => BTreeSet::new(),
            };
            Line {
                number: i + 1,
                locale,
                want: label_set(labels, i + 1),
                known,
                text,
            }
        })
        .collect()
}

/// The labels the lint gives one sentence, as the body of a draft that triggers no draft-wide rule.
fn labels(locale: &str, text: &str) -> BTreeSet<&'static str> {
    let d = Draft {
        title: "Card payments failing".into(),
        body: text.into(),
        channels: vec![Channel::Webhook],
        locale: Some(locale.into()),
        ..Draft::default()
    };
    let mut got: BTreeSet<&str> = lint::lint(&d)
        .iter()
        .filter_map(|w| match w.code {
            LintCode::PromisedFixTime => Some("promise"),
            LintCode::Jargon => Some("jargon"),
            LintCode::Blame => Some("blame"),
            LintCode::AllCaps => Some("shout"),
            LintCode::Slang => Some("slang"),
            _ => None,
        })
        .collect();
    if !lint::next_update_promises(text, locale).is_empty() {
        got.insert("next");
    }
    if lint::states_impact(text) {
        got.insert("impact");
    }
    if locale != "en" {
        got.retain(|l| EVERY_LOCALE.contains(l));
    }
    got
}

#[test]
fn the_lint_labels_its_corpus() {
    let lines = corpus(CORPUS);
    assert!(lines.len() >= 200, "{} sentences", lines.len());
    let locales: BTreeSet<&str> = lines.iter().map(|l| l.locale).collect();
    assert_eq!(locales.len(), 7, "{locales:?}");
    check("lint_corpus.txt", &lines);
}

#[test]
fn the_lint_labels_its_held_out_sentences() {
    check("lint_holdout.txt", &corpus(HOLDOUT));
}

fn check(name: &str, lines: &[Line]) {
    let mut wrong = Vec::new();
    // (true positives, false positives, false negatives) per label.
    let mut score = vec![(0u32, 0u32, 0u32); LABELS.len()];
    for line in lines {
        let got = labels(line.locale, line.text);
        for (k, label) in LABELS.iter().enumerate() {
            if line.locale != "en" && !EVERY_LOCALE.contains(label) {
                continue;
            }
            match (got.contains(label), line.want.contains(label)) {
                (true, true) => score[k].0 += 1,
                (true, false) => score[k].1 += 1,
                (false, true) => score[k].2 += 1,
                (false, false) => {}
            }
        }
        let expected: BTreeSet<&str> = line
            .want
            .symmetric_difference(&line.known)
            .copied()
            .collect();
        if got != expected {
            wrong.push(format!(
                "line {} [{}] want {:?} (known errors {:?}) got {:?}: {}",
                line.number, line.locale, line.want, line.known, got, line.text
            ));
        }
    }
    let mut report = format!("{name}: {} sentences\n", lines.len());
    report += &format!(
        "{:<8} {:>4} {:>4} {:>4} {:>9} {:>6}\n",
        "rule", "tp", "fp", "fn", "precision", "recall"
    );
    for (label, (tp, fp, fn_)) in LABELS.iter().zip(&score) {
        let ratio = |a: u32, b: u32| {
            if a + b == 0 {
                1.0
            } else {
                f64::from(a) / f64::from(a + b)
            }
        };
        report += &format!(
            "{label:<8} {tp:>4} {fp:>4} {fn_:>4} {:>9.3} {:>6.3}\n",
            ratio(*tp, *fp),
            ratio(*tp, *fn_)
        );
    }
    println!("{report}");
    assert!(
        wrong.is_empty(),
        "{name}: {} sentences labelled wrongly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
