"""The original README's bodies read as their author meant them, with notes saying how; and
whatever the renderer or BRIA would refuse is refused at the door, naming the field."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from prolight.contracts.examples import SEED_EXAMPLES, seed_example
from prolight.domain.errors import InvalidInput
from prolight.domain.refine import apply_patch
from prolight.domain.render.relief import HEAD_BACK_Z
from prolight.domain.schema import FiboPrompt, Role, SubjectKind, load_prompt
from prolight.domain.schema.camera import (
    FRAME_HEIGHT_M,
    MIN_CAMERA_DISTANCE_M,
    SENSOR_WIDTH_MM,
    ShotType,
)
from prolight.domain.schema.setup import MIN_BACKDROP_M


def _read(body: dict[str, Any]) -> tuple[FiboPrompt, list[str]]:
    notes: list[str] = []
    return load_prompt(body, notes=notes), notes


def _fields(body: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_prompt(body)
    return [e.field for e in caught.value.errors]


def _degrees_to_mm(deg: float) -> float:
    return SENSOR_WIDTH_MM / (2 * math.tan(math.radians(deg) / 2))


@pytest.mark.parametrize(
    "example",
    [pytest.param(e, id=e.name) for e in SEED_EXAMPLES if e.path.endswith("lighting-setup")],
)
def test_every_seed_body_reads_with_an_85mm_lens_and_a_camera_outside_the_subject(
    example: Any,
) -> None:
    prompt, notes = _read(example.body)
    camera = prompt.scene.camera
    assert camera.focal_length_mm == 85
    assert any(n.startswith("camera.fov 85 read as a focal length of 85 mm") for n in notes), notes
    w, h = prompt.output.resolution
    assert camera.framing_distance(w / h) > 1.0  # a portrait lens stands well back


def test_the_rembrandt_example_frames_a_medium_close_up_from_a_metre_and_more() -> None:
    prompt, _ = _read(seed_example("usage-rembrandt").body)
    camera = prompt.scene.camera
    assert camera.natural_distance(4 / 5) == pytest.approx(
        FRAME_HEIGHT_M[ShotType.MEDIUM_CLOSE_UP] * 0.8 / (2 * 36 / (2 * 85))
    )
    assert prompt.scene.lighting[Role.FILL].kelvin == 4500  # colorTemperature


def test_the_canonical_example_is_read_whole_with_a_note_for_each_reading() -> None:
    prompt, notes = _read(seed_example("fibo-v1").body)
    scene = prompt.scene
    key, fill, rim = (scene.lighting[r] for r in (Role.KEY, Role.FILL, Role.RIM))
    assert key.intensity == 1.1
    assert (key.modifier.value, fill.modifier.value, rim.modifier.value) == (
        "bare",
        "softbox",
        "stripbox",
    )
    assert key.direction.azimuth > 0  # camera-right
    assert rim.direction.azimuth == 180  # behind
    assert scene.subject.kind == SubjectKind.PRODUCT
    assert scene.camera.distance_m == 1.2
    assert prompt.output.resolution == (2048, 2560)
    assert prompt.metadata.seed == 12345
    assert "position" not in prompt.model_dump()["scene"]["subject"]
    said = "\n".join(notes)
    for words in (
        "lighting.key.intensity 1.1 is past full power: 110 % of the unit's rated output, "
        "+0.14 stop",
        "subject.position ignored",
        "lighting.key.type 'directional' read as the bare modifier",
        "lighting.rim.type 'hairlight' read as the stripbox modifier",
        "lighting.key.direction [0.5, -0.2, 1.0] read as",
        "subject.kind read as product: 'lamp'",
        "camera.fov 85 read as a focal length of 85 mm (a field of view over 60°",
    ):
        assert words in said, (words, notes)


@pytest.mark.parametrize(
    ("camera", "focal_mm"),
    [
        pytest.param({"fov": 85, "lens_type": "portrait"}, 85, id="85-with-lens"),
        pytest.param({"fov": 85}, 85, id="85-alone-too-wide-for-degrees"),
        pytest.param({"fov": 135}, 135, id="135-alone"),
        pytest.param({"fov": 40}, _degrees_to_mm(40), id="40-alone-is-degrees"),
        pytest.param({"fov": 40, "lens_type": "standard"}, 40, id="40-with-lens-is-mm"),
        pytest.param({"fov": 5, "lens_type": "tele"}, _degrees_to_mm(5), id="5-is-degrees"),
        pytest.param({"fov": "40°", "lens_type": "wide"}, _degrees_to_mm(40), id="degree-sign"),
        pytest.param({"fov": "30 deg"}, _degrees_to_mm(30), id="deg-word"),
        pytest.param({"fov": "50mm"}, 50, id="mm-unit"),
        pytest.param({"fov": 85, "focal_length_mm": 105}, 105, id="focal-length-wins"),
    ],
)
def test_fov_is_a_focal_length_beside_a_lens_type_or_above_60(
    camera: dict[str, Any], focal_mm: float
) -> None:
    prompt, notes = _read({"lighting": {"key": {}}, "camera": camera})
    assert prompt.scene.camera.focal_length_mm == pytest.approx(focal_mm)
    assert any(n.startswith("camera.fov") for n in notes)
    assert "fov" not in prompt.model_dump()["scene"]["camera"]


def test_an_intensity_is_accepted_up_to_one_stop_past_full_power() -> None:
    assert _read({"key": {"intensity": 2}})[0].scene.lighting[Role.KEY].intensity == 2
    assert _fields({"key": {"intensity": 2.01}}) == ["key.intensity"]
    _, notes = _read({"key": {"intensity": 1}})
    assert not any("past full power" in n for n in notes)


@pytest.mark.parametrize(
    ("description", "kind"),
    [
        pytest.param("silver table lamp", SubjectKind.PRODUCT, id="lamp"),
        pytest.param("perfume bottle on glass", SubjectKind.PRODUCT, id="bottle"),
        pytest.param("woman holding a bottle", SubjectKind.PORTRAIT, id="person-with-object"),
        pytest.param("fashion model", SubjectKind.PORTRAIT, id="model"),
    ],
)
def test_a_subject_without_a_kind_is_read_from_its_description(
    description: str, kind: SubjectKind
) -> None:
    prompt, _ = _read({"lighting": {"key": {}}, "subject": {"description": description}})
    assert prompt.scene.subject.kind == kind


def test_a_given_kind_wins_over_the_description() -> None:
    body = {"lighting": {"key": {}}, "subject": {"description": "lamp", "kind": "portrait"}}
    assert _read(body)[0].scene.subject.kind == SubjectKind.PORTRAIT


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(
            {"lighting_setup": {"key": {}}, "camera_settings": {"distance": 0.3}},
            "camera_settings.distance",  # as the client typed it
            id="camera-in-subject",
        ),
        pytest.param(
            {"lighting_setup": {"key": {"distance": 0.2}}},
            "lighting_setup.key.distance",
            id="key-in-head",
        ),
        pytest.param(
            {"lighting_setup": {"key": {"intensity": 0}, "fill": {"enabled": False}}},
            "lighting_setup",
            id="no-light",
        ),
        pytest.param(
            {"lighting_setup": {"key": {}}, "background": {"distance_m": 0.22}},
            "background",
            id="backdrop-in-subject",
        ),
        pytest.param(
            {"lighting_setup": {"key": {}}, "subject_description": ""},
            "subject_description",
            id="empty-subject",
        ),
        pytest.param(
            {"lighting_setup": {"key": {}}, "subject_description": "   "},
            "subject_description",
            id="blank-subject",
        ),
        pytest.param(
            {
                "scene": {"lighting": {"key": {}}},
                "output": {"aspect_ratio": "16:9", "resolution": [1024, 1024]},
            },
            "output",
            id="size-not-its-aspect",
        ),
    ],
)
def test_what_the_renderer_or_bria_would_refuse_is_refused_at_the_door(
    body: dict[str, Any], field: str
) -> None:
    assert _fields(body) == [field]


def test_a_backdrop_may_stand_nearer_a_product_than_a_head() -> None:
    assert MIN_BACKDROP_M[SubjectKind.PORTRAIT] >= -HEAD_BACK_Z + 0.08  # the renderer's head
    body = {
        "lighting": {"key": {}},
        "subject": {"description": "bottle"},
        "background": {"distance_m": 0.1},
    }
    assert _read(body)[0].scene.background.distance_m == 0.1


def test_ambient_and_background_lights_may_stand_anywhere() -> None:
    body = {"key": {}, "ambient": {"distance": 0.1}, "background": {"distance": 0.1}}
    assert _read(body)[0].scene.lighting[Role.AMBIENT].distance == 0.1


def test_a_lens_too_wide_for_the_shot_stands_at_the_nearest_distance_with_a_note() -> None:
    body = {"lighting": {"key": {}}, "camera": {"shot_type": "close_up", "focal_length_mm": 24}}
    prompt, notes = _read(body)
    camera = prompt.scene.camera
    assert camera.natural_distance(4 / 5) < MIN_CAMERA_DISTANCE_M
    assert camera.framing_distance(4 / 5) == MIN_CAMERA_DISTANCE_M
    assert any("would put the camera" in n and "24 mm" in n for n in notes), notes


@pytest.mark.parametrize(
    ("output", "aspect", "resolution"),
    [
        pytest.param({"aspect_ratio": "16:9"}, "16:9", (1280, 720), id="aspect-alone"),
        pytest.param({"aspect_ratio": "2:3"}, "2:3", (853, 1280), id="aspect-alone-tall"),
        pytest.param({"resolution": [1920, 1080]}, "16:9", (1920, 1080), id="resolution-alone"),
        pytest.param({"resolution": [1000, 1000]}, "1:1", (1000, 1000), id="square"),
        pytest.param({}, "4:5", (1024, 1280), id="neither"),
    ],
)
def test_the_frame_has_one_shape(
    output: dict[str, Any], aspect: str, resolution: tuple[int, int]
) -> None:
    prompt, _ = _read({"scene": {"lighting": {"key": {}}}, "output": output})
    assert (prompt.output.aspect_ratio, prompt.output.resolution) == (aspect, resolution)


def test_a_resolution_no_aspect_ratio_fits_is_refused() -> None:
    # BRIA would draw another frame than the renderer; and the pair must read back as accepted.
    body = {"scene": {"lighting": {"key": {}}}, "output": {"resolution": [1024, 64]}}
    assert _fields(body) == ["output"]


def test_an_accepted_prompt_reads_back_as_itself() -> None:
    for example in SEED_EXAMPLES:
        if example.path.endswith("lighting-setup"):
            prompt = load_prompt(example.body)
            assert FiboPrompt.model_validate(prompt.model_dump(mode="json")) == prompt


def test_a_patch_of_the_aspect_ratio_takes_the_resolution_along() -> None:
    prompt = load_prompt({"scene": {"lighting": {"key": {}}}})
    patched = apply_patch(
        prompt, [{"op": "replace", "path": "/output/aspect_ratio", "value": "1:1"}]
    )
    assert (patched.output.aspect_ratio, patched.output.resolution) == ("1:1", (1280, 1280))


def test_notes_are_collected_only_when_asked_and_the_prompt_is_the_same_either_way() -> None:
    body = copy.deepcopy(seed_example("fibo-v1").body)
    assert load_prompt(body) == _read(body)[0]
