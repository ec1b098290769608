"""The ``openai`` backend against a real OpenAI-compatible HTTP server on 127.0.0.1.

The server (:mod:`acemath.generation.server`) serves the tiny model through the ``hf`` backend over
real HTTP; nothing is mocked. Failures (503s, a request that outlives its time limit, a 400) are
injected at the HTTP level to test retries, backoff and time limits.
"""

from __future__ import annotations

import json
import time

import pytest

from acemath.cli import main
from acemath.generation import get_generator
from acemath.generation.base import SamplingParams
from acemath.generation.server import OpenAICompatServer
from acemath.io import read_rows


@pytest.fixture(scope="module")
def hf(tiny_model_dir):
    import torch

    torch.set_num_threads(1)
    g = get_generator("hf", str(tiny_model_dir))
    yield g
    g.close()


@pytest.fixture()
def server(hf):
    with OpenAICompatServer(hf, model_name="tiny") as s:
        yield s


def client(url: str, **kw):
    return get_generator("openai", "tiny", **{"base_url": url, "concurrency": 4, "backoff_s": 0.01, **kw})


CHAT = [{"role": "system", "content": "Please reason step by step."}, {"role": "user", "content": "What is 2 + 3?"}]


def test_chat_and_completion_requests_over_real_http(server):
    g = client(server.url)
    params = SamplingParams(n=3, temperature=0.9, top_p=0.95, max_tokens=6, seed=4)
    first = g.generate([CHAT, "Question: 1 + 1 =", "another raw prompt"], params)
    again = g.generate([CHAT, "Question: 1 + 1 =", "another raw prompt"], params)
    g.close()
    assert [len(r) for r in first] == [3, 3, 3]
    assert [[c.text for c in r] for r in first] == [[c.text for c in r] for r in again]  # seeded per sample
    for c in (c for r in first for c in r):  # token counts come from the server's usage block
        assert (c.finish_reason, c.num_tokens) == ("length", 6) or (c.finish_reason == "stop" and c.num_tokens <= 6)
    assert any(c.finish_reason == "length" for r in first for c in r)
    assert len({c.text for c in first[1]}) > 1
    paths = [r["path"] for r in server.requests]
    assert paths.count("/v1/chat/completions") == 6 and paths.count("/v1/completions") == 12
    chat_req = next(r for r in server.requests if r["path"] == "/v1/chat/completions")
    assert chat_req["messages"] == CHAT and chat_req["n"] == 1 and chat_req["model"] == "tiny"


def test_greedy_sends_one_request_per_prompt(server):
    g = client(server.url)
    out = g.generate(["2 + 2 ="], SamplingParams(n=4, temperature=0.0, max_tokens=5))[0]
    g.close()
    assert len(out) == 4 and len({c.text for c in out}) == 1 and len(server.requests) == 1
    assert server.requests[0]["temperature"] == 0.0


def test_retries_with_backoff_until_the_server_recovers(hf):
    failures = {"left": 3}

    def fault(body):
        if failures["left"]:
            failures["left"] -= 1
            return 503
        return None

    with OpenAICompatServer(hf, fault=fault) as s:
        g = client(s.url, concurrency=1)
        t0 = time.perf_counter()
        out = g.generate(["1 + 1 ="], SamplingParams(n=1, temperature=0.5, max_tokens=4))[0]
        waited = time.perf_counter() - t0
        g.close()
    assert out[0].finish_reason in ("stop", "length") and g.stats["retries"] == 3
    assert len(s.requests) == 4
    assert waited >= 0.01 + 0.02 + 0.04  # exponential backoff: 0.01 * (1 + 2 + 4) seconds


def test_request_time_limit_then_retry(hf):
    slow = {"left": 1}

    def fault(body):
        if slow["left"]:
            slow["left"] -= 1
            time.sleep(1.5)  # outlives the client's 0.3 s limit
        return None

    with OpenAICompatServer(hf, fault=fault) as s:
        g = client(s.url, timeout_s=0.3, concurrency=1)
        out = g.generate(["1 + 1 ="], SamplingParams(n=1, temperature=0.5, max_tokens=4))[0]
        g.close()
    assert out[0].finish_reason != "error" and g.stats["retries"] == 1


def test_client_errors_are_not_retried(hf):
    with OpenAICompatServer(hf, fault=lambda body: 400) as s:
        g = client(s.url, max_retries=4)
        out = g.generate(["x"], SamplingParams(n=2, temperature=0.5, max_tokens=4))[0]
        g.close()
    assert [c.finish_reason for c in out] == ["error", "error"] and "HTTP 400" in out[0].extra["error"]
    assert len(s.requests) == 2


@pytest.mark.slow
def test_generate_cli_on_the_openai_backend_retries_failed_problems_on_rerun(hf, tiny_model_dir, tmp_path, capsys):
    data = tmp_path / "p.jsonl"
    data.write_text("".join(json.dumps({"id": f"q{i}", "question": f"What is {i} + {i}?", "gold": str(2 * i)}) + "\n"
                            for i in range(4)))
    out = tmp_path / "o.jsonl"
    args = ["generate", "--model", "tiny", "--benchmark", "toy", "--data", str(data), "--n", "2",
            "--temperature", "0.7", "--max-tokens", "6", "--backend", "openai", "--no-progress",
            "--tokenizer", str(tiny_model_dir), "--max-retries", "1", "--retry-backoff", "0.01", "-o", str(out)]
    down = {"on": True}

    def fault(body):  # q2 cannot be served during the first run
        return 503 if down["on"] and "2 + 2" in json.dumps(body) else None

    with OpenAICompatServer(hf, fault=fault) as s:
        assert main([*args, "--base-url", s.url]) == 1
        assert "rerun the same command" in capsys.readouterr().err
        assert sorted(r["id"] for r in read_rows(out)) == ["q0", "q1", "q3"]
        down["on"] = False
        assert main([*args, "--base-url", s.url]) == 0
    rows = read_rows(out)
    assert sorted(r["id"] for r in rows) == ["q0", "q1", "q2", "q3"] and all(len(r["responses"]) == 2 for r in rows)
    assert rows[0]["messages"][0]["role"] == "system"
    assert rows[0]["prompt"].startswith("<|im_start|>system")  # recorded with the local tokenizer
    assert rows[0]["generator"]["backend"] == "openai"
