from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from contracts.models import IntakeVolume, Municipality, Region


class RegionViewSet(SnippetViewSet):
    model = Region
    icon = "globe"
    list_display = ["name", "central_municipality"]


class MunicipalityViewSet(SnippetViewSet):
    model = Municipality
    icon = "home"
    list_display = ["name", "cbs_code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "cbs_code"]


class IntakeVolumeViewSet(SnippetViewSet):
    model = IntakeVolume
    icon = "table"
    list_display = ["municipality", "year", "statushouders", "gezinsmigranten"]
    list_filter = ["year", "municipality"]


class MunicipalitiesGroup(SnippetViewSetGroup):
    menu_label = _("Municipalities")
    menu_icon = "home"
    menu_order = 300
    items = (RegionViewSet, MunicipalityViewSet, IntakeVolumeViewSet)


register_snippet(MunicipalitiesGroup)
