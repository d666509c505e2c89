"""Stripe Connect: a provider onboards its own (Express) account, which receives its sales.

What is asked of Stripe and what is stored; the calls go through ``portal.payments.gateway``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from portal.payments import gateway
from portal.payments.client import PaymentsUnavailable, payments_enabled
from portal.payments.models import ConnectedAccount
from providers.models import Provider

logger = logging.getLogger(__name__)


def onboarding_link(*, provider: Provider, return_url: str, refresh_url: str) -> str:
    """The address of Stripe's onboarding for ``provider``, creating its account the first time."""
    if not payments_enabled():
        raise PaymentsUnavailable("STRIPE_SECRET_KEY is not set")
    try:
        with transaction.atomic():
            account = ConnectedAccount.objects.select_for_update().filter(provider=provider).first()
            if account is None:
                params = {
                    "type": "express",
                    "country": settings.STRIPE_CONNECT_COUNTRY,
                    "business_type": "company",
                    "business_profile": {"name": provider.name},
                    "capabilities": {
                        "card_payments": {"requested": True},
                        "transfers": {"requested": True},
                    },
                    "metadata": {"provider": str(provider.pk), "slug": provider.slug},
                    "default_currency": "eur",
                }
                if provider.email:
                    params["email"] = provider.email
                if provider.website:
                    params["business_profile"]["url"] = provider.website
                created_id = gateway.account_create(
                    params=params,
                    idempotency_key=f"provider-{provider.pk}-connect-account",
                )
                account = ConnectedAccount.objects.create(
                    provider=provider, stripe_account_id=created_id
                )
        return gateway.account_link_create(
            params={
                "account": account.stripe_account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            }
        )
    except PaymentsUnavailable as exc:
        logger.warning("Onboarding link for provider %s failed: %s", provider.pk, exc)
        raise


def account_status_refresh(account: ConnectedAccount) -> ConnectedAccount:
    """Read the account's state from Stripe (after the provider returns from onboarding)."""
    return account_status_store(gateway.account_retrieve(account_id=account.stripe_account_id))


def account_status_store(remote: dict) -> ConnectedAccount:
    """Store what Stripe says about a connected account (``account.updated`` or a read)."""
    account = ConnectedAccount.objects.get(stripe_account_id=remote["id"])
    account.charges_enabled = bool(remote.get("charges_enabled"))
    account.payouts_enabled = bool(remote.get("payouts_enabled"))
    account.details_submitted = bool(remote.get("details_submitted"))
    account.save(
        update_fields=["charges_enabled", "payouts_enabled", "details_submitted", "updated_at"]
    )
    return account
