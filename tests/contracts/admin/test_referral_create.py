"""Referring in steps (``contracts.admin.referrals.ReferralCreateView``) through the real views:
"New referral" on the list, 1. the learner, 2. a lot the learner may be referred to, with its
places left, 3. a start date of that lot only, with provider, place and free seats. Each step is
a GET that keeps the choices before it; the post is checked again in full, a tampered lot or
start date is an error on its field; every other role is turned away; the queries are fixed."""

from __future__ import annotations

import datetime

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone, translation

from contracts import referrals
from contracts.models import Learner, Lot, Referral, ReferralState
from portal.accounts.models import Role
from providers.models import StartMoment
from tests.contracts.factories import LotFactory, MunicipalityFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.providers.factories import (
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    StartMomentFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LIST = "/admin/referrals/"
NEW = "/admin/referrals/new/"


def _learner(municipality, klantmanager=None, **fields) -> Learner:
    values = {
        "first_name": "Amal",
        "last_name": "Haddad",
        "date_of_birth": datetime.date(1990, 5, 17),
        "target_group": "STATUSHOUDER",
        "client_number": "HLM-1",
        "housing_date": TODAY - datetime.timedelta(days=60),
        "pip_date": TODAY - datetime.timedelta(days=10),
        "route": "B1_ROUTE",
    }
    return Learner.objects.create(
        municipality=municipality, klantmanager=klantmanager, **(values | fields)
    )


def _client(user) -> Client:
    return login_staff_in_english(Client(), user)


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def _shown_dates(soup: BeautifulSoup) -> dict[str, str]:
    """The start dates a person sees: radio value → its label's text, leaving out the groups
    that are hidden (those of the other lots)."""
    form = soup.find("form", id="refer-form")
    assert form is not None and not form.has_attr("hidden")
    shown = {}
    for radio in form.select("input[name=start_moment]"):
        group = radio.find_parent(class_="rw-refer-dates")
        if group is not None and group.has_attr("hidden"):
            continue
        label = form.find("label", attrs={"for": radio["id"]})
        shown[radio["value"]] = label.get_text(" ", strip=True)
    return shown


@pytest.fixture
def world(haarlem, klantmanager):
    """Two lots the learner may be referred to, each with its own provider and start dates."""
    taalhuis = ProviderFactory(name="Taalhuis Spaarne")
    duinrand = ProviderFactory(name="Talenschool Duinrand")
    b1_course = OfferingFactory(provider=taalhuis, title="B1 overdag")
    pvt_course = OfferingFactory(provider=duinrand, component="PVT", title="PVT avond")
    b1 = LotFactory(
        contract__provider=taalhuis,
        contract__municipalities=[haarlem],
        capacity=5,
        offerings=[b1_course],
    )
    pvt = LotFactory(
        contract__provider=duinrand,
        contract__municipalities=[haarlem],
        component="PVT",
        offerings=[pvt_course],
    )
    centrum = LocationFactory(provider=taalhuis, name="Centrum", city="Haarlem")
    ijmuiden = LocationFactory(provider=duinrand, name="Haven", city="IJmuiden")
    b1_date = StartMomentFactory(
        offering=b1_course,
        location=centrum,
        seats=12,
        seats_taken=5,
        starts_on=TODAY + datetime.timedelta(days=20),
    )
    b1_full = StartMomentFactory(offering=b1_course, location=centrum, seats=4, seats_taken=4)
    pvt_date = StartMomentFactory(offering=pvt_course, location=ijmuiden, seats=8)
    learner = _learner(haarlem, klantmanager)
    return {
        "learner": learner,
        "b1": b1,
        "pvt": pvt,
        "b1_date": b1_date,
        "b1_full": b1_full,
        "pvt_date": pvt_date,
    }


# --- The button and step 1 -------------------------------------------------------------------


def test_the_list_has_a_new_referral_button_for_klantmanagers_only(klantmanager, world):
    button = _soup(_client(klantmanager).get(LIST)).select_one(f"header a[href='{NEW}']")
    assert button is not None and button.get_text(strip=True) == "New referral"
    for user in (
        provider_staff(world["b1"].contract.provider),
        UserFactory(role=Role.CONTRACT_MANAGER),
    ):
        assert not _soup(_client(user).get(LIST)).select(f"a[href='{NEW}']")


def test_step_1_lists_the_klantmanagers_learners_waiting_for_a_referral(
    haarlem, klantmanager, world
):
    colleague = UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
    referred = _learner(haarlem, klantmanager, last_name="Verwezen", client_number="HLM-2")
    referrals.referral_create(learner=referred, lot=world["b1"], actor=klantmanager)
    _learner(haarlem, colleague, last_name="Collega", client_number="HLM-3")
    _learner(MunicipalityFactory(), last_name="Elders")
    client = _client(klantmanager)

    def listed(**query) -> dict[str, str]:
        soup = _soup(client.get(NEW, query))
        return {
            link.get_text(strip=True): link["href"]
            for link in soup.select(".rw-refer-learners a[data-learner]")
        }

    assert listed() == {"Amal Haddad": f"?learner={world['learner'].pk}"}
    assert set(listed(whose="all")) == {"Amal Haddad", "Amal Collega"}
    assert set(listed(in_progress="on")) == {"Amal Haddad", "Amal Verwezen"}
    assert set(listed(q="verw", in_progress="on")) == {"Amal Verwezen"}
    assert set(listed(q="HLM-3", whose="all")) == {"Amal Collega"}
    assert listed(q="elders", whose="all") == {}
    soup = _soup(client.get(NEW, {"q": "verw", "in_progress": "on"}))
    assert "referral in progress" in soup.select_one(".rw-refer-learners").get_text()


def test_step_1_is_paged_with_a_fixed_number_of_queries(
    haarlem, klantmanager, django_assert_max_num_queries
):
    client = _client(klantmanager)
    for number in range(3):
        _learner(haarlem, klantmanager, last_name=f"A{number:02d}")
    client.get(NEW)  # warm caches (site, profile)
    with django_assert_max_num_queries(30) as few:
        client.get(NEW)
    for number in range(3, 30):
        _learner(haarlem, klantmanager, last_name=f"A{number:02d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(NEW)
    assert len(response.context["learners"]) == 25
    second = _soup(client.get(NEW, {"p": 2}))
    assert [a.get_text(strip=True) for a in second.select(".rw-refer-learners a")] == [
        f"Amal A{number}" for number in range(25, 30)
    ]


# --- Steps 2 and 3 --------------------------------------------------------------------------


def test_step_2_offers_only_the_lots_the_learner_may_be_referred_to_with_places_left(
    haarlem, klantmanager, world
):
    LotFactory(component="Z_ROUTE", contract__municipalities=[haarlem])
    LotFactory(contract__municipalities=[MunicipalityFactory()])
    referrals.referral_send(
        referral=referrals.referral_create(
            learner=_learner(haarlem, klantmanager, client_number="HLM-9"),
            lot=world["b1"],
            actor=klantmanager,
        ),
        actor=klantmanager,
    )
    soup = _soup(_client(klantmanager).get(NEW, {"learner": world["learner"].pk}))
    lots = {
        radio["value"]: soup.find("label", attrs={"for": radio["id"]}).get_text(" ", strip=True)
        for radio in soup.select("#refer-lot-form input[name=lot]")
    }
    assert set(lots) == {str(world["b1"].pk), str(world["pvt"].pk)}
    assert lots[str(world["b1"].pk)].startswith("Taalhuis Spaarne: B1 route")
    assert "4 places left this period" in lots[str(world["b1"].pk)]
    assert "1 start date with free seats" in lots[str(world["b1"].pk)]
    # No lot chosen yet: the start dates wait for the choice (the script shows them at once).
    assert soup.find("form", id="refer-form").has_attr("hidden")
    assert soup.select_one("#refer-lot-form button[data-refer-show]") is not None


def test_step_3_shows_the_chosen_lots_start_dates_only_with_provider_place_and_seats(
    klantmanager, world
):
    client = _client(klantmanager)
    learner = world["learner"].pk
    soup = _soup(client.get(NEW, {"learner": learner, "lot": world["b1"].pk}))
    assert soup.select_one(f"#refer-lot-{world['b1'].pk}").has_attr("checked")
    assert soup.select_one("#refer-form input[name=lot]")["value"] == str(world["b1"].pk)
    dates = _shown_dates(soup)
    assert set(dates) == {"", str(world["b1_date"].pk)}  # "no start date yet", the free one
    text = dates[str(world["b1_date"].pk)]
    assert "Taalhuis Spaarne, Haarlem (Centrum)" in text
    assert "7 seats free" in text and "B1 overdag" in text
    assert "1 start date of Taalhuis Spaarne: B1 route has free seats." in soup.select_one(
        "#refer-start-status"
    ).get_text(" ", strip=True)

    dates = _shown_dates(_soup(client.get(NEW, {"learner": learner, "lot": world["pvt"].pk})))
    assert set(dates) == {"", str(world["pvt_date"].pk)}
    assert "Talenschool Duinrand, IJmuiden (Haven)" in dates[str(world["pvt_date"].pk)]


def test_a_learner_with_one_lot_gets_it_chosen_at_once(haarlem, klantmanager, world):
    gezinsmigrant = _learner(
        haarlem, klantmanager, target_group="GEZINSMIGRANT", route="", client_number="HLM-5"
    )
    soup = _soup(_client(klantmanager).get(NEW, {"learner": gezinsmigrant.pk}))
    assert [radio["value"] for radio in soup.select("#refer-lot-form input[name=lot]")] == [
        str(world["pvt"].pk)
    ]
    assert set(_shown_dates(soup)) == {"", str(world["pvt_date"].pk)}


@pytest.mark.parametrize("lot", ["abc", "١٢", "99999999999999999999999", "-1"])
def test_a_lot_in_the_address_that_is_not_offered_is_said_beside_the_lots(klantmanager, world, lot):
    soup = _soup(_client(klantmanager).get(NEW, {"learner": world["learner"].pk, "lot": lot}))
    assert soup.find(id="refer-lot-error").get_text(strip=True) == "Choose one of the lots listed."
    assert soup.find("form", id="refer-form").has_attr("hidden")


def test_a_referral_to_a_start_date_of_the_chosen_lot_is_sent_and_takes_a_seat(klantmanager, world):
    response = _client(klantmanager).post(
        f"{NEW}?learner={world['learner'].pk}",
        {
            "lot": world["b1"].pk,
            "start_moment": world["b1_date"].pk,
            "note": "Mornings",
            "action": "send",
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == f"/admin/referrals/{referral.pk}/"
    assert (referral.state, referral.lot, referral.start_moment) == (
        ReferralState.SENT,
        world["b1"],
        world["b1_date"],
    )
    assert StartMoment.objects.get(pk=world["b1_date"].pk).seats_taken == 6


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        ({"lot": ""}, "lot", "Choose a lot first."),
        ({"lot": "abc"}, "lot", "Choose one of the lots listed."),
        ({"lot": "99999999999999999999999"}, "lot", "Choose one of the lots listed."),
        ({"lot": "z_route"}, "lot", "Choose one of the lots listed."),
        ({"start_moment": "pvt_date"}, "start_moment", "This start date is not of the chosen lot"),
        ({"start_moment": "b1_full"}, "start_moment", "Choose one of the start dates listed."),
        ({"start_moment": "١٢"}, "start_moment", "Choose one of the start dates listed."),
        (
            {"start_moment": "99999999999999999999999"},
            "start_moment",
            "Choose one of the start dates listed.",
        ),
    ],
)
def test_a_tampered_post_is_refused_on_its_field_and_stores_nothing(
    haarlem, klantmanager, world, post, field, message
):
    z_route = LotFactory(component="Z_ROUTE", contract__municipalities=[haarlem])
    named = {"z_route": z_route.pk, **{key: world[key].pk for key in ("pvt_date", "b1_full")}}
    data = {"lot": world["b1"].pk, "start_moment": "", "note": "", "action": "send"}
    data |= {key: named.get(value, value) for key, value in post.items()}
    response = _client(klantmanager).post(f"{NEW}?learner={world['learner'].pk}", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    with translation.override("en"):  # the admin's language; the test's own is Dutch
        assert list(errors) == [field] and message in str(errors[field][0])
    shown = {"lot": "#refer-lot-error", "start_moment": "#refer-start-error"}[field]
    assert message in _soup(response).select_one(shown).get_text()
    assert not Referral.objects.exists()
    assert StartMoment.objects.get(pk=world["b1_date"].pk).seats_taken == 5


def test_a_refused_post_shows_the_lot_and_start_date_chosen(haarlem, klantmanager, world):
    Lot.objects.filter(pk=world["b1"].pk).update(capacity=1)
    other = _learner(haarlem, klantmanager, client_number="HLM-7")
    referrals.referral_send(
        referral=referrals.referral_create(learner=other, lot=world["b1"], actor=klantmanager),
        actor=klantmanager,
    )
    response = _client(klantmanager).post(
        f"{NEW}?learner={world['learner'].pk}",
        {"lot": world["b1"].pk, "start_moment": world["b1_date"].pk, "action": "send"},
    )
    soup = _soup(response)
    assert "capacity for this period is used up" in soup.select_one("#refer-lot-error").get_text()
    assert soup.select_one(f"#refer-lot-{world['b1'].pk}").has_attr("checked")
    assert str(world["b1_date"].pk) in _shown_dates(soup)
    chosen = soup.select_one("#refer-form input[name=start_moment][checked]")
    assert chosen["value"] == str(world["b1_date"].pk)
    assert not Referral.objects.filter(learner=world["learner"]).exists()


def test_a_learner_id_that_is_not_an_id_is_not_found(klantmanager, world):
    client = _client(klantmanager)
    for raw in ("abc", "١٢", "99999999999999999999999", ""):
        assert client.get(NEW, {"learner": raw}).status_code == 404
        assert client.post(f"{NEW}?learner={raw}", {"lot": world["b1"].pk}).status_code == 404
    assert not Referral.objects.exists()


def test_step_3_takes_a_fixed_number_of_queries(
    haarlem, klantmanager, world, django_assert_max_num_queries
):
    client = _client(klantmanager)
    query = {"learner": world["learner"].pk, "lot": world["b1"].pk}
    client.get(NEW, query)  # warm caches (site, profile)
    with django_assert_max_num_queries(40) as few:
        client.get(NEW, query)
    for _lot in range(4):
        course = OfferingFactory(component="MAP")
        LotFactory(component="MAP", contract__municipalities=[haarlem], offerings=[course])
        for days in (10, 20, 30):
            StartMomentFactory(offering=course, starts_on=TODAY + datetime.timedelta(days=days))
        StartMomentFactory(offering=world["pvt"].offerings.get())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(NEW, query)
    assert len(response.context["choices"]) == 6


# --- Who may refer ----------------------------------------------------------------------------


def test_a_klantmanager_of_another_municipality_neither_sees_nor_refers_the_learner(world):
    other = _client(UserFactory(role=Role.CASE_MANAGER, municipality=MunicipalityFactory()))
    listing = other.get(NEW, {"whose": "all", "in_progress": "on"})
    assert listing.status_code == 200 and "Haddad" not in listing.content.decode()
    url = f"{NEW}?learner={world['learner'].pk}"
    assert other.get(url).status_code == 404
    assert (
        other.get(NEW, {"learner": world["learner"].pk, "lot": world["b1"].pk}).status_code == 404
    )
    response = other.post(url, {"lot": world["b1"].pk, "start_moment": "", "action": "send"})
    assert response.status_code == 404
    assert not Referral.objects.exists()


@pytest.mark.parametrize("role", ["provider staff", "contract manager"])
def test_provider_staff_and_contract_managers_cannot_refer(world, role):
    """``PermissionDenied``, which the admin answers as everywhere: back to the admin's home
    (a 403 for script requests); nothing is stored."""
    if role == "provider staff":
        user = provider_staff(world["b1"].contract.provider, admin=True)
    else:
        user = UserFactory(role=Role.CONTRACT_MANAGER)
    client = _client(user)
    url = f"{NEW}?learner={world['learner'].pk}"
    post = {"lot": world["b1"].pk, "start_moment": world["b1_date"].pk, "action": "send"}
    for response in (
        client.get(NEW),
        client.get(url),
        client.get(NEW, {"learner": world["learner"].pk, "lot": world["b1"].pk}),
        client.post(url, post),
    ):
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    script = client.get(url, headers={"x-requested-with": "XMLHttpRequest"})
    assert script.status_code == 403 and b"Haddad" not in script.content
    assert not Referral.objects.exists()
