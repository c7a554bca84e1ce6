"""The status widget: a progress bar and a state line over a real wait."""

from __future__ import annotations

import pytest

from helpers._errors import WaitTimeout
from helpers._flow import Deployment
from helpers._forms import StatusWidget
from helpers._mlcommons import MLCommons, Model
from helpers._wait import Poll, wait_for

pytestmark = pytest.mark.node


def test_a_call_moves_the_bar_and_says_the_state() -> None:
    status = StatusWidget("deploying")

    status(5, 20, "model_state DEPLOYING")

    assert (status.bar.value, status.bar.max) == (5, 20)
    assert status.label.value == "model_state DEPLOYING"


def test_the_bar_never_goes_past_its_end() -> None:
    status = StatusWidget(total=10)

    status(12.4)

    assert status.bar.value == 10


def test_watch_follows_a_wait_on_the_node_to_its_end(
    ml: MLCommons, deployment: Deployment
) -> None:
    status = StatusWidget("deploy")
    seen: list[str] = []
    status.label.observe(lambda change: seen.append(change["new"]), "value")
    polls = 0

    def probe() -> Poll[Model]:
        nonlocal polls
        polls += 1
        model = ml.get_model(deployment.model.id)
        # Done on the third look, so the widget also shows states on the way.
        return Poll(polls == 3, f"model_state {model.state} ({polls})", model)

    model = wait_for(
        status.watch(probe, timeout=30),
        what="the model",
        timeout=30,
        interval=0.01,
        progress=False,
    )

    assert model.state == "DEPLOYED"
    assert seen == [
        "model_state DEPLOYED (1)",
        "model_state DEPLOYED (2)",
        "model_state DEPLOYED (3)",
    ]
    assert status.bar.value == status.bar.max == 30
    assert status.bar.bar_style == "success"


def test_a_failed_wait_turns_the_bar_red(ml: MLCommons, deployment: Deployment) -> None:
    status = StatusWidget("undeploy")

    def probe() -> Poll[Model]:
        model = ml.get_model(deployment.model.id)
        return Poll(model.state == "UNDEPLOYED", f"model_state {model.state}", model)

    with pytest.raises(WaitTimeout) as caught:
        wait_for(
            status.watch(probe, timeout=0.3),
            what="the model to undeploy by itself",
            timeout=0.3,
            progress=False,
        )
    status.fail(str(caught.value.last_state))

    assert status.bar.bar_style == "danger"
    assert status.label.value == "model_state DEPLOYED"
