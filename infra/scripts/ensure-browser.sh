#!/usr/bin/env bash
# Usage: ensure-browser.sh PACKAGE PATH...
# The browser tests drive Debian's browsers (chromium through playwright-core, firefox-esr through
# puppeteer-core over WebDriver BiDi): Playwright's own browser downloads are not reachable here.
# Does nothing when one of PATH is executable, else installs the apt PACKAGE; needs root or sudo.
set -euo pipefail
package=${1:?usage: ensure-browser.sh PACKAGE PATH...}
shift
for candidate in "$@"; do
  if [ -x "$candidate" ]; then exit 0; fi
done
if ! command -v apt-get >/dev/null; then
  echo "$package is missing ($*) and apt-get is not available: install $package" >&2
  exit 1
fi
sudo_cmd=""
if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
log="/tmp/cdp-apt-$package.log"
echo "== installing $package (apt-get install $package) for the browser tests"
$sudo_cmd apt-get install -y --no-install-recommends "$package" >"$log" 2>&1 || {
  $sudo_cmd apt-get update >/dev/null 2>&1 && $sudo_cmd apt-get install -y --no-install-recommends "$package" >"$log" 2>&1
} || { echo "apt-get install $package failed: see $log" >&2; exit 1; }
