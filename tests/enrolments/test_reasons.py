"""An enrolment's history in the admin gives the portal's own reasons in the reader's language
(issue 20: "reasons in the admin's language"), a detail in brackets as stored, and a reason a
person typed as they wrote it."""

from __future__ import annotations

import pytest
from django.utils import translation

from portal.enrolments.models import EnrolmentTransition


@pytest.mark.parametrize(
    ("stored", "dutch", "english"),
    [
        ("enrolled", "Ingeschreven", "Enrolled"),
        ("paid online (cs_test_123)", "Online betaald (cs_test_123)", "Paid online (cs_test_123)"),
        ("Checkout Session expired unpaid", "De betaalpagina verliep onbetaald", None),
        ("a note typed by a person", "a note typed by a person", "a note typed by a person"),
        ("paid online (unclosed", "paid online (unclosed", "paid online (unclosed"),
    ],
)
def test_a_reason_reads_in_the_admins_language(stored, dutch, english):
    change = EnrolmentTransition(reason=stored)
    with translation.override("nl"):
        assert change.get_reason_display() == dutch
    if english:
        with translation.override("en"):
            assert change.get_reason_display() == english
