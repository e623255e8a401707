import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');
/** The real binary, as users run it (it loads the compiled dist/). */
export const CLI = join(root, 'bin', 'cdnlog.js');

/** Builds dist/ when a lone `npx jest` runs before any `npm run build`. */
export function ensureBuilt(): void {
  if (!existsSync(join(root, 'dist', 'shared', 'cli', 'main.js'))) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
}

/** An environment with no cloud settings and no way to reach Google credentials. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...extra };
  return env;
}

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `cdnlog ARGS` to the end; `input` goes to its stdin. */
export function cdnlog(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = { env: options.env ?? cleanEnv(), cwd: options.cwd ?? root, stdio: ['pipe', 'pipe', 'pipe'] };
    const child = spawn(process.execPath, [CLI, ...args], spawnOptions);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    // A command that never reads stdin may exit before the input is written: EPIPE is then no failure.
    child.stdin!.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') reject(err);
    });
    child.stdin!.end(options.input ?? '');
  });
}
