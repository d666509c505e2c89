"""Validly signed but odd deliveries: each answers 400 and changes nothing, never a 500."""

from __future__ import annotations

import copy
import itertools
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from portal.payments import checkout
from portal.payments.models import Payment, StripeEvent
from tests.enrolments.factories import learner
from tests.stripe_standin.pytest_plugin import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed(stripe_standin, moment):
    """A real paid session's ``checkout.session.completed``, not yet delivered."""
    enrolment = enrolling.enrolment_start(user=learner(), start_moment=moment)
    payment = checkout.checkout_session_create(
        enrolment=enrolment,
        success_url="http://testserver/done",
        cancel_url="http://testserver/back",
        hold_until=enrolment.hold_expires_at,
    )
    [event] = stripe_standin.pay(payment.checkout_session_id)
    return event


def _with(event: dict, path: str, value: object) -> dict:
    """``event`` with the dotted ``path`` set to ``value`` (or removed, for ``...``)."""
    changed = copy.deepcopy(event)
    *parents, last = path.split(".")
    target = changed
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return changed


def _refund_event(completed_event: dict, **fields: object) -> dict:
    charge = {
        "id": "ch_odd",
        "object": "charge",
        "payment_intent": completed_event["data"]["object"]["payment_intent"],
        "amount_refunded": 125_000,
        "refunded": True,
        "metadata": {},
    }
    return {
        "id": "evt_odd_refund",
        "object": "event",
        "type": "charge.refunded",
        "data": {"object": {**charge, **fields}},
    }


MALFORMED_ENVELOPES = {
    "a list": "[]",
    "null": "null",
    "a string": '"checkout.session.completed"',
    "a number": "12",
    "not JSON": "{not json",
    "nested a million deep": "[" * 1_000_000 + "]" * 1_000_000,
    "nested objects": '{"a":' * 200_000 + "1" + "}" * 200_000,
}


@pytest.mark.parametrize("body", MALFORMED_ENVELOPES.values(), ids=MALFORMED_ENVELOPES.keys())
def test_a_signed_body_that_is_not_an_event_is_refused(stripe_standin, client, completed, body):
    response = deliver(client, stripe_standin.sign(body))
    assert response.status_code == 400
    assert response.content == b"malformed event"
    _assert_nothing_changed(completed)


MALFORMED_FIELDS = {
    "no data": ("data", ...),
    "data a list": ("data", []),
    "no object": ("data.object", ...),
    "object a list": ("data.object", [1, 2]),
    "object null": ("data.object", None),
    "no id": ("id", ...),
    "id too long": ("id", "evt_" + "x" * 300),
    "id with NUL": ("id", "evt_\x00"),
    "id a number": ("id", 12),
    "id empty": ("id", ""),
    "type a list": ("type", ["checkout.session.completed"]),
    "session id with NUL": ("data.object.id", "cs_\x00"),
    "session id a number": ("data.object.id", 7),
    "session id missing": ("data.object.id", ...),
    "payment status a dict": ("data.object.payment_status", {"paid": True}),
    "payment intent a list": ("data.object.payment_intent", ["pi_1"]),
    "payment intent without id": ("data.object.payment_intent", {"object": "payment_intent"}),
    "payment intent with NUL": ("data.object.payment_intent", "pi_\x00"),
}


@pytest.mark.parametrize(("path", "value"), MALFORMED_FIELDS.values(), ids=MALFORMED_FIELDS.keys())
def test_a_signed_session_event_with_unusable_fields_is_refused(
    stripe_standin, client, completed, path, value
):
    response = deliver(client, stripe_standin.sign(_with(completed.data, path, value)))
    assert response.status_code == 400
    _assert_nothing_changed(completed)


MALFORMED_CHARGES = {
    "amount refunded as text": {"amount_refunded": "abc"},
    "amount refunded negative": {"amount_refunded": -1},
    "amount refunded too large": {"amount_refunded": 10**20},
    "amount refunded a boolean": {"amount_refunded": True},
    "amount refunded a float": {"amount_refunded": 1.5},
    "amount refunded missing": {"amount_refunded": None},
    "refunded as text": {"refunded": "yes"},
    "metadata a list": {"metadata": ["enrolment"]},
    "metadata with a number": {"metadata": {"attempt": 1}},
    "metadata with NUL": {"metadata": {"enrolment": "RW-\x00"}},
}


@pytest.mark.parametrize("fields", MALFORMED_CHARGES.values(), ids=MALFORMED_CHARGES.keys())
def test_a_signed_refund_event_with_unusable_fields_is_refused(
    stripe_standin, client, completed, fields
):
    assert deliver(client, completed).content == b"confirmed"
    response = deliver(client, stripe_standin.sign(_refund_event(completed.data, **fields)))
    assert response.status_code == 400
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.PAID
    assert payment.amount_refunded_cents == 0
    assert not StripeEvent.objects.filter(type="charge.refunded").exists()


def test_an_account_event_with_unusable_flags_is_refused(stripe_standin, client):
    event = {
        "id": "evt_account_odd",
        "object": "event",
        "type": "account.updated",
        "data": {"object": {"id": "acct_1", "charges_enabled": "true"}},
    }
    assert deliver(client, stripe_standin.sign(event)).status_code == 400
    assert not StripeEvent.objects.exists()


def test_odd_but_well_typed_metadata_finds_no_payment_and_changes_nothing(
    stripe_standin, client, completed
):
    """Superscript digits pass ``str.isdigit`` but are no attempt number."""
    event = _refund_event(
        completed.data, payment_intent=None, metadata={"enrolment": "RW-X", "attempt": "²"}
    )
    response = deliver(client, stripe_standin.sign(event))
    assert response.status_code == 200
    assert response.content == b"unknown payment"
    _assert_nothing_changed(completed, events=1)


@pytest.mark.parametrize(("offset", "status"), [(600, 400), (-600, 400), (60, 200), (-60, 200)])
def test_a_signature_outside_five_minutes_either_way_is_refused(
    stripe_standin, client, completed, offset, status
):
    signed = stripe_standin.sign(completed.payload, timestamp=int(time.time()) + offset)
    response = deliver(client, signed)
    assert response.status_code == status
    expected = Enrolment.State.CONFIRMED if status == 200 else Enrolment.State.HELD
    assert Enrolment.objects.get().state == expected


def test_an_unknown_event_type_with_an_odd_object_is_still_acknowledged(stripe_standin, client):
    event = {"id": "evt_other", "type": "invoice.paid", "data": {"object": ["odd"]}}
    response = deliver(client, stripe_standin.sign(event))
    assert response.status_code == 200
    assert response.content == b"ignored"


FUZZ_IDS = itertools.count()

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    field=st.sampled_from(
        ["id", "payment_status", "payment_intent", "amount_refunded", "metadata", "refunded"]
    ),
    value=JSON_VALUES,
    kind=st.sampled_from(["checkout.session.completed", "charge.refunded", "account.updated"]),
)
def test_any_value_in_any_field_answers_without_a_server_error(
    stripe_standin, client, completed, field, value, kind
):
    event = _with(completed.data, f"data.object.{field}", value)
    event = {**event, "type": kind, "id": f"evt_fuzz_{next(FUZZ_IDS)}"}
    response = deliver(client, stripe_standin.sign(event))
    assert response.status_code in {200, 400}


def _assert_nothing_changed(completed, *, events: int = 0) -> None:
    assert StripeEvent.objects.count() == events
    payment = Payment.objects.get(checkout_session_id=completed.data["data"]["object"]["id"])
    assert payment.status == Payment.Status.OPEN
    assert Enrolment.objects.get(pk=payment.enrolment_id).state == Enrolment.State.HELD
