//! SMS length: GSM-7 (with its two-septet extension characters) or UCS-2, and how many segments a
//! text takes once a multipart header eats into each one.

use serde::{Deserialize, Serialize};

/// Septets in one GSM-7 SMS, and per part of a multipart one (the UDH takes 7).
pub const GSM_SINGLE: usize = 160;
pub const GSM_PART: usize = 153;
/// UTF-16 code units in one UCS-2 SMS, and per part.
pub const UCS2_SINGLE: usize = 70;
pub const UCS2_PART: usize = 67;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

/// How a text travels: its encoding, its length in that encoding's units, and its segment count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsCount {
    pub encoding: SmsEncoding,
    /// Septets for GSM-7, UTF-16 code units for UCS-2.
    pub units: usize,
    pub segments: usize,
}

/// The GSM 03.38 default alphabet (one septet each).
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table: an escape septet plus one, so two septets each.
const GSM_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// Septets `c` takes in GSM-7, or `None` if GSM-7 cannot carry it.
pub fn gsm_septets(c: char) -> Option<usize> {
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Encoding units of each character, in the encoding the whole text needs.
fn units(text: &str) -> (SmsEncoding, Vec<usize>) {
    let gsm: Option<Vec<usize>> = text.chars().map(gsm_septets).collect();
    match gsm {
        Some(u) => (SmsEncoding::Gsm7, u),
        None => (
            SmsEncoding::Ucs2,
            text.chars().map(char::len_utf16).collect(),
        ),
    }
}

/// Segments needed to carry characters of the given widths. A character (an escape pair, a
/// surrogate pair) is never split across parts, so parts may carry fewer than `part` units.
fn segments(widths: &[usize], single: usize, part: usize) -> usize {
    let total: usize = widths.iter().sum();
    if total == 0 {
        return 1;
    }
    if total <= single {
        return 1;
    }
    let (mut n, mut used) = (1, 0);
    for &w in widths {
        if used + w > part {
            n += 1;
            used = 0;
        }
        used += w;
    }
    n
}

/// Counts `text` as an SMS.
pub fn count(text: &str) -> SmsCount {
    let (encoding, widths) = units(text);
    let (single, part) = limits(encoding);
    SmsCount {
        encoding,
        units: widths.iter().sum(),
        segments: segments(&widths, single, part),
    }
}

fn limits(encoding: SmsEncoding) -> (usize, usize) {
    match encoding {
        SmsEncoding::Gsm7 => (GSM_SINGLE, GSM_PART),
        SmsEncoding::Ucs2 => (UCS2_SINGLE, UCS2_PART),
    }
}

/// The byte offset where the first segment of `text` ends (for pointing at what overflows).
pub fn first_segment_end(text: &str) -> usize {
    let (encoding, widths) = units(text);
    let (single, _) = limits(encoding);
    let mut used = 0;
    for ((i, _), w) in text.char_indices().zip(widths) {
        if used + w > single {
            return i;
        }
        used += w;
    }
    text.len()
}

/// `head + body + tail`, with `body` cut short (ending in "...") so the whole fits in `max_segments`.
/// `head` and `tail` are never cut; if they alone do not fit, the body is dropped.
pub fn fit(head: &str, body: &str, tail: &str, max_segments: usize) -> String {
    let whole = format!("{head}{body}{tail}");
    if count(&whole).segments <= max_segments {
        return whole;
    }
    let chars: Vec<(usize, char)> = body.char_indices().collect();
    // Binary search on how many body characters to keep.
    let (mut lo, mut hi) = (0usize, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let cut = chars.get(mid).map_or(body.len(), |(i, _)| *i);
        let candidate = format!("{head}{}...{tail}", body[..cut].trim_end());
        if count(&candidate).segments <= max_segments {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    if lo == 0 {
        return format!("{head}{tail}");
    }
    let cut = chars.get(lo).map_or(body.len(), |(i, _)| *i);
    format!("{head}{}...{tail}", body[..cut].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use SmsEncoding::*;

    #[test]
    fn counting_table() {
        let cases: Vec<(String, SmsEncoding, usize, usize)> = vec![
            (String::new(), Gsm7, 0, 1),
            ("Hello".into(), Gsm7, 5, 1),
            ("a".repeat(160), Gsm7, 160, 1),
            ("a".repeat(161), Gsm7, 161, 2),
            ("a".repeat(306), Gsm7, 306, 2),
            ("a".repeat(307), Gsm7, 307, 3),
            // Extension characters take two septets each.
            ("€".repeat(80), Gsm7, 160, 1),
            ("{".repeat(81), Gsm7, 162, 2),
            // An escape pair is not split across parts: 152 plain septets, then one `[`.
            (
                format!("{}[{}", "a".repeat(152), "a".repeat(10)),
                Gsm7,
                164,
                2,
            ),
            (
                format!("{}[{}", "a".repeat(152), "a".repeat(152)),
                Gsm7,
                306,
                3,
            ),
            // Accented letters in the basic table stay GSM-7; others force UCS-2.
            ("Café à Zürich".into(), Gsm7, 13, 1),
            ("Café in Kraków".into(), Ucs2, 14, 1),
            ("ü".repeat(70) + "ç", Ucs2, 71, 2),
            ("ç".repeat(70), Ucs2, 70, 1),
            ("ç".repeat(134), Ucs2, 134, 2),
            ("ç".repeat(135), Ucs2, 135, 3),
            // Emoji are two UTF-16 units, never split.
            ("🔥".repeat(35), Ucs2, 70, 1),
            (format!("{}🔥", "ç".repeat(66)), Ucs2, 68, 1),
            (
                format!("{}🔥{}", "ç".repeat(66), "ç".repeat(66)),
                Ucs2,
                134,
                3,
            ),
            ("`backtick`".into(), Ucs2, 10, 1),
        ];
        for (text, encoding, units, segments) in cases {
            let got = count(&text);
            assert_eq!(
                got,
                SmsCount {
                    encoding,
                    units,
                    segments
                },
                "{text:?}"
            );
        }
    }

    #[test]
    fn fit_cuts_the_body_only() {
        let head = "Acme: API outage. ";
        let tail = " https://status.acme.com/i/1";
        let body = "word ".repeat(60);
        let text = fit(head, &body, tail, 1);
        assert!(count(&text).segments == 1, "{text}");
        assert!(text.starts_with(head) && text.ends_with(tail), "{text}");
        assert!(text.contains("..."));
        assert_eq!(fit(head, "short", tail, 1), format!("{head}short{tail}"));
        assert_eq!(
            fit("h", &"x".repeat(500), "t", 4),
            format!("h{}t", "x".repeat(500))
        );
    }

    #[test]
    fn first_segment_end_points_past_the_fitting_part() {
        assert_eq!(first_segment_end("short"), 5);
        assert_eq!(first_segment_end(&"a".repeat(200)), 160);
        assert_eq!(first_segment_end(&"ç".repeat(100)), 70 * 2);
    }
}
