"""gunicorn's configuration for Routewijzer in production (README, "Operations").

    gunicorn -c deploy/gunicorn.conf.py

Every value below can be changed by its environment variable, and a command-line option wins
over both. What it sets up besides the usual:

- the application is loaded once, in the master, and the workers are forks of it
  (``preload_app``): a worker replaced after ``max_requests`` costs a fork, not a second or two
  of importing Django;
- the figures of all workers add up in ``/metrics``: ``PROMETHEUS_MULTIPROC_DIR`` (a fresh
  temporary directory unless given) is emptied when gunicorn starts, and a finished worker's
  live gauges are removed (``child_exit``);
- one log stream, stdout, in JSON lines (``LOG_FORMAT=text`` for readable ones): gunicorn's own
  lines, the access line of each request with its request id, and the portal's lines;
- ``forwarded_allow_ips``: the proxy on loopback may say the request came over HTTPS.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
import tempfile
from pathlib import Path

from gunicorn import glogging

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from portal.core.logs import logging_config  # noqa: E402

# Many workers each hold database connections (the dashboard's threads one each): past this the
# default stops growing; set GUNICORN_WORKERS to go beyond it.
MAX_DEFAULT_WORKERS = 8


def _whole_number(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    """2 x cores + 1, the usual figure for sync workers, at most ``MAX_DEFAULT_WORKERS``."""
    return min(2 * _cores() + 1, MAX_DEFAULT_WORKERS)


_debug = os.environ.get("DEBUG", "").strip().lower() in ("1", "true", "yes", "on")
# The portal's own lines (portal/settings.py reads these) take the same shape and stream.
os.environ.setdefault("LOG_FORMAT", "text" if _debug else "json")
os.environ.setdefault("LOG_STREAM", "stdout")

wsgi_app = "portal.wsgi:application"
chdir = str(ROOT)
# Behind a proxy on the same machine. Several instances: one port each (GUNICORN_BIND).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = _whole_number("GUNICORN_WORKERS", _whole_number("WEB_CONCURRENCY", default_workers()))
worker_class = "sync"
# The slowest pages still answered in the request: the streamed CSV of all placements (11-27 s
# on national data, tests/benchmarks/README.md), the dashboard computed afresh for all years
# (2-4 s), a 5,000-row spreadsheet import (up to 10 s). A minute leaves room; what takes longer
# (the XLSX of all placements) belongs in a background task, not in a web worker.
timeout = _whole_number("GUNICORN_TIMEOUT", 60)
# On a restart or deploy a worker finishes the request in hand within this.
graceful_timeout = _whole_number("GUNICORN_GRACEFUL_TIMEOUT", 30)
# A worker is replaced after this many requests (a slow leak never grows for long); the jitter
# keeps the workers from being replaced all at once.
max_requests = _whole_number("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _whole_number("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Only the proxy on loopback may set X-Forwarded-Proto (the SSL redirect and secure cookies
# trust it: settings.SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The workers' heartbeat files on a memory file system: a slow disk cannot make them look dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# gunicorn's control socket would be one path ($HOME/.gunicorn/gunicorn.ctl) for every instance
# on the machine; off unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


class AccessLogger(glogging.Logger):
    """gunicorn's logger whose access line carries its fields separately (a JSON object's keys),
    the request id among them (from the response's ``X-Request-ID``). The path is logged without
    its query string, which may hold what a visitor typed (a postcode, a search)."""

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info(
            "%s %s %s",
            atoms["m"],
            atoms["U"],
            atoms["s"],
            extra={
                "request_id": atoms.get("{x-request-id}o") or "-",
                "remote_addr": atoms["h"],
                "method": atoms["m"],
                "path": atoms["U"],
                "status": int(atoms["s"]),
                "bytes": atoms["B"] or 0,
                "duration_ms": atoms["M"],
            },
        )


logger_class = AccessLogger
logconfig_dict = logging_config(
    log_format=os.environ["LOG_FORMAT"],
    level=os.environ.get("LOG_LEVEL", "INFO"),
    stream=os.environ["LOG_STREAM"],
    loggers={
        "gunicorn.error": {"level": loglevel.upper(), "propagate": False, "handlers": ["console"]},
        "gunicorn.access": {"level": "INFO", "propagate": False, "handlers": ["console"]},
    },
)

# --- Prometheus: the workers' figures added up (portal/core/metrics.py) -----------------------
# Set before the application is loaded (preload_app: before prometheus_client is imported), and
# once per gunicorn: a configuration reload (HUP) reads this file again and must not empty the
# directory under the running workers.
_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_MADE_HERE = "ROUTEWIJZER_METRICS_DIR_MADE"
_PREPARED = "ROUTEWIJZER_METRICS_DIR_PREPARED"
if os.environ.get(_PREPARED) != str(os.getpid()):
    if os.environ.get(_METRICS_DIR):
        os.makedirs(os.environ[_METRICS_DIR], exist_ok=True)
        # Figures of an earlier run would be added to this one's.
        for _stale in glob.glob(os.path.join(os.environ[_METRICS_DIR], "*.db")):
            os.remove(_stale)
    else:
        os.environ[_METRICS_DIR] = os.environ[_MADE_HERE] = tempfile.mkdtemp(
            prefix="routewijzer-metrics-"
        )
    os.environ[_PREPARED] = str(os.getpid())

# The application is loaded once, in the master, and each worker is a fork of it: a worker
# replaced after max_requests is ready at once instead of importing Django again (a second or
# two of CPU), and the frozen objects (portal/wsgi.py) stay shared between the workers. New code
# needs a restart (or USR2), not a HUP.
preload_app = True


def when_ready(server) -> None:
    """In the master, before the first fork: what each new worker's first requests would pay
    for done once for all of them (the URL patterns imported, the templates compiled, every
    language's catalogue read: ``portal.core.warmup``), and no database connection left open
    for the workers to inherit."""
    from django.db import connections

    from portal.core.warmup import warm_up

    done = warm_up()
    connections.close_all()
    server.log.info(
        "Warmed up for the workers: %(templates)d templates, %(languages)d languages", done
    )
    server.log.info("Prometheus figures of all workers in %s", os.environ[_METRICS_DIR])


def child_exit(server, worker) -> None:
    """A worker ended: its live gauges (requests in progress) no longer count."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    made = os.environ.get(_MADE_HERE)
    if made:
        shutil.rmtree(made, ignore_errors=True)
