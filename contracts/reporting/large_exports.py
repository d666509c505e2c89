"""Downloads too large to make while the browser waits: made by a background task, kept a week,
handed only to the person who asked for them.

The rules, once:

* **Which goes to the background** (``export_in_background``): a download of more rows than
  ``DIRECT_ROWS_MAX`` for its format. Smaller ones are made in the request as before (a CSV
  streams about 25,000 rows a second, an XLSX is written at about 10,000, so both limits keep a
  direct download near a second); larger ones would hold a web worker for minutes (the XLSX of
  293,034 placements once took 402 s and timed out), so the page offers to make them in the
  background instead.
* **When CSV instead of XLSX** (``formats_offered``): a sheet holds ``XLSX_MAX_ROWS`` rows with
  the header; a download with more rows is offered as CSV only. Below that both are offered,
  CSV as the quicker one.
* **How many at once**: a person has at most ``UNFINISHED_PER_USER_MAX`` exports waiting or being
  made; asking again for one that is still being made (same table, format, filter and day)
  gives that one, not a second.
* **Who gets the file**: only the person who asked (``export_for_download``), while they may
  still see the dashboard. Not another contract manager, not a superuser: the file is the
  figures as the asker's permissions shaped them (a klantmanager's are locked to their
  municipality) and they can ask for their own in a minute.
* **How long it is kept**: ``KEEP`` (7 days) from asking; then the row and the file are deleted
  by the periodic ``report_exports_purge`` (``portal.background``). An export that made no
  progress for ``STALLED_AFTER`` lost its worker for good and shows as failed.
* **Failures**: the task is tried as ``EXPORT_RETRY`` says; between attempts the export waits
  with the reason, after the last it shows "failed" with the reason in plain words
  (``ExportError``) and the technical detail.

The file is written to a temporary file with constant memory (``exports.csv_write``,
``exports.xlsx_write``: xlsxwriter's constant-memory mode), the progress stored every
``exports.PROGRESS_EVERY`` rows, then saved in the private default storage (local disk or the
S3 bucket, ``portal.core.media``) under ``exports/``.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.tasks import TaskContext
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts import reporting
from contracts.models import ExportError, ExportFormat, ExportState, ReportExport
from contracts.reporting import exports
from contracts.reporting.dashboard_tables import TABLES, ReportSet
from contracts.reporting.frames import ReportFilter
from portal.core.tasks import (
    PRIORITY_PEOPLE_WAIT,
    RetryPolicy,
    attempt_is_last,
    durable_task,
)

if TYPE_CHECKING:
    from portal.accounts.models import User

logger = logging.getLogger(__name__)

PLACEMENTS = "placements"
DIRECT_ROWS_MAX = {ExportFormat.CSV: 20_000, ExportFormat.XLSX: 5_000}
UNFINISHED_PER_USER_MAX = 3
KEEP = datetime.timedelta(days=7)
STALLED_AFTER = datetime.timedelta(hours=2)
STORAGE_FOLDER = "exports"
# Three attempts, 1 then 2 minutes apart: a storage or database that is down for a moment; the
# person is waiting, so not for hours.
EXPORT_RETRY = RetryPolicy(
    attempts=3, first_delay=datetime.timedelta(minutes=1), max_delay=datetime.timedelta(minutes=5)
)
CONTENT_TYPES = {
    ExportFormat.CSV: exports.CSV_CONTENT_TYPE,
    ExportFormat.XLSX: exports.XLSX_CONTENT_TYPE,
}


class ExportRefused(Exception):
    """An export that cannot be asked for now; ``message`` says why, to the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StorageFailed(Exception):
    """The finished file could not be saved in the storage."""


# --- What a download is made of ----------------------------------------------------------------


@dataclass
class ExportSource:
    """A download's title (its file name, its sheet), headers and rows, and how many rows."""

    title: str
    headers: list[str]
    rows: Iterable[Sequence[object]]
    count: int


def export_names() -> list[str]:
    """What may be downloaded: all placements and each dashboard table, by name."""
    return [PLACEMENTS, *TABLES]


def export_title(name: str) -> str:
    """What the list of exports calls a download, in the active language."""
    if name == PLACEMENTS:
        return _("All placements")
    return str(TABLES[name].title)


def _file_title(name: str) -> str:
    """What a download's file is named after (as the direct downloads are)."""
    if name == PLACEMENTS:
        return _("placements")
    return str(TABLES[name].title)


def export_source(name: str, report_filter: ReportFilter, *, today: datetime.date) -> ExportSource:
    """The rows of the download ``name`` (``export_names``) for the filter. For all placements
    the rows are read from the database as they are written (one COUNT first); a table's frame
    is computed (or read from the dashboard's cache) at once."""
    if name == PLACEMENTS:
        return ExportSource(
            title=_file_title(name),
            headers=[str(label) for label in reporting.PLACEMENT_EXPORT_LABELS.values()],
            rows=reporting.placement_rows(report_filter),
            count=reporting.placement_count(report_filter),
        )
    table = TABLES[name]
    frame = table.frame(ReportSet(report_filter, today=today))
    return ExportSource(
        title=str(table.title),
        headers=table.headers(),
        rows=table.export_rows(frame),
        count=len(frame),
    )


# --- The rules ---------------------------------------------------------------------------------


def export_in_background(*, file_format: str, rows: int) -> bool:
    """Is a download of ``rows`` rows made in the background rather than in the request?"""
    return rows > DIRECT_ROWS_MAX[ExportFormat(file_format)]


def xlsx_possible(rows: int) -> bool:
    """Do ``rows`` rows and the header fit in one XLSX sheet?"""
    return rows + 1 <= exports.XLSX_MAX_ROWS


def formats_offered(rows: int) -> list[str]:
    """The formats a download of ``rows`` rows may be made in, the usual one first."""
    if xlsx_possible(rows):
        return [ExportFormat.XLSX, ExportFormat.CSV]
    return [ExportFormat.CSV]


# --- Asking ------------------------------------------------------------------------------------


def exports_of(user: User) -> QuerySet[ReportExport]:
    """The exports ``user`` asked for, newest first (nobody sees another person's)."""
    if not (user.is_authenticated and user.is_active):
        return ReportExport.objects.none()
    return ReportExport.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")


def report_export_request(
    *,
    user: User,
    name: str,
    file_format: str,
    report_filter: ReportFilter,
    today: datetime.date,
    now: datetime.datetime | None = None,
) -> tuple[ReportExport, bool]:
    """Ask for the download ``name`` in ``file_format`` with ``report_filter`` (as read for
    ``user``, without errors), made in the background. Returns the export and whether it is
    new: one still being made with the same table, format, filter and day is given again.
    The task is enqueued in the same transaction as the row.

    Raises ``ExportRefused`` when the user may not see the dashboard, the download or format is
    unknown, or the user has ``UNFINISHED_PER_USER_MAX`` exports being made."""
    if not reporting.dashboard_viewer(user):
        raise ExportRefused(_("You may not see the dashboard."))
    if name not in export_names() or file_format not in ExportFormat.values:
        raise ExportRefused(_("There is no such download."))
    if report_filter.errors:
        raise ExportRefused(_("Mend the selection on the dashboard first."))
    now = now or timezone.now()
    query = report_filter.to_query()
    with transaction.atomic():
        # One request at a time per person: the count below stays true until the commit.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        unfinished = exports_of(user).filter(state__in=[ExportState.WAITING, ExportState.RUNNING])
        same = unfinished.filter(
            table=name, file_format=file_format, query=query, figures_on=today
        ).first()
        if same is not None:
            return same, False
        if unfinished.count() >= UNFINISHED_PER_USER_MAX:
            raise ExportRefused(
                _(
                    "You have %(count)s exports being made. Ask for another one when one of "
                    "them is ready."
                )
                % {"count": UNFINISHED_PER_USER_MAX}
            )
        export = ReportExport.objects.create(
            user=user,
            table=name,
            title=export_title(name)[:200],
            file_format=file_format,
            query=query,
            figures_on=today,
            language=translation.get_language() or "nl",
            download_name=exports.filename(_file_title(name), file_format)[:255],
            created_at=now,
        )
        report_export_make.enqueue(export_id=export.pk)
    return export, True


# --- Making the file (the task) ----------------------------------------------------------------


def _about(*, export_id: int, **_kwargs: object) -> str:
    export = ReportExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None:
        return _("Export %(number)s") % {"number": export_id}
    return _("Export %(number)s for %(user)s: %(title)s (%(format)s)") % {
        "number": export_id,
        "user": export.user.email,
        "title": export.title,
        "format": export.get_file_format_display(),
    }


@durable_task(
    label=gettext_lazy("Make a large download of the dashboard"),
    retry=EXPORT_RETRY,
    about=_about,
    priority=PRIORITY_PEOPLE_WAIT,
    takes_context=True,
)
def report_export_make(context: TaskContext, *, export_id: int) -> str:
    """Make the file of the export ``export_id``. A failure is recorded on the export (waiting
    for the next attempt, or failed after the last one) and raised, so the task is retried."""
    export = ReportExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None:
        return "no such export"
    if export.state == ExportState.DONE:
        return "already made"
    last = attempt_is_last(report_export_make.module_path, context.attempt)
    try:
        return report_export_write(export)
    except Exception as error:
        _failed(export, error, last=last)
        raise


def report_export_write(export: ReportExport, *, now: datetime.datetime | None = None) -> str:
    """Write the file of ``export`` and store it; the row says how far it got. Refusals that a
    retry cannot mend (the user may no longer see the dashboard, too many rows for XLSX) mark
    it failed and return; anything else raises."""
    now = now or timezone.now()
    rows = ReportExport.objects.filter(pk=export.pk)
    rows.update(
        state=ExportState.RUNNING,
        started_at=now,
        progress_at=now,
        rows_written=0,
        attempts=F("attempts") + 1,
        error="",
        error_detail="",
    )
    user = export.user
    if not reporting.dashboard_viewer(user):
        _fail(export, ExportError.NOT_ALLOWED)
        return "not allowed"
    with translation.override(export.language), timezone.override(timezone.get_default_timezone()):
        report_filter = ReportFilter.from_query(QueryDict(export.query), user=user)
        source = export_source(export.table, report_filter, today=export.figures_on)
        rows.update(rows_total=source.count)
        if export.file_format == ExportFormat.XLSX and not xlsx_possible(source.count):
            _fail(export, ExportError.TOO_MANY_ROWS)
            return "too many rows"

        written = 0

        def progress(count: int) -> None:
            nonlocal written
            written = count
            rows.update(rows_written=count, progress_at=timezone.now())

        with tempfile.TemporaryFile() as output:
            try:
                if export.file_format == ExportFormat.XLSX:
                    exports.xlsx_write(
                        output,
                        title=source.title,
                        headers=source.headers,
                        rows=source.rows,
                        progress=progress,
                    )
                else:
                    exports.csv_write(
                        output, headers=source.headers, rows=source.rows, progress=progress
                    )
            except exports.TooManyRows:
                _fail(export, ExportError.TOO_MANY_ROWS)
                return "too many rows"
            size = output.tell()
            output.seek(0)
            name = f"{STORAGE_FOLDER}/{uuid.uuid4().hex}.{export.file_format}"
            try:
                stored = default_storage.save(name, File(output, name=name))
            except Exception as error:
                raise StorageFailed(f"{type(error).__name__}: {error}") from error
    rows.update(
        state=ExportState.DONE,
        file_name=stored,
        file_size=size,
        rows_written=written,
        progress_at=timezone.now(),
        finished_at=timezone.now(),
    )
    return f"{written} rows, {size} bytes"


def _error_of(error: BaseException) -> ExportError:
    if isinstance(error, StorageFailed | OSError):
        return ExportError.STORAGE
    if isinstance(error, DatabaseError):
        return ExportError.DATABASE
    return ExportError.OTHER


def _failed(export: ReportExport, error: BaseException, *, last: bool) -> None:
    """Record a failed attempt: failed after the last one, else waiting for the next."""
    detail = str(error) if isinstance(error, StorageFailed) else f"{type(error).__name__}: {error}"
    try:
        ReportExport.objects.filter(pk=export.pk).update(
            state=ExportState.FAILED if last else ExportState.WAITING,
            error=_error_of(error),
            error_detail=detail[:500],
            finished_at=timezone.now() if last else None,
        )
    except DatabaseError:
        logger.exception("Could not record the failure of export %s", export.pk)


def _fail(export: ReportExport, error: ExportError) -> None:
    ReportExport.objects.filter(pk=export.pk).update(
        state=ExportState.FAILED, error=error, finished_at=timezone.now()
    )


# --- Downloading and forgetting ----------------------------------------------------------------


def export_for_download(user: User, export_id: int) -> ReportExport | None:
    """The ready export ``export_id`` if ``user`` asked for it and may still see the dashboard;
    None otherwise (for anybody else it does not exist)."""
    if not reporting.dashboard_viewer(user):
        return None
    return exports_of(user).filter(pk=export_id, state=ExportState.DONE).first()


def export_file_open(export: ReportExport):
    """The stored file of a ready export, opened for reading; None when it is gone."""
    if not export.file_name or not default_storage.exists(export.file_name):
        return None
    return default_storage.open(export.file_name, "rb")


def report_exports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the exports asked for more than ``KEEP`` ago with their files, and stored files
    under ``exports/`` older than that which no export names (an attempt that stored its file
    and then failed); mark exports that made no progress for ``STALLED_AFTER`` as failed.
    Returns how many exports were deleted. A file the storage cannot delete now keeps its row,
    for the next run."""
    now = now or timezone.now()
    cutoff = now - KEEP
    deleted = 0
    for export in ReportExport.objects.filter(created_at__lt=cutoff).only("pk", "file_name"):
        if export.file_name:
            try:
                default_storage.delete(export.file_name)
            except Exception:
                logger.exception("Could not delete the file of export %s", export.pk)
                continue
        export.delete()
        deleted += 1
    _orphans_delete(cutoff)
    stalled = now - STALLED_AFTER
    ReportExport.objects.filter(
        state__in=[ExportState.WAITING, ExportState.RUNNING], created_at__lt=stalled
    ).filter(Q(progress_at__lt=stalled) | Q(progress_at=None)).update(
        state=ExportState.FAILED, error=ExportError.STOPPED, finished_at=now
    )
    return deleted


def _orphans_delete(cutoff: datetime.datetime) -> None:
    try:
        _folders, names = default_storage.listdir(STORAGE_FOLDER)
    except FileNotFoundError:
        return
    for base in names:
        name = f"{STORAGE_FOLDER}/{base}"
        if ReportExport.objects.filter(file_name=name).exists():
            continue
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
        except Exception:
            logger.exception("Could not delete the stored export %s", name)
