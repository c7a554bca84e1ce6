"""The tutorial's ML Commons calls, one behaviour each, on the real node.

Every connector calls the session's Bedrock emulator, whose Jurassic-2 answer
echoes the prompt it received in ``prompt.text``: that echo is how the tests see
exactly what reached the model.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from opensearchpy import OpenSearch

from helpers._blueprints import jurassic2_blueprint
from helpers._errors import MLCommonsError
from helpers._flow import cleanup
from helpers._kit import KitNames, resolve_credentials
from helpers._mlcommons import Connector, MLCommons, Model, ModelGroup
from helpers._settings import parse_version
from helpers.emulator import EmulatorServer

from ._support import unique_names

pytestmark = pytest.mark.node

QUESTION = "What is the meaning of life?"


def make_connector(
    ml: MLCommons,
    names: KitNames,
    emulator: EmulatorServer,
    *,
    post_process: bool = False,
) -> Connector:
    blueprint = jurassic2_blueprint(
        resolve_credentials(), endpoint=emulator.url, post_process=post_process
    )
    blueprint["name"] = names.connector
    return ml.create_connector(blueprint)


def register(
    ml: MLCommons, names: KitNames, emulator: EmulatorServer
) -> tuple[ModelGroup, Connector, Model]:
    group = ml.register_model_group(names.model_group)
    connector = make_connector(ml, names, emulator)
    task = ml.register_model(names.model, group_id=group.id, connector_id=connector.id)
    assert task.model_id is not None
    return group, connector, ml.get_model(task.model_id)


@pytest.fixture(scope="module")
def deployed(client: OpenSearch, emulator: EmulatorServer) -> Iterator[Model]:
    """One deployed Jurassic-2 model (verbose replies) for the prompt tests."""
    names = unique_names()
    ml = MLCommons(client)
    try:
        _, _, model = register(ml, names, emulator)
        yield ml.deploy(model.id)
    finally:
        cleanup(client, names)


def test_a_model_group_name_is_registered_once_and_then_reused(
    ml: MLCommons, names: KitNames
) -> None:
    first = ml.register_model_group(names.model_group, "first")
    second = ml.register_model_group(names.model_group, "second")

    assert first.created is True
    assert second.created is False
    assert second.id == first.id


def test_a_created_connector_is_found_by_name_and_read_back(
    ml: MLCommons, names: KitNames, emulator: EmulatorServer
) -> None:
    created = make_connector(ml, names, emulator)

    found = ml.find_connectors(names.connector)
    read = ml.get_connector(created.id)

    assert [connector.id for connector in found] == [created.id]
    assert read.name == names.connector
    assert read.body["protocol"] == "aws_sigv4"
    assert read.body["actions"][0]["url"] == (
        f"{emulator.url}/model/${{parameters.model_name}}/invoke"
    )


def test_a_connector_update_replaces_its_actions(
    ml: MLCommons, names: KitNames, emulator: EmulatorServer
) -> None:
    connector = make_connector(ml, names, emulator)
    update = jurassic2_blueprint(
        resolve_credentials(), endpoint=emulator.url, post_process=True
    )
    update["name"] = names.connector

    ml.update_connector(connector.id, update)
    action = ml.get_connector(connector.id).body["actions"][0]

    assert (
        action["post_process_function"] == update["actions"][0]["post_process_function"]
    )


def test_registering_a_model_completes_its_task_and_leaves_it_registered(
    ml: MLCommons, names: KitNames, emulator: EmulatorServer
) -> None:
    group = ml.register_model_group(names.model_group)
    connector = make_connector(ml, names, emulator)

    task = ml.register_model(names.model, group_id=group.id, connector_id=connector.id)
    assert task.model_id is not None
    model = ml.get_model(task.model_id)

    assert (task.state, task.task_type) == ("COMPLETED", "REGISTER_MODEL")
    assert ml.get_task(task.id).model_id == model.id
    assert model.state == "REGISTERED"
    assert (model.connector_id, model.model_group_id) == (connector.id, group.id)


def test_a_deployed_jurassic2_model_answers_in_the_verbose_shape(
    ml: MLCommons, names: KitNames, emulator: EmulatorServer
) -> None:
    _, _, model = register(ml, names, emulator)

    deployed = ml.deploy(model.id)
    answer = ml.predict(model.id, QUESTION)

    assert deployed.state == "DEPLOYED"
    assert answer.data["prompt"]["text"] == QUESTION
    assert answer.data["completions"][0]["data"]["text"].strip()
    assert answer.text == answer.data["completions"][0]["data"]["text"]


@pytest.fixture
def model(ml: MLCommons, names: KitNames, emulator: EmulatorServer) -> Model:
    """A registered Jurassic-2 model of the test's own prefix."""
    return register(ml, names, emulator)[2]


def deploy_tasks(ml: MLCommons, model_id: str, *, give_up: float = 0) -> list[str]:
    give_up = give_up or time.monotonic() + 5
    reply = ml.client.ml.search_tasks(
        body={
            "query": {
                "bool": {
                    "filter": [
                        {"term": {"model_id": model_id}},
                        {"term": {"task_type": "DEPLOY_MODEL"}},
                    ]
                }
            }
        }
    )
    found = [hit["_id"] for hit in reply["hits"]["hits"]]
    # A search sees a task after the next refresh.
    if not found and time.monotonic() < give_up:
        time.sleep(0.2)
        return deploy_tasks(ml, model_id, give_up=give_up)
    return found


def test_deploy_after_a_deploy_from_dev_tools_waits_for_it_and_sends_none(
    ml: MLCommons, model: Model
) -> None:
    sent = ml.client.ml.deploy_model(model_id=model.id)

    deployed = ml.deploy(model.id)

    assert deployed.state == "DEPLOYED"
    assert deploy_tasks(ml, model.id) == [sent["task_id"]]


def test_a_model_that_stays_deploying_is_undeployed_and_deployed_again(
    ml: MLCommons,
    model: Model,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ML Commons leaves a model DEPLOYING when a node fails it in some ways;
    # here the model only reads that way for a few seconds.
    real_get_model = ml.get_model
    until = time.monotonic() + 2

    def stuck(model_id: str) -> Model:
        found = real_get_model(model_id)
        if time.monotonic() < until:
            return replace(found, state="DEPLOYING")
        return found

    monkeypatch.setattr(ml, "get_model", stuck)
    undeploys: list[str] = []
    real_undeploy = ml.undeploy

    def undeploy(model_id: str) -> Model:
        undeploys.append(model_id)
        return real_undeploy(model_id)

    monkeypatch.setattr(ml, "undeploy", undeploy)
    ml.stuck_after = 1

    deployed = ml.deploy(model.id)

    assert deployed.state == "DEPLOYED"
    assert undeploys == [model.id]
    assert len(deploy_tasks(ml, model.id)) == 1


@pytest.mark.parametrize(
    ("failure", "undeployed_first"),
    [
        # A node of a cluster that has just started timed out fetching the
        # master key; the task's translation reads like this.
        ("The deploy model task for model m ended COMPLETED_WITH_ERROR: ...", False),
        ("Duplicate deploy model task", True),
        ("exceed max running task limit", False),
        ("model m failed to deploy (model_state DEPLOY_FAILED)", False),
    ],
)
def test_a_deploy_that_stumbles_once_is_sent_again(
    ml: MLCommons,
    model: Model,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
    undeployed_first: bool,
) -> None:
    real_deploy_once = ml._deploy_once
    calls: list[str] = []

    def once_failing(model_id: str, *, timeout: float = 120) -> Model:
        calls.append("deploy")
        if len(calls) == 1:
            raise MLCommonsError(failure, "deploy again")
        return real_deploy_once(model_id, timeout=timeout)

    real_undeploy = ml.undeploy

    def undeploy(model_id: str) -> Model:
        calls.append("undeploy")
        return real_undeploy(model_id)

    monkeypatch.setattr(ml, "_deploy_once", once_failing)
    monkeypatch.setattr(ml, "undeploy", undeploy)

    deployed = ml.deploy(model.id)

    assert deployed.state == "DEPLOYED"
    expected = ["deploy", "undeploy", "deploy"] if undeployed_first else ["deploy"] * 2
    assert calls == expected


def test_a_deploy_refused_for_another_reason_is_not_sent_again(
    ml: MLCommons,
    model: Model,
    monkeypatch: pytest.MonkeyPatch,
) -> None:

    def refused(model_id: str, *, timeout: float = 120) -> Model:
        raise MLCommonsError("You don't have permissions to perform this operation")

    monkeypatch.setattr(ml, "_deploy_once", refused)

    with pytest.raises(MLCommonsError, match="permissions"):
        ml.deploy(model.id)


def test_the_post_process_update_leaves_only_the_answer_text(
    ml: MLCommons, names: KitNames, emulator: EmulatorServer
) -> None:
    _, connector, model = register(ml, names, emulator)
    ml.deploy(model.id)
    verbose = ml.predict(model.id, QUESTION)
    update = jurassic2_blueprint(
        resolve_credentials(), endpoint=emulator.url, post_process=True
    )
    update["name"] = names.connector

    undeployed = ml.undeploy(model.id)
    ml.update_connector(connector.id, update)
    redeployed = ml.deploy(model.id)
    short = ml.predict(model.id, QUESTION)

    assert undeployed.state == "UNDEPLOYED"
    assert redeployed.state == "DEPLOYED"
    # The emulator answers a request the same way every time.
    assert short.data == {"response": verbose.text}


def test_deleted_model_connector_and_group_are_gone(
    ml: MLCommons, names: KitNames, emulator: EmulatorServer
) -> None:
    group, connector, model = register(ml, names, emulator)

    ml.delete_model(model.id)
    ml.delete_connector(connector.id)
    ml.delete_model_group(group.id)

    with pytest.raises(MLCommonsError, match=f"Failed to find model .*{model.id}"):
        ml.get_model(model.id)
    with pytest.raises(
        MLCommonsError, match=f"Failed to find connector .*{connector.id}"
    ):
        ml.get_connector(connector.id)
    assert ml.find_model_group(names.model_group) is None


@pytest.mark.parametrize(
    "prompt",
    [
        'He said "hi"',
        r"C:\temp\new",
        "two\nlines",
        "a\ttab",
        "naïve café, 日本語, 🙂",
        "the ${parameters.region} placeholder",
        '{"a": 1} then "quoted" \\ text',
    ],
    ids=["quote", "backslash", "newline", "tab", "unicode", "placeholder", "mixed"],
)
def test_predict_carries_the_prompt_to_the_model_exactly(
    ml: MLCommons, deployed: Model, prompt: str
) -> None:
    answer = ml.predict(deployed.id, prompt)

    assert answer.data["prompt"]["text"] == prompt


def test_the_tutorials_raw_predict_with_a_double_quote_reaches_the_model(
    client: OpenSearch, deployed: Model, node_version: str
) -> None:
    body = {"parameters": {"inputs": 'He said "hi"'}}

    if parse_version(node_version)[:2] < (2, 10):
        with pytest.raises(Exception, match="Invalid payload"):
            client.ml.predict_model(model_id=deployed.id, body=body)
        return
    reply = client.ml.predict_model(model_id=deployed.id, body=body)

    # 2.10 and later JSON-escape each parameter before filling the template.
    data = reply["inference_results"][0]["output"][0]["dataAsMap"]
    assert data["prompt"]["text"] == 'He said "hi"'


def test_the_tutorials_raw_predict_fills_placeholder_text_inside_a_prompt(
    client: OpenSearch, deployed: Model
) -> None:
    body = {"parameters": {"inputs": "the ${parameters.region} placeholder"}}

    reply = client.ml.predict_model(model_id=deployed.id, body=body)

    # ML Commons substitutes parameters inside parameters: the model never sees
    # the text the learner typed, which is why MLCommons.predict escapes it.
    data = reply["inference_results"][0]["output"][0]["dataAsMap"]
    assert data["prompt"]["text"] == "the us-east-1 placeholder"
