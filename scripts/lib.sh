# shellcheck shell=bash
# scripts/lib.sh - helpers shared by scripts/run and scripts/test. Source it; do not run it.
#
# The caller sets ROOT (the repository root) and cd's there first. Everything here
# works from the repository root and logs to stderr with a "[p2p]" prefix.
#
#   p2p_install_deps              apt-get install the Debian packages we need (skips if present)
#   p2p_install_packages PKG...   apt-get install those of PKG... that are missing
#   p2p_build DIR TYPE [ARGS...]  cmake configure + build into DIR
#   p2p_pg_start DATA PORT [test] start a local PostgreSQL 15 (initdb if DATA is missing),
#                                 create role/database p2p/pxyz_fx_p2p, export DATABASE_URL
#   p2p_pg_stop                   stop it (registered as cleanup by p2p_pg_start)
#   p2p_migrate DIR               run DIR/bin/p2p-migrate --dir migrations
#   p2p_jwt_secret                export JWT_SECRET (caller's, else .local/jwt-secret)
#   p2p_on_exit CMD...            run CMD at exit (last registered runs first)
#   p2p_trap_exit                 install the EXIT/INT/TERM traps that run the cleanups

P2P_PG_BIN=/usr/lib/postgresql/15/bin
P2P_DB_NAME=pxyz_fx_p2p
P2P_DB_USER=p2p
P2P_DB_PASSWORD=p2p

P2P_PACKAGES=(
    build-essential cmake pkg-config libwebsockets-dev libev-dev libczmq-dev libzmq3-dev libjwt-dev
    libjansson-dev libprotobuf-c-dev protobuf-c-compiler libcriterion-dev libpq-dev
    postgresql postgresql-contrib python3 python3-pytest python3-websockets curl
    ca-certificates clang libclang-rt-14-dev
    docker-compose python3-yaml chromium nodejs
    libcurl4-openssl-dev libssl-dev python3-aiosmtpd libwslay-dev
)

p2p_log () { printf '[p2p] %s\n' "$*" >&2; }
p2p_die () { printf '[p2p] error: %s\n' "$*" >&2; exit 1; }

# --------------------------------------------------------------------------
# Cleanup: one list of commands, run in reverse order once, on any exit.

P2P_CLEANUP=()
P2P_CLEANED=0

p2p_on_exit () { P2P_CLEANUP+=("$*"); }

p2p_cleanup () {
    local rc=$?
    # Run once even if a signal arrives while we are already cleaning up.
    [ "$P2P_CLEANED" = 1 ] && return "$rc"
    P2P_CLEANED=1
    trap '' INT TERM
    local i
    for (( i = ${#P2P_CLEANUP[@]} - 1; i >= 0; i-- )); do
        eval "${P2P_CLEANUP[$i]}" || true
    done
    return "$rc"
}

p2p_trap_exit () {
    trap p2p_cleanup EXIT
    # Turn signals into an ordinary exit so the EXIT trap cleans up.
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
}

# Runs a command as root: directly when we are root, else through sudo.
p2p_as_root () {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        p2p_die "need root for: $* (not root and no sudo)"
    fi
}

# Runs a command as the PostgreSQL user: initdb/postgres refuse to run as root.
p2p_as_pg () {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# --------------------------------------------------------------------------
# Install

# Prints those of the given packages that are not installed, one per line.
s_missing_packages () {
    local pkg
    for pkg in "$@"; do
        if [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null)" != "ii " ]; then
            echo "$pkg"
        fi
    done
}

# apt-get as root; waits (bounded) for another apt to release its lock instead of failing.
s_apt_get () {
    p2p_as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get -o DPkg::Lock::Timeout=300 "$@"
}

p2p_install_packages () {
    local missing=()
    mapfile -t missing < <(s_missing_packages "$@")
    if [ "${#missing[@]}" = 0 ]; then
        return 0
    fi
    p2p_log "installing missing packages: ${missing[*]}"
    s_apt_get update
    s_apt_get install -y --no-install-recommends "${missing[@]}"
}

p2p_install_deps () {
    local missing=()
    mapfile -t missing < <(s_missing_packages "${P2P_PACKAGES[@]}")
    # npm: NodeSource's nodejs (Node 20) bundles it and conflicts with Debian's npm
    # package; Debian's nodejs (18) needs the separate package.
    local extra=()
    if ! command -v npm >/dev/null 2>&1; then
        extra+=(npm)
        missing+=(npm)
    fi
    if [ "${#missing[@]}" = 0 ]; then
        return 0
    fi
    p2p_log "installing missing packages: ${missing[*]}"
    s_apt_get update
    # Install the whole list so versions stay consistent with each other.
    s_apt_get install -y --no-install-recommends "${P2P_PACKAGES[@]}" "${extra[@]}"
}

# --------------------------------------------------------------------------
# Build

p2p_build () {
    local build_dir=$1 build_type=$2
    shift 2
    p2p_log "building into $build_dir ($build_type $*)"
    cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" "$@"
    cmake --build "$build_dir" -j"$(nproc)"
}

# --------------------------------------------------------------------------
# PostgreSQL

P2P_PG_DATA=
P2P_PG_PORT_USED=

# psql as the superuser over the unix socket in the data directory.
p2p_pg_psql () {
    p2p_as_pg "$P2P_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$P2P_PG_DATA" -p "$P2P_PG_PORT_USED" -U postgres -d postgres "$@"
}

# Makes data dir usable by the postgres user; fails clearly if a parent blocks it.
s_pg_prepare_dir () {
    local data=$1
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then
        chown postgres:postgres "$data"
        chmod 700 "$data"
        if ! runuser -u postgres -- test -w "$data"; then
            p2p_die "the postgres user cannot reach $data (a parent directory is not" \
                "searchable by others); set DATABASE_URL to use another server instead"
        fi
    else
        chmod 700 "$data"
    fi
}

p2p_pg_start () {
    local data=$1 port=$2 mode=${3:-run}
    [ -x "$P2P_PG_BIN/initdb" ] || p2p_die "PostgreSQL 15 is not installed in $P2P_PG_BIN"
    P2P_PG_DATA=$data
    P2P_PG_PORT_USED=$port
    s_pg_prepare_dir "$data"

    if [ ! -s "$data/PG_VERSION" ]; then
        p2p_log "initdb $data"
        p2p_as_pg "$P2P_PG_BIN/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >/dev/null
        # Our settings live in one file we rewrite on every start (the port may change).
        echo "include_if_exists = 'p2p.conf'" | p2p_as_pg tee -a "$data/postgresql.conf" >/dev/null
    fi

    # Only 127.0.0.1, and the socket inside the data dir (no /var/run/postgresql needed).
    {
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $port"
        echo "unix_socket_directories = '$data'"
        echo "max_connections = 200"
        if [ "$mode" = test ]; then
            # A throwaway cluster: durability buys nothing, speed does.
            echo "fsync = off"
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
        fi
    } | p2p_as_pg tee "$data/p2p.conf" >/dev/null

    # A previous run killed with SIGKILL may have left the server running.
    if p2p_as_pg "$P2P_PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        p2p_log "stopping a PostgreSQL left running in $data"
        p2p_as_pg "$P2P_PG_BIN/pg_ctl" -D "$data" stop -m fast -w >/dev/null || true
    fi

    p2p_log "starting PostgreSQL on 127.0.0.1:$port (data $data)"
    p2p_on_exit p2p_pg_stop
    if ! p2p_as_pg "$P2P_PG_BIN/pg_ctl" -D "$data" -l "$data/postgres.log" -w -t 60 start >/dev/null; then
        tail -n 20 "$data/postgres.log" >&2 || true
        p2p_die "PostgreSQL did not start (port $port in use?); log: $data/postgres.log"
    fi
    local tries=0
    until "$P2P_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; do
        tries=$((tries + 1))
        [ "$tries" -lt 60 ] || p2p_die "PostgreSQL is not ready on port $port"
        sleep 0.5
    done

    # Idempotent: a kept data dir already has them.
    p2p_pg_psql -f - <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$P2P_DB_USER') THEN
        CREATE ROLE $P2P_DB_USER LOGIN PASSWORD '$P2P_DB_PASSWORD';
    ELSE
        ALTER ROLE $P2P_DB_USER LOGIN PASSWORD '$P2P_DB_PASSWORD';
    END IF;
END
\$\$;
SELECT 'CREATE DATABASE $P2P_DB_NAME OWNER $P2P_DB_USER'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$P2P_DB_NAME')
\gexec
SQL
    export DATABASE_URL="postgresql://$P2P_DB_USER:$P2P_DB_PASSWORD@127.0.0.1:$port/$P2P_DB_NAME"
    p2p_log "PostgreSQL ready: postgresql://$P2P_DB_USER:***@127.0.0.1:$port/$P2P_DB_NAME"
}

p2p_pg_stop () {
    [ -n "$P2P_PG_DATA" ] || return 0
    if [ -s "$P2P_PG_DATA/postmaster.pid" ]; then
        p2p_log "stopping PostgreSQL ($P2P_PG_DATA)"
        p2p_as_pg "$P2P_PG_BIN/pg_ctl" -D "$P2P_PG_DATA" stop -m fast -w >/dev/null 2>&1 || true
    fi
}

# --------------------------------------------------------------------------
# Migrations and secrets

p2p_migrate () {
    local build_dir=$1
    "$build_dir/bin/p2p-migrate" --dir migrations
}

# Exports JWT_SECRET: the caller's, else a dev secret generated once into .local/.
p2p_jwt_secret () {
    if [ -n "${JWT_SECRET:-}" ]; then
        export JWT_SECRET
        return 0
    fi
    local file="$ROOT/.local/jwt-secret"
    if [ ! -s "$file" ]; then
        mkdir -p "$ROOT/.local"
        (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$file")
        p2p_log "generated a dev JWT secret in $file"
    fi
    JWT_SECRET=$(cat "$file")
    export JWT_SECRET
}
