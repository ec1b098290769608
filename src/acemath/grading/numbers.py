r"""Exact parsing of numeric answers into :class:`fractions.Fraction`, with size guards.

Accepted spellings (after :func:`acemath.grading.normalize.normalize`): integers with or without
thousands separators (``1,234``, ``1{,}234``), decimals (``.5``, ``3.``), scientific notation
(``4e33``, ``4\times10^{33}``, ``10^{-3}``), fractions of numbers (``\frac{3}{4}``, ``-3/4``),
mixed numbers (``2\frac{1}{2}``), a trailing percent (``25%``) or degree sign (``30°``).

Guards: at most :data:`MAX_DIGITS` digits and exponents within :data:`MAX_EXPONENT`; anything
bigger is "not a number" here and is compared as a string, never built symbolically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

MAX_DIGITS = 4000
MAX_EXPONENT = 400


@dataclass(frozen=True)
class Num:
    """A parsed number. ``ulp`` is the unit of the last written digit of a decimal (None: exact)."""

    value: Fraction
    ulp: Fraction | None = None
    percent: bool = False
    degrees: bool = False
    sci: bool = False


_INT = r"\d{1,3}(?:,\d{3})+|\d+"
_DEC = rf"(?:{_INT})(?:\.\d*)?|\.\d+"
_PLAIN = re.compile(rf"([+-]?)({_DEC})")
_SCI_E = re.compile(rf"([+-]?)({_DEC})[eE]([+-]?\d+)")
_SCI_T = re.compile(rf"([+-]?)(?:({_DEC})(?:\\times|\\cdot|\*|x))?10\^(?:\{{([+-]?\d+)\}}|([+-]?\d))")
_FRAC = re.compile(r"([+-]?)\\frac\{([^{}]+)\}\{([^{}]+)\}")
_SLASH = re.compile(r"([+-]?)([^/]+)/([^/]+)")
_MIXED = re.compile(r"([+-]?)(\d+)\\frac\{(\d+)\}\{(\d+)\}")


def _digits_ok(text: str) -> bool:
    return sum(ch.isdigit() for ch in text) <= MAX_DIGITS


def _decimal(body: str) -> tuple[Fraction, Fraction | None]:
    body = body.replace(",", "")
    if "." in body:
        ip, fp = body.split(".", 1)
        ip = ip or "0"
        if not fp:
            return Fraction(int(ip)), None
        return Fraction(int(ip + fp), 10 ** len(fp)), Fraction(1, 10 ** len(fp))
    return Fraction(int(body)), None


@lru_cache(maxsize=65536)
def parse_number(s: str) -> Num | None:
    """Parse a normalised answer as an exact number, or None."""
    s = s.replace(" ", "")
    if not s or len(s) > MAX_DIGITS + 40 or not _digits_ok(s):
        return None
    percent = degrees = False
    if s.endswith("%"):
        percent, s = True, s[:-1]
    elif s.endswith("°"):
        degrees, s = True, s[:-1]
    if s.startswith("{") and s.endswith("}") and s.count("{") == 1:
        s = s[1:-1]
    num = _parse_plain(s)
    if num is None:
        return None
    return Num(num.value, num.ulp, percent, degrees, num.sci)


def _parse_plain(s: str) -> Num | None:
    m = _PLAIN.fullmatch(s)
    if m:
        v, ulp = _decimal(m.group(2))
        return Num(-v if m.group(1) == "-" else v, ulp)
    m = _SCI_E.fullmatch(s) or None
    if m:
        return _sci(m.group(1), m.group(2), m.group(3))
    m = _SCI_T.fullmatch(s)
    if m:
        return _sci(m.group(1), m.group(2) or "1", m.group(3) or m.group(4), exact_mantissa=m.group(2) is None)
    m = _MIXED.fullmatch(s)
    if m:
        whole, a, b = int(m.group(2)), int(m.group(3)), int(m.group(4))
        if b == 0 or a >= b:
            return None
        v = whole + Fraction(a, b)
        return Num(-v if m.group(1) == "-" else v)
    m = _FRAC.fullmatch(s)
    if m:
        return _ratio(m.group(1), m.group(2), m.group(3))
    if s.count("/") == 1 and "\\" not in s:
        m = _SLASH.fullmatch(s)
        if m:
            return _ratio(m.group(1), m.group(2), m.group(3))
    return None


def _sci(sign: str, mant: str, exp: str, exact_mantissa: bool = False) -> Num | None:
    e = int(exp)
    if abs(e) > MAX_EXPONENT:
        return None
    v, ulp = _decimal(mant)
    if ulp is None and not exact_mantissa:
        ulp = Fraction(1)
    scale = Fraction(10) ** e
    return Num((-v if sign == "-" else v) * scale, None if exact_mantissa else (ulp or Fraction(1)) * scale,
               sci=True)


def _ratio(sign: str, a: str, b: str) -> Num | None:
    na, nb = _parse_plain(a), _parse_plain(b)
    if na is None or nb is None or nb.value == 0:
        return None
    v = na.value / nb.value
    ulp = None if na.ulp is None and nb.ulp is None else Fraction(0)  # a ratio of decimals: treat as exact
    return Num(-v if sign == "-" else v, ulp if ulp else None)


def numbers_match(pred: Num, gold: Num, *, allow_rounded_gold: bool) -> bool:
    """The numeric policy of SPEC.md: exact values; percent vs fraction; rounded golds to their precision."""
    g_values = [gold.value]
    if gold.percent:
        g_values.append(gold.value / 100)
    p_values = [pred.value]
    if pred.percent:
        p_values = [pred.value / 100, pred.value] if not gold.percent else [pred.value]
    if gold.percent and pred.percent:
        g_values = [gold.value]
    rounded = gold.ulp is not None and (allow_rounded_gold or gold.sci)
    for gv in g_values:
        for pv in p_values:
            if pv == gv:
                return True
            if rounded and gold.ulp is not None:
                scale = gold.ulp if gv is gold.value else gold.ulp / 100
                if pred.ulp is not None and pred.ulp > scale:
                    continue
                if abs(pv - gv) * 2 <= scale:
                    return True
    return False
