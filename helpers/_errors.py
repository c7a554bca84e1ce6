"""The kit's one base exception and its families."""

from __future__ import annotations

__all__ = [
    "ConnectorHeld",
    "ConsoleSyntaxError",
    "CredentialsError",
    "KitError",
    "MLCommonsError",
    "NodeError",
    "WaitTimeout",
]


class KitError(Exception):
    """Base for every error the kit raises.

    ``str(error)`` is a sentence that says what happened, with the value involved,
    followed by what to do next when the kit knows it.
    """

    # What the command line exits with when this error ends a command.
    exit_status = 1

    def __init__(self, what: str, fix: str | None = None) -> None:
        self.what = what
        self.fix = fix
        super().__init__(what if fix is None else f"{what}\nWhat to do: {fix}")

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a stack trace: a learner needs the
        # sentence and its fix, not the kit's frames.
        return [f"{type(self).__name__}: {self}"]


class NodeError(KitError):
    """The local OpenSearch node could not be assembled, started or stopped."""


class WaitTimeout(KitError):
    """Something awaited did not happen before its deadline.

    ``last_state`` holds the last observed state, so a caller can act on it.
    """

    def __init__(self, what: str, fix: str | None = None, last_state: object = None):
        self.last_state = last_state
        super().__init__(what, fix)


class MLCommonsError(KitError):
    """OpenSearch or ML Commons refused a request; ``status`` and ``body`` kept."""

    def __init__(
        self,
        what: str,
        fix: str | None = None,
        status: int | None = None,
        body: object = None,
    ) -> None:
        self.status = status
        self.body = body
        super().__init__(what, fix)


class ConnectorHeld(MLCommonsError):
    """ML Commons keeps connectors for models that only look as if they use them.

    Everything else of the cleanup is done; ``connectors`` maps each connector
    kept to the models (on other connectors) that ML Commons counts against it.
    The command line exits 3, so a script can tell this from a failure.
    """

    exit_status = 3

    def __init__(
        self, what: str, fix: str | None = None, connectors: object = None
    ) -> None:
        self.connectors = connectors
        super().__init__(what, fix)


class CredentialsError(KitError):
    """AWS credentials are missing, malformed or rejected."""


class ConsoleSyntaxError(KitError):
    """Dev Tools console text that cannot be parsed; ``line`` is 1-based."""

    def __init__(self, what: str, fix: str | None = None, line: int = 0) -> None:
        self.line = line
        super().__init__(what, fix)
