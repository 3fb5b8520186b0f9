"""docs/api/openapi.yaml and docs/api/asyncapi.yaml against the code.

A route, message type, push or error code that exists in the code but not in a spec
fails, and so does the reverse. "The code" is read twice, so a stale binary or a parser
slip cannot hide a difference:
  - `$P2P_BIN_DIR/p2p-gateway --routes` (what the built gateway serves), and
  - the sources, textually: s_routes[] in gateway/route_table.c (with each route's
    message type), MSG_TYPE_LIST in common/msg_type.h, ERR_LIST in common/err.h (codes
    and their HTTP statuses), and the push frames workers build ("type":"...").
Most tests start no server. The last one runs a trade through a real stack and checks
every trading reply (REST and WebSocket, the push included) against its documented
schema, both ways: what the schema requires is there, with its type and format, and
nothing is in the reply that the schema does not describe. Every trading route and
message must be exercised there.
"""

import json
import os
import re
import subprocess
import uuid

import pytest
import yaml

import p2p_harness as h
import trading as t
from test_chat import PDF, PNG

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OPENAPI = os.path.join(ROOT, "docs", "api", "openapi.yaml")
ASYNCAPI = os.path.join(ROOT, "docs", "api", "asyncapi.yaml")
ROUTE_TABLE_C = os.path.join(ROOT, "gateway", "route_table.c")
MSG_TYPE_H = os.path.join(ROOT, "common", "msg_type.h")
ERR_H = os.path.join(ROOT, "common", "err.h")

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
SERVER_EVENTS = ("connected", "connection_error", "account_suspended", "error")
WS_PATH = "/api/p2p/ws"


def _read(path):
    with open(path) as f:
        return f.read()


def _x_macro_body(text, name):
    start = text.index(f"#define {name}(X)")
    end = text.index("\n\n", start)
    return text[start:end].replace("\\\n", " ")


# ----------------------------------------------------------------- the code

@pytest.fixture(scope="module")
def gateway_routes():
    """`p2p-gateway --routes`, parsed."""
    bin_dir = os.environ.get("P2P_BIN_DIR")
    assert bin_dir, "P2P_BIN_DIR is not set"
    exe = os.path.join(bin_dir, "p2p-gateway")
    done = subprocess.run([exe, "--routes"], capture_output=True, text=True, timeout=30,
                          env={k: v for k, v in os.environ.items() if k != "JWT_SECRET"})
    assert done.returncode == 0, f"{exe} --routes failed ({done.returncode}): {done.stderr}"
    routes = json.loads(done.stdout)
    for key in ("rest", "ws", "server_events"):
        assert key in routes, f"--routes output lacks {key!r}"
    return routes


def source_route_rows():
    """[(METHOD, path, kind, msg enum, auth)] from s_routes[] in gateway/route_table.c."""
    text = _read(ROUTE_TABLE_C)
    start = text.index("s_routes[] = {")
    table = text[start:text.index("};", start)]
    rows = re.findall(r'\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*ROUTE_(\w+)\s*,\s*(\w+)\s*,\s*ROUTE_AUTH_(\w+)\s*\}',
                      table)
    assert len(rows) >= 6, f"could not parse s_routes[] in {ROUTE_TABLE_C}"
    return [(m, p, kind, msg, a.lower()) for m, p, kind, msg, a in rows]


def source_rest_routes():
    """{(METHOD, path): auth} from s_routes[] in gateway/route_table.c."""
    return {(m, p): a for m, p, _, _, a in source_route_rows()}


def source_msg_types():
    """[(wire name, flags, placeholder text or None)] from MSG_TYPE_LIST in common/msg_type.h."""
    return [(name, flags, text) for _, name, _, flags, text in source_msg_rows()]


def source_msg_rows():
    """[(enum, wire name, service, flags, placeholder text or None)] from MSG_TYPE_LIST."""
    body = _x_macro_body(_read(MSG_TYPE_H), "MSG_TYPE_LIST")
    rows = re.findall(r'X\(\s*(MSG_\w+)\s*,\s*"([^"]+)"\s*,\s*(SERVICE_\w+)\s*,\s*([^,]+?)\s*,\s*'
                      r'("(?:[^"\\]|\\.)*"(?:\s*"(?:[^"\\]|\\.)*")*|NULL)\s*\)', body)
    assert len(rows) >= 20, f"could not parse MSG_TYPE_LIST in {MSG_TYPE_H}"
    out = []
    for enum, name, service, flags, placeholder in rows:
        text = None if placeholder == "NULL" else "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', placeholder))
        out.append((enum, name, service, flags, text))
    return out


def source_ws_types():
    return [name for name, flags, _ in source_msg_types() if "MSG_WS" in flags]


def source_error_statuses():
    """{wire code: HTTP status} from ERR_LIST in common/err.h (OK left out)."""
    body = _x_macro_body(_read(ERR_H), "ERR_LIST")
    rows = re.findall(r'X\(\s*ERR_\w+\s*,\s*(\d+)\s*,\s*"([A-Z0-9_]+)"\s*\)', body)
    assert len(rows) >= 10, f"could not parse ERR_LIST in {ERR_H}"
    return {code: int(status) for status, code in rows if code != "OK"}


def source_error_codes():
    return list(source_error_statuses())


WORKER_DIRS = ("profile-svc", "admin-svc", "trade-svc")


def source_push_types():
    """Types of the frames workers push to sessions: every "type":"<name>" a worker's C
    source writes, and every type trade-svc queues with trade_push_add(..., "<name>", ...)
    (a reply never carries its type; the gateway adds it)."""
    found = set()
    for d in WORKER_DIRS:
        for name in sorted(os.listdir(os.path.join(ROOT, d))):
            if name.endswith(".c"):
                text = _read(os.path.join(ROOT, d, name))
                found |= set(re.findall(r'\\"type\\":\s*\\"([a-z_.]+)\\"', text))
                for call in re.findall(r"\btrade_push_add\(([^;{]*)\);", text):
                    found |= set(re.findall(r'"([a-z_]+\.[a-z_.]+)"', call))
    assert found, "no push frame found in the workers' sources (the pattern is stale?)"
    return found


# ----------------------------------------------------------------- the specs

@pytest.fixture(scope="module")
def openapi():
    return yaml.safe_load(_read(OPENAPI))


@pytest.fixture(scope="module")
def asyncapi():
    return yaml.safe_load(_read(ASYNCAPI))


def resolve(doc, node):
    """Follow local $refs ("#/a/b") until node is not a reference."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"non-local $ref {ref}"
        node = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            assert isinstance(node, dict) and part in node, f"unresolvable $ref {ref}"
            node = node[part]
        seen += 1
        assert seen < 20, f"$ref loop at {ref}"
    return node


def all_refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from all_refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from all_refs(v)


def spec_operations(doc):
    """{(METHOD, path): operation} of an OpenAPI document."""
    ops = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                ops[(method.upper(), path)] = op
    return ops


def schema_properties(doc, schema):
    """Union of properties of a schema and everything it allOf-includes."""
    schema = resolve(doc, schema)
    props = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        props.update(schema_properties(doc, part))
    return props


def _diff(what, code, spec):
    code, spec = set(code), set(spec)
    problems = []
    if code - spec:
        problems.append(f"in the code but not in {what}: {sorted(code - spec)}")
    if spec - code:
        problems.append(f"in {what} but not in the code: {sorted(spec - code)}")
    return problems


# ----------------------------------------------------------------- OpenAPI

def test_openapi_document_shape(openapi):
    assert str(openapi["openapi"]).startswith("3.0.")
    assert openapi["info"]["title"] and openapi["info"]["version"]
    scheme = openapi["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert openapi["security"] == [{"bearerAuth": []}]


@pytest.mark.parametrize("path", [OPENAPI, ASYNCAPI], ids=["openapi", "asyncapi"])
def test_every_ref_resolves(path):
    doc = yaml.safe_load(_read(path))
    for ref in all_refs(doc):
        resolve(doc, {"$ref": ref})


def test_openapi_matches_gateway_routes(openapi, gateway_routes):
    code = {(r["method"], r["path"]) for r in gateway_routes["rest"]}
    problems = _diff("openapi.yaml", code, spec_operations(openapi))
    assert not problems, "REST routes differ (p2p-gateway --routes):\n  " + "\n  ".join(problems)


def test_openapi_matches_route_table_source(openapi):
    problems = _diff("openapi.yaml", source_rest_routes(), spec_operations(openapi))
    assert not problems, ("REST routes differ (s_routes[] in gateway/route_table.c):\n  " +
                          "\n  ".join(problems))


def test_route_table_source_matches_binary(gateway_routes):
    """The built gateway is the one the sources describe (else rebuild)."""
    binary = {(r["method"], r["path"]): r.get("auth") for r in gateway_routes["rest"]}
    assert binary == source_rest_routes()


def test_openapi_security_matches_route_auth(openapi):
    ops = spec_operations(openapi)
    for (method, path), auth in source_rest_routes().items():
        op = ops.get((method, path))
        if op is None:
            continue  # reported by test_openapi_matches_route_table_source
        security = op.get("security", openapi.get("security"))
        where = f"{method} {path} (auth {auth})"
        if auth == "none":
            assert security == [], f"{where}: the spec asks for a token"
        else:
            assert {"bearerAuth": []} in security, f"{where}: the spec asks for no token"
            statuses = set(op["responses"])
            # the WebSocket path's plain GET asks no worker: no 503 or 504
            needed = {"401", "429"} if path == WS_PATH else {"401", "429", "503", "504"}
            assert needed <= statuses, f"{where}: {sorted(statuses)}"
        if auth == "admin":
            assert "403" in op["responses"], f"{where}: no 403 for non-admins"
            assert path.startswith("/api/p2p/admin/") and "admin" in op.get("tags", [])


def test_openapi_path_parameters_are_declared(openapi):
    for path, item in openapi["paths"].items():
        wanted = set(re.findall(r"\{(\w+)\}", path))
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            params = [resolve(openapi, p) for p in item.get("parameters", []) + op.get("parameters", [])]
            declared = {p["name"] for p in params if p["in"] == "path"}
            assert declared == wanted, f"{method.upper()} {path}: path parameters {declared}"
            for p in params:
                if p["in"] == "path":
                    assert p.get("required") is True


def test_openapi_bodies_and_statuses(openapi):
    """Every status of the contract's table appears; writes document 400 and 413."""
    ops = spec_operations(openapi)
    seen = set()
    for (method, path), op in ops.items():
        seen |= set(op["responses"])
        for status, response in op["responses"].items():
            assert re.fullmatch(r"[1-5]\d\d", status), f"{method} {path}: status {status}"
            assert resolve(openapi, response).get("description"), f"{method} {path} {status}"
        if method in ("POST", "PUT") and "requestBody" in op:
            content = op["requestBody"]["content"]
            assert content, f"{method} {path}: a request body of no type"
            for media, body in content.items():
                assert resolve(openapi, body["schema"]), f"{method} {path}: no {media} request schema"
            assert {"400", "413"} <= set(op["responses"]), f"{method} {path}"
    assert {"200", "201", "400", "401", "403", "404", "409", "413", "429", "503"} <= seen
    assert "201" in ops[("POST", "/api/p2p/profile/create")]["responses"]
    retry = resolve(openapi, {"$ref": "#/components/responses/TooManyRequests"})
    assert "Retry-After" in retry["headers"]


def test_openapi_envelope(openapi):
    props = schema_properties(openapi, {"$ref": "#/components/schemas/Envelope"})
    assert {"success", "data", "message", "error", "code"} <= set(props)


def test_openapi_error_codes_match_err_h(openapi):
    enum = openapi["components"]["schemas"]["ErrorCode"]["enum"]
    problems = _diff("openapi.yaml ErrorCode", source_error_codes(), enum)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("which", ["openapi", "asyncapi"])
def test_error_codes_and_statuses_match_err_h(which, openapi, asyncapi):
    """Each spec's ErrorCode lists every code of ERR_LIST with its HTTP status."""
    schema = (openapi if which == "openapi" else asyncapi)["components"]["schemas"]["ErrorCode"]
    want = source_error_statuses()
    problems = _diff(f"{which}.yaml ErrorCode", want, schema["enum"])
    assert not problems, "\n".join(problems)
    assert schema.get("x-http-status") == want, f"{which}.yaml ErrorCode x-http-status differs from err.h"


def test_openapi_error_table_matches_err_h(openapi):
    """The human table in ErrorCode's description: one row per code, with its status."""
    text = openapi["components"]["schemas"]["ErrorCode"]["description"]
    rows = re.findall(r"^\| ([A-Z0-9_]+) \| (\d{3}) \| \S.*\|$", text, re.M)
    table = dict((code, int(status)) for code, status in rows)
    assert len(table) == len(rows), "a code has two rows"
    assert table == source_error_statuses(), "openapi.yaml ErrorCode's table differs from err.h"


def test_openapi_operations_name_their_message_type(openapi):
    """A route served by a worker says which message type (and so which handler) it runs."""
    wire = {enum: name for enum, name, _, _, _ in source_msg_rows()}
    ops = spec_operations(openapi)
    for method, path, kind, msg, _ in source_route_rows():
        op = ops.get((method, path))
        if op is None:
            continue  # reported by test_openapi_matches_route_table_source
        got = op.get("x-message-type")
        if kind == "WORKER":
            assert got == wire[msg], f"{method} {path}: x-message-type {got!r}, the route runs {wire[msg]!r}"
        else:
            assert got is None, f"{method} {path}: served by the gateway itself, not {got!r}"


def test_openapi_admin_api_covers_the_contract(openapi):
    ops = spec_operations(openapi)
    for key in [("GET", "/api/p2p/admin/profiles"), ("GET", "/api/p2p/admin/profiles/{id}"),
                ("POST", "/api/p2p/admin/profiles/{id}/suspend"),
                ("POST", "/api/p2p/admin/profiles/{id}/unsuspend"),
                ("POST", "/api/p2p/admin/profiles/{id}/verify"),
                ("POST", "/api/p2p/admin/profiles/{id}/merchant"),
                ("GET", "/api/p2p/admin/audit")]:
        assert key in ops, key
    listed = {resolve(openapi, p)["name"] for p in ops[("GET", "/api/p2p/admin/profiles")]["parameters"]}
    assert listed == {"search", "is_suspended", "is_verified", "is_merchant", "limit", "offset"}
    audit = {resolve(openapi, p)["name"] for p in ops[("GET", "/api/p2p/admin/audit")]["parameters"]}
    assert audit == {"profile_id", "limit", "offset"}


# ----------------------------------------------------------------- AsyncAPI

def _channel(asyncapi):
    assert str(asyncapi["asyncapi"]).startswith("2.6")
    assert list(asyncapi["channels"]) == [WS_PATH]
    return asyncapi["channels"][WS_PATH]


def _messages(asyncapi, operation):
    msg = _channel(asyncapi)[operation]["message"]
    msgs = msg.get("oneOf", [msg])
    return [resolve(asyncapi, m) for m in msgs]


def _type_const(asyncapi, message):
    props = schema_properties(asyncapi, message["payload"])
    return props.get("type", {}).get("const")


def test_asyncapi_channel_is_the_gateway_path(asyncapi, gateway_routes):
    _channel(asyncapi)
    assert gateway_routes.get("websocket_path", WS_PATH) == WS_PATH
    server = asyncapi["servers"]["local"]
    assert server["protocol"] == "ws"


def test_asyncapi_client_messages_match_gateway(asyncapi, gateway_routes):
    names = [m["name"] for m in _messages(asyncapi, "publish")]
    assert len(names) == len(set(names)), "a client message is listed twice"
    problems = _diff("asyncapi.yaml (publish)", gateway_routes["ws"], names)
    assert not problems, "WebSocket types differ (p2p-gateway --routes):\n  " + "\n  ".join(problems)


def test_asyncapi_client_messages_match_msg_type_h(asyncapi):
    names = [m["name"] for m in _messages(asyncapi, "publish")]
    problems = _diff("asyncapi.yaml (publish)", source_ws_types(), names)
    assert not problems, ("WebSocket types differ (MSG_WS in common/msg_type.h):\n  " +
                          "\n  ".join(problems))


def test_msg_type_h_matches_binary(gateway_routes):
    assert gateway_routes["ws"] == source_ws_types(), "rebuild: the gateway is stale"


def _is_push(message):
    return any(tag.get("name") == "push" for tag in message.get("tags", []))


def test_asyncapi_every_request_has_a_reply_and_server_events(asyncapi, gateway_routes):
    replies = [m["name"] for m in _messages(asyncapi, "subscribe")]
    assert len(replies) == len(set(replies)), "a server message is listed twice"
    want = list(gateway_routes["ws"]) + list(gateway_routes["server_events"]) + sorted(source_push_types())
    problems = _diff("asyncapi.yaml (subscribe)", want, replies)
    assert not problems, "\n  ".join(problems)
    assert set(gateway_routes["server_events"]) == set(SERVER_EVENTS)


def test_asyncapi_payloads_name_their_type_and_request_id(asyncapi):
    for op in ("publish", "subscribe"):
        for m in _messages(asyncapi, op):
            assert _type_const(asyncapi, m) == m["name"], f"{op} {m['name']}: type const"
            props = schema_properties(asyncapi, m["payload"])
            if _is_push(m):
                assert "request_id" not in props, f"push {m['name']} has a request_id"
                assert props.get("success", {}).get("const") is True, f"push {m['name']}: success"
            elif m["name"] not in ("connected", "connection_error", "account_suspended"):
                assert "request_id" in props, f"{op} {m['name']}: no request_id"
                rid = resolve(asyncapi, props["request_id"])
                assert rid["type"] == "string" and rid["maxLength"] == 64
            if op == "subscribe":
                assert "success" in props, f"reply {m['name']} has no success"


def test_asyncapi_connection_errors(asyncapi):
    msgs = {m["name"]: m for m in _messages(asyncapi, "subscribe")}
    props = schema_properties(asyncapi, msgs["connection_error"]["payload"])
    assert {"NOT_JOINED_P2P", "CONSENT_REQUIRED", "ACCOUNT_SUSPENDED"} <= set(props["error"]["enum"])
    props = schema_properties(asyncapi, msgs["account_suspended"]["payload"])
    assert props["error"]["const"] == "ACCOUNT_SUSPENDED"


def test_asyncapi_placeholder_texts_match_msg_type_h(asyncapi):
    msgs = {}
    for m in _messages(asyncapi, "subscribe"):
        msgs[m["name"]] = m
    for name, flags, placeholder in source_msg_types():
        if "MSG_WS" not in flags or placeholder is None or name not in msgs:
            continue
        props = schema_properties(asyncapi, msgs[name]["payload"])
        assert props.get("message", {}).get("const") == placeholder, name


def test_asyncapi_pushes_match_workers(asyncapi):
    """The messages tagged push are exactly the frames workers push."""
    pushes = [m["name"] for m in _messages(asyncapi, "subscribe") if _is_push(m)]
    problems = _diff("asyncapi.yaml (push)", source_push_types(), pushes)
    assert not problems, "\n  ".join(problems)


def test_asyncapi_messages_name_their_rest_route(asyncapi):
    """A message that a REST route also runs names that route (x-rest), and only then;
    a served message declares its data, and so does its reply."""
    wire = {enum: name for enum, name, _, _, _ in source_msg_rows()}
    rest = {wire[msg]: f"{m} {p}" for m, p, kind, msg, _ in source_route_rows() if kind == "WORKER"}
    served = {name for _, name, _, flags, text in source_msg_rows() if "MSG_WS" in flags and text is None}
    replies = {m["name"]: m for m in _messages(asyncapi, "subscribe") if not _is_push(m)}
    for m in _messages(asyncapi, "publish"):
        assert m.get("x-rest") == rest.get(m["name"]), f"{m['name']}: x-rest {m.get('x-rest')!r}"
        if m["name"] in served:
            assert "data" in schema_properties(asyncapi, m["payload"]), f"{m['name']}: no data schema"
            data = schema_properties(asyncapi, replies[m["name"]]["payload"]).get("data")
            generic = data is None or resolve(asyncapi, data) == {"type": "object"}
            assert not generic, f"{m['name']}: no reply data schema"


# ----------------------------------------------------------------- the replies, live

def _plain_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a null alternative;
    examples and extensions go."""
    if isinstance(node, list):
        return [_plain_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _plain_schema(v) for k, v in node.items()
           if k not in ("nullable", "example") and not k.startswith("x-")}
    return {"anyOf": [{"type": "null"}, out]} if node.get("nullable") is True else out


def _shape(doc, schema):
    """(properties, schema of other keys or None, open to anything) of an object schema,
    through allOf / oneOf / anyOf; a later part's property wins (it is the more specific,
    as `data` over the envelope's generic one)."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return {}, None, False
    props, extra = {}, None
    more = schema.get("additionalProperties")
    extra, open_ = (more if isinstance(more, dict) else None), more is True
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            p, e, o = _shape(doc, part)
            props.update(p)
            extra, open_ = extra or e, open_ or o
    props.update(schema.get("properties", {}))
    return props, extra, open_


def _items(doc, schema):
    schema = resolve(doc, schema)
    if "items" in schema:
        return schema["items"]
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            got = _items(doc, part)
            if got is not None:
                return got
    return None


def _undocumented(doc, schema, value, where="$"):
    """Paths of the keys in value that schema does not describe."""
    found = []
    if isinstance(value, dict):
        props, extra, open_ = _shape(doc, schema)
        for key, v in value.items():
            sub = props.get(key, extra)
            if sub is not None:
                found += _undocumented(doc, sub, v, f"{where}.{key}")
            elif not open_:
                found.append(f"{where}.{key}")
    elif isinstance(value, list):
        items = _items(doc, schema)
        for i, v in enumerate(value):
            if items is not None:
                found += _undocumented(doc, items, v, f"{where}[{i}]")
    return found


def _schema_problems(doc, schema, value, openapi_dialect):
    """Where value breaks schema (types, formats, bounds, required) or has keys it does not
    describe. []: it matches."""
    from jsonschema import Draft7Validator
    components = doc["components"]["schemas"]
    convert = _plain_schema if openapi_dialect else (lambda n: n)
    root = {"components": {"schemas": convert(components)}, "allOf": [convert(schema)]}
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message[:300]}"
                for e in Draft7Validator(root).iter_errors(value)]
    return problems + [f"{p}: not in the spec" for p in _undocumented(doc, schema, value)]


class _SpecChecker:
    """Sends trading calls and checks each request and reply against the specs."""

    def __init__(self, stack, openapi, asyncapi):
        self.stack, self.openapi, self.asyncapi = stack, openapi, asyncapi
        self.problems = []
        self.seen_rest, self.seen_ws, self.seen_push = set(), set(), set()
        self.publish = {m["name"]: m for m in _messages(asyncapi, "publish")}
        subscribe = _messages(asyncapi, "subscribe")
        self.replies = {m["name"]: m for m in subscribe if not _is_push(m)}
        self.pushes = {m["name"]: m for m in subscribe if _is_push(m)}
        self.statuses = openapi["components"]["schemas"]["ErrorCode"]["x-http-status"]

    def _note(self, where, problems):
        self.problems += [f"{where}: {p}" for p in problems]

    def call(self, token, method, template, params=None, body=h._NO_BODY, query="", expect=200):
        """One REST call; returns the reply's JSON."""
        op = self.openapi["paths"][template][method.lower()]
        path = template.format(**(params or {})) + (f"?{query}" if query else "")
        where = f"{method} {template} -> {expect}"
        if body is not h._NO_BODY and expect < 300:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            self._note(f"{where} request", _schema_problems(self.openapi, schema, body, True))
        resp = h.http_request(self.stack, method, path, token=token, json_body=body)
        assert resp.status == expect, f"{method} {path}: {resp!r}"
        return self._json_reply(method, template, resp)

    def _json_reply(self, method, template, resp):
        """Checks a JSON reply against the operation's response for its status."""
        op = self.openapi["paths"][template][method.lower()]
        where = f"{method} {template} -> {resp.status}"
        reply = resp.json
        if str(resp.status) not in op["responses"]:
            self._note(where, [f"status not documented: {reply}"])
            return reply
        response = resolve(self.openapi, op["responses"][str(resp.status)])
        schema = response["content"]["application/json"]["schema"]
        self._note(where, _schema_problems(self.openapi, schema, reply, True))
        if reply.get("success") is False:
            code = reply.get("code")
            if self.statuses.get(code) != resp.status:
                self._note(where, [f"{code} is HTTP {self.statuses.get(code)} in ErrorCode"])
            if code not in response["description"]:
                self._note(where, [f"{code} is not named in the response's description"])
        self.seen_rest.add((method, template))
        return reply

    def upload(self, token, order_id, data, content_type, expect=201):
        """A file upload (the raw body, not JSON); returns the reply's JSON."""
        template = "/api/p2p/orders/{id}/attachments"
        if expect < 300:
            media = self.openapi["paths"][template]["post"]["requestBody"]["content"]
            if content_type not in media:
                self._note(f"POST {template} request", [f"{content_type} is not a documented body type"])
        resp = h.http_request(self.stack, "POST", template.format(id=order_id), token=token, raw=data,
                              headers={"Content-Type": content_type})
        assert resp.status == expect, resp
        return self._json_reply("POST", template, resp)

    def download(self, token, attachment_id, expect=200, body=None):
        """A file download: on 200 the bytes, their type and headers as documented."""
        template = "/api/p2p/attachments/{id}"
        resp = h.http_request(self.stack, "GET", template.format(id=attachment_id), token=token)
        assert resp.status == expect, resp
        if expect != 200:
            return self._json_reply("GET", template, resp)
        from jsonschema import Draft7Validator
        where = f"GET {template} -> 200"
        response = resolve(self.openapi, self.openapi["paths"][template]["get"]["responses"]["200"])
        if resp.content_type.split(";")[0] not in response["content"]:
            self._note(where, [f"Content-Type {resp.content_type} not documented"])
        for name, header in response["headers"].items():
            value = resp.headers.get(name.lower())
            schema = _plain_schema(resolve(self.openapi, header["schema"]))
            if value is None:
                self._note(where, [f"header {name} missing"])
            else:
                self._note(where, [f"header {name}: {e.message}" for e in Draft7Validator(schema).iter_errors(value)])
        assert resp.body == body, "the file came back changed"
        self.seen_rest.add(("GET", template))
        return resp.body

    async def ws(self, session, type_, data=None, ok=True):
        """One WebSocket message; returns the reply."""
        sent = {"type": type_, "request_id": "r1", **({} if data is None else {"data": data})}
        if ok:
            schema = self.publish[type_]["payload"]
            self._note(f"{type_} request", _schema_problems(self.asyncapi, schema, sent, False))
        reply = await (session.call(type_) if data is None else session.call(type_, data))
        assert reply.get("success") is ok, reply
        message = self.replies[type_]
        self._note(f"{type_} reply", _schema_problems(self.asyncapi, message["payload"], reply, False))
        if not ok and reply.get("code") not in message.get("description", ""):
            self._note(f"{type_} reply", [f"{reply.get('code')} is not named in the reply's description"])
        self.seen_ws.add(type_)
        return reply

    def push(self, frame):
        name = frame.get("type")
        assert name in self.pushes, f"a frame of no documented kind: {frame}"
        schema = self.pushes[name]["payload"]
        self._note(f"push {name}", _schema_problems(self.asyncapi, schema, frame, False))
        self.seen_push.add(name)


def test_trading_replies_match_the_specs(stack, openapi, asyncapi):
    """A trade, over REST and the WebSocket, every request and reply checked against the
    specs; every trading route, message and push must be among them."""
    c = _SpecChecker(stack, openapi, asyncapi)
    adm = stack.admin_token(t.ADMIN_ID)
    seller, buyer, other = h.create_user(stack), h.create_user(stack), h.create_user(stack)
    no_profile = h.User(stack)
    S, B = seller.token, buyer.token
    fiat = t.new_fiat()
    sepa, mpesa = t.method_id(buyer, "sepa"), t.method_id(buyer, "mpesa")

    # operators: money in and out, a method, a price
    wallet = "/api/p2p/admin/wallets/{profile_id}"
    deposit = {"asset": "BTC", "amount": "1", "reference": t.new_reference("spec")}
    c.call(adm, "POST", wallet + "/credit", {"profile_id": seller.profile_id}, deposit, expect=201)
    c.call(adm, "POST", wallet + "/credit", {"profile_id": seller.profile_id}, deposit, expect=200)
    c.call(adm, "POST", wallet + "/credit", {"profile_id": buyer.profile_id},
           {"asset": "BTC", "amount": "0.5", "reference": t.new_reference("spec")}, expect=201)
    c.call(adm, "POST", wallet + "/debit", {"profile_id": seller.profile_id},
           {"asset": "BTC", "amount": "0.1", "reference": t.new_reference("spec")}, expect=201)
    c.call(adm, "POST", wallet + "/debit", {"profile_id": seller.profile_id},
           {"asset": "BTC", "amount": "5", "reference": t.new_reference("spec")}, expect=409)
    c.call(adm, "POST", wallet + "/credit", {"profile_id": 999999999}, {**deposit, "reference": "x"},
           expect=404)
    c.call(adm, "GET", "/api/p2p/admin/ledger", query=f"profile_id={seller.profile_id}&asset=BTC&limit=5")
    method = c.call(adm, "POST", "/api/p2p/admin/payment-methods",
                    body={"code": "spec_" + uuid.uuid4().hex[:10], "name": "Spec Pay", "kind": "e_wallet"},
                    expect=201)["data"]["payment_method"]
    c.call(adm, "PUT", "/api/p2p/admin/payment-methods/{id}", {"id": method["id"]}, {"active": False})
    pair = {"asset": "BTC", "fiat": fiat}
    c.call(adm, "PUT", "/api/p2p/admin/prices/{asset}/{fiat}", pair, {"price": "50000.00"})
    c.call(B, "PUT", "/api/p2p/admin/prices/{asset}/{fiat}", pair, {"price": "1"}, expect=403)

    # the seller: balances, accounts, prices
    c.call(S, "GET", "/api/p2p/wallet")
    c.call(no_profile.token, "GET", "/api/p2p/wallet", expect=404)
    c.call(S, "GET", "/api/p2p/wallet/history", query="asset=BTC&limit=5")
    c.call(S, "GET", "/api/p2p/payment-methods")
    c.call(S, "POST", "/api/p2p/payment-accounts",
           body={"payment_method_id": sepa, "label": "My SEPA",
                 "details": {"iban": "DE00 1234", "holder": "S"}},
           expect=201)
    spare = c.call(S, "POST", "/api/p2p/payment-accounts",
                   body={"payment_method_id": mpesa, "label": "M", "details": {"phone": "+254700000001"}},
                   expect=201)["data"]["payment_account"]
    c.call(S, "GET", "/api/p2p/payment-accounts")
    c.call(B, "DELETE", "/api/p2p/payment-accounts/{id}", {"id": spare["id"]}, expect=403)
    c.call(S, "DELETE", "/api/p2p/payment-accounts/{id}", {"id": spare["id"]})
    c.call(S, "DELETE", "/api/p2p/payment-accounts/{id}", {"id": spare["id"]}, expect=404)
    c.call(S, "GET", "/api/p2p/prices")

    # ads
    sell = {"type": "sell", "asset": "BTC", "fiat": fiat, "price_type": "fixed", "price": "50000.00",
            "total_amount": "0.1", "min_limit": "10.00", "max_limit": "5000.00", "payment_method_ids": [sepa],
            "payment_window_minutes": 30, "terms": "spec", "auto_reply": "",
            "requirements": {"min_completed_trades": 0, "verified_only": False}}
    ad = c.call(S, "POST", "/api/p2p/ads", body=sell, expect=201)["data"]["ad"]
    c.call(S, "POST", "/api/p2p/ads", body={**sell, "price": 50000}, expect=400)
    c.call(S, "POST", "/api/p2p/ads", body={**sell, "total_amount": "100"}, expect=409)
    buy = {"type": "buy", "asset": "BTC", "fiat": fiat, "price_type": "floating", "margin_pct": "-1.50",
           "total_amount": "0.05", "min_limit": "10.00", "max_limit": "1000.00", "payment_method_ids": [sepa]}
    buy_ad = c.call(B, "POST", "/api/p2p/ads", body=buy, expect=201)["data"]["ad"]
    c.call(B, "GET", "/api/p2p/ads", query=f"type=sell&asset=BTC&fiat={fiat}&amount=100.00&limit=5")
    c.call(S, "GET", "/api/p2p/ads/mine", query="status=active")
    c.call(B, "GET", "/api/p2p/ads/{id}", {"id": ad["id"]})
    c.call(S, "PUT", "/api/p2p/ads/{id}", {"id": ad["id"]}, {"terms": "spec, updated", "status": "active"})
    c.call(B, "PUT", "/api/p2p/ads/{id}", {"id": ad["id"]}, {"terms": "mine now"}, expect=403)

    # an order, end to end, with its chat and files
    take = {"ad_id": ad["id"], "fiat_amount": "100.00", "payment_method_id": sepa,
            "client_order_id": "spec-" + uuid.uuid4().hex[:8]}
    order = c.call(B, "POST", "/api/p2p/orders", body=take, expect=201)["data"]["order"]
    c.call(B, "POST", "/api/p2p/orders", body=take, expect=200)
    too_small = {k: v for k, v in take.items() if k != "client_order_id"} | {"fiat_amount": "1.00"}
    c.call(B, "POST", "/api/p2p/orders", body=too_small, expect=409)
    c.call(B, "GET", "/api/p2p/orders", query="status=PENDING_PAYMENT,PAID&role=buyer")
    oid = {"id": order["id"]}
    c.call(S, "GET", "/api/p2p/orders/{id}", oid)
    c.call(other.token, "GET", "/api/p2p/orders/{id}", oid, expect=404)
    c.call(S, "POST", "/api/p2p/orders/{id}/cancel", oid, expect=403)
    c.call(B, "POST", "/api/p2p/orders/{id}/confirm-payment", oid)
    state = c.call(B, "POST", "/api/p2p/orders/{id}/cancel", oid, expect=409)
    assert state["code"] == "ORDER_STATE_CHANGED" and state["data"]["order"]["status"] == "PAID", state
    chat = "/api/p2p/orders/{id}/messages"
    att = c.upload(B, order["id"], PNG, "image/png")["data"]
    c.upload(B, order["id"], PNG, "image/jpeg", expect=400)
    c.upload(other.token, order["id"], PDF, "application/pdf", expect=404)
    c.call(B, "POST", chat, oid, {"text": "paid, receipt attached", "attachment_id": att["attachment_id"]},
           expect=201)
    c.call(B, "POST", chat, oid, {}, expect=400)
    page = c.call(S, "GET", chat, oid, query="limit=10")["data"]
    assert page["messages"][-1]["attachment"]["sha256"] == att["sha256"], page
    c.call(S, "POST", chat + "/read", oid, {"up_to_id": page["messages"][-1]["id"]})
    c.call(other.token, "POST", chat + "/read", oid, {"up_to_id": 1}, expect=404)
    c.download(S, att["attachment_id"], body=PNG)
    c.download(adm, att["attachment_id"], expect=404)  # not disputed: operators do not see it
    c.call(S, "POST", "/api/p2p/orders/{id}/release", oid)
    c.call(S, "POST", chat, oid, {"text": "closed?"}, expect=409)
    c.upload(B, order["id"], PNG, "image/png", expect=409)

    # reviews and their moderation
    review = "/api/p2p/orders/{id}/review"
    rv = c.call(B, "POST", review, oid, {"rating": 5, "comment": "fast"}, expect=201)["data"]["review"]
    c.call(B, "POST", review, oid, {"rating": 4}, expect=409)
    c.call(S, "POST", review, oid, {"rating": 6}, expect=400)
    c.call(other.token, "GET", "/api/p2p/profiles/{id}/reviews", {"id": seller.profile_id}, query="limit=5")
    c.call(other.token, "GET", "/api/p2p/profiles/{id}/reviews", {"id": 999999999}, expect=404)
    moderation = "/api/p2p/admin/reviews/{id}"
    c.call(adm, "POST", moderation + "/hide", {"id": rv["id"]}, {"reason": "spec check"})
    c.call(adm, "POST", moderation + "/hide", {"id": rv["id"]}, {}, expect=400)
    c.call(adm, "POST", moderation + "/unhide", {"id": rv["id"]}, {})
    c.call(adm, "POST", moderation + "/unhide", {"id": 999999999}, {}, expect=404)

    # notifications and the webhook
    c.call(S, "GET", "/api/p2p/notifications", query="limit=5&unread_only=true")
    c.call(S, "POST", "/api/p2p/notifications/read", body={"all": True})
    c.call(S, "POST", "/api/p2p/notifications/read", body={}, expect=400)
    c.call(S, "GET", "/api/p2p/webhook")
    c.call(S, "PUT", "/api/p2p/webhook", body={"url": "https://merchant.example/p2p", "secret": "s" * 20})
    c.call(S, "PUT", "/api/p2p/webhook", body={"url": "http://merchant.example/p2p", "secret": "s" * 20},
           expect=400)
    c.call(S, "GET", "/api/p2p/webhook")
    c.call(S, "DELETE", "/api/p2p/webhook")

    # a dispute, judged
    second = c.call(B, "POST", "/api/p2p/orders", body={k: v for k, v in take.items() if k != "client_order_id"},
                    expect=201)["data"]["order"]
    did = {"id": second["id"]}
    c.call(B, "POST", "/api/p2p/orders/{id}/confirm-payment", did)
    dispute = "/api/p2p/orders/{id}/dispute"
    raise_body = {"reason": "payment_not_received", "description": "nothing arrived in my account"}
    c.call(B, "POST", dispute, did, {**raise_body, "reason": "paid_but_not_released"}, expect=409)  # too early
    c.call(S, "POST", dispute, did, {**raise_body, "reason": "boredom"}, expect=400)
    d = c.call(S, "POST", dispute, did, raise_body, expect=201)["data"]["dispute"]
    c.call(B, "POST", dispute, did, raise_body, expect=409)  # one per order
    c.call(B, "GET", dispute, did)
    c.call(B, "GET", dispute, oid, expect=404)  # the first order has none
    proof = c.upload(B, second["id"], PDF, "application/pdf")["data"]
    c.call(B, "POST", dispute + "/evidence", did, {"text": "my bank statement", "attachment_id": proof["attachment_id"]},
           expect=201)
    c.call(B, "POST", dispute + "/evidence", did, {"attachment_id": att["attachment_id"]}, expect=400)
    c.download(adm, proof["attachment_id"], body=PDF)
    c.call(adm, "GET", "/api/p2p/admin/orders", query=f"profile_id={buyer.profile_id}&status=COMPLETED,DISPUTED")
    c.call(adm, "GET", "/api/p2p/admin/orders", query="status=LOST", expect=400)
    c.call(adm, "GET", "/api/p2p/admin/orders/{id}", did)
    c.call(adm, "GET", "/api/p2p/admin/orders/{id}", {"id": 999999999}, expect=404)
    case = "/api/p2p/admin/disputes/{id}"
    c.call(adm, "GET", "/api/p2p/admin/disputes", query="status=open&limit=5")
    c.call(adm, "GET", case, {"id": d["id"]})
    c.call(S, "GET", case, {"id": d["id"]}, expect=403)
    c.call(adm, "POST", case + "/messages", {"id": d["id"]}, {"text": "both, your statements please"}, expect=201)
    c.call(adm, "POST", case + "/resolve", {"id": d["id"]}, {"outcome": "split", "note": "x"}, expect=400)
    c.call(adm, "POST", case + "/resolve", {"id": d["id"]}, {"outcome": "release", "note": "payment proven"})
    c.call(adm, "POST", case + "/resolve", {"id": d["id"]}, {"outcome": "refund", "note": "again"}, expect=409)
    c.call(adm, "POST", case + "/messages", {"id": d["id"]}, {"text": "closed now"}, expect=409)
    c.call(B, "POST", dispute + "/evidence", did, {"text": "late"}, expect=409)
    c.call(adm, "GET", case, {"id": 999999999}, expect=404)
    c.call(B, "DELETE", "/api/p2p/ads/{id}", {"id": buy_ad["id"]})

    # the same over the WebSocket, with the pushes
    async def until(session, wanted):
        """Reads session until a push wanted(frame) is among its frames."""
        while not any("request_id" not in m and wanted(m) for m in session.unmatched):
            session.unmatched.append(await session.recv(timeout=5))

    async def ws_part():
        b = await h.ws_session(stack, buyer.user_id)
        s = await h.ws_session(stack, seller.user_id)
        try:
            await c.ws(b, "wallet.balance")
            await c.ws(b, "wallet.history", {"asset": "BTC", "limit": 5})
            await c.ws(b, "payment_method.list", {})
            acct = await c.ws(b, "payment_account.create",
                              {"payment_method_id": mpesa, "label": "M",
                               "details": {"phone": "+254700000002"}})
            await c.ws(b, "payment_account.list")
            await c.ws(b, "payment_account.delete", {"id": acct["data"]["payment_account"]["id"]})
            await c.ws(b, "price.list")
            fixed = {k: v for k, v in buy.items() if k != "margin_pct"}
            fixed.update(price_type="fixed", price="49000.00")
            mine = await c.ws(b, "ad.create", fixed)
            await c.ws(b, "ad.list", {"type": "sell", "fiat": fiat, "limit": 5})
            await c.ws(b, "ad.get", {"ad_id": ad["id"]})
            await c.ws(b, "ad.update", {"ad_id": mine["data"]["ad"]["id"], "terms": "ws"})
            await c.ws(b, "ad.my_ads", {"status": "active"})
            await c.ws(b, "ad.delete", {"ad_id": mine["data"]["ad"]["id"]})
            placed = await c.ws(b, "order.create", {"ad_id": ad["id"], "crypto_amount": "0.002",
                                                    "payment_method_id": sepa})
            ref = {"order_id": placed["data"]["order"]["id"]}
            await c.ws(b, "order.list", {"status": ["PENDING_PAYMENT"], "limit": 5})
            await c.ws(b, "order.get", ref)
            await c.ws(b, "order.confirm_payment", ref)
            await c.ws(b, "order.cancel", ref, ok=False)
            sent = await c.ws(b, "chat.send_message", {**ref, "text": "over the socket"})
            await c.ws(b, "chat.send_message", {**ref, "text": ""}, ok=False)
            await c.ws(s, "chat.get_messages", {**ref, "limit": 10})
            await c.ws(s, "chat.mark_read", {**ref, "up_to_id": sent["data"]["message"]["id"]})
            await c.ws(s, "order.release_crypto", ref)
            await c.ws(b, "review.create", {**ref, "rating": 4, "comment": "ok"})
            await c.ws(b, "review.create", {**ref, "rating": 3}, ok=False)
            await c.ws(b, "review.list", {"profile_id": seller.profile_id, "limit": 5})
            await c.ws(b, "notification.list", {"limit": 5})
            await c.ws(b, "notification.mark_read", {"ids": [1, 2]})
            await c.ws(b, "notification.mark_read", {"ids": [1], "all": True}, ok=False)
            await c.ws(b, "webhook.set", {"url": "http://127.0.0.1:9/hook", "secret": "s" * 16})
            await c.ws(b, "webhook.get")
            await c.ws(b, "webhook.delete")
            # a dispute over the socket
            again = await c.ws(b, "order.create", {"ad_id": ad["id"], "crypto_amount": "0.002",
                                                   "payment_method_id": sepa})
            ref2 = {"order_id": again["data"]["order"]["id"]}
            await c.ws(b, "order.confirm_payment", ref2)
            await c.ws(s, "dispute.raise", {**ref2, "reason": "wrong_amount", "description": "the amount is not right"})
            await c.ws(s, "dispute.raise", {**ref2, "reason": "fraud", "description": "a second time around"}, ok=False)
            await c.ws(b, "dispute.get", ref2)
            await c.ws(b, "dispute.add_evidence", {**ref2, "text": "I paid the exact amount"})
            await c.ws(b, "dispute.add_evidence", ref2, ok=False)
            # every push kind reaches its recipients; some may come after the replies
            await until(b, lambda m: m["type"] == "chat.read")
            await until(b, lambda m: m["type"] == "order.updated" and m["data"]["order"]["status"] == "COMPLETED")
            await until(b, lambda m: m["type"] == "order.updated" and m["data"]["order"]["status"] == "DISPUTED")
            await until(s, lambda m: m["type"] == "notification.new" and m["data"]["kind"] == "review.received")
            await until(b, lambda m: m["type"] == "chat.new_message" and m["data"]["text"] == "over the socket")
            return b.unmatched + s.unmatched
        finally:
            await b.close()
            await s.close()

    for frame in h.run(ws_part()):
        if "request_id" not in frame:
            c.push(frame)

    trade = {enum for enum, _, service, _, _ in source_msg_rows() if service == "SERVICE_TRADE"}
    rest = {(m, p) for m, p, kind, msg, _ in source_route_rows() if kind == "WORKER" and msg in trade}
    ws = {name for enum, name, _, flags, _ in source_msg_rows() if enum in trade and "MSG_WS" in flags}
    assert not rest - c.seen_rest, f"trading routes this test does not exercise: {sorted(rest - c.seen_rest)}"
    assert not ws - c.seen_ws, f"trading messages this test does not exercise: {sorted(ws - c.seen_ws)}"
    assert not source_push_types() - c.seen_push, f"pushes not seen: {source_push_types() - c.seen_push}"
    assert not c.problems, "replies that differ from the specs:\n  " + "\n  ".join(c.problems)
