/** BigQuery insertAll faults (#9.3, #9.4, #9.6): mediaCdnLogs, five LogEntries in one message. */
import { planReplay, type DeadLetter } from '../../../shared/replay/plan';
import { observe, type FaultCase, type Observation } from '../catalogue';
import { distinct, is2xx, landedExactly, mediaCdnBatch, messagePublished, statuses } from '../messages';
import { ROWS_TABLE, withRig, type Rig, type RigOptions } from '../rig';

const RECORDS = 5;

/**
 * The common shape: inject a fault, deliver (redelivering after a non-2xx, as Pub/Sub does), and
 * expect either a 2xx on the first delivery or a non-2xx first and a landing redelivery; in both
 * cases every record lands and nothing is dead-lettered.
 */
function recovers(
  name: string,
  issue: string,
  expect: 'first delivery' | 'redelivery',
  // biome-ignore lint/suspicious/noConfusingVoidType: an inject returns a cleanup, or nothing at all (a statement arrow, typed void)
  inject: (rig: Rig) => (() => void) | void,
  rigOptions: Partial<RigOptions> = {},
  count = RECORDS,
): FaultCase {
  return {
    name,
    issue,
    expected:
      expect === 'first delivery' ? `2xx; ${count}/${count} land, none dead-lettered` : `non-2xx, none dead-lettered; redelivery lands ${count}/${count}`,
    run: () =>
      withRig({ target: 'mediaCdnLogs', ...rigOptions }, async (rig): Promise<Observation> => {
        const batch = mediaCdnBatch(count, name);
        const clear = inject(rig);
        let deadBeforeRedelivery = -1;
        const delivery = await rig.deliver(batch.body, {
          beforeRedelivery: () => {
            deadBeforeRedelivery = rig.deadLetters().length;
            clear?.();
          },
        });
        const [first, ...rest] = delivery.statuses;
        return observe(
          {
            observed: `${statuses(delivery)}; ${distinct(rig.landed())} landed, ${rig.deadLetters().length} dead-lettered`,
            sent: count,
            landed: distinct(rig.landed()),
            deadLettered: rig.deadLetters().length,
            redelivered: rest.length,
            longestMs: rig.longestInvocationMs(),
          },
          {
            'first delivery as expected': expect === 'first delivery' ? is2xx(first) : !is2xx(first) && first! >= 500,
            'last delivery 2xx': is2xx(delivery.statuses.at(-1)),
            'every record landed once': landedExactly(rig.landed(), batch.ids),
            'nothing dead-lettered': rig.deadLetters().length === 0 && deadBeforeRedelivery <= 0,
          },
        );
      }),
  };
}

/** Refuses rows of edge_logs one by one with `reason` (only the first `times` sightings of each when given). */
function refuseRowsWith(rig: Rig, reason: string, times = Infinity): () => void {
  const seen = new Map<string, number>();
  return rig.bigquery.refuseRows((table, json) => {
    if (table !== ROWS_TABLE) return null;
    const id = String((json as { event_id?: unknown }).event_id);
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    return n <= times ? { reason, message: `injected ${reason}` } : null;
  });
}

const GARBLED_2XX = [
  ['an HTML page', '<html><body>OK</body></html>', 'text/html; charset=UTF-8'],
  ['a cut body', '{"kind":"bigquery#tableDataInsertAllResp', 'application/json'],
  ['other JSON', '{"status":"ok"}', 'application/json'],
] as const;

export const bigqueryCases: FaultCase[] = [
  ...GARBLED_2XX.map(([what, body, type]) =>
    recovers(`insertAll 2xx with ${what}, once`, '#9.3', 'first delivery', (rig) => rig.bigquery.answerNext(1, 200, body, type)),
  ),
  recovers('insertAll 2xx with an HTML page, every try', '#9.3', 'redelivery', (rig) => {
    rig.bigquery.answerNext(5, 200, '<html><body>OK</body></html>');
  }),
  recovers('403 quotaExceeded on the whole request', '#9.4', 'redelivery', (rig) => {
    rig.bigquery.failNext(1, 403, { message: 'Quota exceeded: Your table exceeded quota for streaming inserts', reason: 'quotaExceeded' });
  }),
  recovers('403 accessDenied (an IAM slip)', '#9.4', 'redelivery', (rig) => {
    rig.bigquery.failNext(1, 403, { message: 'Access Denied: Permission bigquery.tables.updateData denied', reason: 'accessDenied' });
  }),
  recovers('404 table not found (a dropped table)', '#9.4', 'redelivery', (rig) => {
    rig.bigquery.failNext(1, 404, { message: 'Not found: Table fault-project:cdnlog.edge_logs', reason: 'notFound' });
  }),
  recovers('400 on the whole request', '#9.4', 'redelivery', (rig) => {
    rig.bigquery.failNext(1, 400, { message: 'Invalid value at rows', reason: 'invalid' });
  }),
  recovers(
    '413 request too large: split in halves',
    '#9.4',
    'first delivery',
    () => {},
    // Room for about four rows a request: the 20 go out in smaller requests.
    { bigquery: { maxRequestBytes: 8 * 1024, oversizeStatus: 413 } },
    20,
  ),
  recovers(
    '400 "payload size exceeds the limit": split',
    '#9.4',
    'first delivery',
    () => {},
    { bigquery: { maxRequestBytes: 8 * 1024, oversizeStatus: 400 } },
    20,
  ),
  recovers('per-row backendError, once', '#9.4', 'first delivery', (rig) => refuseRowsWith(rig, 'backendError', 1)),
  recovers('per-row timeout, every try', '#9.4', 'redelivery', (rig) => refuseRowsWith(rig, 'timeout')),
  recovers('503, 429 and a reset, then OK', '#9.4', 'first delivery', (rig) => {
    rig.bigquery.failNext(1, 503);
    rig.bigquery.failNext(1, 429);
    rig.bigquery.resetNext(1);
  }),
  recovers('insertAll never answers, once (deadline)', '#9.6', 'first delivery', (rig) => rig.bigquery.stallNext(1), { deadlineMs: 1000 }),
  recovers('insertAll never answers, every try (deadline)', '#9.6', 'redelivery', (rig) => rig.bigquery.stallNext(2), { deadlineMs: 1000, attempts: 2 }),
  {
    name: 'one row refused (invalid): dead letter with the source record, replayed',
    issue: '#9.4',
    expected: `2xx; ${RECORDS - 1} land, 1 dead letter whose payload is the LogEntry; replay lands it after the fix`,
    run: () =>
      withRig({ target: 'mediaCdnLogs' }, async (rig) => {
        const batch = mediaCdnBatch(RECORDS, 'refused-row');
        const badId = batch.ids[2]!;
        const stop = rig.bigquery.refuseRows((table, json) =>
          table === ROWS_TABLE && (json as { event_id?: string }).event_id === badId ? 'Timestamp field value is out of range' : null,
        );
        const delivery = await rig.deliver(batch.body);
        const letters = rig.deadLetters();
        const landedFirst = distinct(rig.landed());
        // The fix: BigQuery takes the row now. Replay what ingest_errors holds.
        stop();
        const plan = planReplay(letters as unknown as DeadLetter[], () => 'cdnlog-media-cdn-logs');
        const replayed = await Promise.all(plan.send.map((m, i) => rig.deliver(messagePublished(m.data, `replay-${i}`, m.attributes))));
        return observe(
          {
            observed: `${statuses(delivery)}; ${landedFirst} landed, ${letters.length} dead letter (${String(letters[0]?.stage)}); replay sent ${plan.send.length} → ${replayed.map(statuses).join(', ')}, ${distinct(rig.landed())} landed`,
            sent: RECORDS,
            landed: distinct(rig.landed()),
            deadLettered: letters.length,
            redelivered: delivery.statuses.length - 1,
            longestMs: rig.longestInvocationMs(),
          },
          {
            '2xx': is2xx(delivery.statuses[0]) && delivery.statuses.length === 1,
            'the neighbours landed': landedFirst === RECORDS - 1,
            'one insert dead letter': letters.length === 1 && letters[0]!.stage === 'insert',
            'its payload is the source record': letters[0]?.payload === batch.texts[2],
            'replay sends it': plan.send.length === 1 && plan.skipped.length === 0,
            'the replayed record lands': landedExactly(rig.landed(), batch.ids),
          },
        );
      }),
  },
];
