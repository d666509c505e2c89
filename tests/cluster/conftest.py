"""The two-instance cluster (``harness.py``), started once per module."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests import serving
from tests.cluster.harness import Cluster, haproxy_path


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """Two gunicorn instances, a worker and HAProxy on this test process's PostgreSQL server
    and Redis database.

    The database is ``<DATABASE_URL's name>_cluster`` (with the pytest-xdist worker's suffix),
    copied from ``…_cluster_template``. Redis is this test process's own database
    (``REDIS_URL``, moved per xdist worker), which the suite's autouse ``_clear_cache`` empties
    before each test: every test starts with no rate-limit counts and no cached pages.
    """
    from django.conf import settings

    from portal.core.rediscache import RedisCache

    if haproxy_path() is None:
        pytest.skip("needs HAProxy: apt-get install haproxy (CI installs it)")
    if shutil.which("wrk") is None:
        pytest.skip("needs wrk: apt-get install wrk (CI installs it)")
    if settings.CACHES["default"]["BACKEND"] != f"{RedisCache.__module__}.RedisCache":
        pytest.skip("needs Redis: set REDIS_URL (CI's PostgreSQL pass does)")
    database_url = os.environ["DATABASE_URL"]
    name = serving.database_name(database_url)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    cluster = Cluster(
        database_url=serving.database_url_named(
            database_url, f"{name}_cluster{'_' + worker if worker else ''}"
        ),
        template_url=serving.database_url_named(database_url, f"{name}_cluster_template"),
        redis_url=settings.CACHES["default"]["LOCATION"],
        keep_logs=os.environ.get("CLUSTER_KEEP") == "1",
    )
    with cluster:
        print("Cluster started:", ", ".join(f"{k} {v:.1f} s" for k, v in cluster.timings.items()))
        yield cluster
