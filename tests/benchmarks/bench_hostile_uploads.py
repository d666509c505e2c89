"""Hostile spreadsheet uploads: how long each takes to be refused, and how much memory it costs.
A script, not a test (house style point 17): see README.md beside it.

    .venv/bin/python tests/benchmarks/bench_hostile_uploads.py [--upload offerings|attendance]
        [--only NAME ...] [--largest] [--json FILE]

Builds each file of ``tests/providers/hostile_spreadsheets.py`` (the files of issue 14's probe and
their relatives; the zip bomb here unpacks to 1 GB) plus files within the limits for comparison,
and feeds each, in a child process of its own, to

* the reading code (``providers.imports.sheet_read`` for the offerings import,
  ``table_read`` with ``attendance_limits()`` for the attendance upload), and
* the admin's upload page (Django's test client, full middleware stack, as provider staff signed
  in with TOTP) on a throw-away SQLite database,

and prints per file: seconds, the peak resident memory above what the process held before the
call (``VmHWM`` after resetting it through ``/proc/self/clear_refs``; the file itself is already
in memory), the peak of Python's own allocations (``tracemalloc``, a second call) and the message.
Targets: every hostile file refused within 2 s and 200 MB.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 2.0
TARGET_MEGABYTES = 200
BIG_BOMB = 1 << 30
TRACED_UP_TO_SECONDS = 10.0


def _configure_django(database: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ["DEBUG"] = "false"
    os.environ["PAGE_CACHE_ENABLED"] = "false"
    import django
    from django.conf import settings
    from django.test.utils import override_settings, setup_test_environment

    django.setup()
    setup_test_environment()  # the test client's responses carry their template context
    # The admin's pages without ``collectstatic``: plain storage instead of whitenoise's manifest.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()


# --- The files ---------------------------------------------------------------------------------


def _legit_rows(count: int, upload: str) -> tuple[list[str], list[dict[str, str]]]:
    """The columns and ``count`` rows of a file such as a provider uploads."""
    from contracts import progress_upload
    from providers.spreadsheets import COLUMN_CODES

    if upload == "attendance":
        rows = [
            {
                "referral_number": str(1_000 + number),
                "month": "2026-10",
                "hours_offered": "32",
                "hours_attended": "28",
                "absence_reason": "ILLNESS",
            }
            for number in range(count)
        ]
        return list(progress_upload.COLUMNS), rows
    rows = [
        {
            "offering_reference": f"OFF-{number // 5:05d}",
            "title": f"Cursus {number // 5}",
            "component": "B1_ROUTE",
            "summary": "Nederlands leren in de praktijk",
            "for_statushouders": "ja",
            "for_gezinsmigranten": "ja",
            "hours_total": "400",
            "hours_per_week": "8",
            "schedule": "DAYTIME",
            "support_languages": "",
            "price_eur": "2500.00",
            "start_reference": f"S{number % 5 + 1}",
            "starts_on": f"2027-{number % 5 + 2:02d}-01",
            "ends_on": "2027-12-01",
            "location": "Centrum",
            "seats": "12",
        }
        for number in range(count)
    ]
    return list(COLUMN_CODES), rows


def _legit_csv(count: int, upload: str) -> bytes:
    columns, rows = _legit_rows(count, upload)
    lines = [",".join(columns)]
    lines += [",".join(row.get(code, "") for code in columns) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def _legit_xlsx(count: int, upload: str) -> bytes:
    import openpyxl

    columns, rows = _legit_rows(count, upload)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(code) or None for code in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _files(*, upload: str, largest: bool) -> list[tuple[str, str, str]]:
    """(name, file name, what it is) of every file measured."""
    from tests.providers.hostile_spreadsheets import HOSTILE_FILES

    files = [(file.name, file.file_name, "hostile") for file in HOSTILE_FILES]
    files.append(("xlsx_zip_bomb_1gb", "aanbod.xlsx", "hostile"))
    files += [
        ("legit_csv_5000_rows", "aanbod.csv", "within the limits"),
        ("legit_xlsx_5000_rows", "aanbod.xlsx", "within the limits"),
    ]
    if largest:
        at_limit = 20_000 if upload == "offerings" else 10_000
        files += [
            (f"legit_csv_{at_limit}_rows", "aanbod.csv", "at the row limit"),
            (f"legit_xlsx_{at_limit}_rows", "aanbod.xlsx", "at the row limit"),
        ]
    return files


def _build(name: str, upload: str) -> bytes:
    from contracts import progress_upload
    from providers.imports import reading
    from providers.spreadsheets import COLUMN_CODES
    from tests.providers import hostile_spreadsheets as hostile

    if upload == "offerings":
        max_bytes, columns = reading.import_max_bytes(), COLUMN_CODES
    else:
        max_bytes, columns = progress_upload.MAX_BYTES, progress_upload.COLUMNS
    if name == "xlsx_zip_bomb_1gb":
        return hostile.xlsx_zip_bomb(max_bytes, columns, unpacked=BIG_BOMB)
    if match := re.fullmatch(r"legit_(csv|xlsx)_(\d+)_rows", name):
        build = _legit_csv if match.group(1) == "csv" else _legit_xlsx
        return build(int(match.group(2)), upload)
    file = next(file for file in hostile.HOSTILE_FILES if file.name == name)
    return file.build(max_bytes, columns)


# --- One measurement, in a child process -------------------------------------------------------


def _resident_kib(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", status).group(1))


def _peak_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _child(name: str, file_name: str, upload: str, via: str) -> dict:
    import gc

    from django.utils import translation

    translation.activate("en")
    data = _build(name, upload)
    call = _reading_call if via == "reading" else _view_call(upload)
    # Warm-up on a small file of the same type: imports, templates, the first query of each kind.
    small = (_legit_csv if file_name.endswith(".csv") else _legit_xlsx)(2, upload)
    call(small, file_name, upload=upload)
    gc.collect()
    before = _resident_kib("VmRSS")
    _peak_reset()
    started = time.perf_counter()
    message = call(data, file_name, upload=upload)
    seconds = time.perf_counter() - started
    extra_mb = (_resident_kib("VmHWM") - before) / 1024
    python_peak_mb = None
    if seconds < TRACED_UP_TO_SECONDS:
        # tracemalloc slows every allocation several times: a second call, not the timed one.
        gc.collect()
        tracemalloc.start()
        call(data, file_name, upload=upload)
        python_peak_mb = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
        tracemalloc.stop()
    return {
        "name": name,
        "via": via,
        "bytes": len(data),
        "seconds": seconds,
        "extra_mb": extra_mb,
        "python_peak_mb": python_peak_mb,
        "message": message,
    }


def _reading_call(data: bytes, file_name: str, *, upload: str = "offerings") -> str:
    from contracts import progress_upload
    from portal.core.tabular.reading import table_read
    from providers import imports

    try:
        if upload == "offerings":
            sheet = imports.sheet_read(file_name=file_name, data=data)
            return f"read: {len(sheet.rows)} rows"
        limits = progress_upload.attendance_limits()
        table = table_read(file_name=file_name, data=data, limits=limits)
        return f"read: {len(table.rows)} rows"
    except imports.ImportFileError as error:
        return error.message


def _view_call(upload: str):
    from django.test import Client

    from portal.accounts.models import User
    from providers.models import Provider
    from tests.portal.helpers import login_staff

    client = login_staff(Client(), User.objects.get(username="bench-staff"))
    provider = Provider.objects.get(slug="bench-provider")
    url = "/admin/import/" if upload == "offerings" else "/admin/referrals/attendance-upload/"

    def call(data: bytes, file_name: str, *, upload: str = upload) -> str:
        stream = io.BytesIO(data)
        stream.name = file_name
        fields = {"file": stream}
        if upload == "offerings":
            fields["provider"] = str(provider.pk)
        response = client.post(url, fields)
        if response.status_code == 302:
            return f"accepted ({response['Location']})"
        if response.status_code != 200:
            return f"status {response.status_code}"
        form = response.context["form"]
        errors = form.errors.get("file")
        if errors:
            return " ".join(errors)
        return f"{response.context.get('error_count', 0)} row errors"

    return call


# --- The parent --------------------------------------------------------------------------------


def _prepare_database() -> None:
    from django.core.management import call_command
    from wagtail.users.models import UserProfile

    from portal.accounts.models import Role, User
    from providers.models import ProviderMembership
    from tests.portal.helpers import totp_enable
    from tests.providers.factories import LocationFactory, ProviderFactory

    call_command("migrate", verbosity=0)
    provider = ProviderFactory(name="Bench provider", slug="bench-provider")
    LocationFactory(provider=provider, name="Centrum")
    user = User.objects.create_user(
        username="bench-staff",
        email="bench-staff@example.org",
        password=secrets.token_urlsafe(16),
        role=Role.PROVIDER_STAFF,
    )
    ProviderMembership.objects.create(user=user, provider=provider)
    totp_enable(user)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upload", choices=["offerings", "attendance"], default="offerings")
    parser.add_argument("--only", nargs="*", help="measure only these files (names as printed)")
    parser.add_argument("--largest", action="store_true", help="also files at the row limit")
    parser.add_argument("--json", help="write the figures to this file too")
    parser.add_argument("--child", nargs=4, metavar=("NAME", "FILE", "UPLOAD", "VIA"))
    parser.add_argument("--database", help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.child:
        _configure_django(Path(arguments.database))
        print(json.dumps(_child(*arguments.child)))
        return

    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as temporary:
        database = Path(temporary) / "bench.sqlite3"
        _configure_django(database)
        print(f"Preparing a throw-away database in {temporary} ...", flush=True)
        _prepare_database()
        results = []
        header = f"{'file':<30} {'via':<8} {'size':>10} {'seconds':>8} {'extra RSS':>10} "
        header += f"{'py peak':>9}  message"
        print(f"\n{arguments.upload} upload\n{header}\n{'-' * 120}", flush=True)
        for name, file_name, kind in _files(upload=arguments.upload, largest=arguments.largest):
            if arguments.only and name not in arguments.only:
                continue
            for via in ("reading", "view"):
                command = [
                    sys.executable,
                    __file__,
                    "--database",
                    str(database),
                    "--child",
                    name,
                    file_name,
                    arguments.upload,
                    via,
                ]
                done = subprocess.run(
                    command, capture_output=True, text=True, env=os.environ.copy(), check=False
                )
                if done.returncode:
                    print(f"{name:<30} {via:<8} failed:\n{done.stderr[-2000:]}", flush=True)
                    continue
                result = json.loads(done.stdout.strip().splitlines()[-1]) | {"kind": kind}
                results.append(result)
                traced = result["python_peak_mb"]
                traced = "—" if traced is None else f"{traced:.1f} MB"
                print(
                    f"{name:<30} {via:<8} {result['bytes']:>10,} {result['seconds']:>8.3f} "
                    f"{result['extra_mb']:>7.1f} MB {traced:>9}  {result['message'][:70]}",
                    flush=True,
                )
        hostile = [result for result in results if result["kind"] == "hostile"]
        slowest = max(hostile, key=lambda result: result["seconds"], default=None)
        largest = max(hostile, key=lambda result: result["extra_mb"], default=None)
        if slowest and largest:
            print(
                f"\nHostile files: slowest {slowest['seconds']:.2f} s ({slowest['name']}, "
                f"{slowest['via']}; target {TARGET_SECONDS:g} s), most memory "
                f"{largest['extra_mb']:.0f} MB ({largest['name']}, {largest['via']}; "
                f"target {TARGET_MEGABYTES} MB)."
            )
        if arguments.json:
            Path(arguments.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
