#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the engine tests and print its connection URL.
#
#   export KPI_POSTGRES_URL="$(bash scripts/start-postgres.sh)"   # start (or reuse) and export
#   bash scripts/start-postgres.sh --stop                          # stop it and delete its files
#
# - Installs Debian's `postgresql` package with apt-get when no server binaries are found (needs root
#   or password-less sudo); otherwise uses what is installed (/usr/lib/postgresql/<version>/bin).
# - The cluster lives in a temporary directory ($KPI_PG_DIR, default $TMPDIR/kpi-workbook-postgres-<uid>),
#   listens on 127.0.0.1 only, on a free port, with trust authentication for the user `kpi` and a
#   database `kpi`. PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` user
#   (created by the Debian package; created here with useradd if absent).
# - Idempotent: when the cluster is already running, the same URL is printed again.
# Only the URL goes to stdout; progress goes to stderr. Exit status is non-zero when it cannot start.
set -euo pipefail

STATE_DIR="${KPI_PG_DIR:-${TMPDIR:-/tmp}/kpi-workbook-postgres-$(id -u)}"
DATA="$STATE_DIR/data"
LOG="$STATE_DIR/server.log"
URL_FILE="$STATE_DIR/url"
log() { echo "start-postgres: $*" >&2; }

find_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
    done
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"; return 0
    fi
    return 1
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
    else return 1
    fi
}

BIN="$(find_bin || true)"
if [ -z "$BIN" ] && [ "${1:-}" != "--stop" ]; then
    log "no PostgreSQL server binaries found: installing Debian's postgresql with apt-get"
    if ! command -v apt-get >/dev/null 2>&1; then log "apt-get not available"; exit 1; fi
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq >&2 || { log "apt-get update failed (need root or sudo)"; exit 1; }
    as_root apt-get install -y -qq postgresql >&2 || { log "apt-get install postgresql failed"; exit 1; }
    BIN="$(find_bin || true)"
    [ -n "$BIN" ] || { log "postgresql installed but pg_ctl/initdb not found"; exit 1; }
fi

# Who runs the server: ourselves, or (as root) the unprivileged `postgres` user.
RUN=()
OWNER="$(id -un)"
if [ "$(id -u)" = 0 ]; then
    OWNER=postgres
    if ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir "$STATE_DIR" --shell /bin/sh postgres
    fi
    RUN=(runuser -u postgres --)
fi
run() { "${RUN[@]}" "$@"; }

if [ "${1:-}" = "--stop" ]; then
    if [ -n "$BIN" ] && [ -f "$DATA/postmaster.pid" ]; then
        run "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
    fi
    rm -rf "$STATE_DIR"
    log "stopped and removed $STATE_DIR"
    exit 0
fi

if [ -f "$URL_FILE" ] && [ -f "$DATA/postmaster.pid" ] && run "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    cat "$URL_FILE"   # already running: same URL
    exit 0
fi

free_port() {
    local py
    py="$(command -v python3 || command -v python || true)"
    if [ -n "$py" ]; then
        "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        local p
        for p in $(seq 54320 54420); do
            (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
        done
    fi
}

mkdir -p "$STATE_DIR"
chmod 755 "$STATE_DIR"
if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    mkdir -p "$DATA"
    chown "$OWNER" "$DATA" "$STATE_DIR"
    chmod 700 "$DATA"
    log "initdb in $DATA (as $OWNER)"
    run "$BIN/initdb" -D "$DATA" -U kpi --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$STATE_DIR/initdb.log" 2>&1 \
        || run "$BIN/initdb" -D "$DATA" -U kpi --auth=trust --encoding=UTF8 --no-locale >"$STATE_DIR/initdb.log" 2>&1 \
        || { log "initdb failed:"; cat "$STATE_DIR/initdb.log" >&2; exit 1; }
fi
chown "$OWNER" "$STATE_DIR"
touch "$LOG" && chown "$OWNER" "$LOG"

PORT="$(free_port)"
log "starting on 127.0.0.1:$PORT"
if ! run "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$STATE_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >&2; then
    log "the server did not start; its log:"; tail -n 30 "$LOG" >&2 || true
    exit 1
fi
if ! run "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U kpi -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'kpi'" | grep -q 1; then
    run "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U kpi kpi
fi
URL="postgres://kpi@127.0.0.1:$PORT/kpi"
echo "$URL" > "$URL_FILE"
chmod 644 "$URL_FILE"
log "ready: $URL"
echo "$URL"
