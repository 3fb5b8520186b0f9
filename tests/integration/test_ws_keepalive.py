"""Heartbeat: the server pings every P2P_WS_PING_INTERVAL_S and closes connections that
stay silent (no pong, no message) for P2P_WS_IDLE_TIMEOUT_S."""

import asyncio
import select
import time

import pytest

import p2p_harness as h

PING_S = 1
IDLE_S = 3


@pytest.fixture(scope="module")
def fast_ping():
    s = h.Stack("keepalive", workers=1, env={"P2P_WS_PING_INTERVAL_S": str(PING_S),
                                             "P2P_WS_IDLE_TIMEOUT_S": str(IDLE_S)})
    yield s
    s.stop()


def test_client_answering_pings_stays_connected(stack, fast_ping):
    u = h.create_user(stack)

    async def go():
        s = await h.ws_session(fast_ping, u.user_id)
        try:
            await asyncio.sleep(IDLE_S * 2 + 1)  # send nothing; the library answers pings
            assert s.ws.open, f"closed while idle: code {s.ws.close_code}"
            return await s.call("profile.get")
        finally:
            await s.close()
    reply = h.run(go(), timeout=30)
    assert reply["success"] is True, reply


def test_client_sending_messages_stays_connected(stack, fast_ping):
    u = h.create_user(stack)

    async def go():
        s = await h.ws_session(fast_ping, u.user_id)
        try:
            for _ in range(4):
                await asyncio.sleep(IDLE_S * 0.6)
                r = await s.call("profile.stats")
                assert r["success"] is True, r
        finally:
            await s.close()
    h.run(go(), timeout=30)


def test_silent_raw_client_is_pinged_then_closed(stack, fast_ping):
    """A client that completes the upgrade and never answers anything is dropped."""
    u = h.create_user(stack)
    sock, status, buf = h.raw_ws_handshake(fast_ping, f"/api/p2p/ws?token={u.token}")
    t0 = time.monotonic()
    limit = IDLE_S + 7
    pings, closed_at, close_frame = 0, None, False
    first_text = None
    try:
        assert status == 101, f"upgrade answered {status}"
        sock.setblocking(False)
        while time.monotonic() - t0 < limit:
            frames, buf = h.parse_frames(buf)
            for opcode, payload in frames:
                if opcode == 0x9:
                    pings += 1
                elif opcode == 0x8:
                    close_frame = True
                elif opcode == 0x1 and first_text is None:
                    first_text = payload.decode("utf-8", "replace")
            ready, _, _ = select.select([sock], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                chunk = b""
            if not chunk:
                closed_at = time.monotonic() - t0
                break
            buf += chunk
    finally:
        sock.close()
    frames, _ = h.parse_frames(buf)
    for opcode, payload in frames:
        pings += opcode == 0x9
        if opcode == 0x1 and first_text is None:
            first_text = payload.decode("utf-8", "replace")
    assert first_text is not None and '"connected"' in first_text, first_text
    assert pings >= 1, "the server sent no ping frame"
    assert closed_at is not None, (
        f"connection still open {limit}s after the upgrade "
        f"(pings seen: {pings}, close frame seen: {close_frame})")
    assert closed_at >= 1.0, f"closed after only {closed_at:.1f}s"


def test_default_stack_keeps_idle_client_longer(stack, user):
    """With the default 60 s idle timeout, a few silent seconds are nothing."""
    async def go():
        s = await h.ws_session(stack, user.user_id)
        try:
            await asyncio.sleep(IDLE_S + 1)
            return await s.call("profile.get")
        finally:
            await s.close()
    assert h.run(go(), timeout=30)["success"] is True
