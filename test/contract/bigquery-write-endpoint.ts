import { dirname, join } from 'node:path';
// Both come with google-gax (a dependency of @google-cloud/bigquery-storage), as for the Pub/Sub endpoint.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { validateRow, type BigQuerySchemaField } from './bigquery-row-validator';

/**
 * Local gRPC endpoint of google.cloud.bigquery.storage.v1.BigQueryWrite, built from the protos
 * @google-cloud/bigquery-storage ships: CreateWriteStream, AppendRows (bidirectional, offsets, the
 * ProtoSchema of the request, rows decoded with it and checked against the table schema),
 * FinalizeWriteStream, BatchCommitWriteStreams, GetWriteStream. Faults: a call ended with
 * UNAVAILABLE mid-stream, a reply lost after the rows landed, a stream closed by the server, row
 * refusals, unary failures; each either for the next requests in turn or for the request at a given
 * offset. Offsets are checked as the API does (ALREADY_EXISTS, OUT_OF_RANGE). Requests can be held
 * until several have arrived on one call, which shows they were in flight together and makes a
 * fault among them hit the same requests on every run, whatever the machine's timing.
 */

const Status = grpc.status;
/** google.cloud.bigquery.storage.v1.StorageError.StorageErrorCode */
const STREAM_ALREADY_COMMITTED = 2;
const STREAM_NOT_FOUND = 3;
const INVALID_STREAM_STATE = 5;

const PROTO_TYPES: Record<string, { proto: string; columns: string[] }> = {
  TYPE_STRING: { proto: 'string', columns: ['STRING', 'JSON'] },
  TYPE_INT64: { proto: 'int64', columns: ['INT64', 'INTEGER', 'TIMESTAMP'] },
  TYPE_DOUBLE: { proto: 'double', columns: ['FLOAT64', 'FLOAT'] },
  TYPE_BOOL: { proto: 'bool', columns: ['BOOL', 'BOOLEAN'] },
};

function loadWriteService(): grpc.ServiceDefinition {
  const storageRoot = join(dirname(require.resolve('@google-cloud/bigquery-storage/package.json')), 'build', 'protos');
  const gaxRoot = join(dirname(require.resolve('google-gax')), '..', 'protos');
  const definition = protoLoader.loadSync('google/cloud/bigquery/storage/v1/storage.proto', {
    includeDirs: [storageRoot, gaxRoot],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    google: { cloud: { bigquery: { storage: { v1: { BigQueryWrite: { service: grpc.ServiceDefinition } } } } } };
  };
  return pkg.google.cloud.bigquery.storage.v1.BigQueryWrite.service;
}

interface FieldDescriptor {
  name: string;
  number: number;
  label?: string;
  type?: string;
}
interface AppendRowsRequest {
  writeStream?: string;
  offset?: { value?: string };
  protoRows?: { writerSchema?: { protoDescriptor?: { name?: string; field?: FieldDescriptor[] } }; rows?: { serializedRows?: Buffer[] } };
}

type Row = Record<string, unknown>;

interface Stream {
  name: string;
  table: string;
  type: 'COMMITTED' | 'PENDING';
  rows: Row[];
  createTime: Date;
  finalized: boolean;
  commitTime: Date | null;
}

/** One AppendRows request as the endpoint handled it. */
export interface AppendRecord {
  stream: string;
  rows: number;
  bytes: number;
  offset: number | null;
  /** The request carried writer_schema (required on the first request of a call only). */
  withSchema: boolean;
  /** ok, row_errors, already_exists, out_of_range, invalid, or the injected fault. */
  outcome: string;
}

/** What the next AppendRows request meets. */
export type AppendFault =
  /** The call ends with UNAVAILABLE before the request is handled (mid-stream; nothing lands). */
  | { kind: 'unavailable'; details?: string }
  /** The rows land, then the call ends with UNAVAILABLE before the reply: the client cannot know. */
  | { kind: 'lose-reply' }
  /** The server ends the call (status OK) without answering the request. */
  | { kind: 'close' }
  /** Answered in-band with this error (AppendRowsResponse.error), nothing lands. */
  | { kind: 'error'; code: grpc.status; message?: string };

const toTimestamp = (d: Date) => ({ seconds: String(Math.floor(d.getTime() / 1000)), nanos: (d.getTime() % 1000) * 1e6 });

/** What a PENDING stream of a table that keeps no rows holds in place of each row: only its count matters. */
const NOT_KEPT: Row = Object.freeze({}) as Row;

/** A decoded proto value as insertAll JSON would carry it, so one validator checks both paths. */
function asBigQueryValue(type: string, value: unknown): unknown {
  if (type === 'TIMESTAMP') {
    const micros = BigInt(String(value));
    const ms = Number(micros / 1000n);
    const iso = new Date(ms).toISOString();
    return `${iso.slice(0, 19)}.${String(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).padStart(6, '0')}Z`;
  }
  if (type === 'INT64' || type === 'INTEGER') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : String(value);
  }
  return value;
}

export interface BigQueryWriteEndpointOptions {
  /** Tables keyed `${dataset}.${table}`; any project id is accepted. */
  tables: Record<string, BigQuerySchemaField[]>;
  /** Port to listen on (default: any free one); a restart on the same port looks like an outage. */
  port?: number;
  /**
   * Which tables keep the rows they are given (default: all). Rows of the others are still decoded,
   * checked and counted in `appends`, then dropped: a long bench would otherwise hold every row.
   */
  keepRows?: boolean | readonly string[];
}

export async function startBigQueryWriteEndpoint(options: BigQueryWriteEndpointOptions) {
  const tables = new Map(Object.entries(options.tables));
  const stored = new Map<string, Row[]>([...tables.keys()].map((t) => [t, []]));
  const streams = new Map<string, Stream>();
  const appends: AppendRecord[] = [];
  const keeps = (table: string) =>
    options.keepRows === undefined || options.keepRows === true || (Array.isArray(options.keepRows) && options.keepRows.includes(table));
  const appendFaults: AppendFault[] = [];
  /** Faults for the first request that comes with this offset (on a PENDING stream). */
  const offsetFaults = new Map<number, AppendFault>();
  /** Requests held, per call, until this many have arrived; then handled in order. */
  let holdUntil = 0;
  const unaryFaults = new Map<string, grpc.status[]>();
  /** Unary methods whose next call takes effect and then answers UNAVAILABLE (a lost reply). */
  const lostReplies = new Map<string, number>();
  const refusals: Array<(table: string, row: Row) => string | null> = [];
  let failAppendsForever: grpc.status | null = null;
  let appendCalls = 0;
  let nextStream = 1;

  /** `projects/P/datasets/D/tables/T` → `D.T` when that table exists. */
  const tableKey = (path: string | undefined): string | null => {
    const m = /^projects\/[^/]+\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(path ?? '');
    const key = m ? `${m[1]}.${m[2]}` : null;
    return key && tables.has(key) ? key : null;
  };
  const streamOf = (name: string | undefined): Stream | null => {
    if (!name) return null;
    const existing = streams.get(name);
    if (existing) return existing;
    const m = /^(projects\/[^/]+\/datasets\/[^/]+\/tables\/[^/]+)\/streams\/_default$/.exec(name);
    const table = m ? tableKey(m[1]) : null;
    if (!table) return null;
    // The default stream always exists; its rows are the table's.
    const stream: Stream = { name, table, type: 'COMMITTED', rows: stored.get(table)!, createTime: new Date(), finalized: false, commitTime: null };
    streams.set(name, stream);
    return stream;
  };
  const unaryFault = (method: string): grpc.ServiceError | null => {
    const code = unaryFaults.get(method)?.shift();
    return code === undefined
      ? null
      : (Object.assign(new Error(`Injected ${Status[code]}`), { code, details: `Injected ${Status[code]}` }) as grpc.ServiceError);
  };
  const streamInfo = (s: Stream) => ({
    name: s.name,
    type: s.type,
    createTime: toTimestamp(s.createTime),
    ...(s.commitTime ? { commitTime: toTimestamp(s.commitTime) } : {}),
    tableSchema: {
      fields: tables
        .get(s.table)!
        .map((f) => ({ name: f.name.toLowerCase(), type: f.type === 'FLOAT64' ? 'DOUBLE' : f.type === 'BOOL' ? 'BOOL' : f.type, mode: f.mode ?? 'NULLABLE' })),
    },
  });

  /** A protobufjs Type for the writer schema, or why it does not fit the table. */
  function rowType(table: string, descriptor: { name?: string; field?: FieldDescriptor[] } | undefined): protobuf.Type | string {
    if (!descriptor?.field?.length) return 'writer_schema.proto_descriptor is required on the first request of a connection';
    const schema = tables.get(table)!;
    const type = new protobuf.Type(descriptor.name || 'root');
    for (const field of descriptor.field) {
      const column = schema.find((c) => c.name.toLowerCase() === field.name.toLowerCase());
      if (!column) return `Input schema has more fields than BigQuery schema, extra fields: '${field.name}'`;
      const proto = PROTO_TYPES[field.type ?? ''];
      if (!proto?.columns.includes(column.type))
        return `The proto field ${field.name} of type ${field.type} does not match the BigQuery column type ${column.type}`;
      type.add(new protobuf.Field(field.name, field.number, proto.proto, field.label === 'LABEL_REQUIRED' ? 'required' : 'optional'));
    }
    new protobuf.Root().add(type);
    return type;
  }

  /** Which proto field carries each column (BigQuery matches names case-insensitively), worked out once per writer schema. */
  const fieldsOf = new WeakMap<protobuf.Type, { table: string; pairs: Array<[BigQuerySchemaField, string | undefined]> }>();
  function columnFields(table: string, type: protobuf.Type): Array<[BigQuerySchemaField, string | undefined]> {
    const known = fieldsOf.get(type);
    if (known?.table === table) return known.pairs;
    const byName = new Map(type.fieldsArray.map((f) => [f.name.toLowerCase(), f.name]));
    const pairs = tables.get(table)!.map((column): [BigQuerySchemaField, string | undefined] => [column, byName.get(column.name.toLowerCase())]);
    fieldsOf.set(type, { table, pairs });
    return pairs;
  }

  function decodeRow(table: string, type: protobuf.Type, bytes: Buffer): { row: Row; errors: string[] } {
    const schema = tables.get(table)!;
    let decoded: Row;
    try {
      decoded = type.toObject(type.decode(bytes), { longs: String }) as Row;
    } catch (err) {
      return { row: {}, errors: [`Could not decode the row: ${(err as Error).message}`] };
    }
    const row: Row = {};
    for (const [column, key] of columnFields(table, type)) {
      const value = key === undefined ? undefined : decoded[key];
      if (value !== null && value !== undefined) row[column.name] = asBigQueryValue(column.type, value);
    }
    const errors = validateRow(schema, row, false).map((e) => e.message);
    for (const refuse of refusals) {
      const message = refuse(table, row);
      if (message !== null) errors.push(message);
    }
    return { row, errors };
  }

  const appendRows = (call: grpc.ServerDuplexStream<AppendRowsRequest, unknown>) => {
    appendCalls++;
    let ended = false;
    let stream: Stream | null = null;
    let type: protobuf.Type | null = null;
    const end = (code: grpc.status, details: string) => {
      if (ended) return;
      ended = true;
      // emit('error') sends the status; destroy() would send none and leave the client waiting.
      call.emit('error', { code, details });
    };
    call.on('error', () => undefined);
    call.on('end', () => {
      if (!ended) {
        ended = true;
        call.end();
      }
    });
    const held: AppendRowsRequest[] = [];
    call.on('data', (request: AppendRowsRequest) => {
      if (holdUntil === 0) return handle(request);
      held.push(request);
      if (held.length < holdUntil) return;
      holdUntil = 0;
      for (const r of held.splice(0)) handle(r);
    });
    const handle = (request: AppendRowsRequest) => {
      if (ended) return; // requests still buffered after the call ended are not handled
      const record: AppendRecord = {
        stream: request.writeStream ?? stream?.name ?? '',
        rows: 0,
        bytes: 0,
        offset: request.offset?.value === undefined ? null : Number(request.offset.value),
        withSchema: request.protoRows?.writerSchema?.protoDescriptor !== undefined,
        outcome: 'ok',
      };
      appends.push(record);
      if (failAppendsForever !== null) {
        record.outcome = `fault:${Status[failAppendsForever]}`;
        return end(failAppendsForever, 'Injected: the service is unavailable');
      }
      const offsetFault = offsetFaults.get(Number(request.offset?.value ?? Number.NaN));
      if (offsetFault) offsetFaults.delete(Number(request.offset!.value));
      const fault = offsetFault ?? appendFaults.shift();
      if (fault?.kind === 'unavailable') {
        record.outcome = 'fault:unavailable';
        return end(Status.UNAVAILABLE, fault.details ?? 'Injected: connection reset mid-stream');
      }
      if (fault?.kind === 'close') {
        record.outcome = 'fault:close';
        ended = true;
        return call.end();
      }
      if (request.writeStream) stream = streamOf(request.writeStream);
      if (!stream) return end(Status.NOT_FOUND, `Requested entity was not found. Entity: ${request.writeStream}`);
      const descriptor = request.protoRows?.writerSchema?.protoDescriptor;
      if (descriptor || !type) {
        const built = rowType(stream.table, descriptor);
        if (typeof built === 'string') {
          record.outcome = 'invalid';
          return void call.write({ error: { code: Status.INVALID_ARGUMENT, message: built }, writeStream: stream.name });
        }
        type = built;
      }
      const serialized = request.protoRows?.rows?.serializedRows ?? [];
      record.rows = serialized.length;
      record.bytes = serialized.reduce((n, b) => n + b.length, 0);
      if (fault?.kind === 'error') {
        record.outcome = `fault:${Status[fault.code]}`;
        return void call.write({ error: { code: fault.code, message: fault.message ?? `Injected ${Status[fault.code]}` }, writeStream: stream.name });
      }
      if (stream.finalized || stream.commitTime) {
        record.outcome = 'invalid';
        return void call.write({ error: { code: Status.INVALID_ARGUMENT, message: `Stream is finalized: ${stream.name}` }, writeStream: stream.name });
      }
      const hasOffset = request.offset?.value !== undefined;
      const offset = hasOffset ? Number(request.offset!.value) : null;
      if (offset !== null && stream.type === 'COMMITTED' && stream.name.endsWith('/_default')) {
        return end(Status.INVALID_ARGUMENT, 'Offsets are not supported on the default stream');
      }
      if (offset !== null && offset < stream.rows.length) {
        record.outcome = 'already_exists';
        return void call.write({
          error: { code: Status.ALREADY_EXISTS, message: `The offset is within stream, expected offset ${stream.rows.length}, received ${offset}` },
          writeStream: stream.name,
        });
      }
      if (offset !== null && offset > stream.rows.length) {
        record.outcome = 'out_of_range';
        return void call.write({
          error: { code: Status.OUT_OF_RANGE, message: `The offset is beyond stream, expected offset ${stream.rows.length}, received ${offset}` },
          writeStream: stream.name,
        });
      }
      const decoded = serialized.map((bytes) => decodeRow(stream!.table, type!, bytes));
      const rowErrors = decoded.flatMap((d, index) => (d.errors.length ? [{ index: String(index), code: 'FIELDS_ERROR', message: d.errors.join('; ') }] : []));
      if (rowErrors.length > 0) {
        // The API appends none of a request's rows when it refuses any of them.
        record.outcome = 'row_errors';
        return void call.write({
          error: { code: Status.INVALID_ARGUMENT, message: 'Errors found while processing rows.' },
          rowErrors,
          writeStream: stream.name,
        });
      }
      const start = stream.rows.length;
      // The _default stream's rows are the table's. A PENDING stream counts its rows for offsets, and
      // holds them only for a table that keeps rows: a long bench's upload would otherwise keep every
      // decoded row alive in the process that also drives the load.
      if (keeps(stream.table)) for (const d of decoded) stream.rows.push(d.row);
      else if (!stream.name.endsWith('/_default')) for (let i = 0; i < decoded.length; i++) stream.rows.push(NOT_KEPT);
      if (fault?.kind === 'lose-reply') {
        record.outcome = 'fault:lose-reply';
        return end(Status.UNAVAILABLE, 'Injected: connection lost before the reply');
      }
      call.write({ appendResult: offset === null ? {} : { offset: { value: String(start) } }, writeStream: stream.name });
    };
  };

  const grpcError = (code: grpc.status, details: string) => Object.assign(new Error(details), { code, details });
  type UnaryHandler<Req> = (req: Req) => unknown;
  const unary =
    <Req>(method: string, fn: UnaryHandler<Req>): grpc.handleUnaryCall<Req, unknown> =>
    (call, callback) => {
      const fault = unaryFault(method);
      if (fault) return callback(fault);
      try {
        const response = fn(call.request);
        const lost = lostReplies.get(method) ?? 0;
        if (lost > 0) {
          lostReplies.set(method, lost - 1);
          return callback(grpcError(Status.UNAVAILABLE, 'Injected: the reply was lost after the call took effect'));
        }
        callback(null, response);
      } catch (err) {
        callback(err as grpc.ServiceError);
      }
    };

  const handlers: grpc.UntypedServiceImplementation = {
    CreateWriteStream: unary<{ parent?: string; writeStream?: { type?: string } }>('CreateWriteStream', (req) => {
      const table = tableKey(req.parent);
      if (!table) throw grpcError(Status.NOT_FOUND, `Requested entity was not found. Entity: ${req.parent}`);
      const type = req.writeStream?.type;
      if (type !== 'PENDING' && type !== 'COMMITTED') throw grpcError(Status.INVALID_ARGUMENT, `Stream type ${type} is not part of this contract endpoint`);
      const name = `${req.parent}/streams/s${nextStream++}`;
      const stream: Stream = {
        name,
        table,
        type,
        rows: type === 'COMMITTED' ? stored.get(table)! : [],
        createTime: new Date(),
        finalized: false,
        commitTime: null,
      };
      streams.set(name, stream);
      return streamInfo(stream);
    }),
    GetWriteStream: unary<{ name?: string }>('GetWriteStream', (req) => {
      const stream = streamOf(req.name);
      if (!stream) throw grpcError(Status.NOT_FOUND, `Requested entity was not found. Entity: ${req.name}`);
      return streamInfo(stream);
    }),
    FinalizeWriteStream: unary<{ name?: string }>('FinalizeWriteStream', (req) => {
      const stream = streamOf(req.name);
      if (!stream) throw grpcError(Status.NOT_FOUND, `Requested entity was not found. Entity: ${req.name}`);
      if (stream.name.endsWith('/_default')) throw grpcError(Status.INVALID_ARGUMENT, 'Cannot finalize the default stream');
      stream.finalized = true;
      return { rowCount: String(stream.rows.length) };
    }),
    BatchCommitWriteStreams: unary<{ parent?: string; writeStreams?: string[] }>('BatchCommitWriteStreams', (req) => {
      const table = tableKey(req.parent);
      if (!table) throw grpcError(Status.NOT_FOUND, `Requested entity was not found. Entity: ${req.parent}`);
      const names = req.writeStreams ?? [];
      const streamErrors: Array<{ code: number; entity: string; errorMessage: string }> = [];
      for (const name of names) {
        const s = streams.get(name);
        if (!s || s.table !== table) streamErrors.push({ code: STREAM_NOT_FOUND, entity: name, errorMessage: 'Stream not found' });
        else if (s.commitTime) streamErrors.push({ code: STREAM_ALREADY_COMMITTED, entity: name, errorMessage: 'Stream already committed' });
        else if (!s.finalized || s.type !== 'PENDING')
          streamErrors.push({ code: INVALID_STREAM_STATE, entity: name, errorMessage: 'Stream is not a finalized PENDING stream' });
      }
      // All or nothing: one bad stream commits none of them.
      if (streamErrors.length > 0) return { streamErrors };
      const now = new Date();
      for (const name of names) {
        const s = streams.get(name)!;
        // One by one: spreading a stream of 100,000+ rows as arguments overflows the call stack.
        const target = stored.get(table)!;
        if (keeps(table)) for (const row of s.rows) target.push(row);
        s.commitTime = now;
      }
      return { commitTime: toTimestamp(now) };
    }),
    FlushRows: unary('FlushRows', () => {
      throw grpcError(Status.UNIMPLEMENTED, 'FlushRows (BUFFERED streams) is not part of this contract endpoint');
    }),
    AppendRows: appendRows,
  };

  const server = new grpc.Server();
  server.addService(loadWriteService(), handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );

  return {
    host: '127.0.0.1',
    port,
    /** Committed rows of `${dataset}.${table}` in arrival order, values as insertAll JSON carries them. */
    rows: (table: string): Row[] => [...(stored.get(table) ?? [])],
    /** Every AppendRows request so far. */
    appends,
    /** AppendRows calls (connections) opened so far. */
    get appendCalls() {
      return appendCalls;
    },
    /** Streams created, by name (PENDING ones keep their rows until committed). */
    streams: () =>
      [...streams.values()].map((s) => ({ name: s.name, type: s.type, rows: s.rows.length, finalized: s.finalized, committed: s.commitTime !== null })),
    /** The next AppendRows requests meet these faults, in order. */
    faultAppends: (...faults: AppendFault[]) => void appendFaults.push(...faults),
    /** The first AppendRows request at `offset` meets `fault` (instead of the next in faultAppends). */
    faultAppendAt: (offset: number, fault: AppendFault) => void offsetFaults.set(offset, fault),
    /**
     * The next `n` AppendRows requests of a call are held until all `n` have arrived, then handled
     * in order: they were in flight together.
     */
    holdAppends: (n: number) => {
      holdUntil = n;
    },
    /** Every AppendRows request ends its call with this status until cleared (null). */
    failAppendsForever: (code: grpc.status | null) => {
      failAppendsForever = code;
    },
    /** The next n calls of a unary method fail with this status. */
    failNext: (method: 'CreateWriteStream' | 'GetWriteStream' | 'FinalizeWriteStream' | 'BatchCommitWriteStreams', n: number, code: grpc.status) => {
      const list = unaryFaults.get(method) ?? [];
      for (let i = 0; i < n; i++) list.push(code);
      unaryFaults.set(method, list);
    },
    /** The next call of a unary method takes effect, then answers UNAVAILABLE. */
    loseNextReply: (method: 'CreateWriteStream' | 'GetWriteStream' | 'FinalizeWriteStream' | 'BatchCommitWriteStreams') =>
      void lostReplies.set(method, (lostReplies.get(method) ?? 0) + 1),
    /** Rows for which `refuse` returns a message come back as row errors (FIELDS_ERROR). */
    refuseRows: (refuse: (table: string, row: Row) => string | null) => void refusals.push(refuse),
    close: async () => server.forceShutdown(),
  };
}

export type BigQueryWriteEndpoint = Awaited<ReturnType<typeof startBigQueryWriteEndpoint>>;
