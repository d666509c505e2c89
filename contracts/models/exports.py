"""A download of the dashboard too large to make while the browser waits: asked for by one person,
made by a background task (``contracts.reporting.large_exports``), kept for a week."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportError(models.TextChoices):
    """Why an export failed, in words its asker understands (the technical detail is kept
    beside it, ``ReportExport.error_detail``)."""

    STORAGE = "storage", _("The file could not be stored.")
    DATABASE = "database", _("The figures could not be read.")
    NOT_ALLOWED = "not_allowed", _("You may no longer see the dashboard.")
    TOO_MANY_ROWS = "too_many_rows", _("There are too many rows for an XLSX file; ask for CSV.")
    STOPPED = "stopped", _("Making the file stopped before it was done.")
    OTHER = "other", _("Something went wrong while making the file.")


class ReportExport(models.Model):
    """One person's request for a download (a dashboard table or all placements) with the
    filter as it was, and how far making it has got.

    The file is in the private default storage under ``file_name`` and goes out only through
    the portal's download view, to ``user`` and nobody else.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # "placements" or the name of a dashboard table (``dashboard_tables.TABLES``).
    table = models.CharField(max_length=50)
    # The table's title in the asker's language when they asked (the list shows it).
    title = models.CharField(max_length=200)
    file_format = models.CharField(max_length=4, choices=ExportFormat.choices)
    # The filter as GET parameters (``ReportFilter.to_query``); a klantmanager's lock is not in
    # it: it comes from the user again when the file is made.
    query = models.CharField(max_length=500, blank=True)
    # The day the figures are of (reports that count "overdue now" read it), and the language of
    # the column headers.
    figures_on = models.DateField()
    language = models.CharField(max_length=10)
    state = models.CharField(
        max_length=10, choices=ExportState.choices, default=ExportState.WAITING
    )
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_written = models.PositiveIntegerField(default=0)
    # The file's name in the private storage, and the name the browser saves it under.
    file_name = models.CharField(max_length=255, blank=True)
    download_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=20, choices=ExportError.choices, blank=True)
    error_detail = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Moved on at every progress step: an export that stops moving lost its worker.
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="reportexport_user_newest"),
            models.Index(fields=["created_at"], name="reportexport_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=ExportState.values), name="reportexport_state"
            ),
            models.CheckConstraint(
                condition=models.Q(file_format__in=ExportFormat.values),
                name="reportexport_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table}.{self.file_format} ({self.state})"

    @property
    def percent_done(self) -> int:
        """How far the rows are written, 0 to 100 (100 once ready)."""
        if self.state == ExportState.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_written * 100 // self.rows_total)

    @property
    def unfinished(self) -> bool:
        return self.state in (ExportState.WAITING, ExportState.RUNNING)
