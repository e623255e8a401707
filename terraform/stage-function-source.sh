#!/usr/bin/env bash
# Stages the Cloud Functions source for terraform/functions.tf (archive_file zips the directory):
#   package.json        scripts replaced by {"gcp-build": ""}, so Cloud Build's Node.js buildpack
#                       runs `npm ci` only and does not try `npm run build` (the TypeScript sources
#                       are not shipped)
#   package-lock.json   unchanged, so `npm ci` installs exactly the tested dependency tree
#   dist/               the compiled code (`main` is dist/functions/index.js)
# Run after `npm ci && npm run build`. Usage: terraform/stage-function-source.sh [OUT_DIR]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo/terraform/.build/function-source}"

main="$(node -p "require('$repo/package.json').main")"
if [[ ! -f "$repo/$main" ]]; then
  echo "stage-function-source: $main is missing; run 'npm ci && npm run build' first" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out"
cp "$repo/package-lock.json" "$out/"
cp -R "$repo/dist" "$out/dist"
node -e '
  const fs = require("fs");
  const [src, dst] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync(src, "utf8"));
  pkg.scripts = { "gcp-build": "" };
  fs.writeFileSync(dst, JSON.stringify(pkg, null, 2) + "\n");
' "$repo/package.json" "$out/package.json"

echo "staged $(find "$out" -type f | wc -l) files in $out"
