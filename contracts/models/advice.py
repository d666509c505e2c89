"""The municipality's advice to a gezinsmigrant on suitable courses (``contracts.advising``).

Gezinsmigranten choose a school and pay for it themselves; the municipality may advise them
(domain notes, "Who is who"). A klantmanager picks a few published courses with a short note; the
learner gets an e-mail with a link that binds the advice to their account, sees it on their own
page and enrols from there; the klantmanager then sees whether and where they enrolled.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from contracts.models.learners import Learner
from portal.core.fields import actor_field

NOTE_MAX_LENGTH = 1000


class Advice(models.Model):
    """One advice to a learner: the courses (``AdviceOffering``), a note, where it was sent and
    the learner's account once they opened the link.

    ``email`` and ``note`` are personal data: retention empties them and unlinks the account
    (``contracts.retention``); deleting the learner deletes their advice.
    """

    learner = models.ForeignKey(
        Learner, verbose_name=_("learner"), on_delete=models.CASCADE, related_name="advices"
    )
    klantmanager = actor_field(_("advised by"))
    note = models.TextField(_("note for the learner"), max_length=NOTE_MAX_LENGTH, blank=True)
    email = models.EmailField(_("sent to"))
    language = models.CharField(
        _("language of the e-mail"), max_length=8, choices=settings.LANGUAGES, default="nl"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner's account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="advices",
    )
    created_at = models.DateTimeField(_("advised at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)
    linked_at = models.DateTimeField(_("opened by the learner at"), null=True, blank=True)

    class Meta:
        verbose_name = _("advice")
        verbose_name_plural = _("advice")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.learner_id}: {self.created_at:%Y-%m-%d}"


class AdviceOffering(models.Model):
    """One course of an advice, in the order the klantmanager gave them."""

    advice = models.ForeignKey(
        Advice, verbose_name=_("advice"), on_delete=models.CASCADE, related_name="advised"
    )
    offering = models.ForeignKey(
        "providers.Offering",
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("advised course")
        verbose_name_plural = _("advised courses")
        ordering = ["advice", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["advice", "offering"], name="adviceoffering_once_per_advice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.advice_id}: {self.offering_id}"
