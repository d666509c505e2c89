import pytest
from django.core.management import call_command

from contracts.models import Municipality, Region
from providers.filters import OfferingFilterSet
from providers.models import Location, Offering, Provider, StartMoment
from providers.selectors import offering_public_queryset

pytestmark = pytest.mark.django_db

TINY = [
    "--municipalities=20",
    "--providers=6",
    "--locations=12",
    "--offerings=40",
    "--start-moments=120",
]


def _synthetic_counts() -> dict[str, int]:
    providers = Provider.objects.filter(name__startswith="Schaal")
    offerings = Offering.objects.filter(provider__in=providers)
    return {
        "municipalities": Municipality.objects.count(),
        "regions": Region.objects.filter(name__startswith="Schaal").count(),
        "providers": providers.count(),
        "locations": Location.objects.filter(provider__in=providers).count(),
        "published offerings": offerings.filter(live=True).count(),
        "start moments": StartMoment.objects.filter(offering__in=offerings).count(),
        "location links": Offering.locations.through.objects.filter(offering__in=offerings).count(),
    }


def test_seed_scale_builds_the_requested_sizes_of_valid_published_offerings():
    call_command("seed_scale", *TINY, verbosity=0)

    counts = _synthetic_counts()
    assert {name: count for name, count in counts.items() if name != "location links"} == {
        "municipalities": 20,  # the demo's 7 included
        "regions": 13,
        "providers": 6,
        "locations": 12,
        "published offerings": 40,
        "start moments": 120,
    }
    assert counts["location links"] > 0
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


def test_a_second_seed_scale_run_changes_nothing():
    call_command("seed_scale", *TINY, verbosity=0)
    before = _synthetic_counts()
    first_ids = set(StartMoment.objects.values_list("pk", flat=True))

    call_command("seed_scale", *TINY, verbosity=0)

    assert _synthetic_counts() == before
    assert set(StartMoment.objects.values_list("pk", flat=True)) == first_ids


def test_seed_scale_reset_builds_the_same_data_again():
    call_command("seed_scale", *TINY, verbosity=0)
    before = _synthetic_counts()
    titles = sorted(Offering.objects.values_list("title", flat=True))

    call_command("seed_scale", *TINY, "--reset", verbosity=0)

    assert _synthetic_counts() == before
    assert sorted(Offering.objects.values_list("title", flat=True)) == titles
