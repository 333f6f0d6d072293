"""OpenTelemetry tracing set up from the standard `OTEL_*` variables, and trace context in headers.

`configure_tracing(service_name)` is called once by a service's `main()`:

- `OTEL_SDK_DISABLED=true`     nothing is installed; spans are no-ops, context still propagates.
- `OTEL_TRACES_EXPORTER`       `none` (default: spans are made, so trace ids flow, but nothing is
                               exported), `console` (one JSON span per line on stdout) or `otlp`
                               (needs `opentelemetry-exporter-otlp`; reads `OTEL_EXPORTER_OTLP_*`).
- `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`  as usual; the name defaults to `service_name`.

Trace context travels as the W3C `traceparent` (and `tracestate`) header on every NATS message:
`inject_headers` writes the current context into a header dict, `extract_context` reads it back,
and `consumer_span` runs a handler inside a span whose parent is the message's context, so every
event the handler publishes continues the same trace.

HTTP requests: where spans are recorded (`records_spans`), FastAPI's own server span carries
the request's context. Where none is (no exporter, or the SDK disabled), `request_context`
gives each request a span context of its own — a child of the caller's `traceparent`, or a new
trace — so log lines and published events still carry a trace id: the same ids FastAPI's
unrecorded span would give, without its per-request span machinery (about 140 µs of CPU per
accepted run on the gateway under `bench/bench_gateway.py`, for a span nobody keeps).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from prolight.platform.settings import ConfigurationError

__all__ = [
    "TRACEPARENT",
    "configure_tracing",
    "consumer_span",
    "current_traceparent",
    "extract_context",
    "inject_headers",
    "records_spans",
    "request_context",
    "tracer",
]

TRACEPARENT = "traceparent"
"""The W3C header name; the same key in NATS headers and HTTP headers."""

_TRACER_NAME = "prolight"


def _exporter(name: str) -> SpanExporter | None:
    if name in ("", "none"):
        return None
    if name == "console":
        return ConsoleSpanExporter()
    if name == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found,unused-ignore]
                OTLPSpanExporter,
            )
        except ImportError as exc:
            raise ConfigurationError(
                "OTEL_TRACES_EXPORTER=otlp needs the package opentelemetry-exporter-otlp-proto-http"
            ) from exc
        exporter: SpanExporter = OTLPSpanExporter()
        return exporter
    raise ConfigurationError(
        f"OTEL_TRACES_EXPORTER={name!r} is not supported; use none, console or otlp"
    )


def configure_tracing(
    service_name: str, environ: Mapping[str, str] | None = None
) -> TracerProvider | None:
    """Install the global tracer provider described by `OTEL_*`; returns it (None if disabled).

    Raises `ConfigurationError` naming the variable when `OTEL_TRACES_EXPORTER` is unusable.
    Call once per process, before the first span; the provider flushes at interpreter exit.
    """
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    exporters = [
        e
        for name in env.get("OTEL_TRACES_EXPORTER", "none").split(",")
        if (e := _exporter(name.strip().lower())) is not None
    ]
    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or service_name})
    # With nothing to export, spans are not recorded: they still get real trace ids, which
    # travel in `traceparent` and tag the logs, but cost a fraction of a recorded span on
    # every request and message. A sampler given by OTEL_TRACES_SAMPLER still wins.
    sampler = None if exporters or "OTEL_TRACES_SAMPLER" in env else ALWAYS_OFF
    provider = TracerProvider(resource=resource, sampler=sampler)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


def records_spans(provider: trace.TracerProvider | None = None) -> bool:
    """Whether spans made through `provider` (default: the global one) are recorded: not with
    the API's no-op provider (nothing installed, `OTEL_SDK_DISABLED`), nor with the one
    `configure_tracing` installs when nothing exports (its sampler keeps no span)."""
    provider = provider or trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        return provider.sampler is not ALWAYS_OFF
    return not isinstance(provider, trace.NoOpTracerProvider | trace.ProxyTracerProvider)


_PROPAGATED = (b"traceparent", b"tracestate")


def request_context(headers: list[tuple[bytes, bytes]]) -> Context:
    """The context an HTTP request runs in where no span is recorded (module doc): a span
    context of its own, child of the caller's `traceparent` in `headers` (ASGI's raw header
    list) if there is one, else the root of a new trace; not sampled, since nothing records
    it."""
    carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in headers if k in _PROPAGATED}
    parent = propagate.extract(carrier) if carrier else Context()
    caller = trace.get_current_span(parent).get_span_context()
    span = trace.NonRecordingSpan(
        trace.SpanContext(
            trace_id=caller.trace_id if caller.is_valid else random.getrandbits(128),
            span_id=random.getrandbits(64),
            is_remote=False,
            trace_flags=trace.TraceFlags(trace.TraceFlags.DEFAULT),
            trace_state=caller.trace_state if caller.is_valid else None,
        )
    )
    return trace.set_span_in_context(span, parent)


def tracer() -> trace.Tracer:
    """The library's tracer (from whatever provider is installed; a no-op one by default)."""
    return trace.get_tracer(_TRACER_NAME)


def inject_headers(headers: MutableMapping[str, str], context: Context | None = None) -> None:
    """Write `traceparent` (and `tracestate`) of `context` (default: the current one) into
    `headers`. Writes nothing when there is no valid span context."""
    propagate.inject(headers, context=context)


def extract_context(headers: Mapping[str, str] | None) -> Context:
    """The trace context carried by message headers (an empty context when there is none)."""
    return propagate.extract(dict(headers or {}))


def current_traceparent() -> str | None:
    """The W3C `traceparent` of the current span, or None outside any valid span.

    Formatted here rather than through `propagate.inject`: every publish asks for it, and the
    propagators' generic carrier machinery costs several times the formatting.
    """
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}"


@contextmanager
def consumer_span(name: str, headers: Mapping[str, str] | None) -> Iterator[trace.Span]:
    """A CONSUMER span, child of the context in `headers`, current for the block."""
    with tracer().start_as_current_span(
        name, context=extract_context(headers), kind=trace.SpanKind.CONSUMER
    ) as span:
        yield span
