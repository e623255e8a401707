/**
 * The functions' import boundary, checked on the compiled code that ships (dist/; `npm test` builds
 * first): nothing in functions/ imports, statically and transitively, the CLI, the local runner,
 * DuckDB or the generators. A lazy `import()` (createSink's DuckDB branch, for local runs) is allowed.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { NOT_DEPLOYED } from '../scripts/deploy/function-source';
import { importGraph, requireCalls, type ImportEdge } from '../scripts/deploy/import-graph';

const REPO = resolve(__dirname, '..');

/** The boundary, as the issue states it (paths relative to the compiled root). */
const FORBIDDEN: Array<{ what: string; test: (edge: ImportEdge, root: string) => boolean }> = [
  { what: 'the CLI', test: (e, root) => under(e, root, 'shared/cli/') },
  { what: 'the local runner', test: (e, root) => under(e, root, 'shared/local/') || under(e, root, 'scripts/') },
  { what: 'DuckDB', test: (e, root) => under(e, root, 'shared/duckdb/') || under(e, root, 'shared/sink/duckdb.js') || Boolean(e.pkg?.startsWith('@duckdb/')) },
  { what: 'the generators', test: (e, root) => under(e, root, 'shared/generate/') },
];

function under(edge: ImportEdge, root: string, prefix: string): boolean {
  return edge.to !== undefined && relative(root, edge.to).split('\\').join('/').startsWith(prefix);
}

/** Every static crossing of the boundary reachable from `entry`, as an import chain. */
function crossings(entry: string, root: string): string[] {
  const graph = importGraph(entry, (edge) => edge.atLoad);
  const via = new Map<string, string>();
  for (const edge of graph.edges) if (edge.to && edge.atLoad && !via.has(edge.to)) via.set(edge.to, edge.from);
  const chain = (file: string): string[] => (via.has(file) && file !== entry ? [...chain(via.get(file)!), relative(root, file)] : [relative(root, file)]);
  return graph.edges
    .filter((edge) => edge.atLoad)
    .flatMap((edge) => FORBIDDEN.filter((rule) => rule.test(edge, root)).map((rule) => `${rule.what}: ${[...chain(edge.from), edge.specifier].join(' → ')}`));
}

describe('import boundary of functions/ (compiled)', () => {
  const root = join(REPO, 'dist');
  // From the sources, so a stale compiled file of a deleted module is not checked.
  const entries = readdirSync(join(REPO, 'functions'))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => name.replace(/\.ts$/, '.js'));

  it('covers every compiled function module', () => {
    expect(entries).toEqual(expect.arrayContaining(['index.js', 'runtime.js', 'edgeone-logs.js', 'media-cdn-logs.js']));
  });

  it.each(entries)('functions/%s never statically imports the CLI, the local runner, DuckDB or the generators', (name) => {
    expect(crossings(join(root, 'functions', name), root)).toEqual([]);
  });

  it('is also what the deploy package leaves out', () => {
    expect(NOT_DEPLOYED.paths).toEqual(
      expect.arrayContaining([
        'dist/shared/cli/',
        'dist/shared/local/',
        'dist/scripts/',
        'dist/shared/duckdb/',
        'dist/shared/sink/duckdb.js',
        'dist/shared/generate/',
      ]),
    );
    expect(NOT_DEPLOYED.packages).toContain('@duckdb/');
  });
});

describe('the import walker the boundary relies on', () => {
  it('tells load-time requires from lazy ones in tsc output', () => {
    const text = [
      'const functions = __importStar(require("@google-cloud/functions-framework"));',
      'const logging_1 = require("../shared/logging");',
      'const lib = () => require("@google-cloud/storage");',
      'async function open() { return await Promise.resolve().then(() => __importStar(require("./duckdb"))); }',
    ].join('\n');
    expect(requireCalls('x.js', text)).toEqual([
      { specifier: '@google-cloud/functions-framework', atLoad: true },
      { specifier: '../shared/logging', atLoad: true },
      { specifier: '@google-cloud/storage', atLoad: false },
      { specifier: './duckdb', atLoad: false },
    ]);
    expect(() => requireCalls('x.js', 'const name = "fs"; require(name);')).toThrow(/x\.js:1: a require of a computed name/);
  });

  it('finds a crossing two modules deep, and not a lazy one', () => {
    const root = mkdtempSync(join(tmpdir(), 'cdnlog-boundary-'));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write(
      'functions/index.js',
      'require("./runtime");\nasync function local() { await Promise.resolve().then(() => require("../shared/generate/catalog")); }\n',
    );
    write('functions/runtime.js', 'const x = require("../shared/sink/create");\n');
    write('shared/sink/create.js', 'require("../cli/main");\nrequire("@duckdb/node-api");\n');
    write('shared/cli/main.js', '');
    write('shared/generate/catalog.js', '');
    expect(crossings(join(root, 'functions/index.js'), root)).toEqual([
      'the CLI: functions/index.js → functions/runtime.js → shared/sink/create.js → ../cli/main',
      'DuckDB: functions/index.js → functions/runtime.js → shared/sink/create.js → @duckdb/node-api',
    ]);
  });
});
