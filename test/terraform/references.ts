import { getReferencesInExpression } from '@cdktf/hcl2json';
import { asObject, strings, type Body, type TfModule } from './module';

/** Roots that are not declarations in this module. */
const BUILTIN_ROOTS = new Set(['path', 'each', 'count', 'self', 'terraform']);

/** One reference Terraform would resolve, as written, and where. */
export interface Reference {
  ref: string;
  file: string;
}

/** Every reference in every expression of every file (for-expression variables excluded by the parser). */
export async function allReferences(mod: TfModule): Promise<Reference[]> {
  const out: Reference[] = [];
  for (const file of mod.files) {
    for (const text of strings(withoutVariableTypes(file.json))) {
      if (!text.includes('${')) continue;
      for (const r of await getReferencesInExpression(file.name, text)) out.push({ ref: r.value, file: file.name });
    }
  }
  return out;
}

/** A variable's `type` is a type constraint (`${map(string)}`), not an expression. */
function withoutVariableTypes(json: Body): Body {
  const variables = asObject(json['variable']);
  const stripped = Object.fromEntries(
    Object.entries(variables).map(([name, bodies]) => [
      name,
      (Array.isArray(bodies) ? bodies : [bodies]).map((b) => {
        const { type: _type, ...rest } = asObject(b);
        return rest;
      }),
    ]),
  );
  return { ...json, variable: stripped };
}

/** The references that name nothing declared in the module; empty when everything resolves. */
export function unresolved(mod: TfModule, refs: Reference[]): Reference[] {
  const declared = new Set(
    mod.blocks.map((b) => {
      switch (b.kind) {
        case 'resource':
          return `${b.type}.${b.name}`;
        case 'data':
          return `data.${b.type}.${b.name}`;
        case 'variable':
          return `var.${b.name}`;
        case 'module':
          return `module.${b.name}`;
        case 'output':
          return `output.${b.name}`;
      }
    }),
  );
  for (const key of Object.keys(mod.locals)) declared.add(`local.${key}`);
  const dynamicIterators = new Set(dynamicBlockNames(mod));

  return refs.filter(({ ref }) => {
    const parts = ref.split('.');
    const root = parts[0]!;
    if (BUILTIN_ROOTS.has(root) || dynamicIterators.has(root)) return false;
    const target = root === 'data' ? parts.slice(0, 3).join('.') : parts.slice(0, 2).join('.');
    return !declared.has(target);
  });
}

function dynamicBlockNames(mod: TfModule): string[] {
  const names: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'dynamic' && v && typeof v === 'object') names.push(...Object.keys(v));
        walk(v);
      }
    }
  };
  mod.files.forEach((f) => walk(f.json));
  return names;
}
