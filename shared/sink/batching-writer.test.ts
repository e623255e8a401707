import { BatchingWriter, type ItemFate, type Serialized, type Timers } from './batching-writer';
import { buildDeadLetter, truncateUtf8 } from './dead-letter';
import { TransientSinkError } from './types';

describe('BatchingWriter', () => {
  function writer(send: (batch: readonly Serialized<{ id: number; pad?: string }>[]) => Promise<ItemFate[]>, opts = {}) {
    const oversized: number[] = [];
    const w = new BatchingWriter<{ id: number; pad?: string }>({
      send,
      oversize: async (items) => void oversized.push(...items.map((i) => i.value.id)),
      lingerMs: 5,
      ...opts,
    });
    return { w, oversized };
  }

  it('coalesces concurrent callers into shared batches of at most maxRows and gives each its own counts', async () => {
    const batches: number[][] = [];
    const { w } = writer(
      async (batch) => {
        batches.push(batch.map((b) => b.value.id));
        return batch.map((b) => (b.value.id % 10 === 0 ? 'dead_lettered' : 'inserted'));
      },
      { maxRows: 4 },
    );
    const results = await Promise.all([w.write([{ id: 1 }, { id: 2 }, { id: 3 }]), w.write([{ id: 10 }, { id: 11 }]), w.write([{ id: 20 }])]);
    expect(batches).toEqual([
      [1, 2, 3, 10],
      [11, 20],
    ]);
    expect(results).toEqual([
      { inserted: 3, deadLettered: 0 },
      { inserted: 1, deadLettered: 1 },
      { inserted: 0, deadLettered: 1 },
    ]);
  });

  it('serializes each write once, with the serializer given (default: JSON text): its data is sent, its bytes budgeted', async () => {
    const sent: Array<Array<[string, number]>> = [];
    const calls: number[][] = [];
    const w = new BatchingWriter<{ id: number }, string>({
      serialize: (values) => {
        calls.push(values.map((v) => v.id));
        return values.map((v) => ({ data: `#${v.id}`, bytes: v.id * 100 }));
      },
      send: async (batch) => {
        sent.push(batch.map((item) => [item.data, item.bytes]));
        return batch.map(() => 'inserted');
      },
      oversize: async () => {},
      maxBytes: 500,
      rowOverheadBytes: 0,
      lingerMs: 5,
    });
    await Promise.all([w.write([{ id: 1 }, { id: 2 }, { id: 3 }]), w.write([{ id: 4 }])]);
    expect(calls).toEqual([[1, 2, 3], [4]]);
    // 100 + 200 fit the 500-byte budget; 300 more would not, so the third row starts the next batch.
    expect(sent).toEqual([
      [
        ['#1', 100],
        ['#2', 200],
      ],
      [['#3', 300]],
      [['#4', 400]],
    ]);
    const json: string[] = [];
    const plain = new BatchingWriter<{ id: number }>({
      send: async (batch) => {
        json.push(...batch.map((item) => `${item.data} ${item.bytes}`));
        return batch.map(() => 'inserted');
      },
      oversize: async () => {},
      lingerMs: 5,
    });
    await plain.write([{ id: 7 }]);
    expect(json).toEqual(['{"id":7} 8']);
  });

  it('flushes on the byte budget and dead-letters a row too big for any request without sending it', async () => {
    const sizes: number[] = [];
    const { w, oversized } = writer(
      async (batch) => {
        sizes.push(batch.length);
        return batch.map(() => 'inserted');
      },
      { maxBytes: 250, maxRowBytes: 1000, rowOverheadBytes: 0 },
    );
    const pad = 'x'.repeat(100);
    const result = await w.write([
      { id: 1, pad },
      { id: 2, pad },
      { id: 3, pad },
      { id: 4, pad: 'y'.repeat(2000) },
    ]);
    expect(result).toEqual({ inserted: 3, deadLettered: 1 });
    expect(oversized).toEqual([4]);
    expect(sizes).toEqual([2, 1]);
  });

  it('rejects every caller with a row in a failed batch, and only those', async () => {
    let call = 0;
    const { w } = writer(
      async (batch) => {
        if (call++ === 0) throw new TransientSinkError('503 five times');
        return batch.map(() => 'inserted');
      },
      { maxRows: 2 },
    );
    const a = w.write([{ id: 1 }, { id: 2 }]);
    const b = w.write([{ id: 3 }]);
    await expect(a).rejects.toBeInstanceOf(TransientSinkError);
    await expect(b).resolves.toEqual({ inserted: 1, deadLettered: 0 });
  });

  describe('waves of callers (timers the test moves: counted, never timed)', () => {
    /** A clock and linger timer that move only when the test says so. */
    function manualTimers() {
      let now = 0;
      let nextId = 1;
      let due: Array<{ id: number; at: number; callback: () => void }> = [];
      const timers: Timers = {
        now: () => now,
        setTimeout: (callback, ms) => {
          const id = nextId++;
          due.push({ id, at: now + ms, callback });
          return id;
        },
        clearTimeout: (id) => {
          due = due.filter((t) => t.id !== id);
        },
      };
      const advance = (ms: number) => {
        now += ms;
        for (const timer of due.filter((t) => t.at <= now)) {
          due = due.filter((t) => t !== timer);
          timer.callback();
        }
      };
      return { timers, advance };
    }

    /** Batches stay in flight until `release()`, so a test decides what is still out. */
    function waves() {
      const clock = manualTimers();
      const batches: number[][] = [];
      let inFlight: Array<() => void> = [];
      const { w } = writer(
        (batch) => {
          batches.push(batch.map((b) => b.value.id));
          return new Promise<ItemFate[]>((resolve) => inFlight.push(() => resolve(batch.map(() => 'inserted'))));
        },
        { lingerMs: 100, timers: clock.timers },
      );
      const wave = (ids: number[]) => Promise.all(ids.map((id) => w.write([{ id }])));
      const release = () => {
        const out = inFlight;
        inFlight = [];
        for (const resolve of out) resolve();
      };
      return { w, batches, wave, release, advance: clock.advance };
    }

    it('sends a batch as soon as a wave as big as the last lingered one is queued', async () => {
      const { batches, wave, release, advance } = waves();
      const first = wave([1, 2, 3]);
      expect(batches).toEqual([]); // lingering
      advance(100); // the linger closes the batch and teaches a wave of 3
      release();
      await first;
      advance(10);
      const second = wave([4, 5, 6]);
      expect(batches).toEqual([
        [1, 2, 3],
        [4, 5, 6],
      ]); // left with the third caller, no linger
      release();
      await second;
    });

    it('lingers again when a caller turns up while an early batch is out (a ramp-up)', async () => {
      const { w, batches, wave, release, advance } = waves();
      const one = wave([1]);
      advance(100);
      release();
      await one;
      const early = w.write([{ id: 2 }]); // alone, as the last wave was: leaves at once
      expect(batches).toEqual([[1], [2]]);
      const late = wave([3, 4, 5]); // arrive while it is out: the wave was bigger
      expect(batches).toEqual([[1], [2]]);
      advance(100); // the linger that closes [3, 4, 5] sees 4 callers waiting at once (2 is still out)
      expect(batches).toEqual([[1], [2], [3, 4, 5]]);
      release();
      await Promise.all([early, late]);
      advance(10);
      const next = wave([6, 7, 8, 9]);
      expect(batches.slice(3)).toEqual([[6, 7, 8, 9]]);
      release();
      await next;
    });

    it('forgets the wave after a pause', async () => {
      const { batches, wave, release, advance } = waves();
      const first = wave([1, 2]);
      advance(100);
      release();
      await first;
      advance(600);
      const second = wave([3, 4]);
      advance(99);
      expect(batches).toEqual([[1, 2]]); // lingering, as for a first wave
      advance(1);
      expect(batches).toEqual([
        [1, 2],
        [3, 4],
      ]);
      release();
      await second;
    });
  });
});

describe('dead letters', () => {
  it('cuts payloads on a UTF-8 boundary and flags them', () => {
    expect(truncateUtf8('aé€😀', 6)).toEqual({ text: 'aé€', truncated: true });
    expect(truncateUtf8('aé€😀', 5)).toEqual({ text: 'aé', truncated: true });
    expect(truncateUtf8('aé€😀', 9)).toEqual({ text: 'aé€', truncated: true });
    expect(truncateUtf8('aé€😀', 100)).toEqual({ text: 'aé€😀', truncated: false });
    const row = buildDeadLetter({ source: 'edgeone', stage: 'parse', reason: 'r', payload: '€'.repeat(400_000), now: '2026-01-01T00:00:00Z' });
    expect(row.payload_truncated).toBe(true);
    expect(Buffer.byteLength(row.payload!)).toBeLessThanOrEqual(1024 * 1024);
    expect(row.payload!.endsWith('€')).toBe(true);
  });

  it('keys error_id on origin and reason, not time, so redeliveries collapse', () => {
    const base = { source: 'edgeone' as const, stage: 'validate' as const, reason: 'bad', object: 'gs://b/o#1', line: 7 };
    const a = buildDeadLetter({ ...base, messageId: 'm1', now: '2026-01-01T00:00:00Z' });
    const b = buildDeadLetter({ ...base, messageId: 'm2', now: '2026-01-02T00:00:00Z' });
    expect(a.error_id).toBe(b.error_id);
    expect(a.object).toBe('gs://b/o#1:7');
    expect(buildDeadLetter({ ...base, line: 8, now: 'x' }).error_id).not.toBe(a.error_id);
  });
});
