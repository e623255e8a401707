/** The parts of an npm lockfile (v2/v3) this module reads and writes. */
export interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

/** Where Node would find `name` from the package installed at `from` ('' is the root): the nearest node_modules up the tree. */
export function locate(packages: Lockfile['packages'], from: string, name: string): string | undefined {
  for (let dir = from; ; ) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

/**
 * The lockfile of a package that depends on exactly `dependencies`, cut from `lock` (the whole
 * repository's, which npm resolved and the tests ran against): the root entry is rewritten and only
 * the entries reachable from it are kept, unchanged, so `npm ci` installs the very versions tested,
 * offline-derivable and deterministic. A dependency the lockfile cannot resolve is an error
 * (optional and optional-peer ones may be absent, as npm allows).
 */
export function pruneLockfile(
  lock: Lockfile,
  root: { name: string; version: string; license?: string; engines?: unknown },
  dependencies: Record<string, string>,
): Lockfile {
  const kept: Record<string, LockEntry> = {};
  const queue: Array<{ from: string; entry: LockEntry }> = [{ from: '', entry: { dependencies } }];
  while (queue.length > 0) {
    const { from, entry } = queue.shift()!;
    const wanted: Array<[string, boolean]> = [
      ...Object.keys(entry.dependencies ?? {}).map((n): [string, boolean] => [n, true]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((n): [string, boolean] => [n, false]),
      ...Object.keys(entry.peerDependencies ?? {}).map((n): [string, boolean] => [n, !entry.peerDependenciesMeta?.[n]?.optional]),
    ];
    for (const [name, required] of wanted) {
      const at = locate(lock.packages, from, name);
      if (!at) {
        if (required) throw new Error(`package-lock.json has no ${name} for ${from || 'the root'}; run npm install`);
        continue;
      }
      if (kept[at]) continue;
      const found = lock.packages[at]!;
      if (found.dev) throw new Error(`package-lock.json marks ${at} dev-only, yet ${from || 'the root'} needs it at run time`);
      kept[at] = found;
      queue.push({ from: at, entry: found });
    }
  }
  const rootEntry: LockEntry = {
    name: root.name,
    version: root.version,
    ...(root.license ? { license: root.license } : {}),
    dependencies,
    ...(root.engines ? { engines: root.engines } : {}),
  };
  const sorted = Object.fromEntries(
    Object.keys(kept)
      .sort()
      .map((key) => [key, kept[key]!]),
  );
  return { name: root.name, version: root.version, lockfileVersion: lock.lockfileVersion, requires: true, packages: { '': rootEntry, ...sorted } };
}
