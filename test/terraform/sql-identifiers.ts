/**
 * A rough reader of the view SQL: which table references, functions and bare identifiers it uses.
 * Enough to hold the views to the columns of edge_logs and to the portable function subset that
 * the local DuckDB runner translates (see sql/views); not a SQL parser.
 */

/** Functions the DuckDB runner translates mechanically. Anything else needs a look first. */
export const PORTABLE_FUNCTIONS = new Set([
  'ANY_VALUE',
  'APPROX_QUANTILES',
  'ARRAY_AGG',
  'COALESCE',
  'COUNT',
  'COUNTIF',
  'IF',
  'MAX',
  'MIN',
  'OFFSET',
  'ROW_NUMBER',
  'SAFE_DIVIDE',
  'SUM',
  'TIMESTAMP_DIFF',
  'TIMESTAMP_TRUNC',
]);

const KEYWORDS = new Set(
  (
    'SELECT FROM WHERE WITH AS GROUP BY ORDER QUALIFY OVER PARTITION ASC DESC AND OR NOT IS NULL ' +
    'TRUE FALSE DISTINCT IN LIMIT HAVING CASE WHEN THEN ELSE END IGNORE NULLS RESPECT ON JOIN LEFT ' +
    'INNER USING UNION ALL HOUR MINUTE SECOND MILLISECOND MICROSECOND DAY'
  ).split(' '),
);

export interface SqlUsage {
  /** Backquoted table references, as written (template variables unexpanded). */
  tables: string[];
  /** Names of `${...}` template variables. */
  templateVars: string[];
  /** Names called as functions, upper-case. */
  functions: string[];
  /** Names defined by the SQL itself: column aliases (AS x) and CTE names (x AS (...)). */
  defined: string[];
  /** Every other identifier: these must be columns of the tables read. */
  columns: string[];
}

export function sqlUsage(sql: string): SqlUsage {
  const templateVars = [...sql.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!);
  let text = sql.replace(/--[^\n]*/g, ' ');
  const tables = [...text.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);
  text = text.replace(/`[^`]*`/g, ' ').replace(/'(?:[^'\\]|\\.)*'/g, ' ');

  const ctes = [...text.matchAll(/\b([A-Za-z_]\w*)\s+AS\s*\(/gi)].map((m) => m[1]!);
  const aliases = [...text.matchAll(/\bAS\s+([A-Za-z_]\w*)/gi)].map((m) => m[1]!);
  const defined = new Set([...ctes, ...aliases].map((n) => n.toLowerCase()));

  const functions = new Set<string>();
  const columns = new Set<string>();
  for (const m of text.matchAll(/\b([A-Za-z_]\w*)\b(\s*\()?/g)) {
    const name = m[1]!;
    const upper = name.toUpperCase();
    if (KEYWORDS.has(upper)) continue;
    if (m[2] && !defined.has(name.toLowerCase())) {
      functions.add(upper);
      continue;
    }
    if (!defined.has(name.toLowerCase())) columns.add(name);
  }
  return { tables, templateVars, functions: [...functions], defined: [...defined], columns: [...columns] };
}
