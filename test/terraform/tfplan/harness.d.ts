/** Types of harness.js (plain JS so that `npm run tf:plan` runs it without a build). */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  output: string;
}
export interface PlanResult {
  ok: boolean;
  step: 'validate' | 'plan' | 'show';
  output: string;
  json?: unknown;
}
export interface Workspace {
  root: string;
  first: string;
  copy(plant?: (dir: string) => void): string;
  plan(dir: string, planArgs?: string[], options?: { validate?: boolean }): Promise<PlanResult>;
  /** Any terraform command in the workspace's offline environment; `input` goes to stdin. */
  terraform(cwd: string, args: string[], input?: string): Promise<RunResult>;
  dispose(): void;
}
export function createWorkspace(moduleDir: string, options?: { terraform?: string | null; keep?: boolean; exclude?: string[] }): Promise<Workspace>;
export function findTerraform(env?: NodeJS.ProcessEnv): string | null;
export function run(file: string, args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<RunResult>;
export const PROVIDERS: Record<string, string>;
