"""ProLight gateway: the REST API. Validates requests, persists runs, publishes `run.created`.

app.py        create_app(): the FastAPI application (connects nothing until its lifespan)
resources.py  the lifespan: run store, bus, artifact store
settings.py   GatewaySettings (PROLIGHT_* variables)
deps.py       Annotated dependencies the routes take
errors.py     ApiError and the handlers that turn every failure into an ErrorBody
runs.py       submitting, describing and cancelling runs (no HTTP in it)
thumbnails.py ETags and thumbnails of artifacts
routes/       one module per resource
"""

__all__: list[str] = []
