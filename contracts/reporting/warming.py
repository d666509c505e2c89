"""Computing the contract dashboard's default views into the cache ahead of their visitors.

The worker's schedule runs ``dashboard_warm`` more often than ``DASHBOARD_CACHE_SECONDS``
(``portal.background``), and ``manage.py dashboard_warm`` does the same by hand, so the first
contract manager to open the dashboard does not wait for seconds of aggregation at national scale.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone, translation

from contracts.reporting.dashboard_tables import ReportSet, default_filter
from portal import permissions
from portal.places.models import Municipality


def dashboard_warm(*, municipalities: bool = False, today: datetime.date | None = None) -> int:
    """Compute the default view (this year, the whole region) in every language of the site (the
    figures hold translated labels); with ``municipalities`` also the default view of every
    municipality that has a klantmanager. Returns how many views were computed per language."""
    today = today or timezone.localdate()
    filters = [default_filter(today)]
    if municipalities:
        with_klantmanagers = Municipality.objects.filter(
            permissions.klantmanagers_q("staff__")
        ).distinct()
        filters += [
            default_filter(today, municipality_id=pk)
            for pk in with_klantmanagers.values_list("pk", flat=True)
        ]
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for report_filter in filters:
                ReportSet(report_filter, today=today, refresh=True).compute_all()
    return len(filters)
