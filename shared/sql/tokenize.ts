/**
 * A small lexer for the BigQuery (GoogleSQL) subset the analyst views use. It only has to tell apart
 * what the translator rewrites: identifiers, quoted names, strings, comments, template variables and
 * punctuation. Whitespace is kept as tokens so the translated SQL reads like the original.
 */
type TokenKind = 'space' | 'comment' | 'string' | 'quoted' | 'template' | 'number' | 'word' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset in the source, for error messages. */
  at: number;
}

/** A BigQuery construct the translator does not support; it never passes one through silently. */
export class UnsupportedSqlError extends Error {
  override name = 'UnsupportedSqlError';
}

function fail(sql: string, at: number, what: string): never {
  const line = sql.slice(0, at).split('\n').length;
  throw new UnsupportedSqlError(`${what} (line ${line})`);
}

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const SPACE = /\s+/y;
const PUNCT2 = new Set(['<=', '>=', '<>', '!=', '||']);

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const match = (re: RegExp): string | null => {
    re.lastIndex = i;
    const m = re.exec(sql);
    return m ? m[0] : null;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const at = i;
    // The sticky patterns, tried in this order below; each match is cheap and pure.
    const space = match(SPACE);
    const number = match(NUMBER);
    const word = match(WORD);
    let text: string;
    let kind: TokenKind;
    if (space) {
      text = space;
      kind = 'space';
    } else if (sql.startsWith('--', i) || c === '#') {
      const end = sql.indexOf('\n', i);
      text = sql.slice(i, end < 0 ? sql.length : end);
      kind = 'comment';
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) fail(sql, at, 'unterminated /* comment');
      text = sql.slice(i, end + 2);
      kind = 'comment';
    } else if (c === "'" || c === '"') {
      if (sql.startsWith(c.repeat(3), i)) fail(sql, at, 'triple-quoted strings are not supported');
      let j = i + 1;
      while (j < sql.length && sql[j] !== c) j += sql[j] === '\\' ? 2 : 1;
      if (j >= sql.length) fail(sql, at, 'unterminated string');
      text = sql.slice(i, j + 1);
      kind = 'string';
    } else if (c === '`') {
      const end = sql.indexOf('`', i + 1);
      if (end < 0) fail(sql, at, 'unterminated `quoted name`');
      text = sql.slice(i, end + 1);
      kind = 'quoted';
    } else if (sql.startsWith('${', i)) {
      const end = sql.indexOf('}', i);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the SQL's own ${name} syntax, named in the message
      if (end < 0) fail(sql, at, 'unterminated ${template variable}');
      text = sql.slice(i, end + 1);
      kind = 'template';
    } else if (number) {
      text = number;
      kind = 'number';
    } else if (word) {
      text = word;
      kind = 'word';
    } else if (PUNCT2.has(sql.slice(i, i + 2))) {
      text = sql.slice(i, i + 2);
      kind = 'punct';
    } else if ('(),.;*=<>+-/%[]'.includes(c)) {
      text = c;
      kind = 'punct';
    } else fail(sql, at, `unexpected character ${JSON.stringify(c)}`);
    tokens.push({ kind, text, at });
    i += text.length;
  }
  return tokens;
}

export { fail as sqlError };
