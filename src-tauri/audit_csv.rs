//! The audit trail as a CSV file an administrator opens in a spreadsheet: the rows as the app
//! shows them (worded in the reader's language by the UI), written with the `csv` crate.
//!
//! A cell that a spreadsheet would read as a formula gets a leading `'`: one starting with `=`,
//! `+`, `-`, `@` (or their full-width forms `＝＋－＠`, which some spreadsheets read alike), a
//! tab or a carriage return, and one where such a sign follows leading spaces, line breaks or
//! other control characters (a spreadsheet trims those). Names and hints come from people, and
//! a name such as `=HYPERLINK(…)` must open as text (OWASP's "CSV injection").

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

/// The signs that start a formula, in ASCII and full width.
const FORMULA: [char; 8] = [
    '=', '+', '-', '@', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
];

/// The cell as text a spreadsheet will not run.
fn inert(cell: &str) -> String {
    let after_blanks = cell.trim_start_matches(|c: char| c.is_whitespace() || c.is_control());
    if cell.starts_with(['\t', '\r']) || after_blanks.starts_with(FORMULA) {
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
    fn formulas_behind_blanks_control_characters_or_in_full_width_are_neutralised() {
        for cell in [
            "\n=1+1",
            "\r\n=HYPERLINK(\"http://evil\")",
            " =1",
            "\u{a0}+1",
            "\u{7}@SUM(A1)",
            "\u{0}-2",
            "\t\t=1",
            "\u{FF1D}1+1",
            "\u{FF0B}1",
            "\u{FF0D}1",
            "\u{FF20}SUM(A1)",
            " \n\u{FF1D}1",
            "\t",
            "\rAna",
        ] {
            assert_eq!(inert(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["Ana", " Ana", "\nAna", "O'Neil", "1+1", "a=b", "", "   "] {
            assert_eq!(inert(cell), cell, "{cell:?}");
        }
        // Through the writer, as the file is made.
        let bytes = text(&s(&["Name"]), &[s(&["\n=1+1"]), s(&["\u{FF1D}1"])]).unwrap();
        let mut r = csv::Reader::from_reader(bytes.as_bytes());
        let back: Vec<String> = r.records().map(|rec| rec.unwrap()[0].to_owned()).collect();
        assert_eq!(back, ["'\n=1+1", "'\u{FF1D}1"]);
    }

    #[test]
    fn ragged_or_empty_input_is_refused() {
        assert!(text(&[], &[]).is_err());
        assert!(text(&s(&["a", "b"]), &[s(&["only one"])]).is_err());
    }
}
