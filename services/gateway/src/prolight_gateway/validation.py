"""`reading_user_input()`: the guard around library code that reads what a client sent.

The schema's validators and the analysis are meant to turn every bad value into
`InvalidInput`/`ValidationError` naming the field. Where one has a gap (a validator that calls
`dict.get` on a list, a distance so small its square underflows to 0), the client still sent
something unusable: the answer is 422, not 500, and the gap is logged so it gets fixed in the
library.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from prolight.domain.errors import InvalidInput

__all__ = ["reading_user_input"]

log = logging.getLogger(__name__)


@contextmanager
def reading_user_input(what: str) -> Iterator[None]:
    """Run a block that reads client input; a TypeError or ArithmeticError becomes a 422."""
    try:
        yield
    except (TypeError, ArithmeticError) as exc:
        log.warning("library gap while reading %s: %s: %s", what, type(exc).__name__, exc)
        raise InvalidInput.single(
            "", f"the {what} has a value of the wrong type or out of range ({exc})"
        ) from exc
