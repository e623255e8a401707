import { readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import ts from 'typescript';

/** One `require` in compiled CommonJS: static when it runs at module load (top level), dynamic when in a function. */
interface RequireCall {
  specifier: string;
  /** Runs at module load: a top-level `require` (what an `import` declaration compiles to). */
  atLoad: boolean;
}

/**
 * The `require` calls of one compiled CommonJS module, found by parsing it (tsc compiles `import`
 * declarations to top-level requires and `import()` to a require inside a `.then` callback; the
 * lazily loaded client libraries are requires inside functions). A require of anything but a string
 * literal cannot be followed, so it is an error.
 */
export function requireCalls(fileName: string, text: string): RequireCall[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const calls: RequireCall[] = [];
  const visit = (node: ts.Node, inFunction: boolean): void => {
    if (ts.isCallExpression(node) && (isRequire(node.expression) || node.expression.kind === ts.SyntaxKind.ImportKeyword)) {
      const [arg] = node.arguments;
      if (!arg || !ts.isStringLiteralLike(arg)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        throw new Error(`${fileName}:${line + 1}: a require of a computed name cannot be followed: ${node.getText()}`);
      }
      calls.push({ specifier: arg.text, atLoad: !inFunction });
    }
    const nested = inFunction || ts.isFunctionLike(node);
    ts.forEachChild(node, (child) => visit(child, nested));
  };
  visit(source, false);
  return calls;
}

function isRequire(expression: ts.Expression): boolean {
  return ts.isIdentifier(expression) && expression.text === 'require';
}

/** The npm package a bare specifier names (`@scope/name/sub` → `@scope/name`), or null for a builtin. */
function packageName(specifier: string): string | null {
  if (isBuiltin(specifier)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../');
}

/** One edge of the graph: `from` (a file) requires `specifier`, resolved to `to` (a file) or `pkg`. */
export interface ImportEdge extends RequireCall {
  from: string;
  to?: string;
  pkg?: string;
}

interface ImportGraph {
  /** Every file reached, entry first (absolute paths). */
  files: string[];
  /** Every edge followed or left out, in the order found. */
  edges: ImportEdge[];
}

/**
 * Follows the requires of compiled CommonJS from `entry`. `follow(edge)` decides whether a relative
 * edge is walked (the caller leaves some out: what is not deployed, or what loads only on demand);
 * packages and builtins are recorded, never entered.
 */
export function importGraph(entry: string, follow: (edge: ImportEdge) => boolean = () => true): ImportGraph {
  const files: string[] = [];
  const edges: ImportEdge[] = [];
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    files.push(file);
    const resolve = createRequire(file).resolve;
    for (const call of requireCalls(file, readFileSync(file, 'utf8'))) {
      const edge: ImportEdge = { ...call, from: file };
      if (isRelative(call.specifier)) edge.to = resolve(call.specifier);
      else {
        const pkg = packageName(call.specifier);
        if (pkg) edge.pkg = pkg;
      }
      edges.push(edge);
      if (edge.to && follow(edge)) queue.push(edge.to);
    }
  }
  return { files, edges };
}
