import { parseArgs } from 'node:util';
import { loadSettings } from '../config/settings';
import { createStorage } from '../gcp/clients';
import { DEFAULT_RESUMABLE_THRESHOLD, uploadFiles } from '../upload/upload';
import { EXIT, UsageError, type Command } from './io';

export const uploadHelp = `Usage: cdnlog upload FILE... --bucket BUCKET [--prefix PREFIX]

Uploads EdgeOne log files to the upload bucket with the Cloud Storage client; each upload fires the
bucket's notification and so one edgeoneLogs invocation. Prints one gs:// URI per file (stdout).

  --bucket B          the EdgeOne upload bucket (required)
  --prefix P          prepended to each file's base name, e.g. edgeone/2026-11-01/
  --resumable-over N  files of N bytes or more use a resumable (chunked, restartable) upload
                      (default ${DEFAULT_RESUMABLE_THRESHOLD})
  -h, --help          Show this help.

Credentials: Application Default Credentials; STORAGE_EMULATOR_HOST points at a local endpoint.`;

export const upload: Command = async (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    options: {
      bucket: { type: 'string' },
      prefix: { type: 'string' },
      'resumable-over': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(`${uploadHelp}\n`);
    return EXIT.ok;
  }
  if (!values.bucket) throw new UsageError('--bucket is required');
  if (positionals.length === 0) throw new UsageError('give at least one FILE');
  const threshold = values['resumable-over'] === undefined ? undefined : Number(values['resumable-over']);
  if (threshold !== undefined && !(Number.isInteger(threshold) && threshold >= 0)) throw new UsageError('--resumable-over must be a whole number of bytes');
  const uploaded = await uploadFiles(
    createStorage(loadSettings(io.env).gcp),
    positionals,
    { bucket: values.bucket, prefix: values.prefix, resumableThreshold: threshold },
    (u) => io.stdout.write(`${u.uri}\n`),
  );
  io.stderr.write(
    `uploaded ${uploaded.length} file${uploaded.length === 1 ? '' : 's'}, ${uploaded.reduce((s, u) => s + u.bytes, 0).toLocaleString('en-US')} bytes\n`,
  );
  return EXIT.ok;
};
