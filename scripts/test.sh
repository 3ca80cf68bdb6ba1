#!/usr/bin/env bash
# The whole test suite: system packages, build, type checks, lint, unit, integration and browser
# tests. Nothing is skipped: a missing system package is installed (as root, with apt-get) or
# named in an error.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh

npm run --silent build
npm run --silent typecheck
npm run --silent lint

node --import tsx --test --test-reporter=spec --test-concurrency=1 \
  test/unit/*.test.ts test/integration/*.test.ts test/e2e/*.test.ts
