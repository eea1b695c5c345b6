#!/usr/bin/env bash
# Complaints benchmark (see bench/complaints/README.md): filing complaints
# through POST /api/v1/complaints (granian as `chengxin serve` runs it) from a
# second process, 60 s on SQLite and on PostgreSQL, beside the database's raw
# insert rate. Holds /tmp/chengxin-bench.lock (benchmarks share the machine).
# Every argument goes to bench/complaints/bench.py (e.g. --db sqlite).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x .venv/bin/python ]; then
  bash scripts/bootstrap.sh --dev
fi
exec flock /tmp/chengxin-bench.lock .venv/bin/python bench/complaints/bench.py "$@"
