/**
 * Stages the Cloud Functions' deploy package (see terraform/stage-function-source.sh, which runs
 * this after the build). Usage: node dist/scripts/stage-function-source.js OUT_DIR
 */
import { resolve } from 'node:path';
import { planFunctionSource, writeFunctionSource } from './deploy/function-source';

const [out] = process.argv.slice(2);
if (!out) {
  process.stderr.write('usage: stage-function-source OUT_DIR\n');
  process.exit(2);
}
const repo = resolve(__dirname, '..', '..');
const source = planFunctionSource(repo);
writeFunctionSource(repo, source, resolve(out));
const deps = Object.entries(source.packageJson.dependencies).map(([name, range]) => `${name}@${range}`);
process.stdout.write(
  `staged ${source.files.length} files and ${Object.keys(source.lockfile.packages).length - 1} locked packages in ${out}\ndependencies: ${deps.join(', ')}\n`,
);
