import { EDGE_LOG_COLUMNS, type EdgeLogRow } from '../schema/edge-log';

/**
 * Every column null, in table order. Normalizers spread it first and set only what their source
 * maps, so every row carries every column, in the same order, whatever its source.
 */
export const NULL_ROW = Object.freeze(
  Object.fromEntries(EDGE_LOG_COLUMNS.map((name) => [name, null])),
) as { readonly [K in keyof EdgeLogRow]: null };
