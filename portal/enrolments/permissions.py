"""The object rules of enrolments and waiting-list places, stated to the permission engine.

A learner acts on their own; a provider's staff see those of their own courses. Imported by
``EnrolmentsConfig.ready``.
"""

from __future__ import annotations

from portal.permissions import ObjectRules, rules_register


def register() -> None:
    for label in ("enrolments.enrolment", "enrolments.waitinglistentry"):
        rules_register(
            label,
            ObjectRules(provider_path="start_moment__offering__provider_id", owner_path="user_id"),
        )
