"""Answer grading: final-answer extraction, equivalence under SPEC.md's policy, time-bounded.

Public API::

    from acemath.grading import grade, extract_answer, answers_equivalent, Verdict
    grade(response, gold, benchmark=None, *, choices=None, meta=None, timeout=10.0) -> Verdict

Files: :func:`acemath.grading.run.grade_rows` and the ``acemath grade`` command.
"""

from acemath.grading.api import STATUSES, Verdict, answers_equivalent, clear_cache, grade
from acemath.grading.extract import extract_answer

__all__ = ["STATUSES", "Verdict", "answers_equivalent", "clear_cache", "extract_answer", "grade"]
