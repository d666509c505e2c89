from __future__ import annotations

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail.url_routing import RouteResult
from wagtail_localize.fields import SynchronizedField

from cms import catalogue_views
from cms.blocks import BodyBlock
from cms.links import catalogue_url
from portal.core import inputs  # noqa: F401  registers the <id:…> converter the routes below use

# The slug is not translated: a page has the same address in every language (/ar/aanbod/ is
# /aanbod/ in Arabic), so the language switch, which only changes the prefix, finds it.
SAME_ADDRESS_IN_EVERY_LANGUAGE = [SynchronizedField("slug", overridable=False)]


class HomePage(Page):
    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.ContentPage", "cms.CataloguePage"]
    max_count_per_parent = 1
    override_translatable_fields = SAME_ADDRESS_IN_EVERY_LANGUAGE

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # In the visitor's language (/en/aanbod/ for /en/), so the doors keep them in English.
        context["catalogue_url"] = catalogue_url(request)
        return context

    def route(self, request: HttpRequest, path_components: list[str]) -> RouteResult:
        """Wagtail's routing, with the catalogue (most of the site's requests) found in one
        query: Wagtail reads the child's page row, then its specific row; here the catalogue's
        row comes joined to the page row. Any other child goes on as Wagtail does it."""
        if not path_components:
            return super().route(request, path_components)
        try:
            child = self.get_children().select_related("cataloguepage").get(slug=path_components[0])
        except Page.DoesNotExist as exc:
            raise Http404 from exc
        specific = child.cataloguepage if child.specific_class is CataloguePage else child.specific
        # As Wagtail does: the parent is known, so ``get_parent`` needs no query.
        specific._cached_parent_obj = self
        return specific.route(request, path_components[1:])


class ContentPage(Page):
    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["cms.HomePage", "cms.ContentPage"]
    subpage_types = ["cms.ContentPage"]
    override_translatable_fields = SAME_ADDRESS_IN_EVERY_LANGUAGE

    class Meta:
        verbose_name = _("content page")


class CataloguePage(RoutablePageMixin, Page):
    """The public catalogue: list with filters, offering detail, provider profile and compare."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    empty_text = models.CharField(
        _("text when nothing matches"),
        max_length=300,
        blank=True,
        help_text=_("Shown when no offering matches the filters."),
    )
    page_size = models.PositiveSmallIntegerField(_("offerings per page"), default=20)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("empty_text"),
        FieldPanel("page_size"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    override_translatable_fields = SAME_ADDRESS_IN_EVERY_LANGUAGE

    class Meta:
        verbose_name = _("catalogue page")

    @path("", name="list")
    def list_view(self, request: HttpRequest) -> HttpResponse:
        return catalogue_views.offering_list(request, page=self)

    @path("cursus/<id:offering_id>/", name="offering")
    def offering_view(self, request: HttpRequest, offering_id: int) -> HttpResponse:
        return catalogue_views.offering_detail(request, page=self, offering_id=offering_id)

    @path("aanbieder/<slug:provider_slug>/", name="provider")
    def provider_view(self, request: HttpRequest, provider_slug: str) -> HttpResponse:
        return catalogue_views.provider_detail(request, page=self, provider_slug=provider_slug)

    @path("vergelijk/", name="compare")
    def compare_view(self, request: HttpRequest) -> HttpResponse:
        return catalogue_views.offering_compare(request, page=self)

    @path("vergelijk/lijst/", name="compare_list")
    def compare_list_view(self, request: HttpRequest) -> HttpResponse:
        return catalogue_views.compare_list_change(request, page=self)
