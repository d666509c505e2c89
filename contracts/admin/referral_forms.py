"""Forms of the referrals admin: find a learner, refer, and the small forms of each action.

The forms only parse input; what is allowed is decided by ``contracts.referrals`` and
``contracts.progress``, whose refusals the views put on the field they name.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import ExamResult, MonthlyAttendance, ProgressReport, ReferralState
from contracts.referrals import KEURMERK_OVERRIDE_REASON_MAX_LENGTH, LotChoice

State = ReferralState


class LearnerSearchForm(forms.Form):
    """Step 1 of referring (GET): which learners to list."""

    q = forms.CharField(label=_("Name or client number"), required=False, max_length=100)
    whose = forms.ChoiceField(
        label=_("Learners"),
        required=False,
        choices=[("mine", _("My caseload")), ("all", _("Everyone in my municipality"))],
    )
    in_progress = forms.BooleanField(
        label=_("Also learners with a referral in progress"), required=False
    )


class ReferForm(forms.Form):
    """The refer form's POST: the lot chosen in the step before (a hidden field), one of that
    lot's start dates or none yet, and a note. The choices are the learner's
    ``referrals.LotChoice`` list, so a lot or start date from anywhere else (a tampered form) is
    an error on its field, found without a query. ``cleaned_data`` holds the ``Lot`` and the
    ``StartMoment`` (or None)."""

    lot = forms.TypedChoiceField(
        label=_("Lot"),
        coerce=int,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose a lot first."),
            "invalid_choice": _("Choose one of the lots listed."),
        },
    )
    start_moment = forms.TypedChoiceField(
        label=_("Start date"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose one of the start dates listed.")},
    )
    note = forms.CharField(
        label=_("Note for the provider"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("No personal details beyond what the provider needs."),
    )

    def __init__(self, *args, choices: Sequence[LotChoice], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.choices_by_lot = {choice.lot.pk: choice for choice in choices}
        self.fields["lot"].choices = [(pk, pk) for pk in self.choices_by_lot]
        moments = {moment.pk for choice in choices for moment in choice.start_dates}
        self.fields["start_moment"].choices = [("", ""), *((pk, pk) for pk in sorted(moments))]

    def clean(self) -> dict:
        cleaned = super().clean()
        choice = self.choices_by_lot.get(cleaned.get("lot"))
        if choice is None:
            return cleaned
        cleaned["lot"] = choice.lot
        moment_id = cleaned.get("start_moment")
        if moment_id is not None:
            moment = next((m for m in choice.start_dates if m.pk == moment_id), None)
            if moment is None:
                self.add_error(
                    "start_moment",
                    _("This start date is not of the chosen lot. Choose one of its start dates."),
                )
            else:
                cleaned["start_moment"] = moment
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class OverrideForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Reason for referring over capacity"), max_length=300, required=True
    )


class KeurmerkOverrideForm(forms.Form):
    """A contract manager sends a referral although the provider's quality mark is not valid;
    when the lot is also full (``lot_full``), over capacity too, with that reason as well."""

    keurmerk_override_reason = forms.CharField(
        label=_("Reason for referring without a valid quality mark"),
        max_length=KEURMERK_OVERRIDE_REASON_MAX_LENGTH,
        required=True,
    )
    override_reason = OverrideForm.base_fields["override_reason"]

    def __init__(self, *args, lot_full: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not lot_full:
            del self.fields["override_reason"]


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})


class StartForm(forms.Form):
    started_on = DateField(label=_("Started on"), initial=timezone.localdate)


class EndForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(State.COMPLETED, _("Completed")), (State.STOPPED, _("Stopped early"))],
    )
    ended_on = DateField(label=_("Ended on"), initial=timezone.localdate)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        help_text=_("Required when the placement stopped early."),
    )


class MonthField(forms.DateField):
    """A month (``<input type="month">``: 2026-03) or any of its days."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        result = super().to_python(value)
        return result.replace(day=1) if isinstance(result, datetime.date) else result


class AttendanceForm(forms.Form):
    month = MonthField(label=_("Month"))
    hours_offered = forms.DecimalField(label=_("Hours offered"), max_digits=5, decimal_places=1)
    hours_attended = forms.DecimalField(label=_("Hours attended"), max_digits=5, decimal_places=1)
    absence_reason = forms.ChoiceField(
        label=_("Main reason for absence"),
        choices=MonthlyAttendance.AbsenceReason.choices,
        initial=MonthlyAttendance.AbsenceReason.NONE,
    )


class ProgressForm(forms.Form):
    summary = forms.CharField(
        label=_("Progress"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    level_reached = forms.CharField(label=_("Level reached"), max_length=2, required=False)
    afschalen = forms.ChoiceField(
        label=_("Afschalen"),
        choices=ProgressReport.Afschalen.choices,
        initial=ProgressReport.Afschalen.NOT_ASSESSED,
        required=False,
    )

    def clean_afschalen(self) -> str:
        return self.cleaned_data.get("afschalen") or ProgressReport.Afschalen.NOT_ASSESSED


class ExamForm(forms.Form):
    exam = forms.ChoiceField(label=_("Exam"), choices=ExamResult.Exam.choices)
    level = forms.CharField(label=_("Level"), max_length=2, required=False)
    passed = forms.BooleanField(label=_("Passed"), required=False)
    taken_on = DateField(label=_("Taken on"))
