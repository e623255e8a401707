/**
 * Translates the analyst views' BigQuery SQL (sql/views/*.sql) into DuckDB SQL, mechanically, so the
 * local warehouse and BigQuery run one definition. Only a known, portable subset is accepted: any
 * function, type or construct not listed here fails with UnsupportedSqlError instead of reaching
 * DuckDB with BigQuery semantics.
 */
import { sqlError, tokenize, type Token } from './tokenize';

type Node = { kind: 'token'; token: Token } | { kind: 'group'; open: '(' | '['; children: Node[]; at: number };

interface Translation {
  sql: string;
  /** Tables and views the SQL reads through `${project}.${dataset}.name`, in order of appearance. */
  references: string[];
}

/** Functions with the same name, arguments and semantics in both engines. */
const SAME = new Set([
  'COUNT',
  'SUM',
  'MIN',
  'MAX',
  'AVG',
  'COALESCE',
  'NULLIF',
  'ANY_VALUE',
  'ROW_NUMBER',
  'RANK',
  'DENSE_RANK',
  'LAG',
  'LEAD',
  'ABS',
  'LOWER',
  'UPPER',
  'GREATEST',
  'LEAST',
  'CONCAT',
]);

/** Renamed functions, same arguments. */
const RENAMED: Record<string, string> = { COUNTIF: 'count_if', IF: 'if', JSON_VALUE: 'json_extract_string', JSON_QUERY: 'json_extract' };

/** Keywords that may stand before a parenthesis without being a function call. */
const KEYWORDS_BEFORE_PAREN = new Set([
  'AND',
  'OR',
  'NOT',
  'IN',
  'EXISTS',
  'AS',
  'FROM',
  'JOIN',
  'ON',
  'OVER',
  'WHERE',
  'HAVING',
  'SELECT',
  'WHEN',
  'THEN',
  'ELSE',
  'BY',
  'USING',
  'VALUES',
  'UNION',
  'ALL',
  'DISTINCT',
  'IS',
  'QUALIFY',
  'LIKE',
  'BETWEEN',
  'WITH',
  'CASE',
  'END',
]);

/** BigQuery-only words: a view using one needs a translation rule first. */
const BIGQUERY_ONLY = new Set([
  'STRUCT',
  'ARRAY',
  'UNNEST',
  'EXCEPT',
  'REPLACE',
  'SAFE',
  'INT64',
  'FLOAT64',
  'NUMERIC',
  'BIGNUMERIC',
  'BYTES',
  'GEOGRAPHY',
  'TABLESAMPLE',
  'PIVOT',
  'UNPIVOT',
  'SYSTEM_TIME',
  '_PARTITIONTIME',
  '_PARTITIONDATE',
  '_TABLE_SUFFIX',
  'DECLARE',
  'ORDINAL',
  'WINDOW',
  'RANGE_BUCKET',
  'INTERVAL',
]);

/** Date parts both engines truncate and diff alike (WEEK differs: BigQuery weeks start on Sunday). */
const PARTS = new Set(['MICROSECOND', 'MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY']);

const TYPES: Record<string, string> = {
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  STRING: 'VARCHAR',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
  JSON: 'JSON',
};

function parse(tokens: Token[], sql: string): Node[] {
  const root: Node[] = [];
  const stack: { open: '(' | '['; children: Node[]; at: number }[] = [];
  let current = root;
  for (const token of tokens) {
    if (token.kind === 'punct' && (token.text === '(' || token.text === '[')) {
      const group = { kind: 'group' as const, open: token.text as '(' | '[', children: [] as Node[], at: token.at };
      current.push(group);
      stack.push(group);
      current = group.children;
    } else if (token.kind === 'punct' && (token.text === ')' || token.text === ']')) {
      const group = stack.pop();
      if (!group || (group.open === '(') !== (token.text === ')')) sqlError(sql, token.at, `unbalanced ${token.text}`);
      current = stack.length ? stack[stack.length - 1]!.children : root;
    } else current.push({ kind: 'token', token });
  }
  if (stack.length) sqlError(sql, stack[stack.length - 1]!.at, 'unclosed parenthesis');
  return root;
}

const significant = (n: Node | undefined): boolean => n !== undefined && !(n.kind === 'token' && (n.token.kind === 'space' || n.token.kind === 'comment'));

/** Index of the next significant node at or after i (nodes.length when none). */
function next(nodes: Node[], i: number): number {
  while (i < nodes.length && !significant(nodes[i])) i++;
  return i;
}

function isPunct(n: Node | undefined, text: string): boolean {
  return n?.kind === 'token' && n.token.kind === 'punct' && n.token.text === text;
}

function word(n: Node | undefined): string | null {
  return n?.kind === 'token' && n.token.kind === 'word' ? n.token.text.toUpperCase() : null;
}

/** Splits a group's children at top-level commas. */
function splitArgs(children: Node[]): Node[][] {
  const args: Node[][] = [[]];
  for (const child of children) {
    if (isPunct(child, ',')) args.push([]);
    else args[args.length - 1]!.push(child);
  }
  return args.length === 1 && !args[0]!.some(significant) ? [] : args;
}

class Translator {
  readonly references: string[] = [];
  constructor(private readonly sql: string) {}

  private fail(at: number, what: string): never {
    sqlError(this.sql, at, what);
  }

  emit(nodes: Node[]): string {
    let out = '';
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (node.kind === 'group') {
        if (node.open === '[') this.fail(node.at, 'array subscripts are only supported as APPROX_QUANTILES(x, n)[OFFSET(k)]');
        out += `(${this.emit(node.children)})`;
        continue;
      }
      const t = node.token;
      switch (t.kind) {
        case 'space':
          out += t.text;
          break;
        case 'comment':
          out += t.text.startsWith('#') ? `--${t.text.slice(1)}` : t.text;
          break;
        case 'number':
          out += t.text;
          break;
        case 'string':
          // BigQuery strings may use either quote; DuckDB reads "..." as a name. Backslash escapes
          // mean different things in the two engines, so they are refused rather than guessed.
          if (t.text.includes('\\')) this.fail(t.at, 'backslash escapes in strings are not supported');
          out += t.text[0] === "'" ? t.text : `'${t.text.slice(1, -1).replace(/'/g, "''")}'`;
          break;
        case 'quoted':
        case 'template': {
          const { text, end } = this.tableName(nodes, i);
          out += text;
          i = end;
          break;
        }
        case 'punct':
          out += t.text;
          break;
        case 'word': {
          const after = next(nodes, i + 1);
          const group = nodes[after];
          const name = t.text.toUpperCase();
          if (group?.kind === 'group' && group.open === '(' && !KEYWORDS_BEFORE_PAREN.has(name)) {
            if (isPunct(nodes[i - 1], '.')) this.fail(t.at, `namespaced function ${t.text}() is not supported`);
            const call = this.call(name, t, group, nodes, after);
            out += call.text;
            i = call.end;
            break;
          }
          if (BIGQUERY_ONLY.has(name)) this.fail(t.at, `BigQuery construct ${t.text} is not supported`);
          if (nodes[after]?.kind === 'token' && (nodes[after] as { token: Token }).token.kind === 'string' && after === i + 1) {
            this.fail(t.at, `prefixed literal ${t.text}'…' is not supported`);
          }
          out += t.text;
          break;
        }
      }
    }
    return out;
  }

  /** `${project}.${dataset}.name` or `` `${project}.${dataset}.name` `` → name. Other quoted names → "name". */
  private tableName(nodes: Node[], i: number): { text: string; end: number } {
    const t = (nodes[i] as { token: Token }).token;
    let path: string;
    let end = i;
    if (t.kind === 'quoted') path = t.text.slice(1, -1);
    else {
      path = '';
      while (end < nodes.length) {
        const n = nodes[end];
        if (n?.kind !== 'token' || (!['template', 'word'].includes(n.token.kind) && !isPunct(n, '.'))) break;
        path += n.token.text;
        end++;
      }
      end--;
    }
    const m = /^\$\{project\}\.\$\{dataset\}\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(path);
    if (m) {
      this.references.push(m[1]!);
      return { text: m[1]!, end };
    }
    if (t.kind === 'quoted' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(path)) return { text: `"${path}"`, end };
    this.fail(t.at, `table reference ${path} must be \`\${project}.\${dataset}.name\``);
  }

  private args(group: { children: Node[] }): string[] {
    return splitArgs(group.children).map((a) => this.emit(a).trim());
  }

  private part(arg: Node[] | undefined, at: number, fn: string): string {
    const words = (arg ?? []).filter(significant);
    const part = words.length === 1 ? word(words[0]) : null;
    if (!part || !PARTS.has(part)) this.fail(at, `${fn}: date part must be one of ${[...PARTS].join(', ')}`);
    return part.toLowerCase();
  }

  private call(name: string, t: Token, group: Node & { kind: 'group' }, nodes: Node[], groupIndex: number): { text: string; end: number } {
    const raw = splitArgs(group.children);
    const arity = (n: number) => {
      if (raw.length !== n) this.fail(t.at, `${t.text}() takes ${n} arguments here, got ${raw.length}`);
    };
    const end = groupIndex;
    if (SAME.has(name)) return { text: `${t.text}(${this.emit(group.children)})`, end };
    if (name in RENAMED) return { text: `${RENAMED[name]}(${this.emit(group.children)})`, end };
    switch (name) {
      case 'TIMESTAMP_TRUNC': {
        arity(2);
        const part = this.part(raw[1], t.at, t.text);
        return { text: `date_trunc('${part}', ${this.emit(raw[0]!).trim()})`, end };
      }
      case 'TIMESTAMP_DIFF': {
        arity(3);
        const part = this.part(raw[2], t.at, t.text);
        // date_sub counts whole elapsed units like TIMESTAMP_DIFF; date_diff counts boundaries crossed.
        return { text: `date_sub('${part}', ${this.emit(raw[1]!).trim()}, ${this.emit(raw[0]!).trim()})`, end };
      }
      case 'SAFE_DIVIDE': {
        arity(2);
        const [a, b] = this.args(group);
        return { text: `((${a}) / NULLIF(${b}, 0))`, end };
      }
      case 'CAST':
      case 'SAFE_CAST': {
        const children = group.children;
        let as = -1;
        children.forEach((c, k) => {
          if (word(c) === 'AS') as = k;
        });
        const type = word(children[next(children, as + 1)]);
        if (as < 0 || !type || !(type in TYPES) || next(children, next(children, as + 1) + 1) < children.length) {
          this.fail(t.at, `${t.text}(x AS type): type must be one of ${Object.keys(TYPES).join(', ')}`);
        }
        const fn = name === 'CAST' ? 'CAST' : 'TRY_CAST';
        return { text: `${fn}(${this.emit(children.slice(0, as)).trim()} AS ${TYPES[type]})`, end };
      }
      case 'APPROX_QUANTILES': {
        arity(2);
        const buckets = this.emit(raw[1]!).trim();
        // Only the [OFFSET(k)] form: one quantile, which quantile_disc gives exactly (an input value, as
        // BigQuery returns) where BigQuery approximates.
        const sub = nodes[next(nodes, groupIndex + 1)];
        const subIndex = next(nodes, groupIndex + 1);
        const inner = sub?.kind === 'group' && sub.open === '[' ? sub.children.filter(significant) : [];
        const offset = inner.length === 2 && word(inner[0]) === 'OFFSET' && inner[1]?.kind === 'group' ? inner[1].children.filter(significant) : [];
        const k = offset.length === 1 && offset[0]?.kind === 'token' && offset[0].token.kind === 'number' ? offset[0].token.text : null;
        if (!/^\d+$/.test(buckets) || k === null || !/^\d+$/.test(k) || Number(k) > Number(buckets)) {
          this.fail(t.at, 'APPROX_QUANTILES is only supported as APPROX_QUANTILES(x, N)[OFFSET(k)] with literal 0 ≤ k ≤ N');
        }
        return { text: `quantile_disc(${this.emit(raw[0]!).trim()}, ${Number(k) / Number(buckets)})`, end: subIndex };
      }
      default:
        this.fail(t.at, `function ${t.text}() has no DuckDB translation`);
    }
  }
}

/** Translates one view's BigQuery SQL into DuckDB SQL; throws UnsupportedSqlError on anything unknown. */
export function translateBigQueryToDuckDb(sql: string): Translation {
  const translator = new Translator(sql);
  const text = translator.emit(parse(tokenize(sql), sql));
  return { sql: text, references: [...new Set(translator.references)] };
}
