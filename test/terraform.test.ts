/**
 * Holds terraform/ against the code it deploys where no plan is needed: the generated schema files,
 * the heap cap default, the built entry points, variable descriptions, and the view SQL (portable
 * functions, existing columns, creation order). Every .tf file is parsed with @cdktf/hcl2json.
 * What Terraform evaluates (values, references, IAM, delivery) is checked on real plans in
 * test/terraform-plan.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ENTRY_POINTS } from '../functions/entry-points';
import { DEFAULT_MAX_HEAP_MB } from '../shared/config/env';
import { EdgeLogRow } from '../shared/schema/edge-log';
import { renderSchemaFile, schemaFiles } from '../shared/schema/schema-files';
import { asObject, block, loadModule, resources, strings, variables, type TfModule } from './terraform/module';
import { PORTABLE_FUNCTIONS, sqlUsage } from './terraform/sql-identifiers';

const REPO = resolve(__dirname, '..');
const TF_DIR = join(REPO, 'terraform');
const REGENERATE = 'npm run build && node dist/scripts/generate-schema.js';

let mod: TfModule;

beforeAll(async () => {
  mod = await loadModule(TF_DIR);
});

/** The value a variable gets when not set: its default. */
function variableDefault(name: string): unknown {
  const v = variables(mod).find((b) => b.name === name);
  if (!v) throw new Error(`variable ${name} is not declared`);
  return v.body['default'];
}

describe('functions', () => {
  test('the built package exports every entry point as a function (when dist/ exists)', () => {
    const main = join(REPO, (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { main: string }).main);
    if (!existsSync(main)) return; // built by the functions branch; checked once dist/ is there
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(main) as Record<string, unknown>;
    for (const name of ENTRY_POINTS) expect(typeof exported[name]).toBe('function');
  });

  test('the V8 heap cap defaults to what the benchmark measures memory with', () => {
    expect(variableDefault('function_max_heap_mb')).toBe(DEFAULT_MAX_HEAP_MB);
  });
});

describe('BigQuery', () => {
  test('schema files are what the zod rows generate now', () => {
    for (const [path, fields] of Object.entries(schemaFiles())) {
      const onDisk = existsSync(join(REPO, path)) ? readFileSync(join(REPO, path), 'utf8') : '<missing>';
      if (onDisk !== renderSchemaFile(fields)) {
        throw new Error(`${path} is stale; regenerate it with: ${REGENERATE}`);
      }
    }
  });
});

describe('the module is self-consistent', () => {
  test('every variable has a type and a description', () => {
    const vars = variables(mod);
    expect(vars.length).toBeGreaterThan(0);
    for (const v of vars) {
      expect([v.name, typeof v.body['type']]).toEqual([v.name, 'string']);
      expect([v.name, typeof v.body['description']]).toEqual([v.name, 'string']);
    }
  });
});

describe('analyst views', () => {
  const views = (): { tableId: string; sqlPath: string; varsExpr: string }[] =>
    resources(mod, 'google_bigquery_table')
      .filter((t) => t.body['view'] !== undefined)
      .map((t) => {
        const query = String(block(t.body, 'view')['query']);
        const m = /^\$\{templatefile\("\$\{path\.module\}\/\.\.\/(sql\/views\/\w+\.sql)", (.+)\)\}$/.exec(query);
        if (!m) throw new Error(`${t.name}: view query must be templatefile of sql/views/*.sql, got ${query}`);
        return { tableId: String(t.body['table_id']), sqlPath: m[1]!, varsExpr: m[2]! };
      });

  test('the three views, each from sql/views/<table_id>.sql, standard SQL', () => {
    expect(
      views()
        .map((v) => v.tableId)
        .sort(),
    ).toEqual(['edge_logs_dedup', 'l4_sessions', 'traffic_hourly']);
    for (const v of views()) expect(v.sqlPath).toBe(`sql/views/${v.tableId}.sql`);
    for (const t of resources(mod, 'google_bigquery_table').filter((t) => t.body['view'])) {
      expect(block(t.body, 'view')['use_legacy_sql']).toBe(false);
    }
  });

  test('templates use only the variables Terraform passes (project, dataset)', () => {
    for (const v of views()) {
      const local = /^local\.(\w+)$/.exec(v.varsExpr)?.[1];
      const passed = Object.keys(asObject(local ? mod.locals[local] : undefined));
      expect(passed.sort()).toEqual(['dataset', 'project']);
      const sql = readFileSync(join(REPO, v.sqlPath), 'utf8');
      expect(sql).not.toContain('%{');
      for (const name of sqlUsage(sql).templateVars) expect(passed).toContain(name);
    }
  });

  test('views read only declared tables, use portable functions and existing columns', () => {
    const tableIds = resources(mod, 'google_bigquery_table').map((t) => String(t.body['table_id']));
    const columns = new Set<string>(Object.keys(EdgeLogRow.shape));
    for (const v of views()) {
      const usage = sqlUsage(readFileSync(join(REPO, v.sqlPath), 'utf8'));
      expect(usage.tables.length).toBeGreaterThan(0);
      for (const table of usage.tables) {
        const id = /^\$\{project\}\.\$\{dataset\}\.(\w+)$/.exec(table)?.[1];
        expect([table, id !== undefined && tableIds.includes(id) && id !== v.tableId]).toEqual([table, true]);
      }
      for (const fn of usage.functions) expect([v.tableId, fn, PORTABLE_FUNCTIONS.has(fn)]).toEqual([v.tableId, fn, true]);
      for (const c of usage.columns) expect([v.tableId, c, columns.has(c)]).toEqual([v.tableId, c, true]);
    }
  });

  test('views that read another view are created after it', () => {
    for (const t of resources(mod, 'google_bigquery_table').filter((t) => t.body['view'])) {
      const query = String(block(t.body, 'view')['query']);
      const sqlPath = /\.\.\/(sql\/views\/\w+\.sql)/.exec(query)![1]!;
      const reads = sqlUsage(readFileSync(join(REPO, sqlPath), 'utf8')).tables.map((x) => x.split('.').pop()!);
      const dependsOn = strings(t.body['depends_on']).join(' ');
      for (const r of reads) {
        const target = resources(mod, 'google_bigquery_table').find((x) => x.body['table_id'] === r)!;
        expect(dependsOn).toContain(`google_bigquery_table.${target.name}`);
      }
    }
  });
});
