"""The generator's configuration: backend, the render-size cap, health port, and BRIA.

PROLIGHT_GENERATOR_BACKEND            local   `local` (preview renderer) or `bria` (BRIA FIBO v2)
BRIA_API_TOKEN                        unset   required with `bria`; sent only as BRIA's header
                                              (or BRIA_API_KEY, the seed's name; see
                                              prolight.platform.settings.SEED_ALIASES)
PROLIGHT_BRIA_BASE_URL                https://engine.prod.bria-api.com/v2
PROLIGHT_BRIA_ENDPOINT                /image/generate   or /image/generate/lite (FIBO Lite)
PROLIGHT_BRIA_STEPS_NUM               50      35–50 (lite: 8–30)
PROLIGHT_BRIA_GUIDANCE_SCALE          5       an integer 3–5 (BRIA's range; 7.5 is refused)
PROLIGHT_BRIA_NEGATIVE_PROMPT         ""      sent when set; unset, a photograph gets FIBO's
                                              default (prolight.domain.bria_fibo)
PROLIGHT_BRIA_PROMPT_CONTENT_MODERATION / _VISUAL_OUTPUT_CONTENT_MODERATION   true
PROLIGHT_BRIA_PRICES_USD              {"/image/generate": 0.04, "/image/generate/lite": 0.04}
PROLIGHT_BRIA_CONCURRENCY             4       BRIA jobs one instance runs at once (the local
                                              renderer is CPU-bound and always runs one)
PROLIGHT_BRIA_REQUEST_TIMEOUT_S, _POLL_INTERVAL_S, _POLL_MAX_INTERVAL_S, _POLL_TIMEOUT_S,
_RETRY_ATTEMPTS, _RETRY_BASE_S, _RETRY_CAP_S, _MAX_RETRY_AFTER_S, _UNKNOWN_LIMIT,
_BREAKER_THRESHOLD, _BREAKER_COOLDOWN_S   pacing (seconds); tests set them to milliseconds
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator

from prolight.domain.render import MAX_SIDE, MIN_SIDE
from prolight.platform.settings import WorkerSettings

__all__ = ["BACKENDS", "BRIA_BASE_URL", "DEFAULT_BRIA_PRICES_USD", "GeneratorSettings"]

BACKENDS = ("local", "bria")
"""Backends this build can run: the preview renderer, and BRIA FIBO v2's hosted API."""

BRIA_BASE_URL = "https://engine.prod.bria-api.com/v2"

DEFAULT_BRIA_PRICES_USD = {"/image/generate": 0.04, "/image/generate/lite": 0.04}
"""Estimated USD per generated image by endpoint: the $0.04 per FIBO image that resellers list
(Nov 2026). Set PROLIGHT_BRIA_PRICES_USD from your own BRIA plan; only budgets depend on it."""


class GeneratorSettings(WorkerSettings):
    """`PROLIGHT_*` variables the bria-generator reads (see `WorkerSettings` for the rest).

    The local renderer draws at the prompt's `output.resolution` scaled down (aspect kept) to
    fit `generator_max_width` × `generator_max_height` pixels (PROLIGHT_GENERATOR_MAX_WIDTH,
    _MAX_HEIGHT): 512 × 640 by default, about 0.4 s per image on one core, so a 4-candidate run
    stays interactive. Raise the cap for final renders.
    """

    generator_backend: str = Field(
        "local",
        description="Image backend: local (the physically based preview renderer) or bria.",
    )
    generator_max_width: int = Field(
        512,
        ge=MIN_SIDE,
        le=MAX_SIDE,
        description="Widest render in pixels; larger requests are scaled down.",
    )
    generator_max_height: int = Field(
        640,
        ge=MIN_SIDE,
        le=MAX_SIDE,
        description="Tallest render in pixels; larger requests are scaled down.",
    )
    bria_generator_health_port: int = Field(
        8011,
        ge=0,
        le=65535,
        description="Port of /healthz and /readyz; 0 disables them.",
    )

    # -- BRIA (PROLIGHT_GENERATOR_BACKEND=bria) ----------------------------------------------
    bria_api_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("BRIA_API_TOKEN", "bria_api_token"),
        validate_default=True,
        description="BRIA's API token; required with the bria backend; never logged.",
    )
    bria_base_url: str = Field(BRIA_BASE_URL, description="BRIA v2 API base URL.")
    bria_endpoint: Literal["/image/generate", "/image/generate/lite"] = "/image/generate"
    bria_steps_num: int = Field(50, ge=8, le=50, description="Diffusion steps (lite: 8–30).")
    bria_guidance_scale: int = Field(
        5, ge=3, le=5, description="Classifier-free guidance: an integer 3–5, as BRIA takes it."
    )
    bria_negative_prompt: str = Field(
        "",
        max_length=2000,
        description="Negative prompt; empty: FIBO's default one for photographs.",
    )
    bria_prompt_content_moderation: bool = True
    bria_visual_output_content_moderation: bool = True
    bria_prices_usd: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_BRIA_PRICES_USD),
        description="Estimated USD per image by endpoint (JSON object).",
    )
    bria_request_timeout_s: float = Field(30.0, gt=0)
    bria_poll_interval_s: float = Field(2.0, ge=0)
    bria_poll_max_interval_s: float = Field(10.0, ge=0)
    bria_poll_timeout_s: float = Field(300.0, gt=0)
    bria_unknown_limit: int = Field(3, ge=1, description="UNKNOWN statuses in a row tolerated.")
    bria_retry_attempts: int = Field(4, ge=1, description="Tries of one call in all.")
    bria_retry_base_s: float = Field(1.0, ge=0)
    bria_retry_cap_s: float = Field(30.0, ge=0)
    bria_max_retry_after_s: float = Field(120.0, ge=0)
    bria_breaker_threshold: int = Field(5, ge=1)
    bria_breaker_cooldown_s: float = Field(60.0, ge=0)
    bria_max_download_bytes: int = Field(50 * 1024 * 1024, ge=1024)
    bria_concurrency: int = Field(
        4,
        ge=1,
        le=32,
        description="BRIA jobs one instance runs at once: a job spends 20–35 s waiting on "
        "BRIA, so a 4-image run takes one job's time instead of four.",
    )

    def task_concurrency(self) -> int:
        """Generate tasks this instance runs at once: `bria_concurrency` with the bria backend;
        one with the local renderer, whose work is CPU and would only queue for the cores."""
        return self.bria_concurrency if self.generator_backend == "bria" else 1

    @field_validator("generator_backend")
    @classmethod
    def _known_backend(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in BACKENDS:
            raise ValueError(
                f"backend {v!r} is not available in this build; use one of {', '.join(BACKENDS)}"
            )
        return v

    @field_validator("bria_api_token")
    @classmethod
    def _token_for_bria(cls, v: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if info.data.get("generator_backend") == "bria" and (
            v is None or not v.get_secret_value().strip()
        ):
            raise ValueError("the bria backend needs BRIA's API token")
        return v

    @field_validator("bria_steps_num")
    @classmethod
    def _steps_for_endpoint(cls, v: int, info: ValidationInfo) -> int:
        low, high = (8, 30) if info.data.get("bria_endpoint", "").endswith("/lite") else (35, 50)
        if not low <= v <= high:
            raise ValueError(f"{info.data.get('bria_endpoint')} takes {low}–{high} steps")
        return v

    @field_validator("bria_base_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not v.startswith(("https://", "http://")):
            raise ValueError("expected https://host/path")
        return v.rstrip("/")

    @field_validator("bria_prices_usd")
    @classmethod
    def _prices(cls, v: dict[str, Any]) -> dict[str, Any]:
        if any(float(p) < 0 for p in v.values()):
            raise ValueError("prices are USD per image, ≥ 0")
        return v

    def bria_price_usd(self) -> float:
        """Estimated USD of one image on the configured endpoint."""
        return float(
            self.bria_prices_usd.get(
                self.bria_endpoint, DEFAULT_BRIA_PRICES_USD[self.bria_endpoint]
            )
        )
