#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the store tests and export EOFFICE_TEST_PG_URL.
#
#   source .ci/postgres.sh          # exports EOFFICE_TEST_PG_URL in the calling shell
#   eval "$(.ci/postgres.sh)"       # the same from a plain run (prints an export line)
#
# Idempotent: a second run finds the server it started and only prints the URL again.
# On a fresh Debian machine as root it installs the `postgresql` package with apt-get when no
# server binaries are present. The cluster lives in $EOFFICE_PG_DIR (default
# /tmp/eoffice-ci-pg), owned by the `postgres` user when run as root, listens on 127.0.0.1
# only (port $EOFFICE_PG_PORT, default 5432 or the next free one) and trusts local TCP logins:
# it is for tests, never for data. Stop it with: pg_ctl -D "$EOFFICE_PG_DIR/data" stop

_eoffice_pg_main() (
    set -euo pipefail
    dir="${EOFFICE_PG_DIR:-/tmp/eoffice-ci-pg}"
    data="$dir/data"
    log() { echo "postgres.sh: $*" >&2; }

    find_bin() {
        local found
        found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
        if [[ -n "$found" && -x "$found/pg_ctl" ]]; then echo "$found"; return 0; fi
        if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return 0; fi
        return 1
    }

    if ! bin=$(find_bin); then
        log "no PostgreSQL server binaries; installing the postgresql package"
        sudo=""
        if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update >&2
        $sudo apt-get install -y --no-install-recommends postgresql >&2
        bin=$(find_bin) || { log "postgresql installed but pg_ctl not found"; exit 1; }
    fi

    # Run server commands as `postgres` when we are root (initdb refuses to run as root).
    as_pg() {
        if [[ $(id -u) -eq 0 ]]; then
            runuser -u postgres -- "$@"
        else
            "$@"
        fi
    }

    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi

    if [[ ! -s "$data/PG_VERSION" ]]; then
        log "initialising a cluster in $data"
        as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
            --locale=C.UTF-8 >&2 || as_pg "$bin/initdb" -D "$data" -U postgres \
            --auth=trust --encoding=UTF8 --no-locale >&2
    fi

    port_file="$dir/port"
    if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        port=$(cat "$port_file")
        log "server already running on 127.0.0.1:$port"
    else
        port="${EOFFICE_PG_PORT:-5432}"
        port=$(python3 - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])
while True:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            break
        except OSError:
            port += 1
print(port)
PY
)
        echo "$port" >"$port_file"
        mkdir -p "$dir/sock"
        if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir/sock" "$port_file"; fi
        log "starting the server on 127.0.0.1:$port"
        as_pg "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c fsync=off -c max_connections=200 -c shared_buffers=512MB -c max_wal_size=4GB" \
            start >&2
    fi

    exists=$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'eoffice_test'")
    if [[ "$exists" != "1" ]]; then
        "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres eoffice_test >&2
        log "created database eoffice_test"
    fi
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/eoffice_test"
)

if _eoffice_pg_url=$(_eoffice_pg_main); then
    export EOFFICE_TEST_PG_URL="$_eoffice_pg_url"
    echo "export EOFFICE_TEST_PG_URL=$EOFFICE_TEST_PG_URL"
    unset _eoffice_pg_url
else
    echo "postgres.sh: could not start PostgreSQL" >&2
    unset _eoffice_pg_url
    # `return` when sourced, `exit` when run.
    return 1 2>/dev/null || exit 1
fi
