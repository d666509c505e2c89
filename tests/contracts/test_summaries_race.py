"""The dashboard's summaries under real concurrency: providers answering referrals of the same lot
and month at the same moment must leave the summary exactly in step with the referrals.

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
from contracts.models import Learner, ReferralMonth
from portal.accounts.models import Role
from tests.contracts.factories import LotFactory, MunicipalityFactory
from tests.contracts.test_summaries import assert_in_step
from tests.portal.factories import UserFactory, provider_staff

ANSWERS = 12

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_answers_at_the_same_moment_are_all_counted():
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
    lot = LotFactory(capacity=50, contract__municipalities=[haarlem])
    staff = provider_staff(lot.contract.provider)
    sent = [
        referrals.referral_send(
            referral=referrals.referral_create(
                learner=Learner.objects.create(
                    municipality=haarlem,
                    first_name="Tegelijk",
                    last_name=str(number),
                    date_of_birth=datetime.date(1990, 1, 1),
                    target_group="STATUSHOUDER",
                    route="B1_ROUTE",
                    pip_date=timezone.localdate(),
                ),
                lot=lot,
                actor=klantmanager,
            ),
            actor=klantmanager,
        )
        for number in range(ANSWERS)
    ]
    barrier = threading.Barrier(ANSWERS)

    def answer(referral):
        try:
            barrier.wait(timeout=30)
            if referral.learner.last_name in {"0", "1", "2"}:
                referrals.referral_decline(referral=referral, actor=staff, reason="Vol")
            else:
                referrals.referral_accept(referral=referral, actor=staff)
            return None
        except Exception as exc:  # every outcome but success is a failure to report
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=ANSWERS) as pool:
        failures = [outcome for outcome in pool.map(answer, sent) if outcome is not None]

    assert failures == []
    row = ReferralMonth.objects.get(lot=lot)
    assert (row.sent, row.accepted, row.declined, row.awaiting_answer) == (ANSWERS, 9, 3, 0)
    assert_in_step()
