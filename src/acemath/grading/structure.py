r"""Answer structure: sets, lists, tuples, intervals, unions, inequalities, equations, matrices.

:func:`parse` turns a normalised answer into a small tree of these nodes; leaves stay strings and
are compared by :mod:`acemath.grading.equivalence`. Pure string work, linear-ish in the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from acemath.grading.numbers import parse_number


@dataclass(frozen=True)
class Leaf:
    text: str


@dataclass(frozen=True)
class Seq:
    """``kind``: "set" and "list" are unordered; "tuple" is ordered; "pair" is ``(a,b)`` (tuple or open interval)."""

    items: tuple[Node, ...]
    kind: str


@dataclass(frozen=True)
class Interval:
    lo: str
    hi: str
    lo_closed: bool
    hi_closed: bool


@dataclass(frozen=True)
class Union:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Eq:
    lhs: str
    rhs: Node


@dataclass(frozen=True)
class Matrix:
    rows: tuple[tuple[str, ...], ...]


Node = Leaf | Seq | Interval | Union | Eq | Matrix

_OPEN = "([{"
_CLOSE = ")]}"
_SIMPLE_VAR = re.compile(r"[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?(?:'+)?|\\(?:alpha|beta|gamma|delta|theta|lambda|mu|"
                         r"phi|varphi|omega|rho|sigma|tau|epsilon|varepsilon|eta|xi|psi|zeta|kappa|nu)"
                         r"(?:_\{?[A-Za-z0-9]+\}?)?")
_FUNC_LHS = re.compile(r"[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?\([A-Za-z, ]*\)")
_LIST_WORDS = re.compile(r"\s*(?:,|;|\bor\b|\band\b|\\quad)\s*")
_REL = re.compile(r"\\leq|\\geq|<|>")
_MATRIX = re.compile(r"^\\begin\{(pmatrix|bmatrix|Bmatrix|vmatrix|matrix|array|smallmatrix)\}(\{[^{}]*\})?(.*)"
                     r"\\end\{\1\}(\^\{?T\}?|\^\{?\\top\}?)?$", re.S)
MAX_DEPTH = 60


def simple_lhs(s: str) -> bool:
    """Is ``s`` a variable or function name that an answer may carry as a prefix (``x=``, ``f(x)=``)?"""
    s = s.strip()
    return bool(_SIMPLE_VAR.fullmatch(s) or _FUNC_LHS.fullmatch(s))


def depth(s: str) -> int:
    d = best = 0
    for c in s:
        if c in _OPEN:
            d += 1
            best = max(best, d)
        elif c in _CLOSE:
            d -= 1
    return best


def split_top(s: str, pattern: re.Pattern[str]) -> list[str]:
    """Split ``s`` where ``pattern`` matches at bracket depth 0."""
    parts: list[str] = []
    d = 0
    start = 0
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] in "{}":
            d += 1 if s[i + 1] == "{" else -1
            i += 2
            continue
        if c in _OPEN:
            d += 1
        elif c in _CLOSE:
            d -= 1
        elif d == 0:
            m = pattern.match(s, i)
            if m and m.end() > i:
                parts.append(s[start:i])
                start = i = m.end()
                continue
        i += 1
    parts.append(s[start:])
    return parts


def _closing(s: str, i: int) -> int:
    """Index closing the bracket at ``s[i]`` counting all bracket kinds together (-1 if none)."""
    d = 0
    for j in range(i, len(s)):
        c = s[j]
        if c in _OPEN:
            d += 1
        elif c in _CLOSE:
            d -= 1
            if d == 0:
                return j
    return -1


_SEP_COMMA = re.compile(r",")
_SEP_CUP = re.compile(r"\\cup")
_SEP_BAR = re.compile(r"\||:")
_SEP_EQ = re.compile(r"=")
_SEP_PM = re.compile(r"\\pm(?![A-Za-z])")


def _flatten(nodes) -> tuple[Node, ...]:  # noqa: ANN001
    """Nested answer lists in one list; ``x = 1, -1`` style items stay; ``x=\\pm1`` is opened up."""
    out: list[Node] = []
    for n in nodes:
        if isinstance(n, Seq) and n.kind == "list":
            out.extend(n.items)
        elif isinstance(n, Eq) and isinstance(n.rhs, Seq) and n.rhs.kind == "list" and simple_lhs(n.lhs):
            out.extend(Eq(n.lhs, x) for x in n.rhs.items)
        else:
            out.append(n)
    return tuple(out)


def _strip_parens(s: str) -> str:
    while len(s) >= 2 and s[0] == "(" and _closing(s, 0) == len(s) - 1 and s[-1] == ")" and "," not in s:
        s = s[1:-1].strip()
    return s


def parse(s: str, _depth: int = 0) -> Node:
    s = s.strip()
    if _depth > 8 or not s or depth(s) > MAX_DEPTH:
        return Leaf(s)
    m = re.match(r"^(?:[A-Za-z](?:_\{?\w+\}?)?|\\[a-z]+)\s*\\in\s*(.+)$", s)
    if m:
        s = m.group(1).strip()
    parts = split_top(s, _SEP_CUP)
    if len(parts) > 1:
        return Union(tuple(parse(p, _depth + 1) for p in parts))
    mm = _MATRIX.match(s)
    if mm:
        body = mm.group(3).strip()
        rows = [r for r in re.split(r"\\\\", body) if r.strip()]
        grid = tuple(tuple(c.strip() for c in r.split("&")) for r in rows)
        if mm.group(4):  # transpose
            grid = tuple(zip(*grid, strict=False))
        return Matrix(grid)
    if s.startswith("\\{") and s.endswith("\\}") and _closing(s, 1) == len(s) - 1:
        inner = s[2:-2].strip()
        cond = split_top(inner, _SEP_BAR)
        if len(cond) == 2 and _SIMPLE_VAR.fullmatch(cond[0].strip() or "?"):
            return parse_inequality(cond[1]) or Leaf(s)
        items = [p for p in split_top(inner, _SEP_COMMA)]
        return Seq(tuple(parse(p, _depth + 1) for p in items if p.strip()), "set")
    if s[0] in "([" and s[-1] in ")]" and _closing(s, 0) == len(s) - 1:
        items = split_top(s[1:-1], _SEP_COMMA)
        if len(items) == 1:
            if s[0] == "(" and s[-1] == ")":
                return parse(items[0], _depth + 1)
        elif len(items) == 2:
            lo, hi = items[0].strip(), items[1].strip()
            if s[0] == "[" or s[-1] == "]" or "\\infty" in lo or "\\infty" in hi:
                if s[0] == "[" and s[-1] == "]" and not ("\\infty" in lo or "\\infty" in hi):
                    return Seq((parse(lo, _depth + 1), parse(hi, _depth + 1)), "closed2")
                return Interval(lo, hi, s[0] == "[", s[-1] == "]")
            return Seq((parse(lo, _depth + 1), parse(hi, _depth + 1)), "pair")
        else:
            return Seq(tuple(parse(p, _depth + 1) for p in items), "tuple")
    if parse_number(s) is None:
        items = [p for p in split_top(s, _LIST_WORDS) if p.strip()]
        if len(items) > 1:
            return Seq(_flatten(parse(p, _depth + 1) for p in items), "list")
    pm = split_top(s, _SEP_PM)
    if len(pm) == 2:  # a \pm b: two answers
        a, b = pm[0].strip(), pm[1].strip()
        lhs = ""
        eq = split_top(a, _SEP_EQ)
        if len(eq) == 2:
            lhs, a = eq[0].strip() + "=", eq[1].strip()
        plus, minus = (f"{a}+{b}", f"{a}-{b}") if a else (b, f"-{b}")
        return Seq((parse(lhs + plus, _depth + 1), parse(lhs + minus, _depth + 1)), "list")
    if _REL.search(s):
        iv = parse_inequality(s)
        if iv is not None:
            return iv
    sides = split_top(s, _SEP_EQ)
    if len(sides) >= 2 and all(p.strip() for p in sides):
        return Eq(sides[0].strip(), parse(sides[-1], _depth + 1))
    return Leaf(s)


def parse_inequality(s: str) -> Node | None:
    """``x > 3`` -> (3, oo); ``-2 \\leq x < 1`` -> [-2, 1); None if it is not one variable's range."""
    parts = split_top(s.strip(), re.compile(r"(\\leq|\\geq|<|>)"))
    ops = re.findall(r"\\leq|\\geq|<|>", s)
    if len(parts) != len(ops) + 1 or len(parts) not in (2, 3):
        return None
    parts = [p.strip() for p in parts]
    if len(parts) == 2:
        a, b = parts
        op = ops[0]
        if _SIMPLE_VAR.fullmatch(a):
            var_left, val = True, b
        elif _SIMPLE_VAR.fullmatch(b):
            var_left, val = False, a
        else:
            return None
        greater = op in (">", "\\geq")
        if not var_left:
            greater = not greater
        closed = op in ("\\leq", "\\geq")
        if greater:
            return Interval(val, "\\infty", closed, False)
        return Interval("-\\infty", val, False, closed)
    a, x, b = parts
    if not _SIMPLE_VAR.fullmatch(x):
        return None
    o1, o2 = ops
    if o1 in ("<", "\\leq") and o2 in ("<", "\\leq"):
        return Interval(a, b, o1 == "\\leq", o2 == "\\leq")
    if o1 in (">", "\\geq") and o2 in (">", "\\geq"):
        return Interval(b, a, o2 == "\\geq", o1 == "\\geq")
    return None
