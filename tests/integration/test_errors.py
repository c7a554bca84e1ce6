"""What goes wrong in the tutorial, for real, and the message the learner gets.

Each failure is produced on the real node (and the emulator's fault rules where
Bedrock is the one failing); each test asserts the error's type and what its
message says to do.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from kit_support import register_remote_model
from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from helpers._blueprints import AwsCredentials, jurassic2_blueprint
from helpers._errors import CredentialsError, MLCommonsError
from helpers._kit import KitNames, resolve_credentials
from helpers._mlcommons import MLCommons, Model
from helpers._translate import translate
from helpers.emulator import EmulatorServer

from ._support import distrust, trust

pytestmark = pytest.mark.node

J2_MID = "ai21.j2-mid-v1"


def tutorial_model(
    ml: MLCommons,
    names: KitNames,
    emulator: EmulatorServer,
    credentials: AwsCredentials | None = None,
) -> Model:
    """The tutorial's Jurassic-2 model, registered (not deployed)."""
    blueprint = jurassic2_blueprint(
        credentials or resolve_credentials(), endpoint=emulator.url
    )
    return register_remote_model(ml, names, blueprint)


def test_updating_the_connector_of_a_deployed_model_says_undeploy_it(
    ml: MLCommons, names: KitNames, emulator: EmulatorServer
) -> None:
    model = ml.deploy(tutorial_model(ml, names, emulator).id)
    update = jurassic2_blueprint(
        resolve_credentials(), endpoint=emulator.url, post_process=True
    )

    with pytest.raises(MLCommonsError) as caught:
        ml.update_connector(str(model.connector_id), update)

    assert caught.value.what == (
        f"The connector cannot change while deployed models use it: {model.id}"
    )
    assert f"POST /_plugins/_ml/models/{model.id}/_undeploy" in str(caught.value.fix)
    assert caught.value.status == 400


def test_a_connector_url_outside_the_trusted_endpoints_names_the_setting(
    client: OpenSearch, ml: MLCommons, names: KitNames, emulator: EmulatorServer
) -> None:
    blueprint = jurassic2_blueprint(resolve_credentials(), endpoint=emulator.url)
    blueprint["name"] = names.connector

    # Only this emulator's pattern goes: other runs on the cluster keep theirs.
    distrust(client, emulator.url)
    try:
        with pytest.raises(MLCommonsError) as caught:
            ml.create_connector(blueprint)
    finally:
        trust(client, emulator.url)

    url = f"{emulator.url}/model/{J2_MID}/invoke"
    setting = "plugins.ml_commons.trusted_connector_endpoints_regex"
    assert caught.value.what == (
        f"ML Commons does not trust the connector URL {url}: it matches no "
        f"pattern of {setting}"
    )
    fix = str(caught.value.fix)
    assert "PUT _cluster/settings" in fix
    body = json.loads(fix[fix.index("{") :])
    patterns = body["persistent"][setting]
    assert any(re.fullmatch(pattern, url) for pattern in patterns)
    assert ml.find_connectors(names.connector) == []


def test_a_retired_model_says_switch_to_a_current_model(
    ml: MLCommons,
    names: KitNames,
    emulator: EmulatorServer,
    fault: Callable[..., Any],
) -> None:
    model = ml.deploy(tutorial_model(ml, names, emulator).id)
    fault(model=J2_MID, fault="eol")

    with pytest.raises(MLCommonsError) as caught:
        ml.predict(model.id, "What is the meaning of life?")

    assert caught.value.what.startswith(
        "Bedrock retired the model this connector calls: This model version has "
        "reached the end of its life."
    )
    assert str(caught.value.fix).startswith("switch to a current model")
    assert "claude_messages_blueprint" in str(caught.value.fix)


def test_a_wrong_secret_says_check_the_credentials_and_never_shows_it(
    ml: MLCommons,
    names: KitNames,
    emulator: EmulatorServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "not-the-emulators-secret-0123456789abcdef"
    wrong = AwsCredentials(resolve_credentials().access_key, secret)
    caplog.set_level(logging.DEBUG)
    model = ml.deploy(tutorial_model(ml, names, emulator, wrong).id)

    with pytest.raises(CredentialsError) as caught:
        ml.predict(model.id, "What is the meaning of life?")

    assert caught.value.what.startswith(
        "Bedrock refused the connector's AWS credentials: The request signature we "
        "calculated does not match the signature you provided."
    )
    assert str(caught.value.fix).startswith(
        "check the access_key and secret_key in the connector's credential"
    )
    assert secret not in str(caught.value)
    kit_log = [r.getMessage() for r in caplog.records if r.name.startswith("helpers")]
    assert kit_log
    assert not [line for line in kit_log if secret in line]


def test_throttling_says_wait_and_retry_and_the_retry_succeeds(
    ml: MLCommons,
    names: KitNames,
    emulator: EmulatorServer,
    fault: Callable[..., Any],
) -> None:
    model = ml.deploy(tutorial_model(ml, names, emulator).id)
    fault(model=J2_MID, fault="throttle", count=1)

    with pytest.raises(MLCommonsError) as caught:
        ml.predict(model.id, "What is the meaning of life?")
    retried = ml.predict(model.id, "What is the meaning of life?")

    assert caught.value.what.startswith("Bedrock is throttling the calls:")
    assert str(caught.value.fix).startswith("wait a few seconds and retry")
    assert retried.text and retried.text.strip()


def test_registering_a_taken_group_name_directly_names_the_group_to_reuse(
    client: OpenSearch, ml: MLCommons, names: KitNames
) -> None:
    group = ml.register_model_group(names.model_group)

    with pytest.raises(TransportError) as raw:
        client.ml.register_model_group(body={"name": names.model_group})
    error = translate(raw.value)
    reused = ml.register_model_group(names.model_group)

    assert isinstance(error, MLCommonsError)
    assert error.what == f"A model group with this name exists already: {group.id}"
    assert f'"model_group_id": "{group.id}"' in str(error.fix)
    assert (reused.id, reused.created) == (group.id, False)


def test_predicting_with_an_undeployed_model_deploys_it_on_this_version(
    ml: MLCommons, names: KitNames, emulator: EmulatorServer
) -> None:
    model = tutorial_model(ml, names, emulator)

    # ML Commons 2.12 and later deploy a remote model on its first predict
    # (plugins.ml_commons.model_auto_deploy.enable, on by default).
    answer = ml.predict(model.id, "What is the meaning of life?")

    assert answer.text and answer.text.strip()
    # The model's state reaches DEPLOYED shortly after the answer.
    assert ml.wait_for_model_state(model.id, {"DEPLOYED"}, timeout=30).state == (
        "DEPLOYED"
    )


def test_predicting_with_an_undeployed_model_without_auto_deploy_says_deploy_it(
    ml: MLCommons,
    names: KitNames,
    emulator: EmulatorServer,
    cluster_setting: Callable[[str, object], None],
) -> None:
    model = tutorial_model(ml, names, emulator)
    cluster_setting("plugins.ml_commons.model_auto_deploy.enable", False)

    with pytest.raises(MLCommonsError) as caught:
        ml.predict(model.id, "What is the meaning of life?")

    assert caught.value.what == (
        f"Model {model.id} is not deployed, so it cannot run predictions"
    )
    assert str(caught.value.fix).startswith(
        f"deploy it with POST /_plugins/_ml/models/{model.id}/_deploy"
    )


def test_registering_with_a_connector_that_does_not_exist_fails_at_once(
    ml: MLCommons, names: KitNames
) -> None:
    group = ml.register_model_group(names.model_group)

    # 2.19 checks the connector before it creates a task, so no task fails.
    with pytest.raises(MLCommonsError) as caught:
        ml.register_model(names.model, group_id=group.id, connector_id="no-such-id")

    assert (
        caught.value.what
        == "OpenSearch answered 404: Failed to find connector:no-such-id"
    )
    assert caught.value.status == 404


def test_a_failed_register_task_raises_the_tasks_own_error(
    client: OpenSearch,
    ml: MLCommons,
    names: KitNames,
    emulator: EmulatorServer,
    cluster_setting: Callable[[str, object], None],
) -> None:
    group = ml.register_model_group(names.model_group)
    cluster_setting("plugins.ml_commons.allow_registering_model_via_url", True)
    # A local model whose file is not there: the task starts, then fails.
    reply = client.ml.register_model(
        body={
            "name": names.model,
            "version": "1.0.0",
            "model_group_id": group.id,
            "function_name": "TEXT_EMBEDDING",
            "model_format": "TORCH_SCRIPT",
            "model_content_hash_value": "0" * 64,
            "model_config": {
                "model_type": "bert",
                "embedding_dimension": 8,
                "framework_type": "sentence_transformers",
            },
            "url": f"{emulator.url}/_emulator/no-such-model.zip",
        }
    )
    try:
        with pytest.raises(MLCommonsError) as caught:
            ml.wait_for_task(reply["task_id"], timeout=30)
        task = ml.get_task(reply["task_id"])
    finally:
        delete_task(client, reply["task_id"])

    assert task.state == "FAILED"
    assert task.error
    assert caught.value.what == (
        f"The register model task for no model ended FAILED: {task.error}"
    )
    assert caught.value.body == task.body


def delete_task(client: OpenSearch, task_id: str) -> None:
    try:
        client.ml.delete_task(task_id=task_id)
    except TransportError:
        pass  # a task the node already dropped is what we wanted anyway
