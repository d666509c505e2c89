from django.urls import path

from portal.enrolments import views

urlpatterns = [
    path("inschrijven/<int:start_moment_id>/", views.enrolment_start, name="enrolment_start"),
    path("wachtlijst/<int:start_moment_id>/", views.waiting_list_join, name="waiting_list_join"),
    path(
        "wachtlijst/<int:entry_id>/verlaten/",
        views.waiting_list_leave,
        name="waiting_list_leave",
    ),
    path("mijn-cursussen/", views.my_courses, name="my_courses"),
    path("mijn-cursussen/<str:reference>/", views.enrolment_detail, name="enrolment_detail"),
    path("mijn-cursussen/<str:reference>/betalen/", views.enrolment_pay, name="enrolment_pay"),
    path("mijn-cursussen/<str:reference>/duo/", views.enrolment_duo, name="enrolment_duo"),
    path(
        "mijn-cursussen/<str:reference>/betaling/",
        views.enrolment_payment_return,
        name="enrolment_payment_return",
    ),
    path(
        "mijn-cursussen/<str:reference>/annuleren/",
        views.enrolment_cancel,
        name="enrolment_cancel",
    ),
    path("mijn-cursussen/<str:reference>/bon/", views.enrolment_receipt, name="enrolment_receipt"),
]
