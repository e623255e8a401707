import type { DuckDBConnection } from '@duckdb/node-api';

export interface LocalReport {
  rows: { source: string; log_type: string; rows: number }[];
  deadLetters: { source: string; stage: string; n: number }[];
  topCountries: { country: string; bytes: number }[];
  cacheHitRatio: number | null;
  p95LatencyMs: number | null;
}

async function all(c: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

/** The figures the local run ends with, read from the warehouse (through the dedup view). */
export async function readReport(c: DuckDBConnection): Promise<LocalReport> {
  const rows = await all(c, 'SELECT source, log_type, COUNT(*) AS rows FROM edge_logs_dedup GROUP BY ALL ORDER BY source, log_type');
  const dead = await all(c, 'SELECT source, stage, COUNT(*) AS n FROM ingest_errors GROUP BY ALL ORDER BY source, stage');
  const countries = await all(
    c,
    "SELECT COALESCE(client_country, '??') AS country, SUM(COALESCE(egress_bytes, 0)) AS bytes FROM edge_logs_dedup GROUP BY ALL ORDER BY bytes DESC, country LIMIT 5",
  );
  const [http] = await all(
    c,
    "SELECT count_if(cache_hit) / NULLIF(count_if(cache_hit IS NOT NULL), 0) AS ratio, quantile_disc(latency_ms, 0.95) AS p95 FROM edge_logs_dedup WHERE log_type = 'http_request'",
  );
  return {
    rows: rows.map((r) => ({ source: String(r.source), log_type: String(r.log_type), rows: Number(r.rows) })),
    deadLetters: dead.map((r) => ({ source: String(r.source), stage: String(r.stage), n: Number(r.n) })),
    topCountries: countries.map((r) => ({ country: String(r.country), bytes: Number(r.bytes) })),
    cacheHitRatio: http?.ratio == null ? null : Number(http.ratio),
    p95LatencyMs: http?.p95 == null ? null : Number(http.p95),
  };
}

function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

interface ReportContext {
  dbPath: string;
  logPath: string;
  seconds: number;
  delivered: number;
  failed: number;
  /** The warehouse before this run, so the report can say what this run added. */
  before: LocalReport;
  /** How to run the CLI from here (`node bin/cdnlog.js`). */
  cli: string;
  /** EdgeOne L7 records this run pushed through edgeonePush, and in how many batches. */
  pushed?: { batches: number; records: number };
}

export function formatReport(r: LocalReport, extra: ReportContext): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const rowsBefore = new Map(extra.before.rows.map((row) => [`${row.source}/${row.log_type}`, row.rows]));
  const lines = [
    `cdnlog local run: ${n(extra.delivered)} events delivered in ${extra.seconds.toFixed(1)} s${extra.failed ? `, ${n(extra.failed)} failed after retries` : ''}`,
    '',
    `rows (deduplicated)         ${'total'.padStart(9)}  new this run`,
  ];
  for (const row of r.rows) {
    const added = row.rows - (rowsBefore.get(`${row.source}/${row.log_type}`) ?? 0);
    lines.push(`  ${row.source.padEnd(10)} ${row.log_type.padEnd(13)} ${n(row.rows).padStart(9)}  ${n(added).padStart(12)}`);
  }
  const deadTotal = r.deadLetters.reduce((s, d) => s + d.n, 0);
  const deadNew = deadTotal - extra.before.deadLetters.reduce((s, d) => s + d.n, 0);
  lines.push(
    `dead letters ${n(deadTotal)}, ${n(deadNew)} new this run${r.deadLetters.length ? `  (${r.deadLetters.map((d) => `${d.source}/${d.stage} ${d.n}`).join(', ')})` : ''}`,
  );
  if (extra.pushed?.batches)
    lines.push(
      `EdgeOne push           ${n(extra.pushed.records)} L7 records in ${n(extra.pushed.batches)} batch${extra.pushed.batches === 1 ? '' : 'es'} through edgeonePush`,
    );
  lines.push(`top countries by bytes  ${r.topCountries.map((c) => `${c.country} ${bytes(c.bytes)}`).join(', ')}`);
  lines.push(`cache-hit ratio (HTTP)  ${r.cacheHitRatio === null ? 'n/a' : `${(r.cacheHitRatio * 100).toFixed(1)}%`}`);
  lines.push(`p95 latency (HTTP)      ${r.p95LatencyMs === null ? 'n/a' : `${r.p95LatencyMs.toFixed(0)} ms`}`);
  lines.push('', 'query further:', `  ${extra.cli} query "SELECT * FROM traffic_hourly ORDER BY hour, egress_bytes DESC LIMIT 20" --db ${extra.dbPath}`);
  lines.push(`  ${extra.cli} query "SELECT stage, reason, object FROM ingest_errors" --db ${extra.dbPath}`);
  lines.push(`function logs: ${extra.logPath}`);
  return `${lines.join('\n')}\n`;
}
