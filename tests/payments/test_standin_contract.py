"""The Stripe stand-in accepts no parameter that real Stripe lacks.

Every parameter path in the stand-in's endpoint specs (``tests/stripe_standin/specs.py``) is looked
up in the stripe package's own typed params (``stripe.params...CreateParams`` and their nested
TypedDicts): it must exist there with a compatible type, its accepted values must be among
Stripe's Literal values, and whatever Stripe requires the stand-in must require too. So a test
that passes against the stand-in sends requests real Stripe would accept.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin, get_type_hints

import pytest
import stripe.params
from stripe._request_options import RequestOptions
from stripe._stripe_context import StripeContext
from stripe._stripe_object import UntypedStripeObject
from typing_extensions import is_typeddict  # stripe's TypedDicts come from typing_extensions

from tests.stripe_standin import forms
from tests.stripe_standin.forms import Choice, MapOf, format_path
from tests.stripe_standin.specs import ENDPOINTS

# Options of the stripe client's calls, not parameters sent to the API.
REQUEST_OPTION_KEYS = frozenset(
    {
        "api_key",
        "stripe_version",
        "stripe_account",
        "stripe_context",
        "max_network_retries",
        "idempotency_key",
        "content_type",
        "headers",
    }
)

STRIPE_PARAMS: dict[tuple[str, str], type] = {
    ("POST", "/v1/checkout/sessions"): stripe.params.checkout.SessionCreateParams,
    ("GET", "/v1/checkout/sessions/{session}"): stripe.params.checkout.SessionRetrieveParams,
    ("POST", "/v1/checkout/sessions/{session}/expire"): stripe.params.checkout.SessionExpireParams,
    ("POST", "/v1/refunds"): stripe.params.RefundCreateParams,
    ("POST", "/v1/accounts"): stripe.params.AccountCreateParams,
    ("GET", "/v1/accounts/{account}"): stripe.params.AccountRetrieveParams,
    ("POST", "/v1/account_links"): stripe.params.AccountLinkCreateParams,
}

# RequestOptions' annotations name StripeContext and Mapping, which the params modules do not
# import; evaluate them with those names available (the params module's own names win).
_FALLBACK_NAMES = {**vars(sys.modules[RequestOptions.__module__]), "StripeContext": StripeContext}

_SCALARS = {str: "string", int: "integer", bool: "boolean"}


def type_hints(typed_dict: type) -> dict[str, Any]:
    module_names = vars(sys.modules[typed_dict.__module__])
    return get_type_hints(
        typed_dict, globalns={**_FALLBACK_NAMES, **module_names}, include_extras=True
    )


def alternatives(annotation: Any) -> list[Any]:
    """The types an annotation allows: NotRequired/Required stripped, Unions flattened."""
    origin = get_origin(annotation)
    if origin in (NotRequired, Required):
        return alternatives(get_args(annotation)[0])
    if origin is Union:
        return [alt for arg in get_args(annotation) for alt in alternatives(arg)]
    return [annotation]


def _is_list(annotation: Any) -> bool:
    return get_origin(annotation) is list


def _is_map(annotation: Any) -> bool:
    return get_origin(annotation) is dict or (get_origin(annotation) or annotation) is (
        UntypedStripeObject
    )


def _literal_values(alts: list[Any]) -> set[Any]:
    return {value for alt in alts if get_origin(alt) is Literal for value in get_args(alt)}


def contract_problems(spec: dict[str, Any], typed_dict: type) -> list[str]:
    """Every way ``spec`` (a stand-in endpoint spec) departs from stripe's ``typed_dict``."""
    problems: list[str] = []
    _check_object(spec, typed_dict, [], problems)
    return problems


def _check_object(spec: dict[str, Any], typed_dict: type, path: list[str], problems: list[str]):
    hints = type_hints(typed_dict)
    where = typed_dict.__name__
    for key, field in spec.items():
        name = format_path([*path, key])
        if key in REQUEST_OPTION_KEYS:
            problems.append(f"{name}: a request option of the stripe client, not an API parameter")
        elif key not in hints:
            problems.append(f"{name}: stripe has no such parameter (not in {where})")
        else:
            _check_value(field, hints[key], [*path, key], problems)
    for key in sorted(typed_dict.__required_keys__ - REQUEST_OPTION_KEYS):
        name = format_path([*path, key])
        if key not in spec:
            problems.append(f"{name}: required by stripe ({where}) but the stand-in lacks it")
        elif not forms.unwrap(spec[key])[1]:
            problems.append(f"{name}: required by stripe ({where}) but optional in the stand-in")


def _check_value(field: Any, annotation: Any, path: list[str], problems: list[str]) -> None:
    spec, _ = forms.unwrap(field)
    alts = alternatives(annotation)
    name = format_path(path)
    if isinstance(spec, dict):
        objects = [alt for alt in alts if is_typeddict(alt)]
        if not objects:
            problems.append(f"{name}: the stand-in takes an object, stripe has {annotation}")
        else:
            _check_object(spec, objects[0], path, problems)
    elif isinstance(spec, list):
        lists = [alt for alt in alts if _is_list(alt)]
        if not lists:
            problems.append(f"{name}: the stand-in takes a list, stripe has {annotation}")
        else:
            _check_value(spec[0], get_args(lists[0])[0], [*path, "0"], problems)
    elif isinstance(spec, MapOf):
        maps = [alt for alt in alts if _is_map(alt)]
        if not maps:
            problems.append(f"{name}: the stand-in takes a map, stripe has {annotation}")
        elif not any(get_args(alt) and get_args(alt)[-1] is spec.value for alt in maps):
            problems.append(f"{name}: map values differ from stripe's {annotation}")
    elif isinstance(spec, Choice):
        literals = _literal_values(alts)
        if literals:
            problems.extend(
                f"{name}: {value!r} is not one of stripe's values"
                for value in spec.values
                if value not in literals
            )
        elif str not in alts:  # a free string in stripe (such as expand): any subset will do
            problems.append(f"{name}: the stand-in takes a string, stripe {annotation}")
    elif spec in _SCALARS:
        if spec not in alts and not (spec is int and Decimal in alts):
            problems.append(f"{name}: the stand-in takes a {_SCALARS[spec]}, stripe {annotation}")
    else:
        problems.append(f"{name}: unsupported stand-in spec {spec!r}")


def _endpoint_id(endpoint: Any) -> str:
    return f"{endpoint.method} {endpoint.path}"


def test_every_endpoint_is_mapped_to_stripe_params():
    assert {(e.method, e.path) for e in ENDPOINTS} == set(STRIPE_PARAMS)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_endpoint_id)
def test_standin_parameters_exist_in_stripe(endpoint):
    typed_dict = STRIPE_PARAMS[endpoint.method, endpoint.path]
    assert contract_problems(endpoint.spec, typed_dict) == []


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_endpoint_id)
def test_request_options_are_never_parameters(endpoint):
    def keys(spec: Any) -> set[str]:
        spec, _ = forms.unwrap(spec)
        if isinstance(spec, dict):
            return set(spec) | {k for value in spec.values() for k in keys(value)}
        if isinstance(spec, list):
            return keys(spec[0])
        return set()

    assert not keys(endpoint.spec) & REQUEST_OPTION_KEYS


def test_the_walk_reaches_nested_typed_dicts():
    hints = type_hints(stripe.params.checkout.SessionCreateParams)
    (line_item,) = [a for a in alternatives(hints["line_items"]) if _is_list(a)]
    item_type = get_args(line_item)[0]
    assert item_type is stripe.params.checkout.SessionCreateParamsLineItem
    price = [a for a in alternatives(type_hints(item_type)["price_data"]) if is_typeddict(a)]
    assert price == [stripe.params.checkout.SessionCreateParamsLineItemPriceData]
    assert "payment" in _literal_values(alternatives(hints["mode"]))


def test_checked_literals_include_the_portals_values():
    session_spec = dict(ENDPOINTS[0].spec)
    assert forms.unwrap(session_spec["mode"])[0].values == ("payment",)
    methods = session_spec["allowed_payment_method_types"][0].values
    assert set(methods) == {"card", "ideal", "bancontact", "sepa_debit"}


def test_a_parameter_stripe_lacks_is_reported():
    fake = {
        "mode": forms.Required(Choice("payment", "donation")),
        "line_items": [
            {"price_data": {"currency": forms.Required(str), "colour": str}, "quantity": bool}
        ],
        "bogus": str,
        "idempotency_key": str,
        "metadata": {"enrolment": str},
        "expires_at": str,
    }
    problems = contract_problems(fake, stripe.params.checkout.SessionCreateParams)
    assert problems == [
        "mode: 'donation' is not one of stripe's values",
        "line_items[0][price_data][colour]: stripe has no such parameter "
        "(not in SessionCreateParamsLineItemPriceData)",
        "line_items[0][quantity]: the stand-in takes a boolean, stripe typing.NotRequired[int]",
        "bogus: stripe has no such parameter (not in SessionCreateParams)",
        "idempotency_key: a request option of the stripe client, not an API parameter",
        "metadata: the stand-in takes an object, stripe has "
        "typing.NotRequired[typing.Union[typing.Dict[str, str], "
        "stripe._stripe_object.UntypedStripeObject[str]]]",
        "expires_at: the stand-in takes a string, stripe typing.NotRequired[int]",
    ]


def test_a_parameter_stripe_requires_must_be_required():
    fake = {"account": str, "refresh_url": str, "return_url": str}
    problems = contract_problems(fake, stripe.params.AccountLinkCreateParams)
    assert problems == [
        "account: required by stripe (AccountLinkCreateParams) but optional in the stand-in",
        "type: required by stripe (AccountLinkCreateParams) but the stand-in lacks it",
    ]
