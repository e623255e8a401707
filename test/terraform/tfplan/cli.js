#!/usr/bin/env node
// Offline `terraform init` + `validate` + `plan` of a module against the stand-in providers.
// Usage: node cli.js MODULE_DIR [terraform plan args, e.g. -var project_id=demo-project]
// Env:   PLAN_JSON=FILE  also write `terraform show -json` of the plan to FILE
//        KEEP_TMP=1      keep the temporary workspace (its path is printed)
//        TFPLAN_PROVIDER_LOG=FILE  log every RPC the stand-in providers answer
// Exits 1 when init, validate or plan fails, 2 on a usage error or when terraform is missing.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { createWorkspace, findTerraform } = require('./harness');

async function main(argv) {
  const [moduleDir, ...planArgs] = argv;
  if (!moduleDir || !fs.existsSync(moduleDir)) {
    process.stderr.write('usage: cli.js MODULE_DIR [terraform plan args...]\n');
    return 2;
  }
  if (!findTerraform()) {
    process.stderr.write('tfplan: terraform is not on PATH (install Terraform >= 1.5)\n');
    return 2;
  }
  if (process.env.TFPLAN_PROVIDER_LOG) process.env.TFPLAN_PROVIDER_LOG = path.resolve(process.env.TFPLAN_PROVIDER_LOG);
  const ws = await createWorkspace(moduleDir, { keep: process.env.KEEP_TMP === '1' });
  try {
    const result = await ws.plan(ws.first, planArgs);
    process.stdout.write(result.output);
    if (!result.ok) {
      process.stderr.write(`tfplan: terraform ${result.step} failed\n`);
      return 1;
    }
    if (process.env.PLAN_JSON) {
      fs.writeFileSync(process.env.PLAN_JSON, JSON.stringify(result.json, null, 2));
      process.stdout.write(`tfplan: plan JSON written to ${process.env.PLAN_JSON}\n`);
    }
    return 0;
  } finally {
    ws.dispose();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`tfplan: ${err.message}\n`);
    process.exit(1);
  },
);
