#!/usr/bin/env bash
# The full test suite (`pnpm test`, `./cdp test`, CI): type check, then every jest test, unit and
# integration, the latter against the real local stack. The stack is started here when it is not
# running and stopped again at the end (CDP_KEEP_STACK=1 keeps it). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .stack
results=.stack/jest-results.json
rm -f "$results"
extra_failed=0

echo "== type check (tsc --noEmit)"
if ! pnpm -s typecheck; then
  echo "type check failed"
  extra_failed=$((extra_failed + 1))
fi

if ! bash infra/scripts/ensure-chromium.sh; then
  echo "chromium could not be installed; the browser test will fail"
fi

started_stack=0
if ! pnpm -s exec tsx infra/src/cli.ts running; then
  echo "== starting the local stack"
  if ! pnpm -s stack:up; then
    echo "the local stack did not start; integration tests cannot run"
    echo "0 passed, $((extra_failed + 1)) failed"
    exit 1
  fi
  started_stack=1
fi

echo "== jest (unit + integration)"
# One worker: the integration tests share the stack, and one of them restarts its servers.
pnpm -s exec jest --ci --runInBand --json --outputFile="$results" "$@"
jest_rc=$?

if [ "$started_stack" = 1 ] && [ -z "${CDP_KEEP_STACK:-}" ]; then
  echo "== stopping the local stack this run started"
  pnpm -s stack:down
fi

node -e '
  const fs = require("fs");
  const extra = Number(process.argv[1]);
  let passed = 0, failed = extra;
  if (fs.existsSync(process.argv[2])) {
    const r = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
    passed = r.numPassedTests;
    // A suite that fails to load has no test results but is a failure all the same.
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  } else {
    failed += 1;
  }
  console.log(`${passed} passed, ${failed} failed`);
' "$extra_failed" "$results"

[ "$jest_rc" = 0 ] && [ "$extra_failed" = 0 ]
