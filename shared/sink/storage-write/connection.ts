import type { managedwriter } from '@google-cloud/bigquery-storage';
import type { Logs } from '../../logging';
import type { RetryOptions } from '../retry';
import { GrpcCode } from '../write-failure';
import type { RowDescriptor } from './descriptor';
import { withRetries } from './retry-loop';

type WriterClient = managedwriter.WriterClient;
type StreamConnection = Awaited<ReturnType<WriterClient['createStreamConnection']>>;

interface OpenConnection {
  connection: StreamConnection;
  /** Rejects (UNAVAILABLE) when the server ends the call; raced with each write's result. */
  ended: Promise<never>;
  /** The writer schema went out on the current call (see append). */
  schemaSent: boolean;
}

/** Row index (in the request) → BigQuery's reason, for rows refused one by one. */
export type RowErrors = Map<number, string>;

/** BigQuery's answer to one AppendRows request. */
export type AppendResponse = Awaited<ReturnType<ReturnType<StreamConnection['write']>['getResult']>>;

/** The rows an answer refuses one by one (none appended then). */
export function rowErrorsOf(response: AppendResponse): RowErrors {
  const rowErrors: RowErrors = new Map();
  for (const e of response.rowErrors ?? []) rowErrors.set(Number(e.index), `${e.code ?? 'INVALID'}: ${e.message ?? ''}`.trim());
  return rowErrors;
}

interface AppenderOptions {
  client: WriterClient;
  /** Full stream name: `projects/P/datasets/D/tables/T/streams/_default` or a PENDING stream's. */
  stream: string;
  /** `projects/P/datasets/D/tables/T`, for log lines. */
  table: string;
  descriptor: RowDescriptor;
  logs: Logs;
  retry?: RetryOptions;
}

/**
 * Appends to one write stream over one bidirectional AppendRows call (StreamConnection), opened on
 * first use and reopened by the library on the next send after it broke. Each append is retried
 * here on retryable failures; a stream error with no listener would be an uncaught exception, so
 * one is always registered.
 */
export class StreamAppender {
  private connection: Promise<OpenConnection> | null = null;

  constructor(private readonly options: AppenderOptions) {}

  get stream(): string {
    return this.options.stream;
  }

  /**
   * Appends `rows` (at `offset`, on a PENDING stream) until BigQuery has them. Resolves to the rows
   * it refused (none appended then: the caller drops them and appends the rest again); throws
   * StorageWriteError or TransientSinkError when the append cannot be done.
   */
  append(rows: readonly Uint8Array[], offset?: number): Promise<RowErrors> {
    const { logs, retry, table } = this.options;
    return withRetries(
      'AppendRows',
      async () => {
        const response = await this.send(rows, offset);
        const rowErrors = rowErrorsOf(response);
        if (rowErrors.size > 0) return rowErrors;
        const error = response.error;
        if (!error?.code) return rowErrors;
        // The rows at this offset are already in the stream: an earlier try landed, its answer got lost.
        if (error.code === GrpcCode.ALREADY_EXISTS && offset !== undefined) return rowErrors;
        throw Object.assign(new Error(error.message ?? `AppendRows error ${error.code}`), { code: error.code });
      },
      { logs, retry, table, rows: rows.length },
    );
  }

  /**
   * One AppendRows request, not retried: resolves to BigQuery's answer (row errors and in-band
   * errors included), rejects when the call broke before it came. Requests sent before an answer
   * are answered in order (the library matches them first in, first out).
   */
  async send(rows: readonly Uint8Array[], offset?: number): Promise<AppendResponse> {
    const open = await this.open();
    const { connection, ended } = open;
    // The schema goes on the first request of a call only, as the API asks ("the first request
    // of an RPC connection"): the service then decodes later requests without reading it
    // again. A closed call is reopened by the library inside write(): that request is a first.
    const withSchema = !open.schemaSent || !connection.isOpen();
    open.schemaSent = true;
    const pending = connection.write({
      writeStream: this.options.stream,
      offset: offset === undefined ? undefined : { value: offset },
      protoRows: {
        ...(withSchema ? { writerSchema: { protoDescriptor: this.options.descriptor } } : {}),
        rows: { serializedRows: rows as Uint8Array[] },
      },
    });
    return Promise.race([pending.getResult(), ended]);
  }

  /** Ends the bidirectional call; the next append opens a new one. */
  close(): void {
    const connection = this.connection;
    this.connection = null;
    void connection?.then(
      (c) => c.connection.close(),
      () => undefined,
    );
  }

  private open(): Promise<OpenConnection> {
    if (!this.connection) {
      const { client, stream, logs, table } = this.options;
      const opening = client.createStreamConnection({ streamId: stream }).then((c) => {
        c.onConnectionError((err) => logs.error(`AppendRows connection to ${table} failed`, err, { stream, code: err.code }));
        // A call the server ends with status OK leaves the library's pending writes unanswered and
        // the connection "open" (5.1.2): fail them as UNAVAILABLE and start a new call next time.
        const ended = new Promise<never>((_, reject) =>
          c.once('end', () => {
            if (this.connection === opening) this.connection = null;
            c.close();
            reject(Object.assign(new Error('AppendRows call ended by the server'), { code: GrpcCode.UNAVAILABLE }));
          }),
        );
        ended.catch(() => undefined);
        return { connection: c, ended, schemaSent: false };
      });
      this.connection = opening;
      // A failed open is not cached: the next append tries again.
      opening.catch(() => {
        if (this.connection === opening) this.connection = null;
      });
    }
    return this.connection;
  }
}
