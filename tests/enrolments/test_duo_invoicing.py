"""The DUO invoicing aid (``portal.enrolments.duo_invoicing``): which places count, their hours
and amounts per quarter, the warning over DUO's quarterly maximum; and its admin screen and
download (``portal.duo_admin_views``) through the real views, for provider staff only."""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from portal.accounts.models import Role
from portal.enrolments import duo_invoicing, enrolling, states
from portal.enrolments.duo_invoicing import (
    DUO_MAX_PER_QUARTER_CENTS,
    Quarter,
    duo_quarter_lines,
    last_finished_quarter,
)
from portal.enrolments.models import Enrolment
from providers.models import Provider, StartMoment
from tests.contracts.factories import MunicipalityFactory
from tests.enrolments.factories import held_enrolment, learner
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.providers.factories import LocationFactory, OfferingFactory, StartMomentFactory

URL = "/admin/duo-invoices/"
DECLARATION = "Ik betaal deze cursus met mijn DUO-lening."
Q1 = Quarter(2026, 1)  # 1 January to 31 March 2026: 90 days


def course(
    provider: Provider | None = None,
    *,
    starts_on: datetime.date = datetime.date(2026, 1, 1),
    ends_on: datetime.date = datetime.date(2026, 3, 31),
    hours_total: int = 180,
    price_cents: int = 180_000,
    title: str = "B1-route met DUO",
) -> StartMoment:
    """A DUO-eligible course (its provider's Keurmerk valid) from ``starts_on`` to ``ends_on``."""
    location = LocationFactory(provider=provider) if provider else LocationFactory()
    offering = OfferingFactory(
        provider=location.provider,
        title=title,
        price_cents=price_cents,
        hours_total=hours_total,
        duo_loan_eligible=True,
        for_gezinsmigranten=True,
    )
    return StartMomentFactory(
        offering=offering, location=location, starts_on=starts_on, ends_on=ends_on, seats=20
    )


@contextlib.contextmanager
def on_sale(moment: StartMoment):
    """The course's dates moved ahead while learners buy places (a place is bought before its
    start; these courses may be in the past), then back."""
    dates = (moment.starts_on, moment.ends_on)
    today = timezone.localdate()
    StartMoment.objects.filter(pk=moment.pk).update(
        starts_on=today + datetime.timedelta(days=10), ends_on=today + datetime.timedelta(days=100)
    )
    moment.refresh_from_db()
    try:
        yield moment
    finally:
        StartMoment.objects.filter(pk=moment.pk).update(starts_on=dates[0], ends_on=dates[1])
        moment.refresh_from_db()


def duo_place(moment: StartMoment, user=None, **learner_fields) -> Enrolment:
    """A place bought with the DUO loan as a learner buys it."""
    with on_sale(moment):
        enrolment = held_enrolment(moment, user=user or learner(**learner_fields))
        enrolment = enrolling.duo_loan_choose(enrolment=enrolment, declaration=DECLARATION)
    return Enrolment.objects.select_related("user", "start_moment__offering").get(pk=enrolment.pk)


def lines(quarter: Quarter, provider: Provider) -> list[duo_invoicing.InvoiceLine]:
    staff = provider_staff(provider)
    return duo_invoicing.duo_quarter_overview(
        user=staff, provider_id=provider.pk, quarter=quarter, today=datetime.date(2026, 6, 1)
    ).lines


# Quarters ---------------------------------------------------------------------------------------


def test_quarters_have_their_calendar_days():
    assert (Q1.first_day, Q1.last_day) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert Quarter(2026, 4).last_day == datetime.date(2026, 12, 31)
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Q1.previous() == Quarter(2025, 4)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 4, 1), Quarter(2026, 1)),
        (datetime.date(2026, 3, 31), Quarter(2025, 4)),
        (datetime.date(2026, 1, 1), Quarter(2025, 4)),
    ],
)
def test_the_default_quarter_is_the_last_finished_one(today, expected):
    assert last_finished_quarter(today=today) == expected


@pytest.mark.parametrize(
    "code", ["2026-Q5", "2026-Q0", "2026-Q12", "2026-Q", "26-Q1", "٢٠٢٦-Q1", ""]
)
def test_a_quarter_code_that_is_not_one_is_none(code):
    assert Quarter.from_code(code) is None


def test_the_quarters_to_choose_are_this_one_and_three_years_back():
    quarters = duo_invoicing.quarters_to_choose(today=datetime.date(2026, 5, 10))
    assert quarters[0] == Quarter(2026, 2)
    assert quarters[1] == Quarter(2026, 1)
    assert quarters[-1] == Quarter(2023, 2)
    assert len(quarters) == 13


# Hours and amounts ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_course_inside_one_quarter_is_invoiced_whole_in_it():
    place = duo_place(course())
    provider = place.start_moment.offering.provider
    [line] = lines(Q1, provider)
    assert (line.enrolment, line.hours, line.amount_cents) == (place, Decimal("180.0"), 180_000)
    assert not line.over_maximum
    assert lines(Quarter(2026, 2), provider) == []
    assert lines(Quarter(2025, 4), provider) == []


@pytest.mark.django_db
def test_the_quarters_of_a_course_add_up_to_its_hours_and_price_to_the_cent():
    moment = course(
        starts_on=datetime.date(2025, 11, 17),
        ends_on=datetime.date(2026, 8, 3),
        hours_total=437,
        price_cents=654_321,
    )
    duo_place(moment)
    provider = moment.offering.provider
    quarters = [Quarter(2025, 4), Q1, Quarter(2026, 2), Quarter(2026, 3)]
    found = [lines(quarter, provider) for quarter in quarters]
    assert all(len(found_lines) == 1 for found_lines in found)
    assert sum(line.hours for [line] in found) == Decimal(437)
    assert sum(line.amount_cents for [line] in found) == 654_321
    # 45 of the course's 260 days are in 2025's fourth quarter, 90 in the first of 2026.
    assert [line.amount_cents for [line] in found[:2]] == [
        654_321 * 45 // 260,
        654_321 * 135 // 260 - 654_321 * 45 // 260,
    ]
    assert found[1][0].hours == Decimal("151.3")  # 437 * 135/260 = 226.9 less 437 * 45/260 = 75.6


@pytest.mark.django_db
def test_a_place_given_up_counts_its_lessons_up_to_the_day_before_it_was_cancelled():
    place = duo_place(course())  # 90 days, 180 hours, € 1,800
    cancelled_at = timezone.make_aware(datetime.datetime(2026, 2, 1, 9, 30))  # day 32
    states.enrolment_transition(
        enrolment=place, to_state=Enrolment.State.CANCELLED, cancelled_at=cancelled_at
    )
    [line] = lines(Q1, place.start_moment.offering.provider)
    assert (line.hours, line.amount_cents) == (Decimal("62.0"), 62_000)  # 31 days


@pytest.mark.django_db
def test_a_place_cancelled_before_its_start_is_left_out():
    place = duo_place(course(starts_on=datetime.date(2026, 2, 1)))
    cancelled_at = timezone.make_aware(datetime.datetime(2026, 1, 20, 12))
    states.enrolment_transition(
        enrolment=place, to_state=Enrolment.State.CANCELLED, cancelled_at=cancelled_at
    )
    assert lines(Q1, place.start_moment.offering.provider) == []


@pytest.mark.django_db
def test_only_places_paid_with_the_duo_loan_count():
    moment = course()
    duo = duo_place(moment)
    with on_sale(moment):
        paid = held_enrolment(moment)
        states.enrolment_transition(
            enrolment=paid,
            to_state=Enrolment.State.CONFIRMED,
            payment_method=Enrolment.PaymentMethod.STRIPE,
            confirmed_at=timezone.now(),
        )
        held_enrolment(moment)  # no payment chosen yet
    assert [line.enrolment for line in lines(Q1, moment.offering.provider)] == [duo]


# The warning ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_learner_over_duos_quarterly_maximum_is_warned_on_each_of_their_places():
    """Two places of € 1,200 each in one quarter: € 2,400, € 400 over DUO's € 2,000."""
    first = course(price_cents=120_000, title="Taal")
    provider = first.offering.provider
    second = course(provider, starts_on=datetime.date(2026, 1, 5), price_cents=120_000, title="KNM")
    amal = learner(first_name="Amal", last_name="Haddad")
    places = [duo_place(first, user=amal), duo_place(second, user=amal)]
    found = lines(Q1, provider)
    assert [line.enrolment for line in found] == places  # by name, then start date
    for line in found:
        assert line.learner_total_cents == 240_000
        assert line.over_by_cents == 40_000
        assert line.over_maximum


@pytest.mark.django_db
def test_exactly_duos_quarterly_maximum_is_not_over_it():
    moment = course(price_cents=DUO_MAX_PER_QUARTER_CENTS)
    duo_place(moment)
    [line] = lines(Q1, moment.offering.provider)
    assert line.amount_cents == 200_000
    assert not line.over_maximum and line.over_by_cents == 0
    one_cent_more = course(moment.offering.provider, price_cents=DUO_MAX_PER_QUARTER_CENTS + 1)
    duo_place(one_cent_more)
    assert [line.over_by_cents for line in lines(Q1, moment.offering.provider)] == [0, 1]


@pytest.mark.django_db
def test_learners_are_warned_each_on_their_own_total():
    moment = course(price_cents=150_000)
    provider = moment.offering.provider
    duo_place(moment, first_name="Bram", last_name="B")
    duo_place(moment, first_name="Amal", last_name="A")
    overview = duo_invoicing.duo_quarter_overview(
        user=provider_staff(provider), provider_id=provider.pk, quarter=Q1
    )
    assert [line.learner_name for line in overview.lines] == ["Amal A", "Bram B"]
    assert not any(line.over_maximum for line in overview.lines)
    assert (overview.learners, overview.learners_over, overview.amount_cents) == (2, 0, 300_000)


def test_quarter_lines_sum_the_learner_over_the_places_handed_in():
    """``duo_quarter_lines`` is plain arithmetic on what it is handed (no database)."""
    offering = OfferingFactory.build(hours_total=90, price_cents=250_000)
    moment = StartMoment(offering=offering, starts_on=Q1.first_day, ends_on=Q1.last_day, seats=1)
    user = UserFactory.build(pk=7, first_name="Sara", last_name="Tesfay")
    place = Enrolment(
        pk=1,
        user=user,
        start_moment=moment,
        price_cents=250_000,
        state=Enrolment.State.CONFIRMED,
        reference="RW-A",
    )
    [line] = duo_quarter_lines([place], quarter=Q1)
    assert (line.learner_name, line.over_by_cents) == ("Sara Tesfay", 50_000)


# The screen -------------------------------------------------------------------------------------


def as_user(user) -> Client:
    return login_staff_in_english(Client(), user)


def in_euros(cents: int) -> str:
    from django.utils.translation import override

    from portal.core.money import euros

    with override("en"):
        return euros(cents)


@pytest.fixture
def last_quarter(db) -> dict:
    """The last finished quarter with two learners at one school: Amal with two places that
    come to € 2,400 in it (over DUO's maximum), Bram with one of € 900 starting halfway."""
    quarter = last_finished_quarter(today=timezone.localdate())
    first, last = quarter.first_day, quarter.last_day
    taal = course(starts_on=first, ends_on=last, price_cents=120_000, title="Taal overdag")
    provider = taal.offering.provider
    provider.name = "Taalhuis Kennemerland"
    provider.save()
    knm = course(
        provider,
        starts_on=first + datetime.timedelta(days=1),
        ends_on=last,
        price_cents=120_000,
        title="KNM",
    )
    half = (last - first).days // 2
    halfway = course(
        provider,
        starts_on=first + datetime.timedelta(days=half),
        ends_on=last + datetime.timedelta(days=half),
        price_cents=180_000,
        title="Avondcursus",
    )
    amal = learner(first_name="Amal", last_name="Haddad")
    places = {
        "amal taal": duo_place(taal, user=amal),
        "amal knm": duo_place(knm, user=amal),
        "bram": duo_place(halfway, first_name="Bram", last_name="de Vries"),
    }
    elsewhere = duo_place(course(starts_on=first, ends_on=last, title="Elders"))
    return {
        "quarter": quarter,
        "provider": provider,
        "places": places,
        "elsewhere": elsewhere,
        "staff": provider_staff(provider),
    }


def test_provider_staff_see_their_duo_learners_of_the_last_finished_quarter(last_quarter):
    response = as_user(last_quarter["staff"]).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    places = last_quarter["places"]
    for place in places.values():
        assert f'id="duo-line-{place.reference}"' in html
    assert last_quarter["elsewhere"].reference not in html
    assert f'<option value="{last_quarter["quarter"].code}" selected>' in html
    amal = html[html.index(f'id="duo-line-{places["amal taal"].reference}"') :].split("</tr>")[0]
    assert "Amal Haddad" in amal and "Taal overdag" in amal
    assert in_euros(120_000) in amal
    assert (
        f"Over by {in_euros(40_000)}: this learner's quarter comes to {in_euros(240_000)}" in amal
    )
    bram = html[html.index(f'id="duo-line-{places["bram"].reference}"') :].split("</tr>")[0]
    assert "Over by" not in bram and "Within the maximum" in bram
    totals = html[html.index('id="duo-totals"') :].split("</dl>")[0]
    bram_line = next(
        line
        for line in duo_invoicing.duo_quarter_overview(
            user=last_quarter["staff"],
            provider_id=last_quarter["provider"].pk,
            quarter=last_quarter["quarter"],
        ).lines
        if line.enrolment == places["bram"]
    )
    assert in_euros(240_000 + bram_line.amount_cents) in totals
    assert "<dd>2</dd>" in totals and "<dd>1</dd>" in totals  # learners, learners over
    assert "This quarter is not over yet" not in html
    assert "does not record which lessons a learner attended" in html


def test_the_current_quarter_says_its_figures_are_planned(last_quarter):
    current = Quarter.containing(timezone.localdate())
    response = as_user(last_quarter["staff"]).get(URL, {"quarter": current.code})
    html = response.content.decode()
    assert f'<option value="{current.code}" selected>' in html
    assert 'id="duo-quarter-not-over"' in html
    assert last_quarter["places"]["bram"].reference in html  # its course runs on into it


def test_a_quarter_without_duo_learners_says_so(last_quarter):
    earlier = last_quarter["quarter"].previous()
    html = as_user(last_quarter["staff"]).get(URL, {"quarter": earlier.code}).content.decode()
    assert 'id="duo-lines-none"' in html
    assert 'id="duo-lines"' not in html


@pytest.mark.parametrize("code", ["2019-Q1", "morgen", "2026-Q9"])
def test_a_quarter_not_on_the_list_is_explained_and_the_default_shown(last_quarter, code):
    response = as_user(last_quarter["staff"]).get(URL, {"quarter": code})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "Choose a quarter from the list." in html
    assert last_quarter["places"]["bram"].reference in html  # the last finished quarter


def test_the_page_is_paginated_with_the_totals_of_all_pages(last_quarter, monkeypatch):
    from portal import duo_admin_views

    monkeypatch.setattr(duo_admin_views, "PAGE_SIZE", 2)
    client = as_user(last_quarter["staff"])
    first = client.get(URL).content.decode()
    second = client.get(URL, {"p": 2}).content.decode()
    bram = last_quarter["places"]["bram"].reference
    assert bram not in first and bram in second
    for html in (first, second):
        totals = html[html.index('id="duo-totals"') :].split("</dl>")[0]
        assert "<dd>2</dd>" in totals  # both learners, on either page


def test_the_page_makes_as_many_queries_with_many_learners_as_with_one(last_quarter):
    staff = last_quarter["staff"]
    quarter = last_quarter["quarter"]
    single = course(starts_on=quarter.first_day, ends_on=quarter.last_day)
    duo_place(single)
    lonely = provider_staff(single.offering.provider)
    one = as_user(lonely)
    one.get(URL)  # warms what is read once per process
    with CaptureQueriesContext(connection) as with_one:
        assert one.get(URL).status_code == 200
    many = as_user(staff)
    many.get(URL)
    with CaptureQueriesContext(connection) as with_three:
        response = many.get(URL)
    assert response.content.decode().count('id="duo-line-') == 3
    assert len(with_three) == len(with_one)


def test_a_provider_staff_member_of_two_providers_chooses_one(last_quarter):
    staff = last_quarter["staff"]
    other = last_quarter["elsewhere"].start_moment.offering.provider
    from providers.models import ProviderMembership

    ProviderMembership.objects.create(user=staff, provider=other)
    client = as_user(staff)
    html = client.get(URL).content.decode()
    assert 'id="duo-provider"' in html
    first_provider = sorted([last_quarter["provider"], other], key=lambda p: (p.name, p.pk))[0]
    shown = client.get(URL, {"provider": other.pk}).content.decode()
    assert last_quarter["elsewhere"].reference in shown
    assert last_quarter["places"]["bram"].reference not in shown
    assert f'<option value="{first_provider.pk}" selected>' in html


# Who may ---------------------------------------------------------------------------------------


def test_another_providers_staff_never_see_these_learners(last_quarter):
    other = last_quarter["elsewhere"].start_moment.offering.provider
    client = as_user(provider_staff(other))
    html = client.get(URL).content.decode()
    for place in last_quarter["places"].values():
        assert place.reference not in html
    assert last_quarter["elsewhere"].reference in html
    # Asking for the first school by its id is a 404 that tells nothing, on the page and the file.
    provider = last_quarter["provider"].pk
    assert client.get(URL, {"provider": provider}).status_code == 404
    assert client.get(f"{URL}export.csv", {"provider": provider}).status_code == 404
    assert client.get(URL, {"provider": "x"}).status_code == 404


def test_provider_staff_cannot_post_to_the_screen(last_quarter):
    client = as_user(last_quarter["staff"])
    assert client.post(URL).status_code == 405
    assert client.post(f"{URL}export.csv").status_code == 405


@pytest.mark.parametrize("role", ["contract manager", "klantmanager", "superuser", "auditor"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_everybody_but_provider_staff_is_refused(last_quarter, role, method):
    user = {
        "contract manager": lambda: UserFactory(role=Role.CONTRACT_MANAGER),
        "klantmanager": lambda: UserFactory(
            role=Role.CASE_MANAGER, municipality=MunicipalityFactory()
        ),
        "superuser": lambda: UserFactory(
            is_superuser=True, is_staff=True, role=Role.CONTRACT_MANAGER
        ),
        "auditor": lambda: UserFactory(role=Role.AUDITOR),
    }[role]()
    client = as_user(user)
    for url in (URL, f"{URL}export.csv", f"{URL}export.xlsx"):
        response = getattr(client, method)(url, follow=True)
        # Wagtail answers "permission denied" by sending the user to the admin's start page.
        assert response.redirect_chain == [("/admin/", 302)], url
        assert last_quarter["places"]["bram"].reference not in response.content.decode()
    assert URL not in client.get("/admin/").content.decode()  # no menu item


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_learner_and_a_visitor_are_sent_to_log_in(last_quarter, method):
    learner_client = Client()
    learner_client.force_login(last_quarter["places"]["bram"].user)
    for client in (learner_client, Client()):
        response = getattr(client, method)(URL)
        assert response.status_code == 302
        assert "/admin/" not in response["Location"] or "login" in response["Location"]


def test_provider_staff_have_the_menu_item(last_quarter):
    html = as_user(last_quarter["staff"]).get("/admin/").content.decode()
    assert URL in html


# The download -----------------------------------------------------------------------------------


def test_the_xlsx_download_has_numbers_as_numbers_and_dates_as_dates(last_quarter):
    response = as_user(last_quarter["staff"]).get(f"{URL}export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Learner", "E-mail address")
    by_reference = {row[2]: row for row in rows[1:]}
    places = last_quarter["places"]
    assert set(by_reference) == {place.reference for place in places.values()}
    amal = by_reference[places["amal taal"].reference]
    assert amal[0] == "Amal Haddad"
    assert amal[3] == "Taal overdag"
    assert amal[4] == datetime.datetime.combine(
        places["amal taal"].start_moment.starts_on, datetime.time()
    )
    assert amal[8:] == (1200, 2400, 400)
    assert by_reference[places["bram"].reference][10] == 0


def test_the_csv_download_opens_with_a_byte_order_mark_and_the_same_rows(last_quarter):
    response = as_user(last_quarter["staff"]).get(f"{URL}export.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), dialect))
    assert rows[0][0] == "Learner"
    assert sorted(row[2] for row in rows[1:]) == sorted(
        place.reference for place in last_quarter["places"].values()
    )
