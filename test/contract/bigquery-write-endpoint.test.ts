import { adapt, managedwriter } from '@google-cloud/bigquery-storage';
import { withoutGoogleCredentials } from './adc-guard';
import { closeWriterClient, localWriterClient } from './bigquery-write-endpoint-client';
import { startBigQueryWriteEndpoint, type BigQueryWriteEndpoint } from './bigquery-write-endpoint';

const TABLE = 'projects/p/datasets/cdn/tables/requests';
const FIELDS = [
  { name: 'request_id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'status', type: 'INT64' },
  { name: 'ts', type: 'TIMESTAMP', mode: 'REQUIRED' },
  { name: 'ratio', type: 'FLOAT64' },
  { name: 'hit', type: 'BOOL' },
  { name: 'labels', type: 'JSON' },
] as const;
const descriptor = adapt.convertStorageSchemaToProto2Descriptor(
  adapt.convertBigQuerySchemaToStorageTableSchema({ fields: FIELDS.map((f) => ({ ...f })) }),
  'root',
);
const row = (id: string) => ({ request_id: id, status: 200, ts: 1764500000123456, ratio: 0.5, hit: true, labels: '{"pop":"NRT"}' });

describe('@google-cloud/bigquery-storage (managedwriter) against the local BigQueryWrite contract endpoint', () => {
  withoutGoogleCredentials();
  let endpoint: BigQueryWriteEndpoint;
  let client: managedwriter.WriterClient;

  beforeEach(async () => {
    endpoint = await startBigQueryWriteEndpoint({ tables: { 'cdn.requests': FIELDS.map((f) => ({ ...f })) } });
    client = localWriterClient(endpoint);
  });
  afterEach(async () => {
    await closeWriterClient(client);
    await endpoint.close();
  });

  async function pendingWriter() {
    const stream = await client.createWriteStreamFullResponse({ streamType: managedwriter.PendingStream, destinationTable: TABLE });
    const connection = await client.createStreamConnection({ streamId: stream.name! });
    connection.onConnectionError(() => undefined);
    return { stream, connection, writer: new managedwriter.JSONWriter({ connection, protoDescriptor: descriptor }) };
  }

  it('takes the library’s own JSON rows on the _default stream, decoded with the request’s schema', async () => {
    const connection = await client.createStreamConnection({ streamId: managedwriter.DefaultStream, destinationTable: TABLE });
    connection.onConnectionError(() => undefined);
    const writer = new managedwriter.JSONWriter({ connection, protoDescriptor: descriptor });
    const result = await writer.appendRows([row('a'), row('b')]).getResult();
    expect(result.error).toBeFalsy();
    expect(endpoint.rows('cdn.requests')).toEqual([
      { request_id: 'a', status: 200, ts: '2025-11-30T10:53:20.123456Z', ratio: 0.5, hit: true, labels: '{"pop":"NRT"}' },
      { request_id: 'b', status: 200, ts: '2025-11-30T10:53:20.123456Z', ratio: 0.5, hit: true, labels: '{"pop":"NRT"}' },
    ]);
  });

  it('keepRows: a table left out still decodes, checks and counts its rows, and keeps none of them', async () => {
    await endpoint.close();
    endpoint = await startBigQueryWriteEndpoint({ tables: { 'cdn.requests': FIELDS.map((f) => ({ ...f })) }, keepRows: [] });
    await closeWriterClient(client);
    client = localWriterClient(endpoint);
    const connection = await client.createStreamConnection({ streamId: managedwriter.DefaultStream, destinationTable: TABLE });
    connection.onConnectionError(() => undefined);
    const writer = new managedwriter.JSONWriter({ connection, protoDescriptor: descriptor });
    expect((await writer.appendRows([row('a'), row('b')]).getResult()).error).toBeFalsy();
    expect((await writer.appendRows([{ ...row('c'), request_id: null }]).getResult()).rowErrors?.length).toBe(1);
    expect(endpoint.appends.map((a) => [a.rows, a.outcome])).toEqual([
      [2, 'ok'],
      [1, 'row_errors'],
    ]);
    expect(endpoint.rows('cdn.requests')).toEqual([]);
  });

  it('PENDING stream: offsets, ALREADY_EXISTS below the end, OUT_OF_RANGE beyond it, finalize, batch commit', async () => {
    const { stream, connection, writer } = await pendingWriter();
    expect(stream.tableSchema?.fields?.map((f) => f.name)).toEqual(FIELDS.map((f) => f.name));
    expect((await writer.appendRows([row('a'), row('b')], 0).getResult()).appendResult?.offset?.value).toBe('0');
    expect((await writer.appendRows([row('c')], 1).getResult()).error?.code).toBe(6);
    expect((await writer.appendRows([row('c')], 5).getResult()).error?.code).toBe(11);
    expect((await writer.appendRows([row('c')], 2).getResult()).appendResult?.offset?.value).toBe('2');
    expect(endpoint.rows('cdn.requests')).toHaveLength(0);
    expect((await connection.finalize())?.rowCount).toBe('3');
    const commit = await client.batchCommitWriteStream({ parent: TABLE, writeStreams: [stream.name!] });
    expect(commit.commitTime).toBeTruthy();
    expect(endpoint.rows('cdn.requests').map((r) => r.request_id)).toEqual(['a', 'b', 'c']);
    const again = await client.batchCommitWriteStream({ parent: TABLE, writeStreams: [stream.name!] });
    expect(again.streamErrors?.map((e) => e.code)).toEqual(['STREAM_ALREADY_COMMITTED']); // gax gives enum names
    expect((await client.getWriteStream({ streamId: stream.name! })).commitTime).toBeTruthy();
  });

  it('refuses a request with row errors whole: a missing REQUIRED value, a refused row', async () => {
    const { writer } = await pendingWriter();
    endpoint.refuseRows((_, r) => (r.request_id === 'x' ? 'Field value out of range' : null));
    const { ts: _ts, ...noTimestamp } = row('b');
    const result = await writer.appendRows([row('a'), noTimestamp, row('x')], 0).getResult();
    expect(result.error?.code).toBe(3);
    expect(result.rowErrors?.map((e) => [Number(e.index), e.message])).toEqual([
      [1, 'Missing required field: ts.'],
      [2, 'Field value out of range'],
    ]);
    // Nothing of the request landed: the next append starts at 0 again.
    expect((await writer.appendRows([row('a')], 0).getResult()).appendResult?.offset?.value).toBe('0');
  });

  it('refuses a writer schema that does not match the table', async () => {
    const { writer } = await pendingWriter();
    writer.setProtoDescriptor({ name: 'root', field: [{ name: 'request_id', number: 1, type: 3, label: 1 }] });
    const result = await writer.appendRows([{ request_id: 5 }], 0).getResult();
    expect(result.error).toMatchObject({ code: 3, message: expect.stringContaining('does not match') });
  });

  it('faults: UNAVAILABLE mid-stream fails the in-flight write; the next append reconnects', async () => {
    const connection = await client.createStreamConnection({ streamId: managedwriter.DefaultStream, destinationTable: TABLE });
    const errors: number[] = [];
    connection.onConnectionError((err) => errors.push(err.code!));
    const writer = new managedwriter.JSONWriter({ connection, protoDescriptor: descriptor });
    endpoint.faultAppends({ kind: 'unavailable' });
    await expect(writer.appendRows([row('a')]).getResult()).rejects.toMatchObject({ code: 14 });
    expect((await writer.appendRows([row('b')]).getResult()).error).toBeFalsy();
    expect(endpoint.rows('cdn.requests').map((r) => r.request_id)).toEqual(['b']);
    expect(endpoint.appendCalls).toBe(2);
    expect(errors).toEqual([14]);
  });

  it('GetWriteStream, FinalizeWriteStream and CreateWriteStream answer NOT_FOUND for what does not exist', async () => {
    await expect(client.getWriteStream({ streamId: `${TABLE}/streams/nope` })).rejects.toMatchObject({ code: 5 });
    await expect(
      client.createWriteStreamFullResponse({ streamType: managedwriter.PendingStream, destinationTable: 'projects/p/datasets/cdn/tables/missing' }),
    ).rejects.toMatchObject({ code: 5 });
  });
});
