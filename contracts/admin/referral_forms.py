"""Forms of the referrals admin: refer, and the small forms of each action on a referral.

The forms only parse input; what is allowed is decided by ``contracts.referrals`` and
``contracts.progress``, whose refusals the views put on the field they name.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from contracts.models import ExamResult, Lot, MonthlyAttendance, ProgressReport, ReferralState
from contracts.referrals import KEURMERK_OVERRIDE_REASON_MAX_LENGTH
from providers.models import StartMoment

State = ReferralState


class LotChoiceField(forms.ModelChoiceField):
    def __init__(
        self,
        *args,
        full_lots: frozenset[int] = frozenset(),
        keurmerk_lots: frozenset[int] = frozenset(),
        **kwargs,
    ) -> None:
        self.full_lots = full_lots
        self.keurmerk_lots = keurmerk_lots
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Lot) -> str:
        label = f"{obj.contract.provider.name}: {obj.component_display}"
        if obj.name:
            label += f" — {obj.name}"
        if obj.pk in self.full_lots:
            full = _("full for this period")
            label += f" ({full})"
        if obj.pk in self.keurmerk_lots:
            no_mark = _("quality mark not valid")
            label += f" ({no_mark})"
        return label


class StartMomentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StartMoment) -> str:
        return f"{date_format(obj.starts_on, 'DATE_FORMAT')}: {obj.offering.title}"


class ReferForm(forms.Form):
    lot = LotChoiceField(queryset=Lot.objects.none(), label=_("Lot"), empty_label=None)
    start_moment = StartMomentChoiceField(
        queryset=StartMoment.objects.none(),
        label=_("Start date"),
        required=False,
        empty_label=_("No start date yet"),
        help_text=_("A start date of a course that delivers the chosen lot, with free seats."),
    )
    note = forms.CharField(
        label=_("Note for the provider"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("No personal details beyond what the provider needs."),
    )

    def __init__(
        self, *args, lots, start_moments, full_lots=frozenset(), keurmerk_lots=frozenset(), **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = lots
        self.fields["lot"].full_lots = frozenset(full_lots)
        self.fields["lot"].keurmerk_lots = frozenset(keurmerk_lots)
        self.fields["start_moment"].queryset = start_moments


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
