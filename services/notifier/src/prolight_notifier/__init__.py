"""ProLight notifier: every run event to the WebSocket and SSE clients watching that run.

app.py       the FastAPI app and its lifespan (NATS connection, shared feed)
hub.py       fan-out: one feed for all runs, a channel per watched run, bounded clients
messages.py  what a client receives, and the run's overall progress
ws.py        WS /ws/runs/{run_id}          close codes 1000, 1011, 1012, 4008, 4401, 4403
push.py      the WebSocket fast path: pre-encoded frames written straight to each socket
sse.py       GET /api/stream/{run_id}      Last-Event-ID, `: ping`, `event: resume`
auth.py      stream tokens → 401 / 403; the JSON error body
health.py    /healthz, /readyz
settings.py  PROLIGHT_NOTIFIER_* and the shared PROLIGHT_STREAM_TOKEN_SECRET
"""

from prolight_notifier.app import create_app
from prolight_notifier.settings import NotifierSettings

__all__ = ["NotifierSettings", "create_app"]
