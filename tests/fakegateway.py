"""A local fake of the three notification gateways, for channel tests and the outbox benchmark.

One threaded HTTP/1.1 server on 127.0.0.1 speaks all three shapes:

- SMS: ``POST /sms`` → ``{"message_id": "sms-1"}``
- FCM HTTP v1: ``POST /v1/projects/<p>/messages:send`` → ``{"name": "projects/<p>/messages/1"}``
- WeChat template messages: ``POST /cgi-bin/message/template/send?access_token=…`` →
  ``{"errcode": 0, "errmsg": "ok", "msgid": 1}``

It keeps what a real gateway keeps for exactly-once: a message is *delivered* once per
idempotency key (the ``Idempotency-Key`` header, else the shape's own client id field); a repeat
is answered with the original message id and counted in ``duplicates``.

Misbehaviour is set at runtime, for all routes or one (``"sms"``, ``"fcm"``, ``"wechat"``)::

    with FakeGateway() as gateway:
        gateway.set_mode("error", retry_after=3)           # 503 + Retry-After: 3
        gateway.set_mode("reject", route="fcm", status=404)  # FCM UNREGISTERED
        gateway.set_mode("error", route="wechat", errcode=-1)  # HTTP 200, errcode -1
        gateway.fail_first(2)                              # two 503s, then the mode

Out of process (a Celery worker must reach it)::

    python -m tests.fakegateway --port 8025      # prints http://127.0.0.1:8025
    curl localhost:8025/_stats                   # {"requests": …, "delivered": …, …}
    curl -d '{"mode": "down"}' localhost:8025/_mode

or ``with GatewayProcess() as gateway: ...`` from a test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

ROUTES = ("sms", "fcm", "wechat")
MODES = (
    "ok",  # deliver and answer
    "slow",  # wait `delay` seconds, then deliver and answer
    "error",  # 5xx (default 503) with Retry-After; or HTTP 200 + `errcode` on the WeChat route
    "reject",  # 4xx (default 400); or HTTP 200 + `errcode` on the WeChat route
    "down",  # close the connection without answering (nothing delivered)
    "lost",  # deliver, then close the connection without answering (the reply is lost)
    "blank",  # answer 200 with an empty JSON object: no message id (nothing delivered)
)
FCM_PATH = re.compile(r"^/v1/projects/([^/]+)/messages:send$")
PROJECT_DIR = Path(__file__).resolve().parent.parent

# FCM v1 error statuses and the FcmError code that goes with each (firebase.google.com/docs/
# reference/fcm/rest/v1/ErrorCode).
FCM_ERRORS = {
    400: ("INVALID_ARGUMENT", "INVALID_ARGUMENT"),
    401: ("UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"),
    403: ("PERMISSION_DENIED", "SENDER_ID_MISMATCH"),
    404: ("NOT_FOUND", "UNREGISTERED"),
    429: ("RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"),
    500: ("INTERNAL", "INTERNAL"),
    503: ("UNAVAILABLE", "UNAVAILABLE"),
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class _Behaviour:
    mode: str = "ok"
    delay: float = 1.0
    status: int | None = None
    retry_after: float | None = 1.0
    errcode: int | None = None


@dataclass(frozen=True)
class _FailFirst:
    remaining: int
    status: int
    retry_after: float | None


@dataclass(frozen=True)
class _Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def _retry_after_header(seconds: float | None) -> dict[str, str]:
    if seconds is None:
        return {}
    return {"Retry-After": str(int(seconds)) if float(seconds).is_integer() else str(seconds)}


class FakeGateway:
    """The fake gateway in this process, serving from a background thread until ``stop()``."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, keep_requests: bool = True):
        self.host = host
        self.port = port
        self.keep_requests = keep_requests  # off for long benchmarks: counts are kept anyway
        self.url = ""
        self.requests: list[RecordedRequest] = []
        self.delivered: dict[str, Any] = {}  # idempotency key → request body (parsed JSON)
        self.duplicates = 0
        self.request_count = 0
        self.connections_opened = 0
        self._requests_by_route = dict.fromkeys(ROUTES, 0)
        self._delivered_by_route = dict.fromkeys(ROUTES, 0)
        self._message_ids: dict[str, Any] = {}
        self._next_id = 0
        self._behaviours: dict[str | None, _Behaviour] = {None: _Behaviour()}
        self._fail_first: dict[str | None, _FailFirst] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeGateway:
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_port
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # how long stop() waits for the loop
            name=f"fakegateway-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        # Wakes slow handlers; handlers starting from now on drop their connection at once.
        self._stopping.set()
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            # Keep-alive clients would otherwise hold their handler thread (and the join below).
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()  # joins the handler threads
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> FakeGateway:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- behaviour ---------------------------------------------------------------------------

    def set_mode(
        self,
        mode: str,
        *,
        route: str | None = None,
        delay: float = 1.0,
        status: int | None = None,
        retry_after: float | None = 1.0,
        errcode: int | None = None,
    ) -> None:
        """How to answer from now on: on every route without its own mode, or on ``route``."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
        self._check_route(route)
        behaviour = _Behaviour(mode, delay, status, retry_after, errcode)
        with self._lock:
            self._behaviours[route] = behaviour

    def fail_first(
        self,
        count: int,
        *,
        route: str | None = None,
        status: int = 503,
        retry_after: float | None = 1.0,
    ) -> None:
        """The next ``count`` requests (on ``route``, or any) get ``status``; then as before."""
        self._check_route(route)
        with self._lock:
            self._fail_first[route] = _FailFirst(count, status, retry_after)

    def reset(self) -> None:
        """Back to a fresh gateway: mode ``ok`` everywhere, nothing recorded."""
        with self._lock:
            self.requests.clear()
            self.delivered.clear()
            self._message_ids.clear()
            self.duplicates = self.request_count = 0
            self._requests_by_route = dict.fromkeys(ROUTES, 0)
            self._delivered_by_route = dict.fromkeys(ROUTES, 0)
            self._behaviours = {None: _Behaviour()}
            self._fail_first.clear()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.request_count,
                "delivered": len(self.delivered),
                "duplicates": self.duplicates,
                "connections": self.connections_opened,
                "by_route": {
                    route: {
                        "requests": self._requests_by_route[route],
                        "delivered": self._delivered_by_route[route],
                    }
                    for route in ROUTES
                },
            }

    @staticmethod
    def _check_route(route: str | None) -> None:
        if route is not None and route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; one of {', '.join(ROUTES)}")

    # --- serving (called from handler threads) -----------------------------------------------

    def _connection_opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)
            self.connections_opened += 1
        if self._stopping.is_set():
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _connection_closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> _Reply | None:
        """The reply to one request, or None to close the connection without answering."""
        split = urlsplit(target)
        path = split.path
        if path.startswith("/_"):
            return self._control(method, path, body)
        project = ""
        if path == "/sms":
            route = "sms"
        elif path == "/cgi-bin/message/template/send":
            route = "wechat"
        elif match := FCM_PATH.match(path):
            route, project = "fcm", match.group(1)
        else:
            return _Reply(404, {"error": f"no such path {path}"})
        if method != "POST":
            return _Reply(405, {"error": "POST only"})
        query = dict(parse_qsl(split.query))

        with self._lock:
            self.request_count += 1
            self._requests_by_route[route] += 1
            if self.keep_requests:
                self.requests.append(RecordedRequest(method, path, query, headers, body))
            behaviour = self._behaviours.get(route) or self._behaviours[None]
            failing = None
            for scope in (route, None):
                candidate = self._fail_first.get(scope)
                if candidate is not None and candidate.remaining > 0:
                    failing = candidate
                    self._fail_first[scope] = _FailFirst(
                        candidate.remaining - 1, candidate.status, candidate.retry_after
                    )
                    break

        if failing is not None:
            return self._error(route, failing.status, failing.retry_after, None)
        mode = behaviour.mode
        if mode == "down":
            return None
        if mode == "error":
            return self._error(
                route, behaviour.status or 503, behaviour.retry_after, behaviour.errcode
            )
        if mode == "reject":
            return self._error(route, behaviour.status or 400, None, behaviour.errcode)
        if mode == "blank":
            return _Reply(200, {})
        if mode == "slow" and self._stopping.wait(behaviour.delay):
            return None

        parsed = self._parse(route, headers, query, body)
        if isinstance(parsed, _Reply):
            return parsed
        key, payload = parsed
        message_id = self._deliver(route, project, key, payload)
        if mode == "lost":
            return None
        if route == "sms":
            return _Reply(200, {"message_id": message_id, "status": "accepted"})
        if route == "fcm":
            return _Reply(200, {"name": message_id})
        return _Reply(200, {"errcode": 0, "errmsg": "ok", "msgid": message_id})

    def _parse(
        self, route: str, headers: dict[str, str], query: dict[str, str], body: bytes
    ) -> tuple[str | None, Any] | _Reply:
        """The idempotency key and body of a well-formed request, or the gateway's refusal."""
        if route == "wechat" and not query.get("access_token"):
            return _Reply(200, {"errcode": 41001, "errmsg": "access_token missing"})
        if route != "wechat" and not headers.get("authorization", "").startswith("Bearer "):
            return self._error(route, 401, None, None)
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        key = headers.get("idempotency-key")
        if route == "sms":
            if not (
                isinstance(payload, dict)
                and isinstance(payload.get("to"), str)
                and payload["to"]
                and isinstance(payload.get("text"), str)
            ):
                return _Reply(400, {"error": "to and text are required"})
            return key or payload.get("client_msg_id"), payload
        if route == "fcm":
            message = payload.get("message") if isinstance(payload, dict) else None
            if not isinstance(message, dict) or not message.get("token"):
                return self._error(route, 400, None, None)
            data = message.get("data", {})
            # Like FCM itself: data is a map of string to string, nothing else.
            if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
                return self._error(route, 400, None, None)
            return key or data.get("dedup"), payload
        if not (isinstance(payload, dict) and payload.get("touser") and payload.get("template_id")):
            return _Reply(200, {"errcode": 47001, "errmsg": "data format error"})
        return key or payload.get("client_msg_id"), payload

    def _deliver(self, route: str, project: str, key: str | None, payload: Any) -> Any:
        with self._lock:
            if key is not None and key in self._message_ids:
                self.duplicates += 1
                return self._message_ids[key]
            self._next_id += 1
            number = self._next_id
            if route == "sms":
                message_id: Any = f"sms-{number}"
            elif route == "fcm":
                message_id = f"projects/{project}/messages/{number}"
            else:
                message_id = number
            key = key if key is not None else f"(no key) {number}"
            self._message_ids[key] = message_id
            self.delivered[key] = payload
            self._delivered_by_route[route] += 1
            return message_id

    @staticmethod
    def _error(route: str, status: int, retry_after: float | None, errcode: int | None) -> _Reply:
        headers = _retry_after_header(retry_after)
        if route == "wechat" and errcode is not None:
            # WeChat answers its own errors with HTTP 200 and an errcode.
            return _Reply(200, {"errcode": errcode, "errmsg": "fake error"}, headers)
        if route == "fcm":
            grpc_status, error_code = FCM_ERRORS.get(status, ("UNKNOWN", "UNSPECIFIED_ERROR"))
            body = {
                "error": {
                    "code": status,
                    "message": f"fake {grpc_status}",
                    "status": grpc_status,
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                            "errorCode": error_code,
                        }
                    ],
                }
            }
            return _Reply(status, body, headers)
        return _Reply(status, {"error": HTTPStatus(status).phrase}, headers)

    def _control(self, method: str, path: str, body: bytes) -> _Reply:
        """``GET /_stats``, ``GET /_delivered``, ``POST /_mode``, ``POST /_reset``."""
        if method == "GET" and path == "/_stats":
            return _Reply(200, self.stats())
        if method == "GET" and path == "/_delivered":
            with self._lock:
                return _Reply(200, dict(self.delivered))
        if method == "POST" and path == "/_reset":
            self.reset()
            return _Reply(200, {"ok": True})
        if method == "POST" and path == "/_mode":
            try:
                options = json.loads(body or b"{}")
                if "fail_first" in options:
                    count = options.pop("fail_first")
                    self.fail_first(count, **options)
                else:
                    self.set_mode(options.pop("mode"), **options)
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                return _Reply(400, {"error": str(error)})
            return _Reply(200, {"ok": True})
        return _Reply(404, {"error": f"no such control {method} {path}"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.gateway._connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.gateway._connection_closed(self.connection)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.gateway.handle(self.command, self.path, headers, body)
        if reply is None:
            self.close_connection = True
            return
        payload = json.dumps(reply.body).encode()
        lines = [
            f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}",
            "Content-Type: application/json",
            f"Content-Length: {len(payload)}",
            *(f"{name}: {value}" for name, value in reply.headers.items()),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        # One write: status line, headers and body in a single segment.
        self.wfile.write("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # handler threads are joined by server_close()
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], gateway: FakeGateway) -> None:
        self.gateway = gateway
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn); nothing here needs it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is part of the game here, not an error.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class GatewayProcess:
    """The fake gateway in a child process (``python -m tests.fakegateway``), for tests whose
    sender is another process, such as a real Celery worker."""

    def __init__(self, *, port: int = 0, keep_requests: bool = False) -> None:
        self.port = port
        self.keep_requests = keep_requests
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._client: httpx.Client | None = None

    def __enter__(self) -> GatewayProcess:
        argv = [sys.executable, "-m", "tests.fakegateway", "--port", str(self.port)]
        if self.keep_requests:
            argv.append("--keep-requests")
        self._process = subprocess.Popen(argv, cwd=PROJECT_DIR, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        self.url = self._process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.__exit__(None, None, None)
            raise RuntimeError("the fake gateway process did not start")
        self._client = httpx.Client(base_url=self.url, timeout=10.0)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        assert self._client is not None, "use GatewayProcess as a context manager"
        response = self._client.request(method, path, json=payload)
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        return dict(self._call("GET", "/_stats"))

    def delivered(self) -> dict[str, Any]:
        return dict(self._call("GET", "/_delivered"))

    def set_mode(self, mode: str, **options: Any) -> None:
        self._call("POST", "/_mode", {"mode": mode, **options})

    def fail_first(self, count: int, **options: Any) -> None:
        self._call("POST", "/_mode", {"fail_first": count, **options})

    def reset(self) -> None:
        self._call("POST", "/_reset")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--keep-requests", action="store_true", help="keep every raw request in memory"
    )
    parser.add_argument(
        "--measure",
        type=float,
        metavar="SECONDS",
        help="start a gateway process, time one keep-alive httpx client against it, print req/s",
    )
    arguments = parser.parse_args(argv)
    if arguments.measure:
        with GatewayProcess() as process:
            print(f"{measure_throughput(process.url, arguments.measure):.0f} requests/s")
        return
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    gateway = FakeGateway(
        host=arguments.host, port=arguments.port, keep_requests=arguments.keep_requests
    )
    with gateway:
        print(gateway.url, flush=True)
        while not stopped.wait(0.5):
            pass


def measure_throughput(url: str, seconds: float = 3.0) -> float:
    """SMS requests answered per second to one keep-alive httpx client (``--measure``)."""
    count = 0
    with httpx.Client(timeout=10.0) as client:
        headers = {"Authorization": "Bearer bench"}
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            count += 1
            payload = {"to": "+8613800000000", "text": "hi", "client_msg_id": f"bench-{count}"}
            client.post(f"{url}/sms", json=payload, headers=headers).raise_for_status()
        return count / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
