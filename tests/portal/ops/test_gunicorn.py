"""The portal under gunicorn with deploy/gunicorn.conf.py, as in production (DEBUG off, JSON logs),
on a free loopback port with two workers: the probes answer, /metrics adds up both workers,
every log line is JSON with the request's id, and an error in a view reaches Sentry (a small
HTTP server on loopback standing in for it) without cookies or e-mail addresses.

The database is an empty SQLite file: none of the views used here reads a table.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
METRICS_TOKEN = "metrics-token-for-the-test"
# Through the proxy on loopback: the request came over HTTPS (no redirect to it).
VIA_PROXY = {"X-Forwarded-Proto": "https"}
NEW_ID = re.compile(r"[0-9a-f]{32}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SentryInbox:
    """A loopback HTTP server that keeps every envelope the Sentry client posts to it."""

    def __init__(self) -> None:
        self.envelopes: list[str] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                inbox.envelopes.append(body.decode("utf-8", "replace"))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server.server_port}/1"

    def events(self) -> list[dict]:
        """The error events received so far (an envelope: a header line, then item pairs)."""
        found = []
        for envelope in self.envelopes:
            lines = envelope.splitlines()
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found


class Gunicorn:
    def __init__(self, process: subprocess.Popen, port: int, log: Path, metrics_dir: Path):
        self.process = process
        self.port = port
        self.log = log
        self.metrics_dir = metrics_dir

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def metrics(self) -> str:
        status, _, body = self.get("/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert status == 200
        return body.decode()

    def log_lines(self) -> list[dict]:
        lines = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def wait_for_log(self, predicate: Callable[[dict], bool], seconds: float = 10) -> dict:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in self.log_lines():
                if predicate(line):
                    return line
            time.sleep(0.1)
        raise AssertionError(f"no such log line in:\n{self.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def sentry_inbox():
    inbox = SentryInbox()
    yield inbox
    inbox.server.shutdown()


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory, sentry_inbox):
    work = tmp_path_factory.mktemp("gunicorn")
    metrics_dir = work / "metrics"
    metrics_dir.mkdir()
    # Figures of an earlier run (here: not even a valid file) must not be read: gunicorn empties
    # the directory when it starts.
    (metrics_dir / "counter_1.db").write_bytes(b"left over from an earlier run")
    port = _free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST", "DJANGO", "ROUTEWIJZER", "LOG_", "GUNICORN", "SENTRY"))
        and name not in ("REDIS_URL", "DATABASE_URL", "DEBUG", "METRICS_TOKEN", "WEB_CONCURRENCY")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.portal.ops.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{work / 'portal.sqlite3'}",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        METRICS_TOKEN=METRICS_TOKEN,
        SENTRY_DSN=sentry_inbox.dsn,
        SENTRY_ENVIRONMENT="test",
        PYTHONWARNINGS="ignore",
    )
    # The readiness probe reads the task queue's tables: a database without them is not ready.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    log = work / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(CONFIG),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Gunicorn(process, port, log, metrics_dir)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if server.get("/healthz")[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gunicorn did not answer within 60 s:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    yield server
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_liveness_and_readiness_answer_through_gunicorn(gunicorn):
    status, headers, body = gunicorn.get("/healthz")
    assert (status, body) == (200, b"ok")
    status, headers, body = gunicorn.get("/readyz")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {
        "status": "ready",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "redis": "not configured",
            "tasks": "ok",
        },
    }
    status, _, body = gunicorn.get("/readyz", {"Accept": "text/plain"})
    assert status == 200
    assert body.decode().startswith("ready\ndatabase: ok\n")


def test_metrics_need_the_token(gunicorn):
    assert gunicorn.get("/metrics")[0] == 403
    assert gunicorn.get("/metrics", {"Authorization": "Bearer wrong"})[0] == 403


def _slow_round(gunicorn: Gunicorn, requests: int) -> list[str]:
    """``requests`` slow requests at once: each sync worker answers one at a time, so with
    two of them both take part."""
    start = threading.Barrier(requests)
    answers: list[str] = []

    def one() -> None:
        start.wait()
        status, _, body = gunicorn.get("/ops-test/slow/?seconds=0.6", VIA_PROXY)
        assert status == 200
        answers.append(body.decode())

    threads = [threading.Thread(target=one) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == requests
    return answers


def test_metrics_add_up_the_requests_of_both_workers(gunicorn):
    pids: list[str] = []
    for _ in range(3):
        pids += _slow_round(gunicorn, 2)
    assert len(set(pids)) == 2, "both workers answered"
    text = gunicorn.metrics()
    assert 'routewijzer_http_responses_total{status="2xx",view="ops-test-slow"} 6.0' in text
    assert 'routewijzer_http_request_duration_seconds_count{view="ops-test-slow"} 6.0' in text
    # Each took over half a second: all six are above the 0.5 s bucket's bound.
    assert (
        'routewijzer_http_request_duration_seconds_bucket{le="0.5",view="ops-test-slow"} 0.0'
        in (text)
    )
    files = {path.name for path in gunicorn.metrics_dir.glob("*.db")}
    assert {f"counter_{pid}.db" for pid in pids} <= files
    assert "counter_1.db" not in files


def test_log_lines_are_json_with_the_request_id(gunicorn):
    status, headers, _ = gunicorn.get(
        "/ops-test/log/", {**VIA_PROXY, "X-Request-ID": "proxy-given-id-1"}
    )
    assert status == 200
    assert headers["X-Request-ID"] == "proxy-given-id-1"
    app_line = gunicorn.wait_for_log(
        lambda line: (
            line.get("logger") == "tests.ops" and line.get("request_id") == "proxy-given-id-1"
        )
    )
    assert app_line["message"] == "a line written inside the view"
    assert app_line["level"] == "WARNING"
    assert "time" in app_line
    access = gunicorn.wait_for_log(
        lambda line: (
            line.get("logger") == "gunicorn.access" and line.get("request_id") == "proxy-given-id-1"
        )
    )
    assert access["path"] == "/ops-test/log/"
    assert access["status"] == 200
    assert access["method"] == "GET"


def test_a_hostile_request_id_is_replaced_in_the_answer_and_the_logs(gunicorn):
    hostile = 'evil" id, "admin": true'
    status, headers, _ = gunicorn.get("/ops-test/log/", {**VIA_PROXY, "X-Request-ID": hostile})
    assert status == 200
    request_id = headers["X-Request-ID"]
    assert NEW_ID.fullmatch(request_id)
    gunicorn.wait_for_log(
        lambda line: (
            line.get("logger") == "gunicorn.access" and line.get("request_id") == request_id
        )
    )
    assert "evil" not in gunicorn.log.read_text()


def test_an_error_in_a_view_reaches_sentry_without_cookies_or_email(gunicorn, sentry_inbox):
    status, headers, _ = gunicorn.get(
        "/ops-test/fail/?email=leerling%40example.org",
        {
            **VIA_PROXY,
            "X-Request-ID": "sentry-test-1",
            "Cookie": "tracking=cookie-secret-123; csrftoken=csrf-secret-456",
            "Authorization": "Bearer header-secret-789",
        },
    )
    assert status == 500
    assert headers["X-Request-ID"] == "sentry-test-1"
    deadline = time.monotonic() + 15
    while "sentry-test-1" not in "".join(sentry_inbox.envelopes) and time.monotonic() < deadline:
        time.sleep(0.1)
    events = [
        e for e in sentry_inbox.events() if e.get("tags", {}).get("request_id") == "sentry-test-1"
    ]
    assert events, "the error's event arrived"
    event = next(e for e in events if e.get("exception"))
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "No course found for [e-mail]"
    assert event["environment"] == "test"
    assert "user" not in event
    everything = "\n".join(sentry_inbox.envelopes)
    for secret in (
        "cookie-secret-123",
        "csrf-secret-456",
        "header-secret-789",
        "leerling@example.org",
        "leerling%40example.org",
    ):
        assert secret not in everything
    # No performance traces unless a sample rate is set.
    assert '"type":"transaction"' not in everything.replace(" ", "")


def test_a_finished_workers_live_gauge_is_removed(gunicorn):
    """child_exit in the config: one worker fewer (TTOU), its in-progress gauge file goes, its
    counted requests stay."""
    pids = set(_slow_round(gunicorn, 2))
    before = gunicorn.metrics()
    assert {f"gauge_livesum_{pid}.db" for pid in pids} <= {
        path.name for path in gunicorn.metrics_dir.glob("*.db")
    }
    os.kill(gunicorn.process.pid, signal.SIGTTOU)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        remaining = {path.name for path in gunicorn.metrics_dir.glob("gauge_livesum_*.db")}
        if len({f"gauge_livesum_{pid}.db" for pid in pids} & remaining) == 1:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"no worker's live gauge was removed: {remaining}")
    after = gunicorn.metrics()
    served = re.compile(
        r'routewijzer_http_responses_total\{status="2xx",view="ops-test-slow"\} (\S+)'
    )
    assert served.search(after).group(1) == served.search(before).group(1)
    os.kill(gunicorn.process.pid, signal.SIGTTIN)


def test_the_master_warms_up_before_it_forks_the_workers(gunicorn):
    """The templates and catalogues are ready before the first worker exists (its first pages
    do not pay for them), and the workers come after."""
    lines = gunicorn.log_lines()
    warmed = next(
        index
        for index, line in enumerate(lines)
        if line.get("message", "").startswith("Warmed up for the workers")
    )
    assert "templates" in lines[warmed]["message"] and "6 languages" in lines[warmed]["message"]
    booted = [
        index
        for index, line in enumerate(lines)
        if line.get("message", "").startswith("Booting worker")
    ]
    assert booted and min(booted) > warmed
