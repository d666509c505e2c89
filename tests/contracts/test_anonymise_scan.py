"""After ``manage.py learners_anonymise`` no copy of the learner's personal data is left anywhere in
the database: a learner is registered, changed, referred, placed and handed over through the real
admin, the case is closed long enough ago, the command runs, and then every text, char and JSON
column of every table (and every session) is searched for the name, the client number and the
date of birth in the ways it is written."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry
from wagtail.test.utils.form_data import querydict_from_html

from contracts.models import AuditEntry, CaseTransfer, Learner, Referral, ReferralState
from portal.accounts.models import Role
from tests.contracts.factories import LotFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english

pytestmark = pytest.mark.django_db

LEARNERS = "/admin/snippets/contracts/learner/"
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)

FIRST_NAME = "Zebulon"
LAST_NAME = "Quixwhistle"
CLIENT_NUMBER = "HLM-ZQ-55321"
BORN = datetime.date(1987, 3, 14)
# The ways a date of birth gets written: ISO (forms, JSON) and Dutch (and English) by hand.
BORN_WRITTEN = (
    "1987-03-14",
    "14-03-1987",
    "14-3-1987",
    "14/03/1987",
    "14.03.1987",
    "14 maart 1987",
    "14 March 1987",
    "March 14, 1987",
)
SOUGHT = (FIRST_NAME, LAST_NAME, CLIENT_NUMBER, *BORN_WRITTEN)

# Django's names for the column types that hold text (``introspection.get_field_type``).
TEXT_FIELD_TYPES = {"CharField", "TextField", "JSONField", "SlugField", "EmailField", "URLField"}


def _text_columns() -> list[tuple[str, str]]:
    """Every (table, column) of the database whose type holds text, found by introspection."""
    columns = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                try:
                    field_type = connection.introspection.get_field_type(column.type_code, column)
                except KeyError:  # untyped (SQLite's full-text tables): may hold anything
                    field_type = "TextField"
                if field_type in TEXT_FIELD_TYPES:
                    columns.append((table, column.name))
    return columns


def _hits() -> list[tuple[str, str, str]]:
    """(table, column, what was found) for every sought value anywhere, case-insensitively."""
    quote = connection.ops.quote_name
    columns = _text_columns()
    assert len(columns) > 100, "introspection found too few text columns to be a real scan"
    hits = []
    with connection.cursor() as cursor:
        for table, column in columns:
            # CAST for JSON columns (jsonb on PostgreSQL); names from introspection, quoted.
            cursor.execute(
                f"SELECT CAST({quote(column)} AS TEXT) FROM {quote(table)} "  # noqa: S608
                f"WHERE {quote(column)} IS NOT NULL"
            )
            for (value,) in cursor.fetchall():
                text = value.lower()
                hits.extend((table, column, s) for s in SOUGHT if s.lower() in text)
    # Session data are signed and encoded: decode them before looking.
    for session in Session.objects.all():
        text = json.dumps(session.get_decoded(), default=str).lower()
        hits.extend(("django_session", "session_data", s) for s in SOUGHT if s.lower() in text)
    return hits


def _form(client: Client, url: str) -> dict:
    data = querydict_from_html(client.get(url).content.decode(), form_id="w-editor-form")
    return {name: values[0] if len(values) == 1 else values for name, values in data.lists()}


def _post(client: Client, url: str, data: dict) -> None:
    response = client.post(url, data)
    context = response.context or {}
    assert response.status_code == 302, (url, getattr(context.get("form"), "errors", None))


@pytest.fixture
def world(haarlem, velsen):
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
    lot = LotFactory(contract__municipalities=[haarlem])
    return {
        "velsen": velsen,
        "lot": lot,
        "klantmanager": login_staff_in_english(Client(), klantmanager),
        "provider": login_staff_in_english(Client(), provider_staff(lot.contract.provider)),
    }


def _a_learners_case_through_the_admin(world) -> Learner:
    """Register, change, refer, place, report on, hand over (and take back) and close a case, each
    through the admin's URLs, as the klantmanager and the provider would."""
    km, provider = world["klantmanager"], world["provider"]
    data = _form(km, f"{LEARNERS}add/")
    data.update(
        first_name=FIRST_NAME,
        last_name="Quix",
        date_of_birth=BORN.isoformat(),
        client_number=CLIENT_NUMBER,
        target_group="STATUSHOUDER",
        housing_date=(TODAY - 90 * DAY).isoformat(),
        intake_date=(TODAY - 60 * DAY).isoformat(),
        pip_date=(TODAY - 30 * DAY).isoformat(),
        route="B1_ROUTE",
        leerbaarheidstoets="NOT_TAKEN",
    )
    _post(km, f"{LEARNERS}add/", data)
    learner = Learner.objects.get(first_name=FIRST_NAME)
    edit = f"{LEARNERS}edit/{learner.pk}/"
    data = _form(km, edit) | {"last_name": LAST_NAME}
    _post(km, edit, data)

    full = f"{FIRST_NAME} {LAST_NAME} (born 14-03-1987, {CLIENT_NUMBER})"
    _post(
        km,
        f"/admin/referrals/new/?learner={learner.pk}",
        {"lot": world["lot"].pk, "start_moment": "", "note": f"For {full}", "action": "send"},
    )
    referral = Referral.objects.get(learner=learner)
    detail = f"/admin/referrals/{referral.pk}/"
    _post(provider, detail, {"action": "accept"})
    _post(provider, detail, {"action": "start", "start-started_on": TODAY.isoformat()})
    _post(
        provider,
        detail,
        {"action": "progress", "progress-summary": f"{FIRST_NAME} reads at A2 now."},
    )
    _post(
        provider,
        detail,
        {
            "action": "end",
            "end-outcome": ReferralState.STOPPED,
            "end-ended_on": TODAY.isoformat(),
            "end-reason": f"{LAST_NAME} moved away.",
        },
    )
    _post(
        km,
        f"/admin/learners/{learner.pk}/hand-over/",
        {"to_municipality": world["velsen"].pk, "note": f"{full} moves to Velsen."},
    )
    transfer = CaseTransfer.objects.get(learner=learner)
    _post(km, f"/admin/transfers/{transfer.pk}/cancel/", {})
    _post(km, f"/admin/learners/{learner.pk}/close/", {})
    # Wagtail's history, the audit log and the case's own rows now all exist.
    assert ModelLogEntry.objects.filter(object_id=str(learner.pk), label__contains=LAST_NAME)
    actions = set(AuditEntry.objects.filter(learner=learner).values_list("action", flat=True))
    assert actions == {"create", "view", "change", "transfer"}
    # The case was closed longer ago than the retention period.
    Learner.objects.filter(pk=learner.pk).update(closed_at=timezone.now() - 731 * DAY)
    return learner


def test_no_copy_of_the_learners_personal_data_survives_anonymisation(world, settings):
    settings.LEARNER_RETENTION_DAYS = 730
    learner = _a_learners_case_through_the_admin(world)
    before = _hits()
    assert {table for table, _column, _sought in before} >= {
        "contracts_learner",
        "contracts_referral",
        "contracts_referraltransition",
        "contracts_progressreport",
        "contracts_casetransfer",
        "wagtailcore_modellogentry",
    }, "the scan should find the copies the admin made"

    call_command("learners_anonymise", stdout=StringIO())

    left = sorted({f"{table}.{column}" for table, column, _sought in _hits()})
    assert left == [], f"personal data left in {', '.join(left)}"
    learner.refresh_from_db()
    assert learner.anonymised_at is not None
    assert learner.date_of_birth == datetime.date(1987, 1, 1)  # the year is kept for figures
    # The audit facts stay: who did what to which learner, and when.
    actions = set(AuditEntry.objects.filter(learner=learner).values_list("action", flat=True))
    assert actions == {"create", "view", "change", "transfer", "anonymise"}
    assert ModelLogEntry.objects.filter(object_id=str(learner.pk), action="wagtail.create")
