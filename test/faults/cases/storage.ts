/** Cloud Storage faults and notification trust (#9.7, #9.8, #9.11): edgeoneLogs reading uploads. */
import { gzipSync } from 'node:zlib';
import { observe, type FaultCase } from '../catalogue';
import { distinct, edgeoneLines, finalizeNotification, is2xx, landedExactly, messagePublished, statuses } from '../messages';
import { UPLOAD_BUCKET, withRig, type Rig, type RigOptions } from '../rig';

const LINES = 2000;

/** Object reads the endpoint served (downloads and metadata). */
const reads = (rig: Rig) => rig.storage.requests.filter((r) => r.method === 'GET').length;

/** Uploads an object of LINES EdgeOne records, injects a fault, delivers its notification. */
function download(
  name: string,
  issue: string,
  expect: 'first delivery' | 'redelivery',
  setup: { gzip?: boolean; hashes?: 'both' | 'crc32c' | 'none'; fault?: (rig: Rig, size: number) => void; warns?: boolean },
  rigOptions: Partial<RigOptions> = {},
): FaultCase {
  return {
    name,
    issue,
    expected:
      (expect === 'first delivery' ? `2xx; ${LINES}/${LINES} land` : `non-2xx (raised, not hung); redelivery lands ${LINES}/${LINES}`) +
      (setup.warns ? ', WARNING: not checked' : ''),
    run: () =>
      withRig({ target: 'edgeoneLogs', ...rigOptions }, async (rig) => {
        const { bytes, ids } = edgeoneLines(LINES, name);
        const content = setup.gzip ? gzipSync(bytes) : bytes;
        const object = await rig.storage.putObject(UPLOAD_BUCKET, `edgeone/${name.replace(/\W+/g, '-')}.log${setup.gzip ? '.gz' : ''}`, content, {
          hashes: setup.hashes,
        });
        setup.fault?.(rig, content.length);
        const delivery = await rig.deliver(finalizeNotification(UPLOAD_BUCKET, object.name, object.generation));
        const [first, ...rest] = delivery.statuses;
        const warned = rig.logs.some((l) => /without a hash check/.test(String(l.message)));
        return observe(
          {
            observed: `${statuses(delivery)}; ${distinct(rig.landed())} landed${warned ? ', warned: unchecked' : ''}`,
            sent: LINES,
            landed: distinct(rig.landed()),
            deadLettered: rig.deadLetters().length,
            redelivered: rest.length,
            longestMs: rig.longestInvocationMs(),
          },
          {
            'first delivery as expected': expect === 'first delivery' ? is2xx(first) : !is2xx(first) && first! >= 500,
            'last delivery 2xx': is2xx(delivery.statuses.at(-1)),
            'every record landed once': landedExactly(rig.landed(), ids),
            'nothing dead-lettered': rig.deadLetters().length === 0,
            'warns exactly when unchecked': warned === Boolean(setup.warns),
          },
        );
      }),
  };
}

/** A notification the function must refuse without reading anything. */
function refused(name: string, issue: string, attributes: (generation: number) => Record<string, string>, rigOptions: Partial<RigOptions> = {}): FaultCase {
  return {
    name,
    issue,
    expected: '2xx; nothing read from Cloud Storage; 1 dead letter (decode) with the notification',
    run: () =>
      withRig({ target: 'edgeoneLogs', ...rigOptions }, async (rig) => {
        const { bytes } = edgeoneLines(10, name);
        rig.storage.createBucket('someone-elses-bucket');
        const object = await rig.storage.putObject('someone-elses-bucket', 'secret.log', bytes);
        const attrs = attributes(object.generation);
        const delivery = await rig.deliver(messagePublished(JSON.stringify({ name: attrs.objectId }), `trust-${name}`, attrs));
        const letters = rig.deadLetters();
        return observe(
          {
            observed: `${statuses(delivery)}; ${reads(rig)} storage reads; ${letters.length} dead letter: ${String(letters[0]?.reason ?? '-')}`,
            sent: 1,
            landed: distinct(rig.landed()),
            deadLettered: letters.length,
            redelivered: delivery.statuses.length - 1,
            longestMs: rig.longestInvocationMs(),
          },
          {
            '2xx': is2xx(delivery.statuses[0]) && delivery.statuses.length === 1,
            'nothing read': reads(rig) === 0,
            'nothing landed': rig.landed().length === 0,
            'one decode dead letter': letters.length === 1 && letters[0]!.stage === 'decode',
          },
        );
      }),
  };
}

const notificationFor = (bucketId: string, objectId: string, generation: number | string) => ({
  bucketId,
  objectId,
  objectGeneration: String(generation),
  eventType: 'OBJECT_FINALIZE',
  payloadFormat: 'JSON_API_V1',
});

export const storageCases: FaultCase[] = [
  download('connection reset mid-download', '#9.7', 'redelivery', { fault: (rig) => rig.storage.faultNextDownload({ kind: 'cut', afterBytes: 64 * 1024 }) }),
  download('connection reset mid-download (gzip)', '#9.7', 'redelivery', {
    gzip: true,
    fault: (rig, size) => rig.storage.faultNextDownload({ kind: 'cut', afterBytes: size >> 1 }),
  }),
  download(
    'download stalls mid-body (stall deadline)',
    '#9.7',
    'redelivery',
    { fault: (rig) => rig.storage.faultNextDownload({ kind: 'stall', afterBytes: 64 * 1024 }) },
    { stallMs: 1000 },
  ),
  download('download answer never starts', '#9.7', 'redelivery', { fault: (rig) => rig.storage.stallNext(1) }, { stallMs: 1000 }),
  download('object with CRC32C and no MD5 (composite, XML multipart)', '#9.8', 'first delivery', { gzip: true, hashes: 'crc32c' }),
  download('download without x-goog-hash', '#9.8', 'first delivery', { hashes: 'none', warns: true }),
  download('object with both hashes (the usual upload)', '#9.8', 'first delivery', { gzip: true, hashes: 'both' }),
  refused('notification for another bucket', '#9.11', (generation) => notificationFor('someone-elses-bucket', 'secret.log', generation)),
  refused('object name with a newline', '#9.11', (generation) => notificationFor(UPLOAD_BUCKET, 'logs/a\nb.log', generation)),
  refused('object name ".."', '#9.11', (generation) => notificationFor(UPLOAD_BUCKET, '..', generation)),
  refused('bucket name that is a path', '#9.11', (generation) => notificationFor('edgeone-uploads/o/x?alt=media#', 'secret.log', generation)),
  refused('generation that is not a number', '#9.11', () => notificationFor(UPLOAD_BUCKET, 'secret.log', '1&alt=json')),
  {
    name: 'object name needing URL encoding',
    issue: '#9.11',
    expected: '2xx; the named object (and only it) is read; all records land',
    run: () =>
      withRig({ target: 'edgeoneLogs' }, async (rig) => {
        const { bytes, ids } = edgeoneLines(20, 'encoding');
        const name = 'edgeone/2026 11/a?b#c%2F..%/ünï.log';
        const object = await rig.storage.putObject(UPLOAD_BUCKET, name, bytes);
        // A neighbour the name could be mistaken for if it were not encoded.
        await rig.storage.putObject(UPLOAD_BUCKET, 'edgeone/2026 11/a', Buffer.from('not this one\n'));
        const delivery = await rig.deliver(finalizeNotification(UPLOAD_BUCKET, name, object.generation));
        return observe(
          {
            observed: `${statuses(delivery)}; ${distinct(rig.landed())} landed, ${rig.deadLetters().length} dead-lettered`,
            sent: 20,
            landed: distinct(rig.landed()),
            deadLettered: rig.deadLetters().length,
            redelivered: delivery.statuses.length - 1,
            longestMs: rig.longestInvocationMs(),
          },
          {
            '2xx': is2xx(delivery.statuses[0]),
            'every record landed': landedExactly(rig.landed(), ids),
            'nothing dead-lettered': rig.deadLetters().length === 0,
          },
        );
      }),
  },
  {
    name: 'UPLOAD_BUCKET not set',
    issue: '#9.11',
    expected: 'non-2xx every delivery, nothing read, nothing dead-lettered (messages wait in Pub/Sub)',
    run: () =>
      withRig({ target: 'edgeoneLogs', uploadBucket: null }, async (rig) => {
        const { bytes } = edgeoneLines(10, 'unset');
        const object = await rig.storage.putObject(UPLOAD_BUCKET, 'edgeone/unset.log', bytes);
        const delivery = await rig.deliver(finalizeNotification(UPLOAD_BUCKET, object.name, object.generation), { maxDeliveries: 2 });
        return observe(
          {
            observed: `${statuses(delivery)}; ${reads(rig)} storage reads, ${rig.deadLetters().length} dead-lettered`,
            sent: 10,
            landed: distinct(rig.landed()),
            deadLettered: rig.deadLetters().length,
            redelivered: delivery.statuses.length - 1,
            longestMs: rig.longestInvocationMs(),
            // Still in Pub/Sub (on its dead-letter topic after the last delivery): kept, not lost.
            waiting: 10,
          },
          {
            'non-2xx every time': delivery.statuses.every((s) => s >= 500),
            'nothing read': reads(rig) === 0,
            'nothing written': rig.landed().length === 0 && rig.deadLetters().length === 0,
          },
        );
      }),
  },
];
