#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 and a free port, for tests.
#   source scripts/postgres-cluster.sh   -> exports DATABASE_URL and CASEKIT_PG_DIR
#   casekit_pg_stop                      -> stops it and removes its directory
# Uses the installed server binaries (installs Debian's postgresql if none), and runs
# them as the `postgres` user when called as root (initdb refuses root).

casekit_pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && echo "$d"
    done | sort -V | tail -n 1
}

casekit_pg_start() {
    local bin
    bin=$(casekit_pg_bin)
    if [ -z "$bin" ]; then
        echo "no PostgreSQL server binaries: installing Debian's postgresql" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bin=$(casekit_pg_bin)
    fi
    [ -n "$bin" ] || { echo "PostgreSQL server binaries not found" >&2; return 1; }
    CASEKIT_PG_DIR=$(mktemp -d /tmp/casekit-pg.XXXXXX)
    local as=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$CASEKIT_PG_DIR"
        as=(runuser -u postgres --)
    fi
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${as[@]}" "$bin/initdb" -A trust -U postgres -E UTF8 -D "$CASEKIT_PG_DIR/data" >"$CASEKIT_PG_DIR/initdb.log" 2>&1 ||
        { cat "$CASEKIT_PG_DIR/initdb.log" >&2; return 1; }
    "${as[@]}" "$bin/pg_ctl" -D "$CASEKIT_PG_DIR/data" -l "$CASEKIT_PG_DIR/server.log" -w \
        -o "-p $port -k $CASEKIT_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null ||
        { cat "$CASEKIT_PG_DIR/server.log" >&2; return 1; }
    CASEKIT_PG_CTL=("${as[@]}" "$bin/pg_ctl")
    export CASEKIT_PG_DIR
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "throwaway PostgreSQL cluster at 127.0.0.1:$port ($CASEKIT_PG_DIR)"
}

casekit_pg_stop() {
    if [ -n "${CASEKIT_PG_DIR:-}" ] && [ -d "$CASEKIT_PG_DIR/data" ]; then
        "${CASEKIT_PG_CTL[@]}" -D "$CASEKIT_PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
        rm -rf "$CASEKIT_PG_DIR"
    fi
}
