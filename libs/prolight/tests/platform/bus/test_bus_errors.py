"""Every nats-py error is mapped to one of ours at the boundary."""

from __future__ import annotations

import inspect

import nats.errors
import nats.js.errors
import pytest

from prolight.domain.errors import ProLightError
from prolight.platform.bus import BusConfigError, BusError, BusTimeoutError, BusUnavailableError
from prolight.platform.bus.errors import nats_errors, translate


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        pytest.param(nats.errors.TimeoutError(), BusTimeoutError, id="timeout"),
        pytest.param(TimeoutError(), BusTimeoutError, id="builtin-timeout"),
        pytest.param(nats.errors.NoServersError(), BusUnavailableError, id="no-servers"),
        pytest.param(nats.errors.ConnectionClosedError(), BusUnavailableError, id="closed"),
        pytest.param(nats.js.errors.NoStreamResponseError(), BusUnavailableError, id="no-stream"),
        pytest.param(nats.js.errors.ServiceUnavailableError(), BusUnavailableError, id="js-off"),
        pytest.param(ConnectionRefusedError(), BusUnavailableError, id="refused"),
        pytest.param(
            nats.js.errors.BadRequestError(description="bad", err_code=10058),
            BusConfigError,
            id="bad-request",
        ),
        pytest.param(nats.js.errors.NotFoundError(), BusConfigError, id="not-found"),
    ],
)
def test_translate_picks_the_specific_error(exc: BaseException, expected: type) -> None:
    mapped = translate(exc, "do a thing")
    assert type(mapped) is expected
    assert str(mapped).startswith("do a thing")


def test_every_nats_error_class_becomes_a_bus_error() -> None:
    classes = [
        c
        for module in (nats.errors, nats.js.errors)
        for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, nats.errors.Error)
    ]
    assert len(classes) > 20
    for cls in classes:
        try:
            instance = cls()
        except TypeError:
            continue  # needs arguments; its base class is covered
        assert isinstance(translate(instance, "x"), BusError), cls


def test_the_context_manager_chains_the_cause() -> None:
    cause = nats.errors.NoServersError()
    with pytest.raises(BusUnavailableError) as info, nats_errors("connect"):
        raise cause
    assert info.value.__cause__ is cause
    assert isinstance(info.value, ProLightError)
