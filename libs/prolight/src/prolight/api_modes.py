"""HTTP bodies of the Refine and Inspire modes (the Generate mode's are in `prolight.api`).

RefineRequest      POST /api/runs/{run_id}/refine: instruction | patch, locked_fields
RefineAccepted     202: the child run, its parent, the diff and how the instruction was read
InspireRequest     POST /api/generate/inspire: artifact_id | image_base64, instruction?
InspireAccepted    202: the run of variations, the measured setup with per-field confidence
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from prolight.api import RunAccepted, RunRequestOptions
from prolight.inspire import MAX_IMAGE_BYTES, Estimate
from prolight.refine import MAX_INSTRUCTION_CHARS
from prolight.schema import FiboPrompt

__all__ = [
    "ChangeOut",
    "InspireAccepted",
    "InspireRequest",
    "RefineAccepted",
    "RefineRequest",
]


class RefineRequest(RunRequestOptions):
    """Change the parent run's chosen image: exactly one of `instruction` or `patch`.

    The child run starts from the prompt and seed of the parent's best candidate; by default
    it makes one image (`num_results` 1) with that very seed, so only the change differs.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"instruction": "make the rim light cooler", "locked_fields": ["camera"]},
                {
                    "patch": [
                        {"op": "replace", "path": "/scene/lighting/fill/intensity", "value": 0.2}
                    ]
                },
            ]
        },
    )

    num_results: int = Field(1, ge=1, le=8, description="Images of the child run.")
    instruction: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_INSTRUCTION_CHARS,
        description='A plain-language edit: "one stop less fill", "make the rim light cooler".',
    )
    patch: list[dict[str, Any]] | None = Field(
        None,
        min_length=1,
        max_length=50,
        description="RFC 6902 operations (add, remove, replace, test) on the prompt's JSON, "
        "e.g. /scene/lighting/fill/intensity.",
    )
    locked_fields: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Paths the refinement (and the child's refine loop) must not change, "
        "added to the prompt's own.",
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


class InspireRequest(RunRequestOptions):
    """An image to take the lighting from: a stored `artifact_id` or the image itself, base64.

    Uploads are PNG, JPEG or WebP only; no URL is ever fetched.
    """

    model_config = ConfigDict(extra="forbid")

    artifact_id: str | None = Field(None, max_length=200, description="An image artifact.")
    image_base64: str | None = Field(
        None,
        max_length=(MAX_IMAGE_BYTES * 4) // 3 + 8,
        description="PNG, JPEG or WebP bytes, base64 (standard alphabet).",
    )
    instruction: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_INSTRUCTION_CHARS,
        description='Applied to the measured setup before the variations: "warmer key".',
    )

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
