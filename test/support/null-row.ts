import { EdgeLogRow } from '../../shared/schema/edge-log';

/** Every column null, in table order: tests spread it and set only the columns they care about. */
export const NULL_ROW = Object.freeze(Object.fromEntries(Object.keys(EdgeLogRow.shape).map((name) => [name, null]))) as {
  readonly [K in keyof EdgeLogRow]: null;
};
