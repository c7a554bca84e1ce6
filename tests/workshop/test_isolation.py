"""Each attendee's commands see and touch only that attendee's resources."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from opensearchpy import OpenSearch

from helpers._errors import KitError
from helpers._flow import Deployment, cleanup, deploy, inventory
from helpers._kit import KitNames, attendee_prefix, kit_names
from helpers._mlcommons import MLCommons
from helpers.emulator import EmulatorServer

from ._support import attendee, environment, kit


@pytest.mark.parametrize(
    ("given", "prefix"),
    [
        ("ana", "ana"),
        ("Ana López", "ana-lopez"),
        ("  Bob_Smith 02 ", "bob-smith-02"),
        ("--zoë--", "zoe"),
    ],
)
def test_an_attendee_id_becomes_a_name_prefix(given: str, prefix: str) -> None:
    assert attendee_prefix(given) == prefix


@pytest.mark.parametrize("given", ["", "!!!", "x" * 41])
def test_an_attendee_id_without_a_usable_prefix_is_refused_not_cut(given: str) -> None:
    with pytest.raises(KitError, match="does not make a usable name prefix"):
        attendee_prefix(given)


def test_the_prefix_comes_from_attendee_then_environment_then_kit_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert kit_names().prefix == "kit"
    monkeypatch.setenv("KIT_PREFIX", "team")
    assert kit_names().prefix == "team"
    monkeypatch.setenv("ATTENDEE", "Ana")
    assert kit_names().prefix == "ana"
    assert kit_names(attendee="Bob").prefix == "bob"
    assert kit_names("given").prefix == "given"


def test_a_prefix_and_an_attendee_together_are_refused() -> None:
    with pytest.raises(KitError, match="both a prefix .* and an attendee"):
        kit_names("team", attendee="ana")


def test_an_attendee_does_not_own_a_longer_attendees_names() -> None:
    ana, ana_01 = kit_names(attendee="ana"), kit_names(attendee="ana-01")
    assert ana.owns(ana.model)
    assert not ana.owns(ana_01.model)
    assert not ana.owns(ana_01.model_group)


def _work(client: OpenSearch, names: KitNames) -> Deployment:
    done = deploy(client, names, question=None)
    MLCommons(client).predict(done.model.id, f"Who is {names.prefix}?")
    return done


@pytest.mark.node
def test_two_attendees_at_once_see_only_their_own_and_clean_up_only_their_own(
    client: OpenSearch, opensearch_url: str, emulator: EmulatorServer
) -> None:
    ana, bob = kit_names(attendee=attendee("ana")), kit_names(attendee=attendee("bob"))
    try:
        with ThreadPoolExecutor(2) as pool:
            mine, theirs = pool.map(lambda names: _work(client, names), (ana, bob))
        env = environment(opensearch_url, emulator.url)

        status = kit(env, "status", "--attendee", ana.prefix)
        removed = kit(env, "cleanup", "--attendee", ana.prefix)

        assert status.returncode == 0, status.stderr
        assert mine.model.id in status.stdout and ana.model in status.stdout
        assert bob.prefix not in status.stdout and theirs.model.id not in status.stdout
        assert inventory(client, ana).models == []
        left = inventory(client, bob)
        assert [model.id for model in left.models] == [theirs.model.id]
        assert [model.state for model in left.models] == ["DEPLOYED"]
        assert MLCommons(client).predict(theirs.model.id, "Still there?").text
        if removed.returncode != 0:
            # Only when ana's and bob's connector ids share a piece and bob's
            # model came first (see MLCommons.connector_lookalikes): the kit
            # names bob's model, exits 3, and the cleanup completes once bob's
            # model is gone.
            assert removed.returncode == 3, removed.stderr
            assert f" for {theirs.model.id}" in removed.stderr
            cleanup(client, bob)
            removed = kit(env, "cleanup", "--attendee", ana.prefix)
        assert removed.returncode == 0, removed.stderr
        assert inventory(client, ana).empty
    finally:
        cleanup(client, bob)
        cleanup(client, ana)


@pytest.mark.node
def test_the_attendee_variable_sets_the_prefix_of_the_command_line(
    client: OpenSearch, opensearch_url: str, emulator: EmulatorServer
) -> None:
    names = kit_names(attendee=attendee("env"))
    env = environment(opensearch_url, emulator.url, ATTENDEE=names.prefix)
    try:
        deployed = kit(env, "deploy", "--question", "")
        status = kit(env, "status")

        assert deployed.returncode == 0, deployed.stderr
        assert names.model in status.stdout
        assert not inventory(client, names).empty
    finally:
        cleanup(client, names)
