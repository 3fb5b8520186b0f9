"""The browser client (web/) end to end in headless Chromium.

Starts a stack (gateway, 2 profile workers, the admin and trade workers) with
P2P_DEV_TOKENS=1 and P2P_WEB_DIR=<repo>/web, then runs the node:test suite in
tests/e2e against it (playwright-core driving Debian's /usr/bin/chromium; no browser
download): the client's static rules and money arithmetic, signing in and the
profile, a whole trade with a moderator, a seller and a buyer in three browser
contexts (trade.test.mjs), and the chat with a proof-of-payment picture, live
notifications, a dispute ruled from the moderator's case page and a review
(dispute.test.mjs). The node side starts nothing; it reads P2P_E2E_URL.
Screenshots of the main screens land in tests/e2e/artifacts/ (emptied first).

Needs: chromium, node (>= 18) and npm (scripts/lib.sh installs them). `npm ci` runs here
when tests/e2e/node_modules lacks the pinned playwright-core.
"""

import glob
import json
import os
import shutil
import subprocess

import p2p_harness as h

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
E2E = os.path.join(ROOT, "tests", "e2e")
CHROMIUM = os.environ.get("P2P_CHROMIUM", "/usr/bin/chromium")


def _pinned_playwright():
    with open(os.path.join(E2E, "package.json")) as f:
        return json.load(f)["devDependencies"]["playwright-core"]


def _installed_playwright():
    try:
        with open(os.path.join(E2E, "node_modules", "playwright-core", "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return None


def _npm_ci():
    if _installed_playwright() == _pinned_playwright():
        return
    npm = shutil.which("npm")
    assert npm, "npm is not installed (scripts/lib.sh p2p_install_deps installs it)"
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=E2E,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    assert _installed_playwright() == _pinned_playwright()


def test_browser_client_end_to_end(make_stack):
    node = shutil.which("node")
    assert node, "node is not installed (scripts/lib.sh p2p_install_deps installs nodejs)"
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing (Debian package chromium)"
    _npm_ci()

    stack = make_stack("browser", workers=2, env={
        "P2P_DEV_TOKENS": "1",
        "P2P_WEB_DIR": os.path.join(ROOT, "web"),
        "LOG_LEVEL": "info",
    })
    tests = sorted(glob.glob(os.path.join(E2E, "*.test.mjs")))
    assert tests, f"no *.test.mjs in {E2E}"
    artifacts = os.path.join(E2E, "artifacts")
    shutil.rmtree(artifacts, ignore_errors=True)  # this run's screenshots only
    env = dict(os.environ, P2P_E2E_URL=stack.base_url, P2P_CHROMIUM=CHROMIUM)
    # Files, not the directory: node 18/20 search a directory, node >= 21 takes globs.
    done = subprocess.run([node, "--test", *tests], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (
        f"node --test failed ({done.returncode}); screenshots in {artifacts}\n"
        f"--- stdout\n{done.stdout[-8000:]}\n--- stderr\n{done.stderr[-3000:]}")
    # the screenshots of the main screens are part of what this test leaves behind
    for name in ("market", "take-order", "order-room-buyer", "order-room-seller-paid",
                 "order-room-buyer-completed", "my-ads", "ad-form-error", "wallet",
                 "payment-accounts", "admin-users", "admin-prices", "admin-money", "admin-audit",
                 "phone-market", "phone-order-room",
                 "notifications", "order-room-chat", "order-room-dispute", "admin-disputes",
                 "admin-dispute-case", "order-room-review", "trader-reviews", "admin-user-reviews"):
        path = os.path.join(artifacts, name + ".png")
        assert os.path.isfile(path) and os.path.getsize(path) > 0, f"no screenshot {path}"
