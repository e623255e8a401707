import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ensureSchema } from '../shared/duckdb/open';
import { createViewSql, findViewsDir, loadViewDefinitions } from '../shared/duckdb/views';
import { UnsupportedSqlError } from '../shared/sql/tokenize';
import { translateBigQueryToDuckDb } from '../shared/sql/translate';

const t = (sql: string) => translateBigQueryToDuckDb(sql).sql;
const root = join(__dirname, '..');

describe('BigQuery → DuckDB translator', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the views' SQL template variables, as in sql/views/
  it('strips the ${project}.${dataset} qualification and backticks, and records what it read', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the views' SQL template variables, as in sql/views/
    const r = translateBigQueryToDuckDb('SELECT * FROM `${project}.${dataset}.edge_logs` JOIN ${project}.${dataset}.other o ON TRUE');
    expect(r.sql).toBe('SELECT * FROM edge_logs JOIN other o ON TRUE');
    expect(r.references).toEqual(['edge_logs', 'other']);
  });

  it.each([
    ['TIMESTAMP_TRUNC(event_time, HOUR)', "date_trunc('hour', event_time)"],
    ['TIMESTAMP_TRUNC(x, day)', "date_trunc('day', x)"],
    ['TIMESTAMP_DIFF(a, b, MILLISECOND)', "date_sub('millisecond', b, a)"],
    ['TIMESTAMP_DIFF(COALESCE(a, c), b, SECOND)', "date_sub('second', b, COALESCE(a, c))"],
    ['COUNTIF(cache_hit)', 'count_if(cache_hit)'],
    ['SAFE_DIVIDE(COUNTIF(x), COUNT(*))', '((count_if(x)) / NULLIF(COUNT(*), 0))'],
    ['APPROX_QUANTILES(latency_ms, 100)[OFFSET(95)]', 'quantile_disc(latency_ms, 0.95)'],
    ['APPROX_QUANTILES(x, 4) [OFFSET(2)]', 'quantile_disc(x, 0.5)'],
    ['IF(a IS NULL, 1, 2)', 'if(a IS NULL, 1, 2)'],
    ['COUNT(DISTINCT IF(t = 1, s, NULL))', 'COUNT(DISTINCT if(t = 1, s, NULL))'],
    ['ANY_VALUE(x)', 'ANY_VALUE(x)'],
    ['CAST(x AS INT64)', 'CAST(x AS BIGINT)'],
    ['SAFE_CAST(x AS FLOAT64)', 'TRY_CAST(x AS DOUBLE)'],
    ["JSON_VALUE(attributes, '$.a')", "json_extract_string(attributes, '$.a')"],
    ['"text"', "'text'"],
    ['ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) = 1', 'ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) = 1'],
    ['x -- COUNTIF( in a comment stays\n', 'x -- COUNTIF( in a comment stays\n'],
    ["'IF(' ", "'IF(' "],
  ])('%s → %s', (bigQuery, duckDb) => {
    expect(t(bigQuery)).toBe(duckDb);
  });

  it.each([
    ['an unknown function', 'SELECT FARM_FINGERPRINT(x) FROM t', /FARM_FINGERPRINT\(\) has no DuckDB translation/],
    ['a namespaced function', 'SELECT NET.HOST(url) FROM t', /namespaced function HOST/],
    ['SAFE. prefixed calls', 'SELECT SAFE.PARSE_DATE(x) FROM t', /SAFE/],
    ['UNNEST', 'SELECT * FROM t, UNNEST(a)', /UNNEST/],
    ['STRUCT', 'SELECT STRUCT(1 AS a)', /STRUCT/],
    ['SELECT * EXCEPT', 'SELECT * EXCEPT (a) FROM t', /EXCEPT/],
    ['array subscripts', 'SELECT a[OFFSET(0)] FROM t', /array subscripts/],
    ['APPROX_QUANTILES without [OFFSET(k)]', 'SELECT APPROX_QUANTILES(x, 100) FROM t', /APPROX_QUANTILES/],
    ['a WEEK date part', 'SELECT TIMESTAMP_TRUNC(x, WEEK) FROM t', /date part/],
    ['an unqualified backtick table', 'SELECT * FROM `other-project.ds.t`', /table reference/],
    ['raw strings', "SELECT r'a' FROM t", /prefixed literal/],
    ['backslash escapes', "SELECT 'a\\n' FROM t", /backslash/],
    ['an unknown cast type', 'SELECT CAST(x AS NUMERIC) FROM t', /CAST/],
    ['unbalanced parentheses', 'SELECT (a FROM t', /unclosed/],
  ])('fails loudly on %s', (_what, sql, message) => {
    expect(() => t(sql)).toThrow(UnsupportedSqlError);
    expect(() => t(sql)).toThrow(message);
  });
});

describe('the DuckDB views cannot drift from sql/views', () => {
  const files = readdirSync(join(root, 'sql', 'views'))
    .filter((f) => f.endsWith('.sql'))
    .sort();

  it('every view file translates, and each comes after the views it reads', () => {
    const views = loadViewDefinitions();
    expect(views.map((v) => `${v.name}.sql`).sort()).toEqual(files);
    const seen = new Set<string>();
    for (const v of views) {
      for (const ref of v.references) if (files.includes(`${ref}.sql`)) expect(seen.has(ref)).toBe(true);
      seen.add(v.name);
      expect(v.bigQuerySql).toBe(readFileSync(join(findViewsDir(), `${v.name}.sql`), 'utf8'));
    }
  });

  it('a warehouse holds exactly the translated views, as DuckDB stores the translation', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const warehouse = await instance.connect();
    await ensureSchema(warehouse);
    const stored = (await warehouse.runAndReadAll('SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY view_name')).getRowObjectsJson();
    expect(stored.map((r) => `${r.view_name}.sql`)).toEqual(files);
    // A second database given only the translation must store the very same definition.
    const reference = await (await DuckDBInstance.create(':memory:')).connect();
    await ensureSchema(reference); // tables the views read
    for (const view of loadViewDefinitions()) {
      const translated = translateBigQueryToDuckDb(readFileSync(join(root, 'sql', 'views', `${view.name}.sql`), 'utf8'));
      await reference.run(createViewSql({ ...view, duckDbSql: translated.sql }));
      const expected = (await reference.runAndReadAll(`SELECT sql FROM duckdb_views() WHERE view_name = '${view.name}'`)).getRowObjectsJson()[0];
      expect(stored.find((r) => r.view_name === view.name)?.sql).toBe(expected?.sql);
    }
  });

  it('views are created in one place only: the translation in shared/duckdb/views.ts', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts') && /CREATE\s+(OR\s+REPLACE\s+)?VIEW/i.test(readFileSync(path, 'utf8'))) offenders.push(path.slice(root.length + 1));
      }
    };
    for (const dir of ['shared', 'functions', 'scripts', 'bench']) walk(join(root, dir));
    expect(offenders).toEqual(['shared/duckdb/views.ts']);
  });
});
