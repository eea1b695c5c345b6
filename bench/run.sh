#!/usr/bin/env bash
# Search benchmark (see bench/README.md): 100,000 subjects, SQLite and
# PostgreSQL, /api/v1/subjects?q= and /search?q= through granian (as `chengxin serve` runs it) on loopback.
# Every argument goes to bench/search.py (e.g. --db sqlite --requests 500).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  bash scripts/bootstrap.sh --dev
fi
exec .venv/bin/python bench/search.py "$@"
