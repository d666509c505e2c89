"""The learner's enrolment pages (``views``), under the same paths and names as before they
moved here from ``portal.enrolments``."""

from django.urls import path, register_converter

from portal.core import inputs  # noqa: F401  registers the <id:…> converter
from portal.enrolments.references import EnrolmentReferenceConverter
from portal.payments import views

register_converter(EnrolmentReferenceConverter, "enrolment_reference")

urlpatterns = [
    path("inschrijven/<id:start_moment_id>/", views.enrolment_start, name="enrolment_start"),
    path("wachtlijst/<id:start_moment_id>/", views.waiting_list_join, name="waiting_list_join"),
    path(
        "wachtlijst/<id:entry_id>/verlaten/",
        views.waiting_list_leave,
        name="waiting_list_leave",
    ),
    path("mijn-cursussen/", views.my_courses, name="my_courses"),
    path(
        "mijn-cursussen/<enrolment_reference:reference>/",
        views.enrolment_detail,
        name="enrolment_detail",
    ),
    path(
        "mijn-cursussen/<enrolment_reference:reference>/betalen/",
        views.enrolment_pay,
        name="enrolment_pay",
    ),
    path(
        "mijn-cursussen/<enrolment_reference:reference>/duo/",
        views.enrolment_duo,
        name="enrolment_duo",
    ),
    path(
        "mijn-cursussen/<enrolment_reference:reference>/betaling/",
        views.enrolment_payment_return,
        name="enrolment_payment_return",
    ),
    path(
        "mijn-cursussen/<enrolment_reference:reference>/annuleren/",
        views.enrolment_cancel,
        name="enrolment_cancel",
    ),
    path(
        "mijn-cursussen/<enrolment_reference:reference>/bon/",
        views.enrolment_receipt,
        name="enrolment_receipt",
    ),
]
