"""The %%opensearch magic runs console text and hands the responses to Python.

The transport here is a stand-in for the HTTP layer only; the requests it records
are what opensearch-py's transport would send.
"""

from __future__ import annotations

import functools
import logging
import sys
import types
from collections.abc import Iterator, Mapping
from typing import Any

import opensearchpy
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config
from tutorial_data import REQUESTS, RESPONSES

from helpers import _magic, _wait
from helpers._console import parse_console
from helpers._errors import ConsoleSyntaxError, MLCommonsError

MODEL = "xiDN1YsBhjmsqc9X8vet"


class FakeTransport:
    """Answers with queued responses (or raises queued errors) and records calls."""

    def __init__(self, *responses: object) -> None:
        self.responses = list(responses)
        self.calls: list[dict[str, Any]] = []
        self.hosts = [{"host": "localhost", "port": 9200}]

    def perform_request(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None = None,
        body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> object:
        self.calls.append(
            {
                "method": method,
                "url": url,
                "params": params,
                "body": body,
                "headers": headers,
            }
        )
        response = self.responses.pop(0)
        if isinstance(response, Exception):
            raise response
        return response


class FakeClient:
    def __init__(self, *responses: object) -> None:
        self.transport = FakeTransport(*responses)


@pytest.fixture(scope="module")
def shell() -> InteractiveShell:
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ipython = InteractiveShell.instance(config=config)
    _magic.load_ipython_extension(ipython)
    return ipython


@pytest.fixture(autouse=True)
def clean_namespace(shell: InteractiveShell) -> Iterator[None]:
    yield
    _magic.use_client(None)
    for name in ("_os", "_os_all", "health", "model_id"):
        shell.user_ns.pop(name, None)


def run(shell: InteractiveShell, cell: str) -> tuple[Any, Any]:
    with capture_output() as captured:
        result = shell.run_cell(cell)
    return result, captured


def use(*responses: object) -> FakeTransport:
    client = FakeClient(*responses)
    _magic.use_client(client)
    return client.transport


def test_a_cell_runs_its_request_and_stores_the_response(
    shell: InteractiveShell,
) -> None:
    transport = use({"cluster_name": "kit", "status": "green"})

    result, _ = run(shell, "%%opensearch\nGET _cluster/health")

    assert result.success
    assert transport.calls == [
        {
            "method": "GET",
            "url": "/_cluster/health",
            "params": None,
            "body": None,
            "headers": None,
        }
    ]
    assert shell.user_ns["_os"] == {"cluster_name": "kit", "status": "green"}
    assert shell.user_ns["_os_all"] == [shell.user_ns["_os"]]


def test_the_response_shows_as_collapsed_json_and_ordered_pretty_text(
    shell: InteractiveShell,
) -> None:
    use({"status": "green", "active_shards": 4, "cluster_name": "kit"})

    _, captured = run(shell, "%%opensearch\nGET _cluster/health")

    (output,) = captured.outputs
    assert output.data["application/json"] == {
        "status": "green",
        "active_shards": 4,
        "cluster_name": "kit",
    }
    assert output.metadata["application/json"]["expanded"] is False
    # The server's key order is kept, so saved outputs read like the console.
    assert output.data["text/plain"] == (
        '{\n  "status": "green",\n  "active_shards": 4,\n  "cluster_name": "kit"\n}'
    )


def test_the_tutorial_connector_request_is_sent_as_parsed(
    shell: InteractiveShell,
) -> None:
    transport = use({"connector_id": "wyB41YsBhjmsqc9X5_fW"})

    result, _ = run(shell, "%%opensearch\n" + REQUESTS["connector_create"])

    assert result.success
    (call,) = transport.calls
    assert (
        call["method"] == "POST" and call["url"] == "/_plugins/_ml/connectors/_create"
    )
    assert call["body"] == parse_console(REQUESTS["connector_create"])[0].body
    assert shell.user_ns["_os"] == {"connector_id": "wyB41YsBhjmsqc9X5_fW"}


def test_several_requests_run_in_order_with_captions(shell: InteractiveShell) -> None:
    transport = use({"task_id": "t", "status": "CREATED"}, {"model_state": "DEPLOYED"})
    cell = f"%%opensearch\n{REQUESTS['model_deploy']}\n{REQUESTS['model_get']}"

    result, captured = run(shell, cell)

    assert result.success
    assert [call["method"] for call in transport.calls] == ["POST", "GET"]
    assert shell.user_ns["_os_all"] == [
        {"task_id": "t", "status": "CREATED"},
        {"model_state": "DEPLOYED"},
    ]
    assert shell.user_ns["_os"] == {"model_state": "DEPLOYED"}
    captions = [o.data["text/plain"] for o in captured.outputs if len(o.data) == 1]
    assert captions == [
        f"POST /_plugins/_ml/models/{MODEL}/_deploy",
        f"GET /_plugins/_ml/models/{MODEL}",
    ]


def test_a_named_cell_stores_the_response_in_that_variable(
    shell: InteractiveShell,
) -> None:
    use({"status": "green"})

    run(shell, "%%opensearch health\nGET _cluster/health")

    assert shell.user_ns["health"] == {"status": "green"}


def test_a_bad_variable_name_is_a_usage_error(shell: InteractiveShell) -> None:
    transport = use()

    result, _ = run(shell, "%%opensearch not a name\nGET _cluster/health")

    assert isinstance(result.error_in_exec, UsageError)
    assert "one variable name" in str(result.error_in_exec)
    assert transport.calls == []


def test_the_line_magic_sends_one_request_with_its_params(
    shell: InteractiveShell,
) -> None:
    transport = use({"persistent": {}})

    result, _ = run(shell, "%opensearch GET _cluster/settings?filter_path=persistent")

    assert result.success
    assert transport.calls[0]["params"] == {"filter_path": "persistent"}
    assert shell.user_ns["_os"] == {"persistent": {}}


def test_placeholders_come_from_the_notebooks_variables(
    shell: InteractiveShell,
) -> None:
    transport = use({"inference_results": []})
    shell.user_ns["model_id"] = MODEL
    cell = "%%opensearch\n" + REQUESTS["model_predict"].replace(MODEL, "{model_id}")

    result, _ = run(shell, cell)

    assert result.success
    assert transport.calls[0]["url"] == f"/_plugins/_ml/models/{MODEL}/_predict"


def test_an_unknown_placeholder_fails_the_cell_before_any_request(
    shell: InteractiveShell,
) -> None:
    transport = use()

    result, _ = run(
        shell, "%%opensearch\nGET _cluster/health\nPOST /x/{model_id}/_deploy"
    )

    error = result.error_in_exec
    assert isinstance(error, ConsoleSyntaxError)
    assert error.line == 3  # the cell's own numbering, magic line included
    assert transport.calls == []


def test_a_syntax_error_names_the_line_of_the_cell(shell: InteractiveShell) -> None:
    use()

    result, _ = run(shell, '%%opensearch\nPUT /x\n{\n  "a": 1\n  "b": 2\n}')

    error = result.error_in_exec
    assert isinstance(error, ConsoleSyntaxError)
    assert error.line == 5
    assert error.fix == "add a comma at the end of line 4"


def test_an_empty_cell_says_there_is_nothing_to_run(shell: InteractiveShell) -> None:
    use()

    result, _ = run(shell, "%%opensearch\n# only a comment")

    assert isinstance(result.error_in_exec, ConsoleSyntaxError)
    assert "There is no request to run" in str(result.error_in_exec)


def test_an_opensearch_error_fails_the_cell_with_its_translation(
    shell: InteractiveShell,
) -> None:
    refused = parse_console("PUT /x\n" + RESPONSES["connector_update_refused"])[0].body
    transport = use(
        {"acknowledged": True},
        opensearchpy.TransportError(500, "m_l_validation_exception", refused),
        {"never": "sent"},
    )
    cell = (
        "%%opensearch\nGET _cluster/health\n" + REQUESTS["connector_update"] + "GET /x"
    )

    result, _ = run(shell, cell)

    error = result.error_in_exec
    assert isinstance(error, MLCommonsError)
    assert error.status == 500
    assert f"undeploy model {MODEL}" in str(error)
    assert len(transport.calls) == 2
    # What came back before the failure stays readable.
    assert shell.user_ns["_os_all"] == [{"acknowledged": True}]


def test_an_unreachable_node_names_the_clients_url(shell: InteractiveShell) -> None:
    use(
        opensearchpy.ConnectionError(
            "N/A", "refused", ConnectionRefusedError(111, "no")
        )
    )

    result, _ = run(shell, "%opensearch GET _cluster/health")

    assert "Nothing answers at http://localhost:9200" in str(result.error_in_exec)


def test_a_bulk_body_goes_out_as_ndjson(shell: InteractiveShell) -> None:
    transport = use({"errors": False})
    cell = '%%opensearch\nPOST _bulk\n{"index": {"_index": "d"}}\n{"text": "one"}\n'

    run(shell, cell)

    (call,) = transport.calls
    assert call["body"] == '{"index": {"_index": "d"}}\n{"text": "one"}\n'
    assert call["headers"] == {"Content-Type": "application/x-ndjson"}


def test_a_head_response_shows_as_plain_text(shell: InteractiveShell) -> None:
    use(True)

    _, captured = run(shell, "%opensearch HEAD /docs")

    (output,) = captured.outputs
    assert output.data == {"text/plain": "true"}
    assert shell.user_ns["_os"] is True


def test_the_log_names_each_request_but_never_a_secret(
    shell: InteractiveShell, caplog: pytest.LogCaptureFixture
) -> None:
    use({"connector_id": "c"})
    cell = "%%opensearch\n" + REQUESTS["connector_create"].replace(
        "<YOUR AWS SECRET KEY>", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    )

    with caplog.at_level(logging.DEBUG, logger="helpers._magic"):
        run(shell, cell)

    assert "POST /_plugins/_ml/connectors/_create" in caplog.messages
    assert any('"credential": "***"' in message for message in caplog.messages)
    assert "wJalrXUtnFEMI" not in caplog.text


def test_without_an_injected_client_the_kits_default_client_is_used(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = FakeClient({"status": "green"})
    connection = types.ModuleType("helpers._connection")
    connection.default_client = lambda: client  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "helpers._connection", connection)

    result, _ = run(shell, "%opensearch GET _cluster/health")

    assert result.success
    assert client.transport.calls[0]["url"] == "/_cluster/health"


def test_a_syntax_error_quotes_the_cell_as_written_not_its_filled_secret() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    from helpers import ConsoleSyntaxError
    from helpers._magic import OpenSearchMagics

    shell = InteractiveShell.instance()
    shell.user_ns["secret"] = "CANARY-SECRET-123"
    magics = OpenSearchMagics(shell)
    cell = 'PUT /_plugins/_ml/connectors/x\n{"credential": {"secret_key": "{secret}"},}'

    try:
        magics.opensearch("", cell)
    except ConsoleSyntaxError as error:
        assert "CANARY-SECRET-123" not in str(error)
        assert "{secret}" in str(error)
    else:
        raise AssertionError("the trailing comma should not parse")


TIMED_OUT = {"type": "exception", "reason": "Fetching master key timed out."}
NO_MASTER_KEY = {"error": {**TIMED_OUT, "root_cause": [TIMED_OUT]}, "status": 500}


def test_a_request_refused_while_ml_commons_loads_its_master_key_is_sent_again(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_sleep = functools.partial(_wait.wait_for, sleep=lambda seconds: None)
    monkeypatch.setattr(_magic, "wait_for", no_sleep)
    transport = use(
        opensearchpy.TransportError(500, "exception", NO_MASTER_KEY),
        opensearchpy.TransportError(500, "exception", NO_MASTER_KEY),
        {"connector_id": "abc"},
    )

    result, _ = run(shell, "%%opensearch made\n" + REQUESTS["connector_create"])

    assert result.error_in_exec is None
    assert shell.user_ns["made"] == {"connector_id": "abc"}
    assert len(transport.calls) == 3
    assert transport.calls[0] == transport.calls[2]


def test_a_master_key_that_never_loads_ends_in_the_translated_error(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_magic, "MASTER_KEY_PATIENCE", 0.0)
    transport = use(opensearchpy.TransportError(500, "exception", NO_MASTER_KEY))

    result, _ = run(shell, "%%opensearch\n" + REQUESTS["connector_create"])

    error = result.error_in_exec
    assert isinstance(error, MLCommonsError)
    assert "has not loaded its master key" in str(error)
    assert len(transport.calls) == 1
