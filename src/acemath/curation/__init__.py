"""Data curation at million-prompt scale (PAPER.md sections 2-3): dedup, decontamination, prompt
evolution, teacher responses with filters, cross-checking and stage blends.

Each step streams JSONL/Parquet in bounded memory and writes its output, ``dropped.jsonl`` (every
dropped row with its reason), ``report.json``/``report.md`` and ``run.json``. CLI: ``acemath curate``.
"""

from __future__ import annotations

from acemath.curation.blend import Source, blend
from acemath.curation.crosscheck import crosscheck, exact_equivalent, resolve_equivalence
from acemath.curation.decontam import ContaminationIndex, build_index, decontaminate, lcs_len, load_test_sets
from acemath.curation.dedup import dedup
from acemath.curation.evolve import evolve
from acemath.curation.minhash import MinHashConfig
from acemath.curation.respond import BOXED_INSTRUCTION, check_response, is_degenerate, respond

__all__ = [
    "BOXED_INSTRUCTION", "ContaminationIndex", "MinHashConfig", "Source", "blend", "build_index", "check_response",
    "crosscheck", "decontaminate", "dedup", "evolve", "exact_equivalent", "is_degenerate", "lcs_len",
    "load_test_sets", "resolve_equivalence", "respond",
]
