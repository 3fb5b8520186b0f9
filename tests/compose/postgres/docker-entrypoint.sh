#!/usr/bin/env bash
# docker-entrypoint.sh - the official postgres image's start-up contract, in short:
# on the first start (no PG_VERSION in PGDATA) initdb as UTF-8 with POSTGRES_USER as
# the superuser and POSTGRES_PASSWORD as its password, create POSTGRES_DB, run
# /docker-entrypoint-initdb.d/*.sql and *.sh on a server that listens on no TCP port
# (so nobody connects to a half-initialised database), then run postgres as PID 1's
# child-free replacement (exec) with TCP on every interface.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi

# Anything else (bash, psql, ...) runs as asked.
if [ "$1" != postgres ]; then
    exec "$@"
fi

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
export PGDATA POSTGRES_USER POSTGRES_DB

s_log () { printf '%s [entrypoint] %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }

# As root: own the data directory, then start again as postgres.
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
        s_log "error: the database is uninitialized and POSTGRES_PASSWORD is not set" \
            "(set it, or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection)"
        exit 1
    fi
    s_log "initdb $PGDATA (UTF-8, superuser $POSTGRES_USER)"
    pwfile=$(mktemp)
    printf '%s\n' "${POSTGRES_PASSWORD:-}" > "$pwfile"
    # POSTGRES_INITDB_ARGS is a word list, as in the official image.
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host="$auth" \
        ${POSTGRES_INITDB_ARGS:-} >/dev/null
    rm -f "$pwfile"
    printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
    printf 'host all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"

    # Unix socket only while we set up.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    export PGUSER="$POSTGRES_USER" PGPASSWORD="${POSTGRES_PASSWORD:-}"
    if [ "$POSTGRES_DB" != postgres ]; then
        # On stdin, because psql does not interpolate variables in -c.
        echo 'CREATE DATABASE :"db"' |
            psql -X -q -v ON_ERROR_STOP=1 -d postgres --set db="$POSTGRES_DB" >/dev/null
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sql) s_log "running $f"; psql -X -q -v ON_ERROR_STOP=1 -d "$POSTGRES_DB" -f "$f" ;;
            *.sh) s_log "running $f"; . "$f" ;;
            *) if [ -e "$f" ]; then s_log "ignoring $f"; fi ;;
        esac
    done
    unset PGPASSWORD
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    s_log "initialised; starting"
fi

exec "$@"
