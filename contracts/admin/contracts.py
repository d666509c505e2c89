"""The Wagtail admin of the municipal side: municipalities, and the contract managers' contracts,
with the contracts to watch on the admin's start page.

Every snippet here (regions, municipalities, intake volumes, contracts and lots) answers every
permission question from ``portal.permissions`` (``ModulePermissionPolicy``) and looks every
listing and object URL up through its ``scope`` (``ScopedSnippetViewSet``): only contract managers
and superusers see contracts and lots; anybody else gets Wagtail's "permission denied" for the
listings and a 404 for an object's URL.
"""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    MultipleChooserPanel,
    ObjectList,
)
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    CreateView,
    EditView,
    SnippetViewSetGroup,
)

from contracts import contracting
from contracts.admin.dashboard import duo_loans_at_risk_viewer
from contracts.admin.forms import ContractAdminForm, LotAdminForm
from contracts.models import CapacityPeriod, Contract, ContractStatus, IntakeVolume, Lot, LotStatus
from portal import permissions
from portal.core.admin_display import ReadableInspectView
from portal.core.money import euros
from portal.enrolments.selectors import duo_loan_enrolments_without_valid_keurmerk
from portal.permissions import Action
from portal.permissions.wagtail import ModulePermissionPolicy, ScopedSnippetViewSet
from portal.places.models import Municipality, Region
from providers.choices import Component as RouteComponent
from providers.models import Provider

# Every snippet here answers from ``portal.permissions`` too: regions and municipalities are read
# only in the roles table (they come with the data), intake volumes are the contract managers'.
for _model in (Region, Municipality, IntakeVolume):
    register_permission_policy(_model, ModulePermissionPolicy(_model))


# Regions and municipalities moved to ``portal.places`` (#16); their admin pages keep the
# addresses they had, so bookmarks and links in e-mails still work.
class RegionViewSet(ScopedSnippetViewSet):
    model = Region
    base_url_path = "snippets/contracts/region"
    chooser_base_url_path = "snippets/choose/contracts/region"
    icon = "globe"
    list_display = ["name", "central_municipality"]
    inspect_view_enabled = True


class MunicipalityViewSet(ScopedSnippetViewSet):
    model = Municipality
    base_url_path = "snippets/contracts/municipality"
    chooser_base_url_path = "snippets/choose/contracts/municipality"
    icon = "home"
    list_select_related = ("region",)
    list_display = ["name", "cbs_code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "cbs_code"]
    inspect_view_enabled = True


class IntakeVolumeViewSet(ScopedSnippetViewSet):
    model = IntakeVolume
    icon = "table"
    list_select_related = ("municipality",)
    list_display = ["municipality", "year", "statushouders", "gezinsmigranten"]
    list_filter = ["year", "municipality"]


class MunicipalitiesGroup(SnippetViewSetGroup):
    menu_label = _("Municipalities")
    menu_icon = "home"
    menu_order = 300
    items = (RegionViewSet, MunicipalityViewSet, IntakeVolumeViewSet)


register_snippet(MunicipalitiesGroup)


# --- Contracts and lots -----------------------------------------------------------------------

for _model in (Contract, Lot):
    register_permission_policy(_model, ModulePermissionPolicy(_model))


class ContractFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=ContractStatus.choices, empty_label=_("All")
    )
    provider = django_filters.ModelChoiceFilter(
        label=_("provider"),
        queryset=Provider.objects.filter(contracts__isnull=False).distinct().order_by("name"),
        widget=forms.Select,
    )
    municipalities = django_filters.ModelChoiceFilter(
        label=_("covers municipality"),
        queryset=Municipality.objects.order_by("name"),
        widget=forms.Select,
    )
    ends_on = django_filters.DateFromToRangeFilter(
        label=_("end date"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Contract
        fields = ["status", "provider", "municipalities", "ends_on"]


class LotFilterSet(WagtailFilterSet):
    component = django_filters.ChoiceFilter(
        label=_("component"), choices=RouteComponent.choices, empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=LotStatus.choices, empty_label=_("All")
    )
    capacity_period = django_filters.ChoiceFilter(
        label=_("capacity period"), choices=CapacityPeriod.choices, empty_label=_("All")
    )
    provider = django_filters.ModelChoiceFilter(
        label=_("provider"),
        field_name="contract__provider",
        queryset=Provider.objects.filter(contracts__isnull=False).distinct().order_by("name"),
        widget=forms.Select,
    )
    contract = django_filters.ModelChoiceFilter(
        label=_("contract"),
        queryset=Contract.objects.select_related("provider").order_by("reference"),
        widget=forms.Select,
    )

    class Meta:
        model = Lot
        fields = ["component", "status", "capacity_period", "provider", "contract"]


class _NoAutosave:
    """Contract changes take effect at once (no drafts), so nothing is saved behind the user's
    back: Wagtail's autosave would apply half-made changes and fold them into one revision."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.autosave_enabled = False


class ContractCreateView(_NoAutosave, CreateView):
    pass


class ContractEditView(_NoAutosave, EditView):
    pass


class LotCreateView(_NoAutosave, CreateView):
    def get_initial(self):
        """``?contract=<id>`` (the link on a contract's page) starts the lot in that contract."""
        initial = super().get_initial()
        contract = self.request.GET.get("contract", "")
        if contract.isdigit():
            initial["contract"] = int(contract)
        return initial


class LotEditView(_NoAutosave, EditView):
    pass


def _date(day: datetime.date | None) -> str:
    return date_format(day, "DATE_FORMAT") if day else "—"


class ContractInspectView(ReadableInspectView):
    def get_municipalities_display_value(self) -> str:
        return ", ".join(m.name for m in self.object.municipalities.order_by("name")) or "—"

    def get_extension_options_display_value(self) -> str:
        return self.object.extension_options or "—"

    def _lots(self) -> str:
        lots = self.object.lots.order_by("pk")
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a>: {}, {} / {}, {}</li>',
            (
                (
                    reverse("wagtailsnippets_contracts_lot:edit", args=[lot.pk]),
                    lot.name or lot.component_display,
                    euros(lot.tariff_cents),
                    lot.capacity,
                    lot.get_capacity_period_display().lower(),
                    lot.get_status_display(),
                )
                for lot in lots
            ),
        )
        add = format_html(
            '<a class="button button-small button-secondary" href="{}?contract={}">{}</a>',
            reverse("wagtailsnippets_contracts_lot:add"),
            self.object.pk,
            _("Add a lot"),
        )
        return format_html("<ul>{}</ul>{}", rows, add) if rows else add

    def _documents(self) -> str:
        documents = self.object.documents.select_related("document").order_by("sort_order")
        return (
            format_html_join(
                "",
                '<li><a href="{}">{}</a>{}</li>',
                (
                    (
                        item.document.url,
                        item.document.title,
                        f" ({item.description})" if item.description else "",
                    )
                    for item in documents
                ),
            )
            or "—"
        )

    def get_fields_context(self) -> list[dict]:
        return [
            *super().get_fields_context(),
            {"label": _("Lots"), "value": self._lots(), "component": None},
            {"label": _("Documents"), "value": self._documents(), "component": None},
        ]


class LotInspectView(ReadableInspectView):
    def get_field_label(self, field_name, field):
        if field_name == "tariff_cents":
            return _("Tariff per trajectory")
        return super().get_field_label(field_name, field)

    def get_tariff_cents_display_value(self) -> str:
        return euros(self.object.tariff_cents)

    def get_education_level_display_value(self) -> str:
        return self.object.get_education_level_display() or "—"

    def get_capacity_display_value(self) -> str:
        start, end = contracting.lot_period(lot=self.object, on=timezone.localdate())
        return _("%(capacity)s placements per %(period)s (now %(start)s to %(end)s)") % {
            "capacity": self.object.capacity,
            "period": self.object.get_capacity_period_display().lower(),
            "start": _date(start),
            "end": _date(end),
        }

    def get_keurmerk_display_value(self) -> str:
        provider = self.object.contract.provider
        return f"{provider.keurmerk_state.label} ({_date(provider.keurmerk_valid_until)})"

    def get_fields_context(self) -> list[dict]:
        fields = super().get_fields_context()
        fields.insert(
            1,
            {
                "label": _("Provider's Keurmerk Inburgeren"),
                "value": self.get_keurmerk_display_value(),
                "component": None,
            },
        )
        return fields


class ContractViewSet(ScopedSnippetViewSet):
    model = Contract
    icon = "clipboard-list"
    menu_label = _("Contracts")
    add_view_class = ContractCreateView
    edit_view_class = ContractEditView
    inspect_view_class = ContractInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_select_related = ("provider",)
    list_display = ["reference", "provider", "starts_on", "ends_on", "status"]
    filterset_class = ContractFilterSet
    search_fields = ["reference", "provider__name"]
    ordering = ["ends_on", "reference"]
    inspect_view_fields = [
        "reference",
        "provider",
        "status",
        "contracting_municipality",
        "municipalities",
        "starts_on",
        "ends_on",
        "extension_options",
    ]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [FieldPanel("reference"), FieldPanel("provider"), FieldPanel("status")],
                heading=_("Contract"),
            ),
            MultiFieldPanel(
                [FieldPanel("contracting_municipality"), FieldPanel("municipalities")],
                heading=_("Municipalities"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
                    FieldPanel("extension_options"),
                ],
                heading=_("Term"),
            ),
            MultipleChooserPanel(
                "documents",
                chooser_field_name="document",
                heading=_("Documents"),
                label=_("Document"),
                panels=[FieldPanel("document"), FieldPanel("description")],
            ),
        ],
        base_form_class=ContractAdminForm,
    )


LOT_PROVIDER_COLUMN = Column(
    "provider",
    label=_("Provider"),
    accessor="contract.provider.name",
    sort_key="contract__provider__name",
)
LOT_COMPONENT_COLUMN = Column(
    "component", label=_("Component"), accessor="component_display", sort_key="component"
)
LOT_TARIFF_COLUMN = Column(
    "tariff",
    label=_("Tariff per trajectory"),
    accessor=lambda lot: euros(lot.tariff_cents),
    sort_key="tariff_cents",
)
LOT_CAPACITY_COLUMN = Column(
    "capacity",
    label=_("Capacity"),
    accessor=lambda lot: f"{lot.capacity} / {lot.get_capacity_period_display().lower()}",
    sort_key="capacity",
)


class LotViewSet(ScopedSnippetViewSet):
    model = Lot
    icon = "list-ol"
    menu_label = _("Lots")
    add_view_class = LotCreateView
    edit_view_class = LotEditView
    inspect_view_class = LotInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_select_related = ("contract__provider",)
    list_display = [
        "__str__",
        LOT_PROVIDER_COLUMN,
        LOT_COMPONENT_COLUMN,
        LOT_TARIFF_COLUMN,
        LOT_CAPACITY_COLUMN,
        "status",
    ]
    filterset_class = LotFilterSet
    search_fields = ["name", "contract__reference", "contract__provider__name"]
    inspect_view_fields = [
        "contract",
        "name",
        "component",
        "education_level",
        "status",
        "tariff_cents",
        "capacity",
        "answer_within_working_days",
        "start_within_weeks",
        "offerings",
    ]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("contract"),
                    FieldPanel("name"),
                    FieldRowPanel([FieldPanel("component"), FieldPanel("education_level")]),
                    FieldPanel("status"),
                ],
                heading=_("Lot"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("tariff_cents"),
                    FieldRowPanel([FieldPanel("capacity"), FieldPanel("capacity_period")]),
                ],
                heading=_("Tariff and capacity"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [FieldPanel("answer_within_working_days"), FieldPanel("start_within_weeks")]
                    )
                ],
                heading=_("Service levels"),
            ),
            FieldPanel("offerings"),
        ],
        base_form_class=LotAdminForm,
    )


class ContractsGroup(SnippetViewSetGroup):
    menu_label = _("Contracts")
    menu_icon = "clipboard-list"
    menu_order = 250
    items = (ContractViewSet, LotViewSet)


register_snippet(ContractsGroup)


# --- The contract manager's start page --------------------------------------------------------


class ContractWatchPanel(Component):
    """On the admin's start page: contracts ending soon, lots nearly full, and lots whose
    provider's quality mark is not valid or lapses during the contract."""

    name = "contract_watch"
    template_name = "contracts/admin/home_panel.html"
    order = 50

    def get_context_data(self, parent_context):
        today = timezone.localdate()
        ending = [
            {"contract": contract, "days_left": (contract.ends_on - today).days}
            for contract in contracting.contracts_ending_soon(today=today)
        ]
        contracts_url = reverse("wagtailsnippets_contracts_contract:list")
        last_day = today + datetime.timedelta(days=contracting.ENDING_SOON_DAYS)
        return {
            "today": today,
            # The contract list filtered as ``contracting.contracts_ending_soon`` chooses.
            "ending_url": f"{contracts_url}?status={ContractStatus.ACTIVE}"
            f"&ends_on_from={today.isoformat()}&ends_on_to={last_day.isoformat()}",
            "lots_url": reverse("wagtailsnippets_contracts_lot:list")
            + f"?status={LotStatus.ACTIVE}",
            "ending_days": contracting.ENDING_SOON_DAYS,
            "threshold_percent": int(contracting.UTILISATION_THRESHOLD * 100),
            "ending": ending,
            "nearly_full": contracting.lots_above_threshold(
                today=today, used=contracting.lot_placements_used(today=today)
            ),
            "keurmerk_flags": contracting.lots_with_keurmerk_at_risk(today=today),
            "duo_loans_at_risk": (
                duo_loan_enrolments_without_valid_keurmerk(on=today).count()
                if duo_loans_at_risk_viewer(parent_context["request"].user)
                else None
            ),
        }


@hooks.register("construct_homepage_panels")
def contract_watch_panel(request, panels):
    if permissions.can_on_model(request.user, Action.VIEW, Contract):
        panels.append(ContractWatchPanel())
