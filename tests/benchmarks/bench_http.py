"""HTTP benchmark: catalogue (cached and uncached), API, home page and a trivial view, in one run.

Serves the national-scale data (``manage.py seed_scale``) on PostgreSQL with gunicorn (2 sync
workers) and loads it with ``wrk`` at concurrency 8 on 127.0.0.1 only. Prints requests/s, p50 and
p95 latency and the ratio to the trivial view. A script, not a test: see README.md beside it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/routewijzer_bench"

FILTERED = "/aanbod/?component=B1_ROUTE&municipality=GM0392&ordering=price"
VARIED = [
    FILTERED,
    "/aanbod/?component=MAP&schedule=EVENING",
    "/aanbod/?max_price=5000&duo_loan=true&ordering=-pass_rate",
    "/aanbod/?q=route&childcare=true",
    "/aanbod/?support_language=ar&keurmerk=true&page=2",
    "/aanbod/?component=Z_ROUTE&component=ALFABETISERING&ordering=next_start",
    "/aanbod/",
    "/aanbod/?target_group=GEZINSMIGRANT&schedule=WEEKEND&schedule=ONLINE",
]

LUA = """
paths = {%(paths)s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT %%d %%.3f %%.3f %%.3f %%d\\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, errors))
end
"""


def run(*args: str, env: dict | None = None) -> str:
    return subprocess.run(
        args, cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def prepare(env: dict, rebuild: bool) -> None:
    database = env["DATABASE_URL"].rsplit("/", 1)[1]
    admin_url = env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    exists = run("psql", admin_url, "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{database}'")  # noqa: S608 our own setting
    if not exists.strip():
        print(f"Creating database {database}")
        run("psql", admin_url, "-c", f'CREATE DATABASE "{database}"')
    print("Migrating…")
    run(PYTHON, "manage.py", "migrate", "--no-input", "-v", "0", env=env)
    has_scale = (
        run(
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            "from providers.models import Provider;"
            "print(Provider.objects.filter(name__startswith='Schaal').count())",
            env=env,
        )
        .strip()
        .splitlines()[-1]
    )
    if has_scale == "0" or rebuild:
        print("Building national-scale data (seed_scale)…")
        args = ["--reset"] if rebuild else []
        subprocess.run([PYTHON, "manage.py", "seed_scale", *args], cwd=ROOT, env=env, check=True)
    run(PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0", env=env)
    counts = (
        run(
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            "from providers.models import Offering, StartMoment, Provider, Location;"
            "print(Provider.objects.count(), Location.objects.count(),"
            " Offering.objects.filter(live=True).count(), StartMoment.objects.count())",
            env=env,
        )
        .strip()
        .splitlines()[-1]
    )
    print(f"Data: providers, locations, live offerings, start moments = {counts}")


def start_gunicorn(env: dict, port: int, page_cache: bool) -> subprocess.Popen:
    server_env = {**env, "PAGE_CACHE_ENABLED": "true" if page_cache else "false"}
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise RuntimeError(f"gunicorn on port {port} did not start")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def warm_up(port: int, paths: list[str]) -> None:
    for path in paths:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")


def measure(port: int, paths: list[str], seconds: int, connections: int) -> dict:
    warm_up(port, paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"paths": ", ".join(f'"{p}"' for p in paths)})
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}",
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    _, requests, rps, p50, p95, errors = line.split()
    return {
        "requests": int(requests),
        "rps": float(rps),
        "p50": float(p50),
        "p95": float(p95),
        "errors": int(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="duration of each measurement")
    parser.add_argument("--connections", type=int, default=8, help="concurrency")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the scale data")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "ROUTEWIJZER_TESTING": "false",
        "LOG_LEVEL": "WARNING",
    }
    prepare(env, options.rebuild)
    cached = start_gunicorn(env, 8101, page_cache=True)
    uncached = start_gunicorn(env, 8102, page_cache=False)
    cases = [
        ("trivial view /healthz", 8102, ["/healthz"]),
        ("bare HomePage /", 8102, ["/"]),
        ("catalogue, filtered, uncached", 8102, [FILTERED]),
        (f"catalogue, {len(VARIED)} filter sets rotating, uncached", 8102, VARIED),
        ("catalogue, filtered, cached (anonymous)", 8101, [FILTERED]),
        (f"catalogue, {len(VARIED)} filter sets rotating, cached", 8101, VARIED),
        (
            "API list /api/v1/offerings/?component=B1_ROUTE",
            8102,
            ["/api/v1/offerings/?component=B1_ROUTE"],
        ),
    ]
    results = []
    try:
        for label, port, paths in cases:
            print(f"Measuring {label}…", flush=True)
            results.append((label, measure(port, paths, options.seconds, options.connections)))
    finally:
        stop(cached)
        stop(uncached)
    baseline = results[0][1]["rps"]
    print()
    print(
        f"concurrency {options.connections}, {options.seconds} s each, gunicorn 2 sync workers, "
        f"PostgreSQL + Redis, {os.cpu_count()} cores"
    )
    print(f"{'case':<58} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'vs trivial':>10} {'errors':>6}")
    for label, result in results:
        print(
            f"{label:<58} {result['rps']:>8.1f} {result['p50']:>8.1f} {result['p95']:>8.1f} "
            f"{result['rps'] / baseline:>9.0%} {result['errors']:>6}"
        )


if __name__ == "__main__":
    main()
