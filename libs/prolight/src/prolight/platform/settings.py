"""Configuration from the environment: the base every service's settings class extends.

    class GatewaySettings(ServiceSettings):
        port: int = 8000                      # read from PROLIGHT_PORT

    settings = GatewaySettings.load()         # ConfigurationError naming PROLIGHT_… if bad

`load()` is the start-up call: it turns pydantic's validation error into a `ConfigurationError`
whose message names each offending *environment variable* (`PROLIGHT_STORE_URL: …`), so a bad
deployment stops at once and says what to fix. Secrets are never part of these messages.

Two settings are also read under the original (seed) README's names, `SEED_ALIASES`:
`SECRET_KEY` for `PROLIGHT_STREAM_TOKEN_SECRET` and `BRIA_API_KEY` for `BRIA_API_TOKEN`
(`GEMINI_API_KEY` is our name too). Neither name takes precedence: both set to different
values is a `ConfigurationError` naming both, since either may be the one the operator meant.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import (
    AliasChoices,
    AliasPath,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from prolight.domain.errors import ProLightError

__all__ = [
    "MIN_SECRET_BYTES",
    "SEED_ALIASES",
    "ConfigurationError",
    "LogLevel",
    "ServiceSettings",
    "StreamTokenSettings",
    "WorkerSettings",
    "base_url",
]

MIN_SECRET_BYTES = 32
"""HS256 keys shorter than the hash are weak (RFC 7518 §3.2); PyJWT warns below this."""


def base_url(v: str) -> str:
    """`v` as a base URL (http:// or https://, no trailing slash); ValueError otherwise."""
    if not v.startswith(("http://", "https://")):
        raise ValueError("expected http://host:port or https://host")
    return v.rstrip("/")


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class ConfigurationError(ProLightError, ValueError):
    """Raised at start-up when configuration is unusable; the message names the variable."""


def _aliases(alias: str | AliasPath | AliasChoices | None) -> list[str]:
    """The variable names a `validation_alias` reads (paths into a value name none)."""
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    return []


def _default_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


SEED_ALIASES: Mapping[str, str] = {
    "PROLIGHT_STREAM_TOKEN_SECRET": "SECRET_KEY",
    "BRIA_API_TOKEN": "BRIA_API_KEY",
}
"""Our variable → the original README's name for it, read where our own is unset or empty."""


def _environ() -> dict[str, str]:
    # pydantic-settings compares names case-insensitively (case_sensitive=False); so do we.
    return {name.lower(): value for name, value in os.environ.items()}


class _SeedAliasSource(PydanticBaseSettingsSource):
    """Values from `SEED_ALIASES`' variables, for the settings class's fields that have one.

    Placed before the environment source, so a set alias is used when our own variable is
    unset or empty; when both are set to different values it raises `ConfigurationError`
    naming both. An empty alias counts as unset (compose files pass `${BRIA_API_KEY}` through
    even when the host has none).
    """

    def __init__(self, settings_cls: type[ServiceSettings]) -> None:
        super().__init__(settings_cls)
        self._settings_cls = settings_cls

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads the aliases itself

    def __call__(self) -> dict[str, Any]:
        env = _environ()
        values: dict[str, Any] = {}
        for field, info in self._settings_cls.model_fields.items():
            ours = self._settings_cls.env_name(field)
            alias = SEED_ALIASES.get(ours)
            if alias is None or not (value := env.get(alias.lower())):
                continue
            own = env.get(ours.lower())
            if own and own != value:
                raise ConfigurationError(
                    f"invalid configuration: {ours} and {alias} are both set, to different "
                    f"values; {alias} (the original README's name) is read as {ours}: unset one"
                )
            names = _aliases(info.validation_alias)
            values[names[0] if names else field] = value
        return values


class ServiceSettings(BaseSettings):
    """What every ProLight service reads from `PROLIGHT_*` variables."""

    model_config = SettingsConfigDict(env_prefix="PROLIGHT_", extra="ignore", frozen=True)

    nats_url: str = Field(
        "nats://127.0.0.1:4222",
        description="NATS server(s) with JetStream; comma-separated for a cluster.",
    )
    nats_replicas: int = Field(
        1,
        ge=1,
        le=5,
        description="Servers each stream is kept on: 1 for one nats-server, 3 in a cluster.",
    )
    nats_publish_retry_s: float = Field(
        10.0,
        ge=0,
        le=300,
        description="Seconds a publish is retried (same message id) while a stream has no "
        "leader, e.g. during a cluster's leader election; 0: one attempt.",
    )
    events_max_age_s: float = Field(
        7 * 24 * 3600.0,
        gt=0,
        description="Seconds the events stream keeps an event (a week); older ones are "
        "discarded. A run's status, steps and artifacts stay in the run store.",
    )
    events_max_bytes: int = Field(
        1024**3,
        ge=1024**2,
        description="Bytes the events stream may hold (1 GiB), per server; past it the oldest "
        "events are discarded. Keep it well under the JetStream store (10 GB in nats.conf).",
    )
    store_url: str = Field(
        "sqlite:///.prolight/prolight.db",
        description="Run store: sqlite:///relative/or//absolute/path, mongodb://…/dbname or "
        "postgresql://user@host:5432/dbname.",
    )
    blob_url: str = Field(
        "file://.prolight/blobs",
        description="Artifact store: file://dir or s3://bucket[/prefix]?endpoint=…&region=….",
    )
    log_level: LogLevel = "INFO"
    instance_id: str = Field(
        default_factory=_default_instance_id,
        description="Names this process in logs and task.started events.",
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v

    @field_validator("nats_url")
    @classmethod
    def _nats(cls, v: str) -> str:
        for server in v.split(","):
            if not server.strip().startswith(("nats://", "tls://", "ws://", "wss://")):
                raise ValueError("expected nats://host:port (or tls://, ws://, wss://)")
        return v

    @field_validator("store_url")
    @classmethod
    def _store(cls, v: str) -> str:
        if v.startswith("sqlite:///") and len(v) > len("sqlite:///"):
            return v
        if v.startswith(("mongodb://", "mongodb+srv://", "postgresql://", "postgres://")):
            return v
        raise ValueError(
            "expected sqlite:///path/to/file.db, mongodb://host/dbname "
            "or postgresql://user@host:5432/dbname"
        )

    @field_validator("blob_url")
    @classmethod
    def _blobs(cls, v: str) -> str:
        if v.startswith("file://") and len(v) > len("file://"):
            return v
        if v.startswith("s3://") and len(v.split("?", 1)[0]) > len("s3://"):
            return v
        raise ValueError("expected file://directory or s3://bucket?endpoint=…&region=…")

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable that sets `field` (e.g. store_url → PROLIGHT_STORE_URL).

        A field with a `validation_alias` is read from the alias alone (pydantic-settings adds
        no prefix to it); of `AliasChoices`, the first is named. `field` may also be the alias
        itself, which is how pydantic locates errors of aliased fields.
        """
        info = cls.model_fields.get(field)
        if info is None:  # an alias: find its field
            info = next(
                (i for i in cls.model_fields.values() if field in _aliases(i.validation_alias)),
                None,
            )
        aliases = _aliases(info.validation_alias) if info is not None else []
        if aliases:
            return aliases[0].upper()
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """pydantic-settings' sources plus the seed's names (`SEED_ALIASES`) before ours."""
        aliases = _SeedAliasSource(cls)
        return init_settings, aliases, env_settings, dotenv_settings, file_secret_settings

    @classmethod
    def variable_read(cls, field: str) -> str:
        """The variable `field` was read from: `env_name(field)`, or its seed alias
        (`SEED_ALIASES`) when only that one is set."""
        ours = cls.env_name(field)
        alias = SEED_ALIASES.get(ours)
        env = _environ()
        if alias is not None and env.get(alias.lower()) and not env.get(ours.lower()):
            return alias
        return ours

    @classmethod
    def load(cls) -> Self:
        """Read the environment; raise `ConfigurationError` naming every bad variable (and
        both names of one set twice to different values, see `SEED_ALIASES`)."""
        try:
            return cls()
        except ValidationError as exc:
            problems = []
            for err in exc.errors(include_url=False, include_input=False):
                loc = err["loc"]
                field = str(loc[0]) if loc else ""
                name = cls.variable_read(field) if field else cls.__name__
                problems.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
            raise ConfigurationError("invalid configuration: " + "; ".join(problems)) from exc


class WorkerSettings(ServiceSettings):
    """What the services that take tasks and events off the bus share (planner, generator,
    storage, evaluator): redelivery and the shutdown grace."""

    ack_wait_s: float = Field(30.0, gt=0, description="Seconds before an unacked task is resent.")
    max_deliver: int = Field(5, ge=1, description="Deliveries of a task before it is dead.")
    drain_timeout_s: float = Field(
        5.0, ge=0, description="Seconds in-flight work gets on SIGTERM before it is naked."
    )
    health_host: str = Field(
        "127.0.0.1",
        description="Address the health port (/healthz, /readyz, /metrics) listens on: this "
        "machine only by default; 0.0.0.0 in a container (the images and manifests set it).",
    )


class StreamTokenSettings(ServiceSettings):
    """What the gateway and the notifier share: the stream-token secret (the gateway signs
    tokens with it, the notifier verifies them) and the gateway's URL they hand to clients."""

    stream_token_secret: SecretStr = Field(
        description="HS256 secret shared by the gateway and the notifier; never logged."
    )
    gateway_public_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL clients reach the gateway at."
    )

    @field_validator("stream_token_secret")
    @classmethod
    def _long_enough(cls, v: SecretStr) -> SecretStr:
        if len(v.get_secret_value().encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"must be at least {MIN_SECRET_BYTES} bytes")
        return v

    @field_validator("gateway_public_url")
    @classmethod
    def _gateway_url(cls, v: str) -> str:
        return base_url(v)
