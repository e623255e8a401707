import { EDGE_LOG_COLUMNS, type EdgeLogRow } from '../../shared/schema/edge-log';

/** Every column null, in table order: tests spread it and set only the columns they care about. */
export const NULL_ROW = Object.freeze(Object.fromEntries(EDGE_LOG_COLUMNS.map((name) => [name, null]))) as { readonly [K in keyof EdgeLogRow]: null };
