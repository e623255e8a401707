/** The streams a CLI command talks to; passed in so tests can drive commands without a process. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Environment variables (defaults to process.env in main). */
  env: NodeJS.ProcessEnv;
}

/** A CLI command: parses its own arguments and resolves to the process exit code. */
export type Command = (args: string[], io: CliIo) => Promise<number>;

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, rejected: 1, usage: 2 } as const;

/** Thrown for a bad command line; main() prints the message and the command's help, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
