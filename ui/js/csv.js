// The audit trail as a CSV file an administrator opens in a spreadsheet (RFC 4180, as the
// `csv` crate writes it: a cell is quoted when it holds a quote, a comma or a line break, or is
// a record's only, empty cell; records end with "\n"). One writer for both shells: the app saves
// the text through the system's Save dialog, a browser downloads it.
//
// A cell that a spreadsheet would read as a formula gets a leading `'`: one starting with `=`,
// `+`, `-`, `@` (or their full-width forms, which some spreadsheets read alike), a tab or a
// carriage return, and one where such a sign follows leading blanks, line breaks or other
// control characters (a spreadsheet trims those). Names and hints come from people, and a name
// such as `=HYPERLINK(…)` must open as text (OWASP's "CSV injection").
// Checked against the old Rust writer's cases, read back by the `csv` crate:
// src-tauri/capability_tests.rs, `the_audit_csv_quotes_and_neutralises_formulas`.

/** The most rows one export writes (a center's years of events fit; memory stays bounded). */
export const MAX_ROWS = 500000;

const FORMULA = /^[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/u;

/** The cell as text a spreadsheet will not run. */
export function inert(cell) {
  const afterBlanks = cell.replace(/^[\s\p{Cc}]+/u, '');
  return /^[\t\r]/.test(cell) || FORMULA.test(afterBlanks) ? "'" + cell : cell;
}

function field(cell, only) {
  if (/[",\r\n]/.test(cell) || (only && cell === '')) return '"' + cell.replace(/"/g, '""') + '"';
  return cell;
}

/** The file's text: the header, then each row, every row as wide as the header. */
export function csvText(header, rows) {
  if (!header.length || rows.length > MAX_ROWS) throw new Error('not an audit trail to export');
  const record = (cells) => {
    if (cells.length !== header.length) throw new Error('a row does not match the header');
    return cells.map((c) => field(inert(String(c)), cells.length === 1)).join(',') + '\n';
  };
  return record(header) + rows.map(record).join('');
}
