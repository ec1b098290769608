r"""A tiny, safe LaTeX arithmetic evaluator for the in-process fast path (no SymPy, no eval).

Handles numbers, variables, ``+ - * /``, ``^``, implicit products, ``\frac``, ``\sqrt[n]{}``,
``\pi``, ``e``, ``\cdot``/``\times`` and the common functions. It evaluates both answers at fixed
sample points in complex double precision. It only *decides* clear cases: values that differ by
far more than rounding are unequal; values equal to 1e-12 everywhere are equal. Anything it does not
understand, or a value near the tolerance, is left to the symbolic worker (``None``).
"""

from __future__ import annotations

import cmath
import math
import re

_TOKEN = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+|\\[A-Za-z]+|[A-Za-z]|[-+*/^_(){}\[\]])")
_FUNCS = {
    "sin": cmath.sin, "cos": cmath.cos, "tan": cmath.tan, "ln": cmath.log, "log": cmath.log, "exp": cmath.exp,
    "sinh": cmath.sinh, "cosh": cmath.cosh, "tanh": cmath.tanh, "arcsin": cmath.asin, "arccos": cmath.acos,
    "arctan": cmath.atan, "sec": lambda z: 1 / cmath.cos(z), "csc": lambda z: 1 / cmath.sin(z),
    "cot": lambda z: 1 / cmath.tan(z),
}
_GREEK = {"alpha", "beta", "gamma", "delta", "theta", "lambda", "mu", "phi", "varphi", "omega", "rho", "sigma",
          "tau", "epsilon", "varepsilon", "eta", "xi", "psi", "zeta", "kappa", "nu", "Omega", "Delta", "Phi"}
_POINTS = (0.5321, 1.2713, 2.0917, -0.7389, 3.3137)
MAX_TOKENS = 300


class Unsupported(Exception):
    pass


class _Parser:
    def __init__(self, text: str) -> None:
        pos, toks = 0, []
        text = text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                raise Unsupported(text[pos:pos + 10])
            toks.append(m.group(1))
            pos = m.end()
            if len(toks) > MAX_TOKENS:
                raise Unsupported("too long")
        self.toks = toks
        self.i = 0
        self.vars: set[str] = set()

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, expected: str | None = None) -> str:
        t = self.peek()
        if t is None or (expected is not None and t != expected):
            raise Unsupported(f"expected {expected}")
        self.i += 1
        return t

    # Each parse_* returns a function env -> complex
    def parse(self):  # noqa: ANN201
        f = self.expr()
        if self.peek() is not None:
            raise Unsupported("trailing")
        return f

    def expr(self):  # noqa: ANN201
        f = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            g = self.term()
            f = (lambda a, b: lambda e: a(e) + b(e))(f, g) if op == "+" else (lambda a, b: lambda e: a(e) - b(e))(f, g)
        return f

    def _starts_atom(self, t: str | None) -> bool:
        if t is None:
            return False
        if t in ("(", "{", "[") or t[0].isdigit() or t[0] == "." or (len(t) == 1 and t.isalpha()):
            return True
        return t.startswith("\\") and t[1:] in (_FUNCS.keys() | _GREEK | {"frac", "sqrt", "pi"})

    def term(self):  # noqa: ANN201
        f = self.unary()
        while True:
            t = self.peek()
            if t in ("*", "/", "\\cdot", "\\times", "\\div"):
                self.take()
                g = self.unary()
                if t in ("/", "\\div"):
                    f = (lambda a, b: lambda e: a(e) / b(e))(f, g)
                else:
                    f = (lambda a, b: lambda e: a(e) * b(e))(f, g)
            elif self._starts_atom(t):
                g = self.power()
                f = (lambda a, b: lambda e: a(e) * b(e))(f, g)
            else:
                return f

    def unary(self):  # noqa: ANN201
        if self.peek() == "-":
            self.take()
            g = self.unary()
            return lambda e: -g(e)
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self):  # noqa: ANN201
        base = self.atom()
        if self.peek() == "^":
            self.take()
            ex = self.exponent()
            return (lambda a, b: lambda e: _pow(a(e), b(e)))(base, ex)
        return base

    def exponent(self):  # noqa: ANN201
        t = self.peek()
        if t == "{":
            return self.group()
        if t == "-":
            self.take()
            g = self.atom()
            return lambda e: -g(e)
        tok = self.take()
        if tok[0].isdigit():
            if len(tok) > 1 and "." not in tok:  # 2^10 means 2^{1}0 in LaTeX: leave it to SymPy
                raise Unsupported("ambiguous exponent")
            v = complex(float(tok))
            return lambda e: v
        self.i -= 1
        return self.atom()

    def group(self):  # noqa: ANN201
        self.take("{")
        f = self.expr()
        self.take("}")
        return f

    def atom(self):  # noqa: ANN201
        t = self.take()
        if t[0].isdigit() or t[0] == ".":
            v = complex(float(t))
            return lambda e: v
        if t in ("(", "["):
            f = self.expr()
            self.take(")" if t == "(" else "]")
            return f
        if t == "{":
            f = self.expr()
            self.take("}")
            return f
        if t == "\\pi":
            return lambda e: complex(math.pi)
        if t == "\\frac":
            a, b = self.group(), self.group()
            return lambda e: a(e) / b(e)
        if t == "\\sqrt":
            n = None
            if self.peek() == "[":
                self.take("[")
                n = self.expr()
                self.take("]")
            a = self.group() if self.peek() == "{" else self.atom()
            if n is None:
                return lambda e: _root(a(e), 2.0)
            nn = n
            return lambda e: _root(a(e), nn(e).real)
        if t.startswith("\\") and t[1:] in _FUNCS:
            fn = _FUNCS[t[1:]]
            power = None
            if self.peek() == "^":
                self.take()
                power = self.exponent()
            arg = self.atom() if self.peek() in ("(", "{", "[") else self.power()
            if power is None:
                return lambda e: fn(arg(e))
            pw = power
            return lambda e: _pow(fn(arg(e)), pw(e))
        if (len(t) == 1 and t.isalpha()) or (t.startswith("\\") and t[1:] in _GREEK):
            name = t
            if self.peek() == "_":
                self.take()
                sub = self.take()
                if sub == "{":
                    parts = []
                    while self.peek() not in ("}", None):
                        parts.append(self.take())
                    self.take("}")
                    sub = "".join(parts)
                name = f"{t}_{sub}"
            if name == "e":
                return lambda e: complex(math.e)
            self.vars.add(name)
            return lambda e: e[name]
        raise Unsupported(t)


def _pow(a: complex, b: complex) -> complex:
    if abs(b) > 400 or (abs(a) > 1e6 and abs(b) > 40):
        raise Unsupported("large power")
    if b.imag == 0 and b.real == int(b.real):
        return a ** int(b.real)
    if a.imag == 0 and a.real > 0:
        return complex(a.real ** b.real) if b.imag == 0 else cmath.exp(b * math.log(a.real))
    return a ** b


def _root(a: complex, n: float) -> complex:
    if a.imag == 0 and a.real < 0 and n == int(n) and int(n) % 2 == 1:
        return complex(-((-a.real) ** (1 / n)))
    return a ** (1 / n)


def fast_equal(p: str, g: str) -> bool | None:
    """True/False when the two LaTeX expressions are clearly equal/unequal as functions; else None."""
    try:
        pp, gp = _Parser(p), _Parser(g)
        fp, fg = pp.parse(), gp.parse()
    except (Unsupported, RecursionError):
        return None
    names = sorted(pp.vars | gp.vars)
    points = 1 if not names else len(_POINTS)
    unsure = False
    for k in range(points):
        env = {n: complex(_POINTS[(k + j) % len(_POINTS)]) for j, n in enumerate(names)}
        try:
            a, b = fp(env), fg(env)
        except (ZeroDivisionError, OverflowError, ValueError, Unsupported):
            return None
        if any(math.isnan(x) or math.isinf(x) for x in (a.real, a.imag, b.real, b.imag)):
            return None
        diff = abs(a - b)
        scale = max(1.0, abs(b))
        if diff > 1e-6 * scale:
            return False
        if diff > 1e-12 * scale:
            unsure = True
    return None if unsure else True
