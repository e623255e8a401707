// Runs the real `terraform` CLI offline against the stand-in providers in server.js: one temporary
// workspace with a plugin dir and one shared `terraform init`, then any number of copies of the
// module (optionally with a planted change) that validate and plan concurrently. Nothing is written
// into the module directory.
'use strict';
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** The provider versions the stand-in answers as (must satisfy terraform/versions.tf). */
const PROVIDERS = { google: '7.0.0', archive: '2.7.0', time: '0.13.1' };
const PLATFORM = 'linux_amd64';

/** The terraform binary on PATH (or $TERRAFORM), or null when there is none. */
function findTerraform(env = process.env) {
  if (env.TERRAFORM) return fs.existsSync(env.TERRAFORM) ? env.TERRAFORM : null;
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, 'terraform');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Runs a command with `input` on stdin; resolves with its exit code and output (never rejects on exit code). */
function run(file, args, { input = '', ...options } = {}) {
  return new Promise((resolve) => {
    const child = execFile(file, args, { ...options, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), output: `${stdout}${stderr}` });
    });
    // A command that never reads stdin may exit before the input is written: EPIPE is then no failure.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

function writePlugins(dir) {
  const server = path.join(__dirname, 'server.js');
  for (const [name, version] of Object.entries(PROVIDERS)) {
    const bin = path.join(dir, 'registry.terraform.io', 'hashicorp', name, version, PLATFORM);
    fs.mkdirSync(bin, { recursive: true });
    const exe = path.join(bin, `terraform-provider-${name}_v${version}`);
    fs.writeFileSync(exe, `#!/bin/sh\nexec "${process.execPath}" "${server}" ${name} "$@"\n`, { mode: 0o755 });
  }
}

const SKIP = new Set(['.terraform', '.terraform.lock.hcl', 'terraform.tfstate', 'terraform.tfstate.backup']);

function copyModule(from, to, exclude) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || exclude.includes(entry.name) || entry.name.endsWith('.tfplan')) continue;
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) fs.cpSync(src, dst, { recursive: true });
    else if (entry.isFile()) fs.copyFileSync(src, dst);
  }
  // Any backend or cloud block would need the network: plan against an empty local state instead.
  const usesBackend = fs
    .readdirSync(to)
    .filter((f) => f.endsWith('.tf'))
    .some((f) => /^\s*(backend\s+"|cloud\s*\{)/m.test(fs.readFileSync(path.join(to, f), 'utf8')));
  if (usesBackend) fs.writeFileSync(path.join(to, 'zz_offline_backend_override.tf'), 'terraform {\n  backend "local" {}\n}\n');
}

/** The google_* resource and data source types a module's .tf files declare. */
function googleTypes(dir) {
  const types = new Set();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.tf'))) {
    for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/^\s*(?:resource|data)\s+"(google_\w+)"/gm)) types.add(m[1]);
  }
  return [...types].sort().join(',');
}

/**
 * A workspace for moduleDir: `init` once, then `copy()` the module (each copy sits beside symlinks
 * to the module's siblings, so `${path.module}/../sql` resolves) and `validate`/`plan` it.
 * `exclude` names top-level entries of the module not to copy (e.g. a staged build it won't use).
 */
async function createWorkspace(moduleDir, { terraform = findTerraform(), keep = false, exclude = [] } = {}) {
  if (!terraform) throw new Error('terraform is not on PATH');
  const module = path.resolve(moduleDir);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfplan-'));
  const plugins = path.join(root, 'plugins');
  writePlugins(plugins);
  fs.writeFileSync(path.join(root, 'terraformrc'), '');
  const env = { ...process.env };
  for (const k of ['TF_WORKSPACE', 'TF_PLUGIN_CACHE_DIR', 'TF_CLI_ARGS', 'TF_CLI_ARGS_plan', 'TF_CLI_ARGS_init']) delete env[k];
  Object.assign(env, {
    TF_CLI_CONFIG_FILE: path.join(root, 'terraformrc'), // no registry, no plugin cache: offline
    TF_DATA_DIR: path.join(root, 'data'), // one init serves every copy (same providers, no modules)
    TF_DISABLE_PLUGIN_TLS: '1', // server.js speaks plain gRPC over a unix socket
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
  });

  let copies = 0;
  const tf = (cwd, args, input) => run(terraform, args, { cwd, input, env: { ...env, TFPLAN_GOOGLE_TYPES: googleTypes(cwd) } });

  /** A fresh copy of the module; plant(dir) may edit it. Returns its directory. */
  function copy(plant) {
    const base = path.join(root, `src${copies++}`);
    const parent = path.dirname(module);
    fs.mkdirSync(base);
    for (const sibling of fs.readdirSync(parent)) {
      if (sibling !== path.basename(module)) fs.symlinkSync(path.join(parent, sibling), path.join(base, sibling));
    }
    const dir = path.join(base, path.basename(module));
    copyModule(module, dir, exclude);
    const lock = path.join(root, '.terraform.lock.hcl');
    if (fs.existsSync(lock)) fs.copyFileSync(lock, path.join(dir, '.terraform.lock.hcl'));
    if (plant) plant(dir);
    return dir;
  }

  const first = copy();
  const init = await tf(first, ['init', '-input=false', '-no-color', `-plugin-dir=${plugins}`]);
  if (init.code !== 0) {
    dispose();
    throw new Error(`terraform init failed:\n${init.output}`);
  }
  fs.copyFileSync(path.join(first, '.terraform.lock.hcl'), path.join(root, '.terraform.lock.hcl'));

  /**
   * validate, then plan with planArgs; resolves with the first failing step, or with the plan as
   * `terraform show -json` prints it.
   */
  async function plan(dir, planArgs = [], { validate = true } = {}) {
    if (validate) {
      const v = await tf(dir, ['validate', '-no-color']);
      if (v.code !== 0) return { ok: false, step: 'validate', output: v.output };
    }
    const out = path.join(dir, 'plan.tfplan');
    const p = await tf(dir, ['plan', '-input=false', '-lock=false', '-no-color', `-out=${out}`, ...planArgs]);
    if (p.code !== 0) return { ok: false, step: 'plan', output: p.output };
    const show = await tf(dir, ['show', '-json', out]);
    if (show.code !== 0) return { ok: false, step: 'show', output: show.output };
    return { ok: true, step: 'plan', output: p.output, json: JSON.parse(show.stdout) };
  }

  function dispose() {
    if (keep) process.stderr.write(`tfplan: kept ${root}\n`);
    else fs.rmSync(root, { recursive: true, force: true });
  }

  return { root, first, copy, plan, terraform: tf, dispose };
}

module.exports = { createWorkspace, findTerraform, run, PROVIDERS };
