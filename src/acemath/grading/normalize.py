r"""String normalisation of extracted answers: one canonical LaTeX-ish spelling per answer.

Everything here is plain string work (regexes and a brace matcher), linear in the input, so it is
safe to run in-process on untrusted text. What it does: drops math delimiters, sizing and spacing
commands, ``\text{}``-style wrappers and unit words; spells ``\dfrac``/``\tfrac`` as ``\frac``,
``\le`` as ``\leq``, degrees as ``°``, percent as ``%``; fixes ``\frac12`` and ``\sqrt2``.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Unit words stripped after a value (longest first matters only for the regex alternation).
UNIT_WORDS = sorted({
    "km", "m", "cm", "mm", "nm", "um", "μm", "pm", "kg", "g", "mg", "s", "sec", "secs", "second", "seconds",
    "min", "mins", "minute", "minutes", "h", "hr", "hrs", "hour", "hours", "day", "days", "week", "weeks",
    "month", "months", "year", "years", "yr", "ms", "ns", "l", "ml", "liter", "liters", "litre", "litres",
    "meter", "meters", "metre", "metres", "centimeter", "centimeters", "kilometer", "kilometers",
    "millimeter", "millimeters", "inch", "inches", "in", "foot", "feet", "ft", "yard", "yards", "mile",
    "miles", "mph", "kmh", "km/h", "m/s", "cm/s", "ft/s", "dollar", "dollars", "cent", "cents", "euro",
    "euros", "pound", "pounds", "lb", "lbs", "oz", "ounce", "ounces", "gallon", "gallons", "unit", "units",
    "sq", "square", "cubic", "degree", "degrees", "rad", "radian", "radians", "kelvin", "k", "j", "kj",
    "joule", "joules", "ev", "kev", "mev", "gev", "w", "kw", "mw", "watt", "watts", "hz", "khz", "mhz", "ghz",
    "n", "newton", "newtons", "pa", "kpa", "atm", "v", "volt", "volts", "a", "amp", "amps", "ohm", "ohms",
    "mol", "moles", "au", "pc", "kpc", "mpc", "ly", "lightyears", "erg", "ergs", "gauss", "t", "tesla",
    "person", "people", "student", "students", "apple", "apples", "item", "items", "point", "points",
    "page", "pages", "book", "books", "ticket", "tickets", "ways", "way", "times", "percent", "marbles",
    "cookies", "eggs", "pieces", "boxes", "bags", "games", "trees", "sheep", "cows", "children",
})
_TEXT_WORDS_TAIL = re.compile(r"\\(?:text|mbox|textrm)\s*\{\s*([A-Za-z][A-Za-z ]{0,40}?)\s*\}\s*$")
# Short units are stripped bare only when they cannot be a product of variables ("3 n" stays).
_SHORT = {"km", "cm", "mm", "nm", "kg", "mg", "hr", "ml", "ft", "lb", "oz", "hz"}
_TEXT_UNIT = re.compile(r"\\(?:text|mathrm|mbox|textrm|rm)\s*\{\s*~?\s*([A-Za-z/ ]{1,20}?)\s*\}"
                        r"(?:\s*(?:\^\s*\{?\s*[23]\s*\}?|²|³))?\s*$")

_TEXT_CMD = re.compile(r"\\(?:text|textbf|textit|textrm|texttt|mathrm|mathbf|mathit|mathsf|mathtt|mbox|"
                       r"operatorname|boldsymbol|bm|textnormal|emph|mathbb|mathcal|rm|bf)\s*\{")
_SPACES = re.compile(r"(?<!\\)\\(?:[,;:! ]|quad|qquad|thinspace|medspace|thickspace|enspace|hfill)|~|\\hspace\{[^}]*\}")
_SIZING = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg|bigl|bigr|Bigl|Bigr|biggl|biggr|middle)(?![A-Za-z])\s*")
_DEGREE = re.compile(r"\s*(?:\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|°|\^\s*\{\s*\\text\{\s*o\s*\}\s*\}|\\degree)")
_FRAC_SHORT = re.compile(r"\\(frac|binom)\s*(\d)\s*(\d)")
_FRAC_SHORT2 = re.compile(r"\\(frac|binom)\s*(\{[^{}]*\})\s*(\d|[a-zA-Z])(?![a-zA-Z])")
# C_n^k and C^k_n (combinations) as \binom{n}{k}
_BINOM_C = re.compile(r"(?<![A-Za-z\\])C_(?:\{(\w+)\}|(\w))\^(?:\{(\w+)\}|(\w))")
_BINOM_C2 = re.compile(r"(?<![A-Za-z\\])C\^(?:\{(\w+)\}|(\w))_(?:\{(\w+)\}|(\w))")
_SQRT_SHORT = re.compile(r"\\sqrt\s*(\d+|[a-zA-Z])")


def match_brace(s: str, i: int, open_: str = "{", close: str = "}") -> int:
    """Index of the brace closing the one at ``s[i]`` (-1 if unbalanced); backslash escapes skipped."""
    depth = 0
    n = len(s)
    j = i
    while j < n:
        c = s[j]
        if c == "\\" and j + 1 < n and s[j + 1] in "{}":
            j += 2
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def unwrap_text_commands(s: str) -> str:
    r"""Replace ``\text{abc}`` (and \mathrm, \textbf, ...) by ``abc``, innermost-safe, linear passes."""
    for _ in range(20):
        m = _TEXT_CMD.search(s)
        if not m:
            break
        open_i = m.end() - 1
        close_i = match_brace(s, open_i)
        if close_i < 0:
            s = s[:m.start()] + s[m.end():]
            continue
        inner = s[open_i + 1:close_i]
        pad_l = " " if inner[:1].isspace() else ""
        pad_r = " " if inner[-1:].isspace() else ""
        s = s[:m.start()] + pad_l + inner.strip() + pad_r + s[close_i + 1:]
    return s


def strip_delimiters(s: str) -> str:
    """Drop surrounding ``$``, ``\\[ \\]``, ``\\( \\)``, a trailing period and a leading colon."""
    s = s.strip()
    for _ in range(4):
        before = s
        s = s.strip().strip("$").strip()
        if s.startswith("\\[") and s.endswith("\\]"):
            s = s[2:-2]
        if s.startswith("\\(") and s.endswith("\\)"):
            s = s[2:-2]
        s = re.sub(r"(?:\.|。|\\\\)+$", "", s.strip())
        s = re.sub(r"^[:：]\s*", "", s)
        if s == before:
            break
    return s.strip()


def strip_units(s: str, extra_unit: str | None = None) -> str:
    """Remove a unit written after a value: ``5 cm``, ``5 \\text{ cm}^2``, ``\\$5``, ``12 dollars``."""
    s = re.sub(r"^\\?\$\s*(?=[\d.-])", "", s)  # leading dollar sign of money
    if extra_unit:
        u = strip_delimiters(unwrap_text_commands(extra_unit)).strip()
        if u and u not in ("%", "°"):
            s = re.sub(r"\s*" + re.escape(u) + r"\s*$", "", s)
    # a trailing run of unit words (optionally with ^2 / ^3 / per-unit)
    for _ in range(4):  # "4 \mathrm{erg} / \mathrm{s}": peel wrapped units from the end
        m = _TEXT_UNIT.search(s)
        if not (m and all(w.lower() in UNIT_WORDS for w in re.split(r"[ /]+", m.group(1).strip()) if w)):
            break
        head = re.sub(r"\s*(?:/|\\cdot)\s*$", "", s[:m.start()])
        if head == s[:m.start()] and not re.search(r"[\d}).%°]\s*$", head):
            break
        s = head.rstrip()
    m = _TEXT_WORDS_TAIL.search(s)
    if m and s[:m.start()].strip() and m.group(1).strip().lower() not in ("or", "and"):
        s = s[:m.start()].rstrip()
    m = re.fullmatch(r"([+-]?[\d.,]+)\s+[A-Za-z]{3,}(?:\s+[A-Za-z]{3,})*", s.strip())
    if m:
        s = m.group(1)
    unit_alt = "|".join(re.escape(u) for u in sorted(UNIT_WORDS, key=len, reverse=True) if len(u) > 2)
    short_alt = "|".join(re.escape(u) for u in sorted(_SHORT, key=len, reverse=True))
    pat = re.compile(
        rf"(?<=[\d}}).%°])\s*(?:(?:{unit_alt})(?:\s*(?:\^\s*\{{?\d\}}?|\^\d|²|³))?(?:\s*(?:/|per)\s*[a-z]+)?\s*)+$"
        rf"|(?<=[\d}}).])\s+(?:(?:{short_alt})(?:\^\{{?\d\}}?|\^\d|²|³)?(?:/[a-z]+)?)$",
        re.IGNORECASE)
    out = pat.sub("", s)
    return out if out.strip() else s


@lru_cache(maxsize=65536)
def normalize(s: str, unit: str | None = None) -> str:
    r"""Canonical spelling of one answer (spaces removed where insignificant). Pure and cached."""
    if len(s) > 20000:  # giant inputs: only cheap whitespace canonicalisation
        return re.sub(r"\s+", "", s)
    s = strip_delimiters(s)
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\cfrac", "\\frac")
    s = s.replace("\\dbinom", "\\binom").replace("\\tbinom", "\\binom")
    s = s.replace("\\displaystyle", "").replace("\\limits", "")
    s = _SIZING.sub("", s)
    s = _SPACES.sub(" ", s)
    s = re.sub(r"\{\s*,\s*\}", ",", s)  # 1{,}000
    s = _DEGREE.sub("°", s)
    s = s.replace("\\%", "%").replace("\\percent", "%")
    s = re.sub(r"\s*%", "%", s)
    s = re.sub(r"\s*percent\b", "%", s)
    s = strip_units(s, unit)
    s = unwrap_text_commands(s)
    s = re.sub(r"\^\s*\{\s*\\prime\s*\\prime\s*\}|''|″", "″", s)
    s = re.sub(r"\\(?:leqslant|leq|le)(?![a-zA-Z])|≤|<=", r"\\leq ", s)
    s = re.sub(r"\\(?:geqslant|geq|ge)(?![a-zA-Z])|≥|>=", r"\\geq ", s)
    s = re.sub(r"\\(?:neq|ne)(?![a-zA-Z])|≠|!=", r"\\neq ", s)
    s = re.sub(r"\\lt(?![a-zA-Z])", "<", s)
    s = re.sub(r"\\gt(?![a-zA-Z])", ">", s)
    s = re.sub(r"\\(?:infty|infin)(?![a-zA-Z])|∞", r"\\infty ", s)
    s = s.replace("π", "\\pi ").replace("√", "\\sqrt").replace("−", "-").replace("×", "\\times ")
    s = s.replace("\\cdot", "\\cdot ").replace("·", "\\cdot ")
    s = re.sub(r"\\(?:lbrace)(?![a-zA-Z])", r"\\{", s)
    s = re.sub(r"\\(?:rbrace)(?![a-zA-Z])", r"\\}", s)
    s = re.sub(r"\\(?:mid|vert|lvert|rvert)(?![a-zA-Z])", "|", s)
    s = s.replace("\\colon", ":")
    s = _FRAC_SHORT.sub(r"\\\1{\2}{\3}", s)
    s = _FRAC_SHORT2.sub(r"\\\1\2{\3}", s)
    s = _SQRT_SHORT.sub(r"\\sqrt{\1}", s)
    s = _BINOM_C.sub(r"\\binom{\1\2}{\3\4}", s)
    s = _BINOM_C2.sub(r"\\binom{\3\4}{\1\2}", s)
    s = re.sub(r"\{\s*(\w+)\s*\\choose\s*(\w+)\s*\}", r"\\binom{\1}{\2}", s)
    s = strip_units(s, unit)
    s = strip_delimiters(s)
    s = re.sub(r"([\^_])\{\s*([A-Za-z0-9])\s*\}", r"\1\2", s)  # x^{2} -> x^2, a_{n} -> a_n
    s = re.sub(r"\s+(?:or|and)\s+(?=\S)", ", ", s)  # "x = 2 or x = 3": a list of answers
    # insignificant whitespace: keep one space only between a command/letter and a letter
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"(?<=[^A-Za-z])\s|\s(?=[^A-Za-z\\])", "", s)
    return s


def compact(s: str) -> str:
    """``normalize`` and then drop every space: the form used for string equality."""
    return normalize(s).replace(" ", "")
