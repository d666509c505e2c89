import datetime
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import TestCase
from django.utils import timezone

from contracts.contracting import (
    KEURMERK_COMPONENTS,
    keurmerk_refusal,
    lot_answer_deadline,
    lot_start_deadline,
)
from contracts.models import (
    AttendanceMonth,
    Contract,
    ExamResult,
    Learner,
    Lot,
    LotPeriodUse,
    LotStatus,
    MonthlyAttendance,
    Municipality,
    ProgressReport,
    Referral,
    ReferralMonth,
    ReferralState,
    Region,
)
from contracts.progress import attendance_errors
from contracts.referrals import REFERABLE
from portal.accounts.models import Role, User
from portal.enrolments.models import Enrolment, WaitingListEntry
from portal.payments.models import Payment
from providers.filters import OfferingFilterSet
from providers.models import Location, Offering, Provider, SeatClaim, StartMoment
from providers.selectors import offering_public_queryset

State = ReferralState

CATALOGUE = [
    "--municipalities=20",
    "--providers=6",
    "--locations=12",
    "--offerings=40",
    "--start-moments=120",
]
TINY = [
    *CATALOGUE,
    "--learners=150",
    "--referrals=450",
    "--enrolments=60",
    "--attendance-months=6",
]
TINIER = [*CATALOGUE, "--learners=20", "--referrals=30", "--enrolments=5"]
# A place is taken when a referral is sent and given back on a decline or withdrawal
# (contracts.capacity, contracts.referrals).
KEEPS_ITS_PLACE = [State.SENT, State.ACCEPTED, State.STARTED, State.COMPLETED, State.STOPPED]
PLACEMENTS = [State.STARTED, State.COMPLETED, State.STOPPED]


def _synthetic_counts() -> dict[str, int]:
    providers = Provider.objects.filter(name__startswith="Schaal")
    offerings = Offering.objects.filter(provider__in=providers)
    referrals = Referral.objects.filter(learner__client_number__startswith="SCHAAL-")
    return {
        "municipalities": Municipality.objects.count(),
        "regions": Region.objects.filter(name__startswith="Schaal").count(),
        "providers": providers.count(),
        "locations": Location.objects.filter(provider__in=providers).count(),
        "published offerings": offerings.filter(live=True).count(),
        "start moments": StartMoment.objects.filter(offering__in=offerings).count(),
        "location links": Offering.locations.through.objects.filter(offering__in=offerings).count(),
        "contracts": Contract.objects.filter(provider__in=providers).count(),
        "lots": Lot.objects.filter(contract__provider__in=providers).count(),
        "period uses": LotPeriodUse.objects.filter(lot__contract__provider__in=providers).count(),
        "users": User.objects.filter(username__startswith="schaal.").count(),
        "learners": Learner.objects.filter(client_number__startswith="SCHAAL-").count(),
        "referrals": referrals.count(),
        "attendance": MonthlyAttendance.objects.filter(referral__in=referrals).count(),
        "exams": ExamResult.objects.filter(referral__in=referrals).count(),
        "progress reports": ProgressReport.objects.filter(referral__in=referrals).count(),
        "enrolments": Enrolment.objects.filter(start_moment__offering__in=offerings).count(),
        "payments": Payment.objects.filter(enrolment__start_moment__offering__in=offerings).count(),
        "waiting": WaitingListEntry.objects.filter(start_moment__offering__in=offerings).count(),
        "seats": SeatClaim.objects.filter(start_moment__offering__in=offerings).count(),
    }


@pytest.mark.django_db
def test_seed_scale_builds_the_requested_sizes_of_valid_published_offerings():
    call_command("seed_scale", *TINY, verbosity=0)

    counts = _synthetic_counts()
    assert {
        name: count
        for name, count in counts.items()
        if name
        in {
            "municipalities",
            "regions",
            "providers",
            "locations",
            "published offerings",
            "start moments",
            "learners",
            "referrals",
            "enrolments",
        }
    } == {
        "municipalities": 20,  # the demo's 7 included
        "regions": 13,
        "providers": 6,
        "locations": 12,
        "published offerings": 40,
        "start moments": 120,
        "learners": 150,
        "referrals": 450,
        "enrolments": 60,
    }
    assert all(counts.values())  # every kind of row is made
    synthetic = Offering.objects.filter(provider__name__startswith="Schaal")
    for offering in synthetic.select_related("provider"):
        offering.full_clean()  # the model rules beyond the database constraints hold too
    for moment in StartMoment.objects.filter(offering__in=synthetic).select_related(
        "offering", "location"
    ):
        moment.full_clean()
    filterset = OfferingFilterSet({"ordering": "price"}, queryset=offering_public_queryset())
    assert filterset.is_valid()
    assert filterset.qs.filter(provider__name__startswith="Schaal").exists()


@pytest.mark.django_db
def test_a_second_seed_scale_run_changes_nothing():
    call_command("seed_scale", *TINY, verbosity=0)
    before = _synthetic_counts()
    first_ids = set(StartMoment.objects.values_list("pk", flat=True))
    first_referrals = set(Referral.objects.values_list("pk", flat=True))

    call_command("seed_scale", *TINY, verbosity=0)

    assert _synthetic_counts() == before
    assert set(StartMoment.objects.values_list("pk", flat=True)) == first_ids
    assert set(Referral.objects.values_list("pk", flat=True)) == first_referrals


@pytest.mark.django_db
def test_seed_scale_reset_builds_the_same_data_again():
    call_command("seed_scale", *TINY, verbosity=0)
    before = _synthetic_counts()
    titles = sorted(Offering.objects.values_list("title", flat=True))
    cases = sorted(Learner.objects.values_list("client_number", "last_name", "pip_date"))

    call_command("seed_scale", *TINY, "--reset", verbosity=0)

    assert _synthetic_counts() == before
    assert sorted(Offering.objects.values_list("title", flat=True)) == titles
    assert sorted(Learner.objects.values_list("client_number", "last_name", "pip_date")) == cases


@pytest.mark.django_db
def test_seed_scale_reset_removes_all_earlier_synthetic_rows():
    call_command("seed_scale", *TINY, verbosity=0)

    call_command("seed_scale", *TINIER, "--reset", verbosity=0)

    counts = _synthetic_counts()
    assert (counts["learners"], counts["referrals"], counts["enrolments"]) == (20, 30, 5)
    # seed_demo --no-users makes no casework: every row left is from the second run.
    assert Learner.objects.count() == 20
    assert Referral.objects.count() == 30
    assert Enrolment.objects.count() == 5
    assert MonthlyAttendance.objects.count() == counts["attendance"]
    assert (
        LotPeriodUse.objects.exclude(lot__contract__reference__startswith="RIJZK").count()
        == (counts["period uses"])
    )
    assert SeatClaim.objects.count() == counts["seats"]
    assert (
        Contract.objects.filter(provider__name__startswith="Schaal").count()
        == (counts["contracts"])
    )


class SyntheticCaseworkTests(TestCase):
    """One small run, checked against the rules the services would have enforced."""

    @classmethod
    def setUpTestData(cls):
        call_command("seed_scale", *TINY, verbosity=0)
        cls.today = timezone.localdate()

    def referrals(self):
        return Referral.objects.filter(learner__client_number__startswith="SCHAAL-")

    def test_every_referral_goes_to_an_active_lot_covering_the_learners_municipality(self):
        covered = set(
            Contract.municipalities.through.objects.values_list("contract_id", "municipality_id")
        )
        referrals = list(self.referrals().select_related("learner", "lot__contract"))

        assert len(referrals) == 450
        for referral in referrals:
            learner, lot = referral.learner, referral.lot
            assert (lot.contract_id, learner.municipality_id) in covered
            assert lot.status == LotStatus.ACTIVE
            referable = set(REFERABLE[learner.target_group]) | {learner.route} - {""}
            assert lot.component in referable
            on = timezone.localdate(referral.sent_at or referral.created_at)
            assert lot.contract.starts_on <= on <= lot.contract.ends_on

    def test_referral_dates_fit_their_state(self):
        states = Counter()
        answered_late = unanswered_past_due = 0
        for referral in self.referrals().select_related("lot", "period_use", "created_by"):
            state = referral.state
            states[state] += 1
            assert referral.created_by.role == Role.CASE_MANAGER
            if state == State.DRAFT:
                assert referral.sent_at is None
                assert referral.period_use is None
                continue
            sent_on = timezone.localdate(referral.sent_at)
            assert referral.answer_due == lot_answer_deadline(lot=referral.lot, referred_on=sent_on)
            use = referral.period_use
            assert use.lot_id == referral.lot_id
            assert use.period_start <= sent_on <= use.period_end
            if state == State.SENT and referral.answer_due < self.today:
                unanswered_past_due += 1
            accepted = referral.accepted_at is not None
            if state in {State.SENT, State.DECLINED}:
                assert not accepted
            if state in {State.ACCEPTED, *PLACEMENTS}:
                assert accepted
            if accepted:
                accepted_on = timezone.localdate(referral.accepted_at)
                assert sent_on < accepted_on <= self.today
                assert referral.start_due == lot_start_deadline(
                    lot=referral.lot, accepted_on=accepted_on
                )
                answered_late += accepted_on > referral.answer_due
            if state in PLACEMENTS:
                assert timezone.localdate(referral.accepted_at) <= referral.started_on
                assert referral.started_on <= self.today
            else:
                assert referral.started_on is None
            if state in {State.COMPLETED, State.STOPPED}:
                assert referral.started_on <= referral.ended_on <= self.today
            else:
                assert referral.ended_on is None

        assert set(states) == set(State.values)
        assert states[State.STARTED] + states[State.COMPLETED] > states.total() / 2
        assert answered_late and unanswered_past_due  # some SLA breaches

    def test_places_used_per_lot_period_are_the_referrals_that_keep_their_place(self):
        uses = LotPeriodUse.objects.filter(lot__contract__reference__startswith="SCHAAL-").annotate(
            keeping=Count("referrals", filter=Q(referrals__state__in=KEEPS_ITS_PLACE)),
            gave_back=Count(
                "referrals", filter=Q(referrals__state__in=[State.DECLINED, State.WITHDRAWN])
            ),
        )

        assert uses.exists()
        assert any(use.gave_back for use in uses)  # places given back are not counted
        for use in uses:
            assert use.used == use.keeping
            assert use.used <= use.capacity + use.overrides
        assert not self.referrals().filter(period_use__isnull=True, sent_at__isnull=False).exists()

    def test_closed_cases_have_no_open_referrals(self):
        closed = Learner.objects.filter(
            client_number__startswith="SCHAAL-", closed_at__isnull=False
        )

        assert closed.exists()
        assert (
            not self.referrals()
            .filter(
                learner__in=closed,
                state__in=[State.DRAFT, State.SENT, State.ACCEPTED, State.STARTED],
            )
            .exists()
        )

    def test_attendance_passes_the_rules_of_the_attendance_form(self):
        rows = MonthlyAttendance.objects.filter(referral__in=self.referrals()).select_related(
            "referral"
        )

        below = 0
        for row in rows:
            assert row.referral.state in PLACEMENTS
            assert row.month.day == 1
            assert row.month < self.today.replace(day=1)  # only complete months are reported
            assert row.month <= (row.referral.ended_on or self.today)
            assert (
                attendance_errors(
                    referral=row.referral,
                    month=row.month,
                    hours_offered=row.hours_offered,
                    hours_attended=row.hours_attended,
                    absence_reason=row.absence_reason,
                    today=self.today,
                )
                == {}
            )
            below += row.hours_attended < row.hours_offered
        assert below  # and those have a reason, which attendance_errors checks
        months = rows.values("referral").annotate(months=Count("pk"))
        assert max(row["months"] for row in months) == 6  # --attendance-months

    def test_exams_and_progress_reports_are_for_completed_routes(self):
        exams = ExamResult.objects.filter(referral__in=self.referrals()).select_related("referral")
        reports = ProgressReport.objects.filter(referral__in=self.referrals()).select_related(
            "referral"
        )

        assert exams.exists() and reports.exists()
        for record in [*exams, *reports]:
            assert record.referral.state == State.COMPLETED
        for exam in exams:
            assert exam.referral.started_on <= exam.taken_on <= exam.referral.ended_on

    def test_no_active_b1_or_z_lot_without_a_valid_keurmerk(self):
        lots = Lot.objects.filter(
            contract__provider__name__startswith="Schaal", component__in=KEURMERK_COMPONENTS
        ).select_related("contract__provider")
        refusals = {
            lot.pk: keurmerk_refusal(
                provider=lot.contract.provider, component=lot.component, on=self.today
            )
            for lot in lots
        }

        active = [lot for lot in lots if lot.status == LotStatus.ACTIVE]
        assert active
        assert all(refusals[lot.pk] is None for lot in active)
        assert any(refusals.values())  # the rule had a lot to make inactive
        for lot in lots.prefetch_related("offerings"):
            lot.full_clean()  # the other lot rules: education level, delivering offerings

    def test_the_dashboard_summaries_count_the_synthetic_casework(self):
        from tests.contracts.test_summaries import assert_in_step

        assert ReferralMonth.objects.exists() and AttendanceMonth.objects.exists()
        assert_in_step()  # built by the rebuild at the end, not by a signal per row

    def test_synthetic_staff_cannot_log_in(self):
        users = User.objects.filter(username__startswith="schaal.")

        assert users.filter(role=Role.CASE_MANAGER).exists()
        assert not any(user.has_usable_password() for user in users)

    def test_live_enrolments_hold_seats_within_the_seats_taken(self):
        enrolments = Enrolment.objects.filter(
            start_moment__offering__provider__name__startswith="Schaal"
        ).select_related("seat_claim")
        open_claims = (
            SeatClaim.objects.filter(released_at__isnull=True)
            .values("start_moment")
            .annotate(open=Count("pk"))
        )
        taken = dict(StartMoment.objects.values_list("pk", "seats_taken"))

        assert {row["start_moment"]: row["open"] for row in open_claims}
        for row in open_claims:
            assert row["open"] <= taken[row["start_moment"]]
        for enrolment in enrolments:
            assert (enrolment.seat_claim.released_at is None) == enrolment.is_live
            if enrolment.state == Enrolment.State.CONFIRMED:
                assert enrolment.confirmed_at is not None
                if enrolment.payment_method == Enrolment.PaymentMethod.STRIPE:
                    assert enrolment.payments.filter(status=Payment.Status.PAID).exists()
            if enrolment.state == Enrolment.State.REFUNDED:
                assert enrolment.refund_cents == enrolment.price_cents > 0
            if enrolment.is_live:
                assert enrolment.created_at.date() <= (
                    enrolment.start_moment.enrolment_deadline or enrolment.starts_on
                ) + datetime.timedelta(days=1)
