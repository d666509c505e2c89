"""The region's contracts as an Open Contracting Data Standard (OCDS 1.1) release package.

Contracts are public information (Wet open overheid; Aanbestedingswet 2012 on award notices), so the
package is public at ``/api/v1/ocds/releases/``. It holds no personal data: no learners, no staff
(not who created, changed or uploaded anything), and of a provider only its name, KvK number and
website, not its contact e-mail or telephone.

One release per contract describes its current state, compiled from the tender (the lots as items),
the award to the provider and the contract itself. Its ``id`` and ``date`` come from the last change
of the contract, its lots or its provider, so an unchanged contract keeps its release and a changed
one gets a new release, as the standard asks (a published release is never edited).

Schema: https://standard.open-contracting.org/schema/1__1__5/release-package-schema.json and
release-schema.json; the tests validate against copies in ``tests/contracts/ocds_schema/``.
"""

from __future__ import annotations

import datetime
import mimetypes
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contracts.contracting import period_containing
from contracts.models import Contract, ContractDocument, ContractStatus, Lot
from portal.places.models import Municipality
from providers.choices import Component
from providers.models import Provider

OCDS_VERSION = "1.1"
CURRENCY = "EUR"

PUBLIC_CONTRACT_STATUSES = (ContractStatus.ACTIVE, ContractStatus.ENDED, ContractStatus.TERMINATED)
"""The statuses whose contracts are published.

A draft is left out: it is not signed, may still change or never come into force, and publishing
it would announce an award before the municipality has decided. Active contracts are in force.
Ended and terminated ones stay in the package: they were public when signed, and the standard asks
publishers to keep the history of a contracting process available rather than let it disappear.
(The model has no "cancelled" status; a contract that never came into force stays a draft.)
"""

CONTRACT_STATUS = {
    ContractStatus.ACTIVE: "active",
    ContractStatus.ENDED: "terminated",
    ContractStatus.TERMINATED: "terminated",
}
"""ContractStatus to OCDS 1.1's closed contractStatus codelist, whose "terminated" covers both a
contract that ran its term and one ended early ("…has now come to a close. This may be due to
successful completion of the contract, or may be early termination")."""

CPV_LANGUAGE_COURSES = "80580000"
CPV_ADULT_EDUCATION = "80400000"
COMPONENT_CPV = {
    Component.B1_ROUTE: CPV_LANGUAGE_COURSES,
    Component.Z_ROUTE: CPV_LANGUAGE_COURSES,
    Component.ALFABETISERING: CPV_LANGUAGE_COURSES,
    Component.ONDERWIJSROUTE: CPV_ADULT_EDUCATION,
    Component.KNM: CPV_ADULT_EDUCATION,
    Component.MAP: CPV_ADULT_EDUCATION,
    Component.PVT: CPV_ADULT_EDUCATION,
    Component.BRUGKLAS: CPV_ADULT_EDUCATION,
}
"""Common Procurement Vocabulary (CPV 2008, the EU's classification that Dutch tenders use) per
component: the two learning routes and literacy are "provision of language courses" (80580000); the
education route, KNM and the municipality's own modules are "adult and other education services"
(80400000). Codes without the check digit, as eForms and TED give them."""

KVK_SCHEME = "NL-KVK"
"""org-id.guide's scheme for the Dutch Chamber of Commerce register.

Municipalities get no ``identifier``: their CBS code (GM0392) is in no org-id.guide scheme (NL-OWMS
names municipalities by name, not by code, and the government's TOOI list is not registered there),
so the code is only the party's ``id``. Should the model record municipalities' OIN or KvK numbers,
``NL-OIN`` or ``NL-KVK`` are the schemes to use."""


def ocid(*, contract: Contract) -> str:
    """The contract's Open Contracting ID: ``OCDS_OCID_PREFIX``, a hyphen and the contract's pk.

    The pk, not the reference, because an ocid must never change and contract managers may correct
    a reference. ``OCDS_OCID_PREFIX`` must be a prefix that the Open Contracting Partnership has
    registered for the publisher (``ocds-`` and six characters); the default ``ocds-routewijzer``
    is a placeholder that is unique nowhere, so set the registered one before publishing.
    """
    prefix = settings.OCDS_OCID_PREFIX.rstrip("-")
    return f"{prefix}-{contract.pk}"


def ocds_contracts(*, since: datetime.date | None = None) -> QuerySet[Contract]:
    """The published contracts with everything a release needs, in four queries however many.

    ``since`` keeps those whose contract, lots or provider changed on or after that day (midnight
    in the site's time zone).
    """
    contracts = (
        Contract.objects.filter(status__in=PUBLIC_CONTRACT_STATUSES)
        .select_related("provider", "contracting_municipality")
        .prefetch_related(
            Prefetch("municipalities", queryset=Municipality.objects.order_by("name", "pk")),
            Prefetch("lots", queryset=Lot.objects.order_by("pk")),
            Prefetch(
                "documents",
                queryset=ContractDocument.objects.select_related("document").order_by(
                    "sort_order", "pk"
                ),
            ),
        )
        .order_by("reference")
    )
    if since is not None:
        moment = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        lots_changed = Lot.objects.filter(contract=OuterRef("pk"), updated_at__gte=moment)
        contracts = contracts.filter(
            Q(updated_at__gte=moment) | Q(provider__updated_at__gte=moment) | Exists(lots_changed)
        )
    return contracts


def lot_trajectories(*, lot: Lot, starts_on: datetime.date, ends_on: datetime.date) -> int:
    """The most trajectories the lot can place from ``starts_on`` to ``ends_on``: its capacity
    in each calendar capacity period that the term touches, as ``contracts.capacity`` counts
    (a contract from 1 July to 30 June of the next year touches two calendar years)."""
    periods = 0
    day = starts_on
    while day <= ends_on:
        periods += 1
        _first, last = period_containing(kind=lot.capacity_period, on=day)
        day = last + datetime.timedelta(days=1)
    return lot.capacity * periods


def contract_value_cents(*, contract: Contract, lots: Iterable[Lot]) -> int:
    """The contract's maximum value: per lot, the tariff times the trajectories its capacity allows
    over the whole term.

    Not tariff times capacity alone: capacity counts per period (a year, half year or quarter), and
    OCDS's contract value is the total of the contract, so a two-year contract with 100 placements
    a year is worth 200 trajectories, not 100.
    """
    return sum(
        lot.tariff_cents
        * lot_trajectories(lot=lot, starts_on=contract.starts_on, ends_on=contract.ends_on)
        for lot in lots
    )


def _amount(cents: int) -> int | float:
    return cents // 100 if cents % 100 == 0 else cents / 100


def _value(cents: int) -> dict[str, Any]:
    return {"amount": _amount(cents), "currency": CURRENCY}


def _timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def _day_start(day: datetime.date) -> str:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)).isoformat()


def _day_end(day: datetime.date) -> str:
    moment = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(moment).isoformat()


def contract_last_changed(*, contract: Contract) -> datetime.datetime:
    """When the information in the contract's release last changed (contract, lots, provider)."""
    moments = [contract.updated_at, contract.provider.updated_at]
    moments += [lot.updated_at for lot in contract.lots.all()]
    return max(moments)


def _municipality_party(municipality: Municipality, roles: list[str]) -> dict[str, Any]:
    return {"id": municipality.cbs_code, "name": municipality.name, "roles": roles}


def provider_party_id(*, provider: Provider) -> str:
    if provider.kvk_number:
        return f"{KVK_SCHEME}-{provider.kvk_number}"
    return f"provider-{provider.pk}"


def _provider_party(provider: Provider) -> dict[str, Any]:
    party: dict[str, Any] = {
        "id": provider_party_id(provider=provider),
        "name": provider.name,
        "roles": ["supplier", "tenderer"],
    }
    if provider.kvk_number:
        party["identifier"] = {"scheme": KVK_SCHEME, "id": provider.kvk_number}
    if provider.website:
        party["contactPoint"] = {"url": provider.website}
    return party


def _parties(contract: Contract) -> list[dict[str, Any]]:
    """The contracting municipality (buyer and procuring entity), the other municipalities covered,
    and the provider.

    The covered municipalities are buyers too in OCDS's sense ("an entity whose budget will be used
    to pay"): each pays the lot's tariff for its own learners. The release's ``buyer`` field names
    the contracting municipality, which signs on behalf of them all.
    """
    buyer = contract.contracting_municipality
    parties = [_municipality_party(buyer, ["buyer", "procuringEntity"])]
    parties += [
        _municipality_party(municipality, ["buyer"])
        for municipality in contract.municipalities.all()
        if municipality.pk != buyer.pk
    ]
    parties.append(_provider_party(contract.provider))
    return parties


def _item(lot: Lot, *, contract: Contract) -> dict[str, Any]:
    return {
        "id": str(lot.pk),
        "description": lot.name or lot.component_display,
        "classification": {"scheme": "CPV", "id": COMPONENT_CPV[lot.component]},
        "quantity": lot_trajectories(
            lot=lot, starts_on=contract.starts_on, ends_on=contract.ends_on
        ),
        "unit": {"name": _("trajectory"), "value": _value(lot.tariff_cents)},
    }


def _documents(contract: Contract) -> list[dict[str, Any]]:
    """Title, description and format of each contract document; never its address, because
    contract documents are kept in a private collection."""
    documents = []
    for attached in contract.documents.all():
        document: dict[str, Any] = {"id": str(attached.pk), "title": attached.document.title}
        if attached.description:
            document["description"] = attached.description
        media_type, _encoding = mimetypes.guess_type(attached.document.file.name)
        if media_type:
            document["format"] = media_type
        documents.append(document)
    return documents


def contract_release(*, contract: Contract) -> dict[str, Any]:
    """One OCDS release for a contract from ``ocds_contracts()`` (its related rows prefetched)."""
    lots = list(contract.lots.all())
    changed = contract_last_changed(contract=contract)
    release_ocid = ocid(contract=contract)
    buyer = contract.contracting_municipality
    buyer_reference = {"id": buyer.cbs_code, "name": buyer.name}
    supplier_reference = {
        "id": provider_party_id(provider=contract.provider),
        "name": contract.provider.name,
    }
    period = {"startDate": _day_start(contract.starts_on), "endDate": _day_end(contract.ends_on)}
    value = _value(contract_value_cents(contract=contract, lots=lots))
    award_id = f"{contract.reference}-award"

    tags = ["tender", "award", "contract"]
    if contract.status != ContractStatus.ACTIVE:
        tags.append("contractTermination")

    tender: dict[str, Any] = {
        "id": contract.reference,
        "title": _("Civic integration (Wet inburgering 2021), contract %(reference)s")
        % {"reference": contract.reference},
        "status": "complete",
        "procuringEntity": buyer_reference,
        "mainProcurementCategory": "services",
        "items": [_item(lot, contract=contract) for lot in lots],
    }
    ocds_contract: dict[str, Any] = {
        "id": contract.reference,
        "awardID": award_id,
        "status": CONTRACT_STATUS[contract.status],
        "period": period,
        "value": value,
    }
    if contract.extension_options:
        ocds_contract["description"] = _("Extension options: %(options)s") % {
            "options": contract.extension_options
        }
    documents = _documents(contract)
    if documents:
        ocds_contract["documents"] = documents

    return {
        "ocid": release_ocid,
        "id": f"{release_ocid}-{changed.astimezone(datetime.UTC):%Y%m%dT%H%M%S%fZ}",
        "date": _timestamp(changed),
        "tag": tags,
        "initiationType": "tender",
        "language": translation.get_language(),
        "parties": _parties(contract),
        "buyer": buyer_reference,
        "tender": tender,
        "awards": [
            {
                "id": award_id,
                "status": "active",
                "suppliers": [supplier_reference],
                "value": value,
                "contractPeriod": period,
            }
        ],
        "contracts": [ocds_contract],
    }


def release_package(
    *, uri: str, since: datetime.date | None = None, language: str | None = None
) -> dict[str, Any]:
    """The release package of every published contract (or those changed ``since`` a day).

    Texts are in ``language`` (default: the site's, Dutch), which each release declares. The
    package's ``publishedDate`` is the last change among its releases, as the standard asks of a
    package made on demand. An empty ``releases`` list (nothing changed since the day asked for) is
    returned as it is, although the 1.1 package schema wants at least one release.
    """
    with translation.override(language or settings.LANGUAGE_CODE):
        contracts = list(ocds_contracts(since=since))
        releases = [contract_release(contract=contract) for contract in contracts]
        changes = [contract_last_changed(contract=contract) for contract in contracts]
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": _timestamp(max(changes, default=timezone.now())),
        "publisher": {"name": settings.WAGTAIL_SITE_NAME, "uri": settings.WAGTAILADMIN_BASE_URL},
        "releases": releases,
    }
