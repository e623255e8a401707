import { isObjectSink, type RowSink } from '../sink/types';

/** What became of an object handed to landObject. */
export type ObjectLanding<R> =
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
 * Other sinks get the rows directly: they dedup a re-read object by event_id.
 */
export async function landObject<R>(
  sink: RowSink,
  object: string,
  read: (target: RowSink) => Promise<R>,
  options: { commit?: (result: R) => boolean } = {},
): Promise<ObjectLanding<R>> {
  if (!isObjectSink(sink)) return { kind: 'landed', result: await read(sink) };
  const load = await sink.beginObject(object);
  if (load.alreadyCommitted) return { kind: 'already-committed', rows: load.alreadyCommitted.rows };
  let result: R;
  try {
    result = await read(load);
  } catch (err) {
    // Waits for the appends in flight, so none outlives the invocation; the stream stays uncommitted.
    await load.close().catch(() => {});
    throw err;
  }
  if (options.commit && !options.commit(result)) {
    await load.close();
    return { kind: 'uncommitted', result };
  }
  await load.commit();
  return { kind: 'landed', result };
}
