"""How fast does the Bedrock emulator answer signed InvokeModel calls?

Starts ``python -m helpers emulator --port 0`` in its own process (so the
clients below do not share its interpreter lock), then measures from boto3 with
real SigV4 signing, over loopback only:

* latency: N sequential calls from one client, p50 and p99;
* throughput: C concurrent clients sharing a fixed budget of calls, stopped
  early at a time limit.

The table has one column per path a call can take. Only the direct boto3 path
and, when a node answers at OPENSEARCH_URL (default 127.0.0.1:9200), the same
question as ML Commons predict calls through a connector pointing at it.

    .venv/bin/python benchmarks/emulator_latency.py [--calls 500] [--clients 50]
"""

from __future__ import annotations

import argparse
import json
import math
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from helpers._blueprints import JURASSIC2_REQUEST_BODY
from helpers.emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODEL_ID = "ai21.j2-mid-v1"
# The body the tutorial's connector sends for its first question.
BODY = JURASSIC2_REQUEST_BODY.replace(
    '"${parameters.inputs}"', json.dumps("What is the meaning of life?")
)


@dataclass(frozen=True)
class Measurement:
    calls: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0


@contextmanager
def emulator_process() -> Iterator[str]:
    """The emulator's URL, while it runs as a separate process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers", "emulator", "--port", "0", "--quiet"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(30):
                raise RuntimeError("the emulator printed no URL within 30 s")
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def bedrock_client(url: str, pool: int = 10) -> Any:
    # A session per client: boto3's default session is not safe to share
    # between threads while clients are being created.
    return boto3.session.Session().client(
        "bedrock-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY,
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=pool),
    )


def timed_call(client: Any) -> float:
    """One signed InvokeModel call, body read; its duration in milliseconds."""
    started = time.perf_counter()
    client.invoke_model(modelId=MODEL_ID, body=BODY)["body"].read()
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with ``fraction`` at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summarise(durations: list[float], errors: int, seconds: float) -> Measurement:
    return Measurement(
        calls=len(durations),
        errors=errors,
        seconds=seconds,
        p50_ms=percentile(durations, 0.50),
        p99_ms=percentile(durations, 0.99),
    )


def measure_sequential(url: str, calls: int, warmup: int = 20) -> Measurement:
    client = bedrock_client(url)
    for _ in range(warmup):
        timed_call(client)
    started = time.perf_counter()
    durations = [timed_call(client) for _ in range(calls)]
    return summarise(durations, 0, time.perf_counter() - started)


def measure_concurrent(
    make_client: Callable[[], Any],
    call: Callable[[Any], float],
    clients: int,
    budget: int,
    time_limit: float,
) -> Measurement:
    """``clients`` threads, each with its own client, share ``budget`` calls."""
    durations: list[float] = []
    errors = 0
    lock = threading.Lock()
    remaining = budget
    deadline = time.perf_counter() + time_limit

    def take_one() -> bool:
        nonlocal remaining
        with lock:
            if remaining <= 0 or time.perf_counter() > deadline:
                return False
            remaining -= 1
            return True

    def worker(client: Any) -> None:
        nonlocal errors
        try:
            call(client)  # connect and warm up outside the measurement
        except BaseException:
            barrier.abort()  # the others stop waiting; the error is raised below
            raise
        barrier.wait()
        while take_one():
            try:
                duration = call(client)
            except Exception:  # noqa: BLE001 - counted: the rate is what is measured
                with lock:
                    errors += 1
                continue
            with lock:
                durations.append(duration)

    # Clients are built here, one after another: boto3's default session is not
    # safe to share between threads while clients are being created.
    made = [make_client() for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(worker, client) for client in made]
        barrier.wait()
        started = time.perf_counter()
        for future in futures:
            future.result()
        elapsed = time.perf_counter() - started
    return summarise(durations, errors, elapsed)


def measure_through_opensearch_predict(
    url: str, calls: int, clients: int, budget: int, time_limit: float
) -> tuple[Measurement | None, Measurement | None]:
    """The tutorial's question as ML Commons ``_predict`` calls on the node.

    Deploys the tutorial's model under a throw-away prefix with its connector
    pointing at ``url``, times sequential and concurrent predict calls, then
    removes what it made. Without a reachable node the column reads
    "not measured".
    """
    import os
    import uuid

    from helpers._connection import connect, opensearch_url
    from helpers._flow import cleanup, deploy
    from helpers._kit import kit_names

    try:
        client = connect(timeout=30)
        client.info()
    except Exception as error:  # noqa: BLE001 - no node: skip the column
        print(f"no node at {opensearch_url()} ({type(error).__name__}); skipped")
        return None, None
    os.environ["BEDROCK_ENDPOINT"] = url
    names = kit_names(f"bench-{uuid.uuid4().hex[:8]}")
    model_id = deploy(client, names, question=None).model.id

    def one(shared: Any = client) -> float:
        started = time.perf_counter()
        shared.ml.predict_model(
            model_id=model_id,
            body={"parameters": {"inputs": "What is the meaning of life?"}},
        )
        return (time.perf_counter() - started) * 1000

    try:
        for _ in range(10):
            one()
        started = time.perf_counter()
        sequential = summarise(
            [one() for _ in range(calls)], 0, time.perf_counter() - started
        )
        concurrent = measure_concurrent(
            lambda: connect(timeout=60), one, clients, budget, time_limit
        )
    finally:
        cleanup(client, names)
    return sequential, concurrent


def print_table(
    columns: dict[str, tuple[Measurement | None, Measurement | None]],
) -> None:
    rows: list[tuple[str, Callable[[Measurement, Measurement], str]]] = [
        ("sequential calls", lambda s, c: f"{s.calls}"),
        ("sequential p50 (ms)", lambda s, c: f"{s.p50_ms:.2f}"),
        ("sequential p99 (ms)", lambda s, c: f"{s.p99_ms:.2f}"),
        ("sequential calls/s", lambda s, c: f"{s.per_second:.0f}"),
        ("concurrent calls (errors)", lambda s, c: f"{c.calls} ({c.errors})"),
        ("concurrent seconds", lambda s, c: f"{c.seconds:.2f}"),
        ("concurrent p50 (ms)", lambda s, c: f"{c.p50_ms:.2f}"),
        ("concurrent p99 (ms)", lambda s, c: f"{c.p99_ms:.2f}"),
        ("concurrent calls/s", lambda s, c: f"{c.per_second:.0f}"),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"{'':<{width}}  " + "  ".join(f"{name:>26}" for name in columns))
    for label, cell in rows:
        values = [
            cell(s, c) if s is not None and c is not None else "not measured"
            for s, c in columns.values()
        ]
        print(f"{label:<{width}}  " + "  ".join(f"{v:>26}" for v in values))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500, help="sequential calls")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument(
        "--budget", type=int, default=5000, help="calls shared by concurrent clients"
    )
    parser.add_argument(
        "--time-limit", type=float, default=20.0, help="seconds for the concurrent run"
    )
    args = parser.parse_args()

    with emulator_process() as url:
        print(f"emulator at {url}; model {MODEL_ID}; signed boto3 InvokeModel calls\n")
        sequential = measure_sequential(url, args.calls)
        concurrent = measure_concurrent(
            lambda: bedrock_client(url, pool=1),
            timed_call,
            args.clients,
            args.budget,
            args.time_limit,
        )
        predicted = measure_through_opensearch_predict(
            url, args.calls, args.clients, args.budget // 5, args.time_limit
        )

    print_table(
        {
            "direct (boto3)": (sequential, concurrent),
            "through OpenSearch predict": predicted,
        }
    )
    print(f"\nconcurrent run: {args.clients} clients, budget {args.budget} calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
