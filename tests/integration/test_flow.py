"""The whole tutorial as idempotent steps (``helpers._flow``), on the real node."""

from __future__ import annotations

import json
import urllib.request

import pytest
from opensearchpy import OpenSearch

from helpers._blueprints import CLAUDE_MODEL
from helpers._errors import ConnectorHeld
from helpers._flow import cleanup, deploy, inventory
from helpers._kit import KitNames
from helpers._mlcommons import MLCommons
from helpers.emulator import EmulatorServer

from ._support import unique_names

pytestmark = pytest.mark.node


def test_deploying_twice_leaves_one_group_one_connector_one_model(
    client: OpenSearch, names: KitNames
) -> None:
    first = deploy(client, names)
    second = deploy(client, names)
    found = inventory(client, names)

    assert found.group is not None and found.group.id == first.group.id
    assert [connector.id for connector in found.connectors] == [first.connector.id]
    assert [model.id for model in found.models] == [first.model.id]
    assert (second.group.id, second.connector.id, second.model.id) == (
        first.group.id,
        first.connector.id,
        first.model.id,
    )
    assert second.model.state == "DEPLOYED"


def test_the_deployed_tutorial_model_answers_with_the_response_text_only(
    client: OpenSearch, names: KitNames
) -> None:
    done = deploy(client, names)

    assert done.answer is not None
    assert set(done.answer.data) == {"response"}
    assert done.answer.text and done.answer.text.strip()


def test_cleanup_removes_one_prefix_and_leaves_another_untouched(
    client: OpenSearch, emulator: EmulatorServer
) -> None:
    mine, theirs = unique_names(), unique_names()
    try:
        deploy(client, mine, question=None)
        kept = deploy(client, theirs, question=None)

        try:
            removed = cleanup(client, mine)
        except ConnectorHeld as refused:
            # Only when the two connector ids share a piece and the other
            # prefix's model came first (see MLCommons.connector_lookalikes).
            held = refused.connectors
            assert list(held.values()) == [[kept.model.id]]
            removed = None

        assert inventory(client, mine).models == []
        left = inventory(client, theirs)
        assert left.group is not None and left.group.id == kept.group.id
        assert [model.id for model in left.models] == [kept.model.id]
        assert MLCommons(client).get_model(kept.model.id).state == "DEPLOYED"
        if removed is None:
            assert [c.id for c in inventory(client, mine).connectors] == list(held)
            assert inventory(client, mine).group is None
            cleanup(client, theirs)
            removed = cleanup(client, mine)
            assert (len(removed.connectors), len(removed.models)) == (1, 0)
        else:
            assert (len(removed.connectors), len(removed.models)) == (1, 1)
        assert inventory(client, mine).empty
    finally:
        cleanup(client, theirs)
        cleanup(client, mine)


def test_cleanup_of_a_prefix_with_nothing_removes_nothing(
    client: OpenSearch, names: KitNames
) -> None:
    assert cleanup(client, names).empty


def test_the_current_claude_model_answers_the_tutorial_question(
    client: OpenSearch, names: KitNames, emulator: EmulatorServer
) -> None:
    done = deploy(client, names, current_model=True)

    assert done.connector.name == names.current_connector
    assert done.model.name == names.current_model
    assert done.answer is not None
    assert set(done.answer.data) == {"response"}
    assert "meaning" in (done.answer.text or "").lower()
    assert last_runtime_call(emulator)["model_id"] == CLAUDE_MODEL


def last_runtime_call(emulator: EmulatorServer) -> dict[str, object]:
    with urllib.request.urlopen(f"{emulator.url}/_emulator/requests?limit=1") as reply:
        record: dict[str, object] = json.load(reply)["requests"][0]
    return record
