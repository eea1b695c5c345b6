#!/usr/bin/env bash
# Certificates benchmark (see bench/certs/README.md): /pub/ files through
# granian vs nginx, /v/<number> vs a constant Django view, Verifier vs raw
# Ed25519. Every argument goes to bench/certs/bench.py (e.g. --only a).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x .venv/bin/python ]; then
  bash scripts/bootstrap.sh --dev
fi
exec .venv/bin/python bench/certs/bench.py "$@"
