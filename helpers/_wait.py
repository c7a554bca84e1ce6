"""One waiting primitive for everything the kit awaits.

Every wait has a deadline taken from a monotonic clock, backs off between polls,
shows its progress (a bar in Jupyter, a line in a terminal) and, when the deadline
passes, raises :class:`~helpers.WaitTimeout` naming the last state it observed.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ._errors import WaitTimeout

__all__ = ["Poll", "progress_enabled", "wait_for"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Poll(Generic[T]):
    """What one probe saw: ``done`` with its ``value``, or the ``state`` so far."""

    done: bool
    state: str
    value: T | None = None


def progress_enabled(requested: bool | None = None) -> bool:
    """Whether to draw progress: asked for, else on in Jupyter and on a terminal.

    ``KIT_PROGRESS=0`` turns it off everywhere (papermill runs, CI logs).
    """
    if requested is not None:
        return requested
    if os.environ.get("KIT_PROGRESS", "") == "0":
        return False
    return _in_jupyter() or sys.stderr.isatty()


def _in_jupyter() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ip = shell.get_ipython()
    return ip is not None and "ZMQ" in type(ip).__name__


def wait_for(
    probe: Callable[[], Poll[T]],
    *,
    what: str,
    timeout: float,
    fix: str | None = None,
    interval: float = 0.2,
    max_interval: float = 2.0,
    retry_on: tuple[type[BaseException], ...] = (),
    progress: bool | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``probe`` until it reports done, and return its value.

    Exceptions listed in ``retry_on`` count as a state ("ConnectionError: ...")
    and the wait goes on; any other exception ends the wait at once.
    """
    deadline = clock() + timeout
    state = "not polled yet"
    bar = _Progress(what, timeout, progress_enabled(progress))
    try:
        while True:
            try:
                poll = probe()
            except retry_on as exc:
                state = f"{type(exc).__name__}: {exc}"
            else:
                if poll.done:
                    bar.finish(poll.state)
                    return poll.value  # type: ignore[return-value]
                state = poll.state
            bar.update(timeout - (deadline - clock()), state)

            remaining = deadline - clock()
            if remaining <= 0:
                raise WaitTimeout(
                    f"{what} did not finish within {timeout:g} s; "
                    f"the last state seen was: {state}",
                    fix,
                    last_state=state,
                )
            sleep(min(interval, remaining))
            interval = min(interval * 1.5, max_interval)
    finally:
        bar.close()


class _Progress:
    """A tqdm bar over the wait's seconds, or nothing when progress is off."""

    def __init__(self, what: str, timeout: float, enabled: bool) -> None:
        self._bar = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=round(timeout),
                desc=what,
                unit="s",
                bar_format="{desc}: {bar} {elapsed} {postfix}",
                leave=False,
            )
        self._last_state = ""

    def update(self, elapsed: float, state: str) -> None:
        if state != self._last_state:
            logger.debug("waiting for %s: %s", self._desc(), state)
            self._last_state = state
        if self._bar is not None:
            self._bar.n = min(round(elapsed), self._bar.total)
            self._bar.set_postfix_str(state[:60], refresh=True)

    def finish(self, state: str) -> None:
        if self._bar is not None:
            self._bar.n = self._bar.total
            self._bar.set_postfix_str(state[:60], refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def _desc(self) -> str:
        return self._bar.desc if self._bar is not None else "wait"
