//! Moving subscribers in and out: reading a Statuspage subscriber CSV (or Herald's JSON) for
//! import, and writing the export (CSV or JSON) a team takes elsewhere.
//!
//! The Statuspage import CSV has one subscriber per row, its type first: `email,<address>,...`,
//! `sms,<national number>,<two-letter country>,...` and `webhook,<url>,...`; later cells naming one
//! of the page's components (by id or name) subscribe to it. A header row and blank rows are
//! skipped.

use herald_shared::subscriber::{SubscriberChannel, SubscriptionState};
use herald_shared::wire::{ExportedSubscriber as Exported, ImportRow as Row};
use herald_shared::State as PageState;

use crate::error::{ApiError, ApiResult};

/// Calling codes for the countries Statuspage's SMS rows name most; others must be given in
/// E.164 (`+...`).
const CALLING_CODES: &[(&str, &str)] = &[
    ("US", "1"),
    ("CA", "1"),
    ("GB", "44"),
    ("IE", "353"),
    ("DE", "49"),
    ("AT", "43"),
    ("CH", "41"),
    ("FR", "33"),
    ("BE", "32"),
    ("NL", "31"),
    ("LU", "352"),
    ("ES", "34"),
    ("PT", "351"),
    ("IT", "39"),
    ("DK", "45"),
    ("SE", "46"),
    ("NO", "47"),
    ("FI", "358"),
    ("PL", "48"),
    ("CZ", "420"),
    ("JP", "81"),
    ("KR", "82"),
    ("CN", "86"),
    ("IN", "91"),
    ("SG", "65"),
    ("AU", "61"),
    ("NZ", "64"),
    ("BR", "55"),
    ("MX", "52"),
    ("AR", "54"),
    ("ZA", "27"),
    ("AE", "971"),
    ("SA", "966"),
    ("IL", "972"),
];

fn e164(number: &str, country: &str) -> String {
    let number = number.trim();
    if number.starts_with('+') {
        return number.to_owned();
    }
    let code = CALLING_CODES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(country.trim()))
        .map(|(_, code)| *code);
    match code {
        Some(code) => format!("+{code}{}", number.trim_start_matches('0')),
        // Left as given: validation reports the row.
        None => number.to_owned(),
    }
}

/// Reads an import body: a JSON array of rows, or a Statuspage subscriber CSV.
pub fn parse(body: &str) -> ApiResult<Vec<Row>> {
    let trimmed = body.trim_start();
    if trimmed.starts_with('[') {
        let mut rows: Vec<Row> =
            serde_json::from_str(trimmed).map_err(|e| ApiError::bad_json(&e))?;
        for (i, r) in rows.iter_mut().enumerate() {
            r.line = i + 1;
        }
        return Ok(rows);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            ApiError::client(
                422,
                "validation",
                "The request is not valid",
                format!("CSV line {}: {e}", i + 1),
            )
            .with_field("body")
        })?;
        let cell = |n: usize| record.get(n).unwrap_or("").to_owned();
        let (channel, address, rest) = match cell(0).to_ascii_lowercase().as_str() {
            "email" => (SubscriberChannel::Email, cell(1), 2),
            "sms" => (SubscriberChannel::Sms, e164(&cell(1), &cell(2)), 3),
            "webhook" => (SubscriberChannel::Webhook, cell(1), 2),
            // A header, a blank line or a type Herald does not import (Slack needs a new
            // authorisation): skipped.
            _ => continue,
        };
        let components = record
            .iter()
            .skip(rest)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        rows.push(Row {
            channel,
            address,
            components,
            line: i + 1,
        });
    }
    Ok(rows)
}

pub fn export(state: &PageState) -> Vec<Exported<'_>> {
    state
        .subscribers
        .iter()
        .filter(|s| s.state != SubscriptionState::Unsubscribed)
        .map(|s| Exported {
            id: &s.id,
            channel: s.address.channel.as_str(),
            address: &s.address.value,
            state: s.state,
            components: s.components.join(";"),
            created_at: super::stamp(s.created_at),
        })
        .collect()
}

pub fn export_csv(state: &PageState) -> ApiResult<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in export(state) {
        w.serialize(row)
            .map_err(|e| ApiError::Server(e.to_string()))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::Server(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Server(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_statuspage_rows_and_skips_the_rest() {
        let csv = "type,identifier,extra\nemail,ann@example.com,yes,API\nsms,01512345678,DE,Web app\nsms,+15005550006\nslack,whatever\n\nwebhook,https://hooks.example.com/x\n";
        let rows = parse(csv).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].address, "ann@example.com");
        assert_eq!(rows[0].components, vec!["yes", "API"]);
        assert_eq!(rows[1].address, "+491512345678");
        assert_eq!(rows[1].components, vec!["Web app"]);
        assert_eq!(rows[2].address, "+15005550006");
        assert_eq!(rows[3].channel, SubscriberChannel::Webhook);
        let json = r#"[{"channel":"email","address":"x@example.com"}]"#;
        assert_eq!(parse(json).unwrap()[0].address, "x@example.com");
        assert!(parse("[{").is_err());
    }
}
