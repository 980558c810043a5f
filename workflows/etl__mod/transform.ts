// Plain helpers of the etl workflow. Files in a __mod folder are only registered when
// their default export is script(...); this one is imported, nothing more.

/** One parsed CSV line: column name → cell text. */
export type Row = Record<string, string>;

/** Parses simple CSV (a header line, comma-separated cells, no quoting) into rows. */
export function parseCsv(text: string): Row[] {
  const [header, ...lines] = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  if (!header) return [];
  const columns = header.split(",").map((cell) => cell.trim());
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(columns.map((column, i) => [column, (cells[i] ?? "").trim()]));
  });
}

/** Counts rows per value of `column` (default: the first column). */
export function totalsBy(rows: Row[], column?: string): Record<string, number> {
  const key = column ?? Object.keys(rows[0] ?? {})[0];
  const totals: Record<string, number> = {};
  if (key === undefined) return totals;
  for (const row of rows) {
    const value = row[key] ?? "";
    totals[value] = (totals[value] ?? 0) + 1;
  }
  return totals;
}
