"""The dashboard's monthly summaries (contracts.summaries): kept in step with every way referrals
and attendance change, and giving the same figures as grouping the rows themselves."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from contracts import progress, progress_upload, summaries, transfers
from contracts import referrals as referral_rules
from contracts import reporting as reports
from contracts.models import (
    AttendanceMonth,
    Learner,
    LotPeriodUse,
    MonthlyAttendance,
    Referral,
    ReferralMonth,
    ReferralState,
)
from contracts.reporting import ReportFilter
from portal.accounts.models import Role
from tests.contracts.factories import LearnerFactory, LotFactory
from tests.portal.factories import UserFactory, provider_staff

pytestmark = pytest.mark.django_db

D = datetime.date
State = ReferralState
TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def lot(haarlem, velsen):
    return LotFactory(capacity=50, contract__municipalities=[haarlem, velsen])


@pytest.fixture
def provider_user(lot):
    return provider_staff(lot.contract.provider)


def _learner(municipality) -> Learner:
    """A statushouder on the B1 route with a PIP: one that may be referred."""
    return LearnerFactory(
        municipality=municipality, route="B1_ROUTE", pip_date=TODAY - datetime.timedelta(days=10)
    )


def _sent(lot, klantmanager, municipality) -> Referral:
    referral = referral_rules.referral_create(
        learner=_learner(municipality), lot=lot, actor=klantmanager
    )
    return referral_rules.referral_send(referral=referral, actor=klantmanager)


def _stored(model) -> set[tuple]:
    fields = [field.attname for field in model._meta.concrete_fields if field.name != "id"]
    return set(model.objects.values_list(*fields))


def _recomputed(model) -> set[tuple]:
    """What the table would hold if computed afresh from every row now."""
    fields = [field.attname for field in model._meta.concrete_fields if field.name != "id"]
    if model is ReferralMonth:
        rows = summaries.referral_months_of(Referral.objects.all())
    else:
        rows = summaries.attendance_months_of(MonthlyAttendance.objects.all())
    return {tuple(row[name] for name in fields) for row in rows}


def assert_in_step() -> None:
    """Both summaries hold exactly what their rows add up to."""
    assert _stored(ReferralMonth) == _recomputed(ReferralMonth)
    assert _stored(AttendanceMonth) == _recomputed(AttendanceMonth)


def _month_row(lot, municipality, month=THIS_MONTH) -> ReferralMonth:
    return ReferralMonth.objects.get(lot=lot, municipality=municipality, month=month)


# --- Kept in step by the domain's services --------------------------------------------------------


def test_each_step_of_a_referral_moves_its_counts(lot, klantmanager, provider_user, haarlem):
    draft = referral_rules.referral_create(learner=_learner(haarlem), lot=lot, actor=klantmanager)
    assert not ReferralMonth.objects.exists()  # a draft is not sent: not in the figures

    referral = referral_rules.referral_send(referral=draft, actor=klantmanager)
    row = _month_row(lot, haarlem)
    assert (row.sent, row.awaiting_answer, row.accepted, row.placements) == (1, 1, 0, 1)

    referral_rules.referral_accept(referral=referral, actor=provider_user)
    row = _month_row(lot, haarlem)
    assert (row.awaiting_answer, row.accepted, row.answered, row.awaiting_start) == (0, 1, 1, 1)

    referral_rules.referral_start(referral=referral, actor=provider_user, started_on=TODAY)
    referral_rules.referral_end(
        referral=referral, actor=provider_user, completed=True, ended_on=TODAY
    )
    row = _month_row(lot, haarlem)
    assert (row.awaiting_start, row.started, row.completed, row.placements) == (0, 1, 1, 1)
    assert_in_step()


def test_a_declined_or_withdrawn_referral_gives_its_place_back_in_the_figures(
    lot, klantmanager, provider_user, haarlem
):
    declined = _sent(lot, klantmanager, haarlem)
    withdrawn = _sent(lot, klantmanager, haarlem)
    referral_rules.referral_decline(referral=declined, actor=provider_user, reason="Vol")
    referral_rules.referral_withdraw(referral=withdrawn, actor=klantmanager, reason="Verhuisd")
    row = _month_row(lot, haarlem)
    assert (row.sent, row.declined, row.withdrawn, row.answered, row.placements) == (2, 1, 1, 1, 0)
    assert_in_step()


def test_attendance_from_the_form_and_its_correction(lot, klantmanager, provider_user, haarlem):
    referral = _sent(lot, klantmanager, haarlem)
    referral_rules.referral_accept(referral=referral, actor=provider_user)
    started = THIS_MONTH - datetime.timedelta(days=40)
    Referral.objects.filter(pk=referral.pk).update(state=State.STARTED, started_on=started)
    summaries.summaries_refresh(referral_keys=[(lot.pk, THIS_MONTH)])  # update() sends no signal
    referral.refresh_from_db()
    month = started.replace(day=1)
    for attended in (Decimal(6), Decimal("7.5")):  # the second report corrects the first
        progress.attendance_record(
            referral=referral,
            actor=provider_user,
            month=month,
            hours_offered=Decimal(10),
            hours_attended=attended,
            absence_reason=MonthlyAttendance.AbsenceReason.ILLNESS,
        )
    row = AttendanceMonth.objects.get(lot=lot, municipality=haarlem, month=month)
    assert (row.placements, row.hours_offered, row.hours_attended) == (1, 10, Decimal("7.5"))

    MonthlyAttendance.objects.get().delete()
    assert not AttendanceMonth.objects.exists()
    assert_in_step()


def test_a_transfer_moves_the_learners_figures_to_the_new_municipality(
    lot, klantmanager, haarlem, velsen
):
    referral = _sent(lot, klantmanager, haarlem)
    MonthlyAttendance.objects.create(
        referral=referral, month=THIS_MONTH, hours_offered=8, hours_attended=8
    )
    velsen_klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=velsen)
    transfer = transfers.transfer_request(
        learner=referral.learner, to_municipality=velsen, actor=klantmanager
    )
    transfers.transfer_accept(transfer=transfer, actor=velsen_klantmanager)

    assert _month_row(lot, velsen).sent == 1
    assert not ReferralMonth.objects.filter(municipality=haarlem).exists()
    assert AttendanceMonth.objects.get(lot=lot).municipality == velsen
    assert_in_step()


def test_a_deleted_referral_leaves_the_figures_with_its_attendance(lot, klantmanager, haarlem):
    kept = _sent(lot, klantmanager, haarlem)
    gone = _sent(lot, klantmanager, haarlem)
    for referral in (kept, gone):
        MonthlyAttendance.objects.create(
            referral=referral, month=THIS_MONTH, hours_offered=8, hours_attended=4
        )
    gone.delete()
    assert _month_row(lot, haarlem).sent == 1
    assert AttendanceMonth.objects.get(lot=lot).placements == 1
    assert_in_step()


def test_a_save_of_fields_outside_the_figures_does_not_refresh_them(lot, klantmanager, haarlem):
    referral = _sent(lot, klantmanager, haarlem)
    referral.note = "Graag ochtendles"
    with CaptureQueriesContext(connection) as saving:
        referral.save(update_fields=["note"])
    assert len(saving.captured_queries) == 1


# --- Bulk work --------------------------------------------------------------------------------


def test_deferred_refreshes_each_lot_month_once_at_the_end(lot, haarlem, velsen):
    contract_manager = UserFactory(role=Role.CONTRACT_MANAGER)
    with CaptureQueriesContext(connection) as work, summaries.deferred():
        for municipality in (haarlem, velsen, haarlem):
            _sent(lot, contract_manager, municipality)
        assert not ReferralMonth.objects.exists()
    refreshes = [
        query
        for query in work.captured_queries
        if query["sql"].startswith('DELETE FROM "contracts_referralmonth"')
    ]
    assert len(refreshes) == 1
    assert (_month_row(lot, haarlem).sent, _month_row(lot, velsen).sent) == (2, 1)
    assert_in_step()


def test_deferred_refreshes_nothing_when_the_block_fails(lot, klantmanager, haarlem):
    with pytest.raises(RuntimeError), summaries.deferred():
        Referral.objects.create(
            learner=_learner(haarlem), lot=lot, state=State.SENT, sent_at=timezone.now()
        )
        raise RuntimeError("broken halfway")
    assert not ReferralMonth.objects.exists()


def test_suspended_work_is_repaired_by_the_rebuild_command(lot, klantmanager, haarlem, capsys):
    with summaries.suspended():
        referral = _sent(lot, klantmanager, haarlem)
        MonthlyAttendance.objects.create(
            referral=referral, month=THIS_MONTH, hours_offered=8, hours_attended=4
        )
    assert not ReferralMonth.objects.exists() and not AttendanceMonth.objects.exists()
    call_command("summaries_rebuild")
    assert "1 referral months and 1 attendance months" in capsys.readouterr().out
    assert_in_step()


def test_the_attendance_upload_keeps_the_summary(lot, klantmanager, provider_user, haarlem):
    referral = _sent(lot, klantmanager, haarlem)
    month = (THIS_MONTH - datetime.timedelta(days=1)).replace(day=1)
    referral_rules.referral_accept(referral=referral, actor=provider_user)
    Referral.objects.filter(pk=referral.pk).update(state=State.STARTED, started_on=month)
    summaries.summaries_refresh(referral_keys=[(lot.pk, THIS_MONTH)])  # update() sends no signal
    header = ",".join(progress_upload.COLUMNS)
    cells = {
        "referral_number": str(referral.pk),
        "month": f"{month:%Y-%m}",
        "hours_offered": "12",
        "hours_attended": "9",
        "absence_reason": "ILLNESS",
    }
    data = header + "\n" + ",".join(cells.get(code, "") for code in progress_upload.COLUMNS)
    result = progress_upload.attendance_upload(
        user=provider_user, file_name="aanwezigheid.csv", data=data.encode()
    )
    assert not result.errors and result.created == 1
    row = AttendanceMonth.objects.get(lot=lot, month=month)
    assert (row.placements, row.hours_attended) == (1, 9)
    assert_in_step()


# --- The same figures either way ----------------------------------------------------------------


def _random_casework(lots, municipalities, rng: random.Random, count: int = 120) -> None:
    """Referrals in every state over three years, with attendance, made as plain rows (the
    signals keep the summaries)."""
    states = list(State)
    for number in range(count):
        lot = rng.choice(lots)
        state = rng.choice(states)
        sent = D(2024 + number % 3, rng.randint(1, 12), rng.randint(1, 28))
        answer_due = sent + datetime.timedelta(days=rng.randint(3, 10))
        accepted = (
            sent + datetime.timedelta(days=rng.randint(0, 14))
            if state in {State.ACCEPTED, State.STARTED, State.COMPLETED, State.STOPPED}
            or (state == State.WITHDRAWN and rng.random() < 0.3)
            else None
        )
        started = (
            accepted + datetime.timedelta(days=rng.randint(0, 40))
            if accepted and state in {State.STARTED, State.COMPLETED, State.STOPPED}
            else None
        )
        use = None
        if state in referral_rules.COUNTS_AGAINST_CAPACITY and rng.random() < 0.9:
            use, _created = LotPeriodUse.objects.get_or_create(
                lot=lot,
                period_start=D(sent.year, 1, 1),
                defaults={"period_end": D(sent.year, 12, 31), "capacity": 100},
            )
        referral = Referral.objects.create(
            learner=LearnerFactory(municipality=rng.choice(municipalities)),
            lot=lot,
            state=state,
            sent_at=None
            if state == State.DRAFT
            else timezone.make_aware(
                datetime.datetime.combine(sent, datetime.time(rng.choice([0, 9, 23])))
            ),
            answer_due=answer_due,
            accepted_at=timezone.make_aware(datetime.datetime.combine(accepted, datetime.time(10)))
            if accepted
            else None,
            start_due=accepted + datetime.timedelta(days=21) if accepted else None,
            started_on=started,
            period_use=use,
        )
        if started:
            MonthlyAttendance.objects.create(
                referral=referral,
                month=started.replace(day=1),
                hours_offered=Decimal(rng.randint(4, 16)),
                hours_attended=Decimal(rng.randint(0, 4)),
            )


@pytest.fixture
def casework(haarlem, velsen):
    lots = [LotFactory(contract__municipalities=[haarlem, velsen]) for _ in range(3)]
    lots.append(LotFactory(contract=lots[0].contract, component="PVT"))
    _random_casework(lots, [haarlem, velsen], random.Random(6))
    return lots


def _grouped_from_rows(monkeypatch) -> None:
    monkeypatch.setattr(reports, "uses_summaries", lambda start, end: False)


@pytest.mark.parametrize(
    "report",
    [
        lambda f: reports.referral_funnel(f),
        lambda f: reports.sla_breaches(f, today=D(2026, 6, 15)),
        lambda f: reports.placements_by_municipality_month(f, today=D(2026, 6, 15)),
    ],
    ids=["funnel", "sla", "placements"],
)
def test_the_summaries_give_the_figures_of_the_rows_themselves(
    casework, haarlem, monkeypatch, report
):
    assert_in_step()
    filters = [
        ReportFilter(),
        ReportFilter(date_from=D(2025, 1, 1), date_until=D(2025, 12, 31)),
        ReportFilter(date_from=D(2024, 3, 1), date_until=D(2026, 2, 28)),
        ReportFilter(date_from=D(2025, 1, 1), municipality_id=haarlem.pk),
        ReportFilter(component="PVT"),
        ReportFilter(provider_id=casework[1].contract.provider_id),
    ]
    assert all(reports.uses_summaries(f.date_from, f.date_until) for f in filters)
    from_summaries = [report(f) for f in filters]
    _grouped_from_rows(monkeypatch)
    from_rows = [report(f) for f in filters]
    assert any(not frame.empty for frame in from_rows)
    for summed, grouped in zip(from_summaries, from_rows, strict=True):
        pd_equal(summed, grouped)


def pd_equal(left, right) -> None:
    import pandas as pd

    pd.testing.assert_frame_equal(
        left.reset_index(drop=True), right.reset_index(drop=True), check_dtype=False
    )


def test_a_period_of_part_of_a_month_is_grouped_from_the_referrals(casework):
    assert reports.uses_summaries(D(2025, 1, 1), D(2025, 12, 31))
    assert reports.uses_summaries(None, D(2025, 2, 28))
    assert not reports.uses_summaries(D(2025, 1, 2), None)
    assert not reports.uses_summaries(D(2025, 1, 1), D(2025, 2, 27))
    with CaptureQueriesContext(connection) as part:
        reports.referral_funnel(ReportFilter(date_from=D(2025, 1, 1), date_until=D(2025, 3, 30)))
    assert "contracts_referralmonth" not in part.captured_queries[0]["sql"]
    with CaptureQueriesContext(connection) as whole:
        reports.referral_funnel(ReportFilter(date_from=D(2025, 1, 1), date_until=D(2025, 3, 31)))
    assert "contracts_referralmonth" in whole.captured_queries[0]["sql"]


def test_the_rebuild_gives_what_the_signals_kept(casework):
    kept = (_stored(ReferralMonth), _stored(AttendanceMonth))
    assert summaries.summaries_rebuild() == (len(kept[0]), len(kept[1]))
    assert (_stored(ReferralMonth), _stored(AttendanceMonth)) == kept


def test_after_migrate_empty_summaries_are_filled_and_kept_ones_left(lot, klantmanager, haarlem):
    with summaries.suspended():  # as on a database from before the summaries existed
        _sent(lot, klantmanager, haarlem)
    summaries.summaries_fill_if_empty()
    assert _month_row(lot, haarlem).sent == 1
    assert_in_step()

    with summaries.suspended():
        _sent(lot, klantmanager, haarlem)
    with CaptureQueriesContext(connection) as filling:
        summaries.summaries_fill_if_empty()
    assert _month_row(lot, haarlem).sent == 1  # filled summaries are never rebuilt on migrate
    assert not any("INSERT" in query["sql"] for query in filling.captured_queries)


def test_months_are_the_portals_whatever_time_zone_a_user_chose(lot, haarlem):
    """Wagtail lets staff pick their own time zone for the admin; the figures' months stay
    Amsterdam's."""
    from contracts.reporting.dashboard_tables import ReportSet

    last_evening_of_march = timezone.make_aware(
        datetime.datetime(2026, 3, 31, 23, 30), timezone.get_default_timezone()
    )  # already 1 April on Kiritimati
    with timezone.override("Pacific/Kiritimati"):
        Referral.objects.create(
            learner=_learner(haarlem), lot=lot, state=State.SENT, sent_at=last_evening_of_march
        )
        march = ReportFilter(date_from=D(2026, 3, 1), date_until=D(2026, 3, 31))
        funnel = ReportSet(march, refresh=True)["funnel"]
    assert ReferralMonth.objects.get().month == D(2026, 3, 1)
    assert funnel["sent"].tolist() == [1, 1]  # the provider and the total
    assert_in_step()
