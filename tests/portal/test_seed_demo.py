import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Revision

from cms.models import CataloguePage
from contracts import contracting
from contracts.models import (
    Contract,
    IntakeVolume,
    Learner,
    Lot,
    LotStatus,
    Municipality,
    Referral,
    ReferralState,
)
from portal.demo.data import DEMO_USERS, MUNICIPALITIES
from providers.choices import Component
from providers.models import (
    Offering,
    OfferingTranslation,
    Provider,
    ProviderTranslation,
    StartMoment,
)
from providers.offerings import offering_text, provider_cancellation_terms
from tests.portal.helpers import totp_code

pytestmark = pytest.mark.django_db


def _counts() -> dict:
    return {
        "municipalities": Municipality.objects.count(),
        "volumes": IntakeVolume.objects.count(),
        "providers": Provider.objects.count(),
        "offerings": Offering.objects.count(),
        "offering_translations": OfferingTranslation.objects.count(),
        "provider_translations": ProviderTranslation.objects.count(),
        "start_moments": StartMoment.objects.count(),
        "users": get_user_model().objects.count(),
        "pages": CataloguePage.objects.count(),
        "contracts": Contract.objects.count(),
        "lots": Lot.objects.count(),
        "revisions": Revision.objects.count(),
        "learners": Learner.objects.count(),
        "referrals": Referral.objects.count(),
    }


def test_seed_demo_builds_the_region_and_a_catalogue_covering_every_component():
    call_command("seed_demo", verbosity=0)
    assert set(Municipality.objects.values_list("cbs_code", flat=True)) == {
        "GM0375",
        "GM0377",
        "GM0392",
        "GM0396",
        "GM0397",
        "GM0453",
        "GM0473",
    }
    assert IntakeVolume.objects.get(municipality__cbs_code="GM0392", year=2021).statushouders == 136
    assert Provider.objects.count() == 8
    live = Offering.objects.filter(live=True)
    assert live.count() >= 40
    assert set(live.values_list("component", flat=True)) == set(Component.values)
    assert StartMoment.objects.filter(seats_taken__gte=1).count() > 0
    full = [m for m in StartMoment.objects.all() if m.free_seats == 0]
    nearly_full = [m for m in StartMoment.objects.all() if 0 < m.free_seats <= 2]
    assert full and nearly_full
    # The printed logins, plus a klantmanager without a password for each other municipality.
    assert get_user_model().objects.count() == len(DEMO_USERS) + len(MUNICIPALITIES) - 1


def test_seed_demo_contracts_the_region_for_every_component_it_buys():
    call_command("seed_demo", "--no-users", verbosity=0)
    today = timezone.localdate()
    municipalities = set(Municipality.objects.all())
    contracts = Contract.objects.select_related("provider", "contracting_municipality")
    assert contracts.count() == 8
    for contract in contracts:
        assert contract.contracting_municipality.cbs_code == "GM0392"
        assert set(contract.municipalities.all()) == municipalities
        assert contract.revisions.count() == 1
    # KNM and literacy are bought within the routes, so they have no lots of their own.
    bought = set(Component.values) - {Component.KNM, Component.ALFABETISERING}
    assert set(Lot.objects.values_list("component", flat=True)) == bought
    assert set(
        Lot.objects.filter(component="ONDERWIJSROUTE").values_list("education_level", flat=True)
    ) == {"HBO", "WO"}
    # 322 statushouders, 60 % B1-route and 15 % Z-route, shared by the three language schools.
    routes = Lot.objects.filter(component__in=["B1_ROUTE", "Z_ROUTE"])
    assert sum(routes.filter(component="B1_ROUTE").values_list("capacity", flat=True)) in (
        193,
        194,
    )
    assert sum(routes.filter(component="Z_ROUTE").values_list("capacity", flat=True)) == 48
    # Every active B1/Z lot passed the Keurmerk rule; the lapsed school's lots wait, inactive.
    for lot in routes.filter(status=LotStatus.ACTIVE).select_related("contract__provider"):
        assert lot.contract.provider.keurmerk_is_valid
    assert routes.filter(status=LotStatus.INACTIVE).count() == 2
    assert all(lot.offerings.exists() for lot in Lot.objects.all())
    # The start page has something to show.
    assert contracting.contracts_ending_soon(today=today).exists()
    assert contracting.lots_with_keurmerk_at_risk(today=today)


def test_seed_demo_spreads_learners_over_the_region_with_referrals_in_every_state():
    call_command("seed_demo", verbosity=0)
    assert set(Learner.objects.values_list("municipality__cbs_code", flat=True)) == {
        code for code, *_ in MUNICIPALITIES
    }
    statushouders = Learner.objects.filter(target_group="STATUSHOUDER").exclude(route="")
    b1 = statushouders.filter(route="B1_ROUTE").count()
    assert 0.45 < b1 / statushouders.count() < 0.75  # the 60 % of the route split, roughly
    assert set(Referral.objects.values_list("state", flat=True)) == set(ReferralState.values)
    assert contracting.lot_placements_used(today=timezone.localdate())


def test_running_seed_demo_twice_changes_nothing():
    call_command("seed_demo", verbosity=0)
    before = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == before


def test_demo_catalogue_is_served(client):
    call_command("seed_demo", "--no-users", verbosity=0)
    response = client.get("/aanbod/")
    assert response.status_code == 200
    assert (
        response.context["page_obj"].paginator.count == Offering.objects.filter(live=True).count()
    )
    assert client.get("/").status_code == 200
    assert client.get("/toegankelijkheid/").status_code == 200


def test_demo_logins_work_with_the_printed_password(client):
    from portal.demo.data import DEMO_PASSWORD

    call_command("seed_demo", verbosity=0)
    response = client.post(
        "/accounts/login/", {"login": "leerling@routewijzer.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id")
    client.logout()


def test_demo_staff_pass_two_factor_with_the_printed_secret(client):
    from portal.demo.data import DEMO_PASSWORD, DEMO_TOTP_SECRET

    call_command("seed_demo", verbosity=0)
    response = client.post(
        "/accounts/login/", {"login": "beheer@routewijzer.example", "password": DEMO_PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(DEMO_TOTP_SECRET)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_demo_shows_schools_own_translations_and_dutch_fallbacks():
    call_command("seed_demo", "--no-users", verbosity=0)
    translated = Offering.objects.filter(translations__isnull=False).distinct()
    assert 4 <= translated.count() <= 6
    day = Offering.objects.get(reference="TS-B1-D")
    assert {t.language for t in day.translations.all()} >= {"en", "ar"}
    arabic = offering_text(day, "ar")
    assert arabic.title.language == "ar"
    assert "B1-route" in arabic.title.text  # programme names stay in Latin script
    assert not arabic.fell_back
    # The translations are in the published revision too, which the admin's form shows.
    latest = day.latest_revision.as_object()
    assert {t.language for t in latest.translations.all()} == {
        t.language for t in day.translations.all()
    }
    # A fallback case: no Arabic for the intensive course.
    assert offering_text(Offering.objects.get(reference="TS-B1-I"), "ar").fell_back

    school = Provider.objects.get(slug="taalhuis-spaarnestad")
    assert provider_cancellation_terms(provider=school, language="ar").language == "ar"
    assert provider_cancellation_terms(provider=school, language="en").language == "en"
    dutch_only = Provider.objects.get(slug="nt2-leerplein-kennemerland")
    terms = provider_cancellation_terms(provider=dutch_only, language="ar")
    assert terms
    assert terms.language == "nl"


def test_seeding_an_older_demo_database_adds_the_translations_once():
    call_command("seed_demo", "--no-users", verbosity=0)
    day = Offering.objects.get(reference="TS-B1-D")
    OfferingTranslation.objects.all().delete()
    ProviderTranslation.objects.all().delete()
    revisions = day.revisions.count()
    call_command("seed_demo", "--no-users", verbosity=0)
    day.refresh_from_db()
    assert {t.language for t in day.translations.all()} == {"en", "ar", "tr"}
    assert {t.language for t in day.latest_revision.as_object().translations.all()} == {
        "en",
        "ar",
        "tr",
    }
    assert day.revisions.count() == revisions + 1
    assert ProviderTranslation.objects.filter(provider__slug="taalhuis-spaarnestad").count() == 2
    call_command("seed_demo", "--no-users", verbosity=0)
    assert day.revisions.count() == revisions + 1
