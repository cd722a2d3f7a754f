#!/usr/bin/env bash
# Installs the pinned npm packages of the interop harness, only when missing or out of date (idempotent).
set -euo pipefail
cd "$(dirname "$0")"
command -v node >/dev/null || { echo "error: node is required for the Helia interop tests" >&2; exit 1; }
command -v npm >/dev/null || { echo "error: npm is required for the Helia interop tests" >&2; exit 1; }
stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ]; then
  exit 0
fi
echo "installing the Helia test peers (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
touch "$stamp"
