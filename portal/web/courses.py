"""The learner's enrolment pages: parse the request, call the domain, render. No rules here;
they live in ``portal.enrolments`` (``enrolling``, ``rules``) and ``portal.payments``
(``paying``, ``cancelling``, ``checkout``).

Why these pages live in ``portal.web``: they show a place together with its money (pay, return
from Checkout, cancel with a refund, receipts) and link back into the catalogue (``cms.links``),
so they sit in the top layer, above the domain packages they call; their URL paths and names are
unchanged (``portal.web.urls``) and their templates are still ``enrolments/…``.

The offering page and the catalogue's cards are cached for anonymous visitors, so their "Enrol"
and "Join the waiting list" forms cannot carry a CSRF token for them. The two views those forms
post to are therefore ``csrf_exempt`` and check the token themselves: without a valid one nothing
happens; a signed-in learner sees a confirmation page with a token-carrying form instead. A
visitor is sent to log in with ``next`` at the start date's own address (the same path, by GET);
once logged in, that GET does what the POST asked, once (``portal.web.after_login`` says when),
so the visitor lands on the seat they chose, not back on the course. Any other GET of that
address asks with the confirmation page.

Both are rate limited per learner and per IP address (``ENROLMENT_RATE_LIMIT``, through allauth's
rate limiter, the one the account pages use): beyond it nothing happens and the answer is a 429.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cms.links import CatalogueLinks, catalogue_url
from portal import permissions
from portal.core.money import euros
from portal.enrolments import enrolling, rules, selectors
from portal.enrolments.forms import DuoLoanForm
from portal.enrolments.models import Enrolment, WaitingListEntry
from portal.payments import cancelling, checkout, paying
from portal.payments import selectors as payment_selectors
from portal.payments.client import PaymentsUnavailable, is_test_mode, payments_enabled
from portal.permissions import Action
from portal.web import after_login
from providers.models import StartMoment
from providers.seats import StartMomentFull

MY_COURSES_PAGE_SIZE = 20

View = Callable[..., HttpResponse]


# --- Access -----------------------------------------------------------------------------------


def learner_required(
    next_url: Callable[..., str | None] | None = None, *, remember_as: str | None = None
) -> Callable[[View], View]:
    """Visitors log in first; signed-in people without a learner's account get a clear 403.

    A GET comes back to itself after logging in; a POST comes back to ``next_url(**kwargs)``
    (a page, as the login sends the browser back with a GET). With ``remember_as`` (an action
    on ``start_moment_id``) the browser also remembers the POST for ``after_login``.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                if request.method == "GET":
                    return redirect_to_login(request.get_full_path())
                target = next_url(**kwargs) if next_url is not None else None
                response = redirect_to_login(target or reverse("my_courses"))
                if target and remember_as:
                    after_login.remember(
                        response, action=remember_as, start_moment_id=kwargs["start_moment_id"]
                    )
                return response
            if not permissions.is_learner(request.user):
                return render(request, "enrolments/learners_only.html", status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _csrf_passes(request: HttpRequest) -> bool:
    """The CSRF middleware's own check, for the views that must be ``csrf_exempt``."""
    return (
        CsrfViewMiddleware(lambda _request: HttpResponse()).process_view(request, None, (), {})
        is None
    )


def _detail_url(reference: str) -> str:
    return reverse("enrolment_detail", kwargs={"reference": reference})


def _detail_next(*, reference: str) -> str:
    return _detail_url(reference)


def _my_courses_next(**_kwargs) -> str:
    return reverse("my_courses")


def _start_date_next(action: str) -> Callable[..., str | None]:
    """After logging in, the visitor comes back to the start date's own address for ``action``
    (None for a start date that is not published: then to My courses)."""

    def next_url(*, start_moment_id: int) -> str | None:
        try:
            selectors.start_moment_public_get(start_moment_id=start_moment_id)
        except StartMoment.DoesNotExist:
            return None
        return reverse(action, kwargs={"start_moment_id": start_moment_id})

    return next_url


def _may_act(request: HttpRequest, action: str, start_moment: StartMoment) -> bool:
    """A POST with a valid CSRF token, or the GET after logging in that finishes the POST the
    visitor made while logged out (``after_login``)."""
    if request.method == "POST":
        return _csrf_passes(request)
    return after_login.asked_before_login(request, action=action, start_moment_id=start_moment.pk)


def _forgets_after_login_request(view: View) -> View:
    """Whatever the view answered, the remembered request has been used (or was not for it)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if after_login.COOKIE_NAME in request.COOKIES:
            after_login.forget(response)
        return response

    return wrapped


def _enrolment_or_404(
    request: HttpRequest, reference: str, action: Action = Action.VIEW
) -> Enrolment:
    try:
        return selectors.enrolment_get(user=request.user, reference=reference, action=action)
    except Enrolment.DoesNotExist:
        raise Http404(_("You have no enrolment with this reference.")) from None


def _start_moment_or_404(start_moment_id: int) -> StartMoment:
    try:
        return selectors.start_moment_public_get(start_moment_id=start_moment_id)
    except StartMoment.DoesNotExist:
        raise Http404(_("This start date does not exist or is no longer published.")) from None


def _refused(request: HttpRequest, message: str, *, start_moment: StartMoment) -> HttpResponse:
    return render(
        request,
        "enrolments/refused.html",
        {
            "message": message,
            "start_moment": start_moment,
            "offering_url": catalogue_url(request, offering_id=start_moment.offering_id),
        },
        status=409,
    )


def _too_many_attempts(request: HttpRequest) -> HttpResponse | None:
    """Count one attempt to take a place; a 429 page when there were too many lately, else None.

    ``ENROLMENT_RATE_LIMIT`` (in ``ACCOUNT_RATE_LIMITS["enrolment"]``) sets the rates.
    """
    if ratelimit.consume(request, action="enrolment", user=request.user):
        return None
    return render(request, "enrolments/too_many_attempts.html", status=429)


def _hold_limit_reached(
    request: HttpRequest, refusal: enrolling.HoldLimitReached, *, start_moment: StartMoment
) -> HttpResponse:
    return render(
        request,
        "enrolments/hold_limit.html",
        {
            "message": refusal.message,
            "holds": refusal.holds,
            "start_moment": start_moment,
            "offering_url": catalogue_url(request, offering_id=start_moment.offering_id),
        },
        status=409,
    )


# --- Taking a place ---------------------------------------------------------------------------


@csrf_exempt  # checked below: see the module's docstring
@require_http_methods(["GET", "POST"])
@learner_required(next_url=_start_date_next("enrolment_start"), remember_as="enrolment_start")
@_forgets_after_login_request
def enrolment_start(request: HttpRequest, start_moment_id: int) -> HttpResponse:
    start_moment = _start_moment_or_404(start_moment_id)
    if not _may_act(request, "enrolment_start", start_moment):
        return _confirm(request, start_moment, "enrolment_start")
    if limited := _too_many_attempts(request):
        return limited
    try:
        enrolment = enrolling.enrolment_start(user=request.user, start_moment=start_moment)
    except StartMomentFull:
        return render(
            request,
            "enrolments/full.html",
            {
                "message": enrolling.start_moment_full_message(),
                "start_moment": start_moment,
                "offering_url": catalogue_url(request, offering_id=start_moment.offering_id),
            },
        )
    except enrolling.HoldLimitReached as exc:
        return _hold_limit_reached(request, exc, start_moment=start_moment)
    except enrolling.EnrolmentRefused as exc:
        return _refused(request, exc.message, start_moment=start_moment)
    return redirect("enrolment_detail", reference=enrolment.reference)


@csrf_exempt  # checked below: see the module's docstring
@require_http_methods(["GET", "POST"])
@learner_required(next_url=_start_date_next("waiting_list_join"), remember_as="waiting_list_join")
@_forgets_after_login_request
def waiting_list_join(request: HttpRequest, start_moment_id: int) -> HttpResponse:
    start_moment = _start_moment_or_404(start_moment_id)
    if not _may_act(request, "waiting_list_join", start_moment):
        return _confirm(request, start_moment, "waiting_list_join")
    if limited := _too_many_attempts(request):
        return limited
    try:
        entry = enrolling.waiting_list_join(user=request.user, start_moment=start_moment)
    except enrolling.EnrolmentRefused as exc:
        return _refused(request, exc.message, start_moment=start_moment)
    entry.refresh_from_db()
    if entry.enrolment_id is not None:
        # A seat was free after all: it is held for this learner straight away.
        messages.success(request, _("A seat was free: we hold it for you now. Choose how you pay."))
        return redirect("enrolment_detail", reference=entry.enrolment.reference)
    messages.success(
        request,
        _(
            "You are on the waiting list for %(course)s, starting %(date)s. You are number "
            "%(position)s. We e-mail you as soon as a seat is free for you."
        )
        % {
            "course": start_moment.offering.title,
            "date": _date(start_moment.starts_on),
            "position": enrolling.waiting_list_position(entry),
        },
    )
    if rules.hold_limit_refusal(list(rules.active_holds(user=request.user))):
        messages.info(
            request,
            _(
                "You hold seats on as many start dates as you can at a time. Until you pay for "
                "or give up one of them, a seat that comes free here goes to the next person in "
                "line. You keep your place."
            ),
        )
    return redirect("my_courses")


def _confirm(request: HttpRequest, start_moment: StartMoment, action: str) -> HttpResponse:
    """A form posted without a valid CSRF token acts on nothing: ask once more, with one."""
    return render(
        request,
        "enrolments/confirm.html",
        {
            "start_moment": start_moment,
            "action": action,
            "offering_url": catalogue_url(request, offering_id=start_moment.offering_id),
        },
    )


@require_POST
@learner_required(next_url=_my_courses_next)
def waiting_list_leave(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        entry = selectors.waiting_list_entry_get(user=request.user, entry_id=entry_id)
    except WaitingListEntry.DoesNotExist:
        raise Http404(_("You are not on this waiting list.")) from None
    enrolling.waiting_list_leave(entry=entry)
    messages.success(
        request,
        _("You have left the waiting list for %(course)s.")
        % {"course": entry.start_moment.offering.title},
    )
    return redirect("my_courses")


# --- The learner's enrolments -----------------------------------------------------------------


@require_GET
@learner_required()
def my_courses(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(payment_selectors.enrolments_of(user=request.user), MY_COURSES_PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    entries = selectors.waiting_list_entries_of(user=request.user)
    positions = enrolling.waiting_list_positions(entries)
    for entry in entries:
        entry.position = positions.get(entry.pk)
    links = CatalogueLinks(request)
    enrolments = list(page_obj.object_list)
    for enrolment in enrolments:
        enrolment.offering_url = links.offering(enrolment.start_moment.offering_id)
    for entry in entries:
        entry.offering_url = links.offering(entry.start_moment.offering_id)
    return render(
        request,
        "enrolments/my_courses.html",
        {
            "page_obj": page_obj,
            "enrolments": enrolments,
            "waiting_list_entries": entries,
            "catalogue_url": links.home(),
        },
    )


@require_GET
@learner_required()
def enrolment_detail(request: HttpRequest, reference: str) -> HttpResponse:
    enrolment = _enrolment_or_404(request, reference)
    if enrolling.hold_has_expired(enrolment):
        enrolling.enrolment_expire(enrolment)
    return render(request, "enrolments/detail.html", _detail_context(request, enrolment))


def _detail_context(
    request: HttpRequest, enrolment: Enrolment, *, duo_form: DuoLoanForm | None = None
) -> dict:
    held = enrolment.state == Enrolment.State.HELD
    provider_id = enrolment.start_moment.offering.provider_id
    now = timezone.now()
    context = {
        "enrolment": enrolment,
        "offering_url": catalogue_url(request, offering_id=enrolment.start_moment.offering_id),
        "test_mode": is_test_mode(),
        "cooling_off_days": settings.ENROLMENT_COOLING_OFF_DAYS,
        "cooling_off_last_day": rules.cooling_off_last_day(enrolment),
        "cancel_refusal": rules.cancellation_refusal(enrolment),
        "receipt_payment": None,
    }
    if held:
        hold_until = enrolment.hold_expires_at
        context.update(
            hold_until=hold_until,
            hold_ends_today=hold_until is not None
            and timezone.localdate(hold_until) == timezone.localdate(now),
            can_pay_online=payments_enabled()
            and checkout.ready_account_for(provider_id) is not None,
            open_payment=paying.open_payment(enrolment, now=now),
            duo_possible=rules.duo_loan_possible(enrolment),
            duo_form=duo_form or DuoLoanForm(),
        )
    if enrolment.payment_method == Enrolment.PaymentMethod.STRIPE:
        context["receipt_payment"] = payment_selectors.receipt_payment(enrolment)
    return context


@require_POST
@learner_required(next_url=_detail_next)
def enrolment_pay(request: HttpRequest, reference: str) -> HttpResponse:
    enrolment = _enrolment_or_404(request, reference, Action.CHANGE)
    detail = redirect("enrolment_detail", reference=enrolment.reference)
    if enrolment.state != Enrolment.State.HELD or enrolling.hold_has_expired(enrolment):
        messages.error(request, _("This enrolment is no longer waiting for a payment."))
        return detail
    return_url = request.build_absolute_uri(
        reverse("enrolment_payment_return", kwargs={"reference": enrolment.reference})
    )
    try:
        payment = paying.payment_start(
            enrolment=enrolment,
            # Stripe fills in the placeholder; it must stay unencoded.
            success_url=return_url + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=request.build_absolute_uri(_detail_url(enrolment.reference)),
        )
    except checkout.ProviderCannotSellOnline:
        messages.error(request, _("This provider cannot take online payments yet."))
        return detail
    except PaymentsUnavailable:
        messages.error(
            request,
            _("Online payment is not available just now. Please try again in a few minutes."),
        )
        return detail
    except StartMomentFull:
        messages.error(request, enrolling.start_moment_full_message())
        return detail
    except enrolling.EnrolmentRefused as exc:
        messages.error(request, exc.message)
        return detail
    response = HttpResponseRedirect(payment.checkout_url)
    response.status_code = 303
    return response


@require_GET
@learner_required()
def enrolment_payment_return(request: HttpRequest, reference: str) -> HttpResponse:
    """Where Stripe sends the learner after paying. It never confirms anything: the verified
    webhook does; this page shows what we know and refreshes itself until then."""
    enrolment = _enrolment_or_404(request, reference)
    held = enrolment.state == Enrolment.State.HELD
    waiting = held and payment_selectors.payment_started(enrolment)
    return render(
        request,
        "enrolments/payment_return.html",
        {
            "enrolment": enrolment,
            "waiting_for_webhook": waiting,
            "test_mode": is_test_mode(),
            "refresh_url": request.get_full_path(),
        },
    )


@require_POST
@learner_required(next_url=_detail_next)
def enrolment_duo(request: HttpRequest, reference: str) -> HttpResponse:
    enrolment = _enrolment_or_404(request, reference, Action.CHANGE)
    if enrolment.state != Enrolment.State.HELD:
        messages.error(request, _("This enrolment is no longer waiting for a payment choice."))
        return redirect("enrolment_detail", reference=enrolment.reference)
    form = DuoLoanForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, enrolment, duo_form=form)
        return render(request, "enrolments/detail.html", context, status=400)
    try:
        enrolling.duo_loan_choose(
            enrolment=enrolment, declaration=form.declaration_text(), actor=request.user
        )
    except StartMomentFull:
        messages.error(request, enrolling.start_moment_full_message())
    except enrolling.EnrolmentRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Your place is confirmed. You pay with your DUO loan; the provider invoices DUO."),
        )
    return redirect("enrolment_detail", reference=enrolment.reference)


@require_http_methods(["GET", "POST"])
@learner_required(next_url=_detail_next)
def enrolment_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    enrolment = _enrolment_or_404(request, reference, Action.CHANGE)
    refusal = rules.cancellation_refusal(enrolment)
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            return redirect("enrolment_detail", reference=enrolment.reference)
        method = enrolment.payment_method
        try:
            quote = cancelling.enrolment_cancel(enrolment=enrolment, actor=request.user)
        except enrolling.EnrolmentRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _cancelled_message(quote, method))
        return redirect("enrolment_detail", reference=enrolment.reference)
    context = {"enrolment": enrolment, "refusal": refusal, "test_mode": is_test_mode()}
    if not refusal:
        now = timezone.now()
        quote = rules.cancellation_quote(enrolment, now=now)
        context.update(
            quote=quote,
            in_cooling_off=rules.in_cooling_off(enrolment, now=now),
            cooling_off_days=settings.ENROLMENT_COOLING_OFF_DAYS,
        )
    return render(request, "enrolments/cancel.html", context)


def _cancelled_message(quote: rules.CancellationQuote, payment_method: str) -> str:
    if quote.refund_cents:
        return _(
            "Your enrolment is cancelled. We refund %(amount)s; you get an e-mail when the "
            "refund has been made."
        ) % {"amount": euros(quote.refund_cents)}
    if quote.paid_cents:
        return _(
            "Your enrolment is cancelled. Under the provider's cancellation terms no money is "
            "refunded."
        )
    if payment_method == Enrolment.PaymentMethod.DUO_LOAN:
        return _("Your enrolment is cancelled. DUO will be told.")
    return _("Your enrolment is cancelled and your seat is free for someone else.")


@require_GET
@learner_required()
def enrolment_receipt(request: HttpRequest, reference: str) -> HttpResponse:
    enrolment = _enrolment_or_404(request, reference)
    payment = payment_selectors.receipt_payment(enrolment)
    if payment is None:
        raise Http404(_("There is no receipt: this enrolment was not paid online."))
    return render(
        request,
        "enrolments/receipt.html",
        {
            "enrolment": enrolment,
            "payment": payment,
            "net_cents": payment.amount_cents - payment.amount_refunded_cents,
            "test_mode": is_test_mode(),
        },
    )


def _date(day: datetime.date) -> str:
    return date_format(day, "j F Y")
