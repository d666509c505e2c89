"""Wagtail admin pages of the spreadsheet import: upload → errors or preview → apply → result.

Thin views: the rules are in ``providers.imports`` (read, check, compare, apply) and
``providers.spreadsheets`` (columns, template, export). ``urlpatterns`` is included under
``admin/import/`` with the namespace ``offering_import`` (``providers.wagtail_hooks``). Every
view needs a signed-in user with admin access (Wagtail's ``require_admin_access``) who may import
for at least one provider, and looks providers and batches up within what that user may use, so
another provider's id or another user's batch is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from portal import permissions
from portal.permissions import Action
from providers import imports, spreadsheets
from providers.models import Offering, OfferingImport, Provider
from providers.permissions import providers_for

NAMESPACE = "offering_import"
FILE_FORMATS = {
    "xlsx": spreadsheets.XLSX_CONTENT_TYPE,
    "csv": spreadsheets.CSV_CONTENT_TYPE,
}
MAX_ERRORS_SHOWN = 500
STATUS_LABELS = {
    imports.NEW: gettext_lazy("new"),
    imports.CHANGED: gettext_lazy("changed"),
    imports.UNCHANGED: gettext_lazy("unchanged"),
}


capfirst_lazy = lazy(capfirst, str)


def _url(name: str, *args: object) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


class UploadForm(forms.Form):
    provider = forms.ModelChoiceField(
        label=capfirst_lazy(Provider._meta.verbose_name),
        queryset=Provider.objects.none(),
        empty_label=None,
    )
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy("An Excel workbook (.xlsx) or a CSV file saved as “CSV UTF-8”."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, providers: QuerySet[Provider], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        if len(providers) == 1:
            # Nothing to choose: the one provider is sent along unseen.
            self.fields["provider"].initial = providers[0].pk
            self.fields["provider"].widget = forms.HiddenInput()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = imports.import_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(imports.file_too_large_message(limit))
        return upload


class ImportAccessMixin:
    """Only for users who may import for some provider; providers outside their reach are 404."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.providers = providers_for(request.user, Action.IMPORT).order_by("name")
        if not self.providers.exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def provider_or_404(self, provider_id: object) -> Provider:
        try:
            return get_object_or_404(self.providers, pk=int(provider_id))
        except (TypeError, ValueError):
            raise Http404 from None

    def batch_or_404(self, pk: int) -> OfferingImport:
        """The user's own batch for a provider they may still import for."""
        return get_object_or_404(
            OfferingImport.objects.select_related("provider"),
            pk=pk,
            user=self.request.user,
            provider__in=self.providers,
        )


class ImportPageMixin(ImportAccessMixin, WagtailAdminTemplateMixin):
    header_icon = "upload"
    page_title = gettext_lazy("Import offerings")

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": _url("upload"), "label": gettext_lazy("Import offerings")},
        ]


@method_decorator(never_cache, name="dispatch")
class UploadView(ImportPageMixin, FormView):
    """The upload form with the downloads; a file with errors comes back here with the table."""

    template_name = "providers/import/upload.html"
    form_class = UploadForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "providers": self.providers}

    def chosen_provider(self) -> Provider | None:
        if "provider" in self.request.GET:
            return self.provider_or_404(self.request.GET["provider"])
        providers = list(self.providers[:2])
        return providers[0] if len(providers) == 1 else None

    def get_initial(self) -> dict:
        provider = self.chosen_provider()
        return {"provider": provider.pk} if provider else {}

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        provider = self.chosen_provider()
        context.update(
            provider=provider,
            providers=self.providers,
            several_providers=len(self.providers[:2]) > 1,
            downloads=_downloads(provider),
            unreferenced=imports.unreferenced_counts(provider=provider) if provider else None,
            max_megabytes=f"{imports.import_max_bytes() / (1024 * 1024):g}",
            max_rows=number_format(imports.MAX_ROWS, force_grouping=True),
        )
        return context

    def form_invalid(self, form: UploadForm) -> HttpResponse:
        if "provider" in form.errors:
            # A provider id the user may not import for: as if it did not exist.
            raise Http404
        return super().form_invalid(form)

    def form_valid(self, form: UploadForm) -> HttpResponse:
        provider = form.cleaned_data["provider"]
        upload = form.cleaned_data["file"]
        try:
            sheet = imports.sheet_read(file_name=upload.name, data=upload.read())
        except imports.ImportFileError as error:
            form.add_error("file", error.message)
            return super().form_invalid(form)
        check = imports.import_check(provider=provider, user=self.request.user, sheet=sheet)
        if not check.ok:
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    file_name=upload.name,
                    checked_provider=provider,
                    errors=[_error_row(error) for error in check.errors[:MAX_ERRORS_SHOWN]],
                    error_count=len(check.errors),
                    errors_not_shown=max(len(check.errors) - MAX_ERRORS_SHOWN, 0),
                )
            )
        batch = imports.import_batch_create(
            user=self.request.user, provider=provider, sheet=sheet, check=check
        )
        return redirect(_url("preview", batch.pk))


@method_decorator(never_cache, name="dispatch")
class PreviewView(ImportPageMixin, TemplateView):
    """What applying the checked file would do, with the Apply button."""

    template_name = "providers/import/preview.html"

    def get(self, request: HttpRequest, *args, pk: int, **kwargs) -> HttpResponse:
        self.batch = self.batch_or_404(pk)
        if self.batch.status == OfferingImport.Status.APPLIED:
            return redirect(_url("applied", self.batch.pk))
        return super().get(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return self.batch.file_name

    def get_context_data(self, **kwargs) -> dict:
        summary = self.batch.summary
        offerings = [_offering_view(offering) for offering in summary["offerings"]]
        return {
            **super().get_context_data(**kwargs),
            "batch": self.batch,
            "counts": summary["counts"],
            "touched": [o for o in offerings if o["touched"]],
            "untouched": [o for o in offerings if not o["touched"]],
            "ignored_columns": summary.get("ignored_columns", []),
            "nothing_to_do": not any(o["touched"] for o in offerings),
            "apply_url": _url("apply", self.batch.pk),
            "upload_url": f"{_url('upload')}?provider={self.batch.provider_id}",
            "may_publish": permissions.can_on_model(self.request.user, Action.PUBLISH, Offering),
        }


class ApplyView(ImportAccessMixin, View):
    """Applies a checked batch (POST only); a refusal changes nothing and says why."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args, pk: int, **kwargs) -> HttpResponse:
        batch = self.batch_or_404(pk)
        if batch.status == OfferingImport.Status.APPLIED:
            return redirect(_url("applied", batch.pk))
        try:
            imports.import_apply(batch=batch, user=request.user)
        except imports.ImportRefused as refusal:
            messages.error(request, refusal.message)
            return HttpResponseRedirect(f"{_url('upload')}?provider={batch.provider_id}")
        messages.success(request, _("The file has been applied."))
        return redirect(_url("applied", batch.pk))


class AppliedView(ImportPageMixin, TemplateView):
    """What an applied batch changed."""

    template_name = "providers/import/applied.html"

    def get(self, request: HttpRequest, *args, pk: int, **kwargs) -> HttpResponse:
        self.batch = self.batch_or_404(pk)
        if self.batch.status != OfferingImport.Status.APPLIED:
            return redirect(_url("preview", self.batch.pk))
        return super().get(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return self.batch.file_name

    def get_context_data(self, **kwargs) -> dict:
        return {
            **super().get_context_data(**kwargs),
            "batch": self.batch,
            "result": self.batch.result,
            "upload_url": f"{_url('upload')}?provider={self.batch.provider_id}",
        }


@method_decorator(never_cache, name="dispatch")
class TemplateDownloadView(ImportAccessMixin, View):
    """The empty template, with an example row for the chosen provider (``?provider=``)."""

    def get(self, request: HttpRequest, *args, file_format: str, **kwargs) -> HttpResponse:
        if file_format not in FILE_FORMATS:
            raise Http404
        provider = None
        if "provider" in request.GET:
            provider = self.provider_or_404(request.GET["provider"])
        elif len(self.providers[:2]) == 1:
            provider = self.providers[0]
        if file_format == "xlsx":
            content = spreadsheets.template_xlsx(provider=provider)
        else:
            content = spreadsheets.template_csv(provider=provider)
        return _download(content, file_format, "routewijzer-import-template")


@method_decorator(never_cache, name="dispatch")
class ExportView(ImportAccessMixin, View):
    """The provider's offerings and start moments in the template's columns."""

    def get(
        self, request: HttpRequest, *args, provider_id: int, file_format: str, **kwargs
    ) -> HttpResponse:
        if file_format not in FILE_FORMATS:
            raise Http404
        provider = self.provider_or_404(provider_id)
        if file_format == "xlsx":
            content = spreadsheets.export_xlsx(provider=provider)
        else:
            content = spreadsheets.export_csv(provider=provider)
        stem = f"{provider.slug}-offerings-{timezone.localdate():%Y-%m-%d}"
        return _download(content, file_format, stem)


def _download(content: bytes, file_format: str, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FILE_FORMATS[file_format])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{stem}.{file_format}"
    )
    return response


def _downloads(provider: Provider | None) -> dict[str, str]:
    suffix = f"?provider={provider.pk}" if provider else ""
    links = {
        "template_xlsx": _url("template", "xlsx") + suffix,
        "template_csv": _url("template", "csv") + suffix,
    }
    if provider:
        links["export_xlsx"] = _url("export", provider.pk, "xlsx")
        links["export_csv"] = _url("export", provider.pk, "csv")
    return links


def _error_row(error: imports.RowError) -> dict[str, object]:
    return {
        "row": error.row,
        "column": error.column,
        "label": spreadsheets.column_label(error.column) if error.column else "",
        "value": error.value,
        "reason": error.reason,
    }


def _changes(changes: list[list[str]]) -> list[dict[str, str]]:
    return [
        {"column": column, "label": spreadsheets.column_label(column), "old": old, "new": new}
        for column, old, new in changes
    ]


def _offering_view(offering: dict) -> dict:
    moments = [
        {
            **moment,
            "status_label": STATUS_LABELS[moment["status"]],
            "changes": _changes(moment["changes"]),
        }
        for moment in offering["start_moments"]
    ]
    return {
        **offering,
        "status_label": STATUS_LABELS[offering["status"]],
        "changes": _changes(offering["changes"]),
        "start_moments": moments,
        "touched": offering["status"] != imports.UNCHANGED
        or any(moment["status"] != imports.UNCHANGED for moment in moments),
    }


urlpatterns = [
    path("", require_admin_access(UploadView.as_view()), name="upload"),
    path("<int:pk>/", require_admin_access(PreviewView.as_view()), name="preview"),
    path("<int:pk>/apply/", require_admin_access(ApplyView.as_view()), name="apply"),
    path("<int:pk>/applied/", require_admin_access(AppliedView.as_view()), name="applied"),
    path(
        "template/<str:file_format>/",
        require_admin_access(TemplateDownloadView.as_view()),
        name="template",
    ),
    path(
        "export/<int:provider_id>/<str:file_format>/",
        require_admin_access(ExportView.as_view()),
        name="export",
    ),
]
