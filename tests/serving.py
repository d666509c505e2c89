"""The portal served as in production, for the scripts and tests that need real servers.

``manage.py`` commands in a process of their own, PostgreSQL databases made, copied and dropped,
processes in their own process group (stopping one stops what it started), waiting until an
address answers, and ``wrk``. The HTTP benchmark (``tests/benchmarks/bench_http.py``) and the
two-instance cluster (``tests/cluster/``) use them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
HOST = "127.0.0.1"


class CommandFailed(RuntimeError):
    """A command ended with an error; the message holds its output."""


def run(*args: str, env: Mapping[str, str]) -> str:
    """Run ``args`` in the project's folder; its standard output, or ``CommandFailed``."""
    completed = subprocess.run(args, cwd=ROOT, env=dict(env), capture_output=True, text=True)
    if completed.returncode:
        raise CommandFailed(
            f"{' '.join(args[:4])}… failed ({completed.returncode}):\n"
            f"{completed.stdout}\n{completed.stderr}"
        )
    return completed.stdout


def manage(*args: str, env: Mapping[str, str]) -> str:
    """``python manage.py args`` with ``env``."""
    return run(PYTHON, "manage.py", *args, env=env)


def django_shell(code: str, env: Mapping[str, str]) -> str:
    """Run ``code`` in ``manage.py shell``; the last line it printed."""
    return manage("shell", "-v", "0", "-c", code, env=env).strip().splitlines()[-1]


# --- PostgreSQL ---------------------------------------------------------------------------------


def database_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def database_url_named(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name`` (same server and user)."""
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path=f"/{name}"))


def _server_connection(url: str):
    """A connection to the server's ``postgres`` database, outside any transaction (``CREATE
    DATABASE`` cannot run in one)."""
    import psycopg

    return psycopg.connect(database_url_named(url, "postgres"), autocommit=True)


def database_exists(url: str) -> bool:
    with _server_connection(url) as connection:
        row = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)]
        ).fetchone()
    return row is not None


def database_ensure(url: str) -> None:
    """Create the database if it is missing."""
    from psycopg import sql

    if database_exists(url):
        return
    print(f"Creating database {database_name(url)}", flush=True)
    with _server_connection(url) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name(url))))


def database_create(url: str, *, template_url: str | None = None) -> None:
    """Create the database, empty or as a copy of ``template_url`` (which nobody may be
    connected to: PostgreSQL copies its files)."""
    from psycopg import sql

    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name(url)))
    if template_url:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(database_name(template_url)))
    with _server_connection(url) as connection:
        connection.execute(statement)


def database_drop(url: str) -> None:
    """Drop the database if it exists, ending the sessions still connected to it."""
    from psycopg import sql

    with _server_connection(url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(database_name(url))
            )
        )


# --- Ports and processes ----------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nothing listens on now (the system's choice)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) != 0


def fetch(
    url: str, headers: Mapping[str, str] | None = None, timeout: float = 30
) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``: status, headers and body, also for an error status."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until_answers(
    url: str,
    *,
    process: subprocess.Popen | None = None,
    seconds: float = 60,
    status: int = 200,
    what: str = "",
) -> None:
    """Wait until ``url`` answers ``status``; fail early when ``process`` ends meanwhile."""
    what = what or url
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before it answered")
        try:
            if fetch(url, timeout=5)[0] == status:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer {status} within {seconds:.0f} s")


def process_group_stop(process: subprocess.Popen, *, timeout: float = 20) -> None:
    """SIGTERM to the process's group (started with ``start_new_session=True``: the process and
    all it started), SIGKILL after ``timeout`` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --- wrk ----------------------------------------------------------------------------------------


def wrk_run(
    *,
    url: str,
    script: str,
    seconds: int,
    connections: int,
    threads: int = 2,
    timeout_seconds: int = 10,
) -> str:
    """Run ``wrk`` against ``url`` with the Lua ``script`` for ``seconds``; what it printed."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        return subprocess.run(
            [
                "wrk",
                "--threads",
                str(threads),
                "--connections",
                str(connections),
                "--duration",
                f"{seconds}s",
                "--timeout",
                f"{timeout_seconds}s",
                "--script",
                file.name,
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + timeout_seconds + 60,
        ).stdout
    finally:
        os.unlink(file.name)
