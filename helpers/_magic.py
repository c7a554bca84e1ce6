"""``%%opensearch`` and ``%opensearch``: Dev Tools console text in a notebook.

Load with ``%load_ext helpers``. A cell::

    %%opensearch
    POST /_plugins/_ml/models/{model_id}/_predict
    {"parameters": {"inputs": "What is the meaning of life?"}}

runs each request of the cell in order against the kit's cluster and shows each
response as collapsible JSON (with pretty-printed text for saved notebooks and
terminals). ``%opensearch GET _cluster/health`` does the same for one line.

Responses reach Python through the notebook's variables: ``_os`` holds the last
response, ``_os_all`` the list of the cell's responses, and
``%%opensearch NAME`` also stores the last response in ``NAME``. When a
request fails, the responses before it are kept there and the cell fails with
the translated error (:func:`helpers.translate`).

``{name}`` in the text is replaced by the notebook variable ``name`` before the
text is parsed; see :func:`helpers._console.fill_placeholders` for the rules
(``{{name}}`` for a literal ``{name}``; ``${...}`` is left to ML Commons).
"""

from __future__ import annotations

import json
import keyword
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import display
from opensearchpy import TransportError

from ._console import ConsoleRequest, fill_placeholders, parse_console
from ._errors import ConsoleSyntaxError, KitError, WaitTimeout
from ._translate import loading_master_key, translate
from ._wait import Poll, wait_for

# How long a request waits out ML Commons loading its master key, in seconds.
MASTER_KEY_PATIENCE = 60.0

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ["OpenSearchMagics", "load_ipython_extension", "send", "use_client"]

logger = logging.getLogger(__name__)

# IPython's display() has no annotations; this names the one signature used.
_display: Callable[..., None] = display

_SECRET_KEYS = frozenset(
    {"credential", "secret_key", "session_token", "password", "api_key"}
)


class Transport(Protocol):
    """The part of opensearch-py's transport the magics use."""

    def perform_request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any: ...


class Client(Protocol):
    """Anything with an opensearch-py transport, such as ``OpenSearch``."""

    @property
    def transport(self) -> Transport: ...


_client: Client | None = None


def use_client(client: Client | None) -> None:
    """Send the magics' requests through ``client``; ``None`` restores the default.

    The default is :func:`helpers._connection.default_client`, the kit's cluster.
    """
    global _client
    _client = client


def _current_client() -> Client:
    if _client is not None:
        return _client
    # Imported here so the magics load before a cluster is configured.
    from ._connection import default_client

    client: Client = default_client()
    return client


def send(request: ConsoleRequest, client: Client) -> object:
    """Send one console request; return the decoded response.

    Raises the translated :class:`~helpers.KitError` when OpenSearch refuses it
    or cannot be reached. One refusal is waited out instead: on a cluster that
    has just started, ML Commons may answer "Fetching master key timed out"
    while a node loads its master key. It created nothing then, so the request
    is sent again, for up to ``MASTER_KEY_PATIENCE`` seconds.
    """
    logger.info("%s %s", request.method, request.path)
    if request.body is not None and logger.isEnabledFor(logging.DEBUG):
        body = json.dumps(_redacted(request.body), ensure_ascii=False, default=str)
        logger.debug("%s %s body: %s", request.method, request.path, body)
    headers = {"Content-Type": "application/x-ndjson"} if request.ndjson else None
    refused: list[TransportError] = []

    def attempt() -> Poll[object]:
        try:
            answer = client.transport.perform_request(
                request.method,
                request.path,
                params=dict(request.params) or None,
                body=request.payload(),
                headers=headers,
            )
        except TransportError as error:
            if not loading_master_key(error):
                raise _translated(error, client) from None
            refused[:] = [error]
            return Poll(False, "ML Commons is loading its master key")
        return Poll(True, "answered", answer)

    try:
        return wait_for(
            attempt,
            what=f"{request.method} {request.path}",
            timeout=MASTER_KEY_PATIENCE,
            interval=1,
            max_interval=1,
            progress=False,
        )
    except WaitTimeout:
        raise _translated(refused[0], client) from None


def _translated(error: TransportError, client: Client) -> KitError:
    # The translated error keeps the status and body; the client's own
    # traceback would only bury its message under transport frames.
    return translate(error, url=_cluster_url(client))


@magics_class
class OpenSearchMagics(Magics):
    """The ``opensearch`` line and cell magic."""

    @line_cell_magic
    def opensearch(self, line: str, cell: str | None = None) -> None:
        """Run Dev Tools console requests; see the module's documentation."""
        if cell is None:
            text, target, first_line = line, None, 1
        else:
            text, target, first_line = cell, _target_name(line), 2
        namespace = self.shell.user_ns if self.shell is not None else {}
        filled = fill_placeholders(text, namespace, first_line=first_line)
        try:
            requests = parse_console(filled, first_line=first_line)
        except ConsoleSyntaxError as error:
            raise _as_written(error, text, filled) from None
        if not requests:
            raise ConsoleSyntaxError(
                "There is no request to run",
                "write one such as `GET _cluster/health`",
                line=first_line,
            )
        _run(requests, _current_client(), namespace, target)


def _as_written(
    error: ConsoleSyntaxError, text: str, filled: str
) -> ConsoleSyntaxError:
    """The error quoting the cell as written, not with its placeholders filled.

    A filled placeholder may hold a secret (a connector's keys); the error a
    learner sees, and may share, shows ``{name}`` instead.
    """
    what, fix = error.what, error.fix
    for written, sent in zip(text.split("\n"), filled.split("\n"), strict=True):
        if written != sent:
            what = what.replace(sent, written)
            fix = fix.replace(sent, written) if fix else fix
    return ConsoleSyntaxError(what, fix, line=error.line)


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """Register the magics; IPython calls this for ``%load_ext helpers``."""
    ipython.register_magics(OpenSearchMagics)


def _run(
    requests: list[ConsoleRequest],
    client: Client,
    namespace: dict[str, object],
    target: str | None,
) -> None:
    responses: list[object] = []
    # Bound before the first request so that a failure leaves what came back.
    namespace["_os_all"] = responses
    for request in requests:
        response = send(request, client)
        responses.append(response)
        namespace["_os"] = response
        if target is not None:
            namespace[target] = response
        caption = f"{request.method} {request.path}" if len(requests) > 1 else None
        _show(response, caption)


def _target_name(line: str) -> str | None:
    name = line.strip()
    if not name:
        return None
    if not name.isidentifier() or keyword.iskeyword(name):
        raise UsageError(
            f"%%opensearch takes one variable name to store the response in, "
            f"not {name!r}; write e.g. `%%opensearch health`"
        )
    return name


def _show(response: object, caption: str | None) -> None:
    if caption is not None:
        _display({"text/plain": caption}, raw=True)
    bundle: dict[str, object] = {"text/plain": _pretty(response)}
    metadata: dict[str, object] = {}
    if isinstance(response, (dict, list)):
        bundle["application/json"] = response
        metadata["application/json"] = {"expanded": False, "root": "response"}
    _display(bundle, raw=True, metadata=metadata)


def _pretty(response: object) -> str:
    if isinstance(response, str):
        return response
    # Keys stay in the server's order, so the text reads like the console's.
    return json.dumps(response, indent=2, ensure_ascii=False, default=str)


def _cluster_url(client: Client) -> str | None:
    hosts = getattr(client.transport, "hosts", None)
    if not hosts or not isinstance(hosts[0], dict):
        return None
    host = hosts[0]
    scheme = host.get("scheme") or ("https" if host.get("use_ssl") else "http")
    return f"{scheme}://{host.get('host', 'localhost')}:{host.get('port', 9200)}"


def _redacted(value: object) -> object:
    """``value`` with anything under a secret-looking key replaced by ``***``."""
    if isinstance(value, dict):
        return {
            key: "***" if key in _SECRET_KEYS else _redacted(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value
