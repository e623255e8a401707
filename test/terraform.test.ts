/**
 * Holds terraform/ (there is no terraform binary here) against the code it deploys: entry points,
 * environment, table schemas, delivery guarantees, IAM, references and the view SQL. Every .tf file
 * is parsed with @cdktf/hcl2json, so these are checks of the configuration as written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ENTRY_POINTS } from '../functions/entry-points';
import { DEFAULT_MAX_HEAP_MB, DEPLOYED_ENV_VARS, RUNTIME_ENV_VARS } from '../shared/config/env';
import { EDGE_LOG_COLUMNS } from '../shared/schema/edge-log';
import { renderSchemaFile, schemaFiles } from '../shared/schema/schema-files';
import {
  asObject,
  block,
  instances,
  loadModule,
  resource,
  resources,
  strings,
  variables,
  type Body,
  type Instance,
  type TfModule,
} from './terraform/module';
import { allReferences, unresolved } from './terraform/references';
import { PORTABLE_FUNCTIONS, sqlUsage } from './terraform/sql-identifiers';

const REPO = resolve(__dirname, '..');
const TF_DIR = join(REPO, 'terraform');
const REGENERATE = 'npm run build && node dist/scripts/generate-schema.js';
const PRIMITIVE_ROLES = ['roles/owner', 'roles/editor', 'roles/viewer'];

let mod: TfModule;

beforeAll(async () => {
  mod = await loadModule(TF_DIR);
});

/** All instances of every resource of a type (for_each over a local map expanded). */
function allInstances(type: string): (Instance & { name: string })[] {
  return resources(mod, type).flatMap((decl) => instances(mod, decl).map((i) => ({ ...i, name: decl.name })));
}

/** The value a variable gets when not set: its default. */
function variableDefault(name: string): unknown {
  const v = variables(mod).find((b) => b.name === name);
  if (!v) throw new Error(`variable ${name} is not declared`);
  return v.body['default'];
}

/** `${var.x}` → x, else null. */
function varName(expr: unknown): string | null {
  return typeof expr === 'string' ? (/^\$\{var\.(\w+)\}$/.exec(expr)?.[1] ?? null) : null;
}

function schemaColumns(file: string): Map<string, string> {
  const fields = JSON.parse(readFileSync(join(TF_DIR, 'schemas', file), 'utf8')) as { name: string; type: string }[];
  return new Map(fields.map((f) => [f.name, f.type]));
}

describe('functions', () => {
  const functions = (): (Instance & { name: string })[] => allInstances('google_cloudfunctions2_function');

  test('one function per entry point in functions/entry-points.ts, no other', () => {
    const entryPoints = functions().map((f) => block(f.body, 'build_config')['entry_point']);
    for (const e of entryPoints) expect(ENTRY_POINTS).toContain(e);
    expect([...entryPoints].sort()).toEqual([...ENTRY_POINTS].sort());
  });

  test('the built package exports every entry point as a function (when dist/ exists)', () => {
    const main = join(REPO, (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { main: string }).main);
    if (!existsSync(main)) return; // built by the functions branch; checked once dist/ is there
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(main) as Record<string, unknown>;
    for (const name of ENTRY_POINTS) expect(typeof exported[name]).toBe('function');
  });

  test('runtime nodejs22, source from the staged archive, no Eventarc trigger', () => {
    for (const f of functions()) {
      const build = block(f.body, 'build_config');
      expect(build['runtime']).toBe('nodejs22');
      const storage = block(block(build, 'source'), 'storage_source');
      expect(storage['object']).toBe('${google_storage_bucket_object.function_source.name}');
      // Delivery goes through our own push subscriptions, which can dead-letter.
      expect(f.body['event_trigger']).toBeUndefined();
    }
  });

  test('environment is exactly DEPLOYED_ENV_VARS (the DeployedEnv schema), plus the runtime variables', () => {
    for (const f of functions()) {
      const env = asObject(block(f.body, 'service_config')['environment_variables']);
      expect(Object.keys(env).sort()).toEqual([...DEPLOYED_ENV_VARS, ...RUNTIME_ENV_VARS].sort());
      expect(env['NODE_OPTIONS']).toBe('--max-old-space-size=${var.function_max_heap_mb}');
      expect(env['BQ_TABLE']).toBe('${google_bigquery_table.edge_logs.table_id}');
      expect(env['BQ_ERRORS_TABLE']).toBe('${google_bigquery_table.ingest_errors.table_id}');
    }
  });

  test('the V8 heap cap defaults to what the benchmark measures memory with', () => {
    expect(variableDefault('function_max_heap_mb')).toBe(DEFAULT_MAX_HEAP_MB);
  });

  test('sizing comes from variables and runs as the dedicated runtime service account', () => {
    for (const f of functions()) {
      const svc = block(f.body, 'service_config');
      for (const key of [
        'available_memory',
        'available_cpu',
        'max_instance_count',
        'max_instance_request_concurrency',
        'timeout_seconds',
      ]) {
        expect(varName(svc[key])).not.toBeNull();
      }
      expect(svc['service_account_email']).toBe('${google_service_account.runtime.email}');
    }
  });
});

describe('BigQuery', () => {
  test('schema files are what the zod rows generate now', () => {
    for (const [path, fields] of Object.entries(schemaFiles())) {
      const onDisk = existsSync(join(REPO, path)) ? readFileSync(join(REPO, path), 'utf8') : '<missing>';
      if (onDisk !== renderSchemaFile(fields)) {
        throw new Error(`${path} is stale; regenerate it with: ${REGENERATE}`);
      }
    }
  });

  test('every table with a schema reads a generated schema file', () => {
    const generated = Object.keys(schemaFiles()).map((p) => p.replace(/^terraform\//, ''));
    for (const t of resources(mod, 'google_bigquery_table')) {
      const schema = t.body['schema'];
      if (schema === undefined) continue;
      const file = /^\$\{file\("\$\{path\.module\}\/(.+)"\)\}$/.exec(String(schema))?.[1];
      expect(generated).toContain(file);
    }
  });

  test('edge_logs: schema file, DAY partitions on event_time, clustering', () => {
    const t = resource(mod, 'google_bigquery_table', 'edge_logs');
    expect(t['table_id']).toBe('edge_logs');
    expect(t['schema']).toBe('${file("${path.module}/schemas/edge_logs.json")}');
    const tp = block(t, 'time_partitioning');
    expect(tp['type']).toBe('DAY');
    expect(tp['field']).toBe('event_time');
    expect(String(tp['expiration_ms'])).toContain('var.');
    expect(varName(t['require_partition_filter'])).not.toBeNull();
    expect(varName(t['deletion_protection'])).toBe('deletion_protection');
    const clustering = ['source', 'log_type', 'service', 'client_country'];
    expect(t['clustering']).toEqual(clustering);
    const columns = schemaColumns('edge_logs.json');
    expect(columns.get('event_time')).toBe('TIMESTAMP');
    for (const c of clustering) expect(columns.has(c)).toBe(true);
  });

  test('ingest_errors: schema file, DAY partitions on error_time', () => {
    const t = resource(mod, 'google_bigquery_table', 'ingest_errors');
    expect(t['table_id']).toBe('ingest_errors');
    expect(t['schema']).toBe('${file("${path.module}/schemas/ingest_errors.json")}');
    const tp = block(t, 'time_partitioning');
    expect(tp['type']).toBe('DAY');
    expect(tp['field']).toBe('error_time');
    expect(schemaColumns('ingest_errors.json').get('error_time')).toBe('TIMESTAMP');
  });
});

describe('delivery: retries, then dead letters, never silence', () => {
  const pushSubscriptions = (): (Instance & { name: string })[] =>
    allInstances('google_pubsub_subscription').filter((s) => s.body['push_config'] !== undefined);
  const deadLetterTopics = (): Set<unknown> =>
    new Set(pushSubscriptions().map((s) => block(s.body, 'dead_letter_policy')['dead_letter_topic']));

  test('every function is fed by a push subscription to its own URL', () => {
    const fnKeys = allInstances('google_cloudfunctions2_function').map((f) => `${f.name}[${JSON.stringify(f.key)}]`);
    const targets = pushSubscriptions().map((s) => {
      const endpoint = String(block(s.body, 'push_config')['push_endpoint']);
      const m = /^\$\{google_cloudfunctions2_function\.(\w+)(\["\w+"\])?\.service_config\[0\]\.uri\}\//.exec(endpoint);
      return m ? `${m[1]}[${m[2] ? m[2].slice(1, -1) : 'null'}]` : endpoint;
    });
    expect(targets.sort()).toEqual(fnKeys.sort());
  });

  test('push endpoint path is /projects/<project>/topics/<the subscribed topic>; OIDC token set', () => {
    for (const s of pushSubscriptions()) {
      const push = block(s.body, 'push_config');
      const m = /\/projects\/\$\{var\.project_id\}\/topics\/\$\{google_pubsub_topic\.(\w+)\.name\}$/.exec(
        String(push['push_endpoint']),
      );
      expect(m).not.toBeNull();
      expect(s.body['topic']).toBe(`\${google_pubsub_topic.${m![1]}.id}`);
      const oidc = block(push, 'oidc_token');
      expect(String(oidc['service_account_email'])).toMatch(/^\$\{google_service_account\.push_invoker\[/);
      expect(push['no_wrapper']).toBeUndefined(); // the framework needs the {message, subscription} body
    }
  });

  test('retry policy, dead-letter policy to the one DLQ topic, 5..100 attempts', () => {
    expect(deadLetterTopics().size).toBe(1);
    for (const s of pushSubscriptions()) {
      const retry = block(s.body, 'retry_policy');
      expect(retry['minimum_backoff']).toBeDefined();
      expect(retry['maximum_backoff']).toBeDefined();
      const dlq = block(s.body, 'dead_letter_policy');
      expect(dlq['dead_letter_topic']).toBe('${google_pubsub_topic.dead_letter.id}');
      expect(s.body['topic']).not.toBe(dlq['dead_letter_topic']);
      const attempts = dlq['max_delivery_attempts'];
      const v = varName(attempts);
      const value = v ? variableDefault(v) : attempts;
      expect(value).toBeGreaterThanOrEqual(5);
      expect(value).toBeLessThanOrEqual(100);
      if (v) {
        const condition = strings(variables(mod).find((b) => b.name === v)!.body['validation']).join(' ');
        expect(condition).toContain(`var.${v} >= 5`);
        expect(condition).toContain(`var.${v} <= 100`);
      }
      // A quiet subscription must not expire and take its backlog with it.
      expect(block(s.body, 'expiration_policy')['ttl']).toBe('');
    }
  });

  test('ack deadline is at least the function timeout', () => {
    const timeouts = allInstances('google_cloudfunctions2_function').map(
      (f) => block(f.body, 'service_config')['timeout_seconds'],
    );
    for (const s of pushSubscriptions()) {
      for (const t of timeouts) {
        if (typeof t === 'number') expect(s.body['ack_deadline_seconds']).toBeGreaterThanOrEqual(t);
        else expect(s.body['ack_deadline_seconds']).toBe(t); // same variable
      }
    }
    expect(variableDefault('function_timeout_seconds')).toBeLessThanOrEqual(600);
  });

  test('the dead-letter topic has a pull subscription that keeps messages 7 days', () => {
    const [topic] = [...deadLetterTopics()];
    const dlqSubs = allInstances('google_pubsub_subscription').filter((s) => s.body['topic'] === topic);
    expect(dlqSubs).toHaveLength(1);
    const sub = dlqSubs[0]!.body;
    expect(sub['message_retention_duration']).toBe('604800s');
    expect(sub['push_config']).toBeUndefined();
    expect(block(sub, 'expiration_policy')['ttl']).toBe('');
  });

  test('Pub/Sub service agent may publish dead letters and acknowledge the originals', () => {
    const agent = '${local.pubsub_service_agent}';
    expect(String(mod.locals['pubsub_service_agent'])).toMatch(/@gcp-sa-pubsub\.iam\.gserviceaccount\.com$/);
    const pub = allInstances('google_pubsub_topic_iam_member').filter((m) => m.body['member'] === agent);
    expect(pub.map((m) => [m.body['topic'], m.body['role']])).toEqual([
      ['${google_pubsub_topic.dead_letter.id}', 'roles/pubsub.publisher'],
    ]);
    const sub = allInstances('google_pubsub_subscription_iam_member').filter((m) => m.body['member'] === agent);
    expect(sub.map((m) => m.body['role'])).toEqual(pushSubscriptions().map(() => 'roles/pubsub.subscriber'));
    expect(sub.map((m) => m.body['subscription']).sort()).toEqual(
      pushSubscriptions()
        .map((s) => `\${google_pubsub_subscription.${s.name}[${JSON.stringify(s.key)}].id}`)
        .sort(),
    );
  });

  test('alerts: messages in the DLQ subscription, dead_lettered log lines', () => {
    const filters = resources(mod, 'google_monitoring_alert_policy').flatMap((p) => strings(p.body['conditions']));
    const all = filters.join('\n');
    expect(all).toContain('pubsub.googleapis.com/subscription/num_undelivered_messages');
    expect(all).toContain('${google_pubsub_subscription.dead_letter.name}');
    expect(all).toContain('logging.googleapis.com/user/${google_logging_metric.dead_lettered.name}');
    expect(strings(resource(mod, 'google_logging_metric', 'dead_lettered')['filter']).join(' ')).toContain(
      'jsonPayload.dead_lettered>0',
    );
  });
});

describe('IAM', () => {
  const iamMembers = (): (Instance & { name: string; type: string })[] =>
    mod.blocks
      .filter((b) => b.kind === 'resource' && /^google_\w+_iam_(member|binding)$/.test(b.type))
      .flatMap((decl) => instances(mod, decl).map((i) => ({ ...i, name: decl.name, type: decl.type })));

  test('no primitive role anywhere', () => {
    const roles = iamMembers().map((m) => m.body['role']);
    expect(roles.length).toBeGreaterThan(0);
    for (const r of roles) expect(PRIMITIVE_ROLES).not.toContain(r);
    const anyRole = mod.files.flatMap((f) => strings(f.json)).filter((s) => PRIMITIVE_ROLES.includes(s));
    expect(anyRole).toEqual([]);
  });

  test('runtime service account: dataEditor on the dataset, objectViewer on uploads, logWriter; nothing else', () => {
    const runtime = iamMembers().filter((m) => String(m.body['member']).includes('google_service_account.runtime.'));
    expect(runtime.map((m) => `${m.type} ${m.body['role']}`).sort()).toEqual([
      'google_bigquery_dataset_iam_member roles/bigquery.dataEditor',
      'google_project_iam_member roles/logging.logWriter',
      'google_storage_bucket_iam_member roles/storage.objectViewer',
    ]);
    const byType = (t: string): Body => runtime.find((m) => m.type === t)!.body;
    expect(byType('google_bigquery_dataset_iam_member')['dataset_id']).toBe(
      '${google_bigquery_dataset.logs.dataset_id}',
    );
    expect(byType('google_storage_bucket_iam_member')['bucket']).toBe('${google_storage_bucket.uploads.name}');
  });

  test('no BigQuery role at project level', () => {
    for (const m of iamMembers().filter((m) => m.type.startsWith('google_project_iam'))) {
      expect(String(m.body['role'])).not.toMatch(/^roles\/bigquery\./);
    }
  });

  test('the sink writer identity may only publish on the Media CDN topic', () => {
    const sink = resource(mod, 'google_logging_project_sink', 'media_cdn');
    expect(sink['unique_writer_identity']).toBe(true);
    expect(sink['destination']).toBe('pubsub.googleapis.com/${google_pubsub_topic.media_cdn_logs.id}');
    const grants = iamMembers().filter((m) => String(m.body['member']).includes('google_logging_project_sink.'));
    expect(grants.map((m) => [m.type, m.body['topic'], m.body['role']])).toEqual([
      ['google_pubsub_topic_iam_member', '${google_pubsub_topic.media_cdn_logs.id}', 'roles/pubsub.publisher'],
    ]);
  });

  test('each push invoker may invoke only its own function', () => {
    const invokers = iamMembers().filter((m) => m.body['role'] === 'roles/run.invoker');
    const fnKeys = allInstances('google_cloudfunctions2_function').map((f) => f.key);
    expect(invokers.map((m) => m.key).sort()).toEqual([...fnKeys].sort());
    for (const m of invokers) {
      expect(m.type).toMatch(/^google_cloud_run(_v2)?_service_iam_member$/);
      const k = JSON.stringify(m.key);
      expect(m.body['member']).toBe(`serviceAccount:\${google_service_account.push_invoker[${k}].email}`);
      expect(strings(m.body).join(' ')).toContain(`google_cloudfunctions2_function.ingest[${k}].service_config[0].service`);
    }
  });

  test('GCS service agent may publish on the EdgeOne topic; notification is JSON_API_V1 OBJECT_FINALIZE', () => {
    const gcs = iamMembers().filter((m) => String(m.body['member']).includes('data.google_storage_project_service_account.'));
    expect(gcs.map((m) => [m.body['topic'], m.body['role']])).toEqual([
      ['${google_pubsub_topic.edgeone_logs.id}', 'roles/pubsub.publisher'],
    ]);
    const n = resource(mod, 'google_storage_notification', 'edgeone_uploads');
    expect(n['topic']).toBe('${google_pubsub_topic.edgeone_logs.id}');
    expect(n['payload_format']).toBe('JSON_API_V1');
    expect(n['event_types']).toEqual(['OBJECT_FINALIZE']);
  });
});

describe('sources', () => {
  test('the sink filter selects Media CDN request logs', () => {
    const filter = resource(mod, 'google_logging_project_sink', 'media_cdn')['filter'];
    const local = /^\$\{local\.(\w+)\}$/.exec(String(filter))?.[1];
    const text = local ? strings(mod.locals[local]).join(' ') : String(filter);
    expect(text).toContain('resource.type=\\"edgecache.googleapis.com/EdgeCacheRouteRule\\"');
    // The whole log id, up to its closing quote: logName ends in .../edge_cache_request.
    expect(text).toContain('logName=\\"projects/${var.project_id}/logs/edgecache.googleapis.com%2Fedge_cache_request\\"');
    expect(text).toContain(' AND ');
  });

  test('upload bucket: uniform access, public access prevented, objects expire', () => {
    const b = resource(mod, 'google_storage_bucket', 'uploads');
    expect(b['uniform_bucket_level_access']).toBe(true);
    expect(b['public_access_prevention']).toBe('enforced');
    const rule = block(b, 'lifecycle_rule');
    expect(block(rule, 'condition')['age']).toBe('${var.upload_retention_days}');
    expect(block(rule, 'action')['type']).toBe('Delete');
  });

  test('required APIs are enabled', () => {
    const apis = strings(resource(mod, 'google_project_service', 'enabled')['for_each']).join(' ');
    for (const api of [
      'pubsub',
      'logging',
      'storage',
      'bigquery',
      'cloudfunctions',
      'run',
      'cloudbuild',
      'artifactregistry',
      'monitoring',
      'iam',
    ]) {
      expect(apis).toContain(`"${api}.googleapis.com"`);
    }
  });
});

describe('the module is self-consistent', () => {
  test('every variable has a type and a description', () => {
    const vars = variables(mod);
    expect(vars.length).toBeGreaterThan(0);
    for (const v of vars) {
      expect([v.name, typeof v.body['type']]).toEqual([v.name, 'string']);
      expect([v.name, typeof v.body['description']]).toEqual([v.name, 'string']);
    }
  });

  test('every reference names a declared resource, data source, variable or local', async () => {
    const refs = await allReferences(mod);
    expect(refs.length).toBeGreaterThan(50);
    expect(unresolved(mod, refs)).toEqual([]);
  });

  test('every file() / templatefile() path exists', () => {
    const paths = mod.files
      .flatMap((f) => strings(f.json))
      .flatMap((s) => [...s.matchAll(/\b(?:file|templatefile)\("([^"]+)"/g)].map((m) => m[1]!));
    expect(paths.length).toBeGreaterThanOrEqual(5);
    for (const p of paths) {
      const onDisk = p.replace('${path.module}', TF_DIR);
      expect([p, existsSync(onDisk)]).toEqual([p, true]);
    }
  });
});

describe('analyst views', () => {
  const views = (): { tableId: string; sqlPath: string; varsExpr: string }[] =>
    resources(mod, 'google_bigquery_table')
      .filter((t) => t.body['view'] !== undefined)
      .map((t) => {
        const query = String(block(t.body, 'view')['query']);
        const m = /^\$\{templatefile\("\$\{path\.module\}\/\.\.\/(sql\/views\/\w+\.sql)", (.+)\)\}$/.exec(query);
        if (!m) throw new Error(`${t.name}: view query must be templatefile of sql/views/*.sql, got ${query}`);
        return { tableId: String(t.body['table_id']), sqlPath: m[1]!, varsExpr: m[2]! };
      });

  test('the three views, each from sql/views/<table_id>.sql, standard SQL', () => {
    expect(views().map((v) => v.tableId).sort()).toEqual(['edge_logs_dedup', 'l4_sessions', 'traffic_hourly']);
    for (const v of views()) expect(v.sqlPath).toBe(`sql/views/${v.tableId}.sql`);
    for (const t of resources(mod, 'google_bigquery_table').filter((t) => t.body['view'])) {
      expect(block(t.body, 'view')['use_legacy_sql']).toBe(false);
    }
  });

  test('templates use only the variables Terraform passes (project, dataset)', () => {
    for (const v of views()) {
      const local = /^local\.(\w+)$/.exec(v.varsExpr)?.[1];
      const passed = Object.keys(asObject(local ? mod.locals[local] : undefined));
      expect(passed.sort()).toEqual(['dataset', 'project']);
      const sql = readFileSync(join(REPO, v.sqlPath), 'utf8');
      expect(sql).not.toContain('%{');
      for (const name of sqlUsage(sql).templateVars) expect(passed).toContain(name);
    }
  });

  test('views read only declared tables, use portable functions and existing columns', () => {
    const tableIds = resources(mod, 'google_bigquery_table').map((t) => String(t.body['table_id']));
    const columns = new Set<string>(EDGE_LOG_COLUMNS);
    for (const v of views()) {
      const usage = sqlUsage(readFileSync(join(REPO, v.sqlPath), 'utf8'));
      expect(usage.tables.length).toBeGreaterThan(0);
      for (const table of usage.tables) {
        const id = /^\$\{project\}\.\$\{dataset\}\.(\w+)$/.exec(table)?.[1];
        expect([table, id !== undefined && tableIds.includes(id) && id !== v.tableId]).toEqual([table, true]);
      }
      for (const fn of usage.functions) expect([v.tableId, fn, PORTABLE_FUNCTIONS.has(fn)]).toEqual([v.tableId, fn, true]);
      for (const c of usage.columns) expect([v.tableId, c, columns.has(c)]).toEqual([v.tableId, c, true]);
    }
  });

  test('views that read another view are created after it', () => {
    for (const t of resources(mod, 'google_bigquery_table').filter((t) => t.body['view'])) {
      const query = String(block(t.body, 'view')['query']);
      const sqlPath = /\.\.\/(sql\/views\/\w+\.sql)/.exec(query)![1]!;
      const reads = sqlUsage(readFileSync(join(REPO, sqlPath), 'utf8')).tables.map((x) => x.split('.').pop()!);
      const dependsOn = strings(t.body['depends_on']).join(' ');
      for (const r of reads) {
        const target = resources(mod, 'google_bigquery_table').find((x) => x.body['table_id'] === r)!;
        expect(dependsOn).toContain(`google_bigquery_table.${target.name}`);
      }
    }
  });
});
