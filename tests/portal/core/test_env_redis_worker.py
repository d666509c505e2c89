"""Each pytest-xdist worker gets its own Redis database (tests empty theirs around every test)."""

from __future__ import annotations

import pytest

from portal.core.env import redis_url_for_test_worker


@pytest.mark.parametrize(
    ("worker", "url", "expected"),
    [
        ("", "redis://127.0.0.1:6379/12", "redis://127.0.0.1:6379/12"),
        ("gw0", "redis://127.0.0.1:6379/12", "redis://127.0.0.1:6379/12"),
        ("gw1", "redis://127.0.0.1:6379/12", "redis://127.0.0.1:6379/13"),
        ("gw1", "redis://127.0.0.1:6379", "redis://127.0.0.1:6379/1"),
        ("gw1", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/0"),
        ("master", "redis://127.0.0.1:6379/3", "redis://127.0.0.1:6379/3"),
    ],
)
def test_the_database_moves_up_by_the_workers_index(monkeypatch, worker, url, expected):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    assert redis_url_for_test_worker(url) == expected
