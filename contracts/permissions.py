"""The object rules of contracts, learners and referrals, stated to the permission engine.

A klantmanager works on the learners, referrals and advice of their own municipality; a provider
sees a referral to its lots once it is sent. Imported by ``ContractsConfig.ready``.
"""

from __future__ import annotations

from django.db.models import Q

from portal.permissions import Action, ObjectRules, rules_register


def _referral_provider_condition(action: Action) -> Q:
    # A draft is the klantmanager's own until it is sent.
    return ~Q(state="draft")


def register() -> None:
    rules_register("contracts.learner", ObjectRules(municipality_path="municipality_id"))
    # The learner's municipality gives and follows the advice; the learner reads it once the
    # link in the e-mail bound it to their account.
    rules_register(
        "contracts.advice",
        ObjectRules(municipality_path="learner__municipality_id", owner_path="user_id"),
    )
    rules_register(
        "contracts.referral",
        ObjectRules(
            provider_path="lot__contract__provider_id",
            provider_condition=_referral_provider_condition,
            municipality_path="learner__municipality_id",
            # After a warm transfer the sending side still reads the referrals it made.
            municipality_view_paths=("created_by__municipality_id",),
        ),
    )
