"""The portal's URLs plus the spreadsheet import under /admin/import/, for the import's view tests
(until the import is wired into the admin itself)."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns
from providers.import_views import urlpatterns as import_urlpatterns

urlpatterns = [
    path("admin/import/", include((import_urlpatterns, "offering_import"))),
    *portal_urlpatterns,
]
