#!/usr/bin/env bash
# Runs every test: installs the system libraries if missing, then `swift test` (XCTest + Swift Testing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift test "$@"
