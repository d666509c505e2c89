"""Contract dashboard benchmark on national-scale data (PostgreSQL): the full dashboard page, the
forecast, and the streamed CSV of all placements with its peak memory. A script, not a test: see
README.md beside it.

    .venv/bin/python tests/benchmarks/bench_dashboard.py [--rounds 5] [--rebuild]

Uses ``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/routewijzer_bench``, the
database ``bench_http.py`` uses too): creates it if missing, migrates it and runs
``manage.py seed_scale`` when it holds no synthetic referrals yet (``--rebuild`` builds them
again). Pages are requested in-process with Django's test client as a contract manager, with
DEBUG off, computed afresh (``refresh=1``) unless the label says "from the cache"; the export
runs in a child process so that its peak resident memory (``VmHWM``) is the export's own, next
to the same process's memory before it began.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/routewijzer_bench"
BENCH_USER = "dashboard-bench@routewijzer.example"


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["DEBUG"] = "false"
    from tests.benchmarks.bench_http import database_ensure

    database_ensure(os.environ["DATABASE_URL"])
    import django

    django.setup()


def _client():
    """A contract manager signed in with password and authenticator code, as the admin needs."""
    from django.test import Client

    from portal.accounts.models import Role, User
    from tests.portal.helpers import login_staff

    user, _created = User.objects.get_or_create(
        username=BENCH_USER,
        defaults={"email": BENCH_USER, "role": Role.CONTRACT_MANAGER, "is_staff": True},
    )
    return login_staff(Client(), user)


def _ensure_data(rebuild: bool) -> None:
    from django.core.management import call_command

    from contracts.models import Referral

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--no-input", verbosity=0)  # DEBUG off: the manifest storage
    if rebuild or Referral.objects.count() < 100_000:
        # --reset: catalogue-only scale data from before the casework counts as "seeded".
        started = time.perf_counter()
        call_command("seed_scale", "--reset", verbosity=1)
        print(f"seed_scale took {time.perf_counter() - started:.0f} s", flush=True)


def _timed(label: str, rounds: int, action) -> dict:
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    result = {
        "first_s": round(seconds[0], 3),
        "median_s": round(statistics.median(seconds), 3),
        "max_s": round(max(seconds), 3),
    }
    print(
        f"  {label:<52} first {result['first_s']:6.2f} s   median {result['median_s']:6.2f} s"
        f"   max {result['max_s']:6.2f} s",
        flush=True,
    )
    return result


def _get(client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    if response.streaming:
        for _chunk in response.streaming_content:
            pass


def _peak_rss_mb() -> int:
    """This process's resident-memory high-water mark (``VmHWM``). Not ``ru_maxrss``: Linux carries
    that over from the parent through fork and exec, so a child would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _warm() -> None:
    from django.core.management import call_command

    call_command("dashboard_warm", verbosity=0)


def _export_child() -> None:
    """Stream the CSV of every placement and report rows, bytes, seconds and peak memory."""
    _django()
    client = _client()
    before_mb = _peak_rss_mb()
    started = time.perf_counter()
    response = client.get(
        "/admin/dashboard/export/placements.csv", {"from": "2000-01-01", "until": "2100-12-31"}
    )
    lines = size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    peak_mb = _peak_rss_mb()
    print(
        json.dumps(
            {
                "rows": lines - 1,
                "megabytes": round(size / 1e6, 1),
                "seconds": round(seconds, 2),
                "rss_before_mb": before_mb,
                "rss_peak_mb": peak_mb,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--export-child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.export_child:
        _export_child()
        return
    _django()
    from django.db import connection
    from django.utils import timezone

    from contracts import reporting
    from contracts.models import MonthlyAttendance, Referral
    from portal.enrolments.models import Enrolment

    if connection.vendor != "postgresql":
        raise SystemExit("DATABASE_URL must point at PostgreSQL")
    _ensure_data(options.rebuild)
    today = timezone.localdate()
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{Referral.objects.count():,} referrals, {MonthlyAttendance.objects.count():,} "
        f"attendance rows, {Enrolment.objects.count():,} enrolments",
        flush=True,
    )
    client = _client()
    year = f"from={today.year}-01-01&until={today.year}-12-31"
    municipality = Referral.objects.values_list("learner__municipality_id", flat=True).first()
    # A new process's first admin page loads Wagtail's admin (templates, menus, translations)
    # whatever the page: timed apart, so the dashboard's "first" is its own.
    _timed("first admin page of this process (/admin/)", 1, lambda: _get(client, "/admin/"))
    pages = {
        "dashboard, this year (the default)": "/admin/dashboard/?refresh=1",
        "dashboard, this year, figures from the cache": "/admin/dashboard/",
        "dashboard, all years": "/admin/dashboard/?from=2000-01-01&until=2100-12-31&refresh=1",
        "dashboard, one municipality": f"/admin/dashboard/?{year}&municipality={municipality}"
        "&refresh=1",
    }
    for label, url in pages.items():
        _timed(label, options.rounds, lambda url=url: _get(client, url))
    _timed("manage.py dashboard_warm (region, both languages)", 1, lambda: _warm())
    _timed(
        "forecast (reporting.forecast)", options.rounds, lambda: reporting.forecast(today.year + 1)
    )
    _timed("forecast page", options.rounds, lambda: _get(client, "/admin/dashboard/forecast/"))
    child = subprocess.run(
        [sys.executable, __file__, "--export-child"],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    )
    export = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"  CSV of all placements: {export['rows']:,} rows, {export['megabytes']} MB in "
        f"{export['seconds']} s; peak RSS {export['rss_peak_mb']} MB "
        f"(process before the export: {export['rss_before_mb']} MB)",
        flush=True,
    )


if __name__ == "__main__":
    main()
