"""Redis is an accelerator: unreachable, the site works without it (portal/core/rediscache.py,
portal/core/pagecache.py) and only the readiness check says so; back, nothing stale is served.

"Down" is a real django-redis cache on a loopback port nothing listens on. Outages with a
return go through ``RedisLink``, a loopback relay to the real Redis that a test cuts and
restores the way a network failure would.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse

from portal.core import pagecache
from portal.core.env import redis_url_for_test_worker
from providers import seats
from tests.portal.factories import UserFactory
from tests.providers.factories import OfferingFactory, StartMomentFactory

pytestmark = pytest.mark.django_db

PASSWORD = "een-Goed-wachtwoord-42"
REDIS_URL = redis_url_for_test_worker(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
RETRY_SECONDS = 0.1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_cache(location: str, **options: float) -> dict:
    """A Redis default cache as the settings build it; keys under a prefix of this test only."""
    return {
        "default": {
            "BACKEND": "portal.core.rediscache.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"test-redis-down-{uuid.uuid4().hex}",
            "OPTIONS": {"RETRY_SECONDS": RETRY_SECONDS, **options},
        }
    }


class RedisLink:
    """A loopback TCP relay to the real Redis. ``cut()`` closes its port and every connection
    through it, as a failed network or a stopped Redis would; ``restore()`` opens it again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = _free_port()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.restore()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def restore(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            doomed, self.sockets = [self.listener, *self.sockets], set()
            self.listener = None
        for sock in doomed:
            self._close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                return
            with self.lock:
                self.sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            self._close(sock)

    @staticmethod
    def _close(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept() or recv()
        sock.close()


@pytest.fixture
def redis_down(settings) -> None:
    """The default cache is Redis on a loopback port where nothing listens."""
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{_free_port()}/0")


@pytest.fixture
def real_redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"needs Redis at {REDIS_URL} (CI has it)")
    return client


@pytest.fixture
def redis_up(settings, real_redis) -> None:
    """The default cache is the real Redis (``REDIS_URL``, or db 0 on 127.0.0.1:6379)."""
    settings.CACHES = _redis_cache(REDIS_URL)
    yield
    cache.delete_pattern("*")  # this test's prefix only


@pytest.fixture
def redis_link(settings, real_redis):
    """The default cache is the real Redis through a ``RedisLink`` the test can cut."""
    kwargs = real_redis.connection_pool.connection_kwargs
    link = RedisLink((kwargs["host"], kwargs["port"]))
    settings.CACHES = _redis_cache(f"{link.url}/{kwargs.get('db', 0)}")
    yield link
    if link.listener is None:
        link.restore()
    _wait_for_retry()
    cache.delete_pattern("*")
    link.cut()


def _wait_for_retry() -> None:
    time.sleep(RETRY_SECONDS * 1.5)


@pytest.fixture
def moment(site_pages):
    return StartMomentFactory(offering=OfferingFactory(title="Cursus"), seats=10, seats_taken=0)


@pytest.fixture
def learner():
    return UserFactory(email="leerling@example.org", username="leerling@example.org")


def _log_in(client, email: str, password: str = PASSWORD):
    return client.post("/en/accounts/login/", {"login": email, "password": password})


@pytest.mark.parametrize(
    "path", ["/en/", "/en/aanbod/", "/en/aanbod/?component=MAP", "/api/v1/offerings/", "/healthz"]
)
def test_pages_and_the_api_answer_without_redis_and_without_the_page_cache(
    client, redis_down, moment, path
):
    for _ in range(2):
        response = client.get(path)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response


def test_the_catalogue_shows_each_change_at_once_without_redis(
    client, redis_down, moment, django_capture_on_commit_callbacks
):
    assert "10 seats free" in client.get("/en/aanbod/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        seats.seat_take(start_moment_id=moment.pk, purpose="enrolment")
    assert "9 seats free" in client.get("/en/aanbod/").content.decode()


def test_log_in_works_without_redis_with_the_session_in_the_database(
    client, redis_down, site_pages, learner
):
    assert client.get("/en/accounts/login/").status_code == 200
    response = _log_in(client, learner.email)
    assert response.status_code == 302
    overview = client.get(reverse("account_overview"))
    assert overview.status_code == 200
    assert learner.email in overview.content.decode()


def test_the_login_rate_limit_still_counts_without_redis(client, redis_down, site_pages, learner):
    # allauth's "login_failed" limit is 5 per 5 minutes per account (settings).
    for _ in range(5):
        response = _log_in(client, learner.email, password="wrong")
        assert response.status_code == 200
        assert "Too many failed login attempts" not in response.content.decode()
    refused = _log_in(client, learner.email, password=PASSWORD)
    assert refused.status_code == 200
    assert "Too many failed login attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_readiness_answers_503_naming_redis_while_liveness_stays_up(client, redis_down):
    response = client.get("/readyz")
    assert response.status_code == 503
    # The cache itself keeps answering (each process's stand-in); Redis behind it does not.
    assert response.json() == {
        "status": "unavailable",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "redis": "unavailable",
            "tasks": "ok",
        },
    }
    assert response["Cache-Control"].startswith("max-age=0")
    assert client.get("/healthz").status_code == 200


def test_the_outage_is_logged_once_per_interval_not_per_request(client, settings, moment, caplog):
    interval = 1.5
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{_free_port()}/0", WARNING_SECONDS=interval)
    caplog.set_level(logging.WARNING, logger="portal.core.rediscache")
    requests = 0
    started = time.monotonic()
    while time.monotonic() < started + interval + 0.3:
        assert client.get("/en/aanbod/").status_code == 200
        requests += 1
        _wait_for_retry()  # so that each request tries Redis again

    warnings = [r for r in caplog.records if r.name == "portal.core.rediscache"]
    assert requests >= 4
    assert len(warnings) == 2
    assert "unreachable" in warnings[0].getMessage()
    assert warnings[1].created - warnings[0].created >= interval


def test_with_redis_pages_are_cached_log_in_works_and_readiness_is_ok(
    client, redis_up, moment, learner
):
    assert client.get("/en/aanbod/")["X-Page-Cache"] == "miss"
    assert client.get("/en/aanbod/")["X-Page-Cache"] == "hit"
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok", "redis": "ok", "tasks": "ok"},
    }
    assert _log_in(client, learner.email).status_code == 302
    assert client.get(reverse("account_overview")).status_code == 200


def test_pages_stored_before_an_outage_are_not_served_after_it(
    client, redis_link, moment, django_capture_on_commit_callbacks
):
    client.get("/en/aanbod/")
    assert client.get("/en/aanbod/")["X-Page-Cache"] == "hit"

    redis_link.cut()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):  # the catalogue version cannot be incremented now
            seats.seat_take(start_moment_id=moment.pk, purpose="enrolment")
    assert "7 seats free" in client.get("/en/aanbod/").content.decode()

    redis_link.restore()
    _wait_for_retry()
    response = client.get("/en/aanbod/")
    assert response["X-Page-Cache"] == "miss"
    assert "7 seats free" in response.content.decode()
    assert client.get("/readyz").status_code == 200


def test_the_catalogue_version_never_goes_back(client, redis_link, moment):
    before = pagecache.catalogue_version()
    redis_link.cut()
    assert pagecache.catalogue_version() is None
    redis_link.restore()
    _wait_for_retry()
    after_outage = pagecache.catalogue_version()
    assert after_outage > before

    cache.delete(pagecache.VERSION_KEY)  # as a restarted Redis, or one that evicted it
    assert pagecache.catalogue_version() > after_outage


def test_a_log_out_during_an_outage_still_holds_when_redis_is_back(
    client, redis_link, site_pages, learner
):
    assert _log_in(client, learner.email).status_code == 302
    assert client.get(reverse("account_overview")).status_code == 200
    signed_in = client.cookies["sessionid"].value
    redis_link.cut()
    assert client.post("/en/accounts/logout/").status_code == 302
    redis_link.restore()
    _wait_for_retry()
    client.cookies["sessionid"] = signed_in  # a copy of the cookie from before the log-out
    assert client.get(reverse("account_overview")).status_code == 302


def test_a_key_changed_during_an_outage_is_dropped_from_redis_when_it_is_back(redis_link):
    # As Wagtail's site root paths: deleted on a change, read back on the next request.
    cache.set("site-root-paths", "before", timeout=None)
    cache.set("untouched", "kept", timeout=None)
    redis_link.cut()
    cache.delete("site-root-paths")
    assert cache.get("site-root-paths") is None
    redis_link.restore()
    _wait_for_retry()
    assert cache.get("site-root-paths") is None
    assert cache.get("untouched") == "kept"
