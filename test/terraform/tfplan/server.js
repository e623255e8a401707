// Offline stand-in for the hashicorp/google (~> 7.0), hashicorp/archive (~> 2.7) and hashicorp/time (~> 0.13) Terraform
// providers, plugin protocol 6, enough for `terraform validate` AND `terraform plan` with no
// network and no credentials:
//   - GetProviderSchema: google schema reconstructed from @cdktf/provider-google (6.50.0 bindings)
//     plus the 7.0 upgrade-guide changes (SCHEMA_7_PATCHES); archive_file written by hand.
//   - PlanResourceChange: planned = proposed, every computed attribute that is null becomes unknown
//     (what a real provider does for a create). No provider-side validation or diff customisation.
//   - ReadDataSource: config + placeholders for computed attributes (google); archive_file really
//     archives (zip / tar.gz) and hashes the result, with the real provider's error texts.
//   - ConfigureProvider / Validate* accept everything; Apply/Import/Move refuse (plan only).
// DynamicValue is msgpack with cty conventions; unknown values are msgpack extension 0 (or 12 with
// refinements), which msgpack.js decodes to ExtData and re-encodes unchanged.
// Usage (as a plugin binary, via the wrapper scripts harness.js writes): node server.js google|archive|time
'use strict';
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const { encode, decode, ExtData } = require('./msgpack');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const zlib = require('node:zlib');
const crypto = require('node:crypto');

const which = process.argv[2];
if (!['google', 'archive', 'time'].includes(which)) {
  process.stderr.write('usage: server.js google|archive|time (started by terraform as a plugin)\n');
  process.exit(2);
}
const LOGFILE = process.env.TFPLAN_PROVIDER_LOG || '';
const log = (m) => {
  if (LOGFILE) fs.appendFileSync(LOGFILE, `[${which} ${process.pid}] ${m}\n`);
};
const protoOpts = { keepCase: true, longs: Number, enums: String, defaults: true };
const pkg = grpc.loadPackageDefinition(loader.loadSync(path.join(__dirname, 'tfplugin6.proto'), protoOpts));
const ctl = grpc.loadPackageDefinition(
  loader.loadSync([path.join(__dirname, 'plugin.proto'), path.join(__dirname, 'health.proto')], { keepCase: true, enums: String }),
);

// ---------------------------------------------------------------------------------------------
// Values
const isUnknown = (v) => v instanceof ExtData && (v.type === 0 || v.type === 12);
const UNKNOWN = () => new ExtData(0, new Uint8Array([0]));
const dv = (buf) => (buf?.length ? decode(buf) : null); // DynamicValue.msgpack -> JS
const toDV = (v) => ({ msgpack: Buffer.from(encode(v)) });
const diag = (summary, detail, attr) => ({
  severity: 'ERROR',
  summary,
  detail: detail || '',
  attribute: attr ? { steps: [].concat(attr).map((a) => (typeof a === 'number' ? { element_key_int: a } : { attribute_name: a })) } : null,
});

// ---------------------------------------------------------------------------------------------
// Schema model: S = { attrs: {name: {type, required, optional, computed}}, blocks: {name: {nesting, min, max, block: S}} }
// (cty type JSON: "string" | "number" | "bool" | "dynamic" | ["list"|"set"|"map", T] | ["object", {..}])
function fromCdktf(node, top, provider) {
  const S = { attrs: {}, blocks: {} };
  for (const [name, a] of Object.entries(node.attrs)) {
    if (name === 'alias' && provider) continue;
    const type = a.type === 'object-list' ? ['list', ['object', ctyOfNode(a.node)]] : a.type || 'string';
    const computedOnly = !!a.computedOnly;
    S.attrs[name] = {
      type,
      required: !!a.required,
      optional: !a.required && !computedOnly,
      // id is always computed; project/region/zone default from the provider block in the google
      // provider, i.e. Optional+Computed (the cdktf bindings cannot tell O+C from O).
      computed: computedOnly || (!a.required && (name === 'id' || (top && !provider && ['project', 'region', 'zone'].includes(name)))),
    };
  }
  for (const [name, b] of Object.entries(node.blocks)) {
    S.blocks[name] = {
      nesting: b.nesting,
      min: b.nesting === 'single' ? 0 : b.min,
      max: b.nesting === 'single' ? 0 : b.max,
      block: fromCdktf(b.node, false, provider),
    };
  }
  return S;
}
function ctyOfNode(node) {
  const o = {};
  for (const [k, a] of Object.entries(node.attrs)) o[k] = a.type === 'object-list' ? ['list', ['object', ctyOfNode(a.node)]] : a.type || 'string';
  for (const [k, b] of Object.entries(node.blocks))
    o[k] = b.nesting === 'single' ? ['object', ctyOfNode(b.node)] : [b.nesting === 'set' ? 'set' : 'list', ['object', ctyOfNode(b.node)]];
  return o;
}
function impliedType(S) {
  const o = {};
  for (const [k, a] of Object.entries(S.attrs)) o[k] = a.type;
  for (const [k, b] of Object.entries(S.blocks)) {
    const t = ['object', impliedType(b.block)];
    o[k] = b.nesting === 'single' || b.nesting === 'group' ? t : b.nesting === 'map' ? ['map', t] : [b.nesting, t];
  }
  return o;
}
function toProtoBlock(S) {
  return {
    version: 0,
    attributes: Object.entries(S.attrs).map(([name, a]) => ({
      name,
      type: Buffer.from(JSON.stringify(a.type)),
      required: a.required,
      optional: a.optional,
      computed: a.computed,
    })),
    block_types: Object.entries(S.blocks).map(([type_name, b]) => ({
      type_name,
      block: toProtoBlock(b.block),
      nesting: b.nesting.toUpperCase(),
      min_items: b.min,
      max_items: b.max,
    })),
  };
}
function lookup(S, dotted) {
  const parts = dotted.split('.');
  let cur = S;
  for (let i = 0; i < parts.length - 1; i++) {
    if (!cur.blocks[parts[i]]) throw new Error(`schema patch: no block ${dotted}`);
    cur = cur.blocks[parts[i]].block;
  }
  return { parent: cur, name: parts[parts.length - 1] };
}
const OUTPUT_ONLY = { required: false, optional: false, computed: true };
const REQUIRED = { required: true, optional: false, computed: false };

// Changes listed in the google provider's 7.0.0 upgrade guide, applied to the 6.50.0-derived schema.
const SCHEMA_7_PATCHES = {
  resources: {
    google_cloudfunctions2_function: (S) => {
      patchAttr(S, 'service_config.service', OUTPUT_ONLY);
      patchAttr(S, 'event_trigger.event_type', REQUIRED);
    },
    google_storage_bucket: (S) => patchAttr(S, 'retention_policy.retention_period', { type: 'string' }),
    google_gke_hub_membership: (S) => dropAttr(S, 'description'),
    google_compute_subnetwork: (S) => dropAttr(S, 'enable_flow_logs'),
    google_colab_runtime_template: (S) => dropAttr(S, 'post_startup_script_config'),
    google_bigtable_table_iam_binding: (S) => dropAttr(S, 'instance'),
    google_bigtable_table_iam_member: (S) => dropAttr(S, 'instance'),
    google_bigtable_table_iam_policy: (S) => dropAttr(S, 'instance'),
    google_network_services_lb_traffic_extension: (S) => patchAttr(S, 'load_balancing_scheme', REQUIRED),
    google_vertex_ai_endpoint: (S) => dropAttr(S, 'enable_secure_private_service_connect'),
    google_cloud_run_v2_worker_pool: (S) => dropAttr(S, 'template.containers.depends_on'),
    google_compute_packet_mirroring: (S) => {
      for (const b of ['subnetworks', 'instances']) {
        const { parent, name } = lookup(S, `mirrored_resources.${b}`);
        if (parent.blocks[name]) parent.blocks[name].nesting = 'set';
      }
    },
    google_vertex_ai_index: (S) => {
      if (S.blocks.metadata) {
        S.blocks.metadata.min = 1;
        const c = S.blocks.metadata.block.blocks.config;
        if (c) c.min = 1;
      }
    },
    google_project_service: () => {}, // disable_on_destroy default false: defaults are not modelled
  },
  removedResources: [
    'google_beyondcorp_application',
    'google_beyondcorp_application_iam_binding',
    'google_beyondcorp_application_iam_member',
    'google_beyondcorp_application_iam_policy',
    'google_notebooks_location',
    'google_tpu_node',
  ],
  data: { google_service_account_key: (S) => dropAttr(S, 'project') },
  removedData: ['google_beyondcorp_application_iam_policy'],
};
function patchAttr(S, dotted, props) {
  const { parent, name } = lookup(S, dotted);
  if (!parent.attrs[name]) throw new Error(`schema patch: no attribute ${dotted}`);
  Object.assign(parent.attrs[name], props);
}
function dropAttr(S, dotted) {
  const { parent, name } = lookup(S, dotted);
  delete parent.attrs[name];
  delete parent.blocks[name];
}

const str = (f) => ({ type: 'string', required: false, optional: true, computed: false, ...f });
const out = (type) => ({ type, required: false, optional: false, computed: true });
const ARCHIVE_FILE = {
  attrs: {
    type: str({ required: true, optional: false }),
    output_path: str({ required: true, optional: false }),
    source_dir: str(),
    source_file: str(),
    source_content: str(),
    source_content_filename: str(),
    excludes: str({ type: ['set', 'string'] }),
    exclude_symlink_directories: str({ type: 'bool' }),
    output_file_mode: str(),
    id: out('string'),
    output_md5: out('string'),
    output_sha: out('string'),
    output_sha256: out('string'),
    output_base64sha256: out('string'),
    output_sha512: out('string'),
    output_base64sha512: out('string'),
    output_size: out('number'),
  },
  blocks: {
    source: {
      nesting: 'set',
      min: 0,
      max: 0,
      block: { attrs: { content: str({ required: true, optional: false }), filename: str({ required: true, optional: false }) }, blocks: {} },
    },
  },
};

// hashicorp/time 0.13's time_sleep (the one resource of that provider this module uses).
const TIME_SLEEP = {
  attrs: { create_duration: str(), destroy_duration: str(), triggers: str({ type: ['map', 'string'] }), id: out('string') },
  blocks: {},
};

// Provider-defined functions of google 7.x (provider::google::NAME); behaviour approximated.
const SEG = (seg) => (id) => {
  const m = String(id).match(new RegExp(`(?:^|/)${seg}/([^/]+)`));
  if (!m) throw new Error(`got ${id}, expected a resource id containing ${seg}/{${seg.replace(/s$/, '')}}`);
  return m[1];
};
const FUNCTIONS = {
  project_from_id: SEG('projects'),
  location_from_id: SEG('locations'),
  region_from_id: SEG('regions'),
  zone_from_id: SEG('zones'),
  name_from_id: (id) => {
    const p = String(id).split('/').filter(Boolean);
    if (p.length < 2) throw new Error(`got ${id}, expected a resource id with at least one / separated segment pair`);
    return p[p.length - 1];
  },
  region_from_zone: (z) => {
    const m = String(z).match(/^(.+)-[a-z]$/);
    if (!m) throw new Error(`got ${z}, expected a zone such as us-central1-a`);
    return m[1];
  },
};

let providerSchema,
  resources,
  dataSources,
  functions = {};
if (which === 'google') {
  const gz = path.join(__dirname, 'google-schema.json.gz');
  const raw = fs.existsSync(gz) ? zlib.gunzipSync(fs.readFileSync(gz)).toString('utf8') : fs.readFileSync(path.join(__dirname, 'google-schema.json'), 'utf8');
  const s = JSON.parse(raw);
  // TFPLAN_GOOGLE_TYPES (comma-separated, set by harness.js from the module's blocks): serve only
  // those resource and data source types. The full schema is 1.2 MB per GetProviderSchema, and
  // terraform starts the provider several times per command; a type left out fails loudly.
  const only = new Set((process.env.TFPLAN_GOOGLE_TYPES || '').split(',').filter(Boolean));
  if (only.size) for (const kind of ['resources', 'data']) s[kind] = Object.fromEntries(Object.entries(s[kind]).filter(([k]) => only.has(k)));
  providerSchema = fromCdktf(s.provider, true, true);
  resources = Object.fromEntries(Object.entries(s.resources).map(([k, n]) => [k, fromCdktf(n, true, false)]));
  dataSources = Object.fromEntries(Object.entries(s.data).map(([k, n]) => [k, fromCdktf(n, true, false)]));
  for (const [t, f] of Object.entries(SCHEMA_7_PATCHES.resources)) if (resources[t]) f(resources[t]);
  for (const [t, f] of Object.entries(SCHEMA_7_PATCHES.data)) if (dataSources[t]) f(dataSources[t]);
  for (const t of SCHEMA_7_PATCHES.removedResources) delete resources[t];
  for (const t of SCHEMA_7_PATCHES.removedData) delete dataSources[t];
  functions = Object.fromEntries(
    Object.keys(FUNCTIONS).map((name) => [
      name,
      {
        parameters: [{ name: name === 'region_from_zone' ? 'zone' : 'id', type: Buffer.from('"string"') }],
        return: { type: Buffer.from('"string"') },
        summary: `${name} (offline approximation)`,
      },
    ]),
  );
} else if (which === 'archive') {
  providerSchema = { attrs: {}, blocks: {} };
  resources = {};
  dataSources = { archive_file: ARCHIVE_FILE };
} else {
  providerSchema = { attrs: {}, blocks: {} };
  resources = { time_sleep: TIME_SLEEP };
  dataSources = {};
}
const schemaResp = {
  provider: { version: 0, block: toProtoBlock(providerSchema) },
  resource_schemas: Object.fromEntries(Object.entries(resources).map(([k, S]) => [k, { version: 0, block: toProtoBlock(S) }])),
  data_source_schemas: Object.fromEntries(Object.entries(dataSources).map(([k, S]) => [k, { version: 0, block: toProtoBlock(S) }])),
  functions,
  diagnostics: [],
  server_capabilities: { plan_destroy: false, get_provider_schema_optional: true, move_resource_state: false },
};

// ---------------------------------------------------------------------------------------------
// Planning: set every null computed attribute to unknown, recursively through nested blocks.
function markComputedUnknown(S, v) {
  if (v === null || v === undefined || isUnknown(v)) return v;
  const o = { ...v };
  for (const [k, a] of Object.entries(S.attrs)) if (a.computed && (o[k] === null || o[k] === undefined)) o[k] = UNKNOWN();
  for (const [k, b] of Object.entries(S.blocks)) o[k] = mapBlock(b, o[k], (e) => markComputedUnknown(b.block, e));
  return o;
}
function mapBlock(b, val, f) {
  if (val === null || val === undefined || isUnknown(val)) return val;
  if (b.nesting === 'single' || b.nesting === 'group') return f(val);
  if (b.nesting === 'map') return Object.fromEntries(Object.entries(val).map(([k, e]) => [k, f(e)]));
  return val.map((e) => f(e));
}

// Data sources: fill null computed attributes with known placeholders of the right type.
let providerConfig = {};
function placeholder(type, name, ctx) {
  if (type === 'string') {
    if (ctx.typeName === 'google_project' && name === 'number') return '123456789012';
    if (name === 'project' || name === 'project_id') return ctx.project;
    if (name === 'region') return providerConfig.region || 'us-central1';
    if (name === 'zone') return providerConfig.zone || 'us-central1-a';
    if (/email/.test(name)) return `placeholder@${ctx.project}.iam.gserviceaccount.com`;
    if (name === 'member') return `serviceAccount:placeholder@${ctx.project}.iam.gserviceaccount.com`;
    if (name === 'id') return ctx.typeName === 'google_project' ? `projects/${ctx.project}` : `projects/${ctx.project}/placeholder`;
    return 'placeholder';
  }
  if (type === 'number') return 0;
  if (type === 'bool') return false;
  if (type === 'dynamic') return null;
  const [kind, elem] = type;
  if (kind === 'list' || kind === 'set') return [placeholder(elem, name, ctx)];
  if (kind === 'map') return {};
  if (kind === 'object') return Object.fromEntries(Object.entries(elem).map(([k, t]) => [k, placeholder(t, k, ctx)]));
  if (kind === 'tuple') return elem.map((t) => placeholder(t, name, ctx));
  return null;
}
function fillComputed(S, v, ctx) {
  if (v === null || v === undefined) return v;
  const o = { ...v };
  for (const [k, a] of Object.entries(S.attrs)) if (a.computed && (o[k] === null || o[k] === undefined)) o[k] = placeholder(a.type, k, ctx);
  for (const [k, b] of Object.entries(S.blocks)) o[k] = mapBlock(b, o[k], (e) => fillComputed(b.block, e, ctx));
  return o;
}

// JSON state (UpgradeResourceState) -> object conforming to the current schema (unknown keys dropped).
function normaliseByType(type, v) {
  if (v === null || v === undefined) return null;
  if (typeof type === 'string') return v;
  const [kind, elem] = type;
  if ((kind === 'list' || kind === 'set') && Array.isArray(v)) return v.map((e) => normaliseByType(elem, e));
  if (kind === 'map' && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, normaliseByType(elem, e)]));
  if (kind === 'object' && typeof v === 'object') return Object.fromEntries(Object.entries(elem).map(([k, t]) => [k, normaliseByType(t, v[k])]));
  return v;
}
function normaliseState(S, v) {
  return normaliseByType(['object', impliedType(S)], v);
}

// ---------------------------------------------------------------------------------------------
// archive_file: behaves like hashicorp/archive 2.7's data source (archives at plan time).
function archiveConflicts(c) {
  const d = [];
  const set = (k) => c[k] !== null && c[k] !== undefined;
  const hasSource = Array.isArray(c.source) ? c.source.length > 0 : set('source');
  if (!hasSource && !set('source_content_filename') && !set('source_file') && !set('source_dir')) {
    d.push(diag('Invalid Attribute Combination', 'At least one attribute out of [source,source_content_filename,source_file,source_dir] must be specified'));
  }
  const groups = {
    source_dir: ['source_file', 'source_content', 'source_content_filename'],
    source_file: ['source_dir', 'source_content', 'source_content_filename'],
    source_content: ['source_file', 'source_dir'],
    source_content_filename: ['source_file', 'source_dir'],
  };
  for (const [k, others] of Object.entries(groups)) {
    if (!set(k) || isUnknown(c[k])) continue;
    for (const o of others)
      if (set(o) && !isUnknown(c[o])) d.push(diag('Invalid Attribute Combination', `Attribute "${o}" cannot be specified when "${k}" is specified`, k));
  }
  return d;
}
function walkDir(root, excludes) {
  const files = [];
  const matches = (rel) =>
    excludes.some(
      (e) =>
        e &&
        (e === rel ||
          (e.includes('*') &&
            new RegExp(
              `^${e
                .split('*')
                .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
                .join('.*')}`,
            ).test(rel))),
    );
  const visit = (dir, relDir) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const rel = relDir ? `${relDir}/${name}` : name;
      const st = fs.statSync(abs);
      if (matches(rel)) continue;
      if (st.isDirectory()) visit(abs, rel);
      else files.push({ name: rel, data: fs.readFileSync(abs), mode: st.mode & 0o777 });
    }
  };
  visit(root, '');
  return files;
}
function zipBytes(entries) {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const comp = zlib.deflateRawSync(e.data);
    const crc = zlib.crc32(e.data) >>> 0;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0x0800, 6);
    lh.writeUInt16LE(8, 8);
    lh.writeUInt16LE(0, 10);
    lh.writeUInt16LE(0x21, 12);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(comp.length, 18);
    lh.writeUInt32LE(e.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    lh.writeUInt16LE(0, 28);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE((3 << 8) | 20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0x0800, 8);
    ch.writeUInt16LE(8, 10);
    ch.writeUInt16LE(0, 12);
    ch.writeUInt16LE(0x21, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(comp.length, 20);
    ch.writeUInt32LE(e.data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(((0o100000 | e.mode) << 16) >>> 0, 38);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, comp);
    central.push(ch, name);
    offset += 30 + name.length + comp.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
function tarGzBytes(entries) {
  const blocks = [];
  for (const e of entries) {
    const h = Buffer.alloc(512);
    h.write(e.name.slice(-100), 0, 'utf8');
    h.write(`${e.mode.toString(8).padStart(7, '0')}\0`, 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${e.data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(blocks));
}
function readArchiveFile(c) {
  const fail = (summary, detail) => ({ diagnostics: [diag(summary, detail)] });
  const builders = { zip: zipBytes, 'tar.gz': tarGzBytes };
  if (!builders[c.type]) return fail('Archive creation error', `error creating archive: archive type not supported: ${c.type}`);
  const outDir = path.dirname(c.output_path);
  try {
    fs.mkdirSync(outDir, { recursive: true });
  } catch (e) {
    return fail('Output path error', `error creating output path: ${e.message}`);
  }
  let mode = null;
  if (c.output_file_mode) {
    mode = parseInt(c.output_file_mode, 8);
    if (Number.isNaN(mode)) return fail('Archive creation error', `error creating archive: error parsing output_file_mode value: ${c.output_file_mode}`);
  }
  let entries;
  if (c.source_dir !== null && c.source_dir !== undefined) {
    let st = null;
    try {
      st = fs.statSync(c.source_dir);
    } catch {
      /* missing */
    }
    if (!st) return fail('Archive creation error', `error creating archive: error archiving directory: could not archive missing directory: ${c.source_dir}`);
    if (!st.isDirectory())
      return fail('Archive creation error', `error creating archive: error archiving directory: could not archive directory that is a file: ${c.source_dir}`);
    const outAbs = path.resolve(c.output_path);
    entries = walkDir(c.source_dir, c.excludes || []).filter((e) => path.resolve(c.source_dir, e.name) !== outAbs);
    if (!entries.length)
      return fail('Archive creation error', 'error creating archive: error archiving directory: archive has not been created as it would be empty');
  } else if (c.source_file !== null && c.source_file !== undefined) {
    let st = null;
    try {
      st = fs.statSync(c.source_file);
    } catch {
      /* missing */
    }
    if (!st) return fail('Archive creation error', `error creating archive: error archiving file: could not archive missing file: ${c.source_file}`);
    entries = [{ name: path.basename(c.source_file), data: fs.readFileSync(c.source_file), mode: st.mode & 0o777 }];
  } else if (c.source_content_filename !== null && c.source_content_filename !== undefined) {
    entries = [{ name: c.source_content_filename, data: Buffer.from(c.source_content || '', 'utf8'), mode: 0o644 }];
  } else {
    entries = (c.source || []).map((s) => ({ name: s.filename, data: Buffer.from(s.content, 'utf8'), mode: 0o644 })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }
  if (mode !== null) entries = entries.map((e) => ({ ...e, mode }));
  const bytes = builders[c.type](entries);
  fs.writeFileSync(c.output_path, bytes);
  const h = (alg, enc) => crypto.createHash(alg).update(bytes).digest(enc);
  const state = {
    ...c,
    id: h('sha1', 'hex'),
    output_size: bytes.length,
    output_md5: h('md5', 'hex'),
    output_sha: h('sha1', 'hex'),
    output_sha256: h('sha256', 'hex'),
    output_base64sha256: h('sha256', 'base64'),
    output_sha512: h('sha512', 'hex'),
    output_base64sha512: h('sha512', 'base64'),
  };
  return { state: toDV(state), diagnostics: [] };
}

// ---------------------------------------------------------------------------------------------
// RPC handlers
const handle = (name, f) => (call, cb) => {
  try {
    const r = f(call.request);
    log(`${name} ${call.request.type_name || call.request.name || ''} -> ${r.diagnostics?.length ? r.diagnostics.map((d) => d.summary).join('; ') : 'ok'}`);
    cb(null, r);
  } catch (e) {
    log(`${name} failed: ${e.stack}`);
    cb(null, { diagnostics: [diag(`offline provider: ${name} failed`, String(e.stack || e))] });
  }
};
const unsupported = (what) => ({
  diagnostics: [
    diag(`${what} is not supported by the offline plan provider`, 'This stand-in provider only validates and plans; use the real provider to apply or import.'),
  ],
});

server();
function server() {
  const srv = new grpc.Server({ 'grpc.max_send_message_length': 256 << 20, 'grpc.max_receive_message_length': 256 << 20 });
  srv.addService(pkg.tfplugin6.Provider.service, {
    GetMetadata: handle('GetMetadata', () => ({
      server_capabilities: schemaResp.server_capabilities,
      diagnostics: [],
      data_sources: Object.keys(dataSources).map((type_name) => ({ type_name })),
      resources: Object.keys(resources).map((type_name) => ({ type_name })),
      functions: Object.keys(functions).map((name) => ({ name })),
    })),
    GetProviderSchema: handle('GetProviderSchema', () => schemaResp),
    GetFunctions: handle('GetFunctions', () => ({ functions, diagnostics: [] })),
    ValidateProviderConfig: handle('ValidateProviderConfig', () => ({ diagnostics: [] })),
    ValidateResourceConfig: handle('ValidateResourceConfig', () => ({ diagnostics: [] })),
    ValidateDataResourceConfig: handle('ValidateDataResourceConfig', (req) => {
      if (which === 'archive' && req.type_name === 'archive_file') return { diagnostics: archiveConflicts(dv(req.config.msgpack) || {}) };
      return { diagnostics: [] };
    }),
    ConfigureProvider: handle('ConfigureProvider', (req) => {
      const c = dv(req.config?.msgpack) || {};
      providerConfig = Object.fromEntries(Object.entries(c).filter(([, v]) => typeof v === 'string'));
      return { diagnostics: [] };
    }),
    UpgradeResourceState: handle('UpgradeResourceState', (req) => {
      const S = resources[req.type_name];
      if (!S) return { diagnostics: [diag('Unknown resource type', req.type_name)] };
      if (!req.raw_state?.json?.length) return unsupported('Legacy flatmap state');
      return { upgraded_state: toDV(normaliseState(S, JSON.parse(req.raw_state.json.toString('utf8')))), diagnostics: [] };
    }),
    ReadResource: handle('ReadResource', (req) => ({ new_state: req.current_state, private: req.private, diagnostics: [] })),
    PlanResourceChange: handle('PlanResourceChange', (req) => {
      const S = resources[req.type_name];
      if (!S) return { diagnostics: [diag('Unknown resource type', req.type_name)] };
      const prior = dv(req.prior_state?.msgpack);
      const proposed = dv(req.proposed_new_state?.msgpack);
      if (proposed === null) return { planned_state: toDV(null), planned_private: req.prior_private, diagnostics: [] }; // destroy
      const planned = prior === null ? markComputedUnknown(S, proposed) : proposed;
      return { planned_state: toDV(planned), planned_private: req.prior_private, requires_replace: [], diagnostics: [] };
    }),
    ApplyResourceChange: handle('ApplyResourceChange', () => unsupported('ApplyResourceChange')),
    ImportResourceState: handle('ImportResourceState', () => unsupported('ImportResourceState')),
    MoveResourceState: handle('MoveResourceState', () => unsupported('MoveResourceState')),
    ReadDataSource: handle('ReadDataSource', (req) => {
      const S = dataSources[req.type_name];
      if (!S) return { diagnostics: [diag('Unknown data source', req.type_name)] };
      const c = dv(req.config.msgpack);
      if (which === 'archive') return readArchiveFile(c);
      const ctx = { typeName: req.type_name, project: (c && (c.project || c.project_id)) || providerConfig.project || 'placeholder-project' };
      return { state: toDV(fillComputed(S, c, ctx)), diagnostics: [] };
    }),
    CallFunction: (call, cb) => {
      const f = FUNCTIONS[call.request.name];
      try {
        if (!f) throw new Error(`unknown function ${call.request.name}`);
        const args = call.request.arguments.map((a) => dv(a.msgpack));
        cb(null, { result: toDV(f(...args)) });
      } catch (e) {
        cb(null, { error: { text: e.message, function_argument: 0 } });
      }
    },
    StopProvider: (_call, cb) => cb(null, { Error: '' }),
  });
  srv.addService(ctl.plugin.GRPCController.service, {
    Shutdown: (_call, cb) => {
      log('Shutdown');
      cb(null, {});
      setTimeout(() => process.exit(0), 50);
    },
  });
  srv.addService(ctl.grpc.health.v1.Health.service, { Check: (_call, cb) => cb(null, { status: 'SERVING' }) });
  const sock = path.join(os.tmpdir(), `tfplan-${which}-${process.pid}.sock`);
  try {
    fs.unlinkSync(sock);
  } catch {
    /* none */
  }
  process.on('exit', () => {
    try {
      fs.unlinkSync(sock);
    } catch {
      /* gone */
    }
  });
  srv.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) {
      log(`bind error ${err}`);
      process.exit(1);
    }
    log(`listening ${sock}`);
    process.stdout.write(`1|6|unix|${sock}|grpc\n`);
  });
}
