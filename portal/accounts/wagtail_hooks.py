from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks


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
