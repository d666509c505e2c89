import pytest
from django.core.management import CommandError, call_command

from contracts.models import Municipality
from providers.filters import OfferingFilterSet
from providers.models import Location, Offering, Provider, StartMoment
from providers.selectors import offering_public_queryset

pytestmark = pytest.mark.django_db

SMALL = [
    "--municipalities=20",
    "--providers=6",
    "--locations=12",
    "--offerings=40",
    "--start-moments=120",
]


def _counts():
    synthetic = Provider.objects.filter(name__startswith="Schaal")
    return (
        Municipality.objects.count(),
        synthetic.count(),
        Location.objects.filter(provider__in=synthetic).count(),
        Offering.objects.filter(provider__in=synthetic, live=True).count(),
        StartMoment.objects.filter(offering__provider__in=synthetic).count(),
    )


def test_seed_scale_builds_the_requested_sizes_of_valid_published_data():
    call_command("seed_scale", *SMALL, verbosity=0)
    assert _counts() == (20, 6, 12, 40, 120)
    filterset = OfferingFilterSet({"ordering": "price"}, queryset=offering_public_queryset())
    assert filterset.is_valid()
    assert filterset.qs.count() >= 40


def test_seed_scale_refuses_a_second_run_and_rebuilds_with_reset():
    call_command("seed_scale", *SMALL, verbosity=0)
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_scale", *SMALL, verbosity=0)
    call_command("seed_scale", *SMALL, "--reset", verbosity=0)
    assert _counts() == (20, 6, 12, 40, 120)
