"""An enrolment keeps the cancellation terms the learner agreed to, in the learner's language
when the provider wrote them in it, else in Dutch, and says which (``enrolling``)."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from providers.models import ProviderTranslation
from tests.enrolments.factories import held_enrolment, learner, start_moment_for_sale

pytestmark = pytest.mark.django_db

DUTCH = "Annuleren kan tot twee weken voor de start."
ARABIC = "يمكنك الإلغاء حتى أسبوعين قبل البداية."


@pytest.fixture
def moment():
    moment = start_moment_for_sale(seats=1)
    provider = moment.offering.provider
    provider.cancellation_terms = DUTCH
    provider.save()
    ProviderTranslation.objects.create(provider=provider, language="ar", cancellation_terms=ARABIC)
    return moment


def _terms(enrolment: Enrolment) -> tuple[str, str]:
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    return enrolment.cancellation_terms, enrolment.cancellation_terms_language


def test_enrolling_in_arabic_copies_the_arabic_terms(moment):
    with translation.override("ar"):
        enrolment = held_enrolment(moment)
    assert _terms(enrolment) == (ARABIC, "ar")


def test_enrolling_in_a_language_without_terms_copies_the_dutch_ones_as_dutch(moment):
    with translation.override("tr"):
        enrolment = held_enrolment(moment)
    assert _terms(enrolment) == (DUTCH, "nl")


def test_the_copy_stays_what_was_agreed_when_the_provider_changes_its_terms(moment):
    with translation.override("ar"):
        enrolment = held_enrolment(moment)
    ProviderTranslation.objects.filter(provider=moment.offering.provider).update(
        cancellation_terms="شروط جديدة"
    )
    assert _terms(enrolment) == (ARABIC, "ar")


def test_a_seat_from_the_waiting_list_comes_with_the_terms_in_the_learners_language(
    moment, django_capture_on_commit_callbacks
):
    holder = held_enrolment(moment)
    waiting = learner(language="ar")
    enrolling.waiting_list_join(user=waiting, start_moment=moment)
    holder.seat_claim.expires_at = holder.hold_expires_at = timezone.now()
    holder.seat_claim.save()
    holder.save()
    # The clock job runs in Dutch: the offer is still in the learner's own language.
    with translation.override("nl"), django_capture_on_commit_callbacks(execute=True):
        enrolling.holds_expire()
    offered = Enrolment.objects.get(user=waiting, start_moment=moment)
    assert offered.language == "ar"
    assert _terms(offered) == (ARABIC, "ar")
