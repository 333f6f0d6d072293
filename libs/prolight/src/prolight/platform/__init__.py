"""Layer 3, the platform: what every service runs on.

The bus (NATS JetStream), the run store, blobs, settings, logging, telemetry, metrics, health,
the worker runtime and the clients of external APIs. Imports contracts and domain, never a
service or a tool.
"""
