"""When something breaks mid-tutorial: a message with a fix, a retry that works.

Every fault here is real. Bedrock's come from the emulator (its fault rules, its
accepted keys, or the emulator stopped); the node's come from a node of this
module's own on a free port (``LocalNode(instance="faults")``), so the shared
node never stops. Each test checks three things: the error's type and what it
says to do; that doing it, or repeating the step once the fault is gone,
succeeds; and that the group, connector and model the learner made are still
there, once each, with the same ids.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from integration._support import distrust, trust, unique_names
from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from helpers._blueprints import AwsCredentials, jurassic2_blueprint
from helpers._connection import connect, wait_until_ready
from helpers._errors import CredentialsError, KitError, MLCommonsError, WaitTimeout
from helpers._flow import Deployment, cleanup, deploy
from helpers._kit import KitNames, resolve_credentials
from helpers._mlcommons import MLCommons
from helpers._translate import translate
from helpers.emulator import EmulatorConfig, EmulatorServer
from helpers.node import LocalNode

from ._support import J2_MID, QUESTION, Counts, counts

pytestmark = pytest.mark.node


def ids(deployment: Deployment) -> tuple[str, str, str]:
    return deployment.group.id, deployment.connector.id, deployment.model.id


ONE_OF_EACH = Counts(groups=1, connectors=1, models=1, deployed=1)


@contextmanager
def own_emulator(
    client: OpenSearch,
    monkeypatch: pytest.MonkeyPatch,
    config: EmulatorConfig | None = None,
    port: int = 0,
) -> Iterator[EmulatorServer]:
    """An emulator for one test, which the kit's flow then calls."""
    with EmulatorServer(port=port, config=config or EmulatorConfig()) as server:
        url = server.url  # a stopped server has no URL any more
        monkeypatch.setenv("BEDROCK_ENDPOINT", url)
        trust(client, url)
        try:
            yield server
        finally:
            distrust(client, url)


def redeploy_with(
    ml: MLCommons, deployment: Deployment, credentials: AwsCredentials, url: str
) -> None:
    """What the connector-update fix says: undeploy, update, deploy again."""
    blueprint = jurassic2_blueprint(credentials, endpoint=url, post_process=True)
    blueprint["name"] = deployment.connector.name
    ml.undeploy(deployment.model.id)
    ml.update_connector(deployment.connector.id, blueprint)
    ml.deploy(deployment.model.id)


# -- Bedrock's faults ----------------------------------------------------------


def test_throttling_says_wait_and_retry_and_the_retry_answers(
    client: OpenSearch,
    ml: MLCommons,
    names: KitNames,
    fault: Callable[..., Any],
) -> None:
    made = deploy(client, names, question=None)
    fault(model=J2_MID, fault="throttle", count=1)

    with pytest.raises(MLCommonsError) as caught:
        ml.predict(made.model.id, QUESTION)
    retried = ml.predict(made.model.id, QUESTION)

    assert caught.value.what == (
        "Bedrock is throttling the calls: The request was denied due to remote "
        "server throttling. To change the retry policy and behavior, please update "
        "the connector client_config."
    )
    assert str(caught.value.fix).startswith("wait a few seconds and retry")
    assert retried.text
    assert counts(client, names) == ONE_OF_EACH


def test_a_wrong_secret_says_update_the_connector_and_the_update_mends_it(
    client: OpenSearch, ml: MLCommons, names: KitNames, emulator: EmulatorServer
) -> None:
    right = resolve_credentials()
    wrong = AwsCredentials(right.access_key, "not-the-secret-the-emulator-knows")
    made = deploy(client, names, credentials=wrong, question=None)

    with pytest.raises(CredentialsError) as caught:
        ml.predict(made.model.id, QUESTION)
    redeploy_with(ml, made, right, emulator.url)
    again = deploy(client, names)

    assert caught.value.what.startswith(
        "Bedrock refused the connector's AWS credentials: The request signature we "
        "calculated does not match the signature you provided."
    )
    assert "then update the connector with valid keys" in str(caught.value.fix)
    assert wrong.secret_key not in str(caught.value)
    assert again.answer is not None and again.answer.text
    assert ids(again) == ids(made)
    assert counts(client, names) == ONE_OF_EACH


def test_an_expired_session_token_says_renew_it_and_a_fresh_one_works(
    client: OpenSearch,
    ml: MLCommons,
    names: KitNames,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = resolve_credentials()
    expired = AwsCredentials(keys.access_key, keys.secret_key, "token-of-yesterday")
    fresh = AwsCredentials(keys.access_key, keys.secret_key, "token-of-today")
    config = EmulatorConfig(expired_tokens=frozenset({"token-of-yesterday"}))

    with own_emulator(client, monkeypatch, config) as expiring:
        made = deploy(client, names, credentials=expired, question=None)
        with pytest.raises(CredentialsError) as caught:
            ml.predict(made.model.id, QUESTION)
        redeploy_with(ml, made, fresh, expiring.url)
        again = deploy(client, names)

    assert caught.value.what == (
        "Bedrock refused the connector's AWS credentials: The security token "
        "included in the request is expired"
    )
    assert "session_token for temporary keys, which expire" in str(caught.value.fix)
    assert "token-of-yesterday" not in str(caught.value)
    assert again.answer is not None and again.answer.text
    assert ids(again) == ids(made)
    assert counts(client, names) == ONE_OF_EACH


def test_a_retired_model_says_switch_and_the_switch_keeps_the_old_model(
    client: OpenSearch,
    ml: MLCommons,
    names: KitNames,
    fault: Callable[..., Any],
) -> None:
    made = deploy(client, names, question=None)
    fault(model=J2_MID, fault="eol")

    with pytest.raises(MLCommonsError) as caught:
        ml.predict(made.model.id, QUESTION)
    current = deploy(client, names, current_model=True)

    assert caught.value.what.startswith(
        "Bedrock retired the model this connector calls: This model version has "
        "reached the end of its life."
    )
    assert "helpers.claude_messages_blueprint(credentials)" in str(caught.value.fix)
    assert current.answer is not None and current.answer.text
    assert current.group.id == made.group.id
    # The Jurassic-2 connector and model stay beside the Claude ones.
    assert counts(client, names) == Counts(groups=1, connectors=2, models=2, deployed=2)


def test_updating_a_deployed_models_connector_says_undeploy_and_that_works(
    client: OpenSearch, ml: MLCommons, names: KitNames, emulator: EmulatorServer
) -> None:
    made = deploy(client, names, post_process=False, question=None)
    update = jurassic2_blueprint(
        resolve_credentials(), endpoint=emulator.url, post_process=True
    )
    update["name"] = names.connector

    with pytest.raises(MLCommonsError) as caught:
        ml.update_connector(made.connector.id, update)
    redeploy_with(ml, made, resolve_credentials(), emulator.url)
    after = ml.predict(made.model.id, QUESTION)

    assert caught.value.what == (
        f"The connector cannot change while deployed models use it: {made.model.id}"
    )
    assert str(caught.value.fix).startswith(f"undeploy model {made.model.id}")
    # The post-process script now returns the completion text alone.
    assert list(after.data) == ["response"]
    assert after.text
    assert counts(client, names) == ONE_OF_EACH


def test_a_taken_group_name_is_reused_by_the_kit_and_named_by_the_raw_call(
    client: OpenSearch, names: KitNames
) -> None:
    made = deploy(client, names, question=None)
    again = deploy(client, names, question=None)

    with pytest.raises(TransportError) as raw:
        client.ml.register_model_group(body={"name": names.model_group})
    error = translate(raw.value)

    assert ids(again) == ids(made)
    assert again.group.created is False
    assert isinstance(error, MLCommonsError)
    assert error.what == (
        f"A model group with this name exists already: {made.group.id}"
    )
    assert f'"model_group_id": "{made.group.id}"' in str(error.fix)
    assert counts(client, names) == ONE_OF_EACH


def test_the_emulator_down_says_start_it_and_the_same_port_answers_again(
    client: OpenSearch,
    ml: MLCommons,
    names: KitNames,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with own_emulator(client, monkeypatch) as first:
        made = deploy(client, names, question=None)
        port = first.port
        first.stop()
        with pytest.raises(MLCommonsError) as caught:
            ml.predict(made.model.id, QUESTION)
        with EmulatorServer(port=port, config=EmulatorConfig()):
            again = ml.predict(made.model.id, QUESTION)

    assert caught.value.what == (
        "ML Commons could not reach the connector's endpoint: Connection refused: "
        f"/127.0.0.1:{port}"
    )
    assert "`python -m helpers emulator`" in str(caught.value.fix)
    assert again.text
    assert counts(client, names) == ONE_OF_EACH


# -- the node's faults, on a node of this module's own -------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def own_node() -> Iterator[LocalNode]:
    node = LocalNode(port=free_port(), instance="faults")
    node.start(timeout=240, progress=False)
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture
def on_own_node(
    own_node: LocalNode, emulator: EmulatorServer
) -> Iterator[tuple[OpenSearch, KitNames]]:
    client = connect(own_node.url, timeout=30)
    names = unique_names()
    try:
        yield client, names
    finally:
        if own_node.status().running:
            cleanup(client, names)


def answer_after_restart(ml: MLCommons, model_id: str) -> str | None:
    """The first predict after a start: an answer, or ML Commons still loading.

    ML Commons redeploys the model by itself, but the first call that needs
    the connector's keys may time out while it loads its master key.
    """
    try:
        return ml.predict(model_id, QUESTION).text
    except MLCommonsError as error:
        assert error.what == (
            "ML Commons is not initialised yet: it has not loaded its master key "
            "(the node started moments ago)"
        )
        assert str(error.fix).startswith("wait a few seconds after the node starts")
        return None


def test_the_node_going_down_says_start_it_and_the_flow_resumes(
    own_node: LocalNode, on_own_node: tuple[OpenSearch, KitNames]
) -> None:
    client, names = on_own_node
    ml = MLCommons(client)
    made = deploy(client, names, question=None)

    own_node.stop()
    with pytest.raises(KitError) as caught:
        ml.predict(made.model.id, QUESTION)
    own_node.start(timeout=240, progress=False)
    answer_after_restart(ml, made.model.id)
    again = deploy(client, names)

    assert type(caught.value) is KitError
    assert caught.value.what.startswith(f"Nothing answers at {own_node.url}:")
    assert "`python -m helpers node start`" in str(caught.value.fix)
    assert again.answer is not None and again.answer.text
    assert ids(again) == ids(made)
    assert counts(client, names) == ONE_OF_EACH


def test_a_restart_keeps_the_deployed_model_and_the_flow_recovers(
    own_node: LocalNode, on_own_node: tuple[OpenSearch, KitNames]
) -> None:
    client, names = on_own_node
    ml = MLCommons(client)
    made = deploy(client, names, question=None)

    own_node.stop()
    own_node.start(timeout=240, progress=False)
    answer_after_restart(ml, made.model.id)
    again = deploy(client, names)

    assert again.answer is not None and again.answer.text
    # ML Commons' own redeploy after the restart may still be settling.
    ml.wait_for_model_state(made.model.id, {"DEPLOYED"}, timeout=60)
    assert ids(again) == ids(made)
    assert counts(client, names) == ONE_OF_EACH


@pytest.fixture
def fresh_node(own_node: LocalNode) -> Iterator[LocalNode]:
    """A node that has never run: empty data, ML Commons not initialised.

    Depends on ``own_node`` only to run after the other node tests, so the two
    extra nodes never run at the same time; it stops that one first.
    """
    own_node.stop()
    node = LocalNode(port=free_port(), instance="faults-fresh")
    shutil.rmtree(node.root, ignore_errors=True)
    try:
        yield node
    finally:
        node.stop()
        shutil.rmtree(node.root, ignore_errors=True)


def test_ml_commons_not_initialised_is_named_and_the_flow_waits_for_it(
    fresh_node: LocalNode, emulator: EmulatorServer
) -> None:
    client = connect(fresh_node.url, timeout=30)
    names = unique_names()
    # Launch without waiting for readiness, then look once a second until the
    # node answers while ML Commons has not made its index yet.
    with pytest.raises(WaitTimeout):
        fresh_node.start(timeout=1, progress=False)
    waited = None
    for _ in range(180):
        try:
            wait_until_ready(client, timeout=1, progress=False)
        except WaitTimeout as error:
            if error.last_state == "cluster green; ML Commons initialising":
                waited = error
                break
        else:
            pytest.skip("ML Commons initialised before the kit could look")

    made = deploy(client, names)

    assert waited is not None
    assert waited.what == (
        f"OpenSearch at {fresh_node.url} did not finish within 1 s; the last state "
        "seen was: cluster green; ML Commons initialising"
    )
    assert "the ML Commons plugin is installed (GET _cat/plugins)" in str(waited.fix)
    assert made.answer is not None and made.answer.text
    assert counts(client, names) == ONE_OF_EACH
