from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from portal.payments import admin_views
from portal.payments.permissions import payment_account_providers
from portal.permissions import Action


@hooks.register("register_admin_urls")
def online_payments_urls():
    return [path("payments/", include((admin_views.urlpatterns, admin_views.NAMESPACE)))]


class OnlinePaymentsMenuItem(MenuItem):
    """For provider administrators and contract managers: who may see a connected account."""

    def is_shown(self, request) -> bool:
        return payment_account_providers(request.user, Action.VIEW).exists()


@hooks.register("register_admin_menu_item")
def online_payments_menu_item():
    return OnlinePaymentsMenuItem(
        _("Online payments"),
        reverse(f"{admin_views.NAMESPACE}:overview"),
        icon_name="tag",
        order=230,
    )
