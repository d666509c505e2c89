"""Placeholder: the learner's pages are being written (issue 4)."""

from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


enrolment_start = waiting_list_join = waiting_list_leave = my_courses = enrolment_detail = _todo
enrolment_pay = enrolment_duo = enrolment_payment_return = enrolment_cancel = _todo
enrolment_receipt = _todo
