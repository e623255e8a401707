import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { importGraph, type ImportEdge } from './import-graph';
import { pruneLockfile, type Lockfile } from './lockfile';

/**
 * What the deployed functions never contain, nor import at load: the CLI, the local runner, DuckDB,
 * the generators, the tests and the benchmarks. Paths are relative to the repository root, in dist/.
 * A lazy `import()` of one of them (createSink's DuckDB branch, for local runs) is left out of the
 * package; a static one is an error.
 */
export const NOT_DEPLOYED = {
  paths: [
    'dist/shared/cli/',
    'dist/shared/local/',
    'dist/scripts/',
    'dist/shared/duckdb/',
    'dist/shared/sink/duckdb.js',
    'dist/shared/generate/',
    'dist/bench/',
    'dist/test/',
  ],
  packages: ['@duckdb/'],
};

function isNotDeployed(edge: Pick<ImportEdge, 'to' | 'pkg'>, repo: string): boolean {
  if (edge.pkg) return NOT_DEPLOYED.packages.some((prefix) => edge.pkg!.startsWith(prefix));
  if (!edge.to) return false; // a builtin
  const path = relative(repo, edge.to).split(sep).join('/');
  return NOT_DEPLOYED.paths.some((prefix) => path === prefix || path.startsWith(prefix));
}

interface PackageJson {
  name: string;
  version: string;
  description?: string;
  license?: string;
  main: string;
  engines?: Record<string, string>;
  dependencies: Record<string, string>;
  /** npm 11's per-package decision on install scripts; the staged package keeps those of the packages it installs. */
  allowScripts?: Record<string, boolean>;
}

/** The staged source, before it is written: files to copy (relative to the repository) and the two manifests. */
interface FunctionSource {
  files: string[];
  packageJson: PackageJson & { private: true; scripts: Record<string, string> };
  lockfile: Lockfile;
}

/**
 * Plans the functions' deploy package from the compiled code: the files reachable from package.json
 * `main` (dist/functions/index.js), and as dependencies exactly the packages those files require,
 * at the ranges of the repository's package.json, with a lockfile cut from the repository's. The
 * import graph is the one place the dependencies come from, so they cannot drift from the code.
 */
export function planFunctionSource(repo: string): FunctionSource {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as PackageJson;
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as Lockfile;
  const graph = importGraph(resolve(repo, pkg.main), (edge) => !isNotDeployed(edge, repo));

  const show = (file: string) => relative(repo, file);
  const crossings = graph.edges.filter((edge) => edge.atLoad && isNotDeployed(edge, repo));
  if (crossings.length > 0) {
    throw new Error(`the functions import what is never deployed: ${crossings.map((e) => `${show(e.from)} → ${e.specifier}`).join(', ')}`);
  }
  const dependencies: Record<string, string> = {};
  for (const edge of graph.edges) {
    if (!edge.pkg || isNotDeployed(edge, repo)) continue;
    const range = pkg.dependencies[edge.pkg];
    if (!range) throw new Error(`${show(edge.from)} requires ${edge.pkg}, which is not in package.json dependencies`);
    dependencies[edge.pkg] = range;
  }
  const sortedDeps = Object.fromEntries(
    Object.keys(dependencies)
      .sort()
      .map((name) => [name, dependencies[name]!]),
  );
  const meta = { name: pkg.name, version: pkg.version, license: pkg.license, engines: pkg.engines };
  const lockfile = pruneLockfile(lock, meta, sortedDeps);
  const installed = new Set(Object.keys(lockfile.packages).map((at) => at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length)));
  const allowScripts = Object.fromEntries(Object.entries(pkg.allowScripts ?? {}).filter(([name]) => installed.has(name)));
  return {
    files: graph.files.map(show).sort(),
    packageJson: {
      name: pkg.name,
      version: pkg.version,
      ...(pkg.description ? { description: pkg.description } : {}),
      ...(pkg.license ? { license: pkg.license } : {}),
      private: true,
      main: pkg.main,
      ...(pkg.engines ? { engines: pkg.engines } : {}),
      // Cloud Build's Node.js buildpack runs `gcp-build` instead of `build` when present: empty,
      // so it runs `npm ci` only (the TypeScript sources are not shipped).
      scripts: { 'gcp-build': '' },
      dependencies: sortedDeps,
      // Without them npm 11 warns on every install of the package about scripts the repository already decided on.
      ...(Object.keys(allowScripts).length > 0 ? { allowScripts } : {}),
    },
    lockfile,
  };
}

/** Writes `source` to `out` (emptied first): a directory archive_file can zip. */
export function writeFunctionSource(repo: string, source: FunctionSource, out: string): void {
  rmSync(out, { recursive: true, force: true });
  for (const file of source.files) {
    mkdirSync(dirname(join(out, file)), { recursive: true });
    copyFileSync(join(repo, file), join(out, file));
  }
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(source.packageJson, null, 2)}\n`);
  writeFileSync(join(out, 'package-lock.json'), `${JSON.stringify(source.lockfile, null, 2)}\n`);
}
