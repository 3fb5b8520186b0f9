"""Operator-facing gateway features: /metrics (only when enabled), development tokens
(only when enabled), the browser client's static files, keep-alive with several
requests on one connection, and POST bodies without Content-Length."""

import http.client
import json
import os
import re

import p2p_harness as h

PROFILE = "/api/p2p/profile"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# One sample line of the text exposition format: name{labels} value
_SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? '
                     r'[-+]?([0-9.]+([eE][-+]?[0-9]+)?|\+Inf|NaN)$')


def _metrics(stack):
    resp = h.http_request(stack, "GET", "/metrics")
    assert resp.status == 200, resp
    assert resp.headers["content-type"].startswith("text/plain")
    return resp.body.decode()


def _value(text, name, **labels):
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def _profile_served(text):
    return [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line.startswith("p2p_worker_requests_total{") and 'kind="profile"' in line]


def _metrics_once_served(stack, n):
    """The /metrics text once the profile workers' heartbeats report n requests, else None."""
    text = _metrics(stack)
    return text if sum(_profile_served(text)) >= n else None


def test_metrics_are_off_unless_enabled(stack):
    resp = h.http_request(stack, "GET", "/metrics")
    assert resp.status == 404


def test_metrics_count_requests_sessions_and_workers(make_stack):
    s = make_stack("metrics", workers=2, env={"P2P_METRICS": "1", "P2P_HEARTBEAT_MS": "200"})
    u = h.create_user(s)
    for _ in range(3):
        assert u.get(PROFILE).status == 200
    assert h.User(s).get(PROFILE).status == 404  # no profile yet: a 4xx outcome

    async def with_session():
        session = await h.ws_session(s, u.user_id)
        try:
            reply = await session.call("profile.get")
            assert reply["success"] is True
            # the workers report their counters in heartbeats: wait for the ones that
            # carry these requests rather than for a guessed time
            return h.wait_until(lambda: _metrics_once_served(s, 6), 10,
                                what="the profile workers' heartbeats counting 6 requests")
        finally:
            await session.close()

    text = h.run(with_session(), timeout=20)
    for line in text.splitlines():
        if line and not line.startswith("#"):
            assert _SAMPLE.match(line), f"not exposition format: {line!r}"
    assert _value(text, "p2p_gateway_requests_total", type="profile.me", channel="rest", status="2xx") == 3
    assert _value(text, "p2p_gateway_requests_total", type="profile.me", channel="rest", status="4xx") == 1
    assert _value(text, "p2p_gateway_requests_total", type="profile.get", channel="websocket", status="2xx") == 1
    assert _value(text, "p2p_gateway_request_duration_seconds_count", type="profile.me", channel="rest") == 4
    assert _value(text, "p2p_gateway_request_duration_seconds_bucket", type="profile.me", channel="rest",
                  le="+Inf") == 4
    assert _value(text, "p2p_ws_sessions") == 1
    assert _value(text, "p2p_workers_live", kind="profile") == 2
    assert _value(text, "p2p_requests_in_flight") == 0
    assert _value(text, "p2p_http_responses_total", code="200") >= 4
    # the stack's admin worker has its own line (kind="admin"); count the profile workers
    served = _profile_served(text)
    assert len(served) == 2 and sum(served) >= 6, text
    assert "# TYPE p2p_gateway_request_duration_seconds histogram" in text
    # what the log lines cost (the stacks log at debug): a line per request at least,
    # gateway and each profile worker, and the time they took
    assert _value(text, "p2p_gateway_log_lines_total") >= 4
    assert _value(text, "p2p_gateway_log_seconds_total") > 0
    worker_lines = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                    if line.startswith("p2p_worker_log_lines_total{") and 'kind="profile"' in line]
    worker_seconds = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                      if line.startswith("p2p_worker_log_seconds_total{") and 'kind="profile"' in line]
    assert len(worker_lines) == 2 and sum(worker_lines) >= 6, text
    assert len(worker_seconds) == 2 and all(v > 0 for v in worker_seconds), text


def test_metrics_count_rate_limit_refusals(make_stack):
    s = make_stack("metrics-rl", workers=1, env={"P2P_METRICS": "1", "P2P_RATE_LIMIT_PER_MIN": "3"})
    u = h.create_user(s)  # one request of the budget
    statuses = [u.get(PROFILE).status for _ in range(4)]
    assert statuses.count(429) >= 2
    text = _metrics(s)
    assert _value(text, "p2p_rate_limited_total") >= 2
    assert _value(text, "p2p_http_responses_total", code="429") >= 2


def test_dev_tokens_are_off_unless_enabled(stack):
    resp = h.http_request(stack, "POST", "/dev/token", json_body={"user_id": "someone"})
    assert resp.status == 404


def test_dev_token_mints_a_working_token(make_stack):
    s = make_stack("devtok", workers=1, env={"P2P_DEV_TOKENS": "1"})
    user_id = h.new_user_id()
    resp = h.http_request(s, "POST", "/dev/token", json_body={"user_id": user_id})
    assert resp.status == 200, resp
    token = resp.json["data"]["token"]
    created = h.http_request(s, "POST", "/api/p2p/profile/create", token=token,
                             json_body={"has_consent": True})
    assert created.status == 201, created
    assert created.json["data"]["profile"]["user_id"] == user_id
    bad = h.http_request(s, "POST", "/dev/token", json_body={"user_id": ""})
    assert bad.status == 400


def test_browser_client_files_are_served(make_stack):
    web = os.path.join(REPO, "web")
    s = make_stack("web", workers=1, env={"P2P_WEB_DIR": web})
    index = h.http_request(s, "GET", "/")
    assert index.status == 200, index
    assert index.headers["content-type"].startswith("text/html")
    assert b"<html" in index.body.lower()
    for name in os.listdir(web):
        if name == "index.html" or name.startswith("."):
            continue
        resp = h.http_request(s, "GET", "/static/" + name)
        assert resp.status == 200, (name, resp)
        with open(os.path.join(web, name), "rb") as f:
            assert resp.body == f.read()
    for bad in ("/static/..%2fREADME.md", "/static/.hidden", "/static/no-such-file.js"):
        assert h.http_request(s, "GET", bad).status == 404, bad


def test_keep_alive_serves_several_requests_on_one_connection(stack):
    u = h.create_user(stack)
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=5)
    try:
        for i in range(5):
            conn.request("GET", PROFILE, headers={"Authorization": f"Bearer {u.token}"})
            resp = conn.getresponse()
            body = json.loads(resp.read())
            assert resp.status == 200 and body["success"] is True
        conn.request("PUT", PROFILE, body=json.dumps({"auto_reply_message": "hi"}),
                     headers={"Authorization": f"Bearer {u.token}", "Content-Type": "application/json"})
        resp = conn.getresponse()
        assert resp.status == 200 and json.loads(resp.read())["data"]["profile"]["auto_reply_message"] == "hi"
        conn.request("GET", "/p2p/health")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read() == b"P2P service is running"
    finally:
        conn.close()


def test_post_without_content_length_reads_as_empty_body(stack):
    u = h.User(stack)
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=5)
    try:
        conn.putrequest("POST", "/api/p2p/profile/create")
        conn.putheader("Authorization", f"Bearer {u.token}")
        conn.endheaders()
        resp = conn.getresponse()
        body = json.loads(resp.read())
    finally:
        conn.close()
    # An empty body is {}: no consent, so the seed's consent error, promptly.
    assert resp.status == 400, body
    assert "terms and conditions" in body["error"]


def test_routes_flag_lists_every_route():
    import subprocess
    out = subprocess.run([h.bin_path("p2p-gateway"), "--routes"], capture_output=True, text=True,
                         timeout=10, env={"PATH": os.environ.get("PATH", "")})
    assert out.returncode == 0, out.stderr
    routes = json.loads(out.stdout)
    pairs = {(r["method"], r["path"]) for r in routes["rest"]}
    assert ("GET", "/api/p2p/profile") in pairs and ("POST", "/api/p2p/admin/profiles/{id}/suspend") in pairs
    assert "profile.search" in routes["ws"] and "session.open" not in routes["ws"]


def test_failed_logins_count_against_the_client_address(make_stack):
    s = make_stack("badtok", workers=1, env={"P2P_RATE_LIMIT_PER_MIN": "3"})
    statuses = [h.http_request(s, "GET", PROFILE, token="not-a-token").status for _ in range(5)]
    assert statuses[:3] == [401, 401, 401], statuses
    assert statuses[3:] == [429, 429], statuses
    resp = h.http_request(s, "GET", PROFILE, token="not-a-token")
    assert int(resp.headers["retry-after"]) >= 1
    # Authenticated callers are counted per user, not per address.
    u = h.create_user(s)
    assert u.get(PROFILE).status == 200
