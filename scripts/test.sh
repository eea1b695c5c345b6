#!/usr/bin/env bash
# The whole test suite, twice: once on SQLite and once on PostgreSQL.
#   ./chengxin test [pytest args...]     (this script; extra args go to pytest)
#
# On a fresh Debian machine it sets everything up by itself:
#   - .venv from uv.lock with the test tools (scripts/bootstrap.sh --dev);
#   - Debian's Chromium for the browser tests (Playwright never downloads one);
#   - PostgreSQL binaries, then a PRIVATE throwaway cluster in a temporary
#     directory, on 127.0.0.1 and a free port, removed again on exit.
# Installing system packages needs root (or password-less sudo). Without it a
# missing piece is skipped with a loud warning; under CI=true it is a failure.
#
# Environment knobs:
#   CHENGXIN_TEST_DATABASES="sqlite postgres"   which passes to run (default both)
#   CHENGXIN_TEST_PG_PORT=55432                 preferred port for the cluster
set -euo pipefail
cd "$(dirname "$0")/.."

START=$SECONDS
IS_CI=0
case "${CI:-}" in true|TRUE|True|1|yes) IS_CI=1 ;; esac
DATABASES_TO_RUN="${CHENGXIN_TEST_DATABASES:-sqlite postgres}"
export DEBIAN_FRONTEND=noninteractive

say()  { printf '==> %s\n' "$*"; }
warn() {
  printf '\n' >&2
  printf '!!! ============================================================\n' >&2
  printf '!!! WARNING: %s\n' "$@" >&2
  printf '!!! ============================================================\n\n' >&2
}
MISSING=()   # pieces we could not provide (a failure under CI)

# --- root / sudo for system packages --------------------------------------
SUDO=()
CAN_INSTALL=0
if [ "$(id -u)" = 0 ]; then
  CAN_INSTALL=1
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
  CAN_INSTALL=1
fi

# apt/dpkg may be busy (another installer on the machine): wait and retry.
apt_retry() {
  local i log rc=1
  log="$(mktemp)"
  for i in $(seq 1 40); do
    if "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
        -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 "$@" >"$log" 2>&1; then
      rc=0; break
    fi
    if grep -qiE 'could not get lock|unable to lock|is another process using it|Resource temporarily unavailable' "$log"; then
      say "apt is busy (another install is running); retrying in 10s ($i/40)"
      sleep 10
      continue
    fi
    break
  done
  if [ "$rc" != 0 ]; then cat "$log" >&2; fi
  rm -f "$log"
  return "$rc"
}
APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then
    say "apt-get update"
    apt_retry update || return 1
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  apt_retry install --no-install-recommends "$@"
}

# --- (a) Python environment -------------------------------------------------
say "bootstrap .venv (dev)"
bash scripts/bootstrap.sh --dev
PY=.venv/bin/python

# Translations: .mo files are build products (not in git); compile them so the
# suite sees the same UI as `chengxin serve`. Cheap when nothing changed.
DJANGO_SETTINGS_MODULE=chengxin.settings "$PY" -c \
  'import django; django.setup(); from chengxin.core.build import compile_messages; compile_messages()'

# --- (b) Chromium for the browser tests ------------------------------------
# Plus a small CJK font, so Chinese text is laid out with real glyph widths.
BROWSER_PKGS=()
if [ ! -x /usr/bin/chromium ]; then BROWSER_PKGS+=(chromium chromium-driver); fi
if ! { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; }; then
  BROWSER_PKGS+=(fonts-wqy-microhei)
fi
if [ "${#BROWSER_PKGS[@]}" -gt 0 ] && [ "$CAN_INSTALL" = 1 ]; then
  apt_install "${BROWSER_PKGS[@]}" || warn "installing ${BROWSER_PKGS[*]} failed"
fi
if [ ! -x /usr/bin/chromium ]; then
  warn "/usr/bin/chromium is missing: the browser tests will be SKIPPED." \
       "Install it with: sudo apt-get install chromium chromium-driver"
  MISSING+=("chromium")
fi

# --- (c) PostgreSQL binaries --------------------------------------------------
find_pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -V -r); do
    if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
      echo "$d"; return 0
    fi
  done
  return 1
}
PG_BIN=""
case " $DATABASES_TO_RUN " in
  *" postgres "*)
    PG_BIN="$(find_pg_bin || true)"
    if [ -z "$PG_BIN" ] && [ "$CAN_INSTALL" = 1 ]; then
      apt_install postgresql || warn "installing PostgreSQL failed"
      PG_BIN="$(find_pg_bin || true)"
    fi
    if [ -z "$PG_BIN" ]; then
      warn "PostgreSQL (pg_ctl under /usr/lib/postgresql/*/bin) is missing: the PostgreSQL pass will be SKIPPED." \
           "Install it with: sudo apt-get install postgresql"
      MISSING+=("postgresql")
    fi
    ;;
esac

# --- the private throwaway cluster -------------------------------------------
PG_DIR=""
PG_RUNNING=0
as_pg() {  # root cannot run initdb/postgres: use the postgres user
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  local rc=$?
  if [ "$PG_RUNNING" = 1 ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    PG_RUNNING=0
  fi
  if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then rm -rf "$PG_DIR"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "$PY" - "${CHENGXIN_TEST_PG_PORT:-55432}" <<'EOF'
import socket, sys
def free(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return s.getsockname()[1]
    except OSError:
        return None
    finally:
        s.close()
print(free(int(sys.argv[1])) or free(0))
EOF
}

start_postgres() {
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    warn "there is no 'postgres' system user to run the private cluster as"
    return 1
  fi
  PG_DIR="$(mktemp -d /tmp/chengxin-pg.XXXXXX)" || return 1
  chmod 700 "$PG_DIR" || return 1
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DIR" || return 1; fi
  PG_PORT="$(free_port)" || return 1
  say "private PostgreSQL cluster ($("$PG_BIN/postgres" --version | awk '{print $3}')) in $PG_DIR on 127.0.0.1:$PG_PORT"
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  # Only loopback, trust auth, and no durability: it is thrown away afterwards.
  cat >"$PG_DIR/hba.conf" <<'EOF'
local all all              trust
host  all all 127.0.0.1/32 trust
EOF
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DIR/hba.conf" || return 1; fi
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 -o \
    "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c hba_file=$PG_DIR/hba.conf -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
    start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
  PG_RUNNING=1
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
    -c "CREATE ROLE chengxin LOGIN CREATEDB" \
    -c "CREATE DATABASE chengxin OWNER chengxin" >/dev/null
}

# --- (d)/(e) the passes -------------------------------------------------------
declare -A RESULT
declare -A TIMING
FAILED=0

run_pass() {  # name, then env assignments
  local name="$1"; shift
  local t0=$SECONDS rc=0
  say "pytest on $name"
  env "$@" .venv/bin/pytest -q "${PYTEST_ARGS[@]}" || rc=$?
  TIMING[$name]=$((SECONDS - t0))
  case "$rc" in
    0) RESULT[$name]="passed" ;;
    5) RESULT[$name]="FAILED (no tests were collected)"; FAILED=1 ;;
    *) RESULT[$name]="FAILED (pytest exit code $rc)"; FAILED=1 ;;
  esac
}

PYTEST_ARGS=("$@")
for db in $DATABASES_TO_RUN; do
  case "$db" in
    sqlite)  # never let a developer's DATABASE_URL leak into the SQLite pass
      run_pass SQLite -u DATABASE_URL
      ;;
    postgres)
      if [ -z "$PG_BIN" ]; then
        RESULT[PostgreSQL]="SKIPPED (PostgreSQL is not installed)"; TIMING[PostgreSQL]=0
      elif ! start_postgres; then
        RESULT[PostgreSQL]="FAILED (could not start the private cluster)"; TIMING[PostgreSQL]=0; FAILED=1
      else
        run_pass PostgreSQL "DATABASE_URL=postgres://chengxin@127.0.0.1:$PG_PORT/chengxin"
      fi
      ;;
    *) warn "unknown database '$db' in CHENGXIN_TEST_DATABASES (use sqlite, postgres)"; FAILED=1 ;;
  esac
done

# --- (f) summary ----------------------------------------------------------------
echo
echo "================================ test summary ================================"
for name in SQLite PostgreSQL; do
  if [ -n "${RESULT[$name]:-}" ]; then
    printf '  %-11s %s (%ss)\n' "$name:" "${RESULT[$name]}" "${TIMING[$name]}"
  fi
done
if [ "${#MISSING[@]}" -gt 0 ]; then
  printf '  %-11s %s\n' "missing:" "${MISSING[*]} (tests needing them were skipped)"
  if [ "$IS_CI" = 1 ]; then
    echo "  CI=true: missing pieces are a failure"
    FAILED=1
  fi
fi
printf '  %-11s %ss\n' "total:" "$((SECONDS - START))"
echo "==============================================================================="
exit "$FAILED"
