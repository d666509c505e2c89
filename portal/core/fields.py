"""Model fields the apps share."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from portal.core.forms import EurosField


def actor_field(verbose_name: str, *, blank: bool = False) -> models.ForeignKey:
    """Who did something: a user, left empty when their account is deleted (the record of what
    happened stays). No reverse relation: nobody asks a user for everything they did."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name="+",
    )


class EuroCentsField(models.PositiveIntegerField):
    """Money: stored as whole euro cents (an integer never rounds), typed and read in euros. Its
    form field is ``portal.core.forms.EurosField``; the admin shows it in euros in listings,
    inspect views and the comparison of revisions (``portal.core.admin_display``)."""

    def formfield(self, **kwargs):
        limits = [v.limit_value for v in self.validators if isinstance(v, MaxValueValidator)]
        return super().formfield(
            **{"form_class": EurosField, "max_value": min(limits, default=None), **kwargs}
        )
