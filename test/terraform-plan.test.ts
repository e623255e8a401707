/**
 * terraform/ as Terraform itself sees it: `terraform fmt -check`, `validate` and two `plan`s (the
 * defaults plus project_id; every optional feature on), run by the real terraform CLI against the
 * offline stand-in providers in test/terraform/tfplan (no network, no credentials), then assertions
 * on `terraform show -json` of each plan. Planted mistakes prove the harness fails when it should.
 * Where terraform is not on PATH every test here is skipped, and the reason is printed.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ENTRY_POINTS, HTTP_ENTRY_POINTS } from '../functions/entry-points';
import { DEPLOYED_ENV_VARS, EdgeonePushEnv, RUNTIME_ENV_VARS } from '../shared/config/env';
import { loadSettings } from '../shared/config/settings';
import { SECRET_VARS } from '../shared/push/settings';
import { blockOf, config, dataValues, one, planned, references, renderTemplate, type PlanJson, type Planned } from './terraform/plan-json';
import { createWorkspace, findTerraform, type PlanResult, type Workspace } from './terraform/tfplan/harness';

const REPO = resolve(__dirname, '..');
const TF_DIR = join(REPO, 'terraform');
const ALL_OPTIONS = join(__dirname, 'terraform', 'all-options.tfvars');
const PRIMITIVE_ROLES = ['roles/owner', 'roles/editor', 'roles/viewer'];
/** Set on the functions by Terraform besides the code's own lists (see terraform/functions.tf). */
const NODE_ENV = 'NODE_ENV';

const terraform = findTerraform();
const describeTf = terraform ? describe : describe.skip;
if (!terraform) {
  // Skipped, never silently green: say why in the test output.
  console.warn('test/terraform-plan.test.ts: SKIPPED, terraform is not on PATH (install Terraform >= 1.9 to run the plan checks)');
}

let ws: Workspace;
let staged: string;
let fmt: { code: number; output: string };
let defaults: PlanResult;
let allOptions: PlanResult;
/** The other two Media CDN delivery modes (the defaults plan `batched`). */
let realtime: PlanResult;
let hourly: PlanResult;
let realtimeInstance: PlanResult;
let re2: { patterns: string[]; verdicts: unknown[] };
let planted: Record<'invalidDefault' | 'forEachUnknown' | 'missingAttribute' | 'badValues' | 'badSizing', Promise<PlanResult>>;

beforeAll(async () => {
  if (!terraform) return;
  // archive_file zips a staged function source; any non-empty directory will do for a plan.
  staged = mkdtempSync(join(tmpdir(), 'cdnlog-function-source-'));
  copyFileSync(join(REPO, 'package.json'), join(staged, 'package.json'));
  ws = await createWorkspace(TF_DIR, { exclude: ['.build'] }); // the plans zip `staged` instead
  const source = ['-var', `function_source_dir=${staged}`];
  // Everything at once, on one init: the planted mistakes are awaited by their own tests.
  planted = plantMistakes(source);
  let re2Run: { code: number; output: string; stdout: string };
  [fmt, defaults, allOptions, realtime, hourly, realtimeInstance, re2Run] = await Promise.all([
    ws.terraform(REPO, ['fmt', '-check', '-recursive', '-no-color', TF_DIR, join(__dirname, 'terraform')]),
    ws.plan(ws.copy(), ['-var', 'project_id=demo-project', ...source]),
    ws.plan(ws.copy(), [`-var-file=${ALL_OPTIONS}`, ...source], { validate: false }),
    ws.plan(ws.copy(), ['-var', 'project_id=demo-project', '-var', 'media_cdn_delivery=realtime', ...source], { validate: false }),
    ws.plan(ws.copy(), ['-var', 'project_id=demo-project', '-var', 'media_cdn_delivery=hourly', ...source], { validate: false }),
    ws.plan(ws.copy(), ['-var', 'project_id=demo-project', '-var', 'media_cdn_delivery=realtime', '-var', 'media_cdn_realtime_billing=instance', ...source], {
      validate: false,
    }),
    ws.terraform(mkdtempSync(join(ws.root, 'console-')), ['console', '-no-color'], re2Expression()),
  ]);
  re2 = { patterns: regexLiterals(), verdicts: re2Run.code === 0 ? (JSON.parse(JSON.parse(re2Run.stdout.trim()) as string) as unknown[]) : [re2Run.output] };
}, 300_000);

const patch = (file: string, from: string, to: string) => (dir: string) => {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`planted mistake: ${file} no longer contains ${from}`);
  writeFileSync(path, text.replace(from, to));
};
const add = (file: string, text: string) => (dir: string) => writeFileSync(join(dir, file), text);
const asArgs = (vars: Record<string, string>): string[] => Object.entries(vars).flatMap(([k, v]) => ['-var', `${k}=${v}`]);

const BAD_VALUES = {
  retry_minimum_backoff: '700s', // above the maximum, 600s
  function_timeout_seconds: '900',
  alert_email: 'oncall',
  function_memory: '512MB',
  function_max_instances: '0',
  upload_soft_delete_days: '3',
  media_cdn_delivery: 'streaming',
  media_cdn_batch_seconds: '30',
};
// Apart from BAD_VALUES: validations that go through a local are evaluated after the others.
const BAD_SIZING = { function_cpu: '0.5', function_max_heap_mb: '600' }; // with concurrency 8, 512Mi

/** The variables whose declaration an "Invalid value for variable" error of the plan points at. */
function refusedVariables(r: PlanResult): string[] {
  expect(r.ok).toBe(false);
  const errors = r.output
    .split(/^Error: /m)
    .slice(1)
    .filter((e) => e.startsWith('Invalid value for variable'));
  return errors.map((e) => /variable "(\w+)" \{/.exec(e)?.[1] ?? e).sort();
}

/** Copies of the module with one mistake each, planned alongside the real plans. */
function plantMistakes(source: string[]): typeof planted {
  const args = ['-var', 'project_id=demo-project', ...source];
  return {
    invalidDefault: ws.plan(
      ws.copy(patch('variables.tf', 'regex("^[A-Za-z0-9_]+$", var.dataset_id)', 'regex("^[A-Za-z0-9_]{1,1024}$", var.dataset_id)')),
      args,
    ),
    // -target keeps the plan to the planted resource and what it needs: the error is the same.
    forEachUnknown: ws.plan(
      ws.copy(
        add(
          'zz_planted.tf',
          'resource "google_pubsub_topic" "planted" {\n  for_each = toset([google_service_account.runtime.unique_id])\n  name     = each.key\n}\n',
        ),
      ),
      [...args, '-target=google_pubsub_topic.planted'],
      { validate: false },
    ),
    missingAttribute: ws.plan(ws.copy(patch('outputs.tf', 'fn.service_config[0].uri', 'fn.service_config[0].url')), args),
    badValues: ws.plan(ws.copy(), [...args, ...asArgs(BAD_VALUES)], { validate: false }),
    badSizing: ws.plan(ws.copy(), [...args, ...asArgs(BAD_SIZING)], { validate: false }),
  };
}

/** Every regex pattern in terraform/*.tf, as the HCL string literal it is written as. */
function regexLiterals(): string[] {
  const files = readdirSync(TF_DIR).filter((f) => f.endsWith('.tf'));
  return files.flatMap((f) => [...readFileSync(join(TF_DIR, f), 'utf8').matchAll(/\bregex(?:all)?\(("(?:[^"\\]|\\.)*")/g)].map((m) => m[1]!));
}

/** One console expression: per pattern, the match count on "" or "invalid" when RE2 refuses it. */
function re2Expression(): string {
  return `jsonencode([${regexLiterals()
    .map((p) => `try(length(regexall(${p}, "")), "invalid")`)
    .join(', ')}])\n`;
}

afterAll(() => {
  ws?.dispose();
  if (staged) rmSync(staged, { recursive: true, force: true });
});

function planOf(result: PlanResult): PlanJson {
  if (!result.ok) throw new Error(`terraform ${result.step} failed:\n${result.output}`);
  return result.json as PlanJson;
}

/** The role of an IAM member: its value, or (a custom role, unknown until apply) what it refers to. */
function roleOf(plan: PlanJson, r: Planned): string {
  const role = r.after['role'];
  return typeof role === 'string' ? role : references(plan, `${r.type}.${r.name}`, ['role'])[0]!;
}

/** Who an IAM member is: the resource or local its value comes from (references end with the bare address). */
function memberOf(plan: PlanJson, r: Planned): string {
  const refs = references(plan, `${r.type}.${r.name}`, ['member']);
  const m = r.after['member'];
  return refs[refs.length - 1] ?? (typeof m === 'string' ? m : `?${r.address}`);
}

const iamMembers = (plan: PlanJson): Planned[] => planned(plan).filter((r) => /_iam_member$/.test(r.type));

const TARGETS = ['table_id', 'bucket', 'crypto_key_id', 'topic', 'subscription', 'service', 'service_account_id', 'secret_id', 'project'];

/** What a grant is on: the known value, or the resource an unknown one comes from. */
function targetOf(plan: PlanJson, r: Planned): string {
  const key = TARGETS.find((k) => k in r.after || k in r.unknown)!;
  const value = r.after[key];
  if (typeof value === 'string') return value;
  const refs = references(plan, `${r.type}.${r.name}`, [key]);
  return refs[refs.length - 1] ?? '?';
}

/** "type role target" for every grant to `who` (a resource address, e.g. google_service_account.runtime). */
function grantsTo(plan: PlanJson, who: string): string[] {
  return iamMembers(plan)
    .filter((r) => memberOf(plan, r) === who)
    .map((r) => `${r.type} ${roleOf(plan, r)} ${targetOf(plan, r)}`)
    .sort();
}

describeTf('terraform fmt and validate', () => {
  test('terraform fmt -check: every .tf and .tfvars file is formatted', () => {
    expect(fmt.output).toBe('');
    expect(fmt.code).toBe(0);
  });

  test('validate and plan succeed with the defaults and with every option on', () => {
    expect([defaults.step, defaults.ok, defaults.ok ? '' : defaults.output]).toEqual(['plan', true, '']);
    expect([allOptions.step, allOptions.ok, allOptions.ok ? '' : allOptions.output]).toEqual(['plan', true, '']);
    const counts = [planOf(defaults), planOf(allOptions)].map((p) => planned(p).length);
    console.log(`terraform plan: ${counts[0]} resources with the defaults, ${counts[1]} with every option on`);
    for (const p of [planOf(defaults), planOf(allOptions)]) {
      for (const r of planned(p)) expect([r.address, r.actions]).toEqual([r.address, ['create']]);
    }
  });
});

describeTf("terraform's regex engine (RE2)", () => {
  test('accepts every regex pattern in the module (a refused one makes can(regex(...)) false for every input)', () => {
    expect(re2.patterns.length).toBeGreaterThanOrEqual(5);
    expect(re2.patterns.filter((_, i) => typeof re2.verdicts[i] !== 'number')).toEqual([]);
    expect(re2.verdicts).toHaveLength(re2.patterns.length);
  });
});

describeTf('plan with the defaults (project_id only)', () => {
  const plan = (): PlanJson => planOf(defaults);
  const functions = (): Planned[] => planned(plan(), 'google_cloudfunctions2_function');

  test('one function per entry point of the delivery mode (batched: mediaCdnFiles), on nodejs22, built by the dedicated build account', () => {
    expect(
      functions()
        .map((f) => blockOf(f.after, 'build_config')['entry_point'])
        .sort(),
    ).toEqual(['edgeoneLogs', 'mediaCdnFiles']);
    // Across the three modes, every entry point the code exports is deployed.
    const deployed = [defaults, realtime, hourly].flatMap((r) =>
      planned(planOf(r), 'google_cloudfunctions2_function').map((f) => blockOf(f.after, 'build_config')['entry_point']),
    );
    expect([...new Set(deployed)].sort()).toEqual([...ENTRY_POINTS].sort());
    for (const f of functions()) {
      expect(blockOf(f.after, 'build_config')['runtime']).toBe('nodejs22');
      expect(f.after['event_trigger']).toEqual([]); // our push subscriptions deliver, with dead letters
    }
    expect(references(plan(), 'google_cloudfunctions2_function.ingest', ['build_config', 'service_account'])).toContain('google_service_account.build.id');
    const buildSa = one(plan(), 'google_service_account.build');
    expect(buildSa.after['account_id']).toBe('cdnlog-build');
  });

  test("environment: exactly the code's DEPLOYED_ENV_VARS and RUNTIME_ENV_VARS plus NODE_ENV=production, accepted by the code", () => {
    const expected = [...new Set<string>([...DEPLOYED_ENV_VARS, ...RUNTIME_ENV_VARS, NODE_ENV])].sort();
    for (const f of functions()) {
      const env = blockOf(f.after, 'service_config')['environment_variables'] as Record<string, string>;
      expect(Object.keys(env).sort()).toEqual(expected);
      expect(env).toMatchObject({
        GOOGLE_CLOUD_PROJECT: 'demo-project',
        BQ_DATASET: 'cdnlog',
        BQ_TABLE: 'edge_logs',
        BQ_ERRORS_TABLE: 'ingest_errors',
        BQ_COMMITS_TABLE: 'ingest_commits',
        BQ_WRITE_METHOD: 'storage',
        UPLOAD_BUCKET: expect.any(String),
        MEDIA_CDN_BUCKET: expect.any(String),
        // batched (the default) keeps the Write API's PENDING streams: only hourly uses load jobs.
        MEDIA_CDN_FILES_LOAD: 'stream',
        LOAD_STAGING_BUCKET: '',
        BQ_LOCATION: 'US',
        NODE_OPTIONS: '--max-old-space-size=192',
        NODE_ENV: 'production',
      });
      // A default deploy writes through the Storage Write API.
      expect(loadSettings({ ...env, K_SERVICE: f.address }).sink).toMatchObject({ kind: 'bigquery', writeMethod: 'storage', commitsTable: 'ingest_commits' });
    }
  });

  test('internal-only ingress, runtime account, sizing from the defaults', () => {
    for (const f of functions()) {
      const svc = blockOf(f.after, 'service_config');
      expect(svc).toMatchObject({
        ingress_settings: 'ALLOW_INTERNAL_ONLY',
        available_memory: '512Mi',
        available_cpu: '1',
        timeout_seconds: 300,
        max_instance_request_concurrency: 8,
      });
    }
    expect(references(plan(), 'google_cloudfunctions2_function.ingest', ['service_config', 'service_account_email'])).toContain(
      'google_service_account.runtime.email',
    );
  });

  test('IAM by role: runtime writes the three tables, reads only ingest_commits (with jobUser for that query), build has the documented roles, no primitive role', () => {
    expect(grantsTo(plan(), 'google_service_account.runtime')).toEqual([
      'google_bigquery_table_iam_member google_project_iam_custom_role.table_reader.id ingest_commits',
      'google_bigquery_table_iam_member google_project_iam_custom_role.table_writer.id edge_logs',
      'google_bigquery_table_iam_member google_project_iam_custom_role.table_writer.id ingest_commits',
      'google_bigquery_table_iam_member google_project_iam_custom_role.table_writer.id ingest_errors',
      'google_project_iam_member roles/bigquery.jobUser demo-project',
      'google_storage_bucket_iam_member roles/storage.objectViewer demo-project-cdnlog-media-cdn',
      'google_storage_bucket_iam_member roles/storage.objectViewer demo-project-cdnlog-uploads',
    ]);
    expect(one(plan(), 'google_project_iam_custom_role.table_writer').after['permissions']).toEqual(['bigquery.tables.updateData']);
    expect(one(plan(), 'google_project_iam_custom_role.table_reader').after['permissions']).toEqual(['bigquery.tables.getData']);
    expect(grantsTo(plan(), 'google_service_account.build')).toEqual([
      'google_project_iam_member roles/artifactregistry.writer demo-project',
      'google_project_iam_member roles/logging.logWriter demo-project',
      'google_project_iam_member roles/storage.objectAdmin demo-project',
    ]);
    const invokers = iamMembers(plan()).filter((r) => roleOf(plan(), r) === 'roles/run.invoker');
    expect(invokers.map((r) => r.index).sort()).toEqual(
      functions()
        .map((f) => f.index)
        .sort(),
    );
    expect(references(plan(), 'google_cloud_run_service_iam_member.push_invokes_function', ['member'])).toContain('google_service_account.push_invoker');
    const roles = iamMembers(plan()).map((r) => roleOf(plan(), r));
    for (const r of roles) expect(PRIMITIVE_ROLES).not.toContain(r);
    expect(planned(plan()).filter((r) => /^google_(project|bigquery_dataset)_iam_(binding|policy)$/.test(r.type))).toEqual([]);
    expect(planned(plan(), 'google_bigquery_dataset_iam_member')).toEqual([]);
  });

  test('no EdgeOne push receiver, secret or public binding unless enable_edgeone_push', () => {
    expect(
      planned(plan())
        .filter((r) => /edgeone_push|secret_manager/.test(r.address))
        .map((r) => r.address),
    ).toEqual([]);
    expect(iamMembers(plan()).filter((r) => r.after['member'] === 'allUsers')).toEqual([]);
  });

  test('the sink writer may publish on the Media CDN topic only, Cloud Storage on the two notification topics only', () => {
    expect(grantsTo(plan(), 'google_logging_project_sink.media_cdn')).toEqual([
      'google_pubsub_topic_iam_member roles/pubsub.publisher google_pubsub_topic.media_cdn_logs',
    ]);
    expect(grantsTo(plan(), 'data.google_storage_project_service_account.gcs')).toEqual([
      'google_pubsub_topic_iam_member roles/pubsub.publisher google_pubsub_topic.edgeone_logs',
      'google_pubsub_topic_iam_member roles/pubsub.publisher google_pubsub_topic.media_cdn_files',
    ]);
    const n = one(plan(), 'google_storage_notification.edgeone_uploads').after;
    expect(n).toMatchObject({ bucket: 'demo-project-cdnlog-uploads', payload_format: 'JSON_API_V1', event_types: ['OBJECT_FINALIZE'] });
  });

  test('Pub/Sub may dead-letter (publisher on the dead-letter topic, subscriber on each push subscription) and write the batched files', () => {
    const agent = (r: Planned): boolean => references(plan(), `${r.type}.${r.name}`, ['member']).includes('local.pubsub_service_agent');
    expect(
      iamMembers(plan())
        .filter(agent)
        .map((r) => `${r.type} ${roleOf(plan(), r)}`)
        .sort(),
    ).toEqual([
      'google_pubsub_subscription_iam_member roles/pubsub.subscriber',
      'google_pubsub_subscription_iam_member roles/pubsub.subscriber',
      'google_pubsub_topic_iam_member roles/pubsub.publisher',
      'google_service_account_iam_member roles/iam.serviceAccountTokenCreator',
      'google_service_account_iam_member roles/iam.serviceAccountTokenCreator',
      'google_storage_bucket_iam_member roles/storage.legacyBucketReader',
      'google_storage_bucket_iam_member roles/storage.objectCreator',
    ]);
  });

  test('push subscriptions: retry, dead-letter policy to the dead-letter topic, ack deadline = timeout, no expiry', () => {
    const subs = planned(plan(), 'google_pubsub_subscription').filter((s) => s.name === 'push');
    expect(subs.map((s) => s.index).sort()).toEqual(
      functions()
        .map((f) => f.index)
        .sort(),
    );
    for (const s of subs) {
      expect(s.after).toMatchObject({ ack_deadline_seconds: 300, message_retention_duration: '604800s' });
      expect(blockOf(s.after, 'retry_policy')).toMatchObject({ minimum_backoff: '10s', maximum_backoff: '600s' });
      expect(blockOf(s.after, 'dead_letter_policy')['max_delivery_attempts']).toBe(10);
      expect(blockOf(s.after, 'expiration_policy')['ttl']).toBe('');
      expect(blockOf(s.unknown, 'push_config')['push_endpoint']).toBe(true); // the function URL
    }
    // The function URL plus /projects/P/topics/T (the CloudEvent source), with an OIDC token of its own invoker.
    const endpoint = references(plan(), 'google_pubsub_subscription.push', ['push_config', 'push_endpoint']);
    expect(endpoint).toEqual(expect.arrayContaining(['local.function_uri', 'var.project_id', 'each.value.topic_name']));
    expect(references(plan(), 'google_pubsub_subscription.push', ['push_config', 'oidc_token', 'service_account_email'])).toContain(
      'google_service_account.push_invoker',
    );
    for (const s of subs) expect(blockOf(s.after, 'push_config')['no_wrapper']).toEqual([]); // the framework reads {message, subscription}
    expect(references(plan(), 'google_pubsub_subscription.push', ['dead_letter_policy', 'dead_letter_topic'])).toContain('google_pubsub_topic.dead_letter.id');
    const dlq = one(plan(), 'google_pubsub_subscription.dead_letter').after;
    expect(dlq).toMatchObject({ name: 'cdnlog-dead-letter', message_retention_duration: '604800s', retain_acked_messages: true });
  });

  test('views are the sql/views files rendered with the project and dataset', () => {
    const views = planned(plan(), 'google_bigquery_table').filter((t) => (t.after['view'] as unknown[]).length > 0);
    expect(views.map((v) => v.after['table_id']).sort()).toEqual(['edge_logs_dedup', 'l4_sessions', 'traffic_hourly']);
    for (const v of views) {
      const sql = readFileSync(join(REPO, 'sql', 'views', `${String(v.after['table_id'])}.sql`), 'utf8');
      const view = blockOf(v.after, 'view');
      expect(view['query']).toBe(renderTemplate(sql, { project: 'demo-project', dataset: 'cdnlog' }));
      expect(view['query']).toContain('`demo-project.cdnlog.');
      expect(view['use_legacy_sql']).toBe(false);
    }
  });

  test('table schemas are the generated terraform/schemas files; DAY partitions', () => {
    for (const [table, field] of [
      ['edge_logs', 'event_time'],
      ['ingest_errors', 'error_time'],
    ] as const) {
      const t = one(plan(), `google_bigquery_table.${table}`).after;
      const file = JSON.parse(readFileSync(join(TF_DIR, 'schemas', `${table}.json`), 'utf8')) as unknown;
      expect(JSON.parse(String(t['schema']))).toEqual(file);
      expect(blockOf(t, 'time_partitioning')).toMatchObject({ type: 'DAY', field });
    }
    expect(blockOf(one(plan(), 'google_bigquery_table.edge_logs').after, 'time_partitioning')['expiration_ms']).toBeNull();
    expect(one(plan(), 'google_bigquery_table.edge_logs').after['clustering']).toEqual(['source', 'log_type', 'service', 'client_country']);
    expect(blockOf(one(plan(), 'google_bigquery_table.ingest_errors').after, 'time_partitioning')['expiration_ms']).toBe(90 * 86_400_000);
  });

  test('alerts on backlog age, dead letters, ingest_errors, sink export errors and 5xx, each documented and auto-closing', () => {
    const policies = planned(plan(), 'google_monitoring_alert_policy');
    const filters = policies.map((p) => String(blockOf(blockOf(p.after, 'conditions'), 'condition_threshold')['filter'] ?? ''));
    const all = filters.join('\n');
    for (const metric of [
      'pubsub.googleapis.com/subscription/oldest_unacked_message_age',
      'pubsub.googleapis.com/subscription/num_undelivered_messages',
      'logging.googleapis.com/exports/error_count',
      'run.googleapis.com/request_count',
      'logging.googleapis.com/user/cdnlog_dead_lettered',
    ]) {
      expect(all).toContain(`metric.type="${metric}"`);
    }
    expect(all).toContain('resource.labels.subscription_id=one_of("cdnlog-edgeone-push", "cdnlog-media-cdn-files-push", "cdnlog-media-cdn-to-files")');
    expect(all).toContain('resource.labels.name="cdnlog-media-cdn-requests"');
    expect(all).toContain('metric.labels.response_code_class="5xx"');
    for (const p of policies) {
      expect(String(blockOf(p.after, 'documentation')['content']).length).toBeGreaterThan(80);
      expect(blockOf(p.after, 'alert_strategy')['auto_close']).toBe('1800s');
    }
  });

  test('the log-metric alert waits for the metric; functions wait for the build roles', () => {
    expect(one(plan(), 'time_sleep.log_metric_known').after['create_duration']).toBe('600s');
    expect(config(plan(), 'google_monitoring_alert_policy.ingest_errors').depends_on).toContain('time_sleep.log_metric_known');
    expect(one(plan(), 'time_sleep.build_roles_propagate').after['create_duration']).toBe('60s');
    expect(config(plan(), 'google_cloudfunctions2_function.ingest').depends_on).toContain('time_sleep.build_roles_propagate');
    expect(config(plan(), 'time_sleep.build_roles_propagate').depends_on).toContain('google_project_iam_member.build');
  });

  test('APIs: every one the module calls, Cloud Resource Manager included', () => {
    const apis = planned(plan(), 'google_project_service').map((s) => s.after['service']);
    for (const api of [
      'cloudresourcemanager',
      'iam',
      'cloudbuild',
      'cloudfunctions',
      'run',
      'artifactregistry',
      'pubsub',
      'logging',
      'monitoring',
      'bigquery',
      'storage',
    ]) {
      expect(apis).toContain(`${api}.googleapis.com`);
    }
    expect(apis).not.toContain('cloudkms.googleapis.com');
  });

  test('buckets: uploads expire and are soft-deleted 7 days; function source kept 30 days, no soft delete; zip mode fixed', () => {
    const uploads = one(plan(), 'google_storage_bucket.uploads').after;
    expect(blockOf(uploads, 'soft_delete_policy')['retention_duration_seconds']).toBe(7 * 86400);
    expect(blockOf(blockOf(uploads, 'lifecycle_rule'), 'condition')['age']).toBe(30);
    const source = one(plan(), 'google_storage_bucket.function_source').after;
    expect(blockOf(source, 'soft_delete_policy')['retention_duration_seconds']).toBe(0);
    expect(blockOf(blockOf(source, 'lifecycle_rule'), 'condition')['age']).toBe(30);
    for (const b of [uploads, source]) expect(b).toMatchObject({ uniform_bucket_level_access: true, public_access_prevention: 'enforced', encryption: [] });
    expect(dataValues(plan(), 'data.archive_file.function_source')['output_file_mode']).toBe('0644');
    const object = one(plan(), 'google_storage_bucket_object.function_source').after;
    expect(object['name']).toBe(`function-source-${String(dataValues(plan(), 'data.archive_file.function_source')['output_md5'])}.zip`);
  });

  test('the Media CDN sink selects request logs of this project; the _Default exclusion, no HMAC key, no CMEK by default', () => {
    const sink = one(plan(), 'google_logging_project_sink.media_cdn').after;
    expect(sink['project']).toBe('demo-project');
    expect(sink['filter']).toContain('logName="projects/demo-project/logs/edgecache.googleapis.com%2Fedge_cache_request"');
    expect(sink['unique_writer_identity']).toBe(true);
    expect(planned(plan(), 'google_logging_project_exclusion')).toHaveLength(1);
    for (const type of ['google_storage_hmac_key', 'google_kms_crypto_key_iam_member', 'google_monitoring_notification_channel']) {
      expect([type, planned(plan(), type).length]).toEqual([type, 0]);
    }
    for (const t of planned(plan(), 'google_pubsub_topic')) expect(t.after['kms_key_name']).toBeNull();
  });
});

describeTf('plan with every option on (test/terraform/all-options.tfvars)', () => {
  const plan = (): PlanJson => planOf(allOptions);
  const KEY = 'projects/demo-keys/locations/europe-west1/keyRings/cdnlog/cryptoKeys/logs';

  test('CMEK: topics, both buckets and the dataset use the key; the three service agents may use it', () => {
    for (const t of planned(plan(), 'google_pubsub_topic')) expect([t.address, t.after['kms_key_name']]).toEqual([t.address, KEY]);
    for (const b of planned(plan(), 'google_storage_bucket')) expect(blockOf(b.after, 'encryption')['default_kms_key_name']).toBe(KEY);
    expect(blockOf(one(plan(), 'google_bigquery_dataset.logs').after, 'default_encryption_configuration')['kms_key_name']).toBe(KEY);
    const grants = planned(plan(), 'google_kms_crypto_key_iam_member');
    expect(grants.map((g) => `${String(g.index)} ${String(g.after['role'])} ${String(g.after['crypto_key_id'])}`).sort()).toEqual(
      ['bigquery', 'pubsub', 'storage'].map((k) => `${k} roles/cloudkms.cryptoKeyEncrypterDecrypter ${KEY}`),
    );
    expect(planned(plan(), 'google_project_service').map((s) => s.after['service'])).toContain('cloudkms.googleapis.com');
    expect(config(plan(), 'google_pubsub_topic.dead_letter').depends_on).toContain('google_kms_crypto_key_iam_member.agents_use_key');
  });

  test('HMAC uploader: object creation under the upload prefix only', () => {
    expect(planned(plan(), 'google_storage_hmac_key')).toHaveLength(1);
    expect(grantsTo(plan(), 'google_service_account.edgeone_uploader')).toEqual([
      'google_storage_bucket_iam_member roles/storage.objectCreator demo-edgeone-uploads',
    ]);
    const grant = one(plan(), 'google_storage_bucket_iam_member.edgeone_uploader_creates_objects[0]').after;
    expect(blockOf(grant, 'condition')['expression']).toBe('resource.name.startsWith("projects/_/buckets/demo-edgeone-uploads/objects/edgeone/")');
    expect(one(plan(), 'google_storage_notification.edgeone_uploads').after['object_name_prefix']).toBe('edgeone/');
  });

  test('Media CDN in another project: sink and _Default exclusion there, with the same filter', () => {
    const sink = one(plan(), 'google_logging_project_sink.media_cdn').after;
    expect(sink['project']).toBe('demo-media-cdn');
    expect(sink['filter']).toBe(
      'resource.type="edgecache.googleapis.com/EdgeCacheRouteRule" AND logName="projects/demo-media-cdn/logs/edgecache.googleapis.com%2Fedge_cache_request" AND (resource.labels.service_name="videos")',
    );
    const exclusion = one(plan(), 'google_logging_project_exclusion.media_cdn_from_default[0]').after;
    expect(exclusion).toMatchObject({ project: 'demo-media-cdn', filter: sink['filter'] });
  });

  test('EdgeOne push receiver: HTTP function open to EdgeOne, its secret from pinned versions, publish and secret access only', () => {
    const fn = one(plan(), 'google_cloudfunctions2_function.edgeone_push[0]').after;
    expect(HTTP_ENTRY_POINTS).toContain(blockOf(fn, 'build_config')['entry_point']);
    const svc = blockOf(fn, 'service_config');
    expect(svc).toMatchObject({ ingress_settings: 'ALLOW_ALL', max_instance_count: 5, max_instance_request_concurrency: 16, timeout_seconds: 60 });
    const env = svc['environment_variables'] as Record<string, string>;
    expect(env['EDGEONE_PUSH_HEADER']).toBe('X-Edge-Token');
    expect(loadSettings({ ...env, K_SERVICE: 'edgeone-push' }).sink.kind).toBe('bigquery'); // the package loads these, whatever the target
    const own = Object.keys(env).filter((k) => !([...DEPLOYED_ENV_VARS, ...RUNTIME_ENV_VARS, NODE_ENV] as string[]).includes(k));
    for (const k of [...own, 'EDGEONE_TOPIC']) expect(Object.keys(EdgeonePushEnv.shape)).toContain(k);
    expect(references(plan(), 'google_cloudfunctions2_function.edgeone_push', ['service_config', 'environment_variables'])).toContain(
      'google_pubsub_topic.edgeone_logs.id',
    );
    const secrets = svc['secret_environment_variables'] as Record<string, unknown>[];
    expect(secrets.map((e) => e['key'])).toEqual([...SECRET_VARS]);
    expect(secrets[1]).toMatchObject({ secret: 'cdnx-edgeone-push-secret', version: '1' });
    expect(one(plan(), 'google_secret_manager_secret.edgeone_push[0]').after['secret_id']).toBe('cdnx-edgeone-push-secret');
    expect(one(plan(), 'google_secret_manager_secret_version.edgeone_push[0]').after['deletion_policy']).toBe('ABANDON');
    expect(grantsTo(plan(), 'google_service_account.edgeone_push')).toEqual([
      'google_pubsub_topic_iam_member roles/pubsub.publisher google_pubsub_topic.edgeone_logs',
      'google_secret_manager_secret_iam_member roles/secretmanager.secretAccessor google_secret_manager_secret.edgeone_push',
    ]);
    const open = iamMembers(plan()).filter((r) => r.after['member'] === 'allUsers');
    expect(open.map((r) => [r.address, r.after['role']])).toEqual([['google_cloud_run_service_iam_member.edgeone_push_public[0]', 'roles/run.invoker']]);
    expect(references(plan(), 'google_cloud_run_service_iam_member.edgeone_push_public', ['service'])).toContain(
      'google_cloudfunctions2_function.edgeone_push',
    );
    const alert = one(plan(), 'google_monitoring_alert_policy.edgeone_push[0]').after;
    const thresholds = (alert['conditions'] as Record<string, unknown>[]).map((c) => blockOf(c, 'condition_threshold')['threshold_value']);
    expect(thresholds).toEqual([50, 0]);
  });

  test('sizing, write method, delivery, partitions and alert settings follow the variables', () => {
    // The EdgeOne push receiver has its own sizing and ingress (its own test below).
    for (const f of planned(plan(), 'google_cloudfunctions2_function').filter((f) => f.name === 'ingest')) {
      const svc = blockOf(f.after, 'service_config');
      expect(svc).toMatchObject({
        available_memory: '1Gi',
        available_cpu: '2',
        max_instance_count: 50,
        max_instance_request_concurrency: 16,
        timeout_seconds: 540,
        ingress_settings: 'ALLOW_INTERNAL_ONLY',
      });
      expect((svc['environment_variables'] as Record<string, string>)['NODE_OPTIONS']).toBe('--max-old-space-size=384');
      expect((svc['environment_variables'] as Record<string, string>)['BQ_WRITE_METHOD']).toBe('insertall');
      expect(f.after['location']).toBe('europe-west1');
    }
    for (const s of planned(plan(), 'google_pubsub_subscription').filter((s) => s.name === 'push')) {
      expect(s.after['ack_deadline_seconds']).toBe(540);
      expect(blockOf(s.after, 'dead_letter_policy')['max_delivery_attempts']).toBe(20);
      expect(blockOf(s.after, 'retry_policy')).toMatchObject({ minimum_backoff: '5s', maximum_backoff: '300s' });
    }
    expect(blockOf(one(plan(), 'google_bigquery_table.edge_logs').after, 'time_partitioning')['expiration_ms']).toBe(400 * 86_400_000);
    expect(one(plan(), 'google_bigquery_table.edge_logs').after['require_partition_filter']).toBe(true);
    expect(blockOf(one(plan(), 'google_storage_bucket.uploads').after, 'soft_delete_policy')['retention_duration_seconds']).toBe(30 * 86400);
    const channel = one(plan(), 'google_monitoring_notification_channel.email[0]').after;
    expect(channel['labels']).toEqual({ email_address: 'oncall@example.com' });
    for (const p of planned(plan(), 'google_monitoring_alert_policy')) expect(p.unknown['notification_channels']).toBeTruthy();
    expect(one(plan(), 'time_sleep.log_metric_known').after['create_duration']).toBe('300s');
  });
});

describeTf('planted mistakes make the harness fail', () => {
  // Their plans started in beforeAll; on a busy machine they may still be running.
  const PLANTED_TIMEOUT = 300_000;

  test(
    'an invalid variable default (a repeat count RE2 refuses, as dataset_id had)',
    async () => {
      const r = await planted.invalidDefault;
      expect(r.ok).toBe(false);
      expect(r.output).toContain('Invalid value for variable');
      expect(r.output).toContain('dataset_id');
    },
    PLANTED_TIMEOUT,
  );

  test(
    'a for_each over a value known only after apply',
    async () => {
      const r = await planted.forEachUnknown;
      expect([r.step, r.ok]).toEqual(['plan', false]);
      expect(r.output).toContain('Invalid for_each argument');
    },
    PLANTED_TIMEOUT,
  );

  test(
    'a reference to an attribute that does not exist (service_config[0].url for .uri)',
    async () => {
      const r = await planted.missingAttribute;
      expect(r.ok).toBe(false);
      expect(r.output).toContain('Unsupported attribute');
    },
    PLANTED_TIMEOUT,
  );

  test(
    'variable validations refuse bad values: backoff order, timeout, email, memory, instances, soft delete',
    async () => {
      expect(refusedVariables(await planted.badValues)).toEqual(Object.keys(BAD_VALUES).sort());
    },
    PLANTED_TIMEOUT,
  );

  test(
    'variable validations refuse CPU below 1 with concurrency 8, and a heap cap above the memory',
    async () => {
      expect(refusedVariables(await planted.badSizing)).toEqual(Object.keys(BAD_SIZING).sort());
    },
    PLANTED_TIMEOUT,
  );
});

describeTf('Media CDN delivery modes: each plans only what it needs (batched is the default)', () => {
  /** Every planned resource that carries Media CDN logs (the EdgeOne path and the shared parts left out). */
  const mediaCdnResources = (r: PlanResult): string[] =>
    planned(planOf(r))
      .map((p) => p.address)
      .filter((a) => /media_cdn/.test(a))
      .sort();
  const perFunction = (key: string): string[] => [
    `google_cloud_run_service_iam_member.push_invokes_function["${key}"]`,
    `google_cloudfunctions2_function.ingest["${key}"]`,
    `google_pubsub_subscription.push["${key}"]`,
    `google_pubsub_subscription_iam_member.pubsub_acks_dead_letters["${key}"]`,
    `google_service_account.push_invoker["${key}"]`,
    `google_service_account_iam_member.pubsub_signs_push_tokens["${key}"]`,
  ];
  const sinkAndExclusion = ['google_logging_project_exclusion.media_cdn_from_default[0]', 'google_logging_project_sink.media_cdn'];
  const fileResources = [
    'google_pubsub_topic.media_cdn_files[0]',
    'google_pubsub_topic_iam_member.gcs_publishes_media_cdn_files[0]',
    'google_storage_bucket.media_cdn_files[0]',
    'google_storage_bucket_iam_member.runtime_reads_media_cdn_files[0]',
    'google_storage_notification.media_cdn_files[0]',
  ];

  test('realtime: sink → topic → push → mediaCdnLogs; no bucket, no file topic', () => {
    expect(mediaCdnResources(realtime)).toEqual(
      [
        ...sinkAndExclusion,
        ...perFunction('media_cdn'),
        'google_pubsub_topic.media_cdn_logs[0]',
        'google_pubsub_topic_iam_member.sink_publishes_media_cdn[0]',
      ].sort(),
    );
    const fn = one(planOf(realtime), 'google_cloudfunctions2_function.ingest["media_cdn"]').after;
    expect(blockOf(fn, 'build_config')['entry_point']).toBe('mediaCdnLogs');
    expect(references(planOf(realtime), 'google_logging_project_sink.media_cdn', ['destination'])).toContain('local.media_cdn_sink_destination');
  });

  test('batched: sink → topic → Cloud Storage subscription (text, one message a line) → bucket → notification → mediaCdnFiles', () => {
    expect(mediaCdnResources(defaults)).toEqual(
      [
        ...sinkAndExclusion,
        ...perFunction('media_cdn_files'),
        ...fileResources,
        'google_pubsub_topic.media_cdn_logs[0]',
        'google_pubsub_topic_iam_member.sink_publishes_media_cdn[0]',
        'google_pubsub_subscription.media_cdn_to_files[0]',
        'google_storage_bucket_iam_member.pubsub_writes_media_cdn_files["roles/storage.legacyBucketReader"]',
        'google_storage_bucket_iam_member.pubsub_writes_media_cdn_files["roles/storage.objectCreator"]',
      ].sort(),
    );
    const plan = planOf(defaults);
    const sub = one(plan, 'google_pubsub_subscription.media_cdn_to_files[0]').after;
    const storage = blockOf(sub, 'cloud_storage_config');
    expect(storage).toMatchObject({
      bucket: 'demo-project-cdnlog-media-cdn',
      filename_prefix: 'media-cdn/',
      filename_suffix: '.jsonl',
      max_duration: '300s',
      max_bytes: 2 ** 30,
    });
    expect(storage['avro_config']).toEqual([]); // text format: the message data, one message a line
    expect(sub['ack_deadline_seconds']).toBeGreaterThanOrEqual(300); // max_duration may not exceed it
    expect(sub['push_config']).toEqual([]); // Pub/Sub itself writes the files
    expect(references(plan, 'google_pubsub_subscription.media_cdn_to_files', ['topic'])).toContain('google_pubsub_topic.media_cdn_logs');
    expect(
      iamMembers(plan)
        .filter((r) => r.name === 'pubsub_writes_media_cdn_files')
        .map((r) => memberOf(plan, r)),
    ).toEqual(['local.pubsub_service_agent', 'local.pubsub_service_agent']);
    const fn = one(plan, 'google_cloudfunctions2_function.ingest["media_cdn_files"]').after;
    expect(blockOf(fn, 'build_config')['entry_point']).toBe('mediaCdnFiles');
  });

  test('hourly: sink → bucket (Logging writes hourly files) → notification → mediaCdnFiles; no Media CDN topic', () => {
    expect(mediaCdnResources(hourly)).toEqual(
      [
        ...sinkAndExclusion,
        ...perFunction('media_cdn_files'),
        ...fileResources,
        'google_storage_bucket_iam_member.sink_writes_media_cdn_files[0]',
        'google_project_iam_custom_role.media_cdn_load_stager[0]',
        'google_storage_bucket.media_cdn_load_staging[0]',
        'google_storage_bucket_iam_member.runtime_stages_media_cdn_loads[0]',
      ].sort(),
    );
    const plan = planOf(hourly);
    expect(one(plan, 'google_logging_project_sink.media_cdn').after['destination']).toBe('storage.googleapis.com/demo-project-cdnlog-media-cdn');
    expect(grantsTo(plan, 'google_logging_project_sink.media_cdn')).toEqual([
      'google_storage_bucket_iam_member roles/storage.objectCreator demo-project-cdnlog-media-cdn',
    ]);
  });

  test('hourly: mediaCdnFiles lands each file with a load job, staged in its own bucket that notifies nobody, with three object permissions there', () => {
    const plan = planOf(hourly);
    const fn = one(plan, 'google_cloudfunctions2_function.ingest["media_cdn_files"]').after;
    const env = blockOf(fn, 'service_config')['environment_variables'] as Record<string, string>;
    expect(env).toMatchObject({ MEDIA_CDN_FILES_LOAD: 'load_job', LOAD_STAGING_BUCKET: 'demo-project-cdnlog-load-staging', BQ_LOCATION: 'US' });
    expect(Object.keys(env).sort()).toEqual([...new Set<string>([...DEPLOYED_ENV_VARS, ...RUNTIME_ENV_VARS, NODE_ENV])].sort());
    expect(loadSettings({ ...env, K_SERVICE: 'media-cdn-files' }).mediaCdnFilesLoadJob).toEqual({
      stagingBucket: 'demo-project-cdnlog-load-staging',
      location: 'US',
    });
    const staging = one(plan, 'google_storage_bucket.media_cdn_load_staging[0]').after;
    expect(staging).toMatchObject({
      name: 'demo-project-cdnlog-load-staging',
      location: 'US',
      uniform_bucket_level_access: true,
      public_access_prevention: 'enforced',
    });
    expect(blockOf(blockOf(staging, 'lifecycle_rule'), 'condition')['age']).toBe(1);
    expect(blockOf(blockOf(staging, 'lifecycle_rule'), 'action')['type']).toBe('Delete');
    expect(blockOf(staging, 'soft_delete_policy')['retention_duration_seconds']).toBe(0);
    // No notification on it: a staged object must never reach mediaCdnFiles as a log file.
    expect(planned(plan, 'google_storage_notification').map((n) => n.after['bucket'])).not.toContain('demo-project-cdnlog-load-staging');
    expect(one(plan, 'google_project_iam_custom_role.media_cdn_load_stager[0]').after['permissions']).toEqual([
      'storage.objects.create',
      'storage.objects.delete',
      'storage.objects.get',
    ]);
    expect(grantsTo(plan, 'google_service_account.runtime')).toEqual(
      expect.arrayContaining([
        'google_project_iam_member roles/bigquery.jobUser demo-project',
        'google_storage_bucket_iam_member google_project_iam_custom_role.media_cdn_load_stager[0].id demo-project-cdnlog-load-staging',
      ]),
    );
    // The other modes have no staging bucket, and their functions land files through the Write API.
    for (const r of [defaults, realtime]) {
      expect(planned(planOf(r)).filter((p) => /load_stag/.test(p.address))).toEqual([]);
    }
  });

  test('the file modes: OBJECT_FINALIZE notifications to their own topic, files deleted after a day, no soft delete', () => {
    for (const r of [defaults, hourly]) {
      const plan = planOf(r);
      const n = one(plan, 'google_storage_notification.media_cdn_files[0]').after;
      expect(n).toMatchObject({ bucket: 'demo-project-cdnlog-media-cdn', payload_format: 'JSON_API_V1', event_types: ['OBJECT_FINALIZE'] });
      expect(references(plan, 'google_storage_notification.media_cdn_files', ['topic'])).toContain('google_pubsub_topic.media_cdn_files');
      const bucket = one(plan, 'google_storage_bucket.media_cdn_files[0]').after;
      expect(blockOf(blockOf(bucket, 'lifecycle_rule'), 'condition')['age']).toBe(1);
      expect(blockOf(blockOf(bucket, 'lifecycle_rule'), 'action')['type']).toBe('Delete');
      expect(blockOf(bucket, 'soft_delete_policy')['retention_duration_seconds']).toBe(0);
      expect(bucket).toMatchObject({ uniform_bucket_level_access: true, public_access_prevention: 'enforced' });
      // The push subscription of mediaCdnFiles reads the file topic, with its dead-letter policy.
      expect(references(plan, 'google_pubsub_subscription.push', ['topic'])).toContain('each.value.topic_id');
      expect(one(plan, 'google_pubsub_subscription.push["media_cdn_files"]').after['name']).toBe('cdnlog-media-cdn-files-push');
    }
  });

  test('the _Default bucket exclusion is on by default in every mode', () => {
    for (const r of [defaults, realtime, hourly]) {
      const plan = planOf(r);
      const exclusion = one(plan, 'google_logging_project_exclusion.media_cdn_from_default[0]').after;
      expect(exclusion['filter']).toBe(one(plan, 'google_logging_project_sink.media_cdn').after['filter']);
    }
  });
});

describeTf('realtime billed per instance (media_cdn_realtime_billing = "instance"): a Cloud Run service from the same source', () => {
  const plan = (): PlanJson => planOf(realtimeInstance);

  test('mediaCdnLogs runs as a Cloud Run service with cpu_idle = false, built from the function zip; no gen2 function for it', () => {
    expect(planned(plan(), 'google_cloudfunctions2_function').map((f) => f.index)).toEqual(['edgeone']);
    const svc = one(plan(), 'google_cloud_run_v2_service.instance_billed["media_cdn"]').after;
    expect(svc).toMatchObject({ name: 'cdnlog-media-cdn', location: 'us-central1', ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY' });
    const build = blockOf(svc, 'build_config');
    expect(build).toMatchObject({
      function_target: 'mediaCdnLogs',
      base_image: 'us-central1-docker.pkg.dev/serverless-runtimes/google-22-full/runtimes/nodejs22',
    });
    expect(references(plan(), 'google_cloud_run_v2_service.instance_billed', ['build_config', 'source_location'])).toEqual(
      expect.arrayContaining(['google_storage_bucket.function_source', 'google_storage_bucket_object.function_source']),
    );
    expect(references(plan(), 'google_cloud_run_v2_service.instance_billed', ['build_config', 'service_account'])).toContain('google_service_account.build.id');
    const template = blockOf(svc, 'template');
    expect(template).toMatchObject({ timeout: '300s', max_instance_request_concurrency: 8 });
    expect(blockOf(template, 'scaling')).toMatchObject({ min_instance_count: 1 });
    const container = blockOf(template, 'containers');
    expect(blockOf(container, 'resources')).toMatchObject({ cpu_idle: false, limits: { cpu: '1', memory: '512Mi' } });
    const env = Object.fromEntries((container['env'] as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
    expect(Object.keys(env).sort()).toEqual([...new Set<string>([...DEPLOYED_ENV_VARS, ...RUNTIME_ENV_VARS, NODE_ENV])].sort());
    expect(loadSettings({ ...env, K_SERVICE: 'cdnlog-media-cdn' }).sink.kind).toBe('bigquery');
    expect(references(plan(), 'google_cloud_run_v2_service.instance_billed', ['template', 'service_account'])).toContain(
      'google_service_account.runtime.email',
    );
  });

  test('its push subscription, OIDC invoker and dead-letter grants are those of any handler', () => {
    expect(one(plan(), 'google_pubsub_subscription.push["media_cdn"]').after['name']).toBe('cdnlog-media-cdn-push');
    expect(references(plan(), 'google_pubsub_subscription.push', ['push_config', 'push_endpoint'])).toContain('local.function_uri');
    expect(
      planned(plan(), 'google_cloud_run_service_iam_member')
        .map((r) => r.index)
        .sort(),
    ).toEqual(['edgeone', 'media_cdn']);
    expect(references(plan(), 'google_cloud_run_service_iam_member.push_invokes_function', ['service'])).toContain('local.function_service');
    expect(
      planned(plan(), 'google_pubsub_subscription_iam_member')
        .map((r) => r.index)
        .sort(),
    ).toEqual(['edgeone', 'media_cdn']);
  });

  test('request billing (the default) deploys no Cloud Run service of its own', () => {
    for (const r of [defaults, realtime, hourly]) expect(planned(planOf(r), 'google_cloud_run_v2_service')).toEqual([]);
  });
});
