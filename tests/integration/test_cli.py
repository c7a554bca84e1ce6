"""``python -m helpers deploy|status|predict|cleanup``, as a learner runs them."""

from __future__ import annotations

import pytest
from kit_support import kit

from helpers._kit import KitNames
from helpers.emulator import DEFAULT_SECRET_ACCESS_KEY, EmulatorServer

from ._support import subprocess_environment

pytestmark = pytest.mark.node


def test_deploy_status_predict_and_cleanup_from_the_command_line(
    opensearch_url: str, emulator: EmulatorServer, names: KitNames
) -> None:
    env = subprocess_environment(opensearch_url, emulator)
    prefix = names.prefix

    deployed = kit(env, "deploy", "--prefix", prefix)
    status = kit(env, "status", "--prefix", prefix)
    answer = kit(env, "predict", "--prefix", prefix, "How does a search engine work?")
    cleaned = kit(env, "cleanup", "--prefix", prefix)
    after = kit(env, "status", "--prefix", prefix)

    assert deployed.returncode == 0, deployed.stderr
    assert f"model        {names.model}  " in deployed.stdout
    assert deployed.stdout.rstrip().splitlines()[-2] == (
        "Q: What is the meaning of life?"
    )
    assert deployed.stdout.rstrip().splitlines()[-1].startswith("A: ")
    assert [line.split()[:2] for line in status.stdout.splitlines()] == [
        ["model", "group"],
        ["connector", names.connector],
        ["model", names.model],
    ]
    assert status.stdout.rstrip().endswith("DEPLOYED")
    assert answer.returncode == 0, answer.stderr
    assert "search engine" in answer.stdout.lower()
    assert cleaned.stdout == ("removed 1 model(s), 1 connector(s) and 1 model group\n")
    assert after.stdout == f"nothing of prefix {prefix!r} exists on {opensearch_url}\n"
    for run in (deployed, status, answer, cleaned, after):
        assert DEFAULT_SECRET_ACCESS_KEY not in run.stdout + run.stderr


def test_predict_before_deploy_says_to_deploy_first(
    opensearch_url: str, emulator: EmulatorServer, names: KitNames
) -> None:
    env = subprocess_environment(opensearch_url, emulator)

    refused = kit(env, "predict", "--prefix", names.prefix, "Hello?")

    assert refused.returncode == 1
    assert refused.stderr == (
        f"error: no model named {names.model} exists on {opensearch_url}\n"
        "What to do: create it first: python -m helpers deploy\n"
    )
