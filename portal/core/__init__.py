"""The bottom layer: plumbing that every app of the portal may use.

Such as command arguments, environment settings, form fields and widgets, ids from outside
(``inputs``), the anonymous page cache, the Redis cache that rides out outages, the search
backend, the content security policy, reading spreadsheets (``tabular``), and operations: each
request's id (``request_id``), the shape of log lines (``logs``), Prometheus metrics
(``metrics``) and error reports (``sentry``).

A module here imports Django, Wagtail, other libraries and ``portal.core`` itself, and nothing
else of the project: not ``portal.accounts``, ``portal.enrolments``, ``portal.payments``,
``portal.permissions``, ``providers``, ``contracts`` or ``cms``. What needs one of those belongs in
that app, and what a function here needs from an app (a limit, a list of columns) is passed in
as an argument. An import-linter contract checks this.
"""
