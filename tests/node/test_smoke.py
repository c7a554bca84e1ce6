"""The real node carries what the tutorial needs, on the version under test."""

from __future__ import annotations

import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import RequestError

from helpers._config import opensearch_version
from helpers._settings import apply_tutorial_settings, parse_version

pytestmark = pytest.mark.node


def test_node_runs_the_version_under_test(node_version: str) -> None:
    assert node_version == opensearch_version()


def test_ml_commons_and_job_scheduler_are_installed(client: OpenSearch) -> None:
    plugins = client.cat.plugins(format="json")
    components = {row["component"] for row in plugins}
    assert {"opensearch-ml", "opensearch-job-scheduler"} <= components


def test_the_node_has_the_modules_ml_commons_relies_on(client: OpenSearch) -> None:
    node = next(iter(client.nodes.info(metric="plugins")["nodes"].values()))
    modules = {module["name"] for module in node["modules"]}
    assert {"lang-painless", "reindex", "transport-netty4"} <= modules


def test_delete_by_query_runs(client: OpenSearch) -> None:
    index = "kit-smoke-delete-by-query"
    client.index(index=index, body={"n": 1}, refresh=True)
    try:
        reply = client.delete_by_query(index=index, body={"query": {"match_all": {}}})
        assert reply["deleted"] == 1
    finally:
        client.indices.delete(index=index)


def test_a_painless_script_runs(client: OpenSearch) -> None:
    reply = client.transport.perform_request(
        "POST",
        "/_scripts/painless/_execute",
        body={"script": {"source": "params.a * 6", "params": {"a": 7}}},
    )
    assert reply == {"result": "42"}


def test_the_tutorial_post_process_expression_runs_in_painless(
    client: OpenSearch,
) -> None:
    script = {
        "source": "\n  return params['completions'][0].data.text; \n",
        "params": {"completions": [{"data": {"text": "forty-two"}}]},
    }
    reply = client.transport.perform_request(
        "POST", "/_scripts/painless/_execute", body={"script": script}
    )
    assert reply == {"result": "forty-two"}


def test_the_tutorial_settings_apply(client: OpenSearch, node_version: str) -> None:
    reply = apply_tutorial_settings(client, trusted_endpoint="http://127.0.0.1:8748")
    ml = reply["persistent"]["plugins"]["ml_commons"]

    assert reply["acknowledged"] is True
    assert ml["only_run_on_ml_node"] == "false"
    assert r"^http://127\.0\.0\.1:8748/.*$" in ml["trusted_connector_endpoints_regex"]
    if parse_version(node_version)[:2] == (2, 11):
        assert ml["update_connector"]["enabled"] == "true"
    if parse_version(node_version) >= (2, 15, 0):
        assert ml["connector"]["private_ip_enabled"] == "true"


def test_update_connector_setting_is_refused_after_2_11(
    client: OpenSearch, node_version: str
) -> None:
    body = {"persistent": {"plugins.ml_commons.update_connector.enabled": True}}
    if parse_version(node_version)[:2] == (2, 11):
        assert client.cluster.put_settings(body=body)["acknowledged"] is True
        return
    with pytest.raises(RequestError, match="not recognized"):
        client.cluster.put_settings(body=body)
