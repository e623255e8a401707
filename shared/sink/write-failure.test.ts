import { classifyGrpc, classifyNoAnswer, classifyRowErrors, classifyStatus, GrpcCode, parseGoogleError } from './write-failure';

const google = (code: number, message: string, reason?: string) => JSON.stringify({ error: { code, message, errors: reason ? [{ reason, message }] : [] } });

describe('what a failed write means for its rows', () => {
  it.each([
    [500, google(500, 'An internal error occurred', 'backendError'), 'transient'],
    [503, '<html>Service Unavailable</html>', 'transient'],
    [429, google(429, 'Exceeded rate limits', 'rateLimitExceeded'), 'transient'],
    [403, google(403, 'Exceeded rate limits: too many api requests', 'rateLimitExceeded'), 'transient'],
    [413, google(413, 'Request Entity Too Large'), 'too-large'],
    [400, google(400, 'Request payload size exceeds the limit: 10485760 bytes.', 'badRequest'), 'too-large'],
    [403, google(403, 'Quota exceeded: Your table exceeded quota for streaming inserts', 'quotaExceeded'), 'refused'],
    [403, google(403, 'Access Denied: Table p:d.t: Permission bigquery.tables.updateData denied', 'accessDenied'), 'refused'],
    [404, google(404, 'Not found: Table p:d.t', 'notFound'), 'refused'],
    [400, google(400, 'Invalid JSON payload received.', 'invalid'), 'refused'],
    [401, 'Unauthorized', 'refused'],
  ])('HTTP %i %s → %s', (status, body, kind) => {
    expect(classifyStatus(status, parseGoogleError(body)).kind).toBe(kind);
  });

  it("keeps BigQuery's message and reasons in the failure", () => {
    expect(classifyStatus(404, parseGoogleError(google(404, 'Not found: Table p:d.t', 'notFound')))).toEqual({
      kind: 'refused',
      status: 404,
      reason: 'HTTP 404 notFound: Not found: Table p:d.t',
    });
  });

  it('treats a request with no answer (reset, deadline) as transient', () => {
    expect(classifyNoAnswer(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toMatchObject({ kind: 'transient', status: null });
  });

  it.each([
    [[{ reason: 'stopped', message: '' }], 'stopped'],
    [[{ reason: 'invalid', message: 'no such field: x.' }], 'refused'],
    [[{ reason: 'backendError', message: 'try again' }], 'transient'],
    [[{ reason: 'timeout', message: '' }], 'transient'],
    [[{ reason: 'invalid', message: 'bad' }, { reason: 'backendError' }], 'transient'],
    [[{ message: 'no reason given' }], 'refused'],
  ])('row errors %j → %s', (errors, kind) => {
    expect(classifyRowErrors(errors).kind).toBe(kind);
  });

  it.each([
    [GrpcCode.UNAVAILABLE, 'Connection failure, please retry', 'transient'],
    [GrpcCode.RESOURCE_EXHAUSTED, 'Exceeds throughput quota', 'transient'],
    [GrpcCode.RESOURCE_EXHAUSTED, 'Too many requests', 'transient'],
    [GrpcCode.RESOURCE_EXHAUSTED, 'Exceeds quota: CreateWriteStream requests per project', 'refused'],
    [GrpcCode.ABORTED, 'aborted', 'transient'],
    [GrpcCode.INTERNAL, 'internal', 'transient'],
    [GrpcCode.DEADLINE_EXCEEDED, 'deadline', 'transient'],
    [GrpcCode.CANCELLED, 'the client closed the connection', 'transient'],
    [GrpcCode.NOT_FOUND, 'Requested entity was not found', 'refused'],
    [GrpcCode.PERMISSION_DENIED, 'Permission bigquery.tables.updateData denied', 'refused'],
    [GrpcCode.UNAUTHENTICATED, 'no credentials', 'refused'],
    [GrpcCode.INVALID_ARGUMENT, 'bad descriptor', 'refused'],
  ])('Write API: gRPC %i %s → %s', (code, message, kind) => {
    expect(classifyGrpc(Object.assign(new Error(message), { code })).kind).toBe(kind);
  });

  it('Write API: a call with no status never got an answer: transient', () => {
    expect(classifyGrpc(new Error('socket closed'))).toEqual({ kind: 'transient', status: null, reason: 'no answer: socket closed' });
  });
});
