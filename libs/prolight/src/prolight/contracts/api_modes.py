"""HTTP bodies of the Refine and Inspire modes (the Generate mode's are in
`prolight.contracts.api`).

RefineRequest      POST /api/runs/{run_id}/refine: instruction | patch, locked_fields
RefineAccepted     202: the child run, its parent, the diff and how the instruction was read
InspireRequest     POST /api/generate/inspire: artifact_id | image_base64, instruction?
InspireAccepted    202: the run of variations, the measured setup with per-field confidence
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from prolight.contracts.api import WEBHOOK_URL_MAX_CHARS, RunAccepted, RunRequestOptions
from prolight.domain.inspire.estimate import MAX_IMAGE_BYTES, Estimate
from prolight.domain.refine import MAX_INSTRUCTION_CHARS
from prolight.domain.schema import LOCKABLE_FIELDS, FiboPrompt
from prolight.domain.schema.prompt import LOCKABLE_PATTERN
from prolight.domain.schema.published import Published, absent, exactly_one_of

__all__ = [
    "BASE64_PATTERN",
    "ChangeOut",
    "FinalAccepted",
    "FinalRequest",
    "InspireAccepted",
    "InspireRequest",
    "PatchOperation",
    "RefineAccepted",
    "RefineRequest",
    "RemoveOperation",
]

POINTER_PATTERN = r"^/(?:metadata|scene|output)(?:/[^/]+)*$"
"""A JSON pointer to a member of the prompt's JSON form (its three top-level members or below)."""

BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
"""Standard base64 with its padding: what `base64.b64decode(…, validate=True)` accepts."""


class PatchOperation(BaseModel):
    """An RFC 6902 add, replace or test on the prompt's JSON
    (`prolight.domain.refine.apply_patch`)."""

    model_config = ConfigDict(extra="allow")  # apply_patch reads these three members only

    op: Literal["add", "replace", "test"]
    path: str = Field(
        pattern=POINTER_PATTERN,
        description="A JSON pointer into the prompt, e.g. /scene/lighting/fill/intensity.",
    )
    value: Any = Field(description="The new value (add, replace) or the one expected (test).")


class RemoveOperation(BaseModel):
    """An RFC 6902 remove on the prompt's JSON."""

    model_config = ConfigDict(extra="allow")

    op: Literal["remove"]
    path: str = Field(pattern=POINTER_PATTERN, description="A JSON pointer to the member.")


_Patch = Annotated[
    list[Annotated[PatchOperation | RemoveOperation, Field(discriminator="op")]],
    Field(min_length=1, max_length=50),
]


class RefineRequest(RunRequestOptions):
    """Change the parent run's chosen image: exactly one of `instruction` or `patch`.

    The child run starts from the prompt and seed of the parent's best candidate; by default
    it makes one image (`num_results` 1) with that very seed, so only the change differs.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            **exactly_one_of("instruction", "patch"),
            "examples": [
                {"instruction": "make the rim light cooler", "locked_fields": ["camera"]},
                {
                    "patch": [
                        {"op": "replace", "path": "/scene/lighting/fill/intensity", "value": 0.2}
                    ]
                },
            ],
        },
    )

    num_results: int = Field(1, ge=1, le=8, description="Images of the child run.")
    instruction: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_INSTRUCTION_CHARS,
        description='A plain-language edit: "one stop less fill", "make the rim light cooler".',
    )
    # Read by prolight.domain.refine.apply_patch, which names each bad operation (`patch[2].path`).
    patch: Annotated[list[Any] | None, Published(_Patch | None)] = Field(
        None,
        description="RFC 6902 operations (add, remove, replace, test) on the prompt's JSON, "
        "e.g. /scene/lighting/fill/intensity.",
    )
    locked_fields: list[str] = Field(
        default_factory=list,
        max_length=20,
        # Checked by the prompt's Metadata, which lists the lockable paths when one is not.
        json_schema_extra={"items": {"type": "string", "pattern": LOCKABLE_PATTERN}},
        description="Paths the refinement (and the child's refine loop) must not change, "
        "added to the prompt's own: " + ", ".join(LOCKABLE_FIELDS) + ", or a deeper path "
        "under lighting (lighting.key.kelvin).",
    )

    @model_validator(mode="after")
    def _one_edit(self) -> RefineRequest:
        if (self.instruction is None) == (self.patch is None):
            raise ValueError("give exactly one of instruction or patch")
        return self


class ChangeOut(BaseModel):
    """One field the refinement changed: its path and its value before and after."""

    path: str
    before: Any = None
    after: Any = None


class RefineAccepted(RunAccepted):
    """202: the child run is queued; `changes` is its prompt's diff to the parent's choice."""

    parent_run_id: str
    parent_artifact_id: str = Field(description="The parent's chosen image, refined here.")
    seed: int
    changes: list[ChangeOut]
    notes: list[str] = Field(default_factory=list, description="How the instruction was read.")
    ignored: list[str] = Field(default_factory=list, description="Clauses that changed nothing.")
    prompt: FiboPrompt


def _refuse_null(v: Any) -> Any:
    """An optional field published without `null`: sent as null, it is refused."""
    if v is None:
        raise ValueError("leave it out rather than send null")
    return v


class InspireRequest(RunRequestOptions):
    """An image to take the lighting from: a stored `artifact_id` or the image itself, base64.

    Uploads are PNG, JPEG or WebP only; no URL is ever fetched.
    """

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=exactly_one_of("artifact_id", "image_base64")
    )

    artifact_id: str | None = absent("An image artifact.", refuse_null=True, max_length=200)
    image_base64: str | None = absent(
        "PNG, JPEG or WebP bytes, base64 (standard alphabet, padded). Beyond what this schema "
        "can say, the bytes must be an image that can be read (at least 32 pixels a side, at "
        "most 40 megapixels) with a subject to measure; otherwise 422.",
        refuse_null=True,
        max_length=(MAX_IMAGE_BYTES * 4) // 3 + 8,
        pattern=BASE64_PATTERN,
    )
    instruction: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_INSTRUCTION_CHARS,
        description='Applied to the measured setup before the variations: "warmer key".',
    )

    _given_or_left_out = field_validator("artifact_id", "image_base64", mode="before")(_refuse_null)

    @model_validator(mode="after")
    def _one_image(self) -> InspireRequest:
        if (self.artifact_id is None) == (self.image_base64 is None):
            raise ValueError("give exactly one of artifact_id or image_base64")
        return self


class InspireAccepted(RunAccepted):
    """202: the run of variations is queued, from the setup measured on the image."""

    parent_run_id: str | None = Field(None, description="The run of the artifact, if one.")
    measured: dict[str, Estimate] = Field(
        description="Each measured field with its confidence (0–1) and how it was measured."
    )
    notes: list[str]
    instruction_notes: list[str] = Field(default_factory=list)
    prompt: FiboPrompt


class FinalRequest(BaseModel):
    """Render one of a completed run's images again in the final quality (path traced and
    denoised), with its prompt and seed: a child run of that one image, like a studio
    simulator's final render of the shot a photographer chose."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})

    artifact_id: str | None = absent(
        "One of the run's images; left out, the run's best.", refuse_null=True, max_length=200
    )

    webhook_url: str | None = Field(
        None,
        min_length=1,
        max_length=WEBHOOK_URL_MAX_CHARS,
        description="Where the final render's status is POSTed once it ends, as a generate "
        "run's webhook_url (docs/decisions/webhooks.md).",
    )

    _given_or_left_out = field_validator("artifact_id", mode="before")(_refuse_null)


class FinalAccepted(RunAccepted):
    """202: the final render is queued, a child run of one image."""

    parent_run_id: str
    parent_artifact_id: str = Field(description="The image rendered again.")
    seed: int
    prompt: FiboPrompt = Field(description="The image's prompt, `output.quality` final.")
