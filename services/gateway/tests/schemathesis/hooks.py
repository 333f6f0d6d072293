"""Schemathesis hooks for the gateway: the rules of its requests that JSON Schema cannot state
(the second, an `Idempotency-Key` names one request, and the third, the webhook URLs the
test's gateway accepts, are at the end).

A canonical prompt's `output.resolution` must have the shape of an aspect ratio, to 2 %: of
`output.aspect_ratio` when that is given, else of the nearest one (`prolight.domain.schema.Output`).
That compares the two sides of the resolution by arithmetic, which no JSON Schema keyword
expresses. The published schema says it in words; this hook drops the generated bodies whose
resolution breaks it, so they are neither sent as schema-valid (they are refused) nor counted
against negative testing. Every other check stays on, for every other part of the body.
"""

from __future__ import annotations

import itertools
import re
import urllib.parse
from typing import Any

import schemathesis

from prolight.contracts.api import WEBHOOK_URL_MAX_CHARS
from prolight.domain.schema import ASPECT_RATIOS
from prolight.domain.schema.prompt import has_aspect, nearest_aspect
from prolight_gateway.idempotency import HEADER as IDEMPOTENCY_HEADER
from prolight_gateway.idempotency import KEY_PATTERN


def _shape_breaks_the_rule(output: Any) -> bool:
    """Whether `output` has a [w, h] resolution whose shape is not its aspect ratio's (given,
    or the nearest); anything else (a missing or malformed field) is left to the schema."""
    if not isinstance(output, dict):
        return False
    size, aspect = output.get("resolution"), output.get("aspect_ratio")
    if not isinstance(size, list) or len(size) != 2:
        return False
    if aspect is not None and aspect not in ASPECT_RATIOS:
        return False
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in size):
        return False
    width, height = size
    return not has_aspect(width, height, aspect or nearest_aspect(width, height))


@schemathesis.hook("filter_case")
def resolution_has_its_ratio(context: schemathesis.HookContext, case: schemathesis.Case) -> bool:
    """Keep a case unless its body's `output.resolution` has no shape of its aspect ratio.

    A case hook, not a body hook: the coverage phase applies case hooks only."""
    body = case.body
    return not (isinstance(body, dict) and _shape_breaks_the_rule(body.get("output")))


# An Idempotency-Key names one request: sent again with another method, path or body it is
# refused (422 idempotency_key_reused), by a rule about two requests that no schema of one can
# state. Schemathesis draws short keys ("0") again and again; a key it already sent with
# another request gets a suffix that keeps it schema-valid, so a schema-valid request is not
# refused for a reuse. Keys sent again with the same request keep their name (a replay: 202).
_SENT_WITH: dict[str, str] = {}
_RENAMED = itertools.count(1)


@schemathesis.hook("map_case")
def one_request_per_idempotency_key(
    context: schemathesis.HookContext, case: schemathesis.Case
) -> schemathesis.Case:
    """Give a key already sent with another request a fresh, still schema-valid name."""
    key = (case.headers or {}).get(IDEMPOTENCY_HEADER)
    if not isinstance(key, str) or not re.fullmatch(KEY_PATTERN, key):
        return case  # absent, or an invalid key that negative testing wants refused
    request = f"{case.method} {case.formatted_path} {case.body!r}"
    if _SENT_WITH.setdefault(key, request) != request:
        key = f"{key[:240]}~{next(_RENAMED)}"  # unique: the counter never repeats
        _SENT_WITH[key] = request
    assert case.headers is not None
    case.headers[IDEMPOTENCY_HEADER] = key
    return case


# A webhook_url is accepted only on a host the gateway's settings allow that is no internal
# address (PROLIGHT_WEBHOOK_ALLOWED_HOSTS, and what the host resolves to): configuration and
# DNS, which no schema can state. The test's gateway allows 127.0.0.1 over http
# (test_openapi_conformance.WEBHOOKS); a schema-valid webhook_url is sent as one of its URLs,
# with the drawn text in the query so the URL still varies. Every other URL is a 422 naming the
# field (services/gateway/tests/test_webhook_targets.py, test_webhooks.py).
WEBHOOK_BASE = "http://127.0.0.1:9/hooks/prolight"


@schemathesis.hook("map_case")
def webhook_url_the_gateway_allows(
    context: schemathesis.HookContext, case: schemathesis.Case
) -> schemathesis.Case:
    """Send a schema-valid `webhook_url` as a URL the test's gateway accepts."""
    body = case.body
    url = body.get("webhook_url") if isinstance(body, dict) else None
    if not isinstance(url, str) or not 1 <= len(url) <= WEBHOOK_URL_MAX_CHARS:
        return case  # absent, null, or invalid: negative testing wants it as it is
    if not url.startswith(WEBHOOK_BASE):
        query = urllib.parse.quote(url, safe="")[: WEBHOOK_URL_MAX_CHARS - len(WEBHOOK_BASE) - 3]
        assert isinstance(body, dict)
        body["webhook_url"] = f"{WEBHOOK_BASE}?q={query}"
    return case
