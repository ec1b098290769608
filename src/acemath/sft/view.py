"""``acemath sft inspect``: show which tokens of a few rows carry loss.

Loss-carrying text is highlighted (rich) on a terminal, or wrapped in ``[[`` ``]]`` with ``--plain`` or
when the output is not a terminal, so that a mask mistake (a trained prompt, an untrained ``<|im_end|>``)
is visible before a long run.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from acemath.errors import InputError
from acemath.io import iter_rows
from acemath.sft.data import IGNORE, Masker, check_messages, encode
from acemath.sft.recipe import Source, Stage

OPEN, CLOSE = "[[", "]]"


def first_rows(sources: list[Source], n: int) -> list[tuple[str, int, list[dict[str, str]]]]:
    """Up to ``n`` conversations from the sources, in order: ``(source, row number, messages)``."""
    out: list[tuple[str, int, list[dict[str, str]]]] = []
    for src in sources:
        if len(out) >= n:
            break
        if src.path is not None:
            for line, row in islice(iter_rows(src.path), n - len(out)):
                if src.field not in row:
                    raise InputError("missing required field", path=src.path, line=line, field=src.field)
                out.append((src.label, line, check_messages(row[src.field], path=src.path, line=line,
                                                            field_name=src.field)))
        else:
            import datasets

            ds = datasets.load_dataset(src.hub, src.subset, split=f"{src.split}[:{n - len(out)}]")
            for i, m in enumerate(ds[src.field]):
                out.append((src.label, i + 1, check_messages(m, path=src.hub, line=i + 1, field_name=src.field)))
    return out


def segments(tokenizer: Any, input_ids: list[int], labels: list[int]) -> list[tuple[str, bool]]:
    """Decoded runs of consecutive tokens that do / do not carry loss."""
    runs: list[tuple[list[int], bool]] = []
    for tok, lab in zip(input_ids, labels, strict=True):
        loss = lab != IGNORE
        if runs and runs[-1][1] == loss:
            runs[-1][0].append(tok)
        else:
            runs.append(([tok], loss))
    return [(tokenizer.decode(ids, skip_special_tokens=False), loss) for ids, loss in runs]


def plain_text(segs: list[tuple[str, bool]]) -> str:
    return "".join(f"{OPEN}{s}{CLOSE}" if loss else s for s, loss in segs)


def inspect_stage(stage: Stage, masker: Masker, tokenizer: Any, rows: int = 3, plain: bool = False) -> str:
    """Print (and return as plain text) a few rows of ``stage`` with their loss tokens marked."""
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    plain = plain or not console.is_terminal
    report = []
    head = (f"stage {stage.name}: mask method {masker.method!r}, max_length {stage.data.max_length}, "
            f"over-long rows: {stage.data.overlong}. Loss-carrying text is "
            + (f"inside {OPEN} {CLOSE}." if plain else "highlighted."))
    report.append(head)
    console.print(head, markup=False)
    for source, line, messages in first_rows(stage.data.sources, rows):
        enc, status = encode(messages, masker, stage.data.max_length, stage.data.overlong)
        if enc is None:
            msg = f"\n--- {source} row {line}: {status}"
            report.append(msg)
            console.print(msg, markup=False)
            continue
        n_loss = sum(1 for t in enc["labels"] if t != IGNORE)
        msg = (f"\n--- {source} row {line}: {len(enc['input_ids'])} tokens, {n_loss} carry loss"
               + ("" if status == "ok" else f" ({status})"))
        segs = segments(tokenizer, enc["input_ids"], enc["labels"])
        body = plain_text(segs)
        report += [msg, body]
        console.print(msg, markup=False)
        if plain:
            console.print(body, markup=False)
        else:
            text = Text()
            for s, loss in segs:
                text.append(s, style="bold black on green" if loss else "dim")
            console.print(text)
    return "\n".join(report)
