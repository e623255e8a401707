/**
 * Holds terraform/edgeone-push.tf, as written (parsed with @cdktf/hcl2json, as test/terraform.test.ts
 * does), against the receiver it deploys: off by default, the entry point, the settings and secrets
 * it reads, its narrow identity, the public invoker binding, the alert and the outputs. What
 * Terraform makes of it, enabled and not, is checked on the plans of test/terraform-plan.test.ts.
 */
import { join, resolve } from 'node:path';
import { HTTP_ENTRY_POINTS } from '../functions/entry-points';
import { DEPLOYED_ENV_VARS, EdgeonePushEnv, RUNTIME_ENV_VARS } from '../shared/config/env';
import { SECRET_VARS } from '../shared/push/settings';
import { asObject, block, loadModule, resources, strings, variables, type Body, type TfModule } from './terraform/module';

const TF_DIR = join(resolve(__dirname, '..'), 'terraform');
const FILE = 'edgeone-push.tf';
let mod: TfModule;

beforeAll(async () => {
  mod = await loadModule(TF_DIR);
});

function resource(type: string, name: string): Body {
  const found = resources(mod, type).find((b) => b.name === name);
  if (!found) throw new Error(`resource ${type}.${name} is not declared`);
  return found.body;
}

const declaredHere = () => mod.blocks.filter((b) => b.file === FILE && b.kind === 'resource');
const fn = (): Body => resource('google_cloudfunctions2_function', 'edgeone_push');
const serviceConfig = (): Body => block(fn(), 'service_config');
const pushMembers = () =>
  declaredHere().filter((b) => /_iam_member$/.test(b.type) && String(b.body['member']).includes('google_service_account.edgeone_push[0].email'));

test('off unless enable_edgeone_push: every resource of the receiver has count = local.edgeone_push', () => {
  expect(variables(mod).find((v) => v.name === 'enable_edgeone_push')!.body['default']).toBe(false);
  expect(String(mod.locals['edgeone_push'])).toBe('${var.enable_edgeone_push ? 1 : 0}');
  expect(declaredHere().length).toBeGreaterThan(5);
  for (const b of declaredHere()) expect([`${b.type}.${b.name}`, b.body['count']]).toEqual([`${b.type}.${b.name}`, '${local.edgeone_push}']);
});

test('an HTTP entry point of the package, built like the others, with no event trigger', () => {
  const build = block(fn(), 'build_config');
  expect(HTTP_ENTRY_POINTS).toContain(build['entry_point']);
  expect(build['runtime']).toBe('nodejs22');
  expect(block(block(build, 'source'), 'storage_source')['object']).toBe('${google_storage_bucket_object.function_source.name}');
  expect(fn()['event_trigger']).toBeUndefined();
  expect(String(serviceConfig()['max_instance_count'])).toBe('${var.edgeone_push_max_instances}');
});

test('environment: the package-wide variables, the receiver settings it reads, and its secrets from pinned versions', () => {
  const env = Object.keys(asObject(serviceConfig()['environment_variables']));
  const packageWide: readonly string[] = [...DEPLOYED_ENV_VARS, ...RUNTIME_ENV_VARS, 'NODE_ENV'];
  const own = env.filter((k) => !packageWide.includes(k));
  expect(own.sort()).toEqual(['EDGEONE_PUSH_HEADER', 'EDGEONE_TOPIC']);
  for (const k of own) expect(Object.keys(EdgeonePushEnv.shape)).toContain(k);
  const secrets = serviceConfig()['secret_environment_variables'] as Body[];
  expect(secrets[0]!['key']).toBe(SECRET_VARS[0]);
  expect(secrets[0]!['version']).toBe('${google_secret_manager_secret_version.edgeone_push[0].version}');
  const [previous] = asObject(serviceConfig()['dynamic'])['secret_environment_variables'] as Body[];
  expect(previous!['for_each']).toContain('var.edgeone_push_previous_secret_version');
  const content = block(previous!, 'content');
  expect([content['key'], content['version']]).toEqual([SECRET_VARS[1], '${secret_environment_variables.value}']);
  expect(strings([secrets[0]!, previous!]).join(' ')).not.toContain('latest');
});

test('its identity may publish on the EdgeOne topic and read its one secret; nothing else', () => {
  expect(serviceConfig()['service_account_email']).toBe('${google_service_account.edgeone_push[0].email}');
  expect(
    pushMembers()
      .map((m) => [m.type, m.body['role'], m.body['topic'] ?? m.body['secret_id'] ?? m.body['project']])
      .sort(),
  ).toEqual([
    ['google_pubsub_topic_iam_member', 'roles/pubsub.publisher', '${google_pubsub_topic.edgeone_logs.id}'],
    ['google_secret_manager_secret_iam_member', 'roles/secretmanager.secretAccessor', '${google_secret_manager_secret.edgeone_push[0].id}'],
  ]);
  const elsewhere = mod.blocks.filter((b) => b.file !== FILE && strings(b.body).some((s) => s.includes('google_service_account.edgeone_push')));
  expect(elsewhere.map((b) => `${b.kind} ${b.name}`)).toEqual([]);
});

test('anyone may invoke the receiver (EdgeOne sends no Google token), and only the receiver', () => {
  const publicBindings = mod.blocks.filter((b) => b.kind === 'resource' && b.body['member'] === 'allUsers');
  expect(publicBindings.map((b) => [b.type, b.name, b.body['role']])).toEqual([
    ['google_cloud_run_service_iam_member', 'edgeone_push_public', 'roles/run.invoker'],
  ]);
  expect(publicBindings[0]!.body['service']).toBe('${google_cloudfunctions2_function.edgeone_push[0].service_config[0].service}');
});

test('the secret version keeps the old value valid during a rotation and needs a value when enabled', () => {
  const version = resource('google_secret_manager_secret_version', 'edgeone_push');
  expect(version['deletion_policy']).toBe('ABANDON');
  expect(strings(version['lifecycle'] as Body[]).join(' ')).toContain('var.edgeone_push_secret != null');
  expect(variables(mod).find((v) => v.name === 'edgeone_push_secret')!.body['sensitive']).toBe(true);
});

test('an alert on 401 and on 5xx responses of the receiver', () => {
  const filters = strings(resource('google_monitoring_alert_policy', 'edgeone_push')['conditions']).join('\n');
  expect(filters).toContain('metric.labels.response_code=\\"401\\"');
  expect(filters).toContain('metric.labels.response_code_class=\\"5xx\\"');
  expect(filters).toContain('resource.labels.service_name=\\"${local.edgeone_push_function_name}\\"');
  expect(fn()['name']).toBe('${local.edgeone_push_function_name}');
});

test('outputs: the URL and the header to set in the EdgeOne task', () => {
  const outputs = mod.blocks.filter((b) => b.kind === 'output').map((b) => b.name);
  expect(outputs).toEqual(expect.arrayContaining(['edgeone_push_url', 'edgeone_push_header']));
});
