r"""Final-answer extraction: only the response's final answer counts.

Rules, in order:

1. The last ``\boxed{}`` (nested braces; ``\fbox`` too). Boxes right before it that are joined to it
   only by commas, "and" or "or" are part of the same final answer (``\boxed{2}, \boxed{3}``).
   If the last box is never closed the response was cut off inside its answer: no answer.
2. Else the last explicit final statement: "final answer: X", "the (final/correct) answer is X",
   "answer: X", GSM8K's "#### X". The statement must be complete (a closed ``$...$``); an
   empty or cut-off statement is no answer.
3. GSM8K only, when 1 and 2 find nothing: the number that concludes the response's *last
   sentence*, and only if that sentence is a conclusion ("So/Therefore/Thus/In total ... 18.")
   ending with a full stop. A number from the middle of the reasoning is never taken (the
   Qwen2.5-Math toolkit's last-number rule is a known source of false positives), and a response
   cut off mid-sentence has no answer.

Multiple choice (``choices`` given): the letter from the box or statement in any of the forms
``B``, ``(B)``, ``\textbf{(B)}``, ``B) text``, ``(B) text``, or the text of exactly one option.
"""

from __future__ import annotations

import re

from acemath.grading.boxed import final_boxes
from acemath.grading.normalize import strip_delimiters, unwrap_text_commands

MAX_RESPONSE_CHARS = 400_000

_STATEMENT = re.compile(
    r"(?:final\s+answer\s*(?:is|:|=)?|(?:the|my)\s+(?:final\s+|correct\s+)?(?:answer|option|choice)s?\s+"
    r"(?:is|are|would\s+be|will\s+be|should\s+be)|\banswer\s*[:：]|####)\s*[:：]?\s*(?:\\\[|\$\$|\$)?",
    re.IGNORECASE)
_CUE = re.compile(r"\b(?:so|therefore|thus|hence|in\s+total|altogether|in\s+all|finally|total|overall|"
                  r"answer)\b", re.IGNORECASE)
_NUMBER = re.compile(r"-?\$?\d[\d,]*(?:\.\d+)?")
_LETTERS = "ABCDEFGHIJ"


def extract_answer(response: str, benchmark: str | None = None, choices: list[str] | None = None) -> str | None:
    """The final answer of ``response`` as a string (a letter for multiple choice), or None."""
    if not isinstance(response, str) or not response.strip():
        return None
    text = response[-MAX_RESPONSE_CHARS:]
    if choices:
        return extract_choice(text, choices)
    return extract_final(text, benchmark)


def extract_final(text: str, benchmark: str | None = None) -> str | None:
    boxes, truncated = final_boxes(text)
    if truncated:
        return None
    if boxes:
        ans = ", ".join(b.strip() for b in boxes if b.strip())
        return ans or None
    stated = _statement(text)
    if stated is not None:
        return stated or None
    if benchmark == "gsm8k":
        return _gsm8k_conclusion(text)
    return None


def _statement(text: str) -> str | None:
    """Answer after the last final statement; "" when the statement is empty or cut off; None if absent."""
    last = None
    for m in _STATEMENT.finditer(text):
        last = m
    if last is None:
        return None
    opener = text[last.start():last.end()].rstrip()
    rest = text[last.end():]
    if opener.endswith("$$") or opener.endswith("\\["):
        close = "$$" if opener.endswith("$$") else "\\]"
        end = rest.find(close)
        return "" if end < 0 else strip_delimiters(rest[:end])
    if opener.endswith("$"):
        end = rest.find("$")
        if end >= 0 and "\n" not in rest[:end]:
            return strip_delimiters(rest[:end])
        if not re.match(r"\d", rest):
            return ""
        opener = opener[:-1]  # "Final Answer: $18": a dollar sign, not math
    line = rest.split("\n", 1)[0]
    if not line.strip():
        nxt = rest.lstrip("\n")
        if nxt.startswith("$$") or nxt.startswith("\\["):  # answer on the next line, displayed
            close = "$$" if nxt.startswith("$$") else "\\]"
            end = nxt.find(close, 2)
            return "" if end < 0 else strip_delimiters(nxt[2:end])
        return ""
    if line.count("$") % 2 == 1:
        return ""  # an unclosed inline formula: cut off
    m = re.search(r"\.(?=\s|$)", line)  # sentence end ("14. Let me check"), never a decimal point ("3.5")
    if m:
        line = line[:m.start()]
    line = line.replace("**", "").strip()
    return strip_delimiters(line)


def _gsm8k_conclusion(text: str) -> str | None:
    t = re.sub(r"<<[^>]*>>", "", text).rstrip()
    if not t or t[-1] not in ".!":
        return None
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", t) if s.strip()]
    if not sentences:
        return None
    last = sentences[-1]
    cue = _CUE.search(last)
    if not cue:
        return None
    tail = last[cue.end():]
    if "=" in tail:
        after = tail.rsplit("=", 1)[1]
        nums = _NUMBER.findall(after)
        return _clean_num(nums[0]) if len(nums) == 1 else None
    nums = {_clean_num(n) for n in _NUMBER.findall(tail)}
    nums.discard("")
    return nums.pop() if len(nums) == 1 else None


def _clean_num(s: str) -> str:
    return s.replace("$", "").replace(",", "").rstrip(".")


# ------------------------------------------------------------------------------------------ choices

_LETTER_FORMS = re.compile(r"^\(?\s*([A-Ja-j])\s*\)?(?:\s*[.:)\]]\s*|\s+)?(.*)$", re.S)


def letter_of(candidate: str, choices: list[str]) -> str | None:
    """The option letter a final answer names: ``B``, ``(B)``, ``\\textbf{(B)}``, ``(B) text`` or option text."""
    c = strip_delimiters(unwrap_text_commands(candidate)).replace("**", "").strip()
    c = re.sub(r"^(?:option|choice|answer)\s*", "", c, flags=re.IGNORECASE).strip()
    n = len(choices)
    m = _LETTER_FORMS.match(c)
    if m:
        letter, rest = m.group(1), m.group(2).strip()
        upper = letter.upper()
        idx = _LETTERS.find(upper)
        bracketed = c.startswith("(") or bool(re.match(r"^[A-Ja-j]\s*[.:)\]]", c))
        if 0 <= idx < n and (not rest or bracketed) and (letter.isupper() or bracketed or len(c) == 1):
            return upper
    return _option_text(c, choices)


def _option_text(c: str, choices: list[str]) -> str | None:
    from acemath.grading.normalize import compact

    key = compact(c).lower()
    if not key:
        return None
    hits = [i for i, ch in enumerate(choices) if compact(str(ch)).lower() == key]
    if not hits:
        from acemath.grading.numbers import parse_number

        value = parse_number(key)
        if value is not None:
            hits = [i for i, ch in enumerate(choices)
                    if (v := parse_number(compact(str(ch)))) is not None and v.value == value.value]
    if len(hits) == 1:
        return _LETTERS[hits[0]]
    return None


def extract_choice(text: str, choices: list[str]) -> str | None:
    boxes, truncated = final_boxes(text)
    if truncated:
        return None
    if boxes:
        return letter_of(boxes[-1], choices)
    stated = _statement(text)
    if stated:
        return letter_of(stated, choices)
    if stated == "":
        return None
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if lines:
        m = re.match(r"^\**\(([A-J])\)", lines[-1])
        if m and _LETTERS.find(m.group(1)) < len(choices):
            return m.group(1)
    return None
