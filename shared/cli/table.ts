/** Rendering of query results (values as DuckDB's JSON conversion gives them: strings, numbers, …). */
export type Cell = string | number | boolean | null | object;
export const QUERY_FORMATS = ['table', 'csv', 'json'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

const MAX_CELL = 60;

function text(value: Cell): string {
  if (value === null) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Math.round(value * 1e4) / 1e4);
  return String(value);
}

/** An aligned text table; numbers right-aligned, long cells cut with an ellipsis. */
function renderTable(columns: readonly string[], rows: readonly Cell[][]): string {
  const cells = rows.map((r) =>
    r.map((v) => {
      const t = text(v).replace(/\s+/g, ' ');
      return t.length > MAX_CELL ? `${t.slice(0, MAX_CELL - 1)}…` : t;
    }),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const numeric = columns.map(
    (_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number' || /^-?\d+(\.\d+)?$/.test(String(r[i]))),
  );
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line([...columns]), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  out.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

function csvField(value: Cell): string {
  if (value === null) return '';
  const t = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** RFC 4180 CSV with a header line; NULL is an empty field. */
function renderCsv(columns: readonly string[], rows: readonly Cell[][]): string {
  return `${[columns.map(csvField), ...rows.map((r) => r.map(csvField))].map((r) => r.join(',')).join('\r\n')}\r\n`;
}

/** JSON Lines: one object per row. */
function renderJson(columns: readonly string[], rows: readonly Cell[][]): string {
  return rows.map((r) => `${JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, r[i]])))}\n`).join('');
}

export function render(format: QueryFormat, columns: readonly string[], rows: readonly Cell[][]): string {
  return format === 'csv' ? renderCsv(columns, rows) : format === 'json' ? renderJson(columns, rows) : renderTable(columns, rows);
}
