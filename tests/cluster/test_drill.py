"""The multi-host drill (issue 18, part 3): runs at a steady rate through hosts that share nothing,
while a NATS node, a host's link and a generator fail.

Hosts are network namespaces on one bridge, addressed from 198.18.0.0/24 (the root namespace is
198.18.0.1; `prolight_testing.hosts`):

    n1, n2, n3   nats-server each (cluster routes, JetStream, its own store); streams are R3
    pg           a PostgreSQL 15 started for the test from Debian's binaries (initdb as the
                 `postgres` user through runuser, trust auth for 198.18.0.0/15, a throwaway data
                 directory): the machine's own server listens on 127.0.0.1 only
    s3           moto's S3 server
    svc-a        gateway, notifier
    svc-b        planner, storage (and, after the third fault, the second generator)
    svc-c        bria-generator, evaluator

Each service runs `python -m prolight_<name>` as `prolight up` starts it, in a home directory
of its own, with the run store in PostgreSQL and the blobs in S3: no path is shared (the test
also checks that no service made a local `.prolight/` store in its home). The test, in the root
namespace, submits one small run (64 × 80 px, one candidate) every `INTERVAL_S` seconds for
`LOAD_S` seconds through the gateway's HTTP API (over the bridge), and meanwhile, each just
after a run was sent so that runs are in flight:

1. SIGKILLs the NATS node that leads `PROLIGHT_EVENTS` (read from the nodes' `/jsz`); it stays
   down, the other two keep the quorum;
2. takes svc-b's link down for 5 s (its veth on the bridge) and brings it back;
3. SIGKILLs the generator on svc-c as it starts a generate task (seen on the bus), and starts a
   new one on svc-b; the task comes back to the new one after `PROLIGHT_ACK_WAIT_S` (5 s).

It passes when every accepted run reaches `completed`, no artifact (store: kind and task) or
event (the events stream, read whole at the end: event ids, one `run.created`,
`run.completed` and `task.completed` per task, one `artifact.ready` per artifact) is
duplicated, every refusal was a 4xx or 503 with an error `code`, and the notifier replays the
last few runs to their `run.completed`. Runs are followed in the store with deadlines; faults
are timed by the clock of the load, never by a sleep that hopes. The figures (accepted,
completed, failed, stuck, duplicated; for each fault how long until the runs in flight at it
and the first run sent after it were done) are printed, written to `out/cluster-drill.txt`
and shown in pytest's terminal summary ("multi-host drill").

Needs root, `ip netns`, nats-server and PostgreSQL 15's binaries; skips naming what is missing.
On a host whose firewall filters bridged traffic (br_netfilter with a DROP forward policy) the
hosts cannot reach each other and start-up fails naming the piece that did not answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats
import nats.errors
import pytest
import websockets
from cluster_kit import REPORT, Cluster, wait_until
from nats.js.api import AckPolicy, ConsumerConfig

from prolight.contracts.events import Event
from prolight.contracts.subjects import (
    ALL_EVENTS,
    EVENTS_STREAM,
    EventType,
    Tool,
    event_kind_filter,
)
from prolight.domain.presets import get_preset
from prolight.domain.schema import FiboPrompt
from prolight.platform.store import RunStatus, open_store

pytestmark = [pytest.mark.integration, pytest.mark.slow]

INTERVAL_S = 4.0
LOAD_S = 60.0
# Just after a run is sent (every INTERVAL_S), so that runs are in flight when each fault hits.
FAULT_AT_S = {"nats-leader": 12.3, "link": 24.3, "generator": 39.9}
LINK_DOWN_S = 5.0
REPLAYS = 5
"""Finished runs whose history the notifier is asked for at the end."""
DRAIN_TIMEOUT_S = 90.0
"""Seconds the accepted runs get to finish once the load stops."""
REPORT_FILE = Path(__file__).resolve().parents[2] / "out" / "cluster-drill.txt"
TERMINAL = {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED}


@dataclass
class Submission:
    """One POST: when (seconds into the load), its answer, and the run when accepted."""

    sent: float
    status: int | None = None
    run_id: str | None = None
    ws: str | None = None
    code: str | None = None
    answered: float | None = None
    finished: float | None = None
    final: str | None = None


@dataclass
class Fault:
    """One injected fault: from `start` to `end` (seconds into the load), and its own figures."""

    name: str
    start: float
    end: float
    notes: list[str] = field(default_factory=list)


STREAM_READ_FAILURES: list[str] = []
"""Reads of the events stream that failed and were made again: how long each took, and why."""


async def replay(ws_url: str, timeout: float = 20.0) -> str:
    """The type of the last message the notifier sends on a run's WebSocket before it closes
    (after a finished run's history it closes at once), or why none came."""
    last = "nothing"

    async def read() -> None:
        nonlocal last
        async with websockets.connect(ws_url, max_size=2**22) as socket:
            async for raw in socket:
                last = str(json.loads(raw).get("type"))

    try:
        await asyncio.wait_for(read(), timeout)
    except (TimeoutError, OSError, websockets.WebSocketException) as exc:
        return f"{type(exc).__name__} after {last}"
    return last


async def read_events(nats_url: str, tries: int = 5) -> dict[str, list[Event]]:
    """Every event the events stream holds, by run, read once through one ephemeral consumer.

    With one of three nodes down, nats-server 2.9 places about half the new ephemeral consumers
    on the dead node, where they never answer; a read that times out is
    made again on a fresh consumer, `tries` times in all.
    """
    nc = await nats.connect(
        servers=nats_url.split(","), reconnect_time_wait=0.25, max_reconnect_attempts=-1
    )
    js = nc.jetstream(timeout=3)
    config = ConsumerConfig(ack_policy=AckPolicy.NONE, inactive_threshold=30.0, mem_storage=True)
    try:
        for attempt in range(tries):
            start = time.monotonic()
            events: dict[str, list[Event]] = {}
            try:
                sub = await js.pull_subscribe(ALL_EVENTS, stream=EVENTS_STREAM, config=config)
                remaining = (await sub.consumer_info()).num_pending or 0
                while remaining:
                    for msg in await sub.fetch(min(remaining, 256), timeout=3):
                        remaining = msg.metadata.num_pending or 0
                        event = Event.model_validate_json(msg.data)
                        events.setdefault(event.run_id, []).append(event)
                with contextlib.suppress(nats.errors.Error):
                    await sub.unsubscribe()
                return events
            except (nats.errors.Error, TimeoutError) as exc:
                took = time.monotonic() - start
                STREAM_READ_FAILURES.append(f"{took:.1f} s: {type(exc).__name__} {exc}")
                if attempt == tries - 1:
                    raise
        raise AssertionError("unreachable")
    finally:
        await nc.close()


def _body(seed: int) -> dict[str, Any]:
    prompt = FiboPrompt.model_validate(
        {
            "scene": get_preset("rembrandt").setup.model_dump(mode="json"),
            "output": {"resolution": [64, 80]},  # the smallest 4:5 frame the renderer draws
        }
    )
    return {**prompt.model_dump(mode="json"), "num_results": 1, "seed": seed}


class Drill:
    """The load, the faults and the bookkeeping of one drill."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.t0 = time.monotonic()
        self.submissions: list[Submission] = []
        self.faults: list[Fault] = []

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def at(self, second: float) -> None:
        """Wait until `second` seconds into the load (the schedule, not a guess)."""
        await asyncio.sleep(max(0.0, second - self.now()))

    # -- load --------------------------------------------------------------------------------

    async def submit(self, client: httpx.AsyncClient, seed: int) -> None:
        sub = Submission(sent=self.now())
        self.submissions.append(sub)
        try:
            response = await client.post("/api/generate/lighting-setup", json=_body(seed))
        except httpx.HTTPError as exc:
            sub.code = f"transport: {type(exc).__name__}"
            return
        sub.answered, sub.status = self.now(), response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code == 202:
            sub.run_id, sub.ws = body["run_id"], body["links"]["ws"]
        else:
            sub.code = body.get("code") if isinstance(body, dict) else None

    async def load(self, client: httpx.AsyncClient) -> None:
        sends = []
        for i in range(int(LOAD_S / INTERVAL_S)):
            await self.at(i * INTERVAL_S)
            sends.append(asyncio.create_task(self.submit(client, seed=100 + i)))
        await asyncio.gather(*sends)

    async def watch(self, store: Any, done: asyncio.Event) -> None:
        """Record when each accepted run reaches a final status, until `done` and none is open."""
        while True:
            open_runs = [s for s in self.submissions if s.run_id and s.final is None]
            for sub in open_runs:
                assert sub.run_id is not None
                try:
                    run = await store.get_run(sub.run_id)
                except Exception:  # the store's host may be unreachable for a moment
                    continue
                if run is not None and run.status in TERMINAL:
                    sub.finished, sub.final = self.now(), str(run.status)
            pending = [s for s in self.submissions if s.status is None and s.code is None]
            if done.is_set() and not pending and not open_runs:
                return
            await asyncio.sleep(0.25)

    # -- faults ------------------------------------------------------------------------------

    async def kill_events_leader(self) -> None:
        await self.at(FAULT_AT_S["nats-leader"])
        leader = await asyncio.to_thread(self.cluster.events_leader)
        assert leader, f"no node leads {EVENTS_STREAM}"
        fault = Fault("nats leader", self.now(), 0.0)
        self.faults.append(fault)
        await asyncio.to_thread(self.cluster.kill_nats, leader)
        fault.end = self.now()

        def elected() -> bool:
            return self.cluster.events_leader(besides=leader) not in (None, leader)

        took = await asyncio.to_thread(wait_until, "a new events leader", elected, 30)
        new = self.cluster.events_leader(besides=leader)
        fault.notes.append(f"killed {leader}; {new} leads {EVENTS_STREAM} after {took:.1f} s")

    async def pull_link(self) -> None:
        await self.at(FAULT_AT_S["link"])
        host = self.cluster.net.hosts["svc-b"]
        fault = Fault(f"link {host.name} ({host.ip}) down {LINK_DOWN_S:g} s", self.now(), 0.0)
        self.faults.append(fault)
        await asyncio.to_thread(host.link, up=False)
        await asyncio.sleep(LINK_DOWN_S)  # the outage itself
        await asyncio.to_thread(host.link, up=True)
        fault.end = self.now()
        fault.notes.append("planner and storage cut off")

    async def replace_generator(self, nc: Any) -> None:
        """SIGKILL the generator as it starts its next task (so one is in its hands), then
        start another on a different host."""
        await self.at(FAULT_AT_S["generator"])
        old = self.cluster.service("bria-generator")
        taken: asyncio.Future[Event] = asyncio.get_running_loop().create_future()

        async def on_started(msg: Any) -> None:
            event = Event.model_validate_json(msg.data)
            if event.payload.tool == Tool.GENERATE and not taken.done():  # type: ignore[union-attr]
                taken.set_result(event)

        sub = await nc.subscribe(event_kind_filter(EventType.TASK_STARTED), cb=on_started)
        try:
            started = await asyncio.wait_for(taken, 2 * INTERVAL_S)
        finally:
            await sub.unsubscribe()
        fault = Fault(f"generator SIGKILL on {old.host.name}", self.now(), 0.0)
        self.faults.append(fault)
        await asyncio.to_thread(self.cluster.kill, old)
        fault.end = self.now()
        fault.notes.append(f"killed as it started {started.task_id}")
        new = self.cluster.start_service("bria-generator", self.cluster.net.hosts["svc-b"])
        took = await asyncio.to_thread(self.cluster.wait_healthy, [new])
        fault.notes.append(f"new generator on {new.host.name} ready after {took:.1f} s")

    # -- figures -----------------------------------------------------------------------------

    def recovery(self, fault: Fault) -> str:
        """When every run accepted before the fault ended had finished, and when the first run
        sent after it ended did (seconds after the fault began)."""
        before = [
            s for s in self.submissions if s.run_id and s.sent <= fault.end
            and (s.finished is None or s.finished > fault.start)
        ]  # fmt: skip
        after = [s for s in self.submissions if s.run_id and s.sent >= fault.end]
        last = max((s.finished or 0.0 for s in before), default=fault.start)
        drained = (
            "never" if any(s.finished is None for s in before) else f"{last - fault.start:.1f} s"
        )
        first = min((s.finished for s in after if s.finished is not None), default=None)
        first_txt = "none" if first is None else f"{first - fault.start:.1f} s"
        return f"runs in flight done after {drained}; first later run done after {first_txt}"


async def test_runs_survive_a_nats_leader_a_host_link_and_a_generator_failing(
    cluster: Cluster, tmp_path: Path
) -> None:
    setup_s = time.monotonic()
    store = await open_store(cluster.store_url)
    nc = await nats.connect(
        servers=cluster.nats_url.split(","), reconnect_time_wait=0.25, max_reconnect_attempts=-1
    )
    drill = Drill(cluster)
    done = asyncio.Event()
    watcher = asyncio.create_task(drill.watch(store, done))
    try:
        async with httpx.AsyncClient(base_url=cluster.gateway_url, timeout=15) as client:
            await asyncio.gather(
                drill.load(client),
                drill.kill_events_leader(),
                drill.pull_link(),
                drill.replace_generator(nc),
            )
            load_end = drill.now()
            done.set()
            with contextlib.suppress(TimeoutError):  # the runs still open are reported as stuck
                await asyncio.wait_for(watcher, DRAIN_TIMEOUT_S)
        accepted = [s for s in drill.submissions if s.run_id]
        refused = [s for s in drill.submissions if not s.run_id]

        # The notifier replays finished runs (the tokens of the last few are still valid).
        recent = [s.ws for s in accepted if s.ws][-REPLAYS:]
        replays = Counter(await asyncio.gather(*(replay(url) for url in recent)))

        # Duplicates: an artifact registered twice (store) or an event stored twice (stream).
        checks_s = time.monotonic()
        stream = await read_events(cluster.nats_url)
        dup_artifacts, dup_events, unreadable = [], [], []
        retried = 0  # tasks started more than once (a redelivery after a fault)
        for sub in accepted:
            assert sub.run_id is not None
            artifacts = await store.list_artifacts(sub.run_id)
            by_task = Counter((a.kind, a.task_id) for a in artifacts)
            retried += sum(t.attempts > 1 for t in await store.list_tasks(sub.run_id))
            dup_artifacts += [f"{sub.run_id}: {k} ×{n}" for k, n in by_task.items() if n > 1]
            history = stream.get(sub.run_id, [])
            if not history:
                unreadable.append(sub.run_id)
            ids = Counter(e.event_id for e in history)
            dup_events += [f"{sub.run_id}: event {i} ×{n}" for i, n in ids.items() if n > 1]
            once = Counter(
                (e.type, e.task_id)
                for e in history
                if e.type
                in (EventType.RUN_CREATED, EventType.RUN_COMPLETED, EventType.TASK_COMPLETED)
            )
            dup_events += [f"{sub.run_id}: {k} ×{n}" for k, n in once.items() if n > 1]
            ready = Counter(
                e.payload.artifact_id  # type: ignore[union-attr]
                for e in history
                if e.type == EventType.ARTIFACT_READY
            )
            dup_events += [
                f"{sub.run_id}: artifact.ready {k} ×{n}" for k, n in ready.items() if n > 1
            ]
    finally:
        watcher.cancel()
        await store.close()
        await nc.close()

    # A service that fell back to a default local path (SQLite, a blob directory) would have
    # made .prolight/ in its home: a disk the others cannot see.
    local_state = sorted(str(p) for p in (cluster.root / "homes").glob("*/.prolight"))
    completed = [s for s in accepted if s.final == str(RunStatus.COMPLETED)]
    failed = [s for s in accepted if s.final is not None and s.final != str(RunStatus.COMPLETED)]
    stuck = [s for s in accepted if s.final is None]
    unclear = [
        s for s in refused
        if s.status is None or not (400 <= s.status < 500 or s.status == 503) or not s.code
    ]  # fmt: skip
    latencies = [s.finished - s.sent for s in completed if s.finished is not None]
    refusals = Counter(f"{s.status} {s.code}" for s in refused)
    lines = [
        f"hosts: {len(cluster.net.hosts)} namespaces on 198.18.0.0/24 "
        f"({', '.join(f'{h.name}={h.ip}' for h in cluster.net.hosts.values())})",
        f"submitted {len(drill.submissions)}, accepted {len(accepted)}, completed "
        f"{len(completed)}, failed {len(failed)}, stuck {len(stuck)}, duplicated "
        f"{len(dup_artifacts) + len(dup_events)} (artifacts {len(dup_artifacts)}, events "
        f"{len(dup_events)}; runs without events {len(unreadable)}), refused {len(refused)} "
        f"({', '.join(f'{k} ×{n}' for k, n in refusals.items()) or 'none'}; "
        f"unclear {len(unclear)})",
        f"tasks started more than once: {retried}; events stream read again after a "
        f"timeout: {len(STREAM_READ_FAILURES)} ({'; '.join(STREAM_READ_FAILURES) or 'none'})",
        f"notifier replays of the last {len(recent)} runs: "
        f"{', '.join(f'{k} ×{n}' for k, n in replays.items())}",
        f"local state in a service's home: {', '.join(local_state) or 'none'}; "
        f"checks took {time.monotonic() - checks_s:.1f} s",
        f"run latency (sent → completed): median {statistics.median(latencies):.1f} s, "
        f"max {max(latencies):.1f} s"
        if latencies
        else "run latency: no run completed",
        *(
            f"fault {f.name} at {f.start:.1f}–{f.end:.1f} s: {'; '.join(f.notes)}; "
            f"{drill.recovery(f)}"
            for f in drill.faults
        ),
        f"load {load_end:.0f} s, drain to {drill.now():.0f} s, "
        f"drill {time.monotonic() - setup_s:.0f} s after the cluster's start-up "
        f"({cluster.startup_s:.0f} s)",
    ]
    REPORT.extend(lines)
    REPORT_FILE.parent.mkdir(parents=True, exist_ok=True)
    REPORT_FILE.write_text("\n".join(lines) + "\n")
    (tmp_path / "cluster-drill.txt").write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines))

    details = "\n".join(lines) + "\n" + cluster.logs()
    assert len(accepted) >= len(drill.submissions) / 2, details
    assert not unclear, [(s.status, s.code) for s in unclear]
    assert not dup_artifacts, dup_artifacts
    assert not dup_events, dup_events
    assert not unreadable, unreadable
    assert not local_state, local_state
    assert replays == {str(EventType.RUN_COMPLETED): len(recent)}, replays
    assert not failed, details
    assert not stuck, details
    assert len(completed) == len(accepted)
