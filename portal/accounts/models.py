from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.permissions.roles import Role

__all__ = ["Invitation", "Role", "User"]


class User(AbstractUser):
    email = models.EmailField(_("e-mail address"), unique=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LEARNER)
    municipality = models.ForeignKey(
        "places.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("For klantmanagers: the municipality they work for."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language the person last chose on the site: for e-mails and payment."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def language_or(self, fallback: str | None) -> str:
        """The language to write to this person in: the one they last chose on the site, else
        ``fallback`` (e.g. the language of the page they used), else Dutch."""
        return self.language or fallback or settings.LANGUAGE_CODE


class Invitation(models.Model):
    """An invitation to join a provider's team; accepted through a signed link in an e-mail."""

    email = models.EmailField(_("e-mail address"))
    provider = models.ForeignKey(
        "providers.Provider",
        verbose_name=_("provider"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    membership_role = models.CharField(_("role"), max_length=10)
    invited_by = models.ForeignKey(
        User, verbose_name=_("invited by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.provider}"
