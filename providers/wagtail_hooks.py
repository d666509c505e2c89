import django_filters
from django import forms
from django.db import IntegrityError
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSetGroup

from portal import permissions
from portal.permissions import Action
from portal.permissions.wagtail import ModulePermissionPolicy, ScopedSnippetViewSet
from providers import admin_home as admin_home  # registers the start page's panels
from providers import import_views, invitation_views, start_moments, workflows
from providers.admin_forms import (
    LocationAdminForm,
    OfferingAdminForm,
    ProviderAdminForm,
    StartMomentAdminForm,
)
from providers.models import (
    Language,
    Location,
    Offering,
    Provider,
    StartMoment,
    TranslationLanguage,
)
from providers.permissions import providers_for


def _own_providers(request):
    if request is None:
        return Provider.objects.none()
    return permissions.scope(request.user, Action.VIEW, Provider.objects.all())


def _offering_change(queryset, name, value):
    return queryset.filter(workflows.offering_change_q(value)) if value else queryset


def _start_date_attention(queryset, name, value):
    today = timezone.localdate()
    if value == "nearly_full":
        return queryset.filter(start_moments.start_moment_nearly_full_q())
    if value == "empty_soon":
        return queryset.filter(start_moments.start_moment_empty_soon_q(today=today))
    return queryset


class OfferingAdminFilterSet(WagtailFilterSet):
    provider = django_filters.ModelChoiceFilter(
        label=_("provider"), queryset=_own_providers, widget=forms.Select
    )
    # Linked from the start page (``providers.admin_home``).
    change = django_filters.ChoiceFilter(
        label=_("change"),
        choices=workflows.ChangeStatus.choices,
        method=_offering_change,
        empty_label=_("All"),
    )

    class Meta:
        model = Offering
        fields = ["component", "schedule", "live", "provider", "change"]


class StartMomentAdminFilterSet(WagtailFilterSet):
    # Linked from the providers' start page (``providers.admin_home``).
    attention = django_filters.ChoiceFilter(
        label=_("needs attention"),
        choices=[
            ("nearly_full", _("Nearly full")),
            ("empty_soon", _("Starts soon, no one yet")),
        ],
        method=_start_date_attention,
        empty_label=_("All"),
    )

    class Meta:
        model = StartMoment
        fields = ["starts_on", "attention"]


class LocationAdminFilterSet(WagtailFilterSet):
    provider = django_filters.ModelChoiceFilter(
        label=_("provider"), queryset=_own_providers, widget=forms.Select
    )

    class Meta:
        model = Location
        fields = ["municipality", "provider"]


for _model in (Offering, Provider, Location, StartMoment, Language):
    register_permission_policy(_model, ModulePermissionPolicy(_model))


class OfferingViewSet(ScopedSnippetViewSet):
    model = Offering
    list_select_related = ("provider",)
    icon = "doc-full"
    menu_label = _("Offerings")
    list_display = ["title", "provider", "component", "schedule", "live"]
    filterset_class = OfferingAdminFilterSet
    # No ``search_fields``: the search uses the model's own index (``Offering.search_fields``);
    # naming fields here makes the database backend search columns its index does not have.
    edit_handler_panels = [
        FieldPanel("provider"),
        FieldPanel("title"),
        FieldPanel("reference"),
        FieldRowPanel([FieldPanel("component"), FieldPanel("education_level")]),
        FieldPanel("summary"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("for_statushouders"), FieldPanel("for_gezinsmigranten")]),
                FieldRowPanel([FieldPanel("cefr_from"), FieldPanel("cefr_to")]),
            ],
            heading=_("Who and which level"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("hours_total"),
                        FieldPanel("hours_per_week"),
                        FieldPanel("duration_weeks"),
                    ]
                ),
                FieldPanel("schedule"),
                FieldPanel("locations"),
                FieldPanel("support_languages"),
                FieldPanel("childcare"),
            ],
            heading=_("Time and place"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("price_cents"),
                FieldRowPanel(
                    [FieldPanel("price_includes_exams"), FieldPanel("price_includes_materials")]
                ),
                FieldPanel("price_includes_other"),
                FieldPanel("duo_loan_eligible"),
            ],
            heading=_("Price"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("pass_rate_percent"),
                        FieldPanel("pass_rate_year"),
                        FieldPanel("pass_rate_sample_size"),
                    ]
                )
            ],
            heading=_("Results"),
        ),
        # Part of the offering's form, so translations are saved in its revisions and go
        # through the same approval as the Dutch text.
        InlinePanel(
            "translations",
            heading=_("Other languages"),
            label=_("Translation"),
            help_text=_(
                "Optional: the text in another language. Empty fields show the Dutch text, "
                "with a note that you wrote it in Dutch."
            ),
            max_num=len(TranslationLanguage.choices),
            panels=[
                FieldPanel("language"),
                FieldPanel("title"),
                FieldPanel("summary"),
                FieldPanel("description"),
                FieldPanel("price_includes_other"),
            ],
        ),
    ]
    edit_handler = ObjectList(edit_handler_panels, base_form_class=OfferingAdminForm)


class ProviderViewSet(ScopedSnippetViewSet):
    model = Provider
    icon = "group"
    menu_label = _("Providers")
    list_display = ["name", "kind", "keurmerk_status", "keurmerk_valid_until", "is_active"]
    list_filter = ["kind", "keurmerk_status", "is_active"]
    # Searched through the model's own index (``Provider.search_fields``), like offerings.
    # Editors may see their provider but only its administrators change it: they read it here.
    inspect_view_enabled = True
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("slug"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("kvk_number")]),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("website"), FieldPanel("email"), FieldPanel("phone")]),
            MultiFieldPanel(
                [
                    FieldPanel("keurmerk_status"),
                    FieldRowPanel(
                        [FieldPanel("keurmerk_valid_until"), FieldPanel("keurmerk_stars")]
                    ),
                ],
                heading=_("Keurmerk Inburgeren"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("cancellation_terms"),
                    FieldPanel("late_cancellation_refund_percent"),
                ],
                heading=_("Cancellation by self-paying learners"),
            ),
            InlinePanel(
                "translations",
                heading=_("Cancellation terms in other languages"),
                label=_("Translation"),
                help_text=_(
                    "Optional: the cancellation terms in another language. Learners who enrol "
                    "in that language get these terms; others get the Dutch terms, with a note "
                    "that you wrote them in Dutch."
                ),
                max_num=len(TranslationLanguage.choices),
                panels=[FieldPanel("language"), FieldPanel("cancellation_terms")],
            ),
            FieldPanel("is_active"),
        ],
        base_form_class=ProviderAdminForm,
    )


class LocationViewSet(ScopedSnippetViewSet):
    model = Location
    list_select_related = ("provider", "municipality")
    icon = "site"
    menu_label = _("Locations")
    list_display = ["name", "provider", "city", "municipality"]
    filterset_class = LocationAdminFilterSet
    search_fields = ["name", "city"]
    edit_handler = ObjectList(
        [
            FieldPanel("provider"),
            FieldPanel("name"),
            FieldPanel("street_address"),
            FieldRowPanel([FieldPanel("postcode"), FieldPanel("city")]),
            FieldPanel("municipality"),
            FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
            FieldPanel("accessibility_notes"),
        ],
        base_form_class=LocationAdminForm,
    )


class StartMomentEditView(EditView):
    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except IntegrityError:
            # A seat was taken between reading the form and saving it: the database refused
            # seats below the seats taken (``startmoment_seats_taken_within_seats``).
            taken = StartMoment.objects.filter(pk=self.object.pk).values_list(
                "seats_taken", flat=True
            )[0]
            form.add_error(
                "seats",
                _("%(taken)s seats are already taken; the number of seats cannot be lower.")
                % {"taken": taken},
            )
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class StartMomentViewSet(ScopedSnippetViewSet):
    model = StartMoment
    edit_view_class = StartMomentEditView
    list_select_related = ("offering", "location")
    icon = "date"
    menu_label = _("Start dates")
    list_display = ["offering", "starts_on", "location", "seats", "seats_taken"]
    filterset_class = StartMomentAdminFilterSet
    ordering = ["starts_on"]
    edit_handler = ObjectList(
        [
            FieldPanel("offering"),
            FieldPanel("location"),
            FieldPanel("reference"),
            FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
            FieldPanel("enrolment_deadline"),
            FieldPanel("seats"),
        ],
        base_form_class=StartMomentAdminForm,
    )


class LanguageViewSet(ScopedSnippetViewSet):
    model = Language
    icon = "globe"
    menu_label = _("Languages")
    list_display = ["code", "name_en", "name_nl", "native_name"]
    # Provider staff read the languages; contract managers and site editors keep them.
    inspect_view_enabled = True


class CatalogueGroup(SnippetViewSetGroup):
    menu_label = _("Catalogue")
    menu_icon = "list-ul"
    menu_order = 200
    items = (OfferingViewSet, StartMomentViewSet, ProviderViewSet, LocationViewSet, LanguageViewSet)


register_snippet(CatalogueGroup)


# Deleting (one by one or in bulk) asks ``portal.permissions.delete_refusals``, which holds the
# catalogue's rules: a published offering is withdrawn, a start date with seats taken stays
# (``portal.permissions.wagtail``).


@hooks.register("register_admin_urls")
def offering_import_urls():
    return [path("import/", include((import_views.urlpatterns, "offering_import")))]


class ImportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return providers_for(request.user, Action.IMPORT).exists()


@hooks.register("register_admin_menu_item")
def offering_import_menu_item():
    return ImportMenuItem(
        _("Spreadsheet import"),
        reverse("offering_import:upload"),
        icon_name="upload",
        order=210,
    )


# The Team page: a provider's administrators invite colleagues (providers/invitation_views.py).
@hooks.register("register_admin_urls")
def team_urls():
    return [
        path("team/", invitation_views.team, name="provider_team"),
        path(
            "team/<int:pk>/remove/",
            invitation_views.team_member_remove,
            name="provider_team_member_remove",
        ),
    ]


class TeamMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return providers_for(request.user, Action.INVITE).exists()


@hooks.register("register_admin_menu_item")
def team_menu_item():
    return TeamMenuItem(_("Team"), reverse("provider_team"), icon_name="group", order=900)
