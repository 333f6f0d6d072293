"""The one HTTP error model of every ProLight API (gateway, evaluator, notifier): every failure
becomes a JSON `ErrorBody` with a stable `code` and the right status.

    ApiError                  raised by routes: status, code, message, field… (`status=` and
                              `code=` override the class's for a one-off answer)
    ├── InvalidRequest        422 invalid_input: a query or path value that cannot be used
    ├── NotFound              404 not_found: no such run, artifact or preset
    ├── Conflict              409 conflict: e.g. cancelling a finished run
    ├── Unauthorized          401 api_key_missing / api_key_invalid (keys turned on)
    ├── RateLimited           429 rate_limited, with Retry-After
    └── ServiceUnavailable    503 bus_unavailable / store_unavailable / blob_unavailable

Foreign errors are mapped here, at the boundary: pydantic's and FastAPI's validation errors and
`prolight.domain.errors.InvalidInput` → 422 naming each field; Starlette's HTTP errors (unknown path
404, wrong method 405, body over the limit 413) keep their status with our body. Anything else
is caught at each app's edge (the gateway's `prolight_gateway.edge`): logged with the run id,
answered 500 `internal` with no traceback. `install_error_handlers(app)` registers the mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from prolight.contracts.api import ErrorBody, FieldErrorOut
from prolight.domain.errors import FieldError, InvalidInput, describe_errors

__all__ = [
    "ApiError",
    "Conflict",
    "InvalidRequest",
    "NotFound",
    "RateLimited",
    "ServiceUnavailable",
    "Unauthorized",
    "error_response",
    "install_error_handlers",
    "invalid_input",
]

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


class ApiError(Exception):
    """Raised to answer `status` with an `ErrorBody`; every field is shown to the client."""

    status = 400
    code = "bad_request"
    field: str | None = None
    headers: dict[str, str] | None = None

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        status: int | None = None,
        choices: Sequence[str] | None = None,
        errors: Sequence[FieldError] | None = None,
    ) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.field = field
        self.body = ErrorBody(
            code=code or self.code,
            message=message,
            field=field,
            choices=list(choices) if choices is not None else None,
            errors=[FieldErrorOut(field=e.field, message=e.message) for e in errors]
            if errors
            else None,
        )


class NotFound(ApiError):
    """Raised when the run, artifact or preset asked for does not exist (404)."""

    status = 404
    code = "not_found"


class InvalidRequest(ApiError):
    """Raised when a query or path value cannot be used (422); `field` names it."""

    status = 422
    code = "invalid_input"


class Conflict(ApiError):
    """Raised when the request cannot apply to the resource as it stands (409)."""

    status = 409
    code = "conflict"


class Unauthorized(ApiError):
    """Raised when API keys are on and the request has no key, or one nobody issued (401)."""

    status = 401
    code = "api_key_invalid"


class RateLimited(ApiError):
    """Raised when a key starts runs faster than its limit (429 with `Retry-After`)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after_s)}


class ServiceUnavailable(ApiError):
    """Raised when a dependency (NATS, the run store, the artifact store) is down (503)."""

    status = 503
    code = "unavailable"


def error_response(
    status: int, body: ErrorBody, headers: dict[str, str] | None = None
) -> JSONResponse:
    """`body` as JSON with `status`, leaving out fields that are not set."""
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def invalid_input(errors: Sequence[FieldError], code: str = "invalid_input") -> ErrorBody:
    """The 422 body for these field errors: the first in `field`/`message`, all in `errors`."""
    if not errors:
        errors = [FieldError("", "the request is not valid")]
    first = errors[0]
    message = "; ".join(str(e) for e in errors)
    return ErrorBody(
        code=code,
        message=message,
        field=first.field,
        errors=[FieldErrorOut(field=e.field, message=e.message) for e in errors]
        if len(errors) > 1
        else None,
    )


def _path(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def request_field_errors(exc: RequestValidationError) -> tuple[list[FieldError], bool]:
    """(field errors with the client's paths, whether the body was not JSON at all)."""
    errors: list[FieldError] = []
    malformed = False
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        where = loc[0] if loc else "body"
        kind = err.get("type", "")
        if kind == "json_invalid":
            malformed = True
            detail = (err.get("ctx") or {}).get("error", "")
            position = loc[1] if len(loc) > 1 else "?"
            errors.append(FieldError("", f"malformed JSON: {detail} at character {position}"))
            continue
        path = _path(loc[1:]) if where == "body" else _path(loc[1:]) or str(where)
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            message = "unknown field (not part of the schema)"
        elif kind == "missing" and not path:
            message = "a JSON body is required"
        elif kind in ("dict_type", "model_attributes_type") and not path:
            message = "the body must be a JSON object"
        errors.append(FieldError(path, message))
    # One message per field and text: unions report some fields several times.
    unique = {f"{e.field}\0{e.message}": e for e in errors}
    return list(unique.values()), malformed


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.body, exc.headers)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors, malformed = request_field_errors(exc)
    return error_response(
        422, invalid_input(errors, "malformed_json" if malformed else "invalid_input")
    )


async def _invalid_input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidInput | ValidationError)
    return error_response(422, invalid_input(describe_errors(exc)))


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI reports a body that is not UTF-8 as a 400 "error parsing the body".
        body = ErrorBody(code="malformed_json", message="malformed JSON: the body is not UTF-8")
        return error_response(422, body)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = str(exc.detail)
    if exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    elif exc.status_code == 404:
        message = f"no route {request.url.path}"
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, ErrorBody(code=code, message=message), headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that map every expected failure to an `ErrorBody`."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(InvalidInput, _invalid_input)
    app.add_exception_handler(ValidationError, _invalid_input)
    app.add_exception_handler(StarletteHTTPException, _http)
