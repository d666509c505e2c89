"""DUO-loan places at schools whose Keurmerk Inburgeren is not valid: the contract managers' list
(``selectors.duo_loan_enrolments_without_valid_keurmerk`` and its admin page), and what the
course page says about the DUO loan."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override

from portal.accounts.models import Role
from portal.enrolments import enrolling, states
from portal.enrolments.models import Enrolment
from portal.enrolments.selectors import duo_loan_enrolments_without_valid_keurmerk
from portal.payments import cancelling
from providers.choices import KeurmerkStatus
from providers.models import Provider, StartMoment
from tests.contracts.factories import MunicipalityFactory
from tests.e2e import conftest as e2e
from tests.enrolments.factories import connected_account, held_enrolment, learner
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.providers.factories import LocationFactory, OfferingFactory, StartMomentFactory

URL = "/admin/dashboard/duo-loans-at-risk/"
DECLARATION = "Ik betaal deze cursus met mijn DUO-lening."

# The browser tests' Chromium (or a skip that says what is missing) and their demo catalogue on
# the live server, for the phone check at the end.
browser = e2e.browser
demo_site = e2e.demo_site


def duo_course(
    provider: Provider | None = None,
    *,
    title: str = "B1-route met DUO",
    starts_in_days: int = 30,
    duo_loan_eligible: bool = True,
) -> StartMoment:
    """A published course for self-payers that takes the DUO loan, starting in
    ``starts_in_days`` and running for 180 days; at ``provider`` or a new one."""
    location = LocationFactory(provider=provider) if provider else LocationFactory()
    offering = OfferingFactory(
        provider=location.provider,
        title=title,
        price_cents=125_000,
        duo_loan_eligible=duo_loan_eligible,
        price_includes_exams=True,
        for_gezinsmigranten=True,
    )
    starts_on = timezone.localdate() + datetime.timedelta(days=starts_in_days)
    if provider is None:
        connected_account(offering.provider)
    return StartMomentFactory(
        offering=offering,
        location=location,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=180),
        seats=10,
    )


def duo_enrolment(moment: StartMoment, **learner_fields) -> Enrolment:
    """A place bought with the DUO loan the way a learner buys it (the mark is valid today)."""
    enrolment = held_enrolment(moment, user=learner(**learner_fields))
    return enrolling.duo_loan_choose(enrolment=enrolment, declaration=DECLARATION)


def mark_set(provider: Provider, *, status: str = KeurmerkStatus.CERTIFIED, until=None) -> None:
    """What a contract manager records about the provider's mark (after the enrolments)."""
    provider.keurmerk_status = status
    provider.keurmerk_valid_until = until
    provider.save()


def listed(on: datetime.date) -> list[str]:
    return [e.reference for e in duo_loan_enrolments_without_valid_keurmerk(on=on)]


# The read ---------------------------------------------------------------------------------------


@pytest.fixture
def lapsing(db):
    """A DUO place at a school whose certified mark is valid through day 40 from today; the
    course runs from day 30 to day 210."""
    moment = duo_course()
    enrolment = duo_enrolment(moment)
    valid_until = timezone.localdate() + datetime.timedelta(days=40)
    mark_set(moment.offering.provider, until=valid_until)
    return {"moment": moment, "enrolment": enrolment, "valid_until": valid_until}


def test_a_duo_place_is_not_listed_the_day_before_the_mark_ends(lapsing):
    assert listed(lapsing["valid_until"] - datetime.timedelta(days=1)) == []


def test_a_duo_place_is_not_listed_on_the_last_day_of_the_mark(lapsing):
    assert listed(lapsing["valid_until"]) == []


def test_a_duo_place_is_listed_from_the_day_after_the_mark_ends(lapsing):
    assert listed(lapsing["valid_until"] + datetime.timedelta(days=1)) == [
        lapsing["enrolment"].reference
    ]


def test_an_aspirant_mark_counts_as_valid_through_its_last_day(lapsing):
    provider = lapsing["moment"].offering.provider
    mark_set(provider, status=KeurmerkStatus.ASPIRANT, until=lapsing["valid_until"])
    assert listed(lapsing["valid_until"]) == []
    assert listed(lapsing["valid_until"] + datetime.timedelta(days=1)) == [
        lapsing["enrolment"].reference
    ]


def test_a_school_without_any_mark_is_listed(lapsing):
    mark_set(lapsing["moment"].offering.provider, status=KeurmerkStatus.NONE, until=None)
    assert listed(timezone.localdate()) == [lapsing["enrolment"].reference]


def test_a_cancelled_duo_place_is_not_listed(lapsing):
    cancelling.enrolment_cancel(enrolment=lapsing["enrolment"])
    assert Enrolment.objects.get().state == Enrolment.State.CANCELLED
    assert listed(lapsing["valid_until"] + datetime.timedelta(days=1)) == []


def test_a_place_paid_by_card_is_not_listed(lapsing):
    paid = held_enrolment(lapsing["moment"])
    states.enrolment_transition(
        enrolment=paid,
        to_state=Enrolment.State.CONFIRMED,
        reason="paid",
        payment_method=Enrolment.PaymentMethod.STRIPE,
        confirmed_at=timezone.now(),
    )
    assert listed(lapsing["valid_until"] + datetime.timedelta(days=1)) == [
        lapsing["enrolment"].reference
    ]


def test_a_held_place_without_a_payment_choice_is_not_listed(lapsing):
    held_enrolment(lapsing["moment"])
    assert listed(lapsing["valid_until"] + datetime.timedelta(days=1)) == [
        lapsing["enrolment"].reference
    ]


def test_a_course_is_listed_through_its_last_day_and_not_after_it_ended(lapsing):
    ends_on = lapsing["moment"].ends_on
    assert listed(ends_on) == [lapsing["enrolment"].reference]
    assert listed(ends_on + datetime.timedelta(days=1)) == []


@pytest.mark.django_db
def test_the_list_is_ordered_by_provider_then_start_date_in_one_query(
    django_assert_num_queries,
):
    later_at_a = duo_course(title="A later", starts_in_days=60)
    provider_a = later_at_a.offering.provider
    earlier_at_a = duo_course(provider_a, title="A earlier", starts_in_days=20)
    at_b = duo_course(title="B", starts_in_days=10)
    valid = duo_course(title="Valid school")
    made = {
        name: duo_enrolment(moment)
        for name, moment in (
            ("a later", later_at_a),
            ("a earlier", earlier_at_a),
            ("b", at_b),
            ("valid", valid),
        )
    }
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for provider, name in ((provider_a, "Aa Taalschool"), (at_b.offering.provider, "Bb School")):
        provider.name = name
        mark_set(provider, until=yesterday)

    with django_assert_num_queries(1):
        rows = [
            (
                enrolment.reference,
                enrolment.user.get_full_name(),
                enrolment.start_moment.offering.provider.name,
            )
            for enrolment in duo_loan_enrolments_without_valid_keurmerk(on=timezone.localdate())
        ]
    assert [reference for reference, _, _ in rows] == [
        made["a earlier"].reference,
        made["a later"].reference,
        made["b"].reference,
    ]


# The admin page ---------------------------------------------------------------------------------


def as_user(user) -> Client:
    return login_staff_in_english(Client(), user)


@pytest.fixture
def lapsed(db):
    """A DUO place (and a card-paid one) at a school whose mark ended yesterday."""
    moment = duo_course(title="B1-route avond")
    provider = moment.offering.provider
    provider.name = "Taalhuis Verlopen"
    enrolment = duo_enrolment(moment, first_name="Amal", last_name="Haddad")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    mark_set(provider, until=yesterday)
    return {"moment": moment, "provider": provider, "enrolment": enrolment, "until": yesterday}


def test_a_contract_manager_sees_each_duo_place_with_the_schools_mark(lapsed):
    response = as_user(UserFactory(role=Role.CONTRACT_MANAGER)).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    enrolment = lapsed["enrolment"]
    with override("en"):
        expected = [
            enrolment.reference,
            reverse("wagtailsnippets_enrolments_enrolment:inspect", args=[enrolment.pk]),
            "Amal Haddad",
            "Taalhuis Verlopen",
            "B1-route avond",
            date_format(lapsed["moment"].starts_on, "DATE_FORMAT"),
            "Quality mark expired",
            date_format(lapsed["until"], "DATE_FORMAT"),
        ]
    for text in expected:
        assert text in html, text
    assert "No DUO-loan enrolment is at a school" not in html


def test_a_superuser_sees_the_list(lapsed):
    superuser = UserFactory(is_superuser=True, is_staff=True, role=Role.CONTRACT_MANAGER)
    response = as_user(superuser).get(URL)
    assert response.status_code == 200
    assert lapsed["enrolment"].reference in response.content.decode()


def test_the_page_says_so_when_no_duo_place_is_at_risk(db):
    duo_enrolment(duo_course())  # its school's mark is valid
    response = as_user(UserFactory(role=Role.CONTRACT_MANAGER)).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No DUO-loan enrolment is at a school without a valid quality mark." in html
    assert 'id="duo-loans-at-risk"' not in html


@pytest.mark.parametrize("role", ["provider", "klantmanager"])
def test_providers_and_klantmanagers_do_not_get_the_list(lapsed, role):
    user = {
        "provider": lambda: provider_staff(lapsed["provider"], admin=True),
        "klantmanager": lambda: UserFactory(
            role=Role.CASE_MANAGER, municipality=MunicipalityFactory()
        ),
    }[role]()
    client = as_user(user)
    response = client.get(URL, follow=True)
    # Wagtail answers "permission denied" by sending the user to the admin's start page.
    assert response.redirect_chain == [("/admin/", 302)]
    assert response.status_code == 200
    assert lapsed["enrolment"].reference not in response.content.decode()
    assert URL not in response.content.decode()  # no link in the menu or on the start page


def test_the_start_page_and_the_reports_menu_link_to_the_list(lapsed):
    html = as_user(UserFactory(role=Role.CONTRACT_MANAGER)).get("/admin/").content.decode()
    assert f'id="duo-loans-at-risk-link" href="{URL}"' in html
    assert html.count(URL) >= 2  # the start page's link and the menu item
    link = html[html.index('id="duo-loans-at-risk-link"') :].split("</a>")[0]
    assert "1 DUO-loan enrolment at a school without a valid quality mark" in link


def test_the_page_with_several_rows_makes_as_many_queries_as_with_one(
    lapsed, django_assert_max_num_queries
):
    client = as_user(UserFactory(role=Role.CONTRACT_MANAGER))
    client.get(URL)  # the first request warms what is read once per process
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(URL).status_code == 200
    provider = lapsed["provider"]
    mark_set(provider, until=timezone.localdate())  # valid again while these learners enrol
    more = []
    for number in range(5):
        moment = duo_course(provider, title=f"Cursus {number}", starts_in_days=10 + number)
        more.append(duo_enrolment(moment))
    more.append(duo_enrolment(duo_course(title="Elders")))
    mark_set(more[-1].start_moment.offering.provider, until=lapsed["until"])
    mark_set(provider, until=lapsed["until"])

    with django_assert_max_num_queries(len(one_row)):
        response = client.get(URL)
    html = response.content.decode()
    for enrolment in [lapsed["enrolment"], *more]:
        assert enrolment.reference in html


# The course page --------------------------------------------------------------------------------

NOT_VALID_NOW = "No: this school's quality mark is not valid now."
PAYS_WHILE_VALID = "DUO pays only while this school's quality mark is valid."


def duo_loan_fact(client: Client, moment: StartMoment) -> str:
    """The text of the course page's "DUO loan possible" fact, in English."""
    response = client.get(f"/en/aanbod/cursus/{moment.offering.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<div id="duo-loan">')
    return html[start : html.index("</div>", start)]


@pytest.mark.parametrize("status", [KeurmerkStatus.CERTIFIED, KeurmerkStatus.ASPIRANT])
def test_the_course_page_says_duo_pays_only_while_the_mark_is_valid(client, site_pages, status):
    moment = duo_course()
    mark_set(moment.offering.provider, status=status, until=timezone.localdate())
    fact = duo_loan_fact(client, moment)
    assert "<dd>yes<br>" in fact
    assert PAYS_WHILE_VALID in fact
    assert NOT_VALID_NOW not in fact


@pytest.mark.parametrize(
    ("status", "days"),
    [(KeurmerkStatus.CERTIFIED, -1), (KeurmerkStatus.ASPIRANT, -1), (KeurmerkStatus.NONE, None)],
)
def test_the_course_page_says_why_not_when_the_mark_is_not_valid(client, site_pages, status, days):
    moment = duo_course()
    until = None if days is None else timezone.localdate() + datetime.timedelta(days=days)
    mark_set(moment.offering.provider, status=status, until=until)
    fact = duo_loan_fact(client, moment)
    assert NOT_VALID_NOW in fact
    assert PAYS_WHILE_VALID not in fact


def test_the_course_page_says_no_for_a_course_that_does_not_take_the_loan(client, site_pages):
    moment = duo_course(duo_loan_eligible=False)
    mark_set(moment.offering.provider, until=timezone.localdate() - datetime.timedelta(days=1))
    fact = duo_loan_fact(client, moment)
    assert "<dd>no</dd>" in fact
    assert NOT_VALID_NOW not in fact and PAYS_WHILE_VALID not in fact


@pytest.mark.browser
def test_the_duo_loan_fact_fits_a_phone_without_sideways_scrolling(browser, demo_site):
    moment = duo_course(title="B1-route met een lange naam voor kleine schermen")
    mark_set(moment.offering.provider, until=timezone.localdate() - datetime.timedelta(days=1))
    for width in (375, 320):
        context = browser.new_context(viewport={"width": width, "height": 640})
        try:
            page = context.new_page()
            page.goto(f"{demo_site}/en/aanbod/cursus/{moment.offering.pk}/")
            fact = page.locator("#duo-loan dd")
            assert NOT_VALID_NOW in fact.inner_text()
            box = fact.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, width
            assert page.evaluate("document.documentElement.scrollWidth") <= width, width
        finally:
            context.close()
