#!/usr/bin/env bash
# Installs the Debian packages Strata links against, when they are missing.
# Needs root (or sudo) the first time on a fresh machine; does nothing when all are present.
set -euo pipefail
packages=(libopenblas-dev liblapack-dev libreadstat-dev zlib1g-dev libpq-dev postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
