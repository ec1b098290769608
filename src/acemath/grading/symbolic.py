r"""Symbolic comparison with SymPy; runs ONLY inside a worker process (:mod:`acemath.grading.worker`).

LaTeX is parsed by latex2sympy2_extended's ANTLR grammar (no ``eval``/``sympify``/``parse_expr`` of
text: its ``parse_expr`` is only reached through ``variable_values``, which we never pass). The
worker is killed when a comparison overruns its time bound, so nothing here needs its own timeout.

Policy: decimals written in an answer are taken as the exact rationals they spell (so ``1.4142``
is not ``\sqrt{2}``); two expressions are equal when their difference simplifies to zero, or when
it vanishes at several fixed sample points (deterministic); equations are equal when one side
difference is a constant multiple of the other.
"""

from __future__ import annotations

import re
from typing import Any

_POINTS = ("0.5321", "1.2713", "2.0917", "-0.7389", "3.3137")


def _parse(tex: str) -> Any:
    from latex2sympy2_extended import latex2sympy
    from latex2sympy2_extended.latex2sympy2 import ConversionConfig
    from latex2sympy2_extended.math_normalization import NormalizationConfig

    norm = NormalizationConfig(basic_latex=True, units=False, malformed_operators=True, nits=False,
                               boxed="none", equations=False)
    conv = ConversionConfig(interpret_as_mixed_fractions=True, interpret_simple_eq_as_assignment=False,
                            interpret_contains_as_eq=True, lowercase_symbols=False)
    # latex2sympy mis-reads juxtaposed commands ("\\binom{a}{b}\\binom{c}{d}"): make products explicit
    tex = re.sub(r"\}\s*(?=\\(?:binom|frac|sqrt)(?![A-Za-z]))", r"} \\cdot ", tex)
    return latex2sympy(tex, normalization_config=norm, conversion_config=conv)


def _exactify(expr: Any) -> Any:
    import sympy

    if not isinstance(expr, sympy.Basic):
        return expr
    floats = expr.atoms(sympy.Float)
    if not floats:
        return expr
    return expr.xreplace({f: sympy.Rational(str(f)) for f in floats})


def _numeric_zero(d: Any, scale: Any) -> bool | None:
    """Is the closed-form number ``d`` zero? Decided at 60 digits; None when it cannot be evaluated."""
    import sympy

    try:
        v = sympy.N(d, 60)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if not v.is_number or v.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return None
    try:
        ref = abs(sympy.N(scale, 60))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        ref = sympy.Integer(1)
    if not ref.is_number or ref.has(sympy.nan, sympy.zoo, sympy.oo):
        ref = sympy.Integer(1)
    return bool(abs(v) <= sympy.Float("1e-40", 60) * sympy.Max(1, ref))


def _sample_equal(d: Any, symbols: list[Any], scale: Any) -> bool | None:
    """Is ``d`` zero at all sample points (30 digits)? None when fewer than 3 points give a finite value."""
    import sympy

    finite = 0
    for k in range(len(_POINTS)):
        subs = {s: sympy.Rational(_POINTS[(k + j) % len(_POINTS)]) for j, s in enumerate(symbols)}
        try:
            v = complex(sympy.N(d.xreplace(subs), 30))
            ref = complex(sympy.N(scale.xreplace(subs), 30))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            continue
        if v != v or abs(v) == float("inf") or ref != ref or abs(ref) == float("inf"):
            continue
        finite += 1
        if abs(v) > 1e-12 * max(1.0, abs(ref)):
            return False
    return True if finite >= 3 else None


def _expr_equal(a: Any, b: Any) -> bool | None:
    import sympy

    if isinstance(a, sympy.MatrixBase) or isinstance(b, sympy.MatrixBase):
        if not (isinstance(a, sympy.MatrixBase) and isinstance(b, sympy.MatrixBase)) or a.shape != b.shape:
            return False
        return all(_expr_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, sympy.Eq) or isinstance(b, sympy.Eq):
        if not (isinstance(a, sympy.Eq) and isinstance(b, sympy.Eq)):
            return False
        da, db = a.lhs - a.rhs, b.lhs - b.rhs
        if _expr_equal(da, db) or _expr_equal(da, -db):
            return True
        ratio = sympy.simplify(da / db)
        return bool(ratio.is_number and ratio != 0)
    if isinstance(a, sympy.Set) or isinstance(b, sympy.Set):
        try:
            return bool(a == b) or bool(sympy.simplify(a) == sympy.simplify(b))
        except (TypeError, ValueError):
            return None
    if not isinstance(a, sympy.Expr) or not isinstance(b, sympy.Expr):
        return bool(a == b)
    d = a - b
    if d == 0:
        return True
    syms = sorted(d.free_symbols, key=lambda s: s.name)
    if not syms:
        zero = _numeric_zero(d, b)
        if zero is not None:
            return zero
        return bool(sympy.simplify(d) == 0)
    sample = _sample_equal(d, syms, b)
    if sample is not None:
        return sample
    return bool(sympy.simplify(d) == 0)


def compare(pred: str, gold: str, *, gold_ulp: str | None = None, gold_deg: bool = False,
            pred_deg: bool = False) -> bool | None:
    """True/False, or None when either side does not parse."""
    import sympy

    try:
        a = _exactify(_parse(pred))
        b = _exactify(_parse(gold))
    except Exception:  # the grammar rejects it: not comparable symbolically
        return None
    if gold_deg:
        b = b * sympy.pi / 180
    if pred_deg:
        a = a * sympy.pi / 180
    if gold_ulp is not None and isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr):
        if a.free_symbols or b.free_symbols:
            return False
        ulp = sympy.Rational(gold_ulp)
        try:
            return bool(abs(sympy.N(a - b, 40)) * 2 <= ulp)
        except TypeError:
            return None
    return _expr_equal(a, b)
