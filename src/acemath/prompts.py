r"""Prompt presets: named, versioned ways to turn a :class:`~acemath.benchmarks.Problem` into a prompt.

Presets (``name`` / version):

* ``cot`` v1 - the evaluation prompt of AceMath, which follows the Qwen2.5-Math toolkit's
  ``qwen25-math-cot`` template (PAPER.md section 3, "At evaluation time"): a system turn
  ``Please reason step by step, and put your final answer within \boxed{}.`` and the problem as the
  user turn, rendered with the *model's own* chat template (``tokenizer.apply_chat_template`` with
  ``add_generation_prompt=True``). Multiple-choice problems list their options as ``A. ...``.
* ``mmlu-5shot`` v1 - MMLU STEM 5-shot, as the toolkit does for ``qwen25-math-cot``: the five worked
  examples and the test question go into one user turn (each example is question + options, then
  its solution ending in ``\boxed{letter}``), after the same system turn. The five exemplars are
  written for acemath (Apache-2.0, see :data:`MMLU_STEM_EXEMPLARS`) so none comes from the test set.
* ``raw`` v1 - completion mode for base models, no chat template:
  ``{question}\nPlease reason step by step, and put your final answer within \boxed{}.\n``.

``render(problem, preset, tokenizer)`` returns the prompt text; ``messages(problem, preset)`` the
chat turns (``None`` for ``raw``), which an OpenAI-compatible chat endpoint renders itself.
A preset's version is bumped whenever its rendered text changes, and ``preset_id`` (``"cot@1"``)
is stored with every sample file so runs with different prompts are never mixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from acemath.benchmarks import Problem
from acemath.errors import ConfigError
from acemath.registry import did_you_mean

EVAL_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."
LETTERS = "ABCDEFGHIJ"

Message = dict[str, str]


def format_question(question: str, choices: list[str] | None) -> str:
    """The question, then one ``A. option`` line per choice (multiple choice only)."""
    text = question.strip()
    if choices:
        text += "\n" + "\n".join(f"{LETTERS[i]}. {str(c).strip()}" for i, c in enumerate(choices))
    return text


@dataclass(frozen=True)
class Exemplar:
    question: str
    choices: tuple[str, ...]
    solution: str


# Written for acemath (Apache-2.0), not drawn from MMLU; one per STEM area, each with a short chain
# and a boxed letter, which is the style of the toolkit's MMLU STEM few-shot prompt.
MMLU_STEM_EXEMPLARS: tuple[Exemplar, ...] = (
    Exemplar("What is the derivative of f(x) = 3x^2 + 2x with respect to x?",
             ("3x + 2", "6x + 2", "6x^2 + 2", "x^3 + x^2"),
             "Differentiate term by term: d/dx(3x^2) = 6x and d/dx(2x) = 2, so f'(x) = 6x + 2. "
             "The answer is \\boxed{B}."),
    Exemplar("A car accelerates uniformly from rest to 20 m/s in 4 s. What is its acceleration?",
             ("4 m/s^2", "80 m/s^2", "5 m/s^2", "0.2 m/s^2"),
             "Acceleration is the change in velocity over time: (20 - 0) / 4 = 5 m/s^2. "
             "The answer is \\boxed{C}."),
    Exemplar("How many moles of water are in 36 g of H2O? (H = 1 g/mol, O = 16 g/mol)",
             ("1", "2", "18", "36"),
             "The molar mass of H2O is 2(1) + 16 = 18 g/mol, so 36 / 18 = 2 moles. The answer is \\boxed{B}."),
    Exemplar("What is the worst-case time complexity of binary search on a sorted array of n elements?",
             ("O(1)", "O(n)", "O(n log n)", "O(log n)"),
             "Each comparison halves the remaining range, so at most about log2(n) steps are needed. "
             "The answer is \\boxed{D}."),
    Exemplar("Two fair six-sided dice are rolled. What is the probability that the sum is 7?",
             ("1/6", "1/12", "7/36", "1/36"),
             "Of the 36 equally likely outcomes, six give a sum of 7: (1,6), (2,5), (3,4), (4,3), (5,2), (6,1). "
             "So the probability is 6/36 = 1/6. The answer is \\boxed{A}."),
)


def _cot_messages(problem: Problem) -> list[Message]:
    return [{"role": "system", "content": EVAL_SYSTEM},
            {"role": "user", "content": format_question(problem.question, problem.choices)}]


def _mmlu_messages(problem: Problem) -> list[Message]:
    demos = "\n\n".join(f"{format_question(e.question, list(e.choices))}\n{e.solution}"
                        for e in MMLU_STEM_EXEMPLARS)
    user = f"{demos}\n\n{format_question(problem.question, problem.choices)}"
    return [{"role": "system", "content": EVAL_SYSTEM}, {"role": "user", "content": user}]


def _raw_text(problem: Problem) -> str:
    return f"{format_question(problem.question, problem.choices)}\n{EVAL_SYSTEM}\n"


@dataclass(frozen=True)
class PromptPreset:
    name: str
    version: int
    description: str
    build_messages: Callable[[Problem], list[Message]] | None = None
    build_text: Callable[[Problem], str] | None = None

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def is_chat(self) -> bool:
        return self.build_messages is not None


PRESETS: dict[str, PromptPreset] = {
    p.name: p
    for p in [
        PromptPreset("cot", 1, "system: reason step by step + \\boxed{}; problem as user turn; model chat template",
                     build_messages=_cot_messages),
        PromptPreset("mmlu-5shot", 1, "MMLU STEM 5-shot (acemath exemplars) in one user turn, same system turn",
                     build_messages=_mmlu_messages),
        PromptPreset("raw", 1, "completion mode: problem + instruction, no chat template", build_text=_raw_text),
    ]
}

# ``--prompt auto``: the paper evaluates MMLU STEM 5-shot and everything else 0-shot.
AUTO_PRESET = {"mmlu_stem": "mmlu-5shot"}


def get_preset(name: str, benchmark: str | None = None) -> PromptPreset:
    """Look up a preset by name (``name`` or ``name@version``); ``auto`` picks by benchmark."""
    if name == "auto":
        name = AUTO_PRESET.get(benchmark or "", "cot")
    base, _, version = name.partition("@")
    if base not in PRESETS:
        raise did_you_mean(base, PRESETS, kind="prompt preset")
    preset = PRESETS[base]
    if version and version != str(preset.version):
        raise ConfigError(f"prompt preset {base!r} is at version {preset.version}; version {version} is not "
                          "available in this acemath")
    return preset


def messages(problem: Problem, preset: PromptPreset | str) -> list[Message] | None:
    """The chat turns for a chat preset; ``None`` for completion-mode presets."""
    preset = get_preset(preset, problem.benchmark) if isinstance(preset, str) else preset
    return preset.build_messages(problem) if preset.build_messages else None


def render(problem: Problem, preset: PromptPreset | str, tokenizer: Any = None) -> str:
    """The prompt text: chat presets go through the tokenizer's own chat template (required)."""
    preset = get_preset(preset, problem.benchmark) if isinstance(preset, str) else preset
    if preset.build_text is not None:
        return preset.build_text(problem)
    assert preset.build_messages is not None
    if tokenizer is None:
        raise ConfigError(f"prompt preset {preset.id} renders with the model's chat template: a tokenizer is needed")
    if not getattr(tokenizer, "chat_template", None):
        raise ConfigError(f"the tokenizer has no chat template, so preset {preset.id} cannot be rendered; "
                          "use --prompt raw for a base model")
    text = tokenizer.apply_chat_template(preset.build_messages(problem), tokenize=False, add_generation_prompt=True)
    return str(text)
