"""The roles a person may have: the permission engine's vocabulary.

The ``User`` model (``portal.accounts.models``) stores one of them; it lives here so that the
engine, below every domain app, does not import the accounts app above it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEARNER = "LEARNER", _("Learner")
    PROVIDER_STAFF = "PROVIDER_STAFF", _("Provider staff")
    CASE_MANAGER = "CASE_MANAGER", _("Klantmanager")
    CONTRACT_MANAGER = "CONTRACT_MANAGER", _("Contract manager")
    SITE_EDITOR = "SITE_EDITOR", _("Site editor")
    AUDITOR = "AUDITOR", _("Auditor")


STAFF_ROLES = frozenset(
    {Role.PROVIDER_STAFF, Role.CASE_MANAGER, Role.CONTRACT_MANAGER, Role.SITE_EDITOR, Role.AUDITOR}
)
