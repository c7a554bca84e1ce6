"""The emulator's HTTP server: the standard library's threading server.

:class:`EmulatorServer` is what tests, notebooks and the CLI use::

    with EmulatorServer(port=0) as emulator:          # a free port, on a thread
        client = boto3.client("bedrock-runtime", endpoint_url=emulator.url, ...)

It speaks HTTP/1.1 with keep-alive, because boto3 and the AWS SDK for Java
reuse connections, and accepts ``Transfer-Encoding: chunked`` request bodies as
well as ``Content-Length``. Stopping it also closes idle keep-alive
connections, so a stopped emulator never answers again.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import logging
import os
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from .app import EmulatorApp
from .config import EmulatorConfig
from .exceptions import EmulatorError, PortInUseError
from .models import BedrockBackend
from .wire import ReceivedRequest, Response

__all__ = ["EmulatorServer"]

logger = logging.getLogger(__name__)

_MAX_BODY_BYTES = 25 * 1024 * 1024


class _BadRequest(Exception):
    """The request could not be read as HTTP; answered with a plain 400."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: EmulatorApp, ipv6: bool) -> None:
        self.address_family = socket.AF_INET6 if ipv6 else socket.AF_INET
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's fully qualified name, which
        # can stall for seconds on machines with slow reverse DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    # ``Any``: socketserver types a request as a socket or a datagram pair.
    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            # A connection the client already closed raises OSError; nothing to do.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "BedrockEmulator/1.0"
    # Longer than the idle time of common client pools, so the server is not
    # the side that closes a connection a client is about to reuse.
    timeout = 120
    # Headers and body leave in separate writes; with Nagle's algorithm on, the
    # body then waits for the client's delayed ACK, about 40 ms per call.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except _BadRequest as problem:
            self.close_connection = True
            self._write(
                Response(400, f"{problem}\n".encode(), {"Content-Type": "text/plain"})
            )
            return
        request = ReceivedRequest(
            self.command, self.path, list(self.headers.items()), body
        )
        self._write(self.server.app.handle(request))

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        if not raw.strip().isdigit():
            raise _BadRequest(f"Content-Length must be a number of bytes, got {raw!r}")
        length = int(raw)
        if length > _MAX_BODY_BYTES:
            raise _BadRequest(f"a body of {length} bytes exceeds the emulator's limit")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks = []
        total = 0
        while True:
            line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                raise _BadRequest(f"bad chunk size line {line!r}") from None
            if size == 0:
                break
            total += size
            if total > _MAX_BODY_BYTES:
                raise _BadRequest("the chunked body exceeds the emulator's limit")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the line break after each chunk
        while self.rfile.readline(1024).strip():
            pass  # trailer fields, unused
        return b"".join(chunks)

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        # http.server would write to stderr; the app logs each request itself.
        logger.debug("%s " + format, self.address_string(), *args)


class EmulatorServer:
    """The Bedrock runtime emulator on a background thread.

    ``port=0`` asks the system for a free port; :attr:`url` tells which one was
    given once :meth:`start` has returned, and the server accepts connections
    from that moment. Use it as a context manager, or call :meth:`start` and
    :meth:`stop`. Without ``config`` the settings come from the
    ``BEDROCK_EMULATOR_*`` environment variables (see :mod:`.config`);
    :attr:`backend` holds the fault rules and the request log.

    Without ``host`` it listens on 127.0.0.1, or on ``BEDROCK_EMULATOR_HOST``
    when set: a cluster in a container (a CI service container) cannot reach
    this machine's loopback, and the container network's gateway address is
    an address both sides reach without opening the emulator to the network.
    """

    def __init__(
        self,
        host: str | None = None,
        port: int = 0,
        *,
        config: EmulatorConfig | None = None,
    ) -> None:
        self.host = host or os.environ.get("BEDROCK_EMULATOR_HOST") or "127.0.0.1"
        self.requested_port = port
        self.backend = BedrockBackend(config or EmulatorConfig.from_env())
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise EmulatorError(
                "The emulator has no port yet because it is not running.",
                "Call start() first, or use the server as a context manager.",
            )
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> EmulatorServer:
        if self._httpd is not None:
            return self
        self._httpd = self._bind()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"bedrock-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("Bedrock emulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop accepting, close open connections and wait for the thread."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None
        logger.info("Bedrock emulator on port %s stopped", httpd.server_address[1])

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _bind(self) -> _HTTPServer:
        if not _is_loopback(self.host):
            logger.warning(
                "the emulator listens on %s, beyond this machine; its admin API has "
                "no authentication",
                self.host,
            )
        app = EmulatorApp(self.backend)
        try:
            return _HTTPServer((self.host, self.requested_port), app, ":" in self.host)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"Port {self.requested_port} on {self.host} is already in use, so "
                    "the Bedrock emulator cannot listen there.",
                    "Start it with --port 0 to let the system pick a free port, or "
                    f"stop the process holding port {self.requested_port} (often an "
                    "emulator started earlier).",
                ) from None
            raise EmulatorError(
                f"The Bedrock emulator could not listen on {self.host}:"
                f"{self.requested_port}: {error.strerror}.",
                "Choose another --host or --port.",
            ) from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
