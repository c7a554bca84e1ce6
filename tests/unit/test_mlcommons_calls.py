"""What ``MLCommons`` does with refusals that pass: it makes the call again."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import opensearchpy
import pytest

from helpers import _mlcommons, _wait
from helpers._errors import KitError, MLCommonsError
from helpers._mlcommons import MLCommons

TIMED_OUT = {"type": "exception", "reason": "Fetching master key timed out."}
NO_MASTER_KEY = {"error": {**TIMED_OUT, "root_cause": [TIMED_OUT]}, "status": 500}


def answering(*replies: object) -> tuple[Callable[..., object], list[dict[str, Any]]]:
    """A client method that raises or returns ``replies`` in turn."""
    calls: list[dict[str, Any]] = []
    queue = list(replies)

    def method(**kwargs: Any) -> object:
        calls.append(kwargs)
        reply = queue.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply

    return method, calls


class Clock:
    """Time that passes only when the wait sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    made = Clock()
    waiting = functools.partial(_wait.wait_for, clock=made, sleep=made.sleep)
    monkeypatch.setattr(_mlcommons, "wait_for", waiting)
    return made


@pytest.fixture
def ml(clock: Clock) -> MLCommons:
    return MLCommons(SimpleNamespace(ml=None))  # type: ignore[arg-type]


def test_a_call_refused_while_the_master_key_loads_is_made_again(
    ml: MLCommons,
) -> None:
    refused = opensearchpy.TransportError(500, "exception", NO_MASTER_KEY)
    method, calls = answering(refused, refused, {"connector_id": "abc"})

    reply = ml._call("create connector", method, body={"name": "c"})

    assert reply == {"connector_id": "abc"}
    assert calls == [{"body": {"name": "c"}}] * 3


def test_a_master_key_that_never_loads_ends_in_an_error_with_a_fix(
    ml: MLCommons, clock: Clock
) -> None:
    refused = opensearchpy.TransportError(500, "exception", NO_MASTER_KEY)
    method, calls = answering(*[refused] * 100)

    with pytest.raises(KitError, match="did not load its master key") as raised:
        ml._call("create connector", method, body={})

    assert raised.value.fix is not None and ".plugins-ml-config" in raised.value.fix
    assert clock.now >= 60 and 1 < len(calls) < 100


def test_another_refusal_is_translated_at_once(ml: MLCommons) -> None:
    refused = opensearchpy.TransportError(
        400, "illegal_argument_exception", {"error": {"reason": "bad"}, "status": 400}
    )
    method, calls = answering(refused, {"never": "reached"})

    with pytest.raises(MLCommonsError):
        ml._call("create connector", method, body={})
    assert len(calls) == 1
