"""Large downloads made in the background at national scale (PostgreSQL): the export task for all
placements as XLSX and as CSV, its time and peak memory, and how often it wrote its progress. A
script, not a test: see README.md beside it.

    .venv/bin/python tests/benchmarks/bench_exports.py [--rebuild] [--openpyxl]

Uses ``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/routewijzer_bench``, the
database the other benchmarks use): creates it if missing, migrates it and runs
``manage.py seed_scale`` when it holds fewer than 250,000 referrals (300,000 by default).

Each export is asked for as a contract manager would (``report_export_request``: the row and its
task, which waits for a worker), then run by a child process through the worker's own code
(``task_run_now``), so that the child's peak resident memory (``VmHWM``) is the export's own;
the file goes to a temporary ``MEDIA_ROOT``. Meanwhile this process reads the export's row
twice a second, as the exports page does. ``--openpyxl`` also writes the same rows with the
openpyxl write-only workbook the XLSX download used before, for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/routewijzer_bench"
BENCH_USER = "exports-bench@routewijzer.example"
TARGET_MB = 250


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["DEBUG"] = "false"
    os.environ["TASKS_RUN"] = "worker"  # the task waits for the child, as for a worker
    from tests.benchmarks.bench_http import database_ensure

    database_ensure(os.environ["DATABASE_URL"])
    import django

    django.setup()


def _peak_rss_mb() -> int:
    """This process's resident-memory high-water mark (``VmHWM``; ``ru_maxrss`` would carry
    over the parent's peak through fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    raise SystemExit("needs Linux (/proc/self/status)")


def _child(task_id: str) -> None:
    """Run the export's task as a worker would; print the figures as JSON."""
    _django()
    from portal.core.tasks import task_run_now

    before_mb = _peak_rss_mb()
    started = time.perf_counter()
    ran = task_run_now(task_id)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "ran": ran,
                "seconds": round(seconds, 1),
                "rss_before_mb": before_mb,
                "rss_peak_mb": _peak_rss_mb(),
            }
        )
    )


def _openpyxl_child() -> None:
    """The same rows by openpyxl's write-only workbook (the XLSX download before xlsxwriter)."""
    _django()
    from openpyxl import Workbook

    from contracts import reporting
    from contracts.reporting.exports import _local, safe_text
    from contracts.reporting.frames import ReportFilter

    def cell(value):
        if value is None or isinstance(value, bool | int | float):
            return value
        if hasattr(value, "tzinfo") and hasattr(value, "hour"):
            return _local(value).replace(tzinfo=None)
        if hasattr(value, "isoformat"):
            return value
        return safe_text(str(value))

    before_mb = _peak_rss_mb()
    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("plaatsingen")
    sheet.freeze_panes = "A2"
    sheet.append([str(label) for label in reporting.PLACEMENT_EXPORT_LABELS.values()])
    rows = 0
    for row in reporting.placement_rows(ReportFilter()):
        sheet.append([cell(value) for value in row])
        rows += 1
    with tempfile.TemporaryFile() as output:
        workbook.save(output)
        size = output.tell()
    print(
        json.dumps(
            {
                "rows": rows,
                "bytes": size,
                "seconds": round(time.perf_counter() - started, 1),
                "rss_before_mb": before_mb,
                "rss_peak_mb": _peak_rss_mb(),
            }
        )
    )


def _ensure_data(rebuild: bool) -> None:
    from django.core.management import call_command

    from contracts.models import Referral

    call_command("migrate", verbosity=0)
    if rebuild or Referral.objects.count() < 250_000:
        started = time.perf_counter()
        call_command("seed_scale", "--reset", verbosity=1)
        print(f"seed_scale took {time.perf_counter() - started:.0f} s", flush=True)


def _manager():
    from portal.accounts.models import Role, User

    user, _created = User.objects.get_or_create(
        username=BENCH_USER,
        defaults={"email": BENCH_USER, "role": Role.CONTRACT_MANAGER, "is_staff": True},
    )
    return user


def _run(file_format: str, media_root: str) -> dict:
    from django.db import close_old_connections
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from contracts.models import ReportExport
    from contracts.reporting.frames import ReportFilter
    from contracts.reporting.large_exports import report_export_request

    ReportExport.objects.filter(user=_manager()).delete()
    export, _created = report_export_request(
        user=_manager(),
        name="placements",
        file_format=file_format,
        report_filter=ReportFilter(),  # every referral ever sent
        today=timezone.localdate(),
    )
    task = DBTaskResult.objects.filter(task_path__endswith="report_export_make").order_by(
        "-enqueued_at"
    )[0]
    seen: list[tuple[float, str, int]] = []
    done = threading.Event()

    def watch() -> None:
        started = time.perf_counter()
        try:
            while not done.is_set():
                row = ReportExport.objects.filter(pk=export.pk).values("state", "rows_written")[0]
                if not seen or seen[-1][1:] != (row["state"], row["rows_written"]):
                    seen.append((time.perf_counter() - started, row["state"], row["rows_written"]))
                done.wait(0.5)
        finally:
            close_old_connections()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(task.pk)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "MEDIA_ROOT": media_root, "MEDIA_STORAGE": "local"},
        )
    finally:
        done.set()
        watcher.join()
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    export.refresh_from_db()
    figures.update(
        state=export.state,
        rows=export.rows_written,
        megabytes=round((export.file_size or 0) / 1e6, 1),
        progress_steps=len([step for step in seen if step[1] == "running"]),
        error=export.get_error_display() + " " + export.error_detail if export.error else "",
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--openpyxl", action="store_true", help="also time openpyxl write-only")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--openpyxl-child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        _child(options.child)
        return
    if options.openpyxl_child:
        _openpyxl_child()
        return
    _django()
    from django.db import connection

    from contracts.models import Referral
    from contracts.reporting import exports

    if connection.vendor != "postgresql":
        raise SystemExit("DATABASE_URL must point at PostgreSQL")
    _ensure_data(options.rebuild)
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{Referral.objects.exclude(sent_at=None).count():,} referrals sent; progress every "
        f"{exports.PROGRESS_EVERY:,} rows; target: peak RSS under {TARGET_MB} MB",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as media_root:
        for file_format in ("xlsx", "csv"):
            result = _run(file_format, media_root)
            verdict = "met" if result["rss_peak_mb"] < TARGET_MB else "NOT met"
            print(
                f"  {file_format.upper():4} {result['state']}: {result['rows']:,} rows, "
                f"{result['megabytes']} MB in {result['seconds']} s; peak RSS "
                f"{result['rss_peak_mb']} MB (process before the task: "
                f"{result['rss_before_mb']} MB; target {verdict}); progress seen in "
                f"{result['progress_steps']} steps {result['error']}",
                flush=True,
            )
    if options.openpyxl:
        child = subprocess.run(
            [sys.executable, __file__, "--openpyxl-child"],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ.copy(),
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"  XLSX by openpyxl write-only (before): {result['rows']:,} rows, "
            f"{round(result['bytes'] / 1e6, 1)} MB in {result['seconds']} s; peak RSS "
            f"{result['rss_peak_mb']} MB (before: {result['rss_before_mb']} MB)",
            flush=True,
        )


if __name__ == "__main__":
    main()
