"""Outcomes: completed and stopped placements and exam results per provider, route and measure,
with a rate only for groups of at least ``MIN_GROUP`` learners."""

from __future__ import annotations

import pandas as pd
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from contracts.models import ExamResult, Referral
from contracts.reporting.frames import (
    _REFERRAL,
    ReportFilter,
    State,
    _day_q,
    _dimension_q,
    _frame,
    _int_columns,
    _none_for_missing,
    _provider_names,
    _renamed,
)

MIN_GROUP = 10
"""Rates (completion, exam pass rate) are shown only for groups of at least this many learners;
below it the rate is None and ``too_few`` is True. Small groups make a percentage swing wildly
and can point at individual learners."""


# --- Outcomes -----------------------------------------------------------------------------------

COMPLETION = "COMPLETION"
OUTCOME_COLUMNS = (
    "provider_id",
    "provider_name",
    "component",
    "measure",
    "measure_label",
    "learners",
    "succeeded",
    "failed",
    "rate",
    "too_few",
)


def outcomes(report_filter: ReportFilter | None = None) -> pd.DataFrame:
    """Completions and exam results per provider and route (the lot's component), one row per
    measure, with the number of learners behind each figure.

    ``measure`` is ``COMPLETION`` (placements that ended in the period: ``succeeded`` completed,
    ``failed`` stopped) or an exam code (``ExamResult.Exam``, exams taken in the period:
    ``succeeded`` passed, ``failed`` not passed; a retake counts as another exam).
    ``measure_label`` names it. ``learners`` is the number of different learners behind the row.
    ``rate`` is ``succeeded / (succeeded + failed)`` when ``learners`` is at least ``MIN_GROUP``,
    else None with ``too_few`` True.
    """
    report_filter = report_filter or ReportFilter()
    period = (report_filter.date_from, report_filter.date_until)
    endings = (
        Referral.objects.filter(
            _dimension_q(report_filter, _REFERRAL),
            _day_q("ended_on", *period),
            state__in=(State.COMPLETED, State.STOPPED),
        )
        .values("lot__contract__provider_id", "lot__component")
        .annotate(
            succeeded=Count("pk", filter=Q(state=State.COMPLETED)),
            failed=Count("pk", filter=Q(state=State.STOPPED)),
            learners=Count("learner_id", distinct=True),
        )
        .order_by()
    )
    exams = (
        ExamResult.objects.filter(
            _dimension_q(report_filter, _REFERRAL, prefix="referral__"),
            _day_q("taken_on", *period),
        )
        .values("referral__lot__contract__provider_id", "referral__lot__component", "exam")
        .annotate(
            succeeded=Count("pk", filter=Q(passed=True)),
            failed=Count("pk", filter=Q(passed=False)),
            learners=Count("referral__learner_id", distinct=True),
        )
        .order_by()
    )
    completion = _renamed(
        endings, {"lot__contract__provider_id": "provider_id", "lot__component": "component"}
    ).assign(measure=COMPLETION)
    exam = _renamed(
        exams,
        {
            "referral__lot__contract__provider_id": "provider_id",
            "referral__lot__component": "component",
            "exam": "measure",
        },
    )
    frame = pd.concat([part for part in (completion, exam) if not part.empty] or [completion])
    if frame.empty:
        return _frame(frame, OUTCOME_COLUMNS)
    frame = _int_columns(frame.reset_index(drop=True), ["succeeded", "failed", "learners"])
    labels = {COMPLETION: _("Completed")} | {
        code: str(label) for code, label in ExamResult.Exam.choices
    }
    order = {code: position for position, code in enumerate(labels)}
    total = frame["succeeded"] + frame["failed"]
    enough = frame["learners"] >= MIN_GROUP
    frame = frame.assign(
        provider_name=frame["provider_id"].map(_provider_names()),
        measure_label=frame["measure"].map(labels),
        rate=[
            float(succeeded / count) if ok and count else None
            for succeeded, count, ok in zip(frame["succeeded"], total, enough, strict=True)
        ],
        too_few=~enough,
        measure_order=frame["measure"].map(order),
    )
    frame = _none_for_missing(frame, ["rate"])
    frame = frame.sort_values(["provider_name", "provider_id", "component", "measure_order"])
    return _frame(frame, OUTCOME_COLUMNS)
