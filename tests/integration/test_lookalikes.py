"""Connectors whose ids ML Commons mistakes for each other, on the real node.

ML Commons finds a connector's models with a full-text match on their
``connector_id``, so a model on a connector whose id shares a piece with
another's blocks deleting the other. OpenSearch chooses the ids; to get a pair
on demand, a test stores a copy of a connector under the same id in the other
case, which the analyzer lowers to the same pieces.
"""

from __future__ import annotations

import logging
import time
import warnings

import pytest
from opensearchpy import OpenSearch

from helpers import _flow
from helpers._blueprints import ConnectorBlueprint, jurassic2_blueprint
from helpers._cli import main
from helpers._errors import ConnectorHeld, MLCommonsError
from helpers._flow import cleanup, deploy, inventory
from helpers._kit import KitNames, resolve_credentials
from helpers._mlcommons import Connector, MLCommons
from helpers._translate import CONNECTOR_IN_USE
from helpers.emulator import EmulatorServer

from ._support import unique_names

pytestmark = pytest.mark.node

CONNECTORS = ".plugins-ml-connector"


@pytest.fixture
def blueprint(names: KitNames, emulator: EmulatorServer) -> ConnectorBlueprint:
    made = jurassic2_blueprint(resolve_credentials(), endpoint=emulator.url)
    made["name"] = names.connector
    return made


def twin_of(client: OpenSearch, connector: Connector) -> str:
    """Store a copy of ``connector`` under its id with every letter's case swapped."""
    twin = connector.id.swapcase()
    assert twin != connector.id
    with warnings.catch_warnings():
        # OpenSearch warns that direct access to a system index is deprecated.
        warnings.simplefilter("ignore")
        source = client.get(index=CONNECTORS, id=connector.id)["_source"]
        client.index(index=CONNECTORS, id=twin, body=source, refresh=True)
    return twin


def model_on(ml: MLCommons, names: KitNames, connector_id: str) -> str:
    group = ml.register_model_group(names.model_group)
    task = ml.register_model(names.model, group_id=group.id, connector_id=connector_id)
    assert task.model_id is not None
    return task.model_id


def test_ml_commons_holds_a_connector_for_a_model_on_its_lookalike(
    client: OpenSearch, ml: MLCommons, names: KitNames, blueprint: ConnectorBlueprint
) -> None:
    connector = ml.create_connector(blueprint, distinct=False)
    twin = twin_of(client, connector)
    model_id = model_on(ml, names, twin)

    assert twin in ml.connector_lookalikes(connector.id)
    assert ml.get_model(model_id).connector_id == twin
    with pytest.raises(MLCommonsError, match=CONNECTOR_IN_USE) as refused:
        ml.delete_connector(connector.id)
    assert model_id in refused.value.what


def test_a_connector_with_a_lookalike_is_made_again_under_a_new_id(
    client: OpenSearch, ml: MLCommons, names: KitNames, blueprint: ConnectorBlueprint
) -> None:
    connector = ml.create_connector(blueprint, distinct=False)
    twin = twin_of(client, connector)

    made = ml.make_distinct(connector, blueprint)

    assert made.id != connector.id and made.name == connector.name
    assert twin not in ml.connector_lookalikes(made.id)
    assert {found.id for found in ml.find_connectors(names.connector)} == {
        made.id,
        twin,
    }
    with pytest.raises(MLCommonsError) as gone:
        ml.get_connector(connector.id)
    assert gone.value.status == 404
    # The new connector can go while the twin's model exists.
    model_on(ml, names, twin)
    ml.delete_connector(made.id)


def test_a_connector_whose_lookalike_has_a_model_stays_with_a_warning(
    client: OpenSearch,
    ml: MLCommons,
    names: KitNames,
    blueprint: ConnectorBlueprint,
    caplog: pytest.LogCaptureFixture,
) -> None:
    connector = ml.create_connector(blueprint, distinct=False)
    twin = twin_of(client, connector)
    model_id = model_on(ml, names, twin)

    with caplog.at_level(logging.WARNING, logger="helpers"):
        kept = ml.make_distinct(connector, blueprint)

    assert kept == connector
    assert ml.get_connector(connector.id).id == connector.id
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(twin in line and model_id in line for line in warned), warned


def test_create_connector_makes_a_connector_with_a_lookalike_again(
    ml: MLCommons,
    names: KitNames,
    blueprint: ConnectorBlueprint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []
    real = ml.connector_lookalikes

    def first_has_one(connector_id: str) -> list[str]:
        seen.append(connector_id)
        return ["a-lookalike"] if len(seen) == 1 else real(connector_id)

    monkeypatch.setattr(ml, "connector_lookalikes", first_has_one)

    made = ml.create_connector(blueprint)

    assert len(seen) == 2 and made.id == seen[1] != seen[0]
    assert [found.id for found in ml.find_connectors(names.connector)] == [made.id]


def test_connectors_wait_while_new_ids_would_share_a_piece(
    ml: MLCommons,
    blueprint: ConnectorBlueprint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    existing = ml.create_connector(blueprint, distinct=False)
    # While the clock's slow part holds a "-", every id made looks like
    # another; the probe plays that minute for its first read.
    probes: list[str] = []
    real_probe = ml._probe_id

    def probe() -> str:
        probes.append(real_probe())
        return existing.id.swapcase() if len(probes) == 1 else probes[-1]

    monkeypatch.setattr(ml, "_probe_id", probe)

    assert ml.wait_for_distinct_ids(timeout=30) is True
    assert len(probes) == 2
    assert probe_groups_left(ml) == []


def probe_groups_left(ml: MLCommons) -> list[str]:
    """The probes' model groups a search still finds, a few seconds on."""
    give_up = time.monotonic() + 5
    while True:
        reply = ml.client.ml.search_model_group(  # type: ignore[attr-defined]
            body={"query": {"prefix": {"name.keyword": "kit-id-probe-"}}}
        )
        left = [hit["_id"] for hit in reply["hits"]["hits"]]
        if not left or time.monotonic() > give_up:
            return left
        time.sleep(0.2)


def test_a_minute_of_lookalike_ids_ends_in_a_warning_and_the_connector_is_made(
    ml: MLCommons,
    blueprint: ConnectorBlueprint,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    existing = ml.create_connector(blueprint, distinct=False)
    monkeypatch.setattr(ml, "_probe_id", lambda: existing.id.swapcase())

    with caplog.at_level(logging.WARNING, logger="helpers"):
        waited = ml.wait_for_distinct_ids(timeout=1)

    assert waited is False
    assert any("making the connector anyway" in r.getMessage() for r in caplog.records)


def test_cleanup_removes_the_rest_and_names_a_connector_ml_commons_keeps(
    client: OpenSearch, ml: MLCommons, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, theirs = unique_names(), unique_names()
    monkeypatch.setattr(_flow, "HELD_FOR", 2.0)
    try:
        made = deploy(client, mine, question=None)
        # Their connector's id looks like mine, and their model comes second.
        twin = twin_of(client, made.connector)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client.update(
                index=CONNECTORS,
                id=twin,
                body={"doc": {"name": theirs.connector}},
                refresh=True,
            )
        their_model = model_on(ml, theirs, twin)

        status = main(["cleanup", "--prefix", mine.prefix])
        with pytest.raises(ConnectorHeld) as held:
            cleanup(client, mine)

        assert status == 3
        assert held.value.connectors == {made.connector.id: [their_model]}
        assert their_model in str(held.value) and "run the cleanup again" in str(
            held.value
        )
        left = inventory(client, mine)
        assert (left.models, left.group) == ([], None)
        assert [connector.id for connector in left.connectors] == [made.connector.id]
        assert [model.id for model in inventory(client, theirs).models] == [their_model]

        cleanup(client, theirs)
        assert cleanup(client, mine).connectors[0].id == made.connector.id
        assert inventory(client, mine).empty
    finally:
        cleanup(client, theirs)
        cleanup(client, mine)
