"""A fake Gemini generateContent endpoint, for tests.

`POST /models/{model}:generateContent` checks the `x-goog-api-key` header and that the request
asks for JSON under a response schema, then answers one candidate whose text is
`json.dumps(self.answer)` (or `self.answer_text` verbatim, to send something that is not
JSON), with `usageMetadata`. `script` plays troubles (see `asgi.Trouble`) on the route
`generate`.
"""

from __future__ import annotations

import json
from typing import Any

from prolight_testing.fakes.asgi import Answer, FakeApp, FakeRequest

__all__ = ["DEFAULT_ANSWER", "FakeGemini"]

DEFAULT_ANSWER: dict[str, Any] = {
    "lights": [
        {
            "role": "key",
            "modifier": "softbox",
            "azimuth_deg": 45,
            "elevation_deg": 35,
            "intensity": 0.8,
            "kelvin": 5600,
            "softness": 0.65,
            "distance_m": 1.5,
        },
        {
            "role": "fill",
            "modifier": "reflector",
            "azimuth_deg": -40,
            "elevation_deg": 0,
            "intensity": 0.3,
            "kelvin": 5600,
            "softness": 0.8,
            "distance_m": 1.2,
        },
    ],
    "shot_type": "headshot",
    "camera_angle": "eye_level",
    "background_color": "#404040",
    "style": "low-key",
}


class FakeGemini(FakeApp):
    """The fake (module doc)."""

    def __init__(self, *, api_key: str, answer: Any = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.answer: Any = DEFAULT_ANSWER if answer is None else answer
        self.answer_text: str | None = None
        self.finish_reason = "STOP"

    def route(self, request: FakeRequest) -> str:
        return "generate"

    async def handle(self, request: FakeRequest) -> Answer:
        if request.headers.get("x-goog-api-key") != self.api_key:
            return Answer(403, {"error": {"code": 403, "message": "API key not valid"}})
        if request.method != "POST" or not request.path.endswith(":generateContent"):
            return Answer(404, {"error": {"code": 404, "message": "not found"}})
        body = request.json()
        config = body.get("generationConfig", {}) if isinstance(body, dict) else {}
        if config.get("responseMimeType") != "application/json" or not config.get("responseSchema"):
            return Answer(400, {"error": {"code": 400, "message": "expected a response schema"}})
        text = self.answer_text if self.answer_text is not None else json.dumps(self.answer)
        return Answer(
            200,
            {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [{"text": text}]},
                        "finishReason": self.finish_reason,
                    }
                ],
                "usageMetadata": {"promptTokenCount": 420, "candidatesTokenCount": 180},
            },
        )
