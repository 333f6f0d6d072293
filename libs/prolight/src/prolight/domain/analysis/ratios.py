"""The face's ratios in the photographer's conventions, and how far one is from an intent's range.

Units: stops (log2 of the bright side over the dim side); a ratio is read as 2^stops:1.
"""

from __future__ import annotations

from prolight.domain.analysis.report import (
    Intent,
    RatioReport,
    Ratios,
)
from prolight.domain.physics.face import FaceLight, Ratio

__all__ = ["UNBOUNDED_STOPS", "fmt_stops", "in_range", "judged_ratio", "ratio_reports"]

UNBOUNDED_STOPS = 6.0
"""A ratio with nothing on the shadow side counts as this many stops."""


def _report(ratio: Ratio | None, what: str) -> RatioReport:
    if ratio is None:
        return RatioReport(
            stops=None,
            ratio=None,
            key_plus_fill_to_fill=None,
            label="unbounded (nothing lights the shadow side)",
            explanation=what,
        )
    return RatioReport(
        stops=round(ratio.stops, 3),
        ratio=round(ratio.ratio, 3),
        key_plus_fill_to_fill=round(ratio.key_plus_fill_to_fill, 3),
        label=ratio.label(),
        explanation=what,
    )


def judged_ratio(fl: FaceLight) -> tuple[float | None, str]:
    """The ratio in stops the rating judges (None: unbounded), and which one it is."""
    if fl.key_fill is not None:
        return fl.key_fill.stops, "key_fill"
    if fl.face_contrast is not None:
        return fl.face_contrast.stops, "face_contrast"
    return None, "none (unbounded)"


def ratio_reports(fl: FaceLight) -> Ratios:
    """Key:fill and face contrast, and which of the two the rating judges."""
    judged, source = judged_ratio(fl)
    return Ratios(
        key_fill=_report(
            fl.key_fill,
            "The key's light on the lit cheek against every other light on the shadow cheek "
            "(the photographer's key:fill, as metered light by light).",
        ),
        face_contrast=_report(
            fl.face_contrast,
            "All light on the lit cheek against all light on the shadow cheek, the key's spill "
            "included: the contrast the camera records and the preview renderer measures.",
        ),
        judged_stops=None if judged is None else round(judged, 3),
        judged_from=source,
    )


def in_range(stops: float | None, intent: Intent) -> float:
    """Distance in stops outside the intent's range (0 inside)."""
    value = UNBOUNDED_STOPS if stops is None else stops
    if value < intent.min_stops:
        return intent.min_stops - value
    if intent.max_stops is not None and value > intent.max_stops:
        return value - intent.max_stops
    return 0.0


def fmt_stops(stops: float | None) -> str:
    """A judged ratio as a reason says it."""
    return "unbounded (no fill)" if stops is None else f"{stops:.1f} stops"
