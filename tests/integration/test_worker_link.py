"""The gateway <-> worker link (issue 10): workers lost together, who may speak on the
worker socket (CURVE + an allow-list, loopback unless the operator says otherwise),
workers serving many gateways, and readiness that counts only workers able to serve.

Each test here reproduces a problem found on the running service and failed before its
fix (see the issue's closing note)."""

import json
import os
import signal
import subprocess
import threading
import time

import p2p_harness as h

PROFILE = "/api/p2p/profile"


def log_events(proc, event):
    """The JSON log lines of proc whose "event" is event, in order."""
    found = []
    for line in proc.log_text().splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if obj.get("event") == event:
            found.append(obj)
    return found


def metric(stack, name, **labels):
    """One sample of the gateway's /metrics (P2P_METRICS=1), or None."""
    resp = h.http_request(stack, "GET", "/metrics", timeout=5)
    assert resp.status == 200, resp
    for line in resp.body.decode().splitlines():
        if not (line.startswith(name + "{") or line.startswith(name + " ")):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


# ------------------------------------------------------------------ item 1

def test_two_workers_lost_together_with_40_reads_each(make_stack):
    """Both profile workers hold about 40 reads each, then both vanish (SIGKILL). The
    gateway used to purge one, retry its reads on the other, purge that one inside the
    same loop and crash on its freed entry, taking every session with it. Now every read
    gets a clear 503, the gateway lives on, and a new worker restores service."""
    s = make_stack("link-lost2", workers=2,
                   env={"P2P_METRICS": "1", "P2P_HEARTBEAT_MS": "1000",
                        "P2P_REQUEST_TIMEOUT_MS": "30000"})
    users = [h.create_user(s) for _ in range(80)]
    gateway_pid = s.gateway.pid
    for w in s.workers:
        w.signal(signal.SIGSTOP)  # requests now wait in their queues
    results = [None] * len(users)

    def read(i):
        try:
            results[i] = users[i].get(PROFILE).status
        except OSError as e:
            results[i] = repr(e)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    try:
        h.wait_until(lambda: metric(s, "p2p_requests_in_flight") == 80, 10,
                     what="80 reads in flight on the two frozen workers")
        for w in list(s.workers):
            s.remove_worker(w, kill=True)
    finally:
        for t in threads:
            t.join(20)
    assert all(not t.is_alive() for t in threads), "a read never got an answer"
    assert s.gateway.alive() and s.gateway.pid == gateway_pid, \
        f"the gateway died: {s.gateway.log_tail(40)}"
    assert results == [503] * 80, results
    assert h.http_request(s, "GET", "/p2p/health").status == 200
    s.add_worker()
    s.wait_ready()
    assert users[0].get(PROFILE).status == 200
