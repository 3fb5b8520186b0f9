"""What each binary links (docs/DESIGN.md, "Who links what").

The boundaries are checked on the built binaries themselves (ELF dynamic section
and symbol table), so a CMake change that quietly pulls a library back in fails here:
  - p2p-admin, a ZeroMQ client of the operator API, links neither libpq nor any
    profile or database code;
  - p2p-admin-svc links the shared profile row layout (common/profile_row) but none of
    profile-svc's own code;
  - p2p-gateway never talks to the database, so it does not link libpq;
  - only p2p-trade-svc links libcurl (its notification mails and webhooks).
"""

import re
import subprocess

import p2p_harness as h


def _needed(binary):
    """The shared libraries binary names in its dynamic section."""
    out = subprocess.run(["readelf", "-d", h.bin_path(binary)], check=True,
                         capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def _symbols(binary):
    """Every symbol name in binary's symbol table, defined or not."""
    out = subprocess.run(["nm", h.bin_path(binary)], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if parts:
            names.add(parts[-1])
    assert names, f"nm found no symbols in {binary} (stripped?)"
    return names


def test_p2p_admin_links_no_libpq_nor_profile_or_database_code():
    needed = _needed("p2p-admin")
    assert not [lib for lib in needed if lib.startswith("libpq")], needed
    symbols = _symbols("p2p-admin")
    leaked = sorted(s for s in symbols
                    if s.startswith(("profile_", "db_", "PQ", "admin_repo_", "admin_ops_")))
    assert not leaked, f"p2p-admin links {leaked}"
    # the CLI does use the shared protobuf <-> JSON mapping
    assert "proto_json_from_message" in symbols


def test_p2p_admin_svc_links_the_shared_profile_row_not_profile_svc():
    symbols = _symbols("p2p-admin-svc")
    profile = sorted(s for s in symbols if s.startswith("profile_"))
    assert "profile_row_layout" in profile
    foreign = [s for s in profile if not s.startswith("profile_row_")]
    assert not foreign, f"p2p-admin-svc links profile-svc code: {foreign}"


def test_gateway_does_not_link_libpq():
    needed = _needed("p2p-gateway")
    assert not [lib for lib in needed if lib.startswith("libpq")], needed


def test_only_trade_svc_links_libcurl():
    """The outbox (mails, webhooks) is trade-svc's: no other binary can make outbound
    HTTP or SMTP calls."""
    assert [lib for lib in _needed("p2p-trade-svc") if lib.startswith("libcurl")]
    for binary in ("p2p-gateway", "p2p-profile-svc", "p2p-admin-svc", "p2p-admin", "p2p-migrate"):
        assert not [lib for lib in _needed(binary) if lib.startswith("libcurl")], binary
