"""The law's rules where they bite: the brugklas is not sold to self-payers, and a DUO loan needs
the provider's Keurmerk Inburgeren valid on the day it is chosen (issue 15)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.test.utils.form_data import querydict_from_html
from wagtail.users.models import UserProfile

from portal.enrolments import rules
from portal.enrolments.models import Enrolment
from providers.models import Offering, Provider, StartMoment
from tests.enrolments.factories import held_enrolment, learner, start_moment_for_sale
from tests.portal.helpers import login_staff
from tests.providers.factories import OfferingFactory

pytestmark = pytest.mark.django_db

BRUGKLAS_REFUSAL = "is only for statushouders: it cannot be bought by self-paying learners"
LAPSED_MARK_REFUSAL = "DUO only pays schools with a valid Keurmerk Inburgeren"


def url(name: str, **kwargs) -> str:
    """The English URL, so the pages' texts can be asserted before translation."""
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def person():
    return learner()


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


def _seats_taken(moment: StartMoment) -> int:
    return StartMoment.objects.get(pk=moment.pk).seats_taken


# --- The brugklas is for statushouders only --------------------------------------------------


def _brugklas_for_sale() -> StartMoment:
    """A brugklas start date as an older row may still have it: priced, marked for
    gezinsmigranten (saved without the offering's validation, as before this rule)."""
    return start_moment_for_sale(component="BRUGKLAS")


def test_a_learner_posting_to_a_brugklas_start_date_is_refused_and_takes_no_seat(signed_in):
    moment = _brugklas_for_sale()
    response = signed_in.post(url("enrolment_start", start_moment_id=moment.pk))
    assert response.status_code == 409
    assert BRUGKLAS_REFUSAL in response.content.decode()
    assert not Enrolment.objects.exists()
    assert _seats_taken(moment) == 0

    # The refusal is the component's, not the rest of the course's: as a route it is sold.
    route = start_moment_for_sale(component="B1_ROUTE")
    response = signed_in.post(url("enrolment_start", start_moment_id=route.pk))
    assert response.status_code == 302
    assert Enrolment.objects.get().start_moment == route
    assert _seats_taken(route) == 1


def test_a_brugklas_waiting_list_is_refused_too(signed_in):
    moment = _brugklas_for_sale()
    response = signed_in.post(url("waiting_list_join", start_moment_id=moment.pk))
    assert response.status_code == 409
    assert BRUGKLAS_REFUSAL in response.content.decode()


def test_the_brugklas_page_offers_no_enrol_button(client, site_pages):
    moment = _brugklas_for_sale()
    page = client.get(f"/en/aanbod/cursus/{moment.offering_id}/").content.decode()
    assert BRUGKLAS_REFUSAL in page
    assert url("enrolment_start", start_moment_id=moment.pk) not in page


def test_a_brugklas_cannot_be_marked_for_gezinsmigranten():
    offering = OfferingFactory.build(
        provider=Provider.objects.create(name="P", slug="p", kind="LANGUAGE"),
        component="BRUGKLAS",
        for_statushouders=True,
        for_gezinsmigranten=True,
    )
    with translation.override("en"), pytest.raises(ValidationError) as error:
        offering.clean()
    assert "only for statushouders" in error.value.message_dict["for_gezinsmigranten"][0]
    offering.for_gezinsmigranten = False
    offering.clean()


def test_the_admin_form_refuses_a_brugklas_for_gezinsmigranten(client):
    admin = get_user_model().objects.create_superuser(
        username="admin", email="admin@example.org", password="x"
    )
    profile = UserProfile.get_for_user(admin)
    profile.preferred_language = "en"
    profile.save()
    client = login_staff(client, admin)
    offering = OfferingFactory(component="BRUGKLAS", for_gezinsmigranten=False)
    offering.save_revision().publish()
    edit = f"/admin/snippets/providers/offering/edit/{offering.pk}/"
    data = querydict_from_html(client.get(edit).content.decode(), form_id="w-editor-form")
    data["for_statushouders"] = "on"
    data["for_gezinsmigranten"] = "on"
    response = client.post(edit, data)
    assert response.status_code == 200
    assert "cannot be offered to gezinsmigranten" in response.content.decode()
    assert Offering.objects.get(pk=offering.pk).for_gezinsmigranten is False
    assert offering.revisions.count() == 1


# --- A DUO loan needs a valid Keurmerk --------------------------------------------------------


def _duo_enrolment(person, *, mark_valid_until: datetime.date | None, status: str = "CERTIFIED"):
    enrolment = held_enrolment(start_moment_for_sale(duo_loan_eligible=True), user=person)
    Provider.objects.filter(pk=enrolment.start_moment.offering.provider_id).update(
        keurmerk_status=status, keurmerk_valid_until=mark_valid_until
    )
    return Enrolment.objects.get(pk=enrolment.pk)


def test_duo_loan_is_possible_through_the_expiry_day_and_not_after(person):
    """``keurmerk.is_valid``: the mark counts up to and including its ``valid_until`` day."""
    expiry = datetime.date(2026, 3, 31)
    enrolment = _duo_enrolment(person, mark_valid_until=expiry)
    assert rules.duo_loan_possible(enrolment, on=expiry - datetime.timedelta(days=1))
    assert rules.duo_loan_possible(enrolment, on=expiry)
    assert not rules.duo_loan_possible(enrolment, on=expiry + datetime.timedelta(days=1))
    with translation.override("en"):
        refusal = rules.duo_loan_refusal(enrolment, on=expiry + datetime.timedelta(days=1))
    assert LAPSED_MARK_REFUSAL in refusal


def _duo_choice_on_the_day(client, person, expires_in_days: int, possible: bool) -> None:
    expiry = timezone.localdate() + datetime.timedelta(days=expires_in_days)
    enrolment = _duo_enrolment(person, mark_valid_until=expiry)
    detail = url("enrolment_detail", reference=enrolment.reference)
    assert ("Pay with your DUO loan" in client.get(detail).content.decode()) is possible

    response = client.post(
        url("enrolment_duo", reference=enrolment.reference), {"declaration": "on"}, follow=True
    )
    enrolment.refresh_from_db()
    if possible:
        assert enrolment.state == Enrolment.State.CONFIRMED
        assert enrolment.payment_method == Enrolment.PaymentMethod.DUO_LOAN
    else:
        assert LAPSED_MARK_REFUSAL in response.content.decode()
        assert enrolment.state == Enrolment.State.HELD
        assert enrolment.payment_method == ""
        assert enrolment.seat_claim.expires_at is not None  # still a hold, not a kept seat


def test_the_duo_choice_follows_the_quality_mark_on_the_day(signed_in, person):
    """Through the pages: offered and confirmed the day before the mark's expiry and on it,
    neither offered nor accepted the day after."""
    _duo_choice_on_the_day(signed_in, person, expires_in_days=1, possible=True)
    _duo_choice_on_the_day(signed_in, person, expires_in_days=0, possible=True)
    _duo_choice_on_the_day(signed_in, person, expires_in_days=-1, possible=False)


def test_no_duo_loan_at_a_provider_without_a_mark(signed_in, person):
    enrolment = _duo_enrolment(person, mark_valid_until=None, status="NONE")
    detail = url("enrolment_detail", reference=enrolment.reference)
    assert "Pay with your DUO loan" not in signed_in.get(detail).content.decode()
    response = signed_in.post(
        url("enrolment_duo", reference=enrolment.reference), {"declaration": "on"}, follow=True
    )
    assert LAPSED_MARK_REFUSAL in response.content.decode()
    assert Enrolment.objects.get(pk=enrolment.pk).state == Enrolment.State.HELD
