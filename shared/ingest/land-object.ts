import { isObjectSink, type ObjectLoad, type RowSink } from '../sink/types';

/** What became of an object handed to landObject. */
type ObjectLanding<R> =
  /** Read and written; committed when the sink commits objects. */
  | { kind: 'landed'; result: R }
  /** An earlier delivery committed this object generation: nothing was read. */
  | { kind: 'already-committed'; rows: number }
  /** Read and written to a load that `commit` said not to commit: none of it is visible. */
  | { kind: 'uncommitted'; result: R };

/**
 * Lands one object (an uploaded file) through `read`, which writes its rows to the sink it is given.
 * A sink that commits objects (ObjectSink: the Storage Write API) gets them through one load that
 * is committed once `read` is done, so they become visible all at once, and a redelivered object
 * that was committed is not read again. Any error (or `commit` saying no, e.g. an interrupted
 * read) leaves the load uncommitted, so nothing of it is visible and the next delivery starts over.
 * Other sinks get the rows directly: they dedup a re-read object by event_id. A commit may ask for
 * the object to be read again into another load (a refused load job falls back to a PENDING
 * stream): `read` must then start the object from its beginning again, and the caller says it can
 * (`canReadAgain`); one that cannot fails instead of landing half an object.
 */
export async function landObject<R>(
  sink: RowSink,
  object: string,
  read: (target: RowSink) => Promise<R>,
  options: { commit?: (result: R) => boolean; canReadAgain?: boolean } = {},
): Promise<ObjectLanding<R>> {
  if (!isObjectSink(sink)) return { kind: 'landed', result: await read(sink) };
  const load = await sink.beginObject(object);
  if (load.alreadyCommitted) return { kind: 'already-committed', rows: load.alreadyCommitted.rows };
  const first = await readInto(load, read, options);
  if (first.kind !== 'again') return first.landing;
  // A load job the data or the quota refused loaded nothing: the object is read once more into the
  // load it names (a PENDING stream), which refuses rows one by one. Only once: that load commits.
  if (!options.canReadAgain) {
    await first.load.close().catch(() => {});
    throw new Error(`${object} must be read again (${first.reason}), and this input can be read only once`);
  }
  const second = await readInto(first.load, read, options);
  if (second.kind === 'again') {
    await second.load.close().catch(() => {});
    throw new Error(`${object}: the fallback load asked for yet another read (${second.reason})`);
  }
  return second.landing;
}

/** Reads the object into `load` and commits it (unless `options.commit` says no). */
async function readInto<R>(
  load: ObjectLoad,
  read: (target: RowSink) => Promise<R>,
  options: { commit?: (result: R) => boolean },
): Promise<{ kind: 'done'; landing: ObjectLanding<R> } | { kind: 'again'; load: ObjectLoad; reason: string }> {
  let result: R;
  try {
    result = await read(load);
  } catch (err) {
    // Waits for the writes in flight, so none outlives the invocation; the load stays uncommitted.
    await load.close().catch(() => {});
    throw err;
  }
  if (options.commit && !options.commit(result)) {
    await load.close();
    return { kind: 'done', landing: { kind: 'uncommitted', result } };
  }
  const committed = await load.commit();
  if ('readAgainInto' in committed) return { kind: 'again', load: committed.readAgainInto, reason: committed.reason };
  return { kind: 'done', landing: { kind: 'landed', result } };
}
