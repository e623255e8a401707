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

/**
 * Thrown for a bad command line; main() prints the message, exit 2, and the command's help unless
 * the message already says what to change (a wrong --source, a file that is not there).
 */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly showHelp: boolean;
  constructor(message: string, options: { showHelp?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.showHelp = options.showHelp ?? true;
  }
}

/** A reader went away (`cdnlog … | head -1`): the command ends quietly, as Unix tools do. */
export function isClosedPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/** Exit status after Ctrl-C, as shells report a process ended by SIGINT (128 + 2). */
export const EXIT_INTERRUPTED = 130;
