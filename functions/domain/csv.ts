/**
 * CSV as spreadsheets read it (RFC 4180): a cell with a comma, a quote or a line break is
 * quoted, and text that a spreadsheet would run as a formula is defused, because utm_source,
 * campaigns and form ids are typed by anyone who can post the form.
 */
export type CsvValue = string | number | undefined;

/** One cell: quoted when needed, prefixed with `'` when it starts like a formula. */
export function csvCell(value: CsvValue): string {
  if (value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record: its cells joined by commas. */
export const csvRow = (values: readonly CsvValue[]): string => values.map(csvCell).join(',');

/**
 * A header and its records. RFC 4180 ends records with CRLF (what a download gets); the
 * report's `--csv` has always printed one record per `\n` line, and its readers split on that.
 */
export const csvTable = (header: readonly string[], rows: ReadonlyArray<readonly CsvValue[]>, lineEnd: '\r\n' | '\n' = '\r\n'): string =>
  [csvRow(header), ...rows.map(csvRow)].join(lineEnd);
