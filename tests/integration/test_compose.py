"""Static checks of docker-compose.yml, the Dockerfile and .env.example.

The stack itself runs for real in tests/compose/check (scripts/test runs it after this
suite: build, scale, kill a worker, down -v). These checks are the fast part, and they
pin down what the running check cannot see:
  - Debian's docker-compose 1.29 (v1) renders `config` (validation + interpolation,
    no engine needed); scripts/lib.sh installs it;
  - the YAML is parsed (python3-yaml) and the services, images, environment,
    dependencies, networks and published ports are asserted;
  - .env.example is checked against the CONFIG_LIST table of common/config.h.
"""

import os
import re
import shutil
import subprocess
import tempfile

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPOSE = os.path.join(ROOT, "docker-compose.yml")
DOCKERFILE = os.path.join(ROOT, "Dockerfile")
ENV_EXAMPLE = os.path.join(ROOT, ".env.example")
CONFIG_H = os.path.join(ROOT, "common", "config.h")

P2P_SERVICES = ("migrate", "gateway", "profile-svc", "admin-svc", "trade-svc")
SCALABLE = ("profile-svc", "admin-svc", "trade-svc")
BINARIES = {"migrate": "p2p-migrate", "gateway": "p2p-gateway",
            "profile-svc": "p2p-profile-svc", "admin-svc": "p2p-admin-svc",
            "trade-svc": "p2p-trade-svc"}


def config_keys():
    """[(ENV_NAME, default)] from the X(...) lines of CONFIG_LIST in common/config.h."""
    with open(CONFIG_H) as f:
        text = f.read()
    start = text.index("#define CONFIG_LIST(X)")
    end = text.index("\n\n", start)
    body = text[start:end].replace("\\\n", " ")
    keys = re.findall(r'X\(\s*\w+\s*,\s*"([A-Z0-9_]+)"\s*,\s*(?:STR|INT)\s*,\s*"((?:[^"\\]|\\.)*)"',
                      body)
    assert len(keys) >= 10, f"could not parse CONFIG_LIST in {CONFIG_H}: {keys}"
    return keys


def env_example_values():
    """{KEY: value} for every `KEY=value` line, commented out (`# KEY=value`) or not."""
    values = {}
    with open(ENV_EXAMPLE) as f:
        for line in f:
            m = re.match(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", line.rstrip("\n"))
            if m:
                values[m.group(2)] = m.group(3)
    return values


def clean_env(**extra):
    """The environment without any variable the compose file interpolates."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("P2P_", "POSTGRES_", "COMPOSE_", "DOCKER_"))
           and k not in ("JWT_SECRET", "LOG_LEVEL", "DATABASE_URL")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def compose():
    with open(COMPOSE) as f:
        return yaml.safe_load(f)


# ----------------------------------------------------------------- .env.example

def test_env_example_lists_every_config_key_with_its_default():
    values = env_example_values()
    missing = [k for k, _ in config_keys() if k not in values]
    assert not missing, f".env.example lacks {missing} (common/config.h CONFIG_LIST)"
    wrong = {k: (values[k], d) for k, d in config_keys() if values[k] != d}
    assert not wrong, f".env.example defaults differ from config.h (have, want): {wrong}"


def test_env_example_documents_every_line():
    """Each KEY= line (or group of them) follows a comment that says what it means."""
    with open(ENV_EXAMPLE) as f:
        lines = f.read().splitlines()
    key = re.compile(r"^(#\s*)?[A-Z][A-Z0-9_]*=")
    for i, line in enumerate(lines):
        if key.match(line):
            j = i - 1
            while j >= 0 and key.match(lines[j]):  # a group of keys shares one comment
                j -= 1
            prev = lines[j] if j >= 0 else ""
            assert prev.startswith("#"), f".env.example line {i + 1} ({line}) has no comment"


def test_env_example_covers_what_compose_interpolates():
    with open(COMPOSE) as f:
        text = f.read()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    values = env_example_values()
    assert used, "docker-compose.yml interpolates nothing?"
    missing = sorted(used - set(values))
    assert not missing, f"docker-compose.yml uses {missing}, which .env.example lacks"


# ----------------------------------------------------------------- docker-compose config

def _docker_compose(args, env):
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.fail("docker-compose (Debian package docker-compose) is not installed; "
                    "scripts/lib.sh p2p_install_deps installs it")
    with tempfile.NamedTemporaryFile("w", suffix=".env") as empty:
        return subprocess.run([exe, "--env-file", empty.name, "-f", COMPOSE] + args,
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_docker_compose_renders_config():
    done = _docker_compose(["config"], clean_env(JWT_SECRET="test-secret"))
    assert done.returncode == 0, done.stderr
    rendered = yaml.safe_load(done.stdout)
    assert set(rendered["services"]) == {"postgres"} | set(P2P_SERVICES)
    gw = rendered["services"]["gateway"]
    assert gw["environment"]["JWT_SECRET"] == "test-secret"
    assert gw["environment"]["P2P_HTTP_PORT"] == "8030"
    assert gw["ports"] == [{"published": 8030, "target": 8030}] or \
        gw["ports"] == ["8030:8030"], gw["ports"]
    for name in SCALABLE:
        svc = rendered["services"][name]
        assert svc["environment"]["DATABASE_URL"] == \
            "postgresql://p2p:p2p@postgres:5432/pxyz_fx_p2p"
    svcs = rendered["services"]
    assert "pgdata" in rendered["volumes"]
    assert all("container_name" not in svcs[n] for n in SCALABLE)


def test_docker_compose_interpolates_from_env():
    done = _docker_compose(["config"], clean_env(
        JWT_SECRET="s", P2P_HTTP_PORT="9100", POSTGRES_PASSWORD="pw", LOG_LEVEL="debug",
        P2P_IMAGE="example/p2p:1"))
    assert done.returncode == 0, done.stderr
    svcs = yaml.safe_load(done.stdout)["services"]
    gw = svcs["gateway"]
    assert gw["environment"]["P2P_HTTP_PORT"] == "9100"
    assert gw["ports"] in ([{"published": 9100, "target": 9100}], ["9100:9100"]), gw["ports"]
    assert svcs["profile-svc"]["environment"]["DATABASE_URL"] == \
        "postgresql://p2p:pw@postgres:5432/pxyz_fx_p2p"
    assert svcs["postgres"]["environment"]["POSTGRES_PASSWORD"] == "pw"
    for name in P2P_SERVICES:
        assert svcs[name]["image"] == "example/p2p:1"
        assert svcs[name]["environment"]["LOG_LEVEL"] == "debug"


def test_docker_compose_refuses_without_jwt_secret():
    done = _docker_compose(["config", "-q"], clean_env())
    assert done.returncode != 0
    assert "JWT_SECRET" in done.stderr


def test_docker_compose_lists_services_and_volumes():
    env = clean_env(JWT_SECRET="s")
    done = _docker_compose(["config", "--services"], env)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == {"postgres"} | set(P2P_SERVICES)
    done = _docker_compose(["config", "--volumes"], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["pgdata"]


# ----------------------------------------------------------------- the YAML itself

def test_file_format_is_v2_4(compose):
    # docker-compose 1.29 (Debian 12) and `docker compose` v2 both read 2.4, which keeps
    # depends_on conditions (3.x dropped them).
    assert str(compose["version"]) == "2.4"


def test_services(compose):
    assert set(compose["services"]) == {"postgres"} | set(P2P_SERVICES)


def test_postgres(compose):
    pg = compose["services"]["postgres"]
    # The official image by default; any image with its POSTGRES_* contract will do.
    assert pg["image"] == "${POSTGRES_IMAGE:-postgres:15-bookworm}"
    test = pg["healthcheck"]["test"]
    assert "pg_isready" in " ".join(test if isinstance(test, list) else [test])
    assert any(str(v).startswith("pgdata:/var/lib/postgresql/data") for v in pg["volumes"])
    assert "pgdata" in compose["volumes"]
    assert "ports" not in pg


def test_p2p_services_share_one_image_built_here(compose):
    for name in P2P_SERVICES:
        svc = compose["services"][name]
        assert svc["image"] == "${P2P_IMAGE:-p2p-service:local}", name
        assert svc["build"]["context"] == "." and svc["build"]["dockerfile"] == "Dockerfile"
        assert svc["command"][0] == BINARIES[name], (name, svc["command"])


def test_only_the_gateway_publishes_a_port(compose):
    publishing = sorted(n for n, s in compose["services"].items() if s.get("ports"))
    assert publishing == ["gateway"]
    assert compose["services"]["gateway"]["ports"] == \
        ["${P2P_HTTP_PORT:-8030}:${P2P_HTTP_PORT:-8030}"]


def test_scalable_services_have_no_fixed_names_or_ports(compose):
    for name in SCALABLE:
        svc = compose["services"][name]
        for key in ("container_name", "ports", "hostname"):
            assert key not in svc, f"{name} has {key}: it could not be scaled"


def test_wiring(compose):
    svcs = compose["services"]
    gw = svcs["gateway"]["environment"]
    assert gw["P2P_WORKER_BIND"] == "tcp://0.0.0.0:5555"
    # Until the link has CURVE keys, the gateway must be told its non-loopback worker
    # endpoint is on a trusted network (the internal worker-link network).
    assert gw["P2P_WORKER_LINK_INSECURE"] == "1"
    assert gw["JWT_SECRET"].startswith("${JWT_SECRET:?")
    assert gw["P2P_HTTP_PORT"] == "${P2P_HTTP_PORT:-8030}"
    db_url = ("postgresql://${POSTGRES_USER:-p2p}:${POSTGRES_PASSWORD:-p2p}"
              "@postgres:5432/${POSTGRES_DB:-pxyz_fx_p2p}")
    for name in SCALABLE:
        env = svcs[name]["environment"]
        assert env["P2P_GATEWAY_ENDPOINTS"] == "tcp://gateway:5555", name
        assert env["DATABASE_URL"] == db_url, name
    assert svcs["migrate"]["environment"]["DATABASE_URL"] == db_url
    assert "DATABASE_URL" not in gw, "the gateway never talks to the database"


def test_every_service_variable_is_passed_through(compose):
    """Each config.h key reaches some p2p service (from .env, or set by compose)."""
    svcs = compose["services"]
    passed = set()
    for name in P2P_SERVICES:
        passed |= set(svcs[name]["environment"])
    missing = sorted({k for k, _ in config_keys()} - passed)
    assert not missing, f"no p2p service in docker-compose.yml receives {missing}"
    for name in SCALABLE:
        env = set(svcs[name]["environment"])
        assert {"DATABASE_URL", "P2P_GATEWAY_ENDPOINTS", "P2P_HEARTBEAT_MS",
                "LOG_LEVEL"} <= env, name


def test_networks(compose):
    """The worker link has its own internal network that only the gateway and the
    workers join; the published port's network holds the gateway alone; the database's
    network holds the database, the migration and the workers."""
    nets = compose["networks"]
    svcs = compose["services"]
    members = {name: set() for name in nets}
    for name, svc in svcs.items():
        assert svc.get("networks"), f"{name} is on the default network"
        for net in svc["networks"]:
            members[net].add(name)
    assert members["worker-link"] == {"gateway"} | set(SCALABLE)
    assert nets["worker-link"].get("internal") is True
    assert members["edge"] == {"gateway"}
    assert not nets["edge"] or not nets["edge"].get("internal"), "edge must reach the host"
    assert members["db"] == {"postgres", "migrate"} | set(SCALABLE)
    assert nets["db"].get("internal") is True
    # Only the gateway publishes, and the worker link is not where it publishes.
    for name in SCALABLE:
        assert "edge" not in svcs[name]["networks"], name
    # trade-svc alone has a route out (notification mails, merchants' webhooks)
    assert members["egress"] == {"trade-svc"}
    assert not nets["egress"] or not nets["egress"].get("internal"), "egress must route out"


def test_workers_restart_and_scale_alike(compose):
    """Every worker kind shares one definition: restart policy, networks (trade-svc has one
    more, for its mails and webhooks), dependencies."""
    svcs = compose["services"]
    first = svcs[SCALABLE[0]]
    for name in SCALABLE:
        svc = svcs[name]
        assert svc["restart"] == "unless-stopped", name
        for key in ("depends_on", "environment", "image", "build", "restart"):
            assert svc[key] == first[key], (name, key)
        # the same networks, but for trade-svc's way out (test_networks)
        assert [n for n in svc["networks"] if n != "egress"] == first["networks"], name


def test_dependencies(compose):
    svcs = compose["services"]
    assert svcs["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert svcs["migrate"].get("restart") == "no"
    for name in SCALABLE:
        deps = svcs[name]["depends_on"]
        assert deps["migrate"] == {"condition": "service_completed_successfully"}, name
        assert "gateway" in deps, name
    assert "depends_on" not in svcs["gateway"]


def test_dockerfile():
    with open(DOCKERFILE) as f:
        text = f.read()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\w+))?", text, re.M | re.I)
    assert len(stages) == 2, stages
    assert "ARG DEBIAN_IMAGE=debian:bookworm-slim" in text
    build, runtime = text.split("AS runtime", 1)
    assert "cmake --build" in build
    for flag in ("-DP2P_TESTS=OFF", "-DP2P_BENCH=OFF", "-DP2P_SANITIZE=OFF"):
        assert flag in build, flag
    assert "-dev" not in runtime, "the runtime stage installs a -dev package"
    for pkg in ("libwebsockets17", "libczmq4", "libzmq5", "libjwt0", "libjansson4",
                "libprotobuf-c1", "libpq5", "tini"):
        assert re.search(rf"\b{re.escape(pkg)}\b", runtime), pkg
    assert re.search(r"^USER\s+p2p", runtime, re.M), "the runtime does not drop root"
    assert '"/usr/bin/tini", "--"' in runtime


def test_dockerignore_keeps_what_the_build_needs():
    with open(os.path.join(ROOT, ".dockerignore")) as f:
        ignored = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    for needed in ("CMakeLists.txt", "common", "gateway", "profile-svc", "migrations",
                   "proto", "web"):
        assert needed not in ignored
    assert {".git", "build", ".env"} <= ignored
