#!/usr/bin/env bash
# Extra CI setup, run by .ci/run (as root, CI=true, no stdin) before the tests when executable.
# The report tests need Debian's chromium (HTML report in a headless browser, via playwright-core)
# and xmllint from libxml2-utils (JUnit output against test/fixtures/junit.xsd). Installed only
# when missing, so a machine that has them skips apt entirely. h2spec (the HTTP/2 protocol tests of
# the reference server) is built with Go by scripts/install-h2spec.sh.
set -euo pipefail

"$(dirname "$0")/install-h2spec.sh"

need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)

if [ ${#need[@]} -eq 0 ]; then
  echo "[ci-extra] chromium and xmllint present"
  exit 0
fi
echo "[ci-extra] installing ${need[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "[ci-extra] not root: cannot apt-get install ${need[*]}" >&2
  exit 1
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
