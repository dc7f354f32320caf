//! The lint's tokenizer: words, numbers (clock times and "10min" kept whole) and punctuation with
//! their byte ranges, cut into clauses at sentence ends and semicolons.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    /// Starts with a digit: `14:00`, `10.30`, `16h30`, `5pm`, `10min`, `30`.
    Number,
    Punct,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub span: Range<usize>,
    pub kind: Kind,
    /// Lowercased, with typographic apostrophes made plain.
    pub text: String,
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('\u{660}'..='\u{669}').contains(&c) || ('０'..='９').contains(&c)
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// Splits `text` into tokens. Apostrophes and hyphens between letters stay inside a word
/// ("we'll", "d'ici", "on-call"); a digit followed by `:`/`.`/`h` and digits stays one number.
pub fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c.is_whitespace() {
            if c == '\n' {
                out.push(Token {
                    span: start..start + 1,
                    kind: Kind::Punct,
                    text: "\n".into(),
                });
            }
            i += 1;
            continue;
        }
        // "10 a.m." is one word "am" after a number, not a sentence end.
        let meridiem = out.last().is_some_and(|t: &Token| t.kind == Kind::Number)
            && matches!(c, 'a' | 'p' | 'A' | 'P')
            && text[start + 1..].to_ascii_lowercase().starts_with(".m.");
        if meridiem {
            out.push(Token {
                span: start..start + 4,
                kind: Kind::Word,
                text: format!("{}m", c.to_ascii_lowercase()),
            });
            i += 4;
            continue;
        }
        let kind = if is_digit(c) {
            i += 1;
            loop {
                match chars.get(i) {
                    Some(&(_, d)) if is_digit(d) || d.is_alphabetic() => i += 1,
                    Some(&(_, ':' | '.'))
                        if chars.get(i + 1).is_some_and(|&(_, d)| is_digit(d)) =>
                    {
                        i += 1
                    }
                    _ => break,
                }
            }
            Kind::Number
        } else if c.is_alphanumeric() {
            i += 1;
            loop {
                match chars.get(i) {
                    Some(&(_, d)) if d.is_alphanumeric() => i += 1,
                    Some(&(_, d))
                        if (is_apostrophe(d) || d == '-')
                            && chars.get(i + 1).is_some_and(|&(_, e)| e.is_alphanumeric()) =>
                    {
                        i += 1
                    }
                    _ => break,
                }
            }
            Kind::Word
        } else {
            i += 1;
            Kind::Punct
        };
        let span = start..end_of(i);
        let mut text = text[span.clone()].to_lowercase();
        if text.contains('’') {
            text = text.replace('’', "'");
        }
        out.push(Token { span, kind, text });
    }
    out
}

/// Token index ranges of the clauses: cut at sentence ends, semicolons, line breaks and "but".
pub fn clauses(tokens: &[Token], buts: &[&str]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    for (i, t) in tokens.iter().enumerate() {
        let cut = match t.kind {
            Kind::Punct => matches!(
                t.text.as_str(),
                "." | "!" | "?" | ";" | "\n" | "。" | "！" | "？" | "؟" | "؛"
            ),
            Kind::Word => buts.contains(&t.text.as_str()),
            Kind::Number => false,
        };
        if cut {
            if from < i {
                out.push(from..i);
            }
            from = i + 1;
        }
    }
    if from < tokens.len() {
        out.push(from..tokens.len());
    }
    out
}

/// Byte ranges of sentences in `text` (for scripts written without spaces).
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '。' | '！' | '？' | '\n' | '!' | '?') {
            let end = i + c.len_utf8();
            if text[from..i].trim().is_empty() {
                from = end;
                continue;
            }
            out.push(from..end);
            from = end;
        }
    }
    if !text[from..].trim().is_empty() {
        out.push(from..text.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_words_keep_their_shape() {
        let t: Vec<String> = tokens("We'll fix it by 14:00, 16h30 or 5pm; d’ici 10.30 on-call.")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(
            t,
            [
                "we'll", "fix", "it", "by", "14:00", ",", "16h30", "or", "5pm", ";", "d'ici",
                "10.30", "on-call", "."
            ]
        );
        let c = clauses(&tokens("A b. C; d but e"), &["but"]);
        assert_eq!(c, [0..2, 3..4, 5..6, 7..8]);
    }
}
