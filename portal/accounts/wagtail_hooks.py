from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from portal.accounts import admin_views
from portal.permissions import Action
from providers.permissions import providers_for


@hooks.register("register_admin_urls")
def team_urls():
    return [
        path("team/", admin_views.team, name="provider_team"),
        path(
            "team/<int:pk>/remove/",
            admin_views.team_member_remove,
            name="provider_team_member_remove",
        ),
    ]


class TeamMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return providers_for(request.user, Action.INVITE).exists()


@hooks.register("register_admin_menu_item")
def team_menu_item():
    return TeamMenuItem(_("Team"), reverse("provider_team"), icon_name="group", order=900)


@hooks.register("register_account_menu_item")
def account_pages_menu_item(request) -> dict:
    """The admin's account page changes no e-mail address or password (allauth does, with its
    verification and rate limits): this points to where they are."""
    return {
        "url": reverse("account_overview"),
        "label": _("E-mail address, password and two-factor authentication"),
        "help_text": _(
            "Your password, e-mail address and authenticator app; download your data or delete "
            "your account."
        ),
    }
