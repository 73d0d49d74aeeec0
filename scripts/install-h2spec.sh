#!/usr/bin/env bash
# Builds h2spec (RFC 7540/9113 and RFC 7541 conformance tester) into .tools/ (git-ignored) with the
# Go toolchain, from the Go module proxy, at the pinned version below. test/server/h2spec.test.ts runs it.
# - v2.2.1 is the newest release the proxy serves (v2.6.0 is refused). It has no go.mod, so Go takes
#   its dependencies (golang.org/x/net, cobra, color) at their newest: not byte-reproducible.
# - `h2spec --version` prints "2.0.0" whatever it is: release builds set it by ldflags.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v2.2.1+incompatible
if [ -x .tools/h2spec ]; then echo "[h2spec] present: .tools/h2spec"; exit 0; fi
if ! command -v go >/dev/null 2>&1; then echo "[h2spec] Go is not installed: cannot build h2spec" >&2; exit 1; fi
mkdir -p .tools
echo "[h2spec] go install github.com/summerwind/h2spec/cmd/h2spec@$VERSION"
GOBIN="$PWD/.tools" GOFLAGS=-mod=mod go install "github.com/summerwind/h2spec/cmd/h2spec@$VERSION"
