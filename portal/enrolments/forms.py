"""The learner's forms on their enrolment pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

DUO_DECLARATION = _(
    "I declare that I pay this course with my DUO loan for civic integration (lening "
    "inburgering) and that I may be asked to show the loan decision."
)


class DuoLoanForm(forms.Form):
    """Paying with the DUO loan takes an explicit declaration; its words are stored with the
    enrolment, in the language the learner read them in."""

    declaration = forms.BooleanField(
        label=DUO_DECLARATION,
        required=True,
        error_messages={
            "required": _("Tick the box to declare that you pay with your DUO loan."),
        },
    )

    def declaration_text(self) -> str:
        return str(DUO_DECLARATION)
