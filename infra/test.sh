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

for browser in "chromium /usr/bin/chromium" "firefox-esr /usr/bin/firefox-esr"; do
  # shellcheck disable=SC2086 # package and path, split on purpose
  if ! bash infra/scripts/ensure-browser.sh $browser; then
    echo "${browser%% *} could not be installed; the browser tests that use it will fail"
  fi
done

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

# The last line is "N passed, N failed". A skipped or todo test, or a test file left out by a
# filter, is not a pass: each counts as failed there, and the line before says what they were.
pnpm -s exec jest --listTests --json > .stack/jest-all-files.json 2>/dev/null || echo '[]' > .stack/jest-all-files.json
node -e '
  const fs = require("fs");
  const [extraArg, resultsFile, allFilesFile] = process.argv.slice(1);
  let passed = 0, failed = Number(extraArg), skipped = 0, todo = 0, ran = 0;
  const all = JSON.parse(fs.readFileSync(allFilesFile, "utf8")).length;
  if (fs.existsSync(resultsFile)) {
    const r = JSON.parse(fs.readFileSync(resultsFile, "utf8"));
    passed = r.numPassedTests;
    // A suite that fails to load has no test results but is a failure all the same.
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
    skipped = r.numPendingTests;
    todo = r.numTodoTests;
    ran = r.numTotalTestSuites;
  } else {
    failed += 1;
  }
  const leftOut = Math.max(0, all - ran);
  console.log(`jest: ${passed} passed, ${failed} failed, ${skipped} skipped, ${todo} todo; ${ran} of ${all} test files ran${leftOut ? ` (${leftOut} left out by a filter)` : ""}`);
  console.log(`${passed} passed, ${failed + skipped + todo + leftOut} failed`);
  process.exitCode = skipped + todo + leftOut > 0 ? 1 : 0;
' "$extra_failed" "$results" .stack/jest-all-files.json
summary_rc=$?

[ "$jest_rc" = 0 ] && [ "$extra_failed" = 0 ] && [ "$summary_rc" = 0 ]
