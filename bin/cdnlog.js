#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled TypeScript (npm ci runs `prepare`, which builds dist/).
require('../dist/shared/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => { process.exitCode = code; });
