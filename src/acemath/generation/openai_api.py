"""The ``openai`` backend: any OpenAI-compatible HTTP server (vLLM serve, SGLang, a hosted API).

Endpoint choice: a rendered text prompt (``raw`` preset, or any ``str`` prompt) goes to
``/v1/completions``; chat turns (the ``cot`` / ``mmlu-5shot`` presets) go to
``/v1/chat/completions``, where the *server* applies the model's chat template. Hosted APIs only
offer chat, and the server's template is the model's own.

Each of a prompt's ``n`` samples is one request with ``n=1`` and its own seed derived from
``(seed, prompt, j)``: many servers reject ``n > 1``, the usage block then gives each sample's token
count, and a sample's seed does not depend on batching. Requests run in a bounded thread pool
(``concurrency``); connection errors, time-outs, 408/409/429 and 5xx answers are retried with
exponential backoff (``backoff_s * 2**attempt``, capped at ``max_backoff_s``, honouring
``Retry-After``); other 4xx answers are not retried. A sample whose request still fails gets
``finish_reason="error"``, and the generate loop does not write such a problem, so a rerun retries it.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from acemath.errors import ConfigError
from acemath.generation.base import Completion, Prompt, SamplingParams
from acemath.generation.seeding import sample_seed

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


class RequestFailed(Exception):
    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable, self.retry_after = retryable, retry_after


class OpenAIGenerator:
    name = "openai"

    def __init__(self, model: str, *, base_url: str | None = None, api_key_env: str = "OPENAI_API_KEY",
                 concurrency: int = 8, timeout_s: float = 600.0, max_retries: int = 5, backoff_s: float = 1.0,
                 max_backoff_s: float = 60.0, served_model: str | None = None, **_: Any) -> None:
        import httpx

        base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        if not base_url:
            raise ConfigError("the openai backend needs --base-url (or $OPENAI_BASE_URL), e.g. http://127.0.0.1:8000/v1")
        self.base_url = base_url.rstrip("/")
        self.model = served_model or model
        self.concurrency = max(1, int(concurrency))
        self.max_retries, self.backoff_s, self.max_backoff_s = int(max_retries), float(backoff_s), float(max_backoff_s)
        key = os.environ.get(api_key_env, "")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s),
                                   limits=httpx.Limits(max_connections=self.concurrency))
        self.tokenizer = None
        self.stats = {"requests": 0, "retries": 0, "errors": 0}
        self._lock = threading.Lock()

    def _count(self, key: str) -> None:
        with self._lock:
            self.stats[key] += 1

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        import httpx

        try:
            resp = self.client.post(f"{self.base_url}{path}", json=body)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise RequestFailed(f"{type(exc).__name__}: {exc}", retryable=True) from None
        if resp.status_code != 200:
            retry_after = resp.headers.get("retry-after")
            try:
                wait = float(retry_after) if retry_after else None
            except ValueError:
                wait = None
            raise RequestFailed(f"HTTP {resp.status_code}: {resp.text[:200]}",
                                retryable=resp.status_code in RETRY_STATUS, retry_after=wait)
        try:
            return resp.json()
        except ValueError:
            raise RequestFailed("the server answered with invalid JSON", retryable=True) from None

    def _one(self, prompt: Prompt, params: SamplingParams, j: int) -> Completion:
        body: dict[str, Any] = {"model": self.model, "max_tokens": params.max_tokens, "n": 1,
                                "temperature": 0.0 if params.greedy else params.temperature,
                                "top_p": 1.0 if params.greedy else params.top_p,
                                "seed": sample_seed(params.seed, prompt, j, bits=31)}
        if params.stop:
            body["stop"] = list(params.stop)
        chat = not isinstance(prompt, str)
        body["messages" if chat else "prompt"] = prompt
        path = "/chat/completions" if chat else "/completions"
        last = ""
        for attempt in range(self.max_retries + 1):
            self._count("requests")
            try:
                data = self._post(path, body)
                choice = data["choices"][0]
                text = choice["message"]["content"] if chat else choice["text"]
                reason = "length" if choice.get("finish_reason") == "length" else "stop"
                usage = data.get("usage") or {}
                return Completion(text=text or "", finish_reason=reason,
                                  num_tokens=int(usage.get("completion_tokens") or 0))
            except RequestFailed as exc:
                last = str(exc)
                if not exc.retryable or attempt == self.max_retries:
                    break
                self._count("retries")
                wait = exc.retry_after if exc.retry_after is not None else self.backoff_s * (2 ** attempt)
                time.sleep(min(wait, self.max_backoff_s))
            except (KeyError, IndexError, TypeError) as exc:
                last = f"unexpected response layout: {type(exc).__name__}: {exc}"
                break
        self._count("errors")
        return Completion(text="", finish_reason="error", num_tokens=0, extra={"error": last})

    def generate(self, prompts: list[Prompt], params: SamplingParams) -> list[list[Completion]]:
        draws = 1 if params.greedy else params.n
        jobs = [(i, j) for i in range(len(prompts)) for j in range(draws)]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            done = list(pool.map(lambda ij: self._one(prompts[ij[0]], params, ij[1]), jobs))
        by_key = dict(zip(jobs, done, strict=True))
        out = []
        for i in range(len(prompts)):
            if params.greedy:
                c = by_key[(i, 0)]
                out.append([Completion(c.text, c.finish_reason, c.num_tokens, dict(c.extra)) for _ in range(params.n)])
            else:
                out.append([by_key[(i, j)] for j in range(params.n)])
        return out

    def close(self) -> None:
        self.client.close()
