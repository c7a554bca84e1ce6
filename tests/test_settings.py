"""Which settings the kit sends for each OpenSearch version."""

from __future__ import annotations

import re

import pytest

from helpers._settings import parse_version, trusted_endpoint_pattern, tutorial_settings


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2.19.6", (2, 19, 6)), ("2.11.0", (2, 11, 0)), ("3.0.0-SNAPSHOT", (3, 0, 0))],
)
def test_parse_version_reads_major_minor_patch(text: str, expected: tuple) -> None:
    assert parse_version(text) == expected


def test_update_connector_setting_is_sent_only_to_2_11() -> None:
    key = "plugins.ml_commons.update_connector.enabled"
    assert tutorial_settings("2.11.0")[key] is True
    assert key not in tutorial_settings("2.12.0")
    assert key not in tutorial_settings("2.19.6")


def test_private_ip_setting_is_sent_from_2_15_with_a_local_endpoint() -> None:
    key = "plugins.ml_commons.connector.private_ip_enabled"
    local = "http://127.0.0.1:8748"
    assert key not in tutorial_settings("2.14.0", trusted_endpoint=local)
    assert tutorial_settings("2.15.0", trusted_endpoint=local)[key] is True
    assert key not in tutorial_settings("2.19.6")


def test_trusted_pattern_admits_the_endpoint_and_nothing_else() -> None:
    pattern = re.compile(trusted_endpoint_pattern("http://127.0.0.1:8748/"))
    assert pattern.match("http://127.0.0.1:8748/model/ai21.j2-mid-v1/invoke")
    assert not pattern.match("http://127.0.0.1:8749/model/x/invoke")
    assert not pattern.match("http://127x0x0x1:8748/model/x/invoke")


def test_trusted_patterns_in_force_are_kept_and_the_endpoint_added_once() -> None:
    key = "plugins.ml_commons.trusted_connector_endpoints_regex"
    bedrock = r"^https://bedrock-runtime\..*[a-z0-9-]\.amazonaws\.com/.*$"
    local = "http://127.0.0.1:8748"

    first = tutorial_settings("2.19.6", trusted_endpoint=local, keep_patterns=[bedrock])
    again = tutorial_settings(
        "2.19.6", trusted_endpoint=local, keep_patterns=first[key]
    )

    assert first[key] == [bedrock, trusted_endpoint_pattern(local)]
    assert again[key] == first[key]


def test_only_run_on_ml_node_is_turned_off_only_without_an_ml_node() -> None:
    key = "plugins.ml_commons.only_run_on_ml_node"
    assert tutorial_settings("2.19.6")[key] is False
    assert key not in tutorial_settings("2.19.6", has_ml_node=True)
