#!/usr/bin/env python3
"""The compose check's steps: docker-compose.yml run for real through podman's
Docker-compatible API (tests/compose/check prepares the engine and the base images, then
runs this).

  1. build the image from the Dockerfile (docker-compose build);
  2. `up -d` with scaled workers (the WORKERS table);
  3. /p2p/ready reports every worker of every kind;
  4. create a profile through the published port over REST (with a 500-character
     non-ASCII message, which only a UTF-8 database accepts), read it back over REST and
     over the WebSocket;
  5. SIGKILL one worker container's process: the restart policy brings the container
     back, its worker rejoins the gateway, readiness recovers, requests are served;
  6. `stop`: every container exits 0 on SIGTERM (tini forwards it; nothing waits for
     the grace period's SIGKILL);
  7. `down -v` leaves no container, volume or network of the project behind (images stay
     cached).

Any failure prints the stack's state and logs, takes the stack down, and exits 1.

Environment (set by tests/compose/check): DOCKER_HOST (podman's API socket),
CONTAINERS_CONF, P2P_COMPOSE_DEBIAN_IMAGE, P2P_COMPOSE_POSTGRES_IMAGE.
"""

import asyncio
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import p2p_harness as h  # noqa: E402  (JWT minting, free ports, log lines)

COMPOSE_FILE = os.path.join(ROOT, "docker-compose.yml")

# The scalable worker services: (compose service, kind in /p2p/ready, containers).
# A new worker kind is one more line here (and its service in docker-compose.yml).
WORKERS = (
    ("profile-svc", "profile", 3),
    ("admin-svc", "admin", 2),
    ("trade-svc", "trade", 2),
)
KILLED_SERVICE = "profile-svc"

BUILD_TIMEOUT_S = 1800  # a fresh machine: apt-get in the build stage, then the compile
UP_TIMEOUT_S = 600
READY_TIMEOUT_S = 180
RESTART_TIMEOUT_S = 120
DOWN_TIMEOUT_S = 300
HTTP_TIMEOUT_S = 10

# One project (and image tag) per clone, so checks of two clones on one machine never
# touch each other's containers; the same clone's next run replaces its leftovers.
PROJECT = "p2pcheck" + hashlib.sha1(ROOT.encode()).hexdigest()[:8]
P2P_IMAGE = f"localhost/p2p-check/p2p-service:{PROJECT}"
JWT_SECRET = uuid.uuid4().hex + uuid.uuid4().hex
PORT = h.free_port()


class CheckFailed(Exception):
    pass


def log(text):
    print(f"[compose] {text}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------- commands

def compose_env():
    """The environment docker-compose interpolates, and nothing from the caller's."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("P2P_", "POSTGRES_", "COMPOSE_"))
           and k not in ("JWT_SECRET", "LOG_LEVEL", "DATABASE_URL")}
    env.update({
        "JWT_SECRET": JWT_SECRET,
        "P2P_IMAGE": P2P_IMAGE,
        "POSTGRES_IMAGE": os.environ["P2P_COMPOSE_POSTGRES_IMAGE"],
        "P2P_HTTP_PORT": str(PORT),
        # docker-compose's own API timeout (60 s) is short for a loaded machine.
        "COMPOSE_HTTP_TIMEOUT": "300",
    })
    return env


EMPTY_ENV_FILE = tempfile.NamedTemporaryFile("w", prefix="p2p-compose-", suffix=".env")


def compose(*args, timeout, check=True, quiet=False):
    """Run docker-compose on our file and project; an empty --env-file keeps a
    developer's .env out of it. Returns the CompletedProcess (stdout captured)."""
    argv = ["docker-compose", "--env-file", EMPTY_ENV_FILE.name, "-f", COMPOSE_FILE,
            "-p", PROJECT, *args]
    try:
        done = subprocess.run(argv, cwd=ROOT, env=compose_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL if quiet else None, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"docker-compose {' '.join(args)} did not finish in {timeout} s") from None
    if check and done.returncode != 0:
        raise CheckFailed(f"docker-compose {' '.join(args)} failed ({done.returncode}):\n"
                          f"{done.stdout}")
    return done


def podman(*args, check=True, timeout=60):
    done = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise CheckFailed(f"podman {' '.join(args)} failed ({done.returncode}): "
                          f"{done.stderr.strip()}")
    return done


def project_filter():
    return f"label=com.docker.compose.project={PROJECT}"


def container_ids(service=None):
    args = ["ps", "-a", "-q", "--no-trunc", "--filter", project_filter()]
    if service:
        args += ["--filter", f"label=com.docker.compose.service={service}"]
    return podman(*args).stdout.split()


def inspect(container_id):
    return json.loads(podman("inspect", container_id).stdout)[0]


def container_log(container_id):
    done = podman("logs", container_id, check=False)
    return done.stdout + done.stderr


class HealthRunner(threading.Thread):
    """podman runs health checks from systemd timers, which this kind of machine lacks:
    without this, `depends_on: condition: service_healthy` waits forever. Runs each
    health-checked container's check every second (Docker users need none of this)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.halt = threading.Event()

    def run(self):
        while not self.halt.wait(1.0):
            try:
                out = podman("ps", "--filter", project_filter(), "--format",
                             "{{.ID}} {{.Status}}", check=False).stdout
                for line in out.splitlines():
                    cid, _, status = line.partition(" ")
                    if status.endswith(("(starting)", "(healthy)", "(unhealthy)")):
                        podman("healthcheck", "run", cid, check=False)
            except (OSError, subprocess.SubprocessError) as e:
                log(f"health check runner: {e}")


# ----------------------------------------------------------------- HTTP and WebSocket

def http(method, path, token=None, body=None):
    """(status, parsed JSON or text, headers) from the gateway's published port."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_S) as resp:
            status, raw, headers = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as e:
        status, raw, headers = e.code, e.read(), e.headers
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except ValueError:
        parsed = raw.decode("utf-8", "replace")
    return status, parsed, headers


def wait_ready(expected, timeout, what):
    """Poll /p2p/ready until it reports exactly `expected` workers per kind. Probes count
    against the per-address rate limit: a 429 waits for its Retry-After."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        pause = 1.0
        try:
            status, body, headers = http("GET", "/p2p/ready")
            last = f"HTTP {status} {body}"
            if status == 200 and body["data"]["workers"] == expected:
                return body
            if status == 429:
                pause = float(headers.get("Retry-After") or 1)
        except (OSError, ValueError, KeyError, TypeError) as e:
            last = repr(e)
        time.sleep(pause)
    raise CheckFailed(f"{what}: /p2p/ready did not report {expected} within {timeout} s "
                      f"(last: {last})")


async def ws_read_profile(token, user_id):
    url = f"ws://127.0.0.1:{PORT}/api/p2p/ws?token={token}"
    async with websockets.connect(url, open_timeout=HTTP_TIMEOUT_S) as ws:
        connected = json.loads(await asyncio.wait_for(ws.recv(), HTTP_TIMEOUT_S))
        if connected.get("type") != "connected" or connected["data"].get("user_id") != user_id:
            raise CheckFailed(f"WebSocket: expected 'connected' for {user_id}, got {connected}")
        await ws.send(json.dumps({"type": "profile.get", "request_id": "compose-1"}))
        return json.loads(await asyncio.wait_for(ws.recv(), HTTP_TIMEOUT_S))


# ----------------------------------------------------------------- the steps

STEPS = []


def step(name, fn):
    log(f"{name} ...")
    started = time.monotonic()
    result = fn()
    took = time.monotonic() - started
    STEPS.append((name, took))
    log(f"{name}: ok ({took:.1f} s)")
    return result


def expected_workers():
    return {kind: count for _, kind, count in WORKERS}


def build():
    old = podman("image", "inspect", "--format", "{{.Id}}", P2P_IMAGE, check=False).stdout.strip()
    # The p2p services share one image: building one service builds it for all.
    compose("build", "--build-arg", f"DEBIAN_IMAGE={os.environ['P2P_COMPOSE_DEBIAN_IMAGE']}",
            "migrate", timeout=BUILD_TIMEOUT_S)
    new = podman("image", "inspect", "--format", "{{.Id}}", P2P_IMAGE).stdout.strip()
    if old and old != new:
        # The previous build of this clone (and its now unused layers): not a cache any more.
        podman("rmi", old, check=False)


def up():
    scale = [arg for service, _, count in WORKERS for arg in ("--scale", f"{service}={count}")]
    compose("up", "-d", "--no-build", *scale, timeout=UP_TIMEOUT_S)
    for service, _, count in WORKERS:
        ids = container_ids(service)
        if len(ids) != count:
            raise CheckFailed(f"{service}: {len(ids)} containers, expected {count}")
    migrate = container_ids("migrate")
    state = inspect(migrate[0])["State"]
    if state["Status"] != "exited" or state["ExitCode"] != 0:
        raise CheckFailed(f"migrate: {state['Status']} with exit code {state['ExitCode']}")


def profile_over_rest_and_ws():
    user_id = "compose_" + uuid.uuid4().hex[:12]
    username = "c_" + uuid.uuid4().hex[:12]
    token = h.make_token(user_id, secret=JWT_SECRET)
    # 500 two-byte characters: valid by the contract; a database that is not UTF-8
    # counts 1000 and fails its CHECK (the 500 issue 17 found).
    message = "é" * 500
    status, body, _ = http("POST", "/api/p2p/profile/create", token,
                           {"has_consent": True, "username": username,
                            "auto_reply_message": message})
    if status != 201:
        raise CheckFailed(f"REST create: HTTP {status} {body}")
    status, body, _ = http("GET", "/api/p2p/profile", token)
    profile = body.get("data", {}).get("profile", {}) if isinstance(body, dict) else {}
    if status != 200 or profile.get("username") != username \
            or profile.get("auto_reply_message") != message:
        raise CheckFailed(f"REST read: HTTP {status} {body}")
    reply = asyncio.run(asyncio.wait_for(ws_read_profile(token, user_id), 30))
    if reply.get("type") != "profile.get" or reply.get("success") is not True \
            or reply.get("request_id") != "compose-1" \
            or reply["data"].get("username") != username \
            or reply["data"].get("id") != profile["id"]:
        raise CheckFailed(f"WebSocket profile.get: {reply}")
    return token


def kill_a_worker(token):
    victim = container_ids(KILLED_SERVICE)[0]
    gateway = container_ids("gateway")[0]
    kind = dict((s, k) for s, k, _ in WORKERS)[KILLED_SERVICE]
    before = inspect(victim)
    pid, restarts = before["State"]["Pid"], before["RestartCount"]
    joined = len(h.log_events(container_log(gateway), "worker.joined", kind=kind))
    # The container's own init (tini) dies, as in a crash: not `docker kill`, which
    # counts as stopping it on purpose and is not restarted.
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()

    def restarted():
        state = inspect(victim)
        return (state["RestartCount"] > restarts and state["State"]["Running"]
                and state["State"]["Pid"] not in (0, pid))
    deadline = killed_at + RESTART_TIMEOUT_S
    while not restarted():
        if time.monotonic() > deadline:
            raise CheckFailed(f"{KILLED_SERVICE} container {victim[:12]} was not restarted "
                              f"within {RESTART_TIMEOUT_S} s: {inspect(victim)['State']}")
        time.sleep(0.2)
    log(f"{KILLED_SERVICE} container {victim[:12]} restarted "
        f"{time.monotonic() - killed_at:.1f} s after SIGKILL")
    # Its worker rejoins the gateway, and readiness is back to every worker.
    while len(h.log_events(container_log(gateway), "worker.joined", kind=kind)) <= joined:
        if time.monotonic() > deadline:
            raise CheckFailed(f"no {kind} worker rejoined the gateway after the restart")
        time.sleep(0.2)
    if len(h.log_events(container_log(victim), "worker.started")) < 2:
        raise CheckFailed(f"{victim[:12]}'s log does not show its worker starting again")
    wait_ready(expected_workers(), READY_TIMEOUT_S, "after the restart")
    log(f"readiness recovered {time.monotonic() - killed_at:.1f} s after SIGKILL")
    status, body, _ = http("GET", "/api/p2p/profile", token)
    if status != 200:
        raise CheckFailed(f"REST read after the restart: HTTP {status} {body}")


def stop_cleanly():
    compose("stop", "--timeout", "20", timeout=DOWN_TIMEOUT_S)
    bad = []
    for cid in container_ids():
        info = inspect(cid)
        state = info["State"]
        if state["Running"] or state["ExitCode"] != 0:
            bad.append(f"{info['Name']}: {state['Status']}, exit code {state['ExitCode']}")
    if bad:
        raise CheckFailed("containers that did not exit 0 on SIGTERM: " + "; ".join(bad))


def project_objects():
    """What the project owns now: container ids, volume names, network names."""
    containers = container_ids()
    volumes, networks = set(), set()
    for cid in containers:
        info = inspect(cid)
        volumes |= {m["Name"] for m in info.get("Mounts", []) if m.get("Type") == "volume"}
        networks |= set((info.get("NetworkSettings") or {}).get("Networks") or {})
    volumes |= set(podman("volume", "ls", "-q", "--filter", project_filter()).stdout.split())
    networks |= {n for n in podman("network", "ls", "--format", "{{.Name}}").stdout.split()
                 if n.startswith(PROJECT + "_")}
    return containers, volumes, networks


def down_leaves_nothing():
    containers, volumes, networks = project_objects()
    if not (containers and volumes and networks):
        raise CheckFailed(f"nothing to take down? {containers} {volumes} {networks}")
    compose("down", "-v", "--remove-orphans", "--timeout", "20", timeout=DOWN_TIMEOUT_S)
    left = [f"container {c[:12]}" for c in containers
            if podman("container", "exists", c, check=False).returncode == 0]
    left += [f"volume {v}" for v in volumes
             if podman("volume", "exists", v, check=False).returncode == 0]
    left += [f"network {n}" for n in networks
             if podman("network", "exists", n, check=False).returncode == 0]
    again = project_objects()
    left += [f"{kind} {name}" for kind, names in zip(("container", "volume", "network"), again)
             for name in names if f"{kind} {name}" not in left]
    if left:
        raise CheckFailed("`down -v` left behind: " + ", ".join(sorted(set(left))))


def dump_state():
    """The stack's state and recent logs, for a failed run."""
    log("state of the stack:")
    print(compose("ps", timeout=120, check=False).stdout, file=sys.stderr)
    print(compose("logs", "--no-color", "--tail", "40", timeout=120, check=False).stdout,
          file=sys.stderr)


def main():
    started = time.monotonic()
    log(f"project {PROJECT}, image {P2P_IMAGE}, gateway on 127.0.0.1:{PORT}")
    # A previous run killed half-way left its stack: take it down first.
    compose("down", "-v", "--remove-orphans", "--timeout", "5", timeout=DOWN_TIMEOUT_S,
            check=False, quiet=True)
    runner = HealthRunner()
    ok = False
    try:
        step("build the image (Dockerfile)", build)
        runner.start()
        step("up -d " + " ".join(f"--scale {s}={n}" for s, _, n in WORKERS), up)
        step(f"/p2p/ready reports {expected_workers()}",
             lambda: wait_ready(expected_workers(), READY_TIMEOUT_S, "after up"))
        token = step("profile over REST and WebSocket (published port)", profile_over_rest_and_ws)
        step(f"SIGKILL a {KILLED_SERVICE} container: restarted, ready again",
             lambda: kill_a_worker(token))
        runner.halt.set()
        step("stop: every container exits 0", stop_cleanly)
        step("down -v leaves nothing behind", down_leaves_nothing)
        ok = True
    except CheckFailed as e:
        log(f"FAILED: {e}")
        try:
            dump_state()
        except (CheckFailed, OSError, subprocess.SubprocessError) as dump_error:
            log(f"(could not dump the stack's state: {dump_error})")
    finally:
        runner.halt.set()
        if not ok:
            compose("down", "-v", "--remove-orphans", "--timeout", "5", timeout=DOWN_TIMEOUT_S,
                    check=False)
    for name, took in STEPS:
        log(f"  {took:7.1f} s  {name}")
    log(f"  {time.monotonic() - started:7.1f} s  in all")
    if not ok:
        log("compose check FAILED")
        return 1
    log("compose check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
