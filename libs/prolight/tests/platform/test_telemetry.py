"""Tracing set-up from OTEL_* variables, traceparent in headers, and the request context where
no span is recorded."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from prolight.platform.settings import ConfigurationError
from prolight.platform.telemetry import (
    _exporter,
    consumer_span,
    current_traceparent,
    extract_context,
    inject_headers,
    records_spans,
    request_context,
)

TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_no_span_no_traceparent() -> None:
    assert current_traceparent() is None
    headers: dict[str, str] = {}
    inject_headers(headers)
    assert headers == {}


def test_headers_round_trip_through_a_consumer_span() -> None:
    ctx = extract_context({"traceparent": TP})
    out: dict[str, str] = {}
    inject_headers(out, ctx)
    assert out["traceparent"] == TP
    with consumer_span("hop", {"traceparent": TP}):
        here = current_traceparent()
    assert here is not None
    assert here.split("-")[1] == TP.split("-")[1]


def test_a_recording_provider_makes_a_child_span() -> None:
    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span("child", context=extract_context({"traceparent": TP})):
        tp = current_traceparent()
    assert tp is not None
    _, trace_id, span_id, _ = tp.split("-")
    assert trace_id == TP.split("-")[1]
    assert span_id != TP.split("-")[2]


@pytest.mark.parametrize(
    ("name", "kind"),
    [pytest.param("none", type(None), id="none"), pytest.param("", type(None), id="unset")],
)
def test_exporter_choice(name: str, kind: type) -> None:
    assert isinstance(_exporter(name), kind)


def test_console_exporter() -> None:
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    assert isinstance(_exporter("console"), ConsoleSpanExporter)


def test_an_unknown_exporter_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="OTEL_TRACES_EXPORTER"):
        _exporter("zipkin-over-carrier-pigeon")


def test_tracing_can_be_switched_off() -> None:
    from prolight.platform.telemetry import configure_tracing

    assert configure_tracing("svc", {"OTEL_SDK_DISABLED": "true"}) is None


def test_otlp_without_its_package_says_what_to_install() -> None:
    try:
        import opentelemetry.exporter.otlp.proto.http  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigurationError, match="opentelemetry-exporter-otlp"):
            _exporter("otlp")
    else:
        assert _exporter("otlp") is not None


def test_the_traceparent_is_formatted_as_the_w3c_propagator_writes_it() -> None:
    tracer = TracerProvider().get_tracer("t")
    for parent in (None, extract_context({"traceparent": TP})):
        with tracer.start_as_current_span("span", context=parent):
            written: dict[str, str] = {}
            inject_headers(written)
            assert current_traceparent() == written["traceparent"]


@pytest.mark.parametrize(
    ("provider", "recorded"),
    [
        pytest.param(TracerProvider(), True, id="sdk-default-sampler"),
        pytest.param(TracerProvider(sampler=ALWAYS_OFF), False, id="nothing-exported"),
        pytest.param(trace.NoOpTracerProvider(), False, id="sdk-disabled"),
        pytest.param(trace.ProxyTracerProvider(), False, id="nothing-installed"),
    ],
)
def test_records_spans(provider: trace.TracerProvider, recorded: bool) -> None:
    assert records_spans(provider) is recorded


def _seen_context(headers: list[tuple[bytes, bytes]]) -> trace.SpanContext:
    """The span context a request with these headers runs in where no span is recorded."""
    return trace.get_current_span(request_context(headers)).get_span_context()


def test_a_request_continues_the_callers_trace_in_a_span_of_its_own() -> None:
    context = _seen_context([(b"traceparent", TP.encode()), (b"host", b"gw")])
    assert context.is_valid
    assert format(context.trace_id, "032x") == TP.split("-")[1]
    assert format(context.span_id, "016x") != TP.split("-")[2]
    assert not context.trace_flags.sampled  # nothing records it


def test_a_request_without_a_traceparent_starts_a_trace() -> None:
    first = _seen_context([(b"host", b"gw")])
    second = _seen_context([(b"traceparent", b"not-a-traceparent")])
    assert first.is_valid
    assert second.is_valid
    assert first.trace_id != second.trace_id
