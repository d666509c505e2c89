import datetime

import pytest

from providers import keurmerk
from providers.choices import KeurmerkStatus
from providers.keurmerk import KeurmerkState
from providers.models import Provider
from tests.providers.factories import ProviderFactory

DAY = datetime.date(2026, 6, 30)


@pytest.mark.parametrize(
    ("valid_until", "expected"),
    [
        (DAY - datetime.timedelta(days=1), False),
        (DAY, True),
        (DAY + datetime.timedelta(days=1), True),
    ],
    ids=["day-after-expiry", "last-valid-day", "day-before-expiry"],
)
def test_mark_is_valid_up_to_and_including_its_expiry_date(valid_until, expected):
    assert (
        keurmerk.is_valid(status=KeurmerkStatus.CERTIFIED, valid_until=valid_until, on=DAY)
        is expected
    )


def test_no_mark_is_never_valid():
    assert not keurmerk.is_valid(status=KeurmerkStatus.NONE, valid_until=None, on=DAY)


@pytest.mark.parametrize(
    ("status", "valid_until", "state"),
    [
        (KeurmerkStatus.NONE, None, KeurmerkState.NONE),
        (KeurmerkStatus.CERTIFIED, DAY, KeurmerkState.VALID),
        (KeurmerkStatus.ASPIRANT, DAY, KeurmerkState.ASPIRANT),
        (KeurmerkStatus.CERTIFIED, DAY - datetime.timedelta(days=1), KeurmerkState.EXPIRED),
        (KeurmerkStatus.ASPIRANT, DAY - datetime.timedelta(days=1), KeurmerkState.EXPIRED),
    ],
)
def test_state_tells_the_public_the_honest_status(status, valid_until, state):
    assert keurmerk.state(status=status, valid_until=valid_until, on=DAY) is state


@pytest.mark.django_db
def test_valid_q_selects_the_same_providers_as_is_valid():
    valid = ProviderFactory(keurmerk_valid_until=DAY)
    ProviderFactory(keurmerk_valid_until=DAY - datetime.timedelta(days=1))
    ProviderFactory(keurmerk_status=KeurmerkStatus.NONE, keurmerk_valid_until=None)
    assert list(Provider.objects.filter(keurmerk.valid_q(on=DAY))) == [valid]
