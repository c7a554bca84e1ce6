"""The tutorial end to end: ``helpers._flow.deploy`` against fixed one-second polls.

Both sides register a model group, create the Jurassic-2 connector, register
the model, wait for the registration task, deploy, wait for DEPLOYED and ask the
tutorial's question, on the running node (``OPENSEARCH_URL``) and a Bedrock
emulator of the script's own. The baseline waits the way the tutorial's
automation script does: ``sleep(1)`` before every look at the task or the model.
The kit's flow waits with :func:`helpers.wait_for` (short first interval,
backing off). Each run uses a fresh prefix and is cleaned up untimed. Prints a
table of seconds.

    python benchmarks/deploy_vs_polling.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from opensearchpy import OpenSearch

from helpers._blueprints import jurassic2_blueprint
from helpers._connection import connect, opensearch_url
from helpers._flow import TUTORIAL_QUESTION, cleanup, deploy
from helpers._kit import KitNames, resolve_credentials
from helpers._settings import (
    TRUSTED_ENDPOINTS,
    apply_tutorial_settings,
    trusted_endpoint_pattern,
    trusted_patterns,
)
from helpers.emulator import EmulatorConfig, EmulatorServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    args = parser.parse_args()

    client = connect(opensearch_url())
    with EmulatorServer(port=0, config=EmulatorConfig()) as emulator:
        os.environ.update(
            BEDROCK_ENDPOINT=emulator.url, KIT_MODE="offline", KIT_PROGRESS="0"
        )
        apply_tutorial_settings(client, trusted_endpoint=emulator.url)
        try:
            rows = [
                ("helpers._flow.deploy", _runs(client, args.runs, _kit_flow)),
                ("fixed 1 s polls", _runs(client, args.runs, _fixed_polls)),
            ]
        finally:
            _distrust(client, emulator.url)

    version = client.info()["version"]["number"]
    print(f"OpenSearch {version}, Bedrock emulator; {args.runs} runs each, seconds")
    print(f"{'deploy, end to end':24} {'median':>7} {'min':>7} {'max':>7}")
    for name, seconds in rows:
        print(
            f"{name:24} {statistics.median(seconds):7.2f} "
            f"{min(seconds):7.2f} {max(seconds):7.2f}"
        )


def _runs(
    client: OpenSearch, runs: int, flow: Callable[[OpenSearch, KitNames], None]
) -> list[float]:
    seconds = []
    for _ in range(runs):
        names = KitNames(f"bench-{uuid.uuid4().hex[:8]}")
        try:
            started = time.monotonic()
            flow(client, names)
            seconds.append(time.monotonic() - started)
        finally:
            cleanup(client, names)
    return seconds


def _kit_flow(client: OpenSearch, names: KitNames) -> None:
    deploy(client, names, post_process=False)


def _fixed_polls(client: OpenSearch, names: KitNames) -> None:
    """The same REST calls, waiting as the tutorial's automation script does."""
    apply_tutorial_settings(client, trusted_endpoint=os.environ["BEDROCK_ENDPOINT"])
    group = client.ml.register_model_group(body={"name": names.model_group})
    blueprint = jurassic2_blueprint(
        resolve_credentials(), endpoint=os.environ["BEDROCK_ENDPOINT"]
    )
    blueprint["name"] = names.connector
    connector = client.ml.create_connector(body=dict(blueprint))
    registered = client.ml.register_model(
        body={
            "name": names.model,
            "function_name": "remote",
            "model_group_id": group["model_group_id"],
            "connector_id": connector["connector_id"],
        }
    )

    task = _poll_every_second(
        lambda: client.ml.get_task(task_id=registered["task_id"]),
        lambda task: task["state"] == "COMPLETED",
    )
    model_id = task["model_id"]
    client.ml.deploy_model(model_id=model_id)
    _poll_every_second(
        lambda: client.ml.get_model(model_id=model_id),
        lambda model: model["model_state"] == "DEPLOYED",
    )
    client.ml.predict_model(
        model_id=model_id, body={"parameters": {"inputs": TUTORIAL_QUESTION}}
    )


def _poll_every_second(
    look: Callable[[], dict[str, Any]],
    done: Callable[[dict[str, Any]], bool],
    attempts: int = 60,
) -> dict[str, Any]:
    for _ in range(attempts):
        time.sleep(1)
        seen = look()
        if done(seen):
            return seen
    raise RuntimeError(f"still not done after {attempts} one-second polls: {seen}")


def _distrust(client: OpenSearch, endpoint: str) -> None:
    """Take the emulator's pattern out of the cluster's list, leaving the others."""
    pattern = trusted_endpoint_pattern(endpoint)
    kept = [found for found in trusted_patterns(client) if found != pattern]
    client.cluster.put_settings(body={"persistent": {TRUSTED_ENDPOINTS: kept}})


if __name__ == "__main__":
    main()
