"""The catalogue's FilterSet, tested on its own; the page and API tests check both front doors."""

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone

from providers.filters import OfferingFilterSet
from providers.selectors import offering_public_queryset
from tests.contracts.factories import MunicipalityFactory
from tests.providers.factories import (
    LanguageFactory,
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    StartMomentFactory,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def titles(query: str) -> list[str]:
    filterset = OfferingFilterSet(QueryDict(query), queryset=offering_public_queryset())
    assert filterset.is_valid(), filterset.errors
    return [offering.title for offering in filterset.qs]


def errors(query: str) -> dict:
    filterset = OfferingFilterSet(QueryDict(query), queryset=offering_public_queryset())
    assert not filterset.is_valid()
    return filterset.errors


def test_component_filter_keeps_only_that_component_and_accepts_several():
    OfferingFactory(title="b1", component="B1_ROUTE")
    OfferingFactory(title="z", component="Z_ROUTE")
    OfferingFactory(title="map", component="MAP")
    assert sorted(titles("component=B1_ROUTE")) == ["b1"]
    assert sorted(titles("component=B1_ROUTE&component=MAP")) == ["b1", "map"]


def test_target_group_filter():
    OfferingFactory(title="both")
    OfferingFactory(title="only-status", for_gezinsmigranten=False)
    OfferingFactory(title="only-family", for_statushouders=False)
    assert sorted(titles("target_group=GEZINSMIGRANT")) == ["both", "only-family"]
    assert sorted(titles("target_group=STATUSHOUDER")) == ["both", "only-status"]


def test_municipality_filter_uses_the_cbs_code_of_any_location_without_duplicates():
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    provider = ProviderFactory()
    in_haarlem = [
        LocationFactory(provider=provider, municipality=haarlem),
        LocationFactory(provider=provider, municipality=haarlem),
    ]
    OfferingFactory(title="haarlem-twice", provider=provider, locations=in_haarlem)
    OfferingFactory(title="velsen", locations=[LocationFactory(municipality=velsen)])
    assert titles("municipality=GM0392") == ["haarlem-twice"]


def test_schedule_filter_accepts_several_values():
    OfferingFactory(title="day", schedule="DAYTIME")
    OfferingFactory(title="evening", schedule="EVENING")
    OfferingFactory(title="online", schedule="ONLINE")
    assert sorted(titles("schedule=EVENING&schedule=ONLINE")) == ["evening", "online"]


def test_max_price_is_in_whole_euros_and_drops_offerings_not_for_sale():
    OfferingFactory(title="cheap", price_cents=49_900)
    OfferingFactory(title="exact", price_cents=50_000)
    OfferingFactory(title="dear", price_cents=50_001)
    OfferingFactory(title="not-for-sale", price_cents=None)
    assert sorted(titles("max_price=500")) == ["cheap", "exact"]


def test_support_language_filter_by_iso_code():
    arabic = LanguageFactory(code="ar")
    tigrinya = LanguageFactory(code="ti", name_en="Tigrinya", name_nl="Tigrinya")
    OfferingFactory(title="arabic", support_languages=[arabic, tigrinya])
    OfferingFactory(title="none")
    assert titles("support_language=ar") == ["arabic"]


def test_childcare_filter_true_and_false():
    OfferingFactory(title="with", childcare=True)
    OfferingFactory(title="without", childcare=False)
    assert titles("childcare=true") == ["with"]
    assert titles("childcare=false") == ["without"]


def test_duo_loan_filter_needs_both_the_flag_and_a_valid_quality_mark():
    OfferingFactory(title="duo", duo_loan_eligible=True)
    lapsed = ProviderFactory(keurmerk_valid_until=TODAY - datetime.timedelta(days=1))
    OfferingFactory(title="duo-but-mark-lapsed", duo_loan_eligible=True, provider=lapsed)
    OfferingFactory(title="no-duo", duo_loan_eligible=False)
    assert titles("duo_loan=true") == ["duo"]
    assert sorted(titles("duo_loan=false")) == ["duo-but-mark-lapsed", "no-duo"]


def test_keurmerk_filter_keeps_providers_with_a_valid_mark():
    OfferingFactory(title="valid")
    lapsed = ProviderFactory(keurmerk_valid_until=TODAY - datetime.timedelta(days=1))
    OfferingFactory(title="lapsed", provider=lapsed)
    none = ProviderFactory(keurmerk_status="NONE", keurmerk_valid_until=None)
    OfferingFactory(title="none", provider=none)
    assert titles("keurmerk=true") == ["valid"]


def test_start_window_needs_one_open_start_moment_inside_it():
    in_window = OfferingFactory(title="in-window")
    StartMomentFactory(offering=in_window, starts_on=TODAY + datetime.timedelta(days=20))
    full = OfferingFactory(title="full-in-window")
    StartMomentFactory(
        offering=full, starts_on=TODAY + datetime.timedelta(days=20), seats=5, seats_taken=5
    )
    split = OfferingFactory(title="before-and-after-only")
    StartMomentFactory(offering=split, starts_on=TODAY + datetime.timedelta(days=5))
    StartMomentFactory(offering=split, starts_on=TODAY + datetime.timedelta(days=60))
    after = (TODAY + datetime.timedelta(days=10)).isoformat()
    before = (TODAY + datetime.timedelta(days=30)).isoformat()
    assert titles(f"starts_after={after}&starts_before={before}") == ["in-window"]


def test_free_text_searches_title_provider_and_place_word_by_word():
    OfferingFactory(title="Avondcursus Nederlands", provider=ProviderFactory(name="Duinrand"))
    OfferingFactory(title="Dagcursus", locations=[LocationFactory(city="Zandvoort")])
    assert titles("q=avond") == ["Avondcursus Nederlands"]
    assert titles("q=duinrand+avond") == ["Avondcursus Nederlands"]
    assert titles("q=zandvoort") == ["Dagcursus"]
    assert titles("q=zandvoort+avond") == []


def test_default_order_is_next_open_start_with_offerings_without_one_last():
    later = OfferingFactory(title="later")
    StartMomentFactory(offering=later, starts_on=TODAY + datetime.timedelta(days=40))
    sooner = OfferingFactory(title="sooner")
    StartMomentFactory(offering=sooner, starts_on=TODAY + datetime.timedelta(days=10))
    StartMomentFactory(
        offering=sooner, starts_on=TODAY + datetime.timedelta(days=5), seats=3, seats_taken=3
    )
    OfferingFactory(title="none-planned")
    assert titles("") == ["sooner", "later", "none-planned"]


def test_order_by_price_puts_offerings_not_for_sale_last_both_ways():
    OfferingFactory(title="mid", price_cents=2000)
    OfferingFactory(title="low", price_cents=1000)
    OfferingFactory(title="free-choice", price_cents=None)
    OfferingFactory(title="high", price_cents=3000)
    assert titles("ordering=price") == ["low", "mid", "high", "free-choice"]
    assert titles("ordering=-price") == ["high", "mid", "low", "free-choice"]


def test_order_by_pass_rate_highest_first():
    OfferingFactory(title="70", pass_rate_percent=70, pass_rate_year=2025, pass_rate_sample_size=20)
    OfferingFactory(title="unknown")
    OfferingFactory(title="90", pass_rate_percent=90, pass_rate_year=2025, pass_rate_sample_size=20)
    assert titles("ordering=-pass_rate") == ["90", "70", "unknown"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("component=NOPE", "component"),
        ("target_group=TOURIST", "target_group"),
        ("municipality=GM9999", "municipality"),
        ("schedule=NIGHT", "schedule"),
        ("max_price=abc", "max_price"),
        ("max_price=-5", "max_price"),
        ("max_price=12.50", "max_price"),
        ("support_language=xx", "support_language"),
        ("childcare=maybe", "childcare"),
        ("duo_loan=2", "duo_loan"),
        ("keurmerk=yes-please", "keurmerk"),
        ("starts_after=31-02-2027", "starts_after"),
        ("starts_before=tomorrow", "starts_before"),
        ("ordering=title", "ordering"),
        ("q=" + "x" * 101, "q"),
    ],
)
def test_bad_values_are_errors_on_their_own_field(query, field):
    assert field in errors(query)


def test_a_start_window_that_ends_before_it_begins_is_an_error():
    assert "starts_before" in errors("starts_after=2027-03-01&starts_before=2027-02-01")


def test_a_new_municipality_can_be_chosen_at_once():
    MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    assert titles("municipality=GM0392") == []
    MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    assert titles("municipality=GM0453") == []
