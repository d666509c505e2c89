"""What every report shares: the filter (``ReportFilter``, read from the page's GET parameters
by ``ReportFilterForm``), who may see the figures (``dashboard_viewer``), the parts of queries
that apply a filter, the lots and providers reports name, and ``frame_rows``, which turns a frame
into plain dicts for templates and exports."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts import contracting, summaries
from contracts.models import Lot, Referral, ReferralMonth, ReferralState
from portal import permissions
from portal.core.inputs import IdField
from providers.choices import Component, EducationLevel
from providers.models import Provider

if TYPE_CHECKING:
    from portal.accounts.models import User

_MIN_YEAR, _MAX_YEAR = 1900, 2100
State = ReferralState


# --- The filter ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilter:
    """What the figures are narrowed to; every part optional.

    ``date_from``/``date_until`` are inclusive days. ``locked_municipality_id`` restricts the
    figures to one municipality whatever ``municipality_id`` says (a klantmanager's own; ``0``
    for a klantmanager without one, which matches nothing). ``errors`` lists what
    ``from_query`` could not use, as ``(parameter, message)`` pairs: a bad value is left out and
    the page says so beside the field, rather than failing.
    """

    date_from: datetime.date | None = None
    date_until: datetime.date | None = None
    municipality_id: int | None = None
    component: str | None = None
    provider_id: int | None = None
    locked_municipality_id: int | None = None
    errors: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    PARAMETERS = ("from", "until", "municipality", "component", "provider")

    def __post_init__(self) -> None:
        if self.date_from and self.date_until and self.date_from > self.date_until:
            raise ValueError("date_from must not be after date_until")
        if self.component is not None and self.component not in Component.values:
            raise ValueError(f"Unknown component: {self.component!r}")

    @property
    def municipality(self) -> int | None:
        """The municipality the figures are narrowed to: the locked one, else the chosen one."""
        if self.locked_municipality_id is not None:
            return self.locked_municipality_id
        return self.municipality_id

    @property
    def error_messages(self) -> dict[str, str]:
        return dict(self.errors)

    def restricted_to(self, municipality_id: int | None) -> ReportFilter:
        """This filter locked to one municipality (``None`` or ``0``: to none at all)."""
        locked = municipality_id or 0
        chosen = self.municipality_id if self.municipality_id == locked else None
        return replace(self, municipality_id=chosen, locked_municipality_id=locked)

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, user: User | None = None) -> ReportFilter:
        """Read ``from``, ``until`` (YYYY-MM-DD), ``municipality``, ``provider`` (ids) and
        ``component`` (a ``Component`` code) from GET parameters, through ``ReportFilterForm``.

        Bad values are left out, each with a message in ``errors`` (the form's field errors); a
        period whose end is before its start loses its end. A klantmanager (``user``) is locked
        to their own municipality; asking for another one is left out with a message.
        """
        form = ReportFilterForm(query, user=user)
        errors = tuple(
            (name, str(message)) for name, messages in form.errors.items() for message in messages
        )
        values = form.cleaned_data
        report_filter = cls(
            date_from=values.get("from"),
            date_until=values.get("until"),
            municipality_id=values.get("municipality"),
            component=values.get("component") or None,
            provider_id=values.get("provider"),
        )
        if form.locked_municipality_id is not None:
            report_filter = report_filter.restricted_to(form.locked_municipality_id)
        return replace(report_filter, errors=errors)

    def to_query(self) -> str:
        """The filter as GET parameters (without ``?``), for links that keep it; the locked
        municipality is left out (it comes from the user)."""
        pairs = [
            ("from", self.date_from.isoformat() if self.date_from else None),
            ("until", self.date_until.isoformat() if self.date_until else None),
            ("municipality", self.municipality_id),
            ("component", self.component),
            ("provider", self.provider_id),
        ]
        return urlencode([(name, value) for name, value in pairs if value is not None])


class _DayField(forms.Field):
    """A day as ``date.fromisoformat`` reads it (YYYY-MM-DD), in a year the figures can have."""

    default_error_messages = {
        "invalid": gettext_lazy("Enter a date as YYYY-MM-DD, e.g. 2026-01-31."),
        "out_of_range": gettext_lazy("Enter a date between %(first)s and %(last)s."),
    }

    def to_python(self, value: str | None) -> datetime.date | None:
        if value in self.empty_values:
            return None
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not _MIN_YEAR <= day.year <= _MAX_YEAR:
            raise ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"first": _MIN_YEAR, "last": _MAX_YEAR},
            )
        return day


def _id_field(label: str | Promise, message: str | Promise) -> IdField:
    """A row id (ASCII digits, 1 to 2**63 - 1: ``IdField``) with one message for any bad value."""
    messages = {"invalid": message, "min_value": message, "max_value": message}
    return IdField(label=label, required=False, error_messages=messages)


class ReportFilterForm(forms.BaseForm):
    """The filter's GET parameters (``ReportFilter.PARAMETERS``) as a form: each field checks
    its parameter and keeps the message for a bad value on that field; ``from_query`` makes the
    ``ReportFilter`` of its ``cleaned_data`` and ``errors``.

    A ``BaseForm`` with its fields written out, not a declarative ``forms.Form``: the first
    parameter is ``from``, which Python does not take as an attribute name. Surrounding spaces
    are dropped and a blank parameter counts as absent. For a klantmanager (``user``)
    ``locked_municipality_id`` is their own municipality (``0`` without one), and asking for
    another is an error on ``municipality``.
    """

    base_fields = {
        "from": _DayField(label=gettext_lazy("From"), required=False),
        "until": _DayField(label=gettext_lazy("Until"), required=False),
        "municipality": _id_field(
            gettext_lazy("Municipality"), gettext_lazy("Choose a municipality from the list.")
        ),
        "component": forms.ChoiceField(
            label=gettext_lazy("Component"),
            required=False,
            choices=[("", gettext_lazy("All components")), *Component.choices],
            error_messages={"invalid_choice": gettext_lazy("Choose a component from the list.")},
        ),
        "provider": _id_field(
            gettext_lazy("Provider"), gettext_lazy("Choose a provider from the list.")
        ),
    }

    def __init__(self, query: Mapping[str, str], *, user: User | None = None) -> None:
        data = {name: (query.get(name) or "").strip() for name in self.base_fields}
        super().__init__(data, auto_id="filter-%s")
        self.locked_municipality_id: int | None = None
        if user is not None and permissions.sees_own_municipality_only(user):
            self.locked_municipality_id = user.municipality_id or 0

    def clean_until(self) -> datetime.date | None:
        start, end = self.cleaned_data.get("from"), self.cleaned_data["until"]
        if start is not None and end is not None and start > end:
            raise ValidationError(
                gettext_lazy("The end of the period is before its start; it was left out."),
                code="before_start",
            )
        return end

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        asked = cleaned.get("municipality")
        locked = self.locked_municipality_id
        if locked is not None and asked is not None and asked != locked:
            self.add_error(
                "municipality",
                ValidationError(
                    gettext_lazy("You see the figures of your own municipality only."),
                    code="own_municipality_only",
                ),
            )
        return cleaned


# Who may see the figures: the permission engine's named predicate (klantmanagers see their own
# municipality only, because ``ReportFilter.from_query(..., user=user)`` locks the filter to it).
dashboard_viewer = permissions.dashboard_viewer


# --- Shared pieces ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Paths:
    """Where municipality, component and provider are found from a report's model."""

    municipality: str
    component: str
    provider: str


_REFERRAL = _Paths("learner__municipality_id", "lot__component", "lot__contract__provider_id")
_LOT = _Paths("contract__municipalities", "component", "contract__provider_id")
_START_MOMENT = _Paths("location__municipality_id", "offering__component", "offering__provider_id")
_SUMMARY = _Paths("municipality_id", "lot__component", "lot__contract__provider_id")

# Lot fields (from ``Lot``) → DataFrame column.
_LOT_COLUMNS = {
    "contract_id": "contract_id",
    "contract__reference": "contract_reference",
    "contract__ends_on": "contract_ends_on",
    "contract__provider_id": "provider_id",
    "contract__provider__name": "provider_name",
    "id": "lot_id",
    "name": "lot_name",
    "component": "component",
    "education_level": "education_level",
}


def _dimension_q(report_filter: ReportFilter, paths: _Paths, prefix: str = "") -> Q:
    condition = Q()
    if report_filter.municipality is not None:
        condition &= Q(**{prefix + paths.municipality: report_filter.municipality})
    if report_filter.component is not None:
        condition &= Q(**{prefix + paths.component: report_filter.component})
    if report_filter.provider_id is not None:
        condition &= Q(**{prefix + paths.provider: report_filter.provider_id})
    return condition


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _moment_q(name: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    """``name`` (a datetime) falls on a day from ``start`` to ``end`` in the portal's time zone;
    compared with the day boundaries, so an index on the column can be used."""
    condition = Q()
    if start is not None:
        condition &= Q(**{f"{name}__gte": _day_start(start)})
    if end is not None:
        condition &= Q(**{f"{name}__lt": _day_start(end + datetime.timedelta(days=1))})
    return condition


def _day_q(name: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    condition = Q()
    if start is not None:
        condition &= Q(**{f"{name}__gte": start})
    if end is not None:
        condition &= Q(**{f"{name}__lte": end})
    return condition


def _year_bounds(
    report_filter: ReportFilter, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The filter's period; a missing start is 1 January of the end's year (or this year), a
    missing end 31 December of this year (or of the start's year, if later)."""
    end = report_filter.date_until
    start = report_filter.date_from or datetime.date((end or today).year, 1, 1)
    if end is None:
        end = datetime.date(max(today.year, start.year), 12, 31)
    return start, end


def uses_summaries(start: datetime.date | None, end: datetime.date | None) -> bool:
    """Can a period from ``start`` to ``end`` (either open) be added up from the monthly
    summaries of ``contracts.summaries``? Only when it is made of whole months; other periods
    are grouped from the referrals themselves, to the day."""
    return (start is None or start.day == 1) and (end is None or end == _month_end(end))


def _referral_months(
    report_filter: ReportFilter, start: datetime.date | None, end: datetime.date | None
) -> QuerySet[ReferralMonth]:
    return ReferralMonth.objects.filter(
        _dimension_q(report_filter, _SUMMARY), _day_q("month", start, end)
    )


def _referral_counts_per_lot(report_filter: ReportFilter, counts: Sequence[str]) -> pd.DataFrame:
    """Per lot (``lot_id``), the ``counts`` (columns of ``summaries.referral_counts``) of the
    referrals sent in the filter's period: from the summaries when it is made of whole months,
    else from the referrals."""
    period = (report_filter.date_from, report_filter.date_until)
    if uses_summaries(*period):
        rows = _referral_months(report_filter, *period).values("lot_id")
        rows = rows.annotate(**{name: Sum(name) for name in counts})
    else:
        aggregates = summaries.referral_counts()
        rows = Referral.objects.filter(_sent_referrals(report_filter)).values("lot_id")
        rows = rows.annotate(**{name: aggregates[name] for name in counts})
    return _int_columns(pd.DataFrame(list(rows.order_by())), counts)


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _lot_label(name: str, component: str, education_level: str) -> str:
    if name:
        return name
    label = str(Component(component).label) if component in Component.values else component
    if education_level in EducationLevel.values:
        return f"{label} ({EducationLevel(education_level).label})"
    return label


def _lots(queryset: QuerySet[Lot] | None = None, *extra: str) -> pd.DataFrame:
    """Lots with their contract, provider and ``lot_label`` (the lot's name, or its component),
    one row per lot; ``extra`` lot fields are added under their own names.

    One small query (a few thousand lots nationally). The reports let the database group on lot
    ids and join these details in pandas: grouping a million rows on names and references makes
    PostgreSQL sort them on disk.
    """
    queryset = Lot.objects.all() if queryset is None else queryset
    rows = queryset.values(*_LOT_COLUMNS, *extra).order_by()
    frame = pd.DataFrame(list(rows), columns=[*_LOT_COLUMNS, *extra]).rename(columns=_LOT_COLUMNS)
    frame["lot_label"] = [
        _lot_label(name or "", component, level or "")
        for name, component, level in zip(
            frame["lot_name"], frame["component"], frame["education_level"], strict=True
        )
    ]
    return frame


def _provider_names() -> dict[int, str]:
    return dict(Provider.objects.values_list("pk", "name"))


def _frame(rows: Sequence[Mapping] | pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``rows`` as a frame with exactly ``columns``, in that order (an empty frame keeps them)."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if frame.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    return frame.reindex(columns=list(columns)).reset_index(drop=True)


def _renamed(queryset: QuerySet, columns: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(queryset)).rename(columns=dict(columns))


def _per_provider(per_lot: pd.DataFrame, counts: Sequence[str]) -> pd.DataFrame:
    """Counts per lot (``lot_id`` and ``counts``) added up per provider, the providers by name,
    and a total row last (``provider_id`` missing)."""
    lots = _lots()[["lot_id", "provider_id", "provider_name"]]
    frame = (
        per_lot.merge(lots, on="lot_id")
        .groupby(["provider_id", "provider_name"], as_index=False)[list(counts)]
        .sum()
        .sort_values(["provider_name", "provider_id"])
    )
    return _add_total_row(_int_columns(frame, counts), counts)


def _add_total_row(frame: pd.DataFrame, counts: Sequence[str]) -> pd.DataFrame:
    """The providers' rows and, at the end, a total row (``provider_id`` missing)."""
    if frame.empty:
        return frame
    total = {column: int(frame[column].sum()) for column in counts}
    total |= {"provider_id": pd.NA, "provider_name": _all_providers()}
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    frame["provider_id"] = frame["provider_id"].astype("Int64")
    return frame


def _all_providers() -> str:
    return _("All providers")


def _none_for_missing(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` as Python objects with None, not NaN, where a figure is missing."""
    return frame.assign(
        **{
            column: frame[column].astype(object).where(frame[column].notna(), None)
            for column in columns
        }
    )


def _int_columns(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame.assign(**{column: frame[column].fillna(0).astype(int) for column in columns})


def _periods(
    kind: str, start: datetime.date, end: datetime.date
) -> Iterator[tuple[datetime.date, datetime.date]]:
    """The calendar capacity periods of ``kind`` that overlap ``start`` to ``end``."""
    if start > end:
        return
    period = contracting.period_containing(kind=kind, on=start)
    while period[0] <= end:
        yield period
        period = contracting.period_containing(kind=kind, on=period[1] + datetime.timedelta(days=1))


def frame_rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The frame's rows as plain dicts for templates and exports: missing values (NaN, NA,
    NaT) become None, numpy numbers become Python ones."""
    if frame.empty:
        return []
    plain = frame.astype(object).where(frame.notna(), None)
    return [
        {
            key: value.item() if isinstance(value, np.generic) else value
            for key, value in row.items()
        }
        for row in plain.to_dict("records")
    ]


def _sent_referrals(report_filter: ReportFilter, prefix: str = "") -> Q:
    """The cohort: referrals sent in the period (drafts never sent are not in it)."""
    return (
        _dimension_q(report_filter, _REFERRAL, prefix=prefix)
        & Q(**{f"{prefix}sent_at__isnull": False})
        & _moment_q(f"{prefix}sent_at", report_filter.date_from, report_filter.date_until)
    )
