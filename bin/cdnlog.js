#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled TypeScript (npm ci runs `prepare`, which builds dist/).

// `cdnlog … | head -1`: the reader is gone, so the command is done; end quietly (exit 0), as
// Unix tools do, rather than with "write EPIPE".
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

// google-auth-library warns when it looks for a GCE metadata server and finds none; the command's
// own error already says which credentials are missing.
const [printWarning] = process.listeners('warning');
if (printWarning) {
  process.removeListener('warning', printWarning);
  process.on('warning', (warning) => {
    if (warning.name !== 'MetadataLookupWarning') printWarning(warning);
  });
}

require('../dist/shared/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    // The command has answered: client work still in the background (a gRPC channel connecting, a
    // metadata probe) must not print after it or keep the process alive. Exit once what was
    // written to stdout and stderr has been handed over.
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
