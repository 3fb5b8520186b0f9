"""The database as the processes meet it (issue 17): p2p-migrate waits for a database that
is not up yet (bounded, with backoff) but gives up at once on one that answers and refuses;
p2p-migrate and the workers refuse a database whose encoding is not UTF-8; a constraint
violation that slips past validation is a 400 naming the field, never a 500.

Each test uses a PostgreSQL cluster of this module's own (h.PgCluster), so it can be
stopped, started, and given databases and constraints the shared one must not have.
"""

import json
import os
import socket
import subprocess
import time

import pytest

import p2p_harness as h

PROFILE = "/api/p2p/profile"
CREATE = "/api/p2p/profile/create"


@pytest.fixture(scope="module")
def pg():
    cluster = h.PgCluster()
    try:
        yield cluster.init()
    finally:
        cluster.destroy()


@pytest.fixture(scope="module")
def ascii_db(pg):
    """A database of the module's cluster whose encoding is SQL_ASCII (the default of a
    cluster initialised under the C locale)."""
    pg.psql_super("CREATE DATABASE ascii_db OWNER p2p ENCODING 'SQL_ASCII' "
                  "LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
    return pg.url_of("ascii_db")


class Migrate:
    """p2p-migrate as a child process, its stderr in a file we can poll."""

    def __init__(self, url, *args, env=None, log_dir):
        self.log_path = os.path.join(log_dir, f"migrate-{time.monotonic_ns()}.log")
        self._log = open(self.log_path, "wb")
        full_env = {k: v for k, v in os.environ.items() if k != "P2P_MIGRATE_WAIT_S"}
        full_env.update(env or {})
        full_env["DATABASE_URL"] = url
        self.started = time.monotonic()
        self.popen = subprocess.Popen([h.bin_path(h.MIGRATE_BIN), "--dir", h.migrations_dir(),
                                       *args], env=full_env, stdin=subprocess.DEVNULL,
                                      stdout=self._log, stderr=self._log)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait(self, timeout):
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise AssertionError(f"p2p-migrate still running after {timeout}s:\n{self.log()}")
        finally:
            self._log.close()
        return code, time.monotonic() - self.started, self.log()


def run_migrate(url, *args, env=None, timeout=30, log_dir):
    return Migrate(url, *args, env=env, log_dir=log_dir).wait(timeout)


# ------------------------------------------------------------------ p2p-migrate waits

def test_migrate_waits_for_a_database_that_starts_later(pg, tmp_path):
    """PostgreSQL is down when p2p-migrate starts: it logs that it waits, retries, and
    migrates (exit 0) once the server is up, without being restarted."""
    pg.stop()
    try:
        m = Migrate(pg.url, "--wait", "60", log_dir=str(tmp_path))
        h.wait_until(lambda: len(h.log_events(m.log(), "migrate.db_waiting")) >= 2, 20,
                     what="two migrate.db_waiting lines")
        assert m.popen.poll() is None, m.log()
    finally:
        pg.start()
    code, _, log = m.wait(30)
    assert code == 0, log
    waits = h.log_events(log, "migrate.db_waiting")
    # Backoff: the pauses grow.
    pauses = [w["retry_in_ms"] for w in waits]
    assert pauses[1] > pauses[0], pauses
    done = h.log_events(log, "migrate.done")
    assert done and done[-1]["result"] == "ok", log
    assert "p2p:p2p@" not in log, "the password was logged"


def test_migrate_gives_up_after_the_wait(tmp_path):
    """Nothing ever listens: p2p-migrate gives up after --wait seconds (not at the first
    refusal, not forever) and says why."""
    url = f"postgresql://p2p:p2p@127.0.0.1:{h.free_port()}/pxyz_fx_p2p"
    code, elapsed, log = run_migrate(url, "--wait", "3", log_dir=str(tmp_path))
    assert code == 1, log
    assert 2.5 <= elapsed < 15, (elapsed, log)
    assert len(h.log_events(log, "migrate.db_waiting")) >= 3, log
    failed = h.log_events(log, "migrate.connect_failed")
    assert failed and failed[0]["wait_s"] == 3, log
    assert "did not answer" in failed[0]["reason"], failed


def test_migrate_wait_comes_from_the_environment(tmp_path):
    """P2P_MIGRATE_WAIT_S=0: a single attempt, no waiting."""
    url = f"postgresql://p2p:p2p@127.0.0.1:{h.free_port()}/pxyz_fx_p2p"
    code, elapsed, log = run_migrate(url, env={"P2P_MIGRATE_WAIT_S": "0"},
                                     log_dir=str(tmp_path))
    assert code == 1, log
    assert elapsed < 5, elapsed
    assert not h.log_events(log, "migrate.db_waiting"), log
    assert h.log_events(log, "migrate.connect_failed")[0]["attempts"] == 1


@pytest.mark.parametrize("args,env", [(("--wait", "soon"), None), (("--wait", "-1"), None),
                                       ((), {"P2P_MIGRATE_WAIT_S": "1e3"})])
def test_migrate_refuses_a_bad_wait(args, env, tmp_path):
    code, _, log = run_migrate("postgresql://p2p:p2p@127.0.0.1:1/x", *args, env=env,
                               log_dir=str(tmp_path))
    assert code == 2, log
    assert "wait" in log.lower() or "WAIT" in log, log


def test_migrate_does_not_wait_for_a_server_that_refuses(pg, tmp_path):
    """A wrong password is not going to get better: one attempt, exit 1 at once."""
    code, elapsed, log = run_migrate(pg.url_of("pxyz_fx_p2p", password="wrong"), "--wait", "60",
                                     log_dir=str(tmp_path))
    assert code == 1, log
    assert elapsed < 5, (elapsed, log)
    assert not h.log_events(log, "migrate.db_waiting"), log
    failed = h.log_events(log, "migrate.connect_failed")
    assert failed and "refused" in failed[0]["reason"], log
    assert "wrong" not in log, "the password was logged"


# ------------------------------------------------------------------ UTF-8 only

def test_migrate_refuses_a_database_that_is_not_utf8(pg, ascii_db, tmp_path):
    code, _, log = run_migrate(ascii_db, "--wait", "0", log_dir=str(tmp_path))
    assert code == 1, log
    refused = h.log_events(log, "migrate.encoding_refused")
    assert refused and refused[0]["encoding"] == "SQL_ASCII", log
    assert "UTF8" in refused[0]["error"], refused
    # Nothing was created in it.
    tables = pg.psql_super("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                           database="ascii_db")
    assert tables.strip() == "0", tables


@pytest.mark.parametrize("binary,service", [(h.PROFILE_SVC_BIN, "profile_svc"),
                                             (h.ADMIN_SVC_BIN, "admin_svc")])
def test_workers_refuse_a_database_that_is_not_utf8(ascii_db, binary, service, tmp_path):
    """A worker whose database is reachable but not UTF-8 exits 1 at start with an error
    naming the encoding, instead of serving requests it would get wrong."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("P2P_")}
    env.update(h.SANITIZER_ENV)
    env.update({"DATABASE_URL": ascii_db, "LOG_LEVEL": "info",
                "P2P_GATEWAY_ENDPOINTS": f"tcp://127.0.0.1:{h.free_port()}",
                "P2P_ADMIN_API_BIND": f"tcp://127.0.0.1:{h.free_port()}"})
    proc = h.Proc(f"refuse-{service}", [h.bin_path(binary)], env, str(tmp_path))
    try:
        code = proc.popen.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.stop()
        raise AssertionError(f"{binary} kept running on a SQL_ASCII database:\n"
                             f"{proc.log_tail()}")
    finally:
        proc.stop()
    log = proc.log_text()
    assert code == 1, log
    states = [e for e in h.log_events(log, "db.state") if e.get("to") == "refused"]
    assert states and "SQL_ASCII" in states[0]["reason"], log
    assert states[0]["level"] == "error"
    failed = h.log_events(log, f"{service}.start_failed")
    assert failed and "not UTF8" in failed[0]["error"], log
    assert not proc.sanitizer_reports(), proc.sanitizer_reports()


# ------------------------------------------------------------------ constraints -> 400

@pytest.fixture(scope="module")
def strict_db(pg):
    """A migrated database with constraints the service's validation does not know:
    a rule on auto_reply_message, a rule across two fields, and a case-insensitive
    unique email (an expression index, like the username's)."""
    pg.psql_super("CREATE DATABASE strict_db OWNER p2p")
    url = pg.url_of("strict_db")
    pg.migrate(url)
    for sql in (
            "ALTER TABLE p2p_profiles ADD CONSTRAINT it_auto_reply_polite "
            "CHECK (auto_reply_message NOT LIKE '%rude%')",
            "ALTER TABLE p2p_profiles ADD CONSTRAINT it_phone_needs_currency "
            "CHECK (phone_number IS NULL OR phone_number = '' OR preferred_currency IS NOT NULL)",
            "CREATE UNIQUE INDEX it_email_lower_uniq ON p2p_profiles (lower(email))"):
        pg.psql_super(sql, database="strict_db")
    return url


def strict_row(pg, user_id):
    out = pg.psql_super("SELECT row_to_json(p) FROM p2p_profiles p WHERE user_id = "
                        + h.sql_literal(user_id), database="strict_db").strip()
    row = json.loads(out) if out else None
    if row:
        row.pop("last_active_at", None)
    return row


def test_constraint_violations_are_400_naming_the_field(make_stack, pg, strict_db):
    s = make_stack("db-strict", workers=1, env={"DATABASE_URL": strict_db})
    alice = h.create_user(s, email="Alice@example.com")
    before = strict_row(pg, alice.user_id)

    # A CHECK the validator does not know (REST PUT).
    r = alice.put(PROFILE, {"auto_reply_message": "be rude"})
    h.assert_error(r, 400, field="auto_reply_message")
    assert r.json["code"] == "INVALID_REQUEST", r
    # A CHECK across two fields names both.
    r = alice.put(PROFILE, {"phone_number": "+15551234567"})
    h.assert_error(r, 400, field="phone_number")
    assert "preferred_currency" in r.json["error"], r
    assert strict_row(pg, alice.user_id) == before, "a refused update changed the row"

    # A unique expression index on create: another user, the same email in other case.
    bob = h.User(s)
    r = bob.post(CREATE, {"has_consent": True, "email": "alice@EXAMPLE.com"})
    h.assert_error(r, 400, field="email")
    assert strict_row(pg, bob.user_id) is None

    # The same over the WebSocket.
    async def ws():
        async with await h.ws_session(s, alice.user_id) as sess:
            return await sess.call("profile.update", {"auto_reply_message": "rude"})
    msg = h.run(ws())
    h.assert_ws_error(msg, "profile.update", field="auto_reply_message")

    # The mapped unique violations keep their own 409s.
    carol = h.create_user(s)
    r = h.User(s).post(CREATE, {"has_consent": True, "username": carol.profile["username"].upper()})
    assert r.status == 409 and r.json["code"] == "USERNAME_TAKEN", r
    # Nothing of this was a 5xx in the worker's log either.
    served = [e for w in s.workers for e in h.log_events(w.log_text(), "request.served")]
    assert served and not [e for e in served if e["status"] >= 500], served


# ------------------------------------------------------------------ p2p-migrate applies (issue 18)

def fresh_database(pg, name):
    """A new empty database of the module's cluster, owned by p2p; its URL."""
    pg.psql_super(f"CREATE DATABASE {name} OWNER p2p")
    return pg.url_of(name)


def schema_of(url):
    """The whole schema as pg_dump prints it, and schema_migrations' rows."""
    done = subprocess.run([f"{h.PG_BIN}/pg_dump", "--schema-only", "--no-owner", url],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = subprocess.run(["psql", url, "-X", "-A", "-t", "-c",
                           "SELECT version, name, applied_at FROM schema_migrations "
                           "ORDER BY version"], capture_output=True, text=True, timeout=30)
    assert rows.returncode == 0, rows.stderr
    # \restrict / \unrestrict carry a random key per dump
    schema = "\n".join(line for line in done.stdout.splitlines()
                       if not line.startswith(("\\restrict", "\\unrestrict")))
    return schema, rows.stdout


def migrations_in(url):
    done = subprocess.run(["psql", url, "-X", "-A", "-t", "-c",
                           "SELECT version FROM schema_migrations ORDER BY version"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_migrate_twice_changes_nothing_the_second_time(pg, tmp_path):
    """The second run applies nothing ("applied": 0), and the schema and
    schema_migrations (applied_at included) are exactly as the first run left them."""
    url = fresh_database(pg, "twice_db")
    code, _, log = run_migrate(url, log_dir=str(tmp_path))
    assert code == 0, log
    files = sorted(f for f in os.listdir(h.migrations_dir()) if f.endswith(".sql"))
    assert h.log_events(log, "migrate.done")[-1]["applied"] == len(files), log
    before = schema_of(url)
    code, _, log = run_migrate(url, log_dir=str(tmp_path))
    assert code == 0, log
    done = h.log_events(log, "migrate.done")[-1]
    assert done["applied"] == 0 and done["skipped"] == len(files), done
    assert schema_of(url) == before, "the second run changed the schema or its records"


def test_a_failing_migration_is_rolled_back_whole(pg, tmp_path):
    """002 creates a table and then fails: nothing of 002 stays (no table, no record),
    001 stays applied, and once 002 is fixed the next run applies it alone."""
    url = fresh_database(pg, "rollback_db")
    mig = tmp_path / "migrations"
    mig.mkdir()
    (mig / "001_first.sql").write_text("CREATE TABLE first_t (id int);\n")
    (mig / "002_broken.sql").write_text(
        "CREATE TABLE broken_t (id int);\nINSERT INTO first_t VALUES (1);\nSELECT 1/0;\n")
    code, _, log = run_migrate(url, "--dir", str(mig), log_dir=str(tmp_path))
    assert code == 1, log
    assert h.log_events(log, "migration.failed"), log
    assert migrations_in(url) == ["001"]
    tables = pg.psql_super("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                           "WHERE schemaname = 'public'", database="rollback_db").strip()
    assert tables == "first_t,schema_migrations", tables
    assert pg.psql_super("SELECT count(*) FROM first_t", database="rollback_db").strip() == "0"
    (mig / "002_broken.sql").write_text("CREATE TABLE broken_t (id int);\n")
    code, _, log = run_migrate(url, "--dir", str(mig), log_dir=str(tmp_path))
    assert code == 0, log
    assert h.log_events(log, "migrate.done")[-1]["applied"] == 1, log
    assert migrations_in(url) == ["001", "002"]


def test_concurrent_migrations_apply_each_file_once(pg, tmp_path):
    """Four p2p-migrate runs start together on an empty database whose first file is
    slow: the advisory lock lets one apply everything while the others wait, then find
    nothing to do. All exit 0 and each file is applied exactly once."""
    url = fresh_database(pg, "concurrent_db")
    mig = tmp_path / "migrations"
    mig.mkdir()
    (mig / "001_slow.sql").write_text("SELECT pg_sleep(1.5);\nCREATE TABLE slow_t (id int);\n")
    (mig / "002_next.sql").write_text("CREATE TABLE next_t (id int);\n")
    runs = [Migrate(url, "--dir", str(mig), log_dir=str(tmp_path)) for _ in range(4)]
    results = [m.wait(60) for m in runs]
    for code, _, log in results:
        assert code == 0, log
    applied = [h.log_events(log, "migrate.done")[-1]["applied"] for _, _, log in results]
    assert sorted(applied) == [0, 0, 0, 2], applied
    assert migrations_in(url) == ["001", "002"]


# ------------------------------------------------------------------ a resolver that hangs

SILENT_DNS = "127.0.53.53"  # a loopback address of its own: nothing else listens there


@pytest.fixture
def silent_resolver(tmp_path):
    """A DNS server that reads queries and never answers (a container's resolver while the
    database container goes away), and a resolv.conf that points at it. Yields the file;
    processes see it through run_with_resolver."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((SILENT_DNS, 53))  # port 53: the tests run as root (scripts/test)
    except OSError as e:
        sock.close()
        raise AssertionError(f"cannot bind {SILENT_DNS}:53 for the silent resolver: {e} "
                             f"(this test needs root, as scripts/test runs it)") from None
    conf = tmp_path / "resolv.conf"
    conf.write_text(f"nameserver {SILENT_DNS}\noptions timeout:5 attempts:2\n")
    try:
        yield str(conf)
    finally:
        sock.close()


def run_with_resolver(conf, argv):
    """argv in a mount namespace of its own whose /etc/resolv.conf is conf."""
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            'mount --bind "$0" /etc/resolv.conf && exec "$@"', conf] + argv


def test_a_worker_whose_database_name_never_resolves_still_answers_and_stops(silent_resolver):
    """The database's host name gets no answer from the resolver. glibc would wait 10 s per
    lookup (timeout:5 attempts:2), and libpq's connect_timeout does not bound a lookup: a
    worker that waited that long joined late, answered nothing, and outlasted the 10 s a
    container gets between SIGTERM and SIGKILL. The worker bounds the lookup by the connect
    timeout: it starts at once, answers 503 within the gateway's deadline, and exits 0
    within a few seconds of SIGTERM while the lookup still hangs."""
    url = os.environ["DATABASE_URL"]
    assert "@127.0.0.1:" in url, url
    unresolvable = url.replace("@127.0.0.1:", "@db.p2p-test.invalid:")
    stack = h.Stack("silent-dns", workers=0, admin_workers=0, trade_workers=0,
                    env={"P2P_REQUEST_TIMEOUT_MS": "8000"})
    try:
        env = stack.env()
        env.update({"DATABASE_URL": unresolvable, "PGCONNECT_TIMEOUT": "2",
                    "P2P_TRADE_API_BIND": f"tcp://127.0.0.1:{h.free_port()}"})
        proc = h.Proc(stack._next_name("trade-svc"),
                      run_with_resolver(silent_resolver, [stack.trade_bin]), env, stack.log_dir)
        stack.trade_workers.append(proc)
        started = time.monotonic()
        h.wait_until(lambda: h.log_events(proc, "worker.started"), 6,
                     what="trade-svc logged worker.started")
        assert h.log_events(proc, "trade_svc.db_not_ready"), proc.log_tail()
        assert time.monotonic() - started < 5, proc.log_tail()
        failed = h.log_events(proc, "db.state", to="failed")
        assert failed and "db.p2p-test.invalid" in failed[0]["reason"], proc.log_tail()

        h.wait_until(lambda: h.log_events(stack.gateway, "worker.joined", kind="trade"), 5,
                     what="the trade worker joined the gateway")
        # it keeps heartbeating (saying its database is down) while its lookups hang, so the
        # gateway answers 503 at once instead of waiting on it
        token = stack.token(h.new_user_id())
        until = time.monotonic() + 5
        while time.monotonic() < until:
            asked = time.monotonic()
            r = h.http_request(stack, "GET", "/api/p2p/wallet", token=token, timeout=10)
            assert r.status == 503, (r.status, r.body)
            assert time.monotonic() - asked < 1, r
            time.sleep(0.5)
        gateway_log = stack.gateway.log_text()
        assert not h.log_events(gateway_log, "worker.expired"), gateway_log
        assert not h.log_events(gateway_log, "worker.left"), gateway_log

        asked = time.monotonic()
        code = proc.stop(timeout=8)
        took = time.monotonic() - asked
        assert not proc.sigterm_timed_out and code == 0, (code, proc.log_tail())
        assert took < 4, (took, proc.log_tail())
        assert h.log_events(proc, "worker.stopped") and h.log_events(proc, "outbox.stopped")
    finally:
        stack.stop()
