"""The learner's enrolment pages (``courses``), under the same paths and names as before they
moved here from ``portal.enrolments`` and ``portal.payments``; the municipality's advice
(``advice``)."""

from django.urls import path, register_converter

from portal.core import inputs  # noqa: F401  registers the <id:…> converter
from portal.enrolments.references import EnrolmentReferenceConverter
from portal.web import advice, courses

register_converter(EnrolmentReferenceConverter, "enrolment_reference")

urlpatterns = [
    path("inschrijven/<id:start_moment_id>/", courses.enrolment_start, name="enrolment_start"),
    path("wachtlijst/<id:start_moment_id>/", courses.waiting_list_join, name="waiting_list_join"),
    path(
        "wachtlijst/<id:entry_id>/verlaten/",
        courses.waiting_list_leave,
        name="waiting_list_leave",
    ),
    path("mijn-cursussen/", courses.my_courses, name="my_courses"),
    path("mijn-advies/", advice.my_advice, name="my_advice"),
    path("mijn-advies/link/<str:token>/", advice.advice_accept, name="advice_accept"),
    path(
        "mijn-cursussen/<enrolment_reference:reference>/",
        courses.enrolment_detail,
        name="enrolment_detail",
    ),
    path(
        "mijn-cursussen/<enrolment_reference:reference>/betalen/",
        courses.enrolment_pay,
        name="enrolment_pay",
    ),
    path(
        "mijn-cursussen/<enrolment_reference:reference>/duo/",
        courses.enrolment_duo,
        name="enrolment_duo",
    ),
    path(
        "mijn-cursussen/<enrolment_reference:reference>/betaling/",
        courses.enrolment_payment_return,
        name="enrolment_payment_return",
    ),
    path(
        "mijn-cursussen/<enrolment_reference:reference>/annuleren/",
        courses.enrolment_cancel,
        name="enrolment_cancel",
    ),
    path(
        "mijn-cursussen/<enrolment_reference:reference>/bon/",
        courses.enrolment_receipt,
        name="enrolment_receipt",
    ),
]
