"""Attendance, progress reports and exam results of a placement (contracts.progress)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from contracts import progress, referrals
from contracts.models import AuditEntry, Learner, MonthlyAttendance, ProgressReport
from portal.accounts.models import Role
from tests.contracts.factories import LotFactory, MunicipalityFactory
from tests.portal.factories import UserFactory, provider_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - datetime.timedelta(days=1)).replace(day=1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def placement():
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
    lot = LotFactory(contract__municipalities=[haarlem])
    learner = Learner.objects.create(
        municipality=haarlem,
        first_name="Amal",
        last_name="Test",
        date_of_birth=datetime.date(1990, 1, 1),
        target_group="STATUSHOUDER",
        route="B1_ROUTE",
        pip_date=TODAY - datetime.timedelta(days=90),
    )
    staff = provider_staff(lot.contract.provider)
    referral = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    referrals.referral_send(referral=referral, actor=klantmanager)
    referrals.referral_accept(referral=referral, actor=staff)
    referrals.referral_start(referral=referral, actor=staff, started_on=LAST_MONTH)
    referral.refresh_from_db()
    return referral, staff


def test_a_month_of_attendance_is_recorded_and_corrected_in_place(placement):
    referral, staff = placement
    progress.attendance_record(
        referral=referral,
        actor=staff,
        month=LAST_MONTH + datetime.timedelta(days=10),
        hours_offered=Decimal(32),
        hours_attended=Decimal(28),
        absence_reason="ILLNESS",
    )
    record = progress.attendance_record(
        referral=referral,
        actor=staff,
        month=LAST_MONTH,
        hours_offered=Decimal(32),
        hours_attended=Decimal(30),
        absence_reason="WORK",
    )
    assert MonthlyAttendance.objects.filter(referral=referral).count() == 1
    assert (record.month, record.absence_hours, record.absence_reason) == (
        LAST_MONTH,
        Decimal(2),
        "WORK",
    )


@pytest.mark.parametrize(
    ("month", "offered", "attended", "reason", "field"),
    [
        (THIS_MONTH + datetime.timedelta(days=40), 10, 10, "NONE", "month"),
        (LAST_MONTH - datetime.timedelta(days=40), 10, 10, "NONE", "month"),
        (LAST_MONTH, 10, 12, "NONE", "hours_attended"),
        (LAST_MONTH, -1, 0, "NONE", "hours_offered"),
        (LAST_MONTH, 10, 8, "NONE", "absence_reason"),
    ],
)
def test_bad_attendance_names_the_field_and_saves_nothing(
    placement, month, offered, attended, reason, field
):
    referral, staff = placement
    with pytest.raises(progress.AttendanceInvalid) as refused:
        progress.attendance_record(
            referral=referral,
            actor=staff,
            month=month,
            hours_offered=Decimal(offered),
            hours_attended=Decimal(attended),
            absence_reason=reason,
        )
    assert field in refused.value.errors
    assert not MonthlyAttendance.objects.exists()


def test_only_the_referred_provider_records(placement):
    referral, _staff = placement
    stranger = provider_staff(LotFactory().contract.provider)
    with pytest.raises(referrals.ReferralRefused, match="provider"):
        progress.progress_report(referral=referral, actor=stranger, summary="Good")
    assert not ProgressReport.objects.exists()


def test_nothing_is_recorded_on_an_anonymised_case(placement):
    referral, staff = placement
    Learner.objects.filter(pk=referral.learner_id).update(
        closed_at=timezone.now(), anonymised_at=timezone.now()
    )
    referral.refresh_from_db()
    with pytest.raises(referrals.ReferralRefused, match="anonymised"):
        progress.progress_report(referral=referral, actor=staff, summary="Amal reads well.")
    with pytest.raises(referrals.ReferralRefused, match="anonymised"):
        progress.attendance_record(
            referral=referral,
            actor=staff,
            month=LAST_MONTH,
            hours_offered=Decimal(32),
            hours_attended=Decimal(28),
            absence_reason="ILLNESS",
        )
    assert not ProgressReport.objects.exists()
    assert not MonthlyAttendance.objects.exists()


def test_progress_and_exams_are_recorded_once_started(placement):
    referral, staff = placement
    report = progress.progress_report(
        referral=referral, actor=staff, summary="Reads A2 texts.", afschalen="NOT_NEEDED"
    )
    exam = progress.exam_record(
        referral=referral, actor=staff, exam="KNM", passed=True, taken_on=TODAY, level="B1"
    )
    assert report.reported_by == staff
    assert (exam.exam, exam.passed) == ("KNM", True)
    with pytest.raises(referrals.ReferralRefused, match="future"):
        progress.exam_record(
            referral=referral,
            actor=staff,
            exam="READING",
            passed=True,
            taken_on=TODAY + datetime.timedelta(days=1),
        )


def test_what_a_provider_records_is_audited_without_its_values(placement):
    referral, staff = placement
    progress.attendance_record(
        referral=referral,
        actor=staff,
        month=LAST_MONTH,
        hours_offered=Decimal(32),
        hours_attended=Decimal(28),
        absence_reason="ILLNESS",
    )
    progress.progress_report(referral=referral, actor=staff, summary="Reads short texts.")
    progress.exam_record(
        referral=referral, actor=staff, exam="KNM", passed=True, taken_on=TODAY, level=""
    )
    entries = AuditEntry.objects.filter(learner=referral.learner, actor=staff).order_by("pk")
    assert [(entry.action, entry.what) for entry in entries] == [
        (AuditEntry.Action.CHANGE, f"attendance {LAST_MONTH:%Y-%m}"),
        (AuditEntry.Action.CHANGE, "progress"),
        (AuditEntry.Action.CHANGE, "exam"),
    ]
