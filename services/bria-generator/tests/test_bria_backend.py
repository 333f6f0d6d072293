"""The BRIA backend against the fake BRIA on a loopback port: the contract, every failure mode,
idempotency (a submit is never sent twice unless BRIA provably never got it), costs and the
budget. No bus here (tests/integration/test_bria_pipeline.py)."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from prolight.domain.bria_fibo import DEFAULT_NEGATIVE_PROMPT, FiboStructuredPrompt
from prolight.domain.bria_prompt import to_bria_structured_prompt, to_fibo_prompt
from prolight.domain.hashing import prompt_hash
from prolight.domain.photoreal import render
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.blobs import LocalArtifactStore
from prolight.platform.external import (
    AuthRejected,
    CallRecord,
    CircuitBreaker,
    CircuitOpen,
    ContentRejected,
    GenerationFailed,
    RetryPolicy,
    Unavailable,
)
from prolight.platform.external.errors import Unreachable
from prolight.platform.settings import ConfigurationError
from prolight.platform.store import RunRecord, SqliteRunStore
from prolight_bria_generator import bria_backend
from prolight_bria_generator.bria import (
    BriaClient,
    BriaConfig,
    BriaRequestError,
    GenerateRequest,
    SubmitUnconfirmed,
)
from prolight_bria_generator.bria_backend import bria_model_id, generate_with_bria
from prolight_bria_generator.costs import BudgetExhausted
from prolight_bria_generator.generate import Flights
from prolight_bria_generator.settings import GeneratorSettings
from prolight_testing.fakes import FakeBria, free_port, serve

TOKEN = "bria-test-token-7f3a9c1e5d"


def _png() -> bytes:
    return render(FiboPrompt(scene=get_preset("rembrandt").setup), 1, 64, 80).png


PROMPT = FiboPrompt(scene=get_preset("rembrandt").setup)


@dataclass
class Rig:
    """The fake, a client on it, a store with one run, and the audit records of the calls."""

    fake: FakeBria
    client: BriaClient
    settings: GeneratorSettings
    store: SqliteRunStore
    blobs: LocalArtifactStore
    audited: list[CallRecord] = field(default_factory=list)
    slept: list[float] = field(default_factory=list)

    async def audit(self, record: CallRecord) -> None:
        self.audited.append(record)

    async def generate(
        self,
        task_id: str = "t1",
        seed: int = 7,
        run_id: str = "r1",
        flights: Flights | None = None,
    ) -> Any:
        return await generate_with_bria(
            PROMPT,
            seed,
            run_id=run_id,
            task_id=task_id,
            store=self.store,
            blobs=self.blobs,
            client=self.client,
            settings=self.settings,
            audit=self.audit,
            flights=flights,
        )


def _settings(base_url: str, **overrides: Any) -> GeneratorSettings:
    values: dict[str, Any] = {
        "generator_backend": "bria",
        "bria_api_token": TOKEN,
        "bria_base_url": base_url,
        **overrides,
    }
    return GeneratorSettings(**values)


def _client(
    http: httpx.AsyncClient,
    url: str,
    settings: GeneratorSettings,
    sleep: Callable[[float], Awaitable[None]],
) -> BriaClient:
    return BriaClient(
        http,
        BriaConfig(
            base_url=url,
            token=TOKEN,
            request_timeout_s=0.5,
            poll_interval_s=0.001,
            poll_max_interval_s=0.005,
            poll_timeout_s=10,
            unknown_limit=3,
            price_usd=settings.bria_price_usd(),
        ),
        retry=RetryPolicy(attempts=4, base_s=0.001, cap_s=0.01),
        breaker=CircuitBreaker("BRIA", threshold=5, cooldown_s=60),
        sleep=sleep,
    )


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    fake = FakeBria(token=TOKEN, image=_png(), in_progress_polls=2)
    async with (
        serve(fake) as url,
        httpx.AsyncClient() as http,
        await SqliteRunStore.open(tmp_path / "s.db") as store,
    ):
        settings = _settings(url)
        slept: list[float] = []

        async def sleep(seconds: float) -> None:
            slept.append(seconds)
            await asyncio.sleep(min(seconds, 0.05))

        client = _client(http, url, settings, sleep)
        await store.create_run(RunRecord(run_id="r1"))
        yield Rig(fake, client, settings, store, LocalArtifactStore(tmp_path / "b"), slept=slept)


def _endpoints(rig: Rig) -> list[str]:
    return [r.endpoint for r in rig.audited]


def _posts(fake: FakeBria) -> int:
    """Submit requests that reached the fake, accepted or not."""
    return sum(r.method == "POST" for r in fake.requests)


async def _entry(rig: Rig, task_id: str = "t1", run_id: str = "r1") -> dict[str, Any]:
    run = await rig.store.get_run(run_id)
    assert run is not None
    return run.costs[task_id].model_dump()


async def test_a_completed_job_is_downloaded_and_carries_brias_seed_and_prompt(rig: Rig) -> None:
    generated = await rig.generate(seed=7)

    assert generated.status == "completed"
    result = generated.result
    report = result.render_report
    assert report.backend == "bria"
    assert report.request_id == "req-0001"
    assert report.seed == result.seed == 7
    assert report.structured_prompt["aesthetics"]["aesthetic_score"] == "very high"
    assert report.structured_prompt == to_bria_structured_prompt(PROMPT)
    model = bria_model_id(rig.settings, DEFAULT_NEGATIVE_PROMPT)
    assert result.model == model
    assert model.startswith("bria-fibo@steps50-cfg5-neg")
    assert result.cost_usd == pytest.approx(0.04)
    assert await rig.blobs.get(result.sha256) == rig.fake.image
    assert (result.width, result.height) == (64, 80)

    # The documented request: FIBO's structured prompt as a JSON string in FIBO's field order
    # (not sorted), FIBO's negative prompt for a photograph, integer guidance.
    body = rig.fake.jobs["req-0001"].body
    assert body["structured_prompt"] == to_fibo_prompt(PROMPT).to_json()
    assert list(json.loads(body["structured_prompt"]))[:3] == [
        "short_description",
        "objects",
        "background_setting",
    ]
    assert body["negative_prompt"] == DEFAULT_NEGATIVE_PROMPT
    assert (body["seed"], body["aspect_ratio"], body["steps_num"]) == (7, "4:5", 50)
    assert type(body["guidance_scale"]) is int
    assert body["guidance_scale"] == 5
    assert body["prompt_content_moderation"] is True
    # 2 × IN_PROGRESS then COMPLETED; the image fetched without the token.
    assert _endpoints(rig) == [
        "POST /image/generate",
        *["GET /status/{request_id}"] * 3,
        "GET image_url",
    ]
    assert rig.fake.image_requests_with_token == 0
    assert [r.response.get("status") for r in rig.audited[1:4]] == [
        "IN_PROGRESS",
        "IN_PROGRESS",
        "COMPLETED",
    ]
    assert "sig=" not in json.dumps(
        [r.details().model_dump(mode="json") for r in rig.audited]
    )  # pre-signed query cut

    run = await rig.store.get_run("r1")
    assert run is not None
    assert run.costs["t1"].model_dump() == {
        "usd": 0.04,
        "state": "charged",
        "request_id": "req-0001",
        "backend": "bria",
    }
    assert run.cost_usd == pytest.approx(0.04)


async def test_polling_slows_down_up_to_its_cap(rig: Rig) -> None:
    rig.fake.in_progress_polls = 6
    await rig.generate()
    polls = rig.slept[:7]
    assert polls == sorted(polls)
    assert max(polls) == pytest.approx(0.005)


async def test_a_jpeg_from_bria_is_stored_as_png(rig: Rig) -> None:
    out = io.BytesIO()
    Image.new("RGB", (40, 50), (200, 120, 90)).save(out, "JPEG")
    rig.fake.image, rig.fake.content_type = out.getvalue(), "image/jpeg"
    generated = await rig.generate()
    stored = await rig.blobs.get(generated.result.sha256)
    assert stored.startswith(b"\x89PNG")
    assert (generated.result.width, generated.result.height) == (40, 50)


async def test_a_cached_prompt_never_calls_bria_and_costs_nothing(rig: Rig) -> None:
    first = await rig.generate("t1", seed=3)  # writes the entry; no storage runs here
    entry = await rig.store.cached_artifact(first.result.prompt_hash, 3, first.result.model)
    assert entry is not None
    assert (entry.artifact_id, entry.result) == ("t1-image", first.result)
    calls = len(rig.fake.requests)

    again = await rig.generate("t2", seed=3)

    assert again.status == "cached"
    assert again.result.cost_usd == 0.0
    assert again.result.cached_artifact_id == "t1-image"
    assert again.result.sha256 == first.result.sha256
    assert again.result.render_report.request_id == "req-0001"
    assert len(rig.fake.requests) == calls
    run = await rig.store.get_run("r1")
    assert run is not None
    assert set(run.costs) == {"t1"}


async def _hold_the_first_submit(rig: Rig) -> asyncio.Event:
    """Make the first submit's audit wait for the returned event: that task stays in flight."""
    release = asyncio.Event()

    async def holding(record: CallRecord) -> None:
        rig.audited.append(record)
        if record.endpoint == "POST /image/generate" and not release.is_set():
            await asyncio.wait_for(release.wait(), 10)

    rig.audit = holding  # type: ignore[method-assign]
    return release


async def _followed(rig: Rig, flights: Flights, *runs: str) -> list[Any]:
    """Task `t<i>` of each run, seed 3, all at once; the later ones wait for the first."""
    release = await _hold_the_first_submit(rig)
    key = (prompt_hash(PROMPT), 3, bria_model_id(rig.settings, DEFAULT_NEGATIVE_PROMPT))
    tasks = [
        asyncio.create_task(rig.generate(f"t{i}", 3, run, flights)) for i, run in enumerate(runs)
    ]
    async with asyncio.timeout(5):
        while flights.followers(key) < len(runs) - 1:
            await asyncio.sleep(0)  # a bare yield to the loop, not a wait on time
    release.set()
    return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)


async def test_identical_generations_in_flight_pay_bria_once(rig: Rig) -> None:
    await rig.store.create_run(RunRecord(run_id="r2"))
    led, followed = await _followed(rig, Flights(), "r1", "r2")

    assert rig.fake.submits == 1
    assert (led.status, followed.status) == ("completed", "cached")
    assert followed.result.cached_artifact_id == "t0-image"
    assert followed.result.sha256 == led.result.sha256
    assert followed.result.cost_usd == 0.0
    assert led.result.cost_usd == pytest.approx(0.04)
    run = await rig.store.get_run("r2")
    assert run is not None
    assert run.costs == {}  # nothing reserved for the follower


async def test_a_refusal_of_the_leader_is_the_followers(rig: Rig) -> None:
    rig.fake.script["submit"] = ["422"]
    await rig.store.create_run(RunRecord(run_id="r2"))
    outcomes = await _followed(rig, Flights(), "r1", "r2")

    assert [type(o) for o in outcomes] == [ContentRejected, ContentRejected]
    assert rig.fake.submits == 0
    assert _posts(rig.fake) == 1


async def test_a_leader_out_of_budget_leaves_the_follower_to_pay_for_itself(rig: Rig) -> None:
    await rig.store.create_run(RunRecord(run_id="poor", options={"budget_usd": 0.0}))
    await rig.store.create_run(RunRecord(run_id="r2"))
    flights = Flights()
    key = (prompt_hash(PROMPT), 3, bria_model_id(rig.settings, DEFAULT_NEGATIVE_PROMPT))
    release = asyncio.Event()
    reserve = bria_backend.costs.reserve

    async def reserve_when_released(*args: Any, **kwargs: Any) -> Any:
        await asyncio.wait_for(release.wait(), 10)  # the poor run's task, still in flight
        return await reserve(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bria_backend.costs, "reserve", reserve_when_released)
        poor = asyncio.create_task(rig.generate("t0", 3, "poor", flights))
        rich = asyncio.create_task(rig.generate("t1", 3, "r2", flights))
        async with asyncio.timeout(5):
            while flights.followers(key) < 1:
                await asyncio.sleep(0)  # a bare yield to the loop, not a wait on time
        release.set()
        outcomes = await asyncio.wait_for(asyncio.gather(poor, rich, return_exceptions=True), 10)

    assert isinstance(outcomes[0], BudgetExhausted)
    assert outcomes[1].status == "completed"
    assert rig.fake.submits == 1
    assert (await _entry(rig, "t1", "r2"))["state"] == "charged"


async def _die_on_the_first_poll(rig: Rig, task_id: str) -> None:
    """Generate `task_id` with the generator dying at its first status poll (job submitted)."""
    crashed = False

    async def crash_on_first_poll(record: CallRecord) -> None:
        nonlocal crashed
        rig.audited.append(record)
        if record.endpoint.startswith("GET /status") and not crashed:
            crashed = True
            raise ConnectionResetError("the generator died here")

    rig.audit = crash_on_first_poll  # type: ignore[method-assign]
    with pytest.raises(ConnectionResetError):
        await rig.generate(task_id)


async def test_a_redelivered_task_polls_its_job_instead_of_submitting_again(rig: Rig) -> None:
    await _die_on_the_first_poll(rig, "t1")
    run = await rig.store.get_run("r1")
    assert run is not None
    assert run.costs["t1"].state == "submitted"

    again = await rig.generate("t1")  # the redelivery

    assert again.status == "completed"
    assert rig.fake.submits == 1
    assert again.result.render_report.request_id == "req-0001"
    run = await rig.store.get_run("r1")
    assert run is not None
    assert run.cost_usd == pytest.approx(0.04)  # paid once


async def test_a_refused_token_fails_at_once_and_never_shows_the_token(rig: Rig) -> None:
    rig.fake.script["submit"] = ["401"]  # the fake echoes the token in its body
    with pytest.raises(AuthRejected) as caught:
        await rig.generate()
    assert str(caught.value) == "BRIA rejected the API token"
    assert len(rig.fake.requests) == 1  # no retry
    assert TOKEN not in json.dumps(
        [r.details([TOKEN]).model_dump(mode="json") for r in rig.audited]
    )
    run = await rig.store.get_run("r1")
    assert run is not None
    assert run.costs["t1"].state == "released"
    assert run.cost_usd == 0


async def test_a_wrong_token_is_refused_by_the_fake_too(rig: Rig) -> None:
    rig.fake.token = "another-token"
    with pytest.raises(AuthRejected, match=r"^BRIA rejected the API token$"):
        await rig.generate()


async def test_moderation_fails_the_task_with_brias_reason(rig: Rig) -> None:
    rig.fake.script["submit"] = ["422"]
    with pytest.raises(ContentRejected) as caught:
        await rig.generate()
    assert "Content moderation: the prompt was flagged" in str(caught.value)
    assert "violence" in str(caught.value)
    assert len(rig.fake.requests) == 1


async def test_429_waits_retry_after_then_succeeds(rig: Rig) -> None:
    rig.fake.script["submit"] = ["429:0.03"]
    rig.fake.script["status"] = ["429:-"]  # no Retry-After: backoff with jitter
    generated = await rig.generate()
    assert generated.status == "completed"
    assert 0.03 in rig.slept
    assert rig.fake.submits == 1
    assert [r.status for r in rig.audited[:2]] == [429, 202]


async def test_a_retry_after_beyond_the_limit_is_not_waited_for(rig: Rig) -> None:
    rig.fake.script["submit"] = ["429:3600"]
    with pytest.raises(Unavailable, match="rate limiting"):
        await rig.generate()
    assert 3600 not in rig.slept


@pytest.mark.parametrize(
    ("route", "troubles"),
    [
        pytest.param("status", ["502", "drop"], id="5xx-and-dropped-poll"),
        pytest.param("status", ["slow:2"], id="slow-poll-times-out"),
        pytest.param("image", ["drop"], id="dropped-download"),
    ],
)
async def test_transient_failures_of_reads_are_retried(
    rig: Rig, route: str, troubles: list[str]
) -> None:
    rig.fake.script[route] = list(troubles)
    generated = await rig.generate()
    assert generated.status == "completed"
    failed = [r for r in rig.audited if r.outcome != "ok"]
    assert len(failed) == len(troubles)
    assert all(r.outcome.startswith("Unavailable") for r in failed)


async def test_5xx_on_polls_is_retried_a_bounded_number_of_times(rig: Rig) -> None:
    rig.fake.script["status"] = ["500"] * 10
    with pytest.raises(Unavailable, match="BRIA answered 500"):
        await rig.generate()
    assert _posts(rig.fake) == 1
    assert len(rig.fake.requests) == 1 + 4
    assert (await _entry(rig))["state"] == "released"


@pytest.mark.parametrize(
    ("trouble", "cause"),
    [
        pytest.param("accept:503", "BRIA answered 503", id="accepted-then-5xx"),
        pytest.param("accept:hang", "did not answer in time (ReadTimeout)", id="read-timeout"),
        pytest.param("accept:drop", "connection failed", id="accepted-then-dropped"),
        pytest.param("500", "BRIA answered 500", id="5xx"),
    ],
)
async def test_a_submit_that_may_have_reached_bria_is_never_sent_twice(
    rig: Rig, trouble: str, cause: str
) -> None:
    rig.fake.script["submit"] = [trouble] * 3
    with pytest.raises(SubmitUnconfirmed) as caught:
        await rig.generate("t1")
    message = str(caught.value)
    assert message.startswith("BRIA may have accepted the generation request, but no usable")
    assert cause in message
    assert "not sent again" in message
    assert "try again later" in message
    assert _posts(rig.fake) == 1  # exactly one submit reached BRIA
    # BRIA may bill that job: the entry counts, unconfirmed, with no request id to poll.
    entry = await _entry(rig)
    assert (entry["state"], entry["request_id"]) == ("unconfirmed", None)
    run = await rig.store.get_run("r1")
    assert run is not None
    assert run.cost_usd == pytest.approx(0.04)

    # A redelivery of the task does not submit either.
    with pytest.raises(SubmitUnconfirmed, match="earlier attempt at this task"):
        await rig.generate("t1")
    assert _posts(rig.fake) == 1


async def test_a_redelivery_that_finds_a_submit_in_doubt_does_not_send_it(rig: Rig) -> None:
    # The first delivery reserved and then died (before, while or after sending: it cannot
    # tell); the redelivery finds the reservation without a request id.
    await bria_backend.costs.reserve(rig.store, "r1", "t1", usd=0.04, backend="bria")
    with pytest.raises(SubmitUnconfirmed):
        await rig.generate("t1")
    assert _posts(rig.fake) == 0
    assert (await _entry(rig))["state"] == "unconfirmed"


async def test_a_refused_connection_is_retried_once_bria_listens(rig: Rig, tmp_path: Path) -> None:
    # Nothing listens on the port at first; the fake starts there during the first backoff.
    fake = FakeBria(token=TOKEN, image=_png(), in_progress_polls=0)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with AsyncExitStack() as stack, httpx.AsyncClient() as http:
        waits: list[float] = []

        async def start_bria_on_first_wait(seconds: float) -> None:
            if not waits:
                await stack.enter_async_context(serve(fake, port=port))
            waits.append(seconds)

        rig.client = _client(http, url, rig.settings, start_bria_on_first_wait)
        generated = await rig.generate()

    assert generated.status == "completed"
    assert rig.audited[0].endpoint == "POST /image/generate"
    assert rig.audited[0].outcome == "Unreachable: BRIA could not be reached (ConnectError)"
    assert rig.audited[1].status == 202
    assert fake.submits == 1
    assert _posts(fake) == 1
    assert (await _entry(rig))["state"] == "charged"


async def test_bria_never_reachable_releases_the_reservation(rig: Rig) -> None:
    async with httpx.AsyncClient() as http:
        rig.client = _client(
            http, f"http://127.0.0.1:{free_port()}", rig.settings, rig.client._sleep
        )
        with pytest.raises(Unreachable, match="could not be reached"):
            await rig.generate()
    assert [r.outcome.split(":")[0] for r in rig.audited] == ["Unreachable"] * 4
    assert (await _entry(rig))["state"] == "released"


async def test_a_resumed_job_bria_no_longer_knows_is_submitted_again(rig: Rig) -> None:
    await _die_on_the_first_poll(rig, "t1")
    assert (await _entry(rig))["request_id"] == "req-0001"
    rig.fake.forget("req-0001")  # e.g. expired while the generator was down

    again = await rig.generate("t1")  # the redelivery

    assert again.status == "completed"
    assert again.result.render_report.request_id == "req-0002"
    assert rig.fake.submits == 2
    not_found = [r for r in rig.audited if r.status == 404]
    assert [(r.endpoint, r.request_id) for r in not_found] == [
        ("GET /status/{request_id}", "req-0001")
    ]
    entry = await _entry(rig)
    assert (entry["state"], entry["request_id"]) == ("charged", "req-0002")
    run = await rig.store.get_run("r1")
    assert run is not None
    assert run.cost_usd == pytest.approx(0.04)


async def test_a_structured_prompt_breaking_fibos_schema_is_never_sent(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = to_fibo_prompt(PROMPT)
    # A translation bug, as if the builder had bypassed the check (model_construct does).
    bad = FiboStructuredPrompt.model_construct(
        **{**dict(good), "artistic_style": "moody low key studio photography"}
    )
    monkeypatch.setattr(bria_backend, "to_fibo_prompt", lambda prompt: bad)
    with pytest.raises(BriaRequestError, match=r"artistic_style: at most 3 words"):
        await rig.generate()
    assert rig.fake.requests == []
    run = await rig.store.get_run("r1")
    assert run is not None
    assert run.costs == {}  # nothing reserved either


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"guidance_scale": 7.5}, "guidance_scale", id="guidance-7.5"),
        pytest.param({"guidance_scale": 2}, "guidance_scale", id="guidance-2"),
        pytest.param({"steps_num": 60}, "steps_num", id="steps"),
        pytest.param({"negative_prompt": ""}, "negative_prompt", id="empty-negative"),
        pytest.param({"enhance_hdr": True}, "enhance_hdr", id="unknown-field"),
    ],
)
def test_a_request_outside_brias_contract_is_refused(change: dict[str, Any], field: str) -> None:
    fields: dict[str, Any] = {
        "structured_prompt": to_fibo_prompt(PROMPT),
        "seed": 1,
        "aspect_ratio": "4:5",
        **change,
    }
    with pytest.raises(BriaRequestError, match=field):
        GenerateRequest.build(**fields)


async def test_an_error_status_fails_with_code_message_and_details(rig: Rig) -> None:
    rig.fake.outcome = "ERROR"
    with pytest.raises(GenerationFailed) as caught:
        await rig.generate()
    assert str(caught.value) == (
        "BRIA could not generate the image: 500: generation failed: GPU fault"
    )


async def test_unknown_status_gives_up_after_the_limit(rig: Rig) -> None:
    rig.fake.outcome = "UNKNOWN"
    with pytest.raises(Unavailable, match="UNKNOWN 3 times in a row"):
        await rig.generate()
    assert rig.fake.jobs["req-0001"].polls == 2 + 3


async def test_the_circuit_breaker_stops_calling_after_repeated_failures(rig: Rig) -> None:
    rig.client.breaker = CircuitBreaker("BRIA", threshold=2, cooldown_s=60)
    rig.fake.script["status"] = ["500"] * 10
    with pytest.raises(CircuitOpen, match="circuit breaker is open after 2 failures"):
        await rig.generate("t1")
    assert len(rig.fake.requests) == 1 + 2
    assert "circuit breaker now open" in rig.audited[-1].outcome

    with pytest.raises(CircuitOpen):
        await rig.generate("t2")
    assert len(rig.fake.requests) == 3  # not called at all
    assert (await _entry(rig, "t2"))["state"] == "released"


async def test_the_budget_stops_paid_calls_before_they_are_made(rig: Rig) -> None:
    await rig.store.create_run(RunRecord(run_id="r2", options={"budget_usd": 0.05}))
    await rig.generate("a", seed=1, run_id="r2")
    with pytest.raises(BudgetExhausted, match=r"^budget_exhausted: the run has spent \$0.04"):
        await rig.generate("b", seed=2, run_id="r2")
    assert rig.fake.submits == 1
    run = await rig.store.get_run("r2")
    assert run is not None
    assert run.cost_usd == pytest.approx(0.04)


async def test_concurrent_tasks_cannot_overspend_the_budget(rig: Rig) -> None:
    await rig.store.create_run(RunRecord(run_id="r3", options={"budget_usd": 0.10}))
    outcomes = await asyncio.gather(
        *(rig.generate(f"c{i}", seed=i, run_id="r3") for i in range(4)), return_exceptions=True
    )
    assert sum(isinstance(o, BudgetExhausted) for o in outcomes) == 2
    run = await rig.store.get_run("r3")
    assert run is not None
    assert run.cost_usd == pytest.approx(0.08)
    assert rig.fake.submits == 2


def test_the_bria_backend_needs_its_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROLIGHT_GENERATOR_BACKEND", "bria")
    monkeypatch.delenv("BRIA_API_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="BRIA_API_TOKEN") as caught:
        GeneratorSettings.load()
    monkeypatch.setenv("BRIA_API_TOKEN", TOKEN)
    settings = GeneratorSettings.load()
    assert settings.bria_api_token is not None
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(caught.value)


def test_lite_takes_its_own_step_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROLIGHT_BRIA_ENDPOINT", "/image/generate/lite")
    with pytest.raises(ConfigurationError, match="PROLIGHT_BRIA_STEPS_NUM"):
        GeneratorSettings.load()
    monkeypatch.setenv("PROLIGHT_BRIA_STEPS_NUM", "8")
    assert GeneratorSettings.load().bria_steps_num == 8


@pytest.mark.parametrize(
    ("value", "loaded"),
    [
        pytest.param("3", 3, id="3"),
        pytest.param("5.0", 5, id="5.0-as-written-in-env-files"),
        pytest.param("7.5", None, id="7.5"),
        pytest.param("4.5", None, id="4.5"),
        pytest.param("6", None, id="6"),
    ],
)
def test_guidance_scale_is_an_integer_3_to_5(
    monkeypatch: pytest.MonkeyPatch, value: str, loaded: int | None
) -> None:
    monkeypatch.setenv("PROLIGHT_BRIA_GUIDANCE_SCALE", value)
    if loaded is None:
        with pytest.raises(ConfigurationError, match="PROLIGHT_BRIA_GUIDANCE_SCALE"):
            GeneratorSettings.load()
    else:
        settings = GeneratorSettings.load()
        assert settings.bria_guidance_scale == loaded
        assert type(settings.bria_guidance_scale) is int


def test_our_negative_prompt_replaces_fibos_default() -> None:
    settings = _settings("http://bria.test", bria_negative_prompt="blurry, text")
    request = bria_backend.bria_request(PROMPT, 1, settings)
    assert request.body()["negative_prompt"] == "blurry, text"
    assert bria_model_id(settings, request.negative_prompt) != bria_model_id(
        settings, DEFAULT_NEGATIVE_PROMPT
    )
