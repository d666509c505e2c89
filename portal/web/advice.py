"""The learner's side of the municipality's advice on courses (``contracts.advising``).

* ``advice_accept`` (``/mijn-advies/link/<token>/``): the link in the e-mail. It binds the advice
  to the learner's account: a visitor without an account makes one for the address the advice
  went to (just a password; the address counts as verified); a visitor whose address has an
  account logs in first and comes back; a signed-in learner with that address confirms. Before
  binding, the page says what it means: the municipality sees whether and where they enrol.
* ``my_advice`` (``/mijn-advies/``): "Advice from your municipality", every advice bound to the
  account with its courses, each with its next open start dates and an "Enrol" button into the
  normal enrolment (``portal.web.courses.enrolment_start``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cms.links import CatalogueLinks
from contracts import advising
from portal.web.courses import learner_required
from portal.web.forms import AdviceAccountForm
from providers.selectors import offerings_translations_load


def _refusal_message(refusal: advising.LinkRefusal, advice) -> str:
    email = advice.email
    if refusal == advising.LinkRefusal.OTHER_ACCOUNT:
        return _("This advice has been added to another account already.")
    if refusal == advising.LinkRefusal.NOT_A_LEARNER:
        return _(
            "You are logged in with a staff account. Log out, then open the link again to see "
            "the advice with the learner's own account."
        )
    return _(
        "This advice was sent to %(email)s. Log out, then open the link again and log in "
        "with that address (or make an account for it)."
    ) % {"email": email}


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "advice/link_invalid.html", status=404)


@require_http_methods(["GET", "POST"])
def advice_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        advice = advising.advice_from_token(token=token)
    except advising.AdviceLinkInvalid:
        return _invalid(request)
    user = request.user
    context = {"advice": advice, "municipality": advice.learner.municipality.name}
    if advice.user_id is not None and not user.is_authenticated:
        return redirect_to_login(reverse("my_advice"))
    if user.is_authenticated:
        if advice.user_id == user.pk:
            return redirect("my_advice")
        refusal = advising.advice_link_refusal(advice=advice, user=user)
        if refusal is not None:
            context["refusal"] = _refusal_message(refusal, advice)
            return render(request, "advice/accept.html", context, status=403)
        if request.method == "POST":
            try:
                advising.advice_link(advice=advice, user=user)
            except advising.AdviceLinkRefused as refused:
                context["refusal"] = _refusal_message(refused.refusal, advice)
                return render(request, "advice/accept.html", context, status=403)
            messages.success(request, _("The advice of your municipality is on your page now."))
            return redirect("my_advice")
        return render(request, "advice/accept.html", {**context, "step": "confirm"})
    if advising.account_with_email(email=advice.email) is not None:
        return render(
            request,
            "advice/accept.html",
            {**context, "step": "log_in", "login_url": _login_url(request)},
        )
    form = AdviceAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = advising.advice_account_create(
                advice=advice, password=form.cleaned_data["password1"], language=get_language()
            )
        except advising.AdviceLinkInvalid:
            return _invalid(request)
        login(request, account, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Your account is ready. This is the advice of your municipality.")
        )
        return redirect("my_advice")
    return render(
        request,
        "advice/accept.html",
        {**context, "step": "sign_up", "form": form, "login_url": _login_url(request)},
        status=400 if request.method == "POST" else 200,
    )


def _login_url(request: HttpRequest) -> str:
    """The login page, coming back to this link afterwards."""
    return redirect_to_login(request.get_full_path())["Location"]


@require_GET
@learner_required()
def my_advice(request: HttpRequest) -> HttpResponse:
    advices = advising.advices_for_account(user=request.user)
    offerings = [row.offering for advice in advices for row in advice.rows]
    offerings_translations_load(offerings)
    links = CatalogueLinks(request)
    for offering in offerings:
        offering.catalogue_url = links.offering(offering.pk)
    return render(
        request,
        "advice/my_advice.html",
        {"advices": advices, "catalogue_url": links.home()},
    )
