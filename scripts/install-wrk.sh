#!/usr/bin/env bash
# Installs wrk, the HTTP load generator `npm run bench:server` uses (Debian/Ubuntu package).
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then echo "wrk already installed: $(command -v wrk)"; exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO apt-get install -y wrk
wrk --version 2>&1 | head -1 || true
