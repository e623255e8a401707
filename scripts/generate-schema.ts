/**
 * Writes the BigQuery table schema files that Terraform reads, from the zod row definitions.
 * `--check` writes nothing and exits 1 when a committed file differs (stale).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderSchemaFile, schemaFiles } from '../shared/schema/schema-files';

const root = join(__dirname, '..', '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const [file, fields] of Object.entries(schemaFiles())) {
  const path = join(root, file);
  const text = renderSchemaFile(fields);
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current === text) continue;
  if (check) {
    console.error(`${file} is stale: run npm run schema:generate`);
    stale++;
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote ${file}`);
  }
}
process.exitCode = stale ? 1 : 0;
