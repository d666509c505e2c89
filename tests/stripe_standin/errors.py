"""Stripe-shaped errors: ``{"error": {"type", "message", "param", "code"}}`` with an HTTP status."""

from __future__ import annotations

from typing import Any


class StripeError(Exception):
    """An error the stand-in answers the way Stripe would, so the stripe client raises the same."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.param is not None:
            error["param"] = self.param
        if self.code is not None:
            error["code"] = self.code
        return {"error": error}


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(400, message, param=param, code=code)


def not_found(kind: str, object_id: str, *, param: str | None = None) -> StripeError:
    return StripeError(404, f"No such {kind}: '{object_id}'", param=param, code="resource_missing")


def missing_reference(kind: str, object_id: str, *, param: str) -> StripeError:
    """A parameter names an object that does not exist: Stripe answers 400, not 404."""
    return StripeError(400, f"No such {kind}: '{object_id}'", param=param, code="resource_missing")
