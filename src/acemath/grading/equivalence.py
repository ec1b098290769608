r"""Is an extracted answer equivalent to the gold answer? The policy of SPEC.md, fast paths first.

Order of work for one pair: normalised string equality; structure (sets, lists, tuples,
intervals, unions, inequalities, equations, matrices) compared part by part; for each leaf:
string equality, exact numbers (:mod:`acemath.grading.numbers`), text answers, and only then a
symbolic comparison in a killable worker process (:mod:`acemath.grading.worker`) bounded by what
is left of the time budget. Inputs that could make SymPy blow up (huge numbers, power towers, deep
nesting, very long strings) never go to SymPy: they are compared as strings.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from fractions import Fraction

from acemath.grading.fastnum import fast_equal
from acemath.grading.normalize import normalize
from acemath.grading.numbers import Num, numbers_match, parse_number
from acemath.grading.structure import Eq, Interval, Leaf, Matrix, Node, Seq, Union, parse, simple_lhs
from acemath.grading.worker import WorkerError, WorkerTimeout, pool

MAX_SYMBOLIC_CHARS = 400
MAX_SYMBOLIC_DIGITS = 200
MAX_POWER_NESTING = 2
_TEXT_WORD = re.compile(r"[A-Za-z]{3,}")
_LATEX_CMD = re.compile(r"\\[A-Za-z]+")
_SHORT_TEXT = {"no", "yes", "ok"}
_CODE = re.compile(r"__|\*\*|\bimport\b|\blambda\b|\bprint\s*\(|['\"]|\b(?:eval|exec|len|range|sum|math)\b")


class GradeTimeout(Exception):
    """The time budget of one comparison ran out (the symbolic worker was killed)."""


@dataclass
class Ctx:
    deadline: float
    rounded_gold: bool = False
    symbolic_calls: int = 0

    def left(self) -> float:
        return self.deadline - time.monotonic()


def equivalent(pred: str, gold: str, ctx: Ctx, *, unit: str | None = None) -> bool:
    """``pred`` (an extracted answer) equals ``gold`` under the policy. Raises :class:`GradeTimeout`."""
    p = normalize(pred, unit)
    g = normalize(gold)
    if not p:
        return False
    if p.replace(" ", "") == g.replace(" ", ""):
        return True
    return node_eq(parse(p), parse(g), ctx)


# ------------------------------------------------------------------------------------------ structure


def node_eq(p: Node, g: Node, ctx: Ctx) -> bool:
    if isinstance(g, Eq) and not isinstance(p, Eq) and simple_lhs(g.lhs):
        return node_eq(p, g.rhs, ctx)
    if isinstance(p, Eq) and not isinstance(g, Eq) and simple_lhs(p.lhs):
        return node_eq(p.rhs, g, ctx)
    if isinstance(p, Eq) and isinstance(g, Eq):
        if _compact(p.lhs) == _compact(g.lhs):
            return node_eq(p.rhs, g.rhs, ctx)
        if simple_lhs(p.lhs) and simple_lhs(g.lhs):
            return False  # a = 2 is not b = 2
        if isinstance(p.rhs, Leaf) and isinstance(g.rhs, Leaf):
            return _symbolic(f"{p.lhs}={p.rhs.text}", f"{g.lhs}={g.rhs.text}", ctx)
        return False
    if isinstance(g, Leaf) and isinstance(p, Leaf):
        return leaf_eq(p.text, g.text, ctx)
    g_iv, p_iv = _as_intervals(g), _as_intervals(p)
    if g_iv is not None and p_iv is not None and (_has_interval(g) or _has_interval(p)):
        return _unordered(p_iv, g_iv, ctx, _interval_eq)
    if isinstance(g, Matrix) or isinstance(p, Matrix):
        return _matrix_eq(p, g, ctx)
    if isinstance(g, Seq) and isinstance(p, Seq):
        return _seq_eq(p, g, ctx)
    if isinstance(g, Union) and isinstance(p, Union):
        return _unordered(list(p.parts), list(g.parts), ctx, node_eq)
    if isinstance(g, Leaf) and isinstance(p, Seq) and p.kind == "set" and len(p.items) == 1:
        return node_eq(p.items[0], g, ctx)
    if isinstance(p, Leaf) and isinstance(g, Seq) and g.kind == "set" and len(g.items) == 1:
        return node_eq(p, g.items[0], ctx)
    return False


def _has_interval(n: Node) -> bool:
    if isinstance(n, Interval):
        return True
    if isinstance(n, Union):
        return any(_has_interval(x) or isinstance(x, Seq) and x.kind in ("pair", "closed2") for x in n.parts)
    if isinstance(n, Seq) and n.kind == "list":
        return any(isinstance(x, Interval) for x in n.items)
    return False


def _as_intervals(n: Node) -> list[Node] | None:
    """A union/list of intervals as a list of Interval nodes (pairs read as open intervals)."""
    if isinstance(n, Interval):
        return [n]
    if isinstance(n, Seq) and n.kind in ("pair", "closed2") and all(isinstance(x, Leaf) for x in n.items):
        a, b = n.items
        assert isinstance(a, Leaf) and isinstance(b, Leaf)
        closed = n.kind == "closed2"
        return [Interval(a.text, b.text, closed, closed)]
    if isinstance(n, Seq) and n.kind == "set":
        return [n]
    if isinstance(n, Union) or isinstance(n, Seq) and n.kind == "list":
        out: list[Node] = []
        for x in (n.parts if isinstance(n, Union) else n.items):
            sub = _as_intervals(x)
            if sub is None:
                return None
            out.extend(sub)
        return out
    return None


def _interval_eq(p: Node, g: Node, ctx: Ctx) -> bool:
    if isinstance(p, Interval) and isinstance(g, Interval):
        if p.lo_closed != g.lo_closed or p.hi_closed != g.hi_closed:
            return False
        return _end_eq(p.lo, g.lo, ctx) and _end_eq(p.hi, g.hi, ctx)
    if isinstance(p, Seq) and isinstance(g, Seq):
        return _seq_eq(p, g, ctx)
    return False


def _end_eq(p: str, g: str, ctx: Ctx) -> bool:
    p, g = p.strip().lstrip("+"), g.strip().lstrip("+")
    if "\\infty" in p or "\\infty" in g:
        return _compact(p) == _compact(g)
    return leaf_eq(p, g, ctx)


def _seq_eq(p: Seq, g: Seq, ctx: Ctx) -> bool:
    if len(p.items) != len(g.items):
        return False
    if {p.kind, g.kind} == {"pair", "closed2"}:
        return False  # (a, b) vs [a, b]: open vs closed
    ordered = g.kind in ("tuple", "pair", "closed2") and p.kind in ("tuple", "pair", "closed2", "list")
    if ordered:
        return all(node_eq(x, y, ctx) for x, y in zip(p.items, g.items, strict=True))
    return _unordered(list(p.items), list(g.items), ctx, node_eq)


def _unordered(ps: list[Node], gs: list[Node], ctx: Ctx, eq) -> bool:  # noqa: ANN001
    """A perfect matching between the two lists (cheap string pairing first, then greedy)."""
    if len(ps) != len(gs):
        return False
    ps, gs = list(ps), list(gs)
    # exact structural duplicates first: avoids needless symbolic calls
    for x in list(ps):
        if x in gs:
            ps.remove(x)
            gs.remove(x)
    for gx in gs:
        for k, px in enumerate(ps):
            if eq(px, gx, ctx):
                del ps[k]
                break
        else:
            return False
    return True


def _matrix_eq(p: Node, g: Node, ctx: Ctx) -> bool:
    def cells(n: Node) -> list[list[str]] | None:
        if isinstance(n, Matrix):
            return [list(r) for r in n.rows]
        if isinstance(n, Seq) and n.kind in ("tuple", "pair", "closed2", "list") and \
                all(isinstance(x, Leaf) for x in n.items):
            return [[x.text] for x in n.items if isinstance(x, Leaf)]
        return None

    a, b = cells(p), cells(g)
    if a is None or b is None:
        return False
    if isinstance(p, Matrix) != isinstance(g, Matrix):  # a vector written as a tuple: flatten both
        fa = [c for r in a for c in r]
        fb = [c for r in b for c in r]
        if len(a) > 1 and len(a[0]) > 1 or len(b) > 1 and len(b[0]) > 1:
            return False
        return len(fa) == len(fb) and all(leaf_eq(x, y, ctx) for x, y in zip(fa, fb, strict=True))
    if len(a) != len(b) or any(len(r) != len(s) for r, s in zip(a, b, strict=True)):
        return False
    return all(leaf_eq(x, y, ctx) for r, s in zip(a, b, strict=True) for x, y in zip(r, s, strict=True))


# ------------------------------------------------------------------------------------------ leaves


def _compact(s: str) -> str:
    return s.replace(" ", "")


def is_text(s: str) -> bool:
    """A word answer ("converges", "No"): letters and spaces, at least one real word, no LaTeX."""
    if "\\" in s or any(c.isdigit() for c in s):
        return False
    if not re.fullmatch(r"[A-Za-z][A-Za-z ,.'\-]*", s):
        return False
    return bool(_TEXT_WORD.search(s)) or s.lower() in _SHORT_TEXT


def _text_key(s: str) -> str:
    s = re.sub(r"[^a-z]", "", s.lower())
    return {"true": "yes", "false": "no"}.get(s, s)


def leaf_eq(p: str, g: str, ctx: Ctx) -> bool:
    p, g = p.strip(), g.strip()
    if _compact(p) == _compact(g):
        return True
    if not p or not g:
        return False
    if is_text(g) or is_text(p):
        return _text_key(p) == _text_key(g)
    pn, gn = parse_number(p), parse_number(g)
    if pn is not None and gn is not None:
        return numbers_match(pn, gn, allow_rounded_gold=ctx.rounded_gold)
    if gn is not None and pn is None:
        return _number_vs_expr(p, gn, ctx)
    if pn is not None and gn is None:
        if pn.degrees and "\\pi" in g:
            return _symbolic(_frac_text(pn.value), g, ctx, pred_deg=True)
        if pn.ulp is not None and _looks_exact_closed_form(g):
            return False  # a rounded decimal for an exact non-terminating value
        return _symbolic(_strip_marks(p), g, ctx)
    return _symbolic(p, g, ctx)


def _looks_exact_closed_form(g: str) -> bool:
    return bool(re.search(r"\\sqrt|\\pi|\\ln|\\log|\\sin|\\cos|\\tan|\be\^|\\frac", g)) and \
        not re.search(r"[a-df-zA-Z](?![a-zA-Z])", re.sub(r"\\[A-Za-z]+", "", g))


def _strip_marks(s: str) -> str:
    return s.rstrip("%°").strip()


def _frac_text(v: Fraction) -> str:
    if v.denominator == 1:
        return str(v.numerator)
    sign = "-" if v < 0 else ""
    return f"{sign}\\frac{{{abs(v.numerator)}}}{{{v.denominator}}}"


def _number_vs_expr(p: str, gn: Num, ctx: Ctx) -> bool:
    """Gold is a number; the prediction is a closed form (``\\frac{\\sqrt{6}}{2}``, ``\\pi/2``, ...)."""
    if _CODE.search(p):
        return False  # code in place of an answer
    gold_texts = [_frac_text(gn.value)]
    if gn.percent:
        gold_texts.append(_frac_text(gn.value / 100))
    for gt in gold_texts:
        ulp = None
        if gn.ulp is not None and (ctx.rounded_gold or gn.sci):
            ulp = gn.ulp if gt == gold_texts[0] else gn.ulp / 100
        if _symbolic(_strip_marks(p), gt, ctx, gold_ulp=ulp, gold_deg=gn.degrees and "\\pi" in p):
            return True
    return False


def _power_nesting(s: str) -> int:
    """How deeply ``^`` exponents nest (``2^{2^{2}}`` is 2)."""
    best = 0
    stack: list[bool] = []
    pending = False
    for c in s:
        if c == "^":
            pending = True
            level_now = sum(stack) + 1
            best = max(best, level_now)
            continue
        if c == "{":
            stack.append(pending)
        elif c == "}" and stack:
            stack.pop()
        pending = False
    return best


def symbolic_allowed(*texts: str) -> bool:
    for t in texts:
        if len(t) > MAX_SYMBOLIC_CHARS or _power_nesting(t) > MAX_POWER_NESTING:
            return False
        if any(len(d) > MAX_SYMBOLIC_DIGITS for d in re.findall(r"\d+", t)):
            return False
        if t.count("(") + t.count("{") + t.count("[") > 150:
            return False
        if re.search(r"\^\s*\{?\s*-?\d{5,}", t):  # 10^{100000}: never build such numbers
            return False
        if _power_nesting(t) >= 2 and not re.search(r"[A-Za-z]", re.sub(r"\\[A-Za-z]+", "", t)):
            return False  # a numeric power tower (10^{10^{10}})
    return True


def _symbolic(p: str, g: str, ctx: Ctx, *, gold_ulp: Fraction | None = None, gold_deg: bool = False,
              pred_deg: bool = False) -> bool:
    if not symbolic_allowed(p, g):
        return False
    if gold_ulp is None and not gold_deg and not pred_deg:
        fast = fast_equal(p, g)
        if fast is False or (fast is True and "." not in p and "." not in g):
            return fast  # decimals are exact rationals to the worker; floats cannot show that
    left = ctx.left()
    if left <= 0:
        raise GradeTimeout
    ctx.symbolic_calls += 1
    try:
        r = pool().call("compare", left, pred=p, gold=g,
                        gold_ulp=None if gold_ulp is None else f"{gold_ulp.numerator}/{gold_ulp.denominator}",
                        gold_deg=gold_deg, pred_deg=pred_deg)
    except WorkerTimeout:
        raise GradeTimeout from None
    except WorkerError:
        return False
    return r is True
