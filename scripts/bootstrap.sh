#!/usr/bin/env bash
# Create or update .venv from uv.lock. Needs only a Python >= 3.12 and the
# package registries; idempotent and quick when nothing changed.
#   scripts/bootstrap.sh          runtime dependencies
#   scripts/bootstrap.sh --dev    plus the test and lint tools
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION="0.13.9"

find_python() {
  for cand in python3.12 /root/.pyenv/versions/3.12*/bin/python3 python3.13 /root/.pyenv/versions/3.13*/bin/python3 /usr/local/bin/python3 python3; do
    for p in $(command -v $cand 2>/dev/null || ls $cand 2>/dev/null || true); do
      if "$p" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
        echo "$p"; return 0
      fi
    done
  done
  return 1
}

PY="$(find_python)" || { echo "chengxin needs Python 3.12 or newer" >&2; exit 1; }
TOOLS=".tools"
if [ ! -x "$TOOLS/bin/uv" ] || [ "$("$TOOLS/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  "$PY" -m venv "$TOOLS" >/dev/null
  "$TOOLS/bin/python" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION" >/dev/null 2>&1 \
    || "$TOOLS/bin/python" -m pip install --disable-pip-version-check "uv==$UV_VERSION"
fi
export UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT="$PWD/.venv"
SYNC_ARGS=(--no-dev)
if [ "${1:-}" = "--dev" ]; then SYNC_ARGS=(); fi
# --compile-bytecode: the packages' .pyc files are written once, here. Without
# them every process (each `chengxin` command, server worker, test run)
# compiled Django and the rest from source again whenever bytecode is not
# written at run time (PYTHONDONTWRITEBYTECODE): ~3 s per process start.
"$TOOLS/bin/uv" sync --frozen --quiet --compile-bytecode --python "$PY" "${SYNC_ARGS[@]}"
# our own modules too (stale ones are simply recompiled in memory)
"$PWD/.venv/bin/python" -m compileall -q -j 0 src >/dev/null || true

# Front-end assets from the npm registry, served by the app itself (no CDN).
# htmx only enhances pages; everything works without it.
HTMX_VERSION="2.0.11"
VENDOR="src/chengxin/web/static/vendor"
if [ ! -f "$VENDOR/htmx-$HTMX_VERSION.min.js" ] && command -v npm >/dev/null 2>&1; then
  TMP="$(mktemp -d)"
  if (cd "$TMP" && npm pack "htmx.org@$HTMX_VERSION" --silent >/dev/null 2>&1); then
    mkdir -p "$VENDOR"
    tar -xzf "$TMP"/htmx.org-*.tgz -C "$TMP" package/dist/htmx.min.js
    cp "$TMP/package/dist/htmx.min.js" "$VENDOR/htmx-$HTMX_VERSION.min.js"
    cp "$TMP/package/dist/htmx.min.js" "$VENDOR/htmx.min.js"
  else
    echo "warning: could not fetch htmx from npm; pages work without it" >&2
  fi
  rm -rf "$TMP"
fi
