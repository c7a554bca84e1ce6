"""A workshop room at once: N attendees run the whole flow on one cluster.

Each simulated attendee has their own prefix and their own client, and runs
what a learner runs: ``deploy`` (settings, model group, connector, model,
deploy), three predicts, ``status`` and ``cleanup``, then looks once more to
see that nothing of theirs is left. All attendees start together, in threads,
against the cluster at ``OPENSEARCH_URL`` and one Bedrock emulator of the
script's own on 127.0.0.1.

It reports, and must show 0 of each:

* failures: steps that raised;
* cross-talk: an attendee's status showing a resource that is not theirs, or
  two attendees given the same resource;
* leftovers: resources still there after an attendee's cleanup.

and p50/p99/max seconds per step. The run is bounded: at most 100 attendees,
the cluster must be on loopback, and the script gives up after ``--timeout``
seconds (steps still running then count as failures).

ML Commons deploys at most ``plugins.ml_commons.max_model_on_node`` models on
a node (10 by default). When the room needs more, the script raises it for the
run, says so, and puts the old value back; ``python -m helpers preflight``
tells an instructor the same before a real room.

    python benchmarks/load_test.py [--attendees 30] [--timeout 600] [--json]
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import os
import socket
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from opensearchpy import OpenSearch

from helpers._connection import connect, opensearch_url
from helpers._flow import cleanup, deploy, inventory
from helpers._kit import KitNames
from helpers._mlcommons import MLCommons
from helpers._settings import (
    TRUSTED_ENDPOINTS,
    apply_tutorial_settings,
    trusted_endpoint_pattern,
    trusted_patterns,
)
from helpers.emulator import EmulatorConfig, EmulatorServer

MAX_ATTENDEES = 100
STEPS = ("deploy", "predict", "status", "cleanup")
MAX_MODELS = "plugins.ml_commons.max_model_on_node"

T = TypeVar("T")


@dataclass
class Attendee:
    """What one simulated attendee did and saw."""

    prefix: str
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)
    cross_talk: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    owned_ids: set[str] = field(default_factory=set)
    finished: bool = False


@dataclass
class Report:
    attendees: int
    cluster: str
    wall_seconds: float
    failures: int
    cross_talk: int
    leftovers: int
    unfinished: int
    steps: dict[str, dict[str, float]]
    problems: dict[str, int]
    notes: list[str]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attendees", type=int, default=30, help="default 30")
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds for the whole run"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    if not 1 <= args.attendees <= MAX_ATTENDEES:
        parser.error(f"--attendees must be from 1 to {MAX_ATTENDEES}")

    report = run(opensearch_url(), args.attendees, timeout=args.timeout)
    print(json.dumps(asdict(report), indent=2) if args.json else render(report))
    bad = report.failures + report.cross_talk + report.leftovers + report.unfinished
    return 1 if bad else 0


def run(url: str, attendees: int, *, timeout: float = 600) -> Report:
    """The whole room once; the cluster must answer on a loopback address."""
    _require_loopback(url)
    client = connect(url)
    notes: list[str] = []
    with (
        EmulatorServer(port=0, config=EmulatorConfig()) as emulator,
        _environment(BEDROCK_ENDPOINT=emulator.url, KIT_MODE="offline"),
        _room_for(client, attendees, notes),
    ):
        apply_tutorial_settings(client, trusted_endpoint=emulator.url)
        try:
            started = time.monotonic()
            room = _run_room(url, attendees, timeout)
            wall = time.monotonic() - started
        finally:
            _distrust(client, emulator.url)
    return _report(room, url, wall, notes)


def _run_room(url: str, attendees: int, timeout: float) -> list[Attendee]:
    run_id = uuid.uuid4().hex[:6]
    room = [Attendee(f"load-{run_id}-{n:03d}") for n in range(1, attendees + 1)]
    start = threading.Barrier(attendees)
    threads = [
        threading.Thread(target=_attend, args=(url, one, start), daemon=True)
        for one in room
    ]
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    _check_ids_are_unshared(room)
    return room


def _attend(url: str, me: Attendee, start: threading.Barrier) -> None:
    """One learner's session: the flow, then a look at what is left."""
    client = connect(url)
    names = KitNames(me.prefix)
    ml = MLCommons(client)
    start.wait()
    try:
        done = _timed(me, "deploy", lambda: deploy(client, names, question=None))
        me.owned_ids |= {done.group.id, done.connector.id, done.model.id}
        for number in range(3):
            question = f"Question {number} from {me.prefix}?"
            _timed(me, "predict", lambda q=question: ml.predict(done.model.id, q))
        seen = _timed(me, "status", lambda: inventory(client, names))
        _check_own(me, names, seen)
        _timed(me, "cleanup", lambda: cleanup(client, names))
        left = inventory(client, names)
        me.leftovers += [model.id for model in left.models]
        me.leftovers += [connector.id for connector in left.connectors]
        me.leftovers += [left.group.id] if left.group is not None else []
    except Exception as error:  # noqa: BLE001 - counted in the report; others go on
        me.failures.append(f"{type(error).__name__}: {error}".splitlines()[0])
        try:
            cleanup(client, names)
        except Exception as failed:  # noqa: BLE001 - reported, then left behind
            me.leftovers.append(f"cleanup after a failure: {failed}".splitlines()[0])
    me.finished = True


def _timed(me: Attendee, step: str, call: Callable[[], T]) -> T:
    started = time.monotonic()
    result = call()
    me.seconds[step].append(time.monotonic() - started)
    return result


def _check_own(me: Attendee, names: KitNames, seen: Any) -> None:
    """Everything ``status`` shows must carry this attendee's names and ids."""
    shown = [(model.name, model.id) for model in seen.models]
    shown += [(connector.name, connector.id) for connector in seen.connectors]
    if seen.group is not None:
        shown.append((seen.group.name, seen.group.id))
    for name, resource_id in shown:
        if not names.owns(name) or resource_id not in me.owned_ids:
            me.cross_talk.append(f"{me.prefix} saw {name} ({resource_id})")


def _check_ids_are_unshared(room: list[Attendee]) -> None:
    holders: dict[str, list[Attendee]] = defaultdict(list)
    for attendee in room:
        for resource_id in attendee.owned_ids:
            holders[resource_id].append(attendee)
    for resource_id, sharing in holders.items():
        if len(sharing) > 1:
            for attendee in sharing:
                attendee.cross_talk.append(f"{resource_id} is shared")


# -- the report -------------------------------------------------------------------


def _report(room: list[Attendee], url: str, wall: float, notes: list[str]) -> Report:
    steps = {}
    for step in STEPS:
        seconds = sorted(s for attendee in room for s in attendee.seconds[step])
        if seconds:
            steps[step] = {
                "count": len(seconds),
                "p50": _percentile(seconds, 50),
                "p99": _percentile(seconds, 99),
                "max": seconds[-1],
            }
    problems = Counter(
        problem for attendee in room for problem in attendee.failures
    ) + Counter(problem for attendee in room for problem in attendee.cross_talk)
    return Report(
        attendees=len(room),
        cluster=url,
        wall_seconds=round(wall, 2),
        failures=sum(len(attendee.failures) for attendee in room),
        cross_talk=sum(len(attendee.cross_talk) for attendee in room),
        leftovers=sum(len(attendee.leftovers) for attendee in room),
        unfinished=sum(not attendee.finished for attendee in room),
        steps=steps,
        problems=dict(problems.most_common(10)),
        notes=notes,
    )


def _percentile(ordered: list[float], percent: int) -> float:
    """Nearest rank: the smallest value with ``percent`` % of values at or below."""
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return round(ordered[rank - 1], 3)


def render(report: Report) -> str:
    lines = [
        f"{report.attendees} attendees on {report.cluster}, one emulator; "
        f"{report.wall_seconds:.1f} s wall",
        "",
        f"{'step':10} {'calls':>6} {'p50 s':>8} {'p99 s':>8} {'max s':>8}",
    ]
    for step, row in report.steps.items():
        lines.append(
            f"{step:10} {row['count']:6.0f} {row['p50']:8.3f} {row['p99']:8.3f} "
            f"{row['max']:8.3f}"
        )
    lines += [
        "",
        f"failures    {report.failures}",
        f"cross-talk  {report.cross_talk}",
        f"leftovers   {report.leftovers}",
        f"unfinished  {report.unfinished}",
    ]
    lines += [f"problem ({count}x): {text}" for text, count in report.problems.items()]
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)


# -- the cluster and environment ------------------------------------------------


def _require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    if not all(ipaddress.ip_address(address).is_loopback for address in addresses):
        sys.exit(
            f"the load test runs against loopback only, and {url} is not; "
            "point OPENSEARCH_URL at a cluster on 127.0.0.1"
        )


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values, KIT_PROGRESS="0")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _room_for(client: OpenSearch, attendees: int, notes: list[str]) -> Iterator[None]:
    """Raise ``max_model_on_node`` for the run when the room needs it."""
    settings = client.cluster.get_settings(include_defaults=True, flat_settings=True)
    persistent = settings["persistent"].get(MAX_MODELS)
    in_force = int(persistent or settings["defaults"].get(MAX_MODELS, 10))
    # Every node that runs remote models holds every attendee's model.
    needed = attendees + _models_deployed(client)
    if needed <= in_force:
        yield
        return
    client.cluster.put_settings(body={"persistent": {MAX_MODELS: needed}})
    notes.append(f"{MAX_MODELS} raised from {in_force} to {needed} for the run")
    try:
        yield
    finally:
        client.cluster.put_settings(body={"persistent": {MAX_MODELS: persistent}})


def _models_deployed(client: OpenSearch) -> int:
    """Models already deployed on the busiest node (other tests, other rooms)."""
    reply = client.transport.perform_request("GET", "/_plugins/_ml/profile/models")
    counts: Counter[str] = Counter()
    for node_id, node in reply.get("nodes", {}).items():
        counts[node_id] = len(node.get("models", {}))
    return max(counts.values(), default=0)


def _distrust(client: OpenSearch, endpoint: str) -> None:
    pattern = trusted_endpoint_pattern(endpoint)
    kept = [found for found in trusted_patterns(client) if found != pattern]
    client.cluster.put_settings(body={"persistent": {TRUSTED_ENDPOINTS: kept}})


if __name__ == "__main__":
    sys.exit(main())
