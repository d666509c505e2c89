from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from contracts.api import ReleasePackageView
from portal import media, views
from portal.core import metrics
from portal.payments import webhooks as payment_webhooks
from portal.places.api import NearestPostcodeAreaView
from portal.web import account as account_views
from portal.web import choose
from providers.api.views import OfferingViewSet, ProviderViewSet, StartMomentViewSet

router = DefaultRouter()
router.register("offerings", OfferingViewSet, basename="offering")
router.register("providers", ProviderViewSet, basename="provider")
router.register("start-moments", StartMomentViewSet, basename="start-moment")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    # One door in: Wagtail's own login pages give way to allauth's (account_views.wagtail_login).
    path("admin/login/", account_views.wagtail_login, name="admin_login"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/v1/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
    path("api/v1/ocds/releases/", ReleasePackageView.as_view(), name="ocds-releases"),
    path(
        "api/v1/places/nearest/",
        NearestPostcodeAreaView.as_view(),
        name="places-nearest",
    ),
    path("api/v1/", include(router.urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("payments/stripe/webhook/", payment_webhooks.stripe_webhook, name="stripe_webhook"),
]

if settings.MEDIA_SERVE:
    # Public media (image renditions) from local disk; private files have no address here.
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media.public_file, name="media")
    )

urlpatterns += i18n_patterns(
    path("", include("portal.web.urls")),
    path("kies/", choose.choose, name="choose"),
    path("accounts/profile/", account_views.account_overview, name="account_overview"),
    path("accounts/profile/data/", account_views.account_data_export, name="account_data_export"),
    path("accounts/profile/delete/", account_views.account_delete, name="account_delete"),
    path(
        "accounts/invitation/<str:token>/",
        account_views.invitation_accept,
        name="invitation_accept",
    ),
    path("accounts/2fa/totp/activate/", account_views.totp_activate, name="mfa_activate_totp"),
    path("accounts/", include("allauth.urls")),
    path("_util/login/", account_views.wagtail_login, name="private_page_login"),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
