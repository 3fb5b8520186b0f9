"""Fixtures for the integration suite: the environment check, the shared default stack,
fresh users, and process logs attached to every failed test.

Run:  P2P_BIN_DIR=build/bin DATABASE_URL=postgresql://... python3 -m pytest -q tests/integration
Missing P2P_BIN_DIR / DATABASE_URL / binaries is an error for every test, never a skip.
"""

import pytest

import p2p_harness as h

_env_error = None


@pytest.fixture(scope="session", autouse=True)
def _require_environment():
    """Fail every test, loudly, when the environment cannot run the suite."""
    global _env_error
    problems = h.env_problems()
    if not problems:
        try:
            h.check_database()
        except h.HarnessError as e:
            problems.append(str(e))
    if problems:
        _env_error = ("integration tests cannot run:\n  - " + "\n  - ".join(problems))
        pytest.fail(_env_error, pytrace=False)


@pytest.fixture(scope="session")
def stack():
    """The shared stack: one gateway and two profile workers, default config."""
    s = h.Stack("default", workers=2)
    yield s
    s.stop()


@pytest.fixture
def make_stack():
    """Build extra stacks inside a test; all of them are stopped at teardown."""
    built = []

    def _make(name="custom", workers=1, env=None, **kw):
        s = h.Stack(name, workers=workers, env=env, **kw)
        built.append(s)
        return s

    yield _make
    # Stop every stack before failing on any one's sanitizer findings.
    problems = []
    for s in built:
        s.stop(check=False)
        problems.extend(s.sanitizer_problems())
    if problems:
        pytest.fail("sanitizer findings:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def user(stack):
    """A fresh user with a profile on the default stack."""
    return h.create_user(stack)


@pytest.fixture
def other_user(stack):
    return h.create_user(stack)


@pytest.fixture
def stranger(stack):
    """A fresh user with no profile."""
    return h.User(stack)


# ---------------------------------------------------------------- sanitizers

@pytest.fixture(autouse=True)
def _sanitizer_clean(request):
    """Fail the test during which a running stack (the shared one) logged a sanitizer
    finding. Stacks stopped by a test or fixture are checked by Stack.stop itself."""
    yield
    if _env_error is not None:
        return
    problems = []
    for s in h.ALL_STACKS:
        problems.extend(s.sanitizer_problems())
    if problems:
        pytest.fail("sanitizer findings while this test ran:\n" + "\n".join(problems),
                    pytrace=False)


# ---------------------------------------------------------------- logs on failure

def pytest_runtest_setup(item):
    item._p2p_stacks_before = len(h.ALL_STACKS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed or _env_error is not None:
        return
    # Logs of the stacks this test could have touched: those built during it, plus the
    # shared one (still running).
    first_new = getattr(item, "_p2p_stacks_before", len(h.ALL_STACKS))
    relevant = [s for i, s in enumerate(h.ALL_STACKS)
                if i >= first_new or s.name == "default"]
    for s in relevant:
        try:
            report.sections.append((f"p2p process logs: {s.name}", s.log_tail(60)))
        except Exception as e:  # never let log collection hide the real failure
            report.sections.append((f"p2p process logs: {s.name}", f"<unavailable: {e}>"))
