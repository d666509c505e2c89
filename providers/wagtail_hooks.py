from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from providers.models import Language, Location, Offering, Provider, StartMoment


class OfferingViewSet(SnippetViewSet):
    model = Offering
    icon = "doc-full"
    menu_label = _("Offerings")
    list_display = ["title", "provider", "component", "schedule", "live"]
    list_filter = ["component", "schedule", "live", "provider"]
    search_fields = ["title"]
    panels = [
        FieldPanel("provider"),
        FieldPanel("title"),
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
    ]


class ProviderViewSet(SnippetViewSet):
    model = Provider
    icon = "group"
    menu_label = _("Providers")
    list_display = ["name", "kind", "keurmerk_status", "keurmerk_valid_until", "is_active"]
    list_filter = ["kind", "keurmerk_status", "is_active"]
    search_fields = ["name"]


class LocationViewSet(SnippetViewSet):
    model = Location
    icon = "site"
    menu_label = _("Locations")
    list_display = ["name", "provider", "city", "municipality"]
    list_filter = ["municipality", "provider"]


class StartMomentViewSet(SnippetViewSet):
    model = StartMoment
    icon = "date"
    menu_label = _("Start dates")
    list_display = ["offering", "starts_on", "location", "seats", "seats_taken"]
    list_filter = ["starts_on"]
    ordering = ["starts_on"]


class LanguageViewSet(SnippetViewSet):
    model = Language
    icon = "globe"
    menu_label = _("Languages")
    list_display = ["code", "name_en", "name_nl", "native_name"]


class CatalogueGroup(SnippetViewSetGroup):
    menu_label = _("Catalogue")
    menu_icon = "list-ul"
    menu_order = 200
    items = (OfferingViewSet, StartMomentViewSet, ProviderViewSet, LocationViewSet, LanguageViewSet)


register_snippet(CatalogueGroup)
