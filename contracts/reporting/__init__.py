"""The contract manager's figures (issue 6): plain functions that return pandas DataFrames.

One module per report, beside what they share:

* ``frames``: ``ReportFilter`` (the filters below, from the page's GET parameters), who may see
  the figures (``dashboard_viewer``), the shared parts of queries and frames, ``frame_rows``;
* ``placements``: ``utilisation``, ``utilisation_by_month``, ``placements_by_municipality_month``
  and the rows of the placements download (``placement_rows``, ``placement_count``);
* ``funnel``: ``referral_funnel``, ``lead_times``, ``sla_breaches``;
* ``attendance_reporting``: ``attendance``, ``late_reporters`` and the reporting deadline;
* ``results``: ``outcomes``;
* ``self_paid``: ``self_paid_market``, ``waiting_lists``;
* ``demand``: ``forecast`` with the route split and the intake volumes it reads.

Beside the reports: the dashboard's tables over them (``dashboard_tables``), the SVG bar charts
(``charts``), the CSV/XLSX downloads (``exports``) and those made in the background
(``large_exports``). This package re-exports the reports'
public names; the summary tables they read are kept by ``contracts.summaries`` (written in the
same transaction as the referrals and attendance they count, so it stays with the domain
modules), and the public OCDS package of the contracts is ``contracts.ocds`` (a publication of
the contract records, not a figure).

Each function lets the database aggregate first (``values()`` + ``annotate()`` with ``Count``,
``Sum``, ``TruncMonth``…), so only grouped rows reach Python, and finishes in pandas (merges,
rates, percentiles). The number of queries per function is fixed; it does not grow with the data.
Views only render the frames (``frame_rows`` turns one into plain dicts for templates and
exports); no function here knows about requests or templates.

At national scale the largest groupings are kept ready in monthly summary tables
(``contracts.summaries``): the funnel, the SLA, placements per municipality and month and the
attendance add those up when the period is made of whole months (``uses_summaries``; the
dashboard's default is a calendar year) and group the referrals themselves otherwise, with the
same definitions. Lead times on PostgreSQL are its ``percentile_cont``; elsewhere a histogram.

Filters (``ReportFilter``, parsed from the page's GET parameters) apply to each report as follows:

=====================  ========================================  ===============================
report                 the period applies to                     the municipality is
=====================  ========================================  ===============================
utilisation            capacity periods overlapping it (default  the lots covering it; placements
                       the current calendar year)                of its learners
utilisation_by_month   the day a referral was sent (idem)        the learner's municipality
referral_funnel,       the day a referral was sent: the figures  the learner's municipality
lead_times,            follow that cohort of referrals to today
sla_breaches
attendance             the reported month                        the learner's municipality
late_reporters         not used: the last month whose deadline   the learner's municipality
                       has passed
outcomes               the day a placement ended, the day an     the learner's municipality
                       exam was taken
self_paid_market       the day of each event (confirmed, paid,   the municipality of the course's
                       refunded, cancelled, joined the list)     location
waiting_lists          the start date                            idem
forecast               not used: the year asked                  demand of that municipality;
                                                                 the lots covering it
=====================  ========================================  ===============================

The component is the lot's component (for self-paid figures the offering's), the provider the
contract's (the offering's). Learners' municipality is their current one (after a warm transfer,
the receiving municipality's). A klantmanager's filter is locked to their municipality
(``ReportFilter.from_query(..., user=...)``): they see the same figures, narrowed to it. Lot-wide
figures (a lot's capacity and its placements over all municipalities) are contract information,
not personal data, and stay visible to them.
"""

from contracts.reporting.attendance_reporting import (
    ATTENDANCE_COLUMNS,
    ATTENDANCE_REPORT_WORKING_DAYS,
    LATE_REPORTER_COLUMNS,
    attendance,
    attendance_month_due,
    attendance_report_deadline,
    late_reporters,
)
from contracts.reporting.demand import (
    DEFAULT_ROUTE_SPLIT,
    FORECAST_DEMAND_COLUMNS,
    FORECAST_LOT_COLUMNS,
    MAP_EXEMPT_ROUTES,
    VOLUME_GROUPS,
    Forecast,
    VolumeYears,
    component_shares,
    forecast,
    route_split_validate,
)
from contracts.reporting.frames import (
    ReportFilter,
    dashboard_viewer,
    frame_rows,
    uses_summaries,
)
from contracts.reporting.funnel import (
    FUNNEL_COLUMNS,
    FUNNEL_COUNTS,
    LEAD_TIME_COLUMNS,
    SLA_COLUMNS,
    SLA_COUNTS,
    histogram_quantile,
    lead_times,
    referral_funnel,
    sla_breaches,
)
from contracts.reporting.placements import (
    PLACEMENT_EXPORT_LABELS,
    PLACEMENT_MONTH_COLUMNS,
    UTILISATION_COLUMNS,
    UTILISATION_MONTH_COLUMNS,
    placement_count,
    placement_rows,
    placements_by_municipality_month,
    utilisation,
    utilisation_by_month,
)
from contracts.reporting.results import (
    COMPLETION,
    MIN_GROUP,
    OUTCOME_COLUMNS,
    outcomes,
)
from contracts.reporting.self_paid import (
    MARKET_COLUMNS,
    MARKET_COUNTS,
    WAITING_LIST_COLUMNS,
    self_paid_market,
    waiting_lists,
)

__all__ = [
    "ATTENDANCE_COLUMNS",
    "ATTENDANCE_REPORT_WORKING_DAYS",
    "COMPLETION",
    "DEFAULT_ROUTE_SPLIT",
    "FORECAST_DEMAND_COLUMNS",
    "FORECAST_LOT_COLUMNS",
    "FUNNEL_COLUMNS",
    "FUNNEL_COUNTS",
    "LATE_REPORTER_COLUMNS",
    "LEAD_TIME_COLUMNS",
    "MAP_EXEMPT_ROUTES",
    "MARKET_COLUMNS",
    "MARKET_COUNTS",
    "MIN_GROUP",
    "OUTCOME_COLUMNS",
    "PLACEMENT_EXPORT_LABELS",
    "PLACEMENT_MONTH_COLUMNS",
    "SLA_COLUMNS",
    "SLA_COUNTS",
    "UTILISATION_COLUMNS",
    "UTILISATION_MONTH_COLUMNS",
    "VOLUME_GROUPS",
    "WAITING_LIST_COLUMNS",
    "Forecast",
    "ReportFilter",
    "VolumeYears",
    "attendance",
    "attendance_month_due",
    "attendance_report_deadline",
    "component_shares",
    "dashboard_viewer",
    "forecast",
    "frame_rows",
    "histogram_quantile",
    "late_reporters",
    "lead_times",
    "outcomes",
    "placement_count",
    "placement_rows",
    "placements_by_municipality_month",
    "referral_funnel",
    "route_split_validate",
    "self_paid_market",
    "sla_breaches",
    "uses_summaries",
    "utilisation",
    "utilisation_by_month",
    "waiting_lists",
]
