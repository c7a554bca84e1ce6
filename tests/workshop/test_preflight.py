"""``preflight``: the shared services once, then each attendee, a fix per failure."""

from __future__ import annotations

import socket

import pytest
from opensearchpy import OpenSearch

from helpers._doctor import Check
from helpers._flow import cleanup, deploy
from helpers._kit import kit_names
from helpers._workshop import attendee_checks, preflight, room
from helpers.emulator import EmulatorServer

from ._support import attendee, environment, kit

SHARED = [
    "cluster",
    "version",
    "cluster health",
    "ML Commons",
    "ML node",
    "JVM heap",
    "disk",
    "model capacity",
    "trusted endpoint",
    "Bedrock",
    "credentials",
]


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def test_a_count_numbers_the_attendees_and_a_list_is_taken_as_given() -> None:
    assert room(count=3) == ["attendee-01", "attendee-02", "attendee-03"]
    assert room(count=100)[-1] == "attendee-100"
    assert room([" ana", "bob ", ""]) == ["ana", "bob"]
    assert room() == ["kit"]


def test_attendees_whose_ids_give_one_prefix_both_fail_with_a_fix() -> None:
    checks = _by_name(attendee_checks(None, ["Ana", "ana", "bob"]))

    assert not checks["Ana: prefix"].ok and not checks["ana: prefix"].ok
    assert checks["Ana: prefix"].detail == "ana-* is also the prefix of ana"
    assert "distinct id" in (checks["Ana: prefix"].fix or "")
    assert checks["bob: prefix"].ok


def test_an_attendee_called_kit_fails_in_a_room_but_not_alone() -> None:
    assert not _by_name(attendee_checks(None, ["kit", "bob"]))["kit: prefix"].ok
    assert _by_name(attendee_checks(None, ["kit"]))["kit: prefix"].ok


def test_an_unusable_attendee_id_fails_with_the_rule_to_follow() -> None:
    checks = _by_name(attendee_checks(None, ["!!!"]))

    assert not checks["!!!: prefix"].ok
    assert "letters, digits and dashes" in (checks["!!!: prefix"].fix or "")


@pytest.mark.node
def test_a_ready_room_passes_every_check(
    client: OpenSearch, emulator: EmulatorServer
) -> None:
    ana, bob = attendee("ana"), attendee("bob")

    checks = preflight([ana, bob])

    assert [check.name for check in checks] == SHARED + [
        f"{ana}: prefix",
        f"{ana}: leftovers",
        f"{bob}: prefix",
        f"{bob}: leftovers",
    ]
    assert [check for check in checks if not check.ok] == []
    shared = _by_name(checks)
    assert "MiB" in shared["JVM heap"].detail and "85%" in shared["JVM heap"].detail
    assert "GiB free" in shared["disk"].detail


@pytest.mark.node
def test_an_attendees_leftovers_fail_and_say_how_to_start_clean(
    client: OpenSearch, emulator: EmulatorServer
) -> None:
    names = kit_names(attendee=attendee("left"))
    try:
        deploy(client, names, question=None)

        leftovers = _by_name(preflight([names.prefix, attendee("bob")]))

        check = leftovers[f"{names.prefix}: leftovers"]
        assert not check.ok
        assert f"model {names.model} DEPLOYED" in check.detail
        assert check.fix == (
            f"start clean: python -m helpers cleanup --attendee {names.prefix}"
        )
    finally:
        cleanup(client, names)


@pytest.mark.node
def test_a_room_larger_than_the_model_capacity_fails_with_the_setting_to_raise(
    client: OpenSearch, emulator: EmulatorServer
) -> None:
    check = _by_name(preflight(room(count=1000)))["model capacity"]

    assert not check.ok
    assert "1000 attendee(s)" in check.detail
    assert "plugins.ml_commons.max_model_on_node" in (check.fix or "")


@pytest.mark.node
def test_the_command_prints_a_table_and_exits_1_on_a_failure(
    opensearch_url: str, emulator: EmulatorServer
) -> None:
    env = environment(opensearch_url, emulator.url)

    ready = kit(env, "preflight", "--attendees", f"{attendee('a')},{attendee('b')}")
    clash = kit(env, "preflight", "--attendees", "Ana,ana")

    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert "2 attendee(s); 0 check(s) failed" in ready.stdout
    assert clash.returncode == 1
    assert "fix: give every attendee a distinct id" in clash.stdout


def test_without_a_cluster_the_cluster_fails_and_the_rest_is_not_tried(
    monkeypatch: pytest.MonkeyPatch, emulator: EmulatorServer
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("OPENSEARCH_URL", f"http://127.0.0.1:{port}")

    checks = _by_name(preflight(["ana"]))

    assert not checks["cluster"].ok
    assert "python -m helpers node start" in (checks["cluster"].fix or "")
    assert checks["disk"].detail == "not tried: the cluster check failed"
    assert checks["ana: leftovers"].detail == "not tried: the cluster check failed"
    assert checks["Bedrock"].ok
