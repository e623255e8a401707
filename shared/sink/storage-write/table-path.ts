/** `projects/P/datasets/D/tables/T`, the name the Write API uses for a table. */
const TABLE_PATH = /^projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/;

export function tablePath(project: string, dataset: string, table: string): string {
  return `projects/${project}/datasets/${dataset}/tables/${table}`;
}

export function parseTablePath(path: string): { project: string; dataset: string; table: string } {
  const match = TABLE_PATH.exec(path);
  if (!match) throw new Error(`not a table path (projects/P/datasets/D/tables/T): ${path}`);
  return { project: match[1]!, dataset: match[2]!, table: match[3]! };
}

/** The table's `_default` stream: committed type, at-least-once, no offsets. */
export function defaultStream(table: string): string {
  return `${table}/streams/_default`;
}
