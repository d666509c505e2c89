"""Spreadsheet import benchmark: a 5,000-row file (1,000 offerings x 5 start dates), checked and
applied, timed step by step. A script, not a test (house style point 17): see README.md beside it.

    .venv/bin/python tests/benchmarks/bench_import.py [--offerings 1000] [--starts 5]

Uses a throw-away database: a temporary SQLite file, or with ``DATABASE_URL`` set a test database
made next to that one (``test_<name>``) and dropped afterwards. Prints, per step, seconds and
database statements (an ``executemany`` counts once). Target: a 5,000-row file checked and applied
within 10 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import secrets
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 10.0
# A provider's own catalogue: the national scale data has 8,000 offerings over 400 providers.
REALISTIC_OFFERINGS = 50


def _configure_django(temporary: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    # The approvers' summary is a task: run it after the commit, in this process, to time it.
    os.environ.setdefault("TASKS_RUN", "after-commit")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{temporary / 'routewijzer.sqlite3'}"
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"].setdefault("TEST", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        # A file, as in a deployment, rather than Django's in-memory test database.
        settings.DATABASES["default"]["TEST"]["NAME"] = str(temporary / "bench.sqlite3")


class Timer:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, int]] = []

    @contextmanager
    def step(self, name: str):
        from django.db import connection

        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            yield
            seconds = time.perf_counter() - started
        self.rows.append((name, seconds, queries))
        print(f"  {name:<58} {seconds:7.2f} s {queries:7d} queries", flush=True)

    def seconds(self, *names: str) -> float:
        return sum(seconds for name, seconds, _ in self.rows if name in names)


def _rows(*, offerings: int, starts: int, location_names: list[str], title_suffix: str = ""):
    from providers.choices import Component, Schedule

    today = datetime.date.today()
    components = [Component.B1_ROUTE, Component.Z_ROUTE, Component.MAP, Component.KNM]
    schedules = [Schedule.DAYTIME, Schedule.EVENING, Schedule.WEEKEND]
    for number in range(offerings):
        offering = {
            "offering_reference": f"OFF-{number:05d}",
            "title": f"Cursus {number}{title_suffix}",
            "component": components[number % len(components)].value,
            "education_level": "",
            "summary": "Nederlands leren in de praktijk",
            "for_statushouders": True,
            "for_gezinsmigranten": number % 3 != 0,
            "cefr_from": "A1",
            "cefr_to": "B1",
            "hours_total": 200 + number % 400,
            "hours_per_week": 8,
            "duration_weeks": 40,
            "schedule": schedules[number % len(schedules)].value,
            "support_languages": ("ar", "tr") if number % 2 else ("en",),
            "childcare": number % 5 == 0,
            "price_eur": 250000 + number * 100,
            "price_includes_exams": True,
            "price_includes_materials": number % 2 == 0,
            "duo_loan_eligible": True,
        }
        for start in range(starts):
            starts_on = today + datetime.timedelta(days=30 + 14 * start + number % 7)
            yield {
                **offering,
                "start_reference": f"S{start + 1}",
                "starts_on": starts_on,
                "ends_on": starts_on + datetime.timedelta(weeks=40),
                "enrolment_deadline": starts_on - datetime.timedelta(days=7),
                "location": location_names[(number + start) % len(location_names)],
                "seats": 12 + start,
            }


def _csv(rows) -> bytes:
    from providers.spreadsheets import csv_bytes

    # The rows name their location; the writer takes an id → name map, so use names as ids.
    rows = list(rows)
    names = {row["location"]: row["location"] for row in rows if row.get("location")}
    return csv_bytes(rows, location_names=names)


def _xlsx(rows) -> bytes:
    from providers.spreadsheets import xlsx_bytes

    rows = list(rows)
    names = {row["location"]: row["location"] for row in rows if row.get("location")}
    return xlsx_bytes(rows, location_names=names)


def _run(*, offerings: int, starts: int, staff: bool = True) -> None:
    from wagtail.models import Revision

    from portal.accounts.models import Role, User
    from providers import imports
    from providers.models import (
        Language,
        Offering,
    )
    from tests.contracts.factories import MunicipalityFactory
    from tests.providers.factories import LocationFactory, ProviderFactory

    for code, en, nl in (
        ("ar", "Arabic", "Arabisch"),
        ("tr", "Turkish", "Turks"),
        ("en", "English", "Engels"),
    ):
        Language.objects.get_or_create(code=code, defaults={"name_en": en, "name_nl": nl})
    municipality = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    manager = User.objects.create_user(
        username="cm", email="cm@example.org", password="x", role=Role.CONTRACT_MANAGER
    )
    timer = Timer()
    rows_count = offerings * starts

    def one_provider(label: str, user_for):
        provider = ProviderFactory(name=f"Bench {label}")
        locations = [
            LocationFactory(provider=provider, name=f"Locatie {n}", municipality=municipality)
            for n in range(5)
        ]
        user = user_for(provider)
        names = [location.name for location in locations]
        return provider, user, names

    def upload(name: str, provider, user, data: bytes, file_name: str = "bench.csv"):
        with timer.step(f"{name}: read file"):
            sheet = imports.sheet_read(file_name=file_name, data=data)
        with timer.step(f"{name}: check rows and compare"):
            check = imports.import_check(provider=provider, user=user, sheet=sheet)
        assert check.ok, check.errors[:5]
        with timer.step(f"{name}: store the checked batch"):
            batch = imports.import_batch_create(
                user=user, provider=provider, sheet=sheet, check=check
            )
        return batch, check.summary["counts"]

    def apply(name: str, batch, user):
        with timer.step(f"{name}: apply"):
            return imports.import_apply(batch=batch, user=user)

    print(f"\n{rows_count:,} rows: {offerings:,} offerings x {starts} start dates\n")

    # Contract manager: new offerings, published at once.
    provider, user, names = one_provider("manager", lambda provider: manager)
    data = _csv(_rows(offerings=offerings, starts=starts, location_names=names))
    print(f"CSV file: {len(data) / 1024:.0f} KB")
    batch, counts = upload("1 new, contract manager", provider, user, data)
    result = apply("1 new, contract manager", batch, user)
    print(f"     {counts} → {result}")
    assert Offering.objects.filter(provider=provider, live=True).count() == offerings

    revisions = Revision.objects.count()
    batch, counts = upload("2 same file again", provider, user, data)
    result = apply("2 same file again", batch, user)
    assert Revision.objects.count() == revisions, "a re-upload must not add revisions"
    print(f"     {counts} → {result}")

    changed = _rows(
        offerings=offerings // 10, starts=starts, location_names=names, title_suffix=" (nieuw)"
    )
    rest = list(_rows(offerings=offerings, starts=starts, location_names=names))[
        (offerings // 10) * starts :
    ]
    for row in rest:
        row["seats"] += 2
    data_changed = _csv([*changed, *rest])
    batch, counts = upload("3 10% titles + all seats changed", provider, user, data_changed)
    result = apply("3 10% titles + all seats changed", batch, user)
    print(f"     {counts} → {result}")

    xlsx = _xlsx(_rows(offerings=offerings, starts=starts, location_names=names))
    print(f"XLSX file: {len(xlsx) / 1024:.0f} KB")
    with timer.step("4 same content as XLSX: read file"):
        imports.sheet_read(file_name="bench.xlsx", data=xlsx)

    if staff:
        small = min(REALISTIC_OFFERINGS, offerings)
        _run_staff(timer, one_provider, upload, apply, "5", offerings=small, starts=starts)
        _run_staff(timer, one_provider, upload, apply, "6", offerings=offerings, starts=starts)
    print()
    for label, prefix in (
        ("new file, contract manager (publish)", "1 new, contract manager"),
        ("same file again (nothing to do)", "2 same file again"),
        ("changed file (10% offerings, all seats)", "3 10% titles + all seats changed"),
        ("new file, provider staff, small (approval)", "5 new, provider staff"),
        ("new file, provider staff (approval)", "6 new, provider staff"),
    ):
        if not any(name.startswith(prefix) for name, _, _ in timer.rows):
            continue
        check = timer.seconds(f"{prefix}: read file", f"{prefix}: check rows and compare")
        total = check + timer.seconds(f"{prefix}: store the checked batch", f"{prefix}: apply")
        verdict = "meets" if total <= TARGET_SECONDS else "MISSES"
        print(
            f"{label:<44} read+check {check:5.2f} s, total {total:5.2f} s: "
            f"{verdict} the {TARGET_SECONDS:.0f} s target"
        )


def _run_staff(timer, one_provider, upload, apply, number: str, *, offerings: int, starts: int):
    """Provider staff: new offerings, each submitted to the approval workflow."""
    from django.contrib.auth.models import Group
    from django.core import mail
    from wagtail.models import WorkflowState

    from portal.accounts.models import Role, User
    from providers.models import ProviderMembership, StartMoment

    def staff_for(provider):
        staff = User.objects.create_user(
            username=f"staff{number}",
            email=f"staff{number}@example.org",
            password="x",
            role=Role.PROVIDER_STAFF,
        )
        ProviderMembership.objects.create(user=staff, provider=provider)
        return staff

    provider, staff, names = one_provider(f"staff {number}", staff_for)
    data = _csv(_rows(offerings=offerings, starts=starts, location_names=names))
    name = f"{number} new, provider staff"
    print(f"\n{offerings * starts:,} rows: {offerings:,} offerings x {starts} start dates")
    batch, counts = upload(name, provider, staff, data)
    mail.outbox = []
    with _timed_notifications() as notifying:
        result = apply(name, batch, staff)
    print(f"     {counts} → {result}")
    print(
        f"     of which the approvers' summary e-mail (after the commit): {notifying():.2f} s, "
        f"{len(mail.outbox)} e-mails"
    )
    print(
        f"     workflows in progress: "
        f"{WorkflowState.objects.filter(status=WorkflowState.STATUS_IN_PROGRESS).count()} "
        f"(all providers), "
        f"approvers: {Group.objects.get(name='Contract managers').user_set.count()}"
    )
    assert StartMoment.objects.filter(offering__provider=provider).count() == offerings * starts


@contextmanager
def _timed_notifications():
    """Time spent telling the approvers (one summary e-mail per approver and upload)."""
    from providers.imports import notifying

    spent = 0.0
    original = notifying.approvers_notify

    def timed(*args, **kwargs):
        nonlocal spent
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent += time.perf_counter() - started

    notifying.approvers_notify = timed
    try:
        yield lambda: spent
    finally:
        notifying.approvers_notify = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offerings", type=int, default=1000)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument(
        "--no-staff", action="store_true", help="skip the provider-staff (approval) scenario"
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as temporary:
        _configure_django(Path(temporary))
        from django.db import connection

        print(
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
            f"database: {connection.vendor}"
        )
        started = time.perf_counter()
        old_name = connection.creation.create_test_db(verbosity=0, serialize=False)
        print(f"Database migrated in {time.perf_counter() - started:.1f} s")
        try:
            _run(
                offerings=arguments.offerings,
                starts=arguments.starts,
                staff=not arguments.no_staff,
            )
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
