/** Benchmark figures printed as one table, so `npm run bench` can merge them. */
export interface Figure {
  benchmark: string;
  metric: string;
  value: number;
  unit: string;
  /** Target, as text ("≥ 0.5"), when the issue sets one. */
  target?: string;
  /** Whether the target is met (undefined when there is none). */
  met?: boolean;
}

export function printTable(figures: Figure[], out: NodeJS.WritableStream = process.stdout): void {
  const rows = figures.map((f) => [f.benchmark, f.metric, formatValue(f.value), f.unit, f.target ?? '', f.met === undefined ? '' : f.met ? 'yes' : 'NO']);
  const header = ['benchmark', 'metric', 'value', 'unit', 'target', 'met'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  out.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const r of rows) out.write(`${line(r)}\n`);
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

/** Figures also go out as one JSON line when BENCH_JSON is set, for the combined `npm run bench`. */
export function emit(figures: Figure[]): void {
  if (process.env.BENCH_JSON) process.stdout.write(`BENCH_JSON ${JSON.stringify(figures)}\n`);
  else printTable(figures);
}
