"""profile.search stays cheap on broad searches: matches are counted up to a cap past
the requested offset, and the reply says when `total` is a lower bound."""

import uuid

import p2p_harness as h


def _seed(tag, n):
    h.psql(f"INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating) "
           f"SELECT '{tag}_' || g, '{tag}' || g, TRUE, 1.0 FROM generate_series(1, {n}) AS g")


def _search(stack, data):
    u = h.create_user(stack)

    async def go():
        s = await h.ws_session(stack, u.user_id)
        try:
            return await s.call("profile.search", data)
        finally:
            await s.close()
    return h.run(go(), timeout=30)


def test_broad_search_total_is_capped_and_flagged(stack):
    tag = "cap" + uuid.uuid4().hex[:8]
    _seed(tag, 1205)
    reply = _search(stack, {"search": tag, "limit": 5})
    assert reply["success"] is True, reply
    data = reply["data"]
    assert len(data["profiles"]) == 5
    assert data["total"] == 1000 and data["total_is_lower_bound"] is True, data
    # Further out, the cap moves with the offset, and the tail is counted exactly.
    far = _search(stack, {"search": tag, "limit": 5, "offset": 300})["data"]
    assert far["total"] == 1205 and far["total_is_lower_bound"] is False, far


def test_narrow_search_total_is_exact(stack):
    tag = "few" + uuid.uuid4().hex[:8]
    _seed(tag, 30)
    data = _search(stack, {"search": tag, "limit": 10})["data"]
    assert data["total"] == 30 and data["total_is_lower_bound"] is False, data
    assert len(data["profiles"]) == 10


def test_short_search_text_is_counted_one_past_the_page(stack):
    # "q" never occurs in the harness's hex usernames: only these rows match "q7".
    tag = uuid.uuid4().hex[:6]
    # earlier runs against the same database left their own "q7" rows
    h.psql("DELETE FROM p2p_profiles WHERE user_id LIKE 'short\\_%'")
    h.psql(f"INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating) "
           f"SELECT 'short_{tag}_' || g, 'q7{tag}' || g, TRUE, 1.0 FROM generate_series(1, 30) AS g")
    page = _search(stack, {"search": "q7", "limit": 5})["data"]
    assert len(page["profiles"]) == 5
    assert page["total"] == 5 and page["total_is_lower_bound"] is True, page
    assert all("q7" in p["username"] for p in page["profiles"])
    whole = _search(stack, {"search": "q7", "limit": 100})["data"]
    assert whole["total"] == len(whole["profiles"]) >= 30 and whole["total_is_lower_bound"] is False, whole


def test_search_finds_matches_ranked_below_the_walk_and_above_it(stack):
    """profile_repo.c reads the best 1,000 profiles in rank order first and takes the
    trigram index only when they hold too few matches: both ways give the rank order."""
    tag = "walk" + uuid.uuid4().hex[:8]
    # 2,100 profiles above everything else (and above the walk of the best 1,000)
    h.psql(f"INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating, completed_trades) "
           f"SELECT '{tag}_t' || g, '{tag}t' || g, TRUE, 5.0, 100000 FROM generate_series(1, 2100) AS g")
    # 30 more at the bottom of the order, ratings spread so the order is checkable
    h.psql(f"INSERT INTO p2p_profiles (user_id, username, has_consent, avg_rating) "
           f"SELECT '{tag}_b' || g, '{tag}b' || g, TRUE, (g % 5) / 10.0 FROM generate_series(1, 30) AS g")
    bottom = h.psql(f"SELECT username FROM p2p_profiles WHERE username LIKE '{tag}b%' "
                    f"ORDER BY avg_rating DESC, completed_trades DESC, id").split()
    assert len(bottom) == 30, bottom

    sparse = _search(stack, {"search": tag + "b", "limit": 10, "offset": 5})
    assert sparse["success"] is True, sparse
    assert [p["username"] for p in sparse["data"]["profiles"]] == bottom[5:15]
    assert sparse["data"]["total"] == 30

    dense = _search(stack, {"search": tag + "t", "limit": 10, "offset": 3})
    assert dense["success"] is True, dense
    assert [p["username"] for p in dense["data"]["profiles"]] == [f"{tag}t{g}" for g in range(4, 14)]
