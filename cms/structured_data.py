"""schema.org ``Course``/``CourseInstance`` JSON-LD for offering pages."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from portal.core.locale import path_in_language
from providers.choices import Schedule
from providers.offerings import offering_text

if TYPE_CHECKING:
    from cms.models import CataloguePage
    from providers.models import Location, Offering

_COURSE_MODE = {
    Schedule.ONLINE: "online",
    Schedule.HYBRID: "blended",
}
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _place(location: Location) -> dict:
    return {
        "@type": "Place",
        "name": location.name,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": location.street_address,
            "postalCode": location.postcode,
            "addressLocality": location.city,
            "addressCountry": "NL",
        },
    }


def offering_json_ld(
    *, offering: Offering, request: HttpRequest, page: CataloguePage
) -> SafeString:
    """The offering as schema.org data, escaped for use inside a ``<script>`` element: its
    address and text as the page shows them, in the reader's language, with the language the
    text is in (the school's translation, or the Dutch text where it gave none)."""
    provider = offering.provider
    course_path = page.url + page.reverse_subpage("offering", args=[offering.pk])
    provider_path = page.url + page.reverse_subpage("provider", args=[provider.slug])
    url = request.build_absolute_uri(path_in_language(course_path))
    provider_url = request.build_absolute_uri(path_in_language(provider_path))
    text = offering_text(offering)
    description = text.summary if str(text.summary).strip() else text.title
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Course",
        "@id": url,
        "url": url,
        "name": str(text.title),
        "description": str(description),
        "courseCode": str(offering.pk),
        # The course is taught in Dutch, whatever language its page is read in.
        "inLanguage": "nl",
        "provider": {"@type": "Organization", "name": provider.name, "url": provider_url},
        "timeRequired": f"PT{offering.hours_total}H",
    }
    if offering.cefr_to:
        data["educationalLevel"] = f"CEFR {offering.cefr_to}"
    if offering.price_cents is not None:
        data["offers"] = {
            "@type": "Offer",
            "category": "Paid",
            "price": f"{offering.price_cents / 100:.2f}",
            "priceCurrency": "EUR",
        }
    instances = []
    for moment in offering.upcoming_start_moments:
        instance: dict = {
            "@type": "CourseInstance",
            "courseMode": _COURSE_MODE.get(offering.schedule, "onsite"),
            "startDate": moment.starts_on.isoformat(),
            "endDate": moment.ends_on.isoformat(),
        }
        if offering.hours_per_week:
            instance["courseWorkload"] = f"PT{offering.hours_per_week}H"
        if moment.location is not None:
            instance["location"] = _place(moment.location)
        instances.append(instance)
    if instances:
        data["hasCourseInstance"] = instances
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES))  # noqa: S308
