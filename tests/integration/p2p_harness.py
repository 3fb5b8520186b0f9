"""Integration-test harness: real p2p-gateway / p2p-profile-svc processes, a real
PostgreSQL (DATABASE_URL), and small clients (HTTP, WebSocket, psql, JWT) that talk to
them the way an outside client would.

Only the standard library plus `websockets` (10.x, legacy asyncio API) is used.

Environment (required, never defaulted, never skipped):
    P2P_BIN_DIR   directory holding p2p-gateway, p2p-profile-svc, p2p-admin-svc, p2p-admin,
                  p2p-migrate
    DATABASE_URL  a migrated PostgreSQL the workers and the tests share
"""

import asyncio
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import websockets
import websockets.exceptions

JWT_SECRET = "it-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ZYXW"
GATEWAY_BIN = "p2p-gateway"
PROFILE_SVC_BIN = "p2p-profile-svc"
ADMIN_SVC_BIN = "p2p-admin-svc"
ADMIN_CLI_BIN = "p2p-admin"
TRADE_SVC_BIN = "p2p-trade-svc"
MIGRATE_BIN = "p2p-migrate"

# What the ASan+UBSan builds (scripts/test: -DP2P_SANITIZE=ON) print when they find
# something. Any of these in a process's logs fails the test that stopped the stack.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
# Leak checking happens at exit, so processes must exit by themselves on SIGTERM; UBSan
# keeps going (where the build lets it) and prints a stack so the report is in the log.
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1",
    "UBSAN_OPTIONS": "halt_on_error=0:print_stacktrace=1",
}

READY_TIMEOUT_S = 15.0
HTTP_TIMEOUT_S = 10.0
WS_REPLY_TIMEOUT_S = 5.0

SEED_CREATED_MESSAGE = ("P2P profile created successfully. "
                        "You can now connect to the P2P trading platform.")
SEED_NO_CONSENT_ERROR = "You must accept the terms and conditions to create a P2P profile"
SEED_PROFILE_EXISTS_ERROR = "You already have a P2P profile"
SEED_NOT_JOINED_MESSAGE = "You have not joined P2P trading yet."

# Fields that must never appear when looking at someone else's profile.
PRIVATE_FIELDS = ("phone_number", "email", "metadata", "suspension_reason",
                  "preferred_payment_methods")



class HarnessError(RuntimeError):
    """The environment or the processes are not usable; the message says why."""


# --------------------------------------------------------------------------- environment

def env_problems():
    """Return a list of human-readable problems with the test environment (empty if fine)."""
    problems = []
    bin_dir = os.environ.get("P2P_BIN_DIR")
    if not bin_dir:
        problems.append("P2P_BIN_DIR is not set (it must name the directory holding "
                        "p2p-gateway, p2p-profile-svc and p2p-migrate)")
    else:
        for name in (GATEWAY_BIN, PROFILE_SVC_BIN, ADMIN_SVC_BIN, ADMIN_CLI_BIN, MIGRATE_BIN,
                     TRADE_SVC_BIN):
            path = os.path.join(bin_dir, name)
            if not os.path.isfile(path):
                problems.append(f"missing binary: {path}")
            elif not os.access(path, os.X_OK):
                problems.append(f"binary is not executable: {path}")
    if not os.environ.get("DATABASE_URL"):
        problems.append("DATABASE_URL is not set (it must name a migrated PostgreSQL)")
    if shutil.which("psql") is None:
        problems.append("psql is not on PATH (tests use it to inspect and set rows)")
    return problems


def check_database():
    """Raise HarnessError unless DATABASE_URL answers and holds p2p_profiles."""
    try:
        out = psql("SELECT count(*) FROM information_schema.tables "
                   "WHERE table_name = 'p2p_profiles'")
    except HarnessError as e:
        raise HarnessError(f"DATABASE_URL is not usable: {e}") from None
    if out.strip() != "1":
        raise HarnessError("DATABASE_URL has no p2p_profiles table: run p2p-migrate first")


def bin_path(name):
    problems = env_problems()
    if problems:
        raise HarnessError("integration tests cannot run:\n  - " + "\n  - ".join(problems))
    return os.path.join(os.environ["P2P_BIN_DIR"], name)


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def free_port():
    """A port nothing listens on, outside the kernel's ephemeral range.

    A port from bind(0) is an ephemeral one: under load (thousands of short client
    connections, each leaving a TIME_WAIT) an outgoing connection can take it before the
    gateway binds it, and the gateway then fails with EADDRINUSE. Ports outside the
    ephemeral range are never handed to outgoing connections."""
    lo, hi = _ephemeral_range()
    candidates = [(10000, lo - 1)] if lo > 11000 else []
    if hi < 64535:
        candidates.append((hi + 1, 65535))
    rng = random.Random()
    for _ in range(200 if candidates else 0):
        a, b = rng.choice(candidates)
        port = rng.randint(a, b)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_user_id():
    return "it_" + uuid.uuid4().hex


def new_username(prefix="u"):
    """A fresh valid username (3-30 chars of [A-Za-z0-9_])."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    assert len(name) <= 30, name
    return name


# --------------------------------------------------------------------------- JWT

def _b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


_DEFAULT = object()


def make_token(user_id=_DEFAULT, *, sub=None, exp=_DEFAULT, nbf=None, iat=_DEFAULT,
               alg="HS256", secret=JWT_SECRET, extra=None, header_extra=None):
    """Mint a JWT by hand so tests can build every kind of bad token.

    user_id: the `user_id` claim (omitted when None); sub: the `sub` claim when not None;
    exp: unix seconds (default now + 1 h; None omits it); alg: HS256, HS384, HS512 or none.
    """
    now = int(time.time())
    claims = {}
    if user_id is _DEFAULT:
        user_id = new_user_id()
    if user_id is not None:
        claims["user_id"] = user_id
    if sub is not None:
        claims["sub"] = sub
    if iat is _DEFAULT:
        iat = now
    if iat is not None:
        claims["iat"] = iat
    if exp is _DEFAULT:
        exp = now + 3600
    if exp is not None:
        claims["exp"] = exp
    if nbf is not None:
        claims["nbf"] = nbf
    if extra:
        claims.update(extra)
    header = {"alg": alg, "typ": "JWT"}
    if header_extra:
        header.update(header_extra)
    signing_input = (_b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     _b64url(json.dumps(claims, separators=(",", ":")).encode()))
    digests = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
    if alg == "none":
        signature = ""
    else:
        mac = hmac.new(secret.encode(), signing_input.encode(), digests[alg])
        signature = _b64url(mac.digest())
    return signing_input + "." + signature


# --------------------------------------------------------------------------- psql

class Raw:
    """An SQL expression inserted verbatim, e.g. Raw("now() + interval '1 hour'")."""

    def __init__(self, sql):
        self.sql = sql


def sql_literal(value):
    if isinstance(value, Raw):
        return value.sql
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, dict)):
        return sql_literal(json.dumps(value)) + "::jsonb"
    return "'" + str(value).replace("'", "''") + "'"


def psql(sql, timeout=15):
    """Run one SQL command against DATABASE_URL; return stdout (unaligned, tuples only)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise HarnessError("DATABASE_URL is not set")
    try:
        done = subprocess.run(
            ["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-t", "-c", sql],
            capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise HarnessError("psql is not on PATH") from None
    except subprocess.TimeoutExpired:
        raise HarnessError(f"psql timed out after {timeout}s: {sql}") from None
    if done.returncode != 0:
        raise HarnessError(f"psql failed ({done.returncode}): {done.stderr.strip()}\n"
                           f"SQL: {sql}")
    return done.stdout


def db_insert_profile(user_id, **cols):
    """Insert a p2p_profiles row directly (bypassing the service); return its id."""
    cols = dict(cols)
    cols["user_id"] = user_id
    names = ", ".join(cols)
    values = ", ".join(sql_literal(v) for v in cols.values())
    out = psql(f"INSERT INTO p2p_profiles ({names}) VALUES ({values}) RETURNING id")
    return int(out.strip().splitlines()[0])


def db_update_profile(user_id, **cols):
    assert cols
    sets = ", ".join(f"{k} = {sql_literal(v)}" for k, v in cols.items())
    out = psql(f"UPDATE p2p_profiles SET {sets} WHERE user_id = {sql_literal(user_id)} "
               f"RETURNING id")
    assert out.strip(), f"no p2p_profiles row for user_id {user_id}"


def db_profile(user_id):
    """The row as a dict (JSON types as PostgreSQL renders them), or None."""
    out = psql("SELECT row_to_json(p) FROM p2p_profiles p "
               f"WHERE user_id = {sql_literal(user_id)}").strip()
    return json.loads(out) if out else None


def db_snapshot(user_id):
    """The row minus last_active_at (which any call may touch): for 'nothing changed'."""
    row = db_profile(user_id)
    if row is not None:
        row.pop("last_active_at", None)
    return row


# --------------------------------------------------------------------------- processes

class Proc:
    """One child process with its stdout/stderr in files."""

    def __init__(self, name, argv, env, log_dir):
        self.name = name
        self.argv = argv
        self.out_path = os.path.join(log_dir, f"{name}.stdout.log")
        self.err_path = os.path.join(log_dir, f"{name}.stderr.log")
        self._out = open(self.out_path, "ab")
        self._err = open(self.err_path, "ab")
        self.started_at = time.monotonic()
        self.sigterm_timed_out = False  # SIGTERM was ignored and SIGKILL had to follow
        self.sanitizer_seen = 0  # findings already raised by new_sanitizer_reports
        self.sigterm_reported = False
        try:
            self.popen = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                          stdout=self._out, stderr=self._err,
                                          start_new_session=True)
        except OSError as e:
            self._close_files()
            raise HarnessError(f"cannot start {name} ({argv[0]}): {e}") from None

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            self.popen.send_signal(sig)

    def stop(self, timeout=5.0):
        """SIGTERM, wait, then SIGKILL. Safe to call twice. Returns the exit code."""
        if self.alive():
            try:
                self.popen.send_signal(signal.SIGCONT)  # a stopped process cannot see SIGTERM
                self.popen.send_signal(signal.SIGTERM)
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.sigterm_timed_out = True
                self.popen.kill()
                self.popen.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        self._close_files()
        return self.popen.returncode

    def sanitizer_reports(self, context=25):
        """Sanitizer findings in this process's logs: a list of report excerpts.

        JSON log lines (our own logger, which may quote client text) never count."""
        reports = []
        for path in (self.out_path, self.err_path):
            try:
                with open(path, "rb") as f:
                    lines = f.read().decode("utf-8", "replace").splitlines()
            except OSError:
                continue
            i = 0
            while i < len(lines):
                line = lines[i]
                if not line.lstrip().startswith("{") and any(m in line for m in SANITIZER_MARKERS):
                    excerpt = lines[i:i + context]
                    reports.append(f"{self.name} ({os.path.basename(path)}):\n  " +
                                   "\n  ".join(excerpt))
                    i += context
                else:
                    i += 1
        return reports

    def new_sanitizer_reports(self):
        """The findings not returned by an earlier call (each is raised once)."""
        reports = self.sanitizer_reports()
        fresh = reports[self.sanitizer_seen:]
        self.sanitizer_seen = len(reports)
        return fresh

    def kill(self):
        if self.alive():
            self.popen.kill()
            self.popen.wait(timeout=5)
        self._close_files()

    def _close_files(self):
        for f in (self._out, self._err):
            try:
                f.close()
            except OSError:
                pass

    def log_text(self):
        chunks = []
        for path in (self.out_path, self.err_path):
            try:
                with open(path, "rb") as f:
                    chunks.append(f.read().decode("utf-8", "replace"))
            except OSError:
                pass
        return "".join(chunks)

    def log_tail(self, lines=80):
        parts = []
        for label, path in (("stdout", self.out_path), ("stderr", self.err_path)):
            try:
                with open(path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            except OSError as e:
                text = f"<cannot read: {e}>"
            tail = text.splitlines()[-lines:]
            state = "running" if self.alive() else f"exited {self.popen.returncode}"
            parts.append(f"==== {self.name} {label} ({state}) {path}\n" + "\n".join(tail))
        return "\n".join(parts)


ALL_STACKS = []  # every Stack ever built, so conftest can print logs of failed tests


class Stack:
    """One gateway, N profile workers, M admin workers and T trade workers, wired together
    on free ports.

    env: overrides for every process (e.g. {"P2P_REQUEST_TIMEOUT_MS": "1500"}).
    admin_workers: p2p-admin-svc processes, each with its own operator API port.
    extra_endpoints: more gateway endpoints (another Stack's worker_endpoint) that this
    stack's workers connect to as well, e.g. two gateways sharing one set of workers.
    """

    def __init__(self, name="stack", workers=2, env=None, start=True, workers_first=False,
                 probe="ready", admin_workers=1, extra_endpoints=(), trade_workers=1):
        self.name = name
        self.gateway_bin = bin_path(GATEWAY_BIN)
        self.worker_bin = bin_path(PROFILE_SVC_BIN)
        self.admin_bin = bin_path(ADMIN_SVC_BIN)
        self.trade_bin = bin_path(TRADE_SVC_BIN)
        self.n_admin_workers = admin_workers
        self.n_trade_workers = trade_workers
        self.trade_workers = []
        self.extra_endpoints = list(extra_endpoints)
        self.admin_workers = []
        self.port = free_port()
        self.worker_endpoint = f"tcp://127.0.0.1:{free_port()}"
        self.secret = JWT_SECRET
        self.log_dir = tempfile.mkdtemp(prefix=f"p2p-it-{name}-")
        self.overrides = dict(env or {})
        self.n_workers = workers
        # "ready": poll GET /p2p/ready. "user": poll GET /api/p2p/profile/check as a fresh
        # user each time, for stacks whose rate limit could count anonymous probes.
        self.probe = probe
        self.gateway = None
        self.old_gateways = []
        self.workers = []
        self.retired_workers = []
        self._seq = 0
        self.created_at = time.monotonic()
        ALL_STACKS.append(self)
        if start:
            self.start(workers_first=workers_first)

    # -- configuration

    def env(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("P2P_") and k not in ("JWT_SECRET", "LOG_LEVEL")}
        env.update({
            "JWT_SECRET": self.secret,
            "P2P_HTTP_PORT": str(self.port),
            "P2P_WORKER_BIND": self.worker_endpoint,
            "P2P_GATEWAY_ENDPOINTS": ",".join([self.worker_endpoint] + self.extra_endpoints),
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "LOG_LEVEL": "debug",
            "P2P_RATE_LIMIT_PER_MIN": "0",
            # every stack shares the test database, and any trade-svc may claim any
            # delivery in its outbox: with the default backoff (10 s, doubling) a delivery
            # another stack tried while a test's receiver was down outwaits the test
            "P2P_OUTBOX_RETRY_BASE_MS": "200",
            "P2P_OUTBOX_RETRY_MAX_MS": "1000",
        })
        for key, value in SANITIZER_ENV.items():
            # ours win over a caller's for the same option; the caller's others stay
            env[key] = ":".join(x for x in (env.get(key, ""), value) if x)
        env.update({k: str(v) for k, v in self.overrides.items()})
        return env

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/api/p2p/ws"

    def token(self, user_id, **kw):
        kw.setdefault("secret", self.secret)
        return make_token(user_id, **kw)

    def admin_token(self, user_id=None):
        """A token with role "admin" (the admin API)."""
        return self.token(user_id or new_user_id(), extra={"role": "admin"})

    @property
    def admin_endpoint(self):
        """The operator API of the first live admin worker (for the p2p-admin CLI)."""
        return next(p.admin_endpoint for p in self.admin_workers if p.alive())

    @property
    def trade_endpoint(self):
        """The operator API of the first live trade worker (p2p-admin's trading verbs)."""
        return next(p.trade_endpoint for p in self.trade_workers if p.alive())

    # -- lifecycle

    def start(self, workers_first=False):
        try:
            self._start(workers_first)
        except BaseException:
            self.stop(check=False)  # never leave half a stack running behind a failed start
            raise
        return self

    def _start(self, workers_first):
        if workers_first:
            for _ in range(self.n_workers):
                self.add_worker()
            for _ in range(self.n_admin_workers):
                self.add_admin_worker()
            for _ in range(self.n_trade_workers):
                self.add_trade_worker()
            time.sleep(0.3)
            self.start_gateway()
        else:
            self.start_gateway()
            for _ in range(self.n_workers):
                self.add_worker()
            for _ in range(self.n_admin_workers):
                self.add_admin_worker()
            for _ in range(self.n_trade_workers):
                self.add_trade_worker()
        # /p2p/ready needs a live worker of each kind: without admin or trade workers,
        # wait until a profile request is served instead.
        if self.n_workers > 0 and (self.probe == "user" or self.n_admin_workers == 0
                                   or self.n_trade_workers == 0):
            self.wait_served()
        elif self.n_workers > 0:
            self.wait_ready()
        else:
            self.wait_health()

    def _next_name(self, kind):
        self._seq += 1
        return f"{self.name}-{kind}-{self._seq}"

    def start_gateway(self):
        assert self.gateway is None or not self.gateway.alive(), "gateway already running"
        if self.gateway is not None:
            self.old_gateways.append(self.gateway)
        env = self.env()
        # lws is built without frame pointers: only the slow unwinder can walk
        # through it, so a leak of an lws allocation names its caller
        env["ASAN_OPTIONS"] += ":fast_unwind_on_malloc=0"
        self.gateway = Proc(self._next_name("gateway"), [self.gateway_bin], env, self.log_dir)
        return self.gateway

    def stop_gateway(self):
        if self.gateway is not None:
            self.gateway.stop()

    def add_worker(self):
        proc = Proc(self._next_name("profile-svc"), [self.worker_bin], self.env(),
                    self.log_dir)
        self.workers.append(proc)
        return proc

    def add_admin_worker(self):
        """Start one p2p-admin-svc with its operator API on a free loopback port."""
        endpoint = f"tcp://127.0.0.1:{free_port()}"
        env = self.env()
        env.setdefault("P2P_ADMIN_API_BIND", endpoint)
        proc = Proc(self._next_name("admin-svc"), [self.admin_bin], env, self.log_dir)
        proc.admin_endpoint = env["P2P_ADMIN_API_BIND"]
        self.admin_workers.append(proc)
        return proc

    def add_trade_worker(self, env=None):
        """Start one p2p-trade-svc (env: extra overrides for it alone), with its operator
        API on a free loopback port unless the stack's or env's P2P_TRADE_API_BIND says
        otherwise (the default port would be shared by every stack on the machine)."""
        worker_env = self.env()
        worker_env.setdefault("P2P_TRADE_API_BIND", f"tcp://127.0.0.1:{free_port()}")
        worker_env.update({k: str(v) for k, v in (env or {}).items()})
        proc = Proc(self._next_name("trade-svc"), [self.trade_bin], worker_env, self.log_dir)
        proc.trade_endpoint = worker_env["P2P_TRADE_API_BIND"]
        self.trade_workers.append(proc)
        return proc

    def remove_worker(self, proc, kill=False):
        """Stop (SIGTERM) or kill (SIGKILL) one worker and forget it."""
        if kill:
            proc.kill()
        else:
            proc.stop()
        if proc in self.workers:
            self.workers.remove(proc)
        if proc in self.admin_workers:
            self.admin_workers.remove(proc)
        if proc in self.trade_workers:
            self.trade_workers.remove(proc)
        self.retired_workers.append(proc)

    def processes(self):
        procs = list(self.old_gateways)
        if self.gateway is not None:
            procs.append(self.gateway)
        return (procs + self.workers + self.admin_workers + self.trade_workers +
                self.retired_workers)

    def _check_gateway_alive(self, what):
        if self.gateway is None or not self.gateway.alive():
            code = None if self.gateway is None else self.gateway.popen.returncode
            raise HarnessError(f"[{self.name}] gateway exited (code {code}) while waiting "
                               f"for {what}\n{self.log_tail()}")

    def _wait_status(self, path, want, timeout, fresh_user=False):
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            self._check_gateway_alive(path)
            for w in self.workers + self.admin_workers + self.trade_workers:
                if not w.alive():
                    raise HarnessError(f"[{self.name}] worker {w.name} exited with code "
                                       f"{w.popen.returncode}\n{self.log_tail()}")
            token = self.token(new_user_id()) if fresh_user else None
            try:
                r = http_request(self, "GET", path, token=token, timeout=2)
                if r.status == want:
                    return r
                last = f"HTTP {r.status} {r.body[:200]!r}"
            except OSError as e:
                last = repr(e)
            time.sleep(0.1)
        raise HarnessError(f"[{self.name}] GET {path} did not answer {want} within "
                           f"{timeout}s (last: {last})\n{self.log_tail()}")

    def wait_ready(self, timeout=READY_TIMEOUT_S):
        return self._wait_status("/p2p/ready", 200, timeout)

    def wait_served(self, timeout=READY_TIMEOUT_S):
        """Wait until a profile request is answered (200) for a fresh user."""
        return self._wait_status("/api/p2p/profile/check", 200, timeout, fresh_user=True)

    def wait_health(self, timeout=READY_TIMEOUT_S):
        return self._wait_status("/p2p/health", 200, timeout)

    def stop(self, check=True):
        """SIGTERM every process (SIGKILL after 5 s). With check, then fail (AssertionError)
        when any process of this stack, past or present, reported a sanitizer finding, or
        ignored SIGTERM (so LeakSanitizer never got to run)."""
        for proc in reversed(self.processes()):
            proc.stop()
        if check:
            self.assert_sanitizer_clean()

    def sanitizer_problems(self):
        """Findings in any process's logs not reported before (leak reports appear only
        once a process has exited), plus processes that had to be SIGKILLed after
        ignoring SIGTERM."""
        problems = []
        for proc in self.processes():
            problems.extend(proc.new_sanitizer_reports())
            if proc.sigterm_timed_out and not proc.sigterm_reported:
                proc.sigterm_reported = True
                problems.append(f"{proc.name}: did not exit within 5 s of SIGTERM and was "
                                f"killed (LeakSanitizer could not report)")
        return problems

    def assert_sanitizer_clean(self):
        problems = self.sanitizer_problems()
        if problems:
            raise AssertionError(f"[{self.name}] sanitizer findings (logs in {self.log_dir}):"
                                 "\n" + "\n".join(problems))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        self.stop(check=exc_type is None)

    def log_tail(self, lines=80):
        return (f"[{self.name}] logs in {self.log_dir}\n" +
                "\n".join(p.log_tail(lines) for p in self.processes()))


# --------------------------------------------------------------------------- logs

def log_events(text, event, **match):
    """The JSON log lines of text (one process's log, or a Proc) whose "event" is event
    and whose fields equal every keyword given, parsed, in order."""
    if hasattr(text, "log_text"):
        text = text.log_text()
    found = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if obj.get("event") == event and all(obj.get(k) == v for k, v in match.items()):
            found.append(obj)
    return found


# --------------------------------------------------------------------------- PostgreSQL

PG_BIN = "/usr/lib/postgresql/15/bin"


def migrations_dir():
    return os.environ.get("P2P_MIGRATIONS_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "migrations")


class PgCluster:
    """A throwaway PostgreSQL 15 for one test (the same initdb/pg_ctl steps as
    scripts/lib.sh), run as the postgres user when we are root. init() creates the role
    p2p/p2p and the database pxyz_fx_p2p, and migrates it."""

    def __init__(self):
        self.port = free_port()
        self.data = tempfile.mkdtemp(prefix="p2p-it-pg-")
        self.url = self.url_of("pxyz_fx_p2p")
        os.chmod(self.data, 0o700)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")

    def url_of(self, database, password="p2p"):
        """The URL of one of this cluster's databases, as the p2p role."""
        return f"postgresql://p2p:{password}@127.0.0.1:{self.port}/{database}"

    def _as_pg(self, argv, timeout=60, input_text=None):
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              input=input_text)
        if done.returncode != 0:
            raise HarnessError(f"{' '.join(argv)} failed ({done.returncode}):\n"
                               f"{done.stdout}\n{done.stderr}\n{self.log_tail()}")
        return done.stdout

    def log_tail(self):
        try:
            with open(os.path.join(self.data, "postgres.log"), errors="replace") as f:
                return "".join(f.readlines()[-20:])
        except OSError:
            return ""

    def init(self):
        self._as_pg([f"{PG_BIN}/initdb", "-D", self.data, "-U", "postgres", "-E", "UTF8",
                     "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256"])
        conf = (f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.data}'\nmax_connections = 50\n"
                "fsync = off\nfull_page_writes = off\n")
        # synchronous_commit stays on: acknowledged means committed.
        self._as_pg(["sh", "-c", f"cat >> '{self.data}/postgresql.conf'"], input_text=conf)
        self.start()
        self.psql_super("CREATE ROLE p2p LOGIN PASSWORD 'p2p'")
        self.psql_super("CREATE DATABASE pxyz_fx_p2p OWNER p2p")
        self.migrate(self.url)
        return self

    def migrate(self, url):
        """Run p2p-migrate on url (a database of this cluster); raise if it fails."""
        env = dict(os.environ, DATABASE_URL=url)
        done = subprocess.run([bin_path(MIGRATE_BIN), "--dir", migrations_dir()], env=env,
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise HarnessError(f"p2p-migrate failed: {done.stdout}\n{done.stderr}")

    def psql_super(self, sql, database="postgres"):
        return self._as_pg([f"{PG_BIN}/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                            "-h", self.data, "-p", str(self.port), "-U", "postgres", "-d",
                            database, "-c", sql])

    def start(self):
        self._as_pg([f"{PG_BIN}/pg_ctl", "-D", self.data, "-l",
                     os.path.join(self.data, "postgres.log"), "-w", "-t", "60", "start"])

    def stop(self, mode="fast"):
        self._as_pg([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"])

    def destroy(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            try:
                self.stop("immediate")
            except HarnessError:
                pass
        shutil.rmtree(self.data, ignore_errors=True)


# --------------------------------------------------------------------------- HTTP

class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body
        self.elapsed = elapsed

    @property
    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise AssertionError(f"response (HTTP {self.status}) is not JSON: "
                                 f"{self.body[:500]!r}") from None

    @property
    def content_type(self):
        return self.headers.get("content-type", "")

    def __repr__(self):
        return f"<HTTP {self.status} {self.body[:300]!r}>"


_NO_BODY = object()


def http_request(stack, method, path, token=None, json_body=_NO_BODY, raw=None,
                 headers=None, timeout=HTTP_TIMEOUT_S):
    """One HTTP request to the stack's gateway on a fresh connection."""
    hdrs = {}
    body = None
    if token is not None:
        hdrs["Authorization"] = f"Bearer {token}"
    if json_body is not _NO_BODY:
        body = json.dumps(json_body).encode("utf-8")
        hdrs["Content-Type"] = "application/json"
    if raw is not None:
        body = raw
        hdrs.setdefault("Content-Type", "application/json")
    if headers:
        hdrs.update(headers)
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=timeout)
    t0 = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data,
                        time.monotonic() - t0)
    finally:
        conn.close()


def assert_error(resp, status, field=None, error=None):
    """Assert an error envelope: status, success false, non-empty error (naming field)."""
    assert resp.status == status, f"expected HTTP {status}, got {resp!r}"
    body = resp.json
    assert body.get("success") is False, body
    assert isinstance(body.get("error"), str) and body["error"], body
    if field is not None:
        assert field in body["error"], f"error does not name {field!r}: {body}"
    if error is not None:
        assert body["error"] == error, body
    return body


class User:
    """A test user: id, token for a stack, and (once created) the profile."""

    def __init__(self, stack, user_id=None, profile=None):
        self.stack = stack
        self.user_id = user_id or new_user_id()
        self.token = stack.token(self.user_id)
        self.profile = profile

    @property
    def profile_id(self):
        return self.profile["id"]

    def get(self, path):
        return http_request(self.stack, "GET", path, token=self.token)

    def post(self, path, body):
        return http_request(self.stack, "POST", path, token=self.token, json_body=body)

    def put(self, path, body):
        return http_request(self.stack, "PUT", path, token=self.token, json_body=body)


def create_user(stack, **fields):
    """A fresh user with a profile created through the REST API (has_consent true)."""
    user = User(stack)
    body = {"has_consent": True}
    if "username" not in fields:
        body["username"] = new_username()
    body.update(fields)
    r = user.post("/api/p2p/profile/create", body)
    assert r.status == 201, f"profile create failed: {r!r}"
    user.profile = r.json["data"]["profile"]
    return user


def wait_until(predicate, timeout, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what} not met within {timeout}s (last: {last!r})")


def first_shown_after(end, shown, what, timeout=6):
    """Ask shown() again and again until it is true: never before end (an aware UTC
    datetime), and by timeout seconds from now. Returns when the first true answer was
    asked for (the caller bounds how long after end that may be)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        asked = datetime.datetime.now(datetime.timezone.utc)
        now_shown = shown()
        if datetime.datetime.now(datetime.timezone.utc) < end:
            assert not now_shown, f"{what} was shown before {end.isoformat()}"
        if now_shown:
            return asked
        time.sleep(0.05)
    raise AssertionError(f"{what} was not shown again by {timeout} s after it should be")


# --------------------------------------------------------------------------- WebSocket

def run(coro, timeout=60):
    """Run one coroutine to completion with an overall bound."""
    async def bounded():
        return await asyncio.wait_for(coro, timeout)
    return asyncio.run(bounded())


async def ws_open(stack, token=None, via="query", extra_headers=None):
    """Open a WebSocket to the gateway. via: 'query' (?token=), 'header' (Bearer) or None."""
    uri = stack.ws_url
    headers = list(extra_headers or [])
    if token is not None and via == "query":
        uri += f"?token={token}"
    elif token is not None and via == "header":
        headers.append(("Authorization", f"Bearer {token}"))
    connect = websockets.connect(uri, extra_headers=headers, compression=None,
                                 ping_interval=None, open_timeout=10, close_timeout=2,
                                 max_size=2 ** 22)
    ws = await asyncio.wait_for(connect, 12)
    return Session(ws)


class Session:
    """A thin JSON layer over one websockets client connection."""

    def __init__(self, ws):
        self.ws = ws
        self.connected = None
        self.unmatched = []
        self._n = 0

    async def send_json(self, obj):
        await self.ws.send(json.dumps(obj))

    async def send_text(self, text):
        await self.ws.send(text)

    async def send(self, type_, data=_DEFAULT, request_id=None):
        msg = {"type": type_}
        if data is not _DEFAULT:
            msg["data"] = data
        if request_id is not None:
            msg["request_id"] = request_id
        await self.send_json(msg)

    async def recv(self, timeout=WS_REPLY_TIMEOUT_S):
        try:
            text = await asyncio.wait_for(self.ws.recv(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"no WebSocket message within {timeout}s "
                                 f"(unmatched so far: {self.unmatched})") from None
        assert isinstance(text, str), f"expected a text frame, got {text!r}"
        try:
            msg = json.loads(text)
        except ValueError:
            raise AssertionError(f"server sent non-JSON text: {text[:300]!r}") from None
        assert isinstance(msg, dict), msg
        return msg

    def new_request_id(self):
        self._n += 1
        return f"rq-{self._n}-{uuid.uuid4().hex[:8]}"

    async def call(self, type_, data=_DEFAULT, timeout=WS_REPLY_TIMEOUT_S):
        """Send with a fresh request_id and return the reply that echoes it."""
        rid = self.new_request_id()
        await self.send(type_, data, request_id=rid)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no reply to {type_} (request_id {rid}) within "
                                     f"{timeout}s; other messages: {self.unmatched}")
            try:
                msg = await self.recv(timeout=left)
            except AssertionError:
                raise AssertionError(f"no reply to {type_} (request_id {rid}) within "
                                     f"{timeout}s; other messages: {self.unmatched}") from None
            if msg.get("request_id") == rid:
                return msg
            self.unmatched.append(msg)

    async def expect_closed(self, timeout=5.0):
        """Wait until the server closes the connection; return the close code."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"connection still open after {timeout}s")
            try:
                extra = await asyncio.wait_for(self.ws.recv(), left)
                self.unmatched.append(extra)
            except websockets.exceptions.ConnectionClosed as e:
                return e.rcvd.code if e.rcvd is not None else None
            except asyncio.TimeoutError:
                raise AssertionError(f"connection still open after {timeout}s") from None

    async def close(self):
        try:
            await asyncio.wait_for(self.ws.close(), 5)
        except Exception:
            pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()


async def ws_session(stack, user_id, via="query"):
    """Connect as user_id and consume the 'connected' message; return the Session."""
    s = await ws_open(stack, stack.token(user_id), via=via)
    first = await s.recv()
    if first.get("type") != "connected":
        await s.close()
        raise AssertionError(f"expected 'connected', got {first}")
    s.connected = first
    return s


def assert_ws_error(msg, type_, field=None):
    assert msg.get("type") == type_, msg
    assert msg.get("success") is False, msg
    err = msg.get("error")
    assert isinstance(err, str) and err, msg
    if field is not None:
        assert field in err, f"error does not name {field!r}: {msg}"
    return msg


# --------------------------------------------------------------------------- raw socket

def raw_ws_handshake(stack, path_and_query, timeout=5.0, headers=None, mss=None):
    """Open a TCP socket and perform the WebSocket upgrade by hand.

    headers: extra (name, value) pairs, e.g. [("Sec-WebSocket-Protocol", "http")].
    mss: the segment size to announce (TCP_MAXSEG before connecting), so the gateway sends
    segments of a real network's size rather than loopback's 64 KiB.
    Returns (socket, status_code, leftover bytes already read after the headers).
    """
    if mss is None:
        sock = socket.create_connection(("127.0.0.1", stack.port), timeout=timeout)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", stack.port))
    key = base64.b64encode(os.urandom(16)).decode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or []))
    req = (f"GET {path_and_query} HTTP/1.1\r\n"
           f"Host: 127.0.0.1:{stack.port}\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\n"
           f"{extra}"
           "Sec-WebSocket-Version: 13\r\n\r\n")
    sock.sendall(req.encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            break
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split()
    status = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None
    return sock, status, rest


def parse_frames(buf):
    """Split server frames (unmasked) off buf; return ([(opcode, payload)], rest)."""
    frames = []
    while len(buf) >= 2:
        b0, b1 = buf[0], buf[1]
        opcode = b0 & 0x0F
        masked = b1 & 0x80
        n = b1 & 0x7F
        pos = 2
        if n == 126:
            if len(buf) < 4:
                break
            n = int.from_bytes(buf[2:4], "big")
            pos = 4
        elif n == 127:
            if len(buf) < 10:
                break
            n = int.from_bytes(buf[2:10], "big")
            pos = 10
        if masked:
            pos += 4
        if len(buf) < pos + n:
            break
        frames.append((opcode, buf[pos:pos + n]))
        buf = buf[pos + n:]
    return frames, buf


# --------------------------------------------------------------------------- fake worker

def _pb_varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _pb_field(number, value):
    """One protobuf field: int -> varint, str/bytes -> length-delimited."""
    if isinstance(value, int):
        return _pb_varint(number << 3) + _pb_varint(value)
    if isinstance(value, str):
        value = value.encode("utf-8")
    return _pb_varint(number << 3 | 2) + _pb_varint(len(value)) + value


# proto/envelope.proto: field numbers and Kind values
_ENVELOPE_FIELDS = {"kind": 1, "request_id": 2, "service": 3, "user_id": 4, "role": 5,
                    "msg_type": 6, "deadline_ms": 7, "status": 8, "body": 9, "channel": 10,
                    "event": 11, "params": 12}
ENVELOPE_HEARTBEAT, ENVELOPE_DISCONNECT, ENVELOPE_EVENT = 1, 2, 5


def encode_envelope(**fields):
    return b"".join(_pb_field(_ENVELOPE_FIELDS[name], value)
                    for name, value in fields.items() if value not in (None, "", b"", 0))


class FakeWorker:
    """A worker that speaks the gateway's wire by hand: ZMTP 3.0 with the NULL mechanism
    as a DEALER, and the protobuf Envelope. Tests use it to say what a real worker never
    would (an event its kind may not send, a malformed push), without pyzmq.

    It announces ZMTP 3.0, so libzmq sends it no ZMTP PINGs; it never reads what the
    gateway sends (heartbeats, requests) beyond the handshake."""

    def __init__(self, endpoint, service=None, timeout=5.0):
        assert endpoint.startswith("tcp://"), endpoint
        host, port = endpoint[len("tcp://"):].rsplit(":", 1)
        self.service = service
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        greeting = (b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\x00")
                    + b"\x00" + b"\x00" * 31)
        assert len(greeting) == 64
        self.sock.sendall(greeting)
        peer = self._recv_exact(64)
        if peer[0] != 0xFF or peer[9] != 0x7F or peer[10] < 3:
            raise HarnessError(f"not a ZMTP 3 peer: {peer!r}")
        ready = b"\x05READY" + self._property(b"Socket-Type", b"DEALER")
        self.sock.sendall(bytes([0x04, len(ready)]) + ready)
        flags, body = self._recv_frame()
        if not flags & 0x04 or not body.startswith(b"\x05READY"):
            raise HarnessError(f"expected the peer's READY command, got {flags} {body!r}")

    @staticmethod
    def _property(name, value):
        return bytes([len(name)]) + name + len(value).to_bytes(4, "big") + value

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise HarnessError("the gateway closed the worker connection")
            buf += chunk
        return buf

    def _recv_frame(self):
        flags = self._recv_exact(1)[0]
        size = int.from_bytes(self._recv_exact(8 if flags & 0x02 else 1), "big")
        return flags, self._recv_exact(size)

    def send(self, **fields):
        """One message of one frame: an Envelope with these fields."""
        data = encode_envelope(**fields)
        if len(data) <= 255:
            head = bytes([0x00, len(data)])
        else:
            head = bytes([0x02]) + len(data).to_bytes(8, "big")
        self.sock.sendall(head + data)

    def heartbeat(self):
        """Register (or stay registered) as a worker of self.service."""
        self.send(kind=ENVELOPE_HEARTBEAT, service=self.service)

    def event(self, name, user_id, body):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        self.send(kind=ENVELOPE_EVENT, event=name, user_id=user_id, body=body)

    def close(self):
        try:
            if self.service:
                self.send(kind=ENVELOPE_DISCONNECT)
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
