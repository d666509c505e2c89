"""What an enrolment reference looks like in a URL, so nothing else reaches the database.

A reference is "RW-" and 8 capitals or digits (``models.enrolment_reference`` draws them from an
alphabet without 0/O and 1/I). The converter takes that shape and no other: a NUL byte, which
PostgreSQL refuses in any text, or any other odd character in ``/mijn-cursussen/<reference>/`` is
a 404 from the URL resolver, before a view or a query runs.
"""

from __future__ import annotations

REFERENCE_REGEX = "RW-[0-9A-Z]{8}"


class EnrolmentReferenceConverter:
    """``<enrolment_reference:reference>``: the reference as it is stored."""

    regex = REFERENCE_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
