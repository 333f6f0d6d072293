"""The sitter: the description's words read as a body and a skin tone; the body they shape."""

from __future__ import annotations

import numpy as np
import pytest

from prolight.domain.schema import Subject
from prolight.domain.sitter import EYE_Y, SKIN_TONES, Appearance, human, sitter


@pytest.mark.parametrize(
    ("description", "gender", "age", "weight", "skin"),
    [
        ("portrait subject", 0.5, 30.0, 0.5, "medium"),
        ("an elderly heavy man", 1.0, 75.0, 0.85, "medium"),
        ("a 35-year-old woman, pale-skinned", 0.0, 35.0, 0.5, "pale"),
        ("businesswoman in her 40s, dark-skinned", 0.0, 45.0, 0.5, "dark"),
        ("slim young man with olive skin", 1.0, 24.0, 0.25, "olive"),
    ],
)
def test_the_description_sets_gender_age_build_and_skin(
    description: str, gender: float, age: float, weight: float, skin: str
) -> None:
    who = sitter(Subject(description=description))
    assert who.appearance == Appearance(gender=gender, age_years=age, weight=weight)
    assert tuple(who.skin_rgb) == SKIN_TONES[skin]


def test_the_appearance_shapes_the_body_and_the_eyes_sit_on_the_eye_line() -> None:
    woman, man = human(Appearance(gender=0.0)), human(Appearance(gender=1.0))
    assert woman.body.positions.shape == man.body.positions.shape
    moved = np.linalg.norm(woman.body.positions - man.body.positions, axis=1)
    assert moved.max() > 0.01  # centimetres of difference somewhere (shoulders, jaw, chest)
    for h in (woman, man):
        # Both eyes level, a head's width apart, at the eye line the framing assumes.
        assert abs(h.eye_centres[0, 1] - h.eye_centres[1, 1]) < 1e-9
        assert 0.055 < h.eye_centres[0, 0] - h.eye_centres[1, 0] < 0.07
        assert abs(h.eye_centres[:, 1].mean() - EYE_Y) < 0.005
        for name, mask in h.maps.items():
            assert mask.min() >= 0.0, name
            assert 0.0 < mask.max() <= 1.4, name  # masks 0–1; the strands' shade round 1
