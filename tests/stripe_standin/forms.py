"""Stripe's form encoding, and the accepted-parameter specs that requests are checked against.

The stripe client sends ``application/x-www-form-urlencoded`` bodies (and query strings for GET)
with nested keys: ``a[b][c]=x`` for objects, ``a[0][b]=y`` for lists, ``true``/``false`` for
booleans and decimal strings for integers. :func:`parse_form` turns such a body into a tree of
dicts whose leaves are strings; :func:`validate` checks that tree against a *spec* and converts it
to the values an endpoint works with.

A spec is built from:

* ``str``, ``int``, ``bool`` - a scalar of that type;
* :class:`Choice` - a string limited to the given values;
* :class:`MapOf` - an object with free-form keys, such as ``metadata``;
* a ``dict`` of name to spec - an object with exactly these keys;
* a one-element ``list`` ``[spec]`` - a list of that spec;
* :class:`Required` around any of these - the parameter must be sent.

Any parameter not in the spec is refused with ``Received unknown parameter: <path>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from .errors import invalid

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT_RE = re.compile(r"\[([^\[\]]*)\]")
_INT_RE = re.compile(r"^-?\d+$")

METADATA_MAX_KEYS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500


@dataclass(frozen=True)
class Required:
    spec: Any


class Choice:
    """A string parameter that takes one of a fixed set of values."""

    def __init__(self, *values: str) -> None:
        self.values = tuple(values)

    def __repr__(self) -> str:
        return f"Choice{self.values!r}"


@dataclass(frozen=True)
class MapOf:
    """Free-form keys (Stripe's ``metadata``): each value has the given scalar spec."""

    value: Any = str


def unwrap(spec: Any) -> tuple[Any, bool]:
    """``(inner spec, required?)``."""
    if isinstance(spec, Required):
        return spec.spec, True
    return spec, False


# ---------------------------------------------------------------------------------------------
# Parsing


def split_key(key: str) -> list[str]:
    """``"a[b][0][c]"`` -> ``["a", "b", "0", "c"]``; ``"expand[]"`` -> ``["expand", ""]``."""
    match = _KEY_RE.match(key)
    if not match:
        raise invalid(f"Invalid parameter name: {key}", param=key)
    return [match.group(1), *_SEGMENT_RE.findall(match.group(2))]


def format_path(parts: list[str] | tuple[str, ...]) -> str:
    """``["line_items", "0", "foo"]`` -> ``"line_items[0][foo]"``."""
    if not parts:
        return ""
    return parts[0] + "".join(f"[{part}]" for part in parts[1:])


def parse_form(body: str | bytes) -> dict[str, Any]:
    """Parse a form-encoded body into nested dicts; list indices stay string keys ("0", "1")."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = split_key(key)
        node = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if part == "":  # "a[]" appends
                part = str(sum(1 for k in node if k.isdigit()))
            if last:
                if part in node:
                    if isinstance(node[part], dict):
                        raise invalid(
                            f"Invalid value for {format_path(parts)}: it is also sent as an object",
                            param=format_path(parts),
                        )
                    raise invalid(
                        f"Parameter {format_path(parts)} was sent more than once",
                        param=format_path(parts),
                    )
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise invalid(
                        f"Invalid object: {format_path(parts[: depth + 1])} is sent both as a "
                        "value and as an object",
                        param=format_path(parts[: depth + 1]),
                    )
                node = child
    return root


# ---------------------------------------------------------------------------------------------
# Validation


def validate(spec: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Check ``data`` (from :func:`parse_form`) against ``spec``; return the converted values.

    Raises :class:`~tests.stripe_standin.errors.StripeError` (HTTP 400) for an unknown parameter,
    a missing required one, or a value of the wrong type.
    """
    _reject_unknown(spec, data, [])
    return _object(spec, data, [])


def _reject_unknown(spec: Any, data: Any, path: list[str]) -> None:
    """Report unknown parameters first, wherever they are, as Stripe does."""
    spec, _ = unwrap(spec)
    if isinstance(spec, dict) and isinstance(data, dict):
        for key, value in data.items():
            if key not in spec:
                name = format_path([*path, key])
                raise invalid(
                    f"Received unknown parameter: {name}", param=name, code="parameter_unknown"
                )
            _reject_unknown(spec[key], value, [*path, key])
    elif isinstance(spec, list) and isinstance(data, dict):
        for key, value in data.items():
            _reject_unknown(spec[0], value, [*path, key])


def _object(spec: dict[str, Any], data: dict[str, Any], path: list[str]) -> dict[str, Any]:
    for key, field in spec.items():
        _, required = unwrap(field)
        if required and key not in data:
            name = format_path([*path, key])
            raise invalid(f"Missing required param: {name}.", param=name, code="parameter_missing")
    return {key: _value(spec[key], value, [*path, key]) for key, value in data.items()}


def _value(spec: Any, value: Any, path: list[str]) -> Any:
    spec, _ = unwrap(spec)
    name = format_path(path)
    if isinstance(spec, MapOf):
        return _map(spec, value, path)
    if value == "":
        raise invalid(
            f"You passed an empty string for '{name}'. We assume empty values are an attempt to "
            f"unset a parameter; however '{name}' cannot be unset. You should remove '{name}' "
            "from your request or supply a non-empty value.",
            param=name,
            code="parameter_invalid_empty",
        )
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise invalid(f"Invalid object: {name} must be an object", param=name)
        return _object(spec, value, path)
    if isinstance(spec, list):
        return _list(spec[0], value, path)
    if isinstance(value, dict):
        raise invalid(f"Invalid {_kind(spec)}: {name} must not be an object", param=name)
    return _scalar(spec, value, name)


def _list(item_spec: Any, value: Any, path: list[str]) -> list[Any]:
    name = format_path(path)
    if not isinstance(value, dict) or not all(_INT_RE.match(k) for k in value):
        raise invalid(f"Invalid array: {name} must be a list", param=name)
    indices = sorted(int(k) for k in value)
    if indices != list(range(len(indices))):
        raise invalid(f"Invalid array: {name} has gaps in its indices", param=name)
    return [_value(item_spec, value[str(i)], [*path, str(i)]) for i in indices]


def _map(spec: MapOf, value: Any, path: list[str]) -> dict[str, Any]:
    name = format_path(path)
    if value == "":  # "metadata=" unsets all keys
        return {}
    if not isinstance(value, dict):
        raise invalid(f"Invalid object: {name} must be an object", param=name)
    if len(value) > METADATA_MAX_KEYS:
        raise invalid(f"Invalid {name}: it can have up to {METADATA_MAX_KEYS} keys", param=name)
    result = {}
    for key, item in value.items():
        item_name = format_path([*path, key])
        if len(key) > METADATA_KEY_MAX:
            raise invalid(
                f"Invalid {name}: keys can be up to {METADATA_KEY_MAX} characters long",
                param=item_name,
            )
        if isinstance(item, dict):
            raise invalid(f"Invalid {name}: values must be strings", param=item_name)
        if len(item) > METADATA_VALUE_MAX:
            raise invalid(
                f"Invalid {name}: values can be up to {METADATA_VALUE_MAX} characters long",
                param=item_name,
            )
        result[key] = _scalar(spec.value, item, item_name)
    return result


def _scalar(spec: Any, value: str, name: str) -> Any:
    if spec is str:
        return value
    if spec is int:
        if not _INT_RE.match(value):
            raise invalid(f"Invalid integer: {value}", param=name, code="parameter_invalid_integer")
        return int(value)
    if spec is bool:
        if value not in ("true", "false"):
            raise invalid(f"Invalid boolean: {value}", param=name)
        return value == "true"
    if isinstance(spec, Choice):
        if value not in spec.values:
            raise invalid(f"Invalid {name}: must be one of {', '.join(spec.values)}", param=name)
        return value
    raise TypeError(f"Unsupported spec for {name}: {spec!r}")


def _kind(spec: Any) -> str:
    if spec is int:
        return "integer"
    if spec is bool:
        return "boolean"
    return "string"
