from __future__ import annotations

import os

import pytest
from django.core.cache import cache

# The Stripe stand-in, and an S3-compatible server for the media tests (both on loopback).
pytest_plugins = ["tests.stripe_standin.pytest_plugin", "tests.portal.s3"]

NO_SKIP = os.environ.get("ROUTEWIJZER_NO_SKIP") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI's complete pass (ROUTEWIJZER_NO_SKIP=1) a skipped test is a failed test."""
    outcome = yield
    report = outcome.get_result()
    if NO_SKIP and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped, which CI does not allow: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A module that skips while it is collected (``pytest.importorskip`` or
    ``pytest.skip(allow_module_level=True)`` at module level) never reaches
    ``pytest_runtest_makereport``: its tests would vanish from CI's complete pass without a
    trace, so there the skipped collection is a collection error."""
    outcome = yield
    report = outcome.get_result()
    if NO_SKIP and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"Skipped while collecting {collector.nodeid}, which CI does not allow: {reason}"
        )


def pytest_runtest_setup(item):
    """Tests marked ``postgresql`` (real concurrency) skip, with the reason, on another database;
    CI's PostgreSQL pass runs them."""
    if item.get_closest_marker("postgresql") is None:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI's second pass runs this)")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site_pages(db):
    """The public page tree: home page with the catalogue at /aanbod/."""
    from tests.cms.factories import build_site

    return build_site()
