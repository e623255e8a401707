import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { translateBigQueryToDuckDb } from '../sql/translate';

interface ViewDefinition {
  name: string;
  /** The BigQuery SQL as committed in sql/views/NAME.sql. */
  bigQuerySql: string;
  /** The same view translated for DuckDB; the only way a DuckDB view is ever defined. */
  duckDbSql: string;
  references: string[];
}

/** sql/views at the package root, found from here whether running from source or from dist/. */
export function findViewsDir(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'sql', 'views');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`sql/views not found above ${from}`);
  }
}

/** Reads and translates every view, ordered so that each comes after the views it reads. */
export function loadViewDefinitions(dir: string = findViewsDir()): ViewDefinition[] {
  const views = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      const bigQuerySql = readFileSync(join(dir, file), 'utf8');
      const name = basename(file, '.sql');
      try {
        const { sql, references } = translateBigQueryToDuckDb(bigQuerySql);
        return { name, bigQuerySql, duckDbSql: sql, references };
      } catch (error) {
        throw new Error(`sql/views/${file}: ${(error as Error).message}`, { cause: error });
      }
    });
  return orderByDependency(views);
}

function orderByDependency<T extends { name: string; references: string[] }>(views: T[]): T[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const ordered: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (v: T, path: string[]): void => {
    if (state.get(v.name) === 'done') return;
    if (state.get(v.name) === 'visiting') throw new Error(`views reference each other in a cycle: ${[...path, v.name].join(' → ')}`);
    state.set(v.name, 'visiting');
    for (const ref of v.references) {
      const dep = byName.get(ref);
      if (dep) visit(dep, [...path, v.name]);
    }
    state.set(v.name, 'done');
    ordered.push(v);
  };
  for (const v of views) visit(v, []);
  return ordered;
}

/** The statement that (re)creates a view in DuckDB. */
export function createViewSql(view: ViewDefinition): string {
  return `CREATE OR REPLACE VIEW ${view.name} AS\n${view.duckDbSql.trim()}`;
}
