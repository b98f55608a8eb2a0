//! The audit trail as a CSV file an administrator opens in a spreadsheet: the rows as the app
//! shows them (worded in the reader's language by the UI), written with the `csv` crate.
//!
//! A cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, a tab or a carriage
//! return first) gets a leading `'`: names and hints come from people, and a name such as
//! `=HYPERLINK(…)` must open as text (OWASP's "CSV injection").

use crate::error::{AppError, AppResult};

/// The most rows one export writes (a center's years of events fit; memory stays bounded).
pub const MAX_ROWS: usize = 500_000;

/// The file's bytes: the header, then each row, every row as wide as the header.
pub fn text(header: &[String], rows: &[Vec<String>]) -> AppResult<String> {
    if header.is_empty() || rows.len() > MAX_ROWS {
        return Err(AppError::Internal("not an audit trail to export".into()));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let bad = |e: csv::Error| AppError::Internal(format!("could not write the CSV: {e}"));
    w.write_record(header.iter().map(|c| inert(c)))
        .map_err(bad)?;
    for row in rows {
        if row.len() != header.len() {
            return Err(AppError::Internal("a row does not match the header".into()));
        }
        w.write_record(row.iter().map(|c| inert(c))).map_err(bad)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(format!("could not write the CSV: {e}")))?;
    // Every cell was a String: the bytes are UTF-8.
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))
}

/// The cell as text a spreadsheet will not run.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn quotes_commas_quotes_and_newlines_and_reads_back() {
        let header = s(&["When", "What", "Details"]);
        let rows = vec![
            s(&[
                "2026-11-27 08:00",
                "Signed in with a code",
                "Email · j•••@x.org",
            ]),
            s(&["2026-11-27 08:01", "Added", "O'Neil, \"Sam\"\nsecond line"]),
        ];
        let bytes = text(&header, &rows).unwrap();
        let mut r = csv::Reader::from_reader(bytes.as_bytes());
        assert_eq!(r.headers().unwrap(), vec!["When", "What", "Details"]);
        let back: Vec<Vec<String>> = r
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
            .collect();
        assert_eq!(back, rows);
    }

    #[test]
    fn formulas_open_as_text() {
        let bytes = text(
            &s(&["Name"]),
            &[
                s(&["=HYPERLINK(\"http://evil\")"]),
                s(&["+1"]),
                s(&["-2"]),
                s(&["@SUM(A1)"]),
                s(&["Ana"]),
            ],
        )
        .unwrap();
        let out = bytes;
        assert!(out.contains("'=HYPERLINK"));
        assert!(out.contains("'+1") && out.contains("'-2") && out.contains("'@SUM"));
        assert!(out.contains("\nAna\n"));
    }

    #[test]
    fn ragged_or_empty_input_is_refused() {
        assert!(text(&[], &[]).is_err());
        assert!(text(&s(&["a", "b"]), &[s(&["only one"])]).is_err());
    }
}
