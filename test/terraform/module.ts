import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** A JSON value as @cdktf/hcl2json renders HCL: expressions become "${...}" strings, blocks arrays. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Body = { [key: string]: Json };

/** One declared block (resource, data source, variable, output, module), with the file it came from. */
export interface Declared {
  kind: 'resource' | 'data' | 'variable' | 'output' | 'module';
  type: string; // resource/data type; '' for the others
  name: string;
  body: Body;
  file: string;
}

/** The Terraform module in one directory: every .tf file parsed and indexed. */
export interface TfModule {
  dir: string;
  files: { name: string; json: Body }[];
  blocks: Declared[];
  locals: Body;
}

/** Parses every .tf file in dir. Fails on a block declared twice (terraform would refuse it too). */
export async function loadModule(dir: string): Promise<TfModule> {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort();
  const files: TfModule['files'] = [];
  const blocks: Declared[] = [];
  const locals: Body = {};
  for (const name of names) {
    const json = (await parse(name, readFileSync(join(dir, name), 'utf8'))) as Body;
    files.push({ name, json });
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries(asObject(json[kind]))) {
        for (const [blockName, bodies] of Object.entries(asObject(byName))) {
          blocks.push({ kind, type, name: blockName, body: first(bodies), file: name });
        }
      }
    }
    for (const kind of ['variable', 'output', 'module'] as const) {
      for (const [blockName, bodies] of Object.entries(asObject(json[kind]))) {
        blocks.push({ kind, type: '', name: blockName, body: first(bodies), file: name });
      }
    }
    for (const localsBlock of asArray(json['locals'])) {
      for (const [key, value] of Object.entries(asObject(localsBlock))) {
        if (key in locals) throw new Error(`local.${key} is declared twice (${name})`);
        locals[key] = value;
      }
    }
  }
  const seen = new Set<string>();
  for (const b of blocks) {
    const id = `${b.kind} ${b.type} ${b.name}`;
    if (seen.has(id)) throw new Error(`${id} is declared twice (last in ${b.file})`);
    seen.add(id);
  }
  return { dir, files, blocks, locals };
}

export function resources(mod: TfModule, type: string): Declared[] {
  return mod.blocks.filter((b) => b.kind === 'resource' && b.type === type);
}

export function variables(mod: TfModule): Declared[] {
  return mod.blocks.filter((b) => b.kind === 'variable');
}

/** The single nested block `name` of a body (hcl2json renders blocks as one-element arrays). */
export function block(body: Body, name: string): Body {
  const value = body[name];
  if (!Array.isArray(value) || value.length !== 1) {
    throw new Error(`expected exactly one ${name} block, got ${JSON.stringify(value)}`);
  }
  return asObject(value[0]);
}

export function asObject(value: Json | undefined): Body {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function asArray(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function first(bodies: Json): Body {
  return asObject(Array.isArray(bodies) ? bodies[0] : bodies);
}

/** Every string anywhere inside a JSON value. */
export function strings(value: Json | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap((v) => strings(v));
  if (value && typeof value === 'object') return Object.values(value).flatMap((v) => strings(v));
  return [];
}
