#!/usr/bin/env bash
# The browser test drives Debian's chromium through playwright-core (Playwright's own browser
# download is not reachable here). Installs it when missing; needs root or sudo and apt.
set -euo pipefail
for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
if ! command -v apt-get >/dev/null; then
  echo "chromium is missing and apt-get is not available: install chromium, or set CHROMIUM_PATH" >&2
  exit 1
fi
sudo_cmd=""
if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
echo "== installing chromium (apt-get install chromium) for the browser test"
$sudo_cmd apt-get install -y --no-install-recommends chromium >/tmp/cdp-apt-chromium.log 2>&1 || {
  $sudo_cmd apt-get update >/dev/null 2>&1 && $sudo_cmd apt-get install -y --no-install-recommends chromium >/tmp/cdp-apt-chromium.log 2>&1
} || { echo "apt-get install chromium failed: see /tmp/cdp-apt-chromium.log" >&2; exit 1; }
