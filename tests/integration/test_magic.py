"""``%%opensearch`` in an IPython shell, running the tutorial's requests on the node."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from opensearchpy import OpenSearch
from traitlets.config import Config

import helpers
from helpers._errors import MLCommonsError
from helpers._flow import deploy
from helpers._kit import KitNames

pytestmark = pytest.mark.node


@pytest.fixture(scope="module")
def shell(client: OpenSearch) -> Iterator[InteractiveShell]:
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ipython = InteractiveShell.instance(config=config)
    ipython.run_line_magic("load_ext", "helpers")
    helpers.use_client(client)
    yield ipython
    helpers.use_client(None)


@pytest.fixture(autouse=True)
def clean_namespace(shell: InteractiveShell) -> Iterator[None]:
    yield
    for name in ("_os", "_os_all", "answer", "model_id"):
        shell.user_ns.pop(name, None)


def run(shell: InteractiveShell, cell: str) -> Any:
    with capture_output():
        return shell.run_cell(cell)


def test_the_tutorials_health_check_stores_the_clusters_health(
    shell: InteractiveShell, client: OpenSearch
) -> None:
    result = run(shell, "%%opensearch\nGET _cluster/health")

    assert result.success
    health = shell.user_ns["_os"]
    assert health["cluster_name"] == client.info()["cluster_name"]
    assert health["status"] in ("green", "yellow")


def test_a_cell_of_several_requests_runs_them_in_order(
    shell: InteractiveShell,
) -> None:
    cell = "%%opensearch\nGET _cluster/health\n\nGET /.plugins-ml-config\n"

    result = run(shell, cell)

    assert result.success
    first, second = shell.user_ns["_os_all"]
    assert "status" in first
    assert ".plugins-ml-config" in second
    assert shell.user_ns["_os"] is second


def test_the_tutorials_predict_runs_with_the_model_id_from_the_notebook(
    shell: InteractiveShell, client: OpenSearch, names: KitNames
) -> None:
    shell.user_ns["model_id"] = deploy(client, names, question=None).model.id
    cell = (
        "%%opensearch answer\n"
        "POST /_plugins/_ml/models/{model_id}/_predict\n"
        '{"parameters": {"inputs": "What is the meaning of life?"}}\n'
    )

    result = run(shell, cell)

    assert result.success
    output = shell.user_ns["answer"]["inference_results"][0]["output"][0]
    assert output["dataAsMap"]["response"].strip()


def test_a_failing_request_keeps_the_responses_before_it(
    shell: InteractiveShell, names: KitNames
) -> None:
    cell = (
        "%%opensearch\n"
        "GET _cluster/health\n\n"
        f"GET /_plugins/_ml/models/{names.prefix}-missing\n"
    )

    result = run(shell, cell)

    assert isinstance(result.error_in_exec, MLCommonsError)
    assert result.error_in_exec.what == (
        "OpenSearch answered 404: Failed to find model with the provided model id: "
        f"{names.prefix}-missing"
    )
    (health,) = shell.user_ns["_os_all"]
    assert health["status"] in ("green", "yellow")
