#!/usr/bin/env bash
# The main job: set-up, release build, then the flagship study — the notebook
# notebooks-cli/participation.md run on the shipped data (datasets/flexwork/flexwork.dta), which
# writes out/participation.md and a self-contained out/participation.html (tables and plots), with
# the saved design, fits and plots in out/participation_files/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product strata >&2
strata="$(swift build -c release --show-bin-path)/strata"
"$strata" notebook run notebooks-cli/participation.md --out out
echo "Report: out/participation.html (Markdown: out/participation.md; files: out/participation_files/)"
