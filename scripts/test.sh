#!/usr/bin/env bash
# The whole test suite: system packages, build, type checks, lint, unit, integration and browser
# tests. Nothing is skipped: a missing system package is installed (as root, with apt-get) or
# named in an error.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${ZERORTC_TEST_NETNS:-}" ]; then
  bash scripts/system-deps.sh
  # Run the tests in a network namespace of their own where we can (root, util-linux unshare):
  # every packet then stays on its loopback interface, whatever the machine's network is. Firefox
  # gathers 127.0.0.1 there only thanks to the permission prefs in test/helpers/firefox.ts (without
  # them it gathers the default route's source address alone, which is 0.0.0.0 here); the default
  # route on lo is harmless and kept for software that looks for one.
  if [ "$(id -u)" = 0 ] && unshare --net true 2>/dev/null; then
    exec unshare --net env ZERORTC_TEST_NETNS=1 bash -c \
      'ip link set lo up && ip route add default dev lo && exec bash scripts/test.sh'
  fi
fi

npm run --silent build
npm run --silent typecheck
npm run --silent lint

node --import tsx --test --test-reporter=spec --test-concurrency=1 \
  test/unit/*.test.ts test/integration/*.test.ts test/e2e/*.test.ts
