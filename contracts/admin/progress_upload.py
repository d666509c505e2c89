"""Monthly attendance by spreadsheet in the Wagtail admin, for provider staff.

* ``/admin/referrals/attendance-upload/``: the upload form with the template download; a file with
  problems comes back with a table of them (row, column, value, reason) and nothing saved; a
  clean file is saved and the page says how many months were new and how many corrected.
* ``/admin/referrals/attendance-upload/template.xlsx``: the template with the previous month's
  placements (``contracts.progress_upload.attendance_template_xlsx``).

Thin views: the rules are in ``contracts.progress_upload`` and ``contracts.progress``. Only
provider staff of at least one provider get in; everybody else is turned away as elsewhere in
the admin. The referrals a file names are looked up within the user's own
(``permissions.scope``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import number_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, View
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from contracts import progress_upload
from portal import permissions
from portal.core.tabular.reading import ImportFileError, RowError
from providers.spreadsheets import XLSX_CONTENT_TYPE

MAX_ERRORS_SHOWN = 500


class AttendanceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file saved as “CSV UTF-8”."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > progress_upload.MAX_BYTES:
            raise forms.ValidationError(progress_upload.too_large_message())
        return upload


class ProviderStaffOnlyMixin:
    """Provider staff who work for a provider; anybody else is turned away."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not permissions.works_for_a_provider(user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


@method_decorator(never_cache, name="dispatch")
class AttendanceUploadView(ProviderStaffOnlyMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "contracts/referrals/attendance_upload.html"
    form_class = AttendanceUploadForm
    header_icon = "upload"
    page_title = _("Upload attendance")

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("referral_index"), "label": _("Referral inbox")},
            {"url": "", "label": _("Upload attendance")},
        ]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        month = progress_upload.previous_month(timezone.localdate())
        context.update(
            template_url=reverse("attendance_upload_template"),
            template_month=month,
            max_megabytes=f"{progress_upload.MAX_BYTES / (1024 * 1024):g}",
            max_rows=number_format(progress_upload.MAX_ROWS, force_grouping=True),
        )
        return context

    def form_valid(self, form: AttendanceUploadForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        try:
            result = progress_upload.attendance_upload(
                user=self.request.user, file_name=upload.name, data=upload.read()
            )
        except ImportFileError as error:
            form.add_error("file", error.message)
            return self.form_invalid(form)
        if not result.saved:
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    file_name=upload.name,
                    errors=[_error_row(error) for error in result.errors[:MAX_ERRORS_SHOWN]],
                    error_count=len(result.errors),
                    errors_not_shown=max(len(result.errors) - MAX_ERRORS_SHOWN, 0),
                )
            )
        message = ngettext(
            "%(file)s is saved: %(count)d month of attendance (%(created)d new, "
            "%(updated)d corrected).",
            "%(file)s is saved: %(count)d months of attendance (%(created)d new, "
            "%(updated)d corrected).",
            result.count,
        ) % {
            "file": upload.name,
            "count": result.count,
            "created": result.created,
            "updated": result.updated,
        }
        if result.skipped:
            message += " " + ngettext(
                "%(skipped)d row without hours was left out.",
                "%(skipped)d rows without hours were left out.",
                result.skipped,
            ) % {"skipped": result.skipped}
        messages.success(self.request, message)
        return redirect("attendance_upload")


@method_decorator(never_cache, name="dispatch")
class AttendanceTemplateView(ProviderStaffOnlyMixin, View):
    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        today = timezone.localdate()
        content = progress_upload.attendance_template_xlsx(user=request.user, today=today)
        month = progress_upload.previous_month(today)
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"routewijzer-attendance-{month:%Y-%m}.xlsx"
        )
        return response


def _error_row(error: RowError) -> dict[str, object]:
    return {
        "row": error.row,
        "column": error.column,
        "label": progress_upload.column_label(error.column) if error.column else "",
        "value": error.value,
        "reason": error.reason,
    }


@hooks.register("register_admin_urls")
def attendance_upload_urls():
    return [
        path(
            "referrals/attendance-upload/",
            require_admin_access(AttendanceUploadView.as_view()),
            name="attendance_upload",
        ),
        path(
            "referrals/attendance-upload/template.xlsx",
            require_admin_access(AttendanceTemplateView.as_view()),
            name="attendance_upload_template",
        ),
    ]
