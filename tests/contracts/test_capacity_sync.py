"""A lot's capacity change reaches its current and future capacity periods (never below what they
already used), by any save of the lot: the admin's edit form included."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from wagtail.test.utils.form_data import querydict_from_html

from contracts import capacity
from contracts.contracting import lot_period
from contracts.models import LotPeriodUse
from portal.accounts.models import Role
from tests.contracts.factories import LotFactory
from tests.portal.factories import UserFactory
from tests.portal.helpers import login_staff_in_english

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _use(lot, start: datetime.date, *, used: int, overrides: int = 0) -> LotPeriodUse:
    end = lot_period(lot=lot, on=start)[1]
    return LotPeriodUse.objects.create(
        lot=lot,
        period_start=start,
        period_end=end,
        capacity=lot.capacity,
        used=used,
        overrides=overrides,
    )


@pytest.fixture
def lot():
    return LotFactory(capacity=10)


@pytest.fixture
def periods(lot):
    current = lot_period(lot=lot, on=TODAY)[0]
    return {
        "past": _use(lot, current.replace(year=current.year - 1), used=9),
        "current": _use(lot, current, used=4),
        "next": _use(lot, current.replace(year=current.year + 1), used=0),
    }


def _capacities(periods) -> dict[str, int]:
    return {name: LotPeriodUse.objects.get(pk=use.pk).capacity for name, use in periods.items()}


def test_more_capacity_reaches_the_current_and_future_periods_not_the_past(lot, periods):
    lot.capacity = 15
    lot.save()
    assert _capacities(periods) == {"past": 10, "current": 15, "next": 15}


def test_less_capacity_never_falls_below_the_places_already_used(lot, periods):
    lot.capacity = 2
    lot.save()
    assert _capacities(periods) == {"past": 10, "current": 4, "next": 2}
    with pytest.raises(capacity.LotFull):
        capacity.capacity_take(lot=lot, on=TODAY)


def test_places_added_by_override_are_not_counted_twice(lot):
    current = lot_period(lot=lot, on=TODAY)[0]
    use = _use(lot, current, used=12, overrides=2)
    lot.capacity = 5
    lot.save()
    use.refresh_from_db()
    assert (use.capacity, use.overrides, use.used) == (10, 2, 12)


def test_a_save_of_other_fields_only_leaves_the_periods_alone(lot, periods):
    LotPeriodUse.objects.filter(pk=periods["current"].pk).update(capacity=7)
    lot.tariff_cents = 123
    lot.save(update_fields=["tariff_cents"])
    assert _capacities(periods)["current"] == 7


def test_changing_the_capacity_in_the_admin_changes_the_open_period(client, lot, periods):
    login_staff_in_english(client, UserFactory(role=Role.CONTRACT_MANAGER))
    url = f"/admin/snippets/contracts/lot/edit/{lot.pk}/"
    form = querydict_from_html(client.get(url).content.decode(), form_id="w-editor-form")
    data = {name: values[0] if len(values) == 1 else values for name, values in form.lists()}
    data["capacity"] = "25"
    assert client.post(url, data).status_code == 302
    assert _capacities(periods) == {"past": 10, "current": 25, "next": 25}
