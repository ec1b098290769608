"""Load ``cases.txt``: the labelled grading case table shared by the tests and benchmarks/grading.py."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CASES_FILE = Path(__file__).with_name("cases.txt")


@dataclass(frozen=True)
class Case:
    line: int
    family: str
    expected: str  # "1" right, "0" wrong, "N" no answer
    benchmark: str | None
    gold: str
    response: str
    choices: list[str] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        return self.expected == "1"

    def id(self) -> str:
        return f"L{self.line}-{self.family}"


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    cases: list[Case] = []
    family = ""
    for i, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.startswith("## "):
            family = raw[3:].split(":")[0].strip()
            continue
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split(" ||| ")
        if len(parts) == 3 and raw.endswith("|||"):
            parts = raw.split(" ||| ")[:2] + [parts[2].removesuffix(" |||").removesuffix("|||"), ""]
        if len(parts) not in (4, 5):
            raise ValueError(f"{path}:{i}: expected 4 or 5 fields, got {len(parts)}")
        expected, bench, gold, response = (p.strip() if k < 3 else p for k, p in enumerate(parts[:4]))
        if expected not in ("0", "1", "N"):
            raise ValueError(f"{path}:{i}: expected must be 0, 1 or N")
        response = response.replace("⏎", "\n")
        if response.startswith("="):
            response = f"The final answer is $\\boxed{{{response[1:]}}}$."
        extra = json.loads(parts[4]) if len(parts) == 5 else {}
        cases.append(Case(i, family, expected, None if bench == "-" else bench, gold, response,
                          extra.get("choices"), extra.get("meta", {})))
    return cases
