"""Crash-safe JSONL: a killed writer's partial line is dropped on reopen, bad JSON names file and line."""

from __future__ import annotations

import pytest

from acemath.errors import InputError
from acemath.io import JsonlAppender, iter_jsonl, read_rows, write_run_json


def test_partial_tail_is_dropped_and_appending_resumes(tmp_path):
    f = tmp_path / "out.jsonl"
    with JsonlAppender(f) as w:
        w.write({"id": 1})
        w.write({"id": 2})
    with f.open("ab") as fh:  # what a SIGKILL mid-write leaves
        fh.write(b'{"id": 3, "resp')
    assert [r["id"] for r in read_rows(f)] == [1, 2]
    with JsonlAppender(f) as w:
        w.write({"id": 3})
    assert [r["id"] for r in read_rows(f)] == [1, 2, 3]


def test_bad_json_in_the_middle_names_line(tmp_path):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"a": 1}\n{oops\n{"a": 2}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:2"):
        list(iter_jsonl(f))


def test_run_json_has_provenance(tmp_path):
    path = write_run_json(tmp_path, "acemath test", {"k": 1})
    import json

    rec = json.loads(path.read_text())
    assert rec["config"] == {"k": 1} and "versions" in rec and "time" in rec and "hardware" in rec
