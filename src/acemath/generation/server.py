"""A small OpenAI-compatible HTTP server around any acemath :class:`Generator` (stdlib only).

Serves ``POST /v1/completions``, ``POST /v1/chat/completions`` and ``GET /v1/models`` on a local
port, with the request fields acemath's ``openai`` backend sends (model, prompt or messages, n,
temperature, top_p, max_tokens, seed, stop). It exists so the ``openai`` backend is tested against
real HTTP on loopback with a real model (the tiny one through the ``hf`` backend), and it is handy
for pointing other OpenAI clients at a local checkpoint on a CPU machine. It is not a production
server: requests are answered one at a time.

    server = OpenAICompatServer(get_generator("hf", "tiny/"), model_name="tiny")
    server.start()            # background thread; server.url -> http://127.0.0.1:PORT/v1
    ...
    server.stop()

``fault`` is an optional callable run before each request; if it returns an HTTP status code, the
request is answered with that error (used to test retries and backoff).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from acemath.generation.base import Generator, SamplingParams


class OpenAICompatServer:
    def __init__(self, generator: Generator, *, model_name: str = "acemath", host: str = "127.0.0.1",
                 port: int = 0, fault: Callable[[dict[str, Any]], int | None] | None = None) -> None:
        self.generator, self.model_name, self.fault = generator, model_name, fault
        self._lock = threading.Lock()  # one generate at a time (the model is not thread-safe)
        self.requests: list[dict[str, Any]] = []
        handler = self._handler_class()
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> OpenAICompatServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OpenAICompatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling ---------------------------------------------------------------------
    def complete(self, body: dict[str, Any], chat: bool) -> dict[str, Any]:
        prompt = body["messages"] if chat else body["prompt"]
        if not chat and isinstance(prompt, list):  # the API allows a batch of prompts; one is enough here
            prompt = prompt[0]
        stop = body.get("stop") or ()
        params = SamplingParams(n=int(body.get("n") or 1), temperature=float(body.get("temperature", 1.0)),
                                top_p=float(body.get("top_p", 1.0)), max_tokens=int(body.get("max_tokens") or 16),
                                seed=int(body.get("seed") or 0), stop=(stop,) if isinstance(stop, str) else tuple(stop))
        with self._lock:
            comps = self.generator.generate([prompt], params)[0]
        choices = []
        for i, c in enumerate(comps):
            choice: dict[str, Any] = {"index": i, "finish_reason": c.finish_reason}
            if chat:
                choice["message"] = {"role": "assistant", "content": c.text}
            else:
                choice["text"] = c.text
            choices.append(choice)
        used = sum(c.num_tokens for c in comps)
        return {"id": f"cmpl-{int(time.time() * 1000)}", "object": "chat.completion" if chat else "text_completion",
                "created": int(time.time()), "model": body.get("model", self.model_name), "choices": choices,
                "usage": {"prompt_tokens": 0, "completion_tokens": used, "total_tokens": used}}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _send(self, status: int, obj: dict[str, Any]) -> None:
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": server.model_name, "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._send(400, {"error": {"message": "invalid JSON"}})
                    return
                route = self.path.rstrip("/")
                server.requests.append({"path": route, **body})
                if server.fault is not None:
                    status = server.fault(body)
                    if status:
                        self._send(status, {"error": {"message": f"injected failure {status}"}})
                        return
                if route not in ("/v1/completions", "/v1/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                chat = route.endswith("/chat/completions")
                if ("messages" if chat else "prompt") not in body:
                    self._send(400, {"error": {"message": "missing messages" if chat else "missing prompt"}})
                    return
                try:
                    self._send(200, server.complete(body, chat))
                except (TypeError, ValueError) as exc:
                    self._send(400, {"error": {"message": f"{type(exc).__name__}: {exc}"}})

        return Handler
