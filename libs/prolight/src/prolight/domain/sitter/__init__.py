"""The sitter the photoreal renderer and the studio's 3D preview show: MakeHuman's CC0 body
shaped by the subject's description. NumPy and SciPy only (no renderer), so the gateway can
serve the same body to the browser.

    body.py        the mesh, its eyes and its texture-space masks (`human(appearance)`)
    appearance.py  the subject's words read as a body and a skin tone (`sitter(subject)`)
"""

from prolight.domain.sitter.appearance import SKIN_TONES, Sitter, sitter
from prolight.domain.sitter.body import EYE_Y, Appearance, Human, Part, human

__all__ = ["EYE_Y", "SKIN_TONES", "Appearance", "Human", "Part", "Sitter", "human", "sitter"]
