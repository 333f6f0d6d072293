"""Local fakes of BRIA FIBO v2 and Gemini, for tests: ASGI apps that follow the documented
contracts, served on a loopback port by `serve(app)` (uvicorn, in this event loop).

    async with serve(FakeBria(token="t", image=png)) as base_url:
        ...  # PROLIGHT_BRIA_BASE_URL=base_url

Each fake records every request it got (`requests`) and plays scripted troubles from
`script[route]`, one per request, before answering normally (see `Trouble`).
"""

from prolight_testing.fakes.asgi import FakeRequest, Trouble
from prolight_testing.fakes.bria import FakeBria
from prolight_testing.fakes.gemini import FakeGemini
from prolight_testing.fakes.server import free_port, serve

__all__ = ["FakeBria", "FakeGemini", "FakeRequest", "Trouble", "free_port", "serve"]
