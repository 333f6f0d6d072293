"""The lighting schemas: every model a user, a service or an event carries."""

from prolight.domain.schema.camera import Camera, CameraAngle, ShotType
from prolight.domain.schema.direction import ACCEPTED_FORMS, Direction, parse_direction_text
from prolight.domain.schema.light import (
    MODIFIERS,
    Gel,
    Light,
    Modifier,
    ModifierSpec,
    Role,
    StrictModel,
)
from prolight.domain.schema.prompt import (
    ASPECT_RATIOS,
    LOCKABLE_FIELDS,
    MAX_RESOLUTION,
    FiboPrompt,
    Metadata,
    Output,
    load_prompt,
    load_setup,
)
from prolight.domain.schema.setup import (
    Background,
    LightingSetup,
    Subject,
    SubjectKind,
)

__all__ = [
    "ACCEPTED_FORMS",
    "ASPECT_RATIOS",
    "LOCKABLE_FIELDS",
    "MAX_RESOLUTION",
    "MODIFIERS",
    "Background",
    "Camera",
    "CameraAngle",
    "Direction",
    "FiboPrompt",
    "Gel",
    "Light",
    "LightingSetup",
    "Metadata",
    "Modifier",
    "ModifierSpec",
    "Output",
    "Role",
    "ShotType",
    "StrictModel",
    "Subject",
    "SubjectKind",
    "load_prompt",
    "load_setup",
    "parse_direction_text",
]
