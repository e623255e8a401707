#!/usr/bin/env bash
# Stages the Cloud Functions source for terraform/functions.tf (archive_file zips the directory):
#   dist/...            only the compiled files dist/functions/index.js (`main`) imports, followed
#                       through the import graph: no CLI, local runner, DuckDB, generator, test or
#                       bench file
#   package.json        `dependencies` exactly the packages those files require (no DuckDB, no
#                       CLI-only or dev package), and scripts {"gcp-build": ""}, so Cloud Build's
#                       Node.js buildpack runs `npm ci` only and does not try `npm run build`
#   package-lock.json   cut from the repository's lockfile (same versions, only what is reachable),
#                       so `npm ci` installs exactly the tested dependency tree
# The plan is scripts/deploy/function-source.ts. Run after `npm ci && npm run build`.
# Usage: terraform/stage-function-source.sh [OUT_DIR]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo/terraform/.build/function-source}"

main="$(node -p "require('$repo/package.json').main")"
stager="$repo/dist/scripts/stage-function-source.js"
if [[ ! -f "$repo/$main" || ! -f "$stager" ]]; then
  echo "stage-function-source: $main is missing; run 'npm ci && npm run build' first" >&2
  exit 1
fi

node "$stager" "$out"
