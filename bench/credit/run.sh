#!/usr/bin/env bash
# Credit benchmark (see bench/credit/README.md): a full recomputation of the
# credit grades of 1,000,000 subjects from 10,000,000 credit records, on SQLite
# and PostgreSQL, beside the same aggregation in DuckDB. Holds
# /tmp/chengxin-bench.lock (benchmarks share the machine).
# Every argument goes to bench/credit/bench.py (e.g. --db sqlite, --rebuild).
#
# The bench runs in its own environment, bench/.venv: the project's lock file
# with the dev and `bench` dependency groups (duckdb). A separate one because
# `scripts/bootstrap.sh` (./chengxin serve, ./chengxin test) syncs .venv
# exactly and would remove duckdb from it while the bench runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x .venv/bin/python ] || [ ! -x .tools/bin/uv ]; then
  bash scripts/bootstrap.sh --dev
fi
PY="$(readlink -f .venv/bin/python)"
UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT="$PWD/bench/.venv" \
  .tools/bin/uv sync --frozen --quiet --compile-bytecode --dev --group bench --python "$PY"
exec flock /tmp/chengxin-bench.lock bench/.venv/bin/python bench/credit/bench.py "$@"
