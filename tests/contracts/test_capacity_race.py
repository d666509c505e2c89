"""Lot capacity under real concurrency: 50 klantmanager requests race for a lot's last 5 places.

Runs on PostgreSQL (CI's second pass); SQLite serialises all writers, so it proves nothing there.
"""

from __future__ import annotations

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.utils import timezone

from contracts import referrals
from contracts.models import Learner, LotPeriodUse, Referral, ReferralState
from portal.accounts.models import Role
from tests.contracts.factories import LotFactory, MunicipalityFactory
from tests.portal.factories import UserFactory

RACERS = 50
LAST_PLACES = 5

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_fifty_referrals_for_the_last_five_places_never_go_over_capacity():
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
    lot = LotFactory(capacity=20, contract__municipalities=[haarlem])
    drafts = [
        referrals.referral_create(
            learner=Learner.objects.create(
                municipality=haarlem,
                first_name="Racer",
                last_name=str(number),
                date_of_birth=datetime.date(1990, 1, 1),
                target_group="STATUSHOUDER",
                route="B1_ROUTE",
                pip_date=timezone.localdate(),
            ),
            lot=lot,
            actor=klantmanager,
        )
        for number in range(RACERS)
    ]
    # Fifteen places are used already; the race is for the last five.
    use = referrals.capacity.period_use_for(lot=lot, on=timezone.localdate())
    LotPeriodUse.objects.filter(pk=use.pk).update(used=20 - LAST_PLACES)
    barrier = threading.Barrier(RACERS)

    def attempt(draft):
        try:
            barrier.wait(timeout=30)
            referrals.referral_send(referral=draft, actor=klantmanager)
            return "sent"
        except referrals.LotFull:
            return "full"
        except Exception as exc:  # every other outcome is a failure to report
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        outcomes = list(pool.map(attempt, drafts))

    assert [outcome for outcome in outcomes if isinstance(outcome, Exception)] == []
    assert outcomes.count("sent") == LAST_PLACES
    assert outcomes.count("full") == RACERS - LAST_PLACES
    use.refresh_from_db()
    assert (use.used, use.capacity, use.overrides) == (20, 20, 0)
    assert Referral.objects.filter(lot=lot, state=ReferralState.SENT).count() == LAST_PLACES
    assert Referral.objects.filter(lot=lot, state=ReferralState.DRAFT).count() == 45
