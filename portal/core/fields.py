"""Model fields the apps share."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
