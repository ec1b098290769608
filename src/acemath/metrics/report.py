"""Report layer: per-benchmark metrics and their unweighted average as a rich table, Markdown, JSON and PNG.

Input is generic: ``{benchmark: {metric name: value}}`` where a value is a fraction in [0, 1] or a
dict holding at least ``"mean"`` (and optionally ``std``/``min``/``max``/``exact``), as returned by
:func:`acemath.metrics.evaluate`. Everything written for people (tables, JSON, plots) is in percent,
like the paper's tables: benchmarks as columns, the unweighted average ("Avg.") last.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from acemath.io import write_json

Metrics = Mapping[str, Mapping[str, Any]]
AVG = "Avg."

TIE_RULES_NOTE = ("ties: rm@k -> lowest sample index among equal rewards; maj@k -> most votes, then the group "
                  "whose earliest drawn member comes first (or highest total reward with --maj-tie-break reward); "
                  "no-answer samples never vote; ± = std over seeds")

_NAME = re.compile(r"^(?P<kind>[a-z_]+)@(?P<k>\d+)$")
_KIND_ORDER = {"maj": 0, "rm": 1, "pass": 2}


def value_of(v: Any) -> float:
    """The headline number of a metric value (a float, or the ``mean`` of a dict)."""
    return float(v["mean"]) if isinstance(v, Mapping) else float(v)


def metric_order(names: Sequence[str]) -> list[str]:
    """greedy, pass@1, then per k: maj@k, rm@k, pass@k (the paper's column order), then anything else."""

    def key(name: str) -> tuple[int, int, int, str]:
        if name == "greedy":
            return (0, 0, 0, name)
        m = _NAME.match(name)
        if m is None:
            return (3, 0, 0, name)
        k = int(m["k"])
        if k == 1:
            return (1, 0, _KIND_ORDER.get(m["kind"], 9), name)
        return (2, k, _KIND_ORDER.get(m["kind"], 9), name)

    return sorted(dict.fromkeys(names), key=key)


def average(metrics: Metrics) -> dict[str, float]:
    """Unweighted mean over benchmarks of every metric that all benchmarks have."""
    if not metrics:
        return {}
    common = set.intersection(*(set(m) for m in metrics.values()))
    return {name: sum(value_of(m[name]) for m in metrics.values()) / len(metrics) for name in common}


def _cell(v: Any, spread: bool) -> str:
    text = f"{100 * value_of(v):.2f}"
    if spread and isinstance(v, Mapping) and v.get("std") is not None and v.get("seeds", 1) > 1:
        text += f" ±{100 * float(v['std']):.2f}"
    return text


def _rows(metrics: Metrics, spread: bool) -> tuple[list[str], list[list[str]]]:
    benches = list(metrics)
    avg = average(metrics) if len(benches) > 1 else {}
    header = ["metric", *benches, *([AVG] if avg else [])]
    names = metric_order([n for m in metrics.values() for n in m])
    rows = []
    for name in names:
        row = [name] + [_cell(metrics[b][name], spread) if name in metrics[b] else "-" for b in benches]
        if avg:
            row.append(f"{100 * avg[name]:.2f}" if name in avg else "-")
        rows.append(row)
    return header, rows


def render_table(metrics: Metrics, *, title: str = "acemath metrics (%)", spread: bool = True) -> Any:
    """A ``rich.table.Table``: one row per metric, one column per benchmark, the average last."""
    from rich.table import Table

    header, rows = _rows(metrics, spread)
    table = Table(title=title)
    for i, col in enumerate(header):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def to_markdown(metrics: Metrics, *, spread: bool = True) -> str:
    header, rows = _rows(metrics, spread)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _percent(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {key: (100 * float(x) if key in ("mean", "std", "min", "max", "exact") else x)
                for key, x in v.items() if not key.startswith("_")}
    return 100 * float(v)


def to_json(metrics: Metrics, **extra: Any) -> dict[str, Any]:
    """The JSON record: ``unit`` percent, ``benchmarks`` {bench: {metric: ...}}, ``average``, plus ``extra``."""
    return {
        "unit": "percent",
        "benchmarks": {b: {n: _percent(m[n]) for n in metric_order(list(m))} for b, m in metrics.items()},
        "average": {n: 100 * v for n, v in sorted(average(metrics).items())},
        **extra,
    }


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_bars(metrics: Metrics, path: str | os.PathLike[str], *, names: Sequence[str] | None = None,
              title: str = "") -> Path:
    """Grouped bars: one group per benchmark (and the average), one bar per metric."""
    plt = _plt()
    names = list(names) if names is not None else metric_order(list(average(metrics)) or
                                                                [n for m in metrics.values() for n in m])
    avg = average(metrics) if len(metrics) > 1 else {}
    groups = [*metrics, *([AVG] if avg else [])]
    width = 0.8 / max(1, len(names))
    fig, ax = plt.subplots(figsize=(min(16.0, 3.0 + 0.35 * len(groups) * len(names)), 4))
    for j, name in enumerate(names):
        vals = [100 * value_of(metrics[g][name]) if g in metrics and name in metrics[g]
                else (100 * avg[name] if g == AVG and name in avg else math.nan) for g in groups]
        xs = [i + (j - (len(names) - 1) / 2) * width for i in range(len(groups))]
        ax.bar(xs, vals, width=width, label=name)
    ax.set_xticks(range(len(groups)), groups, rotation=20, ha="right")
    ax.set_ylabel("accuracy (%)")
    ax.set_title(title or "per-benchmark metrics")
    ax.set_ylim(0, 100)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_curves(curves: Mapping[str, Mapping[str, Sequence[float]]], path: str | os.PathLike[str], *,
                title: str = "") -> Path:
    """One panel per benchmark: pass@k, maj@k and rm@k against k (log2 axis), from :func:`curves`."""
    plt = _plt()
    benches = list(curves)
    cols = min(4, max(1, len(benches)))
    rows = math.ceil(len(benches) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.0 * rows), squeeze=False)
    for ax, bench in zip(axes.flat, benches, strict=False):
        c = curves[bench]
        for name, style in (("pass@k", "-o"), ("maj@k", "-s"), ("rm@k", "-^")):
            if name in c:
                ax.plot(c["k"], [100 * v for v in c[name]], style, label=name, markersize=4)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("k")
        ax.set_ylabel("%")
        ax.set_title(bench)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    for ax in list(axes.flat)[len(benches):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_report(metrics: Metrics, out_dir: str | os.PathLike[str], *,
                 curves: Mapping[str, Mapping[str, Sequence[float]]] | None = None,
                 title: str = "acemath metrics", notes: Sequence[str] = (), **extra: Any) -> dict[str, Path]:
    """Write ``report.md``, ``metrics.json``, ``metrics.png`` (bars) and, given curves, ``curves.png``.

    ``extra`` goes into metrics.json as is (e.g. protocol settings, sources). Returns the paths.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "metrics.json", "markdown": out / "report.md", "bars": out / "metrics.png"}
    payload = to_json(metrics, **extra)
    if curves:
        payload["curves"] = {b: {n: ([int(k) for k in v] if n == "k" else [100 * x for x in v])
                                 for n, v in c.items()} for b, c in curves.items()}
    write_json(paths["json"], payload)
    plot_bars(metrics, paths["bars"], title=title)
    md = [f"# {title}", "", "Accuracy in percent; `±` is the standard deviation over seeds. "
          "\"Avg.\" is the unweighted mean over benchmarks.", "", to_markdown(metrics), "![metrics](metrics.png)", ""]
    if curves:
        paths["curves"] = plot_curves(curves, out / "curves.png", title=title)
        md += ["![curves](curves.png)", ""]
    if notes:
        md += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    paths["markdown"].write_text("\n".join(md), encoding="utf-8")
    return paths
